//! The bundled catalog loads, every kind of broken catalog is refused with its file
//! and line, and the newborn plan matches figures recomputed by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use catalog::condition::ConditionError;
use catalog::plan::{FieldSource, MaterialStatus};
use catalog::{Answers, Catalog, Condition, Holdings, PlanError, SourceFile, compute_plan};
use chrono::{Datelike, NaiveDate};

fn bundled_files() -> Vec<SourceFile> {
    testkit::catalog_files()
}

fn bundled() -> Catalog {
    Catalog::load(&bundled_files()).unwrap_or_else(|problems| panic!("bundled catalog has problems:\n{problems}"))
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs.iter().map(|(q, a)| ((*q).to_owned(), (*a).to_owned())).collect()
}

/// Loads the bundled catalog with `file` changed by `edit`, expecting problems.
fn broken(file: &str, edit: impl Fn(&str) -> String) -> (String, Vec<catalog::Problem>) {
    let mut files = bundled_files();
    let target = files
        .iter_mut()
        .find(|f| f.path == file)
        .unwrap_or_else(|| panic!("no file {file}"));
    let edited = edit(&target.text);
    assert_ne!(edited, target.text, "the edit must change {file}");
    target.text = edited.clone();
    let problems = Catalog::load(&files).expect_err("a broken catalog must be refused").0;
    (edited, problems)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in text"))
        + 1
}

fn assert_problem(problems: &[catalog::Problem], file: &str, line: Option<usize>, message_part: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.file == file && p.message.contains(message_part) && (line.is_none() || p.line == line)),
        "expected a problem in {file} at line {line:?} containing {message_part:?}, got:\n{}",
        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
}

const NEWBORN: &str = "onethings/newborn.toml";

#[test]
fn bundled_catalog_is_consistent_and_has_the_required_one_things() {
    let catalog = bundled();
    for id in [
        "newborn",
        "enterprise-change",
        "restaurant",
        "retirement",
        "after-death",
        "enterprise-relocation",
        "enterprise-startup",
        "school-enrolment",
    ] {
        assert!(catalog.one_thing(id).is_some(), "missing one-thing {id}");
    }
    assert_eq!(catalog.find_one_thing("新生儿出生").unwrap().id.as_str(), "newborn");
    assert_eq!(
        catalog.find_one_thing("新生儿出生一件事").unwrap().id.as_str(),
        "newborn"
    );
}

#[test]
fn every_one_thing_plans_for_every_combination_of_answers() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    for one_thing in catalog.one_things.values() {
        let combinations: usize = one_thing.questions.iter().map(|q| q.options.len()).product();
        for combination in 0..combinations.min(512) {
            let mut rest = combination;
            let mut chosen = Answers::new();
            for question in &one_thing.questions {
                chosen.insert(
                    question.id.clone(),
                    question.options[rest % question.options.len()].value.clone(),
                );
                rest /= question.options.len();
            }
            // Questions this combination does not ask are not answered.
            let chosen = one_thing.relevant_answers(&chosen);
            let plan = compute_plan(
                &catalog,
                one_thing,
                &chosen,
                &Holdings::default(),
                date("2026-03-02"),
                &calendar,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", one_thing.id));
            // One field per data element, one entry per material.
            let mut elements: Vec<&str> = plan
                .form
                .iter()
                .flat_map(|g| &g.fields)
                .map(|f| f.element.as_str())
                .collect();
            let total = elements.len();
            elements.sort_unstable();
            elements.dedup();
            assert_eq!(elements.len(), total, "{}: duplicate form field", one_thing.id);
            let mut materials: Vec<&str> = plan.materials.iter().map(|m| m.id.as_str()).collect();
            materials.sort_unstable();
            materials.dedup();
            assert_eq!(
                materials.len(),
                plan.materials.len(),
                "{}: duplicate material",
                one_thing.id
            );
            // Every item starts only after what it waits for has finished.
            for item in &plan.items {
                for dependency in &item.after {
                    let before = plan.items.iter().find(|i| &i.code == dependency).unwrap();
                    assert!(before.finish_offset_days <= item.start_offset_days);
                    assert!(before.stage < item.stage);
                }
            }
            assert!(plan.savings.days.one_thing <= plan.savings.days.alone);
            assert!(plan.savings.materials.one_thing <= plan.savings.materials.alone);
        }
    }
}

#[test]
fn newborn_plan_matches_the_figures_recomputed_by_hand() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let all_yes = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]);
    let declined = Holdings {
        consent: catalog::SharedConsent::Declined,
        ..Holdings::default()
    };
    let plan = compute_plan(&catalog, newborn, &all_yes, &declined, date("2026-02-12"), &calendar).unwrap();

    assert_eq!(plan.items.len(), 8);
    // Materials: 2+1+2+4+2+1+3+3 handed in item by item (the commitment letter is
    // only for unmarried parents); as one thing the birth certificate, the hukou
    // information and the enrolment record come from earlier items. An applicant
    // who declines data sharing hands in parents' ID, delivery record, marriage
    // certificate, hukou book, photo, invoices.
    assert_eq!(
        (plan.savings.materials.alone, plan.savings.materials.one_thing),
        (18, 6)
    );
    // The notice, before consent is asked: the departments obtain the IDs, the
    // marriage certificate and the hukou book from the e-certificate library and the
    // delivery record by sharing, once the applicant agrees. Photo and invoices remain.
    let notice = compute_plan(
        &catalog,
        newborn,
        &all_yes,
        &Holdings::default(),
        date("2026-02-12"),
        &calendar,
    )
    .unwrap();
    assert_eq!(notice.savings.materials.one_thing, 2);
    let status = |id: &str| notice.materials.iter().find(|m| m.id == id).unwrap().status.clone();
    assert_eq!(
        status("parents_id_card"),
        MaterialStatus::CertificateLibrary {
            certificate: "居民身份证".into(),
            issuer: "公安局".into(),
            on_consent: true
        }
    );
    assert_eq!(
        status("delivery_record"),
        MaterialStatus::SharedData {
            departments: vec!["卫生健康委员会".into()],
            on_consent: true
        }
    );
    let needed: Vec<&str> = notice
        .materials
        .iter()
        .filter(|m| m.is_needed())
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(needed, ["新生儿免冠照片", "生育医疗费用票据及费用清单"]);
    // Fields: 9+7+7+10+6+4+7+7 = 57 item by item; 18 distinct elements, of which the
    // birth certificate number, the child's ID number and the insurance number
    // come from earlier items.
    assert_eq!((plan.savings.fields.alone, plan.savings.fields.one_thing), (57, 15));
    // Days: 1+1+1+3+1+1+1+5 = 14 in a row; the longest chain is 出生医学证明 (1) →
    // 户口登记 (3) → 医保参保 (1) → 医保缴费 (1) = 6, as is 出生医学证明 → 生育医疗费用报销 (5).
    assert_eq!((plan.savings.days.alone, plan.savings.days.one_thing), (14, 6));
    // Visits: 1+1+1+1+1+1+2+1 alone, none online.
    assert_eq!((plan.savings.visits.alone, plan.savings.visits.one_thing), (9, 0));
    // Steps: 4+3+3+4+3+3+4+4 = 28; 受理 and 办结 once instead of eight times: 28 − 14.
    assert_eq!((plan.savings.steps.alone, plan.savings.steps.one_thing), (28, 14));
    // Six working days from Thursday 2026-02-12 over the Spring Festival: Feb 13,
    // Feb 14 (make-up Saturday), then Feb 24, 25, 26, 27.
    assert_eq!(plan.promised_date, date("2026-02-27"));

    let stage = |code: &str| plan.items.iter().find(|i| i.code.as_str() == code).unwrap().stage;
    assert_eq!(stage("GG00101001"), 1);
    assert_eq!(stage("GG00102001"), 2);
    assert_eq!(stage("GG00103001"), 2);
    assert_eq!(stage("QR00201001"), 2);
    assert_eq!(stage("GG00301001"), 3);
    assert_eq!(stage("GG00401001"), 3);
    assert_eq!(stage("ZS00501001"), 4);

    let material = |id: &str| plan.materials.iter().find(|m| m.id == id).unwrap().status.clone();
    assert_eq!(
        material("birth_medical_certificate"),
        MaterialStatus::ProducedBy {
            item: "GG00101001".parse().unwrap()
        }
    );
    assert_eq!(material("parents_id_card"), MaterialStatus::Needed);
    let field = |id: &str| {
        plan.form
            .iter()
            .flat_map(|g| &g.fields)
            .find(|f| f.element == id)
            .unwrap()
            .source
            .clone()
    };
    assert_eq!(
        field("child.birth_cert_no"),
        FieldSource::ProducedBy {
            item: "GG00101001".parse().unwrap()
        }
    );
    assert_eq!(field("child.name"), FieldSource::Applicant);
}

#[test]
fn held_certificates_and_shared_data_make_materials_and_fields_unnecessary() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let all_yes = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]);
    let holdings = Holdings {
        certificates: ["resident_id_card", "household_register", "marriage_certificate"]
            .map(String::from)
            .into(),
        elements: [
            "child.birth_date",
            "child.birth_hospital",
            "mother.name",
            "mother.id_number",
        ]
        .map(String::from)
        .into(),
        consent: catalog::SharedConsent::Given,
    };
    let plan = compute_plan(&catalog, newborn, &all_yes, &holdings, date("2026-02-12"), &calendar).unwrap();
    let material = |id: &str| plan.materials.iter().find(|m| m.id == id).unwrap().status.clone();
    assert_eq!(
        material("parents_id_card"),
        MaterialStatus::HeldCertificate {
            certificate: "居民身份证".into()
        }
    );
    assert!(matches!(material("delivery_record"), MaterialStatus::SharedData { .. }));
    // Only the photo and the invoices remain.
    assert_eq!(plan.savings.materials.one_thing, 2);
    let field = |id: &str| {
        plan.form
            .iter()
            .flat_map(|g| &g.fields)
            .find(|f| f.element == id)
            .unwrap()
            .source
            .clone()
    };
    assert_eq!(
        field("mother.id_number"),
        FieldSource::SharedData {
            department: "GA".into()
        }
    );
    assert_eq!(plan.savings.fields.one_thing, 11);
}

#[test]
fn different_answers_give_different_plans() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let elsewhere = answers(&[
        ("hukou_local", "no"),
        ("parents_married", "no"),
        ("insure_child", "yes"),
        ("maternity_claim", "no"),
    ]);
    let plan = compute_plan(
        &catalog,
        newborn,
        &elsewhere,
        &Holdings::default(),
        date("2026-03-02"),
        &calendar,
    )
    .unwrap();
    let codes: Vec<&str> = plan.items.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["GG00101001", "GG00102001"]);
    assert_eq!(plan.skipped_items.len(), 6);
    assert!(plan.materials.iter().all(|m| m.id != "marriage_certificate"));
    assert_eq!(plan.critical_path_days, 2);
    assert_eq!(plan.promised_date, date("2026-03-04"));

    let unmarried_local = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "no"),
        ("insure_child", "no"),
        ("maternity_claim", "no"),
    ]);
    let plan = compute_plan(
        &catalog,
        newborn,
        &unmarried_local,
        &Holdings::default(),
        date("2026-03-02"),
        &calendar,
    )
    .unwrap();
    assert!(
        plan.materials
            .iter()
            .any(|m| m.id == "birth_commitment" && m.is_needed())
    );
    assert!(plan.materials.iter().all(|m| m.id != "marriage_certificate"));
}

#[test]
fn answers_that_are_missing_unknown_or_invalid_name_their_question() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let bad = answers(&[
        ("hukou_local", "maybe"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("favourite_colour", "red"),
    ]);
    let error = compute_plan(
        &catalog,
        newborn,
        &bad,
        &Holdings::default(),
        date("2026-03-02"),
        &calendar,
    )
    .unwrap_err();
    let PlanError::Answers(errors) = error else {
        panic!("expected answer errors")
    };
    let by_question: BTreeMap<&str, &str> = errors.iter().map(|e| (e.question(), e.code())).collect();
    assert_eq!(
        by_question,
        BTreeMap::from([
            ("favourite_colour", "ANSWER_UNKNOWN_QUESTION"),
            ("hukou_local", "ANSWER_INVALID_OPTION"),
            ("maternity_claim", "ANSWER_MISSING"),
        ])
    );
    assert!(errors.iter().any(|e| e.to_string().contains("母亲是否参加生育保险")));
}

#[test]
fn a_start_date_without_calendar_data_is_an_error_not_a_guess() {
    let catalog = bundled();
    // Without provisional years: past the official data nothing is guessed.
    let calendar = calendar::Calendar::official_only().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let all_no = answers(&[
        ("hukou_local", "no"),
        ("parents_married", "no"),
        ("insure_child", "no"),
        ("maternity_claim", "no"),
    ]);
    let error = compute_plan(
        &catalog,
        newborn,
        &all_no,
        &Holdings::default(),
        date("2031-05-06"),
        &calendar,
    )
    .unwrap_err();
    assert!(matches!(error, PlanError::Calendar(_)), "{error:?}");
    // Beyond the provisional horizon (ten years past the last notice) either.
    let provisional = calendar::Calendar::official().unwrap();
    let error = compute_plan(
        &catalog,
        newborn,
        &all_no,
        &Holdings::default(),
        date("2037-05-06"),
        &provisional,
    )
    .unwrap_err();
    assert!(matches!(error, PlanError::Calendar(_)), "{error:?}");
}

#[test]
fn a_plan_running_into_a_year_without_a_notice_is_provisional() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let all_yes = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]);
    let plan = |start: &str| {
        compute_plan(
            &catalog,
            newborn,
            &all_yes,
            &Holdings::default(),
            date(start),
            &calendar,
        )
        .unwrap()
    };
    // Early in December the whole path lies in 2026.
    let early = plan("2026-12-01");
    assert!(early.promised_date.year() == 2026, "{}", early.promised_date);
    assert!(!early.promised_date_provisional);
    assert!(early.items.iter().all(|i| !i.due_date_provisional));
    assert!(
        early.calendar_basis.starts_with("2026年官方安排"),
        "{}",
        early.calendar_basis
    );
    // On 2026-12-28 it runs into 2027: accepted, and marked 预计.
    let late = plan("2026-12-28");
    assert_eq!(late.promised_date.year(), 2027);
    assert!(late.promised_date_provisional);
    assert!(
        late.calendar_basis.starts_with("2027年暂定日历"),
        "{}",
        late.calendar_basis
    );
    assert!(late.items.iter().any(|i| i.due_date_provisional));
    // The same working days as any other time of year.
    assert_eq!(late.critical_path_days, early.critical_path_days);
}

#[test]
fn unknown_data_element_is_reported_with_file_and_line() {
    let file = "items/GG00102001.toml";
    let (text, problems) = broken(file, |t| t.replace("\"person.address\"", "\"person.adress\""));
    assert_problem(
        &problems,
        file,
        Some(line_of(&text, "person.adress")),
        "不存在的数据元“person.adress”",
    );
}

#[test]
fn unknown_department_is_reported() {
    let file = "items/GG00102001.toml";
    let (text, problems) = broken(file, |t| t.replace("department = \"JK\"", "department = \"ZZZ\""));
    assert_problem(&problems, file, Some(line_of(&text, "ZZZ")), "不存在的部门“ZZZ”");
}

#[test]
fn unknown_certificate_type_is_reported() {
    let file = "items/GG00102001.toml";
    let (text, problems) = broken(file, |t| t.replace("\"vaccination_certificate\"", "\"vaccine_card\""));
    assert_problem(
        &problems,
        file,
        Some(line_of(&text, "vaccine_card")),
        "不存在的证照类型“vaccine_card”",
    );
}

#[test]
fn dependency_cycle_is_reported() {
    let (text, problems) = broken(NEWBORN, |t| {
        t.replace(
            "item = \"GG00101001\"          # 出生医学证明 — always first",
            "item = \"GG00101001\"\nafter = [\"JF00302001\"]",
        )
    });
    assert_problem(
        &problems,
        NEWBORN,
        Some(line_of(&text, "item = \"GG00101001\"")),
        "循环依赖",
    );
}

#[test]
fn condition_that_does_not_parse_is_reported() {
    let (text, problems) = broken(NEWBORN, |t| {
        t.replacen("when = \"hukou_local == 'yes'\"", "when = \"hukou_local == \"", 1)
    });
    assert_problem(
        &problems,
        NEWBORN,
        Some(line_of(&text, "when = \"hukou_local == \"")),
        "无法解析",
    );
}

#[test]
fn condition_naming_an_unknown_question_or_option_is_reported() {
    let (text, problems) = broken(NEWBORN, |t| {
        t.replacen("when = \"hukou_local == 'yes'\"", "when = \"hukou_place == 'yes'\"", 1)
    });
    assert_problem(
        &problems,
        NEWBORN,
        Some(line_of(&text, "hukou_place")),
        "不存在的情形问题“hukou_place”",
    );

    let (text, problems) = broken(NEWBORN, |t| {
        t.replacen(
            "when = \"hukou_local == 'yes'\"",
            "when = \"hukou_local == 'maybe'\"",
            1,
        )
    });
    assert_problem(
        &problems,
        NEWBORN,
        Some(line_of(&text, "'maybe'")),
        "不存在的选项“maybe”",
    );
}

#[test]
fn dependency_on_an_item_that_is_not_a_member_is_reported() {
    let (text, problems) = broken(NEWBORN, |t| {
        t.replacen("after = [\"GG00101001\"]", "after = [\"XK99999001\"]", 1)
    });
    assert_problem(
        &problems,
        NEWBORN,
        Some(line_of(&text, "XK99999001")),
        "不是本一件事的成员",
    );
}

#[test]
fn duplicate_codes_are_reported() {
    let file = "departments.toml";
    let (text, problems) = broken(file, |t| {
        format!("{t}\n[[department]]\ncode = \"GA\"\nname = \"又一个公安局\"\n")
    });
    let duplicate_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("code = \"GA\""))
        .map(|(i, _)| i + 1)
        .last();
    assert_problem(&problems, file, duplicate_line, "部门代码“GA”重复");

    let file = "data-elements.toml";
    let (_, problems) = broken(file, |t| {
        format!(
            "{t}\n[[element]]\nid = \"child.name\"\nname = \"x\"\ntype = \"text\"\nsensitivity = \"内部\"\nsource = \"GA\"\ngroup = \"g\"\n"
        )
    });
    assert_problem(&problems, file, None, "数据元“child.name”重复定义");
}

#[test]
fn question_no_condition_uses_is_reported() {
    let (text, problems) = broken(NEWBORN, |t| {
        format!(
            "{t}\n[[question]]\nid = \"twins\"\ntext = \"是否多胞胎？\"\noptions = [{{ value = \"yes\", label = \"是\" }}, {{ value = \"no\", label = \"否\" }}]\n"
        )
    });
    assert_problem(
        &problems,
        NEWBORN,
        Some(line_of(&text, "id = \"twins\"")),
        "问题“twins”没有被任何条件使用",
    );
}

#[test]
fn missing_data_flow_dependency_is_reported() {
    // 户口登记 uses the birth certificate number that 出生医学证明 produces.
    let (_, problems) = broken(NEWBORN, |t| t.replacen("after = [\"GG00101001\"]", "after = []", 1));
    assert_problem(&problems, NEWBORN, None, "没有在 after 中声明对它的依赖");
}

#[test]
fn toml_syntax_errors_are_reported_with_their_line() {
    let file = "items/GG00102001.toml";
    let (text, problems) = broken(file, |t| t.replace("steps = 3", "steps = = 3"));
    assert_problem(&problems, file, Some(line_of(&text, "steps = = 3")), "TOML 格式错误");
}

#[test]
fn promised_limit_over_the_legal_limit_is_reported() {
    let file = "items/GG00102001.toml";
    let (text, problems) = broken(file, |t| {
        t.replace("promised_limit_days = 1", "promised_limit_days = 9")
    });
    assert_problem(
        &problems,
        file,
        Some(line_of(&text, "promised_limit_days = 9")),
        "超过法定时限",
    );
}

/// Loads the bundled catalog with one file edited; it must still load.
fn still_loads(file: &str, edit: impl Fn(&str) -> String) -> Catalog {
    let mut files = bundled_files();
    let target = files.iter_mut().find(|f| f.path == file).unwrap();
    let edited = edit(&target.text);
    assert_ne!(edited, target.text, "the edit must change {file}");
    target.text = edited;
    Catalog::load(&files).unwrap_or_else(|problems| panic!("{problems}"))
}

#[test]
fn department_codes_are_two_to_eight_capitals() {
    for bad in ["W", "ABCDEFGHI", "Wj"] {
        let (_, problems) = broken("departments.toml", |t| {
            t.replacen("code = \"WJ\"", &format!("code = \"{bad}\""), 1)
        });
        assert_problem(
            &problems,
            "departments.toml",
            Some(5),
            &format!("部门代码“{bad}”应为 2–8 个大写字母"),
        );
    }
}

#[test]
fn data_element_ids_are_dotted_lower_case_names() {
    let file = "data-elements.toml";
    for bad in ["Person.phone", "personphone", "person.1phone", "person..phone"] {
        let (text, problems) = broken(file, |t| {
            t.replacen("id = \"person.phone\"", &format!("id = \"{bad}\""), 1)
        });
        assert_problem(
            &problems,
            file,
            Some(line_of(&text, bad)),
            &format!("数据元标识“{bad}”应为小写的点分名称"),
        );
    }
}

#[test]
fn a_choice_lists_its_options_and_shared_data_its_elements() {
    let (_, problems) = broken("data-elements.toml", |t| {
        t.replacen("options = [\"男\", \"女\"]\n", "", 1)
    });
    assert_problem(
        &problems,
        "data-elements.toml",
        None,
        "选择型数据元“child.sex”必须列出 options",
    );
    let (_, problems) = broken("materials.toml", |t| {
        t.replacen(
            "elements = [\"child.birth_date\", \"child.birth_hospital\"]",
            "elements = []",
            1,
        )
    });
    assert_problem(
        &problems,
        "materials.toml",
        None,
        "共享数据类材料“delivery_record”必须列出 elements",
    );
    // An unknown element among a shared material's elements is named too.
    let (_, problems) = broken("materials.toml", |t| {
        t.replacen(
            "elements = [\"child.birth_date\", \"child.birth_hospital\"]",
            "elements = [\"child.birth_date\", \"child.no_such\"]",
            1,
        )
    });
    assert_problem(&problems, "materials.toml", None, "child.no_such");
}

#[test]
fn an_items_code_matches_its_kind_and_its_limits_may_be_equal() {
    let file = "items/GG00102001.toml";
    let (_, problems) = broken(file, |t| t.replace("kind = \"公共服务\"", "kind = \"行政确认\""));
    assert_problem(&problems, file, None, "事项类型“行政确认”的编码应以");
    // Promising the legal limit itself is allowed.
    let catalog = still_loads(file, |t| {
        t.replace("promised_limit_days = 1", "promised_limit_days = 5")
    });
    assert_eq!(catalog.items[&"GG00102001".parse().unwrap()].promised_limit_days, 5);
}

#[test]
fn unknown_outputs_fields_and_check_ids_are_reported() {
    let file = "items/GG00102001.toml";
    let (_, problems) = broken(file, |t| t.replace("\"child.sex\",", "\"child.no_such\","));
    assert_problem(&problems, file, None, "child.no_such");
    let file = "items/GG00101001.toml";
    let (_, problems) = broken(file, |t| {
        t.replace("id = \"applicant_adult\"", "id = \"Applicant-adult\"")
    });
    assert_problem(&problems, file, None, "核验标识“Applicant-adult”应为小写字母开头");
    let (_, problems) = broken(file, |t| t.replace("id = \"applicant_adult\"", "id = \"1adult\""));
    assert_problem(&problems, file, None, "核验标识“1adult”");
}

#[test]
fn a_member_must_be_an_item_of_the_catalog_and_files_must_be_known() {
    let (_, problems) = broken(NEWBORN, |t| t.replace("item = \"GG00102001\"", "item = \"GG00109999\""));
    assert_problem(&problems, NEWBORN, None, "不存在的事项“GG00109999”");
    let mut files = bundled_files();
    files.push(SourceFile {
        path: "notes/todo.toml".into(),
        text: String::new(),
    });
    let problems = Catalog::load(&files).expect_err("an unknown file is refused").0;
    assert_problem(&problems, "notes/todo.toml", None, "不认识的目录文件");
}

/// A condition that compiles but fails for one combination of answers only — here
/// 本市落户 and 未办理结婚登记, the first option of one question and the second
/// of the next — is found by trying every combination.
#[test]
fn a_condition_that_fails_for_one_combination_of_answers_is_reported() {
    let (_, problems) = broken(NEWBORN, |t| {
        t.replace(
            "when = \"parents_married == 'yes'\"",
            "when = \"(hukou_local == 'yes' && parents_married == 'no') ? 1 : parents_married == 'yes'\"",
        )
    });
    assert_problem(&problems, NEWBORN, None, "（条件：");
}

#[test]
fn options_named_in_a_list_are_checked_too() {
    let (_, problems) = broken(NEWBORN, |t| {
        t.replace(
            "when = \"parents_married == 'yes'\"",
            "when = \"parents_married in ['yes', 'perhaps']\"",
        )
    });
    assert_problem(&problems, NEWBORN, None, "perhaps");
}

#[test]
fn a_skipped_item_names_the_condition_that_left_it_out() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let newborn = catalog.one_thing("newborn").unwrap();
    let unmarried = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "no"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]);
    let plan = compute_plan(
        &catalog,
        newborn,
        &unmarried,
        &Holdings::default(),
        date("2026-03-02"),
        &calendar,
    )
    .unwrap();
    let skipped: Vec<(&str, &str)> = plan
        .skipped_items
        .iter()
        .map(|s| (s.code.as_str(), s.condition.as_str()))
        .collect();
    assert_eq!(skipped, [("GG00103001", "parents_married == 'yes'")]);
}

#[test]
fn a_department_code_of_eight_capitals_is_accepted() {
    let catalog = still_loads("departments.toml", |t| {
        format!(
            "{t}\n[[department]]\ncode = \"SJZWFWJ\"\nname = \"省政务服务局\"\n[[department]]\ncode = \"SJZWFWJA\"\nname = \"省政务服务局一处\"\n"
        )
    });
    assert!(catalog.departments.contains_key("SJZWFWJ"));
    assert!(catalog.departments.contains_key("SJZWFWJA"));
}

/// A definition with a broken reference is left out of the catalog, so that what
/// is built on it is reported too: the designer sees every place the broken
/// definition is used, not only the typo.
#[test]
fn a_definition_with_a_broken_reference_is_reported_where_it_is_used() {
    // A certificate type whose surface names an unknown element.
    let (_, problems) = broken("certificates.toml", |t| {
        t.replace(
            "\"marriage.spouse_name\", \"marriage.date\"",
            "\"marriage.spouse_name\", \"marriage.dat\"",
        )
    });
    assert_problem(&problems, "certificates.toml", None, "不存在的数据元“marriage.dat”");
    assert_problem(
        &problems,
        "materials.toml",
        Some(23),
        "不存在的证照类型“marriage_certificate”",
    );

    // A shared-data material one of whose elements is unknown.
    let (_, problems) = broken("materials.toml", |t| {
        t.replacen(
            "elements = [\"child.birth_date\", \"child.birth_hospital\"]",
            "elements = [\"child.birth_date\", \"child.no_such\"]",
            1,
        )
    });
    assert_problem(
        &problems,
        "items/GG00102001.toml",
        None,
        "不存在的材料“delivery_record”",
    );

    // An item with an unknown form field, an unknown output certificate or an
    // unknown output element.
    for (file, from, to) in [
        ("items/GG00102001.toml", "\"person.address\"", "\"person.adress\""),
        (
            "items/GG00102001.toml",
            "\"vaccination_certificate\"",
            "\"vaccine_card\"",
        ),
        (
            "items/GG00101001.toml",
            "elements = [\"child.birth_cert_no\"]",
            "elements = [\"child.cert_no\"]",
        ),
    ] {
        let (_, problems) = broken(file, |t| t.replace(from, to));
        let code = &file["items/".len()..file.len() - ".toml".len()];
        assert_problem(&problems, NEWBORN, None, &format!("不存在的事项“{code}”"));
    }
}

#[test]
fn a_catalog_problem_names_its_file_line_and_key_path() {
    let (_, problems) = broken(NEWBORN, |t| {
        t.replacen("when = \"hukou_local == 'yes'\"", "when = \"hukou_place == 'yes'\"", 1)
    });
    let problem = problems.iter().find(|p| p.message.contains("hukou_place")).unwrap();
    let line = problem.line.unwrap();
    assert_eq!(
        problem.to_string(),
        format!("{NEWBORN}:{line} [{}]: {}", problem.at, problem.message)
    );
    assert!(!problem.at.is_empty());
    let without_place = catalog::Problem {
        file: "materials.toml".into(),
        line: None,
        at: String::new(),
        message: "缺少此文件".into(),
    };
    assert_eq!(without_place.to_string(), "materials.toml: 缺少此文件");
    let all = catalog::Problems(vec![without_place.clone(), without_place]);
    assert_eq!(
        all.to_string(),
        "materials.toml: 缺少此文件\nmaterials.toml: 缺少此文件\n共 2 个问题"
    );
}

fn yes_no(id: &str) -> catalog::Question {
    catalog::Question {
        id: id.into(),
        text: id.into(),
        options: ["yes", "no"]
            .map(|value| catalog::QuestionOption {
                value: value.into(),
                label: value.into(),
            })
            .into(),
        when: None,
    }
}

/// The options a condition's literals are checked against, wherever the comparison
/// sits: `!=`, inside a list, under a field selection.
#[test]
fn a_condition_compared_with_an_unknown_option_is_refused_wherever_the_comparison_sits() {
    let questions = [yes_no("married"), yes_no("local")];
    for source in [
        "married != 'maybe'",
        "true in [married == 'maybe', local == 'yes']",
        "(married == 'maybe' ? {'v': true} : {'v': false}).v",
    ] {
        let errors = Condition::compile(source).unwrap().check(&questions);
        assert_eq!(
            errors,
            [ConditionError::UnknownOption {
                question: "married".into(),
                value: "maybe".into(),
                allowed: "yes、no".into(),
            }],
            "{source}"
        );
    }
    // Ordering and string functions do not name options.
    let ordering = Condition::compile("married > 'm' && local.startsWith('y')").unwrap();
    assert_eq!(ordering.check(&questions), []);
}

#[test]
fn a_condition_may_use_the_standard_cel_functions() {
    let condition = Condition::compile("size(married) == 3 && local.startsWith('n')").unwrap();
    let married = answers(&[("married", "yes"), ("local", "no")]);
    assert_eq!(condition.evaluate(&married), Ok(true));
    let unmarried = answers(&[("married", "no"), ("local", "no")]);
    assert_eq!(condition.evaluate(&unmarried), Ok(false));
}

#[test]
fn a_condition_shows_and_serializes_as_its_source() {
    let condition = Condition::compile("married == 'yes'").unwrap();
    assert_eq!(condition.source(), "married == 'yes'");
    assert_eq!(format!("{condition:?}"), "Condition(\"married == 'yes'\")");
    assert_eq!(serde_json::to_string(&condition).unwrap(), "\"married == 'yes'\"");
}

/// Members may be listed in any order: an item listed before the one it waits
/// for is scheduled after it all the same.
#[test]
fn members_listed_before_what_they_wait_for_are_scheduled_the_same() {
    let first_member = "[[member]]\nitem = \"GG00101001\"          # 出生医学证明 — always first\n\n";
    let reordered = still_loads(NEWBORN, |t| {
        t.replacen(first_member, "", 1).replacen(
            "# Unmarried parents",
            &format!("{first_member}# Unmarried parents"),
            1,
        )
    });
    assert_eq!(
        reordered
            .one_thing("newborn")
            .unwrap()
            .members
            .last()
            .unwrap()
            .item
            .as_str(),
        "GG00101001"
    );
    let calendar = calendar::Calendar::official().unwrap();
    let all_yes = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]);
    let schedule = |catalog: &Catalog| {
        let plan = compute_plan(
            catalog,
            catalog.one_thing("newborn").unwrap(),
            &all_yes,
            &Holdings::default(),
            date("2026-02-12"),
            &calendar,
        )
        .unwrap();
        let mut items: Vec<(String, u32, u32, u32)> = plan
            .items
            .iter()
            .map(|i| (i.code.to_string(), i.stage, i.start_offset_days, i.finish_offset_days))
            .collect();
        items.sort();
        (items, plan.promised_date)
    };
    let (items, promised_date) = schedule(&reordered);
    assert_eq!((items.clone(), promised_date), schedule(&bundled()));
    assert_eq!(items.len(), 8);
    assert_eq!(promised_date, date("2026-02-27"));
}

/// An item does not wait for its own output: a field the item asks for and also
/// produces (here 户口登记 asking for the child's ID number it assigns) is typed by
/// the applicant unless another item of the plan needs it.
#[test]
fn a_field_only_its_own_producer_asks_for_is_typed_by_the_applicant() {
    let catalog = still_loads("items/QR00201001.toml", |t| {
        t.replacen(
            "\"child.hukou_address\",",
            "\"child.hukou_address\", \"child.id_number\",",
            1,
        )
    });
    let calendar = calendar::Calendar::official().unwrap();
    let source_of_id_number = |insure_child: &str| {
        let chosen = answers(&[
            ("hukou_local", "yes"),
            ("parents_married", "yes"),
            ("insure_child", insure_child),
            ("maternity_claim", "no"),
        ]);
        let plan = compute_plan(
            &catalog,
            catalog.one_thing("newborn").unwrap(),
            &chosen,
            &Holdings::default(),
            date("2026-03-02"),
            &calendar,
        )
        .unwrap();
        plan.form
            .iter()
            .flat_map(|g| &g.fields)
            .find(|f| f.element == "child.id_number")
            .unwrap()
            .source
            .clone()
    };
    assert_eq!(source_of_id_number("no"), FieldSource::Applicant);
    // With the child insured, 医保参保 needs the number too and waits for it.
    assert_eq!(
        source_of_id_number("yes"),
        FieldSource::ProducedBy {
            item: "QR00201001".parse().unwrap()
        }
    );
}

#[test]
fn form_fields_are_grouped_by_their_elements_section() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let all_yes = answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ]);
    let plan = compute_plan(
        &catalog,
        catalog.one_thing("newborn").unwrap(),
        &all_yes,
        &Holdings::default(),
        date("2026-03-02"),
        &calendar,
    )
    .unwrap();
    let names: Vec<&str> = plan.form.iter().map(|g| g.name.as_str()).collect();
    let mut distinct = names.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), names.len(), "{names:?}");
    assert!(names.len() >= 3, "{names:?}");
    for group in &plan.form {
        assert!(!group.fields.is_empty());
        for field in &group.fields {
            assert_eq!(catalog.elements[&field.element].group, group.name, "{}", field.element);
        }
    }
}

const CHANGE: &str = "onethings/enterprise-change.toml";

fn change_plan(catalog: &Catalog, pairs: &[(&str, &str)]) -> catalog::Plan {
    let mut chosen = answers(&[
        ("change_name", "no"),
        ("change_legal_rep", "no"),
        ("change_address", "no"),
        ("change_scope", "no"),
        ("has_employees_insured", "yes"),
        ("has_housing_fund", "yes"),
    ]);
    chosen.extend(answers(pairs));
    compute_plan(
        catalog,
        catalog.one_thing("enterprise-change").unwrap(),
        &chosen,
        &Holdings::default(),
        date("2026-03-02"),
        &calendar::Calendar::official().unwrap(),
    )
    .unwrap()
}

fn form_elements(plan: &catalog::Plan) -> Vec<&str> {
    plan.form
        .iter()
        .flat_map(|g| &g.fields)
        .map(|f| f.element.as_str())
        .collect()
}

#[test]
fn a_field_rule_asks_for_a_new_value_only_for_the_change_made() {
    let catalog = bundled();
    let name_only = change_plan(&catalog, &[("change_name", "yes")]);
    let asked = form_elements(&name_only);
    // The new name is asked right after the registered one, which stays asked.
    let old = asked.iter().position(|e| *e == "enterprise.name").unwrap();
    assert_eq!(asked.get(old + 1), Some(&"enterprise.new_name"), "{asked:?}");
    for not_asked in [
        "enterprise.new_address",
        "enterprise.new_business_scope",
        "enterprise.new_legal_rep_name",
        "enterprise.new_legal_rep_id_number",
    ] {
        assert!(!asked.contains(&not_asked), "{not_asked} asked in {asked:?}");
        let skipped = name_only
            .skipped_fields
            .iter()
            .find(|f| f.element == not_asked)
            .unwrap();
        assert!(!skipped.questions.is_empty());
    }
    assert!(
        !name_only
            .skipped_fields
            .iter()
            .any(|f| f.element == "enterprise.new_name")
    );
    let new_name = name_only
        .form
        .iter()
        .flat_map(|g| &g.fields)
        .find(|f| f.element == "enterprise.new_name")
        .unwrap();
    assert_eq!(new_name.changes.as_deref(), Some("enterprise.name"));

    let legal_rep = change_plan(&catalog, &[("change_legal_rep", "yes")]);
    let asked = form_elements(&legal_rep);
    assert!(asked.contains(&"enterprise.new_legal_rep_name"));
    assert!(asked.contains(&"enterprise.new_legal_rep_id_number"));
    assert!(!asked.contains(&"enterprise.new_name"));
    let skipped: Vec<&str> = legal_rep.skipped_fields.iter().map(|f| f.element.as_str()).collect();
    assert!(skipped.contains(&"enterprise.new_name"), "{skipped:?}");
    let question = &legal_rep
        .skipped_fields
        .iter()
        .find(|f| f.element == "enterprise.new_name")
        .unwrap()
        .questions;
    assert_eq!(question, &vec!["是否变更企业名称？".to_owned()]);

    // Fields not asked are not counted as typed when done alone either.
    let everything = change_plan(
        &catalog,
        &[
            ("change_name", "yes"),
            ("change_legal_rep", "yes"),
            ("change_address", "yes"),
            ("change_scope", "yes"),
        ],
    );
    assert!(everything.skipped_fields.is_empty());
    assert!(legal_rep.savings.fields.alone < everything.savings.fields.alone);
}

#[test]
fn a_field_rule_naming_an_unknown_question_or_option_is_a_load_problem() {
    let (text, problems) = broken(CHANGE, |t| {
        t.replace("when = \"change_name == 'yes'\"", "when = \"change_nam == 'yes'\"")
    });
    assert_problem(
        &problems,
        CHANGE,
        Some(line_of(&text, "change_nam == 'yes'")),
        "不存在的情形问题“change_nam”",
    );
    let (text, problems) = broken(CHANGE, |t| {
        t.replace("when = \"change_scope == 'yes'\"", "when = \"change_scope == 'maybe'\"")
    });
    assert_problem(
        &problems,
        CHANGE,
        Some(line_of(&text, "change_scope == 'maybe'")),
        "不存在的选项“maybe”",
    );
    assert!(problems.iter().any(|p| p.at.starts_with("field_rule[")), "{problems:?}");
}

#[test]
fn a_field_rule_must_name_a_field_of_a_member_once() {
    let (text, problems) = broken(CHANGE, |t| {
        t.replace(
            "element = \"enterprise.new_business_scope\"",
            "element = \"enterprise.no_such\"",
        )
    });
    assert_problem(
        &problems,
        CHANGE,
        Some(line_of(&text, "enterprise.no_such")),
        "不存在的数据元“enterprise.no_such”",
    );
    let (text, problems) = broken(CHANGE, |t| {
        t.replace(
            "element = \"enterprise.new_business_scope\"",
            "element = \"child.name\"",
        )
    });
    assert_problem(
        &problems,
        CHANGE,
        Some(line_of(&text, "element = \"child.name\"")),
        "不是本一件事任何事项的表单字段",
    );
    let (_, problems) = broken(CHANGE, |t| {
        t.replace(
            "element = \"enterprise.new_business_scope\"",
            "element = \"enterprise.new_name\"",
        )
    });
    assert_problem(&problems, CHANGE, None, "字段“enterprise.new_name”的条件重复");
}

#[test]
fn a_new_value_element_must_change_a_registered_element_of_its_type() {
    let file = "data-elements.toml";
    let (text, problems) = broken(file, |t| {
        t.replace("changes = \"enterprise.address\"", "changes = \"enterprise.nowhere\"")
    });
    assert_problem(
        &problems,
        file,
        Some(line_of(&text, "enterprise.nowhere")),
        "不存在的数据元“enterprise.nowhere”",
    );
    let (_, problems) = broken(file, |t| {
        t.replace(
            "changes = \"enterprise.address\"",
            "changes = \"enterprise.established_date\"",
        )
    });
    assert_problem(
        &problems,
        file,
        None,
        "类型（text）与原数据元“enterprise.established_date”的类型（date）不同",
    );
    let (_, problems) = broken(file, |t| {
        t.replace("changes = \"enterprise.address\"", "changes = \"enterprise.new_name\"")
    });
    assert_problem(&problems, file, None, "本身是变更后值");
}

/// A summary may not promise less time than the promised limits add up to along the
/// longest chain: 企业开办 once said 一日办结 while hiring staff takes 登记 1 → 单位社保
/// 1 → 就业参保 1 = 3 working days.
#[test]
fn a_summary_promising_less_time_than_the_plan_is_a_load_problem() {
    let (_, problems) = broken("onethings/enterprise-startup.toml", |text| {
        let start = text.find("summary = \"").unwrap();
        let end = start + text[start..].find('\n').unwrap();
        format!(
            "{}summary = \"企业开办一次申请，一日办结。\"{}",
            &text[..start],
            &text[end..]
        )
    });
    assert_problem(
        &problems,
        "onethings/enterprise-startup.toml",
        None,
        "简介承诺1个工作日办结，但全部事项都办理时按承诺时限需3个工作日",
    );
    // The bundled summary and the computed figures agree: the fullest plan takes 3.
    let catalog = bundled();
    let startup = catalog.one_thing("enterprise-startup").unwrap();
    let all = answers(&[
        ("need_seal", "yes"),
        ("has_employees", "yes"),
        ("open_housing_fund", "yes"),
    ]);
    let calendar = calendar::Calendar::official().unwrap();
    let plan = compute_plan(
        &catalog,
        startup,
        &all,
        &Holdings::default(),
        date("2026-12-01"),
        &calendar,
    )
    .unwrap();
    assert_eq!(plan.critical_path_days, 3);
    assert_eq!(catalog::claimed_days(&startup.summary), [3]);
}

#[test]
fn time_claims_are_read_in_arabic_and_chinese_numerals() {
    assert_eq!(catalog::claimed_days("一次申请，一日办结。"), [1]);
    assert_eq!(catalog::claimed_days("3个工作日内办结"), [3]);
    assert_eq!(
        catalog::claimed_days("五天办结；十二个工作日办结；二十日内办结"),
        [5, 12, 20]
    );
    assert_eq!(catalog::claimed_days("即来即办，当场办结"), Vec::<u32>::new());
}

/// An employer that moves keeps its staff insured: 医保 changes or transfers its
/// record beside 社保 and 公积金, in the city and across cities.
#[test]
fn a_relocation_with_insured_staff_moves_the_medical_insurance_too() {
    let catalog = bundled();
    let relocation = catalog.one_thing("enterprise-relocation").unwrap();
    let calendar = calendar::Calendar::official().unwrap();
    for (scope, item) in [("in_city", "GG00303004"), ("cross_city", "GG00303003")] {
        let plan = compute_plan(
            &catalog,
            relocation,
            &answers(&[
                ("migrate_scope", scope),
                ("has_employees_insured", "yes"),
                ("has_housing_fund", "no"),
            ]),
            &Holdings::default(),
            date("2026-12-01"),
            &calendar,
        )
        .unwrap();
        let departments: Vec<&str> = plan.items.iter().map(|i| i.department.as_str()).collect();
        assert!(
            plan.items.iter().any(|i| i.code.as_str() == item),
            "{scope}: {departments:?}"
        );
        assert!(
            departments.contains(&"YB") && departments.contains(&"RS"),
            "{scope}: {departments:?}"
        );
    }
    // Without insured staff, neither 社保 nor 医保 is involved.
    let plan = compute_plan(
        &catalog,
        relocation,
        &answers(&[
            ("migrate_scope", "in_city"),
            ("has_employees_insured", "no"),
            ("has_housing_fund", "no"),
        ]),
        &Holdings::default(),
        date("2026-12-01"),
        &calendar,
    )
    .unwrap();
    assert!(plan.items.iter().all(|i| i.department != "YB" && i.department != "RS"));
}

/// A question asked only when an earlier answer makes it relevant: 提前退休的原因 is
/// asked of early retirees alone, and decides which proof they hand in.
#[test]
fn a_conditional_question_is_asked_only_when_an_earlier_answer_makes_it_relevant() {
    let catalog = bundled();
    let retirement = catalog.one_thing("retirement").unwrap();
    let calendar = calendar::Calendar::official().unwrap();
    let rest = [
        ("medical_insured", "no"),
        ("has_housing_fund", "no"),
        ("only_child", "no"),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut all = answers(&rest);
        all.extend(answers(extra));
        all
    };
    let asked =
        |given: &Answers| -> Vec<String> { retirement.asked_questions(given).iter().map(|q| q.id.clone()).collect() };
    assert!(!asked(&with(&[("retire_type", "normal")])).contains(&"early_reason".to_owned()));
    assert!(asked(&with(&[("retire_type", "early")])).contains(&"early_reason".to_owned()));

    let plan = |given: Answers| {
        compute_plan(
            &catalog,
            retirement,
            &given,
            &Holdings::default(),
            date("2026-12-01"),
            &calendar,
        )
    };
    // Early, without the reason: asked for it, by name.
    let Err(PlanError::Answers(errors)) = plan(with(&[("retire_type", "early")])) else {
        panic!("the reason must be asked");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code(), "ANSWER_MISSING");
    assert_eq!(errors[0].question(), "early_reason");
    // Normal, with a reason: refused, saying when it would be asked.
    let Err(PlanError::Answers(errors)) = plan(with(&[("retire_type", "normal"), ("early_reason", "illness")])) else {
        panic!("an answer to a question not asked must be refused");
    };
    assert_eq!(errors[0].code(), "ANSWER_NOT_ASKED");
    assert_eq!(
        errors[0].to_string(),
        "按您之前的回答，无需回答问题“提前退休的原因？”（仅当“退休类型？”选“特殊工种或因病提前退休”时回答）"
    );
    assert_eq!(
        retirement.relevant_answers(&with(&[("retire_type", "normal"), ("early_reason", "illness")])),
        with(&[("retire_type", "normal")])
    );
    // The reason decides the proof.
    let needed = |given: Answers| -> Vec<String> {
        plan(given)
            .unwrap()
            .materials
            .iter()
            .filter(|m| m.is_needed())
            .map(|m| m.id.clone())
            .collect()
    };
    assert_eq!(
        needed(with(&[("retire_type", "early"), ("early_reason", "illness")])),
        ["work_capacity_appraisal"]
    );
    assert_eq!(
        needed(with(&[("retire_type", "early"), ("early_reason", "special_work")])),
        ["early_retirement_approval"]
    );
    assert!(needed(with(&[("retire_type", "normal")])).is_empty());
}

/// A question's condition may name only questions asked before it, with their options.
#[test]
fn a_question_conditioned_on_a_later_or_unknown_question_is_a_load_problem() {
    let (_, problems) = broken("onethings/retirement.toml", |text| {
        text.replace("when = \"retire_type == 'early'\"", "when = \"only_child == 'yes'\"")
    });
    assert_problem(
        &problems,
        "onethings/retirement.toml",
        None,
        "问题的条件只能引用排在它之前的问题",
    );
    let (_, problems) = broken("onethings/retirement.toml", |text| {
        text.replace("when = \"retire_type == 'early'\"", "when = \"retire_type == 'soon'\"")
    });
    assert_problem(&problems, "onethings/retirement.toml", None, "soon");
}

const LEXICON: &str = "lexicon.toml";

#[test]
fn the_bundled_lexicon_loads_with_its_synonyms_and_cues() {
    let catalog = bundled();
    let lexicon = &catalog.lexicon;
    assert!(lexicon.synonyms.len() >= 40, "{} synonyms", lexicon.synonyms.len());
    assert!(
        lexicon
            .synonyms
            .iter()
            .any(|s| s.phrases.contains(&"娃".to_owned()) && s.terms.contains(&"新生儿".to_owned()))
    );
    // Every one-thing is reachable through at least one synonym term.
    for one in catalog.one_things.values() {
        let text = format!("{}{}{}", one.name, one.summary, one.keywords.join(""));
        let item_names: Vec<&str> = one
            .members
            .iter()
            .filter_map(|m| catalog.items.get(&m.item).map(|i| i.name.as_str()))
            .collect();
        assert!(
            lexicon
                .synonyms
                .iter()
                .flat_map(|s| &s.terms)
                .any(|term| text.contains(term.as_str()) || item_names.iter().any(|n| n.contains(term.as_str()))),
            "no synonym leads to {}",
            one.id
        );
    }
    let cue = lexicon
        .answer_cues
        .iter()
        .find(|c| c.question == "hukou_local")
        .unwrap();
    assert_eq!(cue.one_thing.as_str(), "newborn");
    assert!(
        lexicon
            .field_cues
            .iter()
            .any(|c| c.element == "child.sex" && c.kind == catalog::lexicon::FieldCueKind::Value("女".into()))
    );
    assert!(
        lexicon
            .field_cues
            .iter()
            .any(|c| c.element == "enterprise.legal_rep_phone" && c.kind == catalog::lexicon::FieldCueKind::Phone)
    );
}

#[test]
fn a_lexicon_term_must_occur_in_the_catalog_and_cues_must_name_what_exists() {
    let (_, problems) = broken(LEXICON, |t| t.replacen("terms = [\"新生儿\"]", "terms = [\"护照\"]", 1));
    assert_problem(&problems, LEXICON, None, "目录用语“护照”在目录中没有出现");
    let (_, problems) = broken(LEXICON, |t| {
        t.replacen("question = \"hukou_local\"", "question = \"hukou\"", 1)
    });
    assert_problem(&problems, LEXICON, None, "没有情形问题“hukou”");
    let (_, problems) = broken(LEXICON, |t| {
        t.replacen(
            "value = \"yes\"\nphrases = [\"本市户口\"",
            "value = \"maybe\"\nphrases = [\"本市户口\"",
            1,
        )
    });
    assert_problem(&problems, LEXICON, None, "没有选项“maybe”");
    let (_, problems) = broken(LEXICON, |t| t.replacen("value = \"女\"", "value = \"其他\"", 1));
    assert_problem(&problems, LEXICON, None, "线索类型“value”不适用于数据元“child.sex”");
    let (_, problems) = broken(LEXICON, |t| {
        t.replacen(
            "element = \"child.birth_date\"\nkind = \"date\"",
            "element = \"child.name\"\nkind = \"date\"",
            1,
        )
    });
    assert_problem(&problems, LEXICON, None, "线索类型“date”不适用于数据元“child.name”");
    // A phone cue fills only a phone element.
    let (_, problems) = broken(LEXICON, |t| {
        t.replacen(
            "element = \"person.phone\"\nkind = \"phone\"",
            "element = \"person.name\"\nkind = \"phone\"",
            1,
        )
    });
    assert_problem(&problems, LEXICON, None, "线索类型“phone”不适用于数据元“person.name”");
    let (_, problems) = broken(LEXICON, |t| {
        t.replacen("one_thing = \"newborn\"", "one_thing = \"wedding\"", 1)
    });
    assert_problem(&problems, LEXICON, None, "不存在的一件事“wedding”");
    let (_, problems) = broken(LEXICON, |t| t.replacen("phrases = [\"娃\",", "phrases = [\"\",", 1));
    assert_problem(&problems, LEXICON, None, "说法“”应为 1–16 个字符");
}
