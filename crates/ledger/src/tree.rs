//! Merkle tree math over a sequence of leaf hashes (RFC 9162 §2.1).
//!
//! The *shape* of a proof only depends on the sizes involved: every proof
//! element is the hash `MTH(D[lo:hi])` of a contiguous leaf range. The
//! functions [`inclusion_ranges`] and [`consistency_ranges`] compute those
//! ranges once, following the recursive definitions of RFC 9162
//! (§2.1.3.1 `PATH` and §2.1.4.1 `SUBPROOF`); the slice-based functions in
//! this module and the store-based ones in [`crate::store`] both fill them
//! in, so they cannot disagree.
//!
//! Verification follows the iterative algorithms of §2.1.3.2 and §2.1.4.2
//! literally.

use crate::compact::CompactRange;
use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// A tree size and the root of the tree of that size (a checkpoint without
/// origin or signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TreeHead {
    /// Number of leaves.
    pub size: u64,
    /// `MTH` of those leaves.
    pub root: Hash,
}

/// A half-open range of leaf indices `[lo, hi)` whose `MTH` is one proof element.
pub type LeafRange = (u64, u64);

/// Why a proof was not produced or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The old size is larger than the new size (or a size exceeds the data).
    #[error("invalid tree sizes: old {old}, new {new}")]
    InvalidSizes {
        /// Old (smaller) tree size.
        old: u64,
        /// New (larger) tree size.
        new: u64,
    },
    /// The proof has too many or too few elements for the claimed sizes.
    #[error("proof has the wrong number of elements")]
    WrongLength,
    /// The recomputed root does not equal the claimed root.
    #[error("recomputed root does not match")]
    RootMismatch,
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The leaf ranges whose hashes form the inclusion proof of leaf `index`
/// in a tree of `size` leaves, in proof order (leaf to root), following
/// RFC 9162 §2.1.3.1 `PATH(m, D[n])`.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] when `index >= size`.
pub fn inclusion_ranges(index: u64, size: u64) -> Result<Vec<LeafRange>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::with_capacity(64);
    path(index, 0, size, &mut out);
    Ok(out)
}

fn path(m: u64, lo: u64, hi: u64, out: &mut Vec<LeafRange>) {
    let n = hi - lo;
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if m < k {
        path(m, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        path(m - k, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// The leaf ranges whose hashes form the consistency proof between the
/// tree of `old_size` leaves and the tree of `new_size` leaves, in proof
/// order, following RFC 9162 §2.1.4.1 `PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`.
///
/// The proof is empty when `old_size == 0` or `old_size == new_size`
/// (nothing to prove; see [`verify_consistency`]).
///
/// # Errors
/// [`ProofError::InvalidSizes`] when `old_size > new_size`.
pub fn consistency_ranges(old_size: u64, new_size: u64) -> Result<Vec<LeafRange>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::InvalidSizes {
            old: old_size,
            new: new_size,
        });
    }
    let mut out = Vec::with_capacity(64);
    if old_size > 0 && old_size < new_size {
        subproof(old_size, 0, new_size, true, &mut out);
    }
    Ok(out)
}

fn subproof(m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<LeafRange>) {
    let n = hi - lo;
    if m == n {
        if !complete {
            out.push((lo, hi));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, lo, lo + k, complete, out);
        out.push((lo + k, hi));
    } else {
        subproof(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// `MTH(D[n])` of RFC 9162 §2.1.1: the root of a tree with the given leaf
/// hashes. The empty tree has root [`EMPTY_ROOT`] (SHA-256 of "").
///
/// Runs in O(n) time and O(log n) memory.
#[must_use]
pub fn root(leaves: &[Hash]) -> Hash {
    let mut range = CompactRange::new();
    for leaf in leaves {
        range.append(*leaf);
    }
    range.root()
}

/// Streaming full verification: folds an iterator of leaf hashes into
/// `(size, root)` without holding more than O(log n) hashes.
pub fn verify_all<I>(leaves: I) -> (u64, Hash)
where
    I: IntoIterator<Item = Hash>,
{
    let mut range = CompactRange::new();
    for leaf in leaves {
        range.append(leaf);
    }
    (range.size(), range.root())
}

/// Converts a leaf index or count to a slice position.
fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

fn slice_range_hash(leaves: &[Hash], (lo, hi): LeafRange) -> Hash {
    match leaves.get(to_usize(lo)..to_usize(hi)) {
        Some(part) => root(part),
        // Ranges always lie inside the tree, which callers bound by `leaves.len()`.
        None => EMPTY_ROOT,
    }
}

/// Inclusion proof (`PATH`) of leaf `index` in the tree formed by all of
/// `leaves`. O(n) hashing; use [`crate::store`] for O(log n) lookups.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] when `index >= leaves.len()`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let ranges = inclusion_ranges(index, leaves.len() as u64)?;
    Ok(ranges.into_iter().map(|r| slice_range_hash(leaves, r)).collect())
}

/// Consistency proof (`PROOF(m, D[n])`) between the first `old_size`
/// leaves and all of `leaves`. O(n) hashing.
///
/// # Errors
/// [`ProofError::InvalidSizes`] when `old_size > leaves.len()`.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let ranges = consistency_ranges(old_size, leaves.len() as u64)?;
    Ok(ranges.into_iter().map(|r| slice_range_hash(leaves, r)).collect())
}

/// Recomputes the root from a leaf hash and its inclusion proof
/// (RFC 9162 §2.1.3.2 steps 1–5, without the final root comparison).
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] or [`ProofError::WrongLength`].
pub fn root_from_inclusion(leaf_hash: &Hash, index: u64, tree_size: u64, proof: &[Hash]) -> Result<Hash, ProofError> {
    // 1. leaf_index must be below tree_size.
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, size: tree_size });
    }
    // 2. fn = leaf_index, sn = tree_size - 1. 3. r = hash.
    let mut f = index;
    let mut s = tree_size - 1;
    let mut r = *leaf_hash;
    // 4. For each p in the inclusion path:
    for p in proof {
        // a. If sn is 0, the proof is too long.
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        // b. If LSB(fn) is set or fn == sn: r = HASH(0x01 || p || r) and
        //    shift until LSB(fn) is set or fn is 0; otherwise
        //    r = HASH(0x01 || r || p).
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        // c. Shift both once.
        f >>= 1;
        s >>= 1;
    }
    // 5. sn must be 0 (otherwise the proof is too short).
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    Ok(r)
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`ProofError::IndexOutOfRange`], [`ProofError::WrongLength`] or
/// [`ProofError::RootMismatch`].
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion(leaf_hash, index, tree_size, proof)?;
    if &computed == root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2).
///
/// Beyond the RFC algorithm, which requires `0 < old_size < new_size`, two
/// trivial cases are accepted with an *empty* proof, as other
/// implementations do: `old_size == new_size` with equal roots, and
/// `old_size == 0` with `old_root` equal to [`EMPTY_ROOT`] (the empty tree
/// is a prefix of every tree).
///
/// # Errors
/// [`ProofError::InvalidSizes`], [`ProofError::WrongLength`] or
/// [`ProofError::RootMismatch`].
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::InvalidSizes {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        let ok = if old_size == 0 {
            *old_root == EMPTY_ROOT
        } else {
            old_root == new_root
        };
        return if ok { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    // 1. An empty path fails.
    let Some((first, rest)) = proof.split_first() else {
        return Err(ProofError::WrongLength);
    };
    // 2. If first is an exact power of 2, prepend first_hash.
    let (start, tail): (&Hash, &[Hash]) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        (first, rest)
    };
    // 3. fn = first - 1, sn = second - 1.
    let mut f = old_size - 1;
    let mut s = new_size - 1;
    // 4. Shift both while LSB(fn) is set.
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    // 5. fr = sr = first value of the path.
    let mut fr = *start;
    let mut sr = *start;
    // 6. For each subsequent value c:
    for c in tail {
        // a. sn == 0 means the proof is too long.
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        // b. If LSB(fn) is set or fn == sn …
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // c. Shift both once.
        f >>= 1;
        s >>= 1;
    }
    // 7. fr == first_hash, sr == second_hash and sn == 0.
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr == *old_root && sr == *new_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn proof_shapes_match_rfc_examples() {
        // RFC 6962 §2.1.3 example tree of seven leaves d0..d6: leaves
        // a..f and j = d6, g = (a,b), h = (c,d), i = (e,f), k = (g,h),
        // l = (i,j). PATH(0) = [b, h, l] has the same shape as PATH(1).
        assert_eq!(inclusion_ranges(1, 7).unwrap_or_default(), vec![(0, 1), (2, 4), (4, 7)]);
        assert_eq!(inclusion_ranges(3, 7).unwrap_or_default(), vec![(2, 3), (0, 2), (4, 7)]);
        assert_eq!(inclusion_ranges(4, 7).unwrap_or_default(), vec![(5, 6), (6, 7), (0, 4)]);
        assert_eq!(inclusion_ranges(6, 7).unwrap_or_default(), vec![(4, 6), (0, 4)]);
        // PROOF(3, D[7]) = [c, d, g, l].
        assert_eq!(
            consistency_ranges(3, 7).unwrap_or_default(),
            vec![(2, 3), (3, 4), (0, 2), (4, 7)]
        );
        // PROOF(4, D[7]) = [l].
        assert_eq!(consistency_ranges(4, 7).unwrap_or_default(), vec![(4, 7)]);
        // PROOF(6, D[7]) = [i, j, k].
        assert_eq!(
            consistency_ranges(6, 7).unwrap_or_default(),
            vec![(4, 6), (6, 7), (0, 4)]
        );
    }
}
