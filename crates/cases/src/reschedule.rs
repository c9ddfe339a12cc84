//! Recomputing a case's dates when the holiday calendar changes.
//!
//! A deadline or promised date that fell in a provisional year was counted on the
//! regulation's statutory days alone. When the year's official notice is loaded,
//! the same number of working days is counted again under the new calendar from
//! the same start (the dispatch day of a task, the submission day of the case). A
//! date in a year that was official before does not move.

use calendar::Calendar;
use chrono::{DateTime, NaiveDate, Utc};
use ids::ItemCode;
use serde::Serialize;

use crate::engine::china_date;
use crate::model::{Case, CaseError, Event, Transition};

/// One date that moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DateChange {
    /// The task whose deadline moved; `None` for the case's promised date.
    pub item: Option<ItemCode>,
    /// The task's name, or the one-thing's name for the promised date.
    pub name: String,
    /// The department of the task; `None` for the promised date.
    pub department: Option<String>,
    pub old: NaiveDate,
    pub new: NaiveDate,
}

/// A case after a calendar change, the events that record it and what moved.
#[derive(Clone, Debug)]
pub struct Rescheduled {
    pub case: Case,
    pub events: Vec<Event>,
    pub changes: Vec<DateChange>,
}

impl Case {
    /// Recounts every provisional date of this case still running (the deadline of
    /// a task not finished, the promised date of a case not finished) under `new`,
    /// the calendar that replaces `old`. `None` when no date moves: a provisional
    /// date that the notice confirms needs no change, and once `new` is in force
    /// it is no longer shown as provisional.
    pub fn reschedule(
        &self,
        old: &Calendar,
        new: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<Option<Rescheduled>, CaseError> {
        let calendar_error = |e: calendar::CalendarError| CaseError::Calendar(e.to_string());
        let mut case = self.clone();
        let mut changes = Vec::new();
        let mut events = Vec::new();
        for task in case.tasks.iter_mut().filter(|t| !t.state.is_terminal()) {
            let (Some(start), Some(deadline)) = (task.dispatched_on, task.deadline) else {
                continue;
            };
            if !old.is_provisional(deadline) {
                continue;
            }
            let moved = new.recount(old, start, deadline).map_err(calendar_error)?;
            if moved == deadline {
                continue;
            }
            task.deadline = Some(moved);
            task.updated_at = now;
            events.push(Event {
                case_id: self.id.clone(),
                at: now,
                actor: "system".to_owned(),
                transition: Transition::Reschedule,
                item: Some(task.item.clone()),
                department: Some(task.department.clone()),
                from: Some(task.state),
                to: Some(task.state),
                note: format!(
                    "节假日安排公布，办理期限由预计 {deadline} 调整为 {moved}（依据{}）",
                    new.version_of(moved)
                ),
            });
            changes.push(DateChange {
                item: Some(task.item.clone()),
                name: task.name.clone(),
                department: Some(task.department.clone()),
                old: deadline,
                new: moved,
            });
        }
        let open = case.tasks.iter().any(|t| !t.state.is_terminal());
        if open && old.is_provisional(case.promised_date) {
            let submitted = china_date(case.submitted_at);
            let promised = case.promised_date;
            let moved = new.recount(old, submitted, promised).map_err(calendar_error)?;
            if moved != promised {
                case.promised_date = moved;
                events.push(Event {
                    case_id: self.id.clone(),
                    at: now,
                    actor: "system".to_owned(),
                    transition: Transition::Reschedule,
                    item: None,
                    department: None,
                    from: None,
                    to: None,
                    note: format!(
                        "节假日安排公布，承诺办结日期由预计 {promised} 调整为 {moved}（依据{}）",
                        new.version_of(moved)
                    ),
                });
                changes.push(DateChange {
                    item: None,
                    name: case.one_thing_name.clone(),
                    department: None,
                    old: promised,
                    new: moved,
                });
            }
        }
        if changes.is_empty() {
            return Ok(None);
        }
        case.updated_at = now;
        Ok(Some(Rescheduled { case, events, changes }))
    }
}
