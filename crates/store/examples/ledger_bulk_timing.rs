//! Bulk ledger appends: COUNT access entries (a department's batch read of
//! COUNT people, each read its own access row and ledger entry) recorded with
//! `record_accesses` in transactions of BATCH entries, into the SQLite store of
//! DATA_DIR (`DATA_DIR/onething.db`, the file `onething serve --data-dir` uses), so
//! that `onething ledger verify --data-dir DATA_DIR` can be timed over it after.
//!
//! ```text
//! cargo run --release -p store --example ledger_bulk_timing -- DATA_DIR [COUNT] [BATCH]
//! time target/release/onething ledger verify --data-dir DATA_DIR
//! ```
//!
//! DATA_DIR may be a PostgreSQL URL instead (`postgres://…`); then time
//! `onething ledger verify --database URL --data-dir SOME_DIR`.
//!
//! Prints entries/s and checks that the ledger grew by exactly COUNT.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use store::{AccessEntry, PostgresStore, Role, SqliteStore, Store, SubjectAccess};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.first()
            .ok_or("usage: ledger_bulk_timing DATA_DIR [COUNT] [BATCH]")?,
    );
    let count: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let batch: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let store: Box<dyn Store> = match dir.to_str() {
        Some(url) if url.starts_with("postgres://") => Box::new(PostgresStore::connect(url).await?),
        _ => {
            std::fs::create_dir_all(&dir)?;
            Box::new(SqliteStore::open(&dir.join("onething.db")).await?)
        }
    };
    store.migrate().await?;
    let at = DateTime::<Utc>::from_timestamp(1_770_000_000, 0).unwrap_or_default();
    let (before, _) = store.ledger_head().await?;
    let started = Instant::now();
    let mut done = 0;
    while done < count {
        let n = batch.min(count - done);
        let accesses: Vec<SubjectAccess> = (done..done + n)
            .map(|i| SubjectAccess {
                entry: AccessEntry {
                    at,
                    actor: "system:eligibility".into(),
                    role: Role::Staff,
                    department: Some("WJ".into()),
                    action: "shared_read".into(),
                    case_id: None,
                    elements: "birth_date,hukou_local".into(),
                    purpose: "育儿补贴资格核验".into(),
                },
                subject: Some(format!("acc-person-{i:07}")),
                legal_basis: "育儿补贴制度实施方案".into(),
            })
            .collect();
        store.record_accesses(&accesses).await?;
        done += n;
    }
    let elapsed = started.elapsed();
    let (after, _) = store.ledger_head().await?;
    assert_eq!(
        after - before,
        count as u64,
        "the ledger grew by exactly the entries recorded"
    );
    println!(
        "{count} entries in transactions of {batch}: {:.1} s, {:.0} entries/s (ledger now {after})",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    drop(store);
    Ok(())
}
