//! Server-rendered pages: the citizen portal and the department workbench.
//!
//! Every page works without JavaScript; `assets/app.js` only adds drafts and early
//! hints. Sessions are HttpOnly SameSite cookies holding the same random token as
//! the API's bearer sessions; every form carries a CSRF token derived from it.
//! Every page checks ownership or department on the server.

// Handlers return `Result<_, Response>` so that a refusal is the page the user sees;
// the response is built once per request, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

mod admin;
mod benefits;
mod certificates;
mod dashboard;
mod files;
mod intake;
mod lead;
mod portal;
mod rectify;
mod workbench;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::Account;
use minijinja::{Environment, Value as JinjaValue, context};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth;

pub(crate) use crate::local_time;

pub(crate) type Shared = State<Arc<AppState>>;

const SESSION_COOKIE: &str = "onething_session";
const PRE_SESSION_COOKIE: &str = "onething_pre";
const DISPLAY_COOKIE: &str = "onething_display";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(portal::home))
        .route("/intake", get(intake::form).post(intake::propose))
        .route("/intake/confirm", post(intake::confirm))
        .route("/one-things/{id}", get(portal::one_thing))
        .route("/groups/{id}", get(portal::group))
        .route("/one-things/{id}/notice", get(portal::notice))
        .route(
            "/one-things/{id}/apply",
            get(portal::apply_form)
                .post(portal::apply_submit)
                .layer(axum::extract::DefaultBodyLimit::max(files::MAX_FORM_BYTES)),
        )
        .route("/one-things/{id}/prefill", post(portal::prefill_consent))
        .route("/my/certificates", get(certificates::wallet))
        .route("/my/certificates/claim", post(certificates::claim))
        .route("/my/certificates/{id}", get(certificates::show))
        .route("/my/certificates/{id}/file", get(certificates::download))
        .route("/my/certificates/{id}/share", post(certificates::share))
        .route(
            "/verify",
            get(certificates::verify_form).post(certificates::verify_upload),
        )
        .route("/verify/s/{token}", get(certificates::verify_shared))
        .route("/verify/number", get(certificates::verify_by_number))
        .route("/verify/{id}", get(certificates::verify_by_id))
        .route("/workbench/certificates/{id}/revoke", post(certificates::revoke))
        .route(
            "/workbench/cases/{id}/tasks/{item}/question",
            post(workbench::task_question),
        )
        .route("/files/{id}/{upload}", get(files::download))
        .route("/my/cases", get(portal::my_cases))
        .route("/my/cases/{id}", get(portal::my_case))
        .route(
            "/my/cases/{id}/supplement",
            post(portal::answer_supplement).layer(axum::extract::DefaultBodyLimit::max(files::MAX_FORM_BYTES)),
        )
        .route("/my/cases/{id}/rating", post(portal::rate_case))
        .route("/my/data-access", get(portal::data_access))
        .route("/my/benefits", get(benefits::mine))
        .route("/my/benefits/{id}/{action}", post(benefits::decide))
        .route("/workbench/policies", get(benefits::policies))
        .route("/workbench/policies/{id}", get(benefits::policy))
        .route("/workbench/policies/{id}/run", post(benefits::run))
        .route("/workbench/policies/{id}/findings.csv", get(benefits::export))
        .route("/workbench/policies/{id}/confirm", post(benefits::confirm))
        .route(
            "/workbench/policies/{id}/findings/{finding}/answer",
            post(benefits::answer),
        )
        .route("/inbox", get(inbox))
        .route("/login", get(login_page).post(login_submit))
        .route("/login/oidc", get(oidc_start))
        .route("/login/oidc/callback", get(oidc_callback))
        .route("/logout", post(logout))
        .route("/display", get(display))
        .route("/workbench", get(workbench::queue))
        .route("/workbench/cases/{id}/tasks/{item}", get(workbench::task_page))
        .route(
            "/workbench/cases/{id}/tasks/{item}/{action}",
            post(workbench::task_action),
        )
        .route("/admin", get(admin::overview))
        .route("/admin/one-things/{id}", get(admin::one_thing))
        .route("/admin/cases", get(admin::cases))
        .route("/admin/cases/{id}", get(admin::case))
        .route("/admin/calendar", get(admin::calendar).post(admin::calendar_import))
        .route(
            "/admin/service-clients",
            get(admin::service_clients).post(admin::service_clients_change),
        )
        .route("/admin/webhooks", get(admin::webhooks).post(admin::webhook_create))
        .route("/admin/webhooks/{id}/disable", post(admin::webhook_disable))
        .route("/admin/webhooks/{id}/enable", post(admin::webhook_enable))
        .route(
            "/admin/webhooks/{id}/dead-letters/{seq}/replay",
            post(admin::webhook_replay),
        )
        .route("/admin/rectifications", get(rectify::supervisor_list))
        .route("/admin/rectifications/{id}", get(rectify::supervisor_show))
        .route("/workbench/rectifications", get(rectify::department_list))
        .route("/workbench/lead", get(lead::overview))
        .route("/dashboard", get(dashboard::show))
        .route(
            "/window/rate",
            get(portal::window_rate_form).post(portal::window_rate_submit),
        )
        .route("/dashboard/{name}", get(dashboard::csv))
        .route("/workbench/lead/{id}/{item}/remind", post(lead::remind))
        .route(
            "/workbench/rectifications/{id}",
            get(rectify::show).post(rectify::update),
        )
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script))
}

// ---------------------------------------------------------------- templates

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let sources: [(&str, &str); 33] = [
            ("benefits.html", include_str!("../../templates/benefits.html")),
            ("group.html", include_str!("../../templates/group.html")),
            ("policies.html", include_str!("../../templates/policies.html")),
            (
                "admin_calendar.html",
                include_str!("../../templates/admin_calendar.html"),
            ),
            (
                "admin_webhooks.html",
                include_str!("../../templates/admin_webhooks.html"),
            ),
            ("window_rate.html", include_str!("../../templates/window_rate.html")),
            ("dashboard.html", include_str!("../../templates/dashboard.html")),
            ("lead.html", include_str!("../../templates/lead.html")),
            ("rectification.html", include_str!("../../templates/rectification.html")),
            (
                "rectifications.html",
                include_str!("../../templates/rectifications.html"),
            ),
            ("inbox.html", include_str!("../../templates/inbox.html")),
            ("data_access.html", include_str!("../../templates/data_access.html")),
            ("admin.html", include_str!("../../templates/admin.html")),
            (
                "admin_one_thing.html",
                include_str!("../../templates/admin_one_thing.html"),
            ),
            ("admin_cases.html", include_str!("../../templates/admin_cases.html")),
            (
                "admin_service_clients.html",
                include_str!("../../templates/admin_service_clients.html"),
            ),
            ("admin_case.html", include_str!("../../templates/admin_case.html")),
            ("base.html", include_str!("../../templates/base.html")),
            ("home.html", include_str!("../../templates/home.html")),
            ("intake.html", include_str!("../../templates/intake.html")),
            ("one_thing.html", include_str!("../../templates/one_thing.html")),
            ("notice.html", include_str!("../../templates/notice.html")),
            ("apply.html", include_str!("../../templates/apply.html")),
            ("login.html", include_str!("../../templates/login.html")),
            ("my_cases.html", include_str!("../../templates/my_cases.html")),
            ("case.html", include_str!("../../templates/case.html")),
            ("workbench.html", include_str!("../../templates/workbench.html")),
            ("task.html", include_str!("../../templates/task.html")),
            ("message.html", include_str!("../../templates/message.html")),
            ("consent.html", include_str!("../../templates/consent.html")),
            ("wallet.html", include_str!("../../templates/wallet.html")),
            ("certificate.html", include_str!("../../templates/certificate.html")),
            ("verify.html", include_str!("../../templates/verify.html")),
        ];
        for (name, source) in sources {
            if let Err(error) = env.add_template(name, source) {
                tracing::error!(template = name, %error, "template does not compile");
            }
        }
        // A date as people should read it: dates from the first provisional day on
        // (a year whose holiday notice is not loaded) are 预计 and may move.
        env.add_filter("due", |state: &minijinja::State, value: JinjaValue| -> String {
            if value.is_none() || value.is_undefined() {
                return "—".to_owned();
            }
            let date = value.to_string();
            let provisional_from = state.lookup("provisional_from").filter(|v| !v.is_none());
            match provisional_from {
                Some(from) if date.as_str() >= from.to_string().as_str() => {
                    format!("预计 {date}（节假日安排公布后可能调整）")
                }
                _ => date,
            }
        });
        env.add_filter("urlencode", |value: String| {
            percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC).to_string()
        });
        env
    })
}

/// What every page knows about the request.
pub(crate) struct Page {
    pub user: Option<Account>,
    pub csrf: String,
    pub large_text: bool,
    pub high_contrast: bool,
    pub path: String,
    /// Unread messages of the logged-in user.
    pub unread: i64,
    /// A cookie to set with the response (the pre-session CSRF cookie).
    pub set_cookie: Option<String>,
    /// The first day counted on a provisional calendar (`YYYY-MM-DD`): the `due`
    /// filter marks dates from it on as 预计.
    pub provisional_from: Option<String>,
}

impl Page {
    pub fn render(&self, template: &str, title: &str, data: JinjaValue) -> Response {
        let user = self.user.as_ref().map(|account| {
            context! { display_name => account.display_name, role => account.role.as_str(), department => account.department }
        });
        let mut classes = Vec::new();
        if self.large_text {
            classes.push("large");
        }
        if self.high_contrast {
            classes.push("contrast");
        }
        let base = context! {
            title => title,
            user => user,
            csrf => self.csrf,
            large_text => self.large_text,
            high_contrast => self.high_contrast,
            display_class => classes.join(" "),
            path => self.path,
            unread => self.unread,
            provisional_from => self.provisional_from,
        };
        let merged = context! { ..data, ..base };
        let rendered = templates().get_template(template).and_then(|t| t.render(merged));
        let mut response = match rendered {
            Ok(html) => Html(html).into_response(),
            Err(error) => {
                tracing::error!(template, %error, "render failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Html("<h1>系统繁忙，请稍后再试</h1>".to_owned()),
                )
                    .into_response()
            }
        };
        if let Some(cookie) = &self.set_cookie
            && let Ok(value) = HeaderValue::from_str(cookie)
        {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        response
    }

    pub fn message(&self, status: StatusCode, heading: &str, message: &str) -> Response {
        let mut response = self.render(
            "message.html",
            heading,
            context! { heading => heading, message => message },
        );
        *response.status_mut() = status;
        response
    }

    /// A failure behind the page (storage, a department's system): nothing is shown
    /// but an apology; the error goes to the log.
    pub fn store_error(&self, error: impl std::fmt::Display) -> Response {
        tracing::error!(%error, path = %self.path, "internal error");
        self.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", "系统繁忙，请稍后再试。")
    }

    pub fn not_found(&self) -> Response {
        self.message(StatusCode::NOT_FOUND, "没有找到", "没有找到这个页面，或者您无权查看。")
    }

    pub fn check_csrf(&self, form: &BTreeMap<String, String>) -> Result<(), Response> {
        let given = form.get("csrf").map(String::as_str).unwrap_or("");
        if !self.csrf.is_empty() && constant_time_eq(given.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(self.message(
                StatusCode::FORBIDDEN,
                "页面已过期",
                "页面已过期或来源不明，请返回上一页刷新后重试。",
            ))
        }
    }

    /// Redirects to the login page, coming back here afterwards.
    pub fn login_redirect(&self) -> Response {
        let next = percent_encoding::utf8_percent_encode(&self.path, percent_encoding::NON_ALPHANUMERIC).to_string();
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` headers (RFC 6265 parsing
/// by the `cookie` crate; a malformed pair is skipped, not fatal).
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| cookie::Cookie::split_parse(value).filter_map(Result::ok))
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value for the whole site: `HttpOnly` unless script must read it,
/// with `SameSite` and, when given, a lifetime (0 deletes it). `Secure` is added for
/// HTTPS sites by [`security_headers`].
fn set_cookie(
    name: &'static str,
    value: String,
    same_site: cookie::SameSite,
    http_only: bool,
    max_age: Option<i64>,
) -> String {
    let mut built = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(same_site);
    if let Some(seconds) = max_age {
        built = built.max_age(cookie::time::Duration::seconds(seconds));
    }
    built.build().to_string()
}

fn csrf_for(secret: &str) -> String {
    hex::encode(Sha256::digest(format!("csrf:{secret}").as_bytes()))[..32].to_owned()
}

/// Builds the page context: the session from its cookie, the CSRF token, display modes.
pub(crate) async fn page(state: &AppState, headers: &HeaderMap, path: &str) -> Page {
    let display = cookie(headers, DISPLAY_COOKIE).unwrap_or_default();
    let mut page = Page {
        user: None,
        csrf: String::new(),
        large_text: display.split('.').any(|m| m == "large"),
        high_contrast: display.split('.').any(|m| m == "contrast"),
        path: path.to_owned(),
        unread: 0,
        set_cookie: None,
        provisional_from: state.calendar().provisional_from().map(|d| d.to_string()),
    };
    if let Some(token) = cookie(headers, SESSION_COOKIE)
        && let Ok(account) = auth::session_account(state, &token).await
    {
        page.unread = crate::app::inbox::unread(state, &account).await;
        page.user = Some(account);
        page.csrf = csrf_for(&token);
        return page;
    }
    // Anonymous forms (login) use a double-submit cookie.
    match cookie(headers, PRE_SESSION_COOKIE).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())) {
        Some(pre) => page.csrf = csrf_for(&pre),
        None => {
            let mut bytes = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let pre = hex::encode(bytes);
            page.csrf = csrf_for(&pre);
            page.set_cookie = Some(set_cookie(
                PRE_SESSION_COOKIE,
                pre,
                cookie::SameSite::Strict,
                true,
                None,
            ));
        }
    }
    page
}

/// The link to the next page of a list: `path` with the filters in force and the
/// cursor, each value percent-encoded.
pub(crate) fn next_page_link(path: &str, filters: &[(&str, &str)], cursor: &str) -> String {
    let mut query: Vec<String> = filters
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| {
            format!(
                "{name}={}",
                percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect();
    query.push(format!(
        "cursor={}",
        percent_encoding::utf8_percent_encode(cursor, percent_encoding::NON_ALPHANUMERIC)
    ));
    format!("{path}?{}", query.join("&"))
}

/// A refusal of a list's query (a stale cursor, a malformed case number), shown on
/// the list's page; anything else is an apology.
pub(crate) fn list_error(page: &Page, error: &crate::error::ApiError) -> Response {
    if error.status.is_client_error() {
        page.message(error.status, "查询条件有误", &error.message)
    } else {
        page.message(error.status, "系统繁忙", &error.message)
    }
}

/// A safe local redirect target: a path on this site, never another host; `None`
/// for a target with control characters (a tab or line break would be dropped or
/// break the header), which is bad input, not a place to go. Browsers drop tabs and
/// line breaks inside a URL and read `\\` as `/`, so `/\t/evil` and `/\\evil` would
/// lead off-site: anything but a plain path falls back to the home page.
fn local_path(next: &str) -> Option<&str> {
    if next.chars().any(char::is_control) {
        return None;
    }
    let plain = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    Some(if plain { next } else { "/" })
}

/// The refusal of a redirect target with control characters.
fn bad_target(page: &Page) -> Response {
    page.message(
        StatusCode::BAD_REQUEST,
        "地址无效",
        "跳转地址包含不允许的字符，请从网站页面重新进入。",
    )
}

// ---------------------------------------------------------------- sessions

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: String,
}

async fn login_page(State(state): Shared, headers: HeaderMap, Query(query): Query<LoginQuery>) -> Response {
    let page = page(&state, &headers, "/login").await;
    page.render(
        "login.html",
        "登录",
        context! {
            next => local_path(&query.next).unwrap_or("/"), username => "",
            oidc => state.oidc.is_some(), password_login => state.password_login,
        },
    )
}

/// 统一身份认证登录: off to the provider with a fresh `state`, `nonce` and PKCE challenge.
async fn oidc_start(State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/login").await;
    match app::oidc::start(&state).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) if error.status.is_server_error() => page.store_error(error.message),
        Err(error) => page.message(error.status, "统一身份认证", &error.message),
    }
}

#[derive(Deserialize)]
struct OidcAnswer {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal (RFC 6749 §4.1.2.1), e.g. the person cancelled.
    error: Option<String>,
}

/// The provider sends the browser back here: the login is checked
/// (`app::oidc::finish`) and, if all is right, a session opens as after a password.
async fn oidc_callback(
    State(state): Shared,
    headers: HeaderMap,
    answer: Result<Query<OidcAnswer>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let page = page(&state, &headers, "/login").await;
    let Ok(Query(answer)) = answer else {
        return page.message(
            StatusCode::BAD_REQUEST,
            "统一身份认证未通过",
            "登录请求已失效或被篡改，请重新登录。",
        );
    };
    if let Some(error) = answer.error {
        tracing::info!(error = %error.chars().take(64).collect::<String>(), "the provider refused the login");
        return page.message(
            StatusCode::UNAUTHORIZED,
            "统一身份认证未完成",
            "统一身份认证没有完成登录，请重新登录。",
        );
    }
    let (code, login_state) = (answer.code.unwrap_or_default(), answer.state.unwrap_or_default());
    match app::oidc::finish(&state, &code, &login_state).await {
        Ok(session) => logged_in(session.account, session.token, "/".to_owned()),
        Err(error) if error.status.is_server_error() => page.store_error(error.message),
        Err(error) => page.message(error.status, "统一身份认证未通过", &error.message),
    }
}

async fn login_submit(
    State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/login").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let Some(next) = local_path(form.get("next").map(String::as_str).unwrap_or("/")).map(str::to_owned) else {
        return bad_target(&page);
    };
    let failed = |message: &str| {
        let mut response = page.render(
            "login.html",
            "登录",
            context! {
                next => next, username => username, error => message,
                oidc => state.oidc.is_some(), password_login => state.password_login,
            },
        );
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response
    };
    if username.is_empty() || password.is_empty() {
        return failed("请填写用户名和密码");
    }
    let session = match auth::login(&state, &username, &password).await {
        Ok(session) => session,
        Err(auth::LoginError::Invalid) => return failed("用户名或密码错误"),
        Err(auth::LoginError::Locked(seconds)) => {
            let mut response = failed(&auth::locked_message(seconds));
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            return response;
        }
        Err(auth::LoginError::Store(error)) => {
            tracing::error!(%error, "login failed");
            return page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", "请稍后再试。");
        }
        Err(auth::LoginError::Refused(error)) if error.code == "E_PASSWORD_LOGIN_DISABLED" => {
            let mut response = failed(&error.message);
            *response.status_mut() = StatusCode::FORBIDDEN;
            return response;
        }
        Err(auth::LoginError::Refused(error)) => {
            tracing::error!(error = %error.message, "session not opened");
            return page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", "请稍后再试。");
        }
    };
    logged_in(session.account, session.token, next)
}

/// The answer to a login that opened a session: the session cookie, and on to
/// `next`, or to the person's start page.
fn logged_in(account: domain::Account, token: String, next: String) -> Response {
    let target = if next == "/" {
        match account.role {
            domain::Role::Staff => "/workbench".to_owned(),
            domain::Role::Applicant => "/my/cases".to_owned(),
            // A department system never has a page session.
            domain::Role::Admin | domain::Role::Auditor | domain::Role::Service => "/".to_owned(),
        }
    } else {
        next
    };
    let mut response = Redirect::to(&target).into_response();
    let cookie = set_cookie(
        SESSION_COOKIE,
        token,
        cookie::SameSite::Lax,
        true,
        Some(auth::SESSION_HOURS * 3600),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn logout(
    State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = auth::close_session(&state, &token).await;
    }
    let mut response = Redirect::to("/").into_response();
    let expired = set_cookie(SESSION_COOKIE, String::new(), cookie::SameSite::Lax, true, Some(0));
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct DisplayQuery {
    mode: String,
    #[serde(default)]
    back: String,
}

/// Switches large text or high contrast, remembered for a year.
async fn display(State(state): Shared, headers: HeaderMap, Query(query): Query<DisplayQuery>) -> Response {
    let current = cookie(&headers, DISPLAY_COOKIE).unwrap_or_default();
    let mut large = current.split('.').any(|m| m == "large");
    let mut contrast = current.split('.').any(|m| m == "contrast");
    match query.mode.as_str() {
        "large" => large = true,
        "normal" => large = false,
        "contrast" => contrast = true,
        "normal-contrast" => contrast = false,
        _ => {}
    }
    let mut modes = Vec::new();
    if large {
        modes.push("large");
    }
    if contrast {
        modes.push("contrast");
    }
    let Some(back) = local_path(&query.back) else {
        return bad_target(&page(&state, &headers, "/display").await);
    };
    let mut response = Redirect::to(back).into_response();
    let cookie = set_cookie(
        DISPLAY_COOKIE,
        modes.join("."),
        cookie::SameSite::Lax,
        false,
        Some(365 * 24 * 3600),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The inbox: the newest messages for the user, their department and role; opening
/// it marks them read.
async fn inbox(
    State(state): Shared,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/inbox").await;
    let Some(account) = &page.user else {
        return page.login_redirect();
    };
    let cursor = query.get("cursor").map(String::as_str);
    let (messages, next) = match crate::app::inbox::messages(&state, account, cursor, 0).await {
        Ok((messages, _)) => (messages.items, messages.next),
        Err(error) => return list_error(&page, &error),
    };
    let next = next.as_deref().map(|c| next_page_link("/inbox", &[], c));
    // Opening the inbox reads them; a failure here only leaves them marked unread.
    if let Err(error) = crate::app::inbox::mark_read(&state, account).await {
        tracing::warn!(error = %error.message, "messages not marked read");
    }
    let role = account.role;
    let view = |m: &domain::Notification| {
        let link = m.message.case_id.as_ref().map(|id| match (role, &m.message.item) {
            (domain::Role::Applicant, _) => format!("/my/cases/{id}"),
            (domain::Role::Staff, Some(item)) => format!("/workbench/cases/{id}/tasks/{item}"),
            (domain::Role::Staff, None) => "/workbench".to_owned(),
            (domain::Role::Admin | domain::Role::Auditor, _) => format!("/admin/cases/{id}"),
            (domain::Role::Service, _) => "/".to_owned(),
        });
        context! {
            title => m.message.title, body => m.message.body, at => local_time(m.message.created_at),
            read => m.read_at.is_some(), case_id => m.message.case_id, link => link,
        }
    };
    // One entry per case, its latest message first and the earlier ones behind it;
    // messages about no case stand alone.
    let mut groups: Vec<(Option<&str>, Vec<&domain::Notification>)> = Vec::new();
    for message in &messages {
        let case = message.message.case_id.as_deref();
        match groups.iter_mut().find(|(c, _)| c.is_some() && *c == case) {
            Some(group) => group.1.push(message),
            None => groups.push((case, vec![message])),
        }
    }
    let views: Vec<_> = groups
        .iter()
        .map(|(_, group)| {
            let unread = group.iter().filter(|m| m.read_at.is_none()).count();
            let earlier: Vec<_> = group[1..].iter().map(|m| view(m)).collect();
            context! { latest => view(group[0]), earlier => earlier, count => group.len(), unread => unread }
        })
        .collect();
    page.render(
        "inbox.html",
        "消息",
        context! { groups => views, next => next, paged => cursor.is_some() },
    )
}

/// A page address that does not exist: the site's own 404 page, with the way home.
pub async fn not_found_page(State(state): Shared, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let page = page(&state, &headers, uri.path()).await;
    page.not_found()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.js"),
    )
        .into_response()
}

/// Security headers on every response, pages and API alike.
pub async fn security_headers(State(state): Shared, mut response: Response) -> Response {
    let headers = response.headers_mut();
    if state.https {
        // Served over HTTPS (here or by the proxy in front): browsers keep to it, and
        // no cookie travels over plain HTTP.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
        let secured: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|cookie| {
                let cookie = if cookie.contains("; Secure") {
                    cookie.to_owned()
                } else {
                    format!("{cookie}; Secure")
                };
                HeaderValue::from_str(&cookie).ok()
            })
            .collect();
        headers.remove(header::SET_COOKIE);
        for value in secured {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages, API answers and downloads carry personal data: no cache (a shared
    // computer's browser, a proxy) keeps them. Only the static assets say otherwise.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    /// Every template file is embedded and parses: a page never fails for a template
    /// someone forgot to register.
    #[test]
    fn every_template_file_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let env = super::templates();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(env.get_template(&name).is_ok(), "{name} is not registered");
        }
    }
}
