//! The SQLite store's bulk ledger reader (`ledger verify` reads through it) gives
//! exactly the rows the paged reader gives, in order, across its page boundary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use store::{AccessEntry, Role, SharingStore, SqliteStore, Store, SubjectAccess};

fn access(i: usize) -> SubjectAccess {
    SubjectAccess {
        entry: AccessEntry {
            at: DateTime::<Utc>::from_timestamp(1_770_000_000 + i as i64, 0).unwrap(),
            actor: "system:eligibility".into(),
            role: Role::Staff,
            department: Some("WJ".into()),
            action: "shared_read".into(),
            case_id: None,
            elements: "birth_date".into(),
            purpose: "育儿补贴资格核验".into(),
        },
        subject: Some(format!("person-{i:06}")),
        legal_basis: "育儿补贴制度实施方案".into(),
    }
}

#[tokio::test]
async fn the_bulk_reader_reads_what_the_pages_read() {
    let dir = std::env::temp_dir().join(format!("onething-ledger-stream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("onething.db")).await.unwrap();
    store.migrate().await.unwrap();
    // More than one page of the bulk reader (10,000 rows).
    let accesses: Vec<SubjectAccess> = (0..12_345).map(access).collect();
    store.record_accesses(&accesses).await.unwrap();
    let (size, _) = store.ledger_head().await.unwrap();
    assert_eq!(size, 12_345);

    let paged = store.ledger_rows(0, size).await.unwrap();
    for from in [0, 9_999, 12_344, 12_345] {
        let mut stream = store.ledger_stream(from).expect("a file store has a bulk reader");
        let mut streamed = Vec::new();
        while let Some(page) = stream.recv().await {
            streamed.extend(page.unwrap());
        }
        let expected = &paged[usize::try_from(from).unwrap()..];
        assert_eq!(streamed.len(), expected.len(), "from {from}");
        assert!(
            streamed
                .iter()
                .zip(expected)
                .all(|(a, b)| a.index == b.index && a.entry == b.entry && a.leaf_hash == b.leaf_hash),
            "from {from}: the rows differ"
        );
    }
    store.close().await;
    // In memory there is no file to read in bulk: callers page instead.
    let memory = SqliteStore::open_in_memory().await.unwrap();
    assert!(memory.ledger_stream(0).is_none());
    let _ = std::fs::remove_dir_all(&dir);
}
