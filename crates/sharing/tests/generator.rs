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
    records.extend(generator.enterprises_with_insurance(200));
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
        assert!((1920..=2025).contains(&birth.year()), "{birth}");
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

/// Sequence codes are handed out in order per (area, birth date, sex), from 010
/// for women and 011 for men: the numbers look like those of a real register, with
/// no gaps, and 000–009 stay free for the demo people.
#[test]
fn sequence_codes_count_up_per_area_birth_date_and_sex() {
    let records: Vec<Record> = Generator::new(13).population(40_000).collect();
    let mut codes: HashMap<(String, NaiveDate, bool), Vec<u32>> = HashMap::new();
    for record in records.iter().filter(|r| r.source == "population") {
        let id = IdNumber::parse(&record.subject).unwrap();
        let sequence: u32 = id.sequence_code().parse().unwrap();
        codes
            .entry((id.area_code().to_owned(), id.birth_date(), id.sex() == Sex::Female))
            .or_default()
            .push(sequence);
    }
    let mut shared = 0;
    for ((area, birth, female), mut sequences) in codes {
        sequences.sort_unstable();
        let first = if female { 10 } else { 11 };
        let expected: Vec<u32> = (0..sequences.len() as u32).map(|k| first + 2 * k).collect();
        assert_eq!(sequences, expected, "{area} {birth} female={female}");
        shared += usize::from(sequences.len() > 1);
    }
    assert!(shared > 100, "{shared} (area, birth date, sex) with several persons");
}

/// Certificate serial numbers count up from 10000 (below is the demo range) per
/// registering authority and year: marriage certificates per area and year,
/// real-estate certificates per city (its districts share the numbering) and year.
/// A couple shares one certificate.
#[test]
fn certificate_serials_count_up_per_authority_and_year() {
    let records: Vec<Record> = Generator::new(17).population(40_000).collect();
    let mut serials: HashMap<String, Vec<u32>> = HashMap::new();
    let mut seen = HashSet::new();
    for record in &records {
        let (number, (authority_and_year, serial)) = if let Some(number) = record.attributes.get("marriage_cert_no") {
            (number, number.rsplit_once('-').unwrap())
        } else if let Some(number) = record.attributes.get("real_estate_cert_no") {
            // 甘（2020）兰州市不动产权第0012345号: the city, or the district of a
            // municipality, where the home lies.
            let (_, authority) = number.split_once('）').unwrap();
            let authority = authority.split_once("不动产权").unwrap().0;
            let address = &record.attributes["real_estate_address"];
            let municipality = ["北京市", "天津市", "上海市", "重庆市"]
                .iter()
                .any(|city| address.starts_with(city));
            let expected_suffix = if municipality { '区' } else { '市' };
            assert!(
                address.contains(authority) && authority.ends_with(expected_suffix),
                "{number} for {address}"
            );
            (number, number.split_once("不动产权第").unwrap())
        } else {
            continue;
        };
        if seen.insert(number.clone()) {
            let serial: u32 = serial.trim_end_matches('号').parse().unwrap();
            serials.entry(authority_and_year.to_owned()).or_default().push(serial);
        }
    }
    let marriage_slots = serials.keys().filter(|k| k.starts_with('J')).count();
    assert!(
        marriage_slots > 100 && serials.len() - marriage_slots > 50,
        "{}",
        serials.len()
    );
    for (authority_and_year, mut numbers) in serials {
        numbers.sort_unstable();
        let expected: Vec<u32> = (10_000..10_000 + numbers.len() as u32).collect();
        assert_eq!(numbers, expected, "{authority_and_year}");
    }
}

/// Share of each marital status among the persons of an age band who are not
/// married, as (未婚, 离婚, 丧偶).
fn marital_shares(records: &[Record], ages: std::ops::Range<i32>) -> (f64, f64, f64, usize) {
    let population = by_source(records, "population");
    let mut counts = (0, 0, 0);
    for (subject, marriage) in by_source(records, "marriage") {
        let age = 2025 - date(&population[&subject]["birth_date"]).year();
        if !ages.contains(&age) {
            continue;
        }
        match marriage["marital_status"].as_str() {
            "未婚" => counts.0 += 1,
            "离婚" => counts.1 += 1,
            "丧偶" => counts.2 += 1,
            _ => {}
        }
    }
    let total = counts.0 + counts.1 + counts.2;
    let share = |n: usize| n as f64 / total as f64;
    (share(counts.0), share(counts.1), share(counts.2), total)
}

/// Marital status follows age as a department would expect: most of the unmarried
/// elderly are widowed, the middle-aged are as often divorced as never married and
/// seldom widowed, the young are mostly never married.
#[test]
fn marital_status_follows_age() {
    let records: Vec<Record> = Generator::new(23).population(30_000).collect();
    let (never, divorced, widowed, total) = marital_shares(&records, 65..200);
    // Single persons follow the age pyramid, so fewer of them are 65+ than when
    // birth years were uniform; still enough to measure shares.
    assert!(total > 1_200, "{total}");
    assert!((0.45..0.75).contains(&widowed), "65+: widowed {widowed}");
    assert!(
        (0.1..0.3).contains(&divorced) && (0.1..0.3).contains(&never),
        "65+: {never} {divorced}"
    );
    // From 35 to 64 the never married include grown children still at home.
    let (never, divorced, widowed, total) = marital_shares(&records, 35..65);
    assert!(total > 2_000, "{total}");
    assert!(
        never > 0.4 && divorced > 0.15 && (0.03..0.25).contains(&widowed),
        "35–64: {never} {divorced} {widowed}"
    );
    let (never, divorced, widowed, total) = marital_shares(&records, 22..35);
    assert!(total > 1_000, "{total}");
    assert!(
        never > 0.8 && (0.02..0.2).contains(&divorced) && widowed == 0.0,
        "22–34: {never} {divorced} {widowed}"
    );
}

/// The legal marriage age itself is old enough: among single women of exactly 20
/// and men of exactly 22 some are already divorced.
#[test]
fn persons_of_exactly_the_marriage_age_may_have_married() {
    let records: Vec<Record> = Generator::new(29).population(30_000).collect();
    let population = by_source(&records, "population");
    let mut divorced = 0;
    for (subject, marriage) in by_source(&records, "marriage") {
        let person = &population[&subject];
        let age = 2025 - date(&person["birth_date"]).year();
        let at_marriage_age = matches!((person["sex"].as_str(), age), ("女", 20) | ("男", 22));
        divorced += usize::from(at_marriage_age && marriage["marital_status"] == "离婚");
    }
    assert!(divorced > 3, "{divorced}");
}

/// A wife is born from three years before to five years after her husband, and both
/// were old enough to marry: some wives are older, many are years younger.
#[test]
fn spouses_ages_differ_as_in_a_real_register() {
    let records: Vec<Record> = Generator::new(31).population(20_000).collect();
    let population = by_source(&records, "population");
    let (mut older, mut much_younger, mut couples) = (0, 0, 0);
    let mut husband_years = HashSet::new();
    for (subject, marriage) in by_source(&records, "marriage") {
        let Some(wife) = marriage.get("spouse_id_number") else {
            continue;
        };
        if population[&subject]["sex"] != "男" {
            continue;
        }
        let husband_birth = date(&population[&subject]["birth_date"]);
        let wife_birth = date(&population[wife]["birth_date"]);
        husband_years.insert(husband_birth.year());
        assert!(husband_birth.year() <= 2001, "{subject} born {husband_birth}");
        let days = (wife_birth - husband_birth).num_days();
        assert!((-3 * 365..=5 * 365 + 10).contains(&days), "{subject}: {days} days");
        couples += 1;
        older += usize::from(days < 0);
        much_younger += usize::from(days > 3 * 365);
    }
    assert!(couples > 2_000, "{couples}");
    let share = |n: usize| n as f64 / couples as f64;
    assert!((0.25..0.5).contains(&share(older)), "older wives {}", share(older));
    assert!(
        (0.15..0.35).contains(&share(much_younger)),
        "wives 3+ years younger {}",
        share(much_younger)
    );
    assert!(husband_years.len() > 50, "{}", husband_years.len());
}

/// Households are a single person or a couple with no, one or two children (born up
/// to the data date): about two persons on average (a little over, 2.0–2.3, since
/// children are born up to the data date), as [`Generator::persons`] promises and
/// load tests assume when sizing data.
#[test]
fn households_hold_about_two_persons() {
    let records: Vec<Record> = Generator::new(37).persons(5_000).collect();
    let persons = by_source(&records, "population").len();
    let per_household = persons as f64 / 5_000.0;
    assert!((2.0..2.3).contains(&per_household), "{per_household}");
}

/// `population(n)` makes exactly `n` persons, however the last household falls.
#[test]
fn population_makes_exactly_the_persons_asked_for() {
    for seed in 0..200 {
        let n = 2 + (seed as usize % 7);
        let persons = Generator::new(seed)
            .population(n)
            .filter(|r| r.source == "population")
            .count();
        assert_eq!(persons, n, "seed {seed}");
    }
}

/// Adults (18 or older at the data date) have insurance and housing fund records
/// in plausible shares, with years that grow with age; minors have none.
#[test]
fn insurance_is_for_adults_and_grows_with_age() {
    let records: Vec<Record> = Generator::new(41).population(20_000).collect();
    let population = by_source(&records, "population");
    let age = |subject: &str| 2025 - date(&population[subject]["birth_date"]).year();
    let adults = population.keys().filter(|s| age(s) >= 18).count();
    assert!(adults > 10_000, "{adults}");
    let mut long_insured = 0;
    for (source, share) in [
        ("social_insurance", 0.75..0.95),
        ("medical_insurance", 0.85..0.98),
        ("housing_fund", 0.3..0.6),
    ] {
        let records = by_source(&records, source);
        for (subject, attributes) in &records {
            assert!(age(subject) >= 18, "{source}: {subject}");
            if let Some(months) = attributes.get("insured_months") {
                long_insured += usize::from(months.parse::<u32>().unwrap() > 240);
            }
        }
        let covered = records.len() as f64 / adults as f64;
        assert!(share.contains(&covered), "{source}: {covered}");
    }
    assert!(long_insured > 1_000, "{long_insured}");
}

/// An enterprise's name ends as its type requires (有限公司 for a limited liability
/// company, 经营部 for a sole proprietorship, …), and every type occurs in the
/// shares of a real register, limited liability companies first.
#[test]
fn enterprise_names_fit_their_type() {
    let enterprises: Vec<Record> = Generator::new(43).enterprises(2_000).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for record in &enterprises {
        let kind = record.attributes["type"].as_str();
        let name = &record.attributes["name"];
        let suffix = match kind {
            "有限责任公司" => "有限公司",
            "股份有限公司" => "股份有限公司",
            "个人独资企业" => "经营部",
            "合伙企业" => "中心（有限合伙）",
            "非公司企业法人" => "总公司",
            other => panic!("unexpected type {other}"),
        };
        assert!(name.ends_with(suffix), "{kind}: {name}");
        if kind == "有限责任公司" {
            assert!(!name.ends_with("股份有限公司"), "{name}");
        }
        *counts.entry(kind.to_owned()).or_default() += 1;
    }
    assert_eq!(counts.len(), 5, "{counts:?}");
    assert!((1_200..1_600).contains(&counts["有限责任公司"]), "{counts:?}");
}

/// The population has what benefit policies look for: infants linked to both parents
/// by 出生医学证明 records, the oldest old, 残疾人证 holders of every grade and 低保
/// households; and every enterprise's unemployment-insurance record depends on the
/// seed and the credit code only.
#[test]
fn the_population_has_infants_the_oldest_old_disability_and_dibao() {
    let records: Vec<Record> = Generator::new(47).population(20_000).collect();
    let population = by_source(&records, "population");
    let birth_medical = by_source(&records, "birth_medical");
    let as_of = date(sharing::DATA_AS_OF);
    let age = |id: &str| sharing::full_years(date(&population[id]["birth_date"]), as_of);
    let infants: Vec<&String> = population.keys().filter(|id| age(id.as_str()) < 3).collect();
    assert!(infants.len() > 200, "{}", infants.len());
    for infant in &infants {
        let parents = &birth_medical[infant.as_str()];
        let mother = IdNumber::parse(&parents["mother_id_number"]).unwrap();
        let father = IdNumber::parse(&parents["father_id_number"]).unwrap();
        assert_eq!((mother.sex(), father.sex()), (Sex::Female, Sex::Male));
        assert!(population.contains_key(mother.as_str()) && population.contains_key(father.as_str()));
        assert!(age(mother.as_str()) >= 18, "{infant}");
    }
    let oldest = |years: i64| population.keys().filter(|id| age(id.as_str()) >= years).count();
    assert!(
        oldest(80) > 300 && oldest(90) > 30 && oldest(100) > 0,
        "{} {} {}",
        oldest(80),
        oldest(90),
        oldest(100)
    );

    let disability = by_source(&records, "disability");
    let share = disability.len() as f64 / population.len() as f64;
    assert!((0.02..0.04).contains(&share), "{share}");
    let grades: HashSet<&str> = disability.values().map(|a| a["disability_grade"].as_str()).collect();
    assert_eq!(grades.len(), 4);
    for (id, card) in &disability {
        assert!(card["disability_cert_no"].starts_with(id.as_str()));
        assert_eq!(card["disability_cert_no"].len(), 20);
    }
    let dibao = by_source(&records, "minimum_living");
    assert!(dibao.len() > 300, "{}", dibao.len());
    assert!(dibao.values().any(|a| a["dibao_status"] == "在保"));

    let mut generator = Generator::new(5);
    let pairs: Vec<Record> = generator.enterprises_with_insurance(50).collect();
    assert_eq!(pairs.len(), 100);
    for pair in pairs.chunks(2) {
        assert_eq!(
            (pair[0].source.as_str(), pair[1].source.as_str()),
            ("legal_entity", "unemployment_insurance")
        );
        assert_eq!(pair[0].subject, pair[1].subject);
        assert_eq!(pair[1], Generator::new(5).unemployment_insurance(&pair[1].subject));
        assert_ne!(pair[1], Generator::new(6).unemployment_insurance(&pair[1].subject));
    }
    // Adding the insurance records left the enterprises as they were.
    let entities: Vec<Record> = pairs.into_iter().step_by(2).collect();
    assert_eq!(entities, Generator::new(5).enterprises(50).collect::<Vec<_>>());
}
