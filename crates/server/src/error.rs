//! The one API error type: an HTTP status, a stable code, a Chinese message, and
//! the field at fault. Every refusal of user input goes through it, so a client
//! never sees a 500 for bad input.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cases::{CaseError, FieldIssue};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldIssue>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "E_UNAUTHENTICATED", "请先登录")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "E_FORBIDDEN", message)
    }

    pub fn case_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND", "没有找到该办件")
    }

    /// Another request changed the same thing first, again and again.
    pub fn concurrent_update() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "E_CONCURRENT_UPDATE",
            "办件正被同时修改，请稍后重试",
        )
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "E_INTERNAL", "系统繁忙，请稍后再试")
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a ApiError,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(Body { error: &self })).into_response()
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        Self::internal(error)
    }
}

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        let status = match &error {
            CaseError::InvalidCaseId(_) => StatusCode::BAD_REQUEST,
            CaseError::Form(_) | CaseError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CaseError::UnknownTask(_) => StatusCode::NOT_FOUND,
            CaseError::WrongDepartment { .. } | CaseError::NotAllowed => StatusCode::FORBIDDEN,
            CaseError::IllegalTransition { .. } | CaseError::NoSupplementPending => StatusCode::CONFLICT,
            CaseError::Calendar(_) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let mut api = ApiError::new(status, error.code(), error.to_string());
        if let CaseError::Form(issues) = error {
            api.field = issues.first().map(|issue| issue.field.clone());
            api.details = issues;
        }
        api
    }
}

/// `Json<T>` whose rejections are [`ApiError`]s with specific codes.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(ApiJson(value))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(error) => {
                // serde's message names the path and the expected type.
                let detail = std::error::Error::source(&error)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "E_JSON_INVALID",
                    format!("请求内容的字段类型或取值不正确：{detail}"),
                )
            }
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "E_JSON_MALFORMED", "请求内容不是合法的 JSON")
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "E_CONTENT_TYPE",
                "请求须使用 Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "E_BODY_TOO_LARGE", "请求内容过大")
            }
            other => ApiError::new(other.status(), "E_BAD_REQUEST", "请求无法读取"),
        }
    }
}
