//! The harness of the HTTP tests: a real server on port 0 with a controlled clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::AppState;
use store::Store;

// ------------------------------------------------------------------ harness

pub struct Node {
    pub store: Arc<dyn Store>,
    /// The node's state, for what a test must drive directly (a watch tick).
    pub state: Arc<AppState>,
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<Mutex<DateTime<Utc>>>,
}

/// 10:00 in Beijing on the given day.
pub fn beijing_morning(date: &str) -> DateTime<Utc> {
    let date: NaiveDate = date.parse().unwrap();
    Utc.from_utc_datetime(&date.and_hms_opt(2, 0, 0).unwrap())
}

pub async fn spawn_node(store: Arc<dyn Store>, seed: bool) -> Node {
    spawn_node_with(store, seed, |_| {}).await
}

/// A node whose state `configure` adjusts before it serves (sources, algorithms…).
pub async fn spawn_node_with(store: Arc<dyn Store>, seed: bool, configure: impl FnOnce(&mut AppState)) -> Node {
    store.migrate().await.unwrap();
    let clock = Arc::new(Mutex::new(beijing_morning("2026-02-12")));
    let reader = clock.clone();
    let mut state = AppState::new(
        store.clone(),
        Arc::new(testkit::catalog()),
        Arc::new(testkit::calendar()),
    );
    state.clock = Arc::new(move || *reader.lock().unwrap());
    state.ledger_signer = Some(Arc::new(
        ledger::SignerKey::from_seed("test.local/ledger", &[7; 32]).unwrap(),
    ));
    configure(&mut state);
    let state = Arc::new(state);
    if seed {
        server::seed_demo_accounts(&state).await.unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = server::router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Node {
        store,
        state,
        base: format!("http://{address}/api/v1"),
        client: reqwest::Client::new(),
        clock,
    }
}

pub async fn sqlite_store() -> Arc<dyn Store> {
    let path = std::env::temp_dir().join(format!("onething-api-{}.db", rand_suffix()));
    Arc::new(store::SqliteStore::open(&path).await.unwrap())
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn postgres_url() -> String {
    std::env::var("ONETHING_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn postgres_store(schema: &str) -> Arc<dyn Store> {
    Arc::new(
        store::PostgresStore::connect_with_schema(&postgres_url(), schema)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for these tests: {e}", postgres_url())),
    )
}

pub fn new_schema() -> String {
    format!("api_{}", rand_suffix())
}

impl Node {
    pub async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(format!("{}/login", self.base))
            .json(&json!({ "username": username, "password": server::auth::DEMO_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login {username}");
        response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// `POST /cases` as multipart: `submission` (JSON) and a file per material.
    pub async fn submit_multipart(
        &self,
        token: &str,
        submission: &Value,
        files: &[(String, Vec<u8>)],
    ) -> (StatusCode, Value) {
        let (content_type, body) = testkit::multipart_submission(submission, files);
        let response = self
            .client
            .post(format!("{}/cases", self.base))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub fn set_date(&self, date: &str) {
        *self.clock.lock().unwrap() = beijing_morning(date);
    }
}

pub fn task<'a>(case: &'a Value, item: &str) -> &'a Value {
    case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item"] == item)
        .unwrap_or_else(|| panic!("no task {item} in {case}"))
}

pub fn task_state(case: &Value, item: &str) -> String {
    task(case, item)["state"].as_str().unwrap().to_owned()
}

pub fn newborn_answers() -> Value {
    json!({ "hukou_local": "yes", "parents_married": "yes", "insure_child": "yes", "maternity_claim": "yes" })
}

/// A complete, valid newborn form built from the plan the server computes.
pub async fn newborn_form(node: &Node) -> BTreeMap<String, String> {
    testkit::sample_form_from_json(&testkit::catalog(), &newborn_plan(node).await)
}

/// The newborn plan for [`newborn_answers`], as the API computes it.
pub async fn newborn_plan(node: &Node) -> Value {
    let (status, plan) = node
        .call(
            "POST",
            "/catalog/one-things/newborn/plan",
            None,
            Some(json!({ "answers": newborn_answers() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

/// Submits a newborn case over the API with its form, a scan for every material to
/// upload and every commitment accepted, as an integrator would.
pub async fn submit(node: &Node, token: &str, form: &BTreeMap<String, String>) -> Value {
    let (files, commitments) = testkit::sample_materials_from_json(&newborn_plan(node).await);
    let submission = json!({
        "one_thing": "newborn", "answers": newborn_answers(), "form": form, "commitments": commitments,
    });
    let (status, case) = node.submit_multipart(token, &submission, &files).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

pub async fn act(
    node: &Node,
    token: &str,
    case_id: &str,
    item: &str,
    action: &str,
    body: Value,
) -> (StatusCode, Value) {
    node.call(
        "POST",
        &format!("/cases/{case_id}/tasks/{item}/{action}"),
        Some(token),
        Some(body),
    )
    .await
}

pub async fn approve(node: &Node, token: &str, case_id: &str, item: &str, outputs: Value) -> Value {
    let (status, body) = act(node, token, case_id, item, "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "accept {item}: {body}");
    let (status, body) = act(node, token, case_id, item, "approve", json!({ "outputs": outputs })).await;
    assert_eq!(status, StatusCode::OK, "approve {item}: {body}");
    body
}

/// The routes declared in a source file of the server, `(path, methods)`: every
/// `.route("path", get(…).post(…))` of the pages, and every handler registered with
/// `routes!(…)` in the API, whose method and path are those of its
/// `#[utoipa::path(…)]` (from which utoipa-axum registers it). Read from the source so
/// that a new route cannot be left out of a table that must cover every route.
pub fn routes_in(file: &str) -> Vec<(String, Vec<&'static str>)> {
    let text = source(file);
    let mut routes: Vec<(String, Vec<&'static str>)> = Vec::new();
    for call in calls(&text, ".route(") {
        let Some(open) = call.find('"') else { continue };
        let Some(close) = call[open + 1..].find('"') else {
            continue;
        };
        let route = call[open + 1..open + 1 + close].to_owned();
        let methods: Vec<&'static str> = [("get(", "GET"), ("post(", "POST")]
            .into_iter()
            .filter(|(token, _)| call.contains(token))
            .map(|(_, method)| method)
            .collect();
        routes.push((route, methods));
    }
    for call in calls(&text, "routes!(") {
        for handler in call.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            // `crate::shared_api::read_shared` is in shared_api.rs; a bare name is here.
            let (handler_file, name) = match handler.strip_prefix("crate::").and_then(|h| h.rsplit_once("::")) {
                Some((module, name)) => (format!("{module}.rs"), name),
                None => (file.to_owned(), handler),
            };
            let (method, route) = documented_route(&source(&handler_file), name).unwrap_or_else(|| {
                panic!("{handler} in routes! of {file} has no #[utoipa::path] with a method and path")
            });
            match routes.iter_mut().find(|(path, _)| *path == route) {
                Some((_, methods)) => methods.push(method),
                None => routes.push((route, vec![method])),
            }
        }
    }
    routes
}

fn source(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The text of every call `opening…)` in `text`, without the opening and the closing
/// parenthesis.
fn calls<'a>(text: &'a str, opening: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(opening) {
        rest = &rest[start + opening.len()..];
        let mut depth = 1;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(&rest[..end]);
    }
    found
}

/// The method and path of the `#[utoipa::path(method, path = "…", …)]` right above
/// `fn name(` in `text`.
fn documented_route(text: &str, name: &str) -> Option<(&'static str, String)> {
    let function = text.find(&format!("async fn {name}("))?;
    let before = &text[..function];
    let attribute = before.rfind("#[utoipa::path(")?;
    // The attribute must belong to this function, not to one further up.
    if before[attribute..].contains("fn ") {
        return None;
    }
    let arguments = calls(&before[attribute..], "#[utoipa::path(").into_iter().next()?;
    let method = match arguments.trim_start().split(',').next()?.trim() {
        "get" => "GET",
        "post" => "POST",
        _ => return None,
    };
    let path_at = arguments.find("path = \"")? + "path = \"".len();
    let path = &arguments[path_at..path_at + arguments[path_at..].find('"')?];
    Some((method, path.to_owned()))
}

/// zhangsan logs in and submits a newborn case: their token, the case as answered,
/// its id and the form submitted.
pub async fn newborn_case(node: &Node) -> (String, Value, String, BTreeMap<String, String>) {
    let token = node.login("zhangsan").await;
    let form = newborn_form(node).await;
    let case = submit(node, &token, &form).await;
    let id = case["id"].as_str().unwrap().to_owned();
    (token, case, id, form)
}

/// A page as a logged-in user sees it (the API token is also the session cookie).
pub async fn page_as(node: &Node, token: &str, path: &str) -> (StatusCode, String) {
    let url = format!("{}{path}", node.base.replace("/api/v1", ""));
    let response = node
        .client
        .get(url)
        .header("cookie", format!("onething_session={token}"))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The hidden CSRF field of the first form on a page.
pub fn csrf_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    html[start..start + 32].to_owned()
}

/// POSTs a page form as the person holding `session`, with that session's token
/// from `page` (the page the form is on); returns the status and the redirect
/// target (empty when there is none).
pub async fn post_form(
    node: &Node,
    session: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let (_, html) = page_as(node, session, page).await;
    let token = csrf_in(&html);
    let mut fields = fields.to_vec();
    fields.push(("csrf", &token));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(format!("{}{action}", node.base.replace("/api/v1", "")))
        .header("cookie", format!("onething_session={session}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), location)
}

/// A newborn case that 卫健 refused (so it is finished), with its applicant's session.
pub async fn finished_case(node: &Node) -> (String, String) {
    let (applicant, _, id, _) = newborn_case(node).await;
    let wj = node.login("staff-wj").await;
    let (status, body) = act(
        node,
        &wj,
        &id,
        "GG00101001",
        "reject",
        json!({ "reason": "出生记录与医院登记不符" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (applicant, id)
}
