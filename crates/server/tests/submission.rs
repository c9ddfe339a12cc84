//! One submission use case behind both front doors: over the API (multipart with
//! materials, or at the one window for a walk-in) and on the pages, an application
//! passes the same checks and is refused with the same issues.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;
use common::*;

/// An ID number nobody in the demo holds (valid check digit).
const WALK_IN_ID: &str = "44030519900101123X";

/// Posts the newborn apply form as the holder of `session`; returns the status and the page.
async fn apply_on_the_page(
    node: &Node,
    session: &str,
    answers: &Value,
    form: &BTreeMap<String, String>,
    commitments: &[String],
    files: &[(String, Vec<u8>)],
) -> (StatusCode, String) {
    let query: Vec<String> = answers
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
        .collect();
    let (status, page) = page_as(
        node,
        session,
        &format!("/one-things/newborn/apply?{}&noprefill=1", query.join("&")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut fields = vec![("csrf".to_owned(), csrf_in(&page))];
    for (k, v) in answers.as_object().unwrap() {
        fields.push((format!("answer.{k}"), v.as_str().unwrap().to_owned()));
    }
    fields.extend(form.iter().map(|(k, v)| (k.clone(), v.clone())));
    fields.extend(commitments.iter().map(|c| (format!("commit.{c}"), "yes".to_owned())));
    post_page_form(node, session, "/one-things/newborn/apply", &fields, files).await
}

fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_invalid_application_is_refused_alike_by_the_api_and_the_page() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let plan = newborn_plan(&node).await;
    let (mut files, commitments) = testkit::sample_materials_from_json(&plan);
    // A phone number that is not one, the first material left out, and a file that
    // is a GIF whatever its name says.
    let mut form = newborn_form(&node).await;
    form.insert("person.phone".into(), "-1".into());
    let missing = files.remove(0).0;
    let rejected = files[0].0.clone();
    files[0].1 = b"GIF89a not a scan".to_vec();

    let submission =
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "commitments": commitments });
    let (status, body) = node.submit_multipart(&applicant, &submission, &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let details = body["error"]["details"].as_array().unwrap();
    let by_field: BTreeMap<&str, &str> = details
        .iter()
        .map(|d| (d["field"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        by_field.get("form.person.phone").copied(),
        Some("FIELD_PHONE_INVALID"),
        "{body}"
    );
    assert_eq!(
        by_field.get(format!("material.{missing}").as_str()).copied(),
        Some("MATERIAL_REQUIRED")
    );
    assert_eq!(
        by_field.get(format!("material.{rejected}").as_str()).copied(),
        Some("MATERIAL_REJECTED")
    );
    assert_eq!(details.len(), 3, "{body}");

    // The page says the same three things.
    let (status, page) = apply_on_the_page(&node, &applicant, &newborn_answers(), &form, &commitments, &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = unescape(&page);
    for detail in details {
        let message = detail["message"].as_str().unwrap();
        assert!(page.contains(message), "the page does not say {message:?}");
    }
    // Unmarried parents sign the 出生登记告知承诺书 online: without it, both refuse
    // with COMMITMENT_REQUIRED.
    let unmarried =
        json!({ "hukou_local": "yes", "parents_married": "no", "insure_child": "no", "maternity_claim": "no" });
    let (_, unmarried_plan) = node
        .call(
            "POST",
            "/catalog/one-things/newborn/plan",
            None,
            Some(json!({ "answers": unmarried })),
        )
        .await;
    let (unmarried_files, unmarried_commitments) = testkit::sample_materials_from_json(&unmarried_plan);
    assert!(!unmarried_commitments.is_empty(), "the plan has a commitment");
    let unmarried_form = testkit::sample_form_from_json(&testkit::catalog(), &unmarried_plan);
    let without = json!({ "one_thing": "newborn", "answers": unmarried, "form": unmarried_form });
    let (status, body) = node.submit_multipart(&applicant, &without, &unmarried_files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let detail = &body["error"]["details"][0];
    assert_eq!(detail["code"], "COMMITMENT_REQUIRED", "{body}");
    assert_eq!(detail["field"], format!("material.{}", unmarried_commitments[0]));
    let (status, page) = apply_on_the_page(&node, &applicant, &unmarried, &unmarried_form, &[], &unmarried_files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&page).contains(detail["message"].as_str().unwrap()));

    // Nothing of any of it was stored.
    assert!(
        node.store
            .cases_of_applicant("applicant-zhangsan")
            .await
            .unwrap()
            .is_empty()
    );

    // The valid application is accepted by both.
    let (status, page) = apply_on_the_page(
        &node,
        &applicant,
        &unmarried,
        &unmarried_form,
        &unmarried_commitments,
        &unmarried_files,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let mut valid = without.clone();
    valid["commitments"] = json!(unmarried_commitments);
    let (status, body) = node.submit_multipart(&applicant, &valid, &unmarried_files).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        node.store.cases_of_applicant("applicant-zhangsan").await.unwrap().len(),
        2
    );
}

async fn materials_over_the_api(node: &Node) {
    let applicant = node.login("zhangsan").await;
    let plan = newborn_plan(node).await;
    let (files, commitments) = testkit::sample_materials_from_json(&plan);
    assert!(files.len() >= 3, "the newborn plan asks for scans");
    let form = newborn_form(node).await;

    // JSON alone is refused: the files are missing, and nothing is stored.
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "commitments": commitments })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let codes: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["MATERIAL_REQUIRED"; files.len()]);

    // An unknown part is named.
    let submission =
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "commitments": commitments });
    let (content_type, mut bytes) = testkit::multipart_submission(&submission, &files);
    let boundary = content_type.split("boundary=").nth(1).unwrap().to_owned();
    let tail = format!("--{boundary}--\r\n");
    bytes.truncate(bytes.len() - tail.len());
    bytes.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nx\r\n{tail}").as_bytes(),
    );
    let response = node
        .client
        .post(format!("{}/cases", node.base))
        .bearer_auth(&applicant)
        .header("content-type", &content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "E_MULTIPART_UNKNOWN_PART");
    assert!(
        node.store
            .cases_of_applicant("applicant-zhangsan")
            .await
            .unwrap()
            .is_empty()
    );

    // With its files: stored with the case, each with its type from the content and
    // its digest, and listed to the applicant on the case page.
    let (status, case) = node.submit_multipart(&applicant, &submission, &files).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap();
    let uploads = node.store.uploads_of_case(id).await.unwrap();
    let mut stored: Vec<&str> = uploads.iter().map(|u| u.material.as_str()).collect();
    stored.sort_unstable();
    let mut sent: Vec<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    sent.sort_unstable();
    assert_eq!(stored, sent);
    for upload in &uploads {
        assert_eq!(upload.content_type, "image/png");
        assert_eq!(upload.size as usize, testkit::SAMPLE_SCAN.len());
        assert_eq!(upload.uploaded_by, "applicant-zhangsan");
    }
    let (status, page) = page_as(node, &applicant, &format!("/my/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for (material, _) in &files {
        let name = &testkit::catalog().materials[material].name;
        assert!(page.contains(name.as_str()), "{name} is not listed");
    }

    // An integrator reads them back over the API: the list, then one file's bytes.
    let (status, listed) = node
        .call("GET", &format!("/cases/{id}/files"), Some(&applicant), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed["files"].as_array().unwrap();
    assert_eq!(listed.len(), files.len());
    let first = &listed[0];
    assert_eq!(first["content_type"], "image/png");
    let download = |token: String| {
        let url = format!("{}/cases/{id}/files/{}", node.base, first["id"].as_str().unwrap());
        let client = node.client.clone();
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let response = download(applicant.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.unwrap().as_ref(), testkit::SAMPLE_SCAN);
    // Someone else's case, and a supervisor (who may not see scans), are told it does not exist.
    let other = node.login("lisi").await;
    assert_eq!(download(other.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        download(node.login("admin").await).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = node
        .call("GET", &format!("/cases/{id}/files"), Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The download is in the applicant's data log as a read of that material.
    let reads = node.store.access_log(id).await.unwrap();
    assert!(
        reads
            .iter()
            .any(|a| a.action == "read_material" && a.elements == first["material"].as_str().unwrap()),
        "{reads:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_with_its_materials_over_the_api_on_sqlite() {
    materials_over_the_api(&spawn_node(sqlite_store().await, true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_with_its_materials_over_the_api_on_postgres() {
    materials_over_the_api(&spawn_node(postgres_store(&new_schema()).await, true).await).await;
}

/// `POST /cases` carries files: its route takes up to `MAX_FORM_BYTES`, not the
/// API's JSON limit, while JSON alone keeps that limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_with_scans_larger_than_the_json_limit_is_accepted_over_the_api() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let plan = newborn_plan(&node).await;
    let (mut files, commitments) = testkit::sample_materials_from_json(&plan);
    // A scan of a few hundred KiB, as a phone takes them: still a PNG by its content.
    for (_, bytes) in &mut files {
        bytes.resize(3 * server::MAX_BODY_BYTES, 0);
    }
    let form = newborn_form(&node).await;
    let submission =
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "commitments": commitments });
    let (status, case) = node.submit_multipart(&applicant, &submission, &files).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let uploads = node.store.uploads_of_case(case["id"].as_str().unwrap()).await.unwrap();
    assert!(uploads.iter().all(|u| u.size as usize == 3 * server::MAX_BODY_BYTES));

    // The same size as JSON is refused: only multipart carries files.
    let mut padded = submission.clone();
    padded["form"]["padding"] = json!("x".repeat(2 * server::MAX_BODY_BYTES));
    let (status, body) = node.call("POST", "/cases", Some(&applicant), Some(padded)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "E_BODY_TOO_LARGE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_window_submits_for_a_walk_in_over_the_api() {
    let node = spawn_node(sqlite_store().await, true).await;
    let window = node.login("staff-zw").await;
    let plan = newborn_plan(&node).await;
    let (files, commitments) = testkit::sample_materials_from_json(&plan);
    let form = newborn_form(&node).await;
    let submission = |walk_in: Value| {
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form,
                "commitments": commitments, "walk_in": walk_in })
    };

    // Without the person, the window cannot file anything.
    let (status, body) = node.submit_multipart(&window, &submission(Value::Null), &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_WALK_IN_REQUIRED");
    // zhangsan's ID number with another name does not attach to zhangsan.
    let (status, body) = node
        .submit_multipart(
            &window,
            &submission(json!({ "name": "王五", "id_number": "11010519491231002X" })),
            &files,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "walk_in.name", "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "FIELD_NAME_MISMATCH");
    assert!(
        node.store
            .cases_of_applicant("applicant-zhangsan")
            .await
            .unwrap()
            .is_empty()
    );

    // A person without an account: the case is theirs, marked as filed at the window.
    let (status, case) = node
        .submit_multipart(
            &window,
            &submission(json!({ "name": "赵六", "id_number": WALK_IN_ID })),
            &files,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let theirs = node
        .store
        .cases_of_applicant(&format!("applicant-{WALK_IN_ID}"))
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].id.as_str(), case["id"].as_str().unwrap());
    let events = node.store.case_events(&theirs[0].id).await.unwrap();
    assert!(
        events[0].event.note.contains("综合窗口代为提交"),
        "{:?}",
        events[0].event.note
    );

    // An applicant cannot file for someone else.
    let applicant = node.login("lisi").await;
    let (status, body) = node
        .submit_multipart(
            &applicant,
            &submission(json!({ "name": "赵六", "id_number": WALK_IN_ID })),
            &files,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

/// 卫健 asks for a clearer scan of the parents' ID cards; the applicant answers with
/// a new file, over the API in one case and on the case page in the other. The new
/// file is stored beside the old one, and 卫健's task page shows both.
async fn supplement_with_a_new_scan(node: &Node, on_the_page: bool) {
    let (applicant, _, id, _) = newborn_case(node).await;
    let wj = node.login("staff-wj").await;
    let (status, body) = act(
        node,
        &wj,
        &id,
        "GG00101001",
        "request-supplement",
        json!({ "reasons": ["身份证扫描件不清晰，请重新上传"], "materials": ["parents_id_card"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, case) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(case["supplement_requests"][0]["materials"], json!(["parents_id_card"]));
    let before = node.store.uploads_of_case(&id).await.unwrap();

    // Without the file, both doors refuse and nothing changes.
    let new_scan = b"%PDF-1.7\n% a clearer scan\n".to_vec();
    let refused = if on_the_page {
        let (_, page) = page_as(node, &applicant, &format!("/my/cases/{id}")).await;
        assert!(page.contains("请重新上传：父母双方居民身份证"), "{page}");
        let fields = vec![
            ("csrf".to_owned(), csrf_in(&page)),
            ("note".to_owned(), "已重新扫描".to_owned()),
        ];
        let (status, page) =
            post_page_form(node, &applicant, &format!("/my/cases/{id}/supplement"), &fields, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        unescape(&page).contains("请重新上传：父母双方居民身份证")
    } else {
        let (status, body) = node
            .call(
                "POST",
                &format!("/cases/{id}/supplement"),
                Some(&applicant),
                Some(json!({ "note": "已重新扫描" })),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        body["error"]["details"][0]["code"] == "MATERIAL_REQUIRED"
            && body["error"]["details"][0]["field"] == "material.parents_id_card"
    };
    assert!(refused, "the missing file is named");
    assert_eq!(node.store.uploads_of_case(&id).await.unwrap().len(), before.len());

    // With it, ten minutes later, the tasks resume.
    {
        let mut clock = node.clock.lock().unwrap();
        *clock += chrono::Duration::minutes(10);
    }
    let files = vec![("parents_id_card".to_owned(), new_scan.clone())];
    if on_the_page {
        let (_, page) = page_as(node, &applicant, &format!("/my/cases/{id}")).await;
        let fields = vec![
            ("csrf".to_owned(), csrf_in(&page)),
            ("note".to_owned(), "已重新扫描".to_owned()),
        ];
        let (status, _) =
            post_page_form(node, &applicant, &format!("/my/cases/{id}/supplement"), &fields, &files).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    } else {
        let (content_type, bytes) = testkit::multipart_form(
            &[("answer".to_owned(), json!({ "note": "已重新扫描" }).to_string())],
            &files,
        );
        let response = node
            .client
            .post(format!("{}/cases/{id}/supplement", node.base))
            .bearer_auth(&applicant)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let (_, case) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(task_state(&case, "GG00101001"), "accepted");
    let after = node.store.uploads_of_case(&id).await.unwrap();
    assert_eq!(after.len(), before.len() + 1);
    let newest = after.iter().find(|u| !before.iter().any(|b| b.id == u.id)).unwrap();
    assert_eq!(newest.material, "parents_id_card");
    assert_eq!(after.last().unwrap().id, newest.id, "listed after the files it follows");
    assert_eq!(newest.content_type, "application/pdf");
    assert!(
        before.iter().any(|u| u.material == "parents_id_card"),
        "the old scan is kept"
    );
    let (_, history) = node
        .call("GET", &format!("/cases/{id}/history"), Some(&applicant), None)
        .await;
    let answered = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["transition"] == "answer_supplement")
        .unwrap();
    assert!(
        answered["note"]
            .as_str()
            .unwrap()
            .contains("重新提交：父母双方居民身份证"),
        "{answered}"
    );
    // 卫健 sees the new version beside the old one.
    let (status, task_page) = page_as(node, &wj, &format!("/workbench/cases/{id}/tasks/GG00101001")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(task_page.contains("补正后第 2 版"), "{task_page}");
}

/// Posts a multipart page form as the holder of `session`.
async fn post_page_form(
    node: &Node,
    session: &str,
    path: &str,
    fields: &[(String, String)],
    files: &[(String, Vec<u8>)],
) -> (StatusCode, String) {
    let (content_type, body) = testkit::multipart_form(fields, files);
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", node.base.replace("/api/v1", "")))
        .header("cookie", format!("onething_session={session}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplement_is_answered_with_a_new_file_over_the_api() {
    supplement_with_a_new_scan(&spawn_node(sqlite_store().await, true).await, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplement_is_answered_with_a_new_file_on_the_page() {
    supplement_with_a_new_scan(&spawn_node(sqlite_store().await, true).await, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplement_is_answered_with_a_new_file_on_postgres() {
    supplement_with_a_new_scan(&spawn_node(postgres_store(&new_schema()).await, true).await, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_can_ask_again_only_for_its_own_materials() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (_, _, id, _) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    // 居民户口簿 is 公安's material, not 卫健's.
    let (status, body) = act(
        &node,
        &wj,
        &id,
        "GG00101001",
        "request-supplement",
        json!({ "reasons": ["请重新上传"], "materials": ["household_register"] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("household_register"),
        "{body}"
    );
    let (_, case) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(task_state(&case, "GG00101001"), "dispatched");
}

/// A refused application keeps the files that were fine: the page says so, and
/// the corrected application goes through without choosing them again. The kept
/// files are gone once it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_kept_when_an_application_is_refused_for_a_field() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let plan = newborn_plan(&node).await;
    let (files, commitments) = testkit::sample_materials_from_json(&plan);
    assert!(files.len() >= 4, "{files:?}");
    let mut form = newborn_form(&node).await;
    let phone = form.remove("person.phone").expect("the form asks for a phone");
    // One scan is not a scan at all: that one is refused, the others kept.
    let mut files_sent = files.clone();
    files_sent[0].1 = b"not a scan".to_vec();
    let (status, page) =
        apply_on_the_page(&node, &applicant, &newborn_answers(), &form, &commitments, &files_sent).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let page = unescape(&page);
    assert_eq!(page.matches("已保留</span>").count(), files.len() - 1, "{page}");
    assert!(
        page.contains(&format!("material.{}", files[0].0)),
        "the refused one is asked for again"
    );

    // Fixed: the phone typed, the refused scan chosen again, nothing else.
    form.insert("person.phone".into(), phone);
    let (status, page) =
        apply_on_the_page(&node, &applicant, &newborn_answers(), &form, &commitments, &files[..1]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let cases = node.store.cases_of_applicant("applicant-zhangsan").await.unwrap();
    let id = cases[0].id.clone();
    let uploads = node.store.uploads_of_case(id.as_str()).await.unwrap();
    let mut materials: Vec<&str> = uploads.iter().map(|u| u.material.as_str()).collect();
    materials.sort_unstable();
    let mut expected: Vec<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(materials, expected, "every material stored, the kept ones too");
    assert!(
        node.store
            .draft_uploads("applicant-zhangsan", "newborn")
            .await
            .unwrap()
            .is_empty()
    );
}

/// A person may ask only for their own credit report (征信业管理条例 第十八条): online the
/// report's ID number must be the signed-in applicant's, at the window the walk-in's,
/// and a supplement may not turn it into someone else's. Nothing is stored when refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_gets_only_their_own_credit_report() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (status, example) = node
        .call("GET", "/catalog/one-things/personal-credit-report/example", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{example}");
    let files: Vec<(String, Vec<u8>)> = example["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap().to_owned(), testkit::SAMPLE_SCAN.to_vec()))
        .collect();
    let with_id = |id_number: Option<&str>| {
        let mut submission = example["submission"].clone();
        match id_number {
            Some(id_number) => submission["form"]["person.id_number"] = json!(id_number),
            None => {
                submission["form"].as_object_mut().unwrap().remove("person.id_number");
            }
        }
        submission
    };
    let zhangsan_id = "11010519491231002X";
    let lisi_id = "440305199001010018";

    // lisi asking for zhangsan's report is refused on the ID number, with nothing stored.
    let lisi = node.login("lisi").await;
    let (status, body) = node.submit_multipart(&lisi, &with_id(Some(zhangsan_id)), &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let details = body["error"]["details"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["field"] == "form.person.id_number" && d["code"] == "REPORT_NOT_OWN"),
        "{body}"
    );
    assert!(
        node.store
            .cases_of_applicant("applicant-lisi")
            .await
            .unwrap()
            .is_empty()
    );
    // Their own is accepted.
    let (status, case) = node.submit_multipart(&lisi, &with_id(Some(lisi_id)), &files).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["form"]["person.id_number"]["value"], lisi_id);

    // At the window the report is the walk-in's: another ID number in the form is
    // refused, and without one the walk-in's own fills it.
    let window = node.login("staff-zw").await;
    let walk_in = |submission: Value| {
        let mut submission = submission;
        submission["walk_in"] = json!({ "name": "赵六", "id_number": WALK_IN_ID });
        submission
    };
    let (status, body) = node
        .submit_multipart(&window, &walk_in(with_id(Some(zhangsan_id))), &files)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "REPORT_NOT_OWN", "{body}");
    let (status, case) = node.submit_multipart(&window, &walk_in(with_id(None)), &files).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let stored = node
        .store
        .load_case(&cases::CaseId::parse(case["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.case.applicant, format!("applicant-{WALK_IN_ID}"));
    assert_eq!(stored.case.form["person.id_number"].value, WALK_IN_ID);

    // zhangsan's own, typed with a lower-case x: a supplement cannot make it someone
    // else's report.
    let zhangsan = node.login("zhangsan").await;
    let (status, case) = node
        .submit_multipart(&zhangsan, &with_id(Some("11010519491231002x")), &files)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    let rh = node.login("staff-rh").await;
    let (status, body) = act(&node, &rh, &id, "GG02001003", "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = act(
        &node,
        &rh,
        &id,
        "GG02001003",
        "request-supplement",
        json!({ "reasons": ["请核对联系电话"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = node
        .call(
            "POST",
            &format!("/cases/{id}/supplement"),
            Some(&zhangsan),
            Some(json!({ "corrections": { "person.id_number": lisi_id }, "note": "改查他人" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["details"][0]["field"], "corrections.person.id_number",
        "{body}"
    );
    assert_eq!(body["error"]["details"][0]["code"], "REPORT_NOT_OWN", "{body}");
    let (_, mine) = node.call("GET", &format!("/cases/{id}"), Some(&zhangsan), None).await;
    assert_eq!(mine["state"], "awaiting_supplement");
    assert_eq!(mine["form"]["person.id_number"]["value"], zhangsan_id);
    // A correction of the phone alone goes through.
    let (status, mine) = node
        .call(
            "POST",
            &format!("/cases/{id}/supplement"),
            Some(&zhangsan),
            Some(json!({ "corrections": { "person.phone": "13900139000" }, "note": "已更正" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["state"], "in_progress");
}
