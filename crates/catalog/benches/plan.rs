//! Plan computation (一次告知) for the newborn one-thing: the hot path of the
//! portal's notice page and of every case submission.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use catalog::{Answers, Catalog, Holdings, SourceFile, compute_plan};
use criterion::{Criterion, criterion_group, criterion_main};

fn bundled_files() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let mut files = Vec::new();
    for dir in ["", "items", "onethings"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                files.push(SourceFile::new(relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files
}

fn bench(c: &mut Criterion) {
    let files = bundled_files();
    let catalog = Catalog::load(&files).unwrap();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let answers: Answers = [
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]
    .iter()
    .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
    .collect();
    let holdings = Holdings {
        certificates: ["resident_id_card".to_owned()].into(),
        elements: ["mother.name".to_owned()].into(),
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
