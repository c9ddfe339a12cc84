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

const NEWBORN_DESCRIPTION: &str = "我老婆上周三在市妇幼生了个女儿，我们都是本市户口，想给孩子上户口、办医保";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_description_becomes_a_proposal_through_the_api() {
    let node = spawn_node(sqlite_store().await, true).await;
    node.set_date("2026-03-12"); // a Thursday: 上周三 is 2026-03-04
    let body = serde_json::json!({ "description": NEWBORN_DESCRIPTION });
    let (status, proposal) = node.call("POST", "/intake", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{proposal}");
    assert_eq!(proposal["one_thing"]["id"], "newborn");
    let hukou = proposal["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["question"] == "hukou_local")
        .unwrap();
    assert_eq!(
        (hukou["value"].as_str(), hukou["sentence"].as_str()),
        (Some("yes"), Some("我们都是本市户口"))
    );
    let fields = proposal["fields"].as_array().unwrap();
    let value = |element: &str| {
        fields
            .iter()
            .find(|f| f["element"] == element)
            .map(|f| f["value"].clone())
    };
    assert_eq!(value("child.birth_date"), Some(Value::from("2026-03-04")));
    assert_eq!(value("child.sex"), Some(Value::from("女")));

    for (body, status, code) in [
        (
            serde_json::json!({ "description": "  " }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "E_QUERY_EMPTY",
        ),
        (
            serde_json::json!({ "description": "生".repeat(501) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "E_QUERY_TOO_LONG",
        ),
        (
            serde_json::json!({ "description": "生了\u{0007}" }),
            StatusCode::BAD_REQUEST,
            "E_QUERY_INVALID",
        ),
        (
            serde_json::json!({ "description": "生了", "one_thing": "wedding" }),
            StatusCode::NOT_FOUND,
            "E_ONE_THING_NOT_FOUND",
        ),
        (
            serde_json::json!({ "text": "生了" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
    ] {
        let (got, answer) = node.call("POST", "/intake", None, Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {answer}");
        if !code.is_empty() {
            assert_eq!(answer["error"]["code"], code);
        } else {
            assert!(answer["error"]["code"].as_str().unwrap().starts_with("E_"));
        }
    }
}

async fn post_page(node: &Node, session: &str, action: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let (status, html) = page_as(node, session, "/intake").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let token = csrf_in(&html);
    let mut fields = fields.to_vec();
    fields.push(("csrf", &token));
    let response = node
        .client
        .post(format!("{}{action}", node.base.replace("/api/v1", "")))
        .header("cookie", format!("onething_session={session}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_what_the_applicant_confirms_reaches_the_one_form() {
    let node = spawn_node(sqlite_store().await, true).await;
    node.set_date("2026-03-12");
    let applicant = node.login("zhangsan").await;
    let (status, html) = post_page(&node, &applicant, "/intake", &[("description", NEWBORN_DESCRIPTION)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("建议办理：新生儿出生一件事"), "{html}");
    assert!(html.contains("根据您说的“我们都是本市户口”"));
    assert!(
        html.contains("name=\"use.child.sex\""),
        "each value has its own 采用 box"
    );

    // Confirmed: every answer, the sex ticked; the hospital read but not ticked.
    let confirm = [
        ("description", NEWBORN_DESCRIPTION),
        ("one_thing", "newborn"),
        ("answer.hukou_local", "yes"),
        ("answer.parents_married", "yes"),
        ("answer.insure_child", "yes"),
        ("answer.maternity_claim", "no"),
        ("field.child.sex", "女"),
        ("use.child.sex", "1"),
        ("field.child.birth_hospital", "市妇幼"),
    ];
    let (status, html) = post_page(&node, &applicant, "/intake/confirm", &confirm).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("action=\"/one-things/newborn/apply\""),
        "the one form opens"
    );
    assert!(!html.contains("市妇幼"), "a value not ticked is not used");
    let sex_select = html.find("name=\"child.sex\"").unwrap();
    assert!(
        html[sex_select..]
            .split("</select>")
            .next()
            .unwrap()
            .contains("selected"),
        "女 is chosen"
    );

    // A question left unanswered: the confirmation again, naming it; nothing opens.
    let (status, html) = post_page(&node, &applicant, "/intake/confirm", &confirm[..4]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("还有") && !html.contains("/one-things/newborn/apply\""));
    // A value that fails its element's validation is refused with its message.
    let mut bad = confirm.to_vec();
    bad[6] = ("field.child.sex", "未知");
    let (status, html) = post_page(&node, &applicant, "/intake/confirm", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("性别") || html.contains("选项"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_not_logged_in_gets_a_proposal_but_must_log_in_to_use_it() {
    let node = spawn_node(sqlite_store().await, true).await;
    let site = node.base.replace("/api/v1", "");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(format!("{site}/intake")).send().await.unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = csrf_in(&response.text().await.unwrap());
    let post = |action: &str, fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("csrf", token.clone()));
        client
            .post(format!("{site}{action}"))
            .header("cookie", cookie.clone())
            .form(&fields)
            .send()
    };
    let response = post(
        "/intake",
        vec![("description", "想开个小饭馆，要卖烟，门头要挂招牌".to_owned())],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("建议办理：开办餐饮店一件事"), "{html}");
    assert!(html.contains("根据您说的“要卖烟”"), "{html}");
    let response = post("/intake/confirm", vec![("one_thing", "restaurant".to_owned())])
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/login"));
}
