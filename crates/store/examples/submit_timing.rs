//! What the store's write path of a submission costs, without HTTP in the way:
//! CONCURRENCY tasks insert COUNT new 新生儿出生 cases (each with its events, ledger
//! entries, dashboard totals, one uploaded scan, an Idempotency-Key and a notice),
//! exactly as `app::submit` stores them, into a fresh SQLite file (WAL,
//! `synchronous = FULL`) or a fresh PostgreSQL schema.
//!
//! ```text
//! cargo run --release -p store --example submit_timing -- [sqlite|postgres] [COUNT] [CONCURRENCY]
//! ```
//!
//! Prints cases/s, p50/p99 of one insert, the process CPU per case (user + system,
//! read from `/proc/self/stat` around the run; the cases are built before it) and
//! refuses to print a result when the rows stored differ from the inserts
//! acknowledged. The PostgreSQL URL is `ONETHING_TEST_DATABASE_URL` or
//! `postgres://postgres@127.0.0.1:5432/test`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use catalog::Holdings;
use chrono::{DateTime, Utc};
use store::{IdempotencyKey, Inserted, NewNotification, PostgresStore, SqliteStore, Store, Upload};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_770_000_000, 0).unwrap_or_default()
}

/// User + system CPU of this process so far.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after ") ".
    let rest = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
    // CLK_TCK is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

struct Prepared {
    case: cases::Case,
    events: Vec<cases::Event>,
    key: IdempotencyKey,
    uploads: Vec<(Upload, Vec<u8>)>,
    notices: Vec<NewNotification>,
}

fn prepare(count: usize) -> Vec<Prepared> {
    let catalog = testkit::catalog();
    let calendar = testkit::calendar();
    let answers = testkit::newborn_all_yes();
    let plan = catalog::compute_plan(
        &catalog,
        catalog.one_thing("newborn").unwrap(),
        &answers,
        &Holdings::default(),
        cases::china_date(now()),
        &calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    (0..count)
        .map(|i| {
            let id = cases::CaseId::parse(&format!("YJS20260202{i:06}")).unwrap();
            let applicant = format!("acc-applicant-{}", i % 1000);
            let outcome = cases::Case::create(&catalog, &calendar, &plan, id, &applicant, &form, now()).unwrap();
            let scan = b"%PDF-1.4\n%timing scan\n".to_vec();
            let upload = Upload {
                id: format!("up-{i}"),
                case_id: outcome.case.id.to_string(),
                material: "birth_medical_certificate".into(),
                file_name: "scan.pdf".into(),
                content_type: "application/pdf".into(),
                size: scan.len() as i64,
                sha256: format!("{i:064x}"),
                uploaded_at: now(),
                uploaded_by: applicant.clone(),
            };
            let notice = NewNotification {
                recipient: applicant.clone(),
                kind: "submitted".into(),
                case_id: Some(outcome.case.id.to_string()),
                item: None,
                title: "已受理".into(),
                body: "您的申请已提交".into(),
                created_at: now(),
            };
            Prepared {
                key: IdempotencyKey {
                    account: applicant,
                    key: format!("key-{i}"),
                    request_hash: format!("hash-{i}"),
                },
                events: outcome.events,
                case: outcome.case,
                uploads: vec![(upload, scan)],
                notices: vec![notice],
            }
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map(String::as_str).unwrap_or("sqlite").to_owned();
    let count: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(5_000);
    let concurrency: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(16);

    let dir = std::env::temp_dir().join(format!("onething-submit-timing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store: Arc<dyn Store> = if backend == "postgres" {
        let url = std::env::var("ONETHING_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let schema = format!("submit_timing_{}", std::process::id());
        Arc::new(PostgresStore::connect_with_schema(&url, &schema).await?)
    } else {
        Arc::new(SqliteStore::open(&dir.join("timing.sqlite")).await?)
    };
    store.migrate().await?;
    let counter = Arc::new(metrics::counts::CaseCounter::new(Arc::new(testkit::calendar())));
    store.recount_dashboard(counter.clone()).await?;
    store.count_cases_with(counter);

    let prepared = prepare(count);
    let (entries_before, _) = store.ledger_head().await?;
    let queue = Arc::new(std::sync::Mutex::new(prepared));
    let cpu_before = process_cpu();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let store = store.clone();
        let queue = queue.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some(p) = next else { break };
                let t = Instant::now();
                let inserted = store
                    .insert_case_with_uploads(&p.case, &p.events, Some(&p.key), &p.uploads, &p.notices)
                    .await
                    .unwrap();
                assert_eq!(inserted, Inserted::Created);
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await?);
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu().saturating_sub(cpu_before);
    latencies.sort();
    let quantile = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];

    let stored = store.all_cases(count as i64 + 1).await?.len();
    let (entries_after, _) = store.ledger_head().await?;
    if stored != latencies.len() {
        println!(
            "NO RESULT: {} inserts acknowledged, {stored} cases stored",
            latencies.len()
        );
        std::process::exit(1);
    }
    println!(
        "backend={backend} cases={count} concurrency={concurrency}: {:.0} cases/s, p50 {:.2} ms, p99 {:.2} ms, \
         CPU {:.3} ms/case, {} ledger entries",
        count as f64 / elapsed.as_secs_f64(),
        quantile(0.5).as_secs_f64() * 1000.0,
        quantile(0.99).as_secs_f64() * 1000.0,
        cpu.as_secs_f64() * 1000.0 / count as f64,
        entries_after - entries_before,
    );
    if backend != "postgres" {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
