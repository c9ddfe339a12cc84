//! Admin pages: each one-thing as designed (members, conditions, the dependency
//! diagram, 四减) and the live case list with filters.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use catalog::{OneThing, Plan};
use domain::Role;
use ids::ItemCode;
use minijinja::context;

use super::{Page, Shared, local_time, page};
use crate::AppState;

/// Supervisors and auditors: the read-only views of cases and rectifications.
fn require_supervisor(page: &Page) -> Result<domain::Account, Response> {
    match &page.user {
        None => Err(page.login_redirect()),
        Some(account) if matches!(account.role, Role::Admin | Role::Auditor) => Ok(account.clone()),
        Some(_) => Err(page.message(
            StatusCode::FORBIDDEN,
            "仅限督办人员",
            "此页面仅对管理员和审计人员开放。",
        )),
    }
}

fn require_admin(page: &Page) -> Result<(), Response> {
    match &page.user {
        None => Err(page.login_redirect()),
        Some(account) if account.role == Role::Admin => Ok(()),
        Some(_) => Err(page.message(StatusCode::FORBIDDEN, "仅限管理员", "此页面仅对管理员开放。")),
    }
}

/// The plan in which the most items apply: the one-thing "as designed".
fn fullest_plan(state: &AppState, one: &OneThing) -> Option<Plan> {
    catalog::example::fullest_plan(&state.catalog, one, cases::china_date(state.now()), &state.calendar()).ok()
}

pub async fn overview(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/admin").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let rows: Vec<_> = state
        .catalog
        .one_things
        .values()
        .filter_map(|one| {
            let plan = fullest_plan(&state, one)?;
            Some(context! {
                id => one.id.to_string(), name => one.name, level => one.level.label_zh(), batch => one.batch,
                lead => state.catalog.department_name(&one.lead), items => one.members.len(), s => plan.savings,
            })
        })
        .collect();
    let calendar_warning = crate::holidays::missing_notice_warning(&state.calendar(), cases::china_date(state.now()));
    page.render(
        "admin.html",
        "一件事目录",
        context! { rows => rows, calendar_warning => calendar_warning },
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The dependency graph as an SVG: one column per stage, arrows from each item to
/// the items that wait for it. Presentation attributes only (the CSP forbids inline styles).
fn diagram(state: &AppState, one: &OneThing) -> String {
    const WIDTH: i64 = 200;
    const HEIGHT: i64 = 56;
    const GAP_X: i64 = 48;
    const GAP_Y: i64 = 18;
    let mut stage: BTreeMap<&ItemCode, i64> = BTreeMap::new();
    // Members are few; relax until stable (the catalog guarantees a DAG).
    for _ in 0..one.members.len() {
        for member in &one.members {
            let s = member
                .after
                .iter()
                .filter_map(|d| stage.get(d))
                .max()
                .map_or(0, |m| m + 1);
            stage.insert(&member.item, s);
        }
    }
    let mut rows_in_stage: BTreeMap<i64, i64> = BTreeMap::new();
    let mut position: BTreeMap<&ItemCode, (i64, i64)> = BTreeMap::new();
    for member in &one.members {
        let s = stage.get(&member.item).copied().unwrap_or(0);
        let row = rows_in_stage.entry(s).or_insert(0);
        position.insert(&member.item, (10 + s * (WIDTH + GAP_X), 10 + *row * (HEIGHT + GAP_Y)));
        *row += 1;
    }
    let columns = rows_in_stage.len() as i64;
    let rows = rows_in_stage.values().copied().max().unwrap_or(1);
    let width = 20 + columns * WIDTH + (columns - 1).max(0) * GAP_X;
    let height = 20 + rows * HEIGHT + (rows - 1).max(0) * GAP_Y;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-labelledby=\"diagram-title\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1b1b1b\"/></marker></defs>"
    );
    for member in &one.members {
        let Some(&(x, y)) = position.get(&member.item) else {
            continue;
        };
        for dependency in &member.after {
            if let Some(&(dx, dy)) = position.get(dependency) {
                svg.push_str(&format!(
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#1b1b1b\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>",
                    dx + WIDTH,
                    dy + HEIGHT / 2,
                    x - 2,
                    y + HEIGHT / 2
                ));
            }
        }
    }
    for member in &one.members {
        let Some(&(x, y)) = position.get(&member.item) else {
            continue;
        };
        let Some(item) = state.catalog.items.get(&member.item) else {
            continue;
        };
        let name: String = item.name.chars().take(12).collect();
        let conditional = if member.when.is_some() { "（按情形）" } else { "" };
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" rx=\"6\" fill=\"#f3f6f9\" stroke=\"#0b57a4\" stroke-width=\"2\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"14\" fill=\"#1b1b1b\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#444444\">{}{}</text>",
            x + 8,
            y + 22,
            xml_escape(&name),
            x + 8,
            y + 42,
            xml_escape(state.catalog.department_name(&item.department)),
            conditional
        ));
    }
    svg.push_str("</svg>");
    svg
}

pub async fn one_thing(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, &format!("/admin/one-things/{id}")).await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    let Some(plan) = fullest_plan(&state, one) else {
        return page.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "无法计算",
            "该一件事在当前日期无法计算办结期限（缺少节假日数据）。",
        );
    };
    let members: Vec<_> = one
        .members
        .iter()
        .filter_map(|m| {
            let item = state.catalog.items.get(&m.item)?;
            let after: Vec<String> =
                m.after.iter().filter_map(|d| state.catalog.items.get(d)).map(|i| i.name.clone()).collect();
            Some(context! {
                code => m.item.to_string(), name => item.name, department => state.catalog.department_name(&item.department),
                legal => item.legal_limit_days, promised => item.promised_limit_days,
                when => m.when.as_ref().map(|c| c.source().to_owned()), after => after,
            })
        })
        .collect();
    let view = context! {
        name => one.name, level => one.level.label_zh(), batch => one.batch, life_stage => one.life_stage,
        lead_name => state.catalog.department_name(&one.lead), questions => one.questions,
    };
    page.render(
        "admin_one_thing.html",
        &one.name,
        context! { one => view, members => members, diagram => diagram(&state, one), s => plan.savings },
    )
}

pub async fn cases(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/admin/cases").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let filter_one_thing = query.get("one_thing").cloned().unwrap_or_default();
    let filter_state = query.get("state").cloned().unwrap_or_default();
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let filter_case = query.get("case_id").map(|c| c.trim().to_owned()).unwrap_or_default();
    let filter = crate::app::case::CaseFilter {
        one_thing: Some(filter_one_thing.clone()),
        state: Some(filter_state.clone()),
        case_id: Some(filter_case.clone()),
    };
    let cursor = query.get("cursor").map(String::as_str);
    let all = match crate::app::case::list(&state, account, &filter, cursor, 0).await {
        Ok(all) => all,
        Err(error) => return super::list_error(&page, &error),
    };
    let next = all.next.as_deref().map(|c| {
        super::next_page_link(
            "/admin/cases",
            &[
                ("one_thing", &filter_one_thing),
                ("state", &filter_state),
                ("case_id", &filter_case),
            ],
            c,
        )
    });
    let states = [
        ("in_progress", "办理中"),
        ("awaiting_supplement", "待补正"),
        ("completed", "已办结"),
        ("rejected", "办结（部分不予办理）"),
    ];
    let cases: Vec<_> = all
        .items
        .iter()
        .map(|c| {
            let label = states
                .iter()
                .find(|(v, _)| *v == c.state)
                .map_or(c.state.as_str(), |(_, l)| l);
            context! { id => c.id.to_string(), one_thing_name => c.one_thing_name, state_label => label,
            submitted_at => local_time(c.submitted_at), promised_date => c.promised_date.to_string() }
        })
        .collect();
    let one_things: Vec<_> = state
        .catalog
        .one_things
        .values()
        .map(|o| context! { id => o.id.to_string(), name => o.name })
        .collect();
    let states: Vec<_> = states
        .iter()
        .map(|(v, l)| context! { value => v, label => l })
        .collect();
    page.render(
        "admin_cases.html",
        "全部办件",
        context! { cases => cases, one_things => one_things, states => states,
        filter_one_thing => filter_one_thing, filter_state => filter_state, filter_case => filter_case,
        next => next, paged => cursor.is_some() },
    )
}

/// The holiday calendar in force, and the form that imports a year's notice.
pub async fn calendar(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/admin/calendar").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let next = state
        .calendar()
        .last_official_year()
        .map_or(String::new(), |y| format!("{}.toml", y + 1));
    render_calendar(&state, &page, None, Vec::new(), &next, "")
}

fn render_calendar(
    state: &AppState,
    page: &Page,
    report: Option<crate::holidays::ImportReport>,
    errors: Vec<minijinja::Value>,
    file_name: &str,
    content: &str,
) -> Response {
    let calendar = state.calendar();
    let status = crate::holidays::status(&calendar, cases::china_date(state.now()));
    page.render(
        "admin_calendar.html",
        "节假日安排",
        context! {
            official => status.get("official"),
            provisional => calendar.provisional_years(),
            warning => status.get("warning"),
            report => report,
            errors => errors,
            file_name => file_name,
            content => content,
        },
    )
}

/// Imports the pasted year file; on a refusal the form comes back with the text kept.
pub async fn calendar_import(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/admin/calendar").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let file_name = form.get("file_name").map(|t| t.trim().to_owned()).unwrap_or_default();
    let content = form.get("content").cloned().unwrap_or_default();
    let refuse = |anchor: &str, message: String| {
        let errors = vec![context! { anchor => anchor, message => message }];
        let mut response = render_calendar(&state, &page, None, errors, &file_name, &content);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    };
    if file_name.is_empty() || file_name.chars().count() > 100 {
        return refuse(
            "f-file_name",
            "请填写文件名（不超过100个字符），例如 2027.toml".to_owned(),
        );
    }
    if content.trim().is_empty() {
        return refuse("f-content", "请粘贴年份文件的内容".to_owned());
    }
    match crate::holidays::import_notice(&state, &account, &file_name, &content).await {
        Ok(report) => render_calendar(&state, &page, Some(report), Vec::new(), "", ""),
        Err(crate::holidays::ImportError::Store(error)) => page.store_error(error),
        Err(error) => refuse("f-content", error.to_string()),
    }
}

/// One case as supervisors see it: progress, deadlines, masked data, its rating and
/// rectifications. The read is recorded like any other.
pub async fn case(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, &format!("/admin/cases/{id}")).await;
    let account = match require_supervisor(&page) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let case = match crate::app::case::read(&state, &account, &id).await {
        Ok(case) => case,
        Err(error) if error.status.is_server_error() => return page.message(error.status, "系统繁忙", "请稍后再试。"),
        Err(_) => return page.not_found(),
    };
    let shown =
        |element: &str, value: &str| crate::app::masking::shown_value(&state.catalog, account.role, element, value).0;
    let name = |element: &str| {
        state
            .catalog
            .elements
            .get(element)
            .map_or(element.to_owned(), |e| e.name.clone())
    };
    let today = cases::china_date(state.now());
    let tasks: Vec<_> = case
        .tasks
        .iter()
        .map(|t| {
            let outputs: Vec<_> = t
                .outputs
                .iter()
                .map(|(e, v)| context! { name => name(e), value => shown(e, v) })
                .collect();
            let late = matches!(t.state, cases::TaskState::Dispatched | cases::TaskState::Accepted)
                && t.deadline.is_some_and(|d| d < today);
            context! {
                name => t.name, department_name => state.catalog.department_name(&t.department), state => t.state.as_str(),
                state_label => t.state.label_zh(), deadline => t.deadline.map(|d| d.to_string()), late => late,
                supplements => t.supplements, rejection_reason => t.rejection_reason, outputs => outputs,
            }
        })
        .collect();
    let form: Vec<_> = case
        .form
        .iter()
        .map(|(e, v)| context! { name => name(e), value => shown(e, &v.value) })
        .collect();
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let rating = match crate::app::ratings::of_case(&state, account, &case).await {
        Ok(rating) => rating.map(|r| {
            format!(
                "{}{}{}",
                crate::app::ratings::level_label(r.level),
                if r.on_behalf { "（窗口代评）" } else { "" },
                if r.comment.is_empty() {
                    String::new()
                } else {
                    format!("：{}", r.comment)
                }
            )
        }),
        Err(error) => return page.message(error.status, "系统繁忙", &error.message),
    };
    let rectifications: Vec<_> = match crate::app::rectifications::of_case(&state, account, &case).await {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                let (_, label) = crate::app::rectifications::status(&state, r);
                context! { id => r.id, department_name => state.catalog.department_name(&r.department), status_label => label }
            })
            .collect(),
        Err(error) => return page.message(error.status, "系统繁忙", &error.message),
    };
    let view = context! {
        id => case.id.to_string(), one_thing_name => case.one_thing_name, state_label => case.state().label_zh(),
        submitted_at => local_time(case.submitted_at), promised_date => case.promised_date.to_string(),
        lead_name => state.catalog.department_name(&case.lead),
    };
    page.render(
        "admin_case.html",
        &case.one_thing_name,
        context! { case => view, tasks => tasks, form => form, rating => rating, rectifications => rectifications },
    )
}

/// 部门系统凭证: the admin's list of department systems' clients, with forms to
/// create, rotate and revoke them, and to link an ID number to a staff account for
/// 统一身份认证. The rules are in `app::service` and `app::oidc`.
pub async fn service_clients(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/admin/service-clients").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    render_service_clients(&state, &page, Vec::new(), None, None).await
}

async fn render_service_clients(
    state: &AppState,
    page: &Page,
    errors: Vec<String>,
    issued: Option<minijinja::Value>,
    done: Option<&str>,
) -> Response {
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let clients = match app::service::list_clients(state, account).await {
        Ok(clients) => clients,
        Err(error) => return page.store_error(error.message),
    };
    let staff = match app::oidc::staff_accounts(state, account).await {
        Ok(staff) => staff,
        Err(error) => return page.store_error(error.message),
    };
    let now = state.now();
    let clients: Vec<_> = clients
        .iter()
        .map(|c| {
            let secrets: Vec<_> = c
                .secrets
                .iter()
                .map(|s| {
                    let live = s.live_at(now);
                    let state = match (s.revoked_at, s.expires_at) {
                        (Some(at), _) => format!("已吊销（{}）", local_time(at)),
                        (None, Some(end)) if end <= now => format!("已过期（{}）", local_time(end)),
                        (None, Some(end)) => format!("过渡期至 {}", local_time(end)),
                        (None, None) => "有效".to_owned(),
                    };
                    context! { id => s.id, live => live, state => state }
                })
                .collect();
            context! {
                client_id => c.client_id, name => c.name, revoked => c.revoked(),
                department_name => state.catalog.department_name(&c.department),
                scopes => c.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(), secrets => secrets,
            }
        })
        .collect();
    let departments: Vec<_> = state
        .catalog
        .departments
        .values()
        .map(|d| context! { code => d.code, name => d.name })
        .collect();
    let scopes: Vec<_> = domain::Scope::ALL
        .iter()
        .map(|s| context! { name => s.as_str(), label => s.label_zh() })
        .collect();
    let staff: Vec<_> = staff
        .iter()
        .map(|a| context! { id => a.id, name => a.display_name })
        .collect();
    let failed = !errors.is_empty();
    let mut response = page.render(
        "admin_service_clients.html",
        "部门系统凭证",
        context! {
            clients => clients, departments => departments, scopes => scopes, staff => staff,
            errors => errors, issued => issued, done => done,
        },
    );
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub async fn service_clients_change(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/admin/service-clients").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let field = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let issued = |issued: app::service::IssuedSecret| {
        Some(context! { client_id => issued.client.client_id, name => issued.client.name, secret => issued.secret })
    };
    let refused = |error: app::error::ApiError| -> Vec<String> {
        if error.details.is_empty() {
            vec![error.message]
        } else {
            error.details.into_iter().map(|d| d.message).collect()
        }
    };
    let outcome = match field("action").as_str() {
        "create" => {
            let input = app::service::NewClient {
                name: field("name"),
                department: field("department"),
                scopes: form
                    .keys()
                    .filter_map(|k| k.strip_prefix("scope."))
                    .map(str::to_owned)
                    .collect(),
            };
            app::service::create_client(&state, &account, input)
                .await
                .map(|i| (issued(i), None))
                .map_err(|e| refused(e.into()))
        }
        "rotate" => match field("grace_hours").parse::<i64>() {
            Ok(hours) => app::service::rotate_secret(&state, &account, &field("client_id"), Some(hours))
                .await
                .map(|i| (issued(i), None))
                .map_err(refused),
            Err(_) => Err(vec!["过渡期请填写小时数，例如 24".to_owned()]),
        },
        "revoke" => app::service::revoke_client(&state, &account, &field("client_id"))
            .await
            .map(|_| (None, Some("凭证已吊销，其密钥和访问令牌随即失效。")))
            .map_err(refused),
        "revoke_secret" => app::service::revoke_secret(&state, &account, &field("client_id"), &field("secret_id"))
            .await
            .map(|_| (None, Some("密钥已吊销，用它取得的访问令牌随即失效。")))
            .map_err(refused),
        "link" => app::oidc::link_identity(&state, &account, &field("id_number"), &field("account"))
            .await
            .map(|_| (None, Some("已关联：此人用统一身份认证登录即为该工作人员账户。")))
            .map_err(refused),
        _ => Err(vec!["未知的操作".to_owned()]),
    };
    match outcome {
        Ok((issued, done)) => render_service_clients(&state, &page, Vec::new(), issued, done).await,
        Err(errors) => render_service_clients(&state, &page, errors, None, None).await,
    }
}

// ------------------------------------------------------------------ event delivery

/// The event delivery page: subscriptions, one's delivery log, dead letters, and
/// the form to subscribe a department's system.
pub async fn webhooks(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/admin/webhooks").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let log_of = query.get("log").cloned();
    render_webhooks(&state, &page, log_of, None, Vec::new(), &BTreeMap::new()).await
}

async fn render_webhooks(
    state: &AppState,
    page: &Page,
    log_of: Option<String>,
    created: Option<crate::webhooks::Created>,
    errors: Vec<minijinja::Value>,
    form: &BTreeMap<String, String>,
) -> Response {
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let subscriptions = match crate::webhooks::list(state, &account).await {
        Ok(list) => list,
        Err(error) => return page.store_error(crate::error::ApiError::from(error).message),
    };
    let dead_letters = match crate::webhooks::dead_letters(state, &account).await {
        Ok(list) => list,
        Err(error) => return page.store_error(crate::error::ApiError::from(error).message),
    };
    let attempts = match &log_of {
        Some(id) => crate::webhooks::attempts(state, &account, id).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let departments: Vec<_> = state
        .catalog
        .departments
        .values()
        .map(|d| context! { code => d.code, name => d.name })
        .collect();
    let event_types: Vec<&str> = ::webhooks::EventType::ALL.iter().map(|t| t.as_str()).collect();
    let mut response = page.render(
        "admin_webhooks.html",
        "事件推送",
        context! {
            subscriptions => subscriptions,
            dead_letters => dead_letters,
            log_of => log_of,
            attempts => attempts,
            created => created.as_ref().map(|c| &c.subscription),
            secret => created.as_ref().and_then(|c| c.secret.clone()),
            errors => errors,
            form => form,
            departments => departments,
            event_types => event_types,
        },
    );
    if created.is_some() {
        // The secret is on this page only: no cache may keep it.
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Creates a subscription; the page shows its secret once.
pub async fn webhook_create(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/admin/webhooks").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let event_types = form
        .keys()
        .filter_map(|key| key.strip_prefix("event_"))
        .map(str::to_owned)
        .collect();
    let input = crate::webhooks::NewSubscription {
        department: form.get("department").cloned().unwrap_or_default(),
        event_types,
        url: form.get("url").cloned().unwrap_or_default(),
        scheme: form.get("scheme").cloned().unwrap_or_else(|| "v1".to_owned()),
    };
    match crate::webhooks::create(&state, &account, input).await {
        Ok(created) => render_webhooks(&state, &page, None, Some(created), Vec::new(), &BTreeMap::new()).await,
        Err(error) => {
            let error = crate::error::ApiError::from(error);
            if error.status.is_server_error() {
                return page.store_error(error.message);
            }
            let anchor = format!("f-{}", error.field.as_deref().unwrap_or("url"));
            let errors = vec![context! { anchor => anchor, message => error.message }];
            let mut response = render_webhooks(&state, &page, None, None, errors, &form).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
    }
}

/// Disables a subscription, then back to the page.
pub async fn webhook_disable(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let acting = state.clone();
    webhook_action(&state, &headers, &form, |account| async move {
        crate::webhooks::disable(&acting, &account, &id).await.map(drop)
    })
    .await
}

/// Enables a disabled subscription again, then back to the page.
pub async fn webhook_enable(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let acting = state.clone();
    webhook_action(&state, &headers, &form, |account| async move {
        crate::webhooks::enable(&acting, &account, &id).await.map(drop)
    })
    .await
}

/// Replays a dead letter, then back to the page.
pub async fn webhook_replay(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Path((id, seq)): axum::extract::Path<(String, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let acting = state.clone();
    webhook_action(&state, &headers, &form, |account| async move {
        // Read here, after the token check, so a bad number is "not found" like any other.
        let seq = seq.parse::<i64>().unwrap_or(-1);
        crate::webhooks::replay(&acting, &account, &id, seq).await
    })
    .await
}

async fn webhook_action<F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
    action: F,
) -> Response
where
    F: FnOnce(domain::Account) -> Fut,
    Fut: std::future::Future<Output = Result<(), app::AppError>>,
{
    let page = page(state, headers, "/admin/webhooks").await;
    if let Err(response) = require_admin(&page) {
        return response;
    }
    if let Err(response) = page.check_csrf(form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    match action(account).await {
        Ok(()) => axum::response::Redirect::to("/admin/webhooks").into_response(),
        Err(error) => {
            let error = crate::error::ApiError::from(error);
            page.message(error.status, "未能完成", &error.message)
        }
    }
}
