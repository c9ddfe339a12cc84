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
    for file in [
        "api.rs",
        "cert_api.rs",
        "ledger_api.rs",
        "guide_api.rs",
        "openapi.rs",
        "benefit_api.rs",
        "service_api.rs",
        "webhook_api.rs",
    ] {
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

/// The forms that carry files are multipart; the others are URL-encoded.
fn post_form(request: &reqwest::RequestBuilder, route: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let request = request.try_clone().unwrap();
    if route == "/my/cases/{id}/supplement" {
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let (content_type, body) = testkit::multipart_form(&fields, &[]);
        request.header("content-type", content_type).body(body)
    } else {
        request.form(fields)
    }
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
    let (applicant, _, id, _) = newborn_case(&node).await;
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
            .replace("/policies/{id}", "/policies/elderly_allowance")
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
    let foreign = csrf_in(&other_page);
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
            let response = post_form(&node.client.post(&url).header("cookie", &cookie), &route, &fields)
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

/// The eight kinds of caller of the authorization matrix.
const ROLES: [&str; 8] = [
    "anonymous",
    "owner",
    "other_applicant",
    "staff_with_task",
    "staff_without",
    "window",
    "admin",
    "auditor",
];

/// Who gets past authorization for each API operation: `None` for operations tested
/// elsewhere (logging in and out change the sessions this test uses).
fn allowed(method: &str, route: &str) -> Option<&'static [&'static str]> {
    const ALL: &[&str] = &ROLES;
    const SIGNED_IN: &[&str] = &[
        "owner",
        "other_applicant",
        "staff_with_task",
        "staff_without",
        "window",
        "admin",
        "auditor",
    ];
    const APPLICANTS: &[&str] = &["owner", "other_applicant"];
    const CASE_READERS: &[&str] = &["owner", "staff_with_task", "admin", "auditor"];
    const DEPARTMENT: &[&str] = &["staff_with_task"];
    Some(match (method, route) {
        ("POST", "/login") | ("POST", "/logout") => return None,
        ("GET", "/me") | ("GET", "/me/notifications") | ("POST", "/me/notifications/read") => SIGNED_IN,
        ("GET", "/me/data-access") => APPLICANTS,
        ("GET", "/dashboard") => &["staff_with_task", "staff_without", "window", "admin", "auditor"],
        ("GET", "/catalog/one-things")
        | ("GET", "/search")
        | ("GET", "/ask")
        | ("POST", "/intake")
        | ("GET", "/catalog/one-things/{id}")
        | ("POST", "/catalog/one-things/{id}/plan")
        | ("GET", "/catalog/one-things/{id}/example")
        | ("GET", "/catalog/items/{code}")
        | ("GET", "/catalog/groups")
        | ("GET", "/catalog/groups/{id}")
        | ("GET", "/calendar")
        | ("GET", "/openapi.json")
        | ("GET", "/healthz")
        | ("GET", "/issuer-keys")
        | ("POST", "/certificates/verify")
        | ("GET", "/certificates/verify-number")
        | ("GET", "/certificates/{id}/status")
        | ("GET", "/ledger/checkpoint")
        | ("GET", "/ledger/verifier-key")
        | ("GET", "/ledger/proof/inclusion")
        | ("GET", "/ledger/proof/consistency") => ALL,
        ("POST", "/catalog/one-things/{id}/prefill") => APPLICANTS,
        // Applicants for themselves, the one window for a person who walked in.
        ("POST", "/cases") => &["owner", "other_applicant", "window"],
        ("GET", "/cases") => &["owner", "other_applicant", "admin", "auditor"],
        ("GET", "/cases/{id}") | ("GET", "/cases/{id}/history") | ("GET", "/cases/{id}/files") => CASE_READERS,
        // No such file: everyone is told "not found" (downloads have a test of their own).
        ("GET", "/cases/{id}/files/{upload_id}") => &[],
        ("POST", "/cases/{id}/supplement") => &["owner"],
        // The applicant online, the one window for a person rating in person (代评).
        ("POST", "/cases/{id}/rating") => &["owner", "window"],
        ("POST", "/cases/{id}/tasks/{item}/accept")
        | ("POST", "/cases/{id}/tasks/{item}/request-supplement")
        | ("POST", "/cases/{id}/tasks/{item}/approve")
        | ("POST", "/cases/{id}/tasks/{item}/reject")
        | ("POST", "/cases/{id}/tasks/{item}/shared-data")
        | ("POST", "/cases/{id}/tasks/{item}/shared-question")
        | ("GET", "/cases/{id}/tasks/{item}/shared-checks") => DEPARTMENT,
        ("GET", "/departments/{code}/tasks") => &["staff_with_task", "admin"],
        // Staff see their department's (none here), supervisors all of them.
        ("GET", "/rectifications") => &["staff_with_task", "staff_without", "window", "admin", "auditor"],
        // No rectification is open in this test: everyone is told "not found".
        ("GET", "/rectifications/{id}") | ("POST", "/rectifications/{id}") => &[],
        ("POST", "/admin/calendar/import") | ("POST", "/ledger/checkpoints") => &["admin"],
        // The holder, and the issuing department.
        ("GET", "/certificates/{id}/file") => &["owner", "staff_with_task"],
        ("POST", "/certificates/{id}/revoke") => DEPARTMENT,
        ("GET", "/me/certificates") | ("POST", "/me/certificates/claim") => APPLICANTS,
        // An entry about the owner's case made by a department: the owner (its
        // subject), that department, supervisors.
        ("GET", "/ledger/entries/{index}") => &["owner", "staff_with_task", "admin", "auditor"],
        // 免申即享: a policy's department (民政 for 高龄津贴) and administrators run it;
        // auditors read its findings too; every member of staff sees their list.
        ("GET", "/policies") => &["staff_with_task", "staff_without", "window", "admin", "auditor"],
        ("POST", "/policies/{id}/run") | ("POST", "/policies/{id}/runs") => &["staff_without", "admin"],
        ("GET", "/policies/{id}/runs") => &["staff_without", "admin", "auditor"],
        ("GET", "/policies/{id}/findings") | ("GET", "/policies/{id}/findings.csv") => {
            &["staff_without", "admin", "auditor"]
        }
        // Confirming for payment: the department and administrators, not auditors.
        ("POST", "/policies/{id}/findings/confirm") => &["staff_without", "admin"],
        ("GET", "/policies/{id}/confirm-jobs") => &["staff_without", "admin", "auditor"],
        // No such job or finding here: the department and administrators are told
        // "not found", everyone else refused.
        ("GET", "/policies/{id}/confirm-jobs/{job}")
        | ("GET", "/policies/{id}/runs/{run}")
        | ("POST", "/policies/{id}/findings/{finding}/answer") => &[],
        ("GET", "/me/benefits") => APPLICANTS,
        // No finding of anyone here: everyone is told "not found" (the benefit tests
        // decline a real one).
        ("POST", "/me/benefits/{id}/decline") | ("POST", "/me/benefits/{id}/object") => &[],
        // Anonymous by design: the client authenticates with its own credentials
        // (here a JSON body, refused for its content type whoever sends it).
        ("POST", "/oauth/token") => ALL,
        ("GET", "/admin/service-clients")
        | ("POST", "/admin/service-clients")
        | ("POST", "/admin/service-clients/{client_id}/secrets") => &["admin"],
        // No such client: the admin is told "not found", everyone else refused.
        ("POST", "/admin/service-clients/{client_id}/revoke")
        | ("POST", "/admin/service-clients/{client_id}/secrets/{secret_id}/revoke") => &[],
        // Event delivery is administered by administrators only.
        ("GET", "/admin/webhooks") | ("POST", "/admin/webhooks") | ("GET", "/admin/webhooks/dead-letters") => {
            &["admin"]
        }
        // No subscription or dead letter exists here: everyone is told "not found".
        ("POST", "/admin/webhooks/{id}/disable")
        | ("POST", "/admin/webhooks/{id}/enable")
        | ("GET", "/admin/webhooks/{id}/attempts")
        | ("POST", "/admin/webhooks/{id}/dead-letters/{seq}/replay") => &[],
        // The payload's format is public documentation.
        ("GET", "/webhooks/payload-example") => ALL,
        _ => panic!("{method} {route} is not in the authorization matrix: add it"),
    })
}

/// Whether a response is a refusal by authorization (not a refusal of the input).
fn refused(status: StatusCode, body: &serde_json::Value) -> bool {
    let code = body["error"]["code"].as_str().unwrap_or_default();
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::NOT_FOUND
        || (status == StatusCode::FORBIDDEN && matches!(code, "E_FORBIDDEN" | "E_WRONG_DEPARTMENT" | "E_NO_ID_NUMBER"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_operation_answers_every_kind_of_caller_as_the_matrix_says() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (owner, _, id, form) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    let (status, _) = act(&node, &wj, &id, "GG00101001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    // The certificate of another case of the owner, issued by 卫健.
    let other_case = submit(&node, &owner, &form).await;
    let other_id = other_case["id"].as_str().unwrap().to_owned();
    approve(
        &node,
        &wj,
        &other_id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    let (_, mine) = node.call("GET", "/me/certificates", Some(&owner), None).await;
    let certificate = mine["certificates"][0]["id"].as_str().unwrap().to_owned();
    // An entry about the owner's case made by 卫健: its acceptance.
    let (size, _) = node.store.ledger_head().await.unwrap();
    let entry_index = node
        .store
        .ledger_rows(0, size)
        .await
        .unwrap()
        .iter()
        .find(|row| {
            let entry = ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
            entry.case_id.as_deref() == Some(id.as_str()) && entry.department.as_deref() == Some("WJ")
        })
        .unwrap()
        .index;
    let tokens = [
        None,
        Some(owner.clone()),
        Some(node.login("lisi").await),
        Some(wj.clone()),
        Some(node.login("staff-mz").await),
        Some(node.login("staff-zw").await),
        Some(node.login("admin").await),
        Some(node.login("auditor").await),
    ];
    let fill = |route: &str| {
        route
            .replace("/catalog/one-things/{id}", "/catalog/one-things/newborn")
            .replace("/catalog/items/{code}", "/catalog/items/GG00101001")
            .replace("/catalog/groups/{id}", "/catalog/groups/birth-to-school")
            .replace("/policies/{id}", "/policies/elderly_allowance")
            .replace("/certificates/{id}", &format!("/certificates/{certificate}"))
            .replace("{id}", &id)
            .replace("{item}", "GG00101001")
            .replace("{code}", "WJ")
            .replace("{index}", &entry_index.to_string())
            .replace("{client_id}", "no-such-client")
            .replace("{secret_id}", "no-such-secret")
            .replace("{seq}", "1")
    };
    // Bodies that an allowed caller gets refused for their content, so that nothing
    // changes and the answer still shows whether authorization let them through.
    let body = |route: &str| -> serde_json::Value {
        match route {
            "/catalog/one-things/{id}/plan" => json!({ "answers": newborn_answers() }),
            "/catalog/one-things/{id}/prefill" => json!({ "answers": newborn_answers(), "consent": false }),
            "/cases" => json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": {} }),
            "/cases/{id}/tasks/{item}/accept" => json!({}),
            "/cases/{id}/tasks/{item}/request-supplement" => json!({ "reasons": [] }),
            "/cases/{id}/tasks/{item}/approve" => json!({ "outputs": {} }),
            "/cases/{id}/tasks/{item}/reject" => json!({ "reason": "" }),
            "/cases/{id}/tasks/{item}/shared-data" => json!({ "elements": ["mother.name"] }),
            "/cases/{id}/tasks/{item}/shared-question" => json!({ "check": "applicant_adult" }),
            "/admin/calendar/import" => json!({ "file_name": "x.toml", "content": "year = 1" }),
            "/certificates/{id}/revoke" => json!({ "reason": "" }),
            "/admin/webhooks" => json!({ "department": "WJ", "url": "ftp://wj.example/" }),
            // The case is not finished: refused for that, not for who asks.
            "/cases/{id}/rating" => json!({ "level": 0 }),
            "/rectifications/{id}" => json!({ "follow_up": "" }),
            "/me/certificates/claim" => json!({ "type": "no_such_type" }),
            "/certificates/verify" => json!({}),
            "/admin/service-clients" => json!({ "name": "", "department": "WJ", "scopes": [] }),
            "/admin/service-clients/{client_id}/secrets" => json!({ "grace_hours": -1 }),
            _ => json!({}),
        }
    };
    let mut failures = Vec::new();
    let mut cells = 0;
    for file in [
        "api.rs",
        "cert_api.rs",
        "ledger_api.rs",
        "guide_api.rs",
        "openapi.rs",
        "benefit_api.rs",
        "service_api.rs",
        "webhook_api.rs",
    ] {
        for (route, methods) in routes_in(file) {
            for method in methods {
                let Some(expected) = allowed(method, &route) else {
                    continue;
                };
                for (role, token) in ROLES.iter().zip(&tokens) {
                    let mut path = fill(&route);
                    if route.starts_with("/ledger/proof/inclusion") {
                        path.push_str("?index=0&size=1");
                    } else if route.starts_with("/ledger/proof/consistency") {
                        path.push_str("?old=1&new=2");
                    }
                    let (status, answer) = if route == "/healthz" {
                        let response = node
                            .client
                            .get(node.base.replace("/api/v1", "/healthz"))
                            .send()
                            .await
                            .unwrap();
                        (response.status(), serde_json::Value::Null)
                    } else {
                        let request_body = (method == "POST").then(|| body(&route));
                        node.call(method, &path, token.as_deref(), request_body).await
                    };
                    let should = expected.contains(role);
                    if refused(status, &answer) == should {
                        failures.push(format!(
                            "{method} {route} as {role}: {status} {} (expected {})",
                            answer["error"]["code"],
                            if should { "allowed" } else { "refused" }
                        ));
                    }
                    cells += 1;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells >= 8 * 30, "only {cells} cells");
    // Nothing of that changed the case the department is working on.
    let (_, after) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(task_state(&after, "GG00101001"), "accepted");
}

/// Who may open each page: `None` for pages tested elsewhere with what they need.
fn may_open(route: &str) -> Option<&'static [&'static str]> {
    const ALL: &[&str] = &ROLES;
    const SIGNED_IN: &[&str] = &[
        "owner",
        "other_applicant",
        "staff_with_task",
        "staff_without",
        "window",
        "admin",
        "auditor",
    ];
    const APPLICANTS: &[&str] = &["owner", "other_applicant"];
    const STAFF: &[&str] = &["staff_with_task", "staff_without", "window"];
    const SUPERVISORS: &[&str] = &["admin", "auditor"];
    Some(match route {
        "/"
        | "/one-things/{id}"
        | "/one-things/{id}/notice"
        | "/groups/{id}"
        | "/verify"
        | "/verify/s/{token}"
        | "/verify/{id}"
        | "/verify/number"
        | "/intake"
        | "/login"
        | "/display"
        | "/assets/app.css"
        | "/assets/app.js" => ALL,
        // The form: applicants, and the window on a person's behalf.
        "/one-things/{id}/apply" => &["owner", "other_applicant", "window"],
        "/my/certificates" | "/my/cases" | "/my/data-access" => APPLICANTS,
        "/my/certificates/{id}" | "/my/certificates/{id}/file" | "/my/cases/{id}" => &["owner"],
        // The file handed in: its owner and the department whose item needs it.
        "/files/{id}/{upload}" => &["owner", "staff_with_task"],
        "/inbox" => SIGNED_IN,
        "/workbench" | "/workbench/rectifications" => STAFF,
        // Only a department that leads some one-thing: 民政 (身后一件事) and 公安
        // (户口迁移一件事), not the window.
        "/workbench/lead" => &["staff_with_task", "staff_without"],
        "/workbench/cases/{id}/tasks/{item}" => &["staff_with_task"],
        "/admin"
        | "/admin/one-things/{id}"
        | "/admin/cases"
        | "/admin/calendar"
        | "/admin/service-clients"
        | "/admin/webhooks" => &["admin"],
        // Without a configured provider everyone is told there is none; the login
        // through one is tested end to end (e2e/tests/oidc.test.js).
        "/login/oidc" | "/login/oidc/callback" => &[],
        // Supervision of rectifications: read by the auditor too.
        "/admin/rectifications" | "/admin/cases/{id}" => SUPERVISORS,
        "/dashboard" | "/dashboard/{name}" => &["staff_with_task", "staff_without", "window", "admin", "auditor"],
        "/window/rate" => &["window"],
        // Needs a bad rating first: covered by the rectification tests in watch.rs.
        "/workbench/rectifications/{id}" | "/admin/rectifications/{id}" => return None,
        "/my/benefits" => APPLICANTS,
        "/workbench/policies" => &["staff_with_task", "staff_without", "window", "admin", "auditor"],
        // 高龄津贴 is 民政's (staff_without).
        "/workbench/policies/{id}" | "/workbench/policies/{id}/findings.csv" => &["staff_without", "admin", "auditor"],
        _ => panic!("page {route} is not in the authorization matrix: add it"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_every_kind_of_caller_as_the_matrix_says() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (owner, _, id, _) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    let (_, mine) = node.call("GET", "/me/certificates", Some(&owner), None).await;
    let certificate = mine["certificates"][0]["id"].as_str().unwrap().to_owned();
    // A share link and an uploaded scan, stored as the pages store them.
    let secret = "c".repeat(64);
    let now = node.state.now();
    node.store
        .put_certificate_share(
            &server::auth::token_hash(&secret),
            &certificate,
            now + chrono::Duration::days(7),
            now,
            "applicant-zhangsan",
        )
        .await
        .unwrap();
    let scan = b"\x89PNG\r\n\x1a\n scan".to_vec();
    let with_upload = cases::CaseId::parse("YJS20260212PAGES001").unwrap();
    let mut copy = node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case;
    copy.id = with_upload.clone();
    let upload = store::Upload {
        id: "UP-1".into(),
        case_id: with_upload.to_string(),
        material: "parents_id_card".into(),
        file_name: "id.png".into(),
        content_type: "image/png".into(),
        size: scan.len() as i64,
        sha256: "0".repeat(64),
        uploaded_at: now,
        uploaded_by: "applicant-zhangsan".into(),
    };
    node.store
        .insert_case_with_uploads(&copy, &[], None, &[(upload, scan)], &[])
        .await
        .unwrap();
    let tokens = [
        None,
        Some(owner.clone()),
        Some(node.login("lisi").await),
        Some(node.login("staff-ga").await),
        Some(node.login("staff-mz").await),
        Some(node.login("staff-zw").await),
        Some(node.login("admin").await),
        Some(node.login("auditor").await),
    ];
    let fill = |route: &str| {
        route
            .replace("/one-things/{id}/apply", "/one-things/newborn/apply?hukou_local=yes&parents_married=no&insure_child=no&maternity_claim=no&noprefill=1")
            .replace("/one-things/{id}", "/one-things/newborn")
            .replace("/admin/one-things/{id}", "/admin/one-things/newborn")
            .replace("/groups/{id}", "/groups/enterprise-entry")
            .replace("/policies/{id}", "/policies/elderly_allowance")
            .replace("/my/certificates/{id}", &format!("/my/certificates/{certificate}"))
            .replace("/verify/s/{token}", &format!("/verify/s/{secret}"))
            .replace("/verify/{id}", &format!("/verify/{certificate}"))
            .replace("/files/{id}/{upload}", &format!("/files/{with_upload}/UP-1"))
            .replace("/dashboard/{name}", "/dashboard/departments.csv")
            .replace("/display", "/display?mode=large&back=%2F")
            .replace("{id}", &id)
            .replace("{item}", "QR00201001")
    };
    let site = node.base.replace("/api/v1", "");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut failures = Vec::new();
    let mut cells = 0;
    for (route, methods) in routes_in("web/mod.rs") {
        if !methods.contains(&"GET") {
            continue;
        }
        let Some(expected) = may_open(&route) else { continue };
        for (role, token) in ROLES.iter().zip(&tokens) {
            let mut request = no_redirect.get(format!("{site}{}", fill(&route)));
            if let Some(token) = token {
                request = request.header("cookie", format!("onething_session={token}"));
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let to_login = response
                .headers()
                .get("location")
                .is_some_and(|l| l.to_str().unwrap_or_default().starts_with("/login"));
            let refused = matches!(status.as_u16(), 401 | 403 | 404) || to_login;
            let should = expected.contains(role);
            if refused == should {
                failures.push(format!(
                    "GET {route} as {role}: {status} (expected {})",
                    if should { "allowed" } else { "refused" }
                ));
            }
            cells += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells >= 8 * 28, "only {cells} cells");
}

/// Who may use each page form once its CSRF token is right: `None` for forms tested
/// elsewhere (logging in and out change the sessions; the multipart application form
/// and the rectification form need what their own tests set up).
fn may_post(route: &str) -> Option<&'static [&'static str]> {
    const APPLICANTS: &[&str] = &["owner", "other_applicant"];
    Some(match route {
        "/login" | "/logout" | "/one-things/{id}/apply" | "/workbench/rectifications/{id}" => return None,
        // The public check of an uploaded certificate file.
        "/verify" => &ROLES,
        // A description read (nothing is stored or used until confirmed): open to all;
        // an anonymous visitor's token is the double-submit cookie, which this test's
        // anonymous caller does not hold, so it is refused here like any tokenless post.
        "/intake" => &[
            "owner",
            "other_applicant",
            "staff_with_task",
            "staff_without",
            "window",
            "admin",
            "auditor",
        ],
        // Confirming opens the one form: applicants, and the window for a person.
        "/intake/confirm" => &["owner", "other_applicant", "window"],
        "/one-things/{id}/prefill" | "/my/certificates/claim" => APPLICANTS,
        "/my/certificates/{id}/share" | "/my/cases/{id}/supplement" | "/my/cases/{id}/rating" => &["owner"],
        "/workbench/cases/{id}/tasks/{item}/question" | "/workbench/cases/{id}/tasks/{item}/{action}" => {
            &["staff_with_task"]
        }
        // Only the issuing department (卫健 for the 出生医学证明) revokes.
        "/workbench/certificates/{id}/revoke" => &[],
        // Only the lead department of the one-thing (卫健 leads 新生儿出生).
        "/workbench/lead/{id}/{item}/remind" => &[],
        "/admin/calendar" | "/admin/service-clients" | "/admin/webhooks" => &["admin"],
        // No subscription or dead letter exists here: nothing to act on.
        "/admin/webhooks/{id}/disable"
        | "/admin/webhooks/{id}/enable"
        | "/admin/webhooks/{id}/dead-letters/{seq}/replay" => &[],
        "/window/rate" => &["window"],
        // No finding of anyone here (the benefit tests decline a real one).
        "/my/benefits/{id}/{action}" => &[],
        "/workbench/policies/{id}/run" | "/workbench/policies/{id}/confirm" => &["staff_without", "admin"],
        // No such finding here: the department is told "not found", everyone else refused.
        "/workbench/policies/{id}/findings/{finding}/answer" => &[],
        _ => panic!("page form {route} is not in the authorization matrix: add it"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_form_with_its_token_answers_every_kind_of_caller_as_the_matrix_says() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (owner, _, id, _) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    let (_, mine) = node.call("GET", "/me/certificates", Some(&owner), None).await;
    let certificate = mine["certificates"][0]["id"].as_str().unwrap().to_owned();
    let sessions = [
        None,
        Some(owner.clone()),
        Some(node.login("lisi").await),
        Some(node.login("staff-ga").await),
        Some(node.login("staff-mz").await),
        Some(node.login("staff-zw").await),
        Some(node.login("admin").await),
        Some(node.login("auditor").await),
    ];
    let site = node.base.replace("/api/v1", "");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Each session's own token, from a page every signed-in person can open.
    let mut tokens = Vec::new();
    for session in &sessions {
        let token = match session {
            Some(session) => {
                let page = no_redirect
                    .get(format!("{site}/inbox"))
                    .header("cookie", format!("onething_session={session}"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                Some(csrf_in(&page))
            }
            None => None,
        };
        tokens.push(token);
    }
    // Values that pass authorization but not validation, so an allowed caller changes
    // nothing either: the case stays as it is for the next caller.
    let fill = |route: &str| {
        route
            .replace("/one-things/{id}", "/one-things/newborn")
            .replace("/my/certificates/{id}", &format!("/my/certificates/{certificate}"))
            .replace(
                "/workbench/certificates/{id}",
                &format!("/workbench/certificates/{certificate}"),
            )
            .replace("/policies/{id}", "/policies/elderly_allowance")
            .replace("{id}", &id)
            .replace("{item}", "QR00201001")
            .replace("{action}", "reject")
    };
    let before = node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .version;
    let mut failures = Vec::new();
    let mut cells = 0;
    for (route, methods) in routes_in("web/mod.rs") {
        if !methods.contains(&"POST") {
            continue;
        }
        let Some(expected) = may_post(&route) else { continue };
        for ((role, session), token) in ROLES.iter().zip(&sessions).zip(&tokens) {
            // An empty reason, an unknown rating level, a calendar file that is not one.
            let mut fields = vec![
                ("reason", ""),
                ("level", "9"),
                ("check", "no_such_check"),
                ("calendar", ""),
            ];
            if let Some(token) = token {
                fields.push(("csrf", token.as_str()));
            }
            let mut request = post_form(&no_redirect.post(format!("{site}{}", fill(&route))), &route, &fields);
            if let Some(session) = session {
                request = request.header("cookie", format!("onething_session={session}"));
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let to_login = response
                .headers()
                .get("location")
                .is_some_and(|l| l.to_str().unwrap_or_default().starts_with("/login"));
            let refused = matches!(status.as_u16(), 401 | 403 | 404) || to_login;
            let should = expected.contains(role);
            if refused == should {
                let body = response.text().await.unwrap_or_default();
                let text: String = body.chars().filter(|c| !c.is_ascii()).take(80).collect();
                failures.push(format!(
                    "POST {route} as {role}: {status} (expected {}) {text}",
                    if should { "allowed" } else { "refused" }
                ));
            }
            cells += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells >= 8 * 12, "only {cells} cells");
    let after = node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .version;
    assert_eq!(before, after, "a refused or invalid form changed the case");
}

/// An address that does not exist: a person gets the site's 404 page with the way
/// home, an integrator under /api/ gets JSON with a stable code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_addresses_answer_a_page_for_people_and_json_for_the_api() {
    let node = spawn_node(sqlite_store().await, true).await;
    let site = node.base.replace("/api/v1", "");
    let response = node
        .client
        .get(format!("{site}/this/does/not/exist"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.contains("没有找到这个页面"), "{html}");
    assert!(html.contains(r#"href="/""#), "a way home: {html}");
    for path in ["/api/v1/this/does/not/exist", "/api/nothing"] {
        let response = node.client.get(format!("{site}{path}")).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "E_NOT_FOUND", "{path}");
    }
}
