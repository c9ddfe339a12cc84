//! Routes and handlers of `/api/v1`.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::IdempotencyKey;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cases::{Action, Case, Provenance};
use catalog::{Answers, Holdings, Sensitivity};
use chrono::NaiveDate;
use domain::Role;
use ids::ItemCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::app;
use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiJson};

/// Largest request body accepted, in bytes. A whole one-thing form is a few KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

type Shared = State<Arc<AppState>>;

/// The routes of `/api/v1`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/me/data-access", get(data_access))
        .route("/me/notifications", get(notifications))
        .route("/me/notifications/read", post(notifications_read))
        .route("/catalog/one-things", get(list_one_things))
        .route("/catalog/one-things/{id}", get(get_one_thing))
        .route("/catalog/one-things/{id}/plan", post(compute_plan))
        .route("/catalog/one-things/{id}/prefill", post(prefill))
        .route("/catalog/one-things/{id}/example", get(example_submission))
        .route("/catalog/items/{code}", get(get_item))
        .route(
            "/cases",
            post(submit_case)
                .layer(DefaultBodyLimit::max(app::files::MAX_FORM_BYTES))
                .get(list_cases),
        )
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/history", get(case_history))
        .route("/cases/{id}/files", get(case_files))
        .route("/cases/{id}/files/{upload_id}", get(case_file))
        .route(
            "/cases/{id}/supplement",
            post(answer_supplement).layer(DefaultBodyLimit::max(app::files::MAX_FORM_BYTES)),
        )
        .route("/cases/{id}/rating", post(rate_case))
        .route("/cases/{id}/tasks/{item}/accept", post(accept_task))
        .route("/cases/{id}/tasks/{item}/request-supplement", post(request_supplement))
        .route("/cases/{id}/tasks/{item}/approve", post(approve_task))
        .route("/cases/{id}/tasks/{item}/reject", post(reject_task))
        .route(
            "/cases/{id}/tasks/{item}/shared-data",
            post(crate::shared_api::read_shared),
        )
        .route(
            "/cases/{id}/tasks/{item}/shared-question",
            post(crate::shared_api::ask_question),
        )
        .route(
            "/cases/{id}/tasks/{item}/shared-checks",
            get(crate::shared_api::list_checks),
        )
        .route("/departments/{code}/tasks", get(department_queue))
        .route("/dashboard", get(dashboard))
        .route("/rectifications", get(list_rectifications))
        .route(
            "/rectifications/{id}",
            get(get_rectification).post(update_rectification),
        )
        .route("/calendar", get(calendar_status))
        .route("/admin/calendar/import", post(import_calendar))
        .route("/openapi.json", get(openapi))
        .merge(crate::ledger_api::routes())
        .merge(crate::cert_api::routes())
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
async fn calendar_status(State(state): Shared) -> Json<Value> {
    Json(crate::holidays::status(
        &state.calendar(),
        cases::china_date(state.now()),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarImportRequest {
    /// The file name, for messages (e.g. `2027.toml`).
    file_name: String,
    /// The year file (TOML), as described in `calendar/README.md`.
    content: String,
}

/// Imports a year's official notice (admin): recomputes provisional dates.
async fn import_calendar(
    State(state): Shared,
    user: CurrentUser,
    ApiJson(request): ApiJson<CalendarImportRequest>,
) -> Result<Json<Value>, ApiError> {
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
        Ok(report) => Ok(Json(json!(report))),
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

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

// ---------------------------------------------------------------- sessions

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct AccountView {
    id: String,
    username: String,
    display_name: String,
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

async fn login(State(state): Shared, ApiJson(request): ApiJson<LoginRequest>) -> Result<Json<Value>, ApiError> {
    let session = auth::login(&state, &request.username, &request.password)
        .await
        .map_err(auth::LoginError::api_error)?;
    Ok(Json(
        json!({ "token": session.token, "account": account_view(&state, &session.account) }),
    ))
}

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

async fn me(State(state): Shared, user: CurrentUser) -> Json<AccountView> {
    Json(account_view(&state, &user.0))
}

// ---------------------------------------------------------------- catalog

async fn list_one_things(State(state): Shared) -> Json<Value> {
    let list: Vec<Value> = state
        .catalog
        .one_things
        .values()
        .map(|one_thing| {
            json!({
                "id": one_thing.id,
                "name": one_thing.name,
                "level": one_thing.level,
                "batch": one_thing.batch,
                "life_stage": one_thing.life_stage,
                "applicant": one_thing.applicant,
                "lead": one_thing.lead,
                "lead_name": state.catalog.department_name(&one_thing.lead),
                "keywords": one_thing.keywords,
                "summary": one_thing.summary,
                "items": one_thing.members.len(),
            })
        })
        .collect();
    Json(json!({ "one_things": list }))
}

async fn get_one_thing(State(state): Shared, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let one_thing = app::plan::find_one_thing(&state, &id)?;
    let members: Vec<Value> = one_thing
        .members
        .iter()
        .filter_map(|member| {
            let item = state.catalog.items.get(&member.item)?;
            Some(json!({
                "item": item,
                "department_name": state.catalog.department_name(&item.department),
                "when": member.when,
                "after": member.after,
            }))
        })
        .collect();
    Ok(Json(json!({
        "id": one_thing.id,
        "name": one_thing.name,
        "level": one_thing.level,
        "batch": one_thing.batch,
        "life_stage": one_thing.life_stage,
        "applicant": one_thing.applicant,
        "lead": one_thing.lead,
        "summary": one_thing.summary,
        "keywords": one_thing.keywords,
        "questions": one_thing.questions,
        "members": members,
        "material_rules": one_thing.material_rules,
    })))
}

async fn get_item(State(state): Shared, Path(code): Path<String>) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::new("E_ITEM_NOT_FOUND", format!("没有找到事项“{}”", truncate(&code)));
    let code = ItemCode::parse(&code).map_err(|_| not_found())?;
    let item = state.catalog.items.get(&code).ok_or_else(not_found)?;
    Ok(Json(
        json!({ "item": item, "department_name": state.catalog.department_name(&item.department) }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanRequest {
    #[serde(default)]
    answers: Answers,
    /// E-certificate types the applicant holds.
    #[serde(default)]
    holds: Vec<String>,
    start_date: Option<NaiveDate>,
}

async fn compute_plan(
    State(state): Shared,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PlanRequest>,
) -> Result<Json<catalog::Plan>, ApiError> {
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
    Ok(Json(app::plan::plan_for(
        &state,
        one_thing,
        &request.answers,
        &holdings,
        start,
    )?))
}

/// A complete, valid example submission (for integrators): the JSON part of
/// `POST /cases`, and the materials to send as file parts.
async fn example_submission(State(state): Shared, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let example = app::plan::example(&state, &id)?;
    let uploads: Vec<Value> = example
        .uploads
        .iter()
        .map(|material| {
            json!({
                "id": material,
                "part": format!("material.{material}"),
                "name": state.catalog.materials.get(material).map(|m| m.name.as_str()),
            })
        })
        .collect();
    Ok(Json(json!({
        "submission": {
            "one_thing": example.one_thing,
            "answers": example.answers,
            "form": example.form,
            "commitments": example.commitments,
        },
        "uploads": uploads,
    })))
}

// ---------------------------------------------------------------- cases

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitRequest {
    one_thing: String,
    #[serde(default)]
    answers: Answers,
    #[serde(default)]
    form: BTreeMap<String, Value>,
    /// The prefill the applicant consented to (`POST /catalog/one-things/{id}/prefill`).
    #[serde(default)]
    prefill: Option<String>,
    /// Material ids of the commitment letters (告知承诺) the applicant accepts.
    #[serde(default)]
    commitments: Vec<String>,
    /// At the one window: the person the application is for.
    #[serde(default)]
    walk_in: Option<WalkInRequest>,
}

#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrefillRequest {
    #[serde(default)]
    answers: Answers,
    /// `true` once the applicant has seen the offer and agreed; `false` returns the
    /// offer only and reads nothing.
    consent: bool,
    /// The enterprise's 统一社会信用代码, for one-things of an enterprise: its
    /// registered data is prefilled for its legal representative only.
    #[serde(default)]
    enterprise: Option<String>,
    /// The sources the applicant agreed to (codes from the offer); every source
    /// offered when absent. Departments may then read only these.
    #[serde(default)]
    sources: Option<Vec<String>>,
}

/// `POST /catalog/one-things/{id}/prefill`: what shared data could fill (without
/// consent), or the values it does fill (with consent), as a stored prefill.
async fn prefill(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PrefillRequest>,
) -> Result<Json<Value>, ApiError> {
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
        return Ok(Json(json!({
            "consent_required": true,
            "offer": offer,
            "enterprise_required": crate::sharing::needs_enterprise(&prefill_plan),
        })));
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
                return Ok(Json(json!({
                    "enterprise_required": true,
                    "enterprises": several,
                    "offer": offer,
                })));
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
    let values: serde_json::Map<String, Value> = doc
        .values
        .iter()
        .map(|(element, v)| {
            (
                element.clone(),
                json!({ "value": v.value, "source": v.source, "source_name": crate::sharing::source_name(&state, &v.source) }),
            )
        })
        .collect();
    Ok(Json(
        json!({ "prefill_id": prefill_id, "values": values, "offer": offer, "enterprise": enterprise }),
    ))
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
    let view = case_view(&state, &submitted.case, &user);
    let mut response = (status, Json(view)).into_response();
    if submitted.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The query of a list: page size, cursor, exact filters.
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

/// A list's query string, or `E_QUERY_INVALID` naming what is wrong.
fn list_query(query: Result<Query<ListQuery>, QueryRejection>) -> Result<ListQuery, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|rejection| ApiError::new("E_QUERY_INVALID", format!("查询参数有误：{}", rejection.body_text())))
}

async fn list_cases(
    State(state): Shared,
    user: CurrentUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let query = list_query(query)?;
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
    Ok(Json(json!({ "cases": cases, "next_cursor": page.next })))
}

async fn get_case(State(state): Shared, user: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let case = app::case::read(&state, &user.0, &id).await?;
    Ok(Json(case_view(&state, &case, &user)))
}

async fn case_history(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (case, events) = app::case::history(&state, &user.0, &id).await?;
    Ok(Json(json!({ "case_id": case.id, "events": events })))
}

/// `GET /cases/{id}/files`: the files handed in for a case that the caller may see
/// (what, when, size and SHA-256; not the bytes).
async fn case_files(State(state): Shared, user: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let uploads = app::files::list(&state, &user.0, &id).await?;
    let files: Vec<Value> = uploads
        .iter()
        .map(|u| {
            json!({
                "id": u.id, "material": u.material,
                "material_name": state.catalog.materials.get(&u.material).map(|m| m.name.as_str()),
                "file_name": u.file_name, "content_type": u.content_type, "size": u.size,
                "sha256": u.sha256, "uploaded_at": u.uploaded_at,
            })
        })
        .collect();
    Ok(Json(json!({ "case_id": id, "files": files })))
}

/// `GET /cases/{id}/files/{upload_id}`: one file's bytes, with the type found from
/// its content, for the applicant or a department whose task needs that material.
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

/// The case as one user may see it. Staff see their department's tasks and the
/// fields those items use; admins see every task with sensitive values masked;
/// the applicant sees their whole case.
fn case_view(state: &AppState, case: &Case, user: &CurrentUser) -> Value {
    let catalog = &state.catalog;
    let department = user.staff_department();
    let tasks: Vec<&cases::Task> = match department {
        Some(d) => case.tasks_of_department(d).collect(),
        None => case.tasks.iter().collect(),
    };
    let shown = app::case::visible_elements(state, &user.0, case);
    let mut form = serde_json::Map::new();
    for (element_id, value) in &case.form {
        if !shown.contains(element_id.as_str()) {
            continue;
        }
        let element = catalog.elements.get(element_id);
        let sensitivity = element.map(|e| e.sensitivity).unwrap_or(Sensitivity::HighlySensitive);
        let (shown, masked) = app::masking::shown_value(catalog, user.0.role, element_id, &value.value);
        let source = match &value.provenance {
            Provenance::Typed => json!({ "kind": "typed" }),
            Provenance::Supplemented => json!({ "kind": "supplemented" }),
            Provenance::Shared { source, department } => json!({
                "kind": "shared",
                "source": source,
                "department": department,
            }),
            Provenance::ProducedBy { item } => json!({
                "kind": "produced_by",
                "item": item,
                "item_name": catalog.items.get(item).map(|i| i.name.as_str()),
            }),
        };
        form.insert(
            element_id.clone(),
            json!({
                "name": element.map(|e| e.name.as_str()),
                "value": shown,
                "masked": masked,
                "sensitivity": sensitivity,
                "source": source,
            }),
        );
    }
    let calendar = state.calendar();
    let provisional = |date: Option<chrono::NaiveDate>| date.is_some_and(|d| calendar.is_provisional(d));
    let task_views: Vec<Value> = tasks
        .iter()
        .map(|task| {
            let waiting_for: Vec<&str> = task
                .after
                .iter()
                .filter(|dependency| {
                    case.task(dependency)
                        .is_some_and(|t| t.state != cases::TaskState::Approved)
                })
                .map(ItemCode::as_str)
                .collect();
            json!({
                "item": task.item,
                "name": task.name,
                "department": task.department,
                "department_name": catalog.department_name(&task.department),
                "state": task.state,
                "state_label": task.state.label_zh(),
                "after": task.after,
                "waiting_for": waiting_for,
                "promised_limit_days": task.promised_limit_days,
                "dispatched_on": task.dispatched_on,
                "deadline": task.deadline,
                "deadline_provisional": provisional(task.deadline),
                "supplement_reasons": task.supplement_reasons,
                "outputs": task
                    .outputs
                    .iter()
                    .map(|(element, value)| (element.clone(), app::masking::shown_value(catalog, user.0.role, element, value).0))
                    .collect::<BTreeMap<String, String>>(),
                "rejection_reason": task.rejection_reason,
                "updated_at": task.updated_at,
            })
        })
        .collect();
    let state_value = case.state();
    json!({
        "id": case.id,
        "one_thing": case.one_thing,
        "one_thing_name": case.one_thing_name,
        "lead": case.lead,
        "state": state_value,
        "state_label": state_value.label_zh(),
        "applicant": case.applicant,
        "submitted_at": case.submitted_at,
        "updated_at": case.updated_at,
        "promised_date": case.promised_date,
        "promised_date_provisional": provisional(Some(case.promised_date)),
        "answers": case.answers,
        "form": form,
        "materials": case.materials,
        "tasks": task_views,
        "supplement_requests": if department.is_none() { json!(case.supplement_requests()) } else { json!([]) },
    })
}

// ---------------------------------------------------------------- department work

async fn department_queue(
    State(state): Shared,
    user: CurrentUser,
    Path(code): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let query = list_query(query)?;
    if query.one_thing.is_some() {
        return Err(ApiError::new("E_QUERY_INVALID", "待办队列可按 state、case_id 筛选").field("one_thing"));
    }
    let filter = app::tasks::QueueFilter {
        state: query.state,
        case_id: query.case_id,
    };
    let (page, counts) =
        app::tasks::queue(&state, &user.0, &code, &filter, query.cursor.as_deref(), query.limit).await?;
    Ok(Json(json!({
        "department": code, "department_name": state.catalog.department_name(&code),
        "tasks": page.items, "next_cursor": page.next, "counts": counts,
    })))
}

async fn task_action(
    state: Arc<AppState>,
    user: CurrentUser,
    id: String,
    item: String,
    action: Action,
) -> Result<Json<Value>, ApiError> {
    let case = app::tasks::act(&state, &user.0, &id, &item, action)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(case_view(&state, &case, &user)))
}

async fn accept_task(
    State(state): Shared,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    task_action(state, user, id, item, Action::Accept).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplementRequestBody {
    reasons: Vec<String>,
    /// Materials of the item to hand in again (new files).
    #[serde(default)]
    materials: Vec<String>,
}

async fn request_supplement(
    State(state): Shared,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<SupplementRequestBody>,
) -> Result<Json<Value>, ApiError> {
    task_action(
        state,
        user,
        id,
        item,
        Action::RequestSupplement {
            reasons: body.reasons,
            materials: body.materials,
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    #[serde(default)]
    outputs: BTreeMap<String, Value>,
}

async fn approve_task(
    State(state): Shared,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Result<Json<Value>, ApiError> {
    let outputs = form_strings(body.outputs, "outputs")?;
    task_action(state, user, id, item, Action::Approve { outputs }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

async fn reject_task(
    State(state): Shared,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<Value>, ApiError> {
    task_action(state, user, id, item, Action::Reject { reason: body.reason }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerSupplementBody {
    #[serde(default)]
    corrections: BTreeMap<String, Value>,
    #[serde(default)]
    note: String,
}

/// The applicant's answer to the supplement requests: JSON, or multipart with the
/// JSON in a part named `answer` and each requested material in `material.<id>`.
async fn answer_supplement(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(case_view(&state, &case, &user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    level: i64,
    #[serde(default)]
    comment: String,
    /// Levels by indicator: efficiency, guide_accuracy, convenience, usability.
    #[serde(default)]
    indicators: BTreeMap<String, i64>,
    /// Levels by department code, for the departments that worked on the case.
    #[serde(default)]
    departments: BTreeMap<String, i64>,
}

/// 好差评 of a finished case, by its applicant or by the one window (代评).
async fn rate_case(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
        Json(json!({
            "case_id": id.trim(),
            "level": body.level,
            "level_label": app::ratings::level_label(body.level),
        })),
    ))
}

/// The caller's messages, newest first, with the number unread. Reading them does
/// not mark them read: `POST /me/notifications/read` does.
async fn notifications(State(state): Shared, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let (messages, unread) = app::inbox::messages(&state, &user.0).await?;
    Ok(Json(json!({ "notifications": messages, "unread": unread })))
}

async fn notifications_read(State(state): Shared, user: CurrentUser) -> Result<StatusCode, ApiError> {
    app::inbox::mark_read(&state, &user.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "谁查看了我的数据": every access to the caller's data by someone else.
async fn data_access(State(state): Shared, user: CurrentUser) -> Result<Json<app::data_log::DataLog>, ApiError> {
    Ok(Json(app::data_log::of(&state, &user.0).await?))
}

/// 效能统计: the figures the caller may see, as on the dashboard page and its CSV.
async fn dashboard(State(state): Shared, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let scoped = app::dashboards::scoped(&state, &user.0, app::dashboards::Reading::View).await?;
    let rows = |rows: &[app::dashboards::Row]| -> Vec<Value> {
        rows.iter()
            .map(|(code, name, figures)| json!({ "code": code, "name": name, "figures": figures }))
            .collect()
    };
    Ok(Json(json!({
        "heading": scoped.heading,
        "today": scoped.today,
        "figures": scoped.figures,
        "one_things": rows(&scoped.one_things),
        "departments": rows(&scoped.departments),
    })))
}

// ---------------------------------------------------------------- 差评整改

fn rectification_view(state: &AppState, r: &domain::Rectification) -> Value {
    let (status, status_label) = app::rectifications::status(state, r);
    json!({
        "id": r.id,
        "case_id": r.case_id,
        "department": r.department,
        "department_name": state.catalog.department_name(&r.department),
        "level": r.level,
        "level_label": app::ratings::level_label(r.level),
        "complaint": r.complaint,
        "opened_at": r.opened_at,
        "deadline": r.deadline,
        "status": status,
        "status_label": status_label,
        "follow_up": r.follow_up,
        "result": r.result,
        "closed_at": r.closed_at,
    })
}

/// A department's rectifications, or all of them for supervisors; late ones first.
async fn list_rectifications(State(state): Shared, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let rows = app::rectifications::list(&state, &user.0).await?;
    let rows: Vec<Value> = rows.iter().map(|r| rectification_view(&state, r)).collect();
    Ok(Json(json!({ "rectifications": rows })))
}

async fn get_rectification(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = app::rectifications::get(&state, &user.0, &id).await?;
    Ok(Json(rectification_view(&state, &found)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RectificationBody {
    follow_up: String,
    #[serde(default)]
    result: String,
    /// Close it with `result`, which the applicant is then told.
    #[serde(default)]
    close: bool,
}

async fn update_rectification(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RectificationBody>,
) -> Result<Json<Value>, ApiError> {
    let update = app::rectifications::Update {
        follow_up: body.follow_up,
        result: body.result,
        close: body.close,
    };
    let updated = app::rectifications::update(&state, &user.0, &id, update).await?;
    Ok(Json(rectification_view(&state, &updated)))
}

fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}
