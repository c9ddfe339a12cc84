//! Fixtures for tests and benchmarks: the repository's catalog read from disk, the
//! official calendar, and forms filled with valid sample values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use catalog::plan::FieldSource;
use catalog::{Answers, Catalog, ElementType, Plan, SourceFile};

/// The repository's `catalog/` directory.
pub fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

/// Every `.toml` file of the repository's catalog, with paths relative to its root.
pub fn catalog_files() -> Vec<SourceFile> {
    let root = catalog_dir();
    let mut files = Vec::new();
    for dir in ["", "items", "onethings", "policies", "groups"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let relative = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                files.push(SourceFile::new(relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

pub fn catalog() -> Catalog {
    Catalog::load(&catalog_files()).unwrap_or_else(|problems| panic!("catalog has problems:\n{problems}"))
}

/// The repository's shared data sources (`catalog/sources.toml`).
pub fn sources() -> sharing::Registry {
    let text = std::fs::read_to_string(catalog_dir().join("sources.toml")).unwrap();
    sharing::Registry::load("sources.toml", &text)
        .unwrap_or_else(|errors| panic!("sources.toml has problems: {errors:?}"))
}

pub fn calendar() -> calendar::Calendar {
    calendar::Calendar::official().unwrap()
}

/// A made-up notice for 2027, for tests of importing a year (the real one was not
/// available when this was written). Against the provisional 2027 it extends 春节
/// to 5–13 February with make-up Saturdays 30 January and 20 February, extends 元旦
/// to 1–3 January, 劳动节 to 1–5 May (make-up 25 April) and 国庆节 to 1–7 October
/// (make-up 26 September and 9 October).
pub const NOTICE_2027: &str = r#"
year = 2027
source = "测试用：国务院办公厅关于2027年部分节假日安排的通知（测试）"
published = "2026-11-20"

[[holiday]]
name = "元旦"
off = ["2027-01-01", "2027-01-03"]

[[holiday]]
name = "春节"
off = ["2027-02-05", "2027-02-13"]
make_up = ["2027-01-30", "2027-02-20"]

[[holiday]]
name = "清明节"
off = ["2027-04-03", "2027-04-05"]

[[holiday]]
name = "劳动节"
off = ["2027-05-01", "2027-05-05"]
make_up = ["2027-04-25"]

[[holiday]]
name = "端午节"
off = ["2027-06-09"]

[[holiday]]
name = "中秋节"
off = ["2027-09-15"]

[[holiday]]
name = "国庆节"
off = ["2027-10-01", "2027-10-07"]
make_up = ["2027-09-26", "2027-10-09"]
"#;

pub fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs.iter().map(|(q, a)| ((*q).to_owned(), (*a).to_owned())).collect()
}

/// The newborn one-thing with every item applicable.
pub fn newborn_all_yes() -> Answers {
    answers(&[
        ("hukou_local", "yes"),
        ("parents_married", "yes"),
        ("insure_child", "yes"),
        ("maternity_claim", "yes"),
    ])
}

/// A valid sample value for a data element of this type: the catalog's example
/// value as of 2026-03-12 (dates are 2026-02-10).
pub fn sample_value(element_type: &ElementType) -> String {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 12).expect("a valid date");
    catalog::example::value(element_type, today)
}

/// Every field the applicant must type in `plan`, filled with a valid value.
pub fn sample_form(catalog: &Catalog, plan: &Plan) -> BTreeMap<String, String> {
    plan.form
        .iter()
        .flat_map(|group| &group.fields)
        .filter(|field| field.source == FieldSource::Applicant)
        .map(|field| {
            (
                field.element.clone(),
                sample_value(&catalog.elements[&field.element].element_type),
            )
        })
        .collect()
}

/// Every field the applicant must type in a plan received as JSON from the API,
/// filled with a valid value.
pub fn sample_form_from_json(catalog: &Catalog, plan: &serde_json::Value) -> BTreeMap<String, String> {
    plan["form"]
        .as_array()
        .expect("a plan has a form")
        .iter()
        .flat_map(|group| group["fields"].as_array().expect("a form group has fields"))
        .filter(|field| field["source"]["kind"] == "applicant")
        .map(|field| {
            let element = field["element"].as_str().expect("a field names its element");
            (
                element.to_owned(),
                sample_value(&catalog.elements[element].element_type),
            )
        })
        .collect()
}

/// A small PNG (the signature and an IHDR chunk): accepted as a scan of any material.
pub const SAMPLE_SCAN: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// What an application hands in for a plan received as JSON from the API: a scan
/// for each material to upload, and the ids of the commitments (告知承诺) to accept.
pub fn sample_materials_from_json(plan: &serde_json::Value) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let mut files = Vec::new();
    let mut commitments = Vec::new();
    for material in plan["materials"].as_array().expect("a plan lists its materials") {
        // Without a consented prefill the applicant hands in what departments would
        // otherwise obtain themselves (shared data, e-certificates) too.
        if material["status"] != "needed" && material["on_consent"] != true {
            continue;
        }
        let id = material["id"].as_str().expect("a material has an id").to_owned();
        if material["kind"] == "告知承诺" {
            commitments.push(id);
        } else {
            files.push((id, SAMPLE_SCAN.to_vec()));
        }
    }
    (files, commitments)
}

/// A multipart/form-data body of text fields and one file part per material
/// (`material.<id>`), as a browser sends the apply form. Returns the content type
/// and the body.
pub fn multipart_form(fields: &[(String, String)], files: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "onething-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (material, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"material.{material}\"; filename=\"{material}.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// A multipart/form-data body for `POST /api/v1/cases`: the JSON `submission` part
/// and one `material.<id>` part per file.
pub fn multipart_submission(submission: &serde_json::Value, files: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    multipart_form(&[("submission".to_owned(), submission.to_string())], files)
}
