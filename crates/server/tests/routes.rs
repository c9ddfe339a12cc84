//! Tables that must cover every route, read from the router's source: the OpenAPI
//! document lists every API route, and every page form that changes something refuses
//! a request without its CSRF token (or with another session's) and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_api_route_of_the_source() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (_, document) = node.call("GET", "/openapi.json", None, None).await;
    let paths = document["paths"].as_object().unwrap();
    let mut checked = 0;
    for file in ["api.rs", "cert_api.rs", "ledger_api.rs"] {
        for (route, methods) in routes_in(file) {
            if route == "/healthz" {
                continue; // outside /api/v1
            }
            let documented = paths
                .get(&route)
                .unwrap_or_else(|| panic!("{route} ({file}) is not in the OpenAPI document"));
            for method in methods {
                assert!(
                    documented.get(method.to_lowercase()).is_some(),
                    "{method} {route} is not documented"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} routes found: the reader is broken");
}

/// Who may use a page form, by its path: the test posts as that person, so that
/// only the missing token can be the reason for a refusal.
fn poster(route: &str) -> Option<&'static str> {
    Some(match route {
        "/login" => return None,
        r if r.starts_with("/admin") => "admin",
        r if r.starts_with("/window") => "staff-zw",
        r if r.starts_with("/workbench") => "staff-wj",
        _ => "zhangsan",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_form_refuses_a_missing_or_foreign_csrf_token_and_changes_nothing() {
    let node = spawn_node(sqlite_store().await, true).await;
    // A real case, task and certificate, so that nothing but the token is wrong.
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
    let (_, mine) = node.call("GET", "/me/certificates", Some(&applicant), None).await;
    let certificate = mine["certificates"][0]["id"].as_str().unwrap().to_owned();
    let fill = |route: &str| {
        route
            .replace("/one-things/{id}", "/one-things/newborn")
            .replace("/my/certificates/{id}", &format!("/my/certificates/{certificate}"))
            .replace(
                "/workbench/certificates/{id}",
                &format!("/workbench/certificates/{certificate}"),
            )
            .replace("{id}", &id)
            .replace("{item}", "QR00201001")
            .replace("{action}", "accept")
            .replace("{upload}", "UP-1")
    };
    // A token of another session: valid somewhere, not here.
    let other = node.login("lisi").await;
    let site = node.base.replace("/api/v1", "");
    let other_page = node
        .client
        .get(format!("{site}/my/cases"))
        .header("cookie", format!("onething_session={other}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let foreign = {
        let start = other_page.find("name=\"csrf\" value=\"").unwrap() + 19;
        other_page[start..start + 32].to_owned()
    };
    let size = node.store.ledger_head().await.unwrap().0;
    let mut posted = 0;
    for (route, methods) in routes_in("web/mod.rs") {
        if !methods.contains(&"POST") || route == "/one-things/{id}/apply" || route == "/verify" {
            // The application form (multipart) has a test of its own in web.rs; /verify
            // is the public, anonymous check of an uploaded certificate file, which
            // changes nothing for anyone.
            continue;
        }
        let url = format!("{site}{}", fill(&route));
        let cookie = match poster(&route) {
            Some(username) => format!("onething_session={}", node.login(username).await),
            None => String::new(),
        };
        for token in [None, Some(foreign.as_str())] {
            let mut fields = vec![
                ("note", "x"),
                ("reason", "x"),
                ("reasons", "x"),
                ("check", "applicant_adult"),
            ];
            if let Some(token) = token {
                fields.push(("csrf", token));
            }
            let response = node
                .client
                .post(&url)
                .header("cookie", &cookie)
                .form(&fields)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "POST {route} with {token:?}: {body}");
            assert!(
                body.contains("页面已过期"),
                "POST {route} is refused for its token: {body}"
            );
        }
        posted += 1;
    }
    assert!(posted >= 14, "only {posted} forms found: the reader is broken");
    // Logins made above are entries; the forms themselves added none.
    let after = node.store.ledger_head().await.unwrap().0;
    let rows = node.store.ledger_rows(size, after - size).await.unwrap();
    for row in rows {
        let entry = ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
        assert!(entry.kind.ends_with(".login"), "a refused form wrote {entry:?}");
    }
}
