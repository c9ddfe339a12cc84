//! The synthetic population: valid identifiers, consistency, determinism, uniqueness.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use ids::{CreditCode, IdNumber, Sex};
use sharing::{
    DEMO_LISI_ID, DEMO_LIUQIANG_ID, DEMO_MARRIAGE_CERT_NO, DEMO_WANGFANG_ID, DEMO_ZHANGSAN_ID, Generator, Record,
    Registry, SubjectKind, demo_people, write_jsonl,
};

const BUNDLED: &str = include_str!("../../../catalog/sources.toml");

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn by_source(records: &[Record], source: &str) -> HashMap<String, BTreeMap<String, String>> {
    records
        .iter()
        .filter(|r| r.source == source)
        .map(|r| (r.subject.clone(), r.attributes.clone()))
        .collect()
}

/// Independent GB 11714 check of an organisation code (positions 9–17 of a credit code).
fn organization_code_valid(code: &str) -> bool {
    let weights = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = code
        .chars()
        .take(8)
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let expected = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap(),
    };
    code.chars().nth(8) == Some(expected)
}

#[test]
fn every_record_fits_the_bundled_registry() {
    let registry = Registry::load("catalog/sources.toml", BUNDLED).unwrap();
    let mut generator = Generator::new(1);
    let mut records: Vec<Record> = generator.persons(2_000).collect();
    records.extend(generator.enterprises(200));
    records.extend(demo_people());
    let mut seen_sources = HashSet::new();
    for record in &records {
        let source = registry.source(&record.source).expect("known source");
        seen_sources.insert(source.code.clone());
        for attribute in record.attributes.keys() {
            assert!(source.serves(attribute), "{} does not serve {attribute}", source.code);
        }
        match source.subject {
            SubjectKind::Person => assert!(IdNumber::parse(&record.subject).is_ok()),
            SubjectKind::Enterprise => assert!(CreditCode::parse(&record.subject).is_ok()),
        }
    }
    assert_eq!(seen_sources.len(), registry.sources().len(), "{seen_sources:?}");
}

#[test]
fn identifiers_parse_and_agree_with_the_attributes() {
    let mut generator = Generator::new(42);
    let records: Vec<Record> = generator.population(20_000).collect();
    let population = by_source(&records, "population");
    assert_eq!(population.len(), 20_000);
    let cities: HashSet<&str> = population.values().map(|a| a["hukou_city"].as_str()).collect();
    assert!(
        cities.contains("兰州市") && cities.contains("北京市") && cities.len() >= 15,
        "{cities:?}"
    );
    for (subject, attributes) in &population {
        let id = IdNumber::parse(subject).unwrap();
        let sex = if attributes["sex"] == "女" {
            Sex::Female
        } else {
            Sex::Male
        };
        assert_eq!(id.sex(), sex, "{subject}");
        let birth = date(&attributes["birth_date"]);
        assert_eq!(id.birth_date(), birth);
        assert!((1940..=2008).contains(&birth.year()), "{birth}");
        assert!(id.sequence_code() >= "010", "{subject}: 000–009 are the demo people's");
        let name = &attributes["name"];
        assert!((2..=4).contains(&name.chars().count()), "{name}");
        let address = &attributes["address"];
        assert!(address.contains(&attributes["hukou_city"]), "{address}");
        let expected = match id.area_code() {
            "620102" => Some("甘肃省兰州市城关区"),
            "110105" => Some("北京市朝阳区"),
            "440305" => Some("广东省深圳市南山区"),
            "310115" => Some("上海市浦东新区"),
            _ => None,
        };
        if let Some(prefix) = expected {
            assert!(address.starts_with(prefix), "{subject}: {address}");
        }
    }
    for (_, attributes) in by_source(&records, "social_insurance") {
        let months: u32 = attributes["insured_months"].parse().unwrap();
        assert!((1..=540).contains(&months));
    }
    let enterprises: Vec<Record> = generator.enterprises(5_000).collect();
    let mut codes = HashSet::new();
    for record in &enterprises {
        let code = CreditCode::parse(&record.subject).unwrap();
        assert!(codes.insert(code.as_str().to_owned()));
        assert_eq!(code.registration_authority_code(), '9');
        assert!(organization_code_valid(code.organization_code()), "{code}");
        let rep = IdNumber::parse(&record.attributes["legal_rep_id_number"]).unwrap();
        assert!(
            !population.contains_key(rep.as_str()),
            "a legal representative took a person's number"
        );
        let capital = &record.attributes["registered_capital"];
        let (whole, cents) = capital.split_once('.').unwrap();
        assert!(whole.parse::<u32>().is_ok() && cents.len() == 2, "{capital}");
        date(&record.attributes["established_date"]);
        assert!(record.attributes["business_scope"].starts_with("一般项目："));
    }
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let first: Vec<Record> = Generator::new(2026).population(3_000).collect();
    let again: Vec<Record> = Generator::new(2026).population(3_000).collect();
    assert_eq!(first, again);
    let other: Vec<Record> = Generator::new(2027).population(3_000).collect();
    assert_ne!(first, other);
    let mut one = Generator::new(5);
    let enterprises: Vec<Record> = one.enterprises(100).collect();
    assert_eq!(enterprises, Generator::new(5).enterprises(100).collect::<Vec<_>>());
    // Household counts: persons(n) makes n households.
    let records: Vec<Record> = Generator::new(9).persons(1_000).collect();
    let population = by_source(&records, "population");
    let couples = by_source(&records, "marriage")
        .values()
        .filter(|a| a.contains_key("spouse_id_number"))
        .count()
        / 2;
    let singles_and_children = population.len() - 2 * couples;
    assert!(couples > 300 && couples < 800, "{couples}");
    assert!(population.len() > 1_000 && singles_and_children > 0);
}

#[test]
fn identifiers_are_unique_over_200k_persons() {
    let records: Vec<Record> = Generator::new(7).population(200_000).collect();
    let mut ids = HashSet::with_capacity(200_000);
    for record in records.iter().filter(|r| r.source == "population") {
        assert!(ids.insert(record.subject.as_str()), "duplicate {}", record.subject);
    }
    assert_eq!(ids.len(), 200_000);
    for demo in [DEMO_WANGFANG_ID, DEMO_LIUQIANG_ID, DEMO_ZHANGSAN_ID, DEMO_LISI_ID] {
        assert!(!ids.contains(demo), "{demo} generated");
    }
    // One (source, subject) per record.
    let keys: HashSet<(&str, &str)> = records
        .iter()
        .map(|r| (r.source.as_str(), r.subject.as_str()))
        .collect();
    assert_eq!(keys.len(), records.len());
    // Account numbers are unique, certificates are shared by a couple at most.
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for record in &records {
        for attribute in [
            "medical_insurance_no",
            "housing_fund_account",
            "marriage_cert_no",
            "real_estate_cert_no",
        ] {
            if let Some(value) = record.attributes.get(attribute) {
                *counts.entry((attribute, value.as_str())).or_default() += 1;
            }
        }
    }
    for ((attribute, value), count) in counts {
        let limit = if attribute.ends_with("cert_no") { 2 } else { 1 };
        assert!(count <= limit, "{attribute} {value} used {count} times");
        assert_ne!(value, DEMO_MARRIAGE_CERT_NO);
    }
}

#[test]
fn spouses_refer_to_each_other() {
    let records: Vec<Record> = Generator::new(11).population(30_000).collect();
    let population = by_source(&records, "population");
    let marriage = by_source(&records, "marriage");
    assert_eq!(marriage.len(), population.len(), "everyone has a marital status");
    let mut married = 0;
    for (subject, record) in &marriage {
        let status = record["marital_status"].as_str();
        assert!(["已婚", "未婚", "离婚", "丧偶"].contains(&status), "{status}");
        let Some(spouse) = record.get("spouse_id_number") else {
            assert_ne!(status, "已婚");
            assert_eq!(record.len(), 1);
            continue;
        };
        married += 1;
        assert_eq!(status, "已婚");
        let back = &marriage[spouse];
        assert_eq!(&back["spouse_id_number"], subject);
        assert_eq!(back["spouse_name"], population[subject]["name"]);
        assert_eq!(record["spouse_name"], population[spouse]["name"]);
        assert_eq!(back["marriage_cert_no"], record["marriage_cert_no"]);
        assert_eq!(back["marriage_date"], record["marriage_date"]);
        let (me, them) = (IdNumber::parse(subject).unwrap(), IdNumber::parse(spouse).unwrap());
        assert_ne!(me.sex(), them.sex());
        // Married at legal age: 22 for the man, 20 for the woman, and not after the data date.
        let on = date(&record["marriage_date"]);
        let minimum = if me.sex() == Sex::Male { 22 } else { 20 };
        assert!(
            sharing::full_years(me.birth_date(), on) >= minimum,
            "{subject} married on {on}"
        );
        assert!(on <= date(sharing::DATA_AS_OF));
        let cert = &record["marriage_cert_no"];
        assert!(
            cert.starts_with('J') && cert.contains(&format!("-{}-", on.year())),
            "{cert}"
        );
    }
    assert!(married > 10_000, "{married}");
}

#[test]
fn demo_people_are_consistent() {
    for id in [DEMO_WANGFANG_ID, DEMO_LIUQIANG_ID, DEMO_ZHANGSAN_ID, DEMO_LISI_ID] {
        let parsed = IdNumber::parse(id).unwrap();
        assert_eq!(ids::id_check_char(&id[..17]), Some(parsed.check_char()));
    }
    let records = demo_people();
    let population = by_source(&records, "population");
    let marriage = by_source(&records, "marriage");
    let wang = IdNumber::parse(DEMO_WANGFANG_ID).unwrap();
    assert_eq!((wang.sex(), wang.area_code()), (Sex::Female, "620102"));
    assert_eq!(wang.birth_date(), date("1994-03-15"));
    let liu = IdNumber::parse(DEMO_LIUQIANG_ID).unwrap();
    assert_eq!((liu.sex(), liu.area_code()), (Sex::Male, "620102"));
    assert_eq!(liu.birth_date(), date("1992-08-08"));
    assert_eq!(population[DEMO_WANGFANG_ID]["name"], "王芳");
    assert_eq!(population[DEMO_LIUQIANG_ID]["name"], "刘强");
    assert_eq!(marriage[DEMO_WANGFANG_ID]["spouse_id_number"], DEMO_LIUQIANG_ID);
    assert_eq!(marriage[DEMO_LIUQIANG_ID]["spouse_id_number"], DEMO_WANGFANG_ID);
    assert_eq!(marriage[DEMO_LIUQIANG_ID]["marriage_date"], "2019-05-20");
    assert_eq!(marriage[DEMO_WANGFANG_ID]["marriage_cert_no"], DEMO_MARRIAGE_CERT_NO);
    assert_eq!(marriage[DEMO_ZHANGSAN_ID]["marital_status"], "丧偶");
    assert_eq!(marriage[DEMO_LISI_ID]["marital_status"], "未婚");
    for (id, attributes) in &population {
        let parsed = IdNumber::parse(id).unwrap();
        assert_eq!(attributes["sex"], parsed.sex().label_zh());
        assert_eq!(date(&attributes["birth_date"]), parsed.birth_date());
        assert!(attributes["address"].contains(&attributes["hukou_city"]));
    }
}

#[test]
fn jsonl_round_trips() {
    let records: Vec<Record> = Generator::new(3).persons(50).chain(demo_people()).collect();
    let mut out = Vec::new();
    let written = write_jsonl(records.clone().into_iter(), &mut out).unwrap();
    assert_eq!(written, records.len() as u64);
    let text = String::from_utf8(out).unwrap();
    let back: Vec<Record> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(back, records);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["source"], "population");
    assert!(first["attributes"]["name"].is_string());
}

/// The synthetic population is plausible where a department would notice: nobody
/// under the legal marriage age is or was married, nobody under 18 holds a home or
/// has paid social insurance for longer than they could have worked, and every
/// real-estate certificate is from a year of unified registration (2016–2025).
#[test]
fn records_agree_with_the_persons_age() {
    let mut generator = Generator::new(7);
    let records: Vec<Record> = generator.population(20_000).collect();
    let population = by_source(&records, "population");
    let age = |subject: &str| 2025 - date(&population[subject]["birth_date"]).year();
    let mut checked = (0, 0, 0);
    let mut years = std::collections::BTreeSet::new();
    for (subject, marriage) in by_source(&records, "marriage") {
        let minimum = if population[&subject]["sex"] == "女" { 20 } else { 22 };
        if age(&subject) < minimum {
            assert_eq!(marriage["marital_status"], "未婚", "{subject}");
            checked.0 += 1;
        }
    }
    for (subject, estate) in by_source(&records, "real_estate") {
        assert!(age(&subject) >= 18, "{subject}");
        let number = &estate["real_estate_cert_no"];
        let year: i32 = number
            .split_once('（')
            .and_then(|(_, rest)| rest.split_once('）'))
            .map(|(year, _)| year.parse().unwrap())
            .unwrap_or_else(|| panic!("{number}"));
        assert!((2016..=2025).contains(&year), "{number}");
        years.insert(year);
        checked.1 += 1;
    }
    for (subject, insurance) in by_source(&records, "social_insurance") {
        let working_years = (age(&subject).min(60) - 18).max(1);
        let months: i32 = insurance["insured_months"].parse().unwrap();
        assert!(
            months <= working_years * 12,
            "{subject}: {months} months at {}",
            age(&subject)
        );
        checked.2 += 1;
    }
    assert!(checked.0 > 100 && checked.1 > 100 && checked.2 > 100, "{checked:?}");
    // Every year of unified registration occurs.
    assert_eq!(years.into_iter().collect::<Vec<_>>(), (2016..=2025).collect::<Vec<_>>());
}
