//! `kill -9` of the real binary during a burst of submissions: after a restart on
//! the same data directory, every acknowledged case is there with its history.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The demo process; killed (SIGKILL) and reaped when dropped, so a failing test
/// leaves no server behind.
struct Demo(Child);

impl Demo {
    fn kill_9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// Starts `onething demo` on a free port and returns it with its API base URL.
fn start_demo(data_dir: &Path) -> (Demo, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onething"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("ONETHING_LOG", "warn")
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
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (child, base);
        }
    }
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    let response: Value = client
        .post(format!("{base}/login"))
        .json(&json!({ "username": "zhangsan", "password": "demo-2026" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["token"].as_str().unwrap().to_owned()
}

async fn newborn_body(client: &reqwest::Client, base: &str) -> Value {
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
    json!({ "one_thing": "newborn", "answers": answers, "form": form })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_survive_kill_9() {
    let data_dir = std::env::temp_dir().join(format!("onething-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (mut child, base) = start_demo(&data_dir);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token = login(&client, &base).await;
    let body = newborn_body(&client, &base).await;

    // Four clients submit as fast as they can; every 201 is an acknowledgement.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (client, base, token, body, acknowledged) = (
            client.clone(),
            base.clone(),
            token.clone(),
            body.clone(),
            acknowledged.clone(),
        );
        workers.push(tokio::spawn(async move {
            for _ in 0..500 {
                let Ok(response) = client
                    .post(format!("{base}/cases"))
                    .bearer_auth(&token)
                    .json(&body)
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
    // Kill mid-burst, once a fair number are acknowledged.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 30 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill_9();
    for worker in workers {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 30,
        "only {} acknowledged before the kill",
        acknowledged.len()
    );

    eprintln!("{} submissions acknowledged before kill -9", acknowledged.len());
    // Restart on the same data directory: every acknowledged case is there.
    let (mut child, base) = start_demo(&data_dir);
    let token = login(&client, &base).await;
    let list: Value = client
        .get(format!("{base}/cases"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: Vec<&str> = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in &acknowledged {
        assert!(stored.contains(&id.as_str()), "acknowledged case {id} was lost");
    }
    // And each has its history, written in the same transaction.
    for id in acknowledged.iter().take(10) {
        let history: Value = client
            .get(format!("{base}/cases/{id}/history"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(history["events"][0]["transition"], "submit", "{id}");
    }
    child.kill_9();
    let _ = std::fs::remove_dir_all(&data_dir);
}
