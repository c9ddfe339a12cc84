//! The names a case's parts go by: case numbers, the codes the API and the store
//! use for states and transitions, and the Chinese labels people read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cases::{Actor, CaseError, CaseId, CaseState, TaskState, Transition};

#[test]
fn case_numbers_are_eight_to_forty_capitals_digits_and_hyphens() {
    for good in ["YJS20260212ABCD0001", "ABCDEFGH", "YJS-2026-0212-0001", &"A".repeat(40)] {
        let id = CaseId::parse(good).unwrap();
        assert_eq!(id.as_str(), good);
        assert_eq!(id.to_string(), good);
        assert_eq!(serde_json::to_value(&id).unwrap(), good);
    }
    for bad in [
        "ABCDEFG",
        &"A".repeat(41),
        "yjs20260212abcd0001",
        "YJS2026_0212",
        "YJS20260212ABCD000１",
        "",
    ] {
        assert!(
            matches!(CaseId::parse(bad), Err(CaseError::InvalidCaseId(_))),
            "{bad:?} was accepted"
        );
    }
    assert!(serde_json::from_value::<CaseId>(serde_json::json!("bad id")).is_err());
}

#[test]
fn every_actor_names_its_account() {
    let staff = Actor::Staff {
        account: "staff-wj".into(),
        department: "WJ".into(),
    };
    assert_eq!(staff.account(), "staff-wj");
    assert_eq!(
        Actor::Applicant {
            account: "applicant-1".into()
        }
        .account(),
        "applicant-1"
    );
    assert_eq!(
        Actor::Admin {
            account: "admin".into()
        }
        .account(),
        "admin"
    );
    assert_eq!(Actor::System.account(), "system");
}

#[test]
fn task_states_have_stable_codes_and_chinese_labels() {
    let all = [
        (TaskState::Waiting, "waiting", "等待前置事项"),
        (TaskState::Dispatched, "dispatched", "已分送待受理"),
        (TaskState::Accepted, "accepted", "办理中"),
        (TaskState::SupplementRequested, "supplement_requested", "待补正"),
        (TaskState::Approved, "approved", "已办结"),
        (TaskState::Rejected, "rejected", "不予办理"),
        (TaskState::Cancelled, "cancelled", "已终止"),
    ];
    for (state, code, label) in all {
        assert_eq!(state.as_str(), code);
        assert_eq!(serde_json::to_value(state).unwrap(), code);
        assert_eq!(state.label_zh(), label);
    }
}

#[test]
fn case_states_have_stable_codes_and_chinese_labels() {
    let all = [
        (CaseState::InProgress, "in_progress", "办理中"),
        (CaseState::AwaitingSupplement, "awaiting_supplement", "待补正"),
        (CaseState::Completed, "completed", "已办结"),
        (CaseState::Rejected, "rejected", "办结（部分不予办理）"),
    ];
    for (state, code, label) in all {
        assert_eq!(state.as_str(), code);
        assert_eq!(serde_json::to_value(state).unwrap(), code);
        assert_eq!(state.label_zh(), label);
    }
}

#[test]
fn transitions_have_stable_codes_and_chinese_labels() {
    let all = [
        (Transition::Submit, "submit", "提交申请"),
        (Transition::Dispatch, "dispatch", "分送部门"),
        (Transition::Accept, "accept", "受理"),
        (Transition::RequestSupplement, "request_supplement", "要求补正"),
        (Transition::AnswerSupplement, "answer_supplement", "提交补正"),
        (Transition::Approve, "approve", "办结"),
        (Transition::Reject, "reject", "不予办理"),
        (Transition::Cancel, "cancel", "终止"),
        (Transition::Reschedule, "reschedule", "期限调整"),
    ];
    for (transition, code, label) in all {
        assert_eq!(transition.as_str(), code);
        assert_eq!(serde_json::to_value(transition).unwrap(), code);
        assert_eq!(transition.label_zh(), label);
    }
}
