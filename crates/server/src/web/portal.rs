//! The citizen portal: find a one-thing, answer the situation questions, read the
//! one notice, fill the one form, follow the case and answer supplement requests.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cases::{Case, Provenance, TaskState};
use catalog::plan::FieldSource;
use catalog::{Answers, ElementType, Holdings, OneThing, Plan};
use domain::Role;
use minijinja::context;
use serde::Serialize;

use super::{Page, Shared, local_time, page};
use crate::AppState;
use crate::app;

/// Life stages to browse by, as the policy names them.
const PERSON_STAGES: [&str; 10] = [
    "出生", "教育", "就业", "生活", "置业", "出行", "就医", "救助", "养老", "身后",
];
const ENTERPRISE_STAGES: [&str; 4] = ["准入准营", "变更", "迁移", "注销"];

#[derive(Serialize)]
struct OneThingCard {
    id: String,
    name: String,
    summary: String,
}

fn card(one: &OneThing) -> OneThingCard {
    OneThingCard {
        id: one.id.to_string(),
        name: one.name.clone(),
        summary: one.summary.clone(),
    }
}

/// A search result as the home page shows it: cards with their reasons in words.
fn search_view(result: &guide::SearchResult) -> minijinja::Value {
    let explain =
        |reasons: &[guide::Reason]| -> Vec<String> { reasons.iter().map(guide::Reason::explain_zh).collect() };
    let one_things: Vec<minijinja::Value> = result
        .one_things
        .iter()
        .map(|hit| {
            context! { id => hit.id, name => hit.name, summary => hit.summary, reasons => explain(&hit.reasons) }
        })
        .collect();
    let items: Vec<minijinja::Value> = result
        .items
        .iter()
        .map(|hit| {
            context! {
                name => hit.name,
                department_name => hit.department_name,
                one_thing => hit.one_things.first(),
                reasons => explain(&hit.reasons),
            }
        })
        .collect();
    context! { found => result.found, one_things => one_things, items => items }
}

pub async fn home(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let q: String = query.get("q").cloned().unwrap_or_default();
    let page = page(&state, &headers, "/").await;
    // The same use case as `GET /api/v1/search`: the page shows its reasons too.
    let (search, search_error) = if q.trim().is_empty() {
        (None, None)
    } else {
        match app::guidance::search(&state, &q) {
            Ok(result) => (Some(search_view(&result)), None),
            Err(error) => (None, Some(error.message)),
        }
    };
    // A question about a one-thing (要带什么材料、多久…) is answered from the catalog
    // above the results, by the use case behind `GET /api/v1/ask`.
    let reply = (search.is_some() && !guide::answer::topics_of(&q).is_empty())
        .then(|| app::guidance::ask(&state, &q, None).ok())
        .flatten()
        .filter(|reply| reply.one_thing.is_some());
    let shown_query: String = q.chars().take(guide::text::MAX_QUERY_CHARS).collect();
    let stage_list = |title: &str, applicant: &str, stages: &[&str]| {
        let stages: Vec<_> = stages
            .iter()
            .map(|stage| {
                let items: Vec<OneThingCard> = state
                    .catalog
                    .one_things
                    .values()
                    .filter(|one| one.life_stage == *stage && one.applicant == applicant)
                    .map(card)
                    .collect();
                context! { name => stage, items => items }
            })
            .collect();
        context! { title => title, stages => stages }
    };
    let stages = vec![
        stage_list("个人办事（按人生阶段）", "自然人", &PERSON_STAGES),
        stage_list("企业办事（按企业生命周期）", "法人", &ENTERPRISE_STAGES),
    ];
    let groups: Vec<minijinja::Value> = app::plan::groups(&state)
        .into_iter()
        .map(|group| {
            let members: Vec<String> = group
                .members
                .iter()
                .filter_map(|id| state.catalog.one_things.get(id).map(|one| one.name.clone()))
                .collect();
            context! { id => group.id, name => group.name, summary => group.summary, members => members }
        })
        .collect();
    page.render(
        "home.html",
        "首页",
        context! {
            query => shown_query,
            search => search,
            search_error => search_error,
            reply => reply,
            contact => app::guidance::one_window_contact(&state),
            stages => stages,
            groups => groups,
        },
    )
}

/// A group of one-things (一类事): its members, what they share, and what taking them
/// together saves (the same use case as `GET /api/v1/catalog/groups/{id}`).
pub async fn group(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, &format!("/groups/{id}")).await;
    match app::plan::group(&state, &id) {
        Ok(group) => {
            let title = group.name.clone();
            page.render("group.html", &title, context! { group => group })
        }
        Err(error) if error.code == "E_GROUP_NOT_FOUND" => page.not_found(),
        Err(error) => page.message(StatusCode::UNPROCESSABLE_ENTITY, "暂时无法计算", &error.message),
    }
}

/// The one-thing with the questions asked given `answers`: a question that depends
/// on an earlier answer appears once that answer makes it relevant.
fn one_thing_view(state: &AppState, one: &OneThing, answers: &Answers) -> minijinja::Value {
    context! {
        id => one.id.to_string(),
        name => one.name,
        summary => one.summary,
        level => one.level.label_zh(),
        batch => one.batch,
        lead_name => state.catalog.department_name(&one.lead),
        questions => one.asked_questions(answers),
        // A report one-thing says up front that it ends in one document.
        report_document => one.report.as_ref().and_then(|report| {
            state.catalog.certificates.get(&report.document).map(|certificate| certificate.name.clone())
        }),
    }
}

/// A one-thing's questions; answers in the query (from 修改回答 on the notice) are
/// filled in, so that changing one answer does not mean giving all of them again.
pub async fn one_thing(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/one-things/{id}")).await;
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    let answers = answers_from(one, &query, "");
    page.render(
        "one_thing.html",
        &one.name,
        context! { one => one_thing_view(&state, one, &answers), answers => answers, errors => Vec::<()>::new(), error_ids => Vec::<String>::new() },
    )
}

/// The answers in a query or form, keeping only the one-thing's questions that are
/// asked given the others (an answer made irrelevant by a changed earlier one is dropped).
fn answers_from(one: &OneThing, values: &BTreeMap<String, String>, prefix: &str) -> Answers {
    let given: Answers = one
        .questions
        .iter()
        .filter_map(|q| {
            values
                .get(&format!("{prefix}{}", q.id))
                .map(|v| (q.id.clone(), v.clone()))
        })
        .collect();
    one.relevant_answers(&given)
}

fn today(state: &AppState) -> chrono::NaiveDate {
    cases::china_date(state.now())
}

/// Computes the plan, or re-renders the questions with what is missing.
/// The plan's holdings for the page's user (see [`crate::sharing::holdings`]).
pub(super) async fn holdings_for(
    state: &AppState,
    page: &Page,
    stage: crate::sharing::Stage<'_>,
) -> Result<Holdings, Response> {
    crate::sharing::holdings(state, page.user.as_ref(), stage)
        .await
        .map_err(|error| page.store_error(error))
}

pub(super) fn plan_or_questions(
    state: &AppState,
    page: &Page,
    one: &OneThing,
    answers: &Answers,
    holdings: &Holdings,
) -> Result<Plan, Response> {
    match catalog::compute_plan(&state.catalog, one, answers, holdings, today(state), &state.calendar()) {
        Ok(plan) => Ok(plan),
        Err(catalog::PlanError::Answers(errors)) => {
            let error_ids: Vec<String> = errors.iter().map(|e| e.question().to_owned()).collect();
            let errors: Vec<_> = errors
                .iter()
                .map(|e| context! { question => e.question(), message => e.to_string() })
                .collect();
            let mut response = page.render(
                "one_thing.html",
                &one.name,
                context! { one => one_thing_view(state, one, answers), answers => answers, errors => errors, error_ids => error_ids },
            );
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Err(response)
        }
        Err(error) => Err(page.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "暂时无法计算办结日期",
            &error.to_string(),
        )),
    }
}

pub async fn notice(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/one-things/{id}")).await;
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    let answers = answers_from(one, &query, "");
    let holdings = match holdings_for(&state, &page, crate::sharing::Stage::Notice { offered: true }).await {
        Ok(holdings) => holdings,
        Err(response) => return response,
    };
    let plan = match plan_or_questions(&state, &page, one, &answers, &holdings) {
        Ok(plan) => plan,
        Err(response) => return response,
    };
    let item_names: BTreeMap<String, String> = state
        .catalog
        .items
        .iter()
        .map(|(code, item)| (code.to_string(), item.name.clone()))
        .collect();
    page.render(
        "notice.html",
        &format!("{}：一次告知", plan.name),
        context! { plan => plan, item_names => item_names,
        edit_answers => format!("/one-things/{}?{}", one.id, encode_query(answers.iter())) },
    )
}

#[derive(Serialize)]
struct FieldView {
    element: String,
    anchor: String,
    name: String,
    value: String,
    error: Option<String>,
    hint: Option<&'static str>,
    input_type: &'static str,
    inputmode: Option<&'static str>,
    autocomplete: Option<&'static str>,
    kind: &'static str,
    options: Option<Vec<String>>,
    source_label: Option<String>,
    /// A 变更后 field: the registered (变更前) value shown beside it.
    registered: Option<String>,
}

fn anchor(element: &str) -> String {
    element.replace('.', "-")
}

fn field_view(
    state: &AppState,
    element_id: &str,
    value: String,
    error: Option<String>,
    source_label: Option<String>,
) -> Option<FieldView> {
    let element = state.catalog.elements.get(element_id)?;
    let (input_type, inputmode, hint, options) = match &element.element_type {
        ElementType::Date => ("date", None, Some("格式：年-月-日，例如 2026-02-10"), None),
        ElementType::Phone => ("tel", Some("tel"), Some("11位手机号，或带区号的固定电话"), None),
        ElementType::IdNumber => ("text", None, Some("18位，最后一位可能是X"), None),
        ElementType::CreditCode => ("text", None, Some("18位统一社会信用代码"), None),
        ElementType::Money => ("text", Some("decimal"), Some("单位：元，最多两位小数"), None),
        ElementType::Integer => ("text", Some("numeric"), None, None),
        ElementType::Boolean => ("text", None, None, Some(vec!["是".to_owned(), "否".to_owned()])),
        ElementType::Choice(options) => ("text", None, None, Some(options.clone())),
        ElementType::Text => ("text", None, None, None),
    };
    let autocomplete = match element_id {
        "person.name" => Some("name"),
        "person.phone" => Some("tel"),
        "person.address" => Some("street-address"),
        _ => None,
    };
    Some(FieldView {
        element: element_id.to_owned(),
        anchor: anchor(element_id),
        name: element.name.clone(),
        value,
        error,
        hint,
        input_type,
        inputmode,
        autocomplete,
        kind: element.element_type.name(),
        options,
        source_label,
        registered: None,
    })
}

/// Marks the fields of a change (变更): a registered element whose 变更后 element is
/// asked too is labelled 变更前, and the 变更后 field shows the registered value
/// beside it, so that nobody types a new value over the registered one.
fn mark_changes(plan: &Plan, views: &mut [FieldView]) {
    let asked = || plan.form.iter().flat_map(|g| &g.fields);
    let registered: BTreeMap<String, String> = views.iter().map(|v| (v.element.clone(), v.value.clone())).collect();
    for view in views.iter_mut() {
        if asked().any(|f| f.changes.as_deref() == Some(view.element.as_str())) {
            view.name = format!("{}（变更前，登记信息）", view.name);
        }
        if let Some(old) = asked()
            .find(|f| f.element == view.element)
            .and_then(|f| f.changes.as_deref())
        {
            view.registered = Some(registered.get(old).cloned().unwrap_or_default());
        }
    }
}

use crate::app::submit::is_window;

/// Values known from the applicant's own account, with where they come from.
fn profile_values(page: &Page) -> BTreeMap<&'static str, String> {
    let mut values = BTreeMap::new();
    if let Some(account) = &page.user
        && account.role == Role::Applicant
    {
        values.insert("person.name", account.display_name.clone());
        if let Some(id_number) = &account.id_number {
            values.insert("person.id_number", id_number.clone());
        }
    }
    values
}

/// The files of the form being shown again: whether files were chosen (the
/// browser forgot them) and which are kept server-side, by material.
pub(super) struct Files<'a> {
    pub(super) chosen: bool,
    pub(super) kept: &'a BTreeMap<String, String>,
}

pub(super) fn render_apply(
    state: &AppState,
    page: &Page,
    plan: &Plan,
    submitted: Option<&BTreeMap<String, String>>,
    issues: &[cases::FieldIssue],
    files: &Files<'_>,
    prefill: Option<&(String, crate::sharing::PrefillDoc)>,
) -> Response {
    let profile = profile_values(page);
    let errors_by_field: BTreeMap<&str, &str> = issues.iter().map(|i| (i.field.as_str(), i.message.as_str())).collect();
    let mut groups = Vec::new();
    let mut produced = Vec::new();
    for group in &plan.form {
        let mut fields = Vec::new();
        for field in &group.fields {
            if let FieldSource::ProducedBy { item } = &field.source {
                let item_name = state
                    .catalog
                    .items
                    .get(item)
                    .map(|i| i.name.clone())
                    .unwrap_or_default();
                produced.push(context! { name => field.name, item_name => item_name });
                continue;
            }
            let fetched = prefill.and_then(|(_, doc)| doc.values.get(&field.element));
            let (value, source_label) = match (submitted.and_then(|s| s.get(&field.element)), fetched) {
                (Some(value), Some(fetched)) if *value == fetched.value => {
                    (value.clone(), Some(shared_label(state, fetched)))
                }
                (Some(value), Some(fetched)) => (
                    value.clone(),
                    Some(format!(
                        "您已修改（{}的值为“{}”，修改将告知数据来源部门）",
                        shared_label(state, fetched),
                        fetched.value
                    )),
                ),
                (Some(value), None) => (value.clone(), None),
                (None, Some(fetched)) => (fetched.value.clone(), Some(shared_label(state, fetched))),
                (None, None) => match profile.get(field.element.as_str()) {
                    Some(value) => (value.clone(), Some("您的实名账户信息（可修改）".to_owned())),
                    None => (String::new(), None),
                },
            };
            let error = errors_by_field.get(field.element.as_str()).map(|m| (*m).to_owned());
            if let Some(view) = field_view(state, &field.element, value, error, source_label) {
                fields.push(view);
            }
        }
        mark_changes(plan, &mut fields);
        if !fields.is_empty() {
            groups.push(context! { name => group.name, fields => fields });
        }
    }
    let mut uploads = Vec::new();
    let mut commitments = Vec::new();
    let reused: Vec<_> = plan
        .materials
        .iter()
        .filter_map(|m| match &m.status {
            catalog::plan::MaterialStatus::HeldCertificate { certificate } => {
                Some(context! { name => m.name, reason => format!("您已持有电子证照“{certificate}”，免于提交") })
            }
            catalog::plan::MaterialStatus::SharedData { departments, .. } => Some(
                context! { name => m.name, reason => format!("经您授权由部门通过数据共享从{}获取，免于提交", departments.join("、")) },
            ),
            catalog::plan::MaterialStatus::CertificateLibrary { certificate, issuer, .. } => Some(
                context! { name => m.name, reason => format!("经您授权由部门从电子证照库调取{issuer}签发的“{certificate}”，免于提交") },
            ),
            _ => None,
        })
        .collect();
    for material in plan.materials.iter().filter(|m| m.is_needed()) {
        let field = format!("material.{}", material.id);
        let view = context! {
            id => material.id, name => material.name, anchor => anchor(&field),
            error => errors_by_field.get(field.as_str()).map(|m| (*m).to_owned()),
            kept => files.kept.get(&material.id),
            checked => submitted.is_some_and(|s| s.get(&format!("commit.{}", material.id)).is_some_and(|v| v == "yes")),
        };
        if material.kind == catalog::MaterialKind::Commitment.label_zh() {
            commitments.push(view);
        } else {
            uploads.push(view);
        }
    }
    let errors: Vec<_> = issues
        .iter()
        .map(|i| context! { anchor => anchor(&i.field), message => i.message })
        .collect();
    let status = if issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = page.render(
        "apply.html",
        &format!("{}：一表申请", plan.name),
        context! { plan => plan, groups => groups, produced => produced, errors => errors,
        uploads => uploads, commitments => commitments, files_lost => files.chosen, reused => reused,
        prefill_id => prefill.map(|(id, _)| id.clone()),
        draft_owner => page.user.as_ref().map(draft_owner),
        window => page.user.as_ref().is_some_and(is_window),
        applicant_name => submitted.and_then(|s| s.get("applicant.name")).cloned().unwrap_or_default(),
        applicant_id_number => submitted.and_then(|s| s.get("applicant.id_number")).cloned().unwrap_or_default(),
        applicant_name_error => errors_by_field.get("applicant.name").map(|m| (*m).to_owned()),
        applicant_id_number_error => errors_by_field.get("applicant.id_number").map(|m| (*m).to_owned()) },
    );
    *response.status_mut() = status;
    response
}

pub async fn apply_form(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let query_string = encode_query(query.iter());
    let page = page(&state, &headers, &format!("/one-things/{id}/apply?{query_string}")).await;
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    match &page.user {
        None => return page.login_redirect(),
        Some(account) if account.role != Role::Applicant && !is_window(account) => {
            return page.message(
                StatusCode::FORBIDDEN,
                "请以申请人身份登录",
                "部门工作人员不能代为申请；请到综合窗口办理。",
            );
        }
        Some(_) => {}
    }
    let answers = answers_from(one, &query, "");
    let prefill = match (&page.user, query.get("prefill")) {
        (Some(account), Some(id)) => match crate::sharing::load_prefill(&state, account, one.id.as_str(), id).await {
            Ok(found) => found.map(|(doc, _)| (id.clone(), doc)),
            Err(error) => return page.message(error.status, "暂时无法读取", &error.message),
        },
        _ => None,
    };
    let holdings = match holdings_for(
        &state,
        &page,
        crate::sharing::Stage::Application(prefill.as_ref().map(|(_, doc)| doc)),
    )
    .await
    {
        Ok(holdings) => holdings,
        Err(response) => return response,
    };
    let plan = match plan_or_questions(&state, &page, one, &answers, &holdings) {
        Ok(plan) => plan,
        Err(response) => return response,
    };
    // Before the form: which data would be fetched from where, for what; the
    // applicant agrees or types it themselves.
    let asks_consent = prefill.is_none()
        && !query.contains_key("noprefill")
        && page.user.as_ref().is_some_and(crate::sharing::can_prefill);
    if asks_consent {
        let prefill_plan = crate::sharing::prefill_plan(&state, &plan);
        if !prefill_plan.fetches.is_empty() {
            let rows = crate::sharing::offer(&state, &prefill_plan, page.user.as_ref());
            let mut sources: Vec<_> = Vec::new();
            for code in prefill_plan.sources() {
                if let Some(source) = state.sources.source(code) {
                    sources.push(context! {
                        code => source.code, name => source.name,
                        department => state.catalog.department_name(&source.department),
                        legal_basis => source.legal_basis,
                    });
                }
            }
            return page.render(
                "consent.html",
                &format!("{}：授权使用共享数据", plan.name),
                context! { plan => plan, rows => rows, sources => sources,
                enterprise => crate::sharing::needs_enterprise(&prefill_plan) },
            );
        }
    }
    render_fresh_apply(&state, &page, one.id.as_str(), &plan, None, prefill.as_ref()).await
}

/// The application form before any submission: with the files kept from an earlier
/// try of this application (signed-in applicants), and any values already filled.
pub(super) async fn render_fresh_apply(
    state: &AppState,
    page: &Page,
    one_thing: &str,
    plan: &Plan,
    filled: Option<&BTreeMap<String, String>>,
    prefill: Option<&(String, crate::sharing::PrefillDoc)>,
) -> Response {
    let kept = match page.user.as_ref() {
        Some(account) => match app::drafts::kept(state, account, one_thing).await {
            Ok(kept) => kept,
            Err(error) => return page.message(error.status, "系统繁忙", &error.message),
        },
        None => BTreeMap::new(),
    };
    let files = Files {
        chosen: false,
        kept: &kept,
    };
    render_apply(state, page, plan, filled, &[], &files, prefill)
}

fn shared_label(state: &AppState, fetched: &crate::sharing::PrefillValue) -> String {
    if fetched.source == ::sharing::ACCOUNT_SOURCE {
        return "您的实名账户信息".to_owned();
    }
    format!(
        "共享数据·{}（{}），经您授权获取",
        crate::sharing::source_name(state, &fetched.source),
        state.catalog.department_name(&fetched.department)
    )
}

/// `key=value&…`, percent-encoded.
fn encode_query<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    pairs
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC),
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The applicant's answer to the consent screen: agree (fetch, then the form,
/// prefilled) or decline (the empty form).
pub async fn prefill_consent(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/one-things/{id}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    let Some(account) = page.user.clone().filter(crate::sharing::can_prefill) else {
        return page.login_redirect();
    };
    let answers = answers_from(one, &form, "answer.");
    let query = encode_query(answers.iter());
    if form.get("decision").map(String::as_str) != Some("agree") {
        return Redirect::to(&format!("/one-things/{id}/apply?{query}&noprefill=1")).into_response();
    }
    let holdings = match holdings_for(&state, &page, crate::sharing::Stage::Notice { offered: false }).await {
        Ok(holdings) => holdings,
        Err(response) => return response,
    };
    let plan = match plan_or_questions(&state, &page, one, &answers, &holdings) {
        Ok(plan) => plan,
        Err(response) => return response,
    };
    let enterprise = form.get("enterprise").map(String::as_str);
    // The sources ticked on the consent page (all of them are ticked to begin with);
    // none ticked is the same as not agreeing.
    let only: Option<Vec<String>> = form.contains_key("sources_offered").then(|| {
        form.iter()
            .filter(|(key, value)| key.starts_with("source.") && value.as_str() == "yes")
            .map(|(key, _)| key["source.".len()..].to_owned())
            .collect()
    });
    if only.as_ref().is_some_and(Vec::is_empty) {
        return Redirect::to(&format!("/one-things/{id}/apply?{query}&noprefill=1")).into_response();
    }
    let offered;
    let enterprise = match enterprise.filter(|code| !code.trim().is_empty()) {
        Some(code) => Some(code),
        None => match offer_enterprises(&state, &page, &account, one, &plan, only.as_deref(), &form).await {
            Ok(Some(chosen)) => {
                offered = chosen;
                Some(offered.as_str())
            }
            Ok(None) => None,
            Err(response) => return response,
        },
    };
    match crate::sharing::run_prefill(&state, &account, one, &plan, enterprise, only.as_deref()).await {
        Ok((prefill_id, _)) => {
            Redirect::to(&format!("/one-things/{id}/apply?{query}&prefill={prefill_id}")).into_response()
        }
        Err(error) => page.message(
            error.status,
            "暂时无法获取共享数据",
            &format!("{}。您可以返回，选择“不同意，我自己填写”继续申请。", error.message),
        ),
    }
}

/// The changes (变更) the applicant applied for: each 变更后 value with the
/// registered value it replaces. A change is not a correction of shared data.
fn applied_changes(state: &AppState, case: &Case) -> Vec<minijinja::Value> {
    case.form
        .iter()
        .filter_map(|(element, new)| {
            let registered = state.catalog.elements.get(element)?.changes.as_deref()?;
            let name = state
                .catalog
                .elements
                .get(registered)
                .map_or(registered, |e| e.name.as_str());
            let old = case.form.get(registered).map(|v| v.value.clone()).unwrap_or_default();
            Some(context! { name => name, before => old, after => new.value })
        })
        .collect()
}

/// When the applicant left the credit code empty and agreed to 法人库: the
/// enterprises it names them legal representative of. One is used as if typed
/// (`Ok(Some)`); several are offered on a page to choose from (`Err` with that page);
/// none leaves the enterprise out (`Ok(None)`), as before.
async fn offer_enterprises(
    state: &AppState,
    page: &Page,
    account: &domain::Account,
    one: &OneThing,
    plan: &Plan,
    only: Option<&[String]>,
    form: &BTreeMap<String, String>,
) -> Result<Option<String>, Response> {
    let needs = crate::sharing::needs_enterprise(&crate::sharing::prefill_plan(state, plan));
    if !needs || !crate::legal_rep::consent_covers_registry(state, only) {
        return Ok(None);
    }
    let mut offered = match crate::legal_rep::represented_enterprises(state, account, &one.name).await {
        Ok(offered) => offered,
        Err(error) => {
            return Err(page.message(
                error.status,
                "暂时无法获取共享数据",
                &format!("{}。您可以返回，填写企业统一社会信用代码后再试。", error.message),
            ));
        }
    };
    if offered.len() <= 1 {
        return Ok(offered.pop().map(|enterprise| enterprise.uscc));
    }
    // The choice posts the same consent again, with the enterprise chosen.
    let ticked: Vec<&str> = form
        .iter()
        .filter(|(key, value)| key.starts_with("source.") && value.as_str() == "yes")
        .map(|(key, _)| &key["source.".len()..])
        .collect();
    Err(page.render(
        "consent.html",
        &format!("{}：选择企业", plan.name),
        context! { plan => plan, enterprises => offered, ticked => ticked,
        sources_offered => form.contains_key("sources_offered") },
    ))
}

use crate::app::files::MaterialFile;

/// Reads the multipart form: text fields, and files by material.
async fn read_multipart(mut multipart: Multipart) -> Result<(BTreeMap<String, String>, Vec<MaterialFile>), String> {
    let mut fields = BTreeMap::new();
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err("上传的文件总大小超过 25 MB，请压缩后重新提交".to_owned());
            }
            Err(_) => return Err("表单内容无法读取，请返回重新提交".to_owned()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(material) = name.strip_prefix("material.") {
            let material = material.to_owned();
            let file_name: String = field.file_name().unwrap_or_default().chars().take(200).collect();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| "上传的文件无法读取，请重新选择".to_owned())?;
            if !bytes.is_empty() {
                files.push(MaterialFile {
                    material,
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|_| "表单内容无法读取，请返回重新提交".to_owned())?;
            fields.insert(name, text);
        }
    }
    Ok((fields, files))
}

pub async fn apply_submit(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let page = page(&state, &headers, &format!("/one-things/{id}")).await;
    let (form, files) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(message) => return page.message(StatusCode::PAYLOAD_TOO_LARGE, "无法提交", &message),
    };
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    let account = match &page.user {
        Some(account) if crate::app::submit::may_submit(account).is_ok() => account.clone(),
        Some(_) => {
            return page.message(
                StatusCode::FORBIDDEN,
                "请以申请人身份登录",
                "部门工作人员不能代为申请；请到综合窗口办理。",
            );
        }
        None => return page.login_redirect(),
    };
    let window = is_window(&account);
    let answers = answers_from(one, &form, "answer.");
    let prefill = match form.get("prefill").filter(|_| !window) {
        Some(prefill_id) => match crate::sharing::load_prefill(&state, &account, one.id.as_str(), prefill_id).await {
            Ok(found) => found.map(|(doc, consent)| (prefill_id.clone(), doc, consent)),
            Err(error) => return page.message(error.status, "暂时无法读取", &error.message),
        },
        None => None,
    };
    let holdings = match holdings_for(
        &state,
        &page,
        crate::sharing::Stage::Application(prefill.as_ref().map(|(_, doc, _)| doc)),
    )
    .await
    {
        Ok(holdings) => holdings,
        Err(response) => return response,
    };
    let plan = match plan_or_questions(&state, &page, one, &answers, &holdings) {
        Ok(plan) => plan,
        Err(response) => return response,
    };
    let shown_prefill = prefill.as_ref().map(|(id, doc, _)| (id.clone(), doc.clone()));
    // Only the plan's fields go to the use case; empty inputs are "not given".
    let values: BTreeMap<String, String> = plan
        .form
        .iter()
        .flat_map(|g| &g.fields)
        .filter(|f| !matches!(f.source, FieldSource::ProducedBy { .. }))
        .filter_map(|f| {
            form.get(&f.element)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (f.element.clone(), v.clone()))
        })
        .collect();
    let commitments = form
        .iter()
        .filter(|(_, value)| value.as_str() == "yes")
        .filter_map(|(key, _)| key.strip_prefix("commit."))
        .map(str::to_owned)
        .collect();
    let walk_in = window.then(|| crate::app::WalkIn {
        name: form.get("applicant.name").cloned().unwrap_or_default(),
        id_number: form.get("applicant.id_number").cloned().unwrap_or_default(),
    });
    let had_files = !files.is_empty();
    // Files kept from an earlier try stand in for the materials not chosen again.
    let files = match app::drafts::with_kept(&state, &account, one.id.as_str(), files).await {
        Ok(files) => files,
        Err(error) => return page.message(error.status, "系统繁忙", &error.message),
    };
    let submission = crate::app::Submission {
        one_thing: one.id.to_string(),
        answers,
        form: values,
        prefill: prefill.as_ref().map(|(id, _, _)| id.clone()),
        files,
        commitments,
        walk_in,
        idempotency: None,
    };
    let tried = submission.files.clone();
    let result = crate::app::submit::submit(&state, &account, submission).await;
    if result.is_ok()
        && let Err(error) = app::drafts::forget(&state, &account, one.id.as_str()).await
    {
        tracing::warn!(error = %error.message, "kept draft files not removed");
    }
    match result {
        Ok(submitted) if window => {
            let message = format!(
                "已受理。办件编号 {}，承诺 {} 前办结。请将办件编号告知申请人；申请人可登录“我的办件”查看进度。",
                submitted.case.id, submitted.case.promised_date
            );
            page.message(StatusCode::OK, "窗口受理成功", &message)
        }
        Ok(submitted) => {
            Redirect::to(&format!("/my/cases/{}?submitted={}", submitted.case.id, plan.one_thing)).into_response()
        }
        Err(crate::app::AppError::Invalid(issues)) => {
            // Keep every file that was not itself refused, so that fixing a field
            // does not mean choosing the files again.
            let kept = match app::drafts::keep(&state, &account, one.id.as_str(), &tried, &issues).await {
                Ok(kept) => kept,
                Err(error) => return page.message(error.status, "系统繁忙", &error.message),
            };
            render_apply(
                &state,
                &page,
                &plan,
                Some(&form),
                &issues,
                &Files {
                    chosen: had_files,
                    kept: &kept,
                },
                shown_prefill.as_ref(),
            )
        }
        Err(crate::app::AppError::Refused(error)) => page.message(error.status, "无法提交", &error.message),
    }
}

pub async fn my_cases(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/my/cases").await;
    let Some(account) = &page.user else {
        return page.login_redirect();
    };
    if account.role != Role::Applicant {
        return page.message(StatusCode::FORBIDDEN, "仅限申请人", "工作人员请使用工作台。");
    }
    let cursor = query.get("cursor").map(String::as_str);
    let cases = match app::case::list(&state, account, &app::case::CaseFilter::default(), cursor, 0).await {
        Ok(cases) => cases,
        Err(error) => return super::list_error(&page, &error),
    };
    let next = cases
        .next
        .as_deref()
        .map(|c| super::next_page_link("/my/cases", &[], c));
    let rows: Vec<_> = cases
        .items
        .iter()
        .map(|c| {
            let label = match c.state.as_str() {
                "in_progress" => "办理中",
                "awaiting_supplement" => "待补正",
                "completed" => "已办结",
                _ => "办结（部分不予办理）",
            };
            context! { id => c.id.to_string(), one_thing_name => c.one_thing_name, state_label => label, promised_date => c.promised_date.to_string() }
        })
        .collect();
    page.render(
        "my_cases.html",
        "我的办件",
        context! { cases => rows, next => next, paged => cursor.is_some() },
    )
}

/// Loads an applicant's own case; anyone else gets "not found".
async fn own_case(state: &AppState, page: &Page, id: &str) -> Result<(Case, i64), Response> {
    let Some(account) = &page.user else {
        return Err(page.login_redirect());
    };
    match app::access::own_case(state, account, id).await {
        Ok(versioned) => Ok((versioned.case, versioned.version)),
        Err(error) if error.status.is_server_error() => Err(page.message(error.status, "系统繁忙", "请稍后再试。")),
        Err(_) => Err(page.not_found()),
    }
}

pub(crate) fn task_views(state: &AppState, case: &Case, only_department: Option<&str>) -> Vec<minijinja::Value> {
    case.tasks
        .iter()
        .filter(|t| only_department.is_none_or(|d| t.department == d))
        .map(|t| {
            let waiting: Vec<String> = t
                .after
                .iter()
                .filter_map(|code| case.task(code))
                .filter(|dep| dep.state != TaskState::Approved)
                .map(|dep| dep.name.clone())
                .collect();
            // What the item produced (the child's 公民身份号码, the 医保参保编号...):
            // the applicant's own data, shown by the one masking rule for the role.
            let outputs: Vec<_> = t
                .outputs
                .iter()
                .map(|(element, value)| {
                    let name = state
                        .catalog
                        .elements
                        .get(element)
                        .map_or(element.as_str(), |e| e.name.as_str());
                    let (shown, _) = app::masking::shown_value(&state.catalog, Role::Applicant, element, value);
                    context! { name => name, value => shown }
                })
                .collect();
            context! {
                item => t.item.to_string(),
                name => t.name,
                outputs => outputs,
                department_name => state.catalog.department_name(&t.department),
                state => t.state.as_str(),
                state_label => t.state.label_zh(),
                deadline => t.deadline.map(|d| d.to_string()),
                waiting_names => waiting,
                rejection_reason => t.rejection_reason,
            }
        })
        .collect()
}

async fn render_case(
    state: &AppState,
    page: &Page,
    case: &Case,
    issues: &[cases::FieldIssue],
    submitted: Option<&BTreeMap<String, String>>,
    clear_draft: Option<&str>,
) -> Response {
    render_case_with(state, page, case, issues, submitted, clear_draft, &[]).await
}

async fn render_case_with(
    state: &AppState,
    page: &Page,
    case: &Case,
    issues: &[cases::FieldIssue],
    submitted: Option<&BTreeMap<String, String>>,
    clear_draft: Option<&str>,
    rating_issues: &[cases::FieldIssue],
) -> Response {
    let events = match &page.user {
        Some(account) => app::case::events(state, account, case).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let events: Vec<_> = events
        .iter()
        .map(|e| {
            context! {
                at_local => local_time(e.event.at),
                label => e.event.transition.label_zh(),
                item_name => e.event.item.as_ref().and_then(|code| case.task(code)).map(|t| t.name.clone()),
                note => e.event.note,
            }
        })
        .collect();
    let requests: Vec<_> = case
        .supplement_requests()
        .into_iter()
        .map(|r| {
            let materials: Vec<&str> = r
                .materials
                .iter()
                .map(|m| state.catalog.materials.get(m).map_or(m.as_str(), |x| x.name.as_str()))
                .collect();
            context! { name => r.name, department_name => state.catalog.department_name(&r.department), reasons => r.reasons, materials => materials }
        })
        .collect();
    let errors_by_field: BTreeMap<&str, &str> = issues.iter().map(|i| (i.field.as_str(), i.message.as_str())).collect();
    // The scans to hand in again, one file input each.
    let mut refile: Vec<String> = case
        .supplement_requests()
        .into_iter()
        .flat_map(|r| r.materials)
        .collect();
    refile.sort_unstable();
    refile.dedup();
    let refile: Vec<_> = refile
        .iter()
        .map(|m| {
            let field = format!("material.{m}");
            context! {
                id => m, anchor => anchor(&field),
                name => state.catalog.materials.get(m).map_or(m.as_str(), |x| x.name.as_str()),
                error => errors_by_field.get(field.as_str()).map(|e| (*e).to_owned()),
            }
        })
        .collect();
    let editable: Vec<_> = case
        .form
        .iter()
        .filter(|(_, v)| !matches!(v.provenance, Provenance::ProducedBy { .. }))
        .filter_map(|(element, value)| {
            let shown = submitted
                .and_then(|s| s.get(element))
                .cloned()
                .unwrap_or_else(|| value.value.clone());
            let error = errors_by_field.get(element.as_str()).map(|m| (*m).to_owned());
            field_view(state, element, shown, error, None)
        })
        .collect();
    let errors: Vec<_> = issues
        .iter()
        .map(|i| context! { anchor => anchor(&i.field), message => i.message })
        .collect();
    let view = context! {
        id => case.id.to_string(),
        one_thing_name => case.one_thing_name,
        state_label => case.state().label_zh(),
        submitted_at_local => local_time(case.submitted_at),
        promised_date => case.promised_date.to_string(),
        supplement_requests => requests,
        refile => refile,
        tasks => task_views(state, case, None),
    };
    if let Some(account) = &page.user
        && let Err(error) = app::case::record_read(state, account, case).await
    {
        return page.message(error.status, "系统繁忙", &error.message);
    }
    let status = if issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let note = submitted.and_then(|s| s.get("note")).cloned().unwrap_or_default();
    let files = super::files::file_views(state, case.id.as_str(), None).await;
    let feedback = match &page.user {
        Some(account) => app::ratings::feedback(state, account, case).await.ok(),
        None => None,
    };
    let (rating, department_ratings, rectifications) = feedback
        .map(|f| (f.rating, f.departments, f.rectifications))
        .unwrap_or_default();
    let rating = rating.map(|r| {
        let label = if r.on_behalf {
            format!("{}（窗口代评）", app::ratings::level_label(r.level))
        } else {
            app::ratings::level_label(r.level).to_owned()
        };
        context! { label => label, comment => r.comment }
    });
    let can_rate = matches!(case.state(), cases::CaseState::Completed | cases::CaseState::Rejected);
    let department_ratings: Vec<_> = department_ratings
        .iter()
        .map(|d| context! { department_name => state.catalog.department_name(&d.department), label => app::ratings::level_label(d.level) })
        .collect();
    let rectifications: Vec<_> = rectifications
        .iter()
        .map(|r| {
            context! {
                department_name => state.catalog.department_name(&r.department), deadline => r.deadline.to_string(),
                follow_up => r.follow_up, result => r.result, closed_at => r.closed_at.map(local_time),
            }
        })
        .collect();
    let mut departments: Vec<&str> = case.tasks.iter().map(|t| t.department.as_str()).collect();
    departments.sort_unstable();
    departments.dedup();
    let rate_departments: Vec<_> = departments
        .iter()
        .map(|code| context! { code => code, name => state.catalog.department_name(code) })
        .collect();
    let indicators: Vec<_> = app::ratings::INDICATORS
        .iter()
        .map(|(id, label)| context! { id => id, label => label })
        .collect();
    let levels: Vec<_> = (1..=5)
        .rev()
        .map(|level| context! { value => level, label => app::ratings::level_label(level) })
        .collect();
    let issued = match &page.user {
        Some(account) => app::certificates::issued_in(state, account, case)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let issued: Vec<_> = issued
        .iter()
        .map(|c| {
            context! {
                id => c.id, number => c.number, revoked => c.revoked_on.map(|d| d.to_string()),
                name => state.catalog.certificates.get(&c.type_code).map_or(c.type_code.as_str(), |k| k.name.as_str()),
            }
        })
        .collect();
    let corrections: Vec<_> = case
        .corrections
        .iter()
        .map(|c| {
            context! {
                name => state.catalog.elements.get(&c.element).map_or(c.element.as_str(), |e| e.name.as_str()),
                fetched => c.fetched, corrected => c.corrected,
                source => crate::sharing::source_name(state, &c.source),
            }
        })
        .collect();
    // The rating form's problems, each linked to its field, and what was chosen.
    let rating_errors: Vec<_> = rating_issues
        .iter()
        .map(|issue| {
            let anchor = match issue.field.as_str() {
                "comment" => "comment".to_owned(),
                field if field.starts_with("departments.") => format!("f-dept-{}", &field["departments.".len()..]),
                field if field.starts_with("indicators.") => format!("f-ind-{}", &field["indicators.".len()..]),
                _ => "f-level".to_owned(),
            };
            context! { field => issue.field, anchor => anchor, message => issue.message }
        })
        .collect();
    let rating_form = submitted.filter(|_| !rating_issues.is_empty());
    let message_of = |field: &str| {
        rating_issues
            .iter()
            .find(|issue| issue.field == field)
            .map(|issue| issue.message.clone())
    };
    let (level_error, comment_error) = (message_of("level"), message_of("comment"));
    let mut response = page.render(
        "case.html",
        &case.one_thing_name,
        context! { case => view, events => events, editable => editable, errors => errors, note => note, clear_draft => clear_draft.map(|d| format!("draft-{}-{d}", page.user.as_ref().map(draft_owner).unwrap_or_default())), files => files,
                   rating => rating, can_rate => can_rate, levels => levels, rating_errors => rating_errors, rating_form => rating_form,
                   level_error => level_error, comment_error => comment_error,
                   department_ratings => department_ratings, rectifications => rectifications,
                   rate_departments => rate_departments, indicators => indicators,
                   issued => issued, corrections => corrections, consented => case.consent.is_some(),
                   changes => applied_changes(state, case) },
    );
    *response.status_mut() = status;
    response
}

pub async fn my_case(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/my/cases/{id}")).await;
    let (case, _) = match own_case(&state, &page, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let submitted = query
        .get("submitted")
        .filter(|s| state.catalog.one_thing(s).is_some())
        .cloned();
    render_case(&state, &page, &case, &[], None, submitted.as_deref()).await
}

pub async fn answer_supplement(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let page = page(&state, &headers, &format!("/my/cases/{id}")).await;
    let (form, files) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(message) => return page.message(StatusCode::PAYLOAD_TOO_LARGE, "无法提交", &message),
    };
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let (case, _) = match own_case(&state, &page, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // Only fields the applicant changed are corrections.
    let corrections: BTreeMap<String, String> = case
        .form
        .iter()
        .filter(|(_, v)| !matches!(v.provenance, Provenance::ProducedBy { .. }))
        .filter_map(|(element, v)| {
            form.get(element)
                .filter(|new| new.trim() != v.value)
                .map(|new| (element.clone(), new.clone()))
        })
        .collect();
    let answer = crate::app::supplement::Answer {
        corrections,
        note: form.get("note").cloned().unwrap_or_default(),
        files,
    };
    match crate::app::supplement::answer(&state, &account, &id, answer).await {
        Ok(_) => Redirect::to(&format!("/my/cases/{id}")).into_response(),
        Err(crate::app::AppError::Invalid(issues)) => {
            render_case(&state, &page, &case, &issues, Some(&form), None).await
        }
        Err(crate::app::AppError::Refused(error))
            if error.status == StatusCode::UNPROCESSABLE_ENTITY || error.status == StatusCode::CONFLICT =>
        {
            let issue = cases::FieldIssue {
                field: "note".into(),
                code: error.code.into(),
                message: error.message,
            };
            render_case(&state, &page, &case, &[issue], Some(&form), None).await
        }
        Err(crate::app::AppError::Refused(error)) => page.message(error.status, "无法提交补正", &error.message),
    }
}

/// 好差评 of a finished case by its applicant: one of five levels and a comment.
pub async fn rate_case(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/my/cases/{id}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let (case, _) = match own_case(&state, &page, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    // Radio buttons: a level is a number; anything else is "not chosen".
    let level = |key: &str| form.get(key).and_then(|l| l.parse::<i64>().ok());
    let rate = app::ratings::Rate {
        level: level("level"),
        comment: form.get("comment").cloned().unwrap_or_default(),
        indicators: app::ratings::INDICATORS
            .iter()
            .filter_map(|(id, _)| level(&format!("indicator.{id}")).map(|l| ((*id).to_owned(), l)))
            .collect(),
        departments: case
            .tasks
            .iter()
            .filter_map(|t| level(&format!("department.{}", t.department)).map(|l| (t.department.clone(), l)))
            .collect(),
    };
    match app::ratings::rate(&state, account, &id, rate).await {
        Ok(()) => Redirect::to(&format!("/my/cases/{id}")).into_response(),
        Err(app::AppError::Invalid(issues)) => {
            let mut response = render_case_with(&state, &page, &case, &[], Some(&form), None, &issues).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(app::AppError::Refused(error)) => page.message(error.status, "无法评价", &error.message),
    }
}

/// An opaque, stable name for an account's drafts in the browser: one account never
/// finds another's draft under its key (and every draft is removed at logout).
fn draft_owner(account: &domain::Account) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("draft:{}", account.id).as_bytes()))[..16].to_owned()
}

/// "谁查看了我的数据": every access to the applicant's data by someone else, from the
/// ledger, each proven in a signed checkpoint. Grouped by day, reader and case with
/// counts, each group opening on its entries; filtered by department and period.
pub async fn data_access(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/my/data-access").await;
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let cursor = query.get("cursor").map(String::as_str);
    let log = match app::data_log::of(&state, &account, cursor, app::page::MAX_LIMIT).await {
        Ok(log) => log,
        Err(error) => return page.message(error.status, "无法查看", &error.message),
    };
    let next = log
        .next
        .as_deref()
        .map(|c| super::next_page_link("/my/data-access", &[], c));
    // The departments that appear, for the filter.
    let mut departments: Vec<(String, String)> = log
        .rows
        .iter()
        .filter_map(|r| r.department.clone())
        .map(|code| {
            let name = state.catalog.department_name(&code).to_owned();
            (code, name)
        })
        .collect();
    departments.sort();
    departments.dedup();
    let department = query
        .get("department")
        .filter(|d| departments.iter().any(|(c, _)| c == *d));
    let days: Option<i64> = query
        .get("days")
        .and_then(|d| d.parse().ok())
        .filter(|d| [7, 30, 365].contains(d));
    let today = cases::china_date(state.now());
    let day_of = |at: chrono::DateTime<chrono::Utc>| cases::china_date(at);
    let rows: Vec<&app::data_log::AccessRow> = log
        .rows
        .iter()
        .filter(|r| department.is_none_or(|d| r.department.as_deref() == Some(d.as_str())))
        .filter(|r| days.is_none_or(|n| (today - day_of(r.at)).num_days() < n))
        .collect();
    // Newest first; one group per (day, reader, case).
    let mut groups: Vec<(chrono::NaiveDate, &str, Option<&str>, Vec<&app::data_log::AccessRow>)> = Vec::new();
    for row in rows {
        let key = (day_of(row.at), row.who.as_str(), row.case_id.as_deref());
        match groups.iter_mut().find(|(d, w, c, _)| (*d, *w, *c) == key) {
            Some(group) => group.3.push(row),
            None => groups.push((key.0, key.1, key.2, vec![row])),
        }
    }
    let total: usize = groups.iter().map(|g| g.3.len()).sum();
    let views: Vec<_> = groups
        .iter()
        .map(|(day, who, case_id, rows)| {
            let mut whats: Vec<&str> = rows.iter().map(|r| r.what).collect();
            whats.sort_unstable();
            whats.dedup();
            let mut fields: Vec<&str> = rows.iter().flat_map(|r| r.fields.iter().map(String::as_str)).collect();
            fields.sort_unstable();
            fields.dedup();
            let entries: Vec<_> = rows
                .iter()
                .map(|r| {
                    context! {
                        index => r.index, what => r.what, at => local_time(r.at), fields => r.fields.join("、"),
                        purpose => r.purpose, legal_basis => r.legal_basis, verified => r.verified,
                    }
                })
                .collect();
            context! {
                day => day.to_string(), who => who, case_id => case_id, count => rows.len(), whats => whats.join("、"),
                fields => fields.join("、"), verified => rows.iter().all(|r| r.verified), entries => entries,
            }
        })
        .collect();
    let department_options: Vec<_> = departments
        .iter()
        .map(|(code, name)| context! { code => code, name => name })
        .collect();
    let checkpoint_view = log.checkpoint_size.map(|size| context! { size => size });
    page.render(
        "data_access.html",
        "谁查看了我的数据",
        context! { groups => views, total => total, checkpoint => checkpoint_view, departments => department_options,
        department => department, days => days, filtered => department.is_some() || days.is_some(),
        next => next, paged => cursor.is_some() },
    )
}

/// Window staff look a case up by its number to record a rating given in person.
async fn render_window_rate(state: &AppState, page: &Page, case_id: &str, error: Option<&str>) -> Response {
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let found = if case_id.trim().is_empty() {
        None
    } else {
        match app::ratings::window_lookup(state, account, case_id).await {
            Ok(found) => found,
            Err(error) => return page.message(error.status, "无法代评", &error.message),
        }
    };
    let case = found.as_ref().map(|(case, _)| case);
    let error = error.or_else(|| (!case_id.is_empty() && case.is_none()).then_some("没有找到该办件，请核对办件编号"));
    let view = match &found {
        Some((case, rating)) => {
            let rated = rating.as_ref().map(|r| {
                format!(
                    "{}{}",
                    app::ratings::level_label(r.level),
                    if r.on_behalf { "（窗口代评）" } else { "" }
                )
            });
            Some(context! {
                id => case.id.to_string(), one_thing_name => case.one_thing_name, state_label => case.state().label_zh(),
                can_rate => matches!(case.state(), cases::CaseState::Completed | cases::CaseState::Rejected), rated => rated,
            })
        }
        None => None,
    };
    let levels: Vec<_> = (1..=5)
        .rev()
        .map(|level| context! { value => level, label => app::ratings::level_label(level) })
        .collect();
    let mut response = page.render(
        "window_rate.html",
        "窗口代评",
        context! { case_id => case_id, case => view, levels => levels, error => error },
    );
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub async fn window_rate_form(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/window/rate").await;
    match &page.user {
        None => page.login_redirect(),
        Some(account) if is_window(account) => {
            let case_id: String = query
                .get("case")
                .map(|c| c.chars().take(40).collect())
                .unwrap_or_default();
            render_window_rate(&state, &page, &case_id, None).await
        }
        Some(_) => page.message(
            StatusCode::FORBIDDEN,
            "仅限综合窗口",
            "代为评价只能由综合窗口人员录入。",
        ),
    }
}

pub async fn window_rate_submit(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/window/rate").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone().filter(is_window) else {
        return page.message(
            StatusCode::FORBIDDEN,
            "仅限综合窗口",
            "代为评价只能由综合窗口人员录入。",
        );
    };
    let case_id = form.get("case").cloned().unwrap_or_default();
    let rate = app::ratings::Rate {
        level: form.get("level").and_then(|l| l.parse::<i64>().ok()),
        comment: form.get("comment").cloned().unwrap_or_default(),
        ..Default::default()
    };
    match app::ratings::rate(&state, &account, &case_id, rate).await {
        Ok(()) => Redirect::to(&format!("/window/rate?case={}", case_id.trim())).into_response(),
        Err(app::AppError::Invalid(issues)) => {
            let message = issues.iter().map(|i| i.message.as_str()).collect::<Vec<_>>().join("；");
            render_window_rate(&state, &page, &case_id, Some(&message)).await
        }
        Err(app::AppError::Refused(error)) if error.status.is_server_error() => {
            page.message(error.status, "系统繁忙", &error.message)
        }
        Err(app::AppError::Refused(error)) if error.code == "E_CASE_NOT_FOUND" => {
            render_window_rate(&state, &page, &case_id, None).await
        }
        Err(app::AppError::Refused(error)) => render_window_rate(&state, &page, &case_id, Some(&error.message)).await,
    }
}
