//! What a person sees of themself over the API, as on the pages: who looked at
//! their data (proven in the ledger) and their messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_reads_who_looked_at_their_data_over_the_api_as_on_the_page() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, id, _) = newborn_case(&node).await;
    // 卫健 opens the case.
    let wj = node.login("staff-wj").await;
    let (status, _) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, log) = node.call("GET", "/me/data-access", Some(&applicant), None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let department = node.state.catalog.department_name("WJ").to_owned();
    let rows = log["rows"].as_array().unwrap();
    let read = rows
        .iter()
        .find(|r| r["case_id"] == id.as_str() && r["who"].as_str().unwrap().contains(&department))
        .unwrap_or_else(|| panic!("卫健's read is not in {log}"));
    assert_eq!(read["what"], "您的办件");
    assert_eq!(read["purpose"], "部门办理本部门事项");
    // Proven in a checkpoint signed for this very request.
    assert_eq!(read["verified"], true, "{read}");
    assert!(log["checkpoint_size"].as_u64().unwrap() > read["index"].as_u64().unwrap());

    // The page tells the same, grouped by day, reader and case, with a count.
    let (status, html) = page_as(&node, &applicant, "/my/data-access").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("{department}工作人员")), "{html}");
    assert!(html.contains(&format!("办件 {id} · 查看 1 次")), "{html}");
    // Filtered to 卫健, only its reads; filtered to a department that never read, none.
    let (_, wj_only) = page_as(&node, &applicant, "/my/data-access?department=WJ&days=7").await;
    assert!(
        wj_only.contains("已筛选") && wj_only.contains(&format!("{department}工作人员")),
        "{wj_only}"
    );
    let ga = node.state.catalog.department_name("GA").to_owned();
    assert!(!wj_only.contains(&format!("<strong>{ga}工作人员")), "{wj_only}");

    // Only a person has such a log; staff are refused.
    let (status, body) = node.call("GET", "/me/data-access", Some(&wj), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_looked_at_my_data_pages_through_every_read_by_others() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, id, _) = newborn_case(&node).await;
    // 卫健 opens the case 12 times; the applicant's own reads come in between and
    // are not shown (they are in the ledger about them too).
    let wj = node.login("staff-wj").await;
    for _ in 0..12 {
        let (status, _) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, everything) = node
        .call("GET", "/me/data-access?limit=200", Some(&applicant), None)
        .await;
    let all: Vec<u64> = everything["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["index"].as_u64().unwrap())
        .collect();
    assert!(all.len() >= 12, "{everything}");
    assert!(everything["next"].is_null());

    // Five at a time, newest first: the same rows, none twice, none left out.
    let mut paged = Vec::new();
    let mut path = "/me/data-access?limit=5".to_owned();
    loop {
        let (status, page) = node.call("GET", &path, Some(&applicant), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let rows = page["rows"].as_array().unwrap();
        assert!(rows.len() <= 5);
        paged.extend(rows.iter().map(|row| row["index"].as_u64().unwrap()));
        match page["next"].as_str() {
            Some(cursor) => path = format!("/me/data-access?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    assert!(all.windows(2).all(|pair| pair[0] > pair[1]), "newest first: {all:?}");

    // A cursor that is not one, or an unknown parameter, is refused by name.
    for bad in ["/me/data-access?cursor=nope", "/me/data-access?page=2"] {
        let (status, body) = node.call("GET", bad, Some(&applicant), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["code"], "E_QUERY_INVALID", "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_read_over_the_api_and_marked_read_only_when_asked() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, id, _) = newborn_case(&node).await;
    // 卫健 refuses the birth certificate: the applicant is told.
    let wj = node.login("staff-wj").await;
    let (status, _) = act(
        &node,
        &wj,
        &id,
        "GG00101001",
        "reject",
        serde_json::json!({ "reason": "出生记录不符" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, inbox) = node.call("GET", "/me/notifications", Some(&applicant), None).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let messages = inbox["notifications"].as_array().unwrap();
    assert!(
        messages.iter().any(|m| m["case_id"] == id.as_str()),
        "no message about the new case: {inbox}"
    );
    let unread = inbox["unread"].as_i64().unwrap();
    assert!(unread >= 1, "{inbox}");
    // Reading does not mark them read.
    let (_, again) = node.call("GET", "/me/notifications", Some(&applicant), None).await;
    assert_eq!(again["unread"].as_i64(), Some(unread));
    let (status, _) = node
        .call("POST", "/me/notifications/read", Some(&applicant), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, after) = node.call("GET", "/me/notifications", Some(&applicant), None).await;
    assert_eq!(after["unread"], 0, "{after}");
    assert!(after["notifications"][0]["read_at"].is_string(), "{after}");
    // The inbox page shows the case once, its latest message first, the rest behind it.
    let (_, page) = page_as(&node, &applicant, "/inbox").await;
    let about_case = after["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["case_id"] == id.as_str())
        .count();
    assert!(about_case >= 2, "{after}");
    assert_eq!(
        page.matches(&format!("查看办件 {id}")).count(),
        1,
        "one entry per case: {page}"
    );
    assert!(
        page.contains(&format!("本办件的其他 {} 条消息", about_case - 1)),
        "{page}"
    );
    // Another person sees none of them.
    let lisi = node.login("lisi").await;
    let (_, theirs) = node.call("GET", "/me/notifications", Some(&lisi), None).await;
    assert!(
        theirs["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["case_id"] != id.as_str()),
        "{theirs}"
    );
}

/// The parents see what the departments produced for them: the child's ID number
/// beside its name, on the case page, not just "产生：新生儿公民身份号码".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_sees_the_childs_id_number_once_it_is_assigned() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, id, _) = newborn_case(&node).await;
    let page = format!("/my/cases/{id}");
    let (_, before) = page_as(&node, &applicant, &page).await;
    assert!(!before.contains("办理结果"), "no results yet");
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        serde_json::json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    let ga = node.login("staff-ga").await;
    approve(
        &node,
        &ga,
        &id,
        "QR00201001",
        serde_json::json!({ "child.id_number": "110105202602100016" }),
    )
    .await;
    let (status, html) = page_as(&node, &applicant, &page).await;
    assert_eq!(status, StatusCode::OK);
    let results = &html[html.find("办理结果").expect("a results section")..];
    let results = &results[..results.find("</section>").unwrap()];
    assert!(results.contains("新生儿公民身份号码"), "{results}");
    assert!(
        results.contains("110105202602100016"),
        "in full, to the applicant: {results}"
    );
    assert!(
        results.contains("出生医学证明编号") && results.contains("Q440312345"),
        "{results}"
    );
    // Supervisors still see it masked by the one rule.
    let admin = node.login("admin").await;
    let (_, view) = node.call("GET", &format!("/cases/{id}"), Some(&admin), None).await;
    let outputs = view["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item"] == "QR00201001")
        .unwrap()["outputs"]
        .clone();
    assert_eq!(outputs["child.id_number"], "110105********0016");
}

/// 效能统计 over the API gives the figures of the page: a department its own row,
/// supervisors every department; applicants none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_over_the_api_is_scoped_like_the_page() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, _, _) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    let (status, mine) = node.call("GET", "/dashboard", Some(&wj), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let departments: Vec<&str> = mine["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(departments, ["WJ"]);
    // 卫健 leads 新生儿出生: that one-thing is in its view, with the case just filed.
    let newborn = mine["one_things"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "newborn")
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(newborn["figures"]["cases"], 1);
    let admin = node.login("admin").await;
    let (_, all) = node.call("GET", "/dashboard", Some(&admin), None).await;
    assert!(all["departments"].as_array().unwrap().len() > 1, "{all}");
    assert_eq!(all["figures"]["cases"], 1);
    let (status, _) = node.call("GET", "/dashboard", Some(&applicant), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_page_through_with_a_cursor_newest_first() {
    let node = spawn_node(sqlite_store().await, true).await;
    let zhangsan = node.store.account_by_username("zhangsan").await.unwrap().unwrap();
    let notices: Vec<domain::NewNotification> = (0..12)
        .map(|n| domain::NewNotification {
            recipient: zhangsan.id.clone(),
            kind: "test".into(),
            case_id: None,
            item: None,
            title: format!("第 {n} 条"),
            body: String::new(),
            created_at: chrono::Utc::now(),
        })
        .collect();
    node.store.notify(&notices).await.unwrap();
    let token = node.login("zhangsan").await;
    let mut titles = Vec::new();
    let mut path = "/me/notifications?limit=5".to_owned();
    loop {
        let (status, page) = node.call("GET", &path, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["unread"], 12);
        let messages = page["notifications"].as_array().unwrap();
        assert!(messages.len() <= 5);
        titles.extend(messages.iter().map(|m| m["title"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/me/notifications?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..12).rev().map(|n| format!("第 {n} 条")).collect();
    assert_eq!(titles, expected);
    let (status, body) = node
        .call("GET", "/me/notifications?cursor=zz", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "E_QUERY_INVALID");
}
