//! What a year's notice costs: building the calendar with its provisional years
//! (every start and every node refresh), installing a notice, and recounting one
//! open case's dates (done for every open case with a provisional date, in the
//! import's transaction).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use catalog::Holdings;
use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    c.bench_function("calendar/official_with_10_provisional_years", |b| {
        b.iter(|| calendar::Calendar::official().unwrap())
    });
    let old = calendar::Calendar::official().unwrap();
    c.bench_function("calendar/with_notice_2027", |b| {
        b.iter(|| old.with_notice("2027.toml", testkit::NOTICE_2027).unwrap())
    });
    let new = old.with_notice("2027.toml", testkit::NOTICE_2027).unwrap();

    // A newborn case submitted on 2027-02-04, across the provisional 春节.
    let catalog = testkit::catalog();
    let submitted = Utc.with_ymd_and_hms(2027, 2, 4, 2, 0, 0).unwrap();
    let plan = catalog::compute_plan(
        &catalog,
        catalog.one_thing("newborn").unwrap(),
        &testkit::newborn_all_yes(),
        &Holdings::default(),
        cases::china_date(submitted),
        &old,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    let case = cases::Case::create(
        &catalog,
        &old,
        &plan,
        cases::CaseId::parse("YJS20270204000001").unwrap(),
        "applicant",
        &form,
        submitted,
    )
    .unwrap()
    .case;
    let now = Utc.with_ymd_and_hms(2027, 2, 5, 2, 0, 0).unwrap();
    assert!(case.reschedule(&old, &new, now).unwrap().is_some());
    c.bench_function("case/reschedule_newborn_across_spring_festival", |b| {
        b.iter(|| case.reschedule(&old, &new, now).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
