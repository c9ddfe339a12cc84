//! The API's door to 免申即享 (benefit policies): the policy department runs a policy
//! over the shared population and lists what it found; a person reads 我的待遇 and
//! declines or objects. The rules are in [`app::benefits`].

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
        .routes(routes!(start_run))
        .routes(routes!(policy_runs))
        .routes(routes!(policy_run))
        .routes(routes!(policy_findings))
        .routes(routes!(export_findings))
        .routes(routes!(confirm_findings))
        .routes(routes!(confirm_jobs))
        .routes(routes!(confirm_job))
        .routes(routes!(answer_objection))
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

/// 政策的认定结果：筛选范围内的 count、total_amount_fen（不含已不同意、已不再符合）、declined、objected、confirmed，本页 items（姓名与证件号码已脱敏），next_cursor（下一页；null 表示没有了）
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

#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
pub struct FindingsQuery {
    /// 期间：2026 或 2026-12；不填为全部
    period: Option<String>,
    /// 状态：granted（已认定）、invited、declined、objected、withdrawn、confirmed（已确认发放）
    state: Option<String>,
    /// 完整的公民身份号码、统一社会信用代码（认定对象或领取人）或待遇编号（BF…）；按证件号码查询记入账本
    q: Option<String>,
    /// 上一页返回的 next_cursor
    cursor: Option<String>,
    /// 每页条数，默认 50，最多 200
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    limit: i64,
}

fn findings_query(query: Result<Query<FindingsQuery>, QueryRejection>) -> Result<benefits::FindingsFilter, ApiError> {
    let Query(query) = query
        .map_err(|rejection| ApiError::new("E_QUERY_INVALID", format!("查询参数有误：{}", rejection.body_text())))?;
    Ok(benefits::FindingsFilter {
        period: query.period,
        state: query.state,
        q: query.q,
        cursor: query.cursor,
        limit: query.limit,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// 要确认发放的待遇编号（最多 1000 项）；与 period 二选一
    #[serde(default)]
    findings: Option<Vec<String>>,
    /// 确认该期间全部“已认定”的待遇（2026 或 2026-12）；与 findings 二选一
    #[serde(default)]
    period: Option<String>,
    /// 备注（最多 200 字），当事人在“我的待遇”中可见
    #[serde(default)]
    note: String,
}

/// 确认发放的结果：按待遇编号确认时为 confirmed（本次确认）、already_confirmed（此前已确认，未变）、amount_yuan；按期间确认时为已开始的后台任务（见 ConfirmJob）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ConfirmOutcome(benefits::ConfirmOutcome);

/// 按期间确认发放的后台任务：id、period、state（running 进行中、succeeded 已完成、failed 失败）、started_by、started_at、finished_at、total（开始时“已认定”的项数）、confirmed（已确认）、percent、amount_yuan、error（失败原因及失败前完成的情况）、location（查询进度的地址）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ConfirmJob(app::benefit_jobs::ConfirmJobView);

/// 政策的一次运行：id、as_of（评估日）、period、state（running 进行中、succeeded 已完成、failed 失败、interrupted 已中断：运行它的节点已停止）、stage（reading 读取共享数据、evaluating 逐一核查、storing 保存结果并记入账本、done 完成）、records、subjects、findings、accesses（到当前阶段为止已知的数量）、summary（完成后的运行结果，同 RunSummary）、error、started_by、started_at、finished_at、location（查询的地址）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct PolicyRun(app::benefit_runs::PolicyRunView);

/// 政策最近的运行（新的在前，最多 10 次），无论由谁发起（本部门、定时任务、命令行）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct PolicyRuns(Vec<app::benefit_runs::PolicyRunView>);

/// 政策最近的确认发放任务（新的在前，最多 5 个）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ConfirmJobs(Vec<app::benefit_jobs::ConfirmJobView>);

/// 认定名单中的一行（姓名、证件号码已脱敏）
#[derive(serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct FindingRow(benefits::FindingRow);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionAnswerRequest {
    /// uphold（维持原认定）或 correct（更正）
    #[schema(example = "correct")]
    #[serde(default)]
    decision: String,
    /// 答复（必填，最多 500 字），当事人在“我的待遇”和消息中可见
    #[serde(default)]
    reply: String,
    /// 更正时的金额（元，如 1500.00）；不填则金额不变
    #[serde(default)]
    amount_yuan: Option<String>,
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
    summary = "运行政策并等待结果：对共享数据中的全部对象核查，保存符合者及理由，每次读取记入账本，新符合者收到消息；这次运行也记在运行列表中。人口多时请用 POST /policies/{id}/runs 在后台运行（政策主管部门或管理员；E_POLICY_NOT_FOUND；已有运行在进行时 E_POLICY_RUN_RUNNING）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识，如 childcare_subsidy")),
    request_body = RunRequest,
    responses(
        (status = 200, description = "运行结果", body = RunSummary),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
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

/// `POST /api/v1/policies/{id}/runs`: the same run in the background.
#[utoipa::path(
    post,
    path = "/policies/{id}/runs",
    tag = "benefits",
    summary = "在后台运行政策：立即返回这次运行（202，Location 为查询进度的地址），运行的阶段、数量和结果在该地址及政策页面可见；该政策已有运行在进行时拒绝并给出其编号（E_POLICY_RUN_RUNNING）（政策主管部门或管理员）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识，如 childcare_subsidy")),
    request_body = RunRequest,
    responses(
        (status = 202, description = "已开始的运行", body = PolicyRun,
         headers(("Location" = String, description = "查询运行进度的地址"))),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn start_run(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RunRequest>,
) -> Result<Response, ApiError> {
    let run = app::benefit_runs::start(&state, &user.0, &id, request.as_of).await?;
    let location = run.location.clone();
    let mut response = (StatusCode::ACCEPTED, Json(PolicyRun(run))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /api/v1/policies/{id}/runs`
#[utoipa::path(
    get,
    path = "/policies/{id}/runs",
    tag = "benefits",
    summary = "政策最近的运行及进度（政策主管部门、管理员、审计人员）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识")),
    responses(
        (status = 200, description = "运行列表", body = PolicyRuns),
        (status = 401), (status = 403), (status = 404)
    )
)]
async fn policy_runs(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<PolicyRuns>, ApiError> {
    Ok(Json(PolicyRuns(app::benefit_runs::runs(&state, &user.0, &id).await?)))
}

/// `GET /api/v1/policies/{id}/runs/{run}`
#[utoipa::path(
    get,
    path = "/policies/{id}/runs/{run}",
    tag = "benefits",
    summary = "一次运行的阶段、数量和结果（E_POLICY_RUN_NOT_FOUND）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识"), ("run" = String, Path, description = "运行编号（PR…）")),
    responses(
        (status = 200, description = "运行", body = PolicyRun),
        (status = 401), (status = 403), (status = 404)
    )
)]
async fn policy_run(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, run)): Path<(String, String)>,
) -> Result<Json<PolicyRun>, ApiError> {
    Ok(Json(PolicyRun(
        app::benefit_runs::run(&state, &user.0, &id, &run).await?,
    )))
}

/// `GET /api/v1/policies/{id}/findings`
#[utoipa::path(
    get,
    path = "/policies/{id}/findings",
    tag = "benefits",
    summary = "政策的认定结果：筛选（期间、状态、完整证件号码或待遇编号）后的人数、总金额和分页名单（姓名、证件号码脱敏；next_cursor 为下一页）",
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
    query: Result<Query<FindingsQuery>, QueryRejection>,
) -> Result<Json<Findings>, ApiError> {
    let filter = findings_query(query)?;
    Ok(Json(Findings(benefits::findings(&state, &user.0, &id, &filter).await?)))
}

/// `GET /api/v1/policies/{id}/findings.csv`: the whole filtered list.
#[utoipa::path(
    get,
    path = "/policies/{id}/findings.csv",
    tag = "benefits",
    summary = "导出认定名单（CSV，UTF-8 带 BOM，Excel 可直接打开；姓名、证件号码脱敏；导出记入账本）；筛选同列表，不分页",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识"), FindingsQuery),
    responses(
        (status = 200, description = "CSV", body = String, content_type = "text/csv"),
        (status = 400), (status = 401), (status = 403), (status = 404)
    )
)]
async fn export_findings(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    query: Result<Query<FindingsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let filter = findings_query(query)?;
    let export = benefits::export_findings(&state, &user.0, &id, &filter).await?;
    Ok(csv_response(export))
}

/// A CSV download: its type, and a file name for the browser.
pub fn csv_response(export: benefits::FindingsExport) -> Response {
    let mut response = export.body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.filename)) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `POST /api/v1/policies/{id}/findings/confirm`
#[utoipa::path(
    post,
    path = "/policies/{id}/findings/confirm",
    tag = "benefits",
    summary = "确认发放：所选待遇由“已认定”变为“已确认发放”，逐项记入账本，全部成功或全部不变（200）；含已不同意、有异议等状态时拒绝并列明（E_FINDING_STATE）。按期间确认时立即返回后台任务（202，Location 为查询进度的地址），任务分批确认该期间全部“已认定”的待遇；该期间有未答复的异议时拒绝并列明（E_FINDING_STATE），同一期间已有任务在进行时拒绝并给出其编号（E_CONFIRM_JOB_RUNNING）。重复提交不重复确认",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识")),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "按待遇编号确认的结果", body = ConfirmOutcome),
        (status = 202, description = "按期间确认：已开始的后台任务", body = ConfirmJob,
         headers(("Location" = String, description = "查询任务进度的地址"))),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn confirm_findings(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ConfirmRequest>,
) -> Result<Response, ApiError> {
    let outcome = benefits::confirm(
        &state,
        &user.0,
        &id,
        &benefits::ConfirmRequest {
            findings: request.findings,
            period: request.period,
            note: request.note,
        },
    )
    .await?;
    Ok(match outcome {
        benefits::ConfirmOutcome::Started(job) => {
            let location = job.location.clone();
            let mut response = (StatusCode::ACCEPTED, Json(ConfirmJob(*job))).into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        confirmed @ benefits::ConfirmOutcome::Confirmed(_) => Json(ConfirmOutcome(confirmed)).into_response(),
    })
}

/// `GET /api/v1/policies/{id}/confirm-jobs`
#[utoipa::path(
    get,
    path = "/policies/{id}/confirm-jobs",
    tag = "benefits",
    summary = "政策最近的确认发放任务及进度（政策主管部门、管理员、审计人员）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识")),
    responses(
        (status = 200, description = "任务列表", body = ConfirmJobs),
        (status = 401), (status = 403), (status = 404)
    )
)]
async fn confirm_jobs(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ConfirmJobs>, ApiError> {
    Ok(Json(ConfirmJobs(app::benefit_jobs::jobs(&state, &user.0, &id).await?)))
}

/// `GET /api/v1/policies/{id}/confirm-jobs/{job}`
#[utoipa::path(
    get,
    path = "/policies/{id}/confirm-jobs/{job}",
    tag = "benefits",
    summary = "确认发放任务的进度：已确认/总数、状态（进行中、已完成、失败）、发起人和时间（E_CONFIRM_JOB_NOT_FOUND）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识"), ("job" = String, Path, description = "任务编号（CJ…）")),
    responses(
        (status = 200, description = "任务", body = ConfirmJob),
        (status = 401), (status = 403), (status = 404)
    )
)]
async fn confirm_job(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, job)): Path<(String, String)>,
) -> Result<Json<ConfirmJob>, ApiError> {
    Ok(Json(ConfirmJob(
        app::benefit_jobs::job(&state, &user.0, &id, &job).await?,
    )))
}

/// `POST /api/v1/policies/{id}/findings/{finding}/answer`
#[utoipa::path(
    post,
    path = "/policies/{id}/findings/{finding}/answer",
    tag = "benefits",
    summary = "答复异议：维持（恢复异议前的状态）或更正（可改金额，重新“已认定”），答复当事人可见并收到消息，记入账本；答复后方可确认发放（E_FINDING_STATE、E_REASON_REQUIRED）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "政策标识"), ("finding" = String, Path, description = "待遇编号")),
    request_body = ObjectionAnswerRequest,
    responses(
        (status = 200, description = "答复后的待遇", body = FindingRow),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn answer_objection(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, finding)): Path<(String, String)>,
    ApiJson(request): ApiJson<ObjectionAnswerRequest>,
) -> Result<Json<FindingRow>, ApiError> {
    Ok(Json(FindingRow(
        benefits::answer_objection(
            &state,
            &user.0,
            &id,
            &finding,
            &benefits::ObjectionAnswerRequest {
                decision: request.decision,
                reply: request.reply,
                amount_yuan: request.amount_yuan,
            },
        )
        .await?,
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
