//! Signed checkpoints: exact format, key encodings, and rejection of every
//! single-bit change.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Verifier as _;
use ledger::checkpoint::MAX_EXTENSION_LINES;
use ledger::note::MAX_SIGNATURES;
use ledger::{
    Checkpoint, CheckpointError, Hash, KeyError, NoteError, SignerKey, VerifierKey, leaf_hash, open_note, root,
    sign_checkpoint, sign_checkpoint_body, sign_note, verify_checkpoint,
};
use sha2::{Digest as _, Sha256};

const ORIGIN: &str = "ledger.onething.example/v1";

fn signer() -> SignerKey {
    SignerKey::from_seed(ORIGIN, &[7u8; 32]).unwrap()
}

fn sample_root() -> Hash {
    root(&common::leaves(1234))
}

#[test]
fn checkpoint_has_the_exact_c2sp_format() {
    let signer = signer();
    let r = sample_root();
    let note = sign_checkpoint(&signer, ORIGIN, 1234, &r).unwrap();

    let body = format!("{ORIGIN}\n1234\n{}\n", BASE64.encode(r.0));
    assert!(note.starts_with(&body));
    let rest = &note[body.len()..];
    // Blank line, then exactly one signature line ending in a newline.
    let sig_line = rest.strip_prefix('\n').unwrap();
    assert_eq!(sig_line.matches('\n').count(), 1);
    assert!(sig_line.ends_with('\n'));
    // U+2014 EM DASH (E2 80 94) and a space, the key name, a space, base64.
    let sig_line = sig_line.strip_suffix('\n').unwrap();
    assert_eq!(&sig_line.as_bytes()[..4], &[0xE2, 0x80, 0x94, b' ']);
    let (name, b64) = sig_line["\u{2014} ".len()..].split_once(' ').unwrap();
    assert_eq!(name, ORIGIN);
    let blob = BASE64.decode(b64).unwrap();
    assert_eq!(blob.len(), 4 + 64);

    // Key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4].
    let public = signer.verifier().public_key();
    let mut input = ORIGIN.as_bytes().to_vec();
    input.push(0x0A);
    input.push(0x01);
    input.extend_from_slice(&public);
    let digest = Sha256::digest(&input);
    assert_eq!(&blob[..4], &digest[..4]);
    assert_eq!(u32::from_be_bytes(blob[..4].try_into().unwrap()), signer.key_id());

    // The signature is plain Ed25519 over the body bytes (with the final
    // newline of the body, without the blank line).
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let sig = ed25519_dalek::Signature::from_slice(&blob[4..]).unwrap();
    vk.verify(body.as_bytes(), &sig).unwrap();
    assert!(vk.verify(format!("{body}\n").as_bytes(), &sig).is_err());

    let checkpoint = verify_checkpoint(&note, &signer.verifier()).unwrap();
    assert_eq!(
        checkpoint,
        Checkpoint {
            origin: ORIGIN.into(),
            size: 1234,
            root: r,
            extensions: vec![],
        }
    );
}

#[test]
fn any_single_bit_flip_is_rejected() {
    let signer = signer();
    let verifier = signer.verifier();
    let note = sign_checkpoint(&signer, ORIGIN, 1234, &sample_root()).unwrap();
    let bytes = note.as_bytes();
    assert!(verify_checkpoint(bytes, &verifier).is_ok());
    let mut rejected = 0;
    for pos in 0..bytes.len() {
        for bit in 0..8 {
            let mut tampered = bytes.to_vec();
            tampered[pos] ^= 1 << bit;
            assert!(
                verify_checkpoint(&tampered, &verifier).is_err(),
                "flipping bit {bit} of byte {pos} ({:?}) still verified",
                bytes[pos] as char
            );
            rejected += 1;
        }
    }
    assert_eq!(rejected, bytes.len() * 8);
}

#[test]
fn truncation_and_extension_are_rejected() {
    let signer = signer();
    let verifier = signer.verifier();
    let note = sign_checkpoint(&signer, ORIGIN, 99, &sample_root()).unwrap();
    for cut in 0..note.len() {
        assert!(
            verify_checkpoint(&note.as_bytes()[..cut], &verifier).is_err(),
            "cut {cut}"
        );
    }
    assert!(verify_checkpoint(format!("{note}\n"), &verifier).is_err());
    assert!(verify_checkpoint(format!("x{note}"), &verifier).is_err());
}

#[test]
fn keys_generate_parse_and_format() {
    let signer = SignerKey::from_seed("example.com/log", &[1u8; 32]).unwrap();
    let skey = signer.to_encoded();
    assert!(skey.starts_with("PRIVATE+KEY+example.com/log+"));
    let vkey = signer.verifier().to_string();
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    assert_eq!(parts[0], "example.com/log");
    assert_eq!(parts[1], format!("{:08x}", signer.key_id()));
    let typed = BASE64.decode(parts[2]).unwrap();
    assert_eq!(typed[0], 0x01);
    assert_eq!(&typed[1..], &signer.verifier().public_key());

    let reparsed = SignerKey::parse(&skey).unwrap();
    assert_eq!(reparsed.to_encoded(), skey);
    assert_eq!(VerifierKey::parse(&vkey).unwrap(), signer.verifier());
    assert!(!format!("{signer:?}").contains(&skey[30..]));

    // Errors.
    assert_eq!(SignerKey::from_seed("", &[0; 32]).err(), Some(KeyError::InvalidName));
    assert_eq!(SignerKey::from_seed("a b", &[0; 32]).err(), Some(KeyError::InvalidName));
    assert_eq!(SignerKey::from_seed("a+b", &[0; 32]).err(), Some(KeyError::InvalidName));
    assert_eq!(
        SignerKey::from_seed("a\u{3000}b", &[0; 32]).err(),
        Some(KeyError::InvalidName)
    );
    let wrong_hash = vkey.replacen(parts[1], "00000000", 1);
    assert_eq!(VerifierKey::parse(&wrong_hash).err(), Some(KeyError::KeyIdMismatch));
    let wrong_alg = format!(
        "{}+{}+{}",
        parts[0],
        parts[1],
        BASE64.encode([&[2u8][..], &typed[1..]].concat())
    );
    assert_eq!(
        VerifierKey::parse(&wrong_alg).err(),
        Some(KeyError::UnsupportedAlgorithm(2))
    );
    let short = format!("{}+{}+{}", parts[0], parts[1], BASE64.encode(&typed[..32]));
    assert_eq!(VerifierKey::parse(&short).err(), Some(KeyError::Malformed));
    assert!(VerifierKey::parse("example.com/log").is_err());
    assert!(VerifierKey::parse(&format!("{}+{}+!!!", parts[0], parts[1])).is_err());
    assert!(VerifierKey::parse(&format!("{}++{}", parts[0], parts[2])).is_err());
    assert!(VerifierKey::parse(&format!("{}+{}+{}", parts[0], &parts[1][..7], parts[2])).is_err());
    assert!(SignerKey::parse(&vkey).is_err());
    assert_eq!(
        SignerKey::parse(&skey.replace("PRIVATE+KEY+", "PRIVATE+KEYS+")).err(),
        Some(KeyError::Malformed)
    );
}

#[test]
fn other_keys_do_not_verify() {
    let signer = signer();
    let note = sign_checkpoint(&signer, ORIGIN, 5, &sample_root()).unwrap();
    // Same name, other key: different key ID, so the line is ignored.
    let other = SignerKey::from_seed(ORIGIN, &[8u8; 32]).unwrap();
    assert!(matches!(
        verify_checkpoint(&note, &other.verifier()),
        Err(NoteError::NotSignedByKey { .. })
    ));
    // Other name, same key.
    let renamed = SignerKey::from_seed("someone.else/v1", &[7u8; 32]).unwrap();
    assert!(matches!(
        verify_checkpoint(&note, &renamed.verifier()),
        Err(NoteError::NotSignedByKey { .. })
    ));
}

#[test]
fn unknown_signatures_are_ignored_and_bad_known_ones_reject() {
    let log = signer();
    let witness = SignerKey::from_seed("witness.example/w1", &[9u8; 32]).unwrap();
    let body = Checkpoint::new(ORIGIN, 10, sample_root()).unwrap().body();
    let both = sign_note(&body, &[&witness, &log]).unwrap();
    assert_eq!(verify_checkpoint(&both, &log.verifier()).unwrap().size, 10);
    assert_eq!(verify_checkpoint(&both, &witness.verifier()).unwrap().size, 10);

    // A forged line with the log's name and key ID but a wrong signature,
    // placed before the genuine one: the first known line decides.
    let genuine = sign_note(&body, &[&log]).unwrap();
    let genuine_line = genuine.rsplit("\n\n").next().unwrap();
    let mut blob = vec![0u8; 68];
    blob[..4].copy_from_slice(&log.key_id().to_be_bytes());
    let forged_line = format!("\u{2014} {ORIGIN} {}\n", BASE64.encode(&blob));
    let forged = format!("{body}\n{forged_line}{genuine_line}");
    assert!(matches!(
        verify_checkpoint(&forged, &log.verifier()),
        Err(NoteError::BadSignature { .. })
    ));
    // Too short a signature blob is malformed.
    let tiny = format!("{body}\n\u{2014} {ORIGIN} {}\n", BASE64.encode([1u8, 2, 3, 4]));
    assert_eq!(
        verify_checkpoint(&tiny, &log.verifier()),
        Err(NoteError::MalformedSignatureLine)
    );
}

#[test]
fn malformed_notes_are_rejected() {
    let log = signer();
    let v = log.verifier();
    let good = sign_checkpoint(&log, ORIGIN, 3, &sample_root()).unwrap();
    let (body, sig) = good.split_once("\n\n").unwrap();
    let body = format!("{body}\n");

    // No blank line / no signatures.
    assert_eq!(verify_checkpoint(&body, &v), Err(NoteError::MissingSignatureBlock));
    assert_eq!(
        verify_checkpoint(format!("{body}\n"), &v),
        Err(NoteError::MissingSignatureBlock)
    );
    // Signature block not ending in a newline.
    assert_eq!(
        verify_checkpoint(good.trim_end_matches('\n'), &v),
        Err(NoteError::MissingSignatureBlock)
    );
    // Hyphen instead of em dash.
    let hyphen = good.replace('\u{2014}', "-");
    assert_eq!(verify_checkpoint(&hyphen, &v), Err(NoteError::MalformedSignatureLine));
    // Two spaces.
    let spaced = good.replace(&format!("{ORIGIN} "), &format!("{ORIGIN}  "));
    assert!(verify_checkpoint(&spaced, &v).is_err());
    // Control character and invalid UTF-8.
    assert_eq!(
        verify_checkpoint(good.replacen('\n', "\r\n", 1), &v),
        Err(NoteError::ControlCharacter)
    );
    let mut not_utf8 = good.clone().into_bytes();
    not_utf8[2] = 0xff;
    assert_eq!(verify_checkpoint(&not_utf8, &v), Err(NoteError::NotUtf8));
    // Too many signature lines (unknown keys are still counted).
    let mut crowded = format!("{body}\n");
    for i in 0..MAX_SIGNATURES {
        let w = SignerKey::from_seed(&format!("w{i}"), &[i as u8; 32]).unwrap();
        let line = sign_note(&body, &[&w]).unwrap();
        crowded.push_str(line.rsplit("\n\n").next().unwrap());
    }
    assert_eq!(
        verify_checkpoint(format!("{crowded}{sig}"), &v),
        Err(NoteError::TooManySignatures)
    );
    // Exactly the limit is fine.
    let limit = crowded.replacen(
        crowded.split("\n\n").nth(1).unwrap().lines().next().unwrap(),
        sig.trim_end(),
        1,
    );
    assert_eq!(verify_checkpoint(&limit, &v).unwrap().size, 3);
    // Signing text that does not end in a newline.
    assert_eq!(sign_note("abc", &[&log]), Err(NoteError::TextNotTerminated));
    assert_eq!(sign_note("a\tb\n", &[&log]), Err(NoteError::ControlCharacter));
}

#[test]
fn malformed_checkpoint_bodies_are_rejected_even_when_signed() {
    let log = signer();
    let v = log.verifier();
    let r = sample_root().to_base64();
    let cases: Vec<(String, CheckpointError)> = vec![
        (format!("{ORIGIN}\n042\n{r}\n"), CheckpointError::InvalidSize),
        (format!("{ORIGIN}\n+42\n{r}\n"), CheckpointError::InvalidSize),
        (
            format!("{ORIGIN}\n18446744073709551616\n{r}\n"),
            CheckpointError::InvalidSize,
        ),
        (format!("{ORIGIN}\n-1\n{r}\n"), CheckpointError::InvalidSize),
        (format!("{ORIGIN}\n\n{r}\n"), CheckpointError::InvalidSize),
        (format!("{ORIGIN}\n42\n{}\n", &r[..40]), CheckpointError::InvalidRoot),
        (
            format!("{ORIGIN}\n42\n{}\n", r.trim_end_matches('=')),
            CheckpointError::InvalidRoot,
        ),
        (
            format!("{ORIGIN}\n42\n{}\n", BASE64.encode([0u8; 31])),
            CheckpointError::InvalidRoot,
        ),
        (format!("{ORIGIN}\n42\n"), CheckpointError::TooFewLines),
        (format!("\n42\n{r}\n"), CheckpointError::InvalidOrigin),
        (format!("{ORIGIN}\n42\n{r}\n\next\n"), CheckpointError::InvalidExtension),
        (
            format!("{ORIGIN}\n42\n{r}\n{}", "ext\n".repeat(MAX_EXTENSION_LINES + 1)),
            CheckpointError::TooManyLines,
        ),
    ];
    for (body, want) in cases {
        let note = sign_note(&body, &[&log]).unwrap();
        // The signature is fine, the body is not.
        assert!(open_note(note.as_bytes(), &v).is_ok(), "{body:?}");
        assert_eq!(
            verify_checkpoint(&note, &v),
            Err(NoteError::Checkpoint(want)),
            "{body:?}"
        );
    }
    // Zero is written as "0".
    let empty = sign_checkpoint(&log, ORIGIN, 0, &ledger::EMPTY_ROOT).unwrap();
    assert!(empty.starts_with(&format!("{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")));
    assert_eq!(verify_checkpoint(&empty, &v).unwrap().size, 0);
    // Invalid origins cannot be signed.
    assert!(sign_checkpoint(&log, "", 1, &sample_root()).is_err());
    assert!(sign_checkpoint(&log, "a\nb", 1, &sample_root()).is_err());
}

#[test]
fn extension_lines_pass_through() {
    let log = signer();
    let mut c = Checkpoint::new(ORIGIN, 8, leaf_hash(b"x")).unwrap();
    c.extensions = vec!["— timestamp 1700000000000".into(), "policy v2".into()];
    let note = sign_checkpoint_body(&log, &c).unwrap();
    assert_eq!(verify_checkpoint(&note, &log.verifier()).unwrap(), c);
    c.extensions.push(String::new());
    assert!(sign_checkpoint_body(&log, &c).is_err());
}

#[test]
fn a_checkpoint_may_carry_exactly_the_maximum_of_extension_lines() {
    let with = |lines: usize| Checkpoint {
        origin: ORIGIN.into(),
        size: 42,
        root: sample_root(),
        extensions: vec!["ext".to_owned(); lines],
    };
    assert_eq!(with(MAX_EXTENSION_LINES).validate(), Ok(()));
    assert_eq!(
        with(MAX_EXTENSION_LINES + 1).validate(),
        Err(CheckpointError::TooManyLines)
    );
    assert_eq!(with(0).validate(), Ok(()));
}
