//! The README's API walkthrough, run as written against a demo: an integrator can
//! copy and paste it and get a case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

mod common;
use common::start_demo;

/// The shell block that follows `marker` in the README.
fn readme_block(marker: &str) -> String {
    let readme = include_str!("../../../README.md");
    let after = &readme[readme.find(marker).expect("the README has the walkthrough")..];
    let start = after.find("```sh\n").unwrap() + "```sh\n".len();
    after[start..start + after[start..].find("```").unwrap()].to_owned()
}

#[test]
fn the_readme_submits_a_newborn_case_as_written() {
    let dir = std::env::temp_dir().join(format!("onething-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (_demo, base) = start_demo(&dir.join("data"));
    let site = base.trim_end_matches("/api/v1").trim_end_matches('/').to_owned();
    let host = site.trim_start_matches("http://");
    let block = readme_block("A newborn case over the API, by hand");
    assert!(
        block.contains("catalog example newborn") && block.contains("submit.sh"),
        "{block}"
    );
    // Only where it runs changes: this build of the binary, this demo's address.
    let script = block
        .replace("cargo run --release -p onething --", env!("CARGO_BIN_EXE_onething"))
        .replace("localhost:8080", host);
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&dir)
        .env("ONETHING_URL", &site)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // submit.sh printed the new case; the last command lists it.
    let case_line = stdout
        .lines()
        .find(|line| line.starts_with('{') && line.contains("\"one_thing\":\"newborn\""))
        .unwrap_or_else(|| panic!("no case in {stdout}"));
    let case: serde_json::Value = serde_json::from_str(case_line).unwrap();
    let id = case["id"].as_str().unwrap();
    assert!(id.starts_with("YJS"), "{case}");
    assert_eq!(case["state"], "in_progress");
    assert!(
        stdout.lines().last().unwrap().contains(id),
        "the list shows it: {stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
