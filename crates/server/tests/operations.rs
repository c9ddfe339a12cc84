//! What operators scrape: `/metrics` in the Prometheus text format, readable from
//! this machine, or with the configured token from anywhere, and naming routes by
//! their pattern (never a case number).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use reqwest::StatusCode;

/// The value of the sample line that starts with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_and_show_the_ledger() {
    let node = spawn_node(sqlite_store().await, true).await;
    let site = node.base.replace("/api/v1", "");
    let applicant = node.login("zhangsan").await;
    let case = submit(&node, &applicant, &newborn_form(&node).await).await;
    let id = case["id"].as_str().unwrap();
    let (status, _) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(status, StatusCode::OK);

    let response = node.client.get(format!("{site}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("openmetrics-text")
    );
    let text = response.text().await.unwrap();
    // The case read is counted under its pattern; no case number appears anywhere.
    let read = r#"onething_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="200"}"#;
    assert!(sample(&text, read).unwrap() >= 1.0, "{text}");
    assert!(!text.contains(id), "a case number in the metrics");
    let timed = r#"onething_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/{id}"}"#;
    assert!(sample(&text, timed).unwrap() >= 1.0, "{text}");
    assert!(sample(&text, "onething_cases_submitted_total").unwrap() >= 1.0);
    // The submission and the read are in the ledger.
    assert!(sample(&text, "onething_ledger_entries").unwrap() >= 2.0, "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_metrics_need_it() {
    let node = spawn_node_with(sqlite_store().await, true, |state| {
        state.metrics_token = Some("s3cret-metrics-token".into());
    })
    .await;
    let url = node.base.replace("/api/v1", "/metrics");
    let without = node.client.get(&url).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let wrong = node
        .client
        .get(&url)
        .bearer_auth("s3cret-metrics-tokeN")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = node
        .client
        .get(&url)
        .bearer_auth("s3cret-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    // A session token is not a metrics token.
    let session = node.login("admin").await;
    let admin = node.client.get(&url).bearer_auth(session).send().await.unwrap();
    assert_eq!(admin.status(), StatusCode::FORBIDDEN);
}
