//! The journeys as people live them (issue 15): each test walks a path a person
//! took and found broken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;

mod common;
use common::*;

/// 修改回答 on the notice goes back to the questions with every answer still chosen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_an_answer_keeps_the_others() {
    let node = spawn_node(sqlite_store().await, true).await;
    let site = node.base.replace("/api/v1", "");
    let notice = node
        .client
        .get(format!(
            "{site}/one-things/newborn/notice?hukou_local=no&parents_married=yes&insure_child=no&maternity_claim=yes"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(notice.status(), StatusCode::OK);
    let html = notice
        .text()
        .await
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    let start = html.find("修改回答").expect("the link");
    let href_start = html[..start].rfind("href=\"").unwrap() + "href=\"".len();
    let href = &html[href_start..href_start + html[href_start..].find('"').unwrap()];
    assert!(href.starts_with("/one-things/newborn?"), "{href}");
    let questions = node.client.get(format!("{site}{href}")).send().await.unwrap();
    assert_eq!(questions.status(), StatusCode::OK);
    let html = questions.text().await.unwrap();
    for (question, value) in [
        ("hukou_local", "no"),
        ("parents_married", "yes"),
        ("insure_child", "no"),
        ("maternity_claim", "yes"),
    ] {
        let chosen = format!(r#"name="{question}" value="{value}" checked"#);
        assert!(html.contains(&chosen), "{question} is not kept as {value}");
    }
    // Nothing chosen that was not answered.
    assert_eq!(html.matches(" checked").count(), 4, "{html}");
}

/// An integrator starts from the example of each bundled one-thing and submits it
/// unchanged, with a scan for each listed material: every one is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_of_every_one_thing_is_accepted_as_it_is() {
    let node = spawn_node(sqlite_store().await, true).await;
    let token = node.login("zhangsan").await;
    let ids: Vec<String> = node.state.catalog.one_things.keys().map(ToString::to_string).collect();
    assert!(ids.len() >= 8, "{ids:?}");
    for id in ids {
        let (status, example) = node
            .call("GET", &format!("/catalog/one-things/{id}/example"), None, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{id}: {example}");
        let files: Vec<(String, Vec<u8>)> = example["uploads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["id"].as_str().unwrap().to_owned(), testkit::SAMPLE_SCAN.to_vec()))
            .collect();
        let (status, case) = node.submit_multipart(&token, &example["submission"], &files).await;
        assert_eq!(status, StatusCode::CREATED, "{id}: {case}");
        assert_eq!(case["one_thing"], id.as_str());
        // The fullest plan: every item of the one-thing that any answer brings in.
        assert!(!case["tasks"].as_array().unwrap().is_empty(), "{id}");
    }
    let (status, body) = node
        .call("GET", "/catalog/one-things/nothing/example", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "E_ONE_THING_NOT_FOUND");
}

/// A question that depends on an earlier answer (提前退休的原因) appears on the page
/// only once that answer makes it relevant; an answer it made irrelevant is dropped
/// on the page and refused with its reason over the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditional_question_appears_when_an_earlier_answer_needs_it() {
    let node = spawn_node(sqlite_store().await, true).await;
    let site = node.base.replace("/api/v1", "");
    let get = |path: String| {
        let client = node.client.clone();
        let site = site.clone();
        async move {
            let response = client.get(format!("{site}{path}")).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, html) = get("/one-things/retirement".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("退休类型？") && !html.contains("提前退休的原因？"),
        "{html}"
    );

    let rest = "medical_insured=no&has_housing_fund=no&only_child=no";
    let (status, html) = get(format!("/one-things/retirement/notice?retire_type=early&{rest}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请回答问题“提前退休的原因？”"), "{html}");
    assert!(html.contains(r#"name="early_reason" value="illness""#), "{html}");

    let (status, html) = get(format!(
        "/one-things/retirement/notice?retire_type=early&early_reason=illness&{rest}"
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("劳动能力鉴定结论书"), "{html}");
    assert!(!html.contains("特殊工种提前退休材料"), "{html}");

    // Changed back to a normal retirement: the old reason is left behind.
    let (status, html) = get(format!(
        "/one-things/retirement/notice?retire_type=normal&early_reason=illness&{rest}"
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("劳动能力鉴定结论书"), "{html}");

    let (status, body) = node
        .call(
            "POST",
            "/catalog/one-things/retirement/plan",
            None,
            Some(serde_json::json!({ "answers": {
                "retire_type": "normal", "early_reason": "illness",
                "medical_insured": "no", "has_housing_fund": "no", "only_child": "no"
            } })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_ANSWER_INVALID");
    assert_eq!(body["error"]["details"][0]["code"], "ANSWER_NOT_ASKED", "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "answers.early_reason", "{body}");
}
