//! 免申即享 over a population: the bundled person policies evaluated over 100,000
//! synthetic persons held in memory, by the fast evaluator (columns, typed
//! expressions) and by the CEL interpreter one person at a time (the reference).
//! Criterion's time per iteration is for all persons × all person policies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use catalog::PolicyTarget;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use eligibility::{CompiledPolicy, Population};

const PERSONS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let catalog = testkit::catalog();
    let policies: Vec<CompiledPolicy> = catalog
        .policies
        .values()
        .filter(|p| p.target == PolicyTarget::Person)
        .map(|p| CompiledPolicy::compile(p).unwrap())
        .collect();
    let mut subjects: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for record in sharing::Generator::new(2026).population(PERSONS) {
        subjects.entry(record.subject).or_default().extend(record.attributes);
    }
    let build = || {
        let mut population = Population::for_policies(policies.iter().map(CompiledPolicy::policy));
        for (subject, values) in &subjects {
            population.push(subject.as_str(), values);
        }
        population
    };
    let population = build();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let evaluations = (subjects.len() * policies.len()) as u64;

    let mut group = c.benchmark_group("population");
    group.throughput(Throughput::Elements(evaluations));
    group.sample_size(10);
    group.bench_function("fast_evaluator", |b| {
        b.iter(|| {
            policies
                .iter()
                .map(|policy| policy.evaluate_population(&population, today).len())
                .sum::<usize>()
        })
    });
    // Parsing each value once (dates, integers) is part of the first run over a
    // fresh population: measured with it.
    group.bench_function("fast_evaluator_with_columns", |b| {
        b.iter_batched(
            build,
            |population| {
                policies
                    .iter()
                    .map(|policy| policy.evaluate_population(&population, today).len())
                    .sum::<usize>()
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("cel_interpreter", |b| {
        b.iter(|| {
            let mut qualifying = 0usize;
            for policy in &policies {
                for values in subjects.values() {
                    qualifying += usize::from(policy.evaluate(values, today).qualifies);
                }
            }
            qualifying
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
