//! The deadline watch with a controlled clock: due soon and overdue on the right
//! working days over the Spring Festival, supplement time excluded, escalation to
//! the lead department and supervisors, two watchers on one PostgreSQL raising each
//! alert once, and a restart in the middle losing none. Messages from case changes
//! land in the inbox in the change's own transaction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cases::{Action, Actor, Case, CaseId, Outcome};
use catalog::{Holdings, compute_plan};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use server::AppState;
use server::app::tasks::commit as save_case;
use server::watch::watch_deadlines;
use store::{Store, Updated};

struct World {
    state: Arc<AppState>,
    clock: Arc<Mutex<DateTime<Utc>>>,
}

/// 10:00 in Beijing.
fn at(date: &str) -> DateTime<Utc> {
    let date: NaiveDate = date.parse().unwrap();
    Utc.from_utc_datetime(&date.and_hms_opt(2, 0, 0).unwrap())
}

fn world(store: Arc<dyn Store>, date: &str) -> World {
    let clock = Arc::new(Mutex::new(at(date)));
    let reader = clock.clone();
    let mut state = AppState::new(store, Arc::new(testkit::catalog()), Arc::new(testkit::calendar()));
    state.clock = Arc::new(move || *reader.lock().unwrap());
    World {
        state: Arc::new(state),
        clock,
    }
}

impl World {
    fn set(&self, date: &str) {
        *self.clock.lock().unwrap() = at(date);
    }

    async fn submit(&self, id: &str) -> Case {
        let state = &self.state;
        let plan = compute_plan(
            &state.catalog,
            state.catalog.one_thing("newborn").unwrap(),
            &testkit::newborn_all_yes(),
            &Holdings::default(),
            cases::china_date(state.now()),
            &state.calendar(),
        )
        .unwrap();
        let form = testkit::sample_form(&state.catalog, &plan);
        let outcome = Case::create(
            &state.catalog,
            &state.calendar(),
            &plan,
            CaseId::parse(id).unwrap(),
            "applicant-zhangsan",
            &form,
            state.now(),
        )
        .unwrap();
        let notices = server::watch::notices_for(&state.catalog, &outcome.case, &outcome.events, state.now());
        state
            .store
            .insert_case_with_uploads(&outcome.case, &outcome.events, None, &[], &notices)
            .await
            .unwrap();
        outcome.case
    }

    /// A department acts on a task, saved as the server saves it.
    async fn act(&self, id: &str, department: &str, item: &str, action: Action) -> Case {
        let state = &self.state;
        let versioned = state
            .store
            .load_case(&CaseId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let actor = Actor::Staff {
            account: format!("staff-{}", department.to_lowercase()),
            department: department.into(),
        };
        let outcome = versioned
            .case
            .act(
                &state.catalog,
                &state.calendar(),
                &actor,
                &item.parse().unwrap(),
                action,
                state.now(),
            )
            .unwrap();
        assert_eq!(
            save_case(state, &outcome, versioned.version).await.unwrap(),
            Updated::Written(versioned.version + 1)
        );
        outcome.case
    }

    async fn answer_supplement(&self, id: &str) -> Case {
        let state = &self.state;
        let versioned = state
            .store
            .load_case(&CaseId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let actor = Actor::Applicant {
            account: "applicant-zhangsan".into(),
        };
        let outcome: Outcome = versioned
            .case
            .answer_supplement(
                &state.catalog,
                &state.calendar(),
                &actor,
                &BTreeMap::new(),
                "已补正",
                state.now(),
            )
            .unwrap();
        save_case(state, &outcome, versioned.version).await.unwrap();
        outcome.case
    }

    /// The kinds of messages a recipient has about one task.
    async fn kinds(&self, recipient: &str, item: &str) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .state
            .store
            .notifications_for(&[recipient.to_owned()], 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.message.item.as_deref() == Some(item))
            .map(|n| n.message.kind)
            .collect();
        kinds.sort();
        kinds
    }

    async fn watch(&self) -> server::watch::WatchReport {
        watch_deadlines(&self.state, self.state.now(), 10_000).await.unwrap()
    }
}

async fn sqlite() -> Arc<dyn Store> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!("onething-watch-{}-{nanos}.db", std::process::id()));
    let store = store::SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    Arc::new(store)
}

async fn postgres(schema: &str) -> Arc<dyn Store> {
    let url = std::env::var("ONETHING_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let store = store::PostgresStore::connect_with_schema(&url, schema)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required for these tests: {e}"));
    store.migrate().await.unwrap();
    Arc::new(store)
}

const BIRTH_CERT: &str = "GG00101001";
const HUKOU: &str = "QR00201001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_soon_and_overdue_fall_on_the_right_working_days_over_the_spring_festival() {
    let world = world(sqlite().await, "2026-02-12");
    let id = "YJS20260212WATCH001";
    world.submit(id).await;
    assert_eq!(
        world.kinds("dept:WJ", BIRTH_CERT).await,
        ["task_dispatched"],
        "the new task is announced"
    );
    world.act(id, "WJ", BIRTH_CERT, Action::Accept).await;
    let outputs = BTreeMap::from([("child.birth_cert_no".to_owned(), "Q440312345".to_owned())]);
    let case = world.act(id, "WJ", BIRTH_CERT, Action::Approve { outputs }).await;
    // 户口登记: 3 working days from Thursday 2026-02-12: Feb 13, Feb 14 (make-up
    // Saturday), then Feb 24 after the holiday.
    assert_eq!(
        case.task(&HUKOU.parse().unwrap()).unwrap().deadline,
        Some("2026-02-24".parse().unwrap())
    );
    assert_eq!(world.kinds("applicant-zhangsan", BIRTH_CERT).await, ["task_done"]);

    world.set("2026-02-13");
    world.watch().await;
    assert_eq!(
        world.kinds("dept:GA", HUKOU).await,
        ["task_dispatched"],
        "2 of 3 days left: normal"
    );

    // The make-up Saturday is a working day: 1 of 3 days left, due soon.
    world.set("2026-02-14");
    world.watch().await;
    world.watch().await;
    assert_eq!(
        world.kinds("dept:GA", HUKOU).await,
        ["due_soon", "task_dispatched"],
        "raised once"
    );

    // All through the holiday and on the deadline itself it is not overdue.
    for day in ["2026-02-16", "2026-02-23", "2026-02-24"] {
        world.set(day);
        world.watch().await;
        assert!(
            !world.kinds("dept:GA", HUKOU).await.contains(&"overdue".to_owned()),
            "{day}"
        );
    }

    // The next working day it is, and goes to the lead department and supervisors too.
    world.set("2026-02-25");
    let report = world.watch().await;
    assert!(report.overdue >= 1);
    assert_eq!(
        world.kinds("dept:GA", HUKOU).await,
        ["due_soon", "overdue", "task_dispatched"]
    );
    assert_eq!(
        world.kinds("dept:WJ", HUKOU).await,
        ["overdue"],
        "the lead department (首问负责)"
    );
    assert_eq!(world.kinds("role:admin", HUKOU).await, ["overdue"]);
    world.watch().await;
    assert_eq!(world.kinds("role:admin", HUKOU).await, ["overdue"], "never twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_with_the_applicant_for_a_supplement_does_not_count() {
    let world = world(sqlite().await, "2026-03-02");
    let id = "YJS20260302WATCH002";
    world.submit(id).await;
    world.act(id, "WJ", BIRTH_CERT, Action::Accept).await;
    let outputs = BTreeMap::from([("child.birth_cert_no".to_owned(), "Q440312345".to_owned())]);
    world.act(id, "WJ", BIRTH_CERT, Action::Approve { outputs }).await;
    // 户口登记 dispatched Monday 2026-03-02, 3 working days: deadline Thursday 03-05.
    world.act(id, "GA", HUKOU, Action::Accept).await;
    world.set("2026-03-03");
    world
        .act(
            id,
            "GA",
            HUKOU,
            Action::RequestSupplement {
                reasons: vec!["请补充落户地址门牌号".into()],
                materials: Vec::new(),
            },
        )
        .await;
    assert_eq!(world.kinds("applicant-zhangsan", HUKOU).await, ["supplement_requested"]);

    // The supplement stays with the applicant past the original deadline: no alert.
    for day in ["2026-03-05", "2026-03-06", "2026-03-09"] {
        world.set(day);
        world.watch().await;
        assert_eq!(world.kinds("dept:GA", HUKOU).await, ["task_dispatched"], "{day}");
    }

    // Answered on Tuesday 03-10 after 5 working days: the deadline moves to 03-12,
    // and the 2 days then left of 3 are not yet the last 40%.
    world.set("2026-03-10");
    let case = world.answer_supplement(id).await;
    assert_eq!(
        case.task(&HUKOU.parse().unwrap()).unwrap().deadline,
        Some("2026-03-12".parse().unwrap())
    );
    assert!(
        world
            .kinds("dept:GA", HUKOU)
            .await
            .contains(&"supplement_answered".to_owned())
    );
    world.watch().await;
    assert!(!world.kinds("dept:GA", HUKOU).await.contains(&"due_soon".to_owned()));
    world.set("2026-03-11");
    world.watch().await;
    assert!(world.kinds("dept:GA", HUKOU).await.contains(&"due_soon".to_owned()));
    world.set("2026-03-13");
    world.watch().await;
    assert!(world.kinds("dept:GA", HUKOU).await.contains(&"overdue".to_owned()));
}

/// Ten cases whose first task is overdue on 2026-03-10.
async fn overdue_cases(world: &World) -> usize {
    for n in 0..10 {
        world.submit(&format!("YJS20260302MANY{n:04}")).await;
    }
    10
}

async fn alert_count(store: &Arc<dyn Store>) -> usize {
    store
        .notifications_for(&["role:admin".to_owned()], 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|n| n.message.kind == "overdue")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_watchers_on_one_postgres_raise_each_alert_once() {
    let schema = format!(
        "watch_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let first = world(postgres(&schema).await, "2026-03-02");
    let second = world(postgres(&schema).await, "2026-03-10");
    let cases = overdue_cases(&first).await;
    first.set("2026-03-10");
    let mut runs = Vec::new();
    for round in 0..6 {
        let state = if round % 2 == 0 {
            first.state.clone()
        } else {
            second.state.clone()
        };
        runs.push(tokio::spawn(async move {
            watch_deadlines(&state, state.now(), 10_000).await.unwrap()
        }));
    }
    let mut raised = 0;
    for run in runs {
        raised += run.await.unwrap().overdue;
    }
    assert_eq!(raised, cases, "each overdue task raised by exactly one watcher");
    assert_eq!(alert_count(&first.state.store).await, cases);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_loses_no_alert() {
    let store = sqlite().await;
    let before = world(store.clone(), "2026-03-02");
    let cases = overdue_cases(&before).await;
    before.set("2026-03-10");
    // The first run stops after a few tasks (as if the node died there).
    let partial = watch_deadlines(&before.state, before.state.now(), 3).await.unwrap();
    assert_eq!(partial.overdue, 3);
    // A fresh node on the same database finishes the job, without repeating any.
    let after = world(store.clone(), "2026-03-10");
    let rest = after.watch().await;
    assert_eq!(rest.overdue, cases - 3);
    assert_eq!(alert_count(&store).await, cases);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rating_opens_a_rectification_that_goes_overdue_and_reaches_the_applicant_when_closed() {
    let world = world(sqlite().await, "2026-09-18");
    let id = "YJS20260918WATCH003";
    world.submit(id).await;
    let case = world
        .state
        .store
        .load_case(&CaseId::parse(id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case;
    // Rated on Friday 2026-09-18: 非常不满意 for 公安, 满意 for 卫健, 不满意 overall.
    let rating = store::Rating {
        case_id: id.into(),
        account: "applicant-zhangsan".into(),
        level: 2,
        comment: "户口登记跑了两趟".into(),
        on_behalf: false,
        rated_at: world.state.now(),
    };
    let departments = vec![
        store::DepartmentRating {
            case_id: id.into(),
            department: "GA".into(),
            level: 1,
            comment: rating.comment.clone(),
            rated_at: rating.rated_at,
        },
        store::DepartmentRating {
            case_id: id.into(),
            department: "WJ".into(),
            level: 4,
            comment: rating.comment.clone(),
            rated_at: rating.rated_at,
        },
    ];
    let submission =
        server::watch::rating_submission(&world.state, &case, rating, vec![("efficiency".into(), 2)], departments)
            .unwrap();
    assert!(world.state.store.put_rating_submission(&submission).await.unwrap());
    let opened = world.state.store.rectifications_of_case(id).await.unwrap();
    assert_eq!(opened.len(), 1, "only the department rated badly answers for it");
    assert_eq!(opened[0].department, "GA");
    // 10 working days from Friday 2026-09-18: Sunday Sep 20 is a make-up working day
    // (1), Sep 21-24 (5), 中秋 Sep 25-27 off, Sep 28-30 (8), 国庆 Oct 1-7 off, Oct 8, 9 (10).
    assert_eq!(opened[0].deadline, "2026-10-09".parse::<NaiveDate>().unwrap());
    let assigned = world
        .state
        .store
        .notifications_for(&["dept:GA".to_owned()], 100)
        .await
        .unwrap();
    assert!(assigned.iter().any(|n| n.message.kind == "rectification_assigned"));

    // Untouched past its deadline it is overdue, to the department and supervisors, once.
    world.set("2026-10-09");
    assert_eq!(world.watch().await.rectifications_overdue, 0);
    world.set("2026-10-10");
    assert_eq!(world.watch().await.rectifications_overdue, 1);
    assert_eq!(world.watch().await.rectifications_overdue, 0);
    let supervisors = world
        .state
        .store
        .notifications_for(&["role:admin".to_owned()], 100)
        .await
        .unwrap();
    assert!(supervisors.iter().any(|n| n.message.kind == "rectification_overdue"));

    // Closed with a result, which the applicant then sees.
    let staff = store::Account {
        id: "staff-ga".into(),
        username: "staff-ga".into(),
        display_name: "公安窗口".into(),
        role: store::Role::Staff,
        department: Some("GA".into()),
        id_number: None,
        password_hash: String::new(),
    };
    let update = server::app::rectifications::Update {
        follow_up: "已电话回访申请人".into(),
        result: "已优化户口登记材料审核流程".into(),
        close: true,
    };
    server::app::rectifications::update(&world.state, &staff, &opened[0].id, update)
        .await
        .unwrap();
    let closed = world.state.store.rectifications_of_case(id).await.unwrap();
    assert_eq!(closed[0].result.as_deref(), Some("已优化户口登记材料审核流程"));
    // A case rated badly only as a whole answers to its lead department.
    let other = "YJS20260918WATCH004";
    world.submit(other).await;
    let case = world
        .state
        .store
        .load_case(&CaseId::parse(other).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case;
    let rating = store::Rating {
        case_id: other.into(),
        account: "applicant-zhangsan".into(),
        level: 1,
        comment: String::new(),
        on_behalf: false,
        rated_at: world.state.now(),
    };
    let submission = server::watch::rating_submission(&world.state, &case, rating, vec![], vec![]).unwrap();
    assert_eq!(submission.rectifications.len(), 1);
    assert_eq!(
        submission.rectifications[0].department, "WJ",
        "newborn's lead department"
    );
}

/// The applicant is told once per change what was done, what it produced and what
/// is left, and once that the whole case is done with its results: no separate
/// "已办结" for the approval that finished it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_hears_progress_once_per_change_and_completion_once() {
    let world = world(sqlite().await, "2026-03-02");
    let id = "YJS20260302WATCH009";
    let mut case = world.submit(id).await;
    let mut approvals = 0;
    while !matches!(case.state(), cases::CaseState::Completed | cases::CaseState::Rejected) {
        let ready: Vec<(String, String)> = case
            .tasks
            .iter()
            .filter(|t| t.state == cases::TaskState::Dispatched)
            .map(|t| (t.department.clone(), t.item.to_string()))
            .collect();
        assert!(!ready.is_empty(), "the case is stuck: {case:?}");
        for (department, item) in ready {
            world.act(id, &department, &item, Action::Accept).await;
            let code: ids::ItemCode = item.parse().unwrap();
            let outputs: BTreeMap<String, String> = world.state.catalog.items[&code]
                .outputs
                .elements
                .iter()
                .map(|e| {
                    let value = if e == "child.id_number" {
                        "110105202602100016".to_owned()
                    } else {
                        testkit::sample_value(&world.state.catalog.elements[e].element_type)
                    };
                    (e.clone(), value)
                })
                .collect();
            case = world.act(id, &department, &item, Action::Approve { outputs }).await;
            approvals += 1;
        }
    }
    let messages: Vec<store::Notification> = world
        .state
        .store
        .notifications_for(&["applicant-zhangsan".to_owned()], 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.message.case_id.as_deref() == Some(id))
        .collect();
    let kinds: Vec<&str> = messages.iter().map(|n| n.message.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "case_complete").count(), 1, "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "task_done").count(),
        approvals - 1,
        "one per approval but the last: {kinds:?}"
    );
    let progress = messages.iter().find(|n| n.message.kind == "task_done").unwrap();
    assert!(
        progress.message.body.contains("项正在办理"),
        "{}",
        progress.message.body
    );
    let done = messages.iter().find(|n| n.message.kind == "case_complete").unwrap();
    assert!(
        done.message.body.contains("办理结果：") && done.message.body.contains("新生儿公民身份号码 110105202602100016"),
        "{}",
        done.message.body
    );
    assert!(done.message.body.contains("评价"), "what to do next");
}
