//! Evaluation throughput, measured in release mode: the synthetic population in
//! memory (attributes grouped per person, as `app::benefits` groups them), every
//! bundled person policy evaluated for every person.
//!
//! `cargo run --release -p eligibility --example evaluate_population -- 100000`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Instant;

use catalog::PolicyTarget;
use eligibility::CompiledPolicy;

fn main() {
    let persons: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let catalog = testkit::catalog();
    let started = Instant::now();
    let mut subjects: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for record in sharing::Generator::new(2026).population(persons) {
        subjects.entry(record.subject).or_default().extend(record.attributes);
    }
    println!(
        "generated and grouped {} persons in {:.2?}",
        subjects.len(),
        started.elapsed()
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut total = 0usize;
    let all = Instant::now();
    for policy in catalog.policies.values().filter(|p| p.target == PolicyTarget::Person) {
        let compiled = CompiledPolicy::compile(policy).unwrap();
        let started = Instant::now();
        let mut qualifying = 0usize;
        let mut amount = 0i64;
        for values in subjects.values() {
            let evaluation = compiled.evaluate(values, today);
            if evaluation.qualifies {
                qualifying += 1;
                amount += evaluation.amount_fen;
            }
        }
        let elapsed = started.elapsed();
        total += subjects.len();
        println!(
            "{:<24} {:>8} qualify, {:>16} yuan, {:>8.2?} ({:.0} evaluations/s)",
            policy.id,
            qualifying,
            eligibility::fen_to_yuan(amount),
            elapsed,
            subjects.len() as f64 / elapsed.as_secs_f64()
        );
    }
    let elapsed = all.elapsed();
    println!(
        "{total} person-policy evaluations in {elapsed:.2?}: {:.0} per second (one core)",
        total as f64 / elapsed.as_secs_f64()
    );
}
