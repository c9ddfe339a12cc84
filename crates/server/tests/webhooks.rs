//! Event delivery end to end: a real server, a real receiver on 127.0.0.1:0 that
//! checks every signature with its own HMAC-SHA256 (written here from the RFC 2104
//! construction over SHA-256, not the server's code), and the dispatcher driven
//! under the test's clock so that waits of hours take none. NATS: a real JetStream
//! server at 127.0.0.1:4222 (the test fails when it is down).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Duration, Utc};
use common::*;
use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ------------------------------------------------------------------ the receiver

/// HMAC-SHA256 (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)), K padded to 64 bytes.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&inner_pad).chain_update(message).finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// The Standard Webhooks check a department system makes: the secret's key bytes,
/// `{id}.{timestamp}.{body}`, one matching `v1` signature, a timestamp within 5 min.
fn verified(secret: &str, headers: &HeaderMap, body: &[u8], now: DateTime<Utc>) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let key = BASE64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let Ok(seconds) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now.timestamp() - seconds).abs() > 300 {
        return false;
    }
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    let expected = format!("v1,{}", BASE64.encode(hmac_sha256(&key, &signed)));
    header("webhook-signature")
        .split(' ')
        .any(|candidate| candidate == expected)
}

#[derive(Clone, Debug)]
struct Received {
    path: String,
    id: String,
    body: Value,
    raw: Vec<u8>,
    headers: HeaderMap,
    answered: u16,
}

#[derive(Default)]
struct Script {
    /// Answers to give, in order, per path; then `default`.
    answers: HashMap<String, VecDeque<u16>>,
    default: HashMap<String, u16>,
    received: Vec<Received>,
}

#[derive(Clone)]
struct Receiver {
    script: Arc<Mutex<Script>>,
    base: String,
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AxumStatus {
    let mut script = script.lock().unwrap();
    let path = uri.path().to_owned();
    let default = script.default.get(&path).copied().unwrap_or(200);
    let answer = script
        .answers
        .entry(path.clone())
        .or_default()
        .pop_front()
        .unwrap_or(default);
    script.received.push(Received {
        path,
        id: headers["webhook-id"].to_str().unwrap().to_owned(),
        body: serde_json::from_slice(&body).unwrap(),
        raw: body.to_vec(),
        headers,
        answered: answer,
    });
    AxumStatus::from_u16(answer).unwrap()
}

impl Receiver {
    async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new().fallback(receive).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            script,
            base: format!("http://{address}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn answer(&self, path: &str, answers: &[u16]) {
        self.script
            .lock()
            .unwrap()
            .answers
            .insert(path.into(), answers.iter().copied().collect());
    }

    fn default(&self, path: &str, status: u16) {
        self.script.lock().unwrap().default.insert(path.into(), status);
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.script
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

// ------------------------------------------------------------------ helpers

async fn dispatch(node: &Node) -> usize {
    server::webhooks::dispatch_once(&node.state, None).await.unwrap()
}

fn now(node: &Node) -> DateTime<Utc> {
    *node.clock.lock().unwrap()
}

fn advance(node: &Node, by: Duration) {
    *node.clock.lock().unwrap() += by;
}

async fn subscribe(node: &Node, admin: &str, body: Value) -> Value {
    let (status, created) = node.call("POST", "/admin/webhooks", Some(admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn ledger_mentions(node: &Node, what: &str) -> bool {
    let (size, _) = node.store.ledger_head().await.unwrap();
    let rows = node.store.ledger_rows(0, size).await.unwrap();
    rows.iter()
        .any(|row| String::from_utf8_lossy(&row.entry).contains(what))
}

// ------------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_subscriptions_are_refused_with_a_code_and_change_nothing() {
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let cases = [
        (
            json!({ "department": "WJ", "url": "ftp://wj.example/hook" }),
            "E_WEBHOOK_URL_INVALID",
        ),
        (
            json!({ "department": "WJ", "url": "not a url" }),
            "E_WEBHOOK_URL_INVALID",
        ),
        (
            json!({ "department": "NOPE", "url": "http://127.0.0.1:1/" }),
            "E_DEPARTMENT_NOT_FOUND",
        ),
        (
            json!({ "department": "WJ", "url": "http://127.0.0.1:1/", "event_types": ["task.eaten"] }),
            "E_WEBHOOK_EVENT_UNKNOWN",
        ),
        (
            json!({ "department": "WJ", "url": "http://127.0.0.1:1/", "scheme": "v2" }),
            "E_WEBHOOK_SCHEME_INVALID",
        ),
    ];
    for (body, code) in cases {
        let (status, error) = node
            .call("POST", "/admin/webhooks", Some(&admin), Some(body.clone()))
            .await;
        assert!(status.is_client_error(), "{body}: {status}");
        assert_eq!(error["error"]["code"], code, "{body}: {error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "Chinese message: {message}"
        );
    }
    // Only administrators manage subscriptions.
    let staff = node.login("staff-wj").await;
    let (status, error) = node
        .call(
            "POST",
            "/admin/webhooks",
            Some(&staff),
            Some(json!({ "department": "WJ", "url": "http://127.0.0.1:1/" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let (status, _) = node
        .call("GET", "/admin/webhooks/dead-letters", Some(&staff), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) = node.call("GET", "/admin/webhooks", Some(&admin), None).await;
    assert_eq!(list, json!([]), "nothing was stored");
    let (status, error) = node
        .call("POST", "/admin/webhooks/WHX/dead-letters/1/replay", Some(&admin), None)
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_DEAD_LETTER_NOT_FOUND"))
    );
    let (status, error) = node
        .call("POST", "/admin/webhooks/WHX/disable", Some(&admin), None)
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_WEBHOOK_NOT_FOUND"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_in_case_order_retried_disabled_dead_lettered_and_replayed() {
    let receiver = Receiver::start().await;
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;

    let wj = subscribe(&node, &admin, json!({ "department": "WJ", "url": receiver.url("/wj") })).await;
    let secret = wj["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let wj_id = wj["subscription"]["id"].as_str().unwrap().to_owned();
    let gone = subscribe(
        &node,
        &admin,
        json!({ "department": "WJ", "url": receiver.url("/gone") }),
    )
    .await;
    let gone_id = gone["subscription"]["id"].as_str().unwrap().to_owned();
    assert!(
        ledger_mentions(&node, "webhook_subscription_create").await,
        "the admin's action is in the ledger"
    );
    let (_, listed) = node.call("GET", "/admin/webhooks", Some(&admin), None).await;
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once, never listed"
    );

    // The first delivery to /wj fails; /gone answers 410 Gone.
    receiver.answer("/wj", &[500]);
    receiver.default("/gone", 410);
    // A case dispatched to WJ and rejected by it: two events for WJ, in this order.
    let (_applicant, case_id) = finished_case(&node).await;
    assert_eq!(
        dispatch(&node).await,
        2,
        "the first event of the case, to each subscription"
    );
    assert_eq!(
        dispatch(&node).await,
        0,
        "the retry is not due; the second event waits for the first"
    );
    assert_eq!(receiver.at("/wj").len(), 1);
    advance(&node, Duration::seconds(6));
    assert_eq!(dispatch(&node).await, 1);
    assert_eq!(dispatch(&node).await, 1);
    assert_eq!(dispatch(&node).await, 0);

    let got = receiver.at("/wj");
    let summary: Vec<(String, u16)> = got
        .iter()
        .map(|r| (r.body["type"].as_str().unwrap().to_owned(), r.answered))
        .collect();
    assert_eq!(
        summary,
        [
            ("task.dispatched".to_owned(), 500),
            ("task.dispatched".to_owned(), 200),
            ("case.rejected".to_owned(), 200)
        ]
    );
    assert_eq!(got[0].id, got[1].id, "a retry keeps its message id");
    assert_ne!(got[1].id, got[2].id);
    for received in &got {
        assert!(
            verified(&secret, &received.headers, &received.raw, now(&node)),
            "signature of {}",
            received.id
        );
        assert_eq!(received.body["data"]["case_id"], case_id.as_str());
        assert_eq!(received.body["data"]["department"], "WJ");
    }
    // A changed byte fails the receiver's check.
    let mut tampered = got[2].raw.clone();
    tampered[0] = b' ';
    assert!(!verified(&secret, &got[2].headers, &tampered, now(&node)));
    // No personal data: the applicant's form values never appear.
    let form = newborn_form(&node).await;
    for value in form
        .values()
        .filter(|value| value.chars().count() >= 2 && value.parse::<f64>().is_err())
    {
        for received in &got {
            assert!(
                !String::from_utf8_lossy(&received.raw).contains(value.as_str()),
                "{value} in a webhook"
            );
        }
    }

    // 410 disabled /gone: it was tried once and is never called again.
    assert_eq!(receiver.at("/gone").len(), 1);
    let (_, listed) = node.call("GET", "/admin/webhooks", Some(&admin), None).await;
    let gone_now = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == gone_id.as_str())
        .unwrap();
    assert_eq!(gone_now["enabled"], false);
    assert_eq!(gone_now["disabled_reason"], "410 Gone");

    // A subscription that always fails: ten attempts on the schedule, then a dead letter.
    let dead = subscribe(
        &node,
        &admin,
        json!({ "department": "WJ", "url": receiver.url("/dead"), "event_types": ["task.dispatched"] }),
    )
    .await;
    let dead_id = dead["subscription"]["id"].as_str().unwrap().to_owned();
    let dead_secret = dead["secret"].as_str().unwrap().to_owned();
    receiver.default("/dead", 503);
    newborn_case(&node).await;
    for attempt in 1..=10 {
        assert_eq!(
            dispatch(&node).await,
            if attempt == 1 { 2 } else { 1 },
            "attempt {attempt}"
        );
        assert_eq!(dispatch(&node).await, 0, "attempt {attempt} waits for its time");
        // Longer than the longest wait with its jitter (24 h + 10 % = 26.4 h).
        advance(&node, Duration::hours(27));
    }
    assert_eq!(dispatch(&node).await, 0, "given up after ten attempts");
    assert_eq!(receiver.at("/dead").len(), 10);
    // Eleven days passed: the administrator logs in again.
    let admin = node.login("admin").await;
    let (status, letters) = node
        .call("GET", "/admin/webhooks/dead-letters", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let letters = letters.as_array().unwrap().clone();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["subscription_id"], dead_id.as_str());
    assert_eq!(letters[0]["last_status"], 503);
    assert_eq!(letters[0]["attempts"], 10);

    // Replayed from the admin API, it is delivered once the endpoint works again.
    receiver.default("/dead", 200);
    let seq = letters[0]["outbox_seq"].as_i64().unwrap();
    let (status, body) = node
        .call(
            "POST",
            &format!("/admin/webhooks/{dead_id}/dead-letters/{seq}/replay"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(ledger_mentions(&node, "webhook_replay").await);
    assert_eq!(dispatch(&node).await, 1);
    let last = receiver.at("/dead").pop().unwrap();
    assert_eq!((last.answered, last.id.clone()), (200, format!("msg_{seq}")));
    assert!(verified(&dead_secret, &last.headers, &last.raw, now(&node)));
    let (_, letters) = node
        .call("GET", "/admin/webhooks/dead-letters", Some(&admin), None)
        .await;
    assert_eq!(letters, json!([]));
    let (status, log) = node
        .call(
            "GET",
            &format!("/admin/webhooks/{dead_id}/attempts"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 11);
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["attempt"], 11);
    assert!(log[1..].iter().all(|attempt| attempt["status"] == 503));

    // Disabling is an admin action with its entry; disabling twice is refused.
    let (status, disabled) = node
        .call("POST", &format!("/admin/webhooks/{wj_id}/disable"), Some(&admin), None)
        .await;
    assert_eq!((status, disabled["enabled"].clone()), (StatusCode::OK, json!(false)));
    assert!(ledger_mentions(&node, "webhook_subscription_disable").await);
    let (status, error) = node
        .call("POST", &format!("/admin/webhooks/{wj_id}/disable"), Some(&admin), None)
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_WEBHOOK_DISABLED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ed25519_webhooks_verify_with_the_public_key() {
    let receiver = Receiver::start().await;
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let created = subscribe(
        &node,
        &admin,
        json!({ "department": "WJ", "url": receiver.url("/ed"), "scheme": "v1a" }),
    )
    .await;
    assert!(created["secret"].is_null(), "no shared secret");
    let public_key = created["subscription"]["public_key"].as_str().unwrap().to_owned();
    newborn_case(&node).await;
    assert_eq!(dispatch(&node).await, 1);
    let got = receiver.at("/ed").pop().unwrap();
    let header = |name: &str| got.headers[name].to_str().unwrap().to_owned();
    assert!(header("webhook-signature").starts_with("v1a,"));
    webhooks::signature::verify_v1a(
        &public_key,
        &header("webhook-id"),
        &header("webhook-timestamp"),
        &got.raw,
        &header("webhook-signature"),
        now(&node),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_events_are_published_to_nats_jetstream() {
    let suffix = rand_suffix().replace('_', "x");
    let prefix = format!("onething_test_{suffix}");
    let stream = format!("ONETHING_TEST_{suffix}");
    let url = std::env::var("ONETHING_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let nats = server::webhooks::Nats::connect(&url, &stream, &prefix)
        .await
        .unwrap_or_else(|error| panic!("NATS JetStream at {url} is required for this test: {error}"));
    let client = async_nats::connect(&url).await.unwrap();
    let mut messages = client.subscribe(format!("{prefix}.>")).await.unwrap();
    client.flush().await.unwrap();

    let node = spawn_node(sqlite_store().await, true).await;
    server::webhooks::ensure_nats_subscription(&node.state, &stream)
        .await
        .unwrap();
    let (_, _, case_id, _) = newborn_case(&node).await;
    assert_eq!(
        server::webhooks::dispatch_once(&node.state, Some(&nats)).await.unwrap(),
        1
    );
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), messages.next())
        .await
        .expect("the event reached NATS")
        .unwrap();
    assert_eq!(message.subject.as_str(), format!("{prefix}.WJ.task.dispatched"));
    let body: Value = serde_json::from_slice(&message.payload).unwrap();
    assert_eq!(body["type"], "task.dispatched");
    assert_eq!(body["data"]["case_id"], case_id.as_str());
    // The stream kept it (JetStream acknowledged the publish).
    let jetstream = async_nats::jetstream::new(client);
    let mut kept = jetstream.get_stream(&stream).await.unwrap();
    assert_eq!(kept.info().await.unwrap().state.messages, 1);
    jetstream.delete_stream(&stream).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_subscribes_shows_the_secret_once_and_disables() {
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let staff = node.login("staff-wj").await;
    let (status, _) = page_as(&node, &staff, "/admin/webhooks").await;
    assert_ne!(status, StatusCode::OK, "staff do not manage subscriptions");
    let (status, html) = page_as(&node, &admin, "/admin/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("还没有订阅"));
    let csrf = csrf_in(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let url = format!("{}/admin/webhooks", node.base.replace("/api/v1", ""));
        let admin = admin.clone();
        async move {
            let response = client
                .post(url)
                .header("cookie", format!("onething_session={admin}"))
                .form(&fields)
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    // A bad address is refused in Chinese and nothing is stored.
    let (status, html) = post(vec![
        ("csrf", csrf.clone()),
        ("department", "WJ".into()),
        ("url", "wj.example".into()),
        ("scheme", "v1".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("推送地址必须是"), "{html}");
    assert!(node.store.subscriptions().await.unwrap().is_empty());
    // Without the page's token nothing happens either.
    let (status, _) = post(vec![
        ("department", "WJ".into()),
        ("url", "https://wj.example/h".into()),
    ])
    .await;
    assert!(status.is_client_error());
    assert!(node.store.subscriptions().await.unwrap().is_empty());

    let (status, html) = post(vec![
        ("csrf", csrf.clone()),
        ("department", "WJ".into()),
        ("url", "https://wj.example/hook".into()),
        ("scheme", "v1".into()),
        ("event_case.completed", "1".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let start = html.find("whsec_").expect("the secret is shown");
    let secret: String = html[start..].chars().take_while(|c| *c != '<').collect();
    let stored = node.store.subscriptions().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].event_types, ["case.completed"]);
    let (_, again) = page_as(&node, &admin, "/admin/webhooks").await;
    assert!(!again.contains(&secret), "shown once only");
    assert!(again.contains("wj.example"), "the subscription is listed");

    let (status, location) = post_form(
        &node,
        &admin,
        "/admin/webhooks",
        &format!("/admin/webhooks/{}/disable", stored[0].id),
        &[],
    )
    .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/admin/webhooks"));
    assert!(!node.store.subscription(&stored[0].id).await.unwrap().unwrap().enabled);

    // A stopped subscription offers 重新启用, which starts it again.
    let (_, html) = page_as(&node, &admin, "/admin/webhooks").await;
    let enable = format!("/admin/webhooks/{}/enable", stored[0].id);
    assert!(html.contains(&enable) && html.contains("重新启用"), "{html}");
    let (status, location) = post_form(&node, &admin, "/admin/webhooks", &enable, &[]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/admin/webhooks"));
    assert!(node.store.subscription(&stored[0].id).await.unwrap().unwrap().enabled);
    let (_, html) = page_as(&node, &admin, "/admin/webhooks").await;
    assert!(!html.contains(&enable), "an enabled subscription offers 停用 only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_subscription_is_enabled_again_and_sends_what_waited() {
    let receiver = Receiver::start().await;
    let node = spawn_node(sqlite_store().await, true).await;
    let admin = node.login("admin").await;
    let created = subscribe(
        &node,
        &admin,
        json!({ "department": "WJ", "url": receiver.url("/moving") }),
    )
    .await;
    let id = created["subscription"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let enable = format!("/admin/webhooks/{id}/enable");

    // The endpoint answers 410 Gone while it moves: the subscription stops after the
    // first event of a case (task.dispatched), the second (case.rejected) waits.
    receiver.answer("/moving", &[410]);
    let (_applicant, case_id) = finished_case(&node).await;
    assert_eq!(dispatch(&node).await, 1);
    assert_eq!(dispatch(&node).await, 0, "a disabled subscription is sent nothing");
    // A case written while it is disabled is not queued for it.
    let (_, while_disabled, _, _) = newborn_case(&node).await;
    assert_eq!(dispatch(&node).await, 0);
    // Staff may not enable it.
    let staff = node.login("staff-wj").await;
    let (status, _) = node.call("POST", &enable, Some(&staff), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!node.store.subscription(&id).await.unwrap().unwrap().enabled);

    // The administrator enables it again: an entry in the ledger, the reason cleared.
    let (status, enabled) = node.call("POST", &enable, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{enabled}");
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["disabled_reason"], Value::Null);
    assert!(ledger_mentions(&node, "webhook_subscription_enable").await);
    let (status, error) = node.call("POST", &enable, Some(&admin), None).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_WEBHOOK_ENABLED"))
    );

    // What waited is sent, in the case's order, the refused message with its id.
    assert_eq!(dispatch(&node).await, 1);
    assert_eq!(dispatch(&node).await, 1);
    assert_eq!(
        dispatch(&node).await,
        0,
        "the case written while disabled was not queued"
    );
    let got = receiver.at("/moving");
    let summary: Vec<(String, u16)> = got
        .iter()
        .map(|r| (r.body["type"].as_str().unwrap().to_owned(), r.answered))
        .collect();
    assert_eq!(
        summary,
        [
            ("task.dispatched".to_owned(), 410),
            ("task.dispatched".to_owned(), 200),
            ("case.rejected".to_owned(), 200)
        ]
    );
    assert_eq!(got[0].id, got[1].id);
    for received in &got {
        assert_eq!(received.body["data"]["case_id"], case_id.as_str());
        assert_ne!(received.body["data"]["case_id"], while_disabled["id"]);
        assert!(verified(&secret, &received.headers, &received.raw, now(&node)));
    }
}
