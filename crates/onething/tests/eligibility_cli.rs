//! `onething eligibility run` as an operator runs it: synthetic shared data imported
//! into a data directory, a policy run over it, an unknown policy refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn onething(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_onething"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_policy_runs_over_the_imported_population() {
    let dir = std::env::temp_dir().join(format!("onething-eligibility-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("population.jsonl");
    let data = dir.join("data");
    let (code, _, stderr) = onething(&[
        "population",
        "generate",
        "--persons",
        "2000",
        "--enterprises",
        "100",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = onething(&[
        "population",
        "import",
        file.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");

    let run = |policy: &str| {
        onething(&[
            "eligibility",
            "run",
            "--policy",
            policy,
            "--as-of",
            "2026-12-01",
            "--data-dir",
            data.to_str().unwrap(),
        ])
    };
    let (code, stdout, stderr) = run("childcare_subsidy");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("育儿补贴（2026年度）：核查 2000 个对象"), "{stdout}");
    let qualifying: u32 = stdout
        .split("符合 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(qualifying > 0, "{stdout}");
    // Again: the same people, none new.
    let (code, stdout, _) = run("childcare_subsidy");
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains(&format!("符合 {qualifying} 个（新增 0 个）")),
        "{stdout}"
    );
    // 稳岗返还 over the enterprises' unemployment-insurance records.
    let (code, stdout, _) = run("job_retention_refund");
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("失业保险稳岗返还（2026年度）：核查 100 个对象"),
        "{stdout}"
    );

    let (code, _, stderr) = run("no_such_policy");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("E_POLICY_NOT_FOUND"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
