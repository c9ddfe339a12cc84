//! The small parts an auditor and an operator meet directly: hashes as text, key
//! names and ids, the size limits of signed notes, malformed signature lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger::note::{MAX_NOTE_LEN, SIGNATURE_PREFIX};
use ledger::{Hash, KeyError, NoteError, SignerKey, VerifierKey, leaf_hash, open_note, sign_note};

/// RFC 6962: the leaf hash of the empty entry, SHA-256(0x00).
const EMPTY_LEAF: &str = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";

#[test]
fn a_hash_is_written_as_lower_case_hex_everywhere() {
    let hash = leaf_hash(b"");
    assert_eq!(hash.to_hex(), EMPTY_LEAF);
    assert_eq!(hash.to_string(), EMPTY_LEAF);
    assert_eq!(format!("{hash:?}"), format!("Hash({EMPTY_LEAF})"));
    assert_eq!(serde_json::to_value(hash).unwrap(), EMPTY_LEAF);
    let back: Hash = serde_json::from_value(serde_json::json!(EMPTY_LEAF.to_uppercase())).unwrap();
    assert_eq!(back, hash);
    assert!(serde_json::from_value::<Hash>(serde_json::json!("not hex")).is_err());
    let bytes: [u8; 32] = hash.as_ref().try_into().unwrap();
    assert_eq!(Hash::from(bytes), hash);
    assert_eq!(hash.as_ref()[0], 0x6e);
}

#[test]
fn keys_carry_their_name_and_id_and_hide_the_seed() {
    let signer = SignerKey::from_seed("onething.example/ledger", &[9u8; 32]).unwrap();
    let verifier = signer.verifier();
    assert_eq!(verifier.name(), "onething.example/ledger");
    // The id is the 8 hex digits after the name in the published key.
    let published = verifier.to_string();
    let id_hex = published.split('+').nth(1).unwrap();
    assert_eq!(verifier.key_id(), u32::from_str_radix(id_hex, 16).unwrap());
    assert_ne!(verifier.key_id(), 0);
    assert_eq!(VerifierKey::parse(&published).unwrap().key_id(), verifier.key_id());
    assert_eq!(format!("{verifier:?}"), format!("VerifierKey({published})"));
    let shown = format!("{signer:?}");
    assert!(shown.contains("<secret>") && shown.contains(id_hex), "{shown}");
    // A key id of seven hex digits, or eight that are not hex, is not a key.
    let short = published.replacen(&format!("+{id_hex}+"), &format!("+{}+", &id_hex[1..]), 1);
    assert_eq!(VerifierKey::parse(&short).unwrap_err(), KeyError::Malformed);
    let not_hex = published.replacen(&format!("+{id_hex}+"), "+xyzxyzxy+", 1);
    assert_eq!(VerifierKey::parse(&not_hex).unwrap_err(), KeyError::Malformed);
}

#[test]
fn a_note_may_be_exactly_as_large_as_the_limit() {
    let signer = SignerKey::from_seed("onething.example/ledger", &[9u8; 32]).unwrap();
    let overhead = sign_note("x\n", &[&signer]).unwrap().len() - 2;
    let text = |len: usize| format!("{}\n", "x".repeat(len - 1));
    let largest = text(MAX_NOTE_LEN - overhead);
    let note = sign_note(&largest, &[&signer]).unwrap();
    assert_eq!(note.len(), MAX_NOTE_LEN);
    assert_eq!(open_note(note.as_bytes(), &signer.verifier()).unwrap(), largest);
    assert_eq!(
        sign_note(&text(MAX_NOTE_LEN - overhead + 1), &[&signer]).unwrap_err(),
        NoteError::TooLarge
    );
    let mut too_big = note.into_bytes();
    too_big.push(b'\n');
    assert_eq!(
        open_note(&too_big, &signer.verifier()).unwrap_err(),
        NoteError::TooLarge
    );
}

#[test]
fn signature_lines_are_read_strictly() {
    let signer = SignerKey::from_seed("onething.example/ledger", &[9u8; 32]).unwrap();
    let verifier = signer.verifier();
    // A name and no signature.
    let empty = format!("x\n\n{SIGNATURE_PREFIX}onething.example/ledger \n");
    assert_eq!(
        open_note(empty.as_bytes(), &verifier).unwrap_err(),
        NoteError::MalformedSignatureLine
    );
    // The shortest well-formed line (a key id and one byte) of another key is
    // read and passed over: this key did not sign.
    let other = BASE64.encode([0xde, 0xad, 0xbe, 0xef, 0x01]);
    let unsigned = format!("x\n\n{SIGNATURE_PREFIX}someone.else {other}\n");
    assert!(matches!(
        open_note(unsigned.as_bytes(), &verifier).unwrap_err(),
        NoteError::NotSignedByKey { .. }
    ));
    // Four bytes is not a signature line at all.
    let short = BASE64.encode([0xde, 0xad, 0xbe, 0xef]);
    let malformed = format!("x\n\n{SIGNATURE_PREFIX}someone.else {short}\n");
    assert_eq!(
        open_note(malformed.as_bytes(), &verifier).unwrap_err(),
        NoteError::MalformedSignatureLine
    );
}
