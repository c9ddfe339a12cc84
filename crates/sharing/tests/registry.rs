//! Loading `sources.toml`: the bundled file, and every refusal with its line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sharing::{LoadError, Registry, SubjectKind};

const BUNDLED: &str = include_str!("../../../catalog/sources.toml");
const DEPARTMENTS: &str = include_str!("../../../catalog/departments.toml");
const ELEMENTS: &str = include_str!("../../../catalog/data-elements.toml");

/// 1-based line of the `nth` (0-based) occurrence of `needle`.
fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    let offset = text.match_indices(needle).nth(nth).expect("needle present").0;
    text[..offset].matches('\n').count() + 1
}

fn errors(text: &str) -> Vec<LoadError> {
    Registry::load("sources.toml", text).expect_err("should be refused")
}

fn one(text: &str, code: &str) -> LoadError {
    let errors = errors(text);
    let found: Vec<_> = errors.iter().filter(|e| e.code() == code).cloned().collect();
    assert_eq!(found.len(), 1, "expected one {code} in {errors:#?}");
    found.into_iter().next().unwrap()
}

#[test]
fn bundled_sources_load_with_one_source_per_attribute() {
    let registry = Registry::load("catalog/sources.toml", BUNDLED).unwrap();
    let codes: Vec<&str> = registry.sources().iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "population",
            "marriage",
            "social_insurance",
            "medical_insurance",
            "housing_fund",
            "legal_entity",
            "legal_rep_positions",
            "real_estate",
            "birth_medical",
            "disability",
            "minimum_living",
            "unemployment_insurance"
        ]
    );
    let serving = |kind, attribute| registry.serving(kind, attribute).map(|s| s.code.as_str());
    assert_eq!(serving(SubjectKind::Person, "name"), Some("population"));
    assert_eq!(serving(SubjectKind::Person, "hukou_city"), Some("population"));
    assert_eq!(
        serving(SubjectKind::Person, "represented_enterprises"),
        Some("legal_rep_positions")
    );
    assert_eq!(serving(SubjectKind::Person, "spouse_id_number"), Some("marriage"));
    assert_eq!(serving(SubjectKind::Person, "disability_grade"), Some("disability"));
    assert_eq!(serving(SubjectKind::Person, "dibao_status"), Some("minimum_living"));
    assert_eq!(serving(SubjectKind::Person, "mother_id_number"), Some("birth_medical"));
    assert_eq!(
        serving(SubjectKind::Enterprise, "ui_insured_headcount"),
        Some("unemployment_insurance")
    );
    assert_eq!(serving(SubjectKind::Person, "insured_months"), Some("social_insurance"));
    assert_eq!(
        serving(SubjectKind::Person, "medical_insurance_years"),
        Some("medical_insurance")
    );
    assert_eq!(
        serving(SubjectKind::Person, "housing_fund_account"),
        Some("housing_fund")
    );
    assert_eq!(serving(SubjectKind::Person, "real_estate_cert_no"), Some("real_estate"));
    assert_eq!(serving(SubjectKind::Enterprise, "name"), Some("legal_entity"));
    assert_eq!(
        serving(SubjectKind::Enterprise, "legal_rep_id_number"),
        Some("legal_entity")
    );
    assert_eq!(serving(SubjectKind::Person, "phone"), None);
    assert_eq!(serving(SubjectKind::Person, "id_number"), None);
    assert_eq!(serving(SubjectKind::Enterprise, "hukou_city"), None);
    assert_eq!(registry.source("marriage").unwrap().department, "MZ");
    assert!(registry.source("nope").is_none());
    for source in registry.sources() {
        assert!(
            source.http.is_none(),
            "{} is served from tables in the bundled file",
            source.code
        );
        assert!(source.legal_basis.starts_with('《'), "{}", source.legal_basis);
        assert!(!source.name.is_empty());
    }
    assert_eq!(
        registry.departments(),
        ["CL", "GA", "GJJ", "MZ", "RS", "SJ", "WJ", "YB", "ZR"]
    );
}

#[test]
fn bundled_departments_exist_and_agree_with_the_data_elements() {
    let registry = Registry::load("catalog/sources.toml", BUNDLED).unwrap();
    let departments: toml::Table = toml::from_str(DEPARTMENTS).unwrap();
    let known: Vec<&str> = departments["department"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for code in registry.departments() {
        assert!(known.contains(&code), "department {code} is not in departments.toml");
    }
    // Where a data element is served by a source, the element's authoritative
    // department (一数一源) is the source's department.
    let elements: toml::Table = toml::from_str(ELEMENTS).unwrap();
    let mut checked = 0;
    for element in elements["element"].as_array().unwrap() {
        let id = element["id"].as_str().unwrap();
        let Some((role, attribute)) = sharing::binding(id) else {
            continue;
        };
        let Some(source) = registry.serving(role.kind(), &attribute) else {
            continue;
        };
        assert_eq!(
            source.department,
            element["source"].as_str().unwrap(),
            "{id} served by {}",
            source.code
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} elements checked");
}

const GOOD: &str = r#"
[[source]]
code = "population"
name = "人口基础信息库"
department = "GA"
subject = "person"
attributes = ["name", "sex"]
legal_basis = "《政务数据共享条例》"
"#;

#[test]
fn duplicate_source_code_is_refused_at_its_line() {
    let text = format!("{GOOD}{}", GOOD.replace(r#"["name", "sex"]"#, r#"["ethnicity"]"#));
    let error = one(&text, "SOURCE_DUPLICATE_CODE");
    assert_eq!(error.line, Some(line_of(&text, "code = \"population\"", 1)));
    assert_eq!(error.file, "sources.toml");
    assert!(
        error.message.contains("population") && error.message.contains("重复"),
        "{}",
        error.message
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("sources.toml:{}: ", error.line.unwrap()))
    );
}

#[test]
fn one_attribute_served_by_two_sources_is_refused() {
    let second = GOOD
        .replace("population", "census")
        .replace(r#"["name", "sex"]"#, r#"["ethnicity", "sex"]"#);
    let text = format!("{GOOD}{second}");
    let error = one(&text, "SOURCE_ATTRIBUTE_TWO_SOURCES");
    assert_eq!(error.line, Some(line_of(&text, r#""sex"]"#, 1)));
    assert!(error.message.contains("sex") && error.message.contains("population") && error.message.contains("census"));
    // The same attribute for the other kind of subject is another attribute.
    let enterprise = second
        .replace("\"person\"", "\"enterprise\"")
        .replace(r#"["ethnicity", "sex"]"#, r#"["name"]"#);
    assert!(Registry::load("sources.toml", &format!("{GOOD}{enterprise}")).is_ok());
}

#[test]
fn unknown_subject_kind_and_reserved_attributes_are_refused() {
    let text = GOOD.replace("\"person\"", "\"citizen\"");
    let error = one(&text, "SOURCE_SUBJECT_UNKNOWN");
    assert_eq!(error.line, Some(line_of(&text, "citizen", 0)));
    assert!(error.message.contains("citizen"));

    let text = GOOD.replace(
        r#"["name", "sex"]"#,
        "[\n  \"name\",\n  \"age\",\n  \"id_number\",\n  \"name\",\n]",
    );
    let errors = errors(&text);
    let codes: Vec<(&str, Option<usize>)> = errors.iter().map(|e| (e.code(), e.line)).collect();
    assert_eq!(
        codes,
        [
            ("SOURCE_ATTRIBUTE_RESERVED", Some(line_of(&text, "\"age\"", 0))),
            ("SOURCE_ATTRIBUTE_RESERVED", Some(line_of(&text, "\"id_number\"", 0))),
            ("SOURCE_ATTRIBUTE_REPEATED", Some(line_of(&text, "\"name\"", 1))),
        ]
    );
}

#[test]
fn mapping_an_attribute_the_source_does_not_serve_is_refused() {
    let text = format!(
        "{GOOD}{}",
        r#"
[source.http]
url = "http://127.0.0.1:9/population?sfzh={subject}"
records_at = "data"
[source.http.fields]
name = { field = "XM" }
hukou = { field = "HJDZ" }
sex = { field = "XB", codes = { "1" = "男", "2" = "女" } }
"#
    );
    let error = one(&text, "SOURCE_HTTP_UNKNOWN_ATTRIBUTE");
    assert_eq!(error.line, Some(line_of(&text, "hukou = ", 0)));
    assert!(error.message.contains("hukou"), "{}", error.message);
    assert_eq!(errors(&text).len(), 1);
    // Without the stray attribute the mapping loads.
    let fixed = text.replace("hukou = { field = \"HJDZ\" }\n", "");
    let registry = Registry::load("sources.toml", &fixed).unwrap();
    let http = registry.source("population").unwrap().http.as_ref().unwrap();
    assert_eq!(http.fields.len(), 2);
    assert_eq!(http.records_at.as_deref(), Some("data"));
}

#[test]
fn bad_http_sections_are_refused() {
    let text = format!(
        "{GOOD}{}",
        r#"
[source.http]
url = "ftp://127.0.0.1/population"
[source.http.fields]
name = { field = "XM", format = "ddmmyyyy" }
sex = { field = "XB", format = "text", codes = { "1" = "男" } }
"#
    );
    let errors = errors(&text);
    let codes: Vec<(&str, Option<usize>)> = errors.iter().map(|e| (e.code(), e.line)).collect();
    let url_line = Some(line_of(&text, "url = ", 0));
    assert_eq!(
        codes,
        [
            ("SOURCE_HTTP_URL_INVALID", url_line),
            ("SOURCE_HTTP_URL_NO_SUBJECT", url_line),
            ("SOURCE_HTTP_FORMAT_UNKNOWN", Some(line_of(&text, "ddmmyyyy", 0))),
            ("SOURCE_HTTP_FORMAT_AND_CODES", Some(line_of(&text, "sex = ", 0))),
        ]
    );
}

#[test]
fn toml_errors_and_unknown_keys_carry_lines() {
    let text = GOOD.replace("legal_basis", "legal_basis = \"x\"\nlegal_basis");
    let error = one(&text, "SOURCES_TOML_SYNTAX");
    assert!(error.line.is_some());
    let text = GOOD.replace("department = \"GA\"", "department = \"GA\"\nowner = \"GA\"");
    let error = one(&text, "SOURCES_TOML_SYNTAX");
    assert_eq!(error.line, Some(line_of(&text, "owner", 0)));
    assert!(error.message.contains("owner"), "{}", error.message);
}

#[test]
fn codes_names_and_paths_are_checked_by_their_shape() {
    for (bad, code) in [
        ("code = \"population\"", "code = \"Population\""),
        ("code = \"population\"", "code = \"pop-ulation\""),
    ] {
        one(&GOOD.replace(bad, code), "SOURCE_CODE_INVALID");
    }
    for department in ["G", "ABCDEFGHI", "Ga"] {
        one(
            &GOOD.replace("department = \"GA\"", &format!("department = \"{department}\"")),
            "SOURCE_DEPARTMENT_INVALID",
        );
    }
    assert!(
        Registry::load(
            "sources.toml",
            &GOOD.replace("department = \"GA\"", "department = \"ABCDEFGH\"")
        )
        .is_ok()
    );
    one(
        &GOOD.replace(r#"["name", "sex"]"#, r#"["name", "Sex"]"#),
        "SOURCE_ATTRIBUTE_INVALID",
    );
    one(
        &GOOD.replace(r#"["name", "sex"]"#, r#"["name", "2sex"]"#),
        "SOURCE_ATTRIBUTE_INVALID",
    );
    // Field paths are dot-separated names, none of them empty.
    let http = |field: &str| {
        format!(
            "{GOOD}\n[source.http]\nurl = \"http://127.0.0.1:9/p?sfzh={{subject}}\"\n[source.http.fields]\nname = {{ field = \"{field}\" }}\n"
        )
    };
    assert!(Registry::load("sources.toml", &http("data.XM")).is_ok());
    for bad in ["", "data..XM", ".XM", "XM."] {
        one(&http(bad), "SOURCE_HTTP_PATH_INVALID");
    }
}

#[test]
fn a_status_check_accepts_text_numbers_and_flags() {
    let with_status = |ok: &str| {
        format!(
            "{GOOD}\n[source.http]\nurl = \"http://127.0.0.1:9/p?sfzh={{subject}}\"\nstatus = {{ at = \"code\", ok = {ok} }}\n[source.http.fields]\nname = {{ field = \"XM\" }}\n"
        )
    };
    for ok in ["[\"0000\"]", "[0]", "[true]", "[\"ok\", 200]"] {
        assert!(Registry::load("sources.toml", &with_status(ok)).is_ok(), "{ok}");
    }
    // A float is neither; and with nothing left, no answer could count as success.
    let refused = errors(&with_status("[1.5]"));
    assert!(
        refused.iter().all(|e| e.code() == "SOURCE_HTTP_STATUS_INVALID"),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|e| e.message.contains("只能列出字符串、整数或布尔值")),
        "{refused:?}"
    );
    one(&with_status("[]"), "SOURCE_HTTP_STATUS_INVALID");
}

#[test]
fn subject_kinds_have_their_names() {
    assert_eq!(SubjectKind::Person.as_str(), "person");
    assert_eq!(SubjectKind::Enterprise.as_str(), "enterprise");
    assert_eq!(SubjectKind::Person.to_string(), "person");
    assert_eq!(SubjectKind::Person.label_zh(), "自然人");
    assert_eq!(SubjectKind::Enterprise.label_zh(), "企业");
}
