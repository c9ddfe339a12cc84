//! Prints search accuracy on each labelled set (tuning, held-out 1–5), the intake's
//! precision and recall on the labelled descriptions, and the latency of a query,
//! measured in this process (run it in release mode for real figures):
//!
//! ```sh
//! cargo run --release -p guide --example search_eval            # figures
//! cargo run --release -p guide --example search_eval -- --misses  # and every miss
//! cargo run --release -p guide --example search_eval -- 公司搬家 qykb  # try queries
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use guide::eval::{measure, parse_set};

fn main() {
    let show_misses = std::env::args().any(|a| a == "--misses");
    let catalog = testkit::catalog();
    let started = Instant::now();
    let index = guide::SearchIndex::new(&catalog);
    println!("index built in {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    let queries: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if !queries.is_empty() {
        for query in queries {
            match index.search(&query) {
                Ok(result) => {
                    println!("{query}: found {}", result.found);
                    for hit in result.one_things {
                        let reasons: Vec<String> = hit.reasons.iter().map(|r| r.explain_zh()).collect();
                        println!("  {:.3} {} — {}", hit.score, hit.name, reasons.join("；"));
                    }
                    for item in result.items {
                        println!("  item {:.3} {} ({})", item.score, item.name, item.department_name);
                    }
                }
                Err(error) => println!("{query}: {} {error}", error.code()),
            }
        }
        return;
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let mut all_queries = Vec::new();
    for name in ["tuning", "heldout", "heldout2", "heldout3", "heldout4", "heldout5"] {
        let set = parse_set(&std::fs::read_to_string(format!("{dir}/{name}.tsv")).unwrap());
        let accuracy = measure(&index, &set);
        println!(
            "{name}: {} queries; {} answerable: top-1 {}/{} = {:.1}%, top-3 {}/{} = {:.1}%; {} without a one-thing: 没有找到 {}/{} = {:.1}%",
            set.len(),
            accuracy.answerable,
            accuracy.top1,
            accuracy.answerable,
            accuracy.top1_rate() * 100.0,
            accuracy.top3,
            accuracy.answerable,
            accuracy.top3_rate() * 100.0,
            accuracy.unanswerable,
            accuracy.refused,
            accuracy.unanswerable,
            accuracy.refusal_rate() * 100.0,
        );
        if show_misses {
            for (labelled, first) in &accuracy.misses {
                println!(
                    "  miss: {} expected {} got {:?}",
                    labelled.query, labelled.expected, first
                );
            }
        }
        all_queries.extend(set.into_iter().map(|l| l.query));
    }
    let descriptions = guide::eval::parse_descriptions(&std::fs::read_to_string(format!("{dir}/intake.tsv")).unwrap());
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
    let intake = guide::eval::measure_intake(&catalog, &index, &descriptions, today);
    println!(
        "intake: {} descriptions, one-thing right {}; answers precision {}/{} = {:.1}%, recall {}/{} = {:.1}%; values precision {}/{} = {:.1}%, recall {}/{} = {:.1}%; proposed without their sentence {}",
        intake.descriptions,
        intake.one_thing_right,
        intake.answers_right,
        intake.answers_proposed,
        intake.answer_precision() * 100.0,
        intake.answers_right,
        intake.answers_expected,
        intake.answer_recall() * 100.0,
        intake.fields_right,
        intake.fields_proposed,
        intake.field_precision() * 100.0,
        intake.fields_right,
        intake.fields_expected,
        intake.field_recall() * 100.0,
        intake.without_sentence,
    );
    if show_misses {
        for (description, what) in &intake.errors {
            println!("  {what}: {description}");
        }
    }
    // Latency: every labelled query of every set, many rounds, each timed alone.
    let mut timings = Vec::new();
    for _ in 0..50 {
        for query in &all_queries {
            let started = Instant::now();
            let result = index.search(query);
            timings.push(started.elapsed().as_secs_f64() * 1_000_000.0);
            std::hint::black_box(result.ok());
        }
    }
    timings.sort_by(f64::total_cmp);
    let at = |share: f64| timings[((timings.len() - 1) as f64 * share) as usize];
    println!(
        "latency over {} searches: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        timings.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
