//! C2SP `signed-note` with Ed25519 keys (<https://c2sp.org/signed-note>).
//!
//! A signed note is a text ending in a newline, a blank line, then one
//! signature line per signer:
//!
//! ```text
//! — <key name> <base64(key ID (4 bytes, big-endian) ‖ Ed25519 signature)>\n
//! ```
//!
//! The line starts with U+2014 EM DASH and a space; the signature covers
//! the text including its final newline and excluding the blank line. The
//! key ID is `SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]`,
//! 0x01 being the Ed25519 signature type.
//!
//! Key encodings follow the reference implementation (Go
//! `golang.org/x/mod/sumdb/note`):
//!
//! * verifier key: `<name>+<8 hex digits of key ID>+<base64(0x01 ‖ public key)>`
//! * signer key: `PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte seed)>`
//!
//! Opening a note mirrors the reference implementation's rules: valid UTF-8
//! with no control characters other than newline, split at the *last*
//! blank line, every signature line well formed, at most
//! [`MAX_SIGNATURES`] lines; lines from unknown keys (name and key ID not
//! both matching) are ignored; the first line from the known key decides:
//! a bad signature rejects the whole note, and a note with no line from the
//! known key is rejected.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::hash::sha256;

/// Signature type byte of Ed25519 in key IDs and key encodings.
pub const ALG_ED25519: u8 = 0x01;

/// Most signature lines a note may carry (the reference implementation's
/// limit; the spec requires accepting at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// Largest note accepted, in bytes.
pub const MAX_NOTE_LEN: usize = 1 << 20;

/// The signature line prefix: U+2014 EM DASH, then a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Why a key could not be created or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Empty, or containing a Unicode space or `+`.
    #[error("invalid key name")]
    InvalidName,
    /// The text is not of the `name+hash+key` form.
    #[error("malformed key encoding")]
    Malformed,
    /// The signature type byte is not Ed25519 (0x01).
    #[error("unsupported signature type {0:#04x}")]
    UnsupportedAlgorithm(u8),
    /// The key bytes are not a valid Ed25519 key.
    #[error("invalid Ed25519 key")]
    InvalidKey,
    /// The key ID in the text does not match the name and key.
    #[error("key ID does not match the key")]
    KeyIdMismatch,
}

/// Why a note could not be signed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Larger than [`MAX_NOTE_LEN`].
    #[error("note is too large")]
    TooLarge,
    /// Not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// Contains an ASCII control character other than newline.
    #[error("note contains a control character")]
    ControlCharacter,
    /// The text is empty or does not end with a newline.
    #[error("note text must be non-empty and end with a newline")]
    TextNotTerminated,
    /// No blank line followed by signature lines ending in a newline.
    #[error("note has no signature block")]
    MissingSignatureBlock,
    /// A line of the signature block is not `— <name> <base64>`.
    #[error("malformed signature line")]
    MalformedSignatureLine,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("too many signature lines")]
    TooManySignatures,
    /// No signature line from the expected key (name and key ID).
    #[error("note is not signed by key {name}+{key_id:08x}")]
    NotSignedByKey {
        /// Expected key name.
        name: String,
        /// Expected key ID.
        key_id: u32,
    },
    /// The expected key's signature does not verify.
    #[error("invalid signature by key {name}+{key_id:08x}")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// The note verified but its text is not a valid checkpoint.
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
}

/// Whether `name` is a valid key name: non-empty, no Unicode white space,
/// no `+`.
#[must_use]
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The recommended key ID: `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`,
/// read as a big-endian `u32`.
#[must_use]
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut input = Vec::with_capacity(name.len() + 2 + 32);
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(ALG_ED25519);
    input.extend_from_slice(public_key);
    let digest = sha256(&input);
    let d = digest.as_bytes();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Public half of a note key: checks signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl VerifierKey {
    /// A verifier key for `name` and a raw 32-byte Ed25519 public key.
    ///
    /// # Errors
    /// Invalid name or public key.
    pub fn from_public_key(name: &str, public_key: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| KeyError::InvalidKey)?;
        Ok(Self {
            name: name.to_owned(),
            id: key_id(name, public_key),
            key,
        })
    }

    /// Parses `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`.
    ///
    /// # Errors
    /// See [`KeyError`].
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(hash), Some(key64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed);
        };
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let id = parse_key_id(hash)?;
        let public = decode_typed_key(key64)?;
        let this = Self::from_public_key(name, &public)?;
        if this.id != id {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(this)
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The raw Ed25519 public key.
    #[must_use]
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether `signature` is a valid (strict) Ed25519 signature of `msg`.
    #[must_use]
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = Vec::with_capacity(33);
        typed.push(ALG_ED25519);
        typed.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, BASE64.encode(typed))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// Private half of a note key: signs notes. `Debug` does not print the seed.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    id: u32,
    key: SigningKey,
}

impl SignerKey {
    /// Derives a signer from a caller-supplied 32-byte Ed25519 seed (this
    /// library has no randomness of its own: get the seed from a CSPRNG or
    /// a key-management system).
    ///
    /// # Errors
    /// [`KeyError::InvalidName`].
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`.
    ///
    /// # Errors
    /// See [`KeyError`].
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let rest = text.strip_prefix(PRIVATE_KEY_PREFIX).ok_or(KeyError::Malformed)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hash), Some(key64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed);
        };
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let id = parse_key_id(hash)?;
        let seed = decode_typed_key(key64)?;
        let this = Self::from_seed(name, &seed)?;
        if this.id != id {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(this)
    }

    /// The secret encoding `PRIVATE+KEY+…`. Handle like a password.
    #[must_use]
    pub fn to_encoded(&self) -> String {
        let mut typed = Vec::with_capacity(33);
        typed.push(ALG_ED25519);
        typed.extend_from_slice(self.key.as_bytes());
        format!(
            "{PRIVATE_KEY_PREFIX}{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64.encode(typed)
        )
    }

    /// The matching verifier key.
    #[must_use]
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// Ed25519 signature of `msg`.
    #[must_use]
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey({}+{:08x}, <secret>)", self.name, self.id)
    }
}

fn parse_key_id(hash: &str) -> Result<u32, KeyError> {
    if hash.len() != 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed);
    }
    u32::from_str_radix(hash, 16).map_err(|_| KeyError::Malformed)
}

fn decode_typed_key(key64: &str) -> Result<[u8; 32], KeyError> {
    let bytes = BASE64.decode(key64).map_err(|_| KeyError::Malformed)?;
    let (&alg, key) = bytes.split_first().ok_or(KeyError::Malformed)?;
    if alg != ALG_ED25519 {
        return Err(KeyError::UnsupportedAlgorithm(alg));
    }
    key.try_into().map_err(|_| KeyError::Malformed)
}

/// Checks the character rules shared by signing and opening.
fn check_characters(text: &str) -> Result<(), NoteError> {
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::ControlCharacter);
    }
    Ok(())
}

/// Signs `text` (non-empty, ending in a newline, no control characters
/// other than newline) with each signer, in order.
///
/// # Errors
/// [`NoteError::TextNotTerminated`], [`NoteError::ControlCharacter`] or
/// [`NoteError::TooLarge`].
pub fn sign_note(text: &str, signers: &[&SignerKey]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextNotTerminated);
    }
    check_characters(text)?;
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 128);
    out.push_str(text);
    out.push('\n');
    for signer in signers {
        let mut blob = Vec::with_capacity(4 + 64);
        blob.extend_from_slice(&signer.id.to_be_bytes());
        blob.extend_from_slice(&signer.sign(text.as_bytes()));
        out.push_str(SIGNATURE_PREFIX);
        out.push_str(&signer.name);
        out.push(' ');
        out.push_str(&BASE64.encode(blob));
        out.push('\n');
    }
    if out.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge);
    }
    Ok(out)
}

/// Opens a signed note: checks its syntax and that `verifier` signed it,
/// and returns the signed text (including its final newline).
///
/// # Errors
/// See [`NoteError`]; in particular [`NoteError::NotSignedByKey`] when no
/// line matches the verifier's name and key ID, and
/// [`NoteError::BadSignature`] when the first such line does not verify.
pub fn open_note<'a>(note: &'a [u8], verifier: &VerifierKey) -> Result<&'a str, NoteError> {
    if note.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge);
    }
    let note = std::str::from_utf8(note).map_err(|_| NoteError::NotUtf8)?;
    check_characters(note)?;
    let split = note.rfind("\n\n").ok_or(NoteError::MissingSignatureBlock)?;
    let text = &note[..=split];
    let sigs = &note[split + 2..];
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(NoteError::MissingSignatureBlock);
    }

    let mut verdict: Option<bool> = None;
    for (count, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let body = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(NoteError::MalformedSignatureLine)?;
        let (name, b64) = body.split_once(' ').ok_or(NoteError::MalformedSignatureLine)?;
        if !is_valid_key_name(name) || b64.is_empty() {
            return Err(NoteError::MalformedSignatureLine);
        }
        let blob = BASE64.decode(b64).map_err(|_| NoteError::MalformedSignatureLine)?;
        if blob.len() < 5 {
            return Err(NoteError::MalformedSignatureLine);
        }
        let id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        if verdict.is_none() && name == verifier.name && id == verifier.id {
            verdict = Some(verifier.verify(text.as_bytes(), &blob[4..]));
        }
    }
    match verdict {
        Some(true) => Ok(text),
        Some(false) => Err(NoteError::BadSignature {
            name: verifier.name.clone(),
            key_id: verifier.id,
        }),
        None => Err(NoteError::NotSignedByKey {
            name: verifier.name.clone(),
            key_id: verifier.id,
        }),
    }
}
