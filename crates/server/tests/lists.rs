//! Lists a page at a time, as an applicant, a department and an integrator page
//! through them: every case once, newest first (tasks soonest deadline first), the
//! counts of the whole list, exact filters, and a clear refusal of a bad cursor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::*;
use reqwest::StatusCode;

/// More than a page of the pages (50).
const CASES: usize = 55;

/// Stores `CASES` newborn cases of zhangsan, one a minute apart, as submitted.
async fn seed(node: &Node) -> Vec<String> {
    let (catalog, calendar) = (testkit::catalog(), testkit::calendar());
    let newborn = catalog.one_thing("newborn").unwrap();
    let answers: catalog::Answers = serde_json::from_value(newborn_answers()).unwrap();
    let start = beijing_morning("2026-02-12");
    let plan = catalog::compute_plan(
        &catalog,
        newborn,
        &answers,
        &catalog::Holdings::default(),
        cases::china_date(start),
        &calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    let mut ids = Vec::new();
    for n in 0..CASES {
        let id = format!("C-20260212-{n:04}");
        let when = start + chrono::Duration::minutes(n as i64);
        let case_id = cases::CaseId::parse(&id).unwrap();
        let created =
            cases::Case::create(&catalog, &calendar, &plan, case_id, "applicant-zhangsan", &form, when).unwrap();
        node.store
            .insert_case(&created.case, &created.events, None)
            .await
            .unwrap();
        ids.push(id);
    }
    ids.reverse(); // newest first
    ids
}

/// Follows `next_cursor` from `first` until the end, collecting `field` of each row.
async fn all_pages(node: &Node, token: &str, first: &str, list: &str, field: &str) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut path = first.to_owned();
    loop {
        let (status, body) = node.call("GET", &path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        pages += 1;
        for row in body[list].as_array().unwrap() {
            seen.push(row[field].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let separator = if first.contains('?') { '&' } else { '?' };
                path = format!("{first}{separator}cursor={cursor}");
            }
            None => break,
        }
        assert!(pages <= 20, "pages never end");
    }
    (seen, pages)
}

async fn paging(node: &Node) {
    let ids = seed(node).await;
    let applicant = node.login("zhangsan").await;

    // Twenty at a time: three pages, every case once, newest first.
    let (seen, pages) = all_pages(node, &applicant, "/cases?limit=20", "cases", "id").await;
    assert_eq!(pages, CASES.div_ceil(20));
    assert_eq!(seen, ids);
    // Another applicant sees none of them; an exact case number finds one.
    let (_, theirs) = node.call("GET", "/cases", Some(&node.login("lisi").await), None).await;
    assert_eq!(theirs["cases"].as_array().unwrap().len(), 0);
    assert!(theirs["next_cursor"].is_null());
    let (_, one) = node
        .call("GET", &format!("/cases?case_id={}", ids[2]), Some(&applicant), None)
        .await;
    let one: Vec<&str> = one["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(one, [ids[2].as_str()]);

    // A cursor that was not given out, an unknown parameter: refused, saying why.
    for bad in [
        "/cases?cursor=not-a-cursor",
        "/cases?sort=name",
        "/cases?limit=many",
        "/cases?case_id=../x",
    ] {
        let (status, body) = node.call("GET", bad, Some(&applicant), None).await;
        let code = body["error"]["code"].as_str().unwrap();
        assert!(matches!(code, "E_QUERY_INVALID" | "E_CASE_ID_INVALID"), "{bad}: {body}");
        assert_eq!(
            status.as_u16(),
            server::error::error_code(code).unwrap().status,
            "{bad}"
        );
        assert!(status.is_client_error());
    }

    // The birth certificate office pages through its queue: every open task once,
    // soonest deadline first, and the counts are the whole queue's.
    let staff = node.login("staff-wj").await;
    let (_, first) = node
        .call("GET", "/departments/WJ/tasks?limit=25", Some(&staff), None)
        .await;
    let open = first["counts"]["open"].as_i64().unwrap();
    assert!(open >= CASES as i64, "{first}");
    let mut tasks = Vec::new();
    let mut path = "/departments/WJ/tasks?limit=25".to_owned();
    loop {
        let (status, body) = node.call("GET", &path, Some(&staff), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["counts"]["open"], open);
        let page = body["tasks"].as_array().unwrap();
        assert!(page.len() <= 25);
        tasks.extend(page.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/departments/WJ/tasks?limit=25&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(tasks.len() as i64, open);
    let keys: BTreeSet<(String, String)> = tasks
        .iter()
        .map(|t| {
            (
                t["case_id"].as_str().unwrap().to_owned(),
                t["item"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(keys.len(), tasks.len(), "a task appeared twice");
    let deadlines: Vec<&str> = tasks
        .iter()
        .map(|t| t["deadline"].as_str().unwrap_or("9999-12-31"))
        .collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "{deadlines:?}");
    let (_, filtered) = node
        .call(
            "GET",
            &format!("/departments/WJ/tasks?case_id={}", ids[0]),
            Some(&staff),
            None,
        )
        .await;
    assert!(
        filtered["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["case_id"] == ids[0].as_str()),
        "{filtered}"
    );
    let (status, body) = node
        .call("GET", "/departments/WJ/tasks?state=done", Some(&staff), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("E_QUERY_INVALID"))
    );

    // The pages show fifty and link to the next page, keeping the filter.
    let (status, html) = page_as(node, &staff, "/workbench?state=dispatched").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("共 {open} 件")),
        "the count is the whole queue's"
    );
    let html = html.replace("&#x2f;", "/").replace("&#x3d;", "=");
    let next = html
        .split("href=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"))
        .find(|href| href.starts_with("/workbench?") && href.contains("cursor="))
        .expect("a link to the next page");
    assert!(next.contains("state=dispatched"), "{next}");
    let (status, rest) = page_as(node, &staff, &next).await;
    assert_eq!(status, StatusCode::OK);
    assert!(rest.contains("已到最后一页") || rest.contains("下一页"), "{rest}");
    let (status, mine) = page_as(node, &applicant, "/my/cases").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        mine.contains(&ids[0]) && !mine.contains(&ids[CASES - 1]),
        "newest fifty only"
    );
    assert!(mine.contains("下一页"));
    let (status, html) = page_as(node, &staff, "/workbench?cursor=bad").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("翻页标记无效"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_on_sqlite() {
    paging(&spawn_node(sqlite_store().await, true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_on_postgres() {
    paging(&spawn_node(postgres_store(&new_schema()).await, true).await).await;
}
