//! Guidance over HTTP: search, questions answered from the catalog and the intake
//! from a description, through the API and the home page, on a real node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::Value;

mod common;
use common::*;

async fn get(node: &Node, path: &str) -> (StatusCode, Value) {
    let response = node.client.get(format!("{}{path}", node.base)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_with_reasons_and_says_when_it_found_nothing() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (status, body) = get(&node, &format!("/search?q={}", encode("公司法人代表换人了"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["found"], true);
    assert_eq!(body["one_things"][0]["id"], "enterprise-change");
    assert_eq!(body["one_things"][0]["link"], "/one-things/enterprise-change");
    let reasons = body["one_things"][0]["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r["via"] == "synonym" && r["typed"] == "法人代表换人"),
        "{reasons:?}"
    );
    assert!(body["message"].is_null());

    let (status, body) = get(&node, "/search?q=qykb").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["one_things"][0]["id"], "enterprise-startup");
    assert_eq!(body["one_things"][0]["reasons"][0]["via"], "pinyin");

    let (status, body) = get(&node, &format!("/search?q={}", encode("办护照"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["found"], false);
    assert_eq!(body["one_things"].as_array().unwrap().len(), 0);
    assert!(body["message"].as_str().unwrap().contains("没有找到"));
    assert!(body["contact"].as_str().unwrap().contains("12345"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_input_gets_its_code_never_a_500() {
    let node = spawn_node(sqlite_store().await, true).await;
    for (query, status, code) in [
        ("", StatusCode::UNPROCESSABLE_ENTITY, "E_QUERY_EMPTY"),
        ("q=", StatusCode::UNPROCESSABLE_ENTITY, "E_QUERY_EMPTY"),
        ("q=%20%E3%80%80", StatusCode::UNPROCESSABLE_ENTITY, "E_QUERY_EMPTY"),
        ("q=%E7%94%9F%00", StatusCode::BAD_REQUEST, "E_QUERY_INVALID"),
        ("q=%E2%80%AE%E7%94%9F", StatusCode::BAD_REQUEST, "E_QUERY_INVALID"),
    ] {
        let (got, body) = get(&node, &format!("/search?{query}")).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{query}: {body}"
        );
    }
    let long = encode(&"生".repeat(101));
    let (got, body) = get(&node, &format!("/search?q={long}")).await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "E_QUERY_TOO_LONG");
    assert_eq!(body["error"]["field"], "q");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_searches_with_the_same_use_case() {
    let node = spawn_node(sqlite_store().await, true).await;
    let home = node.base.replace("/api/v1", "");
    let page = |q: &str| {
        let url = format!("{home}/?q={}", encode(q));
        let client = node.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, html) = page("想开个小饭馆").await;
    assert_eq!(status, StatusCode::OK);
    let first_card = html.find("/one-things/restaurant").unwrap();
    assert!(
        html.find("/one-things/").unwrap() == first_card,
        "restaurant is not first"
    );
    assert!(html.contains("“小饭馆”即“餐饮店”"), "the reason is not shown");
    let (status, html) = page("办护照").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("没有找到“办护照”") && html.contains("12345"));
    let (status, html) = page(&"生".repeat(200)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("输入过长"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_are_answered_from_the_catalog_with_sources() {
    let node = spawn_node(sqlite_store().await, true).await;
    node.set_date("2026-03-02");
    let (status, body) = get(&node, &format!("/ask?q={}", encode("开饭店要带什么材料，要多少钱"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["one_thing"], "restaurant");
    assert_eq!(body["notice_link"], "/one-things/restaurant");
    let answers = body["answers"].as_array().unwrap();
    assert_eq!(answers[0]["topic"], "materials");
    assert_eq!(answers[0]["answered"], true);
    assert!(!answers[0]["sources"].as_array().unwrap().is_empty());
    assert_eq!(answers[1]["topic"], "fee");
    assert_eq!(answers[1]["answered"], false);
    assert!(answers[1]["text"].as_str().unwrap().contains("12345"));

    let (status, body) = get(&node, &format!("/ask?one_thing=newborn&q={}", encode("多久能办完"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["answers"][0]["text"]
            .as_str()
            .unwrap()
            .contains("今天（2026年03月02日）"),
        "{body}"
    );

    let (status, body) = get(&node, &format!("/ask?one_thing=wedding&q={}", encode("多久"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "E_ONE_THING_NOT_FOUND");
    let (status, body) = get(&node, "/ask?q=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "E_QUERY_EMPTY");

    // The home page answers the same question above the results.
    let home = node.base.replace("/api/v1", "");
    let html = node
        .client
        .get(format!("{home}/?q={}", encode("开饭店要跑几次")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("关于“开办餐饮店一件事”的回答") && html.contains("最多跑1次"),
        "{html}"
    );
    assert!(html.contains("出处：onethings"), "the source is not shown");
}
