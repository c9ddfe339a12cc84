//! Regression tests for the findings of the security review (issue: privacy and
//! security findings). Each failed before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::*;

/// Finding 2: supervisors saw task outputs (the child's ID number) in full while the
/// same element was masked in the form. One rule covers every place it appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_and_auditors_see_sensitive_outputs_masked_like_the_form() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(&node).await;
    let case = submit(&node, &applicant, &form).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    node.set_date("2026-02-24");
    let ga = node.login("staff-ga").await;
    approve(
        &node,
        &ga,
        &id,
        "QR00201001",
        json!({ "child.id_number": "110105202602100016" }),
    )
    .await;

    for role in ["admin", "auditor"] {
        let token = node.login(role).await;
        let (status, view) = node.call("GET", &format!("/cases/{id}"), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let form_value = view["form"]["child.id_number"]["value"].as_str().unwrap();
        let output = task(&view, "QR00201001")["outputs"]["child.id_number"]
            .as_str()
            .unwrap();
        assert_ne!(output, "110105202602100016", "{role} sees the output in full");
        assert_eq!(output, form_value, "{role}: one masking rule for form and outputs");
        assert!(
            !view.to_string().contains("110105202602100016"),
            "{role}: nowhere in the view"
        );
    }
    // The applicant sees their child's number; the department that produced it too.
    let applicant = node.login("zhangsan").await;
    let (_, mine) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(
        task(&mine, "QR00201001")["outputs"]["child.id_number"],
        "110105202602100016"
    );
    let (_, theirs) = node.call("GET", &format!("/cases/{id}"), Some(&ga), None).await;
    assert_eq!(
        task(&theirs, "QR00201001")["outputs"]["child.id_number"],
        "110105202602100016"
    );
}
