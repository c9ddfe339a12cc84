//! The dashboard read from totals equals the one computed over the cases, whatever
//! the history, the day it is read and the share that counts as "due soon".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use common::{Generated, generate};
use metrics::counts::{CaseCounter, Counts, DEPARTMENT, Feedback, ONE_THING, Totals, apply, from_counts, ratings};
use metrics::{Input, compute};

/// The rectifications with their cases' one-things, and the ratings' totals, as the
/// store keeps them: those of cases not stored are left out.
fn feedback(generated: &Generated) -> (Feedback, Counts) {
    let one_thing: BTreeMap<_, _> = generated
        .cases
        .iter()
        .map(|c| (c.id.clone(), c.one_thing.clone()))
        .collect();
    let mut counts = Counts::new();
    for rating in &generated.ratings {
        let Some(case_one_thing) = one_thing.get(&rating.case_id) else {
            continue;
        };
        let level = i64::from(rating.level);
        let rated = match &rating.department {
            None => ratings(ONE_THING, case_one_thing, level, 1),
            Some(code) => ratings(DEPARTMENT, code, level, 1),
        };
        apply(&mut counts, &rated, 1);
    }
    let feedback = Feedback {
        rectifications: generated
            .rectifications
            .iter()
            .filter_map(|r| Some((one_thing.get(&r.case_id)?.clone(), r.clone())))
            .collect(),
    };
    (feedback, counts)
}

fn totals(counter: &CaseCounter, cases: &[cases::Case]) -> Counts {
    let mut counts = Counts::new();
    for case in cases {
        apply(&mut counts, &counter.counts(case), 1);
    }
    counts
}

fn assert_agree(generated: &Generated, days_later: i64, due_soon_percent: u32) {
    let counter = CaseCounter::new(Arc::new(generated.calendar.clone()));
    let (feedback, mut counts) = feedback(generated);
    apply(&mut counts, &totals(&counter, &generated.cases), 1);
    let today = generated.today + Duration::days(days_later);
    let expected = compute(&Input {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today,
        due_soon_percent,
        cases: &generated.cases,
        ratings: &generated.ratings,
        rectifications: &generated.rectifications,
    });
    let read = from_counts(&Totals {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today,
        due_soon_percent,
        counts: &counts,
        feedback: &feedback,
    })
    .unwrap();
    assert_eq!(read, expected);
}

#[test]
fn the_totals_of_a_long_history_give_the_computed_dashboard() {
    let generated = generate(20260715, 1500);
    assert_agree(&generated, 0, 40);
    // Later days turn running tasks due soon, then overdue, without a write.
    assert_agree(&generated, 9, 40);
    assert_agree(&generated, 40, 25);
}

#[test]
fn taking_a_case_out_leaves_the_totals_of_the_others() {
    let generated = generate(7, 300);
    let counter = CaseCounter::new(Arc::new(generated.calendar.clone()));
    let mut counts = totals(&counter, &generated.cases);
    for case in &generated.cases[200..] {
        apply(&mut counts, &counter.counts(case), -1);
    }
    assert_eq!(counts, totals(&counter, &generated.cases[..200]));
    for case in &generated.cases[..200] {
        apply(&mut counts, &counter.counts(case), -1);
    }
    assert!(counts.is_empty(), "{counts:?}");
}

#[test]
fn no_cases_give_the_empty_dashboard_and_the_basis_names_the_calendar() {
    let generated = generate(3, 10);
    let counter = CaseCounter::new(Arc::new(generated.calendar.clone()));
    let read = from_counts(&Totals {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today: generated.today,
        due_soon_percent: 40,
        counts: &Counts::new(),
        feedback: &Feedback::default(),
    })
    .unwrap();
    let expected = compute(&Input {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today: generated.today,
        due_soon_percent: 40,
        cases: &[],
        ratings: &[],
        rectifications: &[],
    });
    assert_eq!(read, expected);
    assert!(counter.basis().contains("2026年官方安排"), "{}", counter.basis());
    let official_only = CaseCounter::new(Arc::new(calendar::Calendar::official_only().unwrap()));
    assert_ne!(official_only.basis(), counter.basis());
}

#[test]
fn a_total_that_does_not_parse_is_an_error_not_a_figure() {
    let generated = generate(3, 10);
    let mut counts = Counts::new();
    counts.insert(("one_thing".into(), "newborn".into(), "done".into(), "x/5/1".into()), 1);
    let read = from_counts(&Totals {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today: generated.today,
        due_soon_percent: 40,
        counts: &counts,
        feedback: &Feedback::default(),
    });
    assert!(read.is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 8, ..Default::default() })]

    #[test]
    fn any_history_and_day_agree(seed in proptest::prelude::any::<u64>(), days_later in 0i64..60, percent in 0u32..=100) {
        let generated = generate(seed, 200);
        assert_agree(&generated, days_later, percent);
    }
}
