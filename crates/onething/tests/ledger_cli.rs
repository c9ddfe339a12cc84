//! `onething ledger …` on the real binary: a demo produces entries through the API,
//! then `checkpoint` and `verify` pass; an attacker who edits the SQLite file
//! directly (dropping the triggers first) is caught at the right index; `prove`
//! and `verify-bundle` round-trip; and after a `kill -9` mid-burst every
//! acknowledged case has its submit entry and the ledger still verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use ledger::LedgerEntry;
use serde_json::{Value, json};
use sqlx::Connection as _;
use store::Store as _;

mod common;
use common::{
    Demo, TestSchema, command, login, newborn_body, postgres_url, start_demo, start_serve_on_postgres, submit,
};

// ------------------------------------------------------------------ processes

/// What a run of `onething ledger …` printed, and how it exited.
#[derive(Debug)]
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(output: std::process::Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn ledger(data_dir: &Path, args: &[&str]) -> Output {
    let output = command()
        .arg("ledger")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--log-format", "text"])
        .output()
        .unwrap();
    Output::from(output)
}

fn verify_bundle(file: &Path, key: &str) -> Output {
    let output = command()
        .args(["ledger", "verify-bundle"])
        .arg(file)
        .args(["--key", key])
        .output()
        .unwrap();
    Output::from(output)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onething-ledger-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

// ------------------------------------------------------------------ the API

async fn get_case(client: &reqwest::Client, base: &str, token: &str, id: &str) {
    let response = client
        .get(format!("{base}/cases/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
}

// ------------------------------------------------------------------ the database

fn database(data_dir: &Path) -> PathBuf {
    data_dir.join("onething.db")
}

/// Every ledger row of a stopped data directory, decoded.
fn entries(data_dir: &Path) -> Vec<(u64, LedgerEntry)> {
    block_on(async {
        let store = store::SqliteStore::open(&database(data_dir)).await.unwrap();
        let rows = store.ledger_rows(0, u64::MAX).await.unwrap();
        store.close().await;
        rows.into_iter()
            .map(|row| (row.index, LedgerEntry::from_canonical_bytes(&row.entry).unwrap()))
            .collect()
    })
}

/// Runs `statements` on the SQLite file directly, as an attacker with file access
/// would (the triggers are dropped first).
fn tamper(data_dir: &Path, work: impl AsyncFnOnce(&mut sqlx::SqliteConnection)) {
    block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(database(data_dir));
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
        sqlx::raw_sql(
            "DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_entries_no_delete;",
        )
        .execute(&mut connection)
        .await
        .unwrap();
        work(&mut connection).await;
        connection.close().await.unwrap();
    });
}

/// `(entry, leaf_hash)` of a row as stored.
async fn raw_row(connection: &mut sqlx::SqliteConnection, index: u64) -> (Vec<u8>, String) {
    sqlx::query_as("SELECT entry, leaf_hash FROM ledger_entries WHERE idx = ?1")
        .bind(index as i64)
        .fetch_one(connection)
        .await
        .unwrap()
}

async fn set_row(connection: &mut sqlx::SqliteConnection, index: u64, entry: &[u8], leaf_hash: &str) {
    let updated = sqlx::query("UPDATE ledger_entries SET entry = ?1, leaf_hash = ?2 WHERE idx = ?3")
        .bind(entry)
        .bind(leaf_hash)
        .bind(index as i64)
        .execute(connection)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 1);
}

// ------------------------------------------------------------------ a prepared ledger

struct Prepared {
    /// The files of a stopped data directory with a checkpoint of the whole ledger;
    /// each test writes its own copy.
    files: Vec<(std::ffi::OsString, Vec<u8>)>,
    size: u64,
}

/// A demo run: logins, two submissions, reads by the applicant and by staff, and
/// a staff decision; then the demo is stopped and `ledger checkpoint` signs the head.
fn prepared() -> &'static Prepared {
    static PREPARED: OnceLock<Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let dir = temp_dir("prepared");
        let (mut demo, base) = start_demo(&dir);
        block_on(async {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let token = login(&client, &base, "zhangsan").await;
            let body = newborn_body(&client, &base).await;
            let first = submit(&client, &base, &token, &body).await;
            let second = submit(&client, &base, &token, &body).await;
            get_case(&client, &base, &token, &first).await;
            let staff = login(&client, &base, "staff-wj").await;
            get_case(&client, &base, &staff, &second).await;
            let response = client
                .post(format!("{base}/cases/{first}/tasks/GG00101001/accept"))
                .bearer_auth(&staff)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{}", response.status());
        });
        demo.kill_9();

        let checkpoint = ledger(&dir, &["checkpoint"]);
        assert_eq!(checkpoint.code, Some(0), "{checkpoint:?}");
        assert!(checkpoint.stdout.contains("已签署检查点"), "{checkpoint:?}");
        let entries = entries(&dir);
        let size = entries.len() as u64;
        assert!(size >= 8, "only {size} entries");
        assert!(
            checkpoint.stdout.contains(&format!("已签署检查点：{size} 条")),
            "{checkpoint:?}"
        );
        let files = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                (
                    entry.file_name(),
                    std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{:?} {e}", entry.path())),
                )
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        Prepared { files, size }
    })
}

/// A private copy of the prepared data directory.
fn copy_of_prepared(name: &str) -> (PathBuf, u64) {
    let prepared = prepared();
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &prepared.files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    (dir, prepared.size)
}

fn assert_tampered_at(output: &Output, index: u64, what: &str) {
    assert_eq!(output.code, Some(1), "{output:?}");
    assert!(
        output.stdout.contains(&format!("第一处异常位于索引 {index}：{what}")),
        "expected index {index} ({what}): {output:?}"
    );
    assert!(output.stdout.contains("账本已被篡改"), "{output:?}");
    assert!(!output.stdout.contains("账本完整"), "{output:?}");
}

// ------------------------------------------------------------------ tests

#[test]
fn demo_activity_is_in_the_ledger_and_verifies() {
    let (dir, size) = copy_of_prepared("intact");
    let entries = entries(&dir);
    let kinds: BTreeMap<&str, usize> = entries.iter().fold(BTreeMap::new(), |mut kinds, (_, entry)| {
        *kinds.entry(entry.kind.as_str()).or_default() += 1;
        kinds
    });
    // One applicant (zhangsan) and one member of staff signed in.
    assert_eq!(kinds.get("applicant.login"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("staff.login"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("data.access"), Some(&2), "{kinds:?}");
    assert!(kinds.get("case.transition").is_some_and(|n| *n >= 5), "{kinds:?}");
    let submits: Vec<&LedgerEntry> = entries
        .iter()
        .map(|(_, entry)| entry)
        .filter(|entry| entry.purpose.as_deref() == Some("submit"))
        .collect();
    assert_eq!(submits.len(), 2);
    assert!(
        submits
            .iter()
            .all(|entry| entry.subject.as_deref() == Some("applicant-zhangsan"))
    );
    let staff_read = entries
        .iter()
        .map(|(_, entry)| entry)
        .find(|entry| entry.kind == "data.access" && entry.actor == "staff-wj")
        .unwrap();
    assert_eq!(staff_read.subject.as_deref(), Some("applicant-zhangsan"));
    assert_eq!(staff_read.department.as_deref(), Some("WJ"));
    assert!(!staff_read.elements.is_empty());

    let verified = ledger(&dir, &["verify"]);
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(
        verified.stdout.contains(&format!("账本条目：{size} 条")),
        "{verified:?}"
    );
    assert!(verified.stdout.contains("已检查 1 个（签名有效 1 个"), "{verified:?}");
    assert!(verified.stdout.contains("账本完整"), "{verified:?}");

    // Signing again at the same size keeps the checkpoint; verify still passes.
    let again = ledger(&dir, &["checkpoint"]);
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(ledger(&dir, &["verify"]).stdout.contains("已检查 1 个"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_edited_entry_is_found_at_its_index() {
    let (dir, size) = copy_of_prepared("edited");
    let index = size / 2;
    tamper(&dir, async |connection| {
        let (bytes, hash) = raw_row(connection, index).await;
        let mut entry = LedgerEntry::from_canonical_bytes(&bytes).unwrap();
        entry.actor = "someone-else".into();
        // The entry is rewritten, its stored hash is left alone.
        set_row(connection, index, &entry.canonical_bytes(), &hash).await;
    });
    assert_tampered_at(&ledger(&dir, &["verify"]), index, "条目内容被修改");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_edited_entry_with_a_matching_hash_is_found_at_its_index() {
    let (dir, size) = copy_of_prepared("rehashed");
    let index = size / 2 + 1;
    tamper(&dir, async |connection| {
        let (bytes, _) = raw_row(connection, index).await;
        let mut entry = LedgerEntry::from_canonical_bytes(&bytes).unwrap();
        entry.detail.push_str(" (edited)");
        let bytes = entry.canonical_bytes();
        set_row(connection, index, &bytes, &ledger::leaf_hash(&bytes).to_hex()).await;
    });
    assert_tampered_at(&ledger(&dir, &["verify"]), index, "条目被替换");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_deleted_row_is_found_at_its_index() {
    let (dir, size) = copy_of_prepared("deleted");
    let index = size / 2;
    tamper(&dir, async |connection| {
        let deleted = sqlx::query("DELETE FROM ledger_entries WHERE idx = ?1")
            .bind(index as i64)
            .execute(connection)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(deleted, 1);
    });
    assert_tampered_at(&ledger(&dir, &["verify"]), index, "此处的记录被删除");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn swapped_rows_are_found_at_the_first_of_them() {
    let (dir, size) = copy_of_prepared("swapped");
    let (first, second) = (1, size - 2);
    tamper(&dir, async |connection| {
        let a = raw_row(connection, first).await;
        let b = raw_row(connection, second).await;
        assert_ne!(a, b);
        set_row(connection, first, &b.0, &b.1).await;
        set_row(connection, second, &a.0, &a.1).await;
    });
    assert_tampered_at(&ledger(&dir, &["verify"]), first, "条目被替换");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_truncated_ledger_is_found_at_the_first_missing_index() {
    let (dir, size) = copy_of_prepared("truncated");
    let kept = size - 3;
    tamper(&dir, async |connection| {
        let deleted = sqlx::query("DELETE FROM ledger_entries WHERE idx >= ?1")
            .bind(kept as i64)
            .execute(connection)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(deleted, 3);
    });
    let output = ledger(&dir, &["verify"]);
    assert_tampered_at(&output, kept, "记录缺失");
    assert!(output.stdout.contains(&format!("账本条目：{kept} 条")), "{output:?}");

    // A careful attacker also rewinds the head to the rows kept: the signed
    // checkpoint still catches it, and the shorter head is never signed.
    tamper(&dir, async |connection| {
        let leaves: Vec<String> = sqlx::query_scalar("SELECT leaf_hash FROM ledger_entries ORDER BY idx")
            .fetch_all(&mut *connection)
            .await
            .unwrap();
        let mut range = ledger::CompactRange::new();
        for leaf in &leaves {
            range.append(ledger::Hash::from_hex(leaf).unwrap());
        }
        let frontier: Vec<String> = range.frontier().iter().map(ledger::Hash::to_hex).collect();
        sqlx::query("UPDATE ledger_head SET size = ?1, frontier = ?2 WHERE id = 1")
            .bind(range.size() as i64)
            .bind(frontier.join(","))
            .execute(&mut *connection)
            .await
            .unwrap();
    });
    let output = ledger(&dir, &["verify"]);
    assert_tampered_at(&output, kept, "记录缺失");
    assert!(output.stdout.contains(&format!("账本头：{kept} 条")), "{output:?}");
    let refused = ledger(&dir, &["checkpoint"]);
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("拒绝签署"), "{refused:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_forged_checkpoint_signature_fails_verification() {
    let (dir, _) = copy_of_prepared("forged-key");
    // Another key signs the data directory's checkpoints from now on: the stored
    // checkpoint no longer verifies with it.
    let other = ledger::SignerKey::from_seed("onething.local/ledger", &[9; 32]).unwrap();
    let output = command()
        .args(["ledger", "verify", "--data-dir"])
        .arg(&dir)
        .args(["--ledger-key", &other.to_encoded()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("签名无效"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn proofs_verify_offline_with_the_published_key_only() {
    let (dir, size) = copy_of_prepared("prove");
    let vkey_file = dir.join("ledger.vkey");
    let vkey = std::fs::read_to_string(&vkey_file).unwrap().trim().to_owned();
    assert!(vkey.starts_with("onething.local/ledger+"), "{vkey}");

    let index = 2;
    let proved = ledger(&dir, &["prove", &index.to_string()]);
    assert_eq!(proved.code, Some(0), "{proved:?}");
    let bundle_file = dir.join("bundle.json");
    std::fs::write(&bundle_file, &proved.stdout).unwrap();
    let bundle: Value = serde_json::from_str(proved.stdout.trim()).unwrap();
    assert_eq!(bundle["index"], index);

    let checked = verify_bundle(&bundle_file, &vkey);
    assert_eq!(checked.code, Some(0), "{checked:?}");
    assert!(checked.stdout.contains("凭证有效"), "{checked:?}");
    assert!(checked.stdout.contains(&format!("索引：{index}")), "{checked:?}");
    assert!(checked.stdout.contains(&format!("检查点 {size} 条")), "{checked:?}");
    let (_, expected) = entries(&dir).into_iter().find(|(i, _)| *i == index).unwrap();
    assert!(
        checked.stdout.contains(&format!("操作人：{}", expected.actor)),
        "{checked:?}"
    );
    // The key may also be given as the published file.
    let from_file = verify_bundle(&bundle_file, vkey_file.to_str().unwrap());
    assert_eq!(from_file.code, Some(0), "{from_file:?}");

    // Another key with the same name does not verify it.
    let other = ledger::SignerKey::from_seed("onething.local/ledger", &[9; 32])
        .unwrap()
        .verifier()
        .to_string();
    let wrong = verify_bundle(&bundle_file, &other);
    assert_eq!(wrong.code, Some(1), "{wrong:?}");
    assert!(wrong.stdout.contains("凭证无效"), "{wrong:?}");

    // Nor does the bundle with another index or an edited entry.
    let mut moved = bundle.clone();
    moved["index"] = json!(index + 1);
    let moved_file = dir.join("moved.json");
    std::fs::write(&moved_file, moved.to_string()).unwrap();
    assert_eq!(verify_bundle(&moved_file, &vkey).code, Some(1));

    // An index beyond the ledger is an error, not a bundle.
    let beyond = ledger(&dir, &["prove", &size.to_string()]);
    assert_ne!(beyond.code, Some(0), "{beyond:?}");
    assert!(beyond.stdout.is_empty(), "{beyond:?}");
    assert!(beyond.stderr.contains("超出账本范围"), "{beyond:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prove_signs_a_checkpoint_when_none_covers_the_entry() {
    let dir = temp_dir("prove-fresh");
    let (mut demo, base) = start_demo(&dir);
    block_on(async {
        let client = reqwest::Client::new();
        login(&client, &base, "zhangsan").await;
    });
    demo.kill_9();
    let proved = ledger(&dir, &["prove", "0"]);
    assert_eq!(proved.code, Some(0), "{proved:?}");
    let bundle_file = dir.join("bundle.json");
    std::fs::write(&bundle_file, &proved.stdout).unwrap();
    let vkey = std::fs::read_to_string(dir.join("ledger.vkey")).unwrap();
    let checked = verify_bundle(&bundle_file, vkey.trim());
    assert_eq!(checked.code, Some(0), "{checked:?}");
    assert!(
        checked.stdout.contains("类型：applicant.login（申请人登录）"),
        "{checked:?}"
    );
    let verified = ledger(&dir, &["verify"]);
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(verified.stdout.contains("已检查 1 个（签名有效 1 个"), "{verified:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Four clients submit 新生儿出生 cases as fast as the server takes them; once 30 are
/// acknowledged (201 with an id), the server is killed with SIGKILL. Returns the ids
/// of every acknowledged case.
async fn burst_then_kill_9(child: &mut Demo, base: &str) -> Vec<String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token = login(&client, base, "zhangsan").await;
    let body = newborn_body(&client, base).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (client, base, token, body, acknowledged) = (
            client.clone(),
            base.to_owned(),
            token.clone(),
            body.clone(),
            acknowledged.clone(),
        );
        workers.push(tokio::spawn(async move {
            for _ in 0..500 {
                let Ok(response) = client
                    .post(format!("{base}/cases"))
                    .bearer_auth(&token)
                    .header("content-type", &body.0)
                    .body(body.1.clone())
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() != reqwest::StatusCode::CREATED {
                    return;
                }
                let Ok(case) = response.json::<Value>().await else {
                    return;
                };
                acknowledged
                    .lock()
                    .unwrap()
                    .push(case["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 30 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill_9();
    for worker in workers {
        worker.await.unwrap();
    }
    acknowledged.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_are_in_the_ledger_after_kill_9() {
    let data_dir = temp_dir("crash");
    let (mut child, base) = start_demo(&data_dir);
    let acknowledged = burst_then_kill_9(&mut child, &base).await;
    assert!(acknowledged.len() >= 30, "only {} acknowledged", acknowledged.len());

    let dir = data_dir.clone();
    let (checkpoint, verified, entries) =
        tokio::task::spawn_blocking(move || (ledger(&dir, &["checkpoint"]), ledger(&dir, &["verify"]), entries(&dir)))
            .await
            .unwrap();
    assert_eq!(checkpoint.code, Some(0), "{checkpoint:?}");
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(verified.stdout.contains("账本完整"), "{verified:?}");

    let mut submits: BTreeMap<String, usize> = BTreeMap::new();
    for (_, entry) in &entries {
        if entry.kind == "case.transition" && entry.purpose.as_deref() == Some("submit") {
            *submits.entry(entry.case_id.clone().unwrap()).or_default() += 1;
        }
    }
    for id in &acknowledged {
        assert_eq!(submits.get(id), Some(&1), "acknowledged case {id} has no submit entry");
    }
    // Every stored case has its entry too: nothing was committed without its ledger row.
    let stored_cases = tokio::task::spawn_blocking(move || {
        block_on(async {
            let store = store::SqliteStore::open(&database(&data_dir)).await.unwrap();
            let cases = store.cases_of_applicant("applicant-zhangsan").await.unwrap();
            store.close().await;
            let _ = std::fs::remove_dir_all(&data_dir);
            cases
        })
    })
    .await
    .unwrap();
    assert_eq!(stored_cases.len(), submits.len());
    for id in &acknowledged {
        assert!(
            stored_cases.iter().any(|case| case.id.as_str() == id),
            "acknowledged case {id} was lost"
        );
    }
    for case in stored_cases {
        assert_eq!(submits.get(case.id.as_str()), Some(&1), "{}", case.id);
    }
}

/// Stored state is tamper-evident too: a case document, a task row's state copied
/// into it, edited directly in the database, is named by `ledger verify`; an
/// untouched database still verifies.
#[test]
fn a_case_edited_behind_the_application_is_named_by_verify() {
    let (dir, _) = copy_of_prepared("state-intact");
    let intact = ledger(&dir, &["verify"]);
    assert_eq!(intact.code, Some(0), "{intact:?}");
    assert!(intact.stdout.contains("存储状态：已核对"), "{intact:?}");
    assert!(
        !intact.stdout.contains("无法核对"),
        "every object is attested: {intact:?}"
    );

    let (dir, _) = copy_of_prepared("state-tampered");
    let mut edited = String::new();
    tamper(&dir, async |connection| {
        // Mark an accepted task approved, as someone with database access might.
        let (id, doc): (String, String) =
            sqlx::query_as("SELECT id, doc FROM cases WHERE doc LIKE '%\"accepted\"%' LIMIT 1")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
        let changed = doc.replacen("\"accepted\"", "\"approved\"", 1);
        assert_ne!(changed, doc);
        sqlx::query("UPDATE cases SET doc = ?1 WHERE id = ?2")
            .bind(&changed)
            .bind(&id)
            .execute(&mut *connection)
            .await
            .unwrap();
        edited = id;
    });
    let checked = ledger(&dir, &["verify"]);
    assert_eq!(checked.code, Some(1), "{checked:?}");
    assert!(
        checked
            .stdout
            .contains(&format!("办件 {edited}：数据库中的内容与账本第")),
        "{checked:?}"
    );
    assert!(
        checked.stdout.contains("数据库中有 1 处内容与账本不一致"),
        "{checked:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ PostgreSQL

/// `onething ledger verify` over the database at `url`, off the test's runtime.
async fn verify_on_postgres(data_dir: &Path, url: &str) -> Output {
    let (dir, database) = (data_dir.to_owned(), url.to_owned());
    tokio::task::spawn_blocking(move || {
        let output = command()
            .args(["ledger", "verify", "--log-format", "text", "--database"])
            .arg(&database)
            .arg("--data-dir")
            .arg(&dir)
            .output()
            .unwrap();
        Output::from(output)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_are_in_the_ledger_after_kill_9_on_postgres() {
    let schema = TestSchema::fresh("kill9").await;
    let url = schema.url();
    let data_dir = temp_dir("crash-pg");
    let (mut child, base) = start_serve_on_postgres(&data_dir, &url, &[]);
    let acknowledged = burst_then_kill_9(&mut child, &base).await;
    assert!(acknowledged.len() >= 30, "only {} acknowledged", acknowledged.len());

    // The ledger verifies, from the database the killed server left.
    let verified = verify_on_postgres(&data_dir, &url).await;
    assert_eq!(verified.code, Some(0), "{verified:?}");
    assert!(verified.stdout.contains("账本完整"), "{verified:?}");

    // Every acknowledged case is stored with exactly one submit entry, and nothing
    // was stored without its entry.
    let store = store::PostgresStore::connect_with_schema(&postgres_url(), &schema.name)
        .await
        .unwrap();
    let mut submits: BTreeMap<String, usize> = BTreeMap::new();
    for row in store.ledger_rows(0, u64::MAX).await.unwrap() {
        let entry = LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
        if entry.kind == "case.transition" && entry.purpose.as_deref() == Some("submit") {
            *submits.entry(entry.case_id.clone().unwrap()).or_default() += 1;
        }
    }
    let stored_cases = store.cases_of_applicant("applicant-zhangsan").await.unwrap();
    store.close().await;
    for id in &acknowledged {
        assert!(
            stored_cases.iter().any(|case| case.id.as_str() == id),
            "acknowledged case {id} was lost"
        );
        assert_eq!(submits.get(id), Some(&1), "acknowledged case {id} has no submit entry");
    }
    assert_eq!(stored_cases.len(), submits.len());
    schema.remove().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// `ledger verify` on PostgreSQL reads the rows through its bulk copy: an entry edited
/// in the database is found at its index there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_entry_is_found_at_its_index_on_postgres() {
    let schema = TestSchema::fresh("verify").await;
    let url = schema.url();
    let data_dir = temp_dir("verify-pg");
    {
        let (_server, base) = start_serve_on_postgres(&data_dir, &url, &[]);
        let client = reqwest::Client::new();
        let token = login(&client, &base, "zhangsan").await;
        let body = newborn_body(&client, &base).await;
        submit(&client, &base, &token, &body).await;
    }
    let intact = verify_on_postgres(&data_dir, &url).await;
    assert_eq!(intact.code, Some(0), "{intact:?}");
    assert!(intact.stdout.contains("账本完整"), "{intact:?}");

    let mut connection = sqlx::PgConnection::connect(&url).await.unwrap();
    let size: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger_entries")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    let index = size / 2;
    let bytes: Vec<u8> = sqlx::query_scalar("SELECT entry FROM ledger_entries WHERE idx = $1")
        .bind(index)
        .fetch_one(&mut connection)
        .await
        .unwrap();
    let mut entry = LedgerEntry::from_canonical_bytes(&bytes).unwrap();
    entry.actor = "someone-else".into();
    // The table refuses changes by trigger; a database superuser can switch it off.
    sqlx::raw_sql("SET session_replication_role = replica")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query("UPDATE ledger_entries SET entry = $1 WHERE idx = $2")
        .bind(entry.canonical_bytes())
        .bind(index)
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let tampered = verify_on_postgres(&data_dir, &url).await;
    assert_tampered_at(&tampered, index as u64, "条目内容被修改");
    schema.remove().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}
