//! Tamper-evident ledger core for OneThing: every case transition and every
//! data access becomes a leaf of an append-only Merkle tree.
//!
//! Pure functions and data structures only: no IO, no clock, no randomness.
//! Times and keys are parameters; persistence is the caller's job.
//!
//! * [`entry`]: canonical, versioned entries ([`LedgerEntry`]) and their
//!   bytes;
//! * [`leaf_hash`] / [`node_hash`]: RFC 6962 / RFC 9162 §2.1 hashing;
//! * [`tree`]: `MTH`, inclusion and consistency proofs over a slice of leaf
//!   hashes, and their verification;
//! * [`compact`]: [`CompactRange`], the O(log n) incremental appender;
//! * [`store`]: [`NodeStore`] (the `ledger_nodes(level, index, hash)` table)
//!   and O(log n) proofs from it;
//! * [`audit`]: full recomputation and first-bad-index search against
//!   checkpoints;
//! * [`note`] and [`checkpoint`]: C2SP signed notes (Ed25519) and
//!   `tlog-checkpoint`;
//! * [`bundle`]: offline inclusion bundles.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod audit;
pub mod bundle;
pub mod checkpoint;
pub mod compact;
pub mod entry;
pub mod hash;
pub mod note;
pub mod store;
pub mod tree;

pub use audit::{AuditError, AuditOutcome, AuditReport, Divergence, StoredRow, audit};
pub use bundle::{BundleError, InclusionBundle, VerifiedEntry, verify_bundle};
pub use checkpoint::{Checkpoint, CheckpointError, sign_checkpoint, sign_checkpoint_body, verify_checkpoint};
pub use compact::{CompactRange, FrontierError, NodeId, frontier_ids};
pub use entry::{ENTRY_FORMAT_V1, Entry, EntryError, LedgerEntry};
pub use hash::{EMPTY_ROOT, Hash, HashParseError, leaf_hash, node_hash};
pub use note::{KeyError, NoteError, SignerKey, VerifierKey, key_id, open_note, sign_note};
pub use store::{MemoryLog, MemoryNodeStore, NodeStore, StoreError};
pub use tree::{
    ProofError, TreeHead, consistency_proof, inclusion_proof, root, verify_all, verify_consistency, verify_inclusion,
};
