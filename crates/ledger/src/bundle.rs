//! Offline inclusion bundles: everything a third party needs to check one
//! ledger entry with nothing but the log's public (verifier) key.
//!
//! ```json
//! {"version":1,"entry":"<base64 canonical entry>","index":41,
//!  "checkpoint":"<signed checkpoint note>","proof":["<base64 hash>",…]}
//! ```
//!
//! Hashes use standard base64, like the checkpoint's root line.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, verify_checkpoint};
use crate::entry::{EntryError, LedgerEntry};
use crate::hash::{Hash, leaf_hash};
use crate::note::{NoteError, VerifierKey};
use crate::tree::{ProofError, verify_inclusion};

/// Version of the bundle JSON.
pub const BUNDLE_VERSION: u32 = 1;

/// An entry, its position, a signed checkpoint and the inclusion proof
/// linking them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionBundle {
    /// Always [`BUNDLE_VERSION`].
    pub version: u32,
    /// Canonical entry bytes, standard base64.
    pub entry: String,
    /// Leaf index of the entry.
    pub index: u64,
    /// The signed checkpoint note (full text, signature lines included).
    pub checkpoint: String,
    /// Inclusion proof hashes, leaf to root, standard base64.
    pub proof: Vec<String>,
}

/// Why a bundle did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not bundle JSON, or an unknown version.
    #[error("malformed bundle: {0}")]
    Malformed(String),
    /// The checkpoint note did not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The entry is not a canonical ledger entry.
    #[error("entry: {0}")]
    Entry(#[from] EntryError),
    /// The proof does not link the entry to the checkpoint.
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
}

/// What a successfully verified bundle proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// The decoded entry.
    pub entry: LedgerEntry,
    /// Its canonical bytes.
    pub entry_bytes: Vec<u8>,
    /// Its leaf hash.
    pub leaf_hash: Hash,
    /// Its index in the log.
    pub index: u64,
    /// The verified checkpoint it is included in (check its origin!).
    pub checkpoint: Checkpoint,
}

impl InclusionBundle {
    /// Assembles a bundle.
    #[must_use]
    pub fn new(entry_bytes: &[u8], index: u64, checkpoint_note: &str, proof: &[Hash]) -> Self {
        Self {
            version: BUNDLE_VERSION,
            entry: BASE64.encode(entry_bytes),
            index,
            checkpoint: checkpoint_note.to_owned(),
            proof: proof.iter().map(Hash::to_base64).collect(),
        }
    }

    /// Compact JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising plain strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses bundle JSON.
    ///
    /// # Errors
    /// [`BundleError::Malformed`].
    pub fn from_json(json: &str) -> Result<Self, BundleError> {
        let bundle: Self = serde_json::from_str(json).map_err(|e| BundleError::Malformed(e.to_string()))?;
        if bundle.version != BUNDLE_VERSION {
            return Err(BundleError::Malformed(format!(
                "unsupported version {}",
                bundle.version
            )));
        }
        Ok(bundle)
    }

    /// Verifies this bundle with the log's verifier key.
    ///
    /// # Errors
    /// See [`BundleError`].
    pub fn verify(&self, verifier: &VerifierKey) -> Result<VerifiedEntry, BundleError> {
        let checkpoint = verify_checkpoint(&self.checkpoint, verifier)?;
        let entry_bytes = BASE64
            .decode(&self.entry)
            .map_err(|_| BundleError::Malformed("entry is not base64".into()))?;
        let proof = self
            .proof
            .iter()
            .map(|h| Hash::from_base64(h))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| BundleError::Malformed("proof hash is not base64 of 32 bytes".into()))?;
        let leaf = leaf_hash(&entry_bytes);
        verify_inclusion(&leaf, self.index, checkpoint.size, &proof, &checkpoint.root)?;
        let entry = LedgerEntry::from_canonical_bytes(&entry_bytes)?;
        Ok(VerifiedEntry {
            entry,
            entry_bytes,
            leaf_hash: leaf,
            index: self.index,
            checkpoint,
        })
    }
}

/// Parses and verifies bundle JSON with only the verifier key.
///
/// # Errors
/// See [`BundleError`].
pub fn verify_bundle(bundle_json: &str, verifier: &VerifierKey) -> Result<VerifiedEntry, BundleError> {
    InclusionBundle::from_json(bundle_json)?.verify(verifier)
}
