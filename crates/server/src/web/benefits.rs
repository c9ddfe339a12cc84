//! 免申即享 pages: 我的待遇 for a person (the findings with their reasons, 不同意 and
//! 有异议; an enterprise's for its legal representative), and the policy department's
//! page to run a policy and see what it found (totals, a filtered page of masked rows,
//! the CSV export, confirming for payment). The rules are in [`app::benefits`].

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
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

/// The list's filters as the page's query string carries them.
fn filter_of(query: &BTreeMap<String, String>) -> benefits::FindingsFilter {
    let text = |name: &str| query.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    benefits::FindingsFilter {
        period: text("period"),
        state: text("state"),
        q: text("q"),
        cursor: text("cursor"),
        limit: 50,
    }
}

fn pair(name: &str, value: &str) -> String {
    let value = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC);
    format!("{name}={value}")
}

/// The query string of a filter (without the cursor), for the next page and the export.
fn query_string(filter: &benefits::FindingsFilter) -> String {
    [("period", &filter.period), ("state", &filter.state), ("q", &filter.q)]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|value| pair(name, value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What the page says after an action.
#[derive(Default)]
struct Outcome {
    confirmed: Option<benefits::ConfirmSummary>,
    /// A period's confirmation job just started.
    started: Option<app::benefit_jobs::ConfirmJobView>,
    /// An objection just answered.
    answered: Option<benefits::FindingRow>,
    /// The run the page follows (`?run=`), started a moment ago.
    follow: Option<String>,
    error: Option<String>,
}

async fn policy_page(
    state: &crate::AppState,
    page: &super::Page,
    id: &str,
    filter: &benefits::FindingsFilter,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let jobs = app::benefit_jobs::jobs(state, account, id).await.unwrap_or_default();
    let runs = app::benefit_runs::runs(state, account, id).await.unwrap_or_default();
    // The run the page was sent to follow (`?run=`), as it is now.
    // Usually among the latest runs just read; read on its own only when older.
    let current = match &outcome.follow {
        Some(run) => match runs.iter().find(|listed| &listed.id == run) {
            Some(listed) => Some(listed.clone()),
            None => app::benefit_runs::run(state, account, id, run).await.ok(),
        },
        None => None,
    };
    let refresh = runs.iter().any(|run| run.state == "running");
    let summary = current
        .as_ref()
        .filter(|run| run.state == "succeeded")
        .and_then(|run| run.summary.clone());
    match benefits::findings(state, account, id, filter).await {
        Ok(findings) => {
            let may_run = matches!(account.role, Role::Admin | Role::Staff);
            let query = query_string(filter);
            let next = findings.next.as_ref().map(|cursor| {
                let cursor = pair("cursor", cursor);
                if query.is_empty() {
                    cursor
                } else {
                    format!("{query}&{cursor}")
                }
            });
            let mut response = page.render(
                "policies.html",
                &findings.policy.name.clone(),
                context! {
                    policies => (), policy => findings.policy.clone(), findings => findings,
                    summary => summary, confirmed => outcome.confirmed, error => outcome.error,
                    started => outcome.started, answered => outcome.answered, jobs => jobs,
                    runs => runs, current => current, refresh => refresh,
                    may_run => may_run, filter => context! {
                        period => filter.period, state => filter.state, q => filter.q,
                    },
                    states => store_states(),
                    query => query, next => next, paged => filter.cursor.is_some(),
                },
            );
            *response.status_mut() = status;
            response
        }
        Err(error) if error.code == "E_POLICY_NOT_FOUND" => page.not_found(),
        Err(error) if error.code == "E_QUERY_INVALID" => page.message(error.status, "查询条件有误", &error.message),
        Err(error) => page.message(error.status, "无法查看", &error.message),
    }
}

/// The states the list filters by, with their labels.
fn store_states() -> Vec<(&'static str, &'static str)> {
    [
        ("granted", "已认定"),
        ("confirmed", "已确认发放"),
        ("invited", "邀请申请"),
        ("declined", "已不同意"),
        ("objected", "有异议"),
        ("withdrawn", "已不再符合"),
    ]
    .to_vec()
}

/// `GET /workbench/policies/{id}`: the findings (filters, a page), with the run form.
pub async fn policy(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/policies/{id}")).await;
    policy_page(
        &state,
        &page,
        &id,
        &filter_of(&query),
        Outcome {
            follow: query.get("run").cloned(),
            ..Outcome::default()
        },
        StatusCode::OK,
    )
    .await
}

/// `GET /workbench/policies/{id}/findings.csv`: the filtered list as CSV.
pub async fn export(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/policies/{id}")).await;
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    match benefits::export_findings(&state, account, &id, &filter_of(&query)).await {
        Ok(export) => crate::benefit_api::csv_response(export),
        Err(error) if error.code == "E_POLICY_NOT_FOUND" => page.not_found(),
        Err(error) => page.message(error.status, "无法导出", &error.message),
    }
}

/// `POST /workbench/policies/{id}/confirm`: the ticked findings (`finding`, repeated),
/// or every granted finding of `period` when `all` is set.
pub async fn confirm(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/policies/{id}")).await;
    let form: BTreeMap<String, String> = pairs.iter().cloned().collect();
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let request = if form.contains_key("all") {
        benefits::ConfirmRequest {
            period: Some(form.get("period").cloned().unwrap_or_default()),
            ..benefits::ConfirmRequest::default()
        }
    } else {
        benefits::ConfirmRequest {
            findings: Some(
                pairs
                    .iter()
                    .filter(|(name, _)| name == "finding")
                    .map(|(_, value)| value.clone())
                    .collect(),
            ),
            ..benefits::ConfirmRequest::default()
        }
    };
    let request = benefits::ConfirmRequest {
        note: form.get("note").cloned().unwrap_or_default(),
        ..request
    };
    let filter = filter_of(&form);
    match benefits::confirm(&state, account, &id, &request).await {
        Ok(confirmed) => {
            let outcome = match confirmed {
                benefits::ConfirmOutcome::Confirmed(confirmed) => Outcome {
                    confirmed: Some(confirmed),
                    ..Outcome::default()
                },
                benefits::ConfirmOutcome::Started(job) => Outcome {
                    started: Some(*job),
                    ..Outcome::default()
                },
            };
            policy_page(&state, &page, &id, &filter, outcome, StatusCode::OK).await
        }
        Err(error) if error.code == "E_POLICY_NOT_FOUND" => page.not_found(),
        Err(error) if error.status == StatusCode::FORBIDDEN => page.message(error.status, "无法确认", &error.message),
        Err(error) => {
            let outcome = Outcome {
                error: Some(error.message.clone()),
                ..Outcome::default()
            };
            policy_page(&state, &page, &id, &filter, outcome, error.status).await
        }
    }
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
    // In the background: the page shows the run's stage and refreshes itself until
    // it has ended (a million people take about half a minute).
    match app::benefit_runs::start(&state, account, &id, as_of).await {
        Ok(run) => Redirect::to(&format!("/workbench/policies/{id}?run={}", run.id)).into_response(),
        Err(error) if error.code == "E_POLICY_NOT_FOUND" => page.not_found(),
        Err(error) if error.code == "E_POLICY_RUN_RUNNING" => {
            let outcome = Outcome {
                error: Some(error.message.clone()),
                ..Outcome::default()
            };
            let filter = benefits::FindingsFilter {
                limit: 50,
                ..benefits::FindingsFilter::default()
            };
            policy_page(&state, &page, &id, &filter, outcome, error.status).await
        }
        Err(error) => page.message(error.status, "无法运行", &error.message),
    }
}

/// `POST /workbench/policies/{id}/findings/{finding}/answer`: the department's answer
/// to an objection (`decision`: uphold or correct, `reply`, `amount_yuan`).
pub async fn answer(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, finding)): Path<(String, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/policies/{id}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let request = benefits::ObjectionAnswerRequest {
        decision: form.get("decision").cloned().unwrap_or_default(),
        reply: form.get("reply").cloned().unwrap_or_default(),
        amount_yuan: form.get("amount_yuan").cloned(),
    };
    let filter = filter_of(&form);
    match benefits::answer_objection(&state, account, &id, &finding, &request).await {
        Ok(row) => {
            let outcome = Outcome {
                answered: Some(row),
                ..Outcome::default()
            };
            policy_page(&state, &page, &id, &filter, outcome, StatusCode::OK).await
        }
        Err(error) if error.code == "E_POLICY_NOT_FOUND" || error.code == "E_FINDING_NOT_FOUND" => page.not_found(),
        Err(error) if error.status == StatusCode::FORBIDDEN => page.message(error.status, "无法答复", &error.message),
        Err(error) => {
            let outcome = Outcome {
                error: Some(error.message.clone()),
                ..Outcome::default()
            };
            policy_page(&state, &page, &id, &filter, outcome, error.status).await
        }
    }
}
