//! The webhook dispatcher asks for due deliveries twice a second on every node. With
//! nothing due, asking must not take SQLite's one writer: a claim that finds nothing
//! commits no group (claims that find something are in the conformance tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use store::{OutboxStore, SqliteStore, Store};

#[tokio::test]
async fn an_idle_dispatcher_does_not_take_the_writer() {
    let dir = std::env::temp_dir().join(format!("onething-idle-dispatch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("onething.db")).await.unwrap();
    store.migrate().await.unwrap();
    let before = store.group_commits();
    let now = DateTime::<Utc>::from_timestamp(1_770_000_000, 0).unwrap();
    for tick in 0..20 {
        let at = now + Duration::milliseconds(500 * tick);
        let claimed = store
            .claim_deliveries(&store::Claim {
                token: &format!("idle-{tick}"),
                now: at,
                lease_until: at + Duration::seconds(60),
                limit: 16,
                kinds: &["webhook", "nats"],
            })
            .await
            .unwrap();
        assert!(claimed.is_empty());
    }
    assert_eq!(store.group_commits(), before, "an idle claim committed a group");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
