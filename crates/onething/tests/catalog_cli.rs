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
    for dir in ["", "items", "onethings"] {
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
