//! Every single-byte change to a certificate file must make verification fail.

mod common;

use std::collections::BTreeMap;

use certs::{Algorithm, issue, verify_file};
use common::{key, keyring_for, sample_certificate, today};

/// Variants of `file` with the byte at `i` changed: flipped low bit, a different printable
/// character, and the byte deleted.
fn variants(file: &[u8], i: usize) -> Vec<Vec<u8>> {
    let original = file[i];
    let mut out = Vec::new();
    let mut flipped = file.to_vec();
    flipped[i] ^= 0x01;
    out.push(flipped);
    let printable = if original == b'A' { b'B' } else { b'A' };
    let mut replaced = file.to_vec();
    replaced[i] = printable;
    out.push(replaced);
    let mut deleted = file.to_vec();
    deleted.remove(i);
    out.push(deleted);
    out
}

#[test]
fn every_byte_position_is_protected_for_both_algorithms() {
    for algorithm in Algorithm::ALL {
        let key = key(algorithm, 3);
        let keyring = keyring_for(&key);
        let file = issue(sample_certificate(), &key).unwrap().to_file_bytes();
        // The untouched file verifies, so failures below are caused by the change.
        verify_file(&file, &keyring, None, today()).unwrap();
        assert!(file.len() > 500, "file unexpectedly small: {}", file.len());

        let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
        for i in 0..file.len() {
            for (kind, tampered) in variants(&file, i).into_iter().enumerate() {
                assert_ne!(tampered, file);
                match verify_file(&tampered, &keyring, None, today()) {
                    Ok(_) => panic!(
                        "{algorithm}: change #{kind} at byte {i} ({:?}) still verifies",
                        char::from(file[i])
                    ),
                    Err(e) => *reasons.entry(e.code()).or_default() += 1,
                }
            }
        }
        println!(
            "{algorithm}: {} bytes x 3 changes, failures by code: {reasons:?}",
            file.len()
        );
        // Changes inside string values get past parsing and are caught by the signature check or
        // key lookup, not only by the canonical-form check.
        assert!(
            reasons.get("CERT_BAD_SIGNATURE").copied().unwrap_or(0) > 100,
            "{reasons:?}"
        );
        assert!(reasons.contains_key("CERT_MALFORMED"), "{reasons:?}");
        assert!(reasons.contains_key("CERT_UNKNOWN_KEY"), "{reasons:?}");
    }
}
