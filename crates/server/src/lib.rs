//! The HTTP edge of OneThing: a JSON API under `/api/v1` with its OpenAPI document.
//!
//! Handlers translate: they authenticate, check who may see what, call the pure
//! case engine, and persist through the [`store::Store`] trait. Every read of case
//! data is recorded in the access log; every state change is written with its
//! history events in the store's transaction.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
pub mod app;
pub mod auth;
mod cert_api;
pub mod certify;
pub mod error;
pub mod holidays;
pub mod keywrap;
pub mod ledger_api;
pub mod legal_rep;
pub mod limit;
pub mod openapi;
pub mod sharing;
pub mod watch;
mod web;

use std::sync::Arc;

use axum::Router;
use calendar::Calendar;
use catalog::Catalog;
use chrono::{DateTime, Utc};
use store::Store;

pub use api::MAX_BODY_BYTES;

/// Where the server reads the time. Tests pass a clock they control.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What every handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<Catalog>,
    /// The working-day calendar in force ([`AppState::calendar`]); replaced when a
    /// year's notice is imported here or on another node.
    pub calendars: holidays::CalendarCell,
    pub clock: Clock,
    /// The key that signs ledger checkpoints; `None` serves no checkpoints.
    pub ledger_signer: Option<Arc<ledger::SignerKey>>,
    /// The share of a task's working days that counts as "due soon", in percent.
    pub due_soon_percent: u32,
    /// Where messages go besides the inbox.
    pub channel: Arc<dyn watch::Channel>,
    /// Working days a department has to answer a bad rating (整改期限).
    pub rectification_days: u32,
    /// The shared data sources (共享数据服务).
    pub sources: Arc<::sharing::Registry>,
    /// The client for sources connected to a department's HTTP service.
    pub http: reqwest::Client,
    /// Department signing keys, cached.
    pub keys: certify::KeyCache,
    /// The algorithm of newly generated department keys.
    pub cert_algorithm: certs::Algorithm,
    /// Days a certificate share link stays valid.
    pub share_days: i64,
    /// The master key sealing department signing keys at rest; `None` stores them
    /// bare (tests only: `onething` always configures one).
    pub key_wrap: Option<Arc<keywrap::KeyWrap>>,
    /// The rate limit of public, anonymous requests per client address; `None`
    /// applies none.
    pub public_limit: Option<Arc<limit::RateLimiter>>,
    /// The site is reached over HTTPS (directly or through a proxy): cookies are
    /// `Secure` and HSTS is sent.
    pub https: bool,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, catalog: Arc<Catalog>, calendar: Arc<Calendar>) -> Self {
        Self {
            store,
            catalog,
            calendars: holidays::CalendarCell::new(calendar),
            clock: Arc::new(Utc::now),
            ledger_signer: None,
            due_soon_percent: cases::deadline::DEFAULT_DUE_SOON_PERCENT,
            channel: watch::default_channel(),
            rectification_days: 10,
            sources: Arc::new(::sharing::Registry::default()),
            http: reqwest::Client::new(),
            keys: certify::KeyCache::default(),
            cert_algorithm: certs::Algorithm::Sm2Sm3,
            share_days: 7,
            key_wrap: None,
            public_limit: None,
            https: false,
        }
    }

    /// The working-day calendar in force now. Take it once per operation: an
    /// import may replace it between two calls.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendars.get()
    }

    /// The current time, to the millisecond: what the store keeps, so a case and
    /// its history agree on every timestamp.
    pub fn now(&self) -> DateTime<Utc> {
        use chrono::SubsecRound;
        (self.clock)().trunc_subsecs(3)
    }
}

/// The whole application router: the JSON API under `/api/v1` and the pages, two
/// front doors side by side over the same use cases ([`app`]).
pub fn router(state: Arc<AppState>) -> Router {
    use axum::extract::DefaultBodyLimit;
    Router::new()
        .nest("/api/v1", api::routes())
        .merge(web::routes())
        .route("/healthz", axum::routing::get(api::health))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit::public_limit))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            web::security_headers,
        ))
        // Pages are mostly text: gzip makes the form page about a third of its size
        // for people on a weak mobile network.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// An address nothing answers: JSON under `/api/`, the site's 404 page elsewhere.
async fn not_found(
    state: axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        api::not_found().await.into_response()
    } else {
        web::not_found_page(state, headers, uri).await
    }
}

/// An access entry by `actor` (`None`: someone not logged in, e.g. verifying a
/// certificate) at the current time.
pub(crate) fn access_entry(
    state: &AppState,
    actor: Option<&domain::Account>,
    action: &str,
    case_id: Option<String>,
    elements: String,
    purpose: String,
) -> store::AccessEntry {
    store::AccessEntry {
        at: state.now(),
        actor: actor.map_or_else(|| "anonymous".to_owned(), |a| a.id.clone()),
        role: actor.map_or(domain::Role::Applicant, |a| a.role),
        department: actor.and_then(|a| a.department.clone()),
        action: action.to_owned(),
        case_id,
        elements,
        purpose,
    }
}

/// Writes the access entries (and so the ledger entries) of one read or change by
/// `account`: the single place where the API and the pages record who read or changed
/// what. A read of a case is an entry about its applicant and, for the elements of
/// each other person in the case who has an account (the father named in the mother's
/// case, a spouse), an entry about that person: everyone sees every read of their data.
pub(crate) async fn audit(
    state: &AppState,
    account: &domain::Account,
    action: &str,
    case_id: Option<&str>,
    elements: String,
    purpose: &str,
) -> store::Result<()> {
    let entry = access_entry(
        state,
        Some(account),
        action,
        case_id.map(str::to_owned),
        elements.clone(),
        purpose.to_owned(),
    );
    let case = match case_id.and_then(|id| cases::CaseId::parse(id).ok()) {
        Some(id) => state.store.load_case(&id).await?.map(|v| v.case),
        None => None,
    };
    let Some(case) = case else {
        return state.store.record_access(&entry).await;
    };
    let basis = store::legal_basis(account.role).to_owned();
    let mut accesses = vec![store::SubjectAccess {
        entry: entry.clone(),
        subject: Some(case.applicant.clone()),
        legal_basis: basis.clone(),
    }];
    let read: Vec<&str> = elements.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
    let form = |element: &str| case.form.get(element).map(|v| v.value.clone());
    for (id_number, theirs) in others_in(&read, form, None) {
        let Some(person) = state.store.account_by_id_number(&id_number).await? else {
            continue;
        };
        if person.id == case.applicant {
            continue;
        }
        accesses.push(store::SubjectAccess {
            entry: store::AccessEntry {
                elements: theirs.join(","),
                purpose: format!("{purpose}（{}的办件中有关您的信息）", case.one_thing_name),
                ..entry.clone()
            },
            subject: Some(person.id),
            legal_basis: basis.clone(),
        });
    }
    state.store.record_accesses(&accesses).await
}

/// The people other than the applicant whose elements are among `elements`: a role
/// (`father`, `mother`, `spouse`…) whose `<role>.id_number` has a value that is not
/// `applicant_id_number`, with that role's elements. The applicant's own role
/// (`person`, or whichever role carries the applicant's ID number) is left out.
pub(crate) fn others_in(
    elements: &[&str],
    value_of: impl Fn(&str) -> Option<String>,
    applicant_id_number: Option<&str>,
) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut others: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for element in elements {
        let Some((role, _)) = element.split_once('.') else {
            continue;
        };
        if role == "person" || role == "enterprise" {
            continue;
        }
        let Some(id_number) = value_of(&format!("{role}.id_number")) else {
            continue;
        };
        if applicant_id_number == Some(id_number.as_str()) {
            continue;
        }
        others.entry(id_number).or_default().push((*element).to_owned());
    }
    others
}

/// Seeds the demo accounts (idempotent: accounts are replaced by id).
pub async fn seed_demo_accounts(state: &AppState) -> Result<Vec<domain::Account>, error::ApiError> {
    let accounts = auth::demo_accounts(&state.catalog)?;
    for account in &accounts {
        state.store.put_account(account).await?;
    }
    Ok(accounts)
}

/// Beijing time for people.
pub(crate) fn local_time(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()
}
