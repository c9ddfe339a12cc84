//! Canonical ledger entries.
//!
//! A ledger entry is hashed and signed over its *canonical bytes*, so the
//! encoding must be a function of the content alone. [`LedgerEntry`] uses
//! canonical JSON in the spirit of RFC 8785 (JCS), specialised to its fixed
//! shape:
//!
//! * one JSON object, every key always present (absent options are `null`),
//!   keys sorted by their UTF-8 bytes (all keys are ASCII, so this equals the
//!   RFC 8785 UTF-16 ordering), no whitespace anywhere;
//! * strings escaped as RFC 8785 requires: `\"`, `\\`, the short escapes
//!   `\b \t \n \f \r`, other characters below U+0020 as `\u00xx` (lowercase
//!   hex), every other character written literally as UTF-8;
//! * integers written in plain decimal. (Deviation from RFC 8785, which
//!   serialises numbers as IEEE-754 doubles: `at_ms` values beyond ±2^53 are
//!   written exactly here. Millisecond timestamps never get there.)
//!
//! [`LedgerEntry::from_canonical_bytes`] accepts exactly the bytes that
//! [`LedgerEntry::canonical_bytes`] produces and nothing else: the input is
//! parsed, re-encoded and compared byte for byte, so two different byte
//! strings can never decode to the same entry.

use serde::Deserialize;

use crate::hash::{Hash, leaf_hash};

/// Current format version of [`LedgerEntry`].
pub const ENTRY_FORMAT_V1: u32 = 1;

/// Well-known values of [`LedgerEntry::kind`].
pub mod kind {
    /// A case moved from one state to another.
    pub const CASE_TRANSITION: &str = "case.transition";
    /// Someone read or exported personal data.
    pub const DATA_ACCESS: &str = "data.access";
    /// A staff member, supervisor or auditor signed in.
    pub const STAFF_LOGIN: &str = "staff.login";
    /// An applicant signed in.
    pub const APPLICANT_LOGIN: &str = "applicant.login";
}

/// Anything that has a canonical, versioned byte serialisation and can
/// therefore be a leaf of the ledger tree.
pub trait Entry {
    /// The format version written into the canonical bytes.
    fn format(&self) -> u32;

    /// The deterministic serialisation that is hashed into the tree.
    fn canonical_bytes(&self) -> Vec<u8>;

    /// RFC 9162 leaf hash of [`Entry::canonical_bytes`].
    fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.canonical_bytes())
    }
}

/// One event in the ledger: a case transition, a data access, a login…
///
/// The position of the entry in the log (its index) is *not* part of the
/// content: it is implied by the tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    /// Format version; [`ENTRY_FORMAT_V1`] is the only one defined.
    pub format: u32,
    /// When it happened, in milliseconds since the Unix epoch (caller's clock).
    pub at_ms: i64,
    /// What happened, e.g. [`kind::DATA_ACCESS`].
    pub kind: String,
    /// Who did it (staff id, system component…).
    pub actor: String,
    /// The department on whose behalf the actor acted.
    pub department: Option<String>,
    /// The case concerned, if any.
    pub case_id: Option<String>,
    /// Whose personal data was concerned, if any.
    pub subject: Option<String>,
    /// Which data elements were touched (may be empty).
    pub elements: Vec<String>,
    /// Why (stated purpose of processing).
    pub purpose: Option<String>,
    /// On what legal basis.
    pub legal_basis: Option<String>,
    /// Free-form detail (e.g. `"submitted -> accepted"`).
    pub detail: String,
}

/// Why bytes are not a canonical [`LedgerEntry`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Not JSON of the expected shape (unknown or missing keys, wrong types…).
    #[error("entry is not a valid ledger entry: {0}")]
    Invalid(String),
    /// A format version this library does not know.
    #[error("unsupported entry format {0}")]
    UnsupportedFormat(u32),
    /// Valid content, but not in canonical form (whitespace, key order,
    /// escapes, number spelling…), so its hash would be ambiguous.
    #[error("entry bytes are not in canonical form")]
    NotCanonical,
}

/// Object keys in the order they are written (sorted by bytes; a unit test
/// checks the order).
pub(crate) const KEYS: [&str; 11] = [
    "actor",
    "at_ms",
    "case_id",
    "department",
    "detail",
    "elements",
    "format",
    "kind",
    "legal_basis",
    "purpose",
    "subject",
];

impl LedgerEntry {
    /// Canonical JSON bytes (see the module documentation).
    #[must_use]
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        for (i, key) in KEYS.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(&mut out, key);
            out.push(b':');
            match *key {
                "actor" => write_string(&mut out, &self.actor),
                "at_ms" => out.extend_from_slice(self.at_ms.to_string().as_bytes()),
                "case_id" => write_opt(&mut out, self.case_id.as_deref()),
                "department" => write_opt(&mut out, self.department.as_deref()),
                "detail" => write_string(&mut out, &self.detail),
                "elements" => {
                    out.push(b'[');
                    for (j, element) in self.elements.iter().enumerate() {
                        if j > 0 {
                            out.push(b',');
                        }
                        write_string(&mut out, element);
                    }
                    out.push(b']');
                }
                "format" => out.extend_from_slice(self.format.to_string().as_bytes()),
                "kind" => write_string(&mut out, &self.kind),
                "legal_basis" => write_opt(&mut out, self.legal_basis.as_deref()),
                "purpose" => write_opt(&mut out, self.purpose.as_deref()),
                "subject" => write_opt(&mut out, self.subject.as_deref()),
                // KEYS is a closed constant list; every key is matched above.
                _ => out.extend_from_slice(b"null"),
            }
        }
        out.push(b'}');
        out
    }

    /// Parses canonical bytes. Accepts only format [`ENTRY_FORMAT_V1`] and
    /// only the exact canonical encoding.
    ///
    /// # Errors
    /// See [`EntryError`].
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, EntryError> {
        let entry: Self = serde_json::from_slice(bytes).map_err(|e| EntryError::Invalid(e.to_string()))?;
        if entry.format != ENTRY_FORMAT_V1 {
            return Err(EntryError::UnsupportedFormat(entry.format));
        }
        if entry.canonical_bytes() != bytes {
            return Err(EntryError::NotCanonical);
        }
        Ok(entry)
    }

    /// RFC 9162 leaf hash of the canonical bytes.
    #[must_use]
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.canonical_bytes())
    }
}

impl Entry for LedgerEntry {
    fn format(&self) -> u32 {
        self.format
    }

    fn canonical_bytes(&self) -> Vec<u8> {
        LedgerEntry::canonical_bytes(self)
    }
}

fn write_opt(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(s) => write_string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Writes a JSON string literal with RFC 8785 escaping.
fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    // Most strings need no escape: copied whole (a bulk append encodes millions).
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x0d => out.extend_from_slice(b"\\r"),
            0x00..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0x0f)]);
            }
            // Multi-byte UTF-8 sequences never contain bytes below 0x80,
            // so copying byte by byte keeps them intact.
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_unique() {
        let mut sorted = KEYS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, KEYS.to_vec());
    }

    #[test]
    fn escapes_follow_rfc8785() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}é€😀/");
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}é€😀/\""
        );
    }

    #[test]
    fn strings_without_escapes_are_copied_whole() {
        let mut out = b"x".to_vec();
        write_string(&mut out, "育儿补贴 birth_date,hukou_local");
        assert_eq!(out, "x\"育儿补贴 birth_date,hukou_local\"".as_bytes());
        out.clear();
        write_string(&mut out, "");
        assert_eq!(out, b"\"\"");
    }
}
