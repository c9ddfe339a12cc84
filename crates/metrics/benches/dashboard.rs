//! The dashboard over 3,000 cases driven through the real case engine (the same
//! seeded history as `tests/dashboard.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use metrics::{Input, compute, to_csv};

fn bench(c: &mut Criterion) {
    let generated = common::generate(20260715, 3000);
    let input = Input {
        catalog: &generated.catalog,
        calendar: &generated.calendar,
        today: generated.today,
        due_soon_percent: cases::deadline::DEFAULT_DUE_SOON_PERCENT,
        cases: &generated.cases,
        ratings: &generated.ratings,
        rectifications: &generated.rectifications,
    };
    c.bench_function("dashboard/compute_3000_cases", |b| b.iter(|| compute(&input)));
    let dashboard = compute(&input);
    c.bench_function("dashboard/to_csv_departments", |b| {
        b.iter(|| to_csv(&dashboard.by_department))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
