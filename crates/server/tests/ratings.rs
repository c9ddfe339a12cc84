//! 好差评 through both front doors. One use case decides, so the API and the pages
//! refuse the same rating the same way, and a case is rated once whoever rates it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;
use common::*;

fn fields_of(body: &Value) -> Vec<&str> {
    body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect()
}

async fn rate_over_api_and_pages(node: &Node) {
    let rating_path = |id: &str| format!("/cases/{id}/rating");
    // Not finished: refused on both paths for that reason, nothing stored.
    let (applicant, _, open, _) = newborn_case(node).await;
    let (status, body) = node
        .call(
            "POST",
            &rating_path(&open),
            Some(&applicant),
            Some(json!({ "level": 5 })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "E_CASE_NOT_FINISHED");
    let (status, _) = post_form(
        node,
        &applicant,
        &format!("/my/cases/{open}"),
        &format!("/my/cases/{open}/rating"),
        &[("level", "5")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (applicant, id) = finished_case(node).await;
    // Every fault at once over the API; the page says the same about the level.
    let (status, body) = node
        .call(
            "POST",
            &rating_path(&id),
            Some(&applicant),
            Some(json!({ "level": 7, "indicators": { "bogus": 3 }, "departments": { "XX": 2, "WJ": 9 } })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_FORM_FIELD_INVALID");
    assert_eq!(
        fields_of(&body),
        [
            "level",
            "comment",
            "indicators.bogus",
            "departments.WJ",
            "departments.XX"
        ]
    );
    let level_message = body["error"]["details"][0]["message"].as_str().unwrap().to_owned();
    let (status, html) = post_form_page(node, &applicant, &id, &[("level", "7")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&level_message), "the page says “{level_message}”");
    // 非常不满意 needs its reason, on both paths; the page keeps what was chosen.
    let (status, body) = node
        .call("POST", &rating_path(&id), Some(&applicant), Some(json!({ "level": 1 })))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), ["comment"]);
    let reason_message = body["error"]["details"][0]["message"].as_str().unwrap().to_owned();
    let (status, html) = post_form_page(node, &applicant, &id, &[("level", "1"), ("comment", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&reason_message), "the page asks for the reason");
    assert!(html.contains(r#"value="1" checked"#), "the chosen level is kept");
    // Another applicant cannot even learn the case exists.
    let lisi = node.login("lisi").await;
    let (status, body) = node
        .call("POST", &rating_path(&id), Some(&lisi), Some(json!({ "level": 1 })))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        node.store.rating_of_case(&id).await.unwrap().is_none(),
        "a refused rating was stored"
    );

    // A bad rating for 卫健 opens its rectification, in the same write.
    let (status, body) = node
        .call(
            "POST",
            &rating_path(&id),
            Some(&applicant),
            Some(json!({ "level": 2, "comment": "没有说清退回原因", "indicators": { "efficiency": 2 }, "departments": { "WJ": 1 } })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["level_label"], "不满意");
    let stored = node.store.rating_of_case(&id).await.unwrap().unwrap();
    assert_eq!((stored.level, stored.on_behalf), (2, false));
    let opened: Vec<String> = node
        .store
        .rectifications_of_case(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.department)
        .collect();
    assert_eq!(opened, ["WJ"]);

    // One rating per case, on either path.
    let (status, body) = node
        .call("POST", &rating_path(&id), Some(&applicant), Some(json!({ "level": 5 })))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "E_ALREADY_RATED");
    let (status, html) = post_form_page(node, &applicant, &id, &[("level", "5")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("一次一评"), "{html}");
    assert_eq!(node.store.rating_of_case(&id).await.unwrap().unwrap().level, 2);

    // The one window records a rating given in person, for the whole case only.
    let (_, other) = finished_case(node).await;
    let window = node.login("staff-zw").await;
    let (status, body) = node
        .call(
            "POST",
            &rating_path(&other),
            Some(&window),
            Some(json!({ "level": 4, "departments": { "WJ": 4 } })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), ["departments"]);
    let (status, body) = node
        .call("POST", &rating_path(&other), Some(&window), Some(json!({ "level": 4 })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let stored = node.store.rating_of_case(&other).await.unwrap().unwrap();
    assert_eq!((stored.level, stored.on_behalf), (4, true));
    // Other staff rate nothing.
    let wj = node.login("staff-wj").await;
    let (status, _) = node
        .call("POST", &rating_path(&other), Some(&wj), Some(json!({ "level": 1 })))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The applicant's rating form on the case page; returns the status and the page.
async fn post_form_page(node: &Node, session: &str, id: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let (_, html) = page_as(node, session, &format!("/my/cases/{id}")).await;
    let token = csrf_in(&html);
    let mut fields = fields.to_vec();
    fields.push(("csrf", &token));
    let response = node
        .client
        .post(format!("{}/my/cases/{id}/rating", node.base.replace("/api/v1", "")))
        .header("cookie", format!("onething_session={session}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_are_judged_alike_on_the_api_and_the_pages() {
    rate_over_api_and_pages(&spawn_node(sqlite_store().await, true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_are_judged_alike_on_postgres() {
    rate_over_api_and_pages(&spawn_node(postgres_store(&new_schema()).await, true).await).await;
}

/// 差评整改 over the API as a department's system would do it: find the open
/// rectification, record the follow-up, close it with the result; the applicant is
/// told in the same write, and nothing can change it afterwards.
async fn rectify_over_the_api(node: &Node) {
    let (applicant, id) = finished_case(node).await;
    let (status, body) = node
        .call(
            "POST",
            &format!("/cases/{id}/rating"),
            Some(&applicant),
            Some(json!({ "level": 1, "comment": "退回原因没说清", "departments": { "WJ": 1 } })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let wj = node.login("staff-wj").await;
    let (status, list) = node.call("GET", "/rectifications", Some(&wj), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let rows = list["rectifications"].as_array().unwrap();
    let mine: Vec<&Value> = rows.iter().filter(|r| r["case_id"] == id.as_str()).collect();
    assert_eq!(mine.len(), 1, "{list}");
    assert_eq!(
        (mine[0]["department"].as_str(), mine[0]["status"].as_str()),
        (Some("WJ"), Some("open"))
    );
    let rectification = mine[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/rectifications/{rectification}");

    // While it is open, its department has the form; supervisors only read it.
    let form = format!("action=\"/workbench/rectifications/{rectification}\"");
    let (_, html) = page_as(node, &wj, &format!("/workbench/rectifications/{rectification}")).await;
    assert!(html.replace("&#x2f;", "/").contains(&form), "the department's form");
    let admin = node.login("admin").await;
    let (status, html) = page_as(node, &admin, &format!("/admin/rectifications/{rectification}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.replace("&#x2f;", "/").contains(&form),
        "supervisors read, they do not edit"
    );

    // Other departments and applicants do not see it.
    let ga = node.login("staff-ga").await;
    let (status, _) = node.call("GET", &path, Some(&ga), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node.call("GET", "/rectifications", Some(&applicant), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Closing needs the follow-up and the result: every fault at once.
    let (status, body) = node
        .call(
            "POST",
            &path,
            Some(&wj),
            Some(json!({ "follow_up": " ", "close": true })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields_of(&body), ["follow_up", "result"]);

    let (size, _) = node.store.ledger_head().await.unwrap();
    let (status, body) = node
        .call(
            "POST",
            &path,
            Some(&wj),
            Some(json!({ "follow_up": "已电话回访申请人", "result": "已向申请人说明退回原因并改进告知单", "close": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "closed");
    assert_eq!(body["result"], "已向申请人说明退回原因并改进告知单");
    // Its access entry is in the ledger, naming the case.
    let (after, _) = node.store.ledger_head().await.unwrap();
    let rows = node.store.ledger_rows(size, after - size).await.unwrap();
    assert!(
        rows.iter().any(|row| {
            let entry = ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
            entry.detail == "rectification_closed" && entry.case_id.as_deref() == Some(id.as_str())
        }),
        "no ledger entry for closing"
    );
    // The applicant is told the result.
    let recipients = [node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case
        .applicant];
    let told = node.store.notifications_for(&recipients, 50).await.unwrap();
    assert!(
        told.iter()
            .any(|n| n.message.kind == "rectification_closed" && n.message.body.contains("改进告知单")),
        "{told:?}"
    );
    // Closed is closed.
    let (status, body) = node
        .call("POST", &path, Some(&wj), Some(json!({ "follow_up": "改口" })))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "E_RECTIFICATION_CLOSED");

    // The list filters and counts: the closed one under 已办结, none left open; the
    // counts cover the whole list, not the page.
    let (status, list) = node
        .call("GET", "/rectifications?status=closed&limit=1", Some(&wj), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["rectifications"][0]["id"], rectification.as_str(), "{list}");
    assert_eq!(
        (list["counts"]["open"].as_i64(), list["counts"]["closed"].as_i64()),
        (Some(0), Some(1))
    );
    let (_, list) = node.call("GET", "/rectifications?status=open", Some(&wj), None).await;
    assert_eq!(list["rectifications"].as_array().map(Vec::len), Some(0), "{list}");
    let (_, list) = node
        .call(
            "GET",
            &format!("/rectifications?department=WJ&case_id={id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(list["rectifications"].as_array().map(Vec::len), Some(1), "{list}");
    // Bad filters are refused by name; another department cannot be named by staff.
    for (query, code) in [
        ("status=pending", "E_QUERY_INVALID"),
        ("cursor=bm90aGluZw", "E_QUERY_INVALID"),
        ("limit=many", "E_QUERY_INVALID"),
        ("case_id=12", "E_CASE_ID_INVALID"),
    ] {
        let (status, body) = node
            .call("GET", &format!("/rectifications?{query}"), Some(&wj), None)
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{query}"
        );
    }
    let (status, _) = node.call("GET", "/rectifications?department=WJ", Some(&ga), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = node
        .call("GET", "/rectifications?department=XX", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Supervisors drill in from their list to the rectification and its case.
    let (status, list) = page_as(node, &admin, "/admin/rectifications").await;
    assert_eq!(status, StatusCode::OK);
    let link = format!("/admin/rectifications/{rectification}");
    assert!(list.replace("&#x2f;", "/").contains(&link), "no link to {link}");
    let (status, html) = page_as(node, &admin, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("已电话回访申请人") && html.contains("改进告知单"),
        "{html}"
    );
    let (status, _) = page_as(node, &wj, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the department has its own page");
    let (size, _) = node.store.ledger_head().await.unwrap();
    let (status, html) = page_as(node, &admin, &format!("/admin/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("不予办理") || html.contains("出生记录与医院登记不符"),
        "{html}"
    );
    // The mother's ID number is on the form, masked for supervisors.
    let case = node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case;
    let mother = &case.form["mother.id_number"].value;
    assert!(!html.contains(mother.as_str()), "shown in full to a supervisor");
    assert!(
        html.contains(&format!("{}********{}", &mother[..6], &mother[14..])),
        "{html}"
    );
    // And the read is an entry the applicant can see.
    let (after, _) = node.store.ledger_head().await.unwrap();
    let rows = node.store.ledger_rows(size, after - size).await.unwrap();
    assert!(rows.iter().any(|row| {
        let entry = ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
        entry.detail == "read_case"
            && entry.actor == "admin"
            && entry.subject.as_deref() == Some(case.applicant.as_str())
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_system_closes_a_rectification_over_the_api() {
    rectify_over_the_api(&spawn_node(sqlite_store().await, true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_system_closes_a_rectification_over_the_api_on_postgres() {
    rectify_over_the_api(&spawn_node(postgres_store(&new_schema()).await, true).await).await;
}
