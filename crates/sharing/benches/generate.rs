//! Synthetic population generation: 100,000 persons, and the same written as JSON lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sharing::{Generator, write_jsonl};

const PERSONS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PERSONS as u64));
    group.bench_function("persons_100k", |b| {
        b.iter(|| Generator::new(black_box(2026)).population(PERSONS).count())
    });
    group.bench_function("persons_100k_jsonl", |b| {
        b.iter(|| {
            let mut generator = Generator::new(black_box(2026));
            write_jsonl(generator.population(PERSONS), std::io::sink()).unwrap()
        })
    });
    group.bench_function("enterprises_100k", |b| {
        b.iter(|| Generator::new(black_box(2026)).enterprises(PERSONS).count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
