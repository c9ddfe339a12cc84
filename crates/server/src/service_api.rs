//! The API's door for department systems: the OAuth 2.0 token endpoint (client
//! credentials grant, RFC 6749 §4.4) and the admin's management of their clients.
//! What a secret or token allows is decided in [`app::service`]; the department-task
//! routes that accept a system's token are in `api.rs` (extractor `Caller`).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::default()
        .routes(routes!(token))
        .routes(routes!(list_clients, create_client))
        .routes(routes!(rotate_secret))
        .routes(routes!(revoke_secret))
        .routes(routes!(revoke_client))
}

/// 令牌请求（application/x-www-form-urlencoded）
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// 固定为 client_credentials
    grant_type: Option<String>,
    /// 以空格分隔的权限范围，不填为该系统获授权的全部
    scope: Option<String>,
    /// 客户端标识（也可用 HTTP Basic 认证传递）
    client_id: Option<String>,
    /// 客户端密钥（也可用 HTTP Basic 认证传递）
    client_secret: Option<String>,
}

/// 访问令牌（RFC 6749 第 5.1 节）
#[derive(Serialize, ToSchema)]
pub struct TokenAnswer {
    /// 用作 Authorization: Bearer
    access_token: String,
    /// 固定为 Bearer
    token_type: &'static str,
    /// 有效秒数
    expires_in: i64,
    /// 以空格分隔的权限范围
    scope: String,
}

/// 令牌端点的错误（RFC 6749 第 5.2 节）
#[derive(Serialize, ToSchema)]
pub struct OAuthError {
    /// invalid_request、invalid_client、unsupported_grant_type 或 invalid_scope
    error: String,
    /// 中文说明
    error_description: String,
    /// 本系统的错误代码，如 E_CLIENT_AUTH_FAILED
    code: String,
}

/// Client id and secret from HTTP Basic (RFC 6749 §2.3.1: each form-urlencoded).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || ApiError::new("E_CLIENT_AUTH_FAILED", "Authorization 头不是有效的 Basic 认证");
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or_else(bad)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| bad())
    };
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "service-clients",
    summary = "部门业务系统以客户端凭证换取访问令牌（OAuth 2.0 client_credentials）",
    description = "请求体为 application/x-www-form-urlencoded：grant_type=client_credentials，可选 scope；客户端标识与密钥用 HTTP Basic 认证或表单字段 client_id、client_secret 传递。密钥错误计入锁定。",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "访问令牌", body = TokenAnswer),
        (status = 400, description = "RFC 6749 第 5.2 节的错误：error 为 invalid_request、unsupported_grant_type 或 invalid_scope，error_description 为中文说明，code 为本系统的错误代码", body = OAuthError),
        (status = 401, description = "invalid_client：客户端标识或密钥不正确", body = OAuthError),
        (status = 429, description = "invalid_client：密钥错误次数过多，暂时锁定", body = OAuthError)
    )
)]
async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    match issue(&state, &headers, form).await {
        Ok(response) => response,
        Err(error) => oauth_error(error),
    }
}

/// RFC 6749 §5.2: the token endpoint answers errors in OAuth's own shape, the one
/// off-the-shelf OAuth client libraries read: `error` (a registered code) and
/// `error_description` (here in Chinese), with our stable code beside them as `code`.
/// A failed client authentication is 401 with `WWW-Authenticate`; a locked client
/// keeps 429 (and its Retry-After-like message); server faults keep our shape.
fn oauth_error(error: ApiError) -> Response {
    let oauth = match error.code {
        "E_CLIENT_AUTH_FAILED" | "E_CLIENT_LOCKED" => "invalid_client",
        "E_GRANT_TYPE_UNSUPPORTED" => "unsupported_grant_type",
        "E_SCOPE_INVALID" => "invalid_scope",
        _ if error.status.is_server_error() => return error.into_response(),
        _ => "invalid_request",
    };
    let status = match error.status {
        StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS => error.status,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = serde_json::json!({
        "error": oauth,
        "error_description": error.message,
        "code": error.code,
    });
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"onething\", charset=\"UTF-8\""),
        );
    }
    response
}

async fn issue(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(request) = form.map_err(|rejection| match rejection {
        FormRejection::InvalidFormContentType(_) => {
            ApiError::new("E_CONTENT_TYPE", "令牌请求须为 application/x-www-form-urlencoded")
        }
        _ => ApiError::new("E_BAD_REQUEST", "令牌请求无法读取"),
    })?;
    if request.grant_type.as_deref() != Some("client_credentials") {
        return Err(
            ApiError::new("E_GRANT_TYPE_UNSUPPORTED", "只支持 grant_type=client_credentials").field("grant_type"),
        );
    }
    let (client_id, secret) = match (basic_credentials(headers)?, request.client_id, request.client_secret) {
        (Some(basic), None, None) => basic,
        (None, Some(id), Some(secret)) => (id, secret),
        (Some(_), _, _) => {
            return Err(ApiError::new(
                "E_CLIENT_AUTH_FAILED",
                "客户端凭证只能用一种方式传递（HTTP Basic 或表单）",
            ));
        }
        _ => return Err(ApiError::new("E_CLIENT_AUTH_FAILED", "缺少客户端标识或密钥")),
    };
    let issued = app::service::issue_token(state, &client_id, &secret, request.scope.as_deref()).await?;
    let mut response = Json(TokenAnswer {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: domain::Scope::join(&issued.scopes),
    })
    .into_response();
    // RFC 6749 §5.1: a token is never cached.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// 密钥（不含密钥本身）
#[derive(Serialize, ToSchema)]
pub struct SecretView {
    id: String,
    created_at: DateTime<Utc>,
    /// 更换密钥后的过渡期结束时间
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    /// 现在是否有效
    live: bool,
}

/// 部门系统凭证
#[derive(Serialize, ToSchema)]
pub struct ClientView {
    client_id: String,
    name: String,
    department: String,
    department_name: String,
    /// 权限范围
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    created_by: String,
    revoked_at: Option<DateTime<Utc>>,
    secrets: Vec<SecretView>,
}

fn client_view(state: &AppState, client: domain::ServiceClient) -> ClientView {
    let now = state.now();
    ClientView {
        department_name: state.catalog.department_name(&client.department).to_owned(),
        scopes: client.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        secrets: client
            .secrets
            .iter()
            .map(|s| SecretView {
                id: s.id.clone(),
                created_at: s.created_at,
                expires_at: s.expires_at,
                revoked_at: s.revoked_at,
                live: s.live_at(now) && client.revoked_at.is_none(),
            })
            .collect(),
        client_id: client.client_id,
        name: client.name,
        department: client.department,
        created_at: client.created_at,
        created_by: client.created_by,
        revoked_at: client.revoked_at,
    }
}

/// 部门系统凭证列表
#[derive(Serialize, ToSchema)]
pub struct ClientList {
    clients: Vec<ClientView>,
}

#[utoipa::path(
    get,
    path = "/admin/service-clients",
    tag = "service-clients",
    summary = "部门系统凭证列表（系统管理员）",
    security(("bearer" = [])),
    responses((status = 200, description = "凭证列表", body = ClientList), (status = 401), (status = 403))
)]
async fn list_clients(State(state): State<Arc<AppState>>, user: CurrentUser) -> Result<Json<ClientList>, ApiError> {
    let clients = app::service::list_clients(&state, &user.0).await?;
    Ok(Json(ClientList {
        clients: clients.into_iter().map(|c| client_view(&state, c)).collect(),
    }))
}

/// 新建部门系统凭证
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    /// 系统名称，如“公安户籍业务系统”
    name: String,
    /// 部门代码
    department: String,
    /// 权限范围：tasks:read、tasks:accept、tasks:supplement、tasks:approve、tasks:reject、fields:read
    scopes: Vec<String>,
}

/// 新的密钥：只显示这一次
#[derive(Serialize, ToSchema)]
pub struct IssuedSecretView {
    client: ClientView,
    secret_id: String,
    /// 客户端密钥，只显示这一次，请妥善保存
    client_secret: String,
}

#[utoipa::path(
    post,
    path = "/admin/service-clients",
    tag = "service-clients",
    summary = "新建部门系统凭证（系统管理员）：密钥只显示一次",
    security(("bearer" = [])),
    request_body = NewClientBody,
    responses(
        (status = 201, description = "凭证与密钥", body = IssuedSecretView),
        (status = 400), (status = 401), (status = 403), (status = 415), (status = 422)
    )
)]
async fn create_client(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewClientBody>,
) -> Result<(StatusCode, Json<IssuedSecretView>), ApiError> {
    let input = app::service::NewClient {
        name: body.name,
        department: body.department,
        scopes: body.scopes,
    };
    let issued = app::service::create_client(&state, &user.0, input).await?;
    Ok((StatusCode::CREATED, Json(issued_view(&state, issued))))
}

fn issued_view(state: &AppState, issued: app::service::IssuedSecret) -> IssuedSecretView {
    IssuedSecretView {
        client: client_view(state, issued.client),
        secret_id: issued.secret_id,
        client_secret: issued.secret,
    }
}

/// 更换密钥
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// 旧密钥继续有效的小时数（过渡期），默认 24，0 为立即失效
    #[serde(default)]
    grace_hours: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/admin/service-clients/{client_id}/secrets",
    tag = "service-clients",
    summary = "更换密钥（系统管理员）：新密钥只显示一次，旧密钥在过渡期内仍然有效",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "客户端标识")),
    request_body = RotateBody,
    responses(
        (status = 201, description = "新密钥", body = IssuedSecretView),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 415), (status = 422)
    )
)]
async fn rotate_secret(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(client_id): Path<String>,
    ApiJson(body): ApiJson<RotateBody>,
) -> Result<(StatusCode, Json<IssuedSecretView>), ApiError> {
    let issued = app::service::rotate_secret(&state, &user.0, &client_id, body.grace_hours).await?;
    Ok((StatusCode::CREATED, Json(issued_view(&state, issued))))
}

#[utoipa::path(
    post,
    path = "/admin/service-clients/{client_id}/secrets/{secret_id}/revoke",
    tag = "service-clients",
    summary = "吊销一个密钥（系统管理员）：用它取得的访问令牌随即失效",
    security(("bearer" = [])),
    params(
        ("client_id" = String, Path, description = "客户端标识"),
        ("secret_id" = String, Path, description = "密钥编号")
    ),
    responses((status = 200, description = "凭证", body = ClientView), (status = 401), (status = 403), (status = 404))
)]
async fn revoke_secret(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((client_id, secret_id)): Path<(String, String)>,
) -> Result<Json<ClientView>, ApiError> {
    let client = app::service::revoke_secret(&state, &user.0, &client_id, &secret_id).await?;
    Ok(Json(client_view(&state, client)))
}

#[utoipa::path(
    post,
    path = "/admin/service-clients/{client_id}/revoke",
    tag = "service-clients",
    summary = "吊销部门系统凭证（系统管理员）：所有密钥和访问令牌随即失效",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "客户端标识")),
    responses(
        (status = 200, description = "凭证", body = ClientView),
        (status = 401), (status = 403), (status = 404), (status = 409)
    )
)]
async fn revoke_client(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(client_id): Path<String>,
) -> Result<Json<ClientView>, ApiError> {
    let client = app::service::revoke_client(&state, &user.0, &client_id).await?;
    Ok(Json(client_view(&state, client)))
}
