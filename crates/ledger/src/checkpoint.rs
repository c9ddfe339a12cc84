//! C2SP `tlog-checkpoint` (<https://c2sp.org/tlog-checkpoint>): a signed
//! note whose text is
//!
//! ```text
//! <origin>\n
//! <tree size, decimal, no leading zeros>\n
//! <base64 (standard, padded) of the RFC 6962 root hash>\n
//! [<extension line>\n]*
//! ```
//!
//! Extension lines are opaque, optional and non-empty; they are passed
//! through (at most [`MAX_EXTENSION_LINES`] of them).

use crate::hash::Hash;
use crate::note::{NoteError, SignerKey, VerifierKey, open_note, sign_note};
use crate::tree::TreeHead;

/// Most extension lines accepted after the three mandatory lines.
pub const MAX_EXTENSION_LINES: usize = 16;

/// Why a checkpoint body is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Fewer than three lines, or the text does not end with a newline.
    #[error("checkpoint needs origin, size and root lines, each ending in a newline")]
    TooFewLines,
    /// More than [`MAX_EXTENSION_LINES`] extension lines.
    #[error("checkpoint has too many lines")]
    TooManyLines,
    /// The origin line is empty or contains a control character.
    #[error("invalid checkpoint origin")]
    InvalidOrigin,
    /// The size line is not a canonical decimal `u64`.
    #[error("invalid checkpoint tree size")]
    InvalidSize,
    /// The root line is not canonical base64 of 32 bytes.
    #[error("invalid checkpoint root hash")]
    InvalidRoot,
    /// An extension line is empty or contains a control character.
    #[error("invalid checkpoint extension line")]
    InvalidExtension,
}

/// The content of a checkpoint: which log, how many leaves, which root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity, e.g. `onething.example/ledger`.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root of the first `size` leaves.
    pub root: Hash,
    /// Opaque extension lines (without their newlines), usually none.
    pub extensions: Vec<String>,
}

fn valid_line(line: &str) -> bool {
    !line.is_empty() && !line.chars().any(|c| c < ' ')
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    ///
    /// # Errors
    /// [`CheckpointError::InvalidOrigin`].
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        let this = Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        };
        this.validate()?;
        Ok(this)
    }

    /// Checks the line rules of the format.
    ///
    /// # Errors
    /// See [`CheckpointError`].
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if !valid_line(&self.origin) {
            return Err(CheckpointError::InvalidOrigin);
        }
        if self.extensions.len() > MAX_EXTENSION_LINES {
            return Err(CheckpointError::TooManyLines);
        }
        if !self.extensions.iter().all(|l| valid_line(l)) {
            return Err(CheckpointError::InvalidExtension);
        }
        Ok(())
    }

    /// The note text (body) of the checkpoint.
    #[must_use]
    pub fn body(&self) -> String {
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Parses a checkpoint body (the *text* of an already opened note).
    ///
    /// # Errors
    /// See [`CheckpointError`].
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let Some(without_last) = text.strip_suffix('\n') else {
            return Err(CheckpointError::TooFewLines);
        };
        let mut lines = without_last.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::TooFewLines);
        };
        if !valid_line(origin) {
            return Err(CheckpointError::InvalidOrigin);
        }
        let size = parse_size(size)?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::InvalidRoot)?;
        let mut extensions = Vec::new();
        for line in lines {
            if extensions.len() == MAX_EXTENSION_LINES {
                return Err(CheckpointError::TooManyLines);
            }
            if !valid_line(line) {
                return Err(CheckpointError::InvalidExtension);
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Size and root.
    #[must_use]
    pub fn tree_head(&self) -> TreeHead {
        TreeHead {
            size: self.size,
            root: self.root,
        }
    }
}

/// ASCII decimal, no sign, no leading zeros (except `0` itself), fits `u64`.
fn parse_size(text: &str) -> Result<u64, CheckpointError> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::InvalidSize);
    }
    text.parse::<u64>().map_err(|_| CheckpointError::InvalidSize)
}

/// Signs the checkpoint `origin / size / root` as a signed note.
///
/// The C2SP spec recommends that the key name equals the origin; this is
/// not enforced.
///
/// # Errors
/// [`NoteError::Checkpoint`] for an invalid origin.
pub fn sign_checkpoint(signer: &SignerKey, origin: &str, size: u64, root: &Hash) -> Result<String, NoteError> {
    let checkpoint = Checkpoint::new(origin, size, *root)?;
    sign_checkpoint_body(signer, &checkpoint)
}

/// Signs a checkpoint that may carry extension lines.
///
/// # Errors
/// [`NoteError::Checkpoint`] for an invalid checkpoint.
pub fn sign_checkpoint_body(signer: &SignerKey, checkpoint: &Checkpoint) -> Result<String, NoteError> {
    checkpoint.validate()?;
    sign_note(&checkpoint.body(), &[signer])
}

/// Opens a signed checkpoint with `verifier` and parses its body.
///
/// The origin is returned, not checked: compare it with the log you expect.
///
/// # Errors
/// Any [`NoteError`] from [`open_note`], or [`NoteError::Checkpoint`].
pub fn verify_checkpoint(note: impl AsRef<[u8]>, verifier: &VerifierKey) -> Result<Checkpoint, NoteError> {
    let text = open_note(note.as_ref(), verifier)?;
    Ok(Checkpoint::parse_body(text)?)
}
