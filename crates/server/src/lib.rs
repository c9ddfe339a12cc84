//! The HTTP edge of OneThing: a JSON API under `/api/v1` with its OpenAPI document.
//!
//! Handlers translate: they authenticate, check who may see what, call the pure
//! case engine, and persist through the [`store::Store`] trait. Every read of case
//! data is recorded in the access log; every state change is written with its
//! history events in the store's transaction.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
pub mod auth;
mod cert_api;
pub mod certify;
pub mod error;
pub mod holidays;
pub mod keywrap;
pub mod ledger_api;
pub mod limit;
mod openapi;
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
    /// Failed logins per username, and the locks they cause.
    pub logins: auth::LoginGuard,
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
            logins: auth::LoginGuard::default(),
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

/// The whole application router.
pub fn router(state: Arc<AppState>) -> Router {
    api::routes(state)
}

/// An access entry by `actor` (`None`: someone not logged in, e.g. verifying a
/// certificate) at the current time.
pub(crate) fn access_entry(
    state: &AppState,
    actor: Option<&store::Account>,
    action: &str,
    case_id: Option<String>,
    elements: String,
    purpose: String,
) -> store::AccessEntry {
    store::AccessEntry {
        at: state.now(),
        actor: actor.map_or_else(|| "anonymous".to_owned(), |a| a.id.clone()),
        role: actor.map_or(store::Role::Applicant, |a| a.role),
        department: actor.and_then(|a| a.department.clone()),
        action: action.to_owned(),
        case_id,
        elements,
        purpose,
    }
}

/// Writes one access entry (and so one ledger entry) for `account`: the single place
/// where the API and the pages record who read or changed what.
pub(crate) async fn audit(
    state: &AppState,
    account: &store::Account,
    action: &str,
    case_id: Option<&str>,
    elements: String,
    purpose: &str,
) -> store::Result<()> {
    state
        .store
        .record_access(&access_entry(
            state,
            Some(account),
            action,
            case_id.map(str::to_owned),
            elements,
            purpose.to_owned(),
        ))
        .await
}

/// Seeds the demo accounts (idempotent: accounts are replaced by id).
pub async fn seed_demo_accounts(state: &AppState) -> Result<Vec<store::Account>, error::ApiError> {
    let accounts = auth::demo_accounts(&state.catalog)?;
    for account in &accounts {
        state.store.put_account(account).await?;
    }
    Ok(accounts)
}
