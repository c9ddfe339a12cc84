//! What the department's side of 免申即享 costs at scale: seeds COUNT findings of
//! 育儿补贴 for one period (every 50th declined, every 70th objected) into a fresh
//! store, then times, through the use cases (access, masking, SQL totals, cursors),
//! the first page of the list, a deep page, a state filter, a search by whole ID
//! number, the CSV export of everything; then confirming the whole period for payment:
//! refused while objections are open, the department answering each objection, and
//! the background job (batches of `benefit_jobs::BATCH`, one ledger entry per
//! finding) from the request to its end, and once more (nothing left to confirm).
//!
//! ```text
//! cargo run --release -p app --example findings_timing [-- COUNT [postgres]]
//! ```
//!
//! COUNT defaults to 100,000. With `postgres`, the store is a fresh schema of the
//! database named by `ONETHING_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), dropped again at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use app::benefits::{self, ConfirmRequest, FindingsFilter};
use chrono::{DateTime, Utc};
use domain::{Account, Role};
use store::{Finding, Store};

fn staff() -> Account {
    Account {
        id: "staff-wj".into(),
        username: "staff-wj".into(),
        display_name: "卫健".into(),
        role: Role::Staff,
        department: Some("WJ".into()),
        id_number: None,
        password_hash: String::new(),
    }
}

/// A valid 公民身份号码 per index: 1,000 a day from `first_year`-01-01 on.
fn id_number(first_year: i32, i: usize) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap() + chrono::Duration::days((i / 1000) as i64);
    let first17 = format!("620102{}{:03}", born.format("%Y%m%d"), i % 1000);
    let check = ids::id_check_char(&first17).unwrap();
    format!("{first17}{check}")
}

async fn time<T>(name: &str, runs: u32, mut call: impl AsyncFnMut() -> T) -> T {
    let mut last = call().await;
    let started = Instant::now();
    for _ in 0..runs {
        last = call().await;
    }
    let mean = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    println!("{name:<48} {mean:>9.2} ms");
    last
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let postgres = std::env::args().nth(2).as_deref() == Some("postgres");
    let url = std::env::var("ONETHING_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("findings_timing_{}", std::process::id());
    let pg = if postgres {
        Some(Arc::new(
            store::PostgresStore::connect_with_schema(&url, &schema).await?,
        ))
    } else {
        None
    };
    let store: Arc<dyn Store> = if let Some(pg) = &pg {
        pg.clone()
    } else {
        let dir = std::env::temp_dir().join(format!("onething-findings-timing-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Arc::new(store::SqliteStore::open(&dir.join("findings.sqlite")).await?)
    };
    store.migrate().await?;
    println!(
        "{} findings on {}",
        count,
        if postgres { "PostgreSQL" } else { "SQLite" }
    );

    let at = DateTime::<Utc>::from_timestamp(1_764_547_200, 0).unwrap_or_default();
    let seeding = Instant::now();
    let findings: Vec<Finding> = (0..count)
        .map(|i| Finding {
            id: format!("BF{:016X}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            policy: "childcare_subsidy".into(),
            period: "2026".into(),
            subject: id_number(2023, i),
            subject_name: "王小宝".into(),
            recipient: format!("person:{}", id_number(1985, i)),
            amount_fen: 360_000,
            reasons: "[]".into(),
            state: "granted".into(),
            state_reason: None,
            found_at: at,
            updated_at: at,
            change_note: None,
        })
        .collect();
    for chunk in findings.chunks(10_000) {
        store.put_findings("WJ", chunk, &[], &[], &[]).await?;
    }
    println!(
        "{:<48} {:>9.2} s",
        "seeding (put_findings)",
        seeding.elapsed().as_secs_f64()
    );
    // Some people declined or objected.
    for (i, finding) in findings.iter().enumerate() {
        let to = if i % 50 == 0 {
            "declined"
        } else if i % 70 == 0 {
            "objected"
        } else {
            continue;
        };
        let record = store::SubjectAccess {
            entry: store::AccessEntry {
                at,
                actor: finding.recipient.clone(),
                role: Role::Applicant,
                department: None,
                action: format!("benefit_{to}"),
                case_id: None,
                elements: String::new(),
                purpose: "本人决定".into(),
            },
            subject: Some(finding.recipient.clone()),
            legal_basis: "本人决定".into(),
        };
        store
            .change_finding_state(&finding.id, "granted", to, None, at, &record)
            .await?;
    }

    let mut state = app::AppState::new(
        store.clone(),
        Arc::new(testkit::catalog()),
        Arc::new(testkit::calendar()),
    );
    state.clock = Arc::new(move || at);
    let state = Arc::new(state);
    let caller = staff();
    let filter =
        |period: Option<&str>, state_filter: Option<&str>, q: Option<&str>, cursor: Option<String>| FindingsFilter {
            period: period.map(str::to_owned),
            state: state_filter.map(str::to_owned),
            q: q.map(str::to_owned),
            cursor,
            limit: 50,
        };

    let first = time("list: first page of 50 with totals", 20, async || {
        benefits::findings(
            &state,
            &caller,
            "childcare_subsidy",
            &filter(Some("2026"), None, None, None),
        )
        .await
        .unwrap()
    })
    .await;
    assert_eq!(first.count as usize, count);
    // A cursor halfway down: the 50 after the middle finding in list order.
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let middle = app::page::finding_cursor_of("2026", &sorted[count / 2].id);
    time("list: page at the middle (keyset)", 20, async || {
        benefits::findings(
            &state,
            &caller,
            "childcare_subsidy",
            &filter(Some("2026"), None, None, Some(middle.clone())),
        )
        .await
        .unwrap()
    })
    .await;
    time("list: state = objected, first page", 20, async || {
        benefits::findings(
            &state,
            &caller,
            "childcare_subsidy",
            &filter(Some("2026"), Some("objected"), None, None),
        )
        .await
        .unwrap()
    })
    .await;
    let wanted = findings[count / 3].subject.clone();
    let found = time("list: search by whole ID number (+ entry)", 20, async || {
        benefits::findings(
            &state,
            &caller,
            "childcare_subsidy",
            &filter(None, None, Some(&wanted), None),
        )
        .await
        .unwrap()
    })
    .await;
    assert_eq!(found.count, 1);
    let export = time("CSV export of all (+ entry)", 3, async || {
        benefits::export_findings(
            &state,
            &caller,
            "childcare_subsidy",
            &filter(Some("2026"), None, None, None),
        )
        .await
        .unwrap()
    })
    .await;
    println!(
        "{:<48} {:>9} rows, {:.1} MiB",
        "CSV size",
        export.rows,
        export.body.len() as f64 / 1_048_576.0
    );
    // Confirming the whole period: refused while objections are open.
    let period = ConfirmRequest {
        period: Some("2026".into()),
        ..ConfirmRequest::default()
    };
    let started = Instant::now();
    let refused = benefits::confirm(&state, &caller, "childcare_subsidy", &period).await;
    let refused = refused.expect_err("open objections refuse the period");
    println!(
        "{:<48} {:>9.2} ms ({})",
        "confirm the period: refused (objections open)",
        started.elapsed().as_secs_f64() * 1000.0,
        refused.code
    );
    // The department answers every objection (维持), one request each.
    let objected: Vec<&Finding> = findings
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 50 != 0 && i % 70 == 0)
        .map(|(_, f)| f)
        .collect();
    let started = Instant::now();
    for finding in &objected {
        benefits::answer_objection(
            &state,
            &caller,
            "childcare_subsidy",
            &finding.id,
            &benefits::ObjectionAnswerRequest {
                decision: "uphold".into(),
                reply: "经核实，认定无误".into(),
                amount_yuan: None,
            },
        )
        .await
        .unwrap();
    }
    println!(
        "{:<48} {:>9.2} ms each ({} objections)",
        "answer an objection (+ entry, message)",
        started.elapsed().as_secs_f64() * 1000.0 / objected.len().max(1) as f64,
        objected.len()
    );
    // The job: the request returns at once, the batches follow in the background.
    for round in ["confirm the whole period (job", "confirm it again (job, nothing to do"] {
        let started = Instant::now();
        let job = match benefits::confirm(&state, &caller, "childcare_subsidy", &period)
            .await
            .unwrap()
        {
            benefits::ConfirmOutcome::Started(job) => job,
            benefits::ConfirmOutcome::Confirmed(_) => unreachable!("a period starts a job"),
        };
        let accepted = started.elapsed();
        let done = loop {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let current = app::benefit_jobs::job(&state, &caller, "childcare_subsidy", &job.id)
                .await
                .unwrap();
            if current.state != "running" {
                break current;
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{:<48} {:>9.2} s ({} {}/{} confirmed, {:.0}/s; request answered in {:.1} ms)",
            format!("{round}, {} per batch)", app::benefit_jobs::BATCH),
            seconds,
            done.state,
            done.confirmed,
            done.total,
            done.confirmed as f64 / seconds,
            accepted.as_secs_f64() * 1000.0
        );
    }
    if let Some(pg) = pg {
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(pg.pool())
            .await?;
    }
    Ok(())
}
