//! Certificate benchmarks: `verify_file` (parse, canonical check, signature, checks) and `issue`
//! (canonicalize and sign) per certificate, for SM2-SM3 and Ed25519.

use std::collections::BTreeMap;
use std::hint::black_box;

use certs::{Algorithm, Certificate, IssuerKey, Keyring, SigningKey, issue, verify_file};
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn certificate() -> Certificate {
    let data: BTreeMap<String, String> = [
        ("birth_date", "2026-01-01"),
        ("birth_place", "北京市东城区"),
        ("mother_name", "李华"),
        ("mother_id_number", "110101199001010022"),
        ("father_name", "张伟"),
        ("father_id_number", "110101198901010033"),
        ("gender", "男"),
        ("hospital", "北京市东城区妇幼保健院"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
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

fn bench(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let today = date(2026, 6, 1);
    let mut group = c.benchmark_group("certs");
    group.throughput(Throughput::Elements(1));
    for algorithm in Algorithm::ALL {
        let key = SigningKey::generate(algorithm, &mut rng);
        let keyring = Keyring {
            keys: vec![IssuerKey::new(
                "WJ",
                "卫生健康委员会",
                key.public_key(),
                date(2020, 1, 1),
                None,
            )],
        };
        let cert = certificate();
        let Ok(signed) = issue(cert.clone(), &key) else {
            return;
        };
        let file = signed.to_file_bytes();
        assert!(verify_file(&file, &keyring, None, today).is_ok(), "fixture must verify");

        group.bench_with_input(BenchmarkId::new("verify_file", algorithm), &file, |b, file| {
            b.iter(|| verify_file(black_box(file), &keyring, None, today))
        });
        group.bench_with_input(BenchmarkId::new("issue", algorithm), &cert, |b, cert| {
            b.iter(|| issue(black_box(cert.clone()), &key))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
