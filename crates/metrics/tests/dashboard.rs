//! The dashboard over 3,000 cases driven through the real case engine agrees with
//! figures recomputed straight from the ground truth recorded while generating them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use catalog::{Answers, Holdings, compute_plan};
use common::{Fate, Generated, TruthCase, TruthTask, generate};
use metrics::{Achieved, Dashboard, Designed, Figures, Input, Rectifications, compute, to_csv};

const DUE_SOON_PERCENT: u32 = 40;

fn input(generated: &Generated) -> Input<'_> {
    Input {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today: generated.today,
        due_soon_percent: DUE_SOON_PERCENT,
        cases: &generated.cases,
        ratings: &generated.ratings,
        rectifications: &generated.rectifications,
    }
}

#[derive(Clone, Copy)]
enum Scope<'a> {
    Overall,
    OneThing(&'a str),
    Department(&'a str),
}

fn nearest_rank(mut values: Vec<u32>, percent: usize) -> Option<u32> {
    values.sort();
    if values.is_empty() {
        return None;
    }
    // Rank ⌈p·n/100⌉, 1-based.
    let rank = (percent * values.len()).div_ceil(100);
    Some(values[rank - 1])
}

fn truth_state(case: &TruthCase) -> &'static str {
    let fates: Vec<Fate> = case.tasks.iter().map(|t| t.fate).collect();
    if fates.contains(&Fate::Supplement) {
        "awaiting_supplement"
    } else if fates
        .iter()
        .any(|f| matches!(f, Fate::Waiting | Fate::Dispatched | Fate::Accepted))
    {
        "in_progress"
    } else if fates.iter().all(|f| *f == Fate::Approved) {
        "completed"
    } else {
        "rejected"
    }
}

fn running(task: &TruthTask) -> bool {
    matches!(task.fate, Fate::Dispatched | Fate::Accepted)
}

/// The figures of a scope, straight from the truth.
fn expected(generated: &Generated, scope: Scope<'_>) -> Figures {
    let today = generated.today;
    let task_in = |task: &TruthTask| match scope {
        Scope::Department(code) => task.department == code,
        _ => true,
    };
    let cases: Vec<&TruthCase> = generated
        .truth
        .iter()
        .filter(|case| match scope {
            Scope::Overall => true,
            Scope::OneThing(id) => case.one_thing == id,
            Scope::Department(code) => case.tasks.iter().any(|t| t.department == code),
        })
        .collect();
    let tasks: Vec<&TruthTask> = cases.iter().flat_map(|c| &c.tasks).filter(|t| task_in(t)).collect();

    let mut by_state: BTreeMap<String, u64> = ["in_progress", "awaiting_supplement", "completed", "rejected"]
        .iter()
        .map(|s| ((*s).to_owned(), 0))
        .collect();
    for case in &cases {
        *by_state.get_mut(truth_state(case)).unwrap() += 1;
    }

    let approved: Vec<&&TruthTask> = tasks.iter().filter(|t| t.fate == Fate::Approved).collect();
    let used: Vec<u32> = approved.iter().map(|t| t.days_used.unwrap()).collect();
    let limits: Vec<u32> = approved.iter().map(|t| t.limit).collect();
    let on_time = approved.iter().filter(|t| t.days_used.unwrap() <= t.limit).count() as u64;
    let overdue = tasks
        .iter()
        .filter(|t| running(t) && t.deadline.unwrap() < today)
        .count() as u64;
    let due_soon = tasks
        .iter()
        .filter(|t| running(t))
        .filter(|t| {
            let deadline = t.deadline.unwrap();
            deadline >= today
                && generated.calendar.working_days_between(today, deadline).unwrap() * 100 <= t.limit * DUE_SOON_PERCENT
        })
        .count() as u64;
    let with_supplement = cases
        .iter()
        .filter(|c| c.tasks.iter().any(|t| task_in(t) && t.supplement))
        .count() as u64;

    let known: BTreeMap<&cases::CaseId, &str> = generated.truth.iter().map(|c| (&c.id, c.one_thing.as_str())).collect();
    let mut satisfaction = [0u64; 5];
    for rating in &generated.ratings {
        let Some(one_thing) = known.get(&rating.case_id) else {
            continue;
        };
        let counts = match (scope, &rating.department) {
            (Scope::Overall, None) => true,
            (Scope::OneThing(id), None) => *one_thing == id,
            (Scope::Department(code), Some(department)) => department == code,
            _ => false,
        };
        if counts && (1..=5).contains(&rating.level) {
            satisfaction[usize::from(rating.level) - 1] += 1;
        }
    }
    let mut rectifications = Rectifications::default();
    for record in &generated.rectifications {
        let Some(one_thing) = known.get(&record.case_id) else {
            continue;
        };
        let counts = match scope {
            Scope::Overall => true,
            Scope::OneThing(id) => *one_thing == id,
            Scope::Department(code) => record.department == code,
        };
        if !counts {
            continue;
        }
        match record.closed_on {
            None => {
                rectifications.open += 1;
                if today > record.deadline {
                    rectifications.late += 1;
                }
            }
            Some(closed) => {
                rectifications.closed += 1;
                if closed > record.deadline {
                    rectifications.closed_late += 1;
                }
            }
        }
    }

    let (designed, achieved) = match scope {
        Scope::OneThing(id) => (
            expected_designed(generated, id),
            (!cases.is_empty()).then(|| Achieved {
                cases: cases.len() as u64,
                materials_per_case: cases.iter().map(|c| c.materials).sum::<usize>() as f64 / cases.len() as f64,
            }),
        ),
        _ => (None, None),
    };

    let n_cases = cases.len() as u64;
    Figures {
        cases: n_cases,
        cases_by_state: by_state,
        tasks_done: approved.len() as u64,
        tasks_on_time: on_time,
        tasks_not_timed: 0,
        median_days_used: nearest_rank(used.clone(), 50),
        p90_days_used: nearest_rank(used, 90),
        median_limit_days: nearest_rank(limits, 50),
        on_time_rate: (!approved.is_empty()).then(|| on_time as f64 / approved.len() as f64),
        overdue_now: overdue,
        due_soon_now: due_soon,
        cases_with_supplement: with_supplement,
        supplement_rate: (n_cases > 0).then(|| with_supplement as f64 / n_cases as f64),
        satisfaction,
        rectifications,
        designed,
        achieved,
    }
}

/// Brute force: the plan of every combination of answers, keeping the first with
/// the most items.
fn expected_designed(generated: &Generated, id: &str) -> Option<Designed> {
    let one_thing = generated.catalog.one_thing(id).unwrap();
    let mut combinations: Vec<Answers> = vec![Answers::new()];
    for question in &one_thing.questions {
        combinations = combinations
            .into_iter()
            .flat_map(|answers| {
                question.options.iter().map(move |option| {
                    let mut answers = answers.clone();
                    answers.insert(question.id.clone(), option.value.clone());
                    answers
                })
            })
            .collect();
    }
    let mut best: Option<catalog::Plan> = None;
    for answers in &combinations {
        let answers = &one_thing.relevant_answers(answers);
        let plan = compute_plan(
            &generated.catalog,
            one_thing,
            answers,
            &Holdings::default(),
            generated.today,
            &generated.calendar,
        )
        .unwrap();
        if best.as_ref().is_none_or(|b| plan.items.len() > b.items.len()) {
            best = Some(plan);
        }
    }
    best.map(|plan| Designed {
        answers: plan.answers.clone(),
        items: plan.items.len() as u32,
        savings: plan.savings,
    })
}

/// Engine and truth agree on every task: the simulation drove what it meant to.
fn check_simulation(generated: &Generated) {
    for (case, truth) in generated.cases.iter().zip(&generated.truth) {
        assert_eq!(case.tasks.len(), truth.tasks.len());
        assert_eq!(case.materials.len(), truth.materials);
        for (task, expected) in case.tasks.iter().zip(&truth.tasks) {
            let fate = match task.state {
                cases::TaskState::Waiting => Fate::Waiting,
                cases::TaskState::Dispatched => Fate::Dispatched,
                cases::TaskState::Accepted => Fate::Accepted,
                cases::TaskState::SupplementRequested => Fate::Supplement,
                cases::TaskState::Approved => Fate::Approved,
                cases::TaskState::Rejected => Fate::Rejected,
                cases::TaskState::Cancelled => Fate::Cancelled,
            };
            assert_eq!(fate, expected.fate, "{} {}", case.id, task.item);
            assert_eq!(task.dispatched_on, expected.dispatched, "{} {}", case.id, task.item);
            assert_eq!(task.deadline, expected.deadline, "{} {}", case.id, task.item);
        }
    }
}

fn generated() -> &'static Generated {
    static GENERATED: std::sync::OnceLock<Generated> = std::sync::OnceLock::new();
    GENERATED.get_or_init(|| {
        let started = Instant::now();
        let generated = generate(20260715, 3000);
        eprintln!("generated 3000 cases in {:?}", started.elapsed());
        generated
    })
}

fn dashboard() -> &'static Dashboard {
    static DASHBOARD: std::sync::OnceLock<Dashboard> = std::sync::OnceLock::new();
    DASHBOARD.get_or_init(|| {
        let generated = generated();
        let started = Instant::now();
        let dashboard = compute(&input(generated));
        eprintln!("computed the dashboard of 3000 cases in {:?}", started.elapsed());
        dashboard
    })
}

#[test]
fn the_simulation_drove_the_engine_as_recorded_and_covers_every_situation() {
    let generated = generated();
    check_simulation(generated);
    let tasks: Vec<&TruthTask> = generated.truth.iter().flat_map(|c| &c.tasks).collect();
    let count = |f: &dyn Fn(&TruthTask) -> bool| tasks.iter().filter(|t| f(t)).count();
    // Every situation the figures distinguish occurs, so the comparison below is not vacuous.
    assert!(count(&|t| t.fate == Fate::Approved && t.days_used.unwrap() > t.limit) > 100);
    assert!(count(&|t| t.fate == Fate::Approved && t.supplement) > 100);
    assert!(count(&|t| t.fate == Fate::Supplement) > 5);
    assert!(count(&|t| t.fate == Fate::Rejected) > 20);
    assert!(count(&|t| t.fate == Fate::Cancelled) > 5);
    assert!(count(&|t| running(t) && t.deadline.unwrap() < generated.today) > 20);
    assert!(count(&|t| running(t) && t.deadline.unwrap() >= generated.today) > 5);
    let states: Vec<&str> = generated.truth.iter().map(truth_state).collect();
    for state in ["in_progress", "awaiting_supplement", "completed", "rejected"] {
        assert!(states.contains(&state), "no case is {state}");
    }
    for one_thing in ["newborn", "retirement", "restaurant"] {
        assert!(generated.truth.iter().filter(|c| c.one_thing == one_thing).count() > 300);
    }
    let r = &generated.rectifications;
    assert!(
        r.iter()
            .filter(|r| r.closed_on.is_none() && generated.today > r.deadline)
            .count()
            > 5
    );
    assert!(r.iter().filter(|r| r.closed_on.is_some_and(|c| c > r.deadline)).count() > 5);
    assert!(
        r.iter()
            .filter(|r| r.closed_on.is_some_and(|c| c <= r.deadline))
            .count()
            > 5
    );
}

#[test]
fn overall_figures_match_the_ground_truth() {
    let generated = generated();
    let dashboard = dashboard();
    assert_eq!(dashboard.today, generated.today);
    assert_eq!(dashboard.overall, expected(generated, Scope::Overall));
    // And they are not trivial.
    let overall = &dashboard.overall;
    assert_eq!(overall.cases, 3000);
    assert!(overall.overdue_now > 0 && overall.due_soon_now > 0);
    let rate = overall.on_time_rate.unwrap();
    assert!(rate > 0.5 && rate < 1.0, "{rate}");
    assert!(overall.p90_days_used > overall.median_days_used);
    assert!(overall.satisfaction.iter().all(|n| *n > 0));
    assert!(overall.rectifications.late > 0 && overall.rectifications.closed_late > 0);
    assert!(overall.designed.is_none() && overall.achieved.is_none());
}

#[test]
fn every_one_thing_row_matches_the_ground_truth() {
    let generated = generated();
    let dashboard = dashboard();
    let ids: Vec<&str> = dashboard.by_one_thing.iter().map(|(id, _, _)| id.as_str()).collect();
    let mut catalog_ids: Vec<&str> = generated.catalog.one_things.keys().map(|id| id.as_str()).collect();
    catalog_ids.sort();
    assert_eq!(ids, catalog_ids);
    for (id, name, figures) in &dashboard.by_one_thing {
        assert_eq!(name, &generated.catalog.one_thing(id).unwrap().name);
        assert_eq!(figures, &expected(generated, Scope::OneThing(id)), "{id}");
    }
}

#[test]
fn every_department_row_matches_the_ground_truth() {
    let generated = generated();
    let dashboard = dashboard();
    let codes: Vec<&str> = dashboard.by_department.iter().map(|(c, _, _)| c.as_str()).collect();
    let catalog_codes: Vec<&str> = generated.catalog.departments.keys().map(String::as_str).collect();
    assert_eq!(codes, catalog_codes);
    for (code, name, figures) in &dashboard.by_department {
        assert_eq!(name, &generated.catalog.departments[code].name);
        assert_eq!(figures, &expected(generated, Scope::Department(code)), "{code}");
    }
    let ga = &dashboard.by_department.iter().find(|(c, _, _)| c == "GA").unwrap().2;
    assert!(ga.cases > 0 && ga.tasks_done > 0);
}

#[test]
fn the_designed_situation_is_the_fullest_one() {
    let dashboard = dashboard();
    let designed = |id: &str| {
        dashboard
            .by_one_thing
            .iter()
            .find(|(i, _, _)| i == id)
            .and_then(|(_, _, f)| f.designed.clone())
            .unwrap()
    };
    let newborn = designed("newborn");
    assert_eq!(newborn.answers, testkit::newborn_all_yes());
    assert_eq!(newborn.items, 8);
    let retirement = designed("retirement");
    assert_eq!(
        retirement.answers,
        testkit::answers(&[
            ("retire_type", "normal"),
            ("medical_insured", "yes"),
            ("has_housing_fund", "yes"),
            ("only_child", "yes"),
        ])
    );
    assert_eq!(retirement.items, 4);
    let restaurant = designed("restaurant");
    assert_eq!(
        restaurant.answers,
        testkit::answers(&[
            ("has_licence", "no"),
            ("signboard", "yes"),
            ("floor_area", "large"),
            ("sells_tobacco", "yes"),
        ])
    );
    assert_eq!(restaurant.items, 6);
    // The one-thing figure is what the designed plan promises.
    assert!(restaurant.savings.days.one_thing < restaurant.savings.days.alone);
}

#[test]
fn the_csv_has_a_header_and_one_line_per_row() {
    let dashboard = dashboard();
    let csv = to_csv(&dashboard.by_one_thing);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 1 + dashboard.by_one_thing.len());
    assert!(lines[0].starts_with("编码 (code),名称 (name),办件数 (cases),"));
    assert!(lines[0].contains("按期办结率 (on_time_rate)"));
    let header_cells = lines[0].split(',').count();
    assert_eq!(header_cells, metrics::COLUMNS.len());
    let newborn = lines.iter().find(|l| l.starts_with("newborn,")).unwrap();
    let cells: Vec<&str> = newborn.split(',').collect();
    assert_eq!(cells.len(), header_cells);
    let figures = &dashboard
        .by_one_thing
        .iter()
        .find(|(id, _, _)| id == "newborn")
        .unwrap()
        .2;
    let column = |id: &str| metrics::COLUMNS.iter().position(|(c, _)| *c == id).unwrap();
    assert_eq!(cells[column("name")], "新生儿出生一件事");
    assert_eq!(cells[column("cases")], figures.cases.to_string());
    assert_eq!(
        cells[column("cases_completed")],
        figures.cases_by_state["completed"].to_string()
    );
    assert_eq!(
        cells[column("p90_days_used")],
        figures.p90_days_used.unwrap().to_string()
    );
    assert_eq!(
        cells[column("on_time_rate")],
        format!("{:.4}", figures.on_time_rate.unwrap())
    );
    assert_eq!(cells[column("satisfaction_1")], figures.satisfaction[0].to_string());
    assert_eq!(
        cells[column("rectifications_closed_late")],
        figures.rectifications.closed_late.to_string()
    );
    let savings = figures.designed.as_ref().unwrap().savings;
    assert_eq!(
        cells[column("designed_materials_alone")],
        savings.materials.alone.to_string()
    );
    assert_eq!(cells[column("designed_days")], savings.days.one_thing.to_string());
    assert_eq!(cells[column("designed_steps")], savings.steps.one_thing.to_string());
    assert_eq!(
        cells[column("achieved_materials_per_case")],
        format!("{:.2}", figures.achieved.unwrap().materials_per_case)
    );
    // Visits are not recorded: no column claims an achieved figure for them.
    assert!(
        !lines[0].contains("achieved_visits") && !lines[0].contains("跑动次数（实际"),
        "{}",
        lines[0]
    );
    assert!(metrics::COLUMNS.iter().all(|(id, _)| *id != "achieved_visits_per_case"));
    // A department table has no designed or achieved figures: empty cells.
    let csv = to_csv(&dashboard.by_department);
    let line = csv.split_terminator("\r\n").find(|l| l.starts_with("GA,")).unwrap();
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(cells.len(), header_cells);
    assert!(
        cells[column("designed_materials_alone")..].iter().all(|c| c.is_empty()),
        "{line}"
    );
    assert!(
        cells[..column("designed_materials_alone")]
            .iter()
            .all(|c| !c.is_empty()),
        "{line}"
    );
}

#[test]
fn unknown_one_things_and_departments_get_their_own_rows_and_names_are_quoted() {
    let generated = generated();
    let mut cases = generated.cases[..50].to_vec();
    cases[0].one_thing = "pilot-thing".into();
    cases[0].one_thing_name = "试点，\"新\"一件事".into();
    cases[1].tasks[0].department = "ZZ".into();
    let ratings = vec![metrics::RatingRecord {
        case_id: cases[1].id.clone(),
        department: Some("ZZ".into()),
        level: 2,
    }];
    let dashboard = compute(&Input {
        cases: &cases,
        ratings: &ratings,
        rectifications: &[],
        ..input(generated)
    });
    let pilot = dashboard
        .by_one_thing
        .iter()
        .find(|(id, _, _)| id == "pilot-thing")
        .unwrap();
    assert_eq!(pilot.1, "试点，\"新\"一件事");
    assert_eq!(pilot.2.cases, 1);
    assert!(pilot.2.designed.is_none());
    let achieved = pilot.2.achieved.unwrap();
    assert_eq!(achieved.materials_per_case, cases[0].materials.len() as f64);
    let zz = dashboard
        .by_department
        .iter()
        .find(|(code, _, _)| code == "ZZ")
        .unwrap();
    assert_eq!(zz.1, "ZZ");
    assert_eq!(zz.2.cases, 1);
    assert_eq!(zz.2.satisfaction, [0, 1, 0, 0, 0]);
    // The name holds a comma and quotes: quoted, quotes doubled.
    let csv = to_csv(std::slice::from_ref(pilot));
    assert!(csv.contains("\r\npilot-thing,\"试点，\"\"新\"\"一件事\",1,"), "{csv}");
    // Only the 50 cases count.
    assert_eq!(dashboard.overall.cases, 50);
}

#[test]
fn an_empty_input_gives_empty_figures() {
    let generated = generated();
    let dashboard = compute(&Input {
        cases: &[],
        ratings: &generated.ratings,
        rectifications: &generated.rectifications,
        ..input(generated)
    });
    let overall = &dashboard.overall;
    assert_eq!(overall.cases, 0);
    assert_eq!(overall.cases_by_state.len(), 4);
    assert!(overall.cases_by_state.values().all(|n| *n == 0));
    assert_eq!(overall.on_time_rate, None);
    assert_eq!(overall.median_days_used, None);
    assert_eq!(overall.supplement_rate, None);
    // Ratings and rectifications of cases not in the input are ignored.
    assert_eq!(overall.satisfaction, [0; 5]);
    assert_eq!(overall.rectifications, Rectifications::default());
    for (_, _, figures) in &dashboard.by_one_thing {
        assert!(figures.designed.is_some() && figures.achieved.is_none());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 6, ..Default::default() })]

    /// Any seed: smaller histories agree with the truth row by row too.
    #[test]
    fn any_seed_agrees_with_the_ground_truth(seed in proptest::prelude::any::<u64>()) {
        let generated = generate(seed, 150);
        check_simulation(&generated);
        let dashboard = compute(&input(&generated));
        proptest::prop_assert_eq!(&dashboard.overall, &expected(&generated, Scope::Overall));
        for (id, _, figures) in &dashboard.by_one_thing {
            proptest::prop_assert_eq!(figures, &expected(&generated, Scope::OneThing(id)), "{}", id);
        }
        for (code, _, figures) in &dashboard.by_department {
            proptest::prop_assert_eq!(figures, &expected(&generated, Scope::Department(code)), "{}", code);
        }
    }
}

/// A task whose time cannot be counted (its dates fall in years the calendar has no
/// data for) is counted as done but not timed, never as zero days.
#[test]
fn tasks_without_calendar_data_are_done_but_not_timed() {
    let generated = generated();
    let empty = calendar::Calendar::new();
    let untimed = compute(&Input {
        calendar: &empty,
        ..input(generated)
    });
    let overall = &untimed.overall;
    assert!(overall.tasks_not_timed > 0);
    assert!(overall.tasks_not_timed <= overall.tasks_done);
    // With the calendar, every one of them is timed.
    assert_eq!(dashboard().overall.tasks_not_timed, 0);
}
