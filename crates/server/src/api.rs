//! Routes and handlers of `/api/v1`, with the wire types they read and answer.
//!
//! Each handler's `#[utoipa::path]` is its entry in the OpenAPI document (see
//! `openapi.rs`); the request and response structs derive `ToSchema`, so the
//! document describes exactly what is sent. Their field docs are the document's
//! descriptions, written in Chinese for integrators.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::IdempotencyKey;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cases::{Action, Case, Provenance};
use catalog::{Answers, Holdings, Sensitivity};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use ids::ItemCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;
use crate::app;
use crate::auth::{self, Caller, CurrentUser};
use crate::error::{ApiError, ApiJson};

/// Largest request body accepted, in bytes. A whole one-thing form is a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

type Shared = State<Arc<AppState>>;

/// The routes of `/api/v1`, each registered with its documentation
/// (`routes!` reads the handler's `#[utoipa::path]`); one `routes!` per path.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    // An application and a supplement's answer may carry files.
    let with_files = || DefaultBodyLimit::max(app::files::MAX_FORM_BYTES);
    OpenApiRouter::default()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(data_access))
        .routes(routes!(notifications))
        .routes(routes!(notifications_read))
        .routes(routes!(list_one_things))
        .routes(routes!(get_one_thing))
        .routes(routes!(compute_plan))
        .routes(routes!(prefill))
        .routes(routes!(example_submission))
        .routes(routes!(get_item))
        .routes(routes!(list_groups))
        .routes(routes!(get_group))
        .routes(routes!(submit_case).layer(with_files()))
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .routes(routes!(case_history))
        .routes(routes!(case_files))
        .routes(routes!(case_file))
        .routes(routes!(answer_supplement).layer(with_files()))
        .routes(routes!(rate_case))
        .routes(routes!(accept_task))
        .routes(routes!(request_supplement))
        .routes(routes!(approve_task))
        .routes(routes!(reject_task))
        .routes(routes!(crate::shared_api::read_shared))
        .routes(routes!(crate::shared_api::ask_question))
        .routes(routes!(crate::shared_api::list_checks))
        .routes(routes!(department_queue))
        .routes(routes!(dashboard))
        .routes(routes!(list_rectifications))
        .routes(routes!(get_rectification, update_rectification))
        .routes(routes!(calendar_status))
        .routes(routes!(import_calendar))
        .merge(crate::ledger_api::routes())
        .merge(crate::cert_api::routes())
        .merge(crate::guide_api::routes())
        .merge(crate::benefit_api::routes())
        .merge(crate::service_api::routes())
        .merge(crate::webhook_api::routes())
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new("E_NOT_FOUND", "没有这个接口")
}

pub(crate) async fn health(State(state): Shared) -> Json<Value> {
    let calendar = crate::holidays::status(&state.calendar(), cases::china_date(state.now()));
    Json(json!({ "status": "ok", "backend": app::backend(&state), "calendar": calendar }))
}

/// The holiday calendar in force: official years with their notices, provisional
/// years, and the warning when next year's notice is missing. Public.
#[utoipa::path(
    get,
    path = "/calendar",
    tag = "calendar",
    summary = "节假日安排：已导入通知的年份、按放假办法推算的暂定年份（其日期为“预计”）、下一年通知未导入的提醒",
    responses((status = 200, description = "日历状态：official、provisional_years、provisional_from、warning", body = Object))
)]
async fn calendar_status(State(state): Shared) -> Json<Value> {
    Json(crate::holidays::status(
        &state.calendar(),
        cases::china_date(state.now()),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CalendarImportRequest {
    /// 文件名，用于提示，例如 2027.toml
    #[schema(example = "2027.toml")]
    file_name: String,
    /// 年份文件（TOML），格式见 calendar/README.md
    content: String,
}

/// 导入结果：year、source、cases_examined、cases_changed、dates_changed（调整的日期）、rectifications_changed、messages
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
struct CalendarImport(crate::holidays::ImportReport);

/// Imports a year's official notice (admin): recomputes provisional dates.
#[utoipa::path(
    post,
    path = "/admin/calendar/import",
    tag = "calendar",
    summary = "导入国务院办公厅节假日安排通知（管理员）：校验后重新计算所有预计日期，并通知相关部门和申请人",
    security(("bearer" = [])),
    request_body = CalendarImportRequest,
    responses(
        (status = 200, description = "导入结果：调整的办件、日期和整改期限", body = CalendarImport),
        (status = 401), (status = 403), (status = 409), (status = 422), (status = 503)
    )
)]
async fn import_calendar(
    State(state): Shared,
    user: CurrentUser,
    ApiJson(request): ApiJson<CalendarImportRequest>,
) -> Result<Json<CalendarImport>, ApiError> {
    if user.0.role != Role::Admin {
        return Err(ApiError::forbidden("只有监督管理人员可以导入节假日安排"));
    }
    let label = request.file_name.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ApiError::new(
            "E_CALENDAR_FILE_INVALID",
            "请填写文件名（不超过100个字符），例如 2027.toml",
        )
        .field("file_name"));
    }
    match crate::holidays::import_notice(&state, &user.0, label, &request.content).await {
        Ok(report) => Ok(Json(CalendarImport(report))),
        Err(crate::holidays::ImportError::Store(error)) => Err(error.into()),
        Err(error) => {
            let mut api_error = ApiError::new(error.code(), error.to_string()).field("content");
            if let crate::holidays::ImportError::Invalid(inner) = &error {
                // The calendar's own code says which check failed.
                api_error.details.push(cases::FieldIssue {
                    field: "content".into(),
                    code: inner.code().into(),
                    message: inner.to_string(),
                });
            }
            Err(api_error)
        }
    }
}

// ---------------------------------------------------------------- sessions

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

/// 账号
#[derive(Serialize, ToSchema)]
struct AccountView {
    id: String,
    username: String,
    display_name: String,
    /// 角色：applicant、staff、window、admin、auditor
    #[schema(value_type = String)]
    role: Role,
    department: Option<String>,
    department_name: Option<String>,
}

fn account_view(state: &AppState, account: &domain::Account) -> AccountView {
    AccountView {
        id: account.id.clone(),
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: account.role,
        department: account.department.clone(),
        department_name: account
            .department
            .as_deref()
            .map(|code| state.catalog.department_name(code).to_owned()),
    }
}

#[derive(Serialize, ToSchema)]
struct LoginAnswer {
    /// 会话令牌，用作 Authorization: Bearer
    token: String,
    account: AccountView,
}

#[utoipa::path(
    post,
    path = "/login",
    tag = "sessions",
    summary = "登录，取得会话令牌",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "令牌与账号", body = LoginAnswer),
        (status = 400), (status = 401), (status = 415), (status = 422)
    )
)]
async fn login(State(state): Shared, ApiJson(request): ApiJson<LoginRequest>) -> Result<Json<LoginAnswer>, ApiError> {
    let session = auth::login(&state, &request.username, &request.password)
        .await
        .map_err(auth::LoginError::api_error)?;
    Ok(Json(LoginAnswer {
        account: account_view(&state, &session.account),
        token: session.token,
    }))
}

#[utoipa::path(
    post,
    path = "/logout",
    tag = "sessions",
    summary = "退出登录",
    security(("bearer" = [])),
    responses((status = 204, description = "已退出"), (status = 401))
)]

async fn logout(State(state): Shared, headers: HeaderMap, _user: CurrentUser) -> Result<StatusCode, ApiError> {
    if let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        auth::close_session(&state, token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "sessions",
    summary = "当前账号",
    security(("bearer" = [])),
    responses((status = 200, description = "账号", body = AccountView), (status = 401))
)]
async fn me(State(state): Shared, user: CurrentUser) -> Json<AccountView> {
    Json(account_view(&state, &user.0))
}

// ---------------------------------------------------------------- catalog

/// 一件事（目录中的一行）
#[derive(Serialize, ToSchema)]
struct OneThingSummary {
    #[schema(value_type = String, example = "newborn")]
    id: ids::OneThingId,
    name: String,
    /// 清单：国家重点、地方特色
    #[schema(value_type = String)]
    level: catalog::ListLevel,
    batch: String,
    life_stage: String,
    applicant: String,
    /// 牵头部门代码
    lead: String,
    lead_name: String,
    keywords: Vec<String>,
    summary: String,
    /// 成员事项数
    items: usize,
}

#[derive(Serialize, ToSchema)]
struct OneThingList {
    one_things: Vec<OneThingSummary>,
}

#[utoipa::path(
    get,
    path = "/catalog/one-things",
    tag = "catalog",
    summary = "一件事目录",
    responses((status = 200, description = "一件事列表", body = OneThingList))
)]
async fn list_one_things(State(state): Shared) -> Json<OneThingList> {
    let one_things = state
        .catalog
        .one_things
        .values()
        .map(|one_thing| OneThingSummary {
            id: one_thing.id.clone(),
            name: one_thing.name.clone(),
            level: one_thing.level,
            batch: one_thing.batch.clone(),
            life_stage: one_thing.life_stage.clone(),
            applicant: one_thing.applicant.clone(),
            lead: one_thing.lead.clone(),
            lead_name: state.catalog.department_name(&one_thing.lead).to_owned(),
            keywords: one_thing.keywords.clone(),
            summary: one_thing.summary.clone(),
            items: one_thing.members.len(),
        })
        .collect();
    Json(OneThingList { one_things })
}

/// 成员事项
#[derive(Serialize, ToSchema)]
struct MemberView {
    /// 事项（目录中的定义）
    #[schema(value_type = Object)]
    item: catalog::Item,
    department_name: String,
    /// 适用条件（CEL），无条件时为 null
    #[schema(value_type = Option<String>)]
    when: Option<catalog::Condition>,
    /// 须先办结的事项编码
    #[schema(value_type = Vec<String>)]
    after: Vec<ItemCode>,
}

/// 一件事详情
#[derive(Serialize, ToSchema)]
struct OneThingView {
    #[schema(value_type = String)]
    id: ids::OneThingId,
    name: String,
    #[schema(value_type = String)]
    level: catalog::ListLevel,
    batch: String,
    life_stage: String,
    applicant: String,
    lead: String,
    summary: String,
    keywords: Vec<String>,
    /// 情形问题
    #[schema(value_type = Vec<Object>)]
    questions: Vec<catalog::Question>,
    members: Vec<MemberView>,
    /// 材料规则
    #[schema(value_type = Vec<Object>)]
    material_rules: Vec<catalog::MaterialRule>,
}

#[utoipa::path(
    get,
    path = "/catalog/one-things/{id}",
    tag = "catalog",
    summary = "一件事详情：情形问题、成员事项、依赖",
    params(("id" = String, Path, description = "一件事标识，如 newborn")),
    responses((status = 200, description = "一件事", body = OneThingView), (status = 404))
)]
async fn get_one_thing(State(state): Shared, Path(id): Path<String>) -> Result<Json<OneThingView>, ApiError> {
    let one_thing = app::plan::find_one_thing(&state, &id)?;
    let members = one_thing
        .members
        .iter()
        .filter_map(|member| {
            let item = state.catalog.items.get(&member.item)?;
            Some(MemberView {
                item: item.clone(),
                department_name: state.catalog.department_name(&item.department).to_owned(),
                when: member.when.clone(),
                after: member.after.clone(),
            })
        })
        .collect();
    Ok(Json(OneThingView {
        id: one_thing.id.clone(),
        name: one_thing.name.clone(),
        level: one_thing.level,
        batch: one_thing.batch.clone(),
        life_stage: one_thing.life_stage.clone(),
        applicant: one_thing.applicant.clone(),
        lead: one_thing.lead.clone(),
        summary: one_thing.summary.clone(),
        keywords: one_thing.keywords.clone(),
        questions: one_thing.questions.clone(),
        members,
        material_rules: one_thing.material_rules.clone(),
    }))
}

/// 一类事（目录中的一行）
#[derive(Serialize, ToSchema)]
struct GroupSummary {
    #[schema(example = "enterprise-entry")]
    id: String,
    name: String,
    summary: String,
    /// 成员一件事的标识，按办理先后
    #[schema(value_type = Vec<String>)]
    members: Vec<ids::OneThingId>,
}

#[derive(Serialize, ToSchema)]
struct GroupList {
    groups: Vec<GroupSummary>,
}

#[utoipa::path(
    get,
    path = "/catalog/groups",
    tag = "catalog",
    summary = "一类事目录",
    responses((status = 200, description = "一类事列表", body = GroupList))
)]
async fn list_groups(State(state): Shared) -> Json<GroupList> {
    let groups = app::plan::groups(&state)
        .into_iter()
        .map(|group| GroupSummary {
            id: group.id.clone(),
            name: group.name.clone(),
            summary: group.summary.clone(),
            members: group.members.clone(),
        })
        .collect();
    Json(GroupList { groups })
}

/// 一类事详情：成员一件事、共用的部门、材料、表单字段和事项，以及合并办理的四减
/// （items/materials/fields/days/visits/steps 各有 alone 逐项分别办、separately
/// 各一件事分别办、together 一类事合并办）
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
struct GroupView(catalog::GroupPlan);

#[utoipa::path(
    get,
    path = "/catalog/groups/{id}",
    tag = "catalog",
    summary = "一类事详情与合并办理的四减",
    params(("id" = String, Path, description = "一类事标识，如 enterprise-entry")),
    responses((status = 200, description = "一类事", body = GroupView), (status = 404))
)]
async fn get_group(State(state): Shared, Path(id): Path<String>) -> Result<Json<GroupView>, ApiError> {
    Ok(Json(GroupView(app::plan::group(&state, &id)?)))
}

/// 事项详情
#[derive(Serialize, ToSchema)]
struct ItemView {
    #[schema(value_type = Object)]
    item: catalog::Item,
    department_name: String,
}

#[utoipa::path(
    get,
    path = "/catalog/items/{code}",
    tag = "catalog",
    summary = "事项详情",
    params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "事项", body = ItemView), (status = 404))
)]
async fn get_item(State(state): Shared, Path(code): Path<String>) -> Result<Json<ItemView>, ApiError> {
    let not_found = || ApiError::new("E_ITEM_NOT_FOUND", format!("没有找到事项“{}”", truncate(&code)));
    let code = ItemCode::parse(&code).map_err(|_| not_found())?;
    let item = state.catalog.items.get(&code).ok_or_else(not_found)?;
    Ok(Json(ItemView {
        item: item.clone(),
        department_name: state.catalog.department_name(&item.department).to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PlanRequest {
    /// 情形问题的回答（问题编号 → 选项）
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    answers: Answers,
    /// 申请人持有的电子证照类型（登录的申请人本人的证照也计入）
    #[serde(default)]
    holds: Vec<String>,
    /// 计算期限的起始日，默认今天
    start_date: Option<NaiveDate>,
}

/// 一次告知：适用事项、合并表单、材料清单、并联进度、四减
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
struct Plan(catalog::Plan);

#[utoipa::path(
    post,
    path = "/catalog/one-things/{id}/plan",
    tag = "catalog",
    summary = "按情形回答计算一次告知",
    params(("id" = String, Path, description = "一件事标识")),
    request_body = PlanRequest,
    responses(
        (status = 200, description = "一次告知", body = Plan),
        (status = 400), (status = 404), (status = 413), (status = 415), (status = 422)
    )
)]
async fn compute_plan(
    State(state): Shared,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PlanRequest>,
) -> Result<Json<Plan>, ApiError> {
    let one_thing = app::plan::find_one_thing(&state, &id)?;
    for (index, certificate) in request.holds.iter().enumerate() {
        if !state.catalog.certificates.contains_key(certificate) {
            return Err(ApiError::new(
                "E_CERTIFICATE_TYPE_UNKNOWN",
                format!("不认识的证照类型“{}”", truncate(certificate)),
            )
            .field(format!("holds[{index}]")));
        }
    }
    // A logged-in applicant's own e-certificates count too (免证办).
    let mut holdings = match &user {
        Some(user) => {
            crate::sharing::holdings(&state, Some(&user.0), crate::sharing::Stage::Notice { offered: false }).await?
        }
        None => Holdings::default(),
    };
    holdings.certificates.extend(request.holds);
    let start = request.start_date.unwrap_or_else(|| cases::china_date(state.now()));
    Ok(Json(Plan(app::plan::plan_for(
        &state,
        one_thing,
        &request.answers,
        &holdings,
        start,
    )?)))
}

/// 示例申请的 JSON 部分
#[derive(Serialize, ToSchema)]
struct ExampleSubmission {
    one_thing: String,
    #[schema(value_type = BTreeMap<String, String>)]
    answers: Answers,
    form: BTreeMap<String, String>,
    commitments: Vec<String>,
}

/// 须作为文件部分上传的材料
#[derive(Serialize, ToSchema)]
struct ExampleUpload {
    /// 材料编号
    id: String,
    /// multipart 部分名：material.<材料编号>
    part: String,
    name: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Example {
    submission: ExampleSubmission,
    uploads: Vec<ExampleUpload>,
}

/// A complete, valid example submission (for integrators): the JSON part of
/// `POST /cases`, and the materials to send as file parts.
#[utoipa::path(
    get,
    path = "/catalog/one-things/{id}/example",
    tag = "catalog",
    summary = "一份完整、有效的示例申请（供对接方参考）：POST /cases 的 JSON 部分，以及须作为文件部分上传的材料",
    params(("id" = String, Path, description = "一件事编号")),
    responses((status = 200, description = "示例申请", body = Example), (status = 404), (status = 422))
)]
async fn example_submission(State(state): Shared, Path(id): Path<String>) -> Result<Json<Example>, ApiError> {
    let example = app::plan::example(&state, &id)?;
    let uploads = example
        .uploads
        .iter()
        .map(|material| ExampleUpload {
            id: material.clone(),
            part: format!("material.{material}"),
            name: state.catalog.materials.get(material).map(|m| m.name.clone()),
        })
        .collect();
    Ok(Json(Example {
        submission: ExampleSubmission {
            one_thing: example.one_thing,
            answers: example.answers,
            form: example.form,
            commitments: example.commitments,
        },
        uploads,
    }))
}

// ---------------------------------------------------------------- cases

/// 一表申请
#[derive(Deserialize, ToSchema)]
#[schema(as = Submission)]
#[serde(deny_unknown_fields)]
struct SubmitRequest {
    /// 一件事标识
    one_thing: String,
    /// 情形问题的回答
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    answers: Answers,
    /// 表单字段的值：文字、数字或是否
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, FormScalar>)]
    form: BTreeMap<String, Value>,
    /// 经申请人授权的预填编号（POST /catalog/one-things/{id}/prefill）
    #[serde(default)]
    prefill: Option<String>,
    /// 申请人勾选的告知承诺（材料编号）
    #[serde(default)]
    commitments: Vec<String>,
    /// 综合窗口代办：办事群众的姓名和公民身份号码
    #[serde(default)]
    walk_in: Option<WalkInRequest>,
}

/// 表单字段的值：文字、数字或是否
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Only describes what `form_strings` accepts.
enum FormScalar {
    Text(String),
    Number(f64),
    Flag(bool),
}

/// multipart/form-data：名为 submission 的部分是 JSON，每份材料一个名为 material.<材料编号> 的文件部分
#[derive(ToSchema)]
#[allow(dead_code)] // Only describes the multipart form `read_json_and_files` reads.
struct SubmissionForm {
    submission: SubmitRequest,
    /// 材料文件（PDF、JPG、PNG 或 OFD，按内容识别，单个不超过 5 MB）
    #[schema(value_type = String, format = Binary, rename = "material.<材料编号>", required = false)]
    material: Vec<u8>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WalkInRequest {
    name: String,
    id_number: String,
}

/// Form values may come as strings, numbers or booleans; anything else is refused.
fn form_strings(form: BTreeMap<String, Value>, prefix: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let mut strings = BTreeMap::new();
    let mut issues = Vec::new();
    for (key, value) in form {
        match value {
            Value::String(text) => {
                strings.insert(key, text);
            }
            Value::Number(number) => {
                strings.insert(key, number.to_string());
            }
            Value::Bool(flag) => {
                strings.insert(key, flag.to_string());
            }
            _ => issues.push(cases::FieldIssue {
                field: format!("{prefix}.{}", truncate(&key)),
                code: "FIELD_TYPE_INVALID".into(),
                message: format!("字段“{}”的值应为文字、数字或是否", truncate(&key)),
            }),
        }
    }
    if issues.is_empty() {
        Ok(strings)
    } else {
        let mut error = ApiError::new("E_FORM_FIELD_INVALID", "表单字段类型不正确");
        error.field = issues.first().map(|i| i.field.clone());
        error.details = issues;
        Err(error)
    }
}

// `consent`: true once the applicant has seen the offer and agreed; false returns
// the offer only and reads nothing. `enterprise`: for one-things of an enterprise,
// its registered data is prefilled for its legal representative only. `sources`:
// departments may then read only these.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PrefillRequest {
    /// 情形问题的回答
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    answers: Answers,
    /// false：只返回将获取的数据项与来源；true：经授权读取共享数据
    consent: bool,
    /// 企业的统一社会信用代码（企业的一件事，仅限其法定代表人）
    #[serde(default)]
    enterprise: Option<String>,
    /// 只授权这些数据源（默认全部）；部门只能在授权范围内调用
    #[serde(default)]
    sources: Option<Vec<String>>,
}

/// 预填的一个数据项
#[derive(Serialize, ToSchema)]
struct PrefilledValue {
    value: String,
    /// 数据源代码
    source: String,
    source_name: String,
}

/// 预填结果，三种之一
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum PrefillAnswer {
    /// 未授权：将获取的数据项与来源（offer），以及是否须指明企业
    Offer {
        consent_required: bool,
        #[schema(value_type = Vec<Object>)]
        offer: Vec<crate::sharing::OfferRow>,
        enterprise_required: bool,
    },
    /// 法人库记载申请人为多家企业的法定代表人：下次请求在 enterprise 中选择一家
    ChooseEnterprise {
        enterprise_required: bool,
        /// 企业：uscc（统一社会信用代码）、name
        #[schema(value_type = Vec<Object>)]
        enterprises: Vec<crate::legal_rep::Represented>,
        #[schema(value_type = Vec<Object>)]
        offer: Vec<crate::sharing::OfferRow>,
    },
    /// 已授权并预填：prefill_id 供提交时引用，values 为各数据项的值与来源，enterprise 为所用企业
    Filled {
        prefill_id: String,
        values: BTreeMap<String, PrefilledValue>,
        #[schema(value_type = Vec<Object>)]
        offer: Vec<crate::sharing::OfferRow>,
        enterprise: Option<String>,
    },
}

/// `POST /catalog/one-things/{id}/prefill`: what shared data could fill (without
/// consent), or the values it does fill (with consent), as a stored prefill.
#[utoipa::path(
    post,
    path = "/catalog/one-things/{id}/prefill",
    tag = "sharing",
    summary = "授权预填：consent=false 只返回将获取的数据项与来源；consent=true 经授权读取共享数据并返回预填编号",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "一件事标识")),
    request_body = PrefillRequest,
    responses(
        (status = 200, description = "预填结果：prefill_id、values（各数据项的值与来源）、enterprise（所用企业）；未填 enterprise 且授权法人库时，法人库记载其为法定代表人的企业只有一家即直接使用，有多家则返回 enterprise_required 与 enterprises 供下次请求选择", body = PrefillAnswer),
        (status = 401), (status = 403), (status = 404), (status = 422)
    )
)]
async fn prefill(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PrefillRequest>,
) -> Result<Json<PrefillAnswer>, ApiError> {
    if !crate::sharing::can_prefill(&user.0) {
        return Err(ApiError::new(
            "E_NO_ID_NUMBER",
            "只有实名认证的申请人可以使用本人的共享数据",
        ));
    }
    let one_thing = app::plan::find_one_thing(&state, &id)?;
    let holdings =
        crate::sharing::holdings(&state, Some(&user.0), crate::sharing::Stage::Notice { offered: false }).await?;
    let plan = app::plan::plan_for(
        &state,
        one_thing,
        &request.answers,
        &holdings,
        cases::china_date(state.now()),
    )?;
    let prefill_plan = crate::sharing::prefill_plan(&state, &plan);
    let offer = crate::sharing::offer(&state, &prefill_plan, Some(&user.0));
    if !request.consent {
        return Ok(Json(PrefillAnswer::Offer {
            consent_required: true,
            offer,
            enterprise_required: crate::sharing::needs_enterprise(&prefill_plan),
        }));
    }
    // No credit code given, and the consent covers 法人库: the enterprises it names
    // the applicant legal representative of. One is used as if typed; several are
    // offered for the next request to name one.
    let mut enterprise = request.enterprise.clone().filter(|code| !code.trim().is_empty());
    if enterprise.is_none()
        && crate::sharing::needs_enterprise(&prefill_plan)
        && crate::legal_rep::consent_covers_registry(&state, request.sources.as_deref())
    {
        let represented = crate::legal_rep::represented_enterprises(&state, &user.0, &one_thing.name).await?;
        match represented.as_slice() {
            [only] => enterprise = Some(only.uscc.clone()),
            [] => {}
            several => {
                return Ok(Json(PrefillAnswer::ChooseEnterprise {
                    enterprise_required: true,
                    enterprises: several.to_vec(),
                    offer,
                }));
            }
        }
    }
    let (prefill_id, doc) = crate::sharing::run_prefill(
        &state,
        &user.0,
        one_thing,
        &plan,
        enterprise.as_deref(),
        request.sources.as_deref(),
    )
    .await?;
    let values = doc
        .values
        .into_iter()
        .map(|(element, v)| {
            let source_name = crate::sharing::source_name(&state, &v.source);
            (
                element,
                PrefilledValue {
                    value: v.value,
                    source: v.source,
                    source_name,
                },
            )
        })
        .collect();
    Ok(Json(PrefillAnswer::Filled {
        prefill_id,
        values,
        offer,
        enterprise,
    }))
}

/// The Idempotency-Key of a request, bound to the caller and to a hash of what was
/// sent (the JSON and the digest of every file), so a reused key with another body
/// is refused.
fn idempotency_key(
    headers: &HeaderMap,
    user: &CurrentUser,
    body: &Value,
    files: &[app::submit::MaterialFile],
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 100 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::new(
                "E_IDEMPOTENCY_KEY_INVALID",
                "Idempotency-Key 应为 1 到 100 个可见 ASCII 字符",
            )
            .field("Idempotency-Key")
        })?;
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(body).map_err(ApiError::internal)?);
    for file in files {
        hash.update(file.material.as_bytes());
        hash.update(Sha256::digest(&file.bytes));
    }
    Ok(Some(IdempotencyKey {
        account: user.0.id.clone(),
        key: key.to_owned(),
        request_hash: hex::encode(hash.finalize()),
    }))
}

/// A request body with files: JSON, or multipart/form-data with the JSON in a part
/// named `json_part` and each material's file in a part named `material.<id>`.
async fn read_json_and_files(
    state: &AppState,
    request: axum::extract::Request,
    json_part: &str,
) -> Result<(Value, Vec<app::submit::MaterialFile>), ApiError> {
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        // JSON keeps the API's usual limit; only multipart carries files. The body is
        // read to the end (the route's own limit bounds it) before an oversized one is
        // refused: answering while the client is still sending makes it see a reset
        // connection instead of the 413.
        let (parts, body) = request.into_parts();
        let too_large = || ApiError::new("E_BODY_TOO_LARGE", "请求内容过大");
        let bytes = axum::body::to_bytes(body, app::files::MAX_FORM_BYTES)
            .await
            .map_err(|_| too_large())?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        let ApiJson(body) = ApiJson::<Value>::from_request(request, state).await?;
        return Ok((body, Vec::new()));
    }
    let unreadable = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new("E_BODY_TOO_LARGE", "上传的文件总大小超过 25 MB")
        } else {
            ApiError::new("E_MULTIPART_INVALID", "multipart 请求无法读取")
        }
    };
    let mut multipart = axum::extract::Multipart::from_request(request, state)
        .await
        .map_err(|rejection| unreadable(rejection.status()))?;
    let mut body = None;
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable(e.status()))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == json_part {
            let bytes = field.bytes().await.map_err(|e| unreadable(e.status()))?;
            let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
                ApiError::new("E_JSON_SYNTAX", format!("{json_part} 部分不是合法的 JSON：{error}")).field(json_part)
            })?;
            body = Some(value);
        } else if let Some(material) = name.strip_prefix("material.") {
            let material = material.to_owned();
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| unreadable(e.status()))?;
            if files.iter().any(|f: &app::submit::MaterialFile| f.material == material) {
                return Err(ApiError::new(
                    "E_MATERIAL_DUPLICATE",
                    "同一份材料只能上传一个文件（多页请合并为一个 PDF）",
                )
                .field(format!("material.{}", truncate(&material))));
            }
            files.push(app::submit::MaterialFile {
                material,
                file_name,
                bytes: bytes.to_vec(),
            });
        } else {
            return Err(ApiError::new(
                "E_MULTIPART_UNKNOWN_PART",
                format!(
                    "不认识的部分“{}”：只接受 submission 和 material.<材料编号>",
                    truncate(&name)
                ),
            )
            .field(truncate(&name)));
        }
    }
    let body = body.ok_or_else(|| {
        ApiError::new(
            "E_JSON_PART_MISSING",
            format!("multipart 请求须包含名为 {json_part} 的 JSON 部分"),
        )
        .field(json_part)
    })?;
    Ok((body, files))
}

/// The API's field names for what a submission got wrong: form values under
/// `form.`, the person at the window under `walk_in.`, materials as they were sent.
fn submission_error(error: app::AppError) -> ApiError {
    match error {
        app::AppError::Refused(error) => error,
        app::AppError::Invalid(mut issues) => {
            for issue in &mut issues {
                issue.field = match issue.field.as_str() {
                    "applicant.name" => "walk_in.name".to_owned(),
                    "applicant.id_number" => "walk_in.id_number".to_owned(),
                    field if field.starts_with("material.") => field.to_owned(),
                    field => format!("form.{field}"),
                };
            }
            ApiError::from(app::AppError::Invalid(issues))
        }
    }
}

#[utoipa::path(
    post,
    path = "/cases",
    tag = "cases",
    summary = "提交办件（一表申请）；Idempotency-Key 重试不会重复建件",
    description = "JSON 提交表单与告知承诺；需上传材料时用 multipart/form-data：名为 submission 的部分是同样的 JSON，每份材料一个名为 material.<材料编号> 的文件部分（PDF、JPG、PNG 或 OFD，按内容识别，单个不超过 5 MB）。综合窗口代办时填写 walk_in。",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "重试同一申请时使用同一个键", max_length = 100)),
    request_body(content(
        (SubmitRequest = "application/json"),
        (SubmissionForm = "multipart/form-data")
    )),
    responses(
        (status = 201, description = "已受理", body = CaseView),
        (status = 200, description = "同一 Idempotency-Key 的重试：返回原办件", body = CaseView),
        (status = 400), (status = 401), (status = 403), (status = 404), (status = 413), (status = 415), (status = 422)
    )
)]
async fn submit_case(
    State(state): Shared,
    user: CurrentUser,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    app::submit::may_submit(&user.0)?;
    let (body, files) = read_json_and_files(&state, request, "submission").await?;
    let key = idempotency_key(&headers, &user, &body, &files)?;
    let request: SubmitRequest = serde_json::from_value(body)
        .map_err(|error| ApiError::new("E_JSON_INVALID", format!("请求内容的字段类型或取值不正确：{error}")))?;
    let submission = app::Submission {
        one_thing: request.one_thing,
        answers: request.answers,
        form: form_strings(request.form, "form")?,
        prefill: request.prefill,
        files,
        commitments: request.commitments.into_iter().collect(),
        walk_in: request.walk_in.map(|w| app::WalkIn {
            name: w.name,
            id_number: w.id_number,
        }),
        idempotency: key,
    };
    let submitted = app::submit::submit(&state, &user.0, submission)
        .await
        .map_err(submission_error)?;
    let status = if submitted.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let view = case_view(&state, &submitted.case, &user.0);
    let mut response = (status, Json(view)).into_response();
    if submitted.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The query of a list: page size, cursor, exact filters. Documented by each list
/// in its `params`, since each takes only some of the filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    limit: i64,
    cursor: Option<String>,
    one_thing: Option<String>,
    state: Option<String>,
    case_id: Option<String>,
}

/// A query string, or `E_QUERY_INVALID` naming what is wrong.
fn query_params<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|rejection| ApiError::new("E_QUERY_INVALID", format!("查询参数有误：{}", rejection.body_text())))
}

/// 办件列表的一页
#[derive(Serialize, ToSchema)]
struct CaseList {
    /// 办件摘要，各含 promised_date_provisional（承诺日期是否为预计）
    #[schema(value_type = Vec<Object>)]
    cases: Vec<Value>,
    /// 下一页的 cursor；null 表示没有了
    next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/cases",
    tag = "cases",
    summary = "我的办件（申请人）或全部办件（管理员、审计）：最新的在前，分页（next_cursor 为下一页的 cursor，null 表示没有了）；可按一件事、状态、办件编号精确筛选",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "每页件数，默认 50，最多 200", minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, description = "上一页返回的 next_cursor"),
        ("one_thing" = Option<String>, Query, description = "一件事编号"),
        ("state" = Option<String>, Query, description = "办件状态：in_progress、awaiting_supplement、completed、rejected"),
        ("case_id" = Option<String>, Query, description = "办件编号")
    ),
    responses((status = 200, description = "办件列表", body = CaseList), (status = 401), (status = 403), (status = 422))
)]
async fn list_cases(
    State(state): Shared,
    user: CurrentUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<CaseList>, ApiError> {
    let query = query_params(query)?;
    let filter = app::case::CaseFilter {
        one_thing: query.one_thing,
        state: query.state,
        case_id: query.case_id,
    };
    let page = app::case::list(&state, &user.0, &filter, query.cursor.as_deref(), query.limit).await?;
    let calendar = state.calendar();
    let cases: Vec<Value> = page
        .items
        .into_iter()
        .map(|summary| {
            let provisional = calendar.is_provisional(summary.promised_date);
            let mut value = json!(summary);
            if let Some(object) = value.as_object_mut() {
                object.insert("promised_date_provisional".into(), json!(provisional));
            }
            value
        })
        .collect();
    Ok(Json(CaseList {
        cases,
        next_cursor: page.next,
    }))
}

#[utoipa::path(
    get,
    path = "/cases/{id}",
    tag = "cases",
    summary = "办件详情：各部门子件、期限、补正清单",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号")),
    responses((status = 200, description = "办件", body = CaseView), (status = 401), (status = 404))
)]
async fn get_case(State(state): Shared, caller: Caller, Path(id): Path<String>) -> Result<Json<CaseView>, ApiError> {
    let case = match &caller {
        Caller::Person(user) => app::case::read(&state, &user.0, &id).await?,
        Caller::System(system) => app::service::read_case(&state, system, &id).await?,
    };
    Ok(Json(case_view(&state, &case, caller.account())))
}

/// 办件全程记录
#[derive(Serialize, ToSchema)]
struct CaseHistory {
    #[schema(value_type = String)]
    case_id: cases::CaseId,
    /// 事件，按发生先后
    #[schema(value_type = Vec<Object>)]
    events: Vec<Value>,
}

#[utoipa::path(
    get,
    path = "/cases/{id}/history",
    tag = "cases",
    summary = "办件全程记录",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号")),
    responses((status = 200, description = "事件列表", body = CaseHistory), (status = 401), (status = 404))
)]
async fn case_history(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<CaseHistory>, ApiError> {
    let (case, events) = app::case::history(&state, &user.0, &id).await?;
    // The stored events are the store's type, which this crate does not name.
    let events = events
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    Ok(Json(CaseHistory {
        case_id: case.id,
        events,
    }))
}

/// 一份材料文件（不含内容）
#[derive(Serialize, ToSchema)]
struct FileView {
    id: String,
    /// 材料编号
    material: String,
    material_name: Option<String>,
    file_name: String,
    /// 按内容识别的类型
    content_type: String,
    /// 字节数
    size: i64,
    sha256: String,
    uploaded_at: DateTime<Utc>,
}

/// 办件的材料文件清单
#[derive(Serialize, ToSchema)]
struct FileList {
    case_id: String,
    files: Vec<FileView>,
}

/// `GET /cases/{id}/files`: the files handed in for a case that the caller may see
/// (what, when, size and SHA-256; not the bytes).
#[utoipa::path(
    get,
    path = "/cases/{id}/files",
    tag = "cases",
    summary = "办件的材料文件清单：申请人看全部，部门看本部门事项所需材料的文件，督办人员只看已提交（不能下载）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号")),
    responses((status = 200, description = "文件清单", body = FileList), (status = 401), (status = 404))
)]
async fn case_files(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<FileList>, ApiError> {
    let uploads = app::files::list(&state, &user.0, &id).await?;
    let files = uploads
        .into_iter()
        .map(|u| FileView {
            material_name: state.catalog.materials.get(&u.material).map(|m| m.name.clone()),
            id: u.id,
            material: u.material,
            file_name: u.file_name,
            content_type: u.content_type,
            size: u.size,
            sha256: u.sha256,
            uploaded_at: u.uploaded_at,
        })
        .collect();
    Ok(Json(FileList { case_id: id, files }))
}

/// `GET /cases/{id}/files/{upload_id}`: one file's bytes, with the type found from
/// its content, for the applicant or a department whose task needs that material.
#[utoipa::path(
    get,
    path = "/cases/{id}/files/{upload_id}",
    tag = "cases",
    summary = "下载一份材料文件（类型按内容识别）：申请人本人，或其事项需要该材料的部门；每次下载都记入账本",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "办件编号"),
        ("upload_id" = String, Path, description = "文件编号")
    ),
    responses(
        (status = 200, description = "文件内容", content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "application/ofd")
        )),
        (status = 401), (status = 404)
    )
)]
async fn case_file(
    State(state): Shared,
    user: CurrentUser,
    Path((id, upload_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (upload, bytes) = app::files::download(&state, &user.0, &id, &upload_id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&upload.content_type) {
        headers.insert(axum::http::header::CONTENT_TYPE, value);
    }
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// 办件（调用者可见的部分）：状态、各部门子件、期限、补正清单
#[derive(Serialize, ToSchema)]
#[schema(as = Case)]
struct CaseView {
    #[schema(value_type = String)]
    id: cases::CaseId,
    one_thing: String,
    one_thing_name: String,
    lead: String,
    /// 办件状态：in_progress、awaiting_supplement、completed、rejected
    #[schema(value_type = String)]
    state: cases::CaseState,
    state_label: &'static str,
    applicant: String,
    submitted_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    promised_date: NaiveDate,
    /// 承诺日期所在年份的节假日通知尚未导入，日期为预计
    promised_date_provisional: bool,
    answers: BTreeMap<String, String>,
    /// 调用者可见的表单字段
    form: BTreeMap<String, FormFieldView>,
    materials: Vec<String>,
    /// 子件：部门工作人员只看到本部门的
    tasks: Vec<TaskView>,
    /// 待补正的要求（部门工作人员看到的为空）
    #[schema(value_type = Vec<Object>)]
    supplement_requests: Vec<cases::SupplementRequest>,
}

/// 表单字段（按角色脱敏）
#[derive(Serialize, ToSchema)]
struct FormFieldView {
    name: Option<String>,
    value: String,
    masked: bool,
    /// 敏感级别
    #[schema(value_type = String)]
    sensitivity: Sensitivity,
    source: FormSource,
}

/// 字段值的来源
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FormSource {
    /// 申请人填写
    Typed,
    /// 补正时填写
    Supplemented,
    /// 共享数据
    Shared { source: String, department: String },
    /// 前序事项办结时产生
    ProducedBy {
        #[schema(value_type = String)]
        item: ItemCode,
        item_name: Option<String>,
    },
}

/// 子件：一个部门的一个事项
#[derive(Serialize, ToSchema)]
struct TaskView {
    #[schema(value_type = String)]
    item: ItemCode,
    name: String,
    department: String,
    department_name: String,
    /// 办理状态
    #[schema(value_type = String)]
    state: cases::TaskState,
    state_label: &'static str,
    #[schema(value_type = Vec<String>)]
    after: Vec<ItemCode>,
    /// 尚未办结的前序事项
    waiting_for: Vec<String>,
    /// 承诺时限（工作日）
    promised_limit_days: u32,
    dispatched_on: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
    deadline_provisional: bool,
    supplement_reasons: Vec<String>,
    /// 本事项产生的数据（按角色脱敏）
    outputs: BTreeMap<String, String>,
    rejection_reason: Option<String>,
    updated_at: DateTime<Utc>,
}

/// The case as one user may see it. Staff see their department's tasks and the
/// fields those items use; admins see every task with sensitive values masked;
/// the applicant sees their whole case.
fn case_view(state: &AppState, case: &Case, account: &domain::Account) -> CaseView {
    let catalog = &state.catalog;
    let department = app::access::department_of(account);
    let tasks: Vec<&cases::Task> = match department {
        Some(d) => case.tasks_of_department(d).collect(),
        None => case.tasks.iter().collect(),
    };
    let shown = app::case::visible_elements(state, account, case);
    let mut form = BTreeMap::new();
    for (element_id, value) in &case.form {
        if !shown.contains(element_id.as_str()) {
            continue;
        }
        let element = catalog.elements.get(element_id);
        let sensitivity = element.map(|e| e.sensitivity).unwrap_or(Sensitivity::HighlySensitive);
        let (shown, masked) = app::masking::shown_value(catalog, account.role, element_id, &value.value);
        let source = match &value.provenance {
            Provenance::Typed => FormSource::Typed,
            Provenance::Supplemented => FormSource::Supplemented,
            Provenance::Shared { source, department } => FormSource::Shared {
                source: source.clone(),
                department: department.clone(),
            },
            Provenance::ProducedBy { item } => FormSource::ProducedBy {
                item: item.clone(),
                item_name: catalog.items.get(item).map(|i| i.name.clone()),
            },
        };
        form.insert(
            element_id.clone(),
            FormFieldView {
                name: element.map(|e| e.name.clone()),
                value: shown,
                masked,
                sensitivity,
                source,
            },
        );
    }
    let calendar = state.calendar();
    let provisional = |date: Option<chrono::NaiveDate>| date.is_some_and(|d| calendar.is_provisional(d));
    let task_views = tasks
        .iter()
        .map(|task| {
            let waiting_for = task
                .after
                .iter()
                .filter(|dependency| {
                    case.task(dependency)
                        .is_some_and(|t| t.state != cases::TaskState::Approved)
                })
                .map(|code| code.as_str().to_owned())
                .collect();
            TaskView {
                item: task.item.clone(),
                name: task.name.clone(),
                department: task.department.clone(),
                department_name: catalog.department_name(&task.department).to_owned(),
                state: task.state,
                state_label: task.state.label_zh(),
                after: task.after.clone(),
                waiting_for,
                promised_limit_days: task.promised_limit_days,
                dispatched_on: task.dispatched_on,
                deadline: task.deadline,
                deadline_provisional: provisional(task.deadline),
                supplement_reasons: task.supplement_reasons.clone(),
                outputs: task
                    .outputs
                    .iter()
                    .map(|(element, value)| {
                        let shown = app::masking::shown_value(catalog, account.role, element, value).0;
                        (element.clone(), shown)
                    })
                    .collect(),
                rejection_reason: task.rejection_reason.clone(),
                updated_at: task.updated_at,
            }
        })
        .collect();
    let state_value = case.state();
    CaseView {
        id: case.id.clone(),
        one_thing: case.one_thing.clone(),
        one_thing_name: case.one_thing_name.clone(),
        lead: case.lead.clone(),
        state: state_value,
        state_label: state_value.label_zh(),
        applicant: case.applicant.clone(),
        submitted_at: case.submitted_at,
        updated_at: case.updated_at,
        promised_date: case.promised_date,
        promised_date_provisional: provisional(Some(case.promised_date)),
        answers: case.answers.clone(),
        form,
        materials: case.materials.clone(),
        tasks: task_views,
        supplement_requests: if department.is_none() {
            case.supplement_requests()
        } else {
            Vec::new()
        },
    }
}

// ---------------------------------------------------------------- department work

/// 整个队列的件数
#[derive(Serialize, ToSchema)]
#[schema(as = QueueCounts)]
struct QueueCountsView {
    open: i64,
    /// 已逾期
    overdue: i64,
    /// 临近期限
    due_soon: i64,
}

/// 本部门待办的一页
#[derive(Serialize, ToSchema)]
struct DepartmentQueue {
    department: String,
    department_name: String,
    /// 待办子件，期限最近的在前
    #[schema(value_type = Vec<Object>)]
    tasks: Vec<Value>,
    next_cursor: Option<String>,
    counts: QueueCountsView,
}

#[utoipa::path(
    get,
    path = "/departments/{code}/tasks",
    tag = "departments",
    summary = "本部门待办：期限最近的在前，分页（next_cursor）；counts 为整个队列的件数、逾期、临近期限；可按办理状态、办件编号筛选",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "部门代码"),
        ("limit" = Option<i64>, Query, description = "每页件数，默认 50，最多 200", minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, description = "上一页返回的 next_cursor"),
        ("state" = Option<String>, Query, description = "办理状态：dispatched、accepted、supplement_requested"),
        ("case_id" = Option<String>, Query, description = "办件编号")
    ),
    responses(
        (status = 200, description = "待办", body = DepartmentQueue),
        (status = 401), (status = 403), (status = 404), (status = 422)
    )
)]
async fn department_queue(
    State(state): Shared,
    caller: Caller,
    Path(code): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<DepartmentQueue>, ApiError> {
    let query = query_params(query)?;
    if query.one_thing.is_some() {
        return Err(ApiError::new("E_QUERY_INVALID", "待办队列可按 state、case_id 筛选").field("one_thing"));
    }
    let filter = app::tasks::QueueFilter {
        state: query.state,
        case_id: query.case_id,
    };
    let cursor = query.cursor.as_deref();
    let (page, counts) = match &caller {
        Caller::Person(user) => app::tasks::queue(&state, &user.0, &code, &filter, cursor, query.limit).await?,
        Caller::System(system) => app::service::queue(&state, system, &code, &filter, cursor, query.limit).await?,
    };
    // The queue's entries are the store's type, which this crate does not name.
    let tasks = page
        .items
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    Ok(Json(DepartmentQueue {
        department_name: state.catalog.department_name(&code).to_owned(),
        department: code,
        tasks,
        next_cursor: page.next,
        counts: QueueCountsView {
            open: counts.open,
            overdue: counts.overdue,
            due_soon: counts.due_soon,
        },
    }))
}

async fn task_action(
    state: Arc<AppState>,
    caller: Caller,
    id: String,
    item: String,
    action: Action,
) -> Result<Json<CaseView>, ApiError> {
    let case = match &caller {
        Caller::Person(user) => app::tasks::act(&state, &user.0, &id, &item, action).await,
        Caller::System(system) => app::service::act(&state, system, &id, &item, action).await,
    }
    .map_err(ApiError::from)?;
    Ok(Json(case_view(&state, &case, caller.account())))
}

#[utoipa::path(
    post,
    path = "/cases/{id}/tasks/{item}/accept",
    tag = "departments",
    summary = "受理本部门子件",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "办件编号"),
        ("item" = String, Path, description = "事项编码")
    ),
    responses(
        (status = 200, description = "办件（本部门视图）", body = CaseView),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)
    )
)]
async fn accept_task(
    State(state): Shared,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
) -> Result<Json<CaseView>, ApiError> {
    task_action(state, caller, id, item, Action::Accept).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SupplementRequestBody {
    /// 补正理由，汇总为一次性告知
    reasons: Vec<String>,
    /// 须重新上传的材料编号
    #[serde(default)]
    materials: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/cases/{id}/tasks/{item}/request-supplement",
    tag = "departments",
    summary = "要求补正（理由汇总为一次性告知；可要求重新上传本事项的材料）",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "办件编号"),
        ("item" = String, Path, description = "事项编码")
    ),
    request_body = SupplementRequestBody,
    responses(
        (status = 200, description = "办件（本部门视图）", body = CaseView),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)
    )
)]
async fn request_supplement(
    State(state): Shared,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<SupplementRequestBody>,
) -> Result<Json<CaseView>, ApiError> {
    task_action(
        state,
        caller,
        id,
        item,
        Action::RequestSupplement {
            reasons: body.reasons,
            materials: body.materials,
        },
    )
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    /// 本事项产生的数据：文字、数字或是否
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, FormScalar>)]
    outputs: BTreeMap<String, Value>,
}

#[utoipa::path(
    post,
    path = "/cases/{id}/tasks/{item}/approve",
    tag = "departments",
    summary = "办结，并填写本事项产生的数据",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "办件编号"),
        ("item" = String, Path, description = "事项编码")
    ),
    request_body = ApproveBody,
    responses(
        (status = 200, description = "办件（本部门视图）", body = CaseView),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)
    )
)]
async fn approve_task(
    State(state): Shared,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Result<Json<CaseView>, ApiError> {
    let outputs = form_strings(body.outputs, "outputs")?;
    task_action(state, caller, id, item, Action::Approve { outputs }).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    /// 不予办理的理由
    reason: String,
}

#[utoipa::path(
    post,
    path = "/cases/{id}/tasks/{item}/reject",
    tag = "departments",
    summary = "不予办理，写明理由",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "办件编号"),
        ("item" = String, Path, description = "事项编码")
    ),
    request_body = RejectBody,
    responses(
        (status = 200, description = "办件（本部门视图）", body = CaseView),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)
    )
)]
async fn reject_task(
    State(state): Shared,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<CaseView>, ApiError> {
    task_action(state, caller, id, item, Action::Reject { reason: body.reason }).await
}

/// 补正
#[derive(Deserialize, ToSchema)]
#[schema(as = SupplementAnswer)]
#[serde(deny_unknown_fields)]
struct AnswerSupplementBody {
    /// 更正的表单字段：文字、数字或是否
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, FormScalar>)]
    corrections: BTreeMap<String, Value>,
    /// 说明
    #[serde(default)]
    note: String,
}

/// multipart/form-data：名为 answer 的部分是 JSON，每份重新上传的材料一个名为 material.<材料编号> 的文件部分
#[derive(ToSchema)]
#[allow(dead_code)] // Only describes the multipart form `read_json_and_files` reads.
struct SupplementForm {
    answer: AnswerSupplementBody,
    /// 材料文件
    #[schema(value_type = String, format = Binary, rename = "material.<材料编号>", required = false)]
    material: Vec<u8>,
}

/// The applicant's answer to the supplement requests: JSON, or multipart with the
/// JSON in a part named `answer` and each requested material in `material.<id>`.
#[utoipa::path(
    post,
    path = "/cases/{id}/supplement",
    tag = "cases",
    summary = "申请人一次性提交补正",
    description = "JSON；部门要求重新上传材料时用 multipart/form-data：名为 answer 的部分是同样的 JSON，每份材料一个名为 material.<材料编号> 的文件部分。",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号")),
    request_body(content(
        (AnswerSupplementBody = "application/json"),
        (SupplementForm = "multipart/form-data")
    )),
    responses(
        (status = 200, description = "办件", body = CaseView),
        (status = 400), (status = 401), (status = 404), (status = 409), (status = 413), (status = 415), (status = 422)
    )
)]
async fn answer_supplement(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Json<CaseView>, ApiError> {
    if !user.is_applicant() {
        return Err(ApiError::case_not_found());
    }
    let (body, files) = read_json_and_files(&state, request, "answer").await?;
    let body: AnswerSupplementBody = serde_json::from_value(body)
        .map_err(|error| ApiError::new("E_JSON_INVALID", format!("请求内容的字段类型或取值不正确：{error}")))?;
    let answer = app::supplement::Answer {
        corrections: form_strings(body.corrections, "corrections")?,
        note: body.note,
        files,
    };
    let case = app::supplement::answer(&state, &user.0, &id, answer)
        .await
        .map_err(|error| match error {
            app::AppError::Refused(error) => error,
            app::AppError::Invalid(mut issues) => {
                for issue in &mut issues {
                    if !issue.field.starts_with("material.") {
                        issue.field = format!("corrections.{}", issue.field);
                    }
                }
                ApiError::from(app::AppError::Invalid(issues))
            }
        })?;
    Ok(Json(case_view(&state, &case, &user.0)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    /// 5 非常满意 … 1 非常不满意
    #[schema(minimum = 1, maximum = 5)]
    level: i64,
    #[serde(default)]
    #[schema(max_length = 500)]
    comment: String,
    /// 分项评价：efficiency、guide_accuracy、convenience、usability，各 1–5（窗口代评不可用）
    #[serde(default)]
    indicators: BTreeMap<String, i64>,
    /// 按部门代码评价参与办理的部门，各 1–5（窗口代评不可用）
    #[serde(default)]
    departments: BTreeMap<String, i64>,
}

/// 已评价
#[derive(Serialize, ToSchema)]
struct RatingView {
    case_id: String,
    level: i64,
    level_label: &'static str,
}

/// 好差评 of a finished case, by its applicant or by the one window (代评).
#[utoipa::path(
    post,
    path = "/cases/{id}/rating",
    tag = "ratings",
    summary = "好差评：申请人评价已办结的办件，或综合窗口代评（每件一评；不满意、非常不满意自动生成整改）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号")),
    request_body = RatingBody,
    responses(
        (status = 201, description = "已评价", body = RatingView),
        (status = 401), (status = 404), (status = 409), (status = 422)
    )
)]
async fn rate_case(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<(StatusCode, Json<RatingView>), ApiError> {
    let rate = app::ratings::Rate {
        level: Some(body.level),
        comment: body.comment,
        indicators: body.indicators,
        departments: body.departments,
    };
    app::ratings::rate(&state, &user.0, &id, rate)
        .await
        .map_err(ApiError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(RatingView {
            case_id: id.trim().to_owned(),
            level: body.level,
            level_label: app::ratings::level_label(body.level),
        }),
    ))
}

/// 我的消息
#[derive(Serialize, ToSchema)]
struct Notifications {
    /// 消息，最新的在前
    #[schema(value_type = Vec<Object>)]
    notifications: Vec<Value>,
    /// 未读数
    unread: i64,
    /// 下一页（更早的消息）的 cursor；null 表示没有了
    next_cursor: Option<String>,
}

/// The caller's messages, newest first, with the number unread. Reading them does
/// not mark them read: `POST /me/notifications/read` does.
#[utoipa::path(
    get,
    path = "/me/notifications",
    tag = "sessions",
    summary = "我的消息（本人、本部门、本角色的），最新的在前，含未读数；读取不标记已读",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "每页条数，默认 50，最多 200", minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, description = "上一页返回的 next_cursor（更早的消息）")
    ),
    responses((status = 200, description = "消息", body = Notifications), (status = 401), (status = 422))
)]
async fn notifications(
    State(state): Shared,
    user: CurrentUser,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Notifications>, ApiError> {
    let query = query_params(query)?;
    let (messages, unread) = app::inbox::messages(&state, &user.0, query.cursor.as_deref(), query.limit).await?;
    // The messages are the domain's type, which has no schema of its own.
    let notifications = messages
        .items
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    Ok(Json(Notifications {
        notifications,
        unread,
        next_cursor: messages.next,
    }))
}

#[utoipa::path(
    post,
    path = "/me/notifications/read",
    tag = "sessions",
    summary = "把我的消息全部标记为已读",
    security(("bearer" = [])),
    responses((status = 204, description = "已标记"), (status = 401))
)]
async fn notifications_read(State(state): Shared, user: CurrentUser) -> Result<StatusCode, ApiError> {
    app::inbox::mark_read(&state, &user.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 谁查看了我的数据：rows 为每一次查看（index、department、who、what、at、fields、case_id、purpose、legal_basis、verified），checkpoint_size 为用于验证的检查点大小
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
struct DataLog(app::data_log::DataLog);

/// "谁查看了我的数据": every access to the caller's data by someone else.
#[utoipa::path(
    get,
    path = "/me/data-access",
    tag = "ledger",
    summary = "谁查看了我的数据：他人每一次查看本人数据的账本记录，并用最新签名检查点验证（仅申请人）",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "每页条数，默认 50，最多 200", minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, description = "上一页返回的 next（更早的记录）")
    ),
    responses((status = 200, description = "查看记录（next 为下一页的 cursor，null 表示没有了）", body = DataLog), (status = 401), (status = 403), (status = 422))
)]
async fn data_access(
    State(state): Shared,
    user: CurrentUser,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<DataLog>, ApiError> {
    let query = query_params(query)?;
    let log = app::data_log::of(&state, &user.0, query.cursor.as_deref(), query.limit).await?;
    Ok(Json(DataLog(log)))
}

/// A page of a list that has no filters: its size and where it starts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    #[serde(default)]
    limit: i64,
    cursor: Option<String>,
}

/// 一件事或部门的一行统计
#[derive(Serialize, ToSchema)]
struct DashboardRow {
    code: String,
    name: String,
    /// 用时与时限、按期办结率、补正率、满意度、整改、设计与实际的四减
    #[schema(value_type = Object)]
    figures: metrics::Figures,
}

/// 效能统计
#[derive(Serialize, ToSchema)]
struct Dashboard {
    heading: String,
    today: NaiveDate,
    #[schema(value_type = Object)]
    figures: metrics::Figures,
    one_things: Vec<DashboardRow>,
    departments: Vec<DashboardRow>,
}

/// 效能统计: the figures the caller may see, as on the dashboard page and its CSV.
#[utoipa::path(
    get,
    path = "/dashboard",
    tag = "ratings",
    summary = "效能统计：督办人员看全部一件事和部门，部门看本部门及其牵头的一件事（与统计页面、CSV 相同）",
    security(("bearer" = [])),
    responses((status = 200, description = "统计", body = Dashboard), (status = 401), (status = 403), (status = 404))
)]
async fn dashboard(State(state): Shared, user: CurrentUser) -> Result<Json<Dashboard>, ApiError> {
    let scoped = app::dashboards::scoped(&state, &user.0, app::dashboards::Reading::View).await?;
    let rows = |rows: Vec<app::dashboards::Row>| -> Vec<DashboardRow> {
        rows.into_iter()
            .map(|(code, name, figures)| DashboardRow { code, name, figures })
            .collect()
    };
    Ok(Json(Dashboard {
        heading: scoped.heading,
        today: scoped.today,
        figures: scoped.figures,
        one_things: rows(scoped.one_things),
        departments: rows(scoped.departments),
    }))
}

// ---------------------------------------------------------------- 差评整改

/// 差评整改
#[derive(Serialize, ToSchema)]
#[schema(as = Rectification)]
struct RectificationView {
    id: String,
    case_id: String,
    department: String,
    department_name: String,
    level: i64,
    level_label: &'static str,
    complaint: String,
    opened_at: DateTime<Utc>,
    deadline: NaiveDate,
    /// open、late、closed
    status: &'static str,
    status_label: &'static str,
    follow_up: Option<String>,
    result: Option<String>,
    closed_at: Option<DateTime<Utc>>,
}

fn rectification_view(state: &AppState, r: domain::Rectification) -> RectificationView {
    let (status, status_label) = app::rectifications::status(state, &r);
    RectificationView {
        department_name: state.catalog.department_name(&r.department).to_owned(),
        level_label: app::ratings::level_label(r.level),
        id: r.id,
        case_id: r.case_id,
        department: r.department,
        level: r.level,
        complaint: r.complaint,
        opened_at: r.opened_at,
        deadline: r.deadline,
        status,
        status_label,
        follow_up: r.follow_up,
        result: r.result,
        closed_at: r.closed_at,
    }
}

#[derive(Serialize, ToSchema)]
struct RectificationList {
    rectifications: Vec<RectificationView>,
    /// 下一页的翻页标记（没有更多时为空）
    next_cursor: Option<String>,
    /// 全部（不受筛选和分页影响）：整改中、其中逾期、已办结的件数
    counts: RectificationCountsView,
}

#[derive(Serialize, ToSchema)]
struct RectificationCountsView {
    open: i64,
    late: i64,
    closed: i64,
}

/// The query string of the rectification list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RectificationListQuery {
    #[serde(default)]
    limit: i64,
    cursor: Option<String>,
    status: Option<String>,
    case_id: Option<String>,
    department: Option<String>,
}

/// A department's rectifications, or all of them for supervisors; late ones first.
#[utoipa::path(
    get,
    path = "/rectifications",
    tag = "ratings",
    summary = "差评整改：本部门的，督办人员看全部（逾期的在前），分页（next_cursor）；可按状态、办件编号、部门筛选",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, description = "每页件数，默认 50，最多 200", minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, description = "上一页返回的 next_cursor"),
        ("status" = Option<String>, Query, description = "整改状态：open（整改中，含逾期）、late（逾期）、closed（已办结）"),
        ("case_id" = Option<String>, Query, description = "办件编号"),
        ("department" = Option<String>, Query, description = "部门代码（督办人员；部门工作人员只能是本部门）")
    ),
    responses(
        (status = 200, description = "整改列表", body = RectificationList),
        (status = 401), (status = 403), (status = 404), (status = 422)
    )
)]
async fn list_rectifications(
    State(state): Shared,
    user: CurrentUser,
    query: Result<Query<RectificationListQuery>, QueryRejection>,
) -> Result<Json<RectificationList>, ApiError> {
    let query = query_params(query)?;
    let filter = app::rectifications::Filter {
        status: query.status,
        case_id: query.case_id,
        department: query.department,
    };
    let (page, counts) =
        app::rectifications::list(&state, &user.0, &filter, query.cursor.as_deref(), query.limit).await?;
    let rectifications = page.items.into_iter().map(|r| rectification_view(&state, r)).collect();
    Ok(Json(RectificationList {
        rectifications,
        next_cursor: page.next,
        counts: RectificationCountsView {
            open: counts.open,
            late: counts.late,
            closed: counts.closed,
        },
    }))
}

#[utoipa::path(
    get,
    path = "/rectifications/{id}",
    tag = "ratings",
    summary = "一项差评整改",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "整改编号")),
    responses((status = 200, description = "整改", body = RectificationView), (status = 401), (status = 404))
)]
async fn get_rectification(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<RectificationView>, ApiError> {
    let found = app::rectifications::get(&state, &user.0, &id).await?;
    Ok(Json(rectification_view(&state, found)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RectificationBody {
    /// 回访记录
    #[schema(max_length = 1000)]
    follow_up: String,
    /// 整改结果
    #[serde(default)]
    #[schema(max_length = 1000)]
    result: String,
    /// 为 true 时以整改结果办结，结果告知申请人
    #[serde(default)]
    close: bool,
}

#[utoipa::path(
    post,
    path = "/rectifications/{id}",
    tag = "ratings",
    summary = "记录回访；close 为 true 时以整改结果办结（结果告知申请人）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "整改编号")),
    request_body = RectificationBody,
    responses(
        (status = 200, description = "整改", body = RectificationView),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn update_rectification(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RectificationBody>,
) -> Result<Json<RectificationView>, ApiError> {
    let update = app::rectifications::Update {
        follow_up: body.follow_up,
        result: body.result,
        close: body.close,
    };
    let updated = app::rectifications::update(&state, &user.0, &id, update).await?;
    Ok(Json(rectification_view(&state, updated)))
}

fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}
