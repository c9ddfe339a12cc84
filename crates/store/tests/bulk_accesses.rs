//! A large batch of accesses on a SQLite file goes through the bulk writer (its own
//! transaction on rusqlite); the ledger it leaves is exactly the one the group commit
//! leaves for the same accesses, and writes of other writers around and during it
//! keep their places.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use store::{AccessEntry, Role, SharingStore, SqliteStore, Store, SubjectAccess};

fn access(i: usize, purpose: &str) -> SubjectAccess {
    SubjectAccess {
        entry: AccessEntry {
            at: DateTime::<Utc>::from_timestamp(1_770_000_000 + i as i64, 0).unwrap(),
            actor: "system:eligibility".into(),
            role: Role::Staff,
            department: Some("WJ".into()),
            action: "shared_read".into(),
            case_id: None,
            elements: "birth_date,hukou_local".into(),
            // One with characters to escape, so the canonical bytes take both paths.
            purpose: if i % 1000 == 7 {
                format!("{purpose}\"引号\"")
            } else {
                purpose.into()
            },
        },
        subject: Some(format!("person:11010520200101{i:04}")),
        legal_basis: "育儿补贴制度实施方案".into(),
    }
}

fn batch(from: usize, count: usize, purpose: &str) -> Vec<SubjectAccess> {
    (from..from + count).map(|i| access(i, purpose)).collect()
}

async fn file_store(name: &str) -> (SqliteStore, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("onething-bulk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("onething.db")).await.unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

#[tokio::test]
async fn a_bulk_write_leaves_the_ledger_the_group_commit_leaves() {
    let (file, dir) = file_store("same").await;
    // The reference: the same writes on a store in memory, which never takes the
    // bulk path.
    let memory = SqliteStore::open_in_memory().await.unwrap();
    memory.migrate().await.unwrap();
    let groups_before = file.group_commits().1;
    let writes = [
        batch(0, 3, "小批"),
        batch(3, 5_000, "育儿补贴资格核验"),
        batch(5_003, 2, "小批"),
    ];
    for write in &writes {
        file.record_accesses(write).await.unwrap();
        memory.record_accesses(write).await.unwrap();
    }
    // The two small writes joined groups; the large one had a transaction of its own.
    assert_eq!(file.group_commits().1 - groups_before, 2);
    let (size, root) = file.ledger_head().await.unwrap();
    assert_eq!(size, 5_005);
    assert_eq!(memory.ledger_head().await.unwrap(), (size, root));
    for at in [1, 3, 4, 2_048, 5_003, 5_005] {
        assert_eq!(
            file.ledger_root_at(at).await.unwrap(),
            memory.ledger_root_at(at).await.unwrap(),
            "root at {at}"
        );
    }
    let rows = file.ledger_rows(0, size).await.unwrap();
    let reference = memory.ledger_rows(0, size).await.unwrap();
    assert!(
        rows.iter()
            .zip(&reference)
            .all(|(a, b)| a.entry == b.entry && a.leaf_hash == b.leaf_hash)
    );
    // Proofs come from the nodes the bulk writer stored.
    assert_eq!(
        file.ledger_inclusion_proof(4_321, size).await.unwrap(),
        memory.ledger_inclusion_proof(4_321, size).await.unwrap()
    );
    assert_eq!(
        file.ledger_consistency_proof(3, size).await.unwrap(),
        memory.ledger_consistency_proof(3, size).await.unwrap()
    );
    // Each access is also its row in the access log, readable by its subject.
    let about = file.ledger_rows_about("person:110105202001011234", 10).await.unwrap();
    assert_eq!(about.len(), 1);
    file.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_during_a_bulk_write_wait_and_lose_nothing() {
    let (store, dir) = file_store("during").await;
    let store = Arc::new(store);
    let bulk = {
        let store = store.clone();
        tokio::spawn(async move { store.record_accesses(&batch(0, 20_000, "批量核验")).await })
    };
    let mut small = Vec::new();
    for n in 0..20 {
        let store = store.clone();
        small.push(tokio::spawn(async move {
            store.record_accesses(&batch(100_000 + n, 1, "单次查看")).await
        }));
    }
    bulk.await.unwrap().unwrap();
    for write in small {
        write.await.unwrap().unwrap();
    }
    let (size, root) = store.ledger_head().await.unwrap();
    assert_eq!(size, 20_020);
    // The tree over the stored leaves is the head's root: nothing interleaved badly.
    let rows = store.ledger_rows(0, size).await.unwrap();
    let mut range = ledger::CompactRange::default();
    for row in &rows {
        range.append(ledger::leaf_hash(&row.entry));
    }
    assert_eq!(range.root(), root);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn finding(i: usize) -> store::Finding {
    let at = DateTime::<Utc>::from_timestamp(1_770_000_000, 0).unwrap();
    store::Finding {
        id: format!("BF{i:08}"),
        policy: "childcare_subsidy".into(),
        period: "2026".into(),
        subject: format!("11010520200101{i:04}"),
        subject_name: "张小明".into(),
        recipient: "person:110105198001010011".into(),
        amount_fen: 360_000,
        reasons: "[]".into(),
        state: "granted".into(),
        state_reason: None,
        found_at: at,
        updated_at: at,
        change_note: None,
    }
}

/// A policy run over a population records its reads in batches: a write that queues
/// while the run holds the writer gets it after one batch, not after the whole run
/// (a million-person run held the writer for 22 s in one transaction). Every read
/// and every finding is stored, and the ledger is one tree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_run_lets_other_writers_in_between_its_batches() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use store::BenefitStore;

    let (store, dir) = file_store("run").await;
    let store = Arc::new(store);
    let order = Arc::new(AtomicUsize::new(0));
    let reads = batch(0, 50_000, "育儿补贴资格核验");
    let findings = [finding(1), finding(2)];
    // Hold the writer so that the run and then the small write queue, in that order.
    let paused = store.pause_writes().await;
    let run = {
        let (store, order) = (store.clone(), order.clone());
        tokio::spawn(async move {
            store.put_findings("WJ", &findings, &reads, &[], &[]).await.unwrap();
            order.fetch_add(1, Ordering::SeqCst)
        })
    };
    while store.queued_writes() < 1 {
        tokio::task::yield_now().await;
    }
    let small = {
        let (store, order) = (store.clone(), order.clone());
        tokio::spawn(async move {
            store.record_accesses(&batch(100_000, 1, "单次查看")).await.unwrap();
            order.fetch_add(1, Ordering::SeqCst)
        })
    };
    while store.queued_writes() < 2 {
        tokio::task::yield_now().await;
    }
    drop(paused);
    let (run_done, small_done) = (run.await.unwrap(), small.await.unwrap());
    assert!(
        small_done < run_done,
        "the small write waited for the whole run ({small_done} vs {run_done})"
    );
    let (size, root) = store.ledger_head().await.unwrap();
    assert_eq!(size, 50_001);
    let rows = store.ledger_rows(0, size).await.unwrap();
    let mut range = ledger::CompactRange::default();
    for row in &rows {
        range.append(ledger::leaf_hash(&row.entry));
    }
    assert_eq!(range.root(), root);
    // The small write's entry sits right after the run's first batch.
    let entry = |index: usize| String::from_utf8_lossy(&rows[index].entry).into_owned();
    assert!(entry(20_000).contains("单次查看"), "entry 20000: {}", entry(20_000));
    assert!(entry(19_999).contains("育儿补贴资格核验"));
    assert!(entry(20_001).contains("育儿补贴资格核验"));
    let stored = store
        .findings_of_policy("childcare_subsidy", Some("2026"))
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
