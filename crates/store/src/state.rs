//! State commitments: every write of a case, a certificate or a rating appends a
//! ledger entry (in the same transaction) whose detail ends with the digest of what
//! was stored, e.g. `… [state case:YJS2026…  v3 sha256:…]`. `onething ledger verify`
//! recomputes the digest of every stored object and names each one that differs
//! from its latest commitment: a row changed behind the application's back (a
//! task's state, a form value, a revocation undone, a rating edited) is found.
//!
//! The commitment lives in the entry's free-form `detail`, so entries keep format 1
//! and ledgers written before keep verifying; objects written before commitments
//! existed are reported as unattested, not as tampered.

use sha2::{Digest, Sha256};

const MARK: &str = " [state ";

/// The suffix of a ledger entry's detail committing `key` to `digest`.
pub fn suffix(key: &str, digest: &str) -> String {
    format!("{MARK}{key} {digest}]")
}

/// Whether a stored entry (its canonical bytes) may hold a state commitment: a
/// cheap test before parsing it. The mark is plain ASCII, which the canonical
/// JSON never escapes, so an entry that commits always contains it.
pub fn may_commit(entry: &[u8]) -> bool {
    memchr::memmem::find(entry, MARK.as_bytes()).is_some()
}

/// The (key, digest) a detail commits to, if any.
pub fn parse(detail: &str) -> Option<(String, String)> {
    let start = detail.rfind(MARK)? + MARK.len();
    let inner = detail.get(start..)?.strip_suffix(']')?;
    let (key, digest) = inner.split_once(' ')?;
    Some((key.to_owned(), digest.to_owned()))
}

fn sha256(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update([0u8]);
        }
        hasher.update(part.as_bytes());
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

pub fn case_key(id: &str) -> String {
    format!("case:{id}")
}

/// A case document as stored, at its version.
pub fn case_digest(version: i64, doc: &str) -> String {
    format!("v{version} {}", sha256(&[doc]))
}

pub fn certificate_key(id: &str) -> String {
    format!("certificate:{id}")
}

/// A certificate's file and its revocation (the parts of the row that can change).
pub fn certificate_digest(file: &str, revoked_on: Option<&str>, revoke_reason: Option<&str>) -> String {
    sha256(&[file, revoked_on.unwrap_or(""), revoke_reason.unwrap_or("")])
}

pub fn rating_key(case_id: &str) -> String {
    format!("rating:{case_id}")
}

/// A whole-case rating: who, how, and what they wrote.
pub fn rating_digest(account: &str, level: i64, comment: &str, on_behalf: bool) -> String {
    sha256(&[account, &level.to_string(), comment, if on_behalf { "1" } else { "0" }])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_suffix_parses_back_from_any_detail() {
        let digest = case_digest(3, "{\"id\":\"X\"}");
        let detail = format!(
            "approve GG00101001 accepted→approved: 已办结 [x]{}",
            suffix(&case_key("X"), &digest)
        );
        assert_eq!(parse(&detail), Some((case_key("X"), digest)));
        assert_eq!(parse("submit: 提交"), None);
    }

    #[test]
    fn every_part_counts() {
        assert_ne!(case_digest(1, "a"), case_digest(2, "a"));
        assert_ne!(case_digest(1, "a"), case_digest(1, "b"));
        assert_ne!(
            certificate_digest("f", Some("2026-01-01"), None),
            certificate_digest("f", None, Some("2026-01-01"))
        );
        assert_ne!(rating_digest("a", 5, "好", false), rating_digest("a", 5, "好", true));
    }
}
