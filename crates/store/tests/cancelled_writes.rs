//! A write whose caller goes away (a client disconnecting, a timeout) is dropped
//! wherever it is: waiting for the writer, in the middle of its statements, or
//! waiting for its group's commit. On a SQLite file the next write must still go
//! through: nothing of the dropped write may keep the writer connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use store::{AccessEntry, BenefitStore, Role, SharingStore, SqliteStore, Store, SubjectAccess};

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

fn run_entry(at: DateTime<Utc>) -> SubjectAccess {
    let mut entry = access(0);
    entry.entry.at = at;
    entry.entry.action = "benefit_run_started".into();
    entry.entry.elements = String::new();
    entry.subject = None;
    entry
}

/// A one-statement write dropped in its first microseconds, while it begins the
/// group (`BEGIN IMMEDIATE; SAVEPOINT w` on its way): the next write went on to
/// begin a transaction inside the one the dropped statement had begun, failed with
/// "cannot start a transaction within a transaction", and so did every write after
/// it. (A policy run's lease renewal, dropped when the run ended, hung the run's
/// last write this way.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_dropped_while_it_begins_its_group_leaves_the_writer_usable() {
    let dir = std::env::temp_dir().join(format!("onething-cancelled-begin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("onething.db")).await.unwrap();
    store.migrate().await.unwrap();
    let now = DateTime::<Utc>::from_timestamp(1_770_000_000, 0).unwrap();
    let mut dropped = 0;
    for step in 0..400u64 {
        let run = store::PolicyRun {
            id: format!("PR{step:04}"),
            policy: format!("policy-{step}"),
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            period: "2026".into(),
            state: "running".into(),
            stage: "reading".into(),
            started_by: "staff-wj".into(),
            started_by_name: "卫健".into(),
            started_at: now,
            finished_at: None,
            records: 0,
            subjects: 0,
            findings: 0,
            accesses: 0,
            summary: None,
            error: None,
            lease_owner: None,
            lease_until: now + chrono::Duration::seconds(60),
        };
        assert_eq!(store.start_policy_run(&run, &run_entry(now)).await.unwrap(), None);
        let stage = store::RunStage {
            id: &run.id,
            stage: "storing",
            records: 1,
            subjects: 1,
            findings: 1,
            accesses: 1,
            lease_until: now,
        };
        if tokio::time::timeout(Duration::from_micros(step), store.policy_run_stage(&stage))
            .await
            .is_err()
        {
            dropped += 1;
        }
        let finished = tokio::time::timeout(
            Duration::from_secs(10),
            store.finish_policy_run(&run.id, "succeeded", Some("{}"), None, now, &run_entry(now)),
        )
        .await;
        assert!(finished.is_ok(), "the write after one dropped at {step} µs hung");
        assert!(finished.unwrap().unwrap(), "the run was still running");
    }
    assert!(
        dropped > 10,
        "only {dropped} writes were dropped: the test drops too late"
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
