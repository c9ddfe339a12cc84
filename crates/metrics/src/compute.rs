//! One pass over the cases: per-task facts are derived once, then added to the
//! accumulators of every scope the task belongs to.

use std::collections::{BTreeMap, BTreeSet};

use cases::{CaseState, DeadlineStatus, Task, TaskState, china_date};

use crate::designed::designed;
use crate::stats::{nearest_rank_counted, share};
use crate::{Achieved, Dashboard, Figures, Input, Rectifications};

/// Every case state, in the order the dashboard lists them.
pub(crate) const STATES: [CaseState; 4] = [
    CaseState::InProgress,
    CaseState::AwaitingSupplement,
    CaseState::Completed,
    CaseState::Rejected,
];

pub(crate) fn state_index(state: CaseState) -> usize {
    match state {
        CaseState::InProgress => 0,
        CaseState::AwaitingSupplement => 1,
        CaseState::Completed => 2,
        CaseState::Rejected => 3,
    }
}

/// What one task contributes to the figures that do not depend on today: a function
/// of the task and the calendar alone, so that it can also be counted when the case
/// is written (`crate::counts`).
pub(crate) struct TaskFacts {
    /// Approved: (days used if countable, promised limit, on time).
    pub(crate) done: Option<(Option<u32>, u32, bool)>,
    pub(crate) had_supplement: bool,
    /// Running (dispatched or accepted): its deadline, its limit and whether it has a
    /// dispatch day. Whether it is overdue or due soon depends on today
    /// ([`Running::status`]).
    pub(crate) running: Option<Running>,
}

/// A running task as far as "overdue now" and "due soon now" are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Running {
    pub(crate) deadline: Option<chrono::NaiveDate>,
    pub(crate) limit: u32,
    pub(crate) dispatched: bool,
}

impl Running {
    /// (overdue, due soon) on `today`, as `cases::task_status` decides them.
    pub(crate) fn status(
        self,
        calendar: &calendar::Calendar,
        today: chrono::NaiveDate,
        due_soon_percent: u32,
    ) -> (bool, bool) {
        let Some(deadline) = self.deadline else {
            return (false, false);
        };
        let overdue = deadline < today;
        let due_soon = self.dispatched
            && cases::deadline::status_of(calendar, self.limit, deadline, today, due_soon_percent)
                == Ok(DeadlineStatus::DueSoon);
        (overdue, due_soon)
    }
}

pub(crate) fn task_facts(calendar: &calendar::Calendar, task: &Task) -> TaskFacts {
    let limit = task.promised_limit_days;
    // Working days the deadline was moved by answered supplements.
    let paused = match (task.dispatched_on, task.deadline) {
        (Some(dispatched), Some(deadline)) => calendar
            .working_days_between(dispatched, deadline)
            .ok()
            .map(|span| span.saturating_sub(limit)),
        _ => None,
    };
    // Counted by the engine; for documents from before the count, a deadline that
    // moved is the trace an answered supplement left.
    let had_supplement =
        task.supplements > 0 || task.state == TaskState::SupplementRequested || paused.is_some_and(|p| p > 0);
    let done = match (task.state, task.dispatched_on, task.deadline) {
        (TaskState::Approved, Some(dispatched), Some(deadline)) => {
            let done_on = china_date(task.updated_at);
            let used = match (calendar.working_days_between(dispatched, done_on), paused) {
                (Ok(elapsed), Some(paused)) => Some(elapsed.saturating_sub(paused)),
                _ => None,
            };
            Some((used, limit, done_on <= deadline))
        }
        _ => None,
    };
    let running = matches!(task.state, TaskState::Dispatched | TaskState::Accepted).then_some(Running {
        deadline: task.deadline,
        limit,
        dispatched: task.dispatched_on.is_some(),
    });
    TaskFacts {
        done,
        had_supplement,
        running,
    }
}

/// Running totals of one scope. Days are kept as histograms (days → tasks), so
/// that totals kept elsewhere (`crate::counts`) add up to the same figures.
#[derive(Clone, Default)]
pub(crate) struct Accumulator {
    pub(crate) cases_by_state: [u64; 4],
    pub(crate) tasks_done: u64,
    pub(crate) tasks_on_time: u64,
    pub(crate) tasks_not_timed: u64,
    pub(crate) days_used: BTreeMap<u32, u64>,
    pub(crate) limits: BTreeMap<u32, u64>,
    pub(crate) overdue_now: u64,
    pub(crate) due_soon_now: u64,
    pub(crate) cases_with_supplement: u64,
    pub(crate) satisfaction: [u64; 5],
    pub(crate) rectifications: Rectifications,
    pub(crate) materials: u64,
}

impl Accumulator {
    /// Adds a case and those of its tasks that are in scope, with today's status of
    /// the running ones.
    fn add_case<'f>(&mut self, input: &Input<'_>, state: CaseState, tasks: impl Iterator<Item = &'f TaskFacts>) {
        self.cases_by_state[state_index(state)] += 1;
        let mut supplement = false;
        for facts in tasks {
            supplement |= facts.had_supplement;
            if let Some(running) = facts.running {
                let (overdue, due_soon) = running.status(input.calendar, input.today, input.due_soon_percent);
                self.overdue_now += u64::from(overdue);
                self.due_soon_now += u64::from(due_soon);
            }
            if let Some((used, limit, on_time)) = facts.done {
                self.add_done(used, limit, on_time, 1);
            }
        }
        self.cases_with_supplement += u64::from(supplement);
    }

    /// Adds `n` approved tasks with the same facts.
    pub(crate) fn add_done(&mut self, used: Option<u32>, limit: u32, on_time: bool, n: u64) {
        self.tasks_done += n;
        if on_time {
            self.tasks_on_time += n;
        }
        *self.limits.entry(limit).or_default() += n;
        match used {
            Some(days) => *self.days_used.entry(days).or_default() += n,
            None => self.tasks_not_timed += n,
        }
    }

    pub(crate) fn add_rating(&mut self, level: u8, n: u64) {
        if let Some(slot) = usize::from(level)
            .checked_sub(1)
            .and_then(|i| self.satisfaction.get_mut(i))
        {
            *slot += n;
        }
    }

    pub(crate) fn add_rectification(&mut self, record: &crate::RectificationRecord, today: chrono::NaiveDate) {
        let r = &mut self.rectifications;
        match record.closed_on {
            None => {
                r.open += 1;
                r.late += u64::from(today > record.deadline);
            }
            Some(closed) => {
                r.closed += 1;
                r.closed_late += u64::from(closed > record.deadline);
            }
        }
    }

    /// Adds everything `other` counted.
    pub(crate) fn merge(&mut self, other: &Accumulator) {
        for (mine, theirs) in self.cases_by_state.iter_mut().zip(other.cases_by_state) {
            *mine += theirs;
        }
        self.tasks_done += other.tasks_done;
        self.tasks_on_time += other.tasks_on_time;
        self.tasks_not_timed += other.tasks_not_timed;
        for (days, n) in &other.days_used {
            *self.days_used.entry(*days).or_default() += n;
        }
        for (days, n) in &other.limits {
            *self.limits.entry(*days).or_default() += n;
        }
        self.overdue_now += other.overdue_now;
        self.due_soon_now += other.due_soon_now;
        self.cases_with_supplement += other.cases_with_supplement;
        for (mine, theirs) in self.satisfaction.iter_mut().zip(other.satisfaction) {
            *mine += theirs;
        }
        let (r, o) = (&mut self.rectifications, other.rectifications);
        r.open += o.open;
        r.late += o.late;
        r.closed += o.closed;
        r.closed_late += o.closed_late;
        self.materials += other.materials;
    }

    pub(crate) fn finish(self) -> Figures {
        let cases: u64 = self.cases_by_state.iter().sum();
        Figures {
            cases,
            cases_by_state: STATES
                .iter()
                .map(|state| (state.as_str().to_owned(), self.cases_by_state[state_index(*state)]))
                .collect(),
            tasks_done: self.tasks_done,
            tasks_on_time: self.tasks_on_time,
            tasks_not_timed: self.tasks_not_timed,
            median_days_used: nearest_rank_counted(&self.days_used, 50),
            p90_days_used: nearest_rank_counted(&self.days_used, 90),
            median_limit_days: nearest_rank_counted(&self.limits, 50),
            on_time_rate: share(self.tasks_on_time, self.tasks_done),
            overdue_now: self.overdue_now,
            due_soon_now: self.due_soon_now,
            cases_with_supplement: self.cases_with_supplement,
            supplement_rate: share(self.cases_with_supplement, cases),
            satisfaction: self.satisfaction,
            rectifications: self.rectifications,
            designed: None,
            achieved: None,
        }
    }
}

/// Computes the dashboard. See the crate documentation for the definitions.
pub fn compute(input: &Input<'_>) -> Dashboard {
    let mut overall = Accumulator::default();
    let mut one_things: BTreeMap<String, Accumulator> = BTreeMap::new();
    let mut case_names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut departments: BTreeMap<String, Accumulator> = BTreeMap::new();

    let mut case_one_thing: BTreeMap<&cases::CaseId, &str> = BTreeMap::new();
    let mut facts: Vec<TaskFacts> = Vec::new();
    for case in input.cases {
        case_one_thing.insert(&case.id, case.one_thing.as_str());
        case_names
            .entry(case.one_thing.as_str())
            .and_modify(|name| *name = (*name).min(case.one_thing_name.as_str()))
            .or_insert(case.one_thing_name.as_str());
        facts.clear();
        facts.extend(case.tasks.iter().map(|task| task_facts(input.calendar, task)));
        let state = case.state();
        overall.add_case(input, state, facts.iter());
        let accumulator = one_things.entry(case.one_thing.clone()).or_default();
        accumulator.add_case(input, state, facts.iter());
        accumulator.materials += case.materials.len() as u64;
        let codes: BTreeSet<&str> = case.tasks.iter().map(|t| t.department.as_str()).collect();
        for code in codes {
            let tasks = case
                .tasks
                .iter()
                .zip(&facts)
                .filter(|(task, _)| task.department == code)
                .map(|(_, facts)| facts);
            departments
                .entry(code.to_owned())
                .or_default()
                .add_case(input, state, tasks);
        }
    }

    for rating in input.ratings {
        let Some(one_thing) = case_one_thing.get(&rating.case_id) else {
            continue;
        };
        match &rating.department {
            None => {
                overall.add_rating(rating.level, 1);
                one_things
                    .entry((*one_thing).to_owned())
                    .or_default()
                    .add_rating(rating.level, 1);
            }
            Some(department) => departments
                .entry(department.clone())
                .or_default()
                .add_rating(rating.level, 1),
        }
    }
    for record in input.rectifications {
        let Some(one_thing) = case_one_thing.get(&record.case_id) else {
            continue;
        };
        overall.add_rectification(record, input.today);
        one_things
            .entry((*one_thing).to_owned())
            .or_default()
            .add_rectification(record, input.today);
        departments
            .entry(record.department.clone())
            .or_default()
            .add_rectification(record, input.today);
    }
    let names = case_names
        .into_iter()
        .map(|(id, name)| (id.to_owned(), name.to_owned()))
        .collect();
    assemble(
        input.catalog,
        input.calendar,
        input.today,
        overall,
        one_things,
        &names,
        departments,
    )
}

/// The dashboard from the accumulated scopes: every one-thing and department of the
/// catalog (also those without cases) and those only found in the data; the designed
/// and achieved figures of the one-things. `case_names` names the one-things the
/// catalog does not know.
pub(crate) fn assemble(
    catalog: &catalog::Catalog,
    calendar: &calendar::Calendar,
    today: chrono::NaiveDate,
    overall: Accumulator,
    mut one_things: BTreeMap<String, Accumulator>,
    case_names: &BTreeMap<String, String>,
    mut departments: BTreeMap<String, Accumulator>,
) -> Dashboard {
    for one_thing in catalog.one_things.values() {
        one_things.entry(one_thing.id.as_str().to_owned()).or_default();
    }
    for code in catalog.departments.keys() {
        departments.entry(code.clone()).or_default();
    }
    let by_one_thing = one_things
        .into_iter()
        .map(|(id, accumulator)| {
            let materials = accumulator.materials;
            let mut figures = accumulator.finish();
            let known = catalog.one_thing(&id);
            figures.designed = known.and_then(|one_thing| designed(catalog, calendar, one_thing, today));
            if figures.cases > 0 {
                figures.achieved = Some(Achieved {
                    cases: figures.cases,
                    materials_per_case: materials as f64 / figures.cases as f64,
                });
            }
            let name = match known {
                Some(one_thing) => one_thing.name.clone(),
                None => case_names.get(&id).cloned().unwrap_or_else(|| id.clone()),
            };
            (id, name, figures)
        })
        .collect();
    let by_department = departments
        .into_iter()
        .map(|(code, accumulator)| {
            let name = catalog.department_name(&code).to_owned();
            (code, name, accumulator.finish())
        })
        .collect();
    Dashboard {
        today,
        overall: overall.finish(),
        by_one_thing,
        by_department,
    }
}
