//! Regression tests for the findings of the security review (issue: privacy and
//! security findings). Each failed before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::*;

/// Finding 2: supervisors saw task outputs (the child's ID number) in full while the
/// same element was masked in the form. One rule covers every place it appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_and_auditors_see_sensitive_outputs_masked_like_the_form() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (_, _, id, _) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    node.set_date("2026-02-24");
    let ga = node.login("staff-ga").await;
    approve(
        &node,
        &ga,
        &id,
        "QR00201001",
        json!({ "child.id_number": "110105202602100016" }),
    )
    .await;

    for role in ["admin", "auditor"] {
        let token = node.login(role).await;
        let (status, view) = node.call("GET", &format!("/cases/{id}"), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let form_value = view["form"]["child.id_number"]["value"].as_str().unwrap();
        let output = task(&view, "QR00201001")["outputs"]["child.id_number"]
            .as_str()
            .unwrap();
        assert_ne!(output, "110105202602100016", "{role} sees the output in full");
        assert_eq!(output, form_value, "{role}: one masking rule for form and outputs");
        assert!(
            !view.to_string().contains("110105202602100016"),
            "{role}: nowhere in the view"
        );
    }
    // The applicant sees their child's number; the department that produced it too.
    let applicant = node.login("zhangsan").await;
    let (_, mine) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(
        task(&mine, "QR00201001")["outputs"]["child.id_number"],
        "110105202602100016"
    );
    let (_, theirs) = node.call("GET", &format!("/cases/{id}"), Some(&ga), None).await;
    assert_eq!(
        task(&theirs, "QR00201001")["outputs"]["child.id_number"],
        "110105202602100016"
    );
}

/// Finding 1: the checks a department may ask are declared per item and checked when
/// the catalog and sources load: one that reads an attribute it does not declare, or
/// declares one it does not read, or does not compile, is refused.
#[test]
fn declared_checks_must_read_exactly_what_they_declare() {
    let sources = std::fs::read_to_string(testkit::catalog_dir().join("sources.toml")).unwrap();
    let with_check = |check: &str| {
        let mut files = testkit::catalog_files();
        let file = files.iter_mut().find(|f| f.path == "items/GG00101001.toml").unwrap();
        file.text = format!("{}\n{check}", file.text);
        catalog::Catalog::load(&files).unwrap()
    };
    let good = with_check(
        "[[check]]\nid = \"applicant_from_lanzhou\"\nname = \"申请人户籍是否在兰州市\"\nexpression = \"hukou_city == '兰州市'\"\nreads = [\"hukou_city\"]\nlegal_basis = \"测试\"\n",
    );
    assert!(server::sharing::load_registry("sources.toml", &sources, &good).is_ok());
    for (check, expected) in [
        (
            "[[check]]\nid = \"sneaky\"\nname = \"申请人是否年满18周岁\"\nexpression = \"age >= 18 && marriage_cert_no.startsWith('J')\"\nreads = [\"birth_date\"]\nlegal_basis = \"测试\"\n",
            "读取了“marriage_cert_no”，但 reads 中没有列出",
        ),
        (
            "[[check]]\nid = \"padded\"\nname = \"申请人是否年满18周岁\"\nexpression = \"age >= 18\"\nreads = [\"birth_date\", \"address\"]\nlegal_basis = \"测试\"\n",
            "reads 列出了“address”，但表达式并不读取",
        ),
        (
            "[[check]]\nid = \"broken\"\nname = \"工资\"\nexpression = \"salary > 10000\"\nreads = [\"salary\"]\nlegal_basis = \"测试\"\n",
            "表达式无效",
        ),
        (
            "[[check]]\nid = \"by_key\"\nname = \"身份号码\"\nexpression = \"id_number.startsWith('62')\"\nreads = [\"birth_date\"]\nlegal_basis = \"测试\"\n",
            "读取了公民身份号码本身",
        ),
    ] {
        let problems = server::sharing::load_registry("sources.toml", &sources, &with_check(check)).unwrap_err();
        assert!(problems.iter().any(|p| p.contains(expected)), "{problems:?}");
    }
    // The catalog itself refuses a check without a name or legal basis.
    let mut files = testkit::catalog_files();
    let file = files.iter_mut().find(|f| f.path == "items/GG00101001.toml").unwrap();
    file.text = format!(
        "{}\n[[check]]\nid = \"Bad-Id\"\nname = \"\"\nexpression = \"age >= 18\"\nreads = [\"birth_date\"]\nlegal_basis = \" \"\n",
        file.text
    );
    let problems = catalog::Catalog::load(&files).unwrap_err().to_string();
    assert!(problems.contains("核验标识“Bad-Id”"), "{problems}");
    assert!(problems.contains("请填写核验问题"), "{problems}");
    assert!(problems.contains("请填写法律依据"), "{problems}");
}

/// Finding 5: 200 wrong passwords in 2 s were answered 401 until the address limit,
/// and the right one worked at once afterwards. Now a username is locked after five
/// failures in a row, for the right password too, and an unknown name is treated the
/// same (its lock says nothing about whether the account exists).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_lock_the_username_with_back_off() {
    let node = spawn_node(sqlite_store().await, true).await;
    let login = |username: &'static str, password: &'static str| {
        let node = &node;
        async move {
            node.call(
                "POST",
                "/login",
                None,
                Some(json!({ "username": username, "password": password })),
            )
            .await
        }
    };
    for username in ["zhangsan", "nobody-at-all"] {
        for attempt in 1..=4 {
            let (status, body) = login(username, "wrong-password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{username} attempt {attempt}: {body}");
            assert_eq!(body["error"]["code"], "E_LOGIN_FAILED");
        }
        // The fifth failure locks.
        let (status, body) = login(username, "wrong-password").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{username}: {body}");
        assert_eq!(body["error"]["code"], "E_LOGIN_LOCKED");
        assert!(body["error"]["message"].as_str().unwrap().contains("1 分钟后再试"));
    }
    // Locked: the right password is refused too, and no session is made.
    let (status, body) = login("zhangsan", server::auth::DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.get("token").is_none());
    // Another account is not affected.
    let (status, _) = login("lisi", server::auth::DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // A minute later one more wrong password locks for two minutes (back-off)…
    *node.clock.lock().unwrap() += chrono::Duration::seconds(61);
    let (status, body) = login("zhangsan", "wrong-password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("2 分钟后再试"),
        "{body}"
    );
    // …and after that the right password works and clears the count.
    *node.clock.lock().unwrap() += chrono::Duration::seconds(121);
    let (status, body) = login("zhangsan", server::auth::DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = login("zhangsan", "wrong-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the count starts again");
}

/// The lock holds across nodes: failures on one node of a PostgreSQL deployment
/// lock the username on every node (an attacker cannot spread guesses over them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_username_locked_on_one_node_is_locked_on_every_node() {
    let schema = new_schema();
    let node_a = spawn_node(postgres_store(&schema).await, true).await;
    let node_b = spawn_node(postgres_store(&schema).await, false).await;
    async fn wrong(node: &Node) -> (StatusCode, serde_json::Value) {
        let body = json!({ "username": "ZhangSan ", "password": "wrong-password" });
        node.call("POST", "/login", None, Some(body)).await
    }
    for node in [&node_a, &node_b, &node_a, &node_b] {
        let (status, body) = wrong(node).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // The fifth failure, on either node, locks the name everywhere, however spelt.
    let (status, _) = wrong(&node_a).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, body) = node_b
        .call(
            "POST",
            "/login",
            None,
            Some(json!({ "username": "zhangsan", "password": server::auth::DEMO_PASSWORD })),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "E_LOGIN_LOCKED");
}

/// Finding 10: an approval accepted `child.birth_cert_no = "\u{feff}"` and a
/// supplement request accepted a reason of one zero-width space.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invisible_outputs_and_reasons_are_refused_and_change_nothing() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, id, form) = newborn_case(&node).await;
    let wj = node.login("staff-wj").await;
    let (status, _) = act(&node, &wj, &id, "GG00101001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = act(
        &node,
        &wj,
        &id,
        "GG00101001",
        "approve",
        json!({ "outputs": { "child.birth_cert_no": "\u{feff}" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "FIELD_REQUIRED");
    let (status, body) = act(
        &node,
        &wj,
        &id,
        "GG00101001",
        "request-supplement",
        json!({ "reasons": ["\u{200b}"] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("不能为空"),
        "{body}"
    );
    let (_, now) = node.call("GET", &format!("/cases/{id}"), Some(&wj), None).await;
    assert_eq!(task_state(&now, "GG00101001"), "accepted", "nothing changed");
    // A phone number of "-1" is not a phone number.
    let mut bad = form.clone();
    bad.insert("person.phone".into(), "-1".into());
    let (status, body) = node
        .call(
            "POST",
            "/cases",
            Some(&applicant),
            Some(json!({ "one_thing": "newborn", "answers": newborn_answers(), "form": bad })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "form.person.phone");
}

/// Finding 11: a department whose task was still waiting for another department
/// could read the case's fields. It sees the case from the moment its task reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_sees_a_case_only_once_its_task_reaches_it() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (_, case, id, _) = newborn_case(&node).await;
    assert_eq!(task_state(&case, "QR00201001"), "waiting");
    let ga = node.login("staff-ga").await;
    let (status, body) = node.call("GET", &format!("/cases/{id}"), Some(&ga), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "E_CASE_NOT_FOUND");
    let (status, _) = act(&node, &ga, &id, "QR00201001", "accept", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = node
        .client
        .get(format!(
            "{}/workbench/cases/{id}/tasks/QR00201001",
            node.base.replace("/api/v1", "")
        ))
        .header("cookie", format!("onething_session={ga}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // Dispatched: now it does, and only its own tasks and their fields.
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    let (status, view) = node.call("GET", &format!("/cases/{id}"), Some(&ga), None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert!(
        view["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["department"] == "GA")
    );
    assert_eq!(task_state(&view, "QR00201001"), "dispatched");
}

/// Finding 7: the birth certificate's surface data carried the applicant's phone, and
/// anyone with a share link saw it. A certificate now carries only the surface data
/// its type declares, and a share link shows only the 公开 part of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_carry_their_declared_surface_and_share_links_show_only_public_fields() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let mut form = newborn_form(&node).await;
    // Values that can be told apart on the page.
    form.insert("mother.name".into(), "王芳芳".into());
    form.insert("father.name".into(), "刘强强".into());
    form.insert("child.birth_hospital".into(), "兰州市妇幼保健院".into());
    form.insert("person.phone".into(), "13912345678".into());
    let phone = form["person.phone"].clone();
    let case = submit(&node, &applicant, &form).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let wj = node.login("staff-wj").await;
    approve(
        &node,
        &wj,
        &id,
        "GG00101001",
        json!({ "child.birth_cert_no": "Q440312345" }),
    )
    .await;
    let (_, mine) = node.call("GET", "/me/certificates", Some(&applicant), None).await;
    let certificate_id = mine["certificates"][0]["id"].as_str().unwrap().to_owned();
    let (status, file) = node
        .call(
            "GET",
            &format!("/certificates/{certificate_id}/file"),
            Some(&applicant),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let mut keys: Vec<&str> = file["certificate"]["data"]
        .as_object()
        .unwrap_or_else(|| panic!("{file}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "case_id",
            "child.birth_cert_no",
            "child.birth_date",
            "child.birth_hospital",
            "child.name",
            "child.sex",
            "father.name",
            "mother.name"
        ]
    );
    assert!(!file.to_string().contains(&phone), "no phone on the certificate");

    // A share link, made as the holder would on the page.
    let site = node.base.replace("/api/v1", "");
    let cookie = format!("onething_session={applicant}");
    let page = node
        .client
        .get(format!("{site}/my/certificates/{certificate_id}"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let made = no_redirect
        .post(format!("{site}/my/certificates/{certificate_id}/share"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let location = made.headers()["location"].to_str().unwrap().to_owned();
    let token = location.split("share=").nth(1).unwrap().to_owned();
    let shared = node
        .client
        .get(format!("{site}/verify/s/{token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hospital = &form["child.birth_hospital"];
    assert!(shared.contains(hospital.as_str()), "the 公开 birth hospital is shown");
    assert!(!shared.contains(&phone), "no phone");
    assert!(!shared.contains(&form["mother.name"]), "内部 fields are not shown");
    assert!(!shared.contains(&form["child.birth_date"]), "敏感 fields are not shown");
}

/// Finding 11: no Secure cookie flag or HSTS when served over HTTPS behind a proxy;
/// it follows the configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let plain = spawn_node(sqlite_store().await, true).await;
    let secure = spawn_node_with(sqlite_store().await, true, |state| state.https = true).await;
    for (node, https) in [(&plain, false), (&secure, true)] {
        let site = node.base.replace("/api/v1", "");
        let response = node.client.get(format!("{site}/login")).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers.contains_key("strict-transport-security"), https);
        let cookies: Vec<&str> = headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(!cookies.is_empty());
        assert!(cookies.iter().all(|c| c.contains("; Secure") == https), "{cookies:?}");
    }
}

/// Finding 11: the anonymous plan and ledger-proof endpoints were not rate-limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_plans_and_proofs_are_rate_limited() {
    let node = spawn_node_with(sqlite_store().await, true, |state| {
        state.public_limit = Some(std::sync::Arc::new(server::limit::RateLimiter::new(1.0, 3.0)));
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, _) = node
            .call(
                "POST",
                "/catalog/one-things/newborn/plan",
                None,
                Some(json!({ "answers": newborn_answers() })),
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(&statuses[..3], [StatusCode::OK; 3]);
    assert!(statuses[3..].contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let (status, body) = node
        .call("GET", "/ledger/proof/inclusion?index=0&size=1", None, None)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "E_TOO_MANY_REQUESTS");
}

/// Finding 11: supervisors downloaded raw uploads (ID card scans) while every value
/// shown to them is masked. They are refused; the applicant and the department whose
/// item needs the material still get the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_cannot_download_uploaded_scans() {
    let node = spawn_node(sqlite_store().await, true).await;
    let (applicant, _, id, _) = newborn_case(&node).await;
    let bytes = b"\x89PNG\r\n\x1a\n fake scan".to_vec();
    let upload = store::Upload {
        id: "UP-1".into(),
        case_id: id.clone(),
        material: "parents_id_card".into(),
        file_name: "id.png".into(),
        content_type: "image/png".into(),
        size: bytes.len() as i64,
        sha256: "0".repeat(64),
        uploaded_at: node.state.now(),
        uploaded_by: "applicant-zhangsan".into(),
    };
    // Stored as the application form stores it, beside an unrelated case.
    let other = cases::CaseId::parse("YJS20260212UPLOAD01").unwrap();
    let mut copy = node
        .store
        .load_case(&cases::CaseId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .case;
    copy.id = other.clone();
    node.store
        .insert_case_with_uploads(
            &copy,
            &[],
            None,
            &[(
                store::Upload {
                    case_id: other.to_string(),
                    ..upload
                },
                bytes,
            )],
            &[],
        )
        .await
        .unwrap();
    let site = node.base.replace("/api/v1", "");
    let get = |token: String| {
        let url = format!("{site}/files/{other}/UP-1");
        let client = node.client.clone();
        async move {
            client
                .get(url)
                .header("cookie", format!("onething_session={token}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(get(node.login("admin").await).await, StatusCode::NOT_FOUND);
    assert_eq!(get(node.login("auditor").await).await, StatusCode::NOT_FOUND);
    assert_eq!(get(applicant.clone()).await, StatusCode::OK);
    assert_eq!(get(node.login("staff-wj").await).await, StatusCode::OK);
}

/// 好差评: a rating of 1 or 2 (不满意, 非常不满意) opens a rectification for each
/// department rated that low, or for the lead department when no department was;
/// 3, 4 and 5 open none. Every level, overall and per department.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rating_level_opens_rectifications_exactly_at_one_and_two() {
    let node = spawn_node(sqlite_store().await, true).await;
    let applicant = node.login("zhangsan").await;
    let form = newborn_form(&node).await;
    let submitted = submit(&node, &applicant, &form).await;
    let id = cases::CaseId::parse(submitted["id"].as_str().unwrap()).unwrap();
    let case = node.store.load_case(&id).await.unwrap().unwrap().case;
    let rating = |level: i64| store::Rating {
        case_id: id.to_string(),
        account: case.applicant.clone(),
        level,
        comment: String::new(),
        on_behalf: false,
        rated_at: node.state.now(),
    };
    let department = |code: &str, level: i64| store::DepartmentRating {
        case_id: id.to_string(),
        department: code.into(),
        level,
        comment: String::new(),
        rated_at: node.state.now(),
    };
    for level in 1..=5 {
        // Overall only: the lead department answers for a bad one.
        let overall =
            server::watch::rating_submission(&node.state, &case, rating(level), Vec::new(), Vec::new()).unwrap();
        let opened: Vec<&str> = overall.rectifications.iter().map(|r| r.department.as_str()).collect();
        if level <= 2 {
            assert_eq!(opened, ["WJ"], "level {level}");
        } else {
            assert!(opened.is_empty(), "level {level}: {opened:?}");
        }
        // Per department: each department rated at this level.
        let each = server::watch::rating_submission(
            &node.state,
            &case,
            rating(5),
            Vec::new(),
            vec![department("GA", level), department("YB", 5)],
        )
        .unwrap();
        let opened: Vec<&str> = each.rectifications.iter().map(|r| r.department.as_str()).collect();
        if level <= 2 {
            assert_eq!(opened, ["GA"], "department level {level}");
        } else {
            assert!(opened.is_empty(), "department level {level}: {opened:?}");
        }
    }
}

/// 好差评 as people do it, over HTTP: the applicant rates a finished case
/// 非常不满意 for 卫健 on the case page; 卫健's staff close the rectification on the
/// workbench with its result; the applicant's inbox then carries that result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rectification_closed_on_the_workbench_reaches_the_applicants_inbox() {
    let node = spawn_node(sqlite_store().await, true).await;
    // 卫健 refuses the 出生医学证明; the items that need it end with it.
    let (applicant, id) = finished_case(&node).await;
    let wj = node.login("staff-wj").await;
    let (_, case) = node.call("GET", &format!("/cases/{id}"), Some(&applicant), None).await;
    assert_eq!(case["state"], "rejected", "{case}");

    let (status, location) = post_form(
        &node,
        &applicant,
        &format!("/my/cases/{id}"),
        &format!("/my/cases/{id}/rating"),
        &[
            ("level", "1"),
            ("department.WJ", "1"),
            ("comment", "出生证明被退回，没有说清原因"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "rating refused");
    assert_eq!(location, format!("/my/cases/{id}"));

    // 卫健's list shows the rectification; its page closes it.
    let (status, list) = page_as(&node, &wj, "/workbench/rectifications").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.replace("&#x2f;", "/");
    let start = list
        .find("/workbench/rectifications/")
        .expect("a rectification for 卫健");
    let link: String = list[start..].chars().take_while(|c| *c != '"').collect();
    let (status, location) = post_form(
        &node,
        &wj,
        &link,
        &link,
        &[
            ("follow_up", "已电话回访申请人，说明退回原因"),
            ("result", "退回时写明需补充的出生记录"),
            ("close", "yes"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "closing refused");
    assert_eq!(location, link);

    let (status, inbox) = page_as(&node, &applicant, "/inbox").await;
    assert_eq!(status, StatusCode::OK);
    assert!(inbox.contains("整改结果：新生儿出生一件事"), "{inbox}");
    assert!(inbox.contains("退回时写明需补充的出生记录"), "{inbox}");
    // Another applicant's inbox has none of it.
    let (_, other) = page_as(&node, &node.login("lisi").await, "/inbox").await;
    assert!(!other.contains("整改结果"), "{other}");
}
