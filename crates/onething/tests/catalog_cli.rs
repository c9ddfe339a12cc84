//! `onething catalog check` and `onething calendar check` as an operator runs them:
//! exit 0 with a summary when everything is right, exit 1 naming the file and the
//! problem otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
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

/// A copy of the repository's catalog in a fresh directory.
fn catalog_copy(name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let target = std::env::temp_dir().join(format!("onething-catalog-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    for dir in ["", "items", "onethings", "policies", "groups"] {
        std::fs::create_dir_all(target.join(dir)).unwrap();
        for entry in std::fs::read_dir(source.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, target.join(dir).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    target
}

#[test]
fn the_bundled_catalog_checks_and_a_broken_one_is_named() {
    let (code, stdout, stderr) = onething(&["catalog", "check"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("目录检查通过"), "{stdout}");
    assert!(stdout.contains("可用不可见核验"), "{stdout}");

    // An unknown data element in an item: exit 1, the file and line named.
    let dir = catalog_copy("element");
    let item = dir.join("items/GG00102001.toml");
    let text = std::fs::read_to_string(&item).unwrap();
    std::fs::write(&item, text.replace("\"person.address\"", "\"person.adress\"")).unwrap();
    let (code, stdout, stderr) = onething(&["catalog", "check", "--catalog", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("items/GG00102001.toml") && stderr.contains("person.adress"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // A declared check that reads more than it declares: exit 1, named.
    let dir = catalog_copy("check");
    let item = dir.join("items/GG00101001.toml");
    let text = std::fs::read_to_string(&item).unwrap();
    std::fs::write(
        &item,
        text.replace(
            "expression = \"age >= 18\"",
            "expression = \"age >= 18 && ethnicity == '汉族'\"",
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = onething(&["catalog", "check", "--catalog", dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("applicant_adult") && stderr.contains("ethnicity"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `catalog check` on a copy whose policy `file` has `from` replaced by `to`;
/// returns the exit code and stderr.
fn check_with_policy_change(name: &str, file: &str, from: &str, to: &str) -> (Option<i32>, String) {
    let dir = catalog_copy(name);
    let path = dir.join("policies").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    let (code, stdout, stderr) = onething(&["catalog", "check", "--catalog", dir.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    (code, format!("{stdout}{stderr}"))
}

#[test]
fn a_bad_policy_is_named_with_its_file_and_line() {
    let (code, stdout, _) = onething(&["catalog", "check"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("5 项惠民惠企政策"), "{stdout}");

    // A data element no source serves: named by the registry check, with the line of `reads`.
    let (code, out) = check_with_policy_change(
        "policy-element",
        "disability-care.toml",
        "disability_grade",
        "disability_level",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("policies/disability-care.toml:12 [reads]") && out.contains("disability_level"),
        "{out}"
    );

    // A condition reading a name the policy does not declare.
    let (code, out) = check_with_policy_change(
        "policy-undeclared",
        "elderly-allowance.toml",
        "when = \"age >= 80\"",
        "when = \"age >= 80 && ethnicity == '汉族'\"",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("policies/elderly-allowance.toml:") && out.contains("ethnicity"),
        "{out}"
    );

    // CEL that does not parse.
    let (code, out) = check_with_policy_change(
        "policy-cel",
        "childcare-subsidy.toml",
        "when = \"months_under_three > 0\"",
        "when = \"months_under_three >\"",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("policies/childcare-subsidy.toml:") && out.contains("无法解析"),
        "{out}"
    );

    // A condition without its Chinese label.
    let (code, out) = check_with_policy_change(
        "policy-label",
        "disability-care.toml",
        "label = \"残疾等级为一级或二级（重度）\"\n",
        "",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("policies/disability-care.toml:") && out.contains("缺少中文说明"),
        "{out}"
    );

    // 主动告知 linked to a one-thing that does not exist.
    let (code, out) = check_with_policy_change(
        "policy-link",
        "disability-living.toml",
        "one_thing = \"disability-services\"",
        "one_thing = \"disability-service\"",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("不存在的一件事“disability-service”"), "{out}");
}

#[test]
fn a_notice_file_is_checked_before_import() {
    let dir = std::env::temp_dir().join(format!("onething-notice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("2027.toml");
    std::fs::write(&good, testkit::NOTICE_2027).unwrap();
    let (code, stdout, stderr) = onething(&["calendar", "check", good.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("2027年节假日安排检查通过"), "{stdout}");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        testkit::NOTICE_2027.replace("off = [\"2027-09-15\"]", "off = [\"2027-09-16\"]"),
    )
    .unwrap();
    let (code, stdout, stderr) = onething(&["calendar", "check", bad.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("2027-09-15（中秋节）是法定节假日"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_group_of_one_things_is_shown_with_what_taking_them_together_saves() {
    let (code, listing, _) = onething(&["catalog", "show"]);
    assert_eq!(code, Some(0));
    assert!(listing.contains("enterprise-entry"), "{listing}");

    let (code, text, stderr) = onething(&["catalog", "show", "企业准入准营", "--start", "2026-12-01"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(text.contains("企业开办"), "its members are named: {text}");
    assert!(text.contains("共用的材料（交一次）"), "{text}");
    let (code, json, stderr) = onething(&["catalog", "show", "enterprise-entry", "--start", "2026-12-01", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    let materials = &plan["savings"]["materials"];
    let (separately, together) = (
        materials["separately"].as_u64().unwrap(),
        materials["together"].as_u64().unwrap(),
    );
    assert!(together < separately, "{materials}");
    // The text says the same figures the JSON holds.
    assert!(
        text.contains(&format!("材料：{} → {separately} → {together}", materials["alone"])),
        "{text}"
    );

    let (code, _, stderr) = onething(&["catalog", "show", "没有这类事"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("没有找到一件事或一类事"), "{stderr}");
}
