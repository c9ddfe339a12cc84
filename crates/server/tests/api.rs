//! The real server on port 0, driven over HTTP: the newborn one-thing end to end
//! on SQLite and on PostgreSQL, bad input refused with stable codes and no change,
//! access limited to one's own cases and department, and two nodes on one
//! PostgreSQL racing on the same tasks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;
use common::*;

// ------------------------------------------------------------------ the newborn scenario

async fn newborn_end_to_end(node: &Node) {
    let applicant = node.login("zhangsan").await;
    let wj = node.login("staff-wj").await;
    let ga = node.login("staff-ga").await;
    let form = newborn_form(node).await;

    // Submit: only 出生医学证明 is dispatched.
    let case = submit(node, &applicant, &form).await;
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(task_state(&case, "GG00101001"), "dispatched");
    for waiting in [
        "GG00102001",
        "GG00103001",
        "QR00201001",
        "GG00301001",
        "GG00401001",
        "ZS00501001",
        "JF00302001",
    ] {
        assert_eq!(task_state(&case, waiting), "waiting", "{waiting}");
    }
    assert_eq!(case["state"], "in_progress");

    // The department sees it in its queue; another department does not.
    let (_, queue) = node.call("GET", "/departments/WJ/tasks", Some(&wj), None).await;
    assert!(
        queue["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["case_id"] == id.as_str())
    );
    let (_, queue) = node.call("GET", "/departments/GA/tasks", Some(&ga), None).await;
    assert!(
        queue["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["case_id"] != id.as_str())
    );

    // 出生医学证明 approved with the certificate number; 户口登记 is dispatched with it prefilled.
    let case = approve(
        node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    assert_eq!(task_state(&case, "GG00101001"), "approved");
    let (status, ga_view) = node.call("GET", &format!("/cases/{id}"), Some(&ga), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(task_state(&ga_view, "QR00201001"), "dispatched");
    assert_eq!(ga_view["form"]["child.birth_cert_no"]["value"], "Q440312345");
    assert_eq!(ga_view["form"]["child.birth_cert_no"]["source"]["kind"], "produced_by");
    assert_eq!(ga_view["form"]["child.birth_cert_no"]["source"]["item"], "GG00101001");
    // Staff see only their department's tasks.
    assert!(
        ga_view["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["department"] == "GA")
    );
    // Dispatched on 2026-02-12 with 3 working days over the Spring Festival: Feb 24.
    assert_eq!(task(&ga_view, "QR00201001")["deadline"], "2026-02-24");

    // 户口登记 assigns the ID number; insurance and the social security card run in parallel.
    node.set_date("2026-02-24");
    // Sessions last 12 hours: everyone logs in again on the new day.
    let (applicant, ga, yb) = (
        node.login("zhangsan").await,
        node.login("staff-ga").await,
        node.login("staff-yb").await,
    );
    let case = approve(
        node,
        &ga,
        &id,
        "QR00201001",
        json!({ "child.id_number": "110105202602100016" }),
    )
    .await;
    assert_eq!(task_state(&case, "QR00201001"), "approved");
    let (_, full) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    for parallel in ["GG00301001", "GG00401001"] {
        assert_eq!(task_state(&full, parallel), "dispatched", "{parallel}");
        assert_eq!(task(&full, parallel)["dispatched_on"], "2026-02-24");
    }
    assert_eq!(task_state(&full, "ZS00501001"), "waiting");
    assert_eq!(task(&full, "ZS00501001")["waiting_for"], json!(["GG00301001"]));

    // One supplement round trip.
    let (status, _) = act(node, &yb, &id, "GG00301001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = act(
        node,
        &yb,
        &id,
        "GG00301001",
        "request-supplement",
        json!({ "reasons": ["请核对通讯地址，需写明门牌号"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, mine) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(mine["state"], "awaiting_supplement");
    assert_eq!(
        mine["supplement_requests"][0]["reasons"][0],
        "请核对通讯地址，需写明门牌号"
    );
    let (status, mine) = node
        .call(
            "POST",
            &format!("/cases/{id}/supplement"),
            Some(&applicant),
            Some(json!({ "corrections": { "person.address": "北京市东城区东四十条1号" }, "note": "已补充门牌号" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["state"], "in_progress");
    assert_eq!(task_state(&mine, "GG00301001"), "accepted");
    assert_eq!(mine["form"]["person.address"]["source"]["kind"], "supplemented");

    // Everything else is approved by its department.
    let (status, body) = act(
        node,
        &yb,
        &id,
        "GG00301001",
        "approve",
        json!({ "outputs": { "child.medical_insurance_no": "YB2026000001" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rest = [
        ("staff-jk", "GG00102001"),
        ("staff-wj", "GG00103001"),
        ("staff-rs", "GG00401001"),
        ("staff-yb", "JF00302001"),
        ("staff-sw", "ZS00501001"),
    ];
    for (username, item) in rest {
        let token = node.login(username).await;
        approve(node, &token, &id, item, json!({})).await;
    }
    let (_, done) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(done["state"], "completed", "{done}");

    // The full history: submit, 8 dispatches, 8 accepts, 8 approvals, one supplement each way.
    let (status, history) = node
        .call("GET", &format!("/cases/{id}/history"), Some(&applicant), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = history["events"].as_array().unwrap();
    let count = |name: &str| events.iter().filter(|e| e["transition"] == name).count();
    assert_eq!(count("submit"), 1);
    assert_eq!(count("dispatch"), 8);
    assert_eq!(count("accept"), 8);
    assert_eq!(count("approve"), 8);
    assert_eq!(count("request_supplement"), 1);
    assert_eq!(count("answer_supplement"), 1);
    assert_eq!(events.len(), 27);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=27).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newborn_end_to_end_on_sqlite() {
    let node = spawn_node(sqlite_store().await, true).await;
    newborn_end_to_end(&node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newborn_end_to_end_on_postgres() {
    let node = spawn_node(postgres_store(&new_schema()).await, true).await;
    newborn_end_to_end(&node).await;
}

// ------------------------------------------------------------------ bad input

async fn case_count(node: &Node, token: &str) -> usize {
    let (status, list) = node.call("GET", "/cases", Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    list["cases"].as_array().unwrap().len()
}

fn assert_error(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_stable_code_and_changes_nothing() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(&node).await;

    // Malformed JSON.
    let response = node
        .client
        .post(format!("{}/cases", node.base))
        .bearer_auth(&applicant)
        .header("content-type", "application/json")
        .body("{\"one_thing\": \"newborn\", ")
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "E_JSON_MALFORMED",
    );

    // Wrong types.
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": 42, "answers": [] })),
        )
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "E_JSON_INVALID");
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": { "child.name": ["x"] } })),
        )
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "E_FORM_FIELD_INVALID");

    // An invalid ID number names the field and the reason.
    let mut bad = form.clone();
    bad.insert("mother.id_number".into(), "110105194912310021".into());
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": bad })),
        )
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "E_FORM_FIELD_INVALID");
    assert_eq!(body["error"]["field"], "form.mother.id_number");
    assert!(body["error"]["message"].as_str().unwrap().contains("校验码"), "{body}");

    // An invalid credit code in an enterprise one-thing.
    let (_, plan) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/plan",
            None,
            Some(json!({ "answers": { "change_name": "yes", "change_legal_rep": "no", "change_address": "no", "change_scope": "no", "has_employees_insured": "yes", "has_housing_fund": "yes" } })),
        )
        .await;
    let mut enterprise_form = testkit::sample_form_from_json(&testkit::catalog(), &plan);
    assert!(
        enterprise_form.contains_key("enterprise.uscc"),
        "the enterprise form asks for the credit code"
    );
    enterprise_form.insert("enterprise.uscc".into(), "91350100M000100YI3".into());
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": "enterprise-change", "answers": plan["answers"], "form": enterprise_form })),
        )
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "E_FORM_FIELD_INVALID");
    assert_eq!(body["error"]["field"], "form.enterprise.uscc");

    // Answers to unknown questions.
    let mut answers = newborn_answers();
    answers["twins"] = json!("yes");
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": "newborn", "answers": answers, "form": form })),
        )
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "E_ANSWER_INVALID");
    assert_eq!(body["error"]["field"], "answers.twins");

    // Oversized body.
    let huge = "长".repeat(server::MAX_BODY_BYTES);
    let (status, body) = node
        .call("POST", "/cases", Some(&applicant), Some(json!({ "one_thing": huge })))
        .await;
    assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "E_BODY_TOO_LARGE");

    // Unknown case ids, malformed or guessed.
    let (status, body) = node
        .call("GET", "/cases/YJS20260212ZZZZZZZZ", Some(&applicant), None)
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    let (status, body) = node
        .call("GET", "/cases/../../etc/passwd", Some(&applicant), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(case_count(&node, &applicant).await, 0, "no half-written case");

    // A real case, then moves that are not allowed.
    let case = submit(&node, &applicant, &form).await;
    let id = case["id"].as_str().unwrap();
    let ga = node.login("staff-ga").await;
    let wj = node.login("staff-wj").await;
    // GA's task in this case is still waiting for 出生医学证明: until it is dispatched,
    // GA does not see the case at all.
    let (status, body) = act(&node, &ga, id, "GG00101001", "accept", json!({})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    // A department with no task in the case does not learn that it exists.
    let mz = node.login("staff-mz").await;
    let (status, body) = act(&node, &mz, id, "GG00101001", "accept", json!({})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    // Approving before accepting.
    let (status, body) = act(
        &node,
        &wj,
        id,
        "GG00101001",
        "approve",
        json!({ "outputs": { "child.birth_cert_no": "Q1" } }),
    )
    .await;
    assert_error(status, &body, StatusCode::CONFLICT, "E_ILLEGAL_TRANSITION");
    // Accepting a task that still waits: the department has not received it.
    let (status, body) = act(&node, &ga, id, "QR00201001", "accept", json!({})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    // A task the case does not have.
    let (status, body) = act(&node, &wj, id, "XK99999001", "accept", json!({})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_TASK_NOT_FOUND");
    // Answering a supplement nobody asked for.
    let (status, body) = node
        .call(
            "POST",
            &format!("/cases/{id}/supplement"),
            Some(&applicant),
            Some(json!({})),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "E_NO_SUPPLEMENT_PENDING");
    // Approving with an invalid output.
    act(&node, &wj, id, "GG00101001", "accept", json!({})).await;
    let (status, body) = act(&node, &wj, id, "GG00101001", "approve", json!({ "outputs": {} })).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "E_FORM_FIELD_INVALID");

    // None of that changed the case: only submit, dispatch and the one accept.
    let (_, history) = node
        .call("GET", &format!("/cases/{id}/history"), Some(&applicant), None)
        .await;
    let transitions: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["transition"].as_str().unwrap())
        .collect();
    assert_eq!(transitions, ["submit", "dispatch", "accept"]);

    // Without a session, nothing.
    let (status, body) = node.call("GET", &format!("/cases/{id}"), None, None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "E_UNAUTHENTICATED");
    let (status, body) = node
        .call("GET", &format!("/cases/{id}"), Some(&"0".repeat(64)), None)
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "E_UNAUTHENTICATED");
    // Wrong password.
    let (status, body) = node
        .call(
            "POST",
            "/login",
            None,
            Some(json!({ "username": "zhangsan", "password": "wrong" })),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "E_LOGIN_FAILED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicants_see_only_their_own_cases_and_reads_are_audited() {
    let node = spawn_node(sqlite_store().await, true).await;
    let zhangsan = node.login("zhangsan").await;
    let lisi = node.login("lisi").await;
    let form = newborn_form(&node).await;
    let case = submit(&node, &zhangsan, &form).await;
    let id = case["id"].as_str().unwrap();

    let (status, body) = node.call("GET", &format!("/cases/{id}"), Some(&lisi), None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    let (status, body) = node
        .call("GET", &format!("/cases/{id}/history"), Some(&lisi), None)
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    let (status, body) = node
        .call("POST", &format!("/cases/{id}/supplement"), Some(&lisi), Some(json!({})))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_CASE_NOT_FOUND");
    assert_eq!(case_count(&node, &lisi).await, 0);
    assert_eq!(case_count(&node, &zhangsan).await, 1);

    // A department's queue is only for its staff.
    let wj = node.login("staff-wj").await;
    let (status, body) = node.call("GET", "/departments/GA/tasks", Some(&wj), None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "E_FORBIDDEN");
    let (status, body) = node.call("GET", "/departments/GA/tasks", Some(&zhangsan), None).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "E_FORBIDDEN");

    // Staff read the fields of their item unmasked; the admin sees sensitive values masked.
    let (_, wj_view) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(wj_view["form"]["mother.id_number"]["value"], "11010519491231002X");
    assert!(
        wj_view["form"].get("person.bank_account").is_none(),
        "a field 卫健 does not use is not shown"
    );
    let admin = node.login("admin").await;
    let (_, admin_view) = node.call("GET", &format!("/cases/{id}"), Some(&admin), None).await;
    assert_eq!(admin_view["form"]["mother.id_number"]["value"], "110105********002X");
    assert_eq!(admin_view["form"]["mother.id_number"]["masked"], true);

    // Every read left an audit entry naming who, which role and which fields.
    let log = node.store.access_log(id).await.unwrap();
    let staff_read = log
        .iter()
        .find(|e| e.actor == "staff-wj" && e.action == "read_case")
        .expect("staff read is logged");
    assert_eq!(staff_read.department.as_deref(), Some("WJ"));
    assert!(
        staff_read.elements.split(',').any(|e| e == "mother.id_number"),
        "{}",
        staff_read.elements
    );
    assert!(log.iter().any(|e| e.actor == "admin" && e.role == store::Role::Admin));
    // The refused read by another applicant saw nothing and is not a data access.
    assert!(log.iter().all(|e| e.actor != "applicant-lisi"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_submission_with_the_same_idempotency_key_creates_one_case() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(&node).await;
    let (files, commitments) = testkit::sample_materials_from_json(&newborn_plan(&node).await);
    let body =
        json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": form, "commitments": commitments });
    let send = |body: Value| {
        let (content_type, bytes) = testkit::multipart_submission(&body, &files);
        node.client
            .post(format!("{}/cases", node.base))
            .bearer_auth(&applicant)
            .header("Idempotency-Key", "retry-7f3a")
            .header("content-type", content_type)
            .body(bytes)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = send(body.clone()).await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(case_count(&node, &applicant).await, 1);

    let mut changed = body.clone();
    changed["form"]["child.name"] = json!("另一个名字");
    let third = send(changed).await.unwrap();
    assert_eq!(third.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let third: Value = third.json().await.unwrap();
    assert_eq!(third["error"]["code"], "E_IDEMPOTENCY_KEY_REUSED");
    assert_eq!(case_count(&node, &applicant).await, 1);
}

// ------------------------------------------------------------------ two nodes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_never_double_apply_a_transition() {
    let schema = new_schema();
    let node_a = spawn_node(postgres_store(&schema).await, true).await;
    let node_b = spawn_node(postgres_store(&schema).await, false).await;
    let applicant = node_a.login("zhangsan").await;
    let wj = node_a.login("staff-wj").await;
    let wj_b = node_b.login("staff-wj").await;
    let form = newborn_form(&node_a).await;
    let case = submit(&node_a, &applicant, &form).await;
    let id = case["id"].as_str().unwrap().to_owned();

    // 24 concurrent accepts of the same task, half through each node: one wins.
    let mut handles = Vec::new();
    for attempt in 0..24 {
        let (node, token) = if attempt % 2 == 0 {
            (&node_a, wj.clone())
        } else {
            (&node_b, wj_b.clone())
        };
        let client = node.client.clone();
        let url = format!("{}/cases/{id}/tasks/GG00101001/accept", node.base);
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );

    // Parallel work on different tasks through both nodes loses nothing.
    let (status, body) = act(
        &node_a,
        &wj,
        &id,
        "GG00101001",
        "approve",
        json!({ "outputs": { "child.birth_cert_no": "Q440312345" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ga = node_b.login("staff-ga").await;
    approve(
        &node_b,
        &ga,
        &id,
        "QR00201001",
        json!({ "child.id_number": "110105202602100016" }),
    )
    .await;
    let parallel = [
        ("staff-jk", "GG00102001"),
        ("staff-wj", "GG00103001"),
        ("staff-yb", "GG00301001"),
        ("staff-rs", "GG00401001"),
        ("staff-yb", "JF00302001"),
    ];
    let mut handles = Vec::new();
    for (index, (username, item)) in parallel.into_iter().enumerate() {
        let node = if index % 2 == 0 { &node_a } else { &node_b };
        let token = node.login(username).await;
        let client = node.client.clone();
        let url = format!("{}/cases/{id}/tasks/{item}/accept", node.base);
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap(), StatusCode::OK);
    }
    let (_, full) = node_b
        .call("GET", &format!("/cases/{id}"), Some(&applicant), None)
        .await;
    for (_, item) in parallel {
        assert_eq!(task_state(&full, item), "accepted", "{item}");
    }
    let (_, history) = node_a
        .call("GET", &format!("/cases/{id}/history"), Some(&applicant), None)
        .await;
    let accepts = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["transition"] == "accept")
        .count();
    assert_eq!(accepts, 2 + parallel.len(), "each accept recorded exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (status, document) = node.call("GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/login",
        "/cases",
        "/cases/{id}",
        "/cases/{id}/history",
        "/cases/{id}/supplement",
        "/cases/{id}/tasks/{item}/accept",
        "/cases/{id}/tasks/{item}/request-supplement",
        "/cases/{id}/tasks/{item}/approve",
        "/cases/{id}/tasks/{item}/reject",
        "/departments/{code}/tasks",
        "/catalog/one-things",
        "/catalog/one-things/{id}/plan",
        "/catalog/one-things/{id}/prefill",
        "/cases/{id}/tasks/{item}/shared-data",
        "/cases/{id}/tasks/{item}/shared-question",
        "/issuer-keys",
        "/certificates/verify",
        "/certificates/{id}/status",
        "/certificates/{id}/file",
        "/certificates/{id}/revoke",
        "/me/certificates",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    // Every documented GET without parameters answers (no undocumented 404s): the
    // public ones to anyone, those documented with a security requirement only
    // with a session. A login first gives the ledger an entry to sign.
    node.login("zhangsan").await;
    for (path, operations) in paths {
        let needs_parameters = operations["get"].get("parameters").is_some();
        if operations.get("get").is_some() && !needs_parameters {
            let personal = operations["get"].get("security").is_some();
            let (status, _) = node.call("GET", path, None, None).await;
            let expected = if personal {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            assert_eq!(status, expected, "{path}");
        }
    }
}

/// Every `$ref` in `value`, wherever it is.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => references(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|inner| references(inner, found)),
        _ => {}
    }
}

#[test]
fn every_generated_operation_answers_with_a_schema_and_every_reference_resolves() {
    let document = server::openapi::document();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has no summary"
            );
            let responses = operation["responses"].as_object().unwrap();
            let success: Vec<&String> = responses
                .keys()
                .filter(|s| ["200", "201", "202", "204"].contains(&s.as_str()))
                .collect();
            assert!(!success.is_empty(), "{name} has no success response: {responses:?}");
            for status in success {
                let content = responses[status].get("content");
                if status == "204" {
                    assert!(content.is_none(), "{name}: a 204 has no body");
                    continue;
                }
                let content = content
                    .and_then(Value::as_object)
                    .unwrap_or_else(|| panic!("{name} {status} has no body"));
                assert!(!content.is_empty(), "{name} {status} has no body");
                for (media, body) in content {
                    assert!(body.get("schema").is_some(), "{name} {status} {media} has no schema");
                }
            }
            // The token endpoint's errors are OAuth's (RFC 6749 §5.2), which say so;
            // every other error status names its codes from the table and shares the
            // Error schema.
            let (schema, mark) = if path.ends_with("/oauth/token") {
                ("#/components/schemas/OAuthError", "RFC 6749")
            } else {
                ("#/components/schemas/Error", "E_")
            };
            for (status, response) in responses
                .iter()
                .filter(|(s, _)| s.starts_with('4') || s.starts_with('5'))
            {
                let described = response["description"].as_str().unwrap_or_default();
                assert!(
                    described.contains(mark) || described.contains("invalid_client"),
                    "{name} {status}: {response}"
                );
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"], schema,
                    "{name} {status}"
                );
            }
            // An operation that needs a session says so, and it is the bearer scheme.
            if let Some(security) = operation.get("security") {
                assert_eq!(security, &json!([{ "bearer": [] }]), "{name}");
            }
            operations += 1;
        }
    }
    assert!(operations >= 45, "only {operations} operations");
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(
        found.len() >= 40,
        "only {} references: the reader is broken",
        found.len()
    );
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a component schema"));
        assert!(schemas.contains_key(name), "{target} does not resolve");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"],
        json!({ "type": "http", "scheme": "bearer" })
    );
    assert_eq!(document["servers"], json!([{ "url": "/api/v1" }]));
    assert_eq!(document["info"]["title"], "OneThing（一件事）API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_proves_every_access_and_shows_entries_only_to_those_concerned() {
    let node = spawn_node(sqlite_store().await, true).await;
    let zhangsan = node.login("zhangsan").await;
    let form = newborn_form(&node).await;
    let case = submit(&node, &zhangsan, &form).await;
    let id = case["id"].as_str().unwrap();
    let wj = node.login("staff-wj").await;
    let (status, _) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(status, StatusCode::OK);

    // A signed checkpoint that verifies with the published key.
    let key_text = node
        .client
        .get(format!("{}/ledger/verifier-key", node.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = ledger::VerifierKey::parse(key_text.trim()).unwrap();
    let note = node
        .client
        .get(format!("{}/ledger/checkpoint", node.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let checkpoint = ledger::verify_checkpoint(note.as_bytes(), &key).unwrap();
    assert!(
        checkpoint.size >= 4,
        "logins, the submission and its dispatch, the read"
    );

    // Every entry is proven included in the checkpoint.
    for index in 0..checkpoint.size {
        let (status, proof) = node
            .call(
                "GET",
                &format!("/ledger/proof/inclusion?index={index}&size={}", checkpoint.size),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{proof}");
        let row = node.store.ledger_row(index).await.unwrap().unwrap();
        let hashes: Vec<ledger::Hash> = proof["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| ledger::Hash::from_base64(h.as_str().unwrap()).unwrap())
            .collect();
        ledger::verify_inclusion(
            &ledger::leaf_hash(&row.entry),
            index,
            checkpoint.size,
            &hashes,
            &checkpoint.root,
        )
        .unwrap();
    }
    let (status, body) = node
        .call("GET", "/ledger/proof/inclusion?index=999999&size=3", None, None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = node.call("GET", "/ledger/proof/inclusion?index=x", None, None).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "E_QUERY_INVALID");

    // The staff read of zhangsan's case is an entry about zhangsan.
    let about = node.store.ledger_rows_about("applicant-zhangsan", 100).await.unwrap();
    let read = about
        .iter()
        .map(|row| ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap())
        .find(|e| e.kind == "data.access" && e.actor == "staff-wj")
        .expect("the staff read is in the ledger");
    assert!(read.elements.iter().any(|e| e == "mother.id_number"));
    let index = about
        .iter()
        .find(|r| ledger::LedgerEntry::from_canonical_bytes(&r.entry).unwrap() == read)
        .unwrap()
        .index;
    // Its subject sees it; another applicant and another department do not.
    let (status, _) = node
        .call("GET", &format!("/ledger/entries/{index}"), Some(&zhangsan), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let lisi = node.login("lisi").await;
    let (status, body) = node
        .call("GET", &format!("/ledger/entries/{index}"), Some(&lisi), None)
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_LEDGER_ENTRY_NOT_FOUND");
    let ga = node.login("staff-ga").await;
    let (status, _) = node
        .call("GET", &format!("/ledger/entries/{index}"), Some(&ga), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = node
        .call("GET", &format!("/ledger/entries/{index}"), Some(&wj), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // The auditor sees every entry, and cannot publish checkpoints or act.
    let auditor = node.login("auditor").await;
    for any in 0..checkpoint.size {
        let (status, _) = node
            .call("GET", &format!("/ledger/entries/{any}"), Some(&auditor), None)
            .await;
        assert_eq!(status, StatusCode::OK, "entry {any}");
    }
    let (status, body) = node
        .call("POST", "/ledger/checkpoints", Some(&auditor), Some(json!({})))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "E_FORBIDDEN");
    let (status, _) = act(&node, &auditor, id, "GG00101001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_of_one_things_list_their_members_and_show_what_they_share() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (status, body) = node.call("GET", "/catalog/groups", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["birth-to-school", "enterprise-entry"]);
    assert_eq!(
        body["groups"][0]["members"],
        json!(["newborn", "childcare-subsidy", "school-enrolment"])
    );

    let (status, body) = node.call("GET", "/catalog/groups/enterprise-entry", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "企业准入准营一类事");
    assert_eq!(body["members"].as_array().unwrap().len(), 3);
    // 企业设立登记 is in all three members' fullest plans: done once together.
    assert_eq!(body["shared_items"][0]["id"], "XK00601001");
    assert_eq!(
        body["savings"]["items"],
        json!({ "alone": 17, "separately": 17, "together": 14 })
    );
    let fields = &body["savings"]["fields"];
    assert!(fields["together"].as_u64().unwrap() < fields["separately"].as_u64().unwrap());

    let (status, body) = node.call("GET", "/catalog/groups/no-such-group", None, None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "E_GROUP_NOT_FOUND");
}
