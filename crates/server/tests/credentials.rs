//! Department systems with OAuth 2.0 client credentials (RFC 6749 §4.4): an admin
//! creates a client, the system trades its secret for a short-lived token and works
//! its department's tasks within its scopes, never another department's; rotation
//! keeps the old secret working for its grace period, revocation ends it; every use
//! is in the ledger as `system:<client_id>`; a wrong secret changes nothing but the
//! count towards the lock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use base64::Engine;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Store;

/// The ledger entries after `from`, decoded.
async fn entries_since(node: &Node, from: u64) -> Vec<ledger::LedgerEntry> {
    let (size, _) = node.store.ledger_head().await.unwrap();
    node.store
        .ledger_rows(from, size - from)
        .await
        .unwrap()
        .iter()
        .map(|row| ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap())
        .collect()
}

async fn ledger_size(node: &Node) -> u64 {
    node.store.ledger_head().await.unwrap().0
}

/// Creates a client as the admin: its id and its secret.
async fn create_client(node: &Node, admin: &str, department: &str, scopes: &[&str]) -> (String, String) {
    let (status, body) = node
        .call(
            "POST",
            "/admin/service-clients",
            Some(admin),
            Some(json!({ "name": format!("{department}业务系统"), "department": department, "scopes": scopes })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["client"]["client_id"].as_str().unwrap().to_owned(),
        body["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// `POST /oauth/token` with HTTP Basic credentials and an optional scope.
async fn token_basic(node: &Node, id: &str, secret: &str, scope: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let response = node
        .client
        .post(format!("{}/oauth/token", node.base))
        .header("authorization", format!("Basic {credentials}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    (status, response.json().await.unwrap())
}

/// `POST /oauth/token` with the credentials in the form.
async fn token_form(node: &Node, id: &str, secret: &str) -> (StatusCode, Value) {
    let response = node
        .client
        .post(format!("{}/oauth/token", node.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn access_token(node: &Node, id: &str, secret: &str) -> String {
    let (status, body) = token_basic(node, id, secret, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The stable error code: in our error shape, or beside RFC 6749's `error` at the
/// token endpoint.
fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .or_else(|| body["code"].as_str())
        .unwrap_or_default()
}

async fn a_department_system_works_its_tasks_within_its_scopes(store: Arc<dyn Store>) {
    let node = spawn_node(store, true).await;
    let (_, _, case_id, _) = newborn_case(&node).await;
    let admin = node.login("admin").await;
    let (client, secret) = create_client(&node, &admin, "WJ", &["tasks:read", "tasks:accept", "fields:read"]).await;
    assert!(client.starts_with("wj-"), "{client}");

    // Nobody but the admin manages clients, and the secret is never shown again.
    let staff = node.login("staff-wj").await;
    let (status, body) = node.call("GET", "/admin/service-clients", Some(&staff), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, list) = node.call("GET", "/admin/service-clients", Some(&admin), None).await;
    assert_eq!(list["clients"][0]["client_id"], client);
    assert!(!list.to_string().contains(&secret));

    // A token by HTTP Basic and by form; it carries the client's scopes.
    let (status, issued) = token_basic(&node, &client, &secret, None).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 600);
    assert_eq!(issued["scope"], "tasks:read tasks:accept fields:read");
    let token = issued["access_token"].as_str().unwrap().to_owned();
    let (status, body) = token_form(&node, &client, &secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Its department's queue, and no other department's.
    let (status, queue) = node.call("GET", "/departments/WJ/tasks", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert!(
        queue["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["case_id"] == case_id)
    );
    let (status, body) = node.call("GET", "/departments/GA/tasks", Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The case, with only the fields its department's items use.
    let (status, case) = node.call("GET", &format!("/cases/{case_id}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert!(case["form"].get("child.name").is_some());
    assert!(
        case["form"].get("child.hukou_address").is_none(),
        "a 公安 field: {case}"
    );
    assert!(
        case["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["department"] == "WJ")
    );

    // Accepting is in its scopes; it is in the ledger as the system.
    let before = ledger_size(&node).await;
    let (status, accepted) = act(&node, &token, &case_id, "GG00101001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(task_state(&accepted, "GG00101001"), "accepted");
    let actor = format!("system:{client}");
    let entries = entries_since(&node, before).await;
    assert!(
        entries
            .iter()
            .any(|e| e.actor == actor && e.department.as_deref() == Some("WJ") && e.detail.contains("accepted")),
        "{entries:?}"
    );
    let events = node
        .store
        .case_events(&cases::CaseId::parse(&case_id).unwrap())
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.event.actor == actor));
    // Its reads are entries about the applicant, by the system.
    let reads = node.store.access_log(&case_id).await.unwrap();
    assert!(reads.iter().any(|r| r.actor == actor && r.action == "read_case"));

    // Approving is not: refused with the scope named, and nothing changes.
    let before = ledger_size(&node).await;
    let (status, body) = act(
        &node,
        &token,
        &case_id,
        "GG00101001",
        "approve",
        json!({ "outputs": {} }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "E_SCOPE_MISSING");
    assert!(body["error"]["message"].as_str().unwrap().contains("tasks:approve"));
    assert_eq!(ledger_size(&node).await, before);
    let (_, case) = node.call("GET", &format!("/cases/{case_id}"), Some(&staff), None).await;
    assert_eq!(task_state(&case, "GG00101001"), "accepted");

    // A narrower token cannot do what it did not ask for; a wider one is refused.
    let (status, narrow) = token_basic(&node, &client, &secret, Some("tasks:read")).await;
    assert_eq!(status, StatusCode::OK, "{narrow}");
    assert_eq!(narrow["scope"], "tasks:read");
    let narrow = narrow["access_token"].as_str().unwrap();
    let (status, body) = node.call("GET", &format!("/cases/{case_id}"), Some(narrow), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "E_SCOPE_MISSING"),
        "{body}"
    );
    let (status, body) = token_basic(&node, &client, &secret, Some("tasks:read tasks:approve")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "E_SCOPE_INVALID"),
        "{body}"
    );
    let (status, body) = token_basic(&node, &client, &secret, Some("cases:delete")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "E_SCOPE_INVALID"),
        "{body}"
    );

    // A system's token opens nothing but the department-task routes.
    for path in [
        "/me",
        "/cases",
        "/dashboard",
        "/rectifications",
        "/admin/service-clients",
    ] {
        let (status, body) = node.call("GET", path, Some(&token), None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "E_SERVICE_NOT_ALLOWED"),
            "{path}: {body}"
        );
    }

    // Another department's system never sees this department's work.
    let (ga, ga_secret) = create_client(&node, &admin, "GA", &["tasks:read", "tasks:accept", "fields:read"]).await;
    let ga_token = access_token(&node, &ga, &ga_secret).await;
    let (status, body) = node
        .call("GET", &format!("/cases/{case_id}"), Some(&ga_token), None)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND"),
        "{body}"
    );
    let (status, body) = act(&node, &ga_token, &case_id, "GG00101001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = node.call("GET", "/departments/WJ/tasks", Some(&ga_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Tokens are short-lived.
    let later = *node.clock.lock().unwrap() + chrono::Duration::minutes(11);
    *node.clock.lock().unwrap() = later;
    let (status, body) = node.call("GET", "/departments/WJ/tasks", Some(&token), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "E_TOKEN_EXPIRED"),
        "{body}"
    );
    let (status, body) = node.call("GET", "/departments/WJ/tasks", Some("svc_0000"), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "E_TOKEN_INVALID"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_system_works_its_tasks_within_its_scopes_on_sqlite() {
    a_department_system_works_its_tasks_within_its_scopes(sqlite_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_system_works_its_tasks_within_its_scopes_on_postgres() {
    a_department_system_works_its_tasks_within_its_scopes(postgres_store(&new_schema()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_the_old_secret_for_its_grace_period_and_revocation_ends_it() {
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let (client, old) = create_client(&node, &admin, "WJ", &["tasks:read"]).await;
    let old_token = access_token(&node, &client, &old).await;

    // A new secret; the old one keeps working for the grace period.
    let (status, rotated) = node
        .call(
            "POST",
            &format!("/admin/service-clients/{client}/secrets"),
            Some(&admin),
            Some(json!({ "grace_hours": 2 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    let new = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let secrets = rotated["client"]["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2);
    assert!(secrets.iter().all(|s| s["live"] == true));
    let new_id = rotated["secret_id"].as_str().unwrap().to_owned();
    // Both were made at the same instant of the test clock: the old is the other one.
    let old_id = secrets
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .find(|id| *id != new_id)
        .unwrap();
    let new_token = access_token(&node, &client, &new).await;
    let also_old = access_token(&node, &client, &old).await;
    for token in [&old_token, &also_old, &new_token] {
        let (status, body) = node.call("GET", "/departments/WJ/tasks", Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // The admin revokes the old secret before the grace period ends: it and the
    // tokens obtained with it stop at once; the new one works on.
    let (status, body) = node
        .call(
            "POST",
            &format!("/admin/service-clients/{client}/secrets/{old_id}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = token_basic(&node, &client, &old, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "E_CLIENT_AUTH_FAILED"),
        "{body}"
    );
    let (status, body) = node.call("GET", "/departments/WJ/tasks", Some(&also_old), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "E_TOKEN_INVALID"),
        "{body}"
    );
    let (status, _) = node.call("GET", "/departments/WJ/tasks", Some(&new_token), None).await;
    assert_eq!(status, StatusCode::OK);

    // Without revocation, the grace period ends the replaced secret by itself.
    let (_, rotated) = node
        .call(
            "POST",
            &format!("/admin/service-clients/{client}/secrets"),
            Some(&admin),
            Some(json!({ "grace_hours": 1 })),
        )
        .await;
    let newest = rotated["client_secret"].as_str().unwrap().to_owned();
    access_token(&node, &client, &new).await;
    let later = *node.clock.lock().unwrap() + chrono::Duration::minutes(61);
    *node.clock.lock().unwrap() = later;
    let (status, _) = token_basic(&node, &client, &new, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    access_token(&node, &client, &newest).await;
    assert!(
        rotated["client"]["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == new_id.as_str())
    );

    // Revoking the client ends everything.
    let token = access_token(&node, &client, &newest).await;
    let (status, body) = node
        .call(
            "POST",
            &format!("/admin/service-clients/{client}/revoke"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revoked_at"].is_string());
    let (status, body) = node.call("GET", "/departments/WJ/tasks", Some(&token), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "E_TOKEN_INVALID"),
        "{body}"
    );
    let (status, _) = token_basic(&node, &client, &newest, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_changes_nothing_and_counts_towards_a_lock() {
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let (client, secret) = create_client(&node, &admin, "WJ", &["tasks:read"]).await;
    let stored = node.store.service_client(&client).await.unwrap();
    let before = ledger_size(&node).await;

    for wrong in ["", "not-the-secret", &secret[1..]] {
        let (status, body) = token_basic(&node, &client, wrong, None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNAUTHORIZED, "E_CLIENT_AUTH_FAILED"),
            "{body}"
        );
        assert!(body.get("access_token").is_none());
    }
    // An unknown client gets the same answer.
    let (status, body) = token_basic(&node, "wj-unknown", &secret, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "E_CLIENT_AUTH_FAILED"),
        "{body}"
    );
    // Other bad requests: a grant type other than client credentials, no credentials.
    let response = node
        .client
        .post(format!("{}/oauth/token", node.base))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &client),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "E_GRANT_TYPE_UNSUPPORTED");
    // Errors in RFC 6749's shape, which OAuth client libraries read.
    assert_eq!(body["error"], "unsupported_grant_type", "{body}");
    let (status, body) = token_form(&node, &client, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_client", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{4e00}')
    );

    // Nothing was written: no ledger entry, the client as it was.
    assert_eq!(ledger_size(&node).await, before);
    assert_eq!(node.store.service_client(&client).await.unwrap(), stored);

    // The fifth failure in a row locks the client: even the right secret waits.
    let (status, body) = token_basic(&node, &client, "wrong", None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "E_CLIENT_LOCKED"),
        "{body}"
    );
    let (status, body) = token_basic(&node, &client, &secret, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "E_CLIENT_LOCKED"),
        "{body}"
    );
    let later = *node.clock.lock().unwrap() + chrono::Duration::minutes(2);
    *node.clock.lock().unwrap() = later;
    access_token(&node, &client, &secret).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_client_definitions_are_refused_all_at_once() {
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let (status, body) = node
        .call(
            "POST",
            "/admin/service-clients",
            Some(&admin),
            Some(json!({ "name": " ", "department": "XX", "scopes": ["tasks:read", "cases:delete"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "department", "scopes"]);
    let (_, list) = node.call("GET", "/admin/service-clients", Some(&admin), None).await;
    assert!(list["clients"].as_array().unwrap().is_empty());
}

/// The admin page: a client created there shows its secret once, and that secret
/// gets a token; the list never shows it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_creates_a_client_and_shows_its_secret_once() {
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let (status, html) = page_as(&node, &admin, "/admin/service-clients").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("还没有部门系统凭证"));
    let csrf = csrf_in(&html);
    let response = node
        .client
        .post(format!("{}/admin/service-clients", node.base.replace("/api/v1", "")))
        .header("cookie", format!("onething_session={admin}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "create"),
            ("name", "医保业务系统"),
            ("department", "YB"),
            ("scope.tasks:read", "on"),
            ("scope.tasks:accept", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let after = |marker: &str| {
        let start = html.find(marker).unwrap_or_else(|| panic!("{marker} in {html}")) + marker.len();
        html[start..start + html[start..].find('<').unwrap()].to_owned()
    };
    let secret = after("id=\"client-secret\">");
    let client = after("客户端标识（client_id）：<code>");
    assert!(client.starts_with("yb-"), "{client}");
    let (status, issued) = token_basic(&node, &client, &secret, None).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["scope"], "tasks:read tasks:accept");
    let (_, html) = page_as(&node, &admin, "/admin/service-clients").await;
    assert!(html.contains(&client) && !html.contains(&secret));
    // Staff may not open it.
    let staff = node.login("staff-yb").await;
    let (status, _) = page_as(&node, &staff, "/admin/service-clients").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// `--no-password-login`: passwords are refused at the API and the login page, which
/// then offers only 统一身份认证.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_logins_can_be_switched_off() {
    let node = spawn_node_with(sqlite_store().await, true, |state| state.password_login = false).await;
    let before = ledger_size(&node).await;
    let (status, body) = node
        .call(
            "POST",
            "/login",
            None,
            Some(json!({ "username": "zhangsan", "password": server::auth::DEMO_PASSWORD })),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "E_PASSWORD_LOGIN_DISABLED"),
        "{body}"
    );
    assert_eq!(ledger_size(&node).await, before);
    let page = node
        .client
        .get(node.base.replace("/api/v1", "/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("name=\"password\""), "{page}");
}
