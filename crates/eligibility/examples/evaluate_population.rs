//! Evaluation throughput, measured in release mode on one core: the synthetic
//! population in memory (attributes grouped per person, as `app::benefits` groups
//! them), every bundled person policy evaluated for every person — by the CEL
//! interpreter one person at a time (the reference) and by the fast evaluator over
//! the population's columns — with a check that both found the same.
//!
//! `cargo run --release -p eligibility --example evaluate_population -- 1000000`
//! (a second argument `fast` skips the slow reference run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use catalog::PolicyTarget;
use eligibility::{CompiledPolicy, Population};

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn main() {
    let persons: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let only_fast = std::env::args().nth(2).as_deref() == Some("fast");
    let catalog = testkit::catalog();
    let policies: Vec<CompiledPolicy> = catalog
        .policies
        .values()
        .filter(|p| p.target == PolicyTarget::Person)
        .map(|p| CompiledPolicy::compile(p).unwrap())
        .collect();
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

    let started = Instant::now();
    let mut population = Population::for_policies(policies.iter().map(CompiledPolicy::policy));
    for (subject, values) in &subjects {
        population.push(subject.as_str(), values);
    }
    let columns = started.elapsed();
    println!("columns built in {columns:.2?}");

    let mut fast_total = Duration::ZERO;
    let mut reference_total = Duration::ZERO;
    let mut first_fast_total = Duration::ZERO;
    for compiled in &policies {
        let id = &compiled.policy().id;
        // The first run over a population parses what the policy reads (once for all
        // policies); the second shows the evaluation alone.
        let started = Instant::now();
        let outcomes = compiled.evaluate_population(&population, today);
        let first = started.elapsed();
        let started = Instant::now();
        let again = compiled.evaluate_population(&population, today);
        let fast = started.elapsed();
        assert_eq!(outcomes, again);
        first_fast_total += first;
        fast_total += fast;
        let qualifying = outcomes.iter().filter(|o| o.qualifies).count();
        let amount: i64 = outcomes.iter().map(|o| o.amount_fen).sum();
        println!(
            "{id:<20} fast:      {qualifying:>8} qualify, {:>16} yuan, {first:>9.2?} first run, {fast:>9.2?} ({:.0} evaluations/s){}",
            eligibility::fen_to_yuan(amount),
            per_second(outcomes.len(), fast),
            if compiled.is_fast() { "" } else { " [CEL fallback]" }
        );
        if only_fast {
            continue;
        }
        let started = Instant::now();
        let mut reference_qualifying = 0usize;
        let mut reference_amount = 0i64;
        for ((subject, values), outcome) in subjects.iter().zip(&outcomes) {
            let evaluation = compiled.evaluate(values, today);
            assert_eq!(
                (evaluation.qualifies, evaluation.amount_fen),
                (outcome.qualifies, outcome.amount_fen),
                "{id} {subject}"
            );
            if evaluation.qualifies {
                reference_qualifying += 1;
                reference_amount += evaluation.amount_fen;
            }
        }
        let elapsed = started.elapsed();
        reference_total += elapsed;
        println!(
            "{id:<20} reference: {reference_qualifying:>8} qualify, {:>16} yuan, {elapsed:>9.2?} ({:.0} evaluations/s)",
            eligibility::fen_to_yuan(reference_amount),
            per_second(subjects.len(), elapsed)
        );
    }
    let total = subjects.len() * policies.len();
    println!(
        "fast evaluator: {total} person-policy evaluations in {fast_total:.2?}: {:.0} per second (one core); \
         with the columns built and parsed: {:.2?}, {:.0} per second",
        per_second(total, fast_total),
        columns + first_fast_total,
        per_second(total, columns + first_fast_total)
    );
    if !only_fast {
        println!(
            "CEL interpreter: {total} person-policy evaluations in {reference_total:.2?}: {:.0} per second (one core)",
            per_second(total, reference_total)
        );
    }
}
