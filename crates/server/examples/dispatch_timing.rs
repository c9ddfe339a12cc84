//! How fast the dispatcher delivers signed webhooks to a local receiver: COUNT new
//! 新生儿出生 cases (one `task.dispatched` each for 卫健) stored in a fresh SQLite file,
//! one subscription, then `dispatch_once` until nothing is due.
//!
//! ```text
//! cargo run --release -p server --example dispatch_timing -- [COUNT]
//! ```
//!
//! Prints deliveries/s and refuses to print a result unless the receiver saw exactly
//! COUNT deliveries and the store recorded each as delivered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use catalog::Holdings;
use chrono::{DateTime, Utc};
use server::AppState;
use store::Store;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_770_861_600, 0).unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args().nth(1).map_or(2000, |n| n.parse().unwrap());
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let path = std::env::temp_dir().join(format!("onething-dispatch-{}.db", std::process::id()));
    let store: Arc<dyn Store> = Arc::new(store::SqliteStore::open(&path).await.unwrap());
    store.migrate().await.unwrap();
    let catalog = Arc::new(testkit::catalog());
    let calendar = Arc::new(testkit::calendar());
    let mut state = AppState::new(store.clone(), catalog.clone(), calendar.clone());
    state.clock = Arc::new(now);
    let state = Arc::new(state);
    let admin = domain::Account {
        id: "admin".into(),
        username: "admin".into(),
        display_name: "管理员".into(),
        role: domain::Role::Admin,
        department: None,
        id_number: None,
        password_hash: String::new(),
    };
    server::webhooks::create(
        &state,
        &admin,
        server::webhooks::NewSubscription {
            department: "WJ".into(),
            event_types: Vec::new(),
            url: format!("http://{address}/hook"),
            scheme: "v1".into(),
        },
    )
    .await
    .unwrap();

    let plan = catalog::compute_plan(
        &catalog,
        catalog.one_thing("newborn").unwrap(),
        &testkit::newborn_all_yes(),
        &Holdings::default(),
        cases::china_date(now()),
        &calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    for n in 0..count {
        let id = cases::CaseId::parse(&format!("YJS20260212{:06}", n + 1)).unwrap();
        let created = cases::Case::create(&catalog, &calendar, &plan, id, "applicant", &form, now()).unwrap();
        store.insert_case(&created.case, &created.events, None).await.unwrap();
    }

    let started = Instant::now();
    while server::webhooks::dispatch_once(&state, None).await.unwrap() > 0 {}
    let elapsed = started.elapsed();
    let delivered = store
        .delivery_counts()
        .await
        .unwrap()
        .into_iter()
        .find(|(state, _)| state == "delivered")
        .map_or(0, |(_, n)| n);
    assert_eq!(
        received.load(Ordering::Relaxed),
        count,
        "the receiver saw every delivery once"
    );
    assert_eq!(delivered, count as i64, "the store recorded every delivery");
    println!(
        "deliveries={count}: {:.0} deliveries/s ({:.2} s), SQLite, one subscription, local receiver",
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
