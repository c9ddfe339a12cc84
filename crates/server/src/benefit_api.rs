//! The API's door to 免申即享 (benefit policies): the policy department runs a policy
//! over the shared population and lists what it found; a person reads 我的待遇 and
//! declines or objects. The rules are in [`app::benefits`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use app::benefits::{self, Decision};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::default()
        .routes(routes!(list_policies))
        .routes(routes!(run_policy))
        .routes(routes!(policy_findings))
        .routes(routes!(my_benefits))
        .routes(routes!(decline_benefit))
        .routes(routes!(object_benefit))
}

/// 政策列表（本部门的；系统管理员、审计人员为全部）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct PolicyList(Vec<benefits::PolicyView>);

/// 运行结果：evaluated（核查人数）、qualifying（符合人数）、new_findings、total_amount_yuan
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct RunSummary(benefits::RunSummary);

/// 政策的认定结果：count、total_amount_yuan、rows（姓名与证件号码已脱敏）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Findings(benefits::PolicyFindings);

/// 我的待遇：每项含政策、期间、金额、状态、理由（每个条件及是否满足）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct MyBenefits(Vec<benefits::MyBenefit>);

/// 一项待遇
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct MyBenefit(benefits::MyBenefit);

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// 评估日期（YYYY-MM-DD），决定评估的年度或月份；不填为今天
    #[schema(example = "2026-12-01")]
    #[serde(default)]
    as_of: Option<NaiveDate>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// 原因（有异议时必填，最多 500 字），转给政策主管部门
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FindingsQuery {
    /// 期间：2026 或 2026-12；不填为全部
    period: Option<String>,
}

/// `GET /api/v1/policies`
#[utoipa::path(
    get,
    path = "/policies",
    tag = "benefits",
    summary = "惠民惠企政策（免申即享、主动告知）：本部门的，管理员和审计人员看全部",
    security(("bearer" = [])),
    responses((status = 200, description = "政策列表", body = PolicyList), (status = 401), (status = 403))
)]
async fn list_policies(State(state): State<Arc<AppState>>, user: CurrentUser) -> Result<Json<PolicyList>, ApiError> {
    Ok(Json(PolicyList(benefits::policies(&state, &user.0)?)))
}

/// `POST /api/v1/policies/{id}/run`: evaluates the policy over every subject of the
/// shared data; each read is an access entry in the ledger.
#[utoipa::path(
    post,
    path = "/policies/{id}/run",
    tag = "benefits",
    summary = "运行政策：对共享数据中的全部对象核查，保存符合者及理由，每次读取记入账本，新符合者收到消息（政策主管部门或管理员；E_POLICY_NOT_FOUND）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识，如 childcare_subsidy")),
    request_body = RunRequest,
    responses(
        (status = 200, description = "运行结果", body = RunSummary),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 422)
    )
)]
async fn run_policy(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RunRequest>,
) -> Result<Json<RunSummary>, ApiError> {
    Ok(Json(RunSummary(
        benefits::run_policy(&state, &user.0, &id, request.as_of).await?,
    )))
}

/// `GET /api/v1/policies/{id}/findings`
#[utoipa::path(
    get,
    path = "/policies/{id}/findings",
    tag = "benefits",
    summary = "政策的认定结果：人数、总金额、名单（姓名、证件号码脱敏）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识"), FindingsQuery),
    responses(
        (status = 200, description = "认定结果", body = Findings),
        (status = 400), (status = 401), (status = 403), (status = 404)
    )
)]
async fn policy_findings(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<FindingsQuery>,
) -> Result<Json<Findings>, ApiError> {
    Ok(Json(Findings(
        benefits::findings(&state, &user.0, &id, query.period.as_deref()).await?,
    )))
}

/// `GET /api/v1/me/benefits`
#[utoipa::path(
    get,
    path = "/me/benefits",
    tag = "benefits",
    summary = "我的待遇：政策为本人（或本人监护的子女）认定的待遇，含金额与理由",
    security(("bearer" = [])),
    responses((status = 200, description = "待遇列表", body = MyBenefits), (status = 401), (status = 403))
)]
async fn my_benefits(State(state): State<Arc<AppState>>, user: CurrentUser) -> Result<Json<MyBenefits>, ApiError> {
    Ok(Json(MyBenefits(benefits::mine(&state, &user.0).await?)))
}

/// `POST /api/v1/me/benefits/{id}/decline`
#[utoipa::path(
    post,
    path = "/me/benefits/{id}/decline",
    tag = "benefits",
    summary = "不同意（免申即享的待遇不再发放），原因转给主管部门（E_FINDING_NOT_FOUND、E_FINDING_STATE）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "待遇编号")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "处理后的待遇", body = MyBenefit),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn decline_benefit(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<Json<MyBenefit>, ApiError> {
    Ok(Json(MyBenefit(
        benefits::decide(&state, &user.0, &id, Decision::Decline, &request.reason).await?,
    )))
}

/// `POST /api/v1/me/benefits/{id}/object`
#[utoipa::path(
    post,
    path = "/me/benefits/{id}/object",
    tag = "benefits",
    summary = "有异议：写明理由，主管部门复核（E_REASON_REQUIRED、E_FINDING_STATE）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "待遇编号")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "处理后的待遇", body = MyBenefit),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn object_benefit(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<Json<MyBenefit>, ApiError> {
    Ok(Json(MyBenefit(
        benefits::decide(&state, &user.0, &id, Decision::Object, &request.reason).await?,
    )))
}
