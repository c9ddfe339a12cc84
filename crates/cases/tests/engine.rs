//! The case engine drives the newborn one-thing through its departments: dispatch
//! along dependencies, outputs prefilled into dependents, one combined supplement
//! list, deadlines by the official calendar, and typed errors for illegal moves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use cases::*;
use catalog::{Catalog, Holdings, compute_plan};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ids::ItemCode;

struct World {
    catalog: Catalog,
    calendar: calendar::Calendar,
}

fn world() -> World {
    World {
        catalog: testkit::catalog(),
        calendar: testkit::calendar(),
    }
}

/// 10:00 in Beijing on the given day.
fn at(date: &str) -> DateTime<Utc> {
    let date: NaiveDate = date.parse().unwrap();
    Utc.from_utc_datetime(&date.and_hms_opt(2, 0, 0).unwrap())
}

fn code(text: &str) -> ItemCode {
    text.parse().unwrap()
}

fn staff(department: &str) -> Actor {
    Actor::Staff {
        account: format!("staff-{}", department.to_lowercase()),
        department: department.into(),
    }
}

fn applicant() -> Actor {
    Actor::Applicant {
        account: "applicant-1".into(),
    }
}

fn submit(world: &World, now: DateTime<Utc>) -> Outcome {
    let newborn = world.catalog.one_thing("newborn").unwrap();
    let plan = compute_plan(
        &world.catalog,
        newborn,
        &testkit::newborn_all_yes(),
        &Holdings::default(),
        cases::china_date(now),
        &world.calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&world.catalog, &plan);
    Case::create(
        &world.catalog,
        &world.calendar,
        &plan,
        CaseId::parse("YJS20260212TEST0001").unwrap(),
        "applicant-1",
        &form,
        now,
    )
    .unwrap()
}

fn state_of(case: &Case, item: &str) -> TaskState {
    case.task(&code(item)).unwrap().state
}

fn act(world: &World, case: &Case, department: &str, item: &str, action: Action, now: DateTime<Utc>) -> Case {
    case.act(
        &world.catalog,
        &world.calendar,
        &staff(department),
        &code(item),
        action,
        now,
    )
    .unwrap_or_else(|e| panic!("{item} {department}: {e}"))
    .case
}

fn approve(
    world: &World,
    case: &Case,
    department: &str,
    item: &str,
    outputs: &[(&str, &str)],
    now: DateTime<Utc>,
) -> Case {
    let case = act(world, case, department, item, Action::Accept, now);
    let outputs = outputs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    act(world, &case, department, item, Action::Approve { outputs }, now)
}

#[test]
fn only_tasks_without_dependencies_are_dispatched_at_submission() {
    let world = world();
    let outcome = submit(&world, at("2026-02-12"));
    let case = outcome.case;
    assert_eq!(state_of(&case, "GG00101001"), TaskState::Dispatched);
    for waiting in [
        "GG00102001",
        "GG00103001",
        "QR00201001",
        "GG00301001",
        "GG00401001",
        "ZS00501001",
        "JF00302001",
    ] {
        assert_eq!(state_of(&case, waiting), TaskState::Waiting, "{waiting}");
    }
    assert_eq!(case.state(), CaseState::InProgress);
    assert_eq!(outcome.events.first().unwrap().transition, Transition::Submit);
    assert_eq!(
        outcome
            .events
            .iter()
            .filter(|e| e.transition == Transition::Dispatch)
            .count(),
        1
    );
}

#[test]
fn a_deadline_counts_working_days_by_the_official_calendar() {
    let world = world();
    // Dispatch 户口登记 (3 days) on Thursday 2026-02-12: Feb 13, Feb 14 (make-up
    // Saturday), then the Spring Festival until Feb 23, so Feb 24.
    let case = submit(&world, at("2026-02-12")).case;
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440000001")],
        at("2026-02-12"),
    );
    let task = case.task(&code("QR00201001")).unwrap();
    assert_eq!(task.dispatched_on, Some("2026-02-12".parse().unwrap()));
    assert_eq!(task.deadline, Some("2026-02-24".parse().unwrap()));
    // A five-day limit from the same day ends on Feb 26.
    assert_eq!(
        world
            .calendar
            .add_working_days("2026-02-12".parse().unwrap(), 5)
            .unwrap(),
        "2026-02-26".parse::<NaiveDate>().unwrap()
    );
}

#[test]
fn outputs_of_a_finished_task_are_prefilled_for_its_dependents() {
    let world = world();
    let now = at("2026-03-02");
    let case = submit(&world, now).case;
    assert!(!case.form.contains_key("child.birth_cert_no"));
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440000001")],
        now,
    );
    let value = &case.form["child.birth_cert_no"];
    assert_eq!(value.value, "Q440000001");
    assert_eq!(
        value.provenance,
        Provenance::ProducedBy {
            item: code("GG00101001")
        }
    );
    assert_eq!(state_of(&case, "QR00201001"), TaskState::Dispatched);
    assert_eq!(state_of(&case, "JF00302001"), TaskState::Dispatched);
    assert_eq!(state_of(&case, "GG00301001"), TaskState::Waiting);

    // 户口登记 assigns the ID number; 医保参保 and 社保卡 then run in parallel.
    let case = approve(
        &world,
        &case,
        "GA",
        "QR00201001",
        &[("child.id_number", "110105202602100016")],
        now,
    );
    assert_eq!(state_of(&case, "GG00301001"), TaskState::Dispatched);
    assert_eq!(state_of(&case, "GG00401001"), TaskState::Dispatched);
    assert_eq!(case.form["child.id_number"].value, "110105202602100016");
}

#[test]
fn approval_requires_valid_declared_outputs_and_changes_nothing_when_refused() {
    let world = world();
    let now = at("2026-03-02");
    let case = submit(&world, now).case;
    let case = act(&world, &case, "WJ", "GG00101001", Action::Accept, now);
    let missing = case.act(
        &world.catalog,
        &world.calendar,
        &staff("WJ"),
        &code("GG00101001"),
        Action::Approve {
            outputs: BTreeMap::new(),
        },
        now,
    );
    assert!(matches!(missing, Err(CaseError::Form(ref issues)) if issues[0].code == "OUTPUT_REQUIRED"));
    let undeclared = BTreeMap::from([
        ("child.birth_cert_no".to_owned(), "Q1".to_owned()),
        ("child.name".to_owned(), "x".to_owned()),
    ]);
    let error = case
        .act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG00101001"),
            Action::Approve { outputs: undeclared },
            now,
        )
        .unwrap_err();
    assert!(matches!(error, CaseError::Form(ref issues) if issues.iter().any(|i| i.code == "OUTPUT_NOT_DECLARED")));
    // An invalid ID number as an output is refused with the reason.
    let outputs = BTreeMap::from([("child.birth_cert_no".to_owned(), "Q1".to_owned())]);
    let case2 = act(&world, &case, "WJ", "GG00101001", Action::Approve { outputs }, now);
    let case2 = act(&world, &case2, "GA", "QR00201001", Action::Accept, now);
    let bad = BTreeMap::from([("child.id_number".to_owned(), "110105202602100011".to_owned())]);
    let error = case2
        .act(
            &world.catalog,
            &world.calendar,
            &staff("GA"),
            &code("QR00201001"),
            Action::Approve { outputs: bad },
            now,
        )
        .unwrap_err();
    assert!(error.to_string().contains("校验码"), "{error}");
    assert_eq!(state_of(&case2, "QR00201001"), TaskState::Accepted);
}

#[test]
fn supplement_requests_combine_into_one_list_and_an_answer_resumes_them() {
    let world = world();
    let requested_on = at("2026-03-02");
    let case = submit(&world, requested_on).case;
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440000001")],
        requested_on,
    );
    let case = act(
        &world,
        &case,
        "WJ",
        "GG00103001",
        Action::RequestSupplement {
            reasons: vec!["父亲身份证号码与人口库不一致".into()],
            materials: Vec::new(),
        },
        requested_on,
    );
    let case = act(
        &world,
        &case,
        "JK",
        "GG00102001",
        Action::RequestSupplement {
            reasons: vec!["请补充通讯地址的门牌号".into()],
            materials: Vec::new(),
        },
        requested_on,
    );
    assert_eq!(case.state(), CaseState::AwaitingSupplement);
    let list = case.supplement_requests();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .any(|r| r.department == "JK" && r.reasons[0].contains("门牌号"))
    );
    let deadline_before = case.task(&code("GG00103001")).unwrap().deadline.unwrap();

    // The applicant answers three working days later, with a correction.
    let answered_on = at("2026-03-05");
    let corrections = BTreeMap::from([("person.address".to_owned(), "北京市东城区某街1号".to_owned())]);
    let outcome = case
        .answer_supplement(
            &world.catalog,
            &world.calendar,
            &applicant(),
            &corrections,
            "已更正",
            answered_on,
        )
        .unwrap();
    let case = outcome.case;
    assert_eq!(outcome.events.len(), 2);
    assert_eq!(state_of(&case, "GG00103001"), TaskState::Accepted);
    assert_eq!(state_of(&case, "GG00102001"), TaskState::Accepted);
    assert_eq!(case.form["person.address"].provenance, Provenance::Supplemented);
    // 补正 time does not count: the deadline moves by the 3 working days it took.
    let deadline_after = case.task(&code("GG00103001")).unwrap().deadline.unwrap();
    assert_eq!(
        world
            .calendar
            .working_days_between(deadline_before, deadline_after)
            .unwrap(),
        3
    );
    assert!(case.supplement_requests().is_empty());
    // Each task remembers that it asked, for the 补正率; the others asked nothing.
    assert_eq!(case.task(&code("GG00103001")).unwrap().supplements, 1);
    assert_eq!(case.task(&code("GG00102001")).unwrap().supplements, 1);
    assert_eq!(case.task(&code("GG00101001")).unwrap().supplements, 0);

    // Nothing left to answer.
    let again = case.answer_supplement(
        &world.catalog,
        &world.calendar,
        &applicant(),
        &BTreeMap::new(),
        "",
        answered_on,
    );
    assert_eq!(again.unwrap_err(), CaseError::NoSupplementPending);
}

#[test]
fn the_whole_newborn_case_completes_with_a_full_history() {
    let world = world();
    let now = at("2026-03-02");
    let mut events = Vec::new();
    let outcome = submit(&world, now);
    events.extend(outcome.events);
    let mut case = outcome.case;
    type Outputs<'a> = &'a [(&'a str, &'a str)];
    let steps: [(&str, &str, Outputs); 8] = [
        ("WJ", "GG00101001", &[("child.birth_cert_no", "Q440000001")]),
        ("JK", "GG00102001", &[]),
        ("WJ", "GG00103001", &[]),
        ("GA", "QR00201001", &[("child.id_number", "110105202602100016")]),
        ("YB", "JF00302001", &[]),
        ("YB", "GG00301001", &[("child.medical_insurance_no", "YB2026000001")]),
        ("RS", "GG00401001", &[]),
        ("SW", "ZS00501001", &[]),
    ];
    for (department, item, outputs) in steps {
        assert_ne!(case.state(), CaseState::Completed);
        let accepted = case
            .act(
                &world.catalog,
                &world.calendar,
                &staff(department),
                &code(item),
                Action::Accept,
                now,
            )
            .unwrap();
        events.extend(accepted.events);
        let outputs = outputs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let approved = accepted
            .case
            .act(
                &world.catalog,
                &world.calendar,
                &staff(department),
                &code(item),
                Action::Approve { outputs },
                now,
            )
            .unwrap();
        events.extend(approved.events);
        case = approved.case;
    }
    assert_eq!(case.state(), CaseState::Completed);
    // submit + 8 dispatches + 8 accepts + 8 approvals.
    assert_eq!(events.len(), 25);
    assert_eq!(
        events.iter().filter(|e| e.transition == Transition::Dispatch).count(),
        8
    );
}

#[test]
fn illegal_transitions_are_typed_errors() {
    let world = world();
    let now = at("2026-03-02");
    let case = submit(&world, now).case;
    // Approving before accepting.
    let error = case
        .act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG00101001"),
            Action::Approve {
                outputs: BTreeMap::new(),
            },
            now,
        )
        .unwrap_err();
    assert_eq!(
        error,
        CaseError::IllegalTransition {
            from: TaskState::Dispatched,
            transition: Transition::Approve
        }
    );
    // Accepting a task that still waits for its dependency.
    let error = case
        .act(
            &world.catalog,
            &world.calendar,
            &staff("GA"),
            &code("QR00201001"),
            Action::Accept,
            now,
        )
        .unwrap_err();
    assert_eq!(
        error,
        CaseError::IllegalTransition {
            from: TaskState::Waiting,
            transition: Transition::Accept
        }
    );
    // Accepting twice.
    let accepted = act(&world, &case, "WJ", "GG00101001", Action::Accept, now);
    let error = accepted
        .act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG00101001"),
            Action::Accept,
            now,
        )
        .unwrap_err();
    assert_eq!(error.code(), "E_ILLEGAL_TRANSITION");
    // Another department's task.
    let error = case
        .act(
            &world.catalog,
            &world.calendar,
            &staff("GA"),
            &code("GG00101001"),
            Action::Accept,
            now,
        )
        .unwrap_err();
    assert!(matches!(error, CaseError::WrongDepartment { .. }));
    // An applicant cannot act as a department.
    let error = case
        .act(
            &world.catalog,
            &world.calendar,
            &applicant(),
            &code("GG00101001"),
            Action::Accept,
            now,
        )
        .unwrap_err();
    assert_eq!(error, CaseError::NotAllowed);
    // A task the case does not have.
    let error = case
        .act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG09999001"),
            Action::Accept,
            now,
        )
        .unwrap_err();
    assert!(matches!(error, CaseError::UnknownTask(_)));
    // Someone else answering the supplement.
    let other = Actor::Applicant {
        account: "someone-else".into(),
    };
    let error = case
        .answer_supplement(&world.catalog, &world.calendar, &other, &BTreeMap::new(), "", now)
        .unwrap_err();
    assert_eq!(error, CaseError::NotAllowed);
}

#[test]
fn a_rejection_cancels_what_depends_on_it_and_closes_the_case_when_all_is_done() {
    let world = world();
    let now = at("2026-03-02");
    let case = submit(&world, now).case;
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440000001")],
        now,
    );
    let case = act(
        &world,
        &case,
        "GA",
        "QR00201001",
        Action::Reject {
            reason: "落户地址不在本辖区".into(),
        },
        now,
    );
    for cancelled in ["GG00301001", "GG00401001", "ZS00501001"] {
        assert_eq!(state_of(&case, cancelled), TaskState::Cancelled, "{cancelled}");
    }
    assert_eq!(
        case.task(&code("QR00201001")).unwrap().rejection_reason.as_deref(),
        Some("落户地址不在本辖区")
    );
    let case = approve(&world, &case, "JK", "GG00102001", &[], now);
    let case = approve(&world, &case, "WJ", "GG00103001", &[], now);
    assert_eq!(case.state(), CaseState::InProgress);
    let case = approve(&world, &case, "YB", "JF00302001", &[], now);
    assert_eq!(case.state(), CaseState::Rejected);
    // Empty reasons are refused.
    let fresh = submit(&world, now).case;
    let error = fresh
        .act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG00101001"),
            Action::Reject { reason: "  ".into() },
            now,
        )
        .unwrap_err();
    assert_eq!(error.code(), "E_INVALID_REQUEST");
}

#[test]
fn a_form_with_errors_is_refused_with_every_field_named() {
    let world = world();
    let newborn = world.catalog.one_thing("newborn").unwrap();
    let now = at("2026-03-02");
    let plan = compute_plan(
        &world.catalog,
        newborn,
        &testkit::newborn_all_yes(),
        &Holdings::default(),
        cases::china_date(now),
        &world.calendar,
    )
    .unwrap();
    let mut form = testkit::sample_form(&world.catalog, &plan);
    form.insert("mother.id_number".into(), "110105194912310021".into());
    form.remove("child.name");
    form.insert("child.birth_cert_no".into(), "Q1".into());
    form.insert("shoe.size".into(), "42".into());
    let error = Case::create(
        &world.catalog,
        &world.calendar,
        &plan,
        CaseId::parse("YJS20260302TEST0002").unwrap(),
        "a",
        &form,
        now,
    )
    .unwrap_err();
    let CaseError::Form(issues) = error else {
        panic!("expected form errors")
    };
    let by_field: BTreeMap<&str, &str> = issues.iter().map(|i| (i.field.as_str(), i.code.as_str())).collect();
    assert_eq!(by_field["mother.id_number"], "FIELD_ID_NUMBER_CHECK_DIGIT");
    assert_eq!(by_field["child.name"], "FIELD_REQUIRED");
    assert_eq!(by_field["child.birth_cert_no"], "FIELD_NOT_EXPECTED");
    assert_eq!(by_field["shoe.size"], "FIELD_UNKNOWN");
}

#[test]
fn a_case_survives_a_json_round_trip() {
    let world = world();
    let case = submit(&world, at("2026-03-02")).case;
    let text = serde_json::to_string(&case).unwrap();
    let back: Case = serde_json::from_str(&text).unwrap();
    assert_eq!(back, case);
    assert_eq!(back.format, CASE_FORMAT);
}

#[test]
fn prefilled_values_keep_their_source_and_corrections_are_recorded() {
    let world = world();
    let outcome = submit(&world, at("2026-02-12"));
    let kept = outcome.case.form["mother.name"].value.clone();
    let typed = outcome.case.form["father.name"].value.clone();
    let fetched: BTreeMap<String, Fetched> = [
        ("mother.name", kept.as_str()),
        ("father.name", "刘强强"),
        ("no.such_field", "x"),
    ]
    .into_iter()
    .map(|(element, value)| {
        (
            element.to_owned(),
            Fetched {
                value: value.to_owned(),
                source: "population".into(),
                department: "GA".into(),
            },
        )
    })
    .collect();
    let consent = Consent {
        prefill: "PF-1".into(),
        sources: vec!["population".into()],
        elements: vec!["mother.name".into(), "father.name".into()],
        at: at("2026-02-11"),
    };
    let case = outcome.with_prefill(&fetched, consent.clone());
    assert_eq!(
        case.case.form["mother.name"].provenance,
        Provenance::Shared {
            source: "population".into(),
            department: "GA".into()
        }
    );
    assert_eq!(case.case.form["father.name"].provenance, Provenance::Typed);
    assert_eq!(
        case.case.corrections,
        [Correction {
            element: "father.name".into(),
            source: "population".into(),
            department: "GA".into(),
            fetched: "刘强强".into(),
            corrected: typed,
        }]
    );
    assert_eq!(case.case.consent, Some(consent));
    assert!(!case.case.form.contains_key("no.such_field"));
    assert!(
        case.events[0]
            .note
            .ends_with("1 项经授权由共享数据预填，1 项由申请人更正"),
        "{}",
        case.events[0].note
    );
    // The document round-trips with the new fields, and old documents without them still load.
    let json = serde_json::to_string(&case.case).unwrap();
    assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case.case);
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    old.as_object_mut().unwrap().remove("corrections");
    old.as_object_mut().unwrap().remove("consent");
    let old: Case = serde_json::from_value(old).unwrap();
    assert!(old.corrections.is_empty() && old.consent.is_none());
}

/// A task with two dependencies is dispatched when both are approved, not one.
#[test]
fn a_task_waits_for_every_one_of_its_dependencies() {
    let world = world();
    let mut case = submit(&world, at("2026-03-02")).case;
    // 社保卡 waits for 医保参保 and, here, for 户口登记 as well.
    let card = case.tasks.iter_mut().find(|t| t.item == code("ZS00501001")).unwrap();
    card.after = vec![code("GG00301001"), code("QR00201001")];
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q1")],
        at("2026-03-02"),
    );
    let case = approve(
        &world,
        &case,
        "GA",
        "QR00201001",
        &[("child.id_number", "110105202602100016")],
        at("2026-03-03"),
    );
    let case = approve(
        &world,
        &case,
        "YB",
        "GG00301001",
        &[("child.medical_insurance_no", "M1")],
        at("2026-03-04"),
    );
    // Both done now: dispatched on the day the second was approved.
    assert_eq!(state_of(&case, "ZS00501001"), TaskState::Dispatched);
    let mut case = submit(&world, at("2026-03-02")).case;
    let card = case.tasks.iter_mut().find(|t| t.item == code("ZS00501001")).unwrap();
    card.after = vec![code("GG00301001"), code("GG00103001")];
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q1")],
        at("2026-03-02"),
    );
    let case = approve(
        &world,
        &case,
        "GA",
        "QR00201001",
        &[("child.id_number", "110105202602100016")],
        at("2026-03-03"),
    );
    let case = approve(
        &world,
        &case,
        "YB",
        "GG00301001",
        &[("child.medical_insurance_no", "M1")],
        at("2026-03-04"),
    );
    // One of two: still waiting.
    assert_eq!(state_of(&case, "ZS00501001"), TaskState::Waiting);
    let case = approve(&world, &case, "WJ", "GG00103001", &[], at("2026-03-05"));
    assert_eq!(state_of(&case, "ZS00501001"), TaskState::Dispatched);
    assert_eq!(
        case.task(&code("ZS00501001")).unwrap().dispatched_on,
        NaiveDate::from_ymd_opt(2026, 3, 5)
    );
}

/// The time with the applicant does not count, in working days: a supplement asked
/// on Tuesday 22 September 2026 and answered on Friday 9 October took 7 working days
/// (23, 24, 28, 29, 30 September, 8 and 9 October: 中秋 and 国庆 are off), so the
/// deadline of Tuesday 29 September moves 7 working days, to Wednesday 14 October,
/// over the make-up Saturday 10 October. Counting calendar days would give 16 October.
#[test]
fn a_supplement_across_a_weekend_and_holidays_moves_the_deadline_by_working_days() {
    let world = world();
    let case = submit(&world, at("2026-09-21")).case;
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q1")],
        at("2026-09-21"),
    );
    let claim = case.task(&code("JF00302001")).unwrap();
    assert_eq!(claim.dispatched_on, NaiveDate::from_ymd_opt(2026, 9, 21));
    assert_eq!(claim.deadline, NaiveDate::from_ymd_opt(2026, 9, 29));
    let case = act(
        &world,
        &case,
        "YB",
        "JF00302001",
        Action::RequestSupplement {
            reasons: vec!["请补充分娩费用票据".into()],
            materials: Vec::new(),
        },
        at("2026-09-22"),
    );
    let answered = case
        .answer_supplement(
            &world.catalog,
            &world.calendar,
            &applicant(),
            &BTreeMap::new(),
            "已补充",
            at("2026-10-09"),
        )
        .unwrap()
        .case;
    assert_eq!(
        answered.task(&code("JF00302001")).unwrap().deadline,
        NaiveDate::from_ymd_opt(2026, 10, 14)
    );
}

/// Days are Beijing days: at 23:30 on 21 September in Beijing it is still the 21st,
/// at 00:30 it is the 22nd (16:30 UTC on the 21st).
#[test]
fn a_case_is_dated_by_the_day_in_beijing() {
    let world = world();
    let late = Utc.with_ymd_and_hms(2026, 9, 21, 15, 30, 0).unwrap();
    let after_midnight = Utc.with_ymd_and_hms(2026, 9, 21, 16, 30, 0).unwrap();
    let first = submit(&world, late).case;
    assert_eq!(
        first.task(&code("GG00101001")).unwrap().dispatched_on,
        NaiveDate::from_ymd_opt(2026, 9, 21)
    );
    let second = submit(&world, after_midnight).case;
    assert_eq!(
        second.task(&code("GG00101001")).unwrap().dispatched_on,
        NaiveDate::from_ymd_opt(2026, 9, 22)
    );
    assert_eq!(
        cases::china_date(after_midnight),
        NaiveDate::from_ymd_opt(2026, 9, 22).unwrap()
    );
}

#[test]
fn a_department_sees_only_the_tasks_that_have_reached_it() {
    let world = world();
    let now = at("2026-02-12");
    let case = submit(&world, now).case;
    let items = |case: &Case, department: &str| -> Vec<String> {
        case.tasks_of_department(department)
            .map(|t| t.item.to_string())
            .collect()
    };
    // 卫健 has two items; only the first is dispatched. 公安's waits for it.
    assert_eq!(items(&case, "WJ"), ["GG00101001"]);
    assert!(items(&case, "GA").is_empty());
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440312345")],
        now,
    );
    assert_eq!(items(&case, "GA"), ["QR00201001"]);
    // A finished task still counts: 卫健 keeps the case it worked on.
    assert!(items(&case, "WJ").contains(&"GG00101001".to_owned()));
    assert!(case.task(&code("GG00101001")).unwrap().reached_department());
    assert!(!case.task(&code("GG00301001")).unwrap().reached_department());
}

#[test]
fn a_window_submission_names_the_staff_member_on_the_submit_event_only() {
    let world = world();
    let outcome = submit(&world, at("2026-02-12")).submitted_at_window("staff-zw");
    let submit_event = outcome
        .events
        .iter()
        .find(|e| e.transition == Transition::Submit)
        .unwrap();
    assert_eq!(submit_event.actor, "staff-zw");
    assert!(
        submit_event.note.ends_with("（综合窗口代为提交）"),
        "{}",
        submit_event.note
    );
    for event in outcome.events.iter().filter(|e| e.transition != Transition::Submit) {
        assert_eq!(event.actor, "system", "{event:?}");
        assert!(!event.note.contains("综合窗口"), "{event:?}");
    }
}

#[test]
fn prefill_counts_what_was_shared_and_what_the_applicant_corrected() {
    let world = world();
    let outcome = submit(&world, at("2026-02-12"));
    let form = &outcome.case.form;
    let fetched_as = |element: &str, value: &str| {
        (
            element.to_owned(),
            Fetched {
                value: value.to_owned(),
                source: "population".into(),
                department: "GA".into(),
            },
        )
    };
    // Two values as fetched, one the applicant changed.
    let fetched: BTreeMap<String, Fetched> = [
        fetched_as("mother.name", &form["mother.name"].value),
        fetched_as("father.name", &form["father.name"].value),
        fetched_as("person.address", "另一个地址"),
    ]
    .into_iter()
    .collect();
    let consent = Consent {
        prefill: "P1".into(),
        sources: vec!["population".into()],
        elements: fetched.keys().cloned().collect(),
        at: at("2026-02-12"),
    };
    let outcome = outcome.with_prefill(&fetched, consent);
    let note = &outcome
        .events
        .iter()
        .find(|e| e.transition == Transition::Submit)
        .unwrap()
        .note;
    assert!(note.ends_with("；2 项经授权由共享数据预填，1 项由申请人更正"), "{note}");
    assert_eq!(outcome.case.corrections.len(), 1);
    assert_eq!(outcome.case.corrections[0].element, "person.address");
    assert_eq!(outcome.case.corrections[0].fetched, "另一个地址");
    assert!(matches!(
        outcome.case.form["mother.name"].provenance,
        Provenance::Shared { .. }
    ));
    assert_eq!(outcome.case.form["person.address"].provenance, Provenance::Typed);
}

#[test]
fn a_supplement_may_come_without_a_note_but_never_rewrites_a_departments_output() {
    let world = world();
    let now = at("2026-02-12");
    let case = submit(&world, now).case;
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440312345")],
        now,
    );
    // The approval names what it produced, by the element's name.
    let case = act(&world, &case, "GA", "QR00201001", Action::Accept, now);
    let case = act(
        &world,
        &case,
        "GA",
        "QR00201001",
        Action::RequestSupplement {
            reasons: vec!["请核对落户地址".into()],
            materials: Vec::new(),
        },
        now,
    );
    // An output of 卫健 cannot be "corrected" by the applicant.
    let produced: BTreeMap<String, String> = [("child.birth_cert_no".to_owned(), "Q000000000".to_owned())].into();
    let refused = case
        .answer_supplement(&world.catalog, &world.calendar, &applicant(), &produced, "", now)
        .unwrap_err();
    match refused {
        CaseError::Form(issues) => {
            assert_eq!(issues[0].code, "FIELD_NOT_EDITABLE");
            assert_eq!(issues[0].message, "出生医学证明编号由部门办理生成，不能修改");
        }
        other => panic!("{other:?}"),
    }
    // A note of only invisible characters is no note.
    let answered = case
        .answer_supplement(
            &world.catalog,
            &world.calendar,
            &applicant(),
            &BTreeMap::new(),
            "\u{200b}",
            now,
        )
        .unwrap();
    let event = answered.events.last().unwrap();
    assert_eq!(event.note, "申请人已补正");
}

#[test]
fn reasons_are_limited_to_five_hundred_characters_and_twenty_items() {
    let world = world();
    let now = at("2026-02-12");
    let case = act(
        &world,
        &submit(&world, now).case,
        "WJ",
        "GG00101001",
        Action::Accept,
        now,
    );
    let request = |reasons: Vec<String>| {
        case.act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG00101001"),
            Action::RequestSupplement {
                reasons,
                materials: Vec::new(),
            },
            now,
        )
    };
    assert!(request(vec!["长".repeat(500)]).is_ok());
    assert!(matches!(request(vec!["长".repeat(501)]), Err(CaseError::Invalid(_))));
    assert!(request(vec!["请补充".to_owned(); 20]).is_ok());
    assert!(matches!(
        request(vec!["请补充".to_owned(); 21]),
        Err(CaseError::Invalid(_))
    ));
    let approved = case
        .act(
            &world.catalog,
            &world.calendar,
            &staff("WJ"),
            &code("GG00101001"),
            Action::Approve {
                outputs: [("child.birth_cert_no".to_owned(), "Q440312345".to_owned())].into(),
            },
            now,
        )
        .unwrap();
    assert_eq!(
        approved
            .events
            .iter()
            .find(|e| e.transition == Transition::Approve)
            .unwrap()
            .note,
        "已办结，产生：出生医学证明编号"
    );
}

/// A case submitted on Thursday 2027-02-04 under the provisional 2027 (春节 only
/// 除夕 to 初三, 5–8 February) has its dates recounted when the (test) notice
/// extends 春节 to 5–13 February.
#[test]
fn a_calendar_notice_moves_the_provisional_dates_of_running_work_only() {
    let world = world();
    let now = at("2027-02-04");
    let case = submit(&world, now).case;
    let first = case.task(&code("GG00101001")).unwrap();
    assert_eq!(first.deadline, Some(NaiveDate::from_ymd_opt(2027, 2, 9).unwrap()));
    let notice = world.calendar.with_notice("2027.toml", testkit::NOTICE_2027).unwrap();

    let moved = case
        .reschedule(&world.calendar, &notice, now)
        .unwrap()
        .expect("dates move");
    let first = moved.case.task(&code("GG00101001")).unwrap();
    assert_eq!(first.deadline, Some(NaiveDate::from_ymd_opt(2027, 2, 15).unwrap()));
    let change = moved
        .changes
        .iter()
        .find(|c| c.item == Some(code("GG00101001")))
        .unwrap();
    assert_eq!(
        (change.old.to_string(), change.new.to_string()),
        ("2027-02-09".into(), "2027-02-15".into())
    );
    assert!(moved.case.promised_date > case.promised_date);
    assert!(
        moved
            .changes
            .iter()
            .any(|c| c.item.is_none() && c.new == moved.case.promised_date)
    );
    assert!(moved.events.iter().all(|e| e.transition == Transition::Reschedule));
    assert!(
        moved.events[0]
            .note
            .contains("办理期限由预计 2027-02-09 调整为 2027-02-15"),
        "{}",
        moved.events[0].note
    );
    // Under the notice nothing is provisional any more: nothing moves again.
    assert!(moved.case.reschedule(&notice, &notice, now).unwrap().is_none());
    // Finished work keeps its dates: a case refused at its first item has none running.
    let refused = act(
        &world,
        &case,
        "WJ",
        "GG00101001",
        Action::Reject {
            reason: "出生记录不符".into(),
        },
        now,
    );
    assert!(refused.tasks.iter().all(|t| t.state.is_terminal()));
    assert!(refused.reschedule(&world.calendar, &notice, now).unwrap().is_none());
    // A case in an official year is never touched.
    let official = submit(&world, at("2026-03-02")).case;
    assert!(official.reschedule(&world.calendar, &notice, now).unwrap().is_none());
}

#[test]
fn a_supplement_may_ask_again_for_the_items_own_files_and_waits_for_them() {
    let world = world();
    let now = at("2026-02-12");
    let case = submit(&world, now).case;
    let request = |case: &Case, department: &str, item: &str, materials: &[&str]| {
        case.act(
            &world.catalog,
            &world.calendar,
            &staff(department),
            &code(item),
            Action::RequestSupplement {
                reasons: vec!["请重新上传清晰的扫描件".into()],
                materials: materials.iter().map(|m| (*m).to_owned()).collect(),
            },
            now,
        )
    };
    // Not another item's material, not a commitment (signed, not uploaded).
    assert!(matches!(
        request(&case, "WJ", "GG00101001", &["household_register"]),
        Err(CaseError::Invalid(_))
    ));
    let case = approve(
        &world,
        &case,
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q440312345")],
        now,
    );
    assert!(matches!(
        request(&case, "GA", "QR00201001", &["birth_commitment"]),
        Err(CaseError::Invalid(_))
    ));
    let asked = request(
        &case,
        "GA",
        "QR00201001",
        &["household_register", "parents_id_card", "household_register"],
    )
    .unwrap();
    assert!(
        asked.events[0]
            .note
            .ends_with("须重新提交：居民户口簿、父母双方居民身份证"),
        "{}",
        asked.events[0].note
    );
    let case = asked.case;
    assert_eq!(
        case.supplement_requests()[0].materials,
        ["household_register", "parents_id_card"]
    );
    let answer = |handed_in: &[&str]| {
        case.answer_supplement_with(
            &world.catalog,
            &world.calendar,
            &applicant(),
            &BTreeMap::new(),
            &handed_in.iter().map(|m| (*m).to_owned()).collect(),
            "",
            now,
        )
    };
    // One of the two files is not enough; the missing one is named.
    match answer(&["parents_id_card"]).unwrap_err() {
        CaseError::Form(issues) => {
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0].field, "material.household_register");
            assert_eq!(issues[0].code, "MATERIAL_REQUIRED");
        }
        other => panic!("{other:?}"),
    }
    let answered = answer(&["parents_id_card", "household_register"]).unwrap();
    let task = answered.case.task(&code("QR00201001")).unwrap();
    assert_eq!(task.state, TaskState::Accepted);
    assert!(task.supplement_materials.is_empty());
    assert_eq!(
        answered.events[0].note,
        "申请人已补正（重新提交：居民户口簿、父母双方居民身份证）"
    );
}

#[test]
fn a_value_for_a_field_the_answers_leave_out_is_refused_and_a_change_is_no_correction() {
    let world = world();
    let change = world.catalog.one_thing("enterprise-change").unwrap();
    let now = at("2026-03-02");
    let answers: catalog::Answers = [
        ("change_name", "yes"),
        ("change_legal_rep", "no"),
        ("change_address", "no"),
        ("change_scope", "no"),
        ("has_employees_insured", "no"),
        ("has_housing_fund", "no"),
    ]
    .into_iter()
    .map(|(q, a)| (q.to_owned(), a.to_owned()))
    .collect();
    let plan = compute_plan(
        &world.catalog,
        change,
        &answers,
        &Holdings::default(),
        cases::china_date(now),
        &world.calendar,
    )
    .unwrap();
    let mut form = testkit::sample_form(&world.catalog, &plan);
    assert!(form.contains_key("enterprise.new_name"));
    form.insert("enterprise.new_address".into(), "某市某区新路1号".into());
    let create = |form: &BTreeMap<String, String>| {
        Case::create(
            &world.catalog,
            &world.calendar,
            &plan,
            CaseId::parse("YJS20260302TEST0003").unwrap(),
            "a",
            form,
            now,
        )
    };
    let CaseError::Form(issues) = create(&form).unwrap_err() else {
        panic!("expected form errors")
    };
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].field, "enterprise.new_address");
    assert_eq!(issues[0].code, "FIELD_NOT_ASKED");
    assert!(issues[0].message.contains("是否变更住所"), "{}", issues[0].message);

    // The new name typed beside the registered one: the registered value is kept as
    // fetched, so nothing is a correction of shared data.
    form.remove("enterprise.new_address");
    form.insert("enterprise.name".into(), "旧名称有限公司".into());
    form.insert("enterprise.new_name".into(), "新名称有限公司".into());
    let fetched = BTreeMap::from([(
        "enterprise.name".to_owned(),
        Fetched {
            value: "旧名称有限公司".into(),
            source: "legal_entity".into(),
            department: "SJ".into(),
        },
    )]);
    let consent = Consent {
        prefill: "PF-1".into(),
        sources: vec!["legal_entity".into()],
        elements: vec!["enterprise.name".into()],
        at: now,
    };
    let outcome = create(&form).unwrap().with_prefill(&fetched, consent);
    assert!(outcome.case.corrections.is_empty(), "{:?}", outcome.case.corrections);
    assert_eq!(outcome.case.form["enterprise.new_name"].value, "新名称有限公司");
    assert!(matches!(
        outcome.case.form["enterprise.name"].provenance,
        Provenance::Shared { .. }
    ));
    let note = &outcome.events[0].note;
    assert!(note.ends_with("；1 项经授权由共享数据预填"), "{note}");
    assert!(!note.contains("更正"), "{note}");
}
