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
    population_node_with(store, |_| {}).await
}

async fn population_node_with(store: Arc<dyn Store>, configure: impl FnOnce(&mut app::AppState)) -> Node {
    let node = spawn_node_with(store, true, |state| {
        state.sources = Arc::new(testkit::sources());
        configure(state);
    })
    .await;
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
    assert_eq!(fourth["changed"], 0, "{fourth}");

    // The same data again: nothing is written.
    let unchanged = node.store.finding(&other.id).await.unwrap().unwrap();
    // A day later (a write would show in updated_at), logged in again.
    node.set_date("2026-12-02");
    let wj = node.login("staff-wj").await;
    let run = |body: Value| {
        let node = &node;
        let wj = wj.clone();
        async move {
            node.call("POST", "/policies/childcare_subsidy/run", Some(&wj), Some(body))
                .await
        }
    };
    let (_, fifth) = run(json!({ "as_of": "2026-12-01" })).await;
    assert_eq!(
        (fifth["changed"].clone(), fifth["new_findings"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(node.store.finding(&other.id).await.unwrap().unwrap(), unchanged);

    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    // A corrected birth date that changes the months: the finding is updated, says
    // what changed, and the mother is told; the department's list shows it too.
    let corrected = if other.amount_fen == 150_000 {
        "2024-01-15"
    } else {
        "2023-06-15"
    };
    node.store
        .put_shared_records(&birth_records(Some(corrected)))
        .await
        .unwrap();
    let (_, sixth) = run(json!({ "as_of": "2026-12-01" })).await;
    assert_eq!(
        (sixth["changed"].clone(), sixth["withdrawn"].clone()),
        (json!(1), json!(0)),
        "{sixth}"
    );
    let changed = node.store.finding(&other.id).await.unwrap().unwrap();
    assert_ne!(changed.amount_fen, other.amount_fen);
    assert_eq!(changed.state, "granted");
    let note = changed.change_note.clone().unwrap_or_default();
    assert!(
        note.contains(&format!(
            "金额由 {} 元变为 {} 元",
            yuan(other.amount_fen),
            yuan(changed.amount_fen)
        )),
        "{note}"
    );
    assert!(told("benefit_changed").await);
    let (_, list) = node
        .call(
            "GET",
            &format!("/policies/childcare_subsidy/findings?q={}", other.id),
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(list["items"][0]["change_note"], note.as_str(), "{list}");
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
    // The run goes on in the background: the page it lands on follows it (and
    // refreshes itself while it runs) until it shows what the run found.
    assert_eq!(response.status(), StatusCode::OK);
    let follow = response.url().clone();
    assert!(follow.query().is_some_and(|q| q.starts_with("run=PR")), "{follow}");
    let mut page = response.text().await.unwrap();
    for _ in 0..500 {
        if !page.contains("正在运行") {
            break;
        }
        assert!(page.contains("http-equiv=\"refresh\""), "{page}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        page = get(&format!("{}?{}", follow.path(), follow.query().unwrap()), &wj)
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    }
    assert!(page.contains("已运行（2026年度"), "{page}");
    assert!(
        page.contains("运行记录") && !page.contains("http-equiv=\"refresh\""),
        "{page}"
    );
    let stored = node.store.findings_of_policy("childcare_subsidy", None).await.unwrap();
    assert!(page.contains(&format!("共 {} 个符合者", stored.len())), "{page}");
    for finding in &stored {
        assert!(!page.contains(&finding.subject) && !page.contains(&finding.subject_name));
    }

    // One finding, searched by its id, confirmed for payment from the page; the list
    // exported as CSV from the page.
    let target = &stored[stored.len() - 1];
    let page = get(&format!("/workbench/policies/childcare_subsidy?q={}", target.id), &wj)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("value=\"{}\"", target.id)), "{page}");
    let confirmed = node
        .client
        .post(format!("{site}/workbench/policies/childcare_subsidy/confirm"))
        .header("cookie", format!("onething_session={wj}"))
        .form(&[("csrf", csrf_field(&page).as_str()), ("finding", target.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(confirmed.text().await.unwrap().contains("已确认发放 1 项"));
    assert_eq!(
        node.store.finding(&target.id).await.unwrap().unwrap().state,
        "confirmed"
    );
    let csv = get("/workbench/policies/childcare_subsidy/findings.csv?period=2026", &wj)
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{FEFF}') && csv.contains("已确认发放"));
    assert_eq!(csv.trim_end().split("\r\n").count(), stored.len() + 1);

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

fn webhook(id: &str, department: &str) -> store::Subscription {
    store::Subscription {
        id: id.into(),
        department: department.into(),
        event_types: Vec::new(),
        kind: "webhook".into(),
        url: "http://127.0.0.1:9/hook".into(),
        scheme: "v1".into(),
        public_key: None,
        enabled: true,
        disabled_reason: None,
        created_at: beijing_morning("2026-02-12"),
        created_by: "admin".into(),
    }
}

/// Ledger entries whose detail starts with `action` about `subject`.
async fn entries_about(node: &Node, subject: &str, action: &str) -> usize {
    node.store
        .ledger_rows_about(subject, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|row| {
            ledger::LedgerEntry::from_canonical_bytes(&row.entry)
                .unwrap()
                .detail
                .starts_with(action)
        })
        .count()
}

/// Every ledger entry's action and purpose.
async fn all_ledger_details(node: &Node) -> Vec<(String, String)> {
    node.store
        .ledger_rows(0, 1_000_000)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            let entry = ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap();
            (entry.detail, entry.purpose.unwrap_or_default())
        })
        .collect()
}

/// Polls a confirmation job until it is no longer running.
async fn finished_job(node: &Node, token: &str, id: &str) -> Value {
    for _ in 0..2_000 {
        let (status, job) = node
            .call(
                "GET",
                &format!("/policies/childcare_subsidy/confirm-jobs/{id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if job["state"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("confirmation job {id} did not finish");
}

/// The department's side: benefit.found reaches only 卫健's subscription; the list
/// pages by cursor through every finding once, filters and searches by whole ID
/// number (an entry about that person), refuses bad queries; the CSV is masked, opens
/// in Excel and is itself in the ledger; confirming for payment refuses a batch with
/// a declined finding whole, confirms granted ones once however often it is sent,
/// and the mother sees 已确认发放.
async fn department_journey(node: Node) {
    for (id, department) in [("sub-wj", "WJ"), ("sub-mz", "MZ")] {
        assert!(
            node.store
                .create_subscription(&webhook(id, department), b"k", None)
                .await
                .unwrap()
        );
    }
    let wj = node.login("staff-wj").await;
    let mz = node.login("staff-mz").await;
    let (status, summary) = node
        .call(
            "POST",
            "/policies/childcare_subsidy/run",
            Some(&wj),
            Some(json!({ "as_of": "2026-12-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let qualifying = summary["qualifying"].as_u64().unwrap() as usize;
    assert!(qualifying > 25, "{summary}");

    // Every benefit.found went to 卫健's subscription, none to 民政's.
    let now = beijing_morning("2026-12-02");
    let claimed = node
        .store
        .claim_deliveries(&store::Claim {
            token: "test",
            now,
            lease_until: now + chrono::Duration::seconds(60),
            limit: 100_000,
            kinds: &["webhook"],
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), qualifying);
    assert!(
        claimed
            .iter()
            .all(|d| d.subscription_id == "sub-wj" && d.event_type == "benefit.found")
    );
    assert!(claimed.iter().all(|d| d.department.as_deref() == Some("WJ")));

    // Pages of 10 by cursor: every finding once.
    let mut seen = std::collections::BTreeSet::new();
    let mut path = "/policies/childcare_subsidy/findings?period=2026&limit=10".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = node.call("GET", &path, Some(&wj), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["count"].as_u64().unwrap() as usize, qualifying);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 10);
        for item in items {
            assert!(seen.insert(item["id"].as_str().unwrap().to_owned()), "a finding twice");
            assert!(item["subject_masked"].as_str().unwrap().contains('*'));
        }
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/policies/childcare_subsidy/findings?period=2026&limit=10&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), qualifying);
    assert_eq!(pages, qualifying.div_ceil(10));

    // Bad queries: a clear code, nothing else.
    for bad in [
        "cursor=bm90aGluZw",
        "state=paid",
        "q=1101",
        "period=2026-13",
        "sort=name",
    ] {
        let (status, body) = node
            .call(
                "GET",
                &format!("/policies/childcare_subsidy/findings?{bad}"),
                Some(&wj),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("E_QUERY_INVALID")),
            "{bad}: {body}"
        );
    }

    // A search by the mother's whole ID number finds her finding, and is an entry
    // about her.
    let stored = node
        .store
        .findings_of_policy("childcare_subsidy", Some("2026"))
        .await
        .unwrap();
    let declined = &stored[0];
    let mother = declined.recipient.trim_start_matches("person:").to_owned();
    let before = entries_about(&node, &declined.recipient, "benefit_search").await;
    let (status, found) = node
        .call(
            "GET",
            &format!("/policies/childcare_subsidy/findings?q={mother}"),
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["id"] == declined.id.as_str())
    );
    assert!(!found.to_string().contains(&mother), "the answer stays masked");
    assert_eq!(
        entries_about(&node, &declined.recipient, "benefit_search").await,
        before + 1
    );
    let (_, by_id) = node
        .call(
            "GET",
            &format!("/policies/childcare_subsidy/findings?q={}", declined.id.to_lowercase()),
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(by_id["count"], 1, "{by_id}");

    // The mother declines one; the department objects to nothing but sees it.
    account_for(&node, "mother", &mother).await;
    let token = node.login("mother").await;
    let (status, _) = node
        .call(
            "POST",
            &format!("/me/benefits/{}/decline", declined.id),
            Some(&token),
            Some(json!({ "reason": "=HYPERLINK(\"http://x\")" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, only_declined) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/findings?state=declined",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(
        (only_declined["count"].as_i64(), only_declined["declined"].as_i64()),
        (Some(1), Some(1))
    );

    // The CSV: BOM, one line per finding, masked, defused, and in the ledger.
    let site = node.base.clone();
    let csv = node
        .client
        .get(format!("{site}/policies/childcare_subsidy/findings.csv?period=2026"))
        .bearer_auth(&wj)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await.unwrap();
    assert!(body.starts_with('\u{FEFF}'), "a byte-order mark for Excel");
    let lines: Vec<&str> = body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), qualifying + 1);
    assert!(lines[0].contains("证件号码（脱敏）"));
    for finding in &stored {
        assert!(!body.contains(&finding.subject) && !body.contains(&finding.subject_name));
    }
    assert!(body.contains("'=HYPERLINK"), "a formula is defused");
    assert!(!body.contains(",=HYPERLINK"));
    assert!(
        all_ledger_details(&node)
            .await
            .iter()
            .any(|(action, purpose)| action == "benefit_export" && purpose.contains(&format!("{qualifying} 行")))
    );
    let (status, _) = node
        .call("GET", "/policies/childcare_subsidy/findings.csv", Some(&mz), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Confirming a batch with the declined finding: refused whole, named.
    let granted: Vec<&store::Finding> = stored
        .iter()
        .filter(|f| f.recipient != declined.recipient)
        .take(2)
        .collect();
    let same_mother = granted.iter().filter(|f| f.recipient == granted[0].recipient).count();
    let confirm = |body: Value, token: String| {
        let node = &node;
        async move {
            node.call(
                "POST",
                "/policies/childcare_subsidy/findings/confirm",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, body) = confirm(json!({ "findings": [granted[0].id, declined.id] }), wj.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_FINDING_STATE")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&declined.id) && message.contains("已不同意"),
        "{message}"
    );
    assert_eq!(
        node.store.finding(&granted[0].id).await.unwrap().unwrap().state,
        "granted"
    );
    let (status, body) = confirm(json!({ "findings": [granted[0].id] }), mz.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = confirm(json!({ "findings": ["BF0000000000000000"] }), wj.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_FINDING_NOT_FOUND"))
    );
    let (status, body) = confirm(json!({ "findings": [] }), wj.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The granted ones: confirmed once, each in the ledger; a retry changes nothing.
    let ids = json!({ "findings": [granted[0].id, granted[1].id], "note": "12月发放" });
    let (status, done) = confirm(ids.clone(), wj.clone()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (done["confirmed"].as_u64(), done["already_confirmed"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        entries_about(&node, &granted[0].recipient, "benefit_confirmed").await,
        same_mother
    );
    let (status, again) = confirm(ids, wj.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (again["confirmed"].as_u64(), again["already_confirmed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(
        entries_about(&node, &granted[0].recipient, "benefit_confirmed").await,
        same_mother
    );

    // The rest of the period by a background job; the declined one left out.
    let (status, job) = confirm(json!({ "period": "2026" }), wj.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["total"].as_u64().unwrap() as usize, qualifying - 3);
    let job = finished_job(&node, &wj, job["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["confirmed"].as_u64().unwrap() as usize, qualifying - 3);
    let (_, list) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/findings?period=2026",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(list["confirmed"].as_u64().unwrap() as usize, qualifying - 1);

    // The person sees it.
    let confirmed_mother = granted[0].recipient.trim_start_matches("person:").to_owned();
    account_for(&node, "confirmed-mother", &confirmed_mother).await;
    let token = node.login("confirmed-mother").await;
    let (_, mine) = node.call("GET", "/me/benefits", Some(&token), None).await;
    let benefit = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == granted[0].id.as_str())
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(
        (benefit["state"].as_str(), benefit["state_label"].as_str()),
        (Some("confirmed"), Some("已确认发放"))
    );
    assert!(benefit["state_reason"].as_str().unwrap().contains("12月发放"));
    assert_eq!(benefit["may_decline"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_department_lists_exports_and_confirms_on_sqlite() {
    department_journey(population_node(sqlite_store().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_department_lists_exports_and_confirms_on_postgres() {
    let schema = new_schema();
    department_journey(population_node(postgres_store(&schema).await).await).await;
}

/// 稳岗返还 belongs to the enterprise: its legal representative (李四 for the demo's
/// enterprise, per 法人库) sees it on 我的待遇 and may decline it; nobody else sees it
/// or can act on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_benefit_is_its_legal_representatives_to_see() {
    let node = population_node(sqlite_store().await).await;
    // The demo enterprise: 10 insured, no arrears, no separations, 微型: 60% back.
    node.store
        .put_shared_records(&[store::SharedRecord {
            source: sharing::sources::UNEMPLOYMENT_INSURANCE.into(),
            subject: sharing::DEMO_ENTERPRISE_USCC.into(),
            attributes: [
                ("ui_insured_headcount", "10"),
                ("ui_premium_last_year", "5000.00"),
                ("ui_arrears", "否"),
                ("ui_separations_last_year", "0"),
                ("enterprise_scale", "微型"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        }])
        .await
        .unwrap();
    let rs = node.login("staff-rs").await;
    let (status, summary) = node
        .call(
            "POST",
            "/policies/job_retention_refund/run",
            Some(&rs),
            Some(json!({ "as_of": "2026-12-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let finding = node
        .store
        .findings_of_recipient(&format!("enterprise:{}", sharing::DEMO_ENTERPRISE_USCC))
        .await
        .unwrap()
        .pop()
        .expect("the demo enterprise qualifies");
    assert_eq!(finding.amount_fen, 300_000);

    let lisi = node.login("lisi").await;
    let (status, mine) = node.call("GET", "/me/benefits", Some(&lisi), None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let benefit = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == finding.id.as_str())
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(benefit["enterprise"]["uscc"], sharing::DEMO_ENTERPRISE_USCC);
    assert_eq!(benefit["enterprise"]["name"], "深圳市南山区李四餐饮管理有限公司");
    assert_eq!(benefit["policy"]["name"], "失业保险稳岗返还");
    // Reading 法人库 to know it is an entry about him.
    assert!(entries_about(&node, "applicant-lisi", "shared_read").await >= 2);
    // The run's message reached him, naming the enterprise; finding his ID number in
    // 法人库 to deliver it is an entry about him.
    let (_, inbox) = node.call("GET", "/me/notifications", Some(&lisi), None).await;
    let message = inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "benefit_found")
        .unwrap_or_else(|| panic!("{inbox}"));
    assert!(
        message["title"]
            .as_str()
            .unwrap()
            .contains("深圳市南山区李四餐饮管理有限公司")
            && message["body"].as_str().unwrap().contains("失业保险稳岗返还"),
        "{message}"
    );
    let lisi_id = node
        .store
        .account_by_username("lisi")
        .await
        .unwrap()
        .unwrap()
        .id_number
        .unwrap();
    assert_eq!(
        entries_about(&node, &format!("person:{lisi_id}"), "shared_read").await,
        1
    );

    // Nobody else: not on their 我的待遇 nor in their inbox, and not theirs to decline.
    for other in ["zhangsan", "wangfang"] {
        let token = node.login(other).await;
        let (_, theirs) = node.call("GET", "/me/benefits", Some(&token), None).await;
        assert!(!theirs.to_string().contains(&finding.id), "{other}: {theirs}");
        let (_, inbox) = node.call("GET", "/me/notifications", Some(&token), None).await;
        assert!(!inbox.to_string().contains("稳岗返还"), "{other}: {inbox}");
        let (status, body) = node
            .call(
                "POST",
                &format!("/me/benefits/{}/decline", finding.id),
                Some(&token),
                Some(json!({})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("E_FINDING_NOT_FOUND"))
        );
    }
    assert_eq!(node.store.finding(&finding.id).await.unwrap().unwrap().state, "granted");

    // He declines it for the enterprise: recorded about the enterprise.
    let subject = format!("enterprise:{}", sharing::DEMO_ENTERPRISE_USCC);
    let (status, declined) = node
        .call(
            "POST",
            &format!("/me/benefits/{}/decline", finding.id),
            Some(&lisi),
            Some(json!({ "reason": "企业暂不申领" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["enterprise"]["uscc"], sharing::DEMO_ENTERPRISE_USCC);
    assert_eq!(entries_about(&node, &subject, "benefit_declined").await, 1);
}

/// A person objects and the department answers (维持, 更正 with an amount): the
/// person reads the reply on 我的待遇 and in a message, each answer is an entry about
/// them; a period with an open objection is refused whole, naming it. Once answered,
/// the period is confirmed by a background job: 202 with its Location, progress from
/// GET, the job's start and end in the ledger, one entry per finding, benefit.confirmed
/// with ids only to 卫健's subscription; one job per period at a time; a job whose node
/// stopped is resumed from what was committed; running it again confirms nothing twice.
async fn objections_and_confirmation_jobs(node: Node) {
    for (id, department) in [("sub-wj", "WJ"), ("sub-mz", "MZ")] {
        assert!(
            node.store
                .create_subscription(&webhook(id, department), b"k", None)
                .await
                .unwrap()
        );
    }
    let wj = node.login("staff-wj").await;
    let mz = node.login("staff-mz").await;
    let (status, summary) = node
        .call(
            "POST",
            "/policies/childcare_subsidy/run",
            Some(&wj),
            Some(json!({ "as_of": "2026-12-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let qualifying = summary["qualifying"].as_u64().unwrap() as usize;
    let stored = node
        .store
        .findings_of_policy("childcare_subsidy", Some("2026"))
        .await
        .unwrap();
    // Two mothers object, each to a finding of her own.
    let mut objectors: Vec<&store::Finding> = Vec::new();
    for finding in &stored {
        if objectors.iter().all(|f| f.recipient != finding.recipient) {
            objectors.push(finding);
        }
        if objectors.len() == 2 {
            break;
        }
    }
    let mut tokens = Vec::new();
    for (i, finding) in objectors.iter().enumerate() {
        let username = format!("objector-{i}");
        account_for(&node, &username, finding.recipient.trim_start_matches("person:")).await;
        let token = node.login(&username).await;
        let (status, body) = node
            .call(
                "POST",
                &format!("/me/benefits/{}/object", finding.id),
                Some(&token),
                Some(json!({ "reason": "孩子出生月份登记有误" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        tokens.push(token);
    }
    let (upheld, corrected) = (objectors[0], objectors[1]);
    // Her findings (one per child under 3), each confirmed once in the end.
    let hers = stored.iter().filter(|f| f.recipient == corrected.recipient).count();

    // The period is refused whole while objections are open, naming them.
    let confirm = |body: Value| {
        let node = &node;
        let wj = wj.clone();
        async move {
            node.call(
                "POST",
                "/policies/childcare_subsidy/findings/confirm",
                Some(&wj),
                Some(body),
            )
            .await
        }
    };
    let ledger_before = node.store.ledger_head().await.unwrap().0;
    let (status, body) = confirm(json!({ "period": "2026" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_FINDING_STATE")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&upheld.id) && message.contains(&corrected.id),
        "{message}"
    );
    assert_eq!(node.store.ledger_head().await.unwrap().0, ledger_before);
    assert!(
        node.store
            .confirm_jobs("childcare_subsidy", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The department sees the objections with the person's reason.
    let (_, objected) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/findings?state=objected",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(objected["count"], 2, "{objected}");
    assert!(
        objected["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["state_reason"] == "孩子出生月份登记有误" && item["may_answer"] == true)
    );

    // Answers: bad input and other departments change nothing.
    let answer = |finding: &str, body: Value, token: &str| {
        let node = &node;
        let path = format!("/policies/childcare_subsidy/findings/{finding}/answer");
        let token = token.to_owned();
        async move { node.call("POST", &path, Some(&token), Some(body)).await }
    };
    for (body, code) in [
        (json!({ "decision": "ignore", "reply": "x" }), "E_INVALID_REQUEST"),
        (json!({ "decision": "uphold", "reply": " " }), "E_REASON_REQUIRED"),
        (
            json!({ "decision": "correct", "reply": "x", "amount_yuan": "很多" }),
            "E_INVALID_REQUEST",
        ),
    ] {
        let (status, error) = answer(&upheld.id, body, &wj).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert_eq!(error["error"]["code"], code);
    }
    let (status, _) = answer(&upheld.id, json!({ "decision": "uphold", "reply": "x" }), &mz).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = answer(&upheld.id, json!({ "decision": "uphold", "reply": "x" }), &tokens[0]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(node.store.finding(&upheld.id).await.unwrap().unwrap().state, "objected");

    // 维持: back to granted, the reply on 我的待遇 and in a message, an entry about her.
    let (status, row) = answer(
        &upheld.id,
        json!({ "decision": "uphold", "reply": "经核对出生医学证明，月份无误" }),
        &wj,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["state"], "granted");
    assert!(!row.to_string().contains(&upheld.subject), "masked: {row}");
    let (status, again) = answer(&upheld.id, json!({ "decision": "uphold", "reply": "再答一次" }), &wj).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_FINDING_STATE"))
    );
    assert_eq!(
        entries_about(&node, &upheld.recipient, "benefit_objection_answered").await,
        1
    );
    let (_, mine) = node.call("GET", "/me/benefits", Some(&tokens[0]), None).await;
    let benefit = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == upheld.id.as_str())
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(benefit["state"], "granted");
    let reason = benefit["state_reason"].as_str().unwrap();
    assert!(
        reason.contains("维持原认定") && reason.contains("经核对出生医学证明，月份无误"),
        "{reason}"
    );
    let (_, inbox) = node.call("GET", "/me/notifications", Some(&tokens[0]), None).await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "benefit_objection_answered"
                && m["body"].as_str().unwrap().contains("经核对出生医学证明")),
        "{inbox}"
    );
    // 更正 with an amount, from the page: its form shows her reason; granted again at
    // the corrected amount.
    let objected_page = "/workbench/policies/childcare_subsidy?state=objected";
    let (status, html) = page_as(&node, &wj, objected_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("答复异议：{}", corrected.id)) && html.contains("当事人的理由：孩子出生月份登记有误"),
        "{html}"
    );
    assert!(!html.contains(&format!("答复异议：{}", upheld.id)), "answered already");
    let (status, _) = post_form(
        &node,
        &wj,
        objected_page,
        &format!("/workbench/policies/childcare_subsidy/findings/{}/answer", corrected.id),
        &[
            ("decision", "correct"),
            ("reply", "已按户籍登记更正月数"),
            ("amount_yuan", "1500"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let now_corrected = node.store.finding(&corrected.id).await.unwrap().unwrap();
    assert_eq!(
        (now_corrected.state.as_str(), now_corrected.amount_fen),
        ("granted", 150_000)
    );
    let (_, inbox) = node.call("GET", "/me/notifications", Some(&tokens[1]), None).await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "benefit_objection_answered"
                && m["body"].as_str().unwrap().contains("金额更正为 1500.00 元")),
        "{inbox}"
    );

    // Another job of the period is running (on another node): refused, named.
    let now = node.state.now();
    let running = store::ConfirmJob {
        id: "CJ00000000000000AA".into(),
        policy: "childcare_subsidy".into(),
        period: "2026".into(),
        state: "running".into(),
        started_by: "staff-wj".into(),
        started_by_name: "卫健".into(),
        started_at: now,
        finished_at: None,
        total: 0,
        confirmed: 0,
        amount_fen: 0,
        reason: "已确认发放".into(),
        error: None,
        lease_owner: Some("other-node".into()),
        lease_until: now + chrono::Duration::seconds(60),
    };
    let record = store::SubjectAccess {
        entry: store::AccessEntry {
            at: now,
            actor: "staff-wj".into(),
            role: domain::Role::Staff,
            department: Some("WJ".into()),
            action: "benefit_confirm_job_started".into(),
            case_id: None,
            elements: String::new(),
            purpose: "测试".into(),
        },
        subject: None,
        legal_basis: "测试".into(),
    };
    assert!(node.store.start_confirm_job(&running, &record).await.unwrap().is_none());
    let (status, body) = confirm(json!({ "period": "2026" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("E_CONFIRM_JOB_RUNNING")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CJ00000000000000AA")
    );
    // That node stops; its lease runs out and this node's watch tick resumes it.
    node.set_date("2026-02-13");
    let resumed = server::app::benefit_jobs::resume_stalled(&node.state).await.unwrap();
    // A day later: new sessions.
    let wj = node.login("staff-wj").await;
    let mz = node.login("staff-mz").await;
    assert_eq!(resumed, ["CJ00000000000000AA"]);
    let job = finished_job(&node, &wj, "CJ00000000000000AA").await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["confirmed"].as_u64().unwrap() as usize, qualifying);
    assert_eq!(
        entries_about(&node, &corrected.recipient, "benefit_confirmed").await,
        hers
    );

    // Every finding confirmed once, each with its entry; the job's end in the ledger.
    let (_, list) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/findings?period=2026",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(list["confirmed"].as_u64().unwrap() as usize, qualifying);
    let details = all_ledger_details(&node).await;
    assert_eq!(
        details
            .iter()
            .filter(|(action, _)| action.starts_with("benefit_confirmed"))
            .count(),
        qualifying
    );
    assert!(
        details
            .iter()
            .any(|(action, purpose)| action.starts_with("benefit_confirm_job_finished")
                && purpose.contains("CJ00000000000000AA")
                && purpose.contains(&format!("确认 {qualifying} 项")))
    );

    // Again, through the API: 202 at once with where to read it; nothing twice.
    let response = node
        .client
        .post(format!("{}/policies/childcare_subsidy/findings/confirm", node.base))
        .bearer_auth(&wj)
        .json(&json!({ "period": "2026", "note": "12月发放" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let started: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!(
            "/api/v1/policies/childcare_subsidy/confirm-jobs/{}",
            started["id"].as_str().unwrap()
        )
    );
    assert_eq!(started["total"], 0);
    let job = finished_job(&node, &wj, started["id"].as_str().unwrap()).await;
    assert_eq!(
        (job["state"].as_str(), job["confirmed"].as_u64()),
        (Some("succeeded"), Some(0))
    );
    assert_eq!(
        entries_about(&node, &corrected.recipient, "benefit_confirmed").await,
        hers
    );
    let details = all_ledger_details(&node).await;
    assert_eq!(
        details
            .iter()
            .filter(|(action, _)| action.starts_with("benefit_confirm_job_started"))
            .count(),
        2,
        "the second job's start (the first was inserted by the test)"
    );
    // Jobs are the department's: 民政 sees none of them.
    let (status, _) = node
        .call(
            "GET",
            &format!(
                "/policies/childcare_subsidy/confirm-jobs/{}",
                started["id"].as_str().unwrap()
            ),
            Some(&mz),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = node
        .call(
            "GET",
            "/policies/childcare_subsidy/confirm-jobs/CJ0000000000000000",
            Some(&wj),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_CONFIRM_JOB_NOT_FOUND"))
    );
    let (status, jobs) = node
        .call("GET", "/policies/childcare_subsidy/confirm-jobs", Some(&wj), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jobs.as_array().unwrap().len(), 2);

    // benefit.confirmed: to 卫健's subscription only, ids and the period, no one's name.
    let now = beijing_morning("2026-02-14");
    let claimed = node
        .store
        .claim_deliveries(&store::Claim {
            token: "test",
            now,
            lease_until: now + chrono::Duration::seconds(60),
            limit: 100_000,
            kinds: &["webhook"],
        })
        .await
        .unwrap();
    let confirmed: Vec<_> = claimed.iter().filter(|d| d.event_type == "benefit.confirmed").collect();
    assert!(!confirmed.is_empty());
    assert!(confirmed.iter().all(|d| d.subscription_id == "sub-wj"));
    let mut ids = std::collections::BTreeSet::new();
    for delivery in &confirmed {
        let payload: Value = serde_json::from_str(&delivery.payload).unwrap();
        assert_eq!(payload["data"]["period"], "2026");
        assert_eq!(payload["data"]["confirm_job"], "CJ00000000000000AA");
        for id in payload["data"]["finding_ids"].as_array().unwrap() {
            assert!(ids.insert(id.as_str().unwrap().to_owned()));
        }
        for finding in &stored {
            assert!(!delivery.payload.contains(&finding.subject) && !delivery.payload.contains(&finding.subject_name));
        }
    }
    assert_eq!(ids.len(), qualifying);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objections_are_answered_and_a_period_is_confirmed_in_the_background_on_sqlite() {
    objections_and_confirmation_jobs(population_node(sqlite_store().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objections_are_answered_and_a_period_is_confirmed_in_the_background_on_postgres() {
    let schema = new_schema();
    objections_and_confirmation_jobs(population_node(postgres_store(&schema).await).await).await;
}

/// Polls a policy run until it is no longer running.
async fn finished_run(node: &Node, token: &str, location: &str) -> Value {
    let path = location.trim_start_matches("/api/v1");
    for _ in 0..2_000 {
        let (status, run) = node.call("GET", path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        if run["state"] != "running" {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("run {location} did not finish");
}

/// A run in the background: 202 with where to follow it; its stage and then its
/// summary there and in the list, with an entry for its start and its end. One run
/// per policy at a time, refused with the running run's id; a run whose node stopped
/// (its lease ran out) is marked interrupted when the next starts. A waiting run
/// (`POST …/run`) is recorded too. Other departments may not start one; auditors may
/// read them.
async fn runs_in_the_background(node: Node) {
    node.set_date("2026-12-01");
    let wj = node.login("staff-wj").await;
    let ga = node.login("staff-ga").await;
    let auditor = node.login("auditor").await;

    let (status, body) = node
        .call("POST", "/policies/childcare_subsidy/runs", Some(&ga), Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = node
        .call(
            "POST",
            "/policies/childcare_subsidy/runs",
            Some(&auditor),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = node
        .call(
            "POST",
            "/policies/childcare_subsidy/runs",
            Some(&wj),
            Some(json!({ "as_of": "2026-02-30" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, runs) = node
        .call("GET", "/policies/childcare_subsidy/runs", Some(&wj), None)
        .await;
    assert_eq!(runs, json!([]), "refusals start nothing");

    let response = node
        .client
        .post(format!("{}/policies/childcare_subsidy/runs", node.base))
        .bearer_auth(&wj)
        .json(&json!({ "as_of": "2026-12-01" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let started: Value = response.json().await.unwrap();
    assert_eq!(started["location"], location.as_str());
    assert_eq!(started["as_of"], "2026-12-01");
    let run = finished_run(&node, &wj, &location).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(run["stage"], "done");
    assert_eq!(run["subjects"].as_u64(), Some(PERSONS as u64 + 4), "{run}");
    let found = node.store.findings_of_policy("childcare_subsidy", None).await.unwrap();
    assert_eq!(run["summary"]["qualifying"].as_u64(), Some(found.len() as u64), "{run}");
    assert_eq!(run["findings"].as_u64(), Some(found.len() as u64), "{run}");
    assert_eq!(run["summary"]["evaluated"], run["subjects"]);
    let id = run["id"].as_str().unwrap().to_owned();
    let details = all_ledger_details(&node).await;
    for action in ["benefit_run_started", "benefit_run_finished"] {
        assert_eq!(
            details
                .iter()
                .filter(|(detail, purpose)| detail.starts_with(action) && purpose.contains(&id))
                .count(),
            1,
            "{action}"
        );
    }
    // The auditor reads it; 公安 does not.
    let (status, runs) = node
        .call("GET", "/policies/childcare_subsidy/runs", Some(&auditor), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(runs[0]["id"], id.as_str());
    let (status, _) = node
        .call("GET", "/policies/childcare_subsidy/runs", Some(&ga), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = node
        .call(
            "GET",
            &format!("/policies/elderly_allowance/runs/{id}"),
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("E_POLICY_RUN_NOT_FOUND")),
        "a run is read under its own policy"
    );

    // Another node's run holds the policy: refused with its id, nothing started.
    let now = *node.clock.lock().unwrap() + chrono::Duration::seconds(1);
    *node.clock.lock().unwrap() = now;
    let other = store::PolicyRun {
        id: "PRELSEWHERE0001".to_owned(),
        policy: "childcare_subsidy".to_owned(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        period: "2026".to_owned(),
        state: "running".to_owned(),
        stage: "storing".to_owned(),
        started_by: "system:scheduler".to_owned(),
        started_by_name: "定时任务".to_owned(),
        started_at: now,
        finished_at: None,
        records: 0,
        subjects: 0,
        findings: 0,
        accesses: 0,
        summary: None,
        error: None,
        lease_owner: Some("another-node".to_owned()),
        lease_until: now + chrono::Duration::seconds(600),
    };
    let record = store::SubjectAccess {
        entry: store::AccessEntry {
            at: now,
            actor: "system:scheduler".into(),
            role: domain::Role::Admin,
            department: None,
            action: "benefit_run_started".into(),
            case_id: None,
            elements: String::new(),
            purpose: "另一节点的运行 PRELSEWHERE0001".into(),
        },
        subject: None,
        legal_basis: String::new(),
    };
    assert_eq!(node.store.start_policy_run(&other, &record).await.unwrap(), None);
    for path in ["/policies/childcare_subsidy/runs", "/policies/childcare_subsidy/run"] {
        let (status, body) = node.call("POST", path, Some(&wj), Some(json!({}))).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("E_POLICY_RUN_RUNNING")),
            "{path}: {body}"
        );
        assert!(
            body["error"]["message"].as_str().unwrap().contains("PRELSEWHERE0001"),
            "{body}"
        );
    }
    let (_, runs) = node
        .call("GET", "/policies/childcare_subsidy/runs", Some(&wj), None)
        .await;
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");
    assert_eq!(runs[0]["state_label"], "进行中");

    // That node stopped: past its lease the run reads 已中断, and the next run marks
    // it failed and goes ahead, waiting for its result this time.
    *node.clock.lock().unwrap() = now + chrono::Duration::seconds(601);
    let (_, runs) = node
        .call("GET", "/policies/childcare_subsidy/runs", Some(&wj), None)
        .await;
    assert_eq!(runs[0]["state"], "interrupted", "{runs}");
    assert_eq!(runs[0]["state_label"], "已中断");
    let (status, summary) = node
        .call(
            "POST",
            "/policies/childcare_subsidy/run",
            Some(&wj),
            Some(json!({ "as_of": "2026-12-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["new_findings"], 0, "{summary}");
    let (_, runs) = node
        .call("GET", "/policies/childcare_subsidy/runs", Some(&wj), None)
        .await;
    assert_eq!(runs.as_array().unwrap().len(), 3, "{runs}");
    assert_eq!(runs[0]["state"], "succeeded", "{runs}");
    assert_eq!(runs[0]["summary"]["evaluated"], summary["evaluated"]);
    let interrupted = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["id"] == "PRELSEWHERE0001")
        .unwrap();
    assert_eq!(interrupted["state"], "failed", "{interrupted}");
    assert!(
        interrupted["error"].as_str().unwrap().contains("运行中断"),
        "{interrupted}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_the_background_on_sqlite() {
    runs_in_the_background(population_node(sqlite_store().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_the_background_on_postgres() {
    let schema = new_schema();
    runs_in_the_background(population_node(postgres_store(&schema).await).await).await;
}

/// A run renews its lease while it goes on, also while it holds the writer: with a
/// renewal every millisecond, renewals fall in the middle of its writes, and the run
/// still ends (a renewal that waited for the writer instead of beside the run hung it
/// for good: this test timed out against that code).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_renews_its_lease_while_it_holds_the_writer() {
    let node = population_node_with(sqlite_store().await, |state| {
        state.run_lease_renewal = std::time::Duration::from_millis(1);
    })
    .await;
    let scheduler = app::benefits::scheduler_account();
    let run = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        app::benefits::run_policy(&node.state, &scheduler, "childcare_subsidy", None),
    )
    .await
    .expect("the run hung");
    let summary = run.unwrap();
    assert_eq!(summary.evaluated, PERSONS + 4);
    let runs = node.store.policy_runs("childcare_subsidy", 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, "succeeded");
}
