//! The demo's nightly policy runs: a demo started after the day's run hour runs every
//! 免申即享 policy at its first watch tick, and that run sees the demo's population
//! (it used to start before the population was loaded, find nobody, and take the
//! day's claim, so a fresh demo showed nobody entitled until the next night).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{login, start_demo_with};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_started_after_the_run_hour_runs_its_policies_over_the_demo_population() {
    let dir = std::env::temp_dir().join(format!("onething-nightly-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Hour 0: every hour of the day is past it, so the first tick runs the policies.
    let (_demo, base) = start_demo_with(&dir.join("data"), &["--benefit-run-hour", "0"]);
    let client = reqwest::Client::new();
    let token = login(&client, &base, "staff-wj").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        assert!(Instant::now() < deadline, "no finished scheduled run within 60 s");
        let runs: Value = client
            .get(format!("{base}/policies/childcare_subsidy/runs"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let scheduled = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|run| run["started_by"] == "定时任务" && run["state"] != "running")
            .cloned();
        if let Some(run) = scheduled {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(run["state"], "succeeded", "{run}");
    // The demo seeds several thousand people; the run read them all.
    assert!(run["subjects"].as_i64().unwrap() > 1_000, "{run}");
    assert!(run["findings"].as_i64().unwrap() > 0, "{run}");
}
