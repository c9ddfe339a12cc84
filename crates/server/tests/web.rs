//! The web security baseline, over HTTP: security headers, session cookie flags,
//! CSRF tokens on forms, no open redirects, and pages that check ownership.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use server::AppState;

struct Site {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn store::Store>,
}

async fn spawn() -> Site {
    let path = std::env::temp_dir().join(format!("onething-web-{}-{}.db", std::process::id(), rand_suffix()));
    let store: Arc<dyn store::Store> = Arc::new(store::SqliteStore::open(&path).await.unwrap());
    store.migrate().await.unwrap();
    let state = Arc::new(AppState::new(
        store.clone(),
        Arc::new(testkit::catalog()),
        Arc::new(testkit::calendar()),
    ));
    server::seed_demo_accounts(&state).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server::router(state)).await });
    Site {
        base: format!("http://{address}"),
        // No redirects followed: the tests look at them.
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        store,
    }
}

impl Site {
    /// Stores a newborn case for zhangsan as submitted at `when` with these answers.
    async fn seed_newborn(&self, id: &str, answers: &catalog::Answers, when: chrono::DateTime<chrono::Utc>) {
        let (catalog, calendar) = (testkit::catalog(), testkit::calendar());
        let newborn = catalog.one_thing("newborn").unwrap();
        let plan = catalog::compute_plan(
            &catalog,
            newborn,
            answers,
            &catalog::Holdings::default(),
            cases::china_date(when),
            &calendar,
        )
        .unwrap();
        let form = testkit::sample_form(&catalog, &plan);
        let id = cases::CaseId::parse(id).unwrap();
        let created = cases::Case::create(&catalog, &calendar, &plan, id, "applicant-zhangsan", &form, when).unwrap();
        self.store
            .insert_case(&created.case, &created.events, None)
            .await
            .unwrap();
    }

    /// A department accepts and approves a task at `when`, as its staff would.
    async fn approve(
        &self,
        id: &str,
        department: &str,
        item: &str,
        outputs: &[(&str, &str)],
        when: chrono::DateTime<chrono::Utc>,
    ) {
        let (catalog, calendar) = (testkit::catalog(), testkit::calendar());
        let versioned = self
            .store
            .load_case(&cases::CaseId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let actor = cases::Actor::Staff {
            account: format!("staff-{}", department.to_lowercase()),
            department: department.into(),
        };
        let item: ids::ItemCode = item.parse().unwrap();
        let accepted = versioned
            .case
            .act(&catalog, &calendar, &actor, &item, cases::Action::Accept, when)
            .unwrap();
        let outputs = outputs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let approved = accepted
            .case
            .act(
                &catalog,
                &calendar,
                &actor,
                &item,
                cases::Action::Approve { outputs },
                when,
            )
            .unwrap();
        let mut events = accepted.events;
        events.extend(approved.events);
        self.store
            .update_case(&approved.case, versioned.version, &events)
            .await
            .unwrap();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// The hidden CSRF field of the first form on a page.
fn csrf_field(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    html[start..start + 32].to_owned()
}

/// Logs in through the login form; returns the session cookie pair.
async fn login(site: &Site, username: &str, next: &str) -> (String, String) {
    let page = site.client.get(format!("{}/login", site.base)).send().await.unwrap();
    let pre = cookie_value(&cookies(page.headers())[0]);
    let csrf = csrf_field(&page.text().await.unwrap());
    let response = site
        .client
        .post(format!("{}/login", site.base))
        .header("cookie", &pre)
        .form(&[
            ("username", username),
            ("password", server::auth::DEMO_PASSWORD),
            ("csrf", &csrf),
            ("next", next),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let session = cookies(response.headers())
        .into_iter()
        .find(|c| c.starts_with("onething_session="))
        .unwrap();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    (cookie_value(&session), location)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_api_carry_security_headers() {
    let site = spawn().await;
    for path in [
        "/",
        "/one-things/newborn",
        "/api/v1/catalog/one-things",
        "/no-such-page",
    ] {
        let response = site.client.get(format!("{}{path}", site.base)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        // Nothing personal is kept by a browser cache or a proxy.
        assert_eq!(headers["cache-control"], "no-store", "{path}");
    }
    // Personal pages and API answers too (the review found none of them marked).
    let (session, _) = login(&site, "zhangsan", "/").await;
    for path in ["/my/cases", "/my/data-access", "/api/v1/me"] {
        let response = site
            .client
            .get(format!("{}{path}", site.base))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    // Static assets may be cached.
    let css = site
        .client
        .get(format!("{}/assets/app.css", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_its_csrf_token_is_refused_and_stores_nothing() {
    let site = spawn().await;
    let (session, _) = login(&site, "zhangsan", "/").await;
    // The application form is multipart (it carries files).
    let mut body = String::new();
    for (name, value) in [
        ("csrf", "00000000000000000000000000000000"),
        ("answer.hukou_local", "no"),
        ("answer.parents_married", "no"),
        ("answer.insure_child", "no"),
        ("answer.maternity_claim", "no"),
    ] {
        body.push_str(&format!(
            "--XBOUNDARY\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str("--XBOUNDARY--\r\n");
    let response = site
        .client
        .post(format!("{}/one-things/newborn/apply", site.base))
        .header("cookie", &session)
        .header("content-type", "multipart/form-data; boundary=XBOUNDARY")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("页面已过期"));
    assert!(
        site.store
            .cases_of_applicant("applicant-zhangsan")
            .await
            .unwrap()
            .is_empty()
    );

    // Logging out needs the token too.
    let response = site
        .client
        .post(format!("{}/logout", site.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), StatusCode::SEE_OTHER);
    let page = site
        .client
        .get(format!("{}/my/cases", site.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "still logged in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_never_redirects_to_another_site() {
    let site = spawn().await;
    let (_, location) = login(&site, "zhangsan", "//evil.example/steal").await;
    assert_eq!(location, "/my/cases");
    let (_, location) = login(&site, "zhangsan", "/one-things/newborn").await;
    assert_eq!(location, "/one-things/newborn");
    // Browsers read a backslash as a slash: `/\\evil` would lead to another host.
    // (A tab, which browsers drop, is refused outright: see the next test.)
    for foreign in ["/\\evil.example", "\\\\evil.example", "https://evil.example"] {
        let (_, location) = login(&site, "zhangsan", foreign).await;
        assert_eq!(location, "/my/cases", "{foreign:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_target_with_a_line_break_is_refused_without_a_session() {
    let site = spawn().await;
    for bad in ["/x\ny", "/x\r\nSet-Cookie: a=b", "/\t/evil.example", "/\u{0}"] {
        let page = site.client.get(format!("{}/login", site.base)).send().await.unwrap();
        let pre = cookie_value(&cookies(page.headers())[0]);
        let csrf = csrf_field(&page.text().await.unwrap());
        let response = site
            .client
            .post(format!("{}/login", site.base))
            .header("cookie", &pre)
            .form(&[
                ("username", "zhangsan"),
                ("password", server::auth::DEMO_PASSWORD),
                ("csrf", csrf.as_str()),
                ("next", bad),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(
            cookies(response.headers())
                .iter()
                .all(|c| !c.starts_with("onething_session=")),
            "no session for {bad:?}"
        );
    }
    for back in ["%2F%0A", "%2Fx%0D%0Ay", "%2F%09%2Fevil.example"] {
        let response = site
            .client
            .get(format!("{}/display?mode=large&back={back}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{back}");
        assert!(response.headers().get(LOCATION).is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_need_the_right_person() {
    let site = spawn().await;
    // Not logged in: sent to the login page, coming back afterwards.
    let response = site.client.get(format!("{}/my/cases", site.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    // An applicant is not staff.
    let (session, _) = login(&site, "zhangsan", "/").await;
    let response = site
        .client
        .get(format!("{}/workbench", site.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A case that is not yours, or does not exist, is not found.
    let response = site
        .client
        .get(format!("{}/my/cases/YJS20261122ABCDEFGH", site.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_modes_are_remembered_in_a_cookie() {
    let site = spawn().await;
    let response = site
        .client
        .get(format!("{}/display?mode=large&back=%2Fmy%2Fcases", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/my/cases");
    let cookie = cookie_value(&cookies(response.headers())[0]);
    assert_eq!(cookie, "onething_display=large");
    let page = site
        .client
        .get(format!("{}/", site.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<html lang=\"zh-CN\" class=\"large\">")
    );
    // A foreign "back" address is not followed.
    let response = site
        .client
        .get(format!("{}/display?mode=contrast&back=https://evil.example", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[LOCATION], "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_department_sees_who_is_late_and_sends_a_reminder() {
    let site = spawn().await;
    // A newborn case submitted weeks ago whose 出生医学证明 was approved then, so that
    // 户口登记 at 公安 is now late.
    let then = chrono::Utc::now() - chrono::Duration::days(30);
    site.seed_newborn("YJS20261001LATE0001", &testkit::newborn_all_yes(), then)
        .await;
    site.approve(
        "YJS20261001LATE0001",
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q1")],
        then,
    )
    .await;

    let (session, _) = login(&site, "staff-wj", "/").await;
    let page = site
        .client
        .get(format!("{}/workbench/lead", site.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("YJS20261001LATE0001") && html.contains("已逾期") && html.contains("催办公安局"),
        "{html}"
    );
    let csrf = csrf_field(&html);
    let response = site
        .client
        .post(format!(
            "{}/workbench/lead/YJS20261001LATE0001/QR00201001/remind",
            site.base
        ))
        .header("cookie", &session)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let inbox = site.store.notifications_for(&["dept:GA".to_owned()], 10).await.unwrap();
    assert!(
        inbox
            .iter()
            .any(|n| n.message.kind == "reminder" && n.message.title.contains("出生登记"))
    );

    // A department that leads nothing has no such view (税务 leads 纳税信用级别依授权查询
    // since the 2025 second batch; 住房公积金 leads none).
    let (gjj, _) = login(&site, "staff-gjj", "/").await;
    let page = site
        .client
        .get(format!("{}/workbench/lead", site.base))
        .header("cookie", &gjj)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_view_pages_through_every_open_case_however_old() {
    let site = spawn().await;
    let now = chrono::Utc::now();
    // The oldest open case comes last, after 52 newer ones: a page of 50, then the rest.
    site.seed_newborn(
        "YJS20260901OLD00001",
        &testkit::newborn_all_yes(),
        now - chrono::Duration::days(90),
    )
    .await;
    for n in 0..52 {
        let at = now - chrono::Duration::minutes(60 - n);
        site.seed_newborn(&format!("YJS20261130LEAD{n:04}"), &testkit::newborn_all_yes(), at)
            .await;
    }
    let (session, _) = login(&site, "staff-wj", "/").await;
    let get = |path: String| {
        let request = site
            .client
            .get(format!("{}{path}", site.base))
            .header("cookie", &session);
        async move { request.send().await.unwrap() }
    };
    let first = get("/workbench/lead".into()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let html = first.text().await.unwrap().replace("&#x2f;", "/");
    assert_eq!(html.matches("class=\"lead-case\"").count(), 50);
    assert!(html.contains("YJS20261130LEAD0051"), "the newest first");
    assert!(!html.contains("YJS20260901OLD00001"));
    let next = html
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|href| href.starts_with("/workbench/lead?cursor="))
        .expect("a link to the next page")
        .replace("&amp;", "&");
    let second = get(next).await.text().await.unwrap();
    assert_eq!(second.matches("class=\"lead-case\"").count(), 3);
    assert!(second.contains("YJS20260901OLD00001") && second.contains("已到最后一页"));

    // A cursor that is not one is a clear refusal, not an error page.
    let bad = get("/workbench/lead?cursor=not-a-cursor".into()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("翻页标记无效"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_show_the_figures_in_scope_and_export_them() {
    let site = spawn().await;
    let now = chrono::Utc::now();
    for n in 0..5 {
        site.seed_newborn(&format!("YJS20261122DASH{n:04}"), &testkit::newborn_all_yes(), now)
            .await;
    }
    let (admin, _) = login(&site, "admin", "/").await;
    let page = site
        .client
        .get(format!("{}/dashboard", site.base))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<dt>办件</dt><dd>5 件（办理中 5"),
        "{}",
        &html[..html.len().min(3000)]
    );
    assert!(html.contains("<svg"), "charts are drawn on the server");
    // The CSV is what metrics computes, with a byte-order mark for spreadsheets.
    let csv = site
        .client
        .get(format!("{}/dashboard/one-things.csv", site.base))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await.unwrap();
    assert!(body.starts_with('\u{FEFF}'));
    let newborn_line = body.lines().find(|l| l.starts_with("newborn,")).expect("a newborn row");
    assert!(newborn_line.split(',').nth(2) == Some("5"), "{newborn_line}");
    // Staff see their department only; applicants none.
    let (wj, _) = login(&site, "staff-wj", "/").await;
    let body = site
        .client
        .get(format!("{}/dashboard/departments.csv", site.base))
        .header("cookie", &wj)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body.lines().count(), 2, "header and 卫健's row: {body}");
    assert!(body.lines().nth(1).unwrap().starts_with("WJ,"));
    let (zhangsan, _) = login(&site, "zhangsan", "/").await;
    let page = site
        .client
        .get(format!("{}/dashboard", site.base))
        .header("cookie", &zhangsan)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_staff_record_a_rating_given_in_person_marked_as_such() {
    let site = spawn().await;
    let now = chrono::Utc::now();
    let answers = testkit::answers(&[
        ("hukou_local", "no"),
        ("parents_married", "no"),
        ("insure_child", "no"),
        ("maternity_claim", "no"),
    ]);
    site.seed_newborn("YJS20261122RATE0001", &answers, now).await;

    let (window, _) = login(&site, "staff-zw", "/").await;
    let page = site
        .client
        .get(format!("{}/window/rate?case=YJS20261122RATE0001", site.base))
        .header("cookie", &window)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("办件尚未办结"), "not before the case is finished");
    // Finish the case: both tasks (出生医学证明, then 预防接种证) approved.
    site.approve(
        "YJS20261122RATE0001",
        "WJ",
        "GG00101001",
        &[("child.birth_cert_no", "Q1")],
        now,
    )
    .await;
    site.approve("YJS20261122RATE0001", "JK", "GG00102001", &[], now).await;
    let page = site
        .client
        .get(format!("{}/window/rate?case=YJS20261122RATE0001", site.base))
        .header("cookie", &window)
        .send()
        .await
        .unwrap();
    let csrf = csrf_field(&page.text().await.unwrap());
    let response = site
        .client
        .post(format!("{}/window/rate", site.base))
        .header("cookie", &window)
        .form(&[
            ("csrf", csrf.as_str()),
            ("case", "YJS20261122RATE0001"),
            ("level", "5"),
            ("comment", "窗口服务很好"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let rating = site.store.rating_of_case("YJS20261122RATE0001").await.unwrap().unwrap();
    assert!(rating.on_behalf, "marked as given at the window");
    assert_eq!((rating.level, rating.account.as_str()), (5, "staff-zw"));
    // The applicant sees it marked; other staff cannot use the window page.
    let (zhangsan, _) = login(&site, "zhangsan", "/").await;
    let html = site
        .client
        .get(format!("{}/my/cases/YJS20261122RATE0001", site.base))
        .header("cookie", &zhangsan)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("非常满意（窗口代评）"));
    let (wj, _) = login(&site, "staff-wj", "/").await;
    let page = site
        .client
        .get(format!("{}/window/rate", site.base))
        .header("cookie", &wj)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_for_weak_networks() {
    let site = spawn().await;
    for path in ["/", "/assets/app.css", "/assets/app.js"] {
        let plain = site.client.get(format!("{}{path}", site.base)).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none(), "only when asked");
        let plain_size = plain.bytes().await.unwrap().len();
        let gzip = site
            .client
            .get(format!("{}{path}", site.base))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzip.headers()["content-encoding"], "gzip", "{path}");
        assert!(gzip.headers().get("content-security-policy").is_some(), "headers kept");
        let gzip_size = gzip.bytes().await.unwrap().len();
        assert!(gzip_size * 2 < plain_size, "{path}: {gzip_size} vs {plain_size}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_page_and_a_report_notice_say_what_one_receives() {
    let site = spawn().await;
    let home = site.client.get(format!("{}/", site.base)).send().await.unwrap();
    let html = home.text().await.unwrap();
    assert!(
        html.contains("/groups/enterprise-entry") && html.contains("出生—入学一类事"),
        "{html}"
    );
    // A person's own credit report is listed among a person's things (生活), the
    // enterprise's among an enterprise's.
    let person = html.find("个人办事（按人生阶段）").unwrap();
    let enterprise = html.find("企业办事（按企业生命周期）").unwrap();
    let personal_credit = html.find(r#"href="/one-things/personal-credit-report""#).unwrap();
    let enterprise_credit = html.find(r#"href="/one-things/credit-report""#).unwrap();
    assert!(person < personal_credit && personal_credit < enterprise && enterprise < enterprise_credit);

    let page = site
        .client
        .get(format!("{}/groups/birth-to-school", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("新生儿出生一件事") && html.contains("育儿补贴申领") && html.contains("只交一次"),
        "{html}"
    );
    let missing = site
        .client
        .get(format!("{}/groups/no-such-group", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let questions = site
        .client
        .get(format!("{}/one-things/tax-credit-query", site.base))
        .send()
        .await
        .unwrap();
    let html = questions.text().await.unwrap();
    assert!(html.contains("出具一份《纳税信用级别查询结果》"), "{html}");

    // The notice of a report one-thing: the one document, from whom, about what, for
    // which period, in how many working days, with the answering departments.
    let notice = site
        .client
        .get(format!(
            "{}/one-things/listing-compliance/notice?period=three_years&import_export=yes",
            site.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(notice.status(), StatusCode::OK);
    let html = notice.text().await.unwrap();
    for part in [
        "您将收到",
        "《企业上市合法合规信息核查报告（专项信用报告）》",
        "由发展和改革委员会（社会信用体系建设）汇总出具",
        "核查期间：近三年（首次公开发行并上市）",
        "4 个工作日内出具",
        "海关：海关领域违法违规记录核查（企业信用状况）",
    ] {
        assert!(html.contains(part), "{part} missing in {html}");
    }
}
