//! Full audit of stored ledger rows against trusted checkpoints.
//!
//! # Inputs
//!
//! * The stored rows **in log order**: per row the entry bytes and, if the
//!   schema keeps one, the stored leaf hash ([`StoredRow`]).
//! * Trusted tree heads: checkpoints whose signatures the caller already
//!   verified ([`crate::verify_checkpoint`]), or heads kept elsewhere
//!   (a witness, a printed receipt…).
//! * Optionally, the stored node table ([`NodeStore`], e.g. `ledger_nodes`).
//!   It is *not* trusted: every node used is first authenticated against a
//!   checkpoint root with a consistency or inclusion proof.
//!
//! # What is detected, and how
//!
//! Let `r_i = leaf_hash(entry_i)` (recomputed) and `s_i` the stored leaf
//! hash (`r_i` when the row has none). The `s_i` are folded into the tree and
//! the root is compared at every checkpoint size.
//!
//! 1. **Entry edited, stored hash left alone** (`r_i != s_i`): reported as
//!    [`Divergence::EntryAltered`] at the first such `i`. If a checkpoint
//!    covering `i` matches, the `s_i` are exactly the committed leaves
//!    (collision resistance), so this index is certainly the first bad row.
//! 2. **Entry and stored hash edited consistently, rows inserted, deleted
//!    or reordered**: the first checkpoint whose size is past the change no
//!    longer matches. All rows before the last matching checkpoint `G` are
//!    proven good; the change lies in `[G, S)` where `S` is the failing
//!    checkpoint's size.
//!    * With the node table, the first differing index is found exactly by
//!      binary search over prefix sizes `m` in `[G, S]`: the prefix root of
//!      the stored rows is compared with the original root at `m`, taken
//!      from the node table and authenticated by a consistency proof from
//!      `m` to the failing checkpoint. The first bad index is then
//!      classified by comparing neighbouring rows with the authenticated
//!      original leaves (a best-effort hint; the index itself is exact):
//!      [`Divergence::RowInserted`],
//!      [`Divergence::RowDeleted`], [`Divergence::LeafHashAltered`] (only the
//!      stored hash changed) or [`Divergence::RowReplaced`].
//!    * Without the node table (or if it was rewritten too, so that its
//!      nodes do not authenticate), only the range is known:
//!      [`AuditOutcome::Diverged`].
//! 3. **Truncation**: fewer rows than a checkpoint's size is
//!    [`Divergence::Missing`] at the first missing index (unless an earlier
//!    change is found as above).
//!
//! Not detectable: a consistent rewrite of rows *after* the largest
//! checkpoint ([`AuditReport::anchored`] tells how far the proof reaches),
//! and anything if the checkpoints themselves are not trustworthy.
//! Checkpoints are trusted as given; to check that they describe one
//! append-only log, verify consistency proofs between them.

use std::collections::BTreeMap;

use crate::compact::CompactRange;
use crate::hash::{EMPTY_ROOT, Hash, leaf_hash};
use crate::store::{MemoryLog, NodeStore, consistency_proof_at, inclusion_proof_at, root_at};
use crate::tree::{TreeHead, verify_consistency, verify_inclusion};

/// One stored row of the ledger table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow<E> {
    /// The stored canonical entry bytes.
    pub entry: E,
    /// The stored leaf hash, if the table keeps one.
    pub leaf_hash: Option<Hash>,
}

/// What is wrong at the first bad index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Divergence {
    /// The entry bytes do not hash to the row's stored leaf hash (which is
    /// the committed one): the entry was edited.
    EntryAltered,
    /// Only the stored leaf hash was edited: the entry bytes still hash to
    /// the committed leaf.
    LeafHashAltered,
    /// Entry and stored hash were replaced consistently by something the
    /// checkpoint does not commit to.
    RowReplaced,
    /// A row was inserted here: the next stored row is the committed row
    /// of this index.
    RowInserted,
    /// The committed row of this index was deleted: this stored row is the
    /// committed row of the next index.
    RowDeleted,
    /// The stored rows end here although a checkpoint commits to more.
    Missing,
}

/// Result of an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    /// Every row matches its stored hash and every checkpoint matches.
    Clean,
    /// The first bad index, exactly.
    FirstBad {
        /// Index of the first row that differs from what was committed.
        index: u64,
        /// How it differs.
        divergence: Divergence,
    },
    /// A checkpoint does not match and the divergence could not be pinned
    /// down (no usable node table): rows `[0, good_prefix)` are proven, the
    /// first bad index is in `[good_prefix, bad_size)`.
    Diverged {
        /// Size of the last matching checkpoint (0 if none).
        good_prefix: u64,
        /// Size of the first failing checkpoint.
        bad_size: u64,
        /// The smallest index known to be bad (an entry/hash mismatch or the
        /// first missing row), if any; an earlier one may exist.
        first_known_bad: Option<u64>,
    },
}

/// Full report of [`audit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Number of rows read.
    pub rows: u64,
    /// Root over the stored leaf hashes of all rows.
    pub root: Hash,
    /// Rows `[0, anchored)` are proven by a matching checkpoint; rows
    /// beyond are only checked against their own stored hashes.
    pub anchored: u64,
    /// The verdict.
    pub outcome: AuditOutcome,
}

/// Why an audit could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// Two checkpoints of the same size with different roots (a forked
    /// log, or an empty checkpoint with a non-empty root).
    #[error("conflicting checkpoints for tree size {0}")]
    ConflictingCheckpoints(u64),
}

/// Audits stored rows against trusted tree heads (see the module docs).
///
/// Runs in one pass over the rows: O(n) hashing, O(log n) memory without a
/// node table; with one, the stored leaf hashes are kept (32 bytes per row)
/// so a failing checkpoint can be narrowed down with O(log² n) node reads.
///
/// # Errors
/// [`AuditError::ConflictingCheckpoints`].
pub fn audit<I, E>(
    rows: I,
    checkpoints: &[TreeHead],
    original_nodes: Option<&dyn NodeStore>,
) -> Result<AuditReport, AuditError>
where
    I: IntoIterator<Item = StoredRow<E>>,
    E: AsRef<[u8]>,
{
    // Sorted, deduplicated trusted heads.
    let mut heads: BTreeMap<u64, Hash> = BTreeMap::new();
    for head in checkpoints {
        if head.size == 0 && head.root != EMPTY_ROOT {
            return Err(AuditError::ConflictingCheckpoints(0));
        }
        if let Some(previous) = heads.insert(head.size, head.root)
            && previous != head.root
        {
            return Err(AuditError::ConflictingCheckpoints(head.size));
        }
    }
    let latest = heads.iter().next_back().map(|(size, root)| TreeHead {
        size: *size,
        root: *root,
    });
    let mut pending = heads.iter().map(|(s, r)| (*s, *r)).peekable();
    // The empty tree needs no check.
    while pending.next_if(|(size, _)| *size == 0).is_some() {}

    let keep_leaves = original_nodes.is_some();
    let mut stored_leaves: Vec<Hash> = Vec::new();
    let mut range = CompactRange::new();
    let mut first_mismatch: Option<(u64, Hash)> = None;
    let mut last_good = 0u64;
    let mut failed: Option<TreeHead> = None;

    for row in rows {
        let index = range.size();
        let recomputed = leaf_hash(row.entry.as_ref());
        let stored = row.leaf_hash.unwrap_or(recomputed);
        if stored != recomputed && first_mismatch.is_none() {
            first_mismatch = Some((index, recomputed));
        }
        if keep_leaves {
            stored_leaves.push(stored);
        }
        range.append(stored);
        while let Some((size, root)) = pending.next_if(|(size, _)| *size == range.size()) {
            if failed.is_some() {
                continue;
            }
            if range.root() == root {
                last_good = size;
            } else {
                failed = Some(TreeHead { size, root });
            }
        }
    }
    let rows_read = range.size();
    if failed.is_none() {
        // A checkpoint beyond the stored rows: rows are missing.
        failed = pending.next().map(|(size, root)| TreeHead { size, root });
    }

    let mut report = AuditReport {
        rows: rows_read,
        root: range.root(),
        anchored: last_good,
        outcome: AuditOutcome::Clean,
    };
    let mismatch_index = first_mismatch.map(|(i, _)| i);

    let Some(bad) = failed else {
        if let Some(index) = mismatch_index {
            report.outcome = AuditOutcome::FirstBad {
                index,
                divergence: Divergence::EntryAltered,
            };
        }
        return Ok(report);
    };

    // Rows before the last good checkpoint are proven, so a mismatch there
    // is certainly the first bad index.
    if let Some(index) = mismatch_index.filter(|i| *i < last_good) {
        report.outcome = AuditOutcome::FirstBad {
            index,
            divergence: Divergence::EntryAltered,
        };
        return Ok(report);
    }

    let located = original_nodes.and_then(|nodes| {
        locate(
            nodes,
            &stored_leaves,
            last_good,
            bad,
            latest.filter(|head| head.size > bad.size),
            first_mismatch.filter(|(i, _)| *i < bad.size),
        )
    });
    report.outcome = match located {
        Some((index, divergence)) => AuditOutcome::FirstBad { index, divergence },
        None => {
            let missing = (rows_read < bad.size).then_some(rows_read);
            let first_known_bad = match (mismatch_index.filter(|i| *i < bad.size), missing) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            AuditOutcome::Diverged {
                good_prefix: last_good,
                bad_size: bad.size,
                first_known_bad,
            }
        }
    };
    Ok(report)
}

/// Narrows a failing checkpoint down to the first bad index using the
/// (untrusted, therefore authenticated) original node table. `None` when the
/// node table cannot be authenticated against `bad`.
fn locate(
    nodes: &dyn NodeStore,
    stored_leaves: &[Hash],
    good: u64,
    bad: TreeHead,
    later: Option<TreeHead>,
    first_mismatch: Option<(u64, Hash)>,
) -> Option<(u64, Divergence)> {
    let mut stored = MemoryLog::new();
    for leaf in stored_leaves {
        stored.append(*leaf);
    }
    let rows = stored.size();

    // Original root of size m, authenticated against the failing checkpoint.
    let original_root = |m: u64| -> Option<Hash> {
        let root = root_at(nodes, m).ok()?;
        let proof = consistency_proof_at(nodes, m, bad.size).ok()?;
        verify_consistency(m, bad.size, &root, &bad.root, &proof).ok()?;
        Some(root)
    };
    // Whether the stored prefix of size m is the committed one.
    let good_prefix = |m: u64| -> Option<bool> {
        let mine = stored.root_at(m).ok()?;
        Some(original_root(m)? == mine)
    };
    // Original leaf i, authenticated by an inclusion proof in the failing
    // checkpoint, or for leaves past it in the latest checkpoint (a trusted
    // head too), so that a row deleted just before the failing checkpoint's
    // end is still told from a replaced one.
    let original_leaf = |i: u64| -> Option<Hash> {
        let head = match later {
            Some(head) if i >= bad.size => head,
            _ => bad,
        };
        let leaf = nodes.node(0, i)?;
        let proof = inclusion_proof_at(nodes, i, head.size).ok()?;
        verify_inclusion(&leaf, i, head.size, &proof, &head.root).ok()?;
        Some(leaf)
    };
    let original_size = later.map_or(bad.size, |head| head.size);

    let hi = rows.min(bad.size);
    let first_bad = if hi == good || good_prefix(hi)? {
        if rows >= bad.size {
            // The stored prefix of size S would equal the checkpoint, yet
            // it did not match: the node table is not the committed one.
            return None;
        }
        rows
    } else {
        // Invariant: prefix `lo` is good, prefix `hi` is bad.
        let (mut lo, mut hi) = (good, hi);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if good_prefix(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    };

    // An entry/hash mismatch at or before the located index wins; stored
    // hashes before `first_bad` are the committed ones.
    if let Some((index, recomputed)) = first_mismatch {
        if index < first_bad {
            return Some((index, Divergence::EntryAltered));
        }
        if index == first_bad {
            let kind = if original_leaf(index)? == recomputed {
                Divergence::LeafHashAltered
            } else {
                Divergence::EntryAltered
            };
            return Some((index, kind));
        }
    }
    if first_bad == rows {
        return Some((first_bad, Divergence::Missing));
    }

    // Classify by comparing neighbours with authenticated original leaves
    // (a hint: the index is exact, the kind is the simplest explanation).
    // A shift by one must hold for two consecutive rows where both exist,
    // so that a swap of two rows is not mistaken for an insertion.
    let stored_at = |i: u64| stored_leaves.get(usize::try_from(i).ok()?).copied();
    let shifted = |stored_from: u64, original_from: u64| -> bool {
        let mut compared = 0;
        for k in 0..2 {
            let (s, o) = (stored_from + k, original_from + k);
            if s >= rows || o >= original_size {
                break;
            }
            if stored_at(s) != original_leaf(o) {
                return false;
            }
            compared += 1;
        }
        compared > 0
    };
    let kind = if shifted(first_bad + 1, first_bad) {
        Divergence::RowInserted
    } else if shifted(first_bad, first_bad + 1) {
        Divergence::RowDeleted
    } else {
        Divergence::RowReplaced
    };
    Some((first_bad, kind))
}
