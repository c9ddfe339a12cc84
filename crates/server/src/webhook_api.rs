//! The API's door to event delivery: an administrator's webhook subscriptions, their
//! delivery logs and the dead letters with replay. The rules are in [`app::webhooks`];
//! the payload every webhook and NATS message carries is `webhooks::Payload`,
//! documented here by the example route.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use app::webhooks::{self, AttemptView, DeadLetterView, SubscriptionView};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::default()
        .routes(routes!(list_subscriptions, create_subscription))
        .routes(routes!(disable_subscription))
        .routes(routes!(enable_subscription))
        .routes(routes!(subscription_attempts))
        .routes(routes!(dead_letters))
        .routes(routes!(replay_dead_letter))
        .routes(routes!(payload_example))
}

/// 一个事件推送订阅
#[derive(Serialize, ToSchema)]
pub struct Subscription {
    /// 订阅编号
    id: String,
    /// 接收事件的部门
    department: String,
    /// 订阅的事件类型；空为全部
    event_types: Vec<String>,
    /// webhook 或 nats
    kind: String,
    /// 推送地址
    url: String,
    /// 签名方式：v1（HMAC-SHA256）或 v1a（Ed25519）
    scheme: String,
    /// v1a 的验签公钥（whpk_…）
    public_key: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: DateTime<Utc>,
    created_by: String,
}

impl From<SubscriptionView> for Subscription {
    fn from(s: SubscriptionView) -> Self {
        Self {
            id: s.id,
            department: s.department,
            event_types: s.event_types,
            kind: s.kind,
            url: s.url,
            scheme: s.scheme,
            public_key: s.public_key,
            enabled: s.enabled,
            disabled_reason: s.disabled_reason,
            created_at: s.created_at,
            created_by: s.created_by,
        }
    }
}

/// 新建的订阅，与只显示这一次的密钥
#[derive(Serialize, ToSchema)]
pub struct Created {
    subscription: Subscription,
    /// v1 的签名密钥（whsec_…）：只在创建时显示一次，请妥善保存
    secret: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// 接收事件的部门代码
    #[schema(example = "WJ")]
    department: String,
    /// 事件类型，如 task.dispatched；不填为全部
    #[serde(default)]
    event_types: Vec<String>,
    /// 推送地址（http:// 或 https://）
    #[schema(example = "https://wj.example.gov.cn/onething/events")]
    url: String,
    /// v1（HMAC-SHA256 共享密钥，默认）或 v1a（Ed25519，接收方只需公钥）
    #[serde(default = "default_scheme")]
    scheme: String,
}

fn default_scheme() -> String {
    "v1".to_owned()
}

/// 一次投递尝试
#[derive(Serialize, ToSchema)]
pub struct Attempt {
    /// 消息序号（webhook-id 为 msg_序号）
    outbox_seq: i64,
    /// 第几次尝试（重新推送后继续计数）
    attempt: i64,
    at: DateTime<Utc>,
    /// 对方的 HTTP 状态码；无应答时为空
    status: Option<i64>,
    /// 用时（毫秒）
    latency_ms: i64,
    error: Option<String>,
}

impl From<AttemptView> for Attempt {
    fn from(a: AttemptView) -> Self {
        Self {
            outbox_seq: a.outbox_seq,
            attempt: a.attempt,
            at: a.at,
            status: a.status,
            latency_ms: a.latency_ms,
            error: a.error,
        }
    }
}

/// 多次推送失败、已停止重试的消息
#[derive(Serialize, ToSchema)]
pub struct DeadLetter {
    subscription_id: String,
    outbox_seq: i64,
    event_type: String,
    case_id: Option<String>,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    updated_at: DateTime<Utc>,
}

impl From<DeadLetterView> for DeadLetter {
    fn from(d: DeadLetterView) -> Self {
        Self {
            subscription_id: d.subscription_id,
            outbox_seq: d.outbox_seq,
            event_type: d.event_type,
            case_id: d.case_id,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            updated_at: d.updated_at,
        }
    }
}

/// `GET /api/v1/admin/webhooks`
#[utoipa::path(
    get,
    path = "/admin/webhooks",
    tag = "webhooks",
    summary = "事件推送订阅列表（管理员）",
    security(("bearer" = [])),
    responses((status = 200, description = "订阅", body = Vec<Subscription>), (status = 401), (status = 403))
)]
async fn list_subscriptions(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> Result<Json<Vec<Subscription>>, ApiError> {
    let list = webhooks::list(&state, &user.0).await?;
    Ok(Json(list.into_iter().map(Subscription::from).collect()))
}

/// `POST /api/v1/admin/webhooks`
#[utoipa::path(
    post,
    path = "/admin/webhooks",
    tag = "webhooks",
    summary = "新建事件推送订阅：部门、事件类型、地址、签名方式；v1 的密钥只显示这一次（管理员；E_DEPARTMENT_NOT_FOUND、E_WEBHOOK_EVENT_UNKNOWN、E_WEBHOOK_URL_INVALID、E_WEBHOOK_SCHEME_INVALID）",
    security(("bearer" = [])),
    request_body = CreateRequest,
    responses(
        (status = 201, description = "新建的订阅与密钥", body = Created),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 422)
    )
)]
async fn create_subscription(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<(axum::http::StatusCode, Json<Created>), ApiError> {
    let created = webhooks::create(
        &state,
        &user.0,
        webhooks::NewSubscription {
            department: request.department,
            event_types: request.event_types,
            url: request.url,
            scheme: request.scheme,
        },
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(Created {
            subscription: created.subscription.into(),
            secret: created.secret,
        }),
    ))
}

/// `POST /api/v1/admin/webhooks/{id}/disable`
#[utoipa::path(
    post,
    path = "/admin/webhooks/{id}/disable",
    tag = "webhooks",
    summary = "停用订阅：不再推送（管理员；E_WEBHOOK_NOT_FOUND、E_WEBHOOK_DISABLED）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "订阅编号")),
    responses(
        (status = 200, description = "停用后的订阅", body = Subscription),
        (status = 401), (status = 403), (status = 404), (status = 409)
    )
)]
async fn disable_subscription(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Subscription>, ApiError> {
    Ok(Json(webhooks::disable(&state, &user.0, &id).await?.into()))
}

/// `POST /api/v1/admin/webhooks/{id}/enable`
#[utoipa::path(
    post,
    path = "/admin/webhooks/{id}/enable",
    tag = "webhooks",
    summary = "重新启用已停用的订阅（管理员停用或对方返回 410 后）：待推送的消息继续推送，停用期间的事件不补发（管理员；E_WEBHOOK_NOT_FOUND、E_WEBHOOK_ENABLED）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "订阅编号")),
    responses(
        (status = 200, description = "重新启用后的订阅", body = Subscription),
        (status = 401), (status = 403), (status = 404), (status = 409)
    )
)]
async fn enable_subscription(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Subscription>, ApiError> {
    Ok(Json(webhooks::enable(&state, &user.0, &id).await?.into()))
}

/// `GET /api/v1/admin/webhooks/{id}/attempts`
#[utoipa::path(
    get,
    path = "/admin/webhooks/{id}/attempts",
    tag = "webhooks",
    summary = "投递日志：每次尝试的时间、状态码、用时、错误，最新在前（管理员；E_WEBHOOK_NOT_FOUND）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "订阅编号")),
    responses(
        (status = 200, description = "投递尝试", body = Vec<Attempt>),
        (status = 401), (status = 403), (status = 404)
    )
)]
async fn subscription_attempts(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<Attempt>>, ApiError> {
    let attempts = webhooks::attempts(&state, &user.0, &id).await?;
    Ok(Json(attempts.into_iter().map(Attempt::from).collect()))
}

/// `GET /api/v1/admin/webhooks/dead-letters`
#[utoipa::path(
    get,
    path = "/admin/webhooks/dead-letters",
    tag = "webhooks",
    summary = "死信：重试用尽仍未送达的消息（管理员）",
    security(("bearer" = [])),
    responses((status = 200, description = "死信", body = Vec<DeadLetter>), (status = 401), (status = 403))
)]
async fn dead_letters(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> Result<Json<Vec<DeadLetter>>, ApiError> {
    let dead = webhooks::dead_letters(&state, &user.0).await?;
    Ok(Json(dead.into_iter().map(DeadLetter::from).collect()))
}

/// `POST /api/v1/admin/webhooks/{id}/dead-letters/{seq}/replay`
#[utoipa::path(
    post,
    path = "/admin/webhooks/{id}/dead-letters/{seq}/replay",
    tag = "webhooks",
    summary = "重新推送一条死信，按重试计划从头开始（管理员；E_DEAD_LETTER_NOT_FOUND）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "订阅编号"), ("seq" = i64, Path, description = "消息序号")),
    responses((status = 204, description = "已排入推送"), (status = 400), (status = 401), (status = 403), (status = 404))
)]
async fn replay_dead_letter(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, seq)): Path<(String, i64)>,
) -> Result<axum::http::StatusCode, ApiError> {
    webhooks::replay(&state, &user.0, &id, seq).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `GET /api/v1/webhooks/payload-example`: the body of every webhook and NATS message.
#[utoipa::path(
    get,
    path = "/webhooks/payload-example",
    tag = "webhooks",
    summary = "推送消息的格式（示例）：Standard Webhooks 信封 {type, timestamp, data}；请求头 webhook-id、webhook-timestamp、webhook-signature（v1,<HMAC-SHA256> 或 v1a,<Ed25519>）。data 只含编号与变化，不含姓名、证件号码",
    responses((status = 200, description = "示例消息", body = ::webhooks::Payload))
)]
async fn payload_example() -> Json<::webhooks::Payload> {
    Json(::webhooks::Payload {
        event_type: ::webhooks::EventType::TaskDispatched,
        timestamp: DateTime::from_timestamp(1_770_861_600, 0).unwrap_or_default(),
        data: ::webhooks::EventData {
            case_id: Some("YJS20260212000001".to_owned()),
            one_thing: Some("newborn".to_owned()),
            item: Some("GG00101001".to_owned()),
            department: Some("WJ".to_owned()),
            task_state: Some("dispatched".to_owned()),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 2, 26),
            ..Default::default()
        },
    })
}
