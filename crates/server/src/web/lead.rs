//! The lead department's view (牵头部门, 首问负责): every open case of the one-things it
//! leads, every department's progress, who is late, and a reminder to send.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cases::{CaseId, CaseState, TaskState};
use domain::Role;
use minijinja::context;

use super::{Page, Shared, local_time, page};
use crate::AppState;

/// The staff member's department and the one-things it leads, or the refusal.
fn lead_of(state: &AppState, page: &Page) -> Result<(String, Vec<String>), Response> {
    let Some(account) = &page.user else {
        return Err(page.login_redirect());
    };
    let Some(department) = account.department.clone().filter(|_| account.role == Role::Staff) else {
        return Err(page.message(StatusCode::FORBIDDEN, "仅限部门工作人员", "此页面供牵头部门督办。"));
    };
    let led: Vec<String> = state
        .catalog
        .one_things
        .values()
        .filter(|o| o.lead == department)
        .map(|o| o.id.to_string())
        .collect();
    if led.is_empty() {
        return Err(page.message(
            StatusCode::FORBIDDEN,
            "本部门不牵头任何一件事",
            "只有牵头部门可以查看全部部门的进度。",
        ));
    }
    Ok((department, led))
}

pub async fn overview(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/workbench/lead").await;
    let (department, led) = match lead_of(&state, &page) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let summaries = match state.store.all_cases(500).await {
        Ok(all) => all,
        Err(error) => return page.store_error(error),
    };
    let today = cases::china_date(state.now());
    let mut views = Vec::new();
    for summary in summaries.iter().filter(|c| led.contains(&c.one_thing)) {
        let Ok(Some(versioned)) = state.store.load_case(&summary.id).await else {
            continue;
        };
        let case = versioned.case;
        if !matches!(case.state(), CaseState::InProgress | CaseState::AwaitingSupplement) {
            continue;
        }
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
    if let Some(account) = &page.user
        && let Err(response) = super::audit(
            &state,
            &page,
            account,
            "read_lead_overview",
            None,
            String::new(),
            "牵头部门督办",
        )
        .await
    {
        return response;
    }
    page.render(
        "lead.html",
        "牵头督办",
        context! { department_name => state.catalog.department_name(&department), one_things => names, cases => views },
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
    let (department, led) = match lead_of(&state, &page) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (Ok(case_id), Ok(code)) = (CaseId::parse(&id), ids::ItemCode::parse(&item)) else {
        return page.not_found();
    };
    let case = match state.store.load_case(&case_id).await {
        Ok(Some(versioned)) if led.contains(&versioned.case.one_thing) => versioned.case,
        Ok(_) => return page.not_found(),
        Err(error) => return page.store_error(error),
    };
    let Some(task) = case.task(&code) else {
        return page.not_found();
    };
    let now = state.now();
    let notice = domain::NewNotification {
        recipient: format!("dept:{}", task.department),
        kind: "reminder".into(),
        case_id: Some(case.id.to_string()),
        item: Some(task.item.to_string()),
        title: format!("牵头部门催办：{}", task.name),
        body: format!(
            "{}催办：办件 {} 的“{}”期限为 {}，请尽快办理。",
            state.catalog.department_name(&department),
            case.id,
            task.name,
            task.deadline.map(|d| d.to_string()).unwrap_or_default()
        ),
        created_at: now,
    };
    match state.store.notify(std::slice::from_ref(&notice)).await {
        Ok(()) => {
            state.channel.deliver(&notice);
            Redirect::to("/workbench/lead").into_response()
        }
        Err(error) => page.store_error(error),
    }
}
