//! RFC 8785 canonical JSON: known answers, and rejection of files that are valid JSON but not
//! canonical.

mod common;

use certs::{Algorithm, SignedCertificate, canonical_json, issue, signing_bytes, verify_file};
use common::{key, keyring_for, sample_certificate, today};

#[test]
fn rfc8785_sorts_keys_by_utf16_code_units() {
    // RFC 8785 §3.2.3. U+1F600 (UTF-16 D83D DE00) sorts before U+FB33, unlike code point or UTF-8
    // order; "\r" is escaped, U+0080 is not.
    let input = r#"{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let value: serde_json::Value = serde_json::from_str(input).unwrap();
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
        \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
        \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(String::from_utf8(canonical_json(&value).unwrap()).unwrap(), expected);
}

#[test]
fn rfc8785_string_escapes() {
    // RFC 8785 §3.2.2.2.
    let value = serde_json::Value::String("\u{20ac}$\u{000F}\nA'B\"\\\\\"/".to_owned());
    let expected = "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"";
    assert_eq!(String::from_utf8(canonical_json(&value).unwrap()).unwrap(), expected);
}

#[test]
fn certificate_signing_bytes_known_answer() {
    let expected = concat!(
        r#"{"data":{"birth_date":"2026-01-01","birth_place":"北京市东城区","mother_name":"李华"},"#,
        r#""holder_id_number":"110101202601010011","holder_id_type":"居民身份证","holder_name":"张小明","#,
        r#""id":"CN-WJ-birth_medical_certificate-2026-000123","issue_date":"2026-01-05","issuer_code":"WJ","#,
        r#""issuer_name":"卫生健康委员会","number":"Q440000123","type_code":"birth_medical_certificate","#,
        r#""type_name":"出生医学证明","valid_from":"2026-01-05","valid_until":null}"#
    );
    let bytes = signing_bytes(&sample_certificate()).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    // Chinese is raw UTF-8, never \u escapes.
    assert!(
        bytes
            .windows("出生医学证明".len())
            .any(|w| w == "出生医学证明".as_bytes())
    );
    assert!(!bytes.windows(2).any(|w| w == b"\\u"));
}

#[test]
fn surface_data_keys_use_utf16_order_and_still_verify() {
    let mut cert = sample_certificate();
    cert.data.insert("\u{fb33}".to_owned(), "dalet".to_owned());
    cert.data.insert("\u{1f600}".to_owned(), "grin".to_owned());
    cert.data.insert("控制\u{1}字符".to_owned(), "tab\there".to_owned());
    // The map itself (and serde_json) iterates in code point order: U+FB33 first.
    let plain = String::from_utf8(serde_json::to_vec(&cert).unwrap()).unwrap();
    assert!(plain.find('\u{fb33}').unwrap() < plain.find('\u{1f600}').unwrap());
    let canonical = String::from_utf8(signing_bytes(&cert).unwrap()).unwrap();
    assert!(
        canonical.find('\u{1f600}').unwrap() < canonical.find('\u{fb33}').unwrap(),
        "{canonical}"
    );
    assert!(canonical.contains(r#""控制\u0001字符":"tab\there""#), "{canonical}");

    for algorithm in Algorithm::ALL {
        let key = key(algorithm, 40);
        let file = issue(cert.clone(), &key).unwrap().to_file_bytes();
        assert_eq!(
            verify_file(&file, &keyring_for(&key), None, today())
                .unwrap()
                .certificate,
            cert
        );
    }
}

#[test]
fn file_is_canonical_envelope() {
    let key = key(Algorithm::Ed25519, 41);
    let signed = issue(sample_certificate(), &key).unwrap();
    let file = String::from_utf8(signed.to_file_bytes()).unwrap();
    let body = String::from_utf8(signing_bytes(&signed.certificate).unwrap()).unwrap();
    let expected = format!(
        r#"{{"certificate":{body},"signature":{{"algorithm":"Ed25519","key_id":"{}","value":"{}"}}}}"#,
        key.key_id(),
        signed.signature.value
    );
    assert_eq!(file, expected);
}

#[test]
fn valid_json_that_is_not_canonical_is_rejected() {
    for algorithm in Algorithm::ALL {
        let key = key(algorithm, 42);
        let keyring = keyring_for(&key);
        let signed = issue(sample_certificate(), &key).unwrap();
        let file = signed.to_file_bytes();
        verify_file(&file, &keyring, None, today()).unwrap();
        let text = String::from_utf8(file.clone()).unwrap();

        let mut variants: Vec<(&str, Vec<u8>)> = vec![
            ("pretty printed", serde_json::to_vec_pretty(&signed).unwrap()),
            // serde_json writes struct fields in declaration order, not sorted.
            ("declaration order", serde_json::to_vec(&signed).unwrap()),
            ("trailing newline", [file.as_slice(), b"\n"].concat()),
            ("leading space", [b" ", file.as_slice()].concat()),
            ("byte order mark", [&[0xEF, 0xBB, 0xBF][..], file.as_slice()].concat()),
            (
                "escaped Chinese",
                text.replacen("出生", "\\u51fa\\u751f", 1).into_bytes(),
            ),
            ("escaped ASCII", text.replacen("\"WJ\"", "\"\\u0057J\"", 1).into_bytes()),
            (
                "space after colon",
                text.replacen("\"id\":", "\"id\": ", 1).into_bytes(),
            ),
        ];
        // Every variant still means the same certificate.
        for (name, bytes) in &variants {
            if *name != "byte order mark" {
                let parsed: SignedCertificate = serde_json::from_slice(bytes).unwrap();
                assert_eq!(parsed, signed, "{name}");
            }
        }
        variants.push((
            "duplicate member",
            text.replacen("{\"certificate\"", "{\"certificate\":{},\"certificate\"", 1)
                .into_bytes(),
        ));
        for (name, bytes) in variants {
            assert_ne!(bytes, file, "{name}");
            let err = verify_file(&bytes, &keyring, None, today()).unwrap_err();
            assert_eq!(err.code(), "CERT_MALFORMED", "{name}: {err}");
        }
    }
}
