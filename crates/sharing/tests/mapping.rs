//! Mapping department HTTP answers onto our attributes, with mappings loaded from TOML.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use serde_json::json;
use sharing::{HttpMapping, MappingError, Registry};

const SOURCES: &str = r#"
[[source]]
code = "population"
name = "人口基础信息库"
department = "GA"
subject = "person"
attributes = ["name", "sex", "birth_date", "address"]
legal_basis = "《中华人民共和国居民身份证法》"

[source.http]
url = "http://127.0.0.1:9/population?sfzh={subject}&from={subject}"
records_at = "data"
status = { at = "code", ok = [0] }
[source.http.fields]
name = { field = "XM" }
sex = { field = "XB", codes = { "1" = "男", "2" = "女" } }
birth_date = { field = "CSRQ", format = "yyyymmdd" }
address = { field = "HJDZ" }

[[source]]
code = "marriage"
name = "婚姻登记信息"
department = "MZ"
subject = "person"
attributes = ["marital_status", "spouse_id_number", "spouse_name", "marriage_date"]
legal_basis = "《婚姻登记条例》（国务院令第387号）"

[source.http]
url = "https://mz.example/api/hyxx/{subject}"
records_at = "result"
[source.http.fields]
marital_status = { field = "hyzk", codes = { "10" = "未婚", "20" = "已婚", "30" = "丧偶", "40" = "离婚" } }
spouse_name = { field = "poxm" }
spouse_id_number = { field = "pozjhm" }
marriage_date = { field = "djrq", format = "yyyy/mm/dd" }

[[source]]
code = "legal_entity"
name = "法人基础信息库"
department = "SJ"
subject = "enterprise"
attributes = ["name", "registered_capital", "established_date", "legal_rep_name"]
legal_basis = "《中华人民共和国市场主体登记管理条例》（国务院令第746号）"

[source.http]
url = "http://sj.example/q?tyshxydm={subject}"
[source.http.fields]
name = { field = "jbxx.qymc" }
registered_capital = { field = "jbxx.zczb", format = "fen" }
established_date = { field = "jbxx.clrq", format = "yyyy年m月d日" }
legal_rep_name = { field = "fddbr.0.xm" }
"#;

fn mapping(code: &str) -> HttpMapping {
    let registry = Registry::load("sources.toml", SOURCES).unwrap();
    registry.source(code).unwrap().http.clone().unwrap()
}

fn record(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn public_security_answer_is_mapped() {
    let ga = mapping("population");
    let body = json!({"code": 0, "data": {"XM": "王芳", "XB": "2", "CSRQ": "19940315", "HJDZ": "甘肃省兰州市城关区人民路88号", "MZ": "01"}});
    assert_eq!(
        ga.map_response(&body).unwrap(),
        Some(record(&[
            ("name", "王芳"),
            ("sex", "女"),
            ("birth_date", "1994-03-15"),
            ("address", "甘肃省兰州市城关区人民路88号"),
        ]))
    );
    // A number where text is expected, and a missing field.
    let body = json!({"code": 0, "data": {"XM": "刘强", "XB": 1, "CSRQ": 19920808}});
    assert_eq!(
        ga.map_response(&body).unwrap(),
        Some(record(&[("name", "刘强"), ("sex", "男"), ("birth_date", "1992-08-08")]))
    );
    assert_eq!(
        ga.request_url("11010519491231002X"),
        "http://127.0.0.1:9/population?sfzh=11010519491231002X&from=11010519491231002X"
    );
    assert_eq!(
        ga.request_url("a&b=c"),
        "http://127.0.0.1:9/population?sfzh=a%26b%3Dc&from=a%26b%3Dc"
    );
}

#[test]
fn civil_affairs_answer_is_mapped() {
    let mz = mapping("marriage");
    let body = json!({"result": {"hyzk": "20", "poxm": "刘强", "pozjhm": "620102199208080017", "djrq": "2019/05/20"}});
    assert_eq!(
        mz.map_response(&body).unwrap(),
        Some(record(&[
            ("marital_status", "已婚"),
            ("spouse_name", "刘强"),
            ("spouse_id_number", "620102199208080017"),
            ("marriage_date", "2019-05-20"),
        ]))
    );
    // Unmarried: empty strings and nulls are no value.
    let body = json!({"result": {"hyzk": "10", "poxm": "", "pozjhm": null}});
    assert_eq!(
        mz.map_response(&body).unwrap(),
        Some(record(&[("marital_status", "未婚")]))
    );
    // A one-element list is that record.
    let body = json!({"result": [{"hyzk": 30}]});
    assert_eq!(
        mz.map_response(&body).unwrap(),
        Some(record(&[("marital_status", "丧偶")]))
    );
}

#[test]
fn bad_dates_are_errors() {
    let ga = mapping("population");
    let body = json!({"code": 0, "data": {"XM": "王芳", "XB": "2", "CSRQ": "19940230"}});
    let error = ga.map_response(&body).unwrap_err();
    assert_eq!(error.code(), "MAPPING_BAD_FORMAT");
    assert_eq!(
        error,
        MappingError::BadFormat {
            attribute: "birth_date".into(),
            field: "CSRQ".into(),
            value: "19940230".into(),
            format: "yyyymmdd",
        }
    );
    assert!(error.to_string().contains("CSRQ") && error.to_string().contains("19940230"));
    let mz = mapping("marriage");
    let body = json!({"result": {"hyzk": "20", "djrq": "2019-05-20"}});
    assert_eq!(mz.map_response(&body).unwrap_err().code(), "MAPPING_BAD_FORMAT");
}

#[test]
fn unmapped_codes_name_the_field_and_value() {
    let ga = mapping("population");
    let body = json!({"code": 0, "data": {"XM": "王芳", "XB": "9"}});
    let error = ga.map_response(&body).unwrap_err();
    assert_eq!(
        error,
        MappingError::UnmappedCode {
            attribute: "sex".into(),
            field: "XB".into(),
            value: "9".into(),
        }
    );
    assert_eq!(error.code(), "MAPPING_UNMAPPED_CODE");
    let message = error.to_string();
    assert!(message.contains("XB") && message.contains('9'), "{message}");
    let mz = mapping("marriage");
    let error = mz.map_response(&json!({"result": {"hyzk": "22"}})).unwrap_err();
    assert!(matches!(error, MappingError::UnmappedCode { ref value, .. } if value == "22"));
}

#[test]
fn missing_records_and_failures_are_told_apart() {
    let ga = mapping("population");
    assert_eq!(ga.map_response(&json!({"code": 0, "data": null})).unwrap(), None);
    assert_eq!(ga.map_response(&json!({"code": 0})).unwrap(), None);
    assert_eq!(ga.map_response(&json!({"code": 0, "data": []})).unwrap(), None);
    let error = ga.map_response(&json!({"code": 500, "msg": "系统繁忙"})).unwrap_err();
    assert_eq!(
        error,
        MappingError::Status {
            at: "code".into(),
            value: "500".into()
        }
    );
    assert_eq!(
        ga.map_response(&json!({"msg": "?"})).unwrap_err().code(),
        "MAPPING_STATUS"
    );
    let two = json!({"code": 0, "data": [{"XM": "a"}, {"XM": "b"}]});
    assert_eq!(
        ga.map_response(&two).unwrap_err(),
        MappingError::MultipleRecords { count: 2 }
    );
    let text = json!({"code": 0, "data": "王芳"});
    assert_eq!(ga.map_response(&text).unwrap_err().code(), "MAPPING_NOT_RECORD");
    let nested = json!({"code": 0, "data": {"XM": {"first": "王"}}});
    assert_eq!(ga.map_response(&nested).unwrap_err().code(), "MAPPING_WRONG_TYPE");
    let mz = mapping("marriage");
    assert_eq!(mz.map_response(&json!({"result": null})).unwrap(), None);
}

#[test]
fn nested_fields_cents_and_chinese_dates() {
    let sj = mapping("legal_entity");
    let body = json!({
        "jbxx": {"qymc": "兰州华远商贸有限公司", "zczb": 1_000_000_000, "clrq": "2015年6月1日"},
        "fddbr": [{"xm": "刘强"}]
    });
    assert_eq!(
        sj.map_response(&body).unwrap(),
        Some(record(&[
            ("name", "兰州华远商贸有限公司"),
            ("registered_capital", "10000000.00"),
            ("established_date", "2015-06-01"),
            ("legal_rep_name", "刘强"),
        ]))
    );
    let body = json!({"jbxx": {"zczb": "12345"}});
    assert_eq!(
        sj.map_response(&body).unwrap(),
        Some(record(&[("registered_capital", "123.45")]))
    );
    let body = json!({"jbxx": {"zczb": 123.4}});
    assert_eq!(sj.map_response(&body).unwrap_err().code(), "MAPPING_BAD_FORMAT");
    let body = json!({"jbxx": {"clrq": "2015年2月30日"}});
    assert_eq!(sj.map_response(&body).unwrap_err().code(), "MAPPING_BAD_FORMAT");
}

/// Each format takes exactly its own shape: eight digits for yyyymmdd, a four-digit
/// year and a one- or two-digit month and day for the others, and at most 18 digits
/// of fen (no sign, no decimals).
#[test]
fn formats_take_exactly_their_own_shape() {
    let ga = mapping("population");
    let birth = |value: &str| ga.map_response(&json!({"code": 0, "data": {"CSRQ": value}}));
    assert_eq!(
        birth("19940315").unwrap(),
        Some(record(&[("birth_date", "1994-03-15")]))
    );
    for bad in ["1994031", "199403150", "1994031a", "19940-15"] {
        assert_eq!(birth(bad).unwrap_err().code(), "MAPPING_BAD_FORMAT", "{bad}");
    }
    let mz = mapping("marriage");
    let married = |value: &str| mz.map_response(&json!({"result": {"djrq": value}}));
    assert_eq!(
        married("2019/5/20").unwrap(),
        Some(record(&[("marriage_date", "2019-05-20")]))
    );
    assert_eq!(
        married("2019/05/2").unwrap(),
        Some(record(&[("marriage_date", "2019-05-02")]))
    );
    for bad in [
        "19/05/20",
        "2019/005/20",
        "2019/05/200",
        "2019/5/2a",
        "2019/05",
        "2019/05/20/1",
    ] {
        assert_eq!(married(bad).unwrap_err().code(), "MAPPING_BAD_FORMAT", "{bad}");
    }
    let sj = mapping("legal_entity");
    let capital = |value: &str| sj.map_response(&json!({"jbxx": {"zczb": value}}));
    assert_eq!(
        capital("999999999999999999").unwrap(),
        Some(record(&[("registered_capital", "9999999999999999.99")]))
    );
    assert_eq!(capital("7").unwrap(), Some(record(&[("registered_capital", "0.07")])));
    for bad in ["1000000000000000000", "-100", "12.5"] {
        assert_eq!(capital(bad).unwrap_err().code(), "MAPPING_BAD_FORMAT", "{bad:?}");
    }
}

/// Some departments report success as a JSON boolean (`"success": true`): it is
/// compared by its text with the `ok` values, and a `false` is named in the error.
#[test]
fn a_boolean_status_is_compared_by_its_text() {
    let sources = SOURCES.replace(
        "status = { at = \"code\", ok = [0] }",
        "status = { at = \"success\", ok = [true] }",
    );
    let registry = Registry::load("sources.toml", &sources).unwrap();
    let ga = registry.source("population").unwrap().http.clone().unwrap();
    let body = json!({"success": true, "data": {"XM": "王芳"}});
    assert_eq!(ga.map_response(&body).unwrap(), Some(record(&[("name", "王芳")])));
    let body = json!({"success": false, "data": {"XM": "王芳"}});
    assert_eq!(
        ga.map_response(&body).unwrap_err(),
        MappingError::Status {
            at: "success".into(),
            value: "false".into()
        }
    );
}

/// The error names the JSON type found, in Chinese, for the operator reading it.
#[test]
fn a_record_or_field_of_the_wrong_type_names_the_type_found() {
    let ga = mapping("population");
    for (data, found) in [
        (json!("王芳"), "字符串"),
        (json!(5), "数字"),
        (json!(true), "布尔值"),
        (json!([null]), "空值"),
        (json!([[]]), "数组"),
    ] {
        let error = ga.map_response(&json!({"code": 0, "data": data})).unwrap_err();
        assert_eq!(error, MappingError::NotRecord { found }, "{data}");
    }
    for (value, found) in [
        (json!(true), "布尔值"),
        (json!(["王"]), "数组"),
        (json!({"first": "王"}), "对象"),
    ] {
        let error = ga.map_response(&json!({"code": 0, "data": {"XM": value}})).unwrap_err();
        assert_eq!(
            error,
            MappingError::WrongType {
                field: "XM".into(),
                found
            },
            "{value}"
        );
        assert_eq!(
            error.to_string(),
            format!("部门接口字段“XM”应为字符串或数字，实际为{found}")
        );
    }
}
