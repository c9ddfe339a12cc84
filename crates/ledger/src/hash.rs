//! SHA-256 hashes and the RFC 6962 / RFC 9162 §2.1 domain-separated tree hashes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest as _, Sha256};

/// Length of a SHA-256 output in bytes.
pub const HASH_LEN: usize = 32;

/// Prefix byte of a leaf hash input (RFC 9162 §2.1.1).
pub const LEAF_PREFIX: u8 = 0x00;

/// Prefix byte of an interior node hash input (RFC 9162 §2.1.1).
pub const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
///
/// `Debug` and `Display` print lowercase hex; serde uses a lowercase hex
/// string, which is also what a database column would naturally hold.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; HASH_LEN]);

/// The root of the empty tree: SHA-256 of the empty string
/// (`e3b0c442…b855`, RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// Why a textual hash could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// The text is not valid (canonical) hex or base64.
    #[error("hash is not valid {0}")]
    Encoding(&'static str),
    /// The decoded value is not 32 bytes long.
    #[error("hash has {0} bytes, expected 32")]
    Length(usize),
}

impl Hash {
    /// The raw 32 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Builds a hash from a slice that must be exactly 32 bytes long.
    ///
    /// # Errors
    /// [`HashParseError::Length`] when the slice has another length.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashParseError> {
        let arr: [u8; HASH_LEN] = bytes.try_into().map_err(|_| HashParseError::Length(bytes.len()))?;
        Ok(Self(arr))
    }

    /// Lowercase hex (64 characters).
    #[must_use]
    pub fn to_hex(&self) -> String {
        // One allocation and a table lookup per byte: a bulk append writes two of
        // these per entry, and `hex::encode`'s char iterator showed in its profile.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(2 * HASH_LEN);
        for byte in self.0 {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// Parses 64 hex characters (either case).
    ///
    /// # Errors
    /// When the text is not hex or does not decode to 32 bytes.
    pub fn from_hex(text: &str) -> Result<Self, HashParseError> {
        // The common case without an allocation (a ledger audit reads a million).
        let mut bytes = [0u8; HASH_LEN];
        if text.len() == 2 * HASH_LEN && hex::decode_to_slice(text, &mut bytes).is_ok() {
            return Ok(Self(bytes));
        }
        let bytes = hex::decode(text).map_err(|_| HashParseError::Encoding("hex"))?;
        Self::from_slice(&bytes)
    }

    /// Standard base64 with padding (RFC 4648 §4), as used by checkpoints.
    #[must_use]
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses canonical standard base64 (padding required, no stray bits).
    ///
    /// # Errors
    /// When the text is not canonical base64 or does not decode to 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, HashParseError> {
        let bytes = BASE64.decode(text).map_err(|_| HashParseError::Encoding("base64"))?;
        Self::from_slice(&bytes)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl From<[u8; HASH_LEN]> for Hash {
    fn from(bytes: [u8; HASH_LEN]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// SHA-256 of arbitrary bytes (no domain separation).
#[must_use]
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

/// RFC 9162 §2.1.1 leaf hash: `SHA-256(0x00 ‖ entry_bytes)`.
#[must_use]
pub fn leaf_hash(entry_bytes: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(entry_bytes);
    Hash(hasher.finalize().into())
}

/// RFC 9162 §2.1.1 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = NODE_PREFIX;
    buf[1..=HASH_LEN].copy_from_slice(&left.0);
    buf[1 + HASH_LEN..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_round_trips() {
        let mut bytes = [0u8; HASH_LEN];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (i as u8).wrapping_mul(37).wrapping_add(0xf0);
        }
        let hash = Hash(bytes);
        assert_eq!(hash.to_hex(), hex::encode(bytes));
        assert_eq!(Hash::from_hex(&hash.to_hex()), Ok(hash));
        assert_eq!(Hash([0xff; HASH_LEN]).to_hex(), "f".repeat(64));
        assert_eq!(Hash([0; HASH_LEN]).to_hex(), "0".repeat(64));
    }
}
