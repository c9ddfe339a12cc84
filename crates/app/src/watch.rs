//! Notifications and the deadline watch.
//!
//! Messages caused by a case change are stored in the change's own transaction
//! (`app::tasks::commit`); deadline alerts are claimed one by one by [`watch_deadlines`], so
//! with several nodes on one PostgreSQL each is raised exactly once, and a restart
//! in the middle loses none (the next run raises what is left). Every stored message
//! is then handed to the configured [`Channel`].

use std::sync::Arc;

use cases::{Case, CaseState, DeadlineStatus, Event, Transition};
use chrono::{DateTime, Duration, Utc};
use domain::NewNotification;
use store::StoreError;

use crate::AppState;

/// Where messages go besides the inbox: SMS, e-mail or a provincial message platform
/// plug in here. The inbox itself is the store.
pub trait Channel: Send + Sync {
    fn deliver(&self, notice: &NewNotification);
}

/// The default channel: the inbox (already written) and the log.
pub struct LogChannel;

impl Channel for LogChannel {
    fn deliver(&self, notice: &NewNotification) {
        tracing::info!(recipient = %notice.recipient, kind = %notice.kind, case = ?notice.case_id, title = %notice.title, "notification");
    }
}

pub fn default_channel() -> Arc<dyn Channel> {
    Arc::new(LogChannel)
}

fn notice(
    recipient: String,
    kind: &str,
    case: &Case,
    item: Option<&str>,
    title: String,
    body: String,
    now: DateTime<Utc>,
) -> NewNotification {
    NewNotification {
        recipient,
        kind: kind.to_owned(),
        case_id: Some(case.id.to_string()),
        item: item.map(str::to_owned),
        title,
        body,
        created_at: now,
    }
}

/// What the approved tasks produced, named: "新生儿公民身份号码 110105…".
fn produced<'a>(catalog: &catalog::Catalog, tasks: impl Iterator<Item = &'a cases::Task>) -> Vec<String> {
    tasks
        .flat_map(|task| task.outputs.iter())
        .map(|(element, value)| {
            let name = catalog
                .elements
                .get(element)
                .map_or(element.as_str(), |e| e.name.as_str());
            format!("{name} {value}")
        })
        .collect()
}

/// The messages a change to `case` causes: new work for departments, supplement
/// requests and refusals for the applicant, and for the applicant one message per
/// change that finished parts of the case (what was done, what it produced, what
/// is left) or, when the change finished the case, one message that it is done.
pub fn notices_for(
    catalog: &catalog::Catalog,
    case: &Case,
    events: &[Event],
    now: DateTime<Utc>,
) -> Vec<NewNotification> {
    let mut notices = Vec::new();
    for event in events {
        let item = event.item.as_ref().map(ids::ItemCode::as_str);
        let task = event.item.as_ref().and_then(|code| case.task(code));
        let task_name = task.map(|t| t.name.as_str()).unwrap_or_default();
        match event.transition {
            Transition::Dispatch => {
                if let Some(task) = task {
                    notices.push(notice(
                        format!("dept:{}", task.department),
                        "task_dispatched",
                        case,
                        item,
                        format!("新的待办：{task_name}"),
                        format!(
                            "办件 {}（{}）的“{task_name}”已分送本部门，期限 {}。",
                            case.id,
                            case.one_thing_name,
                            task.deadline.map(|d| d.to_string()).unwrap_or_default()
                        ),
                        now,
                    ));
                }
            }
            Transition::RequestSupplement => notices.push(notice(
                case.applicant.clone(),
                "supplement_requested",
                case,
                item,
                format!("需要您补正：{task_name}"),
                task.map(|t| t.supplement_reasons.join("；")).unwrap_or_default(),
                now,
            )),
            Transition::AnswerSupplement => {
                if let Some(task) = task {
                    notices.push(notice(
                        format!("dept:{}", task.department),
                        "supplement_answered",
                        case,
                        item,
                        format!("申请人已补正：{task_name}"),
                        format!("办件 {} 的补正已提交，计时恢复。", case.id),
                        now,
                    ));
                }
            }
            // Said once for the whole change, below.
            Transition::Approve => {}
            Transition::Reject => notices.push(notice(
                case.applicant.clone(),
                "task_rejected",
                case,
                item,
                format!("不予办理：{task_name}"),
                event.note.clone(),
                now,
            )),
            // A prefilled value the applicant corrected goes back to the department
            // that holds the data, so it can check its records (数据纠错).
            Transition::Submit => {
                for correction in &case.corrections {
                    notices.push(notice(
                        format!("dept:{}", correction.department),
                        "data_correction",
                        case,
                        None,
                        format!("共享数据更正：{}", correction.element),
                        format!(
                            "申请人在办件 {} 中更正了从本部门共享的数据“{}”：共享数据为“{}”，申请人填写为“{}”。请核实本部门数据。",
                            case.id, correction.element, correction.fetched, correction.corrected
                        ),
                        now,
                    ));
                }
            }
            // A reschedule's messages are written by the calendar import.
            Transition::Accept | Transition::Cancel | Transition::Reschedule => {}
        }
    }
    let finished = matches!(case.state(), CaseState::Completed | CaseState::Rejected);
    let approved: Vec<&cases::Task> = events
        .iter()
        .filter(|e| e.transition == Transition::Approve)
        .filter_map(|e| e.item.as_ref().and_then(|code| case.task(code)))
        .collect();
    let just_finished = !approved.is_empty() || events.iter().any(|e| e.transition == Transition::Reject);
    if finished && just_finished {
        let results = produced(catalog, case.tasks.iter());
        let results = if results.is_empty() {
            String::new()
        } else {
            format!("办理结果：{}。", results.join("；"))
        };
        notices.push(notice(
            case.applicant.clone(),
            "case_complete",
            case,
            None,
            format!("办件已办结：{}", case.one_thing_name),
            format!(
                "办件 {} 已全部办结（{}）。{results}请在办件页查看，并对本次办理作出评价。",
                case.id,
                case.state().label_zh()
            ),
            now,
        ));
    } else if !approved.is_empty() {
        let names: Vec<&str> = approved.iter().map(|t| t.name.as_str()).collect();
        let results = produced(catalog, approved.iter().copied());
        let results = if results.is_empty() {
            String::new()
        } else {
            format!("产生：{}。", results.join("；"))
        };
        let left = case
            .tasks
            .iter()
            .filter(|t| !matches!(t.state, cases::TaskState::Approved | cases::TaskState::Rejected))
            .count();
        let item = (approved.len() == 1).then(|| approved[0].item.as_str());
        notices.push(notice(
            case.applicant.clone(),
            "task_done",
            case,
            item,
            format!("办理进度：{}", case.one_thing_name),
            format!(
                "已办结：{}。{results}其余 {left} 项正在办理，承诺 {} 前全部办结，您无需操作。",
                names.join("、"),
                case.promised_date
            ),
            now,
        ));
    }
    notices
}

/// Hands stored messages to the channel (after their transaction committed).
pub fn deliver(state: &AppState, notices: &[NewNotification]) {
    notices.iter().for_each(|n| state.channel.deliver(n));
}

/// What one run of the deadline watch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WatchReport {
    pub examined: usize,
    pub due_soon: usize,
    pub overdue: usize,
    pub rectifications_overdue: usize,
}

/// How far ahead a deadline may be and still be due soon: longer than any limit's
/// "last 40%" in calendar days.
const HORIZON_DAYS: i64 = 180;

/// Raises the due-soon and overdue alerts that are due at `now` and not yet raised.
/// Due soon goes to the task's department; overdue also to the one-thing's lead
/// department (首问负责) and to supervisors.
pub async fn watch_deadlines(state: &AppState, now: DateTime<Utc>, limit: i64) -> Result<WatchReport, StoreError> {
    let today = cases::china_date(now);
    let horizon = today + Duration::days(HORIZON_DAYS);
    let tasks = state.store.running_tasks_due_by(horizon, limit).await?;
    let mut report = WatchReport {
        examined: tasks.len(),
        ..WatchReport::default()
    };
    for task in tasks {
        // The limit the task was given, not the span a supplement stretched.
        let status = match cases::deadline::status_of(
            &state.calendar(),
            task.promised_limit_days,
            task.deadline,
            today,
            state.due_soon_percent,
        ) {
            Ok(status) => status,
            Err(error) => {
                tracing::warn!(%error, case = %task.case_id, item = %task.item, "deadline not computable");
                continue;
            }
        };
        let (kind, mut recipients, title) = match status {
            DeadlineStatus::DueSoon => (
                "due_soon",
                vec![format!("dept:{}", task.department)],
                format!("临近期限：{}", task.name),
            ),
            DeadlineStatus::Overdue => {
                let mut recipients = vec![format!("dept:{}", task.department), "role:admin".to_owned()];
                // Only an overdue task needs its case: for the lead department.
                let lead = match cases::CaseId::parse(&task.case_id) {
                    Ok(id) => state.store.load_case(&id).await?.map(|v| v.case.lead),
                    Err(_) => None,
                };
                if let Some(lead) = lead.filter(|lead| *lead != task.department) {
                    recipients.push(format!("dept:{lead}"));
                }
                ("overdue", recipients, format!("已逾期：{}", task.name))
            }
            DeadlineStatus::Normal | DeadlineStatus::NotRunning => continue,
        };
        recipients.dedup();
        let body = format!(
            "办件 {} 的“{}”期限为 {}（{}）。",
            task.case_id,
            task.name,
            task.deadline,
            status.label_zh()
        );
        let notices: Vec<NewNotification> = recipients
            .into_iter()
            .map(|recipient| NewNotification {
                recipient,
                kind: kind.to_owned(),
                case_id: Some(task.case_id.clone()),
                item: Some(task.item.clone()),
                title: title.clone(),
                body: body.clone(),
                created_at: now,
            })
            .collect();
        if state
            .store
            .claim_alert(&task.case_id, &task.item, kind, task.deadline, &notices)
            .await?
        {
            notices.iter().for_each(|n| state.channel.deliver(n));
            match status {
                DeadlineStatus::DueSoon => report.due_soon += 1,
                _ => report.overdue += 1,
            }
        }
    }
    // A rectification left open past its deadline is overdue too.
    for rectification in state.store.open_rectifications_due_before(today).await? {
        let notices: Vec<NewNotification> = [format!("dept:{}", rectification.department), "role:admin".to_owned()]
            .into_iter()
            .map(|recipient| NewNotification {
                recipient,
                kind: "rectification_overdue".to_owned(),
                case_id: Some(rectification.case_id.clone()),
                item: None,
                title: "差评整改已逾期".to_owned(),
                body: format!(
                    "办件 {} 的差评整改期限为 {}，尚未办结。",
                    rectification.case_id, rectification.deadline
                ),
                created_at: now,
            })
            .collect();
        let key = format!("rect:{}", rectification.id);
        if state
            .store
            .claim_alert(
                &rectification.case_id,
                &key,
                "overdue",
                rectification.deadline,
                &notices,
            )
            .await?
        {
            notices.iter().for_each(|n| state.channel.deliver(n));
            report.rectifications_overdue += 1;
        }
    }
    Ok(report)
}

/// The recipients whose messages an account reads: itself, its department, its role.
pub fn recipients_of(account: &domain::Account) -> Vec<String> {
    let mut recipients = vec![account.id.clone()];
    match account.role {
        domain::Role::Staff => recipients.extend(account.department.as_ref().map(|d| format!("dept:{d}"))),
        domain::Role::Admin => recipients.push("role:admin".to_owned()),
        domain::Role::Applicant | domain::Role::Auditor | domain::Role::Service => {}
    }
    // Messages to a person found by ID number (免申即享), account or not.
    if account.role == domain::Role::Applicant
        && let Some(id_number) = &account.id_number
    {
        recipients.push(crate::benefits::person_subject(id_number));
    }
    recipients
}

/// Builds everything a rating brings. Every 不满意 / 非常不满意 opens a rectification
/// for the department responsible: the department rated so, or the lead department
/// (首问负责) when only the whole case was rated badly. Its deadline is
/// `state.rectification_days` working days.
pub fn rating_submission(
    state: &AppState,
    case: &Case,
    rating: domain::Rating,
    indicators: Vec<(String, i64)>,
    departments: Vec<domain::DepartmentRating>,
) -> Result<domain::RatingSubmission, String> {
    let now = rating.rated_at;
    let today = cases::china_date(now);
    let deadline = state
        .calendar()
        .add_working_days(today, state.rectification_days)
        .map_err(|error| format!("无法计算整改期限：{error}"))?;
    let mut responsible: Vec<(String, i64)> = departments
        .iter()
        .filter(|d| d.level <= 2)
        .map(|d| (d.department.clone(), d.level))
        .collect();
    if rating.level <= 2 && responsible.is_empty() {
        responsible.push((case.lead.clone(), rating.level));
    }
    let rectifications: Vec<domain::Rectification> = responsible
        .into_iter()
        .map(|(department, level)| domain::Rectification {
            id: format!("ZG-{}-{department}", case.id),
            case_id: case.id.to_string(),
            department,
            level,
            complaint: if rating.comment.is_empty() {
                "（未填写意见）".to_owned()
            } else {
                rating.comment.clone()
            },
            opened_at: now,
            deadline,
            follow_up: None,
            result: None,
            closed_at: None,
            closed_by: None,
        })
        .collect();
    let mut notices: Vec<NewNotification> = rectifications
        .iter()
        .map(|r| {
            notice(
                format!("dept:{}", r.department),
                "rectification_assigned",
                case,
                None,
                format!("差评整改：{}", case.one_thing_name),
                format!(
                    "办件 {} 收到差评，请在 {} 前回访申请人并反馈整改结果。",
                    case.id, r.deadline
                ),
                now,
            )
        })
        .collect();
    notices.push(notice(
        format!("dept:{}", case.lead),
        "rating_received",
        case,
        None,
        format!("收到评价：{}", case.one_thing_name),
        format!("办件 {} 的评价：{} 级。", case.id, rating.level),
        now,
    ));
    Ok(domain::RatingSubmission {
        rating,
        indicators,
        departments,
        rectifications,
        notices,
    })
}
