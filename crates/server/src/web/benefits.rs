//! 免申即享 pages: 我的待遇 for a person (the findings with their reasons, 不同意 and
//! 有异议), and the policy department's page to run a policy and see what it found
//! (count, total, masked names and ID numbers). The rules are in [`app::benefits`].

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Role;
use minijinja::context;

use super::{Shared, page};
use crate::app::benefits::{self, Decision};

/// `GET /my/benefits`
pub async fn mine(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/my/benefits").await;
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    match benefits::mine(&state, account).await {
        Ok(list) => page.render("benefits.html", "我的待遇", context! { benefits => list }),
        Err(error) => page.message(error.status, "无法查看", &error.message),
    }
}

/// `POST /my/benefits/{id}/{decline|object}`
pub async fn decide(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/my/benefits").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let decision = match action.as_str() {
        "decline" => Decision::Decline,
        "object" => Decision::Object,
        _ => return page.not_found(),
    };
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    match benefits::decide(&state, account, &id, decision, reason).await {
        Ok(_) => Redirect::to("/my/benefits").into_response(),
        Err(error) if error.code == "E_FINDING_NOT_FOUND" => page.not_found(),
        Err(error) => page.message(error.status, "未能提交", &error.message),
    }
}

/// `GET /workbench/policies`: the policies the caller may run.
pub async fn policies(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/workbench/policies").await;
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    match benefits::policies(&state, account) {
        Ok(list) => page.render(
            "policies.html",
            "免申即享 · 政策运行",
            context! { policies => list, policy => (), findings => (), summary => () },
        ),
        Err(error) => page.message(error.status, "无法查看", &error.message),
    }
}

async fn policy_page(
    state: &crate::AppState,
    page: &super::Page,
    id: &str,
    summary: Option<benefits::RunSummary>,
    status: StatusCode,
) -> Response {
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    match benefits::findings(state, account, id, None).await {
        Ok(findings) => {
            let may_run = matches!(account.role, Role::Admin | Role::Staff);
            let mut response = page.render(
                "policies.html",
                &findings.policy.name.clone(),
                context! { policies => (), policy => findings.policy.clone(), findings => findings, summary => summary, may_run => may_run },
            );
            *response.status_mut() = status;
            response
        }
        Err(error) if error.code == "E_POLICY_NOT_FOUND" => page.not_found(),
        Err(error) => page.message(error.status, "无法查看", &error.message),
    }
}

/// `GET /workbench/policies/{id}`: the findings, with the run form.
pub async fn policy(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, &format!("/workbench/policies/{id}")).await;
    policy_page(&state, &page, &id, None, StatusCode::OK).await
}

/// `POST /workbench/policies/{id}/run`
pub async fn run(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/policies/{id}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let as_of = match form.get("as_of").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => None,
        Some(text) => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                return page.message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "日期有误",
                    "评估日期应写成 2026-12-01 这样的格式。",
                );
            }
        },
    };
    match benefits::run_policy(&state, account, &id, as_of).await {
        Ok(summary) => policy_page(&state, &page, &id, Some(summary), StatusCode::OK).await,
        Err(error) if error.code == "E_POLICY_NOT_FOUND" => page.not_found(),
        Err(error) => page.message(error.status, "无法运行", &error.message),
    }
}
