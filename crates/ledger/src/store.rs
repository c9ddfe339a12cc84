//! Proofs from a store of perfect-subtree hashes, in O(log n) lookups.
//!
//! When leaves are appended with [`CompactRange::append_with`], every node
//! that becomes final (each leaf at level 0, then each completed perfect
//! subtree) is reported once; storing them (the `ledger_nodes(level, index,
//! hash)` table, about two rows per leaf) is enough to answer, for *any*
//! tree size up to the current one:
//!
//! * the root ([`root_at`], at most 64 lookups),
//! * an inclusion proof ([`inclusion_proof_at`]) and
//! * a consistency proof ([`consistency_proof_at`]),
//!
//! each with O(log n) lookups and hashes: along an RFC 9162 proof at most
//! one element is not a perfect subtree, and that one is folded from at most
//! 64 stored perfect subtrees. Perfect subtrees never change once complete,
//! so proofs for historical sizes come from the same rows.
//!
//! A database caller that prefers one batched query can first ask for the
//! node addresses ([`inclusion_proof_nodes`], [`consistency_proof_nodes`],
//! [`root_nodes`]), fetch them into a `HashMap<NodeId, Hash>` (which
//! implements [`NodeStore`]), then call the `*_at` function on the map.
//!
//! A store may also hold fewer nodes: a missing interior node is recomputed
//! from its two children (down to the leaves), which is correct but slower.

use std::collections::{BTreeMap, HashMap};

use crate::compact::{CompactRange, NodeId};
use crate::hash::{EMPTY_ROOT, Hash, node_hash};
use crate::tree::{self, LeafRange, ProofError};

/// Read access to stored perfect-subtree hashes.
pub trait NodeStore {
    /// The hash of the perfect subtree at `(level, index)`, if stored.
    fn node(&self, level: u32, index: u64) -> Option<Hash>;
}

impl<S: NodeStore + ?Sized> NodeStore for &S {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        (**self).node(level, index)
    }
}

impl<B: std::hash::BuildHasher> NodeStore for HashMap<NodeId, Hash, B> {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.get(&NodeId::new(level, index)).copied()
    }
}

impl NodeStore for BTreeMap<NodeId, Hash> {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.get(&NodeId::new(level, index)).copied()
    }
}

/// Why a store-backed computation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The requested sizes or index are invalid.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A needed leaf hash is not stored (interior nodes are recomputed
    /// from their children when missing, leaves cannot be).
    #[error("leaf {0} is missing from the store")]
    MissingLeaf(u64),
    /// The store was written out of order.
    #[error("node (level {}, index {}) was written out of order", .0.level, .0.index)]
    OutOfOrder(NodeId),
}

/// `MTH(D[lo:hi])` from stored nodes.
///
/// # Errors
/// [`StoreError::MissingLeaf`] when a leaf needed to rebuild a missing
/// node is not stored.
pub fn range_hash<S: NodeStore + ?Sized>(store: &S, lo: u64, hi: u64) -> Result<Hash, StoreError> {
    let n = hi.saturating_sub(lo);
    if n == 0 {
        return Ok(EMPTY_ROOT);
    }
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        let level = n.trailing_zeros();
        if let Some(hash) = store.node(level, lo >> level) {
            return Ok(hash);
        }
        if level == 0 {
            return Err(StoreError::MissingLeaf(lo));
        }
    }
    let k = split(n);
    let left = range_hash(store, lo, lo + k)?;
    let right = range_hash(store, lo + k, hi)?;
    Ok(node_hash(&left, &right))
}

/// Largest power of two strictly below `n` (`n >= 2`), or half of `n` when
/// `n` is a power of two: the RFC 9162 split point.
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The stored node addresses needed to hash `[lo, hi)`, left to right,
/// assuming every perfect subtree is stored.
fn collect_range_nodes(lo: u64, hi: u64, out: &mut Vec<NodeId>) {
    let n = hi.saturating_sub(lo);
    if n == 0 {
        return;
    }
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        let level = n.trailing_zeros();
        out.push(NodeId::new(level, lo >> level));
        return;
    }
    let k = split(n);
    collect_range_nodes(lo, lo + k, out);
    collect_range_nodes(lo + k, hi, out);
}

fn nodes_for(ranges: &[LeafRange]) -> Vec<NodeId> {
    let mut out = Vec::new();
    for &(lo, hi) in ranges {
        collect_range_nodes(lo, hi, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Node addresses [`root_at`] reads for a tree of `size` leaves.
#[must_use]
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    nodes_for(&[(0, size)])
}

/// Node addresses [`inclusion_proof_at`] reads (sorted, deduplicated).
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] when `index >= size`.
pub fn inclusion_proof_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, ProofError> {
    Ok(nodes_for(&tree::inclusion_ranges(index, size)?))
}

/// Node addresses [`consistency_proof_at`] reads (sorted, deduplicated).
///
/// # Errors
/// [`ProofError::InvalidSizes`] when `old_size > new_size`.
pub fn consistency_proof_nodes(old_size: u64, new_size: u64) -> Result<Vec<NodeId>, ProofError> {
    Ok(nodes_for(&tree::consistency_ranges(old_size, new_size)?))
}

/// Root of the tree made of the first `size` stored leaves.
///
/// # Errors
/// [`StoreError::MissingLeaf`] when the store does not cover `size` leaves.
pub fn root_at<S: NodeStore + ?Sized>(store: &S, size: u64) -> Result<Hash, StoreError> {
    range_hash(store, 0, size)
}

/// Inclusion proof of leaf `index` in the tree of the first `size` leaves.
///
/// # Errors
/// Invalid index, or a needed leaf is not stored.
pub fn inclusion_proof_at<S: NodeStore + ?Sized>(store: &S, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
    tree::inclusion_ranges(index, size)?
        .into_iter()
        .map(|(lo, hi)| range_hash(store, lo, hi))
        .collect()
}

/// Consistency proof between the trees of the first `old_size` and the
/// first `new_size` leaves.
///
/// # Errors
/// Invalid sizes, or a needed leaf is not stored.
pub fn consistency_proof_at<S: NodeStore + ?Sized>(
    store: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, StoreError> {
    tree::consistency_ranges(old_size, new_size)?
        .into_iter()
        .map(|(lo, hi)| range_hash(store, lo, hi))
        .collect()
}

/// In-memory [`NodeStore`]: one vector per level, filled in append order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryNodeStore {
    levels: Vec<Vec<Hash>>,
}

impl MemoryNodeStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a node. Nodes of one level must arrive in index order (as
    /// [`CompactRange::append_with`] reports them); re-writing an existing
    /// node overwrites it.
    ///
    /// # Errors
    /// [`StoreError::OutOfOrder`] when the write would leave a gap.
    pub fn put(&mut self, id: NodeId, hash: Hash) -> Result<(), StoreError> {
        if id.level >= 64 {
            return Err(StoreError::OutOfOrder(id));
        }
        let level = id.level as usize;
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        let row = &mut self.levels[level];
        let Ok(index) = usize::try_from(id.index) else {
            return Err(StoreError::OutOfOrder(id));
        };
        match index.cmp(&row.len()) {
            std::cmp::Ordering::Less => row[index] = hash,
            std::cmp::Ordering::Equal => row.push(hash),
            std::cmp::Ordering::Greater => return Err(StoreError::OutOfOrder(id)),
        }
        Ok(())
    }

    /// Number of stored nodes (about twice the number of leaves).
    #[must_use]
    pub fn len(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    /// Whether nothing is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of stored leaves (level 0).
    #[must_use]
    pub fn leaf_count(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }
}

impl NodeStore for MemoryNodeStore {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        let row = self.levels.get(level as usize)?;
        row.get(usize::try_from(index).ok()?).copied()
    }
}

/// A complete in-memory log: a [`CompactRange`] plus the
/// [`MemoryNodeStore`] of everything it completed. It is the reference
/// model of what the database edge does with `ledger_nodes`.
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    range: CompactRange,
    nodes: MemoryNodeStore,
}

impl MemoryLog {
    /// An empty log.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash, returns its index. O(log n) worst case,
    /// amortised two hashes and two stored nodes.
    pub fn append(&mut self, leaf: Hash) -> u64 {
        let nodes = &mut self.nodes;
        self.range.append_with(leaf, |id, hash| {
            // Nodes arrive in order by construction, so this cannot fail.
            let _ = nodes.put(id, *hash);
        })
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.range.size()
    }

    /// Current root.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.range.root()
    }

    /// The stored nodes.
    #[must_use]
    pub fn nodes(&self) -> &MemoryNodeStore {
        &self.nodes
    }

    /// The compact range (frontier) of the current tree.
    #[must_use]
    pub fn compact_range(&self) -> &CompactRange {
        &self.range
    }

    /// Root of the tree at an earlier (or the current) size.
    ///
    /// # Errors
    /// When `size` exceeds the log.
    pub fn root_at(&self, size: u64) -> Result<Hash, StoreError> {
        self.check_size(size)?;
        root_at(&self.nodes, size)
    }

    /// Inclusion proof of `index` in the tree of size `size`.
    ///
    /// # Errors
    /// Invalid index or size.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        self.check_size(size)?;
        inclusion_proof_at(&self.nodes, index, size)
    }

    /// Consistency proof between two sizes.
    ///
    /// # Errors
    /// Invalid sizes.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, StoreError> {
        self.check_size(new_size)?;
        consistency_proof_at(&self.nodes, old_size, new_size)
    }

    fn check_size(&self, size: u64) -> Result<(), StoreError> {
        if size > self.size() {
            return Err(StoreError::Proof(ProofError::InvalidSizes {
                old: size,
                new: self.size(),
            }));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_put_is_rejected() {
        let mut store = MemoryNodeStore::new();
        assert!(store.put(NodeId::new(0, 1), EMPTY_ROOT).is_err());
        assert!(store.put(NodeId::new(0, 0), EMPTY_ROOT).is_ok());
        assert!(store.put(NodeId::new(0, 1), EMPTY_ROOT).is_ok());
        assert_eq!(store.leaf_count(), 2);
        assert!(store.put(NodeId::new(u32::MAX, 0), EMPTY_ROOT).is_err());
    }

    #[test]
    fn proof_nodes_are_logarithmic() {
        let size = 1_000_003u64;
        for index in [0, 1, 500_000, 999_999, 1_000_002] {
            let ids = inclusion_proof_nodes(index, size).unwrap_or_default();
            assert!(!ids.is_empty() && ids.len() <= 2 * 64, "{}", ids.len());
        }
        let ids = consistency_proof_nodes(333_333, size).unwrap_or_default();
        assert!(!ids.is_empty() && ids.len() <= 2 * 64);
        assert_eq!(root_nodes(size).len(), size.count_ones() as usize);
    }
}
