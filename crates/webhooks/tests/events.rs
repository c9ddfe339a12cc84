//! The outbox events of real case changes: a 新生儿出生 case submitted, its first task
//! accepted and refused by 卫健 (so the waiting tasks are cancelled and the case ends).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cases::{Action, Actor, Case, CaseId};
use catalog::Holdings;
use chrono::{DateTime, TimeZone, Utc};
use webhooks::EventType;
use webhooks::events::from_case;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 12, hour, 0, 0).unwrap()
}

fn staff(department: &str) -> Actor {
    Actor::Staff {
        account: "s".into(),
        department: department.into(),
    }
}

#[test]
fn a_case_publishes_its_dispatches_and_its_end_to_the_departments_it_reached() {
    let catalog = testkit::catalog();
    let calendar = testkit::calendar();
    let plan = catalog::compute_plan(
        &catalog,
        catalog.one_thing("newborn").unwrap(),
        &testkit::newborn_all_yes(),
        &Holdings::default(),
        cases::china_date(at(1)),
        &calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    let id = CaseId::parse("YJS20260212000001").unwrap();
    let created = Case::create(&catalog, &calendar, &plan, id, "applicant-1", &form, at(1)).unwrap();

    let events = from_case(&created.case, &created.events);
    assert_eq!(events.len(), 1, "only the first task is dispatched at once");
    let dispatched = &events[0];
    assert_eq!(dispatched.event_type, EventType::TaskDispatched);
    assert_eq!(dispatched.department.as_deref(), Some("WJ"));
    assert_eq!(dispatched.case_id.as_deref(), Some("YJS20260212000001"));
    assert_eq!(dispatched.data.item.as_deref(), Some("GG00101001"));
    assert_eq!(dispatched.data.task_state.as_deref(), Some("dispatched"));
    assert!(dispatched.data.deadline.is_some());
    // Nothing of the form reaches the payload.
    let payload = serde_json::to_string(&dispatched.payload()).unwrap();
    for value in form
        .values()
        .filter(|v| v.chars().count() > 2 && v.parse::<f64>().is_err())
    {
        assert!(!payload.contains(value.as_str()), "{value} in {payload}");
    }
    assert!(!payload.contains("applicant-1"));

    let item = "GG00101001".parse().unwrap();
    let accepted = created
        .case
        .act(&catalog, &calendar, &staff("WJ"), &item, Action::Accept, at(2))
        .unwrap();
    assert!(
        from_case(&accepted.case, &accepted.events).is_empty(),
        "an acceptance is nobody's event"
    );
    let rejected = accepted
        .case
        .act(
            &catalog,
            &calendar,
            &staff("WJ"),
            &item,
            Action::Reject {
                reason: "出生记录不符".into(),
            },
            at(3),
        )
        .unwrap();
    let events = from_case(&rejected.case, &rejected.events);
    // The case ended refused; only 卫健 had received a task, so only 卫健 hears it.
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event_type, EventType::CaseRejected);
    assert_eq!(events[0].department.as_deref(), Some("WJ"));
    assert_eq!(events[0].data.case_state.as_deref(), Some("rejected"));
    assert_eq!(events[0].data.promised_date, Some(rejected.case.promised_date));
}

#[test]
fn event_type_names_round_trip_and_match_serde() {
    for event_type in EventType::ALL {
        assert_eq!(EventType::parse(event_type.as_str()), Some(event_type));
        assert_eq!(serde_json::to_value(event_type).unwrap(), event_type.as_str());
    }
    assert_eq!(EventType::parse("task.eaten"), None);
}
