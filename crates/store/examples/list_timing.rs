//! What a page of a list costs when the tables are large: seeds COUNT cases (one
//! open task each, in one department, deadlines spread over a year) straight into
//! a fresh SQLite file, then times the first page, a deep page (after the cursor of
//! the middle case), one applicant's page, a department's first and deep queue
//! pages, and the queue's counts.
//!
//! ```text
//! cargo run --release -p store --example list_timing [-- COUNT [OPEN_EVERY]]
//! ```
//!
//! COUNT defaults to 1,000,000; OPEN_EVERY (default 1) leaves every n-th task open
//! and the others approved (100: a department with 1% of a million cases open).
//! The rows are synthetic (a case document is `{}`): the lists read only the
//! summary columns.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Connection as _;
use store::{CaseQuery, QueueQuery, SqliteStore, Store};

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_770_000_000, 0).unwrap_or_default()
}

fn case_id(i: usize) -> String {
    format!("C-20260212-{i:07}")
}

async fn time<T>(name: &str, runs: u32, mut call: impl AsyncFnMut() -> T) -> T {
    let mut last = call().await; // warm the cache once
    let started = Instant::now();
    for _ in 0..runs {
        last = call().await;
    }
    let mean = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    println!("{name:<44} {mean:>8.3} ms");
    last
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let open_every: usize = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
    let dir = std::env::temp_dir().join(format!("onething-list-timing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("cases.sqlite");
    let store = SqliteStore::open(&path).await?;
    store.migrate().await?;

    let seeding = Instant::now();
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    sqlx::query("PRAGMA synchronous = OFF").execute(&mut conn).await?;
    let mut tx = conn.begin().await?;
    let first_day = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap_or_default();
    for i in 0..count {
        let id = case_id(i);
        let at = (start() + Duration::seconds(i as i64)).timestamp_millis();
        sqlx::query(
            "INSERT INTO cases (id, applicant, one_thing, one_thing_name, state, submitted_at, promised_date, \
             updated_at, version, doc) VALUES (?1, ?2, 'newborn', '新生儿出生一件事', 'in_progress', ?3, ?4, ?3, 1, '{}')",
        )
        .bind(&id)
        .bind(format!("applicant-{}", i % 50_000))
        .bind(at)
        .bind((first_day + Duration::days(30)).to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO tasks (case_id, item, department, name, state, deadline, dispatched_on, one_thing_name, \
             promised_limit_days) VALUES (?1, 'GG00101001', 'WJ', '出生医学证明', ?4, ?2, ?3, '新生儿出生一件事', 5)",
        )
        .bind(&id)
        .bind((first_day + Duration::days((i % 365) as i64)).to_string())
        .bind(first_day.to_string())
        .bind(if i % open_every == 0 { "dispatched" } else { "approved" })
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    println!(
        "seeded {count} cases and tasks ({} open) in {:.1} s",
        count.div_ceil(open_every),
        seeding.elapsed().as_secs_f64()
    );

    let page = |before: Option<(DateTime<Utc>, String)>, applicant: Option<String>| CaseQuery {
        applicant,
        before,
        limit: 51,
        ..Default::default()
    };
    let first = time("cases: first page (50)", 50, async || {
        store.find_cases(&page(None, None)).await
    })
    .await?;
    assert_eq!(first.len(), 51);
    let middle = (start() + Duration::seconds((count / 2) as i64), case_id(count / 2));
    let deep = time("cases: a page from the middle", 50, async || {
        store.find_cases(&page(Some(middle.clone()), None)).await
    })
    .await?;
    assert_eq!(deep.first().map(|c| c.id.to_string()), Some(case_id(count / 2 - 1)));
    time("cases: one applicant's first page", 50, async || {
        store.find_cases(&page(None, Some("applicant-7".into()))).await
    })
    .await?;
    time("cases: one case by number", 50, async || {
        store
            .find_cases(&CaseQuery {
                case_id: Some(case_id(count / 3)),
                limit: 51,
                ..Default::default()
            })
            .await
    })
    .await?;
    let queue = |after: Option<(NaiveDate, String, String)>| QueueQuery {
        department: "WJ".into(),
        after,
        limit: 51,
        ..Default::default()
    };
    let tasks = time("queue: first page (50)", 50, async || {
        store.queue_page(&queue(None)).await
    })
    .await?;
    assert_eq!(tasks.len(), 51.min(count.div_ceil(open_every)));
    let after = (first_day + Duration::days(180), case_id(0), "GG00101001".to_owned());
    time("queue: a page from the middle", 50, async || {
        store.queue_page(&queue(Some(after.clone()))).await
    })
    .await?;
    let today = first_day + Duration::days(100);
    let (open, overdue) = time("queue: counts (open, overdue)", 10, async || {
        store.queue_counts("WJ", today).await
    })
    .await?;
    assert_eq!(open as usize, count.div_ceil(open_every));
    println!("  open {open}, overdue {overdue}");
    let due = time("queue: running tasks due in the next 31 days", 10, async || {
        store.queue_due_between("WJ", today, today + Duration::days(31)).await
    })
    .await?;
    println!(
        "  due in the window: {} tasks in {} groups",
        due.iter().map(|(_, _, n)| n).sum::<i64>(),
        due.len()
    );
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
