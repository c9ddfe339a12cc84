//! Shared data and e-certificates over HTTP: the newborn one-thing with consent and
//! prefill from 人口库 and 婚姻登记, the 出生医学证明 issued as a signed certificate and
//! used by 出生登记 without an upload, the marriage certificate held for a second
//! child; departments refused outside their task, need or the consent (each refusal
//! in the ledger); 可用不可见 questions; verification, revocation, key rotation; and a
//! source connected to a department's HTTP service with its own field names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Store;

mod common;
use common::*;

const WANGFANG: &str = sharing::DEMO_WANGFANG_ID;
const LIUQIANG: &str = sharing::DEMO_LIUQIANG_ID;

async fn seed_people(store: &Arc<dyn Store>) {
    let records: Vec<store::SharedRecord> = sharing::demo_people()
        .into_iter()
        .map(|r| store::SharedRecord {
            source: r.source,
            subject: r.subject,
            attributes: r.attributes,
        })
        .collect();
    store.put_shared_records(&records).await.unwrap();
}

async fn sharing_node(store: Arc<dyn Store>) -> Node {
    let node = spawn_node_with(store, true, |state| state.sources = Arc::new(testkit::sources())).await;
    seed_people(&node.store).await;
    node
}

/// Ledger entries about an account, decoded, oldest first.
async fn entries_about(node: &Node, account: &str) -> Vec<ledger::LedgerEntry> {
    let mut rows = node.store.ledger_rows_about(account, 10_000).await.unwrap();
    rows.reverse();
    rows.iter()
        .map(|row| ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap())
        .collect()
}

async fn plan_for(node: &Node, token: Option<&str>) -> Value {
    let (status, plan) = node
        .call(
            "POST",
            "/catalog/one-things/newborn/plan",
            token,
            Some(json!({ "answers": newborn_answers() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

/// Submits a newborn application over the API with a scan for every material the
/// anonymous plan asks for (a superset of what any applicant's plan asks for) and
/// every commitment accepted.
async fn submit_newborn(node: &Node, token: &str, mut submission: Value) -> (StatusCode, Value) {
    let (files, commitments) = testkit::sample_materials_from_json(&plan_for(node, None).await);
    submission["commitments"] = json!(commitments);
    node.submit_multipart(token, &submission, &files).await
}

fn material_status(plan: &Value, id: &str) -> String {
    plan["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no material {id}"))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What she hands in if she declines data sharing: the needed materials and those
/// the departments would obtain only with her consent.
fn needed_without_consent(plan: &Value) -> usize {
    plan["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "needed" || m["on_consent"] == true)
        .count()
}

/// `POST /catalog/one-things/newborn/prefill` with or without consent.
async fn newborn_prefill(node: &Node, token: &str, consent: bool) -> (StatusCode, Value) {
    node.call(
        "POST",
        "/catalog/one-things/newborn/prefill",
        Some(token),
        Some(json!({ "answers": newborn_answers(), "consent": consent })),
    )
    .await
}

/// Consents, and submits the newborn form with the prefilled values (father's name
/// corrected by the applicant). Returns the case.
async fn submit_with_prefill(node: &Node, token: &str) -> (Value, String) {
    // Without consent: the offer only, and nothing is read.
    let before = node.store.ledger_head().await.unwrap().0;
    let (status, offer) = newborn_prefill(node, token, false).await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    assert_eq!(offer["consent_required"], true);
    assert!(offer.get("values").is_none());
    let offered: Vec<(String, String)> = offer["offer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["element"].as_str().unwrap().into(),
                r["source"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        offered.contains(&("mother.name".into(), "population".into())),
        "{offered:?}"
    );
    assert!(
        offered.contains(&("father.id_number".into(), "marriage".into())),
        "{offered:?}"
    );
    assert!(
        offered.contains(&("mother.id_number".into(), "account".into())),
        "{offered:?}"
    );
    assert_eq!(node.store.ledger_head().await.unwrap().0, before, "no consent, no read");

    let (status, prefill) = newborn_prefill(node, token, true).await;
    assert_eq!(status, StatusCode::OK, "{prefill}");
    let values = &prefill["values"];
    assert_eq!(values["mother.name"]["value"], "王芳");
    assert_eq!(values["mother.name"]["source"], "population");
    assert_eq!(values["mother.id_number"]["value"], WANGFANG);
    assert_eq!(values["mother.id_number"]["source"], "account");
    assert_eq!(values["father.name"]["value"], "刘强");
    assert_eq!(values["father.id_number"]["value"], LIUQIANG);
    assert_eq!(values["father.id_number"]["source"], "marriage");
    let prefill_id = prefill["prefill_id"].as_str().unwrap().to_owned();

    let mut form: BTreeMap<String, String> =
        testkit::sample_form_from_json(&testkit::catalog(), &plan_for(node, None).await);
    for (element, value) in values.as_object().unwrap() {
        if form.contains_key(element) {
            form.insert(element.clone(), value["value"].as_str().unwrap().to_owned());
        }
    }
    form.insert("father.name".into(), "刘强强".into());
    let (status, case) = submit_newborn(
        node,
        token,
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "prefill": prefill_id }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    (case, prefill_id)
}

async fn newborn_with_prefill_and_certificates(node: &Node) {
    let wangfang = node.login("wangfang").await;
    let wj = node.login("staff-wj").await;
    let ga = node.login("staff-ga").await;

    // Before anything: the notice says the departments obtain the marriage
    // certificate from 民政's e-certificate library once she agrees.
    let first_plan = plan_for(node, Some(&wangfang)).await;
    assert_eq!(
        material_status(&first_plan, "marriage_certificate"),
        "certificate_library"
    );
    assert_eq!(material_status(&first_plan, "birth_medical_certificate"), "produced_by");

    let (case, _) = submit_with_prefill(node, &wangfang).await;
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["form"]["mother.name"]["source"]["kind"], "shared");
    assert_eq!(case["form"]["mother.name"]["source"]["source"], "population");
    assert_eq!(case["form"]["father.name"]["source"]["kind"], "typed");
    // The correction goes back to 公安, which holds the data.
    let ga_inbox = node.store.notifications_for(&["dept:GA".to_owned()], 50).await.unwrap();
    let correction = ga_inbox
        .iter()
        .find(|n| n.message.kind == "data_correction")
        .expect("公安 is told about the correction");
    assert!(correction.message.body.contains("“刘强”") && correction.message.body.contains("“刘强强”"));

    // Each read is in the ledger about the person whose data it was: 王芳's own
    // records, and 刘强's (he has an account) read through the marriage record.
    let hers = entries_about(node, "applicant-wangfang").await;
    assert!(
        hers.iter()
            .any(|e| e.detail == "shared_read" && e.elements.contains(&"mother.name".to_owned())),
        "{hers:?}"
    );
    assert!(
        hers.iter()
            .all(|e| e.detail != "shared_read" || e.legal_basis.as_deref() == Some("申请人授权同意"))
    );
    let his = entries_about(node, "applicant-liuqiang").await;
    assert!(
        his.iter()
            .any(|e| e.detail == "shared_read" && e.elements.contains(&"father.name".to_owned())),
        "{his:?}"
    );
    // His ID number came from 王芳's marriage record: that read is about him too
    // (the review found only “王芳 查看了 父亲姓名” on his page).
    assert!(
        his.iter()
            .any(|e| e.detail == "shared_read" && e.elements.contains(&"father.id_number".to_owned())),
        "{his:?}"
    );
    // A department reading the case reads his name and number: an entry about him.
    let before = his.len();
    let (status, _) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(status, StatusCode::OK);
    let his = entries_about(node, "applicant-liuqiang").await;
    assert_eq!(his.len(), before + 1, "{his:?}");
    let read = his.last().unwrap();
    assert_eq!(read.department.as_deref(), Some("WJ"));
    assert_eq!(read.case_id.as_deref(), Some(id.as_str()));
    assert!(read.elements.iter().all(|e| e.starts_with("father.")), "{read:?}");
    assert!(read.elements.contains(&"father.id_number".to_owned()), "{read:?}");

    // 出生医学证明 approved: issued as a signed certificate to the holder.
    let case = approve(
        node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q620102001" }),
    )
    .await;
    assert_eq!(task_state(&case, "GG00101001"), "approved");
    let (status, mine) = node.call("GET", "/me/certificates", Some(&wangfang), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let certificates = mine["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 1, "{mine}");
    let certificate = &certificates[0];
    assert_eq!(certificate["type"], "birth_medical_certificate");
    assert_eq!(certificate["number"], "Q620102001");
    assert_eq!(certificate["status"], "valid");
    let certificate_id = certificate["id"].as_str().unwrap().to_owned();
    let issued = entries_about(node, "applicant-wangfang").await;
    assert!(
        issued
            .iter()
            .any(|e| e.kind == "certificate.issued" && e.detail.starts_with(&certificate_id))
    );

    // The file verifies, publicly, signed with SM2 by 卫生健康委员会.
    let (status, file) = node
        .call(
            "GET",
            &format!("/certificates/{certificate_id}/file"),
            Some(&wangfang),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let bytes = certs::canonical_json(&file).unwrap();
    let verified = verify_bytes(node, &bytes).await;
    assert_eq!(verified["valid"], true, "{verified}");
    assert_eq!(verified["algorithm"], "SM2-SM3");
    assert_eq!(verified["certificate"]["issuer_code"], "WJ");

    // 出生登记 (公安) uses it without any upload: the case never asked for it, and the
    // department reads the certificate itself.
    assert!(
        !case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "birth_medical_certificate")
    );
    let (status, _) = node
        .call("GET", &format!("/certificates/{certificate_id}/file"), Some(&ga), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // A department with no use for it does not.
    let jy = node.login("staff-jy").await;
    let (status, _) = node
        .call("GET", &format!("/certificates/{certificate_id}/file"), Some(&jy), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // 我的证照 offers 王芳 her 电子结婚证, which 婚姻登记 holds for her; 李四, whom
    // it does not know as married, is offered nothing to claim.
    let (_, wallet) = page_as(node, &wangfang, "/my/certificates").await;
    assert!(
        wallet.contains(r#"name="type" value="marriage_certificate""#),
        "{wallet}"
    );
    let lisi = node.login("lisi").await;
    let (_, theirs) = page_as(node, &lisi, "/my/certificates").await;
    assert!(!theirs.contains(r#"value="marriage_certificate""#), "{theirs}");

    // 王芳 claims her 电子结婚证 from 婚姻登记: the second child's 一次告知 asks for one
    // material less, and says why.
    let (status, claimed) = node
        .call(
            "POST",
            "/me/certificates/claim",
            Some(&wangfang),
            Some(json!({ "type": "marriage_certificate" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["number"], sharing::DEMO_MARRIAGE_CERT_NO);
    // Anyone holding a copy checks it by type and number, without logging in: valid,
    // the holder's name masked, nothing else of hers.
    let site = node.base.replace("/api/v1", "");
    let check = |number: &str| {
        node.client.get(format!(
            "{site}/verify/number?type=marriage_certificate&number={}",
            percent_encoding::utf8_percent_encode(number, percent_encoding::NON_ALPHANUMERIC)
        ))
    };
    let response = check(sharing::DEMO_MARRIAGE_CERT_NO).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("验证通过"), "{html}");
    assert!(
        html.contains("王*") && !html.contains("王芳"),
        "the holder masked: {html}"
    );
    assert!(!html.contains(WANGFANG), "{html}");
    let response = check("J000000-0000-00000").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = node
        .client
        .get(format!("{site}/verify/number?type=&number=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The same check over the API, for a bank's or an employer's system.
    let number =
        percent_encoding::utf8_percent_encode(sharing::DEMO_MARRIAGE_CERT_NO, percent_encoding::NON_ALPHANUMERIC);
    let (status, checked) = node
        .call(
            "GET",
            &format!("/certificates/verify-number?type=marriage_certificate&number={number}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["valid"], true);
    assert_eq!(checked["status"], "valid");
    assert_eq!(checked["holder_name"], "王*");
    assert!(!checked.to_string().contains(WANGFANG), "{checked}");
    let (status, missing) = node
        .call(
            "GET",
            "/certificates/verify-number?type=marriage_certificate&number=J000000-0000-00000",
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_CERTIFICATE_NOT_FOUND"))
    );
    let (status, bad) = node
        .call("GET", "/certificates/verify-number?type=nothing&number=1", None, None)
        .await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("E_CERTIFICATE_TYPE_UNKNOWN"))
    );
    // Its surface data is what the 结婚证 type declares, keyed by data element, so the
    // one masking rule and the share link's 公开-only view apply to it.
    let claimed_id = claimed["id"].as_str().unwrap();
    let (status, file) = node
        .call(
            "GET",
            &format!("/certificates/{claimed_id}/file"),
            Some(&wangfang),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let surface: Vec<&str> = file["certificate"]["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(surface, ["marriage.date", "marriage.spouse_name"]);
    assert_eq!(file["certificate"]["data"]["marriage.spouse_name"], "刘强");
    let second_plan = plan_for(node, Some(&wangfang)).await;
    assert_eq!(
        material_status(&second_plan, "marriage_certificate"),
        "held_certificate"
    );
    // Holding it, she presents it herself whether or not she agrees to sharing.
    assert_eq!(
        needed_without_consent(&second_plan),
        needed_without_consent(&first_plan) - 1
    );
    assert_eq!(
        second_plan["savings"]["materials"]["one_thing"],
        first_plan["savings"]["materials"]["one_thing"]
    );
    // Anonymous plans are unchanged.
    assert_eq!(
        material_status(&plan_for(node, None).await, "marriage_certificate"),
        "certificate_library"
    );
    // 卫健's task page says where each value came from, in plain words: the
    // mother's ID number from her own real-name account (no department behind it).
    let (status, html) = page_as(node, &wj, &format!("/workbench/cases/{id}/tasks/GG00101001")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("共享数据：本人实名账户，经申请人授权"), "{html}");
    assert!(!html.contains("（）"), "empty brackets: {html}");
}

async fn verify_bytes(node: &Node, bytes: &[u8]) -> Value {
    let response = node
        .client
        .post(format!("{}/certificates/verify", node.base))
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newborn_with_prefill_and_certificates_on_sqlite() {
    let node = sharing_node(sqlite_store().await).await;
    newborn_with_prefill_and_certificates(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newborn_with_prefill_and_certificates_on_postgres() {
    let node = sharing_node(postgres_store(&new_schema()).await).await;
    newborn_with_prefill_and_certificates(&node).await;
}

async fn revoke(node: &Node, token: &str, id: &str, reason: &str) -> (StatusCode, Value) {
    node.call(
        "POST",
        &format!("/certificates/{id}/revoke"),
        Some(token),
        Some(json!({ "reason": reason })),
    )
    .await
}

/// A department's shared-data read or question about the 出生医学证明 task of a case.
async fn ask(node: &Node, token: &str, case_id: &str, what: &str, body: Value) -> (StatusCode, Value) {
    node.call(
        "POST",
        &format!("/cases/{case_id}/tasks/GG00101001/{what}"),
        Some(token),
        Some(body),
    )
    .await
}

fn refusals(entries: &[ledger::LedgerEntry]) -> Vec<&ledger::LedgerEntry> {
    entries.iter().filter(|e| e.detail.ends_with("_refused")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_read_only_for_their_task_their_need_and_within_consent_on_sqlite() {
    departments_read_only_for_their_task_their_need_and_within_consent(sharing_node(sqlite_store().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_read_only_for_their_task_their_need_and_within_consent_on_postgres() {
    let node = sharing_node(postgres_store(&new_schema()).await).await;
    departments_read_only_for_their_task_their_need_and_within_consent(node).await;
}

async fn departments_read_only_for_their_task_their_need_and_within_consent(node: Node) {
    let wangfang = node.login("wangfang").await;
    let wj = node.login("staff-wj").await;
    let jy = node.login("staff-jy").await;

    // A case submitted without consent: nobody reads shared data for it.
    let form = newborn_form(&node).await;
    let without = submit(&node, &wangfang, &form).await;
    let without_id = without["id"].as_str().unwrap();
    let (status, body) = node
        .call(
            "POST",
            &format!("/cases/{without_id}/tasks/GG00101001/shared-data"),
            Some(&wj),
            Some(json!({ "elements": ["mother.name"] })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "E_NO_CONSENT");
    let refused = entries_about(&node, "applicant-wangfang").await;
    assert_eq!(refusals(&refused).len(), 1);
    assert_eq!(refusals(&refused)[0].department.as_deref(), Some("WJ"));

    // With consent: the item's elements are given, with their source.
    let (case, _) = submit_with_prefill(&node, &wangfang).await;
    let id = case["id"].as_str().unwrap();
    let (status, body) = ask(
        &node,
        &wj,
        id,
        "shared-data",
        json!({ "elements": ["mother.name", "father.id_number"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["values"]["mother.name"]["value"], "王芳");
    assert_eq!(body["values"]["father.id_number"]["value"], LIUQIANG);
    let read = entries_about(&node, "applicant-wangfang").await;
    let last = read.last().unwrap();
    assert_eq!(last.detail, "shared_read");
    assert_eq!(last.department.as_deref(), Some("WJ"));
    assert_eq!(last.case_id.as_deref(), Some(id));

    // An element the item does not use: refused, and the refusal is in the ledger.
    let (status, body) = ask(
        &node,
        &wj,
        id,
        "shared-data",
        json!({ "elements": ["mother.name", "person.housing_fund_account"] }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "E_ELEMENT_NOT_NEEDED");
    assert!(body.get("values").is_none());
    // A department with no task in the case: not found, and in the ledger.
    let (status, body) = ask(&node, &jy, id, "shared-data", json!({ "elements": ["mother.name"] })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let after = entries_about(&node, "applicant-wangfang").await;
    let refused = refusals(&after);
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert_eq!(refused[1].department.as_deref(), Some("WJ"));
    assert!(
        refused[1]
            .purpose
            .as_deref()
            .unwrap()
            .contains("person.housing_fund_account")
    );
    assert_eq!(refused[2].department.as_deref(), Some("JY"));
    assert_eq!(refused[2].case_id.as_deref(), Some(id));
    // Bad input changes nothing.
    let size = node.store.ledger_head().await.unwrap().0;
    let (status, body) = ask(&node, &wj, id, "shared-data", json!({ "elements": [] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "E_ELEMENTS_INVALID");
    assert_eq!(node.store.ledger_head().await.unwrap().0, size);

    // 可用不可见: only the checks the item declares, only yes or no, once per case;
    // the question and the answer are in the ledger in words the applicant reads.
    let (status, listed) = node
        .call(
            "GET",
            &format!("/cases/{id}/tasks/GG00101001/shared-checks"),
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let declared: Vec<&str> = listed["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(declared, ["applicant_adult", "applicant_married"]);
    for (check, question, answer) in [
        ("applicant_adult", "申请人是否年满18周岁", true),
        ("applicant_married", "申请人是否已登记结婚", true),
    ] {
        let (status, body) = ask(&node, &wj, id, "shared-question", json!({ "check": check })).await;
        assert_eq!(status, StatusCode::OK, "{check}: {body}");
        assert_eq!(body["answer"], answer, "{check}");
        assert_eq!(body["question"], question);
        let text = body.to_string();
        assert!(!text.contains("1994") && !text.contains("王芳"), "{text}");
        let entry = entries_about(&node, "applicant-wangfang").await.pop().unwrap();
        assert_eq!(entry.detail, "shared_question");
        let purpose = entry.purpose.unwrap();
        assert!(
            purpose.starts_with(&format!(
                "卫生健康委员会核验：{question} → {}",
                if answer { "是" } else { "否" }
            )),
            "{purpose}"
        );
    }
    // Asked again: refused, the first answer stands, nothing is read.
    let size = node.store.ledger_head().await.unwrap().0;
    let (status, body) = ask(&node, &wj, id, "shared-question", json!({ "check": "applicant_adult" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "E_CHECK_ALREADY_ASKED");
    assert_eq!(node.store.ledger_head().await.unwrap().0, size);
    let (_, listed) = node
        .call(
            "GET",
            &format!("/cases/{id}/tasks/GG00101001/shared-checks"),
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(listed["checks"][0]["answer"], true);

    // The oracle of the review: free-form questions recovered the 结婚证 number one
    // character at a time. Every one is refused and recorded; none is answered.
    for expression in [
        "size(marriage_cert_no) == 19",
        "marriage_cert_no.startsWith('J')",
        "ethnicity == '汉族'",
        "address.contains('兰州')",
        "id_number.startsWith('62')",
        "age >= 18",
    ] {
        let before = refusals(&entries_about(&node, "applicant-wangfang").await).len();
        let (status, body) = ask(&node, &wj, id, "shared-question", json!({ "expression": expression })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{expression}: {body}");
        assert_eq!(body["error"]["code"], "E_CHECK_NOT_DECLARED");
        assert!(body.get("answer").is_none());
        let after = entries_about(&node, "applicant-wangfang").await;
        assert_eq!(refusals(&after).len(), before + 1, "{expression} is recorded");
    }
    // A check another item declares, or none at all: refused and recorded.
    let (status, body) = ask(
        &node,
        &wj,
        id,
        "shared-question",
        json!({ "check": "contributed_15_years" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_CHECK_NOT_DECLARED");
    let (status, body) = ask(&node, &wj, id, "shared-question", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_CHECK_REQUIRED");
    // A department without a task in the case learns nothing, not even that it exists.
    let (status, _) = ask(&node, &jy, id, "shared-question", json!({ "check": "applicant_adult" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_tampered_and_rotated_certificates() {
    let node = sharing_node(sqlite_store().await).await;
    let wangfang = node.login("wangfang").await;
    let wj = node.login("staff-wj").await;
    let ga = node.login("staff-ga").await;
    let (case, _) = submit_with_prefill(&node, &wangfang).await;
    let id = case["id"].as_str().unwrap();
    approve(
        &node,
        &wj,
        id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q620102002" }),
    )
    .await;
    let (_, mine) = node.call("GET", "/me/certificates", Some(&wangfang), None).await;
    let certificate_id = mine["certificates"][0]["id"].as_str().unwrap().to_owned();
    let (_, file) = node
        .call(
            "GET",
            &format!("/certificates/{certificate_id}/file"),
            Some(&wangfang),
            None,
        )
        .await;
    let bytes = certs::canonical_json(&file).unwrap();

    // Tampered: a changed holder name fails with the signature named.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let forged = text.replace("\"number\":\"Q620102002\"", "\"number\":\"Q620102003\"");
    assert_ne!(forged, text);
    let result = verify_bytes(&node, forged.as_bytes()).await;
    assert_eq!(result["valid"], false);
    assert_eq!(result["error"]["code"], "CERT_BAD_SIGNATURE");
    let result = verify_bytes(&node, b"not a certificate").await;
    assert_eq!(result["error"]["code"], "CERT_MALFORMED");

    // Only the issuer revokes; a revoked certificate fails everywhere with the reason.
    let (status, body) = revoke(&node, &ga, &certificate_id, "不是我们签发的").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = revoke(&node, &wj, &certificate_id, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "E_REASON_REQUIRED");
    let (status, body) = revoke(&node, &wj, &certificate_id, "出生日期登记错误，已重新签发").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "revoked");
    let result = verify_bytes(&node, &bytes).await;
    assert_eq!(result["valid"], false);
    assert_eq!(result["error"]["code"], "CERT_REVOKED");
    assert!(
        result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("出生日期登记错误")
    );
    let (status, body) = revoke(&node, &wj, &certificate_id, "again").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, mine) = node.call("GET", "/me/certificates", Some(&wangfang), None).await;
    assert_eq!(mine["certificates"][0]["status"], "revoked");
    let (status, status_body) = node
        .call("GET", &format!("/certificates/{certificate_id}/status"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_body["status"], "revoked");
    // A revoked certificate no longer spares a material.
    let (status, claimed) = node
        .call(
            "POST",
            "/me/certificates/claim",
            Some(&wangfang),
            Some(json!({ "type": "marriage_certificate" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(
        material_status(&plan_for(&node, Some(&wangfang)).await, "marriage_certificate"),
        "held_certificate"
    );
    let mz = node.login("staff-mz").await;
    let marriage_id = claimed["id"].as_str().unwrap();
    let (status, _) = revoke(&node, &mz, marriage_id, "婚姻状况已变更").await;
    assert_eq!(status, StatusCode::OK);
    // Revoked, it is no longer hers to present: back to the issuer's library.
    assert_eq!(
        material_status(&plan_for(&node, Some(&wangfang)).await, "marriage_certificate"),
        "certificate_library"
    );
    // The holder is told.
    let inbox = node
        .store
        .notifications_for(&["applicant-wangfang".to_owned()], 50)
        .await
        .unwrap();
    assert!(inbox.iter().any(|n| n.message.kind == "certificate_revoked"));
    assert!(inbox.iter().any(|n| n.message.kind == "certificate_issued"));
}

// ------------------------------------------------------------------ a department's own HTTP service

/// A 公安 service with its own field names and formats, as the seed documents describe.
async fn spawn_department_service(fail: bool) -> String {
    use axum::extract::Query;
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/rkk",
        get(move |Query(query): Query<BTreeMap<String, String>>| async move {
            if fail {
                return (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(json!({ "code": 500 })),
                );
            }
            let body = match query.get("sfzh").map(String::as_str) {
                Some(WANGFANG) => json!({ "code": 0, "data": {
                    "XM": "王芳", "XB": "2", "CSRQ": "19940315", "MZ": "汉族",
                    "HJDZ": "甘肃省兰州市城关区张掖路街道123号", "HJCS": "兰州市" } }),
                _ => json!({ "code": 0, "data": null }),
            };
            (axum::http::StatusCode::OK, axum::Json(body))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// The bundled sources with `population` connected to the service at `base`.
fn sources_via_http(base: &str) -> sharing::Registry {
    let bundled = std::fs::read_to_string(testkit::catalog_dir().join("sources.toml")).unwrap();
    let start = bundled.find("\n[[source]]\ncode = \"population\"").unwrap() + 1;
    let end = start + 1 + bundled[start + 1..].find("\n[[source]]").unwrap();
    let http = format!(
        "\n[source.http]\nurl = \"{base}/rkk?sfzh={{subject}}\"\nrecords_at = \"data\"\nstatus = {{ at = \"code\", ok = [0] }}\n\
         [source.http.fields]\nname = {{ field = \"XM\" }}\nsex = {{ field = \"XB\", codes = {{ \"1\" = \"男\", \"2\" = \"女\" }} }}\n\
         birth_date = {{ field = \"CSRQ\", format = \"yyyymmdd\" }}\nethnicity = {{ field = \"MZ\" }}\n\
         address = {{ field = \"HJDZ\" }}\nhukou_city = {{ field = \"HJCS\" }}\n\n"
    );
    let text = format!("{}{http}{}", &bundled[..end], &bundled[end..]);
    sharing::Registry::load("sources.toml", &text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_connected_to_a_department_service_is_mapped_to_our_fields() {
    let base = spawn_department_service(false).await;
    let store = sqlite_store().await;
    let node = spawn_node_with(store, true, |state| state.sources = Arc::new(sources_via_http(&base))).await;
    seed_people(&node.store).await;
    // The embedded population table says something else: the service must win.
    node.store
        .put_shared_records(&[store::SharedRecord {
            source: "population".into(),
            subject: WANGFANG.into(),
            attributes: [("name".to_owned(), "旧名字".to_owned())].into_iter().collect(),
        }])
        .await
        .unwrap();
    let wangfang = node.login("wangfang").await;
    let (status, prefill) = newborn_prefill(&node, &wangfang, true).await;
    assert_eq!(status, StatusCode::OK, "{prefill}");
    assert_eq!(prefill["values"]["mother.name"]["value"], "王芳");
    assert_eq!(prefill["values"]["mother.name"]["source"], "population");
    // 刘强 is unknown to the service: his name is not filled, his ID number still is
    // (from 婚姻登记, an embedded source).
    assert!(prefill["values"].get("father.name").is_none(), "{prefill}");
    assert_eq!(prefill["values"]["father.id_number"]["value"], LIUQIANG);

    // A service that fails: a clear error, nothing stored, nothing half-read.
    let failing = spawn_department_service(true).await;
    let node = spawn_node_with(sqlite_store().await, true, |state| {
        state.sources = Arc::new(sources_via_http(&failing))
    })
    .await;
    seed_people(&node.store).await;
    let wangfang = node.login("wangfang").await;
    let size = node.store.ledger_head().await.unwrap().0;
    let (status, body) = newborn_prefill(&node, &wangfang, true).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "E_SOURCE_UNAVAILABLE");
    assert!(body["error"]["message"].as_str().unwrap().contains("人口基础信息库"));
    assert_eq!(node.store.ledger_head().await.unwrap().0, size);
}

// ------------------------------------------------------------------ keys

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_keys_keep_old_certificates_verifiable() {
    let store = sqlite_store().await;
    store.migrate().await.unwrap();
    let mut state = server::AppState::new(store, Arc::new(testkit::catalog()), Arc::new(testkit::calendar()));
    state.clock = Arc::new(|| {
        chrono::DateTime::parse_from_rfc3339("2026-02-12T02:00:00Z")
            .unwrap()
            .to_utc()
    });
    let master = server::keywrap::KeyWrap::generate_master();
    state.key_wrap = Some(Arc::new(server::keywrap::KeyWrap::new(&master).unwrap()));
    let state = Arc::new(state);
    assert!(server::certify::ensure_keys(&state).await.unwrap() >= 5);
    assert_eq!(
        server::certify::ensure_keys(&state).await.unwrap(),
        0,
        "keys are made once"
    );
    let body = |id: &str| certs::Certificate {
        id: id.into(),
        type_code: "birth_medical_certificate".into(),
        type_name: "出生医学证明".into(),
        number: id.into(),
        holder_name: "王芳".into(),
        holder_id_type: "居民身份证".into(),
        holder_id_number: WANGFANG.into(),
        issuer_name: "卫生健康委员会".into(),
        issuer_code: "WJ".into(),
        issue_date: "2026-02-12".parse().unwrap(),
        valid_from: "2026-02-12".parse().unwrap(),
        valid_until: None,
        data: BTreeMap::new(),
    };
    let old = server::certify::sign(&state, body("C-OLD")).await.unwrap();
    let old_key = serde_json::from_str::<Value>(&old.file).unwrap()["signature"]["key_id"].clone();
    let new_key = server::certify::rotate_key(&state, "WJ", "2026-02-12".parse().unwrap())
        .await
        .unwrap();
    assert_ne!(old_key, new_key.as_str());
    // The old key is retired but keeps vouching for what it signed.
    let checked = server::certify::verify_bytes(&state, old.file.as_bytes())
        .await
        .unwrap();
    assert!(checked.result.is_ok(), "{:?}", checked.result);
    let keyring = server::certify::keys(&state).await.unwrap().keyring.clone();
    let wj: Vec<_> = keyring.keys.iter().filter(|k| k.issuer_code == "WJ").collect();
    assert_eq!(wj.len(), 2);
    assert_eq!(wj.iter().filter(|k| k.retired_at.is_some()).count(), 1);
    // New certificates are signed by the new key, and the secret is never in the keyring.
    let new = server::certify::sign(&state, body("C-NEW")).await.unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&new.file).unwrap()["signature"]["key_id"],
        new_key.as_str()
    );
    let checked = server::certify::verify_bytes(&state, new.file.as_bytes())
        .await
        .unwrap();
    assert!(checked.result.is_ok(), "{:?}", checked.result);
    // A key added behind this node's back (another node, or `onething cert rotate-key`):
    // the next signature uses it, and what it signs verifies here at once.
    let other = certs::SigningKey::generate(certs::Algorithm::Ed25519, &mut rand::rngs::OsRng);
    state
        .store
        .add_issuer_key(&store::StoredKey {
            key_id: other.key_id(),
            department: "WJ".into(),
            algorithm: "Ed25519".into(),
            public_key: other.public_key().bytes().to_vec(),
            secret: other.secret_bytes(),
            valid_from: "2026-02-12".parse().unwrap(),
            retired_at: None,
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let third = server::certify::sign(&state, body("C-THIRD")).await.unwrap();
    let signature = &serde_json::from_str::<Value>(&third.file).unwrap()["signature"];
    assert_eq!(signature["key_id"], other.key_id().as_str());
    assert_eq!(signature["algorithm"], "Ed25519");
    let checked = server::certify::verify_bytes(&state, third.file.as_bytes())
        .await
        .unwrap();
    assert!(checked.result.is_ok(), "{:?}", checked.result);
    let keyring = server::certify::keys(&state).await.unwrap().keyring.clone();
    let published = serde_json::to_string(&keyring).unwrap();
    for stored in state.store.issuer_keys().await.unwrap() {
        use base64::Engine;
        // Keys this node made are sealed; the one written bare behind its back
        // (as before sealing existed) is still used.
        assert_eq!(
            server::keywrap::is_sealed(&stored.secret),
            stored.key_id != other.key_id(),
            "{}",
            stored.key_id
        );
        assert!(!published.contains(&base64::engine::general_purpose::STANDARD.encode(&stored.secret)));
        assert!(!format!("{stored:?}").contains(&format!("{:?}", stored.secret)));
    }
}

// ------------------------------------------------------------------ enterprises

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_is_prefilled_for_its_legal_representative_only() {
    let node = sharing_node(sqlite_store().await).await;
    let lisi = node.login("lisi").await;
    let wangfang = node.login("wangfang").await;
    let answers = json!({
        "change_name": "yes", "change_legal_rep": "no", "change_address": "yes",
        "change_scope": "no", "has_employees_insured": "no", "has_housing_fund": "no"
    });
    let prefill = |token: String, enterprise: Option<&'static str>| {
        let node = &node;
        let answers = answers.clone();
        async move {
            let mut body = json!({ "answers": answers, "consent": true });
            if let Some(code) = enterprise {
                body["enterprise"] = json!(code);
            }
            node.call(
                "POST",
                "/catalog/one-things/enterprise-change/prefill",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    // The offer says a credit code is needed.
    let (status, offer) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/prefill",
            Some(&lisi),
            Some(json!({ "answers": answers, "consent": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    assert_eq!(offer["enterprise_required"], true);
    assert!(
        offer["offer"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == "legal_entity")
    );

    // 李四 is the legal representative: the enterprise's registered data is filled.
    let (status, body) = prefill(lisi.clone(), Some(sharing::DEMO_ENTERPRISE_USCC)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["values"]["enterprise.name"]["value"],
        "深圳市南山区李四餐饮管理有限公司"
    );
    assert_eq!(body["values"]["enterprise.name"]["source"], "legal_entity");
    assert_eq!(
        body["values"]["enterprise.uscc"]["value"],
        sharing::DEMO_ENTERPRISE_USCC
    );
    let his = entries_about(&node, "applicant-lisi").await;
    assert!(
        his.iter()
            .any(|e| e.detail == "shared_read" && e.elements.contains(&"enterprise.name".to_owned()))
    );

    // 王芳 is not: refused, and the refusal is in the ledger; nothing of it is read.
    let (status, body) = prefill(wangfang.clone(), Some(sharing::DEMO_ENTERPRISE_USCC)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "E_NOT_LEGAL_REPRESENTATIVE");
    assert!(!body.to_string().contains("李四餐饮"));
    let hers = entries_about(&node, "applicant-wangfang").await;
    let refused = refusals(&hers);
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0]
            .purpose
            .as_deref()
            .unwrap()
            .contains(sharing::DEMO_ENTERPRISE_USCC)
    );

    // A wrong check character, and an enterprise nobody registered.
    let (status, body) = prefill(lisi.clone(), Some("91440305MA5GLT4E4B")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "E_CREDIT_CODE_INVALID");
    assert_eq!(body["error"]["field"], "enterprise");
    let (status, body) = prefill(lisi.clone(), Some("91350100M000100Y43")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_ENTERPRISE_NOT_FOUND");
    // Without a credit code, 法人库 names the one enterprise he represents, and it is
    // used as if typed (with his consent, which covers 法人库 here).
    let (status, body) = prefill(lisi, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["enterprise"], sharing::DEMO_ENTERPRISE_USCC);
    assert_eq!(
        body["values"]["enterprise.uscc"]["value"],
        sharing::DEMO_ENTERPRISE_USCC
    );
}

// ------------------------------------------------------------------ abuse

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_verification_is_rate_limited_per_address() {
    let node = spawn_node_with(sqlite_store().await, true, |state| {
        state.public_limit = Some(Arc::new(server::limit::RateLimiter::new(0.5, 3.0)));
    })
    .await;
    // Logging in is a public request too: it takes one token of the same bucket.
    let token = node.login("wangfang").await;
    let before = node.store.ledger_head().await.unwrap().0;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = node
            .client
            .post(format!("{}/certificates/verify", node.base))
            .body("{}")
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=2).contains(&retry), "{retry}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "E_TOO_MANY_REQUESTS");
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // Refused requests write nothing; the two answered ones are each in the ledger.
    assert_eq!(node.store.ledger_head().await.unwrap().0, before + 2);
    // Logged-in work is not limited.
    for _ in 0..5 {
        let (status, _) = node.call("GET", "/me/certificates", Some(&token), None).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Several nodes starting at once on one PostgreSQL each make sure every issuing
/// department has a key: all start, and each department ends with one active key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_agree_on_one_key_per_department() {
    let schema = new_schema();
    let first = postgres_store(&schema).await;
    first.migrate().await.unwrap();
    let mut nodes = Vec::new();
    for _ in 0..4 {
        let state = server::AppState::new(
            postgres_store(&schema).await,
            Arc::new(testkit::catalog()),
            Arc::new(testkit::calendar()),
        );
        nodes.push(Arc::new(state));
    }
    let started = futures_join(nodes.iter().map(|state| {
        let state = state.clone();
        tokio::spawn(async move { server::certify::ensure_keys(&state).await })
    }))
    .await;
    for result in started {
        result.unwrap().unwrap();
    }
    let keys = first.issuer_keys().await.unwrap();
    let mut active: Vec<&str> = keys
        .iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| k.department.as_str())
        .collect();
    active.sort_unstable();
    let mut departments = active.clone();
    departments.dedup();
    assert_eq!(active, departments, "one active key per department");
    // Every department that issues some certificate type has its key.
    let catalog = testkit::catalog();
    let issuers: std::collections::BTreeSet<&str> = catalog.certificates.values().map(|c| c.issuer.as_str()).collect();
    assert_eq!(departments, issuers.into_iter().collect::<Vec<_>>());
}

async fn futures_join<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await);
    }
    results
}

/// Claiming the same certificate twice at once gives one certificate, no error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claiming_twice_at_once_issues_one_certificate() {
    let node = sharing_node(sqlite_store().await).await;
    let token = node.login("wangfang").await;
    let claim = || {
        node.call(
            "POST",
            "/me/certificates/claim",
            Some(&token),
            Some(json!({ "type": "marriage_certificate" })),
        )
    };
    let (first, second) = tokio::join!(claim(), claim());
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    assert_eq!(second.0, StatusCode::OK, "{}", second.1);
    assert_eq!(first.1["id"], second.1["id"]);
    let held = node.store.certificates_of_holder(WANGFANG).await.unwrap();
    assert_eq!(held.len(), 1);
    // Something that cannot be claimed is refused by name.
    let (status, body) = node
        .call(
            "POST",
            "/me/certificates/claim",
            Some(&token),
            Some(json!({ "type": "business_licence" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "E_NOTHING_TO_CLAIM");
}

/// A share link shows the whole certificate until it expires, and nothing after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_links_expire() {
    use sha2::Digest;
    let node = sharing_node(sqlite_store().await).await;
    let token = node.login("wangfang").await;
    let (_, claimed) = node
        .call(
            "POST",
            "/me/certificates/claim",
            Some(&token),
            Some(json!({ "type": "marriage_certificate" })),
        )
        .await;
    let id = claimed["id"].as_str().unwrap();
    let root = node.base.trim_end_matches("/api/v1").to_owned();
    let link = |secret: &str| {
        let hash = hex::encode(sha2::Sha256::digest(secret.as_bytes()));
        (hash, format!("{root}/verify/s/{secret}"))
    };
    let now = *node.clock.lock().unwrap();
    let (fresh_hash, fresh_url) = link(&"a".repeat(64));
    let (old_hash, old_url) = link(&"b".repeat(64));
    node.store
        .put_certificate_share(
            &fresh_hash,
            id,
            now + chrono::Duration::days(7),
            now,
            "applicant-wangfang",
        )
        .await
        .unwrap();
    node.store
        .put_certificate_share(
            &old_hash,
            id,
            now - chrono::Duration::minutes(1),
            now,
            "applicant-wangfang",
        )
        .await
        .unwrap();
    let fresh = node.client.get(&fresh_url).send().await.unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    let page = fresh.text().await.unwrap();
    assert!(page.contains("验证通过：结婚证") && page.contains("王芳"), "{page}");
    // Only the 公开 part of the surface data is shown to whoever holds the link: not
    // the spouse's name.
    assert!(!page.contains("刘强"), "{page}");
    let old = node.client.get(&old_url).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::GONE);
    assert!(!old.text().await.unwrap().contains("刘强"));
    let unknown = node
        .client
        .get(format!("{root}/verify/s/{}", "c".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::GONE);
    let malformed = node
        .client
        .get(format!("{root}/verify/s/not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::GONE);
}

/// Partial consent: 王芳 agrees to 人口库 only. Her own name is prefilled, nothing of
/// 刘强's is read, and a department's read of, or check about, 婚姻登记 data is refused
/// with E_NO_CONSENT and a refusal entry (the per-source checks were never reached by
/// earlier tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_to_one_source_only_keeps_the_others_closed() {
    let node = sharing_node(sqlite_store().await).await;
    let wangfang = node.login("wangfang").await;
    let wj = node.login("staff-wj").await;
    let (status, body) = node
        .call(
            "POST",
            "/catalog/one-things/newborn/prefill",
            Some(&wangfang),
            Some(json!({ "answers": newborn_answers(), "consent": true, "sources": ["nowhere"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_SOURCE_NOT_OFFERED");
    let (status, prefill) = node
        .call(
            "POST",
            "/catalog/one-things/newborn/prefill",
            Some(&wangfang),
            Some(json!({ "answers": newborn_answers(), "consent": true, "sources": ["population"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefill}");
    let values = prefill["values"].as_object().unwrap();
    assert_eq!(values["mother.name"]["value"], "王芳");
    assert!(!values.contains_key("father.id_number"), "{prefill}");
    assert!(!values.contains_key("father.name"), "{prefill}");
    assert!(
        entries_about(&node, "applicant-liuqiang").await.is_empty(),
        "nothing of his was read"
    );
    let prefill_id = prefill["prefill_id"].as_str().unwrap().to_owned();

    let mut form: BTreeMap<String, String> =
        testkit::sample_form_from_json(&testkit::catalog(), &plan_for(&node, None).await);
    for (element, value) in values {
        if form.contains_key(element) {
            form.insert(element.clone(), value["value"].as_str().unwrap().to_owned());
        }
    }
    let (status, case) = submit_newborn(
        &node,
        &wangfang,
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "prefill": prefill_id }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap();

    // 人口库 was agreed to: read.
    let (status, body) = ask(&node, &wj, id, "shared-data", json!({ "elements": ["mother.name"] })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 婚姻登记 was not: refused, and recorded.
    let refusals_before = refusals(&entries_about(&node, "applicant-wangfang").await).len();
    let (status, body) = ask(
        &node,
        &wj,
        id,
        "shared-data",
        json!({ "elements": ["father.id_number"] }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "E_NO_CONSENT");
    assert!(body.get("values").is_none());
    let (status, body) = ask(
        &node,
        &wj,
        id,
        "shared-question",
        json!({ "check": "applicant_married" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "E_NO_CONSENT");
    assert!(body.get("answer").is_none());
    let after = entries_about(&node, "applicant-wangfang").await;
    assert_eq!(
        refusals(&after).len(),
        refusals_before + 2,
        "both refusals are recorded"
    );
    // The check about 人口库 data is answered.
    let (status, body) = ask(&node, &wj, id, "shared-question", json!({ "check": "applicant_adult" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["answer"], true);
}
