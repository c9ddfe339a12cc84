//! Oracles for the bundled policies: amounts computed by hand on chosen dates.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use eligibility::{CompiledPolicy, Period, fen_to_yuan, months_under_age, yuan_to_fen};
use proptest::prelude::*;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn policy(id: &str) -> CompiledPolicy {
    let catalog = testkit::catalog();
    CompiledPolicy::compile(&catalog.policies[id]).unwrap()
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

const MOTHER: &str = "620102199403150025";

fn child(birth: &str) -> BTreeMap<String, String> {
    values(&[("birth_date", birth), ("mother_id_number", MOTHER)])
}

#[test]
fn childcare_subsidy_counts_months_before_the_third_birthday() {
    let subsidy = policy("childcare_subsidy");
    // Born 2025-03-15: in 2026 under three all year, 12 × 300 yuan.
    let full = subsidy.evaluate(&child("2025-03-15"), date("2026-12-01"));
    assert!(full.qualifies);
    assert_eq!(full.amount_fen, 360_000);
    assert_eq!(full.period.key(), "2026");
    assert_eq!(full.payee.as_deref(), Some(MOTHER));
    // Its birth year: March to December, 10 months.
    assert_eq!(
        subsidy.evaluate(&child("2025-03-15"), date("2025-06-30")).amount_fen,
        300_000
    );
    // The year of the third birthday (2028-03-15): January and February only.
    assert_eq!(
        subsidy.evaluate(&child("2025-03-15"), date("2028-01-10")).amount_fen,
        60_000
    );
    // A birthday on the first of a month: the month of the birthday is not counted.
    assert_eq!(
        subsidy.evaluate(&child("2022-06-01"), date("2025-01-01")).amount_fen,
        150_000
    );
    // Born before 2025: only months from the policy's start (2025-01) count.
    assert_eq!(
        subsidy.evaluate(&child("2022-06-10"), date("2025-07-01")).amount_fen,
        150_000
    );
    // Three before 2025: nothing in 2025, and the reason says why.
    let old = subsidy.evaluate(&child("2021-12-31"), date("2025-03-01"));
    assert!(!old.qualifies);
    assert_eq!(old.amount_fen, 0);
    let under_three = old.reasons.iter().find(|r| r.id == "under_three").unwrap();
    assert!(!under_three.held);
    assert_eq!(under_three.reads, vec!["birth_date".to_owned()]);
    // Before the policy existed: not in force.
    let early = subsidy.evaluate(&child("2024-05-01"), date("2024-12-31"));
    assert!(!early.in_force && !early.qualifies);
}

#[test]
fn a_missing_attribute_fails_its_condition_and_names_it() {
    let subsidy = policy("childcare_subsidy");
    let orphan = subsidy.evaluate(&values(&[("birth_date", "2026-01-05")]), date("2026-02-01"));
    assert!(!orphan.qualifies);
    let guardian = orphan.reasons.iter().find(|r| r.id == "has_guardian").unwrap();
    assert!(!guardian.held);
    assert_eq!(guardian.missing, vec!["mother_id_number".to_owned()]);
    assert!(orphan.reasons.iter().find(|r| r.id == "under_three").unwrap().held);
}

#[test]
fn elderly_allowance_tiers_and_the_29_february_birthday() {
    let allowance = policy("elderly_allowance");
    let person = |birth: &str, city: &str| values(&[("birth_date", birth), ("hukou_city", city)]);
    // Born 1944-02-29: 80 on 2024-02-29 (a leap year), not the day before.
    assert!(
        !allowance
            .evaluate(&person("1944-02-29", "北京市"), date("2024-02-28"))
            .qualifies
    );
    let eighty = allowance.evaluate(&person("1944-02-29", "北京市"), date("2024-02-29"));
    assert!(eighty.qualifies);
    assert_eq!((eighty.amount_fen, eighty.period.key()), (10_000, "2024-02".to_owned()));
    // In a common year the birthday counts on 1 March.
    assert!(
        !allowance
            .evaluate(&person("1945-02-28", "北京市"), date("2025-02-27"))
            .qualifies
    );
    assert!(
        !allowance
            .evaluate(&person("1946-02-28", "北京市"), date("2026-02-27"))
            .qualifies
    );
    assert_eq!(
        allowance
            .evaluate(&person("1936-05-01", "北京市"), date("2026-05-01"))
            .amount_fen,
        50_000
    );
    assert_eq!(
        allowance
            .evaluate(&person("1925-01-01", "北京市"), date("2026-05-01"))
            .amount_fen,
        80_000
    );
    let elsewhere = allowance.evaluate(&person("1925-01-01", "兰州市"), date("2026-05-01"));
    assert!(!elsewhere.qualifies);
    assert!(!elsewhere.reasons.iter().find(|r| r.id == "local_hukou").unwrap().held);
}

#[test]
fn disability_subsidies() {
    let care = policy("disability_care");
    let card = |grade: &str| {
        values(&[
            ("disability_cert_no", "62010219940315002541"),
            ("disability_grade", grade),
        ])
    };
    assert_eq!(care.evaluate(&card("1"), date("2026-03-01")).amount_fen, 20_000);
    assert_eq!(care.evaluate(&card("2"), date("2026-03-01")).amount_fen, 10_000);
    assert!(!care.evaluate(&card("3"), date("2026-03-01")).qualifies);
    let living = policy("disability_living");
    let poor = values(&[("disability_cert_no", "62010219940315002543"), ("dibao_status", "在保")]);
    assert!(living.evaluate(&poor, date("2026-03-01")).qualifies);
    let stopped = values(&[("disability_cert_no", "62010219940315002543"), ("dibao_status", "停保")]);
    assert!(!living.evaluate(&stopped, date("2026-03-01")).qualifies);
    // No 残疾人证: not eligible even in 低保.
    assert!(
        !living
            .evaluate(&values(&[("dibao_status", "在保")]), date("2026-03-01"))
            .qualifies
    );
}

fn enterprise(headcount: &str, separations: &str, arrears: &str, scale: &str) -> BTreeMap<String, String> {
    values(&[
        ("ui_insured_headcount", headcount),
        ("ui_premium_last_year", "100000.55"),
        ("ui_arrears", arrears),
        ("ui_separations_last_year", separations),
        ("enterprise_scale", scale),
    ])
}

#[test]
fn job_retention_refund_at_the_layoff_threshold() {
    let refund = policy("job_retention_refund");
    let today = date("2026-06-01");
    // 200 insured: 11 separations is exactly 5.5%, 12 is over.
    let at = refund.evaluate(&enterprise("200", "11", "否", "中型"), today);
    assert!(at.qualifies);
    // 30% of 100,000.55 yuan = 30,000.165 → 30,000.16 (fen truncated).
    assert_eq!(at.amount_fen, 3_000_016);
    assert!(!refund.evaluate(&enterprise("200", "12", "否", "中型"), today).qualifies);
    // 30 or fewer insured: up to 20% (6 of 30), and small/micro get 60%.
    let small = refund.evaluate(&enterprise("30", "6", "否", "小型"), today);
    assert!(small.qualifies);
    assert_eq!(small.amount_fen, 6_000_033);
    assert!(!refund.evaluate(&enterprise("30", "7", "否", "小型"), today).qualifies);
    let arrears = refund.evaluate(&enterprise("200", "0", "是", "中型"), today);
    assert!(!arrears.qualifies);
    assert!(!arrears.reasons.iter().find(|r| r.id == "no_arrears").unwrap().held);
}

#[test]
fn money_is_integer_fen() {
    assert_eq!(yuan_to_fen("3600"), Some(360_000));
    assert_eq!(yuan_to_fen("12.5"), Some(1_250));
    assert_eq!(yuan_to_fen("0.07"), Some(7));
    assert_eq!(yuan_to_fen("1.234"), None);
    assert_eq!(yuan_to_fen("-1"), None);
    assert_eq!(yuan_to_fen("一百"), None);
    assert_eq!(fen_to_yuan(360_000), "3600.00");
    assert_eq!(fen_to_yuan(7), "0.07");
}

proptest! {
    /// Whatever the birth date, a child is counted for exactly 36 months over the
    /// years it lives through (the policy start aside).
    #[test]
    fn every_child_gets_thirty_six_months(days in 0i64..3650) {
        let birth = date("2025-01-01") + chrono::Duration::days(days);
        let total: i64 = (2025..=2040)
            .map(|year| {
                let period = Period::containing(catalog::policy::PeriodUnit::Year, date(&format!("{year}-06-01")));
                months_under_age(birth, 3, period, date("2025-01-01"))
            })
            .sum();
        prop_assert_eq!(total, 36);
    }
}
