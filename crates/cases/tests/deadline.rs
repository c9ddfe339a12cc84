//! Where a task stands against its time limit, as the workbench and the deadline
//! watch show it: 正常, 临近期限 in the last 40% of the working days given, 已逾期
//! after the deadline day, and 计时暂停 while it is not running.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cases::deadline::{DEFAULT_DUE_SOON_PERCENT, DeadlineStatus, status_of, task_status};
use cases::{Case, CaseId, TaskState};
use chrono::{NaiveDate, TimeZone, Utc};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn a_task_is_due_soon_in_the_last_forty_percent_of_its_working_days() {
    let calendar = testkit::calendar();
    // Five working days given, due Monday 2026-03-09 (3/3, 3/4, 3/5, 3/6, 3/9).
    let status =
        |today: &str| status_of(&calendar, 5, day("2026-03-09"), day(today), DEFAULT_DUE_SOON_PERCENT).unwrap();
    assert_eq!(status("2026-03-02"), DeadlineStatus::Normal);
    // Three working days left of five: 60%, still normal.
    assert_eq!(status("2026-03-04"), DeadlineStatus::Normal);
    // Two left: exactly 40%, due soon.
    assert_eq!(status("2026-03-05"), DeadlineStatus::DueSoon);
    // Friday: the weekend does not count, one day left.
    assert_eq!(status("2026-03-06"), DeadlineStatus::DueSoon);
    assert_eq!(status("2026-03-08"), DeadlineStatus::DueSoon);
    // The deadline day itself is not late; the day after is.
    assert_eq!(status("2026-03-09"), DeadlineStatus::DueSoon);
    assert_eq!(status("2026-03-10"), DeadlineStatus::Overdue);
    // Across 劳动节 (5/1–5/5 off, 5/9 a make-up working day): due Tuesday 5/12 with
    // ten days given; on 4/30 the days left are 5/6, 5/7, 5/8, 5/9, 5/11, 5/12.
    let across =
        |today: &str| status_of(&calendar, 10, day("2026-05-12"), day(today), DEFAULT_DUE_SOON_PERCENT).unwrap();
    assert_eq!(across("2026-04-30"), DeadlineStatus::Normal);
    assert_eq!(across("2026-05-08"), DeadlineStatus::DueSoon);
    // Another share is honoured: with 70%, six days left of ten is due soon.
    assert_eq!(
        status_of(&calendar, 10, day("2026-05-12"), day("2026-05-05"), 70).unwrap(),
        DeadlineStatus::DueSoon
    );
}

#[test]
fn only_a_task_being_worked_on_has_its_clock_running() {
    let (catalog, calendar) = (testkit::catalog(), testkit::calendar());
    let newborn = catalog.one_thing("newborn").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    let plan = catalog::compute_plan(
        &catalog,
        newborn,
        &testkit::newborn_all_yes(),
        &catalog::Holdings::default(),
        cases::china_date(now),
        &calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    let case = Case::create(
        &catalog,
        &calendar,
        &plan,
        CaseId::parse("YJS20260302DEAD0001").unwrap(),
        "applicant-1",
        &form,
        now,
    )
    .unwrap()
    .case;
    // 出生医学证明: dispatched on Monday 3/2 with one working day, due Tuesday 3/3.
    let mut first = case
        .tasks
        .iter()
        .find(|t| t.state == TaskState::Dispatched)
        .unwrap()
        .clone();
    assert_eq!(first.deadline, Some(day("2026-03-03")));
    let status =
        |task: &cases::Task, today: &str| task_status(&calendar, task, day(today), DEFAULT_DUE_SOON_PERCENT).unwrap();
    assert_eq!(status(&first, "2026-03-02"), DeadlineStatus::Normal);
    assert_eq!(status(&first, "2026-03-03"), DeadlineStatus::DueSoon);
    assert_eq!(status(&first, "2026-03-04"), DeadlineStatus::Overdue);
    first.state = TaskState::Accepted;
    assert_eq!(status(&first, "2026-03-04"), DeadlineStatus::Overdue);
    // Paused while the applicant has a supplement, and over once done.
    first.state = TaskState::SupplementRequested;
    assert_eq!(status(&first, "2026-03-04"), DeadlineStatus::NotRunning);
    first.state = TaskState::Approved;
    assert_eq!(status(&first, "2026-03-04"), DeadlineStatus::NotRunning);
    // A task waiting for an earlier department has no clock yet.
    let waiting = case.tasks.iter().find(|t| t.state == TaskState::Waiting).unwrap();
    assert_eq!(status(waiting, "2026-03-30"), DeadlineStatus::NotRunning);
}

#[test]
fn each_status_has_its_code_and_its_chinese_label() {
    let all = [
        (DeadlineStatus::Normal, "normal", "正常"),
        (DeadlineStatus::DueSoon, "due_soon", "临近期限"),
        (DeadlineStatus::Overdue, "overdue", "已逾期"),
        (DeadlineStatus::NotRunning, "not_running", "计时暂停"),
    ];
    for (status, code, label) in all {
        assert_eq!(status.as_str(), code);
        assert_eq!(status.label_zh(), label);
        // The API's JSON uses the same code.
        assert_eq!(serde_json::to_value(status).unwrap(), code);
    }
}
