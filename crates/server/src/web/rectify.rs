//! 差评整改: the department's list and one rectification with its follow-up and
//! result; the supervisor's list of all, late ones first.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use store::{Rectification, Role};

use super::{Page, Shared, local_time, page};
use crate::AppState;

/// `open`, `late` (open past its deadline) or `closed`, with its label.
pub fn status(state: &AppState, rectification: &Rectification) -> (&'static str, &'static str) {
    if rectification.closed_at.is_some() {
        ("closed", "已办结")
    } else if cases::china_date(state.now()) > rectification.deadline {
        ("late", "已逾期")
    } else {
        ("open", "整改中")
    }
}

fn level_label(level: i64) -> &'static str {
    if level <= 1 { "非常不满意" } else { "不满意" }
}

/// The list page for a department (`Some`) or for supervisors (`None`).
pub async fn list(state: &AppState, page: &Page, department: Option<&str>) -> Response {
    let rows = match state.store.rectifications(department).await {
        Ok(rows) => rows,
        Err(error) => return page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", &error.to_string()),
    };
    let (mut open, mut late, mut closed) = (0, 0, 0);
    let mut views: Vec<(u8, minijinja::Value)> = rows
        .iter()
        .map(|r| {
            let (code, label) = status(state, r);
            let order = match code {
                "late" => {
                    late += 1;
                    open += 1;
                    0
                }
                "open" => {
                    open += 1;
                    1
                }
                _ => {
                    closed += 1;
                    2
                }
            };
            let link = department.map(|_| format!("/workbench/rectifications/{}", r.id));
            (
                order,
                context! {
                    deadline => r.deadline.to_string(), status => code, status_label => label,
                    department_name => state.catalog.department_name(&r.department), case_id => r.case_id,
                    complaint => r.complaint, link => link,
                },
            )
        })
        .collect();
    views.sort_by_key(|(order, _)| *order);
    let rows: Vec<minijinja::Value> = views.into_iter().map(|(_, v)| v).collect();
    let (heading, back) = match department {
        Some(code) => (
            format!("{} · 差评整改", state.catalog.department_name(code)),
            "/workbench",
        ),
        None => ("全部差评整改（督办）".to_owned(), "/admin"),
    };
    page.render(
        "rectifications.html",
        "差评整改",
        context! { rows => rows, open => open, late => late, closed => closed, heading => heading, back => back },
    )
}

pub async fn department_list(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/workbench/rectifications").await;
    match page
        .user
        .as_ref()
        .filter(|a| a.role == Role::Staff)
        .and_then(|a| a.department.clone())
    {
        Some(department) => list(&state, &page, Some(&department)).await,
        None if page.user.is_none() => page.login_redirect(),
        None => page.message(StatusCode::FORBIDDEN, "仅限部门工作人员", "督办人员请在管理页面查看。"),
    }
}

pub async fn supervisor_list(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/admin/rectifications").await;
    match &page.user {
        None => page.login_redirect(),
        Some(account) if matches!(account.role, Role::Admin | Role::Auditor) => list(&state, &page, None).await,
        Some(_) => page.message(
            StatusCode::FORBIDDEN,
            "仅限督办人员",
            "此页面仅对管理员和审计人员开放。",
        ),
    }
}

/// The staff member's own department's rectification, or "not found".
async fn own(state: &AppState, page: &Page, id: &str) -> Result<Rectification, Response> {
    let Some(account) = &page.user else {
        return Err(page.login_redirect());
    };
    match state.store.rectification(id).await {
        Ok(Some(r)) if account.role == Role::Staff && account.department.as_deref() == Some(r.department.as_str()) => {
            Ok(r)
        }
        Ok(_) => Err(page.not_found()),
        Err(error) => Err(page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", &error.to_string())),
    }
}

async fn render(
    state: &AppState,
    page: &Page,
    r: &Rectification,
    errors: &[(&str, &str)],
    form: Option<&BTreeMap<String, String>>,
) -> Response {
    let one_thing_name = match cases::CaseId::parse(&r.case_id) {
        Ok(id) => state
            .store
            .load_case(&id)
            .await
            .ok()
            .flatten()
            .map(|v| v.case.one_thing_name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
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
        context! { r => view, errors => errors, follow_up => value("follow_up").unwrap_or_default(), result => value("result").unwrap_or_default() },
    );
    if form.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
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
    let r = match own(&state, &page, &id).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let follow_up = form.get("follow_up").map(|t| t.trim().to_owned()).unwrap_or_default();
    let result = form.get("result").map(|t| t.trim().to_owned()).unwrap_or_default();
    let close = form.get("close").is_some_and(|v| v == "yes");
    let mut errors = Vec::new();
    if follow_up.is_empty() {
        errors.push(("f-follow_up", "请填写回访记录"));
    }
    if close && result.is_empty() {
        errors.push(("f-result", "办结整改须填写整改结果"));
    }
    if follow_up.chars().count() > 1000 || result.chars().count() > 1000 {
        errors.push(("f-result", "每项最多 1000 个字"));
    }
    if !errors.is_empty() {
        return render(&state, &page, &r, &errors, Some(&form)).await;
    }
    let account = page.user.clone().unwrap_or_else(|| store::Account {
        id: String::new(),
        username: String::new(),
        display_name: String::new(),
        role: Role::Staff,
        department: None,
        id_number: None,
        password_hash: String::new(),
    });
    let now = state.now();
    let closed_at = close.then_some(now);
    let stored = state
        .store
        .update_rectification(
            &r.id,
            &follow_up,
            close.then_some(result.as_str()),
            closed_at,
            &account.id,
        )
        .await;
    match stored {
        Ok(true) => {
            // The change is audited like any other, and a closed one reaches the applicant.
            if let Err(response) = super::audit(
                &state,
                &page,
                &account,
                if close {
                    "rectification_closed"
                } else {
                    "rectification_follow_up"
                },
                Some(&r.case_id),
                String::new(),
                "差评整改",
            )
            .await
            {
                return response;
            }
            if close
                && let Ok(id) = cases::CaseId::parse(&r.case_id)
                && let Ok(Some(versioned)) = state.store.load_case(&id).await
            {
                let notice = store::NewNotification {
                    recipient: versioned.case.applicant.clone(),
                    kind: "rectification_closed".into(),
                    case_id: Some(r.case_id.clone()),
                    item: None,
                    title: format!("整改结果：{}", versioned.case.one_thing_name),
                    body: result.clone(),
                    created_at: now,
                };
                if state.store.notify(std::slice::from_ref(&notice)).await.is_ok() {
                    state.channel.deliver(&notice);
                }
            }
            Redirect::to(&format!("/workbench/rectifications/{}", r.id)).into_response()
        }
        Ok(false) => page.message(StatusCode::CONFLICT, "整改已办结", "该整改已经办结，不能再修改。"),
        Err(error) => page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", &error.to_string()),
    }
}
