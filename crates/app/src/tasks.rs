//! A department's work on its task (受理、补正告知、办结、不予办理), and the commit
//! of any engine outcome: the case, its events (ledger entries), the notices it
//! causes and the certificates an approval issues, in one transaction.

use cases::{Action, Case, CaseError, Outcome};
use domain::Account;
use ids::ItemCode;
use store::{StoreError, Updated};

use super::AppError;
use super::access;
use crate::AppState;
use crate::error::ApiError;

/// How often a change is tried again on the fresh case after another request or
/// node wrote first. The engine refuses a transition that is no longer legal, so
/// nothing is applied twice.
const RETRIES: usize = 16;

/// Applies `action` to the task of `item` in case `case_id` as `caller`. Callers
/// who may not see the case are told it does not exist; the engine decides whether
/// the caller's department owns the task and whether the transition is legal.
pub async fn act(
    state: &AppState,
    caller: &Account,
    case_id: &str,
    item: &str,
    action: Action,
) -> Result<Case, AppError> {
    let item = ItemCode::parse(item).map_err(|_| task_not_found(item))?;
    let actor = access::actor_of(caller);
    for _ in 0..RETRIES {
        let versioned = access::visible_case(state, caller, case_id).await?;
        let outcome = versioned.case.act(
            &state.catalog,
            &state.calendar(),
            &actor,
            &item,
            action.clone(),
            state.now(),
        )?;
        match commit(state, &outcome, versioned.version).await? {
            Updated::Written(_) => {
                for event in &outcome.events {
                    tracing::info!(case = %event.case_id, transition = event.transition.as_str(), item = ?event.item.as_ref().map(ItemCode::as_str), actor = %event.actor, "transition");
                }
                return Ok(outcome.case);
            }
            Updated::Conflict => tokio::task::yield_now().await,
        }
    }
    Err(ApiError::concurrent_update().into())
}

fn task_not_found(item: &str) -> ApiError {
    let shown: String = item.chars().take(64).collect();
    ApiError::new("E_TASK_NOT_FOUND", format!("本办件没有事项“{shown}”"))
}

impl From<CaseError> for AppError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Form(issues) => Self::Invalid(issues),
            other => Self::Refused(other.into()),
        }
    }
}

/// Saves an engine outcome at the version it was read, with the messages it causes
/// in the same transaction, then hands them to the channel. A task approved in this
/// change whose item outputs a certificate type issues that certificate (signed by
/// its department) in the same transaction.
pub async fn commit(state: &AppState, outcome: &Outcome, version: i64) -> Result<Updated, StoreError> {
    let mut notices = crate::watch::notices_for(&state.catalog, &outcome.case, &outcome.events, state.now());
    let approves = outcome
        .events
        .iter()
        .any(|e| e.transition == cases::Transition::Approve);
    let (certificates, issued) = if approves {
        let holder = crate::certify::holder_of(state, &outcome.case).await?;
        crate::certify::issued_by(state, &outcome.case, &outcome.events, holder.as_ref()).await?
    } else {
        (Vec::new(), Vec::new())
    };
    notices.extend(issued);
    let updated = state
        .store
        .update_case_with_certificates(&outcome.case, version, &outcome.events, &notices, &certificates)
        .await?;
    if matches!(updated, Updated::Written(_)) {
        crate::watch::deliver(state, &notices);
        // 免申即享 on the event: a case that just completed may make its child
        // eligible (育儿补贴) this minute. The approval is stored already; a failure
        // here is logged, not the approver's problem.
        if approves
            && outcome.case.state() == cases::CaseState::Completed
            && let Err(error) = crate::benefits::on_case_completed(state, &outcome.case).await
        {
            tracing::error!(case = %outcome.case.id, error = %error.message, "benefit evaluation on completion failed");
        }
    }
    Ok(updated)
}

/// What a department's queue is narrowed to: one state, one case number.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub state: Option<String>,
    pub case_id: Option<String>,
}

/// How a department's queue stands: its open tasks, those past their deadline,
/// and those due soon (within their share of the limit, [`AppState::due_soon_percent`]).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct QueueCounts {
    pub open: i64,
    pub overdue: i64,
    pub due_soon: i64,
}

/// One page of the open tasks of department `code` (待办), soonest deadline first,
/// with the counts of the whole queue, for its staff or an admin; the reading is
/// recorded.
pub async fn queue(
    state: &AppState,
    caller: &Account,
    code: &str,
    filter: &QueueFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(crate::Page<store::QueueEntry>, QueueCounts), ApiError> {
    let allowed = caller.role == domain::Role::Admin || access::department_of(caller) == Some(code);
    if !allowed {
        return Err(ApiError::forbidden("只能查看本部门的待办"));
    }
    if !state.catalog.departments.contains_key(code) {
        return Err(ApiError::new("E_DEPARTMENT_NOT_FOUND", "没有这个部门"));
    }
    let after = cursor.map(crate::page::queue_cursor).transpose()?;
    let task_state = match filter.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s @ ("dispatched" | "accepted" | "supplement_requested")) => Some(s.to_owned()),
        Some(_) => {
            return Err(ApiError::new(
                "E_QUERY_INVALID",
                "办理状态只能是 dispatched、accepted 或 supplement_requested",
            )
            .field("state"));
        }
        None => None,
    };
    let case_id = crate::page::case_number(filter.case_id.as_deref())?;
    let limit = crate::page::limit(limit);
    let query = store::QueueQuery {
        department: code.to_owned(),
        state: task_state,
        case_id,
        after,
        limit: limit + 1,
    };
    let tasks = state.store.queue_page(&query).await?;
    let counts = counts(state, code).await?;
    crate::audit(
        state,
        caller,
        "read_queue",
        None,
        String::new(),
        access::purpose(caller),
    )
    .await?;
    let page = crate::Page::of(tasks, limit, |t| {
        crate::page::queue_cursor_of(t.deadline, t.case_id.as_str(), &t.item)
    });
    Ok((page, counts))
}

/// The counts of a department's whole queue. Due soon is decided per task with the
/// calendar (its share of its own limit), over the tasks due in the next 31 days:
/// no task's share of its limit reaches further.
async fn counts(state: &AppState, code: &str) -> Result<QueueCounts, ApiError> {
    let today = cases::china_date(state.now());
    let (open, overdue) = state.store.queue_counts(code, today).await?;
    let calendar = state.calendar();
    let due = state
        .store
        .queue_due_between(code, today, today + chrono::Duration::days(31))
        .await?;
    let due_soon = due
        .iter()
        .filter(|(deadline, limit, _)| {
            matches!(
                cases::deadline::status_of(&calendar, *limit, *deadline, today, state.due_soon_percent),
                Ok(cases::DeadlineStatus::DueSoon)
            )
        })
        .map(|(_, _, n)| n)
        .sum();
    Ok(QueueCounts {
        open,
        overdue,
        due_soon,
    })
}

/// Whether an item of `case` produces `element` (it may not be produced yet).
pub fn produced_in_case(state: &AppState, case: &Case, element: &str) -> bool {
    case.tasks
        .iter()
        .filter_map(|t| state.catalog.items.get(&t.item))
        .any(|item| item.outputs.elements.iter().any(|e| e == element))
}

/// Records that staff `caller` were shown the task of `item` in `case`: the
/// fields its item uses and the certificates shown beside them.
pub async fn record_read(
    state: &AppState,
    caller: &Account,
    case: &Case,
    task: &cases::Task,
    certificates: &[String],
) -> Result<(), ApiError> {
    let fields = state
        .catalog
        .items
        .get(&task.item)
        .map(|item| item.fields.clone())
        .unwrap_or_default();
    // Only what the page could show: fields the case has (the applicant's answers
    // may have left some out) and outputs of its tasks.
    let held: std::collections::BTreeSet<&str> = fields.iter().map(String::as_str).collect();
    let changed: Vec<String> = crate::case::changes_of(state, case, &held)
        .into_iter()
        .filter(|element| !held.contains(element))
        .map(str::to_owned)
        .collect();
    let elements: Vec<String> = fields
        .iter()
        .filter(|element| case.form.contains_key(*element) || produced_in_case(state, case, element))
        .cloned()
        .chain(changed)
        .chain(certificates.iter().cloned())
        .collect();
    crate::audit(
        state,
        caller,
        "read_task",
        Some(case.id.as_str()),
        elements.join(","),
        &format!("办理“{}”", task.name),
    )
    .await?;
    Ok(())
}
