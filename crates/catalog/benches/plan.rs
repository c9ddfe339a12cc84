//! Plan computation (一次告知) for the newborn one-thing: the hot path of the
//! portal's notice page and of every case submission.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use catalog::{Catalog, Holdings, compute_plan};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let files = testkit::catalog_files();
    let catalog = Catalog::load(&files).unwrap();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let answers = testkit::newborn_all_yes();
    let holdings = Holdings {
        certificates: ["resident_id_card".to_owned()].into(),
        elements: ["mother.name".to_owned()].into(),
        consent: catalog::SharedConsent::Given,
    };
    let start = chrono::NaiveDate::from_ymd_opt(2026, 2, 12).unwrap();
    c.bench_function("plan/newborn_8_items", |b| {
        b.iter(|| compute_plan(&catalog, newborn, &answers, &holdings, start, &calendar).unwrap())
    });
    c.bench_function("catalog/load_and_check_bundled", |b| {
        b.iter(|| Catalog::load(&files).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
