//! `onething cert verify` offline, with only the issuers' public keys: a valid file
//! passes; a tampered, revoked, expired or unknown-key file fails with its reason
//! and exit status 1. `onething population generate` writes valid records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;

fn onething(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onething"))
        .args(args)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onething-cert-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn certificate(id: &str, valid_until: Option<NaiveDate>) -> certs::Certificate {
    certs::Certificate {
        id: id.into(),
        type_code: "birth_medical_certificate".into(),
        type_name: "出生医学证明".into(),
        number: "Q620102001".into(),
        holder_name: "王芳".into(),
        holder_id_type: "居民身份证".into(),
        holder_id_number: "620102199403150025".into(),
        issuer_name: "卫生健康委员会".into(),
        issuer_code: "WJ".into(),
        issue_date: date("2026-02-12"),
        valid_from: date("2026-02-12"),
        valid_until,
        data: BTreeMap::from([("child.name".to_owned(), "刘小宝".to_owned())]),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn cert_verify_works_offline_and_names_each_failure() {
    let dir = temp_dir("verify");
    let key = certs::SigningKey::generate(certs::Algorithm::Sm2Sm3, &mut rand::rngs::OsRng);
    let keyring = certs::Keyring {
        keys: vec![certs::IssuerKey::new(
            "WJ",
            "卫生健康委员会",
            key.public_key(),
            date("2026-01-01"),
            None,
        )],
    };
    let keys = write(&dir, "keys.json", serde_json::to_string(&keyring).unwrap().as_bytes());
    let good = certs::issue(certificate("CN-WJ-1", None), &key)
        .unwrap()
        .to_file_bytes();
    let good_file = write(&dir, "good.json", &good);

    let output = onething(&["cert", "verify", &good_file, "--keys", &keys, "--today", "2026-03-01"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("验证通过"));
    assert!(stdout(&output).contains("SM2-SM3"));

    // One changed byte.
    let tampered = String::from_utf8(good.clone()).unwrap().replace("刘小宝", "刘小贝");
    let tampered_file = write(&dir, "tampered.json", tampered.as_bytes());
    let output = onething(&[
        "cert",
        "verify",
        &tampered_file,
        "--keys",
        &keys,
        "--today",
        "2026-03-01",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("CERT_BAD_SIGNATURE"), "{}", stdout(&output));

    // Revoked, by a revocation list.
    let revocations = write(
        &dir,
        "revoked.json",
        r#"{"CN-WJ-1": {"revoked_on": "2026-02-20", "reason": "信息有误"}}"#.as_bytes(),
    );
    let output = onething(&[
        "cert",
        "verify",
        &good_file,
        "--keys",
        &keys,
        "--revocations",
        &revocations,
        "--today",
        "2026-03-01",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("CERT_REVOKED"), "{}", stdout(&output));
    assert!(stdout(&output).contains("信息有误"));

    // Expired.
    let expiring = certs::issue(certificate("CN-WJ-2", Some(date("2026-02-28"))), &key)
        .unwrap()
        .to_file_bytes();
    let expiring_file = write(&dir, "expiring.json", &expiring);
    let output = onething(&[
        "cert",
        "verify",
        &expiring_file,
        "--keys",
        &keys,
        "--today",
        "2026-03-01",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("CERT_EXPIRED"), "{}", stdout(&output));

    // Signed by a key that is not in the keyring.
    let stranger = certs::SigningKey::generate(certs::Algorithm::Ed25519, &mut rand::rngs::OsRng);
    let unknown = certs::issue(certificate("CN-WJ-3", None), &stranger)
        .unwrap()
        .to_file_bytes();
    let unknown_file = write(&dir, "unknown.json", &unknown);
    let output = onething(&[
        "cert",
        "verify",
        &unknown_file,
        "--keys",
        &keys,
        "--today",
        "2026-03-01",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("CERT_UNKNOWN_KEY"), "{}", stdout(&output));

    // A keyring that is not JSON is an error, not a verdict.
    let bad_keys = write(&dir, "bad-keys.json", b"{");
    let output = onething(&["cert", "verify", &good_file, "--keys", &bad_keys]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("公钥库"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn population_generate_writes_valid_people() {
    let dir = temp_dir("population");
    let out = dir.join("people.jsonl");
    let output = onething(&[
        "population",
        "generate",
        "--persons",
        "500",
        "--enterprises",
        "20",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let records: Vec<sharing::Record> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let people: Vec<_> = records.iter().filter(|r| r.source == "population").collect();
    assert_eq!(people.len(), 500);
    for person in people {
        ids::IdNumber::parse(&person.subject).unwrap();
    }
    let enterprises: Vec<_> = records.iter().filter(|r| r.source == "legal_entity").collect();
    assert_eq!(enterprises.len(), 20);
    for enterprise in enterprises {
        ids::CreditCode::parse(&enterprise.subject).unwrap();
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The README's OpenSSL check: a certificate OneThing signed verifies with OpenSSL's
/// own SM2/SM3 (and Ed25519) code, and fails once a byte of the body changes.
#[test]
fn openssl_verifies_what_onething_signed() {
    assert!(
        Command::new("openssl").arg("version").output().is_ok(),
        "openssl is required for the OpenSSL cross-check: apt-get install openssl"
    );
    let dir = temp_dir("openssl");
    for algorithm in [certs::Algorithm::Sm2Sm3, certs::Algorithm::Ed25519] {
        let key = certs::SigningKey::generate(algorithm, &mut rand::rngs::OsRng);
        let keyring = certs::Keyring {
            keys: vec![certs::IssuerKey::new(
                "WJ",
                "卫生健康委员会",
                key.public_key(),
                date("2026-01-01"),
                None,
            )],
        };
        let keys = write(&dir, "keys.json", serde_json::to_string(&keyring).unwrap().as_bytes());
        let file = write(
            &dir,
            "cert.json",
            &certs::issue(certificate("CN-WJ-9", None), &key)
                .unwrap()
                .to_file_bytes(),
        );
        let out = dir.join(algorithm.name());
        let output = onething(&[
            "cert",
            "openssl",
            &file,
            "--keys",
            &keys,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let command = stdout(&output).replace("\\\n", " ");
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words[0], "openssl");
        let verified = Command::new("openssl").args(&words[1..]).output().unwrap();
        assert!(
            verified.status.success(),
            "{algorithm}: {}",
            String::from_utf8_lossy(&verified.stderr)
        );
        assert!(String::from_utf8_lossy(&verified.stdout).contains("Signature Verified Successfully"));
        // One changed byte in the signed body: OpenSSL refuses it.
        let body = out.join("body.json");
        let text = std::fs::read_to_string(&body).unwrap().replace("刘小宝", "刘小贝");
        std::fs::write(&body, text).unwrap();
        let refused = Command::new("openssl").args(&words[1..]).output().unwrap();
        assert!(!refused.status.success(), "{algorithm}: a changed body must not verify");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Department keys are sealed under a master key kept outside the database: with
/// its file the keys load; with another master key they are refused, by name.
#[test]
fn department_keys_are_sealed_under_a_master_key() {
    let dir = temp_dir("sealed");
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let output = onething(&["cert", "rotate-key", "--department", "WJ", "--data-dir", data]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let master = std::path::Path::new(data).join("issuer-master.key");
    assert_eq!(std::fs::read_to_string(&master).unwrap().trim().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&master).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Rotating signs with the key just made: it is readable with the master file.
    let output = onething(&["cert", "rotate-key", "--department", "WJ", "--data-dir", data]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let keyring = onething(&["cert", "keyring", "--data-dir", data]);
    assert!(keyring.status.success());
    let keyring: certs::Keyring = serde_json::from_slice(&keyring.stdout).unwrap();
    assert_eq!(keyring.keys.len(), 2);
    assert_eq!(keyring.keys.iter().filter(|k| k.retired_at.is_none()).count(), 1);
    // Another master key cannot open them.
    let output = Command::new(env!("CARGO_BIN_EXE_onething"))
        .args(["cert", "keyring", "--data-dir", data])
        .env("ONETHING_ISSUER_MASTER_KEY", "00112233445566778899aabbccddeeff")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("无法解密"), "{stderr}");
    assert!(!stderr.contains("00112233445566778899aabbccddeeff"));
    std::fs::remove_dir_all(&dir).ok();
}
