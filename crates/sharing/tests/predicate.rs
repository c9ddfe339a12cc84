//! Usable-but-not-visible predicates over the demo people.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sharing::{
    DEMO_LISI_ID, DEMO_WANGFANG_ID, DEMO_ZHANGSAN_ID, Predicate, PredicateError, Registry, SubjectKind, demo_people,
};

const BUNDLED: &str = include_str!("../../../catalog/sources.toml");

fn registry() -> Registry {
    Registry::load("catalog/sources.toml", BUNDLED).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every attribute of one demo person, across sources.
fn person(id: &str) -> BTreeMap<String, String> {
    demo_people()
        .into_iter()
        .filter(|r| r.subject == id)
        .flat_map(|r| r.attributes)
        .collect()
}

fn ask(expr: &str, id: &str) -> bool {
    Predicate::compile(expr, &registry(), SubjectKind::Person)
        .unwrap()
        .evaluate(&person(id), date(2026, 3, 1))
        .unwrap()
}

#[test]
fn the_documented_examples_work() {
    assert!(ask("age >= 60", DEMO_ZHANGSAN_ID));
    assert!(!ask("age >= 60", DEMO_WANGFANG_ID));
    assert!(ask("hukou_city == '兰州市'", DEMO_WANGFANG_ID));
    assert!(!ask("hukou_city == '兰州市'", DEMO_LISI_ID));
    assert!(ask("marital_status == '已婚'", DEMO_WANGFANG_ID));
    assert!(!ask("marital_status == '已婚'", DEMO_LISI_ID));
    assert!(ask("hukou_city == '兰州市' && age >= 18", DEMO_WANGFANG_ID));
    assert!(!ask("hukou_city == '兰州市' && age >= 60", DEMO_WANGFANG_ID));
    assert!(ask("address.startsWith('甘肃省')", DEMO_WANGFANG_ID));
    assert!(!ask("address.startsWith('甘肃省')", DEMO_ZHANGSAN_ID));
    assert!(ask("address.contains('朝阳区')", DEMO_ZHANGSAN_ID));
    assert!(ask("marital_status in ['丧偶', '离婚']", DEMO_ZHANGSAN_ID));
    assert!(ask("int(insured_months) >= 180", DEMO_ZHANGSAN_ID));
    assert!(ask("size(name) == 2 && sex == '女'", DEMO_WANGFANG_ID));
}

#[test]
fn attributes_and_sources_are_what_it_reads() {
    let registry = registry();
    let predicate = Predicate::compile("hukou_city == '兰州市' && age >= 18", &registry, SubjectKind::Person).unwrap();
    assert_eq!(predicate.attributes(), ["birth_date", "hukou_city"]);
    assert_eq!(predicate.sources(&registry), ["population"]);
    assert_eq!(predicate.source_text(), "hukou_city == '兰州市' && age >= 18");
    assert!(!predicate.reads_key());
    let predicate = Predicate::compile(
        "marital_status == '已婚' || int(medical_insurance_years) > 10",
        &registry,
        SubjectKind::Person,
    )
    .unwrap();
    assert_eq!(predicate.attributes(), ["marital_status", "medical_insurance_years"]);
    assert_eq!(predicate.sources(&registry), ["marriage", "medical_insurance"]);
    // The key is a variable, not an attribute to fetch.
    let predicate = Predicate::compile("id_number.startsWith('6201')", &registry, SubjectKind::Person).unwrap();
    assert!(predicate.attributes().is_empty());
    assert!(predicate.reads_key());
    let values = BTreeMap::from([("id_number".to_owned(), DEMO_WANGFANG_ID.to_owned())]);
    assert!(predicate.evaluate(&values, date(2026, 1, 1)).unwrap());
    // Enterprises have their own attributes.
    let predicate = Predicate::compile("type == '有限责任公司'", &registry, SubjectKind::Enterprise).unwrap();
    assert_eq!(predicate.sources(&registry), ["legal_entity"]);
}

#[test]
fn unknown_variables_are_named() {
    let registry = registry();
    let error = Predicate::compile("salary > 100 && age > 1", &registry, SubjectKind::Person).unwrap_err();
    assert!(
        matches!(&error, PredicateError::UnknownVariable { name, .. } if name == "salary"),
        "{error:?}"
    );
    assert_eq!(error.code(), "PREDICATE_UNKNOWN_VARIABLE");
    assert!(error.to_string().contains("salary"));
    // Enterprises have no birth date, so no age, and no hukou.
    for expr in ["age > 3", "hukou_city == '兰州市'", "id_number == 'x'"] {
        let error = Predicate::compile(expr, &registry, SubjectKind::Enterprise).unwrap_err();
        assert_eq!(error.code(), "PREDICATE_UNKNOWN_VARIABLE", "{expr}");
    }
    assert!(Predicate::compile("uscc.startsWith('91')", &registry, SubjectKind::Enterprise).is_ok());
}

#[test]
fn syntax_length_and_unsupported_functions_are_refused() {
    let registry = registry();
    let compile = |expr: &str| Predicate::compile(expr, &registry, SubjectKind::Person);
    assert_eq!(compile("age >= ").unwrap_err().code(), "PREDICATE_PARSE");
    assert_eq!(
        compile("address.matches('^甘肃')").unwrap_err(),
        PredicateError::UnsupportedFunction { name: "matches".into() }
    );
    let padding = "x".repeat(500 - "hukou_city == ''".len());
    let exactly_500 = format!("hukou_city == '{padding}'");
    assert_eq!(exactly_500.chars().count(), 500);
    assert!(compile(&exactly_500).is_ok());
    let too_long = format!("hukou_city == '{padding}x'");
    assert_eq!(
        compile(&too_long).unwrap_err(),
        PredicateError::TooLong { length: 501, max: 500 }
    );
    // Characters, not bytes, are counted.
    let chinese = format!("hukou_city == '{}'", "兰".repeat(484));
    assert!(compile(&chinese).is_ok());
}

#[test]
fn non_boolean_results_are_refused() {
    let registry = registry();
    for expr in ["hukou_city", "age + 1"] {
        let predicate = Predicate::compile(expr, &registry, SubjectKind::Person).unwrap();
        let error = predicate
            .evaluate(&person(DEMO_WANGFANG_ID), date(2026, 1, 1))
            .unwrap_err();
        assert!(matches!(error, PredicateError::NotBoolean(_)), "{expr}: {error:?}");
        assert_eq!(error.code(), "PREDICATE_NOT_BOOLEAN");
    }
}

#[test]
fn missing_data_is_no_answer() {
    let registry = registry();
    let predicate = Predicate::compile("marital_status == '已婚'", &registry, SubjectKind::Person).unwrap();
    let error = predicate.evaluate(&BTreeMap::new(), date(2026, 1, 1)).unwrap_err();
    assert_eq!(
        error,
        PredicateError::NoData {
            attribute: "marital_status".into()
        }
    );
    assert_eq!(error.code(), "PREDICATE_NO_DATA");
    // 张三 is retired and has no housing fund account.
    let predicate = Predicate::compile("housing_fund_account != ''", &registry, SubjectKind::Person).unwrap();
    assert!(matches!(
        predicate.evaluate(&person(DEMO_ZHANGSAN_ID), date(2026, 1, 1)),
        Err(PredicateError::NoData { attribute }) if attribute == "housing_fund_account"
    ));
    let predicate = Predicate::compile("age >= 18", &registry, SubjectKind::Person).unwrap();
    assert!(matches!(
        predicate.evaluate(&BTreeMap::new(), date(2026, 1, 1)),
        Err(PredicateError::NoData { attribute }) if attribute == "birth_date"
    ));
    let bad = BTreeMap::from([("birth_date".to_owned(), "1994/03/15".to_owned())]);
    assert_eq!(
        predicate.evaluate(&bad, date(2026, 1, 1)).unwrap_err().code(),
        "PREDICATE_INVALID_DATA"
    );
}

#[test]
fn age_turns_on_the_birthday_itself() {
    let registry = registry();
    let predicate = Predicate::compile("age >= 60", &registry, SubjectKind::Person).unwrap();
    let values = BTreeMap::from([("birth_date".to_owned(), "1966-05-10".to_owned())]);
    assert!(!predicate.evaluate(&values, date(2026, 5, 9)).unwrap());
    assert!(predicate.evaluate(&values, date(2026, 5, 10)).unwrap());
    assert!(predicate.evaluate(&values, date(2026, 5, 11)).unwrap());
    let exact = Predicate::compile("age == 60", &registry, SubjectKind::Person).unwrap();
    assert!(exact.evaluate(&values, date(2027, 5, 9)).unwrap());
    assert!(!exact.evaluate(&values, date(2027, 5, 10)).unwrap());
}

/// Logs show a predicate by its expression and the attributes it fetches, never
/// by values.
#[test]
fn a_predicate_shows_its_expression_and_the_attributes_it_fetches() {
    let predicate = Predicate::compile("age >= 60 && sex == '女'", &registry(), SubjectKind::Person).unwrap();
    assert_eq!(
        format!("{predicate:?}"),
        format!(
            "Predicate {{ source: \"age >= 60 && sex == '女'\", kind: {:?}, attributes: [\"birth_date\", \"sex\"] }}",
            SubjectKind::Person
        )
    );
}
