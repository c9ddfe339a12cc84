//! Times generating one million synthetic persons (and writing them as JSON lines to
//! a sink), the size of a load-test population:
//!
//! `cargo run --release -p sharing --example generate_1m [persons] [seed]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use sharing::{Generator, write_jsonl};

fn main() {
    let mut args = std::env::args().skip(1);
    let persons: usize = args.next().map(|a| a.parse().unwrap()).unwrap_or(1_000_000);
    let seed: u64 = args.next().map(|a| a.parse().unwrap()).unwrap_or(2026);

    let start = Instant::now();
    let records = Generator::new(seed).population(persons).count();
    let generated = start.elapsed();
    println!("generated {persons} persons ({records} records) in {generated:.2?}");

    let start = Instant::now();
    let mut generator = Generator::new(seed);
    let written = write_jsonl(generator.population(persons), std::io::sink()).unwrap();
    println!(
        "generated and serialised {written} records as JSON lines in {:.2?}",
        start.elapsed()
    );

    let mut bytes = Vec::new();
    let mut generator = Generator::new(seed);
    write_jsonl(generator.population(1_000), &mut bytes).unwrap();
    println!("≈{} bytes per 1000 persons of JSON lines", bytes.len());
}
