//! The national key one-things added for issue #20: for each, the plan of one stated
//! situation, with the 四减 figures recomputed by hand from the item files. Every plan
//! is computed for an applicant who declines data sharing, so that e-certificates and
//! shared data they would otherwise not hand in count as handed in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalog::{Answers, Catalog, Holdings, Plan, compute_plan};
use chrono::NaiveDate;

fn bundled() -> Catalog {
    Catalog::load(&testkit::catalog_files())
        .unwrap_or_else(|problems| panic!("bundled catalog has problems:\n{problems}"))
}

/// The plan of `id` for `answers`, starting Monday 2026-03-02, sharing declined.
fn plan(id: &str, answers: &[(&str, &str)]) -> Plan {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let one_thing = catalog
        .one_thing(id)
        .unwrap_or_else(|| panic!("missing one-thing {id}"));
    let answers: Answers = answers
        .iter()
        .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
        .collect();
    let declined = Holdings {
        consent: catalog::SharedConsent::Declined,
        ..Holdings::default()
    };
    compute_plan(&catalog, one_thing, &answers, &declined, date("2026-03-02"), &calendar).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn codes(plan: &Plan) -> Vec<&str> {
    plan.items.iter().map(|i| i.code.as_str()).collect()
}

/// (materials, fields, days, visits, steps), each as (alone, one thing).
type Figures = [(u32, u32); 5];

fn figures(plan: &Plan) -> Figures {
    let s = plan.savings;
    [
        (s.materials.alone, s.materials.one_thing),
        (s.fields.alone, s.fields.one_thing),
        (s.days.alone, s.days.one_thing),
        (s.visits.alone, s.visits.one_thing),
        (s.steps.alone, s.steps.one_thing),
    ]
}

#[test]
fn social_security_card_after_loss() {
    let plan = plan(
        "social-security-card",
        &[("card_status", "lost"), ("e_card", "yes"), ("transit", "yes")],
    );
    // 挂失 GG00401003 → 补领 GG00401004 → 启用 GG00401005 → 电子社保卡 GG00401006 and
    // 交通出行 GG01601001; the first-card item does not apply.
    assert_eq!(
        codes(&plan),
        ["GG00401003", "GG00401004", "GG00401005", "GG00401006", "GG01601001"]
    );
    // Materials: 1 + (3 − the old card, only handed back on 换领) + 2 + 1 + 1 = 7 alone;
    // as one thing ID card, photo and the card itself, which 补领 issues → 2.
    // Fields: 3 + 5 + 4 + 4 + 4 = 20; 6 distinct (name, ID number, phone, address,
    // partner bank, card number), the card number filled in from 补领 → 5.
    // Days: 0 + 1 + 0 + 0 + 1 = 2 alone; the chain 挂失 0 → 补领 1 → 启用 0 → 交通 1 = 2.
    // Visits: 1 + 2 + 1 + 0 + 1 = 5 alone, none online.
    // Steps: 2 + 4 + 2 + 2 + 3 = 13; 受理 and 办结 once instead of five times: 13 − 8 = 5.
    assert_eq!(figures(&plan), [(7, 2), (20, 5), (2, 2), (5, 0), (13, 5)]);
    assert_eq!(plan.critical_path_days, 2);
    assert_eq!(plan.promised_date, date("2026-03-04"));
}

#[test]
fn transport_startup_for_a_new_freight_company() {
    let plan = plan(
        "transport-startup",
        &[
            ("has_licence", "no"),
            ("transport_type", "freight"),
            ("vehicles_ready", "yes"),
        ],
    );
    assert_eq!(codes(&plan), ["XK00601001", "GG00602001", "XK01601001", "XK01601003"]);
    // Materials: 3 + 1 + (5 − the vehicle commitment, vehicles are bought) + 3 = 11
    // alone; 9 distinct, of which the business licence (设立登记) and the transport
    // permit (货运许可) are issued on the way → 7.
    // Fields: 11 + 5 + 11 + 7 = 34; 19 distinct, the credit code and the permit
    // number filled in → 17.
    // Days: 1 + 0 + 5 + 1 = 7, all in one chain → 7.
    // Visits: 1 + 1 + 2 + 1 = 5 alone, 1 as one thing (the permit's site check).
    // Steps: 3 + 2 + 4 + 3 = 12 − 2 × 3 = 6.
    assert_eq!(figures(&plan), [(11, 7), (34, 17), (7, 7), (5, 1), (12, 6)]);
    assert_eq!(plan.critical_path_days, 7);
}

#[test]
fn utility_connection_with_all_four_and_road_works() {
    let plan = plan(
        "utility-connection",
        &[
            ("need_water", "yes"),
            ("need_power", "yes"),
            ("need_gas", "yes"),
            ("need_network", "yes"),
            ("external_works", "yes"),
        ],
    );
    assert_eq!(plan.items.len(), 5);
    assert_eq!(plan.items[0].code.as_str(), "XK00802001");
    // Materials: road permit 3 + water 3 + power 3 + gas 3 + network 2 = 14 alone;
    // 5 distinct (licence, works plan, restoration commitment, premises proof, site
    // plan) → 5.
    // Fields: 8 + 7 × 4 = 36; 14 distinct, the road permit number filled in → 13.
    // Days: 5 + 5 + 5 + 5 + 3 = 23 alone; road permit 5 → the 5-day connections = 10.
    // Visits: 2 × 5 = 10 alone, 1 as one thing.
    // Steps: 4 × 5 = 20 − 2 × 4 = 12.
    assert_eq!(figures(&plan), [(14, 5), (36, 13), (23, 10), (10, 1), (20, 12)]);
    assert_eq!(plan.critical_path_days, 10);
    // Without road works the permit number is not asked at all.
    let no_works = self::plan(
        "utility-connection",
        &[
            ("need_water", "yes"),
            ("need_power", "no"),
            ("need_gas", "no"),
            ("need_network", "no"),
            ("external_works", "no"),
        ],
    );
    assert_eq!(codes(&no_works), ["GG01801001"]);
    assert!(no_works.skipped_fields.iter().any(|f| f.element == "road.permit_no"));
}

#[test]
fn disability_services_for_a_new_card_and_both_subsidies() {
    let plan = plan(
        "disability-services",
        &[("card", "new"), ("severe", "yes"), ("low_income", "yes")],
    );
    assert_eq!(codes(&plan), ["GG00106001", "GG01701001", "JF01102001", "JF01102002"]);
    // Materials: 评定 2 + 新办 4 + 生活补贴 3 + 护理补贴 2 = 11 alone; 7 distinct, of
    // which the assessment result and the card come from earlier items → 5.
    // Fields: 6 + 6 + 5 + 5 = 22; 9 distinct, the grade and the card number filled in → 7.
    // Days: 5 + 7 + 15 + 15 = 42 alone; 评定 5 → 新办 7 → 补贴 15 = 27.
    // Visits: 1 + 2 + 1 + 1 = 5 alone; 1 as one thing (the assessment itself).
    // Steps: 3 + 4 + 4 + 4 = 15 − 6 = 9.
    assert_eq!(figures(&plan), [(11, 5), (22, 7), (42, 27), (5, 1), (15, 9)]);
    assert_eq!(plan.critical_path_days, 27);
}

#[test]
fn hukou_migration_to_a_spouse_with_car_and_resident_insurance() {
    let plan = plan(
        "hukou-migration",
        &[
            ("reason", "kin"),
            ("married_kin", "yes"),
            ("has_driver", "yes"),
            ("has_vehicle", "yes"),
            ("resident_medical", "yes"),
        ],
    );
    assert_eq!(plan.items.len(), 5);
    // Materials: 户口迁移 7 less property, labour contract and social-insurance proof
    // = 4, + 身份证 1 + 驾驶证 1 + 机动车 2 + 医保 1 = 9 alone; 7 distinct (ID card,
    // register, householder consent, marriage certificate, photo, driving licence,
    // vehicle licence) → 7.
    // Fields: 5 + 5 + 5 + 7 + 5 = 27; 8 distinct, the moving date filled in → 7.
    // Days: 5 + 10 + 0 + 1 + 5 = 21 alone; 迁移 5 → 身份证 10 = 15.
    // Visits: 2 + 2 + 1 + 1 + 1 = 7 alone; 1 as one thing (photo and fingerprints).
    // Steps: 4 + 4 + 2 + 3 + 3 = 16 − 8 = 8.
    assert_eq!(figures(&plan), [(9, 7), (27, 7), (21, 15), (7, 1), (16, 8)]);
    assert_eq!(plan.critical_path_days, 15);
}

#[test]
fn medical_reimbursement_outside_the_region_with_assistance_and_commercial_cover() {
    let plan = plan(
        "medical-reimbursement",
        &[("needs_filing", "yes"), ("assistance", "yes"), ("commercial", "yes")],
    );
    assert_eq!(codes(&plan), ["GG00306001", "JF00303001", "JF00303002", "GG01901001"]);
    // Materials: 备案 1 + 报销 4 + 救助 2 + 商保 2 = 9 alone; 6 distinct, the settlement
    // statement produced by 报销 → 5.
    // Fields: 4 + 8 + 7 + 7 = 26; 12 distinct, the reimbursed amount filled in → 11.
    // Days: 0 + 20 + 10 + 10 = 40 alone; 备案 0 → 报销 20 → 救助 or 商保 10 = 30.
    // Visits: 1 × 4 = 4 alone, none online.
    // Steps: 2 + 4 + 4 + 3 = 13 − 6 = 7.
    assert_eq!(figures(&plan), [(9, 5), (26, 11), (40, 30), (4, 0), (13, 7)]);
    assert_eq!(plan.critical_path_days, 30);
}

#[test]
fn individual_to_enterprise_by_deregistering_with_staff_and_food_licence() {
    let plan = plan(
        "individual-to-enterprise",
        &[
            ("mode", "cancel_new"),
            ("ent_type", "company"),
            ("has_employees", "yes"),
            ("open_housing_fund", "yes"),
            ("food_licence", "yes"),
        ],
    );
    assert_eq!(plan.items.len(), 7);
    assert_eq!(plan.items[0].code.as_str(), "QT00502004");
    // Materials: 清税 1 + 登记 4 + 涉税 1 + 社保 1 + 医保 1 + 公积金 1 + 食品许可 2 = 11
    // alone; 6 distinct, the business licence issued by 登记 → 5.
    // Fields: 5 + 14 + 11 + 8 + 8 + 8 + 6 = 60; 19 distinct, the 清税证明 number and
    // the new credit code filled in → 17.
    // Days: 1 + 1 + 0 + 1 + 1 + 1 + 1 = 6 alone; 清税 1 → 登记 1 → the others 1 = 3.
    // Visits: 7 alone, none online.
    // Steps: 3 × 7 = 21 − 2 × 6 = 9.
    assert_eq!(figures(&plan), [(11, 5), (60, 17), (6, 3), (7, 0), (21, 9)]);
    assert_eq!(plan.critical_path_days, 3);
    // A direct change keeps the credit code: no 清税, and its number is not asked.
    let change = self::plan(
        "individual-to-enterprise",
        &[
            ("mode", "change"),
            ("ent_type", "sole"),
            ("has_employees", "no"),
            ("open_housing_fund", "no"),
            ("food_licence", "no"),
        ],
    );
    assert_eq!(codes(&change), ["XK00601005", "QT00502001"]);
    assert!(
        change
            .skipped_fields
            .iter()
            .any(|f| f.element == "individual.tax_clearance_no")
    );
}

#[test]
fn second_hand_home_with_loan_and_three_utilities() {
    let plan = plan(
        "second-hand-home",
        &[
            ("loan", "yes"),
            ("move_water", "yes"),
            ("move_power", "yes"),
            ("move_gas", "yes"),
            ("move_network", "no"),
        ],
    );
    assert_eq!(plan.items.len(), 7);
    // Materials: 网签 3 + 税费 3 + 转移 5 + 抵押 3 + 水电气 1 × 3 = 17 alone; 7 distinct,
    // of which the filed contract, the tax receipt and the new title come from earlier
    // items → 4 (seller's title, both IDs, loan and mortgage contracts).
    // Fields: 8 + 8 + 9 + 7 + 5 × 3 = 47; 13 distinct, the contract number, the tax
    // receipt number and the new certificate number filled in → 10.
    // Days: 0 + 0 + 3 + 1 + 1 × 3 = 7 alone; 网签 0 → 税费 0 → 转移 3 → the rest 1 = 4.
    // Visits: 7 alone; 1 as one thing (both parties sign at the counter).
    // Steps: 2 + 3 + 4 + 3 + 3 × 3 = 21 − 2 × 6 = 9.
    assert_eq!(figures(&plan), [(17, 4), (47, 10), (7, 4), (7, 1), (21, 9)]);
    assert_eq!(plan.critical_path_days, 4);
}

#[test]
fn flexible_employment_with_employee_medical_insurance_and_a_new_card() {
    let plan = plan(
        "flexible-employment-insurance",
        &[("employee_medical", "yes"), ("has_card", "no")],
    );
    assert_eq!(
        codes(&plan),
        ["GG00404002", "GG00402001", "GG00301003", "ZS00503001", "GG00401002"]
    );
    // Materials: 就业登记 1 + 养老 1 + 医保 1 + 缴费 3 + 社保卡 2 = 8 alone; 5 distinct,
    // both enrolment records produced on the way → 3 (ID card, debit authorization,
    // photo).
    // Fields: 6 + 5 + 5 + 7 + 5 = 28; 11 distinct, both enrolment dates filled in → 9.
    // Days: 0 + 1 + 1 + 1 + 1 = 4 alone; 登记 0 → 参保 1 → 缴费 1 = 2.
    // Visits: 1 + 1 + 1 + 1 + 2 = 6 alone, none online.
    // Steps: 2 + 3 + 3 + 3 + 4 = 15 − 8 = 7.
    assert_eq!(figures(&plan), [(8, 3), (28, 9), (4, 2), (6, 0), (15, 7)]);
    assert_eq!(plan.critical_path_days, 2);
}

#[test]
fn childcare_subsidy_for_a_child_not_yet_registered() {
    let plan = plan(
        "childcare-subsidy",
        &[("child_registered", "no"), ("parents_married", "yes")],
    );
    assert_eq!(codes(&plan), ["QR00201001", "JF00101001"]);
    // Materials: 出生登记 5 less the commitment (married parents) = 4, + 补贴 3 = 7
    // alone; 6 distinct, the child's hukou information produced by 出生登记 → 5.
    // Fields: 10 + 8 = 18; 15 distinct, the child's ID number filled in → 14.
    // Days: 3 + 10 = 13, one chain → 13.
    // Visits: 1 + 1 = 2 alone, none online.
    // Steps: 4 + 4 = 8 − 2 = 6.
    assert_eq!(figures(&plan), [(7, 5), (18, 14), (13, 13), (2, 0), (8, 6)]);
    assert_eq!(plan.critical_path_days, 13);
}

#[test]
fn elderly_allowances_for_a_low_income_disabled_person_over_eighty() {
    let plan = plan(
        "elderly-allowances",
        &[("age_80", "yes"), ("low_income", "yes"), ("needs_care", "yes")],
    );
    assert_eq!(plan.items.len(), 4);
    assert_eq!(plan.items[3].code.as_str(), "JF01103003");
    // Materials: 高龄 2 + 养老服务 2 + 评估 1 + 护理 3 = 8 alone; 4 distinct, the
    // assessment report produced by 评估 → 3 (ID card, hukou book, assistance status).
    // Fields: 4 + 5 + 4 + 6 = 19; 7 distinct, the ability level filled in → 6.
    // Days: 10 × 4 = 40 alone; 评估 10 → 护理补贴 10 = 20, the others in parallel.
    // Visits: 4 alone, none (the assessor comes home).
    // Steps: 4 + 4 + 3 + 4 = 15 − 6 = 9.
    assert_eq!(figures(&plan), [(8, 3), (19, 6), (40, 20), (4, 0), (15, 9)]);
    assert_eq!(plan.critical_path_days, 20);
}

/// The keywords alone tell the new one-things apart (search, crate guide, ranks by more): a
/// keyword inside the query, or the query inside a keyword, scores 3, as does the name.
fn keyword_score(one: &catalog::OneThing, query: &str) -> usize {
    let keywords = one
        .keywords
        .iter()
        .filter(|k| query.contains(k.as_str()) || k.contains(query))
        .count();
    3 * keywords + if one.name.contains(query) { 3 } else { 0 }
}

#[test]
fn everyday_phrasings_find_the_new_one_things_first() {
    let catalog = bundled();
    let cases: &[(&str, &[&str])] = &[
        ("social-security-card", &["社保卡丢了", "换社保卡", "激活社保卡"]),
        ("transport-startup", &["开运输公司", "办营运证", "道路运输许可证"]),
        ("utility-connection", &["装水电", "装宽带", "通燃气"]),
        ("disability-services", &["办残疾证", "残疾人补贴", "重度残疾护理补贴"]),
        ("hukou-migration", &["迁户口", "买房落户", "跨省迁户口"]),
        ("medical-reimbursement", &["看病报销", "住院报销", "异地就医报销"]),
        ("individual-to-enterprise", &["个体户转公司", "个转企", "个体户变公司"]),
        ("second-hand-home", &["买二手房过户", "房产过户", "水电过户"]),
        (
            "flexible-employment-insurance",
            &["灵活就业交社保", "自己交社保", "个人交医保"],
        ),
    ];
    for (id, queries) in cases {
        for query in *queries {
            let expected = keyword_score(catalog.one_thing(id).unwrap(), query);
            assert!(expected > 0, "{query} does not find {id}");
            for other in catalog.one_things.values().filter(|o| o.id.as_str() != *id) {
                assert!(
                    keyword_score(other, query) < expected,
                    "{query} ranks {} with {id}",
                    other.id
                );
            }
        }
    }
}

// ---- the eight national one-things added last (issue #20): four report-shaped ----

#[test]
fn listing_compliance_for_three_years_with_foreign_trade() {
    let plan = plan(
        "listing-compliance",
        &[("period", "three_years"), ("import_export", "yes")],
    );
    // Seven sections (市场监管, 税务, 人社, 公积金, 生态环境, 应急管理, 海关), then the report.
    assert_eq!(plan.items.len(), 8);
    assert_eq!(plan.items[7].code.as_str(), "GG02101002");
    // Materials: each section alone asks for licence, application and authorization,
    // 3 × 7 = 21; the report none. As one thing the three once (the licence too, as
    // sharing is declined) → 3.
    // Fields: 6 × 7 + the report's 4 = 46; 6 distinct, all typed → 6.
    // Days: 3 × 7 + 1 = 22 alone; the sections in parallel 3, then the report 1 = 4.
    // Visits: 7 + 1 = 8 alone, none as one thing.
    // Steps: 3 × 7 + 2 = 23 − 2 × 7 = 9.
    assert_eq!(figures(&plan), [(21, 3), (46, 6), (22, 4), (8, 0), (23, 9)]);
    assert_eq!(plan.promised_date, date("2026-03-06"));
    let report = plan.report.as_ref().unwrap();
    assert_eq!(report.sections.len(), 7);
    assert_eq!(report.period.as_deref(), Some("近三年（首次公开发行并上市）"));
}

#[test]
fn bankruptcy_check_with_the_year_before_acceptance() {
    let plan = plan("bankruptcy-check", &[("period", "one_year")]);
    assert_eq!(plan.items.len(), 10);
    // Materials: appointment, acceptance ruling and authorization for each of the nine
    // registries, 27 alone; 3 as one thing.
    // Fields: 8 × 9 + the court's 5 = 77; 8 distinct → 8.
    // Days: 3 × 8 + 1 (登记) + 1 (汇总) = 26 alone; 3 in parallel then 1 = 4.
    // Visits: 9 + 1 = 10 alone, none as one thing.
    // Steps: 3 × 9 + 2 = 29 − 2 × 9 = 11.
    assert_eq!(figures(&plan), [(27, 3), (77, 8), (26, 4), (10, 0), (29, 11)]);
    let report = plan.report.as_ref().unwrap();
    assert_eq!(report.subject, "debtor.uscc");
    assert_eq!(report.sections.len(), 9);
    assert_eq!(report.issuer_name, "人民法院（破产审判）");
}

#[test]
fn credit_report_with_public_credit_information() {
    let plan = plan("credit-report", &[("public_credit", "yes")]);
    assert_eq!(codes(&plan), ["GG02001001", "GG02101001", "GG02001002"]);
    // Materials: 3 + 2 + 0 = 5 alone; licence, legal representative's ID card and
    // authorization once → 3.
    // Fields: 6 + 6 + 4 = 16; 6 distinct → 6.
    // Days: 0 + 1 + 0 = 1 alone; the platform's 1 day is the whole path → 1.
    // Visits: 3 alone, none. Steps: 2 × 3 = 6 − 4 = 2.
    assert_eq!(figures(&plan), [(5, 3), (16, 6), (1, 1), (3, 0), (6, 2)]);
    // The 人民银行 report alone is printed on the spot.
    let alone = self::plan("credit-report", &[("public_credit", "no")]);
    assert_eq!(alone.critical_path_days, 0);
    assert_eq!(alone.report.as_ref().unwrap().sections.len(), 1);
}

#[test]
fn personal_credit_report_with_public_credit_information() {
    let plan = plan("personal-credit-report", &[("public_credit", "yes")]);
    assert_eq!(codes(&plan), ["GG02001003", "GG02101003", "GG02001004"]);
    // Materials: 1 + 1 + 0 = 2 alone; the applicant's ID card once → 1.
    // Fields: 3 + 3 + 3 = 9; name, ID number and phone once → 3.
    // Days: 0 + 1 + 0 = 1 alone; the platform's 1 day is the whole path → 1.
    // Visits: 3 alone, none. Steps: 2 × 3 = 6 − 4 = 2.
    assert_eq!(figures(&plan), [(2, 1), (9, 3), (1, 1), (3, 0), (6, 2)]);
    let report = plan.report.as_ref().unwrap();
    assert_eq!(report.document, "个人征信信息查询报告");
    assert_eq!(report.subject_name, "申请人公民身份号码");
    assert_eq!(report.sections.len(), 2);
    // The 人民银行 report alone is printed on the spot, from the one counter.
    let alone = self::plan("personal-credit-report", &[("public_credit", "no")]);
    assert_eq!(codes(&alone), ["GG02001003", "GG02001004"]);
    assert_eq!(alone.critical_path_days, 0);
    assert_eq!(figures(&alone), [(1, 1), (6, 3), (0, 0), (2, 0), (4, 2)]);
}

#[test]
fn tax_credit_query_with_a_paper_authorization() {
    let plan = plan(
        "tax-credit-query",
        &[("period", "three_years"), ("authorized_online", "no")],
    );
    assert_eq!(codes(&plan), ["GG00506001", "GG00506002"]);
    // Materials: authorization, licence and the agent's authorization, 3 + 0 alone → 3.
    // Fields: 7 + 4 = 11; 8 distinct, the level filled in by the query → 7.
    // Days: 0, the same day. Visits: 1 + 0 → 0. Steps: 2 + 2 = 4 − 2 = 2.
    assert_eq!(figures(&plan), [(3, 3), (11, 7), (0, 0), (1, 0), (4, 2)]);
    assert_eq!(plan.report.as_ref().unwrap().subject_name, "被查询企业统一社会信用代码");
    // Authorized online: no paper authorization.
    let online = self::plan(
        "tax-credit-query",
        &[("period", "latest"), ("authorized_online", "yes")],
    );
    assert!(!online.materials.iter().any(|m| m.id == "tax_credit_authorization"));
}

#[test]
fn credit_repair_of_every_record() {
    let plan = plan(
        "credit-repair",
        &[
            ("has_penalty", "yes"),
            ("abnormal_list", "yes"),
            ("serious_list", "yes"),
            ("tax_credit", "yes"),
        ],
    );
    assert_eq!(plan.items.len(), 5);
    assert!(plan.report.is_none());
    // Materials: 3 + 2 + 3 + 2 + 0 = 10 alone; licence, correction proof and the
    // commitment → 3.
    // Fields: 8 + 7 + 7 + 7 + 4 = 33; 8 distinct → 8.
    // Days: 3 + 3 + 10 + 5 + 1 = 22 alone; the longest repair (失信名单 10) then the
    // sharing 1 = 11.
    // Visits: 4 alone, none. Steps: 3 + 3 + 4 + 3 + 2 = 15 − 8 = 7.
    assert_eq!(figures(&plan), [(10, 3), (33, 8), (22, 11), (4, 0), (15, 7)]);
}

#[test]
fn ip_protection_for_patent_and_trademark_with_customs() {
    let plan = plan("ip-protection", &[("right_type", "both"), ("customs", "yes")]);
    assert_eq!(plan.items.len(), 4);
    // Materials: 3 + 4 + 3 + 2 = 12 alone; 4 distinct → 4.
    // Fields: 10 + 10 + 10 + 8 = 38; 11 distinct, the 援助 opinion number filled in → 10.
    // Days: 5 + 40 + 10 + 20 = 75 alone; 援助 5 → 裁决 40 = 45.
    // Visits: 1 + 2 + 1 + 1 = 5 alone; 1 (the 裁决's hearing).
    // Steps: 3 + 5 + 3 + 3 = 14 − 6 = 8.
    assert_eq!(figures(&plan), [(12, 4), (38, 10), (75, 45), (5, 1), (14, 8)]);
}

#[test]
fn sports_event_on_the_road_with_a_large_crowd() {
    let plan = plan(
        "sports-event",
        &[("participants", "large"), ("on_road", "yes"), ("high_risk", "no")],
    );
    assert_eq!(codes(&plan), ["GG02301001", "XK00204001", "XK01403001"]);
    // Materials: 2 + 4 + 3 = 9 alone; 5 distinct → 5.
    // Fields: 9 + 9 + 7 = 25; 10 distinct → 10.
    // Days: 3 + 5 + 5 = 13 alone; all in parallel → 5.
    // Visits: 1 + 2 + 1 = 4 alone; 1 (the safety check on site).
    // Steps: 3 + 4 + 3 = 10 − 4 = 6.
    assert_eq!(figures(&plan), [(9, 5), (25, 10), (13, 5), (4, 1), (10, 6)]);
}

#[test]
fn tech_innovation_with_every_policy() {
    let plan = plan(
        "tech-innovation",
        &[("hnte", "yes"), ("rd_deduction", "yes"), ("voucher", "yes")],
    );
    assert_eq!(plan.items.len(), 4);
    // Materials: 2 + 5 + 1 + 2 = 10 alone; 6 distinct → 6.
    // Fields: 7 + 7 + 6 + 6 = 26; 8 distinct, the registration number filled in → 7.
    // Days: 15 + 60 + 0 + 10 = 85 alone; 高企 60 is the longest, 入库 15 → 创新券 10 = 25
    // beside it → 60.
    // Visits: 4 alone, none. Steps: 3 + 5 + 2 + 4 = 14 − 6 = 8.
    assert_eq!(figures(&plan), [(10, 6), (26, 7), (85, 60), (4, 0), (14, 8)]);
}
