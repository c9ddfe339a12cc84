//! The application layer: each use case written once, for both front doors (the
//! JSON API and the pages, in crate `server`). A use case takes the caller and typed
//! input, decides access, masks, validates, commits, writes the audit entries and
//! notifies; the front doors only parse requests and render what it returns. Only
//! this crate talks to the store.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod access;
pub mod auth;
pub mod benefit_jobs;
pub mod benefit_runs;
pub mod benefits;
pub mod case;
pub mod certificates;
pub mod certify;
pub mod dashboards;
pub mod data_log;
pub mod drafts;
pub mod error;
pub mod files;
pub mod guidance;
pub mod holidays;
pub mod inbox;
pub mod keywrap;
pub mod lead;
pub mod ledger;
pub mod legal_rep;
pub mod limit;
pub mod masking;
pub mod oidc;
pub mod operations;
pub mod page;
pub mod plan;
pub mod ratings;
pub mod rectifications;
pub mod service;
pub mod sharing;
pub mod submit;
pub mod supplement;
pub mod tasks;
pub mod watch;
pub mod webhooks;

use std::sync::Arc;

use calendar::Calendar;
use catalog::Catalog;
use chrono::{DateTime, Utc};
use store::Store;

pub use page::Page;
/// Stored records the front doors render (the store itself stays behind this crate).
pub use store::{IdempotencyKey, StoredCertificate, Versioned};
pub use submit::{Submission, Submitted, WalkIn};

use cases::FieldIssue;

use crate::error::ApiError;

/// Why a use case did not do what was asked.
#[derive(Debug)]
pub enum AppError {
    /// What the person must fix, every issue at once, in form order: fields by data
    /// element id, `material.<id>` for materials and commitments, `applicant.name`
    /// and `applicant.id_number` for the person at the window.
    Invalid(Vec<FieldIssue>),
    /// Anything else: access, something unknown, a conflict, the store.
    Refused(ApiError),
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

impl From<store::StoreError> for AppError {
    fn from(error: store::StoreError) -> Self {
        Self::Refused(error.into())
    }
}

impl From<AppError> for ApiError {
    /// Invalid input is `E_FORM_INVALID` (422) with every issue in `details`.
    fn from(error: AppError) -> Self {
        match error {
            AppError::Refused(error) => error,
            AppError::Invalid(issues) => {
                let mut error = ApiError::from(cases::CaseError::Form(issues));
                error.field = error.details.first().map(|d| d.field.clone());
                error
            }
        }
    }
}

/// The storage backend's name (`sqlite`, `postgres`), for the health check.
pub fn backend(state: &AppState) -> &'static str {
    state.store.backend()
}

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
    pub ledger_signer: Option<Arc<::ledger::SignerKey>>,
    /// The share of a task's working days that counts as "due soon", in percent.
    pub due_soon_percent: u32,
    /// Where messages go besides the inbox.
    pub channel: Arc<dyn watch::Channel>,
    /// Working days a department has to answer a bad rating (整改期限).
    pub rectification_days: u32,
    /// The shared data sources (共享数据服务).
    pub sources: Arc<::sharing::Registry>,
    /// The search index of `catalog`, built once with it.
    pub search_index: Arc<::guide::SearchIndex>,
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
    /// The bearer token that may read `/metrics` from any address; without one,
    /// only this machine (loopback) may.
    pub metrics_token: Option<String>,
    /// The OpenID Connect provider of 统一身份认证, if configured.
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// Whether accounts may log in with a password (`--no-password-login` turns
    /// it off where 统一身份认证 is the only way in).
    pub password_login: bool,
    /// How often a running policy run renews its lease (15 s; tests make it short).
    pub run_lease_renewal: std::time::Duration,
    /// The webhook dispatcher's lease on a delivery and the endpoint's time to answer.
    pub delivery_timing: webhooks::DeliveryTiming,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, catalog: Arc<Catalog>, calendar: Arc<Calendar>) -> Self {
        store.count_cases_with(Arc::new(metrics::counts::CaseCounter::new(calendar.clone())));
        let search_index = Arc::new(::guide::SearchIndex::new(&catalog));
        Self {
            store,
            catalog,
            search_index,
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
            metrics_token: None,
            oidc: None,
            password_login: true,
            run_lease_renewal: std::time::Duration::from_secs(15),
            delivery_timing: webhooks::DeliveryTiming::DEFAULT,
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

/// An access entry by `actor` (`None`: someone not logged in, e.g. verifying a
/// certificate) at the current time.
pub fn access_entry(
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
pub async fn audit(
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
pub fn others_in(
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
pub fn local_time(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()
}
