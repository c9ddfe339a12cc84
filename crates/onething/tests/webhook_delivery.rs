//! A node killed in the middle of a webhook delivery loses nothing, on the real
//! binary: the department's receiver (a real HTTP server in this test) takes the
//! request of the first event and never answers, so the delivery is in flight; more
//! events are written meanwhile; the process is killed with SIGKILL. Started again on
//! the same database, with the receiver answering, it delivers every event written
//! before the kill — the one in flight once its lease has run out, with the same
//! `webhook-id` and body — and each case's events in their order. On SQLite (`demo`)
//! and on PostgreSQL (`serve`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use store::{DeliveryAttempt, Store, StoredOutboxEvent};

mod common;
use common::{
    Demo, TestSchema, login, newborn_body, postgres_url, postgres_url_in, start_demo_with, start_serve_on_postgres,
    submit,
};

/// The dispatcher's timing for this test: it looks for due deliveries every 20 ms, an
/// endpoint has 5 s to answer, a claimed delivery is held for 10 s (the defaults are
/// 500 ms, 10 s and 60 s; a shorter lease only makes the restarted node take the
/// delivery in flight sooner).
const TIMING: [&str; 6] = [
    "--dispatch-idle-ms",
    "20",
    "--webhook-timeout-seconds",
    "5",
    "--webhook-lease-seconds",
    "10",
];

/// The event types 卫健 subscribes to.
const SUBSCRIBED: [&str; 2] = ["task.dispatched", "case.rejected"];

// ------------------------------------------------------------------ the receiver

/// A request the receiver saw, in the order they arrived.
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    /// The body as text (the payload is JSON), readable when an assertion fails.
    body: String,
    /// Answered 200 (otherwise held without an answer).
    answered: bool,
}

#[derive(Default)]
struct Receiving {
    answering: bool,
    seen: Vec<Seen>,
}

async fn receive(
    State(shared): State<Arc<Mutex<Receiving>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let answering = {
        let mut shared = shared.lock().unwrap();
        let answering = shared.answering;
        shared.seen.push(Seen {
            id: headers["webhook-id"].to_str().unwrap().to_owned(),
            body: String::from_utf8_lossy(&body).into_owned(),
            answered: answering,
        });
        answering
    };
    if !answering {
        // Took the request, never answers: the sender's attempt stays in flight.
        std::future::pending::<()>().await;
    }
    StatusCode::OK
}

struct Receiver {
    shared: Arc<Mutex<Receiving>>,
    url: String,
}

impl Receiver {
    async fn start() -> Self {
        let shared = Arc::new(Mutex::new(Receiving::default()));
        let app = axum::Router::new().fallback(receive).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/wj", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { shared, url }
    }

    fn seen(&self) -> Vec<Seen> {
        self.shared.lock().unwrap().seen.clone()
    }

    fn answer_from_now_on(&self) {
        self.shared.lock().unwrap().answering = true;
    }

    /// Waits until `ready` holds of what was seen, polling every 20 ms.
    async fn wait_for(&self, within: Duration, what: &str, ready: impl Fn(&[Seen]) -> bool) {
        let deadline = Instant::now() + within;
        while !ready(&self.seen()) {
            assert!(
                Instant::now() < deadline,
                "{what}: not within {within:?}: {:?}",
                self.seen()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

// ------------------------------------------------------------------ the backends

enum Backend {
    Sqlite { data_dir: PathBuf },
    Postgres { data_dir: PathBuf, schema: String },
}

impl Backend {
    /// Starts the binary on this backend (blocking this worker thread meanwhile, so
    /// the receiver goes on serving on the other).
    fn start(&self) -> (Demo, String) {
        tokio::task::block_in_place(|| self.start_now())
    }

    fn start_now(&self) -> (Demo, String) {
        match self {
            Self::Sqlite { data_dir } => start_demo_with(data_dir, &TIMING),
            Self::Postgres { data_dir, schema } => start_serve_on_postgres(data_dir, &postgres_url_in(schema), &TIMING),
        }
    }

    /// What the killed node left in its database: the outbox events and the attempts
    /// recorded for `subscription`.
    async fn left_behind(&self, subscription: &str) -> (Vec<StoredOutboxEvent>, Vec<DeliveryAttempt>) {
        async fn read(store: &dyn Store, subscription: &str) -> (Vec<StoredOutboxEvent>, Vec<DeliveryAttempt>) {
            (
                store.outbox_events(0, 1000).await.unwrap(),
                store.delivery_attempts(subscription, 100).await.unwrap(),
            )
        }
        match self {
            Self::Sqlite { data_dir } => {
                let store = store::SqliteStore::open(&data_dir.join("onething.db")).await.unwrap();
                let left = read(&store, subscription).await;
                store.close().await;
                left
            }
            Self::Postgres { schema, .. } => {
                let store = store::PostgresStore::connect_with_schema(&postgres_url(), schema)
                    .await
                    .unwrap();
                let left = read(&store, subscription).await;
                store.close().await;
                left
            }
        }
    }

    fn data_dir(&self) -> &Path {
        match self {
            Self::Sqlite { data_dir } | Self::Postgres { data_dir, .. } => data_dir,
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onething-webhooks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

// ------------------------------------------------------------------ the test

async fn killed_mid_delivery_loses_nothing(backend: &Backend) {
    let receiver = Receiver::start().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let (mut node, base) = backend.start();

    // 卫健 subscribes to its tasks and its cases' outcomes (not, say, the findings of
    // a policy run the demo may start meanwhile: the first delivery is the case's).
    let admin = login(&client, &base, "admin").await;
    let created: Value = client
        .post(format!("{base}/admin/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({
            "department": "WJ",
            "url": receiver.url,
            "event_types": SUBSCRIBED,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subscription = created["subscription"]["id"].as_str().unwrap().to_owned();

    // The first case reaches 卫健: its task.dispatched is sent and held by the receiver.
    let zhangsan = login(&client, &base, "zhangsan").await;
    let application = newborn_body(&client, &base).await;
    let first = submit(&client, &base, &zhangsan, &application).await;
    receiver
        .wait_for(Duration::from_secs(20), "the first delivery started", |seen| {
            !seen.is_empty()
        })
        .await;
    let in_flight = receiver.seen()[0].clone();
    assert!(!in_flight.answered);
    let in_flight_body: Value = serde_json::from_str(&in_flight.body).unwrap();
    assert_eq!(
        (
            in_flight_body["type"].as_str(),
            in_flight_body["data"]["case_id"].as_str()
        ),
        (Some("task.dispatched"), Some(first.as_str()))
    );

    // Meanwhile a second case reaches 卫健, and 卫健 rejects the first (case.rejected,
    // which must follow the first case's task.dispatched).
    let second = submit(&client, &base, &zhangsan, &application).await;
    let staff = login(&client, &base, "staff-wj").await;
    let rejected = client
        .post(format!("{base}/cases/{first}/tasks/GG00101001/reject"))
        .bearer_auth(&staff)
        .json(&json!({ "reason": "出生记录与医院登记不符" }))
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), reqwest::StatusCode::OK);
    tokio::task::block_in_place(|| node.kill_9());

    // What the killed node left: the events written before the kill, and no attempt
    // recorded — the first delivery was still in flight.
    let (events, attempts) = backend.left_behind(&subscription).await;
    assert!(
        attempts.is_empty(),
        "the delivery was in flight at the kill: {attempts:?}"
    );
    let events: Vec<StoredOutboxEvent> = events
        .into_iter()
        .filter(|event| {
            event.department.as_deref().is_none_or(|department| department == "WJ")
                && SUBSCRIBED.contains(&event.event_type.as_str())
        })
        .collect();
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|event| (event.case_id.clone().unwrap_or_default(), event.event_type.clone()))
        .collect();
    for expected in [
        (first.clone(), "task.dispatched".to_owned()),
        (second.clone(), "task.dispatched".to_owned()),
        (first.clone(), "case.rejected".to_owned()),
    ] {
        assert!(
            summary.contains(&expected),
            "{expected:?} not in the outbox: {summary:?}"
        );
    }
    let first_of_case = &events
        .iter()
        .find(|event| event.case_id.as_deref() == Some(first.as_str()))
        .unwrap();
    assert_eq!(in_flight.id, format!("msg_{}", first_of_case.seq));

    // Started again on the same database, with the receiver answering now.
    receiver.answer_from_now_on();
    let restarted = Instant::now();
    let (_node, _) = backend.start();
    let delivered = |seen: &[Seen]| {
        events
            .iter()
            .all(|event| seen.iter().any(|s| s.answered && s.id == format!("msg_{}", event.seq)))
    };
    receiver
        .wait_for(
            Duration::from_secs(60),
            "every event written before the kill delivered",
            delivered,
        )
        .await;
    let took = restarted.elapsed();
    let seen = receiver.seen();

    // The delivery in flight was sent again, same id, same body.
    let again: Vec<&Seen> = seen.iter().filter(|s| s.answered && s.id == in_flight.id).collect();
    assert!(!again.is_empty());
    for copy in &again {
        assert_eq!(copy.body, in_flight.body, "a redelivery carries the same body");
    }
    // Every copy of a message is the same message.
    for (index, one) in seen.iter().enumerate() {
        for other in &seen[index + 1..] {
            if one.id == other.id {
                assert_eq!(one.body, other.body, "{}", one.id);
            }
        }
    }
    // In order per case: no event of a case was sent before every earlier event of
    // that case was answered.
    for (position, request) in seen.iter().enumerate() {
        let event = events
            .iter()
            .find(|event| format!("msg_{}", event.seq) == request.id)
            .unwrap_or_else(|| panic!("{} is no event of 卫健's", request.id));
        for earlier in events
            .iter()
            .filter(|e| e.case_id == event.case_id && e.seq < event.seq)
        {
            assert!(
                seen[..position]
                    .iter()
                    .any(|s| s.answered && s.id == format!("msg_{}", earlier.seq)),
                "{} sent before msg_{} of the same case was delivered: {seen:?}",
                request.id,
                earlier.seq
            );
        }
    }
    eprintln!(
        "{} events delivered {:.1} s after the restart ({} requests in all)",
        events.len(),
        took.as_secs_f64(),
        seen.len()
    );
    let _ = std::fs::remove_dir_all(backend.data_dir());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_delivery_loses_nothing() {
    let backend = Backend::Sqlite {
        data_dir: temp_dir("kill9"),
    };
    killed_mid_delivery_loses_nothing(&backend).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_delivery_loses_nothing_on_postgres() {
    let schema = TestSchema::fresh("webhook_kill9").await;
    let backend = Backend::Postgres {
        data_dir: temp_dir("kill9-pg"),
        schema: schema.name.clone(),
    };
    killed_mid_delivery_loses_nothing(&backend).await;
    schema.remove().await;
}
