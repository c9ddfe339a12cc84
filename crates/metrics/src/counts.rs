//! The dashboard from totals kept as cases are written, instead of a pass over every
//! case on every view.
//!
//! A case contributes [`Counts`] to its one-thing and to each department it has a
//! task of ([`CaseCounter::counts`]): its state, whether a task in scope asked for a
//! supplement, its approved tasks by days used, limit and timeliness, its running
//! tasks by deadline and limit, its materials. Only what follows from the case and
//! the calendar is counted; whether a running task is overdue or due soon depends on
//! today and is decided when the dashboard is read ([`from_counts`]), from the
//! running tasks' deadlines. The store adds a case's counts after a write and
//! subtracts those before it, in the write's transaction, so the totals are always
//! the sum over the stored cases; [`from_counts`] over that sum equals
//! [`crate::compute`] over the cases.
//!
//! A rating adds to the totals when it is written ([`ratings`]).
//!
//! Working days depend on the calendar in force, which changes when a year's notice
//! is imported: totals are only valid for the calendar they were counted with, named
//! by [`CaseCounter::basis`]. Counts hold no personal data: one-thing ids,
//! department codes, states, dates, numbers of days.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use calendar::Calendar;
use cases::Case;
use chrono::NaiveDate;

use crate::compute::{Accumulator, Running, STATES, TaskFacts, assemble, state_index, task_facts};
use crate::{Dashboard, RectificationRecord};

/// A total's key: (scope, scope key, measure, bucket). Scope is [`ONE_THING`] or
/// [`DEPARTMENT`]; the key the one-thing id or department code.
pub type CountKey = (String, String, String, String);

/// Totals by key; a case's contribution, or the sum over many cases.
pub type Counts = BTreeMap<CountKey, i64>;

/// The scope of the cases of one one-thing, with all their tasks.
pub const ONE_THING: &str = "one_thing";
/// The scope of the cases with a task of one department, with only its tasks.
pub const DEPARTMENT: &str = "department";

/// Cases by state (bucket: `cases::CaseState::as_str`).
const CASES: &str = "cases";
/// Cases with a supplement asked by a task in scope.
const SUPPLEMENTED: &str = "supplemented";
/// Approved tasks (bucket: `days used/limit/on time`, days used `-` when not countable).
const DONE: &str = "done";
/// Running tasks (bucket: `deadline/limit/dispatched`, deadline `-` when none).
const RUNNING: &str = "running";
/// Materials handed in (one-things only).
const MATERIALS: &str = "materials";
/// Cases by the one-thing name they carry (bucket: the name; one-things only).
const NAMES: &str = "names";
/// 好差评 ratings by level (bucket: 1 to 5): of the whole case for its one-thing, of
/// a department for that department.
const RATINGS: &str = "ratings";

/// The version of what is counted: counts made under another definition are stale.
const COUNTING: &str = "counts-1";

/// Counts cases under one calendar.
pub struct CaseCounter {
    calendar: Arc<Calendar>,
    basis: String,
}

impl CaseCounter {
    pub fn new(calendar: Arc<Calendar>) -> Self {
        let basis = basis(&calendar);
        Self { calendar, basis }
    }

    /// What the counts depend on besides the cases: the definition counted and the
    /// calendar's years with where each comes from (official notice or provisional).
    /// Totals made under another basis must be counted again.
    pub fn basis(&self) -> &str {
        &self.basis
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// What `case` contributes to the totals.
    pub fn counts(&self, case: &Case) -> Counts {
        let mut counts = Counts::new();
        let facts: Vec<TaskFacts> = case.tasks.iter().map(|task| task_facts(&self.calendar, task)).collect();
        let state = case.state().as_str();
        let one_thing = case.one_thing.as_str();
        add_case(&mut counts, ONE_THING, one_thing, state, facts.iter());
        add(
            &mut counts,
            ONE_THING,
            one_thing,
            MATERIALS,
            String::new(),
            case.materials.len() as i64,
        );
        add(&mut counts, ONE_THING, one_thing, NAMES, case.one_thing_name.clone(), 1);
        let codes: BTreeSet<&str> = case.tasks.iter().map(|t| t.department.as_str()).collect();
        for code in codes {
            let tasks = case
                .tasks
                .iter()
                .zip(&facts)
                .filter(|(task, _)| task.department == code)
                .map(|(_, facts)| facts);
            add_case(&mut counts, DEPARTMENT, code, state, tasks);
        }
        counts
    }
}

fn basis(calendar: &Calendar) -> String {
    let years: Vec<String> = calendar
        .years()
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, 1, 1))
        .map(|first| calendar.version_of(first))
        .collect();
    format!("{COUNTING}; {}", years.join("; "))
}

fn add(counts: &mut Counts, scope: &str, key: &str, measure: &str, bucket: String, n: i64) {
    if n != 0 {
        *counts
            .entry((scope.to_owned(), key.to_owned(), measure.to_owned(), bucket))
            .or_default() += n;
    }
}

fn add_case<'f>(counts: &mut Counts, scope: &str, key: &str, state: &str, tasks: impl Iterator<Item = &'f TaskFacts>) {
    add(counts, scope, key, CASES, state.to_owned(), 1);
    let mut supplement = false;
    for facts in tasks {
        supplement |= facts.had_supplement;
        if let Some(running) = facts.running {
            let deadline = running.deadline.map_or_else(|| "-".to_owned(), |d| d.to_string());
            let bucket = format!("{deadline}/{}/{}", running.limit, u8::from(running.dispatched));
            add(counts, scope, key, RUNNING, bucket, 1);
        }
        if let Some((used, limit, on_time)) = facts.done {
            let used = used.map_or_else(|| "-".to_owned(), |d| d.to_string());
            add(
                counts,
                scope,
                key,
                DONE,
                format!("{used}/{limit}/{}", u8::from(on_time)),
                1,
            );
        }
    }
    if supplement {
        add(counts, scope, key, SUPPLEMENTED, String::new(), 1);
    }
}

/// What `n` ratings at `level` add: `scope` [`ONE_THING`] with the rated case's
/// one-thing for a rating of the whole case, [`DEPARTMENT`] with the department
/// rated for a department's rating. Written with the rating.
pub fn ratings(scope: &str, key: &str, level: i64, n: i64) -> Counts {
    let mut counts = Counts::new();
    add(&mut counts, scope, key, RATINGS, level.to_string(), n);
    counts
}

/// Adds `other` times `sign` to `counts`, dropping totals that reach zero: after
/// `apply(&mut d, &new, 1); apply(&mut d, &old, -1)`, `d` is what a write changes.
pub fn apply(counts: &mut Counts, other: &Counts, sign: i64) {
    for (key, n) in other {
        let total = counts.entry(key.clone()).or_default();
        *total += n * sign;
        if *total == 0 {
            counts.remove(key);
        }
    }
}

/// Rectifications as the dashboard reads them, each with its case's one-thing: there
/// is one per bad rating, far fewer than cases, and whether an open one is late
/// depends on today.
#[derive(Clone, Debug, Default)]
pub struct Feedback {
    /// (one-thing of the case, rectification) for every rectification.
    pub rectifications: Vec<(String, RectificationRecord)>,
}

/// What the dashboard is read from.
pub struct Totals<'a> {
    pub catalog: &'a catalog::Catalog,
    pub calendar: &'a Calendar,
    /// Today's date in China (UTC+8).
    pub today: NaiveDate,
    pub due_soon_percent: u32,
    /// The sum of [`CaseCounter::counts`] over every stored case.
    pub counts: &'a Counts,
    pub feedback: &'a Feedback,
}

/// A total that does not parse (a row written by hand, or by another version).
#[derive(Debug, thiserror::Error)]
#[error("dashboard total {scope}/{key}/{measure}/{bucket} cannot be read")]
pub struct BadCount {
    pub scope: String,
    pub key: String,
    pub measure: String,
    pub bucket: String,
}

/// The dashboard from totals: the same as [`crate::compute`] over the cases they
/// were counted from, with the same ratings and rectifications.
pub fn from_counts(totals: &Totals<'_>) -> Result<Dashboard, BadCount> {
    let mut one_things: BTreeMap<String, Accumulator> = BTreeMap::new();
    let mut departments: BTreeMap<String, Accumulator> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for ((scope, key, measure, bucket), n) in totals.counts {
        let bad = || BadCount {
            scope: scope.clone(),
            key: key.clone(),
            measure: measure.clone(),
            bucket: bucket.clone(),
        };
        let n = u64::try_from(*n).map_err(|_| bad())?;
        if n == 0 {
            continue;
        }
        let accumulator = match scope.as_str() {
            ONE_THING => one_things.entry(key.clone()).or_default(),
            DEPARTMENT => departments.entry(key.clone()).or_default(),
            _ => return Err(bad()),
        };
        match measure.as_str() {
            CASES => {
                let state = STATES.iter().find(|s| s.as_str() == bucket).ok_or_else(bad)?;
                accumulator.cases_by_state[state_index(*state)] += n;
            }
            SUPPLEMENTED => accumulator.cases_with_supplement += n,
            RATINGS => accumulator.add_rating(bucket.parse().map_err(|_| bad())?, n),
            MATERIALS => accumulator.materials += n,
            NAMES => {
                names
                    .entry(key.clone())
                    .and_modify(|name| {
                        if bucket < name {
                            name.clone_from(bucket);
                        }
                    })
                    .or_insert_with(|| bucket.clone());
            }
            DONE => {
                let (used, limit, on_time) = parse_done(bucket).ok_or_else(bad)?;
                accumulator.add_done(used, limit, on_time, n);
            }
            RUNNING => {
                let running = parse_running(bucket).ok_or_else(bad)?;
                let (overdue, due_soon) = running.status(totals.calendar, totals.today, totals.due_soon_percent);
                if overdue {
                    accumulator.overdue_now += n;
                }
                if due_soon {
                    accumulator.due_soon_now += n;
                }
            }
            _ => return Err(bad()),
        }
    }
    for (one_thing, record) in &totals.feedback.rectifications {
        one_things
            .entry(one_thing.clone())
            .or_default()
            .add_rectification(record, totals.today);
        departments
            .entry(record.department.clone())
            .or_default()
            .add_rectification(record, totals.today);
    }
    // Every case, rating and rectification counted overall is counted in exactly
    // one one-thing, with all its tasks.
    let mut overall = Accumulator::default();
    for accumulator in one_things.values() {
        overall.merge(accumulator);
    }
    Ok(assemble(
        totals.catalog,
        totals.calendar,
        totals.today,
        overall,
        one_things,
        &names,
        departments,
    ))
}

fn parse_done(bucket: &str) -> Option<(Option<u32>, u32, bool)> {
    let mut parts = bucket.split('/');
    let used = match parts.next()? {
        "-" => None,
        days => Some(days.parse().ok()?),
    };
    let limit = parts.next()?.parse().ok()?;
    let on_time = parts.next()? == "1";
    parts.next().is_none().then_some((used, limit, on_time))
}

fn parse_running(bucket: &str) -> Option<Running> {
    let mut parts = bucket.split('/');
    let deadline = match parts.next()? {
        "-" => None,
        date => Some(date.parse().ok()?),
    };
    let limit = parts.next()?.parse().ok()?;
    let dispatched = parts.next()? == "1";
    parts.next().is_none().then_some(Running {
        deadline,
        limit,
        dispatched,
    })
}
