//! Ledger benchmarks: appender throughput, proofs from the node store at
//! 10k and 1M leaves, full root recomputation, checkpoint signing.
//!
//! The 1M-leaf tree is built once per run and shared. Sample counts and
//! measurement times are kept small so the whole run stays near a minute
//! on a 2-core machine.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ledger::store::{consistency_proof_at, inclusion_proof_at};
use ledger::{
    CompactRange, Hash, MemoryLog, SignerKey, inclusion_proof, leaf_hash, root, sign_checkpoint, verify_checkpoint,
    verify_consistency, verify_inclusion,
};

const SIZES: [u64; 2] = [10_000, 1_000_000];

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// Leaves and a fully built log per size, built once.
fn fixture(size: u64) -> &'static (Vec<Hash>, MemoryLog) {
    static SMALL: OnceLock<(Vec<Hash>, MemoryLog)> = OnceLock::new();
    static LARGE: OnceLock<(Vec<Hash>, MemoryLog)> = OnceLock::new();
    let cell = if size == SIZES[0] { &SMALL } else { &LARGE };
    cell.get_or_init(|| {
        let l = leaves(size);
        let mut log = MemoryLog::new();
        for h in &l {
            log.append(*h);
        }
        (l, log)
    })
}

/// Cheap deterministic index sequence.
fn next_index(state: &mut u64, size: u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*state >> 11) % size
}

fn append(c: &mut Criterion) {
    let input = leaves(100_000);
    let mut group = c.benchmark_group("append");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(input.len() as u64));
    group.bench_function("compact_range_100k", |b| {
        b.iter(|| {
            let mut range = CompactRange::new();
            for h in &input {
                range.append(*h);
            }
            black_box(range.root())
        });
    });
    group.bench_function("memory_log_with_nodes_100k", |b| {
        b.iter(|| {
            let mut log = MemoryLog::new();
            for h in &input {
                log.append(*h);
            }
            black_box(log.root())
        });
    });
    group.finish();

    // Appending to an already large log costs the same as to a small one.
    let mut group = c.benchmark_group("append_one");
    group.measurement_time(Duration::from_secs(2));
    for size in SIZES {
        let (_, log) = fixture(size);
        let range = log.compact_range().clone();
        group.bench_with_input(BenchmarkId::new("compact_range", size), &range, |b, r| {
            let mut r = r.clone();
            let leaf = leaf_hash(b"new");
            b.iter(|| {
                r.append(black_box(leaf));
            });
        });
    }
    group.finish();
}

fn proofs(c: &mut Criterion) {
    let mut group = c.benchmark_group("proof");
    group.measurement_time(Duration::from_secs(2));
    for size in SIZES {
        let (l, log) = fixture(size);
        let nodes = log.nodes();
        let r = log.root();
        group.bench_function(BenchmarkId::new("inclusion_from_store", size), |b| {
            let mut s = 1;
            b.iter(|| {
                let i = next_index(&mut s, size);
                black_box(inclusion_proof_at(nodes, i, size))
            });
        });
        let samples: Vec<(u64, Vec<Hash>)> = (0..256)
            .map(|k| {
                let i = (k * 7_919 * size / 256 + k) % size;
                (i, inclusion_proof_at(nodes, i, size).unwrap_or_default())
            })
            .collect();
        group.bench_function(BenchmarkId::new("inclusion_verify", size), |b| {
            let mut k = 0usize;
            b.iter(|| {
                let (i, p) = &samples[k % samples.len()];
                k += 1;
                black_box(verify_inclusion(&l[*i as usize], *i, size, p, &r))
            });
        });
        group.bench_function(BenchmarkId::new("consistency_from_store", size), |b| {
            let mut s = 7;
            b.iter(|| {
                let old = 1 + next_index(&mut s, size - 1);
                black_box(consistency_proof_at(nodes, old, size))
            });
        });
        let old = size / 3 + 1;
        let old_root = log.root_at(old).unwrap_or_default();
        let cproof = consistency_proof_at(nodes, old, size).unwrap_or_default();
        group.bench_function(BenchmarkId::new("consistency_verify", size), |b| {
            b.iter(|| black_box(verify_consistency(old, size, &old_root, &r, &cproof)));
        });
    }
    // For contrast: the O(n) slice-based proof (no node store) at 10k.
    let (l, _) = fixture(SIZES[0]);
    group.sample_size(20);
    group.bench_function("inclusion_from_slice/10000", |b| {
        b.iter(|| black_box(inclusion_proof(l, 5_000)));
    });
    group.finish();
}

fn full_recompute(c: &mut Criterion) {
    let (l, _) = fixture(SIZES[1]);
    let mut group = c.benchmark_group("recompute");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(l.len() as u64));
    group.bench_function("root_1M_leaf_hashes", |b| b.iter(|| black_box(root(l))));
    group.finish();
}

fn checkpoints(c: &mut Criterion) {
    let signer = match SignerKey::from_seed("bench.example/log", &[5u8; 32]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench setup failed: {e}");
            return;
        }
    };
    let verifier = signer.verifier();
    let r = leaf_hash(b"root");
    let mut group = c.benchmark_group("checkpoint");
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("sign", |b| {
        b.iter(|| black_box(sign_checkpoint(&signer, "bench.example/log", 1_000_000, &r)));
    });
    let note = sign_checkpoint(&signer, "bench.example/log", 1_000_000, &r).unwrap_or_default();
    group.bench_function("verify", |b| {
        b.iter(|| black_box(verify_checkpoint(note.as_bytes(), &verifier)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .without_plots();
    targets = append, proofs, full_recompute, checkpoints
}
criterion_main!(benches);
