//! The real binary as a process: the demo on a free port, or `serve` on PostgreSQL,
//! killed when dropped; and the API calls the tests make of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The demo process; killed (SIGKILL) and reaped when dropped.
pub struct Demo(pub Child);

impl Demo {
    pub fn kill_9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.kill_9();
    }
}

pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onething"));
    command
        .env("ONETHING_LOG", "warn")
        // The nightly policy runs start at the first watch tick after 02:00 China time:
        // off here, so that what a test finds does not depend on the hour it runs at
        // (the nightly runs have tests of their own, on a controlled clock).
        .env("ONETHING_BENEFIT_RUN_HOUR", "off")
        .env_remove("ONETHING_LEDGER_KEY")
        .env_remove("ONETHING_LEDGER_ORIGIN")
        .env_remove("ONETHING_DATABASE_URL")
        .env_remove("ONETHING_DATA_DIR");
    command
}

/// Starts `onething demo` on a free port and returns it with its API base URL.
pub fn start_demo(data_dir: &Path) -> (Demo, String) {
    start_demo_with(data_dir, &[])
}

/// Starts `onething demo` on a free port with `args` added.
pub fn start_demo_with(data_dir: &Path, args: &[&str]) -> (Demo, String) {
    let mut child = command()
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Demo(child);
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "demo did not start");
        let line = lines.next().expect("demo exited before printing its URL").unwrap();
        if let Some(rest) = line.split("demo running: ").nth(1) {
            let base = format!("{}api/v1", rest.trim());
            std::thread::spawn(move || for _ in lines {});
            return (child, base);
        }
    }
}

// ------------------------------------------------------------------ PostgreSQL

pub fn postgres_url() -> String {
    std::env::var("ONETHING_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The server's URL for one schema of the test database: every table of this test
/// lives there, beside other tests' schemas.
pub fn postgres_url_in(schema: &str) -> String {
    let url = postgres_url();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options%5Bsearch_path%5D={schema}")
}

/// A schema of its own in the test database for one test, made empty; the test
/// removes it with [`TestSchema::remove`] when it is done.
pub struct TestSchema {
    pub name: String,
    admin: sqlx::PgConnection,
}

impl TestSchema {
    pub async fn fresh(prefix: &str) -> Self {
        use sqlx::Connection as _;
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&postgres_url())
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", postgres_url()));
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        Self { name, admin }
    }

    /// The server's URL for this schema.
    pub fn url(&self) -> String {
        postgres_url_in(&self.name)
    }

    pub async fn remove(mut self) {
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&mut self.admin)
            .await
            .unwrap();
    }
}

/// Starts `onething serve` on PostgreSQL with the demo accounts, on a free port,
/// with `args` added.
pub fn start_serve_on_postgres(data_dir: &Path, url: &str, args: &[&str]) -> (Demo, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = command()
        .args(["serve", "--demo-accounts", "--log-format", "text", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database")
        .arg(url)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child = Demo(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, format!("http://127.0.0.1:{port}/api/v1"))
}

// ------------------------------------------------------------------ the API

pub async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    let response: Value = client
        .post(format!("{base}/login"))
        .json(&json!({ "username": username, "password": "demo-2026" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["token"].as_str().unwrap().to_owned()
}

/// A newborn application as the API takes it: multipart, with the JSON submission
/// and a scan for each material. Returns the content type and the body.
pub async fn newborn_body(client: &reqwest::Client, base: &str) -> (String, Vec<u8>) {
    let answers =
        json!({ "hukou_local": "yes", "parents_married": "no", "insure_child": "no", "maternity_claim": "no" });
    let plan: Value = client
        .post(format!("{base}/catalog/one-things/newborn/plan"))
        .json(&json!({ "answers": answers }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = testkit::sample_form_from_json(&testkit::catalog(), &plan);
    let (files, commitments) = testkit::sample_materials_from_json(&plan);
    let submission = json!({ "one_thing": "newborn", "answers": answers, "form": form, "commitments": commitments });
    testkit::multipart_submission(&submission, &files)
}

pub async fn submit(client: &reqwest::Client, base: &str, token: &str, body: &(String, Vec<u8>)) -> String {
    let response = client
        .post(format!("{base}/cases"))
        .bearer_auth(token)
        .header("content-type", &body.0)
        .body(body.1.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let case: Value = response.json().await.unwrap();
    case["id"].as_str().unwrap().to_owned()
}
