//! The department workbench: the queue by deadline, one task with the data its item
//! needs, and the actions accept, request supplement, approve with outputs, reject.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cases::{Action, Case, DeadlineStatus, FieldIssue, Provenance};
use chrono::NaiveDate;
use domain::Role;
use ids::ItemCode;
use minijinja::context;

use super::{Page, Shared, page};
use crate::AppState;
use crate::app::AppError;

/// How a queue entry stands against its deadline: its limit, not the span a
/// supplement stretched, and no clock while a supplement is with the applicant.
fn urgency(
    state: &AppState,
    entry_state: &str,
    limit: u32,
    deadline: Option<NaiveDate>,
) -> (&'static str, &'static str) {
    let Some(deadline) = deadline.filter(|_| matches!(entry_state, "dispatched" | "accepted")) else {
        return (
            DeadlineStatus::NotRunning.as_str(),
            DeadlineStatus::NotRunning.label_zh(),
        );
    };
    let today = cases::china_date(state.now());
    match cases::deadline::status_of(&state.calendar(), limit, deadline, today, state.due_soon_percent) {
        Ok(status) => (status.as_str(), status.label_zh()),
        Err(_) => ("normal", "期限待核"),
    }
}

fn staff_department(page: &Page) -> Option<String> {
    page.user
        .as_ref()
        .filter(|a| a.role == Role::Staff)
        .and_then(|a| a.department.clone())
}

pub async fn queue(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/workbench").await;
    if page.user.is_none() {
        return page.login_redirect();
    }
    let Some(department) = staff_department(&page) else {
        return page.message(StatusCode::FORBIDDEN, "仅限部门工作人员", "申请人请前往“我的办件”。");
    };
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    let filter_state = query.get("state").cloned().unwrap_or_default();
    let filter_case = query.get("case_id").map(|c| c.trim().to_owned()).unwrap_or_default();
    let filter = crate::app::tasks::QueueFilter {
        state: Some(filter_state.clone()),
        case_id: Some(filter_case.clone()),
    };
    let cursor = query.get("cursor").map(String::as_str);
    let (entries, counts) = match crate::app::tasks::queue(&state, account, &department, &filter, cursor, 0).await {
        Ok(found) => found,
        Err(error) => return super::list_error(&page, &error),
    };
    let next = entries
        .next
        .as_deref()
        .map(|c| super::next_page_link("/workbench", &[("state", &filter_state), ("case_id", &filter_case)], c));
    let tasks: Vec<_> = entries
        .items
        .iter()
        .map(|entry| {
            let (code, label) = urgency(&state, &entry.state, entry.promised_limit_days, entry.deadline);
            let state_label = match entry.state.as_str() {
                "dispatched" => "待受理",
                "accepted" => "办理中",
                "supplement_requested" => "待申请人补正",
                other => other,
            };
            context! {
                case_id => entry.case_id.to_string(),
                item => entry.item,
                name => entry.name,
                one_thing_name => entry.one_thing_name,
                deadline => entry.deadline.map(|d| d.to_string()),
                urgency => code,
                urgency_label => label,
                state_label => state_label,
            }
        })
        .collect();
    page.render(
        "workbench.html",
        "工作台",
        context! {
            department_name => state.catalog.department_name(&department), tasks => tasks, open => counts.open,
            overdue => counts.overdue, due_soon => counts.due_soon,
            leads => state.catalog.one_things.values().any(|o| o.lead == department),
            filter_state => filter_state, filter_case => filter_case, next => next, paged => cursor.is_some(),
            filtered => !filter_state.is_empty() || !filter_case.is_empty(),
        },
    )
}

/// Loads a case and one of the staff member's own department's tasks in it; any
/// other task or case is "not found", even by a typed URL.
async fn own_task(
    state: &AppState,
    page: &Page,
    id: &str,
    item: &str,
) -> Result<(Case, i64, ItemCode, String), Response> {
    if page.user.is_none() {
        return Err(page.login_redirect());
    }
    let Some(department) = staff_department(page) else {
        return Err(page.message(StatusCode::FORBIDDEN, "仅限部门工作人员", "申请人请前往“我的办件”。"));
    };
    let Some(account) = page.user.as_ref() else {
        return Err(page.login_redirect());
    };
    match crate::app::access::department_task(state, account, id, item).await {
        Ok((versioned, item)) => Ok((versioned.case, versioned.version, item, department)),
        Err(error) if error.status.is_server_error() => Err(page.message(error.status, "系统繁忙", "请稍后再试。")),
        Err(_) => Err(page.not_found()),
    }
}

/// The changes (变更) among `fields`: each 变更后 value the applicant gave, with the
/// registered (变更前) value it replaces, shown by the one masking rule.
fn change_rows(state: &AppState, page: &Page, case: &Case, fields: &[String]) -> Vec<minijinja::Value> {
    let role = page.user.as_ref().map_or(Role::Staff, |u| u.role);
    let shown = |element: &str, value: &str| crate::app::masking::shown_value(&state.catalog, role, element, value).0;
    fields
        .iter()
        .filter_map(|element| {
            let definition = state.catalog.elements.get(element)?;
            let registered = definition.changes.as_deref()?;
            let new = case.form.get(element)?;
            let old = case.form.get(registered).map(|v| v.value.as_str()).unwrap_or_default();
            let name = state
                .catalog
                .elements
                .get(registered)
                .map_or(registered, |e| e.name.as_str());
            Some(context! {
                name => name,
                before => if old.is_empty() { "（未填写）".to_owned() } else { shown(registered, old) },
                after => shown(element, &new.value),
            })
        })
        .collect()
}

async fn render_task(
    state: &AppState,
    page: &Page,
    case: &Case,
    item: &ItemCode,
    issues: &[FieldIssue],
    submitted: Option<&BTreeMap<String, String>>,
) -> Response {
    let Some(task) = case.task(item) else {
        return page.not_found();
    };
    let Some(catalog_item) = state.catalog.items.get(item) else {
        return page.not_found();
    };
    let fields: Vec<_> = catalog_item
        .fields
        .iter()
        .filter_map(|element| {
            let definition = state.catalog.elements.get(element)?;
            let (value, source) = match case.form.get(element) {
                Some(v) => {
                    let source = match &v.provenance {
                        Provenance::Typed => None,
                        Provenance::Supplemented => Some("申请人补正".to_owned()),
                        Provenance::Shared { source, department } => {
                            // The applicant's own account has no department behind it.
                            let department = state
                                .catalog
                                .departments
                                .get(department)
                                .map(|d| format!("（{}）", d.name))
                                .unwrap_or_default();
                            Some(format!(
                                "共享数据：{}{department}，经申请人授权",
                                crate::sharing::source_name(state, source)
                            ))
                        }
                        Provenance::ProducedBy { item } => Some(format!(
                            "由“{}”办结生成",
                            state
                                .catalog
                                .items
                                .get(item)
                                .map(|i| i.name.as_str())
                                .unwrap_or(item.as_str())
                        )),
                    };
                    (v.value.clone(), source)
                }
                // A field the applicant's answers left out (变更后 of what does not
                // change) is not part of this case at all.
                None if !crate::app::tasks::produced_in_case(state, case, element) => return None,
                None => ("（尚未产生）".to_owned(), None),
            };
            Some(context! { name => definition.name, value => value, source => source })
        })
        .collect();
    // The item's own 变更后 fields, and those of any registered value it holds.
    let held: std::collections::BTreeSet<&str> = catalog_item.fields.iter().map(String::as_str).collect();
    let mut changing: Vec<String> = catalog_item.fields.clone();
    for element in crate::app::case::changes_of(state, case, &held) {
        if !changing.iter().any(|f| f == element) {
            changing.push(element.to_owned());
        }
    }
    let changes = change_rows(state, page, case, &changing);
    let materials: Vec<String> = catalog_item
        .materials
        .iter()
        .filter(|m| case.materials.contains(m))
        .filter_map(|m| state.catalog.materials.get(m).map(|m| m.name.clone()))
        .collect();
    let errors_by_field: BTreeMap<&str, &str> = issues.iter().map(|i| (i.field.as_str(), i.message.as_str())).collect();
    let outputs: Vec<_> = catalog_item
        .outputs
        .elements
        .iter()
        .filter_map(|element| {
            let definition = state.catalog.elements.get(element)?;
            Some(context! {
                element => element,
                anchor => element.replace('.', "-"),
                name => definition.name,
                value => submitted.and_then(|s| s.get(element)).cloned().unwrap_or_default(),
                error => errors_by_field.get(element.as_str()).map(|m| (*m).to_owned()),
            })
        })
        .collect();
    let errors: Vec<_> = issues
        .iter()
        .map(|i| {
            let anchor = catalog_item
                .outputs
                .elements
                .contains(&i.field)
                .then(|| i.field.replace('.', "-"));
            context! { anchor => anchor, message => i.message }
        })
        .collect();
    let (urgency_code, urgency_label) = match cases::task_status(
        &state.calendar(),
        task,
        cases::china_date(state.now()),
        state.due_soon_percent,
    ) {
        Ok(status) => (status.as_str(), status.label_zh()),
        Err(_) => ("normal", "期限待核"),
    };
    let waiting: Vec<String> = task
        .after
        .iter()
        .filter_map(|code| case.task(code))
        .filter(|dep| dep.state != cases::TaskState::Approved)
        .map(|dep| dep.name.clone())
        .collect();
    // E-certificates: those this item takes as materials (produced earlier in the
    // case, or held by the applicant: no upload needed), and those it issued.
    let mut certificates = Vec::new();
    let mut certificate_ids = Vec::new();
    let wanted: Vec<&str> = catalog_item
        .materials
        .iter()
        .filter_map(|m| state.catalog.materials.get(m))
        .filter_map(|m| match &m.kind {
            catalog::MaterialKind::Certificate { certificate } => Some(certificate.as_str()),
            _ => None,
        })
        .collect();
    let candidates = crate::app::certificates::of_case_and_applicant(state, case)
        .await
        .unwrap_or_default();
    for stored in candidates {
        let issued_here = stored.item.as_deref() == Some(task.item.as_str());
        if !issued_here && !wanted.contains(&stored.type_code.as_str()) {
            continue;
        }
        let verdict = match crate::certify::verify_bytes(state, stored.file.as_bytes()).await {
            Ok(checked) => match checked.result {
                Ok(_) => "验证通过".to_owned(),
                Err(error) => format!("验证未通过：{error}"),
            },
            Err(_) => "暂时无法验证".to_owned(),
        };
        let may_revoke = issued_here
            && stored.revoked_on.is_none()
            && page.user.as_ref().and_then(|u| u.department.as_deref()) == Some(stored.issuer_code.as_str());
        certificate_ids.push(format!("certificate:{}", stored.id));
        certificates.push(context! {
            id => stored.id,
            name => state.catalog.certificates.get(&stored.type_code).map_or(stored.type_code.as_str(), |k| k.name.as_str()),
            number => stored.number,
            issuer => state.catalog.department_name(&stored.issuer_code),
            issue_date => stored.issue_date.to_string(),
            verdict => verdict,
            revoked => stored.revoked_on.map(|d| d.to_string()),
            issued_here => issued_here,
            may_revoke => may_revoke,
        });
    }
    let task_view = context! {
        item => task.item.to_string(),
        name => task.name,
        state => task.state.as_str(),
        state_label => task.state.label_zh(),
        deadline => task.deadline.map(|d| d.to_string()),
        urgency => urgency_code,
        urgency_label => urgency_label,
        waiting_names => waiting,
    };
    if let Some(account) = &page.user
        && let Err(error) = crate::app::tasks::record_read(state, account, case, task, &certificate_ids).await
    {
        return page.message(error.status, "系统繁忙", &error.message);
    }
    let status = if issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let question = submitted.and_then(|s| s.get("question.check")).map(|check| {
        context! {
            check => check,
            answer => submitted.and_then(|s| s.get("question.answer")),
            error => submitted.and_then(|s| s.get("question.error")),
        }
    });
    // The declared checks, each with its answer if asked for this case.
    let asked = crate::sharing::asked_checks(state, case).await.unwrap_or_default();
    let checks: Vec<_> = catalog_item
        .checks
        .iter()
        .map(|check| {
            let answered = asked
                .iter()
                .find(|a| a.item == task.item.as_str() && a.check == check.id);
            context! {
                id => check.id, name => check.name, legal_basis => check.legal_basis,
                answer => answered.map(|a| if a.answer { "是" } else { "否" }),
                asked_at => answered.map(|a| super::local_time(a.asked_at)),
            }
        })
        .collect();
    let consented = case.consent.is_some();
    let reasons = submitted.and_then(|s| s.get("reasons")).cloned().unwrap_or_default();
    let reason = submitted.and_then(|s| s.get("reason")).cloned().unwrap_or_default();
    let files = super::files::file_views(state, case.id.as_str(), Some(&catalog_item.materials)).await;
    // What a supplement may ask to be handed in again: the item's materials the
    // applicant handed in a file for (not a certificate the case itself issued).
    let uploaded = crate::app::files::of_case(state, case.id.as_str())
        .await
        .unwrap_or_default();
    let refilable: Vec<_> = catalog_item
        .materials
        .iter()
        .filter(|id| uploaded.iter().any(|u| &u.material == *id))
        .filter_map(|id| state.catalog.materials.get(id))
        .map(|m| context! { id => m.id, name => m.name })
        .collect();
    let mut response = page.render(
        "task.html",
        &task.name,
        context! {
            case => context! { id => case.id.to_string(), one_thing_name => case.one_thing_name },
            task => task_view, fields => fields, changes => changes, materials => materials, outputs => outputs,
            errors => errors, reasons => reasons, reason => reason, files => files,
            certificates => certificates, question => question, consented => consented,
            checks => checks, refilable => refilable,
        },
    );
    *response.status_mut() = status;
    response
}

pub async fn task_page(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/cases/{id}/tasks/{item}")).await;
    match own_task(&state, &page, &id, &item).await {
        Ok((case, _, item, _)) => render_task(&state, &page, &case, &item, &[], None).await,
        Err(response) => response,
    }
}

/// 可用不可见: a yes/no question about the applicant, from the task page.
pub async fn task_question(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, item)): Path<(String, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/cases/{id}/tasks/{item}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let (case, _, code, _) = match own_task(&state, &page, &id, &item).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let check = form.get("check").map(|e| e.trim().to_owned()).unwrap_or_default();
    let mut shown = BTreeMap::new();
    shown.insert("question.check".to_owned(), check.clone());
    match crate::sharing::answer_check(&state, &account, &id, &item, &check).await {
        Ok(answer) => {
            shown.insert(
                "question.answer".to_owned(),
                format!("{}：{}", answer.question, if answer.answer { "是" } else { "否" }),
            );
        }
        Err(error) => {
            shown.insert("question.error".to_owned(), error.message);
        }
    }
    render_task(&state, &page, &case, &code, &[], Some(&shown)).await
}

pub async fn task_action(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, item, action)): Path<(String, String, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/workbench/cases/{id}/tasks/{item}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let (case, _, code, _) = match own_task(&state, &page, &id, &item).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let action_value = match action.as_str() {
        "accept" => Action::Accept,
        "request-supplement" => Action::RequestSupplement {
            reasons: form
                .get("reasons")
                .map(|r| {
                    r.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            // Checked boxes `material.<id>`: the scans to hand in again.
            materials: form
                .iter()
                .filter(|(_, value)| value.as_str() == "yes")
                .filter_map(|(key, _)| key.strip_prefix("material."))
                .map(str::to_owned)
                .collect(),
        },
        "approve" => {
            let declared = state
                .catalog
                .items
                .get(&code)
                .map(|i| i.outputs.elements.clone())
                .unwrap_or_default();
            Action::Approve {
                outputs: declared
                    .iter()
                    .filter_map(|e| {
                        form.get(e)
                            .filter(|v| !v.trim().is_empty())
                            .map(|v| (e.clone(), v.clone()))
                    })
                    .collect(),
            }
        }
        "reject" => Action::Reject {
            reason: form.get("reason").cloned().unwrap_or_default(),
        },
        _ => return page.not_found(),
    };
    let Some(account) = page.user.as_ref() else {
        return page.login_redirect();
    };
    match crate::app::tasks::act(&state, account, &id, &item, action_value).await {
        Ok(_) => Redirect::to(&format!("/workbench/cases/{id}/tasks/{item}")).into_response(),
        Err(AppError::Invalid(issues)) => render_task(&state, &page, &case, &code, &issues, Some(&form)).await,
        Err(AppError::Refused(error)) if error.status.is_server_error() => {
            page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", &error.message)
        }
        Err(AppError::Refused(error)) if error.code == "E_CONCURRENT_UPDATE" => {
            page.message(StatusCode::CONFLICT, "请重试", "办件正在被同时处理，请稍后重试。")
        }
        Err(AppError::Refused(error)) => {
            let issue = FieldIssue {
                field: String::new(),
                code: error.code.into(),
                message: error.message,
            };
            render_task(&state, &page, &case, &code, &[issue], Some(&form)).await
        }
    }
}
