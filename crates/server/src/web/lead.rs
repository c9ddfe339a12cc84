//! The lead department's view (牵头部门, 首问负责): every open case of the one-things it
//! leads, every department's progress, who is late, and a reminder to send.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cases::TaskState;
use minijinja::context;

use super::{Page, Shared, local_time, page};
use crate::error::ApiError;

/// A refusal of the lead's use cases, as a page.
fn refused(page: &Page, error: ApiError) -> Response {
    match error.status {
        StatusCode::NOT_FOUND => page.not_found(),
        StatusCode::FORBIDDEN => page.message(StatusCode::FORBIDDEN, "仅限牵头部门", &error.message),
        status => page.message(status, "系统繁忙", &error.message),
    }
}

pub async fn overview(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/workbench/lead").await;
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let cursor = query.get("cursor").map(String::as_str);
    let (department, led, open) = match app::lead::overview(&state, &account, cursor, 0).await {
        Ok(found) => found,
        Err(error) if error.code == "E_QUERY_INVALID" => return super::list_error(&page, &error),
        Err(error) => return refused(&page, error),
    };
    let next = open
        .next
        .as_deref()
        .map(|c| super::next_page_link("/workbench/lead", &[], c));
    let open = open.items;
    let today = cases::china_date(state.now());
    let mut views = Vec::new();
    for case in open {
        let tasks: Vec<_> = case
            .tasks
            .iter()
            .map(|t| {
                let late = matches!(t.state, TaskState::Dispatched | TaskState::Accepted)
                    && t.deadline.is_some_and(|d| today > d);
                context! {
                    item => t.item.to_string(), name => t.name, department_name => state.catalog.department_name(&t.department),
                    state_label => t.state.label_zh(), deadline => t.deadline.map(|d| d.to_string()), late => late,
                }
            })
            .collect();
        views.push(context! {
            id => case.id.to_string(), one_thing_name => case.one_thing_name, submitted => local_time(case.submitted_at),
            promised_date => case.promised_date.to_string(), state_label => case.state().label_zh(), tasks => tasks,
        });
    }
    let names: Vec<String> = led
        .iter()
        .filter_map(|id| state.catalog.one_thing(id))
        .map(|o| o.name.clone())
        .collect();
    page.render(
        "lead.html",
        "牵头督办",
        context! {
            department_name => state.catalog.department_name(&department), one_things => names, cases => views,
            next => next, paged => cursor.is_some(),
        },
    )
}

/// Sends a reminder (催办) to the department of a late task of a led one-thing.
pub async fn remind(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/workbench/lead").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    match app::lead::remind(&state, &account, &id, &item).await {
        Ok(()) => Redirect::to("/workbench/lead").into_response(),
        Err(error) => refused(&page, error),
    }
}
