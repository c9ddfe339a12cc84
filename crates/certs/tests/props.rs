//! Property tests: arbitrary surface data and text round-trip through issue, file and verify.

mod common;

use std::collections::BTreeMap;

use certs::{Algorithm, Certificate, SignedCertificate, issue, signing_bytes, verify_file};
use common::{key, keyring_for, sample_certificate, today};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Any Unicode scalar values, including controls, quotes, backslashes, astral characters.
    prop_oneof![
        any::<String>(),
        "[\u{0}-\u{7f}]{0,12}",
        "[一-龥]{1,8}",
        "[\u{10000}-\u{10ffff}\u{e000}-\u{ffff}]{0,6}"
    ]
}

fn data() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(text(), text(), 0..12)
}

fn certificate() -> impl Strategy<Value = Certificate> {
    (data(), "[^\\s]{1,10}[一-龥]{0,4}", text()).prop_map(|(data, holder_name, number)| Certificate {
        data,
        holder_name,
        number: format!("N{number}"),
        ..sample_certificate()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn surface_data_round_trips(cert in certificate(), sm2 in any::<bool>()) {
        let algorithm = if sm2 { Algorithm::Sm2Sm3 } else { Algorithm::Ed25519 };
        let key = key(algorithm, 60);
        let signed = issue(cert.clone(), &key).unwrap();
        let file = signed.to_file_bytes();

        let verified = verify_file(&file, &keyring_for(&key), None, today()).unwrap();
        prop_assert_eq!(&verified.certificate, &cert);

        // The file is plain JSON for any other reader and canonical: re-encoding is idempotent.
        let parsed: SignedCertificate = serde_json::from_slice(&file).unwrap();
        prop_assert_eq!(&parsed, &signed);
        prop_assert_eq!(parsed.to_file_bytes(), file);
        let value: serde_json::Value = serde_json::from_slice(&signing_bytes(&cert).unwrap()).unwrap();
        prop_assert_eq!(certs::canonical_json(&value).unwrap(), signing_bytes(&cert).unwrap());
    }

    #[test]
    fn changing_any_surface_value_breaks_the_signature(
        cert in certificate(),
        extra in text(),
        index in any::<proptest::sample::Index>(),
    ) {
        let key = key(Algorithm::Ed25519, 61);
        let mut signed = issue(cert, &key).unwrap();
        if signed.certificate.data.is_empty() {
            signed.certificate.data.insert("k".to_owned(), "v".to_owned());
        } else {
            let k = index.get(&signed.certificate.data.keys().cloned().collect::<Vec<_>>()).clone();
            let v = signed.certificate.data.get_mut(&k).unwrap();
            v.push_str(&extra);
            v.push('x');
        }
        let err = verify_file(&signed.to_file_bytes(), &keyring_for(&key), None, today()).unwrap_err();
        prop_assert_eq!(err.code(), "CERT_BAD_SIGNATURE");
    }
}
