//! 说说您要办的事 (自然语言办理): a description becomes a proposal the applicant
//! confirms or corrects item by item, and only the confirmed answers and values
//! reach the one form. The use cases are `app::guidance::intake` and `confirm`.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::Role;
use minijinja::context;

use super::portal::{holdings_for, plan_or_questions, render_fresh_apply};
use super::{Page, Shared, page};
use crate::AppState;
use crate::app;

pub async fn form(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/intake").await;
    page.render(
        "intake.html",
        "说说您要办的事",
        context! { description => "", proposal => (), contact => app::guidance::one_window_contact(&state) },
    )
}

/// The questions of the proposed one-thing as the confirmation shows them: every
/// question asked given the proposed answers, each proposal with its sentence.
fn confirmation_view(
    state: &AppState,
    proposal: &guide::Proposal,
    chosen: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> minijinja::Value {
    let Some((id, name)) = &proposal.one_thing else {
        return context! { found => false, alternatives => proposal.alternatives, notes => proposal.notes };
    };
    let Some(one) = state.catalog.one_thing(id) else {
        return context! { found => false };
    };
    let proposed: BTreeMap<&str, &guide::ProposedAnswer> =
        proposal.answers.iter().map(|a| (a.question.as_str(), a)).collect();
    let mut effective: BTreeMap<String, String> = proposal
        .answers
        .iter()
        .map(|a| (a.question.clone(), a.value.clone()))
        .collect();
    effective.extend(chosen.clone());
    let questions: Vec<minijinja::Value> = one
        .asked_questions(&effective)
        .into_iter()
        .map(|question| {
            let suggestion = proposed.get(question.id.as_str());
            context! {
                id => question.id,
                text => question.text,
                options => question.options,
                selected => effective.get(&question.id),
                sentence => suggestion.map(|s| s.sentence.clone()),
                label => suggestion.map(|s| s.label.clone()),
                error => errors.get(&format!("answers.{}", question.id)),
            }
        })
        .collect();
    let fields: Vec<minijinja::Value> = proposal
        .fields
        .iter()
        .map(|field| {
            context! {
                element => field.element,
                name => field.name,
                value => field.value,
                sentence => field.sentence,
                written => field.written,
                error => errors.get(&field.element),
            }
        })
        .collect();
    context! {
        found => true, id => id, name => name, questions => questions, fields => fields,
        alternatives => proposal.alternatives, notes => proposal.notes,
    }
}

/// Reads the description and shows the proposal to confirm.
pub async fn propose(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/intake").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let description = form.get("description").map(String::as_str).unwrap_or("");
    let one_thing = form.get("one_thing").map(String::as_str).filter(|id| !id.is_empty());
    render_proposal(
        &state,
        &page,
        description,
        one_thing,
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
}

fn render_proposal(
    state: &AppState,
    page: &Page,
    description: &str,
    one_thing: Option<&str>,
    chosen: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
) -> Response {
    let contact = app::guidance::one_window_contact(state);
    match app::guidance::intake(state, description, one_thing) {
        Ok(proposal) => {
            let view = confirmation_view(state, &proposal, chosen, errors);
            let mut response = page.render(
                "intake.html",
                "核对办理建议",
                context! { description => proposal.description, proposal => view, contact => contact,
                error_count => errors.len() },
            );
            if !errors.is_empty() {
                *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            response
        }
        Err(error) => {
            let mut response = page.render(
                "intake.html",
                "说说您要办的事",
                context! { description => description.chars().take(600).collect::<String>(), proposal => (),
                error => error.message, contact => contact },
            );
            *response.status_mut() = error.status;
            response
        }
    }
}

/// The applicant's confirmation: the answers chosen, and only the values whose
/// 采用 box is ticked (as corrected). With every question answered, the one form
/// opens filled with them; otherwise the confirmation again, with what is missing.
pub async fn confirm(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/intake").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    match &page.user {
        None => return page.login_redirect(),
        Some(account) if account.role != Role::Applicant && !app::submit::is_window(account) => {
            return page.message(
                StatusCode::FORBIDDEN,
                "请以申请人身份登录",
                "部门工作人员不能代为申请；请到综合窗口办理。",
            );
        }
        Some(_) => {}
    }
    let description = form.get("description").cloned().unwrap_or_default();
    let Some(id) = form.get("one_thing").cloned() else {
        return render_proposal(&state, &page, &description, None, &BTreeMap::new(), &BTreeMap::new());
    };
    let answers: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(key, value)| key.strip_prefix("answer.").map(|q| (q.to_owned(), value.clone())))
        .collect();
    let fields: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(key, value)| {
            let element = key.strip_prefix("field.")?;
            form.contains_key(&format!("use.{element}"))
                .then(|| (element.to_owned(), value.clone()))
        })
        .collect();
    let confirmed = match app::guidance::confirm(&state, &id, &answers, &fields) {
        Ok(confirmed) => confirmed,
        Err(app::AppError::Invalid(issues)) => {
            let errors = issues.into_iter().map(|i| (i.field, i.message)).collect();
            return render_proposal(&state, &page, &description, Some(&id), &answers, &errors);
        }
        Err(app::AppError::Refused(error)) => return page.message(error.status, "无法继续", &error.message),
    };
    let Some(one) = state.catalog.one_thing(&id) else {
        return page.not_found();
    };
    let holdings = match holdings_for(&state, &page, crate::sharing::Stage::Application(None)).await {
        Ok(holdings) => holdings,
        Err(response) => return response,
    };
    let plan = match catalog::compute_plan(
        &state.catalog,
        one,
        &confirmed.answers,
        &holdings,
        cases::china_date(state.now()),
        &state.calendar(),
    ) {
        Ok(plan) => plan,
        Err(catalog::PlanError::Answers(missing)) => {
            let errors = missing
                .iter()
                .map(|e| (format!("answers.{}", e.question()), e.to_string()))
                .collect();
            return render_proposal(&state, &page, &description, Some(&id), &answers, &errors);
        }
        Err(_) => match plan_or_questions(&state, &page, one, &confirmed.answers, &holdings) {
            Ok(plan) => plan,
            Err(response) => return response,
        },
    };
    render_fresh_apply(&state, &page, one.id.as_str(), &plan, Some(&confirmed.form), None).await
}
