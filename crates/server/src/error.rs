//! The API's errors: the one table and type are [`app::error`]; this adds the JSON
//! body extractor whose rejections are errors from that table.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

pub use app::error::*;

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
        let Json(value) = Json::<T>::from_request(request, state).await.map_err(rejected)?;
        Ok(ApiJson(value))
    }
}

/// The error of a JSON body that could not be read, by what was wrong with it.
fn rejected(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // serde's message names the path and the expected type.
            let detail = std::error::Error::source(&error)
                .map(ToString::to_string)
                .unwrap_or_default();
            ApiError::new("E_JSON_INVALID", format!("请求内容的字段类型或取值不正确：{detail}"))
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::new("E_JSON_MALFORMED", "请求内容不是合法的 JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new("E_CONTENT_TYPE", "请求须使用 Content-Type: application/json")
        }
        JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new("E_BODY_TOO_LARGE", "请求内容过大")
        }
        _ => ApiError::new("E_BAD_REQUEST", "请求无法读取"),
    }
}
