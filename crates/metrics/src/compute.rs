//! One pass over the cases: per-task facts are derived once, then added to the
//! accumulators of every scope the task belongs to.

use std::collections::{BTreeMap, BTreeSet};

use cases::{Case, CaseState, DeadlineStatus, Task, TaskState, china_date, task_status};

use crate::designed::designed;
use crate::stats::{nearest_rank, share};
use crate::{Achieved, Dashboard, Figures, Input, Rectifications};

/// Every case state, in the order the dashboard lists them.
const STATES: [CaseState; 4] = [
    CaseState::InProgress,
    CaseState::AwaitingSupplement,
    CaseState::Completed,
    CaseState::Rejected,
];

fn state_index(state: CaseState) -> usize {
    match state {
        CaseState::InProgress => 0,
        CaseState::AwaitingSupplement => 1,
        CaseState::Completed => 2,
        CaseState::Rejected => 3,
    }
}

/// What one task contributes to the figures.
struct TaskFacts {
    /// Approved: (days used if countable, promised limit, on time).
    done: Option<(Option<u32>, u32, bool)>,
    had_supplement: bool,
    overdue: bool,
    due_soon: bool,
}

fn task_facts(input: &Input<'_>, task: &Task) -> TaskFacts {
    let calendar = input.calendar;
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
    let running = matches!(task.state, TaskState::Dispatched | TaskState::Accepted);
    let overdue = running && task.deadline.is_some_and(|deadline| deadline < input.today);
    let due_soon =
        running && task_status(calendar, task, input.today, input.due_soon_percent) == Ok(DeadlineStatus::DueSoon);
    TaskFacts {
        done,
        had_supplement,
        overdue,
        due_soon,
    }
}

/// Running totals of one scope.
#[derive(Default)]
struct Accumulator {
    cases_by_state: [u64; 4],
    tasks_done: u64,
    tasks_on_time: u64,
    tasks_not_timed: u64,
    days_used: Vec<u32>,
    limits: Vec<u32>,
    overdue_now: u64,
    due_soon_now: u64,
    cases_with_supplement: u64,
    satisfaction: [u64; 5],
    rectifications: Rectifications,
    materials: u64,
}

impl Accumulator {
    /// Adds a case and those of its tasks that are in scope.
    fn add_case<'f>(&mut self, state: CaseState, tasks: impl Iterator<Item = &'f TaskFacts>) {
        self.cases_by_state[state_index(state)] += 1;
        let mut supplement = false;
        for facts in tasks {
            supplement |= facts.had_supplement;
            self.overdue_now += u64::from(facts.overdue);
            self.due_soon_now += u64::from(facts.due_soon);
            if let Some((used, limit, on_time)) = facts.done {
                self.tasks_done += 1;
                self.tasks_on_time += u64::from(on_time);
                self.limits.push(limit);
                match used {
                    Some(days) => self.days_used.push(days),
                    None => self.tasks_not_timed += 1,
                }
            }
        }
        self.cases_with_supplement += u64::from(supplement);
    }

    fn add_rating(&mut self, level: u8) {
        if let Some(slot) = usize::from(level)
            .checked_sub(1)
            .and_then(|i| self.satisfaction.get_mut(i))
        {
            *slot += 1;
        }
    }

    fn add_rectification(&mut self, record: &crate::RectificationRecord, today: chrono::NaiveDate) {
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

    fn finish(mut self) -> Figures {
        self.days_used.sort_unstable();
        self.limits.sort_unstable();
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
            median_days_used: nearest_rank(&self.days_used, 50),
            p90_days_used: nearest_rank(&self.days_used, 90),
            median_limit_days: nearest_rank(&self.limits, 50),
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
    let catalog = input.catalog;
    let mut overall = Accumulator::default();
    let mut one_things: BTreeMap<&str, Accumulator> = BTreeMap::new();
    let mut one_thing_names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut departments: BTreeMap<&str, Accumulator> = BTreeMap::new();
    for one_thing in catalog.one_things.values() {
        one_things.insert(one_thing.id.as_str(), Accumulator::default());
        one_thing_names.insert(one_thing.id.as_str(), one_thing.name.as_str());
    }
    for code in catalog.departments.keys() {
        departments.insert(code.as_str(), Accumulator::default());
    }

    let mut case_one_thing: BTreeMap<&cases::CaseId, &str> = BTreeMap::new();
    let mut facts: Vec<TaskFacts> = Vec::new();
    for case in input.cases {
        case_one_thing.insert(&case.id, case.one_thing.as_str());
        one_thing_names
            .entry(case.one_thing.as_str())
            .or_insert(case.one_thing_name.as_str());
        facts.clear();
        facts.extend(case.tasks.iter().map(|task| task_facts(input, task)));
        let state = case.state();
        overall.add_case(state, facts.iter());
        let accumulator = one_things.entry(case.one_thing.as_str()).or_default();
        accumulator.add_case(state, facts.iter());
        accumulator.materials += case.materials.len() as u64;
        add_to_departments(&mut departments, case, state, &facts);
    }

    for rating in input.ratings {
        let Some(one_thing) = case_one_thing.get(&rating.case_id) else {
            continue;
        };
        match &rating.department {
            None => {
                overall.add_rating(rating.level);
                one_things.entry(one_thing).or_default().add_rating(rating.level);
            }
            Some(department) => departments
                .entry(department.as_str())
                .or_default()
                .add_rating(rating.level),
        }
    }
    for record in input.rectifications {
        let Some(one_thing) = case_one_thing.get(&record.case_id) else {
            continue;
        };
        overall.add_rectification(record, input.today);
        one_things
            .entry(one_thing)
            .or_default()
            .add_rectification(record, input.today);
        departments
            .entry(record.department.as_str())
            .or_default()
            .add_rectification(record, input.today);
    }

    let by_one_thing = one_things
        .into_iter()
        .map(|(id, accumulator)| {
            let materials = accumulator.materials;
            let mut figures = accumulator.finish();
            let known = catalog.one_thing(id);
            figures.designed = known.and_then(|one_thing| designed(catalog, input.calendar, one_thing, input.today));
            if figures.cases > 0 {
                figures.achieved = Some(Achieved {
                    cases: figures.cases,
                    materials_per_case: materials as f64 / figures.cases as f64,
                });
            }
            let name = one_thing_names.get(id).copied().unwrap_or(id);
            (id.to_owned(), name.to_owned(), figures)
        })
        .collect();
    let by_department = departments
        .into_iter()
        .map(|(code, accumulator)| {
            (
                code.to_owned(),
                catalog.department_name(code).to_owned(),
                accumulator.finish(),
            )
        })
        .collect();
    Dashboard {
        today: input.today,
        overall: overall.finish(),
        by_one_thing,
        by_department,
    }
}

/// Adds a case to every department it has a task of, with only that department's tasks.
fn add_to_departments<'a>(
    departments: &mut BTreeMap<&'a str, Accumulator>,
    case: &'a Case,
    state: CaseState,
    facts: &[TaskFacts],
) {
    let codes: BTreeSet<&str> = case.tasks.iter().map(|t| t.department.as_str()).collect();
    for code in codes {
        let tasks = case
            .tasks
            .iter()
            .zip(facts)
            .filter(|(task, _)| task.department == code)
            .map(|(_, facts)| facts);
        departments.entry(code).or_default().add_case(state, tasks);
    }
}
