//! The error table is the one place an API error code is defined: every code the
//! source uses is in it once with its status, none is left unused, and the OpenAPI
//! document lists them all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use server::error::{ApiError, ERROR_CODES, error_code};

/// Every `"E_…"` string in the source of the crates the API answers from.
fn codes_in_source() -> BTreeSet<String> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut found = BTreeSet::new();
    let mut stack: Vec<_> = [
        "server", "app", "cases", "catalog", "sharing", "calendar", "certs", "ledger", "store", "guide",
    ]
    .iter()
    .map(|name| crates.join(name).join("src"))
    .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut text = std::fs::read_to_string(&path).unwrap();
                // The table itself does not count as a use.
                if let Some(start) = text.find("pub const ERROR_CODES") {
                    let end = start + text[start..].find("\n];").unwrap();
                    text.replace_range(start..end, "");
                }
                for piece in text.split("\"E_").skip(1) {
                    let rest: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if piece[rest.len()..].starts_with('"') {
                        found.insert(format!("E_{rest}"));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn each_code_is_in_the_table_once_in_order_with_an_error_status() {
    for pair in ERROR_CODES.windows(2) {
        assert!(pair[0].code < pair[1].code, "{} then {}", pair[0].code, pair[1].code);
    }
    for entry in ERROR_CODES {
        assert!((400..600).contains(&entry.status), "{entry:?}");
        assert!(
            !entry.title.is_empty() && !entry.title.is_ascii(),
            "{entry:?} needs a Chinese meaning"
        );
        assert_eq!(error_code(entry.code), Some(entry));
    }
    assert_eq!(error_code("E_NO_SUCH_CODE"), None);
}

#[test]
fn every_code_in_the_source_is_in_the_table_and_every_entry_is_used() {
    let used = codes_in_source();
    assert!(used.len() >= 50, "the reader found only {used:?}");
    let table: BTreeSet<String> = ERROR_CODES.iter().map(|e| e.code.to_owned()).collect();
    let missing: Vec<_> = used.difference(&table).collect();
    assert!(missing.is_empty(), "codes used but not in the error table: {missing:?}");
    let unused: Vec<_> = table.difference(&used).collect();
    assert!(unused.is_empty(), "codes in the table and nowhere else: {unused:?}");
}

#[test]
fn an_error_takes_its_status_from_the_table() {
    for (code, status) in [
        ("E_CASE_NOT_FOUND", 404),
        ("E_ALREADY_RATED", 409),
        ("E_FORM_FIELD_INVALID", 422),
        ("E_LOGIN_LOCKED", 429),
        ("E_SOURCE_UNAVAILABLE", 502),
    ] {
        assert_eq!(ApiError::new(code, "x").status.as_u16(), status, "{code}");
    }
    // A code missing from the table is our defect: a 500, never a silent 200.
    assert_eq!(ApiError::new("E_NOT_IN_THE_TABLE", "x").status.as_u16(), 500);
}

#[test]
fn the_openapi_document_lists_every_code_with_its_status() {
    let document = server::openapi::document();
    let error = &document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"];
    let listed: Vec<&str> = error["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let table: Vec<&str> = ERROR_CODES.iter().map(|e| e.code).collect();
    assert_eq!(listed, table);
    // Each operation's 404 names the not-found codes, from the same table.
    let case = &document["paths"]["/cases/{id}"]["get"]["responses"]["404"]["description"];
    assert!(case.as_str().unwrap().contains("E_CASE_NOT_FOUND"), "{case}");
    assert!(!case.as_str().unwrap().contains("E_FORBIDDEN"), "{case}");
}
