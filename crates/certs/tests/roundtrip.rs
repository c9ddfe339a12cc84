//! Sign and verify round trips, key ids, keyring behaviour and issuing rules.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use certs::{
    Algorithm, IssueError, IssuerKey, Keyring, KeyringError, PublicKey, SignedCertificate, SigningKey, issue,
    signing_bytes, verify, verify_file,
};
use common::{date, key, keyring_for, sample_certificate, today};

#[test]
fn sign_and_verify_round_trip_for_both_algorithms() {
    for algorithm in Algorithm::ALL {
        let key = key(algorithm, 1);
        let keyring = keyring_for(&key);
        let signed = issue(sample_certificate(), &key).unwrap();
        assert_eq!(signed.signature.algorithm, algorithm);
        assert_eq!(signed.signature.key_id, key.public_key().key_id());

        let raw = BASE64.decode(&signed.signature.value).unwrap();
        match algorithm {
            Algorithm::Sm2Sm3 => assert_eq!(raw[0], 0x30, "SM2 signatures are DER sequences"),
            Algorithm::Ed25519 => assert_eq!(raw.len(), 64),
        }
        let message = signing_bytes(&signed.certificate).unwrap();
        assert!(key.public_key().verify(&message, &raw));

        let verified = verify(&signed, &keyring, None, today()).unwrap();
        assert_eq!(verified.certificate, sample_certificate());
        assert_eq!(verified.issuer, keyring.keys[0]);

        let file = signed.to_file_bytes();
        let verified = verify_file(&file, &keyring, None, today()).unwrap();
        assert_eq!(verified.certificate, sample_certificate());

        // The file is the JSON of the envelope and parses back to it.
        let parsed: SignedCertificate = serde_json::from_slice(&file).unwrap();
        assert_eq!(parsed, signed);

        // Deterministic signing: the same input gives the same file.
        assert_eq!(issue(sample_certificate(), &key).unwrap().to_file_bytes(), file);

        // A key restored from its secret bytes signs identically.
        let restored = SigningKey::from_secret_bytes(algorithm, &key.secret_bytes()).unwrap();
        assert_eq!(issue(sample_certificate(), &restored).unwrap(), signed);
    }
}

#[test]
fn signature_from_another_key_of_the_same_issuer_does_not_verify() {
    for algorithm in Algorithm::ALL {
        let published = key(algorithm, 1);
        let impostor = key(algorithm, 2);
        let mut signed = issue(sample_certificate(), &impostor).unwrap();
        signed.signature.key_id = published.public_key().key_id();
        let err = verify(&signed, &keyring_for(&published), None, today()).unwrap_err();
        assert_eq!(err.code(), "CERT_BAD_SIGNATURE");
    }
}

#[test]
fn key_ids_match_independent_computation() {
    // Expected values computed outside this crate: public keys derived by `openssl pkey` from the
    // same secrets, key id = first 16 bytes of SHA-256(name || 0x00 || key) by `sha256sum`.
    let sm2 = SigningKey::from_secret_bytes(Algorithm::Sm2Sm3, &[0x42; 32])
        .unwrap()
        .public_key();
    assert_eq!(
        hex::encode(sm2.bytes()),
        "042908fb5d2ac605b8c88c4f22f07b19a02f4a286aefb5a0a4fbd704ebab033be4750066c05e2b5b201d2524db8bc51e99385213083fd17d0c477e8141be9943ca"
    );
    assert_eq!(sm2.key_id(), "dc13f882c83f36a094d896b072ccc310");

    let ed = SigningKey::from_secret_bytes(Algorithm::Ed25519, &[0x09; 32])
        .unwrap()
        .public_key();
    assert_eq!(
        hex::encode(ed.bytes()),
        "fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f618"
    );
    assert_eq!(ed.key_id(), "e2f1a57f6985560f0181940b6c7d8b73");
}

#[test]
fn keyring_json_round_trips_and_find_ignores_mislabelled_entries() {
    let a = key(Algorithm::Sm2Sm3, 1);
    let b = key(Algorithm::Ed25519, 2);
    let keyring = Keyring {
        keys: vec![
            IssuerKey::new(
                "WJ",
                "卫生健康委员会",
                a.public_key(),
                date(2020, 1, 1),
                Some(date(2026, 3, 1)),
            ),
            IssuerKey::new("GA", "公安局", b.public_key(), date(2021, 1, 1), None),
        ],
    };
    keyring.validate().unwrap();
    let json = serde_json::to_string_pretty(&keyring).unwrap();
    assert!(json.contains("\"algorithm\": \"SM2-SM3\""), "{json}");
    let back: Keyring = serde_json::from_str(&json).unwrap();
    assert_eq!(back, keyring);
    assert_eq!(back.find(&a.key_id()).unwrap().issuer_code, "WJ");
    assert_eq!(back.find(&b.key_id()).unwrap().issuer_code, "GA");
    assert!(back.find("0000").is_none());

    // An entry claiming another key's id is never returned for it.
    let mut mislabelled = keyring.clone();
    mislabelled.keys[1].key_id = a.key_id();
    mislabelled.keys.swap(0, 1);
    assert_eq!(mislabelled.find(&a.key_id()).unwrap().public_key, a.public_key());
    assert!(matches!(
        mislabelled.validate(),
        Err(KeyringError::KeyIdMismatch { .. })
    ));

    let mut duplicate = keyring.clone();
    duplicate.keys.push(keyring.keys[0].clone());
    assert!(matches!(duplicate.validate(), Err(KeyringError::DuplicateKeyId { .. })));

    // A key retired the day it became valid is odd but consistent.
    let mut same_day = keyring.clone();
    same_day.keys[0].retired_at = Some(same_day.keys[0].valid_from);
    assert_eq!(same_day.validate(), Ok(()));

    let mut backwards = keyring.clone();
    backwards.keys[0].retired_at = Some(date(2019, 1, 1));
    assert!(matches!(
        backwards.validate(),
        Err(KeyringError::RetiredBeforeValid { .. })
    ));
}

#[test]
fn public_key_json_rejects_invalid_keys() {
    let json = r#"{"algorithm":"Ed25519","key":"AAAA"}"#;
    assert!(serde_json::from_str::<PublicKey>(json).is_err());
    let json = r#"{"algorithm":"RSA","key":"AAAA"}"#;
    assert!(serde_json::from_str::<PublicKey>(json).is_err());
    // Its debug form names the algorithm and the key, for logs.
    let public = key(Algorithm::Sm2Sm3, 1).public_key();
    let shown = format!("{public:?}");
    assert!(shown.starts_with("PublicKey") && shown.contains("SM2"), "{shown}");
}

#[test]
fn issue_rejects_incomplete_certificates() {
    let key = key(Algorithm::Ed25519, 1);
    let mut missing = sample_certificate();
    missing.holder_name = "  ".to_owned();
    let err = issue(missing, &key).unwrap_err();
    assert_eq!(err, IssueError::MissingField { field: "holder_name" });
    assert_eq!(err.to_string(), "证照字段“holder_name”不能为空");

    // Valid for one day: until the day it starts.
    let mut one_day = sample_certificate();
    one_day.valid_until = Some(one_day.valid_from);
    assert!(issue(one_day, &key).is_ok());

    let mut backwards = sample_certificate();
    backwards.valid_until = Some(date(2025, 12, 31));
    assert!(matches!(
        issue(backwards, &key),
        Err(IssueError::InvalidValidity { .. })
    ));
}
