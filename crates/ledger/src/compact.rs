//! The incremental appender: a compact range over `[0, size)`.
//!
//! A tree of `size` leaves decomposes into one perfect subtree per set bit
//! of `size`, largest (leftmost) first. [`CompactRange`] keeps only the
//! roots of those subtrees (the right-edge "frontier", at most 64 hashes),
//! so appending a leaf costs one leaf store plus one hash per completed
//! subtree (amortised < 2 hashes, worst case 64) and the root is a fold of
//! at most 64 hashes, whatever the size of the log.

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Address of a perfect subtree: the node at `level` (0 = leaf) and
/// position `index` within that level. It covers the leaves
/// `[index * 2^level, (index + 1) * 2^level)`.
///
/// This is the key of the `ledger_nodes(level, index, hash)` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    /// Height above the leaves (0 = the leaf hash itself).
    pub level: u32,
    /// Position within the level.
    pub index: u64,
}

impl NodeId {
    /// Creates a node address.
    #[must_use]
    pub const fn new(level: u32, index: u64) -> Self {
        Self { level, index }
    }

    /// The half-open range of leaf indices this node covers
    /// (saturating at `u64::MAX` for absurd addresses).
    #[must_use]
    pub fn leaf_range(&self) -> (u64, u64) {
        let width = 1u64.checked_shl(self.level).unwrap_or(0);
        let lo = self.index.saturating_mul(width);
        (lo, lo.saturating_add(width))
    }
}

/// Why a frontier could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontierError {
    /// The number of hashes is not the number of set bits of the size.
    #[error("a frontier for size {size} needs {expected} hashes, got {got}")]
    WrongLength {
        /// Claimed tree size.
        size: u64,
        /// `size.count_ones()`.
        expected: usize,
        /// Hashes supplied.
        got: usize,
    },
    /// A frontier node is missing from the store.
    #[error("node (level {}, index {}) is missing from the store", .0.level, .0.index)]
    MissingNode(NodeId),
}

/// The perfect subtrees that make up a tree of `size` leaves, left to right.
#[must_use]
pub fn frontier_ids(size: u64) -> Vec<NodeId> {
    (0..64u32)
        .rev()
        .filter(|level| (size >> level) & 1 == 1)
        .map(|level| NodeId::new(level, (size >> level) - 1))
        .collect()
}

/// Append-only Merkle tree state holding only the O(log n) frontier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    /// Roots of the perfect subtrees, largest (leftmost) first.
    frontier: Vec<Hash>,
}

impl CompactRange {
    /// The empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Resumes from a saved frontier (as returned by [`CompactRange::frontier`]).
    ///
    /// # Errors
    /// [`FrontierError::WrongLength`] when `frontier.len() != size.count_ones()`.
    pub fn from_frontier(size: u64, frontier: Vec<Hash>) -> Result<Self, FrontierError> {
        let expected = size.count_ones() as usize;
        if frontier.len() != expected {
            return Err(FrontierError::WrongLength {
                size,
                expected,
                got: frontier.len(),
            });
        }
        Ok(Self { size, frontier })
    }

    /// Resumes from a node store that holds the perfect subtrees of a tree
    /// of `size` leaves (O(log n) lookups, see [`frontier_ids`]).
    ///
    /// # Errors
    /// [`FrontierError::MissingNode`] when one of them is not stored.
    pub fn from_store<S>(store: &S, size: u64) -> Result<Self, FrontierError>
    where
        S: crate::store::NodeStore + ?Sized,
    {
        let frontier = frontier_ids(size)
            .into_iter()
            .map(|id| store.node(id.level, id.index).ok_or(FrontierError::MissingNode(id)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { size, frontier })
    }

    /// Number of leaves appended so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Roots of the perfect subtrees, largest first (`size.count_ones()` hashes).
    #[must_use]
    pub fn frontier(&self) -> &[Hash] {
        &self.frontier
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash) {
        self.append_with(leaf, |_, _| {});
    }

    /// Appends a leaf hash and reports every node that becomes final: the
    /// leaf itself at level 0, then each perfect subtree completed by it.
    /// Persisting exactly these rows in `ledger_nodes` is what makes
    /// O(log n) proofs possible later. Returns the index of the new leaf.
    pub fn append_with<F>(&mut self, leaf: Hash, mut sink: F) -> u64
    where
        F: FnMut(NodeId, &Hash),
    {
        let index = self.size;
        let mut hash = leaf;
        sink(NodeId::new(0, index), &hash);
        let mut level = 0u32;
        while level < 64 && (index >> level) & 1 == 1 {
            let Some(left) = self.frontier.pop() else {
                break;
            };
            hash = node_hash(&left, &hash);
            level += 1;
            sink(NodeId::new(level, index >> level), &hash);
        }
        self.frontier.push(hash);
        self.size = index + 1;
        index
    }

    /// `MTH` of the leaves appended so far ([`EMPTY_ROOT`] when empty).
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut iter = self.frontier.iter().rev();
        let Some(last) = iter.next() else {
            return EMPTY_ROOT;
        };
        iter.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_ids_cover_the_tree_left_to_right() {
        assert!(frontier_ids(0).is_empty());
        assert_eq!(frontier_ids(1), vec![NodeId::new(0, 0)]);
        assert_eq!(frontier_ids(6), vec![NodeId::new(2, 0), NodeId::new(1, 2)]);
        assert_eq!(
            frontier_ids(7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
        for size in 0..300u64 {
            let mut next = 0;
            for id in frontier_ids(size) {
                let (lo, hi) = id.leaf_range();
                assert_eq!(lo, next);
                next = hi;
            }
            assert_eq!(next, size);
        }
    }

    #[test]
    fn append_reports_completed_subtrees() {
        let mut range = CompactRange::new();
        let mut seen = Vec::new();
        for i in 0..4u8 {
            range.append_with(Hash([i; 32]), |id, _| seen.push(id));
        }
        assert_eq!(
            seen,
            vec![
                NodeId::new(0, 0),
                NodeId::new(0, 1),
                NodeId::new(1, 0),
                NodeId::new(0, 2),
                NodeId::new(0, 3),
                NodeId::new(1, 1),
                NodeId::new(2, 0),
            ]
        );
        assert_eq!(range.frontier().len(), 1);
    }

    #[test]
    fn from_frontier_checks_length() {
        assert!(CompactRange::from_frontier(3, vec![EMPTY_ROOT]).is_err());
        assert!(CompactRange::from_frontier(3, vec![EMPTY_ROOT, EMPTY_ROOT]).is_ok());
    }
}
