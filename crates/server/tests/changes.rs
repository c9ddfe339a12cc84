//! 企业信息变更 as a change, not a correction: 李四 applies with his enterprise's
//! registered data prefilled from 法人库 and the new values typed beside it; the
//! registered values stay as fetched (no 更正 of shared data), staff see 变更前 and
//! 变更后 side by side, a new value for a change not made is refused, and on the
//! pages his enterprise is offered from 法人库 (after consent, with access entries)
//! instead of his typing its credit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;
use common::*;

const OLD_NAME: &str = "深圳市南山区李四餐饮管理有限公司";
const NEW_NAME: &str = "深圳市南山区李四餐饮集团有限公司";
const NEW_ADDRESS: &str = "广东省深圳市南山区粤海街道科技南路88号201室";

async fn change_node() -> Node {
    let node = spawn_node_with(sqlite_store().await, true, |state| {
        state.sources = Arc::new(testkit::sources());
    })
    .await;
    let records: Vec<store::SharedRecord> = sharing::demo_people()
        .into_iter()
        .map(|r| store::SharedRecord {
            source: r.source,
            subject: r.subject,
            attributes: r.attributes,
        })
        .collect();
    node.store.put_shared_records(&records).await.unwrap();
    node
}

/// A new name and a new domicile; the legal representative and the scope stay.
fn answers() -> Value {
    json!({
        "change_name": "yes", "change_legal_rep": "no", "change_address": "yes",
        "change_scope": "no", "has_employees_insured": "no", "has_housing_fund": "no"
    })
}

async fn plan(node: &Node, token: &str) -> Value {
    let (status, plan) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/plan",
            Some(token),
            Some(json!({ "answers": answers() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

fn element_ids(plan: &Value) -> Vec<String> {
    plan["form"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["fields"].as_array().unwrap())
        .map(|f| f["element"].as_str().unwrap().to_owned())
        .collect()
}

/// Ledger entries about an account, decoded, oldest first.
async fn entries_about(node: &Node, account: &str) -> Vec<ledger::LedgerEntry> {
    let mut rows = node.store.ledger_rows_about(account, 10_000).await.unwrap();
    rows.reverse();
    rows.iter()
        .map(|row| ledger::LedgerEntry::from_canonical_bytes(&row.entry).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_filed_beside_the_registered_values_and_staff_see_both() {
    let node = change_node().await;
    let lisi = node.login("lisi").await;
    let plan = plan(&node, &lisi).await;
    let asked = element_ids(&plan);
    for element in ["enterprise.name", "enterprise.new_name", "enterprise.new_address"] {
        assert!(asked.contains(&element.to_owned()), "{element} not asked: {asked:?}");
    }
    for element in ["enterprise.new_legal_rep_name", "enterprise.new_business_scope"] {
        assert!(!asked.contains(&element.to_owned()), "{element} asked: {asked:?}");
    }

    // Consent and prefill from 法人库 for his enterprise.
    let (status, prefill) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/prefill",
            Some(&lisi),
            Some(json!({ "answers": answers(), "consent": true, "enterprise": sharing::DEMO_ENTERPRISE_USCC })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefill}");
    assert_eq!(prefill["values"]["enterprise.name"]["value"], OLD_NAME);
    let mut form = testkit::sample_form_from_json(&testkit::catalog(), &plan);
    for (element, fetched) in prefill["values"].as_object().unwrap() {
        if form.contains_key(element) {
            form.insert(element.clone(), fetched["value"].as_str().unwrap().to_owned());
        }
    }
    form.insert("enterprise.new_name".into(), NEW_NAME.into());
    form.insert("enterprise.new_address".into(), NEW_ADDRESS.into());
    let (files, commitments) = testkit::sample_materials_from_json(&plan);
    let submission = |form: &BTreeMap<String, String>| {
        json!({
            "one_thing": "enterprise-change", "answers": answers(), "form": form,
            "commitments": commitments, "prefill": prefill["prefill_id"],
        })
    };

    // A new legal representative although he answered that it does not change: refused.
    let mut not_asked = form.clone();
    not_asked.insert("enterprise.new_legal_rep_name".into(), "王五".into());
    let (status, body) = node.submit_multipart(&lisi, &submission(&not_asked), &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "E_FORM_FIELD_INVALID");
    let details = body["error"]["details"].as_array().unwrap();
    assert_eq!(details.len(), 1, "{body}");
    assert_eq!(details[0]["field"], "form.enterprise.new_legal_rep_name");
    assert_eq!(details[0]["code"], "FIELD_NOT_ASKED");
    assert!(
        details[0]["message"].as_str().unwrap().contains("是否变更法定代表人"),
        "{body}"
    );

    let (status, case) = node.submit_multipart(&lisi, &submission(&form), &files).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["form"]["enterprise.name"]["value"], OLD_NAME);
    assert_eq!(case["form"]["enterprise.name"]["source"]["kind"], "shared");
    assert_eq!(case["form"]["enterprise.new_name"]["value"], NEW_NAME);
    assert!(case["form"].get("enterprise.new_legal_rep_name").is_none());

    // Nothing is a correction of shared data, and the receipt says so.
    let stored = node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case;
    assert!(stored.corrections.is_empty(), "{:?}", stored.corrections);
    let (status, receipt) = page_as(&node, &lisi, &format!("/my/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!receipt.contains("更正"), "{receipt}");
    assert!(receipt.contains("申请变更的事项"), "{receipt}");
    assert!(
        receipt.contains(&format!("由“{OLD_NAME}”变更为“{NEW_NAME}”")),
        "{receipt}"
    );

    // 市场监管's task page: 变更前 and 变更后 side by side; no row for what does not change.
    let sj = node.login("staff-sj").await;
    let (status, task) = page_as(&node, &sj, &format!("/workbench/cases/{id}/tasks/XK00601002")).await;
    assert_eq!(status, StatusCode::OK, "{task}");
    let changes = &task[task.find("变更事项").expect("a table of changes")..task.find("本事项所需的申请信息").unwrap()];
    assert!(
        changes.contains(&format!(
            "<th scope=\"row\">企业名称</th><td>{OLD_NAME}</td><td>{NEW_NAME}</td>"
        )),
        "{changes}"
    );
    assert!(changes.contains(NEW_ADDRESS), "{changes}");
    assert!(!changes.contains("法定代表人"), "{changes}");
    assert!(!task.contains("变更后法定代表人姓名"), "{task}");
    assert!(!task.contains("变更后经营范围"), "{task}");
    // The read is recorded with what the page showed, not the item's whole field list.
    let his = entries_about(&node, "applicant-lisi").await;
    let read = his
        .iter()
        .rev()
        .find(|e| e.detail == "read_task")
        .expect("the task read");
    assert!(read.elements.contains(&"enterprise.new_name".to_owned()), "{read:?}");
    assert!(
        !read.elements.contains(&"enterprise.new_legal_rep_name".to_owned()),
        "{read:?}"
    );

    // The tax office sees the same change through its own item, over the API too.
    let sw = node.login("staff-sw").await;
    approve(&node, &sj, &id, "XK00601002", json!({})).await;
    let (status, seen) = node.call("GET", &format!("/cases/{id}"), Some(&sw), None).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["form"]["enterprise.name"]["value"], OLD_NAME);
    assert_eq!(seen["form"]["enterprise.new_name"]["value"], NEW_NAME);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn his_enterprise_is_offered_from_the_registry_after_consent() {
    let node = change_node().await;
    let lisi = node.login("lisi").await;
    let query = "change_name=yes&change_legal_rep=no&change_address=yes&change_scope=no&has_employees_insured=no&has_housing_fund=no";
    let consent_page = format!("/one-things/enterprise-change/apply?{query}");
    let (status, html) = page_as(&node, &lisi, &consent_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("查找您担任法定代表人的企业"), "{html}");
    // Nothing of his positions is read before he agrees.
    assert!(
        !entries_about(&node, "applicant-lisi").await.iter().any(|e| e
            .purpose
            .as_deref()
            .unwrap_or_default()
            .contains("担任法定代表人"))
    );

    // He agrees and leaves the credit code empty: his only enterprise is used.
    let mut fields: Vec<(String, String)> = answers()
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (format!("answer.{k}"), v.as_str().unwrap().to_owned()))
        .collect();
    fields.push(("decision".into(), "agree".into()));
    fields.push(("enterprise".into(), String::new()));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, location) = post_form(
        &node,
        &lisi,
        &consent_page,
        "/one-things/enterprise-change/prefill",
        &borrowed,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.contains("prefill=PF-"), "{location}");
    let (status, form) = page_as(&node, &lisi, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains(&format!("value=\"{}\"", sharing::DEMO_ENTERPRISE_USCC)),
        "the credit code is filled: {form}"
    );
    assert!(form.contains(&format!("value=\"{OLD_NAME}\"")), "{form}");
    // The registered name is labelled 变更前, the new one asked beside it.
    assert!(form.contains("企业名称（变更前，登记信息）"), "{form}");
    assert!(form.contains(&format!("变更前（登记信息）：{OLD_NAME}")), "{form}");
    assert!(form.contains("name=\"enterprise.new_name\""), "{form}");
    assert!(!form.contains("name=\"enterprise.new_legal_rep_name\""), "{form}");

    // The read of his positions is in his data log, with his consent as its basis.
    let his = entries_about(&node, "applicant-lisi").await;
    let listed = his
        .iter()
        .find(|e| {
            e.purpose
                .as_deref()
                .unwrap_or_default()
                .contains("列出其担任法定代表人的企业")
        })
        .expect("an access entry for the offer");
    assert_eq!(listed.detail, "shared_read");

    // An integrator's prefill over the API: no credit code typed, consent given, and
    // his one enterprise is used.
    let prefill = json!({ "answers": answers(), "consent": true });
    let (status, api) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/prefill",
            Some(&lisi),
            Some(prefill.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{api}");
    assert_eq!(api["enterprise"], sharing::DEMO_ENTERPRISE_USCC);
    assert_eq!(api["values"]["enterprise.name"]["value"], OLD_NAME);

    // Someone who represents no enterprise is offered none and nothing is filled.
    let wangfang = node.login("wangfang").await;
    let (status, location) = post_form(
        &node,
        &wangfang,
        &consent_page,
        "/one-things/enterprise-change/prefill",
        &borrowed,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, form) = page_as(&node, &wangfang, &location).await;
    assert!(!form.contains(OLD_NAME), "{form}");

    // With two enterprises he chooses; one the index names but 法人库 does not
    // confirm (another representative now) is not offered.
    let second = "91350100M000100Y43";
    let stale = sharing::Generator::new(7).enterprises(1).next().unwrap();
    let record = |source: &str, subject: &str, pairs: &[(&str, &str)]| store::SharedRecord {
        source: source.into(),
        subject: subject.into(),
        attributes: pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    };
    let listed = format!("{},{second},{}", sharing::DEMO_ENTERPRISE_USCC, stale.subject);
    node.store
        .put_shared_records(&[
            record(
                "legal_entity",
                second,
                &[
                    ("name", "福州李四科技有限公司"),
                    ("legal_rep_id_number", sharing::DEMO_LISI_ID),
                ],
            ),
            record(
                "legal_entity",
                &stale.subject,
                &stale
                    .attributes
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect::<Vec<_>>(),
            ),
            record(
                "legal_rep_positions",
                sharing::DEMO_LISI_ID,
                &[("represented_enterprises", &listed)],
            ),
        ])
        .await
        .unwrap();
    let (_, html) = page_as(&node, &lisi, &consent_page).await;
    let token = csrf_in(&html);
    let mut with_token = borrowed.clone();
    with_token.push(("csrf", &token));
    let response = node
        .client
        .post(format!(
            "{}/one-things/enterprise-change/prefill",
            node.base.replace("/api/v1", "")
        ))
        .header("cookie", format!("onething_session={lisi}"))
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let choice = response.text().await.unwrap();
    assert!(choice.contains("选择要办理的企业"), "{choice}");
    assert!(
        choice.contains(&format!(
            "value=\"{}\" required> {OLD_NAME}",
            sharing::DEMO_ENTERPRISE_USCC
        )),
        "{choice}"
    );
    assert!(
        choice.contains("福州李四科技有限公司（统一社会信用代码 91350100M000100Y43）"),
        "{choice}"
    );
    assert!(!choice.contains(&stale.subject), "{choice}");
    assert_eq!(choice.matches("type=\"radio\" name=\"enterprise\"").count(), 2);

    // Over the API, two enterprises are listed for the next request to name one.
    let (status, api) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/prefill",
            Some(&lisi),
            Some(prefill.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{api}");
    assert_eq!(api["enterprise_required"], true);
    let offered: Vec<&str> = api["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uscc"].as_str().unwrap())
        .collect();
    assert_eq!(offered, [sharing::DEMO_ENTERPRISE_USCC, second]);
    assert!(api["prefill_id"].is_null(), "nothing prefilled until he names one");
    let mut named = prefill;
    named["enterprise"] = json!(second);
    let (status, api) = node
        .call(
            "POST",
            "/catalog/one-things/enterprise-change/prefill",
            Some(&lisi),
            Some(named),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{api}");
    assert_eq!(api["values"]["enterprise.name"]["value"], "福州李四科技有限公司");
}
