//! Rough cost of a ledger append: times `record_access` (one access row plus one
//! ledger entry, in one transaction) against `create_session` (one plain row, one
//! transaction) on a fresh SQLite file and a fresh PostgreSQL schema.
//!
//! ```text
//! cargo run -p store --example ledger_timing [-- COUNT [POSTGRES_URL]]
//! ```
//!
//! The PostgreSQL URL defaults to `ONETHING_TEST_DATABASE_URL` or
//! `postgres://postgres@127.0.0.1:5432/test`; pass `-` to skip PostgreSQL.
//! Prints the mean time per call for the first and the last tenth of the run, so
//! that growth with the size of the ledger would show.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use store::{AccessEntry, Account, PostgresStore, Role, SqliteStore, Store};

/// A fixed time in February 2026 (the store crate's chrono has no clock).
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_770_000_000, 0).unwrap_or_default()
}

fn access(i: usize) -> AccessEntry {
    AccessEntry {
        at: now(),
        actor: "acc-staff-1".into(),
        role: Role::Staff,
        department: Some("WJ".into()),
        action: "read_case".into(),
        case_id: Some(format!("YJS20260212{i:06}")),
        elements: "child_name,mother_id_number".into(),
        purpose: "办理出生医学证明".into(),
    }
}

fn per_call(total: Duration, calls: usize) -> String {
    format!("{:.3} ms", total.as_secs_f64() * 1000.0 / calls.max(1) as f64)
}

async fn measure(name: &str, store: &dyn Store, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    store.migrate().await?;
    store
        .put_account(&Account {
            id: "acc-staff-1".into(),
            username: "staff".into(),
            display_name: "staff".into(),
            role: Role::Staff,
            department: Some("WJ".into()),
            id_number: None,
            password_hash: "x".into(),
        })
        .await?;
    let tenth = (count / 10).max(1);

    let started = Instant::now();
    let mut first = Duration::ZERO;
    let mut last_start = started;
    for i in 0..count {
        store.record_access(&access(i)).await?;
        if i + 1 == tenth {
            first = started.elapsed();
        }
        if i + tenth == count {
            last_start = Instant::now();
        }
    }
    let total = started.elapsed();
    let last = last_start.elapsed();
    let (size, _) = store.ledger_head().await?;

    let expires = now() + chrono::Duration::hours(1);
    let plain = Instant::now();
    for i in 0..count {
        store
            .create_session(&format!("token-{i}"), "acc-staff-1", expires)
            .await?;
    }
    let plain = plain.elapsed();

    println!(
        "{name}: {count} record_access in {:.2} s: {} per call (first tenth {}, last tenth {}); ledger size {size}",
        total.as_secs_f64(),
        per_call(total, count),
        per_call(first, tenth),
        per_call(last, tenth),
    );
    println!(
        "{name}: {count} create_session (no ledger) in {:.2} s: {} per call",
        plain.as_secs_f64(),
        per_call(plain, count)
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|text| text.parse()).transpose()?.unwrap_or(10_000);
    let url = args
        .next()
        .or_else(|| std::env::var("ONETHING_TEST_DATABASE_URL").ok())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let token = format!("{:016x}", rand::random::<u64>());

    let path = std::env::temp_dir().join(format!("onething-ledger-timing-{token}.sqlite3"));
    let sqlite = SqliteStore::open(&path).await?;
    let outcome = measure("sqlite", &sqlite, count).await;
    sqlite.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    outcome?;

    if url != "-" {
        let schema = format!("timing_{token}");
        let postgres = PostgresStore::connect_with_schema(&url, &schema).await?;
        let outcome = measure("postgres", &postgres, count).await;
        let drop = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        sqlx::Executor::execute(postgres.pool(), sqlx::raw_sql(&drop)).await?;
        postgres.close().await;
        outcome?;
    }
    Ok(())
}
