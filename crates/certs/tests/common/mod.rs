//! Shared fixtures for the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use certs::{Algorithm, Certificate, IssuerKey, Keyring, SigningKey};
use chrono::NaiveDate;
use rand::SeedableRng;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A reproducible key per (algorithm, seed).
pub fn key(algorithm: Algorithm, seed: u64) -> SigningKey {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    SigningKey::generate(algorithm, &mut rng)
}

/// A birth medical certificate issued by "WJ" on 2026-01-05, valid without end.
pub fn sample_certificate() -> Certificate {
    let mut data = BTreeMap::new();
    data.insert("birth_date".to_owned(), "2026-01-01".to_owned());
    data.insert("birth_place".to_owned(), "北京市东城区".to_owned());
    data.insert("mother_name".to_owned(), "李华".to_owned());
    Certificate {
        id: "CN-WJ-birth_medical_certificate-2026-000123".to_owned(),
        type_code: "birth_medical_certificate".to_owned(),
        type_name: "出生医学证明".to_owned(),
        number: "Q440000123".to_owned(),
        holder_name: "张小明".to_owned(),
        holder_id_type: "居民身份证".to_owned(),
        holder_id_number: "110101202601010011".to_owned(),
        issuer_name: "卫生健康委员会".to_owned(),
        issuer_code: "WJ".to_owned(),
        issue_date: date(2026, 1, 5),
        valid_from: date(2026, 1, 5),
        valid_until: None,
        data,
    }
}

/// A keyring with one "WJ" key valid from 2020-01-01, never retired.
pub fn keyring_for(key: &SigningKey) -> Keyring {
    Keyring {
        keys: vec![IssuerKey::new(
            "WJ",
            "卫生健康委员会",
            key.public_key(),
            date(2020, 1, 1),
            None,
        )],
    }
}

/// A day on which the sample certificate is valid.
pub fn today() -> NaiveDate {
    date(2026, 6, 1)
}
