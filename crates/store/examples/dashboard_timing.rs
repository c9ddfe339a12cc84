//! What the 效能统计 dashboard costs as cases accumulate: seeds real case documents
//! (a pool of histories driven through the case engine, as in the metrics tests,
//! repeated under new ids) straight into a fresh SQLite file, with a rating for every
//! tenth case and a rectification for every hundredth, and at 7,500, 100,000 and 1,000,000 cases (or the sizes given) times
//!
//! * before: reading the newest 100,000 documents and `metrics::compute` over them
//!   (what the dashboard did before its totals; above 100,000 cases it read only
//!   those, so its figures were wrong);
//! * counting every case once (`recount_dashboard`: what a database from before the
//!   totals does once at start);
//! * after: reading the totals (`dashboard_totals`) and `metrics::counts::from_counts`,
//!   what a view costs now;
//! * a case write with its totals (`insert_case`).
//!
//! ```text
//! cargo run --release -p store --example dashboard_timing [-- SIZE...]
//! ```
//!
//! Measured on the 2-core development machine (December 2026), a view:
//! 7,500 cases 206 ms before → 6 ms after; 100,000 cases 3.1 s → 23 ms;
//! 1,000,000 cases 3.8 s (over the newest 100,000 only) → 111 ms, most of it the
//! 10,000 rectifications, read one by one. Counting 1,000,000 cases once: 23–42 s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../metrics/tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use cases::CaseId;
use metrics::counts::{CaseCounter, Totals, from_counts};
use sqlx::Connection as _;
use store::{SqliteStore, Store};

/// What the dashboard read before its totals.
const OLD_CASE_LIMIT: i64 = 100_000;

fn id(i: usize) -> CaseId {
    CaseId::parse(&format!("YJS-BENCH-{i:08}")).unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|n| n.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![7_500, 100_000, 1_000_000]
    } else {
        sizes
    };
    let generated = common::generate(20260715, 3000);
    let pool: Vec<cases::Case> = generated.cases.clone();
    let counter = Arc::new(CaseCounter::new(Arc::new(generated.calendar.clone())));
    let dir = std::env::temp_dir().join(format!("onething-dashboard-timing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("cases.sqlite");
    let store = SqliteStore::open(&path).await?;
    store.migrate().await?;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    sqlx::query("PRAGMA synchronous = OFF").execute(&mut conn).await?;

    let mut seeded = 0usize;
    for size in sizes {
        let seeding = Instant::now();
        let mut tx = conn.begin().await?;
        while seeded < size {
            let mut case = pool[seeded % pool.len()].clone();
            case.id = id(seeded);
            let doc = serde_json::to_string(&case)?;
            sqlx::query(
                "INSERT INTO cases (id, applicant, one_thing, one_thing_name, state, submitted_at, promised_date, \
                 updated_at, version, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
            )
            .bind(case.id.as_str())
            .bind(format!("applicant-{}", seeded % 50_000))
            .bind(&case.one_thing)
            .bind(&case.one_thing_name)
            .bind(case.state().as_str())
            .bind(case.submitted_at.timestamp_millis() + seeded as i64)
            .bind(case.promised_date.to_string())
            .bind(case.updated_at.timestamp_millis())
            .bind(&doc)
            .execute(&mut *tx)
            .await?;
            if seeded.is_multiple_of(10) {
                sqlx::query(
                    "INSERT INTO ratings (case_id, account, level, comment, on_behalf, rated_at) \
                     VALUES (?1, 'a', ?2, '', 0, 0)",
                )
                .bind(case.id.as_str())
                .bind((seeded % 5 + 1) as i64)
                .execute(&mut *tx)
                .await?;
            }
            if seeded.is_multiple_of(100) {
                sqlx::query(
                    "INSERT INTO rectifications (id, case_id, department, level, complaint, opened_at, deadline) \
                     VALUES (?1, ?1, 'WJ', 1, '', 0, '2026-03-01')",
                )
                .bind(case.id.as_str())
                .execute(&mut *tx)
                .await?;
            }
            seeded += 1;
        }
        // Seeded behind the store's back: its totals must be counted again.
        sqlx::query("UPDATE dashboard_basis SET basis = NULL")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        sqlx::query("ANALYZE").execute(&mut conn).await?;
        println!(
            "\n{size} cases ({} ratings, {} rectifications), seeded in {:.1} s",
            size.div_ceil(10),
            size.div_ceil(100),
            seeding.elapsed().as_secs_f64()
        );

        let today = generated.today;
        let started = Instant::now();
        let documents = store.case_documents(OLD_CASE_LIMIT).await?;
        let before = metrics::compute(&metrics::Input {
            catalog: &generated.catalog,
            calendar: &generated.calendar,
            today,
            due_soon_percent: 40,
            cases: &documents,
            ratings: &[],
            rectifications: &[],
        });
        println!(
            "before: newest {} documents + compute        {:>10.1} ms",
            documents.len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        drop(documents);

        let started = Instant::now();
        store.recount_dashboard(counter.clone()).await?;
        println!(
            "once:   counting every case (recount)          {:>10.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );

        let runs = 20;
        let mut rows = 0;
        let mut after = None;
        let started = Instant::now();
        for _ in 0..runs {
            let totals = store.dashboard_totals().await?;
            rows = totals.counts.len();
            after = Some(from_counts(&Totals {
                catalog: &generated.catalog,
                calendar: &generated.calendar,
                today,
                due_soon_percent: 40,
                counts: &totals.counts,
                feedback: &totals.feedback,
            })?);
        }
        println!(
            "after:  totals ({rows} rows) + from_counts, mean of {runs} {:>8.1} ms",
            started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
        );
        let after = after.unwrap();
        assert_eq!(after.overall.cases, size as u64);
        if size as i64 <= OLD_CASE_LIMIT {
            // The same cases, without their ratings: the case figures agree.
            assert_eq!(after.overall.cases_by_state, before.overall.cases_by_state);
            assert_eq!(after.overall.median_days_used, before.overall.median_days_used);
            assert_eq!(after.overall.overdue_now, before.overall.overdue_now);
        }

        let writes = 200;
        let started = Instant::now();
        for i in 0..writes {
            let mut case = pool[i % pool.len()].clone();
            case.id = CaseId::parse(&format!("YJS-WRITE-{size:08}-{i:04}"))?;
            store.insert_case(&case, &[], None).await?;
        }
        seeded += writes;
        println!(
            "write:  insert_case with its totals, mean of {writes} {:>6.2} ms",
            started.elapsed().as_secs_f64() * 1000.0 / writes as f64
        );
        // The writes were counted: the totals still hold every case.
        let totals = store.dashboard_totals().await?;
        assert_eq!(totals.basis.as_deref(), Some(counter.basis()));
        let cases: i64 = totals
            .counts
            .iter()
            .filter(|((scope, _, measure, _), _)| scope == "one_thing" && measure == "cases")
            .map(|(_, n)| n)
            .sum();
        assert_eq!(cases as usize, seeded);
    }
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
