//! Canonical entry encoding.

use ledger::entry::kind;
use ledger::{ENTRY_FORMAT_V1, Entry, EntryError, LedgerEntry, leaf_hash};
use proptest::prelude::*;

fn sample() -> LedgerEntry {
    LedgerEntry {
        format: ENTRY_FORMAT_V1,
        at_ms: 1_717_171_717_171,
        kind: kind::DATA_ACCESS.into(),
        actor: "staff:0042".into(),
        department: Some("市场监督管理局".into()),
        case_id: Some("case-2024-0001".into()),
        subject: Some("citizen:11010519491231002X".into()),
        elements: vec!["身份证号".into(), "address".into()],
        purpose: Some("review \"opening a restaurant\"".into()),
        legal_basis: None,
        detail: "line1\nline2\ttab\\".into(),
    }
}

#[test]
fn canonical_bytes_are_exactly_as_specified() {
    let bytes = sample().canonical_bytes();
    let want = concat!(
        r#"{"actor":"staff:0042","at_ms":1717171717171,"case_id":"case-2024-0001","#,
        r#""department":"市场监督管理局","detail":"line1\nline2\ttab\\","#,
        r#""elements":["身份证号","address"],"format":1,"kind":"data.access","#,
        r#""legal_basis":null,"purpose":"review \"opening a restaurant\"","#,
        r#""subject":"citizen:11010519491231002X"}"#
    );
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), want);
    assert_eq!(LedgerEntry::from_canonical_bytes(&bytes).unwrap(), sample());
    assert_eq!(sample().leaf_hash(), leaf_hash(want.as_bytes()));
    assert_eq!(Entry::leaf_hash(&sample()), leaf_hash(want.as_bytes()));
    assert_eq!(Entry::format(&sample()), 1);
}

#[test]
fn non_canonical_encodings_are_rejected() {
    let canonical = String::from_utf8(sample().canonical_bytes()).unwrap();
    let variants = [
        // Whitespace.
        canonical.replacen(':', ": ", 1),
        format!("{canonical}\n"),
        format!(" {canonical}"),
        // Key order.
        canonical.replacen(
            r#""actor":"staff:0042","at_ms":1717171717171"#,
            r#""at_ms":1717171717171,"actor":"staff:0042""#,
            1,
        ),
        // Escapes that decode to the same string.
        canonical.replacen("staff:0042", "st\\u0061ff:0042", 1),
        canonical.replacen("line1\\n", "line1\\u000a", 1),
        canonical.replacen("citizen:", "citizen\\u003a", 1),
        canonical.replacen("市场", "\\u5e02场", 1),
        // Number spellings.
        canonical.replacen("1717171717171", "1717171717171.0", 1),
        canonical.replacen("1717171717171", "1.717171717171e12", 1),
        canonical.replacen("1717171717171", "01717171717171", 1),
    ];
    for v in &variants {
        assert_ne!(v, &canonical);
        assert!(LedgerEntry::from_canonical_bytes(v.as_bytes()).is_err(), "accepted {v}");
    }
    // An omitted null key parses as the same entry but is not canonical.
    let omitted = canonical.replacen(r#""legal_basis":null,"#, "", 1);
    assert_eq!(
        LedgerEntry::from_canonical_bytes(omitted.as_bytes()),
        Err(EntryError::NotCanonical)
    );
    // Unknown keys, wrong types, duplicates, other formats.
    let unknown = canonical.replacen("{", r#"{"aaa":1,"#, 1);
    assert!(matches!(
        LedgerEntry::from_canonical_bytes(unknown.as_bytes()),
        Err(EntryError::Invalid(_))
    ));
    let wrong_type = canonical.replacen("1717171717171", "\"1717171717171\"", 1);
    assert!(LedgerEntry::from_canonical_bytes(wrong_type.as_bytes()).is_err());
    let duplicate = canonical.replacen("{", r#"{"actor":"x","#, 1);
    assert!(LedgerEntry::from_canonical_bytes(duplicate.as_bytes()).is_err());
    let v2 = LedgerEntry { format: 2, ..sample() };
    assert_eq!(
        LedgerEntry::from_canonical_bytes(&v2.canonical_bytes()),
        Err(EntryError::UnsupportedFormat(2))
    );
    assert!(LedgerEntry::from_canonical_bytes(b"").is_err());
    assert!(LedgerEntry::from_canonical_bytes(b"null").is_err());
}

#[test]
fn negative_and_extreme_times_round_trip() {
    for at_ms in [0, -1, i64::MIN, i64::MAX] {
        let e = LedgerEntry { at_ms, ..sample() };
        assert_eq!(LedgerEntry::from_canonical_bytes(&e.canonical_bytes()).unwrap(), e);
    }
}

fn any_text() -> impl Strategy<Value = String> {
    // Mix of control characters, JSON specials, CJK, emoji and plain text.
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '"', '\\', '/', '\n', '\u{0}', '\u{1f}', '\u{7f}', '\u{2028}', '中', '😀'
            ]),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn any_entry() -> impl Strategy<Value = LedgerEntry> {
    (
        any::<i64>(),
        any_text(),
        any_text(),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::collection::vec(any_text(), 0..4),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        any_text(),
    )
        .prop_map(
            |(at_ms, kind, actor, department, case_id, subject, elements, purpose, legal_basis, detail)| LedgerEntry {
                format: ENTRY_FORMAT_V1,
                at_ms,
                kind,
                actor,
                department,
                case_id,
                subject,
                elements,
                purpose,
                legal_basis,
                detail,
            },
        )
}

proptest! {
    #[test]
    fn canonical_bytes_round_trip_and_are_valid_json(e in any_entry()) {
        let bytes = e.canonical_bytes();
        prop_assert_eq!(&LedgerEntry::from_canonical_bytes(&bytes).unwrap(), &e);
        // The bytes are JSON meaning the same as the entry.
        let parsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(parsed, serde_json::to_value(&e).unwrap());
        // String escaping agrees with serde_json's (which follows the same
        // minimal-escape rules as RFC 8785).
        let text = String::from_utf8(bytes).unwrap();
        let escaped = serde_json::to_string(&e.detail).unwrap();
        let detail_field = format!("\"detail\":{escaped},");
        prop_assert!(text.contains(&detail_field));
    }

    #[test]
    fn different_entries_have_different_bytes(a in any_entry(), b in any_entry()) {
        prop_assert_eq!(a == b, a.canonical_bytes() == b.canonical_bytes());
    }
}
