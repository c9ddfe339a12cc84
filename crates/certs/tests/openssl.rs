//! Interoperability with the OpenSSL 3 command line: the only check of our SM2/SM3
//! against an independent implementation. `scripts/test.sh` installs `openssl`; the
//! tests fail, never skip, without it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use certs::{
    Algorithm, PublicKey, SM2_DISTID, Signature, SignedCertificate, SigningKey, issue, signing_bytes, verify,
    verify_file,
};
use common::{key, keyring_for, sample_certificate, today};

fn openssl_available() -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => true,
        _ => panic!("openssl is required for the SM2/SM3 interop tests: apt-get install openssl"),
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl").current_dir(dir).args(args).output().unwrap()
}

fn openssl_ok(dir: &Path, args: &[&str]) -> Output {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn distid_opt(distid: &str) -> String {
    format!("distid:{distid}")
}

/// Signs `msg` in `dir` with OpenSSL and returns the signature bytes.
fn openssl_sign(dir: &Path, algorithm: Algorithm, key_file: &str, distid: &str) -> Vec<u8> {
    let opt = distid_opt(distid);
    let mut args = vec![
        "pkeyutl", "-sign", "-rawin", "-inkey", key_file, "-in", "msg", "-out", "sig",
    ];
    if algorithm == Algorithm::Sm2Sm3 {
        args.extend(["-digest", "sm3", "-pkeyopt", &opt]);
    }
    openssl_ok(dir, &args);
    std::fs::read(dir.join("sig")).unwrap()
}

/// Whether OpenSSL accepts `signature` over the file `msg` under the SPKI PEM `pub_file`.
fn openssl_verifies(dir: &Path, algorithm: Algorithm, pub_file: &str, signature: &[u8], distid: &str) -> bool {
    std::fs::write(dir.join("ours.sig"), signature).unwrap();
    let opt = distid_opt(distid);
    let mut args = vec![
        "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", pub_file, "-in", "msg", "-sigfile", "ours.sig",
    ];
    if algorithm == Algorithm::Sm2Sm3 {
        args.extend(["-digest", "sm3", "-pkeyopt", &opt]);
    }
    let out = openssl(dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ok = out.status.success() && stdout.contains("Signature Verified Successfully");
    // Exit status and message agree.
    assert_eq!(
        out.status.success(),
        stdout.contains("Signature Verified Successfully"),
        "{stdout}"
    );
    ok
}

fn with_signature(algorithm: Algorithm, key: &SigningKey, raw: &[u8]) -> SignedCertificate {
    SignedCertificate {
        certificate: sample_certificate(),
        signature: Signature {
            algorithm,
            key_id: key.key_id(),
            value: BASE64.encode(raw),
        },
    }
}

#[test]
fn interop_with_openssl_cli() {
    if !openssl_available() {
        return;
    }
    for algorithm in Algorithm::ALL {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let key = key(algorithm, 50);
        let public = key.public_key();
        let keyring = keyring_for(&key);
        let msg = signing_bytes(&sample_certificate()).unwrap();
        std::fs::write(dir.join("key.pem"), key.to_pkcs8_pem().unwrap()).unwrap();
        std::fs::write(dir.join("pub.pem"), public.to_spki_pem().unwrap()).unwrap();
        std::fs::write(dir.join("msg"), &msg).unwrap();

        // OpenSSL reads our private key and derives the same public key PEM byte for byte.
        let derived = openssl_ok(dir, &["pkey", "-in", "key.pem", "-pubout"]);
        assert_eq!(
            String::from_utf8(derived.stdout).unwrap(),
            public.to_spki_pem().unwrap(),
            "{algorithm}"
        );

        // OpenSSL signs with our key; we verify, and so does the whole certificate.
        let theirs = openssl_sign(dir, algorithm, "key.pem", SM2_DISTID);
        assert!(public.verify(&msg, &theirs), "{algorithm}: OpenSSL signature rejected");
        let signed = with_signature(algorithm, &key, &theirs);
        verify(&signed, &keyring, None, today()).unwrap();
        verify_file(&signed.to_file_bytes(), &keyring, None, today()).unwrap();
        if algorithm == Algorithm::Ed25519 {
            // Ed25519 is deterministic: identical signatures.
            assert_eq!(theirs, key.sign(&msg));
        }

        // We sign; OpenSSL verifies. A changed message does not verify (the check is live).
        let ours = BASE64
            .decode(issue(sample_certificate(), &key).unwrap().signature.value)
            .unwrap();
        assert!(
            openssl_verifies(dir, algorithm, "pub.pem", &ours, SM2_DISTID),
            "{algorithm}"
        );
        let mut other = msg.clone();
        other[10] ^= 1;
        std::fs::write(dir.join("msg"), &other).unwrap();
        assert!(
            !openssl_verifies(dir, algorithm, "pub.pem", &ours, SM2_DISTID),
            "{algorithm}"
        );
        std::fs::write(dir.join("msg"), &msg).unwrap();

        // A key generated by OpenSSL.
        let name = match algorithm {
            Algorithm::Sm2Sm3 => "SM2",
            Algorithm::Ed25519 => "ED25519",
        };
        openssl_ok(dir, &["genpkey", "-algorithm", name, "-out", "theirs.pem"]);
        openssl_ok(dir, &["pkey", "-in", "theirs.pem", "-pubout", "-out", "theirs_pub.pem"]);
        let their_public =
            PublicKey::from_spki_pem(&std::fs::read_to_string(dir.join("theirs_pub.pem")).unwrap()).unwrap();
        assert_eq!(their_public.algorithm, algorithm);
        let theirs = openssl_sign(dir, algorithm, "theirs.pem", SM2_DISTID);
        assert!(
            their_public.verify(&msg, &theirs),
            "{algorithm}: OpenSSL key and signature rejected"
        );
        // Their private key read by us signs what OpenSSL accepts.
        let their_key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(dir.join("theirs.pem")).unwrap()).unwrap();
        assert_eq!(their_key.public_key(), their_public);
        assert!(
            openssl_verifies(dir, algorithm, "theirs_pub.pem", &their_key.sign(&msg), SM2_DISTID),
            "{algorithm}"
        );
    }
}

#[test]
fn sm2_distinguishing_id_is_really_used() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let key = key(Algorithm::Sm2Sm3, 51);
    let public = key.public_key();
    let msg = signing_bytes(&sample_certificate()).unwrap();
    std::fs::write(dir.join("key.pem"), key.to_pkcs8_pem().unwrap()).unwrap();
    std::fs::write(dir.join("pub.pem"), public.to_spki_pem().unwrap()).unwrap();
    std::fs::write(dir.join("msg"), &msg).unwrap();

    let other_id = "ALICE123@YAHOO.COM";
    let theirs = openssl_sign(dir, Algorithm::Sm2Sm3, "key.pem", other_id);
    assert!(
        !public.verify(&msg, &theirs),
        "signature under another distid must not verify"
    );
    let signed = with_signature(Algorithm::Sm2Sm3, &key, &theirs);
    assert_eq!(
        verify(&signed, &keyring_for(&key), None, today()).unwrap_err().code(),
        "CERT_BAD_SIGNATURE"
    );

    let ours = key.sign(&msg);
    assert!(!openssl_verifies(dir, Algorithm::Sm2Sm3, "pub.pem", &ours, other_id));
    assert!(openssl_verifies(dir, Algorithm::Sm2Sm3, "pub.pem", &ours, SM2_DISTID));
}

#[test]
fn other_key_types_are_refused() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    openssl_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "p256.pem",
        ],
    );
    openssl_ok(dir, &["pkey", "-in", "p256.pem", "-pubout", "-out", "p256_pub.pem"]);
    let public = std::fs::read_to_string(dir.join("p256_pub.pem")).unwrap();
    assert!(PublicKey::from_spki_pem(&public).is_err());
    let private = std::fs::read_to_string(dir.join("p256.pem")).unwrap();
    assert!(SigningKey::from_pkcs8_pem(&private).is_err());
}
