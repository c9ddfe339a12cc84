//! Where a task stands against its time limit, in working days.
//!
//! "Due soon" is the last part of the time (40% by default, configurable); "overdue"
//! is past the deadline. While a supplement is with the applicant the clock is
//! paused: such a task is neither due soon nor overdue, and answering the supplement
//! moves its deadline by the working days it took (see `Case::answer_supplement`).

use calendar::Calendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Task, TaskState};

/// The default share of a task's time that counts as "due soon", in percent.
pub const DEFAULT_DUE_SOON_PERCENT: u32 = 40;

/// How a task stands against its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    Normal,
    DueSoon,
    Overdue,
    /// Not running: waiting, paused for a supplement, or finished.
    NotRunning,
}

impl DeadlineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::NotRunning => "not_running",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Normal => "正常",
            Self::DueSoon => "临近期限",
            Self::Overdue => "已逾期",
            Self::NotRunning => "计时暂停",
        }
    }
}

/// The status on `today` of a running task with `deadline` that was given
/// `given_days` working days. Due soon when the working days left are at most
/// `due_soon_percent` of those given. (Supplement time moves the deadline but is not
/// time given: pass the task's limit, not the span from dispatch to deadline.)
pub fn status_of(
    calendar: &Calendar,
    given_days: u32,
    deadline: NaiveDate,
    today: NaiveDate,
    due_soon_percent: u32,
) -> Result<DeadlineStatus, calendar::CalendarError> {
    if today > deadline {
        return Ok(DeadlineStatus::Overdue);
    }
    let given = given_days;
    let left = calendar.working_days_between(today, deadline)?;
    if u64::from(left) * 100 <= u64::from(given) * u64::from(due_soon_percent) {
        Ok(DeadlineStatus::DueSoon)
    } else {
        Ok(DeadlineStatus::Normal)
    }
}

/// The status of a task, taking its state into account.
pub fn task_status(
    calendar: &Calendar,
    task: &Task,
    today: NaiveDate,
    due_soon_percent: u32,
) -> Result<DeadlineStatus, calendar::CalendarError> {
    match (task.state, task.dispatched_on, task.deadline) {
        (TaskState::Dispatched | TaskState::Accepted, Some(_), Some(deadline)) => {
            status_of(calendar, task.promised_limit_days, deadline, today, due_soon_percent)
        }
        _ => Ok(DeadlineStatus::NotRunning),
    }
}
