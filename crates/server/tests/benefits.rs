//! 免申即享 over HTTP, on SQLite and PostgreSQL: 卫健 runs 育儿补贴 over a synthetic
//! population; a mother it found reads the finding with its reasons on 我的待遇 and
//! in her inbox, declines it, and the decline survives a re-run; every person whose
//! data the run read has a ledger entry and sees it on 谁查看了我的数据; bad input and
//! other departments change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Store;

mod common;
use common::*;

/// Persons generated into the shared data.
const PERSONS: usize = 1_500;

async fn population_node(store: Arc<dyn Store>) -> Node {
    let node = spawn_node_with(store, true, |state| state.sources = Arc::new(testkit::sources())).await;
    let records: Vec<store::SharedRecord> = sharing::Generator::new(2026)
        .population(PERSONS)
        .chain(sharing::demo_people())
        .map(|r| store::SharedRecord {
            source: r.source,
            subject: r.subject,
            attributes: r.attributes,
        })
        .collect();
    node.store.put_shared_records(&records).await.unwrap();
    node
}

/// An applicant account for a person of the population (as 实名注册 would create).
async fn account_for(node: &Node, username: &str, id_number: &str) {
    node.store
        .put_account(&domain::Account {
            id: format!("applicant-{username}"),
            username: username.to_owned(),
            display_name: "测试母亲".to_owned(),
            role: domain::Role::Applicant,
            department: None,
            id_number: Some(id_number.to_owned()),
            password_hash: app::auth::hash_password(server::auth::DEMO_PASSWORD).unwrap(),
        })
        .await
        .unwrap();
}

async fn childcare_journey(node: Node) {
    let wj = node.login("staff-wj").await;
    let run = |body: Value| {
        let node = &node;
        let wj = wj.clone();
        async move {
            node.call("POST", "/policies/childcare_subsidy/run", Some(&wj), Some(body))
                .await
        }
    };

    let mz = node.login("staff-mz").await;
    let zhangsan = node.login("zhangsan").await;
    // Bad input first: nothing is stored, nothing read.
    let ledger_before = node.store.ledger_head().await.unwrap().0;
    let (status, body) = run(json!({ "as_of": "2026-13-01" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = node
        .call("POST", "/policies/no_such_policy/run", Some(&wj), Some(json!({})))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_POLICY_NOT_FOUND"))
    );
    let (status, body) = node
        .call("POST", "/policies/childcare_subsidy/run", Some(&mz), Some(json!({})))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("E_FORBIDDEN"))
    );
    let (status, _) = node
        .call("GET", "/policies/childcare_subsidy/findings", Some(&zhangsan), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(node.store.ledger_head().await.unwrap().0, ledger_before);
    assert!(
        node.store
            .findings_of_policy("childcare_subsidy", None)
            .await
            .unwrap()
            .is_empty()
    );

    // The run: everyone in the population is read and evaluated, some qualify.
    let (status, summary) = run(json!({ "as_of": "2026-12-01" })).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let evaluated = summary["evaluated"].as_u64().unwrap();
    let qualifying = summary["qualifying"].as_u64().unwrap();
    assert_eq!(evaluated as usize, PERSONS + 4, "{summary}");
    assert!(qualifying > 0 && qualifying < evaluated, "{summary}");
    assert_eq!(summary["new_findings"], summary["qualifying"]);
    assert_eq!(summary["period"], "2026");
    // Every read is in the ledger, one entry per person.
    let ledger_after = node.store.ledger_head().await.unwrap().0;
    assert!(
        ledger_after >= ledger_before + evaluated,
        "{ledger_before} {ledger_after}"
    );

    // The department's list: totals and masked rows.
    let (status, list) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/findings?period=2026",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["count"], summary["qualifying"]);
    assert_eq!(list["total_amount_yuan"], summary["total_amount_yuan"]);
    let stored = node
        .store
        .findings_of_policy("childcare_subsidy", Some("2026"))
        .await
        .unwrap();
    let text = list.to_string();
    for finding in &stored {
        assert!(!text.contains(&finding.subject), "an unmasked ID number in the list");
        assert!(finding.recipient.starts_with("person:"));
    }
    let (status, body) = node
        .call("GET", "/policies/childcare_subsidy/findings?period=20", Some(&wj), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("E_QUERY_INVALID"))
    );

    // A mother found by the run logs in and reads the finding with its reasons.
    let finding = stored.iter().find(|f| f.amount_fen == 360_000).unwrap_or(&stored[0]);
    let mother = finding.recipient.trim_start_matches("person:").to_owned();
    assert_ne!(mother, finding.subject, "paid to the mother, not the child");
    account_for(&node, "mother", &mother).await;
    let token = node.login("mother").await;
    let (status, mine) = node.call("GET", "/me/benefits", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let benefit = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == finding.id.as_str())
        .unwrap();
    assert_eq!(benefit["policy"]["name"], "育儿补贴");
    assert_eq!(benefit["policy"]["mode"], "免申即享");
    assert_eq!(benefit["state"], "granted");
    assert_eq!(benefit["amount_fen"], finding.amount_fen);
    let reasons = benefit["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 2);
    assert!(reasons.iter().all(|r| r["held"] == true));
    assert!(reasons[0]["label"].as_str().unwrap().contains("未满3周岁"));
    assert!(benefit["for_whom"].as_str().unwrap().contains('*'), "{benefit}");

    // The message: “您…符合…条件，…元将于…发放” with the reasons.
    let (_, inbox) = node.call("GET", "/me/notifications", Some(&token), None).await;
    let message = inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "benefit_found")
        .unwrap_or_else(|| panic!("{inbox}"));
    let body = message["body"].as_str().unwrap();
    assert!(
        body.contains("符合“育儿补贴”条件") && body.contains("元将于次年3月31日前发放") && body.contains("理由："),
        "{body}"
    );

    // 谁查看了我的数据: 卫健 checked her data for 育儿补贴.
    let (status, log) = node.call("GET", "/me/data-access", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert!(
        log["rows"].as_array().unwrap().iter().any(|row| {
            row["purpose"].as_str().unwrap_or("").contains("育儿补贴")
                && row["who"].as_str().unwrap_or("").contains("卫生健康")
        }),
        "{log}"
    );
    // The child's own entry is in the ledger too.
    assert!(
        !node
            .store
            .ledger_rows_about(&format!("person:{}", finding.subject), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Someone else cannot touch her finding; an objection needs a reason.
    let wangfang = node.login("wangfang").await;
    let path = format!("/me/benefits/{}/decline", finding.id);
    let (status, body) = node.call("POST", &path, Some(&wangfang), Some(json!({}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_FINDING_NOT_FOUND"))
    );
    let object = format!("/me/benefits/{}/object", finding.id);
    let (status, body) = node
        .call("POST", &object, Some(&token), Some(json!({ "reason": "  " })))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("E_REASON_REQUIRED"))
    );

    // She declines; the department hears why; twice is refused.
    let (status, declined) = node
        .call("POST", &path, Some(&token), Some(json!({ "reason": "已在外地领取" })))
        .await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["state"], "declined");
    let (status, body) = node.call("POST", &path, Some(&token), Some(json!({}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_FINDING_STATE"))
    );
    let (_, department_inbox) = node.call("GET", "/me/notifications", Some(&wj), None).await;
    assert!(
        department_inbox.to_string().contains("已在外地领取"),
        "{department_inbox}"
    );

    // A re-run keeps her decision and finds no one new.
    let (status, again) = run(json!({ "as_of": "2026-12-01" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (again["qualifying"].clone(), again["new_findings"].clone()),
        (summary["qualifying"].clone(), json!(0))
    );
    let (_, mine) = node.call("GET", "/me/benefits", Some(&token), None).await;
    assert!(mine.to_string().contains("declined"), "{mine}");
    let (_, list) = node
        .call("GET", "/policies/childcare_subsidy/findings", Some(&wj), None)
        .await;
    assert_eq!(list["declined"], 1);

    // The data change: another child's birth date is corrected to 2015. The next run
    // withdraws that finding and says which condition no longer holds; corrected
    // back, the one after restores it. Each change reaches the mother.
    let other = stored
        .iter()
        .find(|f| f.id != finding.id && f.state == "granted")
        .unwrap()
        .clone();
    let birth_records = |birth_date: Option<&str>| {
        let mut records: Vec<store::SharedRecord> = sharing::Generator::new(2026)
            .population(PERSONS)
            .filter(|r| r.subject == other.subject && r.attributes.contains_key("birth_date"))
            .map(|r| store::SharedRecord {
                source: r.source,
                subject: r.subject,
                attributes: r.attributes,
            })
            .collect();
        assert!(!records.is_empty());
        if let Some(date) = birth_date {
            for record in &mut records {
                record.attributes.insert("birth_date".into(), date.into());
            }
        }
        records
    };
    node.store
        .put_shared_records(&birth_records(Some("2015-06-01")))
        .await
        .unwrap();
    let (status, third) = run(json!({ "as_of": "2026-12-01" })).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(
        (third["withdrawn"].clone(), third["restored"].clone()),
        (json!(1), json!(0)),
        "{third}"
    );
    let withdrawn = node.store.finding(&other.id).await.unwrap().unwrap();
    assert_eq!(withdrawn.state, "withdrawn");
    let why = withdrawn.state_reason.clone().unwrap_or_default();
    assert!(why.contains("不再满足") && why.contains("未满3周岁"), "{why}");
    let (_, list) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/findings?period=2026",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(
        list["total_amount_fen"].as_i64().unwrap(),
        summary["total_amount_fen"].as_i64().unwrap() - finding.amount_fen - other.amount_fen,
        "neither the declined nor the withdrawn finding is counted: {list}"
    );
    let told = |kind: &'static str| {
        let node = &node;
        let recipient = other.recipient.clone();
        async move {
            node.store
                .notifications_for(&[recipient], 100)
                .await
                .unwrap()
                .into_iter()
                .any(|n| n.message.kind == kind)
        }
    };
    assert!(told("benefit_withdrawn").await);

    node.store.put_shared_records(&birth_records(None)).await.unwrap();
    let (status, fourth) = run(json!({ "as_of": "2026-12-01" })).await;
    assert_eq!(status, StatusCode::OK, "{fourth}");
    assert_eq!(
        (fourth["withdrawn"].clone(), fourth["restored"].clone()),
        (json!(0), json!(1)),
        "{fourth}"
    );
    assert_eq!(node.store.finding(&other.id).await.unwrap().unwrap().state, "granted");
    assert!(told("benefit_restored").await);
    // Her decline stood through all of it.
    assert_eq!(
        node.store.finding(&finding.id).await.unwrap().unwrap().state,
        "declined"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn childcare_subsidy_on_sqlite() {
    childcare_journey(population_node(sqlite_store().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn childcare_subsidy_on_postgres() {
    let schema = new_schema();
    childcare_journey(population_node(postgres_store(&schema).await).await).await;
}

/// The hidden CSRF field of the first form on a page.
fn csrf_field(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    html[start..start + 32].to_owned()
}

/// The pages: 卫健 runs the policy from its page and sees the masked list; the mother
/// reads 我的待遇 with the reasons; a decline without the page's CSRF token changes
/// nothing, with it the finding is declined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_run_a_policy_and_show_my_benefits() {
    let node = population_node(sqlite_store().await).await;
    let site = node.base.trim_end_matches("/api/v1").to_owned();
    let get = |path: &str, token: &str| {
        node.client
            .get(format!("{site}{path}"))
            .header("cookie", format!("onething_session={token}"))
            .send()
    };
    let wj = node.login("staff-wj").await;
    let page = get("/workbench/policies", &wj).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("育儿补贴") && !page.contains("稳岗返还"),
        "only 卫健's policies"
    );
    let page = get("/workbench/policies/childcare_subsidy", &wj)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("共 0 个符合者"), "{page}");
    let response = node
        .client
        .post(format!("{site}/workbench/policies/childcare_subsidy/run"))
        .header("cookie", format!("onething_session={wj}"))
        .form(&[("csrf", csrf_field(&page).as_str()), ("as_of", "2026-12-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("已运行（2026年度"), "{page}");
    let stored = node.store.findings_of_policy("childcare_subsidy", None).await.unwrap();
    assert!(page.contains(&format!("共 {} 个符合者", stored.len())), "{page}");
    for finding in &stored {
        assert!(!page.contains(&finding.subject) && !page.contains(&finding.subject_name));
    }

    let finding = &stored[0];
    account_for(&node, "mother", finding.recipient.trim_start_matches("person:")).await;
    let mother = node.login("mother").await;
    let page = get("/my/benefits", &mother).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("我的待遇") && page.contains("育儿补贴") && page.contains("✔ 符合"),
        "{page}"
    );
    let decline = format!("{site}/my/benefits/{}/decline", finding.id);
    let refused = node
        .client
        .post(&decline)
        .header("cookie", format!("onething_session={mother}"))
        .form(&[("csrf", "0".repeat(32).as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(node.store.finding(&finding.id).await.unwrap().unwrap().state, "granted");
    let accepted = node
        .client
        .post(&decline)
        .header("cookie", format!("onething_session={mother}"))
        .form(&[("csrf", csrf_field(&page).as_str()), ("reason", "不需要")])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    assert!(accepted.text().await.unwrap().contains("已不同意"));
    assert_eq!(
        node.store.finding(&finding.id).await.unwrap().unwrap().state,
        "declined"
    );
}

/// The event path: the moment a 新生儿出生 case completes (出生登记 gave the child an
/// ID number), 育儿补贴 is evaluated for the child; the mother named in the case has
/// the finding and the message, without anyone running the policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_newborn_case_finds_the_child_at_once() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (_, _, id, form) = newborn_case(&node).await;
    let child = "110105202602100016";
    let catalog = testkit::catalog();
    loop {
        let versioned = node
            .store
            .load_case(&cases::CaseId::parse(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let ready: Vec<(String, String)> = versioned
            .case
            .tasks
            .iter()
            .filter(|t| t.state == cases::TaskState::Dispatched)
            .map(|t| (t.department.clone(), t.item.to_string()))
            .collect();
        if ready.is_empty() {
            assert_eq!(versioned.case.state(), cases::CaseState::Completed);
            break;
        }
        // Nothing is found before the case completes.
        assert!(
            node.store
                .findings_of_policy("childcare_subsidy", None)
                .await
                .unwrap()
                .is_empty()
        );
        for (department, item) in ready {
            let token = node.login(&format!("staff-{}", department.to_lowercase())).await;
            let code: ids::ItemCode = item.parse().unwrap();
            let outputs: serde_json::Map<String, Value> = catalog.items[&code]
                .outputs
                .elements
                .iter()
                .map(|e| {
                    let value = if e == "child.id_number" {
                        child.to_owned()
                    } else {
                        testkit::sample_value(&catalog.elements[e].element_type)
                    };
                    (e.clone(), Value::String(value))
                })
                .collect();
            approve(&node, &token, &id, &item, Value::Object(outputs)).await;
        }
    }
    let findings = node.store.findings_of_policy("childcare_subsidy", None).await.unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = &findings[0];
    assert_eq!(finding.subject, child);
    assert_eq!(finding.recipient, format!("person:{}", form["mother.id_number"]));
    // Born 2026-02-10, found on 2026-02-12: February to December 2026, 11 × 300 yuan.
    assert_eq!((finding.period.as_str(), finding.amount_fen), ("2026", 330_000));
    account_for(&node, "mother", &form["mother.id_number"]).await;
    let mother = node.login("mother").await;
    let (_, mine) = node.call("GET", "/me/benefits", Some(&mother), None).await;
    assert_eq!(mine[0]["amount_yuan"], "3300.00", "{mine}");
    let (_, inbox) = node.call("GET", "/me/notifications", Some(&mother), None).await;
    assert!(inbox.to_string().contains("符合“育儿补贴”条件"), "{inbox}");
}

/// The nightly runs: from 02:00 China time every policy runs for the day, once
/// across two nodes racing for it; not again that day, not before 02:00 the next,
/// and again from then on. The runs act as the scheduler, and find people.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_run_each_night_once_across_nodes() {
    let schema = new_schema();
    let first = population_node(postgres_store(&schema).await).await;
    let second = spawn_node_with(postgres_store(&schema).await, false, |state| {
        state.sources = Arc::new(testkit::sources())
    })
    .await;
    let policies = first.state.catalog.policies.len();
    assert!(policies >= 4);
    let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc();

    // 01:59 in China (17:59 UTC the day before): too early.
    let early = at("2026-11-30T17:59:00Z");
    assert!(
        app::benefits::nightly(&first.state, "a", early, 2)
            .await
            .unwrap()
            .is_empty()
    );

    // 02:00: both nodes try at once; each policy runs exactly once.
    let night = at("2026-11-30T18:00:00Z");
    let (a, b) = tokio::join!(
        app::benefits::nightly(&first.state, "a", night, 2),
        app::benefits::nightly(&second.state, "b", night, 2)
    );
    let runs: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    let mut ran: Vec<&str> = runs.iter().map(|run| run.policy.as_str()).collect();
    ran.sort_unstable();
    let expected: Vec<&str> = first.state.catalog.policies.keys().map(String::as_str).collect();
    assert_eq!(ran, expected, "each policy once");
    assert!(runs.iter().all(|run| run.as_of.to_string() == "2026-12-01"));
    assert!(runs.iter().map(|run| run.qualifying).sum::<usize>() > 0);

    // Later that day, on either node: nothing more.
    let noon = at("2026-12-01T04:00:00Z");
    assert!(
        app::benefits::nightly(&first.state, "a", noon, 2)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app::benefits::nightly(&second.state, "b", noon, 2)
            .await
            .unwrap()
            .is_empty()
    );
    // The next night, again.
    let next = app::benefits::nightly(&second.state, "b", at("2026-12-01T18:30:00Z"), 2)
        .await
        .unwrap();
    assert_eq!(next.len(), policies);

    // The reads of the runs are in the ledger as the scheduler's.
    let rows = first.store.ledger_rows(0, 100_000).await.unwrap();
    assert!(rows.iter().any(|row| {
        let entry = ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
        entry.actor == "system:scheduler" && entry.detail.starts_with("benefit_evaluation")
    }));
}
