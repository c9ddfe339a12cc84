//! Property tests of the tree math over random trees of up to a few
//! thousand leaves.

mod common;

use common::{flip, leaves, ref_mth, ref_path, ref_subproof};
use ledger::store::{
    consistency_proof_at, consistency_proof_nodes, inclusion_proof_at, inclusion_proof_nodes, root_at,
};
use ledger::tree::{inclusion_ranges, root_from_inclusion};
use ledger::{
    CompactRange, EMPTY_ROOT, Hash, MemoryLog, NodeId, ProofError, consistency_proof, inclusion_proof, root,
    verify_all, verify_consistency, verify_inclusion,
};
use proptest::prelude::*;
use std::collections::HashMap;

const MAX_LEAVES: u64 = 3000;

/// Which side of the leaf each proof element lies on (true = left).
fn sides(index: u64, size: u64) -> Vec<bool> {
    inclusion_ranges(index, size)
        .unwrap()
        .iter()
        .map(|&(_, hi)| hi <= index)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn root_matches_reference_and_compact_range(n in 0..MAX_LEAVES) {
        let d = leaves(n);
        let want = ref_mth(&d);
        prop_assert_eq!(root(&d), want);
        prop_assert_eq!(verify_all(d.iter().copied()), (n, want));
        let mut log = MemoryLog::new();
        for leaf in &d {
            log.append(*leaf);
        }
        prop_assert_eq!(log.root(), want);
        prop_assert_eq!(root_at(log.nodes(), n).unwrap(), want);
        // About two stored nodes per leaf.
        prop_assert!(log.nodes().len() as u64 <= 2 * n);
        // Resuming from the stored frontier gives the same state.
        let resumed = CompactRange::from_store(log.nodes(), n).unwrap();
        prop_assert_eq!(&resumed, log.compact_range());
    }

    #[test]
    fn every_inclusion_proof_verifies_and_tampering_fails(
        n in 1..MAX_LEAVES,
        pick in any::<u64>(),
        bit in 0usize..256,
        other in any::<u64>(),
    ) {
        let d = leaves(n);
        let index = pick % n;
        let r = root(&d);
        let leaf = d[index as usize];
        let proof = inclusion_proof(&d, index).unwrap();
        prop_assert_eq!(&proof, &ref_path(index as usize, &d));
        prop_assert!(verify_inclusion(&leaf, index, n, &proof, &r).is_ok());

        // Wrong leaf.
        prop_assert!(verify_inclusion(&flip(&leaf, bit), index, n, &proof, &r).is_err());
        // Another leaf of the same tree at this index.
        if n > 1 {
            let j = (index + 1 + other % (n - 1)) % n;
            prop_assert!(verify_inclusion(&d[j as usize], index, n, &proof, &r).is_err());
            // Wrong index (the leaf/path pattern of an index is unique in a tree).
            prop_assert!(verify_inclusion(&leaf, j, n, &proof, &r).is_err());
        }
        prop_assert_eq!(
            verify_inclusion(&leaf, n, n, &proof, &r),
            Err(ProofError::IndexOutOfRange { index: n, size: n })
        );
        // Wrong root.
        prop_assert_eq!(
            verify_inclusion(&leaf, index, n, &proof, &flip(&r, bit)),
            Err(ProofError::RootMismatch)
        );
        // Tampered, truncated and extended proofs.
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = bit % bad.len();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_inclusion(&leaf, index, n, &bad, &r).is_err());
            prop_assert!(verify_inclusion(&leaf, index, n, &proof[..proof.len() - 1], &r).is_err());
        }
        let mut longer = proof.clone();
        longer.push(r);
        prop_assert!(verify_inclusion(&leaf, index, n, &longer, &r).is_err());
        // Wrong size: the RFC algorithm only depends on the sequence of
        // sibling sides, so it accepts exactly when that sequence is the
        // same (the size is bound to the root by the signed checkpoint).
        let wrong = index + 1 + other % (2 * n);
        if wrong != n {
            let accepted = verify_inclusion(&leaf, index, wrong, &proof, &r).is_ok();
            prop_assert_eq!(accepted, sides(index, wrong) == sides(index, n));
            // With the root of the claimed size it can only pass when the
            // two trees agree on this proof.
            if wrong <= n {
                let r_wrong = root(&d[..wrong as usize]);
                let ok = verify_inclusion(&leaf, index, wrong, &proof, &r_wrong).is_ok();
                prop_assert_eq!(ok, proof == inclusion_proof(&d[..wrong as usize], index).unwrap());
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_tampering_fails(
        n in 1..MAX_LEAVES,
        pick in any::<u64>(),
        bit in 0usize..256,
    ) {
        let d = leaves(n);
        let m = pick % (n + 1);
        let old = root(&d[..m as usize]);
        let new = root(&d);
        let proof = consistency_proof(&d, m).unwrap();
        if m > 0 && m < n {
            prop_assert_eq!(&proof, &ref_subproof(m as usize, &d, true));
        } else {
            prop_assert!(proof.is_empty());
        }
        prop_assert!(verify_consistency(m, n, &old, &new, &proof).is_ok());
        // Wrong roots.
        prop_assert!(verify_consistency(m, n, &flip(&old, bit), &new, &proof).is_err());
        // The empty tree is a prefix of every tree, so for m == 0 the new
        // root is unconstrained (nothing to prove); otherwise it is bound.
        prop_assert_eq!(
            verify_consistency(m, n, &old, &flip(&new, bit), &proof).is_ok(),
            m == 0
        );
        // Tampered element, dropped element, extra element.
        if !proof.is_empty() {
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bad[k] = flip(&bad[k], bit);
                prop_assert!(verify_consistency(m, n, &old, &new, &bad).is_err());
            }
            prop_assert!(verify_consistency(m, n, &old, &new, &proof[1..]).is_err());
            prop_assert!(verify_consistency(m, n, &old, &new, &proof[..proof.len() - 1]).is_err());
        }
        let mut longer = proof.clone();
        longer.push(new);
        prop_assert!(verify_consistency(m, n, &old, &new, &longer).is_err());
        // A different old tree (one leaf changed) is not consistent.
        if m > 0 {
            let mut forged = d.clone();
            let k = (pick as usize / 7) % m as usize;
            forged[k] = flip(&forged[k], bit);
            let forged_old = root(&forged[..m as usize]);
            prop_assert!(verify_consistency(m, n, &forged_old, &new, &proof).is_err());
        }
        // Sizes out of order.
        prop_assert!(verify_consistency(n + 1, n, &old, &new, &proof).is_err());
    }

    #[test]
    fn store_proofs_equal_slice_proofs_at_every_size(
        n in 1..MAX_LEAVES,
        a in any::<u64>(),
        b in any::<u64>(),
        c in any::<u64>(),
    ) {
        let d = leaves(n);
        let mut log = MemoryLog::new();
        for leaf in &d {
            log.append(*leaf);
        }
        // A historical size, an index in it, and an older size.
        let size = 1 + a % n;
        let index = b % size;
        let old = c % (size + 1);
        let prefix = &d[..size as usize];
        prop_assert_eq!(log.root_at(size).unwrap(), root(prefix));
        prop_assert_eq!(
            log.inclusion_proof(index, size).unwrap(),
            inclusion_proof(prefix, index).unwrap()
        );
        prop_assert_eq!(
            log.consistency_proof(old, size).unwrap(),
            consistency_proof(prefix, old).unwrap()
        );
        // The "fetch the listed nodes, then prove" path used by a database.
        let mut fetched: HashMap<NodeId, Hash> = HashMap::new();
        for id in inclusion_proof_nodes(index, size).unwrap()
            .into_iter()
            .chain(consistency_proof_nodes(old, size).unwrap())
        {
            fetched.insert(id, ledger::NodeStore::node(log.nodes(), id.level, id.index).unwrap());
        }
        prop_assert_eq!(
            inclusion_proof_at(&fetched, index, size).unwrap(),
            inclusion_proof(prefix, index).unwrap()
        );
        prop_assert_eq!(
            consistency_proof_at(&fetched, old, size).unwrap(),
            consistency_proof(prefix, old).unwrap()
        );
    }
}

#[test]
fn store_with_only_leaves_still_proves() {
    let d = leaves(37);
    let only_leaves: HashMap<NodeId, Hash> = d
        .iter()
        .enumerate()
        .map(|(i, h)| (NodeId::new(0, i as u64), *h))
        .collect();
    assert_eq!(root_at(&only_leaves, 37).unwrap(), root(&d));
    assert_eq!(
        inclusion_proof_at(&only_leaves, 5, 37).unwrap(),
        inclusion_proof(&d, 5).unwrap()
    );
    let mut missing = only_leaves.clone();
    missing.remove(&NodeId::new(0, 36));
    assert_eq!(root_at(&missing, 37), Err(ledger::StoreError::MissingLeaf(36)));
}

#[test]
fn invalid_requests_are_errors_not_panics() {
    let d = leaves(5);
    assert_eq!(
        inclusion_proof(&d, 5),
        Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        inclusion_proof(&[], 0),
        Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(
        consistency_proof(&d, 6),
        Err(ProofError::InvalidSizes { old: 6, new: 5 })
    );
    assert!(root_from_inclusion(&d[0], 0, 0, &[]).is_err());
    let mut log = MemoryLog::new();
    log.append(d[0]);
    assert!(log.inclusion_proof(0, 2).is_err());
    assert!(log.root_at(2).is_err());
    // Trivial consistency cases.
    let r = root(&d);
    assert!(verify_consistency(5, 5, &r, &r, &[]).is_ok());
    assert!(verify_consistency(5, 5, &r, &EMPTY_ROOT, &[]).is_err());
    assert!(verify_consistency(5, 5, &r, &r, &[r]).is_err());
    assert!(verify_consistency(0, 5, &EMPTY_ROOT, &r, &[]).is_ok());
    assert!(verify_consistency(0, 5, &r, &r, &[]).is_err());
    // A single-leaf tree's inclusion proof is empty and its root is the leaf.
    assert!(verify_inclusion(&d[0], 0, 1, &[], &d[0]).is_ok());
}

#[test]
fn exhaustive_small_trees() {
    // Every (index, size) and every (old, new) up to 70 leaves, against the
    // literal RFC recursion.
    let d = leaves(70);
    for n in 1..=70usize {
        let tree = &d[..n];
        let r = ref_mth(tree);
        for i in 0..n {
            let p = inclusion_proof(tree, i as u64).unwrap();
            assert_eq!(p, ref_path(i, tree), "PATH({i}, {n})");
            verify_inclusion(&tree[i], i as u64, n as u64, &p, &r).unwrap();
        }
        for m in 1..n {
            let p = consistency_proof(tree, m as u64).unwrap();
            assert_eq!(p, ref_subproof(m, tree, true), "PROOF({m}, {n})");
            verify_consistency(m as u64, n as u64, &ref_mth(&tree[..m]), &r, &p).unwrap();
        }
    }
}

/// The node table may live in any map keyed by [`NodeId`], or behind a
/// reference: each answers roots and proofs exactly as the in-memory store.
#[test]
fn every_node_store_answers_the_same() {
    let d = leaves(45);
    let mut log = MemoryLog::new();
    let mut by_hash: HashMap<NodeId, Hash> = HashMap::new();
    let mut by_order: std::collections::BTreeMap<NodeId, Hash> = std::collections::BTreeMap::new();
    let mut range = CompactRange::new();
    for leaf in &d {
        log.append(*leaf);
        range.append_with(*leaf, |id, hash| {
            by_hash.insert(id, *hash);
            by_order.insert(id, *hash);
        });
    }
    let memory = log.nodes();
    assert_eq!(by_hash.len(), memory.len());
    for size in 1..=45 {
        let want = root(&d[..size as usize]);
        assert_eq!(root_at(memory, size).unwrap(), want);
        assert_eq!(root_at(&by_hash, size).unwrap(), want);
        assert_eq!(root_at(&by_order, size).unwrap(), want);
        assert_eq!(root_at(&&by_order, size).unwrap(), want);
        assert_eq!(
            inclusion_proof_at(&&by_hash, size - 1, size).unwrap(),
            inclusion_proof(&d[..size as usize], size - 1).unwrap()
        );
        assert_eq!(
            consistency_proof_at(&by_order, 1, size).unwrap(),
            consistency_proof(&d[..size as usize], 1).unwrap()
        );
    }
}

/// A leaf and every perfect subtree it completes are stored: `2n − popcount(n)`
/// nodes for `n` leaves, about two rows per entry in `ledger_nodes`.
#[test]
fn the_node_table_holds_two_rows_per_leaf_less_the_frontier() {
    let mut log = MemoryLog::new();
    assert!(log.nodes().is_empty());
    assert_eq!(log.nodes().len(), 0);
    for (n, leaf) in (1..=70u64).zip(leaves(70)) {
        log.append(leaf);
        assert_eq!(log.nodes().len() as u64, 2 * n - u64::from(n.count_ones()), "{n}");
        assert!(!log.nodes().is_empty());
        assert_eq!(log.nodes().leaf_count(), n);
    }
}

/// A log asked about a size it has not reached refuses, rather than answering
/// from the missing leaves; its own size is fine.
#[test]
fn a_log_refuses_sizes_beyond_its_own() {
    let d = leaves(9);
    let mut log = MemoryLog::new();
    for leaf in &d {
        log.append(*leaf);
    }
    let beyond = ledger::StoreError::Proof(ProofError::InvalidSizes { old: 10, new: 9 });
    assert_eq!(log.root_at(10), Err(beyond.clone()));
    assert_eq!(log.inclusion_proof(0, 10), Err(beyond.clone()));
    assert_eq!(log.consistency_proof(3, 10), Err(beyond));
    assert_eq!(log.root_at(9).unwrap(), root(&d));
    assert_eq!(log.inclusion_proof(8, 9).unwrap(), inclusion_proof(&d, 8).unwrap());
    assert_eq!(log.consistency_proof(3, 9).unwrap(), consistency_proof(&d, 3).unwrap());
}

/// The frontier is what the server saves between appends: resuming from it
/// continues the very same tree.
#[test]
fn a_log_resumed_from_its_frontier_continues_the_same_tree() {
    let d = leaves(50);
    for split in 0..50usize {
        let mut before = CompactRange::new();
        for leaf in &d[..split] {
            before.append(*leaf);
        }
        assert_eq!(before.frontier().len(), split.count_ones() as usize);
        let mut resumed = CompactRange::from_frontier(before.size(), before.frontier().to_vec()).unwrap();
        for leaf in &d[split..] {
            resumed.append(*leaf);
        }
        assert_eq!(resumed.root(), root(&d), "{split}");
    }
}
