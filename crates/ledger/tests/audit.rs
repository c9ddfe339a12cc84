//! Tamper detection: every kind of change to stored rows is found at the
//! right index, or honestly reported as a range.

use ledger::entry::kind;
use ledger::{
    AuditError, AuditOutcome, AuditReport, Divergence, ENTRY_FORMAT_V1, LedgerEntry, MemoryLog, NodeStore, StoredRow,
    TreeHead, audit, leaf_hash,
};
use proptest::prelude::*;

fn entry(i: u64) -> Vec<u8> {
    LedgerEntry {
        format: ENTRY_FORMAT_V1,
        at_ms: 1_700_000_000_000 + i as i64,
        kind: if i.is_multiple_of(3) {
            kind::CASE_TRANSITION
        } else {
            kind::DATA_ACCESS
        }
        .into(),
        actor: format!("staff:{}", i % 17),
        department: Some("民政局".into()),
        case_id: Some(format!("case-{}", i / 5)),
        subject: Some(format!("citizen:{i}")),
        elements: vec!["name".into()],
        purpose: Some("eligibility review".into()),
        legal_basis: Some("条例 §12".into()),
        detail: format!("event {i}"),
    }
    .canonical_bytes()
}

/// A ledger as it was written: rows, node table, trusted checkpoints.
struct Ledger {
    rows: Vec<(Vec<u8>, Hash)>,
    log: MemoryLog,
}

type Hash = ledger::Hash;

impl Ledger {
    fn new(n: u64) -> Self {
        let mut log = MemoryLog::new();
        let rows = (0..n)
            .map(|i| {
                let bytes = entry(i);
                let h = leaf_hash(&bytes);
                log.append(h);
                (bytes, h)
            })
            .collect();
        Self { rows, log }
    }

    fn heads(&self, sizes: &[u64]) -> Vec<TreeHead> {
        sizes
            .iter()
            .map(|&size| TreeHead {
                size,
                root: self.log.root_at(size).unwrap(),
            })
            .collect()
    }
}

fn run(rows: &[(Vec<u8>, Hash)], heads: &[TreeHead], nodes: Option<&dyn NodeStore>) -> AuditReport {
    audit(
        rows.iter().map(|(e, h)| StoredRow {
            entry: e.as_slice(),
            leaf_hash: Some(*h),
        }),
        heads,
        nodes,
    )
    .unwrap()
}

fn first_bad(index: u64, divergence: Divergence) -> AuditOutcome {
    AuditOutcome::FirstBad { index, divergence }
}

const SIZES: [u64; 4] = [100, 250, 600, 1000];

#[test]
fn clean_ledger_is_clean() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    for nodes in [None, Some(l.log.nodes() as &dyn NodeStore)] {
        let report = run(&l.rows, &heads, nodes);
        assert_eq!(report.outcome, AuditOutcome::Clean);
        assert_eq!(report.rows, 1000);
        assert_eq!(report.anchored, 1000);
        assert_eq!(report.root, l.log.root());
    }
    // Rows without a stored hash column are audited through the checkpoints.
    let report = audit(
        l.rows.iter().map(|(e, _)| StoredRow {
            entry: e.clone(),
            leaf_hash: None,
        }),
        &heads,
        None,
    )
    .unwrap();
    assert_eq!(report.outcome, AuditOutcome::Clean);
}

#[test]
fn edited_entry_is_found_by_its_stored_hash() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let mut rows = l.rows.clone();
    rows[437].0 = entry(9999);
    for nodes in [None, Some(l.log.nodes() as &dyn NodeStore)] {
        let report = run(&rows, &heads, nodes);
        assert_eq!(report.outcome, first_bad(437, Divergence::EntryAltered));
        // The stored hashes are intact, so every checkpoint still matches.
        assert_eq!(report.anchored, 1000);
    }
}

#[test]
fn consistent_rewrite_is_caught_by_checkpoints_and_located_with_nodes() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let mut rows = l.rows.clone();
    let forged = entry(5555);
    rows[437] = (forged.clone(), leaf_hash(&forged));

    let with_nodes = run(&rows, &heads, Some(l.log.nodes()));
    assert_eq!(with_nodes.outcome, first_bad(437, Divergence::RowReplaced));
    assert_eq!(with_nodes.anchored, 250);

    let without = run(&rows, &heads, None);
    assert_eq!(
        without.outcome,
        AuditOutcome::Diverged {
            good_prefix: 250,
            bad_size: 600,
            first_known_bad: None,
        }
    );
}

#[test]
fn edited_stored_hash_alone_is_identified() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let mut rows = l.rows.clone();
    rows[437].1 = leaf_hash(b"something else");
    let report = run(&rows, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(437, Divergence::LeafHashAltered));
    let report = run(&rows, &heads, None);
    assert_eq!(
        report.outcome,
        AuditOutcome::Diverged {
            good_prefix: 250,
            bad_size: 600,
            first_known_bad: Some(437),
        }
    );
}

#[test]
fn inserted_and_deleted_rows_are_identified() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);

    let mut inserted = l.rows.clone();
    let extra = entry(7777);
    inserted.insert(437, (extra.clone(), leaf_hash(&extra)));
    let report = run(&inserted, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(437, Divergence::RowInserted));
    assert_eq!(report.rows, 1001);

    let mut deleted = l.rows.clone();
    deleted.remove(437);
    let report = run(&deleted, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(437, Divergence::RowDeleted));

    // Swapping two rows.
    let mut swapped = l.rows.clone();
    swapped.swap(437, 438);
    let report = run(&swapped, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(437, Divergence::RowReplaced));
}

#[test]
fn truncation_is_reported_as_missing_rows() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let truncated = &l.rows[..800];
    let report = run(truncated, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(800, Divergence::Missing));
    assert_eq!(report.anchored, 600);
    let report = run(truncated, &heads, None);
    assert_eq!(
        report.outcome,
        AuditOutcome::Diverged {
            good_prefix: 600,
            bad_size: 1000,
            first_known_bad: Some(800),
        }
    );
    // Truncated exactly at a checkpoint.
    let report = run(&l.rows[..600], &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(600, Divergence::Missing));
    // An empty table with checkpoints.
    let report = run(&[], &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(0, Divergence::Missing));
}

#[test]
fn the_earliest_of_several_changes_is_reported() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let forged = entry(4242);

    // Consistent rewrite at 120 and an entry edit at 200: 120 comes first.
    let mut rows = l.rows.clone();
    rows[120] = (forged.clone(), leaf_hash(&forged));
    rows[200].0 = entry(31337);
    let report = run(&rows, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(120, Divergence::RowReplaced));

    // Entry edit at 200 (inside a proven prefix) and a rewrite at 300.
    let mut rows = l.rows.clone();
    rows[200].0 = entry(31337);
    rows[300] = (forged.clone(), leaf_hash(&forged));
    for nodes in [None, Some(l.log.nodes() as &dyn NodeStore)] {
        let report = run(&rows, &heads, nodes);
        assert_eq!(report.outcome, first_bad(200, Divergence::EntryAltered));
    }

    // Rewrite at 300 and an entry edit at 310 in the same checkpoint span.
    let mut rows = l.rows.clone();
    rows[300] = (forged.clone(), leaf_hash(&forged));
    rows[310].0 = entry(31337);
    let report = run(&rows, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(300, Divergence::RowReplaced));
    let report = run(&rows, &heads, None);
    assert_eq!(
        report.outcome,
        AuditOutcome::Diverged {
            good_prefix: 250,
            bad_size: 600,
            first_known_bad: Some(310),
        }
    );
}

#[test]
fn rewritten_node_table_is_not_trusted() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let mut rows = l.rows.clone();
    let forged = entry(5555);
    rows[437] = (forged.clone(), leaf_hash(&forged));
    // The attacker also rebuilt the node table from the forged rows.
    let mut rebuilt = MemoryLog::new();
    for (_, h) in &rows {
        rebuilt.append(*h);
    }
    let report = run(&rows, &heads, Some(rebuilt.nodes()));
    assert_eq!(
        report.outcome,
        AuditOutcome::Diverged {
            good_prefix: 250,
            bad_size: 600,
            first_known_bad: None,
        }
    );
}

#[test]
fn rows_beyond_the_last_checkpoint_are_only_self_checked() {
    let l = Ledger::new(1100);
    let heads = l.heads(&SIZES);
    let mut rows = l.rows.clone();
    // A consistent rewrite after the last checkpoint cannot be detected…
    let forged = entry(5555);
    rows[1050] = (forged.clone(), leaf_hash(&forged));
    let report = run(&rows, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, AuditOutcome::Clean);
    assert_eq!((report.anchored, report.rows), (1000, 1100));
    // …but an entry that does not match its own stored hash is.
    rows[1060].0 = entry(1);
    let report = run(&rows, &heads, None);
    assert_eq!(report.outcome, first_bad(1060, Divergence::EntryAltered));
}

#[test]
fn conflicting_checkpoints_are_an_error() {
    let l = Ledger::new(10);
    let mut heads = l.heads(&[5, 10]);
    heads.push(TreeHead {
        size: 5,
        root: l.log.root(),
    });
    let result = audit(
        l.rows.iter().map(|(e, h)| StoredRow {
            entry: e.as_slice(),
            leaf_hash: Some(*h),
        }),
        &heads,
        None,
    );
    assert_eq!(result, Err(AuditError::ConflictingCheckpoints(5)));
    // Duplicates that agree are fine; a size-0 head must be the empty root.
    let mut dup = l.heads(&[0, 5, 5, 10]);
    assert_eq!(run(&l.rows, &dup, None).outcome, AuditOutcome::Clean);
    dup[0].root = l.log.root();
    assert!(
        audit(
            l.rows.iter().map(|(e, h)| StoredRow {
                entry: e.as_slice(),
                leaf_hash: Some(*h),
            }),
            &dup,
            None,
        )
        .is_err()
    );
}

#[derive(Debug, Clone, Copy)]
enum Tamper {
    EditEntry,
    EditHash,
    Replace,
    Insert,
    Delete,
    Truncate,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_single_tamper_is_located_exactly(
        n in 2u64..600,
        at in any::<u64>(),
        cps in prop::collection::vec(any::<u64>(), 0..5),
        tamper in prop::sample::select(vec![
            Tamper::EditEntry, Tamper::EditHash, Tamper::Replace,
            Tamper::Insert, Tamper::Delete, Tamper::Truncate,
        ]),
    ) {
        let l = Ledger::new(n);
        // Random intermediate checkpoints plus the final one.
        let mut sizes: Vec<u64> = cps.iter().map(|c| 1 + c % n).collect();
        sizes.push(n);
        let heads = l.heads(&sizes);
        let i = at % n;
        let mut rows = l.rows.clone();
        let forged = entry(n + 1_000_000);
        let want = match tamper {
            Tamper::EditEntry => {
                rows[i as usize].0 = forged;
                Divergence::EntryAltered
            }
            Tamper::EditHash => {
                rows[i as usize].1 = leaf_hash(&forged);
                Divergence::LeafHashAltered
            }
            Tamper::Replace => {
                rows[i as usize] = (forged.clone(), leaf_hash(&forged));
                Divergence::RowReplaced
            }
            Tamper::Insert => {
                rows.insert(i as usize, (forged.clone(), leaf_hash(&forged)));
                Divergence::RowInserted
            }
            Tamper::Delete if i + 1 < n => {
                rows.remove(i as usize);
                Divergence::RowDeleted
            }
            Tamper::Delete | Tamper::Truncate => {
                rows.truncate(i as usize);
                Divergence::Missing
            }
        };
        let report = run(&rows, &heads, Some(l.log.nodes()));
        prop_assert_eq!(report.outcome, first_bad(i, want));
        // Without the node table the answer is exact or a range holding i.
        match run(&rows, &heads, None).outcome {
            AuditOutcome::FirstBad { index, .. } => prop_assert_eq!(index, i),
            AuditOutcome::Diverged { good_prefix, bad_size, first_known_bad } => {
                prop_assert!(good_prefix <= i && i < bad_size);
                if let Some(k) = first_known_bad {
                    prop_assert!(k >= i && k < bad_size);
                }
            }
            AuditOutcome::Clean => prop_assert!(false, "tamper not detected"),
        }
    }
}

/// Changes at the very end of a checkpoint's span: the row after it is proven by
/// the next checkpoint, so an insertion, a deletion and a replacement of the last
/// row are still told apart; the last row of the whole ledger deleted is missing.
#[test]
fn changes_at_the_last_row_of_a_checkpoint_are_told_apart() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let extra = entry(8888);

    let mut deleted = l.rows.clone();
    deleted.remove(599);
    let report = run(&deleted, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(599, Divergence::RowDeleted));

    let mut inserted = l.rows.clone();
    inserted.insert(599, (extra.clone(), leaf_hash(&extra)));
    let report = run(&inserted, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(599, Divergence::RowInserted));

    let mut replaced = l.rows.clone();
    replaced[599] = (extra.clone(), leaf_hash(&extra));
    let report = run(&replaced, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(599, Divergence::RowReplaced));

    // The first row after a checkpoint: the checkpoint itself is intact.
    let mut after = l.rows.clone();
    after[600] = (extra.clone(), leaf_hash(&extra));
    let report = run(&after, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(600, Divergence::RowReplaced));
    assert_eq!(report.anchored, 600);

    let mut last = l.rows.clone();
    last.pop();
    let report = run(&last, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(999, Divergence::Missing));
}

/// Without the node table the first bad index is only known to lie in the failing
/// checkpoint's range; an edited entry past that range is not offered as the
/// first known bad index.
#[test]
fn the_first_known_bad_index_lies_within_the_failing_range() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let extra = entry(8888);
    let mut rows = l.rows.clone();
    rows[300] = (extra.clone(), leaf_hash(&extra));
    rows[600].0 = entry(9999);
    let diverged = AuditOutcome::Diverged {
        good_prefix: 250,
        bad_size: 600,
        first_known_bad: None,
    };
    assert_eq!(run(&rows, &heads, None).outcome, diverged);
    rows[599].0 = entry(9999);
    let diverged = AuditOutcome::Diverged {
        good_prefix: 250,
        bad_size: 600,
        first_known_bad: Some(599),
    };
    assert_eq!(run(&rows, &heads, None).outcome, diverged);
}

/// An inserted row is recognised by the committed rows that follow it, shifted by
/// one, as far as stored rows exist: here the rows after the next one are gone too,
/// and the insertion is still reported as such, not as a replacement.
#[test]
fn an_insertion_followed_by_missing_rows_is_still_an_insertion() {
    let l = Ledger::new(1000);
    let heads = l.heads(&SIZES);
    let extra = entry(8888);
    let mut rows = l.rows[..301].to_vec();
    rows.insert(300, (extra.clone(), leaf_hash(&extra)));
    let report = run(&rows, &heads, Some(l.log.nodes()));
    assert_eq!(report.outcome, first_bad(300, Divergence::RowInserted));
    assert_eq!(report.rows, 302);
}
