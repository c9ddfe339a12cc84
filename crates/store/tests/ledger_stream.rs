//! The stores' bulk ledger readers (`ledger verify` reads through them: a read-only
//! rusqlite connection on SQLite, a binary `COPY` on PostgreSQL) give exactly the rows
//! the paged reader gives, in order, across their page boundary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use sqlx::Connection;
use store::{AccessEntry, PostgresStore, Role, SharingStore, SqliteStore, Store, SubjectAccess};

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

    streams_match_pages(&store, size).await;
    store.close().await;
    // In memory there is no file to read in bulk: callers page instead.
    let memory = SqliteStore::open_in_memory().await.unwrap();
    assert!(memory.ledger_stream(0).is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads the ledger from several starting points through the bulk reader and checks
/// each against the paged rows.
async fn streams_match_pages(store: &dyn Store, size: u64) {
    let paged = store.ledger_rows(0, size).await.unwrap();
    assert_eq!(paged.len() as u64, size);
    for from in [0, 9_999, 12_344, 12_345] {
        let mut stream = store.ledger_stream(from).expect("a bulk reader");
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
}

fn postgres_url() -> String {
    std::env::var("ONETHING_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test]
async fn the_postgres_bulk_copy_reads_what_the_pages_read() {
    let schema = format!("ledger_stream_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&postgres_url())
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", postgres_url()));
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let store = PostgresStore::connect_with_schema(&postgres_url(), &schema)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let accesses: Vec<SubjectAccess> = (0..12_345).map(access).collect();
    store.record_accesses(&accesses).await.unwrap();
    let (size, _) = store.ledger_head().await.unwrap();
    assert_eq!(size, 12_345);
    streams_match_pages(&store, size).await;
    // The 12,345 entries passed through `ledger_pending`; the sequencer vacuumed it
    // (PostgreSQL reports vacuums with a delay of up to a second or so).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let _ = sqlx::raw_sql("SELECT pg_stat_clear_snapshot()")
            .execute(&mut admin)
            .await;
        let vacuums: Option<i64> = sqlx::query_scalar(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'ledger_pending'",
        )
        .bind(&schema)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
        if vacuums.unwrap_or(0) >= 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "ledger_pending was not vacuumed");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // A reader that stops after its first page leaves the store working.
    let mut stream = store.ledger_stream(0).unwrap();
    assert_eq!(stream.recv().await.unwrap().unwrap().len(), 10_000);
    drop(stream);
    assert_eq!(store.ledger_rows(12_000, 10).await.unwrap().len(), 10);
    store.close().await;
    sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
}
