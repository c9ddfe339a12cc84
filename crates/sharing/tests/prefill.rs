//! Roles, the prefill plan and its resolution, with the demo people as shared data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ids::{CreditCode, IdNumber};
use sharing::{
    ACCOUNT_SOURCE, DEMO_LISI_ID, DEMO_LIUQIANG_ID, DEMO_WANGFANG_ID, DEMO_ZHANGSAN_ID, Fetch, Generator, Prefilled,
    Record, Registry, Role, binding, demo_people, parents, plan_prefill, prefill_values,
};

const BUNDLED: &str = include_str!("../../../catalog/sources.toml");

/// The newborn form's parent and applicant fields.
const NEWBORN: [&str; 7] = [
    "mother.name",
    "mother.id_number",
    "father.name",
    "father.id_number",
    "person.name",
    "person.phone",
    "person.address",
];

fn registry() -> Registry {
    Registry::load("catalog/sources.toml", BUNDLED).unwrap()
}

fn id(text: &str) -> IdNumber {
    IdNumber::parse(text).unwrap()
}

type Table = BTreeMap<(String, String), BTreeMap<String, String>>;

fn table(records: impl IntoIterator<Item = Record>) -> Table {
    records
        .into_iter()
        .map(|r| ((r.source, r.subject), r.attributes))
        .collect()
}

fn values(table: &Table, applicant: &str, elements: &[&str]) -> Vec<Prefilled> {
    let plan = plan_prefill(&registry(), elements);
    let lookup = |source: &str, subject: &str, attribute: &str| {
        table
            .get(&(source.to_owned(), subject.to_owned()))
            .and_then(|attributes| attributes.get(attribute).cloned())
    };
    prefill_values(&plan, &id(applicant), None, &lookup)
}

fn filled(element: &str, value: &str, source: &str, subject: &str) -> Prefilled {
    Prefilled {
        element: element.into(),
        value: value.into(),
        source: source.into(),
        subject: subject.into(),
    }
}

#[test]
fn binding_splits_role_and_attribute() {
    assert_eq!(binding("person.name"), Some((Role::Applicant, "name".into())));
    assert_eq!(binding("mother.id_number"), Some((Role::Mother, "id_number".into())));
    assert_eq!(binding("father.name"), Some((Role::Father, "name".into())));
    assert_eq!(binding("enterprise.uscc"), Some((Role::Enterprise, "uscc".into())));
    assert_eq!(binding("child.name"), None);
    assert_eq!(binding("person"), None);
    assert_eq!(binding("person."), None);
    assert_eq!(binding("person.a.b"), None);
    assert_eq!(Role::Mother.prefix(), "mother");
}

#[test]
fn newborn_plan_fetches_parents_through_the_marriage_record() {
    let mut elements = NEWBORN.to_vec();
    elements.extend(["person.id_number", "child.name", "mother.name"]);
    let plan = plan_prefill(&registry(), &elements);
    let fetch = |element: &str, role, source: &str, attribute: &str| Fetch {
        element: element.into(),
        role,
        source: source.into(),
        attribute: attribute.into(),
    };
    assert_eq!(
        plan.fetches,
        [
            fetch("mother.name", Role::Mother, "population", "name"),
            fetch("mother.id_number", Role::Mother, "marriage", "spouse_id_number"),
            fetch("father.name", Role::Father, "population", "name"),
            fetch("father.id_number", Role::Father, "marriage", "spouse_id_number"),
            fetch("person.name", Role::Applicant, "population", "name"),
            fetch("person.address", Role::Applicant, "population", "address"),
        ]
    );
    assert!(plan.needs_spouse);
    assert_eq!(plan.spouse_source.as_deref(), Some("marriage"));
    assert_eq!(plan.sources(), ["marriage", "population"]);

    let plan = plan_prefill(
        &registry(),
        &[
            "person.name",
            "person.medical_insurance_years",
            "person.insured_months",
            "person.housing_fund_account",
        ],
    );
    assert!(!plan.needs_spouse);
    assert_eq!(plan.spouse_source, None);
    let sources: Vec<&str> = plan.fetches.iter().map(|f| f.source.as_str()).collect();
    assert_eq!(
        sources,
        ["population", "medical_insurance", "social_insurance", "housing_fund"]
    );

    let plan = plan_prefill(
        &registry(),
        &["enterprise.uscc", "enterprise.name", "enterprise.bank_account"],
    );
    assert_eq!(
        plan.fetches,
        [fetch("enterprise.name", Role::Enterprise, "legal_entity", "name")]
    );
}

#[test]
fn parents_are_assigned_by_the_sex_digit() {
    let wang = id(DEMO_WANGFANG_ID); // female
    let liu = id(DEMO_LIUQIANG_ID); // male
    let zhang = id(DEMO_ZHANGSAN_ID); // female
    let li = id(DEMO_LISI_ID); // male
    assert_eq!(parents(&wang, Some(&liu)), (Some(wang.clone()), Some(liu.clone())));
    assert_eq!(parents(&liu, Some(&wang)), (Some(wang.clone()), Some(liu.clone())));
    // Same sex: only the applicant's own role.
    assert_eq!(parents(&wang, Some(&zhang)), (Some(wang.clone()), None));
    assert_eq!(parents(&liu, Some(&li)), (None, Some(liu.clone())));
    // No spouse.
    assert_eq!(parents(&zhang, None), (Some(zhang.clone()), None));
    assert_eq!(parents(&li, None), (None, Some(li.clone())));
}

#[test]
fn newborn_values_for_the_mother_applying() {
    let table = table(demo_people());
    let got = values(&table, DEMO_WANGFANG_ID, &NEWBORN);
    let home = "甘肃省兰州市城关区人民路88号2号楼1单元502室";
    assert_eq!(
        got,
        [
            filled("mother.name", "王芳", "population", DEMO_WANGFANG_ID),
            filled("mother.id_number", DEMO_WANGFANG_ID, ACCOUNT_SOURCE, DEMO_WANGFANG_ID),
            filled("father.name", "刘强", "population", DEMO_LIUQIANG_ID),
            filled("father.id_number", DEMO_LIUQIANG_ID, "marriage", DEMO_WANGFANG_ID),
            filled("person.name", "王芳", "population", DEMO_WANGFANG_ID),
            filled("person.address", home, "population", DEMO_WANGFANG_ID),
        ]
    );
}

#[test]
fn newborn_values_for_the_father_applying() {
    let table = table(demo_people());
    let got = values(&table, DEMO_LIUQIANG_ID, &NEWBORN);
    let by_element: BTreeMap<&str, &Prefilled> = got.iter().map(|p| (p.element.as_str(), p)).collect();
    assert_eq!(
        *by_element["mother.name"],
        filled("mother.name", "王芳", "population", DEMO_WANGFANG_ID)
    );
    assert_eq!(
        *by_element["mother.id_number"],
        filled("mother.id_number", DEMO_WANGFANG_ID, "marriage", DEMO_LIUQIANG_ID)
    );
    assert_eq!(
        *by_element["father.id_number"],
        filled("father.id_number", DEMO_LIUQIANG_ID, ACCOUNT_SOURCE, DEMO_LIUQIANG_ID)
    );
    assert_eq!(by_element["person.name"].value, "刘强");
    assert!(!by_element.contains_key("person.phone"));
    assert_eq!(got.len(), 6);
}

#[test]
fn without_a_spouse_only_the_applicants_own_parent_role_is_filled() {
    let table = table(demo_people());
    // 李四 is unmarried and male: father only.
    let got: Vec<String> = values(&table, DEMO_LISI_ID, &NEWBORN)
        .into_iter()
        .map(|p| format!("{}={}", p.element, p.value))
        .collect();
    assert_eq!(
        got,
        [
            "father.name=李四",
            &format!("father.id_number={DEMO_LISI_ID}"),
            "person.name=李四",
            "person.address=广东省深圳市南山区文化路18号",
        ]
    );
    // 张三 is widowed and female: mother only.
    let got: Vec<String> = values(&table, DEMO_ZHANGSAN_ID, &NEWBORN)
        .into_iter()
        .map(|p| p.element)
        .collect();
    assert_eq!(
        got,
        ["mother.name", "mother.id_number", "person.name", "person.address"]
    );
    // A spouse number that does not parse is no spouse.
    let mut broken = table.clone();
    broken
        .get_mut(&("marriage".to_owned(), DEMO_WANGFANG_ID.to_owned()))
        .unwrap()
        .insert("spouse_id_number".into(), "620102199208080018".into());
    let got: Vec<String> = values(&broken, DEMO_WANGFANG_ID, &NEWBORN)
        .into_iter()
        .map(|p| p.element)
        .collect();
    assert!(!got.iter().any(|e| e.starts_with("father.")), "{got:?}");
}

#[test]
fn enterprise_fields_come_from_the_enterprise_record() {
    let record = Generator::new(7).enterprises(1).next().unwrap();
    let code = CreditCode::parse(&record.subject).unwrap();
    let table = table([record.clone()]);
    let plan = plan_prefill(
        &registry(),
        &["enterprise.uscc", "enterprise.name", "enterprise.legal_rep_id_number"],
    );
    let lookup = |source: &str, subject: &str, attribute: &str| {
        table
            .get(&(source.to_owned(), subject.to_owned()))
            .and_then(|attributes| attributes.get(attribute).cloned())
    };
    let applicant = id(DEMO_LISI_ID);
    let got = prefill_values(&plan, &applicant, Some(&code), &lookup);
    assert_eq!(
        got,
        [
            filled(
                "enterprise.name",
                &record.attributes["name"],
                "legal_entity",
                code.as_str()
            ),
            filled(
                "enterprise.legal_rep_id_number",
                &record.attributes["legal_rep_id_number"],
                "legal_entity",
                code.as_str()
            ),
        ]
    );
    assert!(prefill_values(&plan, &applicant, None, &lookup).is_empty());
}
