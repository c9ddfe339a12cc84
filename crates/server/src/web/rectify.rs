//! 差评整改: the department's list and one rectification with its follow-up and
//! result; the supervisor's list of all, late ones first.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Rectification, Role};
use minijinja::context;

use super::{Page, Shared, local_time, page};
use crate::AppState;
use crate::app::AppError;

pub use crate::app::rectifications::status;

fn level_label(level: i64) -> &'static str {
    if level <= 1 { "非常不满意" } else { "不满意" }
}

const STATUSES: [(&str, &str); 3] = [("open", "整改中（含逾期）"), ("late", "已逾期"), ("closed", "已办结")];

/// The list page for a department (`Some`) or for supervisors (`None`): a page at a
/// time, filtered by status, case number and (supervisors) department.
pub async fn list(
    state: &AppState,
    page: &Page,
    department: Option<&str>,
    query: &BTreeMap<String, String>,
) -> Response {
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let asked = |name: &str| query.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
    let (filter_status, filter_case) = (asked("status"), asked("case_id"));
    let filter_department = if department.is_some() {
        String::new()
    } else {
        asked("department")
    };
    let filter = crate::app::rectifications::Filter {
        status: Some(filter_status.clone()),
        case_id: Some(filter_case.clone()),
        department: Some(filter_department.clone()),
    };
    let cursor = query.get("cursor").map(String::as_str);
    let (rows, counts) = match crate::app::rectifications::list(state, account, &filter, cursor, 0).await {
        Ok(found) => found,
        Err(error) => return super::list_error(page, &error),
    };
    let path = match department {
        Some(_) => "/workbench/rectifications",
        None => "/admin/rectifications",
    };
    let next = rows.next.as_deref().map(|c| {
        super::next_page_link(
            path,
            &[
                ("status", &filter_status),
                ("case_id", &filter_case),
                ("department", &filter_department),
            ],
            c,
        )
    });
    let items: Vec<minijinja::Value> = rows
        .items
        .iter()
        .map(|r| {
            let (code, label) = status(state, r);
            context! {
                deadline => r.deadline.to_string(), status => code, status_label => label,
                department_name => state.catalog.department_name(&r.department), case_id => r.case_id,
                complaint => r.complaint, link => format!("{path}/{}", r.id),
            }
        })
        .collect();
    let (heading, back) = match department {
        Some(code) => (
            format!("{} · 差评整改", state.catalog.department_name(code)),
            "/workbench",
        ),
        None => ("全部差评整改（督办）".to_owned(), "/admin"),
    };
    let statuses: Vec<_> = STATUSES
        .iter()
        .map(|(v, l)| context! { value => v, label => l })
        .collect();
    let departments: Vec<_> = match department {
        Some(_) => Vec::new(),
        None => state
            .catalog
            .departments
            .values()
            .map(|d| context! { code => d.code, name => d.name })
            .collect(),
    };
    page.render(
        "rectifications.html",
        "差评整改",
        context! { rows => items, open => counts.open, late => counts.late, closed => counts.closed,
        total => counts.open + counts.closed, heading => heading, back => back, path => path,
        statuses => statuses, departments => departments, filter_status => filter_status,
        filter_case => filter_case, filter_department => filter_department,
        next => next, paged => cursor.is_some() },
    )
}

pub async fn department_list(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/workbench/rectifications").await;
    match page
        .user
        .as_ref()
        .filter(|a| a.role == Role::Staff)
        .and_then(|a| a.department.clone())
    {
        Some(department) => list(&state, &page, Some(&department), &query).await,
        None if page.user.is_none() => page.login_redirect(),
        None => page.message(StatusCode::FORBIDDEN, "仅限部门工作人员", "督办人员请在管理页面查看。"),
    }
}

pub async fn supervisor_list(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/admin/rectifications").await;
    match &page.user {
        None => page.login_redirect(),
        Some(account) if matches!(account.role, Role::Admin | Role::Auditor) => list(&state, &page, None, &query).await,
        Some(_) => page.message(
            StatusCode::FORBIDDEN,
            "仅限督办人员",
            "此页面仅对管理员和审计人员开放。",
        ),
    }
}

/// The staff member's own department's rectification, or "not found".
async fn own(state: &AppState, page: &Page, id: &str) -> Result<Rectification, Response> {
    let Some(account) = page.user.as_ref().filter(|a| a.role == Role::Staff) else {
        return Err(if page.user.is_none() {
            page.login_redirect()
        } else {
            page.not_found()
        });
    };
    crate::app::rectifications::get(state, account, id)
        .await
        .map_err(|error| page.message(error.status, "无法查看", &error.message))
}

async fn render(
    state: &AppState,
    page: &Page,
    r: &Rectification,
    errors: &[(&str, &str)],
    form: Option<&BTreeMap<String, String>>,
) -> Response {
    let one_thing_name = crate::app::rectifications::one_thing_name(state, r)
        .await
        .unwrap_or_default();
    let (_, status_label) = status(state, r);
    let view = context! {
        id => r.id, case_id => r.case_id, one_thing_name => one_thing_name, level_label => level_label(r.level),
        complaint => r.complaint, deadline => r.deadline.to_string(), status_label => status_label,
        follow_up => r.follow_up, result => r.result, closed_at => r.closed_at.map(local_time),
    };
    let errors: Vec<_> = errors
        .iter()
        .map(|(anchor, message)| context! { anchor => anchor, message => message })
        .collect();
    let value = |key: &str| {
        form.and_then(|f| f.get(key)).cloned().or_else(|| match key {
            "follow_up" => r.follow_up.clone(),
            _ => None,
        })
    };
    let mut response = page.render(
        "rectification.html",
        "差评整改",
        context! { r => view, errors => errors, follow_up => value("follow_up").unwrap_or_default(), result => value("result").unwrap_or_default(),
                   supervisor => page.user.as_ref().is_some_and(|a| matches!(a.role, Role::Admin | Role::Auditor)) },
    );
    if form.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// A rectification as supervisors read it: the complaint, the follow-up and the
/// result, without the form.
pub async fn supervisor_show(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let page = page(&state, &headers, &format!("/admin/rectifications/{id}")).await;
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    if !matches!(account.role, Role::Admin | Role::Auditor) {
        return page.not_found();
    }
    match crate::app::rectifications::get(&state, account, &id).await {
        Ok(r) => render(&state, &page, &r, &[], None).await,
        Err(error) if error.status.is_server_error() => page.message(error.status, "系统繁忙", "请稍后再试。"),
        Err(_) => page.not_found(),
    }
}

pub async fn show(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, &format!("/workbench/rectifications/{id}")).await;
    match own(&state, &page, &id).await {
        Ok(r) => render(&state, &page, &r, &[], None).await,
        Err(response) => response,
    }
}

pub async fn update(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/rectifications/{id}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    // The use case finds the rectification and decides; it is read again only to
    // show the form with its problems.
    let account = match page.user.as_ref() {
        Some(account) if account.role == Role::Staff => account,
        Some(_) => return page.not_found(),
        None => return page.login_redirect(),
    };
    let update = crate::app::rectifications::Update {
        follow_up: form.get("follow_up").cloned().unwrap_or_default(),
        result: form.get("result").cloned().unwrap_or_default(),
        close: form.get("close").is_some_and(|v| v == "yes"),
    };
    match crate::app::rectifications::update(&state, account, &id, update).await {
        Ok(r) => Redirect::to(&format!("/workbench/rectifications/{}", r.id)).into_response(),
        Err(AppError::Invalid(issues)) => {
            let r = match own(&state, &page, &id).await {
                Ok(r) => r,
                Err(response) => return response,
            };
            let errors: Vec<(String, &str)> = issues
                .iter()
                .map(|issue| (format!("f-{}", issue.field), issue.message.as_str()))
                .collect();
            let errors: Vec<(&str, &str)> = errors.iter().map(|(a, m)| (a.as_str(), *m)).collect();
            render(&state, &page, &r, &errors, Some(&form)).await
        }
        Err(AppError::Refused(error)) if error.code == "E_RECTIFICATION_NOT_FOUND" => page.not_found(),
        Err(AppError::Refused(error)) if error.code == "E_RECTIFICATION_CLOSED" => {
            page.message(error.status, "整改已办结", "该整改已经办结，不能再修改。")
        }
        Err(AppError::Refused(error)) => page.message(error.status, "无法保存", &error.message),
    }
}
