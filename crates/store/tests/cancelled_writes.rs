//! A write whose caller goes away (a client disconnecting, a timeout) is dropped
//! wherever it is: waiting for the writer, in the middle of its statements, or
//! waiting for its group's commit. On a SQLite file the next write must still go
//! through: nothing of the dropped write may keep the writer connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use store::{AccessEntry, Role, SharingStore, SqliteStore, Store, SubjectAccess};

fn access(i: usize) -> SubjectAccess {
    SubjectAccess {
        entry: AccessEntry {
            at: DateTime::<Utc>::from_timestamp(1_770_000_000 + i as i64, 0).unwrap(),
            actor: "staff-wj".into(),
            role: Role::Staff,
            department: Some("WJ".into()),
            action: "shared_read".into(),
            case_id: None,
            elements: "birth_date".into(),
            purpose: "核验".into(),
        },
        subject: Some(format!("person:{i}")),
        legal_basis: "依申请".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_dropped_at_any_point_leaves_the_writer_usable() {
    let dir = std::env::temp_dir().join(format!("onething-cancelled-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("onething.db")).await.unwrap();
    store.migrate().await.unwrap();
    let mut dropped = 0;
    // 200 accesses (below the bulk path): a dozen statements in the group commit,
    // dropped after 0, 3, 6… µs, so that the drops land all along the write.
    for step in 0..800u64 {
        let write: Vec<_> = (0..200).map(|i| access(step as usize * 1000 + i)).collect();
        if tokio::time::timeout(Duration::from_micros(step * 3), store.record_accesses(&write))
            .await
            .is_err()
        {
            dropped += 1;
        }
        let next = [access(10_000_000 + step as usize)];
        let written = tokio::time::timeout(Duration::from_secs(10), store.record_accesses(&next)).await;
        assert!(written.is_ok(), "the write after one dropped at {} µs hung", step * 3);
        written.unwrap().unwrap();
    }
    assert!(
        dropped > 100,
        "only {dropped} writes were dropped: the test drops too late"
    );
    // Whatever was dropped, the ledger is one tree over what was committed.
    let (size, root) = store.ledger_head().await.unwrap();
    let rows = store.ledger_rows(0, size).await.unwrap();
    let mut range = ledger::CompactRange::default();
    for row in &rows {
        range.append(ledger::leaf_hash(&row.entry));
    }
    assert_eq!(range.root(), root);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
