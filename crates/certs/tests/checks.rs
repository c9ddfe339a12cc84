//! Each verification failure, its code and message, rotation, and the order of checks.

mod common;

use certs::{
    Algorithm, Certificate, IssuerKey, Keyring, Revocation, SigningKey, VerifyError, issue, verify, verify_file,
};
use chrono::NaiveDate;
use common::{date, key, keyring_for, sample_certificate, today};

fn certificate(issue_date: NaiveDate, valid_from: NaiveDate, valid_until: Option<NaiveDate>) -> Certificate {
    Certificate {
        issue_date,
        valid_from,
        valid_until,
        ..sample_certificate()
    }
}

fn check(
    cert: Certificate,
    key: &SigningKey,
    keyring: &Keyring,
    revocation: Option<&Revocation>,
    today: NaiveDate,
) -> Result<(), VerifyError> {
    let file = issue(cert, key).unwrap().to_file_bytes();
    verify_file(&file, keyring, revocation, today).map(|_| ())
}

#[test]
fn revoked() {
    for algorithm in Algorithm::ALL {
        let key = key(algorithm, 10);
        let revocation = Revocation {
            revoked_on: date(2026, 11, 20),
            reason: "信息有误，已重新签发".to_owned(),
        };
        let err = check(
            sample_certificate(),
            &key,
            &keyring_for(&key),
            Some(&revocation),
            date(2026, 12, 1),
        )
        .unwrap_err();
        assert_eq!(
            err,
            VerifyError::Revoked {
                revoked_on: date(2026, 11, 20),
                reason: "信息有误，已重新签发".to_owned()
            }
        );
        assert_eq!(err.code(), "CERT_REVOKED");
        assert_eq!(
            err.to_string(),
            "证照已于2026-11-20被签发机关注销：信息有误，已重新签发"
        );
    }
}

#[test]
fn expired_only_after_the_last_valid_day() {
    let key = key(Algorithm::Sm2Sm3, 11);
    let keyring = keyring_for(&key);
    let cert = certificate(date(2025, 1, 1), date(2025, 1, 1), Some(date(2026, 12, 31)));
    check(cert.clone(), &key, &keyring, None, date(2026, 12, 31)).unwrap();
    let err = check(cert, &key, &keyring, None, date(2027, 1, 1)).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Expired {
            valid_until: date(2026, 12, 31)
        }
    );
    assert_eq!(err.code(), "CERT_EXPIRED");
    assert_eq!(err.to_string(), "证照已于2026-12-31过期");
}

#[test]
fn long_term_certificates_do_not_expire() {
    let key = key(Algorithm::Ed25519, 11);
    check(sample_certificate(), &key, &keyring_for(&key), None, date(2126, 1, 1)).unwrap();
}

#[test]
fn not_yet_valid_before_valid_from() {
    let key = key(Algorithm::Ed25519, 12);
    let keyring = keyring_for(&key);
    let cert = certificate(date(2026, 1, 5), date(2026, 7, 1), None);
    let err = check(cert.clone(), &key, &keyring, None, date(2026, 6, 30)).unwrap_err();
    assert_eq!(
        err,
        VerifyError::NotYetValid {
            valid_from: date(2026, 7, 1)
        }
    );
    assert_eq!(err.code(), "CERT_NOT_YET_VALID");
    assert_eq!(err.to_string(), "证照尚未生效：自2026-07-01起生效");
    check(cert, &key, &keyring, None, date(2026, 7, 1)).unwrap();
}

#[test]
fn unknown_key() {
    for algorithm in Algorithm::ALL {
        let signer = key(algorithm, 13);
        let published = key(algorithm, 14);
        let err = check(sample_certificate(), &signer, &keyring_for(&published), None, today()).unwrap_err();
        assert_eq!(
            err,
            VerifyError::UnknownKey {
                key_id: signer.key_id()
            }
        );
        assert_eq!(err.code(), "CERT_UNKNOWN_KEY");
        let err = check(sample_certificate(), &signer, &Keyring::default(), None, today()).unwrap_err();
        assert_eq!(err.code(), "CERT_UNKNOWN_KEY");
    }
}

#[test]
fn issuer_mismatch() {
    let key = key(Algorithm::Sm2Sm3, 15);
    let keyring = Keyring {
        keys: vec![IssuerKey::new("GA", "公安局", key.public_key(), date(2020, 1, 1), None)],
    };
    // The certificate claims issuer "WJ" but the key belongs to "GA".
    let err = check(sample_certificate(), &key, &keyring, None, today()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::IssuerMismatch {
            expected: "GA".to_owned(),
            actual: "WJ".to_owned()
        }
    );
    assert_eq!(err.code(), "CERT_ISSUER_MISMATCH");
}

#[test]
fn algorithm_mismatch() {
    let key = key(Algorithm::Ed25519, 16);
    let mut signed = issue(sample_certificate(), &key).unwrap();
    signed.signature.algorithm = Algorithm::Sm2Sm3;
    let err = verify_file(&signed.to_file_bytes(), &keyring_for(&key), None, today()).unwrap_err();
    assert_eq!(err, VerifyError::AlgorithmMismatch);
    assert_eq!(err.code(), "CERT_ALGORITHM_MISMATCH");
}

#[test]
fn bad_signature_message() {
    let key = key(Algorithm::Sm2Sm3, 17);
    let mut signed = issue(sample_certificate(), &key).unwrap();
    signed.certificate.holder_name = "张大明".to_owned();
    let err = verify(&signed, &keyring_for(&key), None, today()).unwrap_err();
    assert_eq!(err, VerifyError::BadSignature);
    assert_eq!(err.code(), "CERT_BAD_SIGNATURE");
    assert_eq!(err.to_string(), "证照签名无效：内容已被篡改或不是该机关签发");
}

#[test]
fn non_canonical_signature_encoding_is_rejected() {
    let key = key(Algorithm::Ed25519, 18);
    let mut signed = issue(sample_certificate(), &key).unwrap();
    signed.signature.value = signed.signature.value.trim_end_matches('=').to_owned();
    let err = verify(&signed, &keyring_for(&key), None, today()).unwrap_err();
    assert_eq!(err, VerifyError::BadSignature);
}

#[test]
fn rotation_keeps_old_certificates_verifiable() {
    for algorithm in Algorithm::ALL {
        let old = key(algorithm, 20);
        let new = key(algorithm, 21);
        let mut keyring = Keyring {
            keys: vec![IssuerKey::new(
                "WJ",
                "卫生健康委员会",
                old.public_key(),
                date(2024, 1, 1),
                None,
            )],
        };
        let before = certificate(date(2026, 2, 1), date(2026, 2, 1), None);
        let old_file = issue(before.clone(), &old).unwrap().to_file_bytes();
        verify_file(&old_file, &keyring, None, today()).unwrap();

        // Rotate: retire the old key at the end of 2026-03-01, add the new one.
        keyring.keys[0].retired_at = Some(date(2026, 3, 1));
        keyring.keys.push(IssuerKey::new(
            "WJ",
            "卫生健康委员会",
            new.public_key(),
            date(2026, 3, 1),
            None,
        ));
        keyring.validate().unwrap();

        let verified = verify_file(&old_file, &keyring, None, date(2030, 1, 1)).unwrap();
        assert_eq!(verified.issuer.key_id, old.key_id());
        assert_eq!(verified.issuer.retired_at, Some(date(2026, 3, 1)));

        // The retirement day itself is still in service.
        check(
            certificate(date(2026, 3, 1), date(2026, 3, 1), None),
            &old,
            &keyring,
            None,
            today(),
        )
        .unwrap();

        let after = certificate(date(2026, 4, 1), date(2026, 4, 1), None);
        let verified = verify_file(
            &issue(after.clone(), &new).unwrap().to_file_bytes(),
            &keyring,
            None,
            today(),
        );
        assert_eq!(verified.unwrap().issuer.key_id, new.key_id());

        // The retired key signing after retirement.
        let err = check(after, &old, &keyring, None, today()).unwrap_err();
        assert_eq!(
            err,
            VerifyError::KeyNotValid {
                key_id: old.key_id(),
                issue_date: date(2026, 4, 1),
                valid_from: date(2024, 1, 1),
                retired_at: Some(date(2026, 3, 1)),
            }
        );
        assert_eq!(err.code(), "CERT_KEY_NOT_VALID");
        assert_eq!(
            err.to_string(),
            format!(
                "签发密钥 {} 在颁证日期 2026-04-01 不可用（启用于 2024-01-01，停用于 2026-03-01）",
                old.key_id()
            )
        );

        // The new key signing before it was in service.
        let err = check(before, &new, &keyring, None, today()).unwrap_err();
        assert!(
            matches!(err, VerifyError::KeyNotValid { retired_at: None, .. }),
            "{err:?}"
        );
    }
}

#[test]
fn order_of_checks() {
    let key = key(Algorithm::Sm2Sm3, 30);
    let keyring = keyring_for(&key);
    let revocation = Revocation {
        revoked_on: date(2026, 5, 1),
        reason: "持证人申请注销".to_owned(),
    };
    let expired = certificate(date(2025, 1, 1), date(2025, 1, 1), Some(date(2025, 12, 31)));

    // Revoked and expired: revoked.
    let err = check(expired.clone(), &key, &keyring, Some(&revocation), today()).unwrap_err();
    assert_eq!(err.code(), "CERT_REVOKED");

    // Revoked and not yet valid: revoked.
    let future = certificate(date(2026, 1, 1), date(2027, 1, 1), None);
    let err = check(future, &key, &keyring, Some(&revocation), today()).unwrap_err();
    assert_eq!(err.code(), "CERT_REVOKED");

    // Key not valid and revoked: key not valid.
    let early = certificate(date(2019, 1, 1), date(2019, 1, 1), None);
    let err = check(early, &key, &keyring, Some(&revocation), today()).unwrap_err();
    assert_eq!(err.code(), "CERT_KEY_NOT_VALID");

    // Tampered, key not valid and expired: bad signature.
    let mut signed = issue(
        certificate(date(2019, 1, 1), date(2019, 1, 1), Some(date(2019, 2, 1))),
        &key,
    )
    .unwrap();
    signed.certificate.number.push('9');
    let err = verify(&signed, &keyring, Some(&revocation), today()).unwrap_err();
    assert_eq!(err.code(), "CERT_BAD_SIGNATURE");

    // Tampered issuer code: issuer mismatch comes before the signature.
    let mut signed = issue(expired, &key).unwrap();
    signed.certificate.issuer_code = "GA".to_owned();
    let err = verify(&signed, &keyring, Some(&revocation), today()).unwrap_err();
    assert_eq!(err.code(), "CERT_ISSUER_MISMATCH");

    // Unknown key comes before the algorithm check.
    signed.signature.algorithm = Algorithm::Ed25519;
    let err = verify(&signed, &Keyring::default(), None, today()).unwrap_err();
    assert_eq!(err.code(), "CERT_UNKNOWN_KEY");
}

#[test]
fn malformed_files() {
    let key = key(Algorithm::Ed25519, 31);
    let keyring = keyring_for(&key);
    for bytes in [&b""[..], b"not json", b"{}", b"[]", b"null"] {
        let err = verify_file(bytes, &keyring, None, today()).unwrap_err();
        assert_eq!(err.code(), "CERT_MALFORMED", "{bytes:?}");
        assert!(err.to_string().starts_with("证照文件格式错误："), "{err}");
    }
    // An extra field anywhere is rejected even though the signature covers the rest.
    let file = issue(sample_certificate(), &key).unwrap().to_file_bytes();
    let mut value: serde_json::Value = serde_json::from_slice(&file).unwrap();
    value["signature"]["note"] = serde_json::Value::String("x".to_owned());
    let extra = certs::canonical_json(&value).unwrap();
    assert_eq!(
        verify_file(&extra, &keyring, None, today()).unwrap_err().code(),
        "CERT_MALFORMED"
    );
    // A huge file is refused before parsing.
    let huge = vec![b' '; certs::MAX_FILE_BYTES + 1];
    let error = verify_file(&huge, &keyring, None, today()).unwrap_err();
    assert_eq!(error.code(), "CERT_MALFORMED");
    assert!(error.to_string().contains("文件过大"), "{error}");
    // One byte less is read (and found not to be a certificate).
    let largest = vec![b' '; certs::MAX_FILE_BYTES];
    let error = verify_file(&largest, &keyring, None, today()).unwrap_err();
    assert_eq!(error.code(), "CERT_MALFORMED");
    assert!(!error.to_string().contains("文件过大"), "{error}");
}

#[test]
fn every_code_is_distinct() {
    let d = date(2026, 1, 1);
    let all = [
        VerifyError::Malformed(String::new()),
        VerifyError::UnknownKey { key_id: String::new() },
        VerifyError::AlgorithmMismatch,
        VerifyError::IssuerMismatch {
            expected: String::new(),
            actual: String::new(),
        },
        VerifyError::BadSignature,
        VerifyError::KeyNotValid {
            key_id: String::new(),
            issue_date: d,
            valid_from: d,
            retired_at: None,
        },
        VerifyError::NotYetValid { valid_from: d },
        VerifyError::Expired { valid_until: d },
        VerifyError::Revoked {
            revoked_on: d,
            reason: String::new(),
        },
    ];
    let codes: std::collections::BTreeSet<_> = all.iter().map(VerifyError::code).collect();
    assert_eq!(codes.len(), all.len());
    assert!(codes.iter().all(|c| c.starts_with("CERT_")));
}
