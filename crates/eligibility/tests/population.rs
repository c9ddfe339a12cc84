//! The fast evaluator over a population agrees with the one-subject evaluation (the
//! CEL interpreter, kept as the reference) on random populations: the decision, the
//! amount in fen and every reason's held, reads and missing — also on odd data
//! (unparsable numbers and dates, overflowing products, absent attributes) and on
//! dates before a policy started.

use std::collections::BTreeMap;

use catalog::Policy;
use chrono::NaiveDate;
use eligibility::{CompiledPolicy, Population};
use proptest::prelude::*;

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        6 => proptest::sample::select(values).prop_map(|v| Some(v.to_owned())),
    ]
}

fn birth_date() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => proptest::sample::select(&["", "2025-02-30", "abc", " 2024-02-29 ", "2020-2-3", "+2021-01-01"][..])
            .prop_map(|v| Some(v.to_owned())),
        8 => (0i64..46_000).prop_map(|days| {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            Some(date.format("%Y-%m-%d").to_string())
        }),
    ]
}

fn number() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => proptest::sample::select(&["", "x", "+2", " 2", "-1", "9223372036854775807", "99999999999999999999", "1.5"][..])
            .prop_map(|v| Some(v.to_owned())),
        6 => (0i64..60).prop_map(|n| Some(n.to_string())),
    ]
}

fn yuan() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => proptest::sample::select(&["", "abc", "12.345", "92233720368547758.07", ".5"][..])
            .prop_map(|v| Some(v.to_owned())),
        6 => (0i64..10_000_000, 0u8..3).prop_map(|(fen, digits)| Some(match digits {
            0 => (fen / 100).to_string(),
            1 => format!("{}.{}", fen / 100, (fen % 100) / 10),
            _ => format!("{}.{:02}", fen / 100, fen % 100),
        })),
    ]
}

/// One subject's attributes, any of them possibly absent.
fn subject() -> impl Strategy<Value = BTreeMap<String, String>> {
    let person = (
        birth_date(),
        pick(&[
            "620102199403150025",
            "62010219940315002X",
            "6201021994031500",
            "",
            "张三的母亲证件号码一二三四五六七八",
        ]),
        pick(&["110105198001010011", ""]),
        pick(&["", "11010519800101001142", "残疾人证"]),
        number(),
        pick(&["在保", "停保", ""]),
        pick(&["北京市", "上海市", ""]),
    );
    let enterprise = (
        number(),
        yuan(),
        pick(&["否", "是"]),
        number(),
        pick(&["小型", "微型", "中型", "大型"]),
    );
    (person, enterprise).prop_map(|(person, enterprise)| {
        let (birth, mother, father, cert, grade, dibao, city) = person;
        let (headcount, premium, arrears, separations, scale) = enterprise;
        [
            ("birth_date", birth),
            ("mother_id_number", mother),
            ("father_id_number", father),
            ("disability_cert_no", cert),
            ("disability_grade", grade),
            ("dibao_status", dibao),
            ("hukou_city", city),
            ("ui_insured_headcount", headcount),
            ("ui_premium_last_year", premium),
            ("ui_arrears", arrears),
            ("ui_separations_last_year", separations),
            ("enterprise_scale", scale),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), value?)))
        .collect()
    })
}

fn today() -> impl Strategy<Value = NaiveDate> {
    (0i64..6_000).prop_map(|days| NaiveDate::from_ymd_opt(2014, 1, 1).unwrap() + chrono::Duration::days(days))
}

/// Every subject of `subjects` evaluated both ways by `compiled`, compared.
fn agree(compiled: &CompiledPolicy, subjects: &[BTreeMap<String, String>], today: NaiveDate) {
    let mut population = Population::for_policies([compiled.policy()]);
    for (index, values) in subjects.iter().enumerate() {
        population.push(format!("s{index}"), values);
    }
    let outcomes = compiled.evaluate_population(&population, today);
    assert_eq!(outcomes.len(), subjects.len());
    for (index, (values, outcome)) in subjects.iter().zip(&outcomes).enumerate() {
        let reference = compiled.evaluate(values, today);
        assert_eq!(
            (outcome.qualifies, outcome.amount_fen),
            (reference.qualifies, reference.amount_fen),
            "{} on {values:?}",
            compiled.policy().id
        );
        for (i, reason) in reference.reasons.iter().enumerate() {
            assert_eq!(
                outcome.held(i),
                reason.held,
                "{} {} on {values:?}",
                compiled.policy().id,
                reason.id
            );
        }
        assert_eq!(
            compiled.evaluation(&population, index, outcome, today),
            reference,
            "{} on {values:?}",
            compiled.policy().id
        );
    }
}

/// A bundled policy with its conditions replaced by `conditions`, its amount by
/// `amount` and `reads` read too, to reach the parts of CEL the bundled ones do not
/// use.
fn variant(id: &str, reads: &[&str], conditions: &[&str], amount: &str) -> Policy {
    let mut policy = testkit::catalog().policies[id].clone();
    policy.reads.extend(reads.iter().map(|r| (*r).to_owned()));
    policy.conditions = conditions
        .iter()
        .enumerate()
        .map(|(i, expression)| catalog::policy::PolicyCondition {
            id: format!("c{i}"),
            label: format!("条件{i}"),
            expression: (*expression).to_owned(),
        })
        .collect();
    policy.amount_fen = amount.to_owned();
    policy
}

#[test]
fn every_bundled_policy_is_fast() {
    for policy in testkit::catalog().policies.values() {
        assert!(CompiledPolicy::compile(policy).unwrap().is_fast(), "{}", policy.id);
    }
}

#[test]
fn an_expression_outside_the_fast_part_falls_back_to_the_interpreter() {
    let policy = variant(
        "elderly_allowance",
        &[],
        &["hukou_city.startsWith('北京')", "age >= 80"],
        "age >= 90 ? 50000 : 10000",
    );
    let compiled = CompiledPolicy::compile(&policy).unwrap();
    assert!(!compiled.is_fast());
    let beijing = BTreeMap::from([
        ("birth_date".to_owned(), "1930-05-01".to_owned()),
        ("hukou_city".to_owned(), "北京市".to_owned()),
    ]);
    let shanghai = BTreeMap::from([
        ("birth_date".to_owned(), "1930-05-01".to_owned()),
        ("hukou_city".to_owned(), "上海市".to_owned()),
    ]);
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    agree(&compiled, &[beijing.clone(), shanghai], today);
    let mut population = Population::for_policies([&policy]);
    population.push("a", &beijing);
    let outcomes = compiled.evaluate_population(&population, today);
    assert!(outcomes[0].qualifies);
    assert_eq!(outcomes[0].amount_fen, 50000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_bundled_policies_agree_with_the_interpreter(
        subjects in proptest::collection::vec(subject(), 1..40),
        today in today(),
    ) {
        for policy in testkit::catalog().policies.values() {
            agree(&CompiledPolicy::compile(policy).unwrap(), &subjects, today);
        }
    }

    #[test]
    fn other_expressions_agree_with_the_interpreter(
        subjects in proptest::collection::vec(subject(), 1..30),
        today in today(),
    ) {
        // Errors on either side of || and &&, negation, !=, ternaries over text and
        // booleans, `in` over integers, division and remainder by zero, overflow.
        let conditions = [
            "int(disability_grade) <= 2 || size(disability_cert_no) > 0",
            "size(disability_cert_no) > 0 && int(disability_grade) != 3",
            "!(int(disability_grade) > 2) && (int(disability_grade) == 1 ? true : dibao_status == '在保')",
            "(dibao_status == '在保' ? disability_cert_no : '') != '' || int(disability_grade) in [1, 2]",
            "-int(disability_grade) < -1 == (dibao_status >= '停')",
            "10 / int(disability_grade) >= 5 || 7 % int(disability_grade) == 1",
            "int(disability_grade) * 9223372036854775807 > 0 || int(disability_cert_no) - 1 < 0",
            "dibao_status in ['在保', '停保'] && disability_cert_no.size() < 19",
        ];
        for condition in conditions {
            let policy = variant(
                "disability_care",
                &["dibao_status"],
                &[condition, "true"],
                "int(disability_grade) == 1 ? 20000 : 100000 / int(disability_grade) - int(disability_cert_no)",
            );
            let compiled = CompiledPolicy::compile(&policy).unwrap();
            prop_assert!(compiled.is_fast(), "{}", condition);
            agree(&compiled, &subjects, today);
        }
    }
}
