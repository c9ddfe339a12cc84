//! Report one-things (报告类) and groups of one-things (一类事): a broken `[report]` or
//! group is refused with its file and line, a report's notice says what the applicant
//! receives from whom, and a group's combined figures follow from its members' plans.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use catalog::plan::FieldSource;
use catalog::{Answers, Catalog, Holdings, SourceFile, compute_plan, group_plan};
use chrono::NaiveDate;

fn bundled_files() -> Vec<SourceFile> {
    testkit::catalog_files()
}

fn bundled() -> Catalog {
    Catalog::load(&bundled_files()).unwrap_or_else(|problems| panic!("bundled catalog has problems:\n{problems}"))
}

fn start() -> NaiveDate {
    "2026-03-02".parse().unwrap()
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

const LISTING: &str = "onethings/listing-compliance.toml";
const ENTRY: &str = "groups/enterprise-entry.toml";
const PERSONAL_CREDIT: &str = "onethings/personal-credit-report.toml";

#[test]
fn a_group_naming_an_unknown_one_thing_is_refused_with_file_and_line() {
    let (text, problems) = broken(ENTRY, |t| t.replace("\"restaurant\"", "\"restaurants\""));
    assert_problem(
        &problems,
        ENTRY,
        Some(line_of(&text, "restaurants")),
        "不存在的一件事“restaurants”",
    );
}

#[test]
fn a_group_needs_two_distinct_members_and_a_valid_unique_id() {
    let (text, problems) = broken(ENTRY, |t| {
        t.replace(
            "members = [\"enterprise-startup\", \"restaurant\", \"transport-startup\"]",
            "members = [\"restaurant\", \"restaurant\"]",
        )
    });
    assert_problem(&problems, ENTRY, Some(line_of(&text, "members")), "在本一类事中重复");
    let (_, problems) = broken(ENTRY, |t| {
        t.replace(
            "members = [\"enterprise-startup\", \"restaurant\", \"transport-startup\"]",
            "members = [\"restaurant\"]",
        )
    });
    assert_problem(&problems, ENTRY, None, "至少需要两个一件事");
    let (text, problems) = broken(ENTRY, |t| {
        t.replace("id = \"enterprise-entry\"", "id = \"birth-to-school\"")
    });
    assert_problem(
        &problems,
        ENTRY,
        Some(line_of(&text, "id = ")),
        "一类事标识“birth-to-school”重复",
    );
}

#[test]
fn a_report_document_must_be_issued_once_by_the_lead_after_every_section() {
    // The issuing member no longer waits for 海关.
    let (_, problems) = broken(LISTING, |t| t.replace(", \"GG02701001\"]", "]"));
    assert_problem(&problems, LISTING, None, "after 缺少：GG02701001");
    // A document no member issues.
    let (text, problems) = broken(LISTING, |t| {
        t.replace(
            "document = \"listing_compliance_report\"",
            "document = \"enterprise_credit_report\"",
        )
    });
    assert_problem(
        &problems,
        LISTING,
        Some(line_of(&text, "enterprise_credit_report")),
        "应由牵头部门",
    );
    assert_problem(&problems, LISTING, None, "没有成员事项出具报告");
    // The issuing member must always apply.
    let (_, problems) = broken(LISTING, |t| {
        t.replace(
            "item = \"GG02101002\"          # the report, once every section has answered",
            "item = \"GG02101002\"\nwhen = \"import_export == 'yes'\"",
        )
    });
    assert_problem(&problems, LISTING, None, "必须在任何情形下都办理");
}

#[test]
fn a_report_subject_must_be_asked_by_every_member_and_its_period_must_be_a_question() {
    let (text, problems) = broken(LISTING, |t| {
        t.replace("subject = \"enterprise.uscc\"", "subject = \"debtor.uscc\"")
    });
    assert_problem(
        &problems,
        LISTING,
        Some(line_of(&text, "subject = ")),
        "报告对象“debtor.uscc”应是每个成员事项的表单字段",
    );
    let (text, problems) = broken(LISTING, |t| t.replace("period = \"period\"", "period = \"years\""));
    assert_problem(
        &problems,
        LISTING,
        Some(line_of(&text, "period = \"years\"")),
        "核查期间“years”不是本一件事的情形问题",
    );
    // Without the report, its period question is one no condition uses.
    let (_, problems) = broken(LISTING, |t| t.replace("period = \"period\"\n", ""));
    assert_problem(&problems, LISTING, None, "问题“period”没有被任何条件使用");
}

/// A person may ask only for their own report: the catalog refuses a person's report
/// about anything but the applicant's own ID number, even one every member asks for,
/// while an enterprise's report may be about another enterprise (纳税信用 by
/// authorization).
#[test]
fn a_person_s_report_can_only_be_about_the_applicant() {
    let catalog = bundled();
    let person = catalog.one_thing("personal-credit-report").unwrap();
    assert!(person.report_is_about_the_applicant());
    for id in ["credit-report", "tax-credit-query", "newborn"] {
        assert!(!catalog.one_thing(id).unwrap().report_is_about_the_applicant(), "{id}");
    }
    let (text, problems) = broken(PERSONAL_CREDIT, |t| {
        t.replace("subject = \"person.id_number\"", "subject = \"person.phone\"")
    });
    assert_problem(
        &problems,
        PERSONAL_CREDIT,
        Some(line_of(&text, "subject = ")),
        "个人申请的报告只能是本人的",
    );
    // The same report asked for by an enterprise is not held to it.
    let mut files = bundled_files();
    let file = files.iter_mut().find(|f| f.path == PERSONAL_CREDIT).unwrap();
    file.text = file
        .text
        .replace("subject = \"person.id_number\"", "subject = \"person.phone\"")
        .replace("applicant = \"自然人\"", "applicant = \"法人\"");
    let catalog = Catalog::load(&files).unwrap_or_else(|problems| panic!("{problems}"));
    let enterprise = catalog.one_thing("personal-credit-report").unwrap();
    assert_eq!(enterprise.report.as_ref().unwrap().subject, "person.phone");
    assert!(!enterprise.report_is_about_the_applicant());
}

#[test]
fn a_report_notice_names_the_document_the_period_and_the_answering_departments() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let one_thing = catalog.one_thing("listing-compliance").unwrap();
    let answers: Answers = [("period", "three_years"), ("import_export", "no")]
        .iter()
        .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
        .collect();
    let plan = compute_plan(&catalog, one_thing, &answers, &Holdings::default(), start(), &calendar).unwrap();
    let report = plan.report.as_ref().unwrap();
    assert_eq!(report.document, "企业上市合法合规信息核查报告（专项信用报告）");
    assert_eq!(report.issuer_name, "发展和改革委员会（社会信用体系建设）");
    assert_eq!(report.subject_name, "统一社会信用代码");
    assert_eq!(report.period.as_deref(), Some("近三年（首次公开发行并上市）"));
    // Six sections (no 海关 without foreign trade); the report itself is not one.
    let departments: Vec<&str> = report.sections.iter().map(|s| s.department_name.as_str()).collect();
    assert_eq!(
        departments,
        [
            "市场监督管理局",
            "税务局",
            "人力资源和社会保障局",
            "住房公积金管理中心",
            "生态环境局",
            "应急管理局"
        ]
    );
    // Sections answer in parallel in 3 days, the report follows in 1.
    assert_eq!(plan.critical_path_days, 4);
    // A one-thing that is not a report has none.
    let newborn = catalog.one_thing("newborn").unwrap();
    let plan = catalog::example::fullest_plan(&catalog, newborn, start(), &calendar).unwrap();
    assert!(plan.report.is_none());
}

/// The group's combined figures recomputed from its members' fullest plans: summed
/// alone and separately, and together the union of what is still handed in or typed.
#[test]
fn group_figures_follow_from_the_members_plans() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    for id in ["enterprise-entry", "birth-to-school"] {
        let group = catalog.group(id).unwrap();
        let combined = group_plan(&catalog, group, start(), &calendar).unwrap();
        let plans: Vec<_> = group
            .members
            .iter()
            .map(|member| {
                let one = &catalog.one_things[member];
                catalog::example::fullest_plan(&catalog, one, start(), &calendar).unwrap()
            })
            .collect();
        let s = combined.savings;
        let sum = |f: &dyn Fn(&catalog::Plan) -> u32| -> u32 { plans.iter().map(f).sum() };
        assert_eq!(s.materials.alone, sum(&|p| p.savings.materials.alone), "{id}");
        assert_eq!(s.materials.separately, sum(&|p| p.savings.materials.one_thing), "{id}");
        let needed: BTreeSet<&str> = plans
            .iter()
            .flat_map(|p| p.materials.iter().filter(|m| m.is_needed()).map(|m| m.id.as_str()))
            .collect();
        assert_eq!(s.materials.together, needed.len() as u32, "{id}");
        let typed: BTreeSet<&str> = plans
            .iter()
            .flat_map(|p| p.form.iter().flat_map(|g| &g.fields))
            .filter(|f| f.source == FieldSource::Applicant)
            .map(|f| f.element.as_str())
            .collect();
        assert_eq!(s.fields.together, typed.len() as u32, "{id}");
        assert_eq!(s.days.separately, sum(&|p| p.critical_path_days), "{id}");
        assert_eq!(s.days.together, s.days.separately, "{id}: time is not claimed");
        assert!(s.fields.together < s.fields.separately, "{id}: something is typed once");
    }
}

#[test]
fn enterprise_entry_registers_once_and_asks_the_shared_licence_data_once() {
    let catalog = bundled();
    let calendar = calendar::Calendar::official().unwrap();
    let group = catalog.group("enterprise-entry").unwrap();
    let combined = group_plan(&catalog, group, start(), &calendar).unwrap();
    // Each member's fullest plan registers the enterprise (企业开办 always, 餐饮 and 运输
    // without a licence yet), and both permits check the licence: done once together.
    let shared_items: Vec<&str> = combined.shared_items.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(shared_items, ["XK00601001", "GG00602001"]);
    assert_eq!(combined.shared_items[0].one_things.len(), 3);
    // 企业开办 7 items, 餐饮店 6, 运输 4 (freight or passenger, not both) = 17; two of
    // them shared: 设立登记 three times, 核验 twice → 17 − 2 − 1 = 14 distinct.
    assert_eq!(combined.savings.items.separately, 17);
    assert_eq!(combined.savings.items.together, 14);
    let shared_departments: Vec<&str> = combined.shared_departments.iter().map(|s| s.name.as_str()).collect();
    assert!(shared_departments.contains(&"市场监督管理局"));
    assert!(combined.shared_fields.iter().any(|f| f.id == "enterprise.name"));
}
