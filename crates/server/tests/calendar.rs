//! Working days never stop: in December, cases whose dates run into a year without
//! a holiday notice are accepted with provisional (预计) dates; importing the
//! notice recomputes them, tells those concerned, and reaches every node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;
use common::*;

fn first_answers(one_thing: &str) -> Value {
    let catalog = testkit::catalog();
    let one = catalog.one_thing(one_thing).unwrap();
    let answers: serde_json::Map<String, Value> = one
        .questions
        .iter()
        .map(|q| (q.id.clone(), json!(q.options[0].value)))
        .collect();
    Value::Object(answers)
}

async fn notices(node: &Node, recipient: &str, kind: &str) -> Vec<store::Notification> {
    node.store
        .notifications_for(&[recipient.to_owned()], 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.message.kind == kind)
        .collect()
}

async fn december_through_the_notice(node: &Node) {
    // A case in February 2026: dates in an official year, which nothing may move.
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(node).await;
    let february = submit(node, &applicant, &form).await;
    let february_id = february["id"].as_str().unwrap().to_owned();
    assert_eq!(february["promised_date_provisional"], false);

    // 3 December: 教育入学 for a family that rents (the longest path, 21 working days)
    // runs into 2027: planned, marked 预计.
    node.set_date("2026-12-03");
    let mut answers = first_answers("school-enrolment");
    answers["housing"] = json!("rent");
    let (status, plan) = node
        .call(
            "POST",
            "/catalog/one-things/school-enrolment/plan",
            None,
            Some(json!({ "answers": answers })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert!(plan["promised_date"].as_str().unwrap().starts_with("2027-"), "{plan}");
    assert_eq!(plan["promised_date_provisional"], true);
    assert!(plan["calendar_basis"].as_str().unwrap().contains("2027年暂定日历"));

    // 28 December: a newborn case is accepted, its promised date provisional.
    node.set_date("2026-12-28");
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(node).await;
    let december = submit(node, &applicant, &form).await;
    let december_id = december["id"].as_str().unwrap().to_owned();
    assert!(december["promised_date"].as_str().unwrap().starts_with("2027-"));
    assert_eq!(december["promised_date_provisional"], true);
    // Its first task is due in 2026: not provisional.
    assert_eq!(task(&december, "GG00101001")["deadline_provisional"], false);

    // 30 December: approving dispatches 户口登记 into 2027: Dec 31, Jan 4, Jan 5.
    node.set_date("2026-12-30");
    let (wj, ga) = (node.login("staff-wj").await, node.login("staff-ga").await);
    let approved = approve(
        node,
        &wj,
        &december_id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    assert_eq!(task_state(&approved, "GG00101001"), "approved");
    let (_, ga_view) = node
        .call("GET", &format!("/cases/{december_id}"), Some(&ga), None)
        .await;
    assert_eq!(task(&ga_view, "QR00201001")["deadline"], "2027-01-05");
    assert_eq!(task(&ga_view, "QR00201001")["deadline_provisional"], true);
    let history = node
        .store
        .case_events(&cases::CaseId::parse(&december_id).unwrap())
        .await
        .unwrap();
    let dispatch = history
        .iter()
        .find(|e| e.event.item.as_ref().is_some_and(|i| i.as_str() == "QR00201001"))
        .unwrap();
    assert!(
        dispatch.event.note.contains("预计2027-01-05"),
        "{}",
        dispatch.event.note
    );
    assert!(
        dispatch.event.note.contains("2027年暂定日历"),
        "{}",
        dispatch.event.note
    );

    // 4 February 2027, the notice still not loaded: a case across the provisional 春节.
    node.set_date("2027-02-04");
    let (applicant, wj, admin) = (
        node.login("zhangsan").await,
        node.login("staff-wj").await,
        node.login("admin").await,
    );
    let form = newborn_form(node).await;
    let january = submit(node, &applicant, &form).await;
    let january_id = january["id"].as_str().unwrap().to_owned();
    let old_deadline = task(&january, "GG00101001")["deadline"].as_str().unwrap().to_owned();
    let old_promised = january["promised_date"].as_str().unwrap().to_owned();
    assert_eq!(task(&january, "GG00101001")["deadline_provisional"], true);

    // Only a supervisor imports; a broken file is refused and changes nothing.
    let notice = json!({ "file_name": "2027.toml", "content": testkit::NOTICE_2027 });
    let (status, body) = node
        .call("POST", "/admin/calendar/import", Some(&wj), Some(notice.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let undated = testkit::NOTICE_2027.replace("published = \"2026-11-20\"\n", "");
    let (status, body) = node
        .call(
            "POST",
            "/admin/calendar/import",
            Some(&admin),
            Some(json!({ "file_name": "2027.toml", "content": undated })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_CALENDAR_FILE_INVALID");
    assert_eq!(body["error"]["details"][0]["code"], "CALENDAR_FILE_MISSING_PUBLISHED");
    assert!(body["error"]["message"].as_str().unwrap().contains("缺少发布日期"));
    let (_, status_now) = node.call("GET", "/calendar", None, None).await;
    assert_eq!(status_now["provisional_from"], "2027-01-01");

    let ledger_before = node.store.ledger_head().await.unwrap().0;
    let (status, report) = node
        .call("POST", "/admin/calendar/import", Some(&admin), Some(notice.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["year"], 2027);
    assert!(report["cases_changed"].as_u64().unwrap() >= 1, "{report}");
    let changed: Vec<&Value> = report["dates_changed"].as_array().unwrap().iter().collect();
    assert!(changed.iter().all(|c| c["case_id"] == january_id.as_str()), "{report}");
    assert!(
        changed
            .iter()
            .any(|c| c["item"] == "GG00101001" && c["old"] == old_deadline.as_str()),
        "{report}"
    );

    // The January case moved, and says so; the others did not move.
    let (_, mine) = node
        .call("GET", &format!("/cases/{january_id}"), Some(&applicant), None)
        .await;
    let new_deadline = task(&mine, "GG00101001")["deadline"].as_str().unwrap().to_owned();
    assert_ne!(new_deadline, old_deadline);
    assert_eq!(task(&mine, "GG00101001")["deadline_provisional"], false);
    assert_ne!(mine["promised_date"], old_promised.as_str());
    assert_eq!(mine["promised_date_provisional"], false);
    let (_, december_now) = node
        .call("GET", &format!("/cases/{december_id}"), Some(&applicant), None)
        .await;
    assert_eq!(task(&december_now, "QR00201001")["deadline"], "2027-01-05");
    assert_eq!(task(&december_now, "QR00201001")["deadline_provisional"], false);
    let (_, february_now) = node
        .call("GET", &format!("/cases/{february_id}"), Some(&applicant), None)
        .await;
    assert_eq!(february_now["promised_date"], february["promised_date"]);
    for t in february["tasks"].as_array().unwrap() {
        assert_eq!(
            task(&february_now, t["item"].as_str().unwrap())["deadline"],
            t["deadline"]
        );
    }

    // The history, the department, the applicant and the ledger all know.
    let history = node
        .store
        .case_events(&cases::CaseId::parse(&january_id).unwrap())
        .await
        .unwrap();
    let reschedule = history
        .iter()
        .find(|e| {
            e.event.transition == cases::Transition::Reschedule
                && e.event.item.as_ref().is_some_and(|i| i.as_str() == "GG00101001")
        })
        .unwrap();
    assert!(
        reschedule
            .event
            .note
            .contains(&format!("由预计 {old_deadline} 调整为 {new_deadline}"))
    );
    assert!(
        reschedule.event.note.contains("2027年官方安排"),
        "{}",
        reschedule.event.note
    );
    let to_wj = notices(node, "dept:WJ", "deadline_changed").await;
    assert!(
        to_wj
            .iter()
            .any(|n| n.message.body.contains(&old_deadline) && n.message.body.contains(&new_deadline))
    );
    let me = node.call("GET", "/me", Some(&applicant), None).await.1;
    let to_applicant = notices(node, me["id"].as_str().unwrap(), "deadline_changed").await;
    assert_eq!(to_applicant.len(), 1, "one message per case");
    assert!(to_applicant[0].message.body.contains(&new_deadline));
    let ledger_after = node.store.ledger_head().await.unwrap().0;
    assert!(ledger_after > ledger_before);
    let rows = node
        .store
        .ledger_rows(ledger_before, ledger_after - ledger_before)
        .await
        .unwrap();
    let texts: Vec<String> = rows
        .iter()
        .map(|r| String::from_utf8_lossy(&r.entry).into_owned())
        .collect();
    assert!(texts.iter().any(|t| t.contains("calendar_import")), "{texts:?}");

    // The calendar in force says 2027 is official now; a second import is refused.
    let (_, status_now) = node.call("GET", "/calendar", None, None).await;
    assert_eq!(status_now["provisional_from"], "2028-01-01");
    assert!(
        status_now["official"]
            .as_array()
            .unwrap()
            .iter()
            .any(|y| y["year"] == 2027 && y["published"] == "2026-11-20")
    );
    let (status, body) = node
        .call("POST", "/admin/calendar/import", Some(&admin), Some(notice))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "E_CALENDAR_YEAR_EXISTS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn december_through_the_notice_on_sqlite() {
    let node = spawn_node(sqlite_store().await, true).await;
    december_through_the_notice(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn december_through_the_notice_on_postgres() {
    let node = spawn_node(postgres_store(&new_schema()).await, true).await;
    december_through_the_notice(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_imported_on_one_node_reaches_the_others_without_a_restart() {
    let schema = new_schema();
    let node_a = spawn_node(postgres_store(&schema).await, true).await;
    let node_b = spawn_node(postgres_store(&schema).await, false).await;
    for node in [&node_a, &node_b] {
        node.set_date("2027-01-25");
    }
    let admin = node_a.login("admin").await;
    let (status, body) = node_a
        .call(
            "POST",
            "/admin/calendar/import",
            Some(&admin),
            Some(json!({ "file_name": "2027.toml", "content": testkit::NOTICE_2027 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, before) = node_b.call("GET", "/calendar", None, None).await;
    assert_eq!(before["provisional_from"], "2027-01-01");
    // The next watch tick of node B picks it up.
    server::holidays::tick(&node_b.state, node_b.state.now()).await.unwrap();
    let (_, after) = node_b.call("GET", "/calendar", None, None).await;
    assert_eq!(after["provisional_from"], "2028-01-01");
    // Node B now counts 2027 by the notice: the make-up Saturday 30 January is a working day.
    let calendar = node_b.state.calendar();
    assert!(
        calendar
            .is_working_day(chrono::NaiveDate::from_ymd_opt(2027, 1, 30).unwrap())
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_warns_sixty_days_before_the_last_official_day() {
    let node = spawn_node(sqlite_store().await, false).await;
    let health = |node: &Node| {
        let url = node.base.replace("/api/v1", "/healthz");
        let client = node.client.clone();
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    node.set_date("2026-10-31");
    let quiet = health(&node).await;
    assert_eq!(quiet["calendar"]["warning"], Value::Null, "{quiet}");
    assert_eq!(quiet["calendar"]["official_through"], "2026-12-31");
    node.set_date("2026-11-01");
    let warned = health(&node).await;
    let warning = warned["calendar"]["warning"].as_str().unwrap();
    assert!(warning.contains("2027年节假日安排尚未导入"), "{warning}");
    assert_eq!(warned["calendar"]["provisional_years"][0], 2027);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_provisional_dates_as_expected_and_the_admin_imports_from_a_page() {
    let node = spawn_node(sqlite_store().await, true).await;
    node.set_date("2026-12-28");
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(&node).await;
    let case = submit(&node, &applicant, &form).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let promised = case["promised_date"].as_str().unwrap().to_owned();
    let expected = format!("预计 {promised}（节假日安排公布后可能调整）");

    let (status, mine) = page_as(&node, &applicant, "/my/cases").await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains(&expected), "我的办件 shows the provisional date");
    let (_, detail) = page_as(&node, &applicant, &format!("/my/cases/{id}")).await;
    assert!(detail.contains(&expected), "the case page shows the provisional date");
    // The notice (一次告知) for the same answers says why.
    let (_, notice) = page_as(
        &node,
        &applicant,
        "/one-things/newborn/notice?hukou_local=yes&parents_married=yes&insure_child=yes&maternity_claim=yes",
    )
    .await;
    assert!(notice.contains("预计 2027-"), "{notice}");
    assert!(notice.contains("节假日安排尚未公布"), "{notice}");

    // A deadline in official 2026 is shown plainly on the department's queue.
    let wj = node.login("staff-wj").await;
    let (_, queue) = page_as(&node, &wj, "/workbench").await;
    let deadline = task(&case, "GG00101001")["deadline"].as_str().unwrap().to_owned();
    assert!(deadline.starts_with("2026-"));
    assert!(queue.contains(&deadline) && !queue.contains(&format!("预计 {deadline}")));

    // The admin sees the warning and imports the notice from the page.
    let admin = node.login("admin").await;
    let (status, calendar_page) = page_as(&node, &admin, "/admin/calendar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(calendar_page.contains("2027年节假日安排尚未导入"));
    let csrf = csrf_in(&calendar_page);
    let url = format!("{}/admin/calendar", node.base.replace("/api/v1", ""));
    let refused = node
        .client
        .post(&url)
        .header("cookie", format!("onething_session={admin}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("file_name", "2027.toml"),
            ("content", "year = 2027"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("导入未完成") && body.contains("year = 2027"),
        "the text is kept"
    );
    let imported = node
        .client
        .post(&url)
        .header("cookie", format!("onething_session={admin}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("file_name", "2027.toml"),
            ("content", testkit::NOTICE_2027),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::OK);
    let body = imported.text().await.unwrap();
    assert!(body.contains("已导入2027年节假日安排"), "{body}");
    // The same case page now shows the date as final.
    let (_, detail) = page_as(&node, &applicant, &format!("/my/cases/{id}")).await;
    assert!(!detail.contains("预计 2027-"), "no longer provisional");
    // An applicant cannot reach the import page.
    let (status, _) = page_as(&node, &applicant, "/admin/calendar").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
