//! The supervision dashboard (效能监督): figures over cases for the whole service,
//! per one-thing (一件事) and per department (部门).
//!
//! [`compute`] is a pure function of its [`Input`]: the catalog, the official
//! calendar, the date of "today" in China, the cases, and the 好差评 ratings and 整改
//! (rectification) records kept by the edge. It does no IO and reads no clock.
//!
//! # Scopes
//!
//! * **overall** — every case and every task;
//! * **one-thing** — the cases of that one-thing and all their tasks;
//! * **department** — the cases having at least one task of that department, and
//!   only that department's tasks of them.
//!
//! Every per-task figure (timing, overdue, due soon, supplements) counts the tasks
//! in scope; every per-case figure counts the cases in scope. Ratings and
//! rectifications whose case is not among the input cases are ignored, so a
//! dashboard over a selection of cases only shows figures for those cases.
//!
//! # Definitions
//!
//! * **Done date** of an approved task: `cases::china_date(task.updated_at)`
//!   (nothing changes a task after its approval).
//! * **Days used** by an approved task: working days from `dispatched_on` to its
//!   done date, minus the working days it spent with the applicant for supplements,
//!   clamped at 0. Answering a supplement moves the deadline by exactly the working
//!   days it took, so that pause is
//!   `working_days_between(dispatched_on, deadline) − promised_limit_days`.
//! * **On time**: approved on or before its (possibly moved) deadline.
//! * **Percentiles** ([`stats::nearest_rank`]): nearest rank — the smallest observed
//!   value such that at least p % of the observations are less than or equal to it.
//!   The median is the nearest-rank 50th percentile, i.e. the lower middle value for
//!   an even count, so it is always a whole number of working days that occurred.
//! * **Had a supplement** (补正): a task counts its supplement requests
//!   (`Task::supplements`), answered or not, including one answered on the working
//!   day it was asked for. Documents written before the count fall back on what a
//!   supplement leaves: a task is currently `supplement_requested`, or its deadline
//!   lies more working days after its dispatch than its limit.
//! * **Overdue now**: running tasks (dispatched or accepted) whose deadline is
//!   before today. Tasks waiting for a supplement have their clock paused and are
//!   never overdue (see `cases::deadline`).
//! * **Due soon now**: running tasks that [`cases::task_status`] calls due soon with
//!   the given `due_soon_percent`.
//!
//! Dates outside the calendar's years cannot be counted in working days: such an
//! approved task still counts in `tasks_done` and the on-time rate, but its days
//! used are left out (`tasks_not_timed`).
//!
//! # At scale
//!
//! [`compute`] reads every case. [`counts`] gives the same dashboard from totals the
//! store keeps as cases are written; [`compute`] stays the reference it is tested
//! against.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod compute;
pub mod counts;
mod csv;
mod designed;
pub mod stats;

use std::collections::BTreeMap;

use cases::CaseId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use compute::compute;
pub use csv::{COLUMNS, to_csv};

/// Everything the dashboard is computed from.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub catalog: &'a catalog::Catalog,
    pub calendar: &'a calendar::Calendar,
    /// Today's date in China (UTC+8).
    pub today: NaiveDate,
    /// The last share of a task's time that counts as "due soon", in percent
    /// (`cases::deadline::DEFAULT_DUE_SOON_PERCENT` by default).
    pub due_soon_percent: u32,
    pub cases: &'a [cases::Case],
    pub ratings: &'a [RatingRecord],
    pub rectifications: &'a [RectificationRecord],
}

/// One 好差评 rating of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub case_id: CaseId,
    /// The department rated; `None` for a rating of the whole case.
    pub department: Option<String>,
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. Other values are ignored.
    pub level: u8,
}

/// The Chinese labels of rating levels 1 to 5 (index 0 is level 1), in the order of
/// [`Figures::satisfaction`].
pub const SATISFACTION_LABELS: [&str; 5] = ["非常不满意", "不满意", "基本满意", "满意", "非常满意"];

/// One 整改 (rectification) ordered after a bad rating or a complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationRecord {
    pub case_id: CaseId,
    /// The department that must rectify.
    pub department: String,
    pub opened_on: NaiveDate,
    pub deadline: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// The dashboard: one row of figures for everything, per one-thing and per department.
/// Serialized, each row is a JSON array `[id, name, {figures}]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dashboard {
    /// The date the figures are computed for (the input's `today`).
    pub today: NaiveDate,
    pub overall: Figures,
    /// (one-thing id, name, figures), ascending by id: every one-thing of the catalog
    /// (also those without cases), then one-things only found in cases (named as in
    /// their cases; the first name in text order if they differ).
    pub by_one_thing: Vec<(String, String, Figures)>,
    /// (department code, name, figures), ascending by code: every department of the
    /// catalog, plus codes only found in tasks, ratings or rectifications (named by
    /// their code).
    pub by_department: Vec<(String, String, Figures)>,
}

/// The figures of one scope (see the crate documentation for the definitions).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// Cases in scope.
    pub cases: u64,
    /// Cases in scope by `cases::CaseState::as_str`; all four states are always
    /// present: `in_progress`, `awaiting_supplement`, `completed`, `rejected`.
    pub cases_by_state: BTreeMap<String, u64>,
    /// Approved tasks in scope.
    pub tasks_done: u64,
    /// Approved tasks in scope approved on or before their deadline.
    pub tasks_on_time: u64,
    /// Approved tasks whose days used could not be counted (dates outside the
    /// calendar); they are left out of the day statistics. Normally 0.
    pub tasks_not_timed: u64,
    /// Nearest-rank median of the working days used by approved tasks.
    pub median_days_used: Option<u32>,
    /// Nearest-rank 90th percentile of the working days used by approved tasks.
    pub p90_days_used: Option<u32>,
    /// Nearest-rank median of the promised limits of approved tasks.
    pub median_limit_days: Option<u32>,
    /// `tasks_on_time / tasks_done`, in 0..=1; `None` when nothing was approved.
    pub on_time_rate: Option<f64>,
    /// Running tasks whose deadline is before today.
    pub overdue_now: u64,
    /// Running tasks in the last `due_soon_percent` of their time.
    pub due_soon_now: u64,
    /// Cases in scope with at least one supplement asked by a task in scope.
    pub cases_with_supplement: u64,
    /// `cases_with_supplement / cases`, in 0..=1; `None` without cases.
    pub supplement_rate: Option<f64>,
    /// Ratings by level: index 0 is level 1 (非常不满意) … index 4 is level 5
    /// (非常满意); see [`SATISFACTION_LABELS`]. Overall and per one-thing: ratings
    /// of the whole case; per department: ratings of that department.
    pub satisfaction: [u64; 5],
    pub rectifications: Rectifications,
    /// The 四减 figures the one-thing was designed for. One-thing rows only.
    pub designed: Option<Designed>,
    /// What its cases actually needed. One-thing rows with cases only.
    pub achieved: Option<Achieved>,
}

/// 整改 counts. Overall: every rectification of a known case; per one-thing: by the
/// case's one-thing; per department: by the department that must rectify.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rectifications {
    /// Not closed yet.
    pub open: u64,
    /// Not closed yet and past their deadline (today > deadline).
    pub late: u64,
    pub closed: u64,
    /// Closed after their deadline.
    pub closed_late: u64,
}

/// The 四减 figures of a one-thing as designed: the plan of the situation in which
/// the most member items apply (ties go to the first combination, taking questions
/// and options in catalog order), for an applicant holding nothing, starting today.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Designed {
    /// The answers of that situation.
    pub answers: BTreeMap<String, String>,
    /// Member items that apply in it.
    pub items: u32,
    pub savings: catalog::plan::Savings,
}

/// What the cases of a one-thing actually needed, on average per case.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Achieved {
    pub cases: u64,
    /// Materials the applicant had to hand in (`case.materials`), per case. Their own
    /// situations apply, so this may be below the designed figure.
    pub materials_per_case: f64,
    // On-site visits are not recorded yet (window acceptance, 窗口代办, collection in
    // person): there is no achieved figure for them until they are, rather than the
    // designed one shown as if it were measured.
}
