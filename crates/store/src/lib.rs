//! Storage behind one trait, [`Store`], with two implementations: embedded SQLite
//! (the default, one file in the data directory, WAL) and PostgreSQL (several
//! `onething serve` nodes on one database).
//!
//! Cases are stored as versioned JSON documents with optimistic concurrency: an
//! update names the version it read, and loses (returns [`Updated::Conflict`]) if
//! another node wrote first, so no transition is applied twice or lost. The task
//! rows (for department queues) and the history events of a change are written in
//! the same transaction as the case document.

use async_trait::async_trait;
use cases::{Case, CaseId, Event};
use chrono::{DateTime, NaiveDate, Utc};
use metrics::counts::{CaseCounter, Counts, Feedback};
use serde::Serialize;
use std::sync::Arc;

pub mod benefits;
mod common;
pub mod identity;
mod migrate;
pub mod outbox;
mod pgcopy;
mod postgres;
mod shared;
mod sql;
mod sqlite;
pub mod state;

pub use benefits::{
    BatchConfirmed, BenefitStore, ConfirmBatch, ConfirmJob, Confirmed, Finding, FindingChange, FindingConfirmation,
    FindingQuery, FindingTotals, Objection, ObjectionAnswer, PolicyRun, RunStage,
};
pub use common::legal_basis;
pub use identity::{IdentityStore, OidcRequest};
pub use outbox::{
    Claim, ClaimedDelivery, DeadLetter, DeliveryAttempt, DeliveryOutcome, OutboxStore, StoredOutboxEvent, Subscription,
};
pub use postgres::PostgresStore;
pub use shared::{NewCertificate, Prefill, SharedRecord, SharingStore, StoredCertificate, StoredKey, SubjectAccess};
pub use sqlite::{SqliteStore, WritesPaused};

/// Why the store failed. Never caused by user input: the edges validate first.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored document is unreadable: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A ledger request the ledger cannot answer: an index or a tree size beyond
    /// the current size, or sizes in the wrong order.
    #[error("ledger: {0}")]
    Ledger(String),
    /// The group commit this write was part of failed (SQLite): nothing of it is stored.
    #[error("group commit failed: {0}")]
    GroupCommit(String),
    /// A bulk write (SQLite's bulk writer) failed: nothing of it is stored.
    #[error("bulk write failed: {0}")]
    Bulk(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub use domain::{
    Account, DepartmentRating, NewNotification, Notification, Rating, RatingSubmission, Rectification, Role, Scope,
    ServiceClient, ServiceSecret, ServiceToken,
};

/// A retry-safe submission key (`Idempotency-Key` header), scoped to an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub account: String,
    pub key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub request_hash: String,
}

/// The result of inserting a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inserted {
    Created,
    /// The idempotency key was used before with the same request: that case.
    Existing(CaseId),
    /// The idempotency key was used before with a different request.
    KeyReused,
}

/// The result of an optimistic update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Updated {
    /// Written; the new version.
    Written(i64),
    /// Someone else wrote first: reload and try again.
    Conflict,
}

/// The counter case writes use for the dashboard's totals, replaced whole when the
/// calendar in force changes. Empty until the application installs one: writes then
/// leave the totals to be counted again.
#[derive(Default)]
pub(crate) struct CounterCell(std::sync::RwLock<Option<Arc<CaseCounter>>>);

impl CounterCell {
    pub(crate) fn get(&self) -> Option<Arc<CaseCounter>> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn set(&self, counter: Arc<CaseCounter>) {
        match self.0.write() {
            Ok(mut guard) => *guard = Some(counter),
            Err(poisoned) => *poisoned.into_inner() = Some(counter),
        }
    }
}

/// The dashboard's totals as stored (see `metrics::counts`).
#[derive(Clone, Debug, Default)]
pub struct DashboardTotals {
    /// What the totals were counted under; `None` when they must be counted again.
    pub basis: Option<String>,
    pub counts: Counts,
    /// Ratings and rectifications per scope, of stored cases.
    pub feedback: Feedback,
}

/// A case with the version it was read at.
#[derive(Clone, Debug)]
pub struct Versioned {
    pub case: Case,
    pub version: i64,
}

/// An event of the case history as stored, with its position.
#[derive(Clone, Debug, Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    #[serde(flatten)]
    pub event: Event,
}

/// One line of an applicant's case list.
#[derive(Clone, Debug, Serialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub one_thing: String,
    pub one_thing_name: String,
    pub state: String,
    pub submitted_at: DateTime<Utc>,
    pub promised_date: NaiveDate,
}

/// Which cases to list: newest first, one page at a time. Filters are exact
/// values (there is no free-form search over personal data); `before` is the last
/// case of the previous page (keyset pagination: a page costs the same at any depth).
#[derive(Clone, Debug, Default)]
pub struct CaseQuery {
    pub applicant: Option<String>,
    pub one_thing: Option<String>,
    /// Any of these one-things (none: no such filter), e.g. those a department leads.
    pub one_things: Vec<String>,
    pub state: Option<String>,
    /// Only cases still being processed (办理中 or 待补正).
    pub open: bool,
    pub case_id: Option<String>,
    pub before: Option<(DateTime<Utc>, String)>,
    pub limit: i64,
}

/// Which open tasks of a department to list: soonest deadline first, one page at a
/// time; `after` is the last task of the previous page (its deadline, case, item).
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    pub department: String,
    pub state: Option<String>,
    pub case_id: Option<String>,
    pub after: Option<(NaiveDate, String, String)>,
    pub limit: i64,
}

/// Which rectifications to list: open ones first (the earliest deadline first, so
/// late ones lead), then closed ones; one page at a time, `after` being the last row
/// of the previous page (closed or not, its deadline, its id).
#[derive(Clone, Debug, Default)]
pub struct RectificationQuery {
    /// One department's, or everyone's with `None`.
    pub department: Option<String>,
    pub status: Option<RectificationStatus>,
    pub case_id: Option<String>,
    pub after: Option<(bool, NaiveDate, String)>,
    pub limit: i64,
}

/// A rectification's status as a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RectificationStatus {
    /// Not closed, late or not.
    Open,
    /// Not closed and its deadline before this day.
    Late(NaiveDate),
    Closed,
}

/// How many rectifications are open, open past their deadline, and closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RectificationCounts {
    pub open: i64,
    pub late: i64,
    pub closed: i64,
}

/// One task in a department's queue.
#[derive(Clone, Debug, Serialize)]
pub struct QueueEntry {
    pub case_id: CaseId,
    pub item: String,
    pub name: String,
    pub state: String,
    pub deadline: Option<NaiveDate>,
    pub dispatched_on: Option<NaiveDate>,
    pub one_thing_name: String,
    /// The working days the task was given.
    pub promised_limit_days: u32,
}

/// A read of an applicant's data, or any other access worth an audit entry.
#[derive(Clone, Debug, Serialize)]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: Role,
    pub department: Option<String>,
    /// What was done, e.g. `read_case`, `read_task`, `login`.
    pub action: String,
    pub case_id: Option<String>,
    /// The data elements seen, comma-separated.
    pub elements: String,
    pub purpose: String,
}

/// A file kept with a draft application that was refused for something else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftUpload {
    pub material: String,
    pub file_name: String,
    /// The type found by looking at the content.
    pub content_type: String,
    pub data: Vec<u8>,
    pub saved_at: DateTime<Utc>,
}

/// A file handed in for a material: its metadata; the bytes travel beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Upload {
    pub id: String,
    pub case_id: String,
    /// The material id from the catalog.
    pub material: String,
    /// The name the applicant's file had (for display only; never trusted for type).
    pub file_name: String,
    /// The type found by looking at the content.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

/// One row of the tamper-evident ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRow {
    pub index: u64,
    /// The canonical bytes of a `ledger::LedgerEntry`.
    pub entry: Vec<u8>,
    pub leaf_hash: ledger::Hash,
}

/// A signed checkpoint (C2SP tlog-checkpoint as a signed note).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: ledger::Hash,
    /// The whole signed note text.
    pub note: String,
    pub signed_at: DateTime<Utc>,
}

/// A running task (dispatched or accepted) with its deadline, for the deadline watch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunningTask {
    pub case_id: String,
    pub item: String,
    pub name: String,
    pub department: String,
    pub dispatched_on: Option<NaiveDate>,
    pub deadline: NaiveDate,
    /// The working days the task was given (not stretched by supplements).
    pub promised_limit_days: u32,
}

/// An official holiday notice an operator imported (节假日安排导入).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalendarYear {
    pub year: i32,
    /// The file name it was imported from.
    pub label: String,
    /// The year file as imported (TOML).
    pub text: String,
    /// The notice's title and number.
    pub source: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// Everything importing a notice changes, written in one transaction: the year,
/// every case whose dates it moves, every open rectification deadline it moves,
/// the messages saying so, and the operator's action in the access log.
#[derive(Clone, Debug)]
pub struct CalendarImport {
    pub year: CalendarYear,
    /// The new documents, each with the version it was read at and its events.
    pub cases: Vec<(Case, i64, Vec<Event>)>,
    /// Open rectifications: id, deadline as read, new deadline.
    pub rectifications: Vec<(String, NaiveDate, NaiveDate)>,
    pub notices: Vec<NewNotification>,
    pub access: AccessEntry,
}

/// The result of [`Store::import_calendar_year`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    Written,
    /// A case or rectification changed since it was read: nothing was written;
    /// read again and retry.
    Conflict,
    /// The year was imported before (by another node or operator): nothing was written.
    YearExists,
}

/// A declared yes/no check (可用不可见) answered for a case's task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AskedCheck {
    pub case_id: String,
    pub item: String,
    /// The check's id in the item's declaration.
    pub check: String,
    pub answer: bool,
    pub asked_at: DateTime<Utc>,
    pub asked_by: String,
}

/// Everything the server needs from storage. Both backends pass the same
/// conformance suite (`tests/conformance.rs`).
#[async_trait]
pub trait Store: SharingStore + BenefitStore + IdentityStore + OutboxStore + Send + Sync + 'static {
    /// Applies the migrations that have not run yet. Safe to call on every start
    /// and from several nodes at once.
    async fn migrate(&self) -> Result<()>;

    /// The backend's name, for logs: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Creates or replaces an account (by id).
    async fn put_account(&self, account: &Account) -> Result<()>;
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>>;
    async fn account_by_id(&self, id: &str) -> Result<Option<Account>>;
    /// The applicant account of a citizen ID number, if any.
    async fn account_by_id_number(&self, id_number: &str) -> Result<Option<Account>>;
    async fn list_accounts(&self) -> Result<Vec<Account>>;

    /// Stores a session: the SHA-256 of its token, never the token itself.
    async fn create_session(&self, token_hash: &str, account_id: &str, expires_at: DateTime<Utc>) -> Result<()>;
    /// The account of a live session.
    async fn session_account(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Account>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Until when `username` is locked after failed logins, if it is (any node's).
    async fn login_locked_until(&self, username: &str) -> Result<Option<DateTime<Utc>>>;
    /// Counts a failed login of `username` at `now` and returns the failures in a
    /// row; `lock` turns that count into the end of a lock, stored with it. Names
    /// neither locked nor tried for an hour are forgotten.
    async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        lock: fn(u32, DateTime<Utc>) -> Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>>;
    /// Forgets the failures of `username` (after a successful login).
    async fn clear_login_failures(&self, username: &str) -> Result<()>;

    /// Keeps files chosen for a draft application of `owner` for `one_thing`,
    /// replacing any kept for the same material.
    async fn put_draft_uploads(&self, owner: &str, one_thing: &str, files: &[DraftUpload]) -> Result<()>;
    /// The files kept for a draft, by material.
    async fn draft_uploads(&self, owner: &str, one_thing: &str) -> Result<Vec<DraftUpload>>;
    /// Forgets the files kept for a draft (after it was submitted).
    async fn delete_draft_uploads(&self, owner: &str, one_thing: &str) -> Result<()>;
    /// Removes every kept draft file saved before `before` (abandoned drafts); how
    /// many were removed.
    async fn prune_draft_uploads(&self, before: DateTime<Utc>) -> Result<u64>;

    /// Inserts a new case with its first events and task rows, and the
    /// idempotency key if any, in one transaction.
    async fn insert_case(&self, case: &Case, events: &[Event], key: Option<&IdempotencyKey>) -> Result<Inserted> {
        self.insert_case_with_uploads(case, events, key, &[], &[]).await
    }
    /// Like [`Store::insert_case`], with the files handed in for its materials and
    /// the messages the new case causes, all in the same transaction: a case is never
    /// stored without its files or messages, nor those without their case.
    async fn insert_case_with_uploads(
        &self,
        case: &Case,
        events: &[Event],
        key: Option<&IdempotencyKey>,
        uploads: &[(Upload, Vec<u8>)],
        notices: &[NewNotification],
    ) -> Result<Inserted>;
    /// The files of a case (without their bytes), in upload order.
    async fn uploads_of_case(&self, case_id: &str) -> Result<Vec<Upload>>;
    /// One file of a case with its bytes.
    async fn upload_data(&self, case_id: &str, id: &str) -> Result<Option<(Upload, Vec<u8>)>>;
    async fn load_case(&self, id: &CaseId) -> Result<Option<Versioned>>;
    /// Writes `case` if it is still at `expected_version`, with its events and task rows.
    async fn update_case(&self, case: &Case, expected_version: i64, events: &[Event]) -> Result<Updated> {
        self.update_case_with_notices(case, expected_version, events, &[]).await
    }
    /// Like [`Store::update_case`], with the notifications the change causes, in the
    /// same transaction: a change is never stored without its messages.
    async fn update_case_with_notices(
        &self,
        case: &Case,
        expected_version: i64,
        events: &[Event],
        notices: &[NewNotification],
    ) -> Result<Updated> {
        self.update_case_with_certificates(case, expected_version, events, notices, &[])
            .await
    }
    /// Like [`Store::update_case_with_notices`], with the certificates the change
    /// issues: an approval is never stored without its certificate, nor the reverse.
    async fn update_case_with_certificates(
        &self,
        case: &Case,
        expected_version: i64,
        events: &[Event],
        notices: &[NewNotification],
        certificates: &[NewCertificate],
    ) -> Result<Updated>;
    /// Like [`Store::update_case_with_notices`], with files handed in for materials
    /// (a supplement that asked for new scans), in the same transaction.
    async fn update_case_with_uploads(
        &self,
        case: &Case,
        expected_version: i64,
        events: &[Event],
        notices: &[NewNotification],
        uploads: &[(Upload, Vec<u8>)],
    ) -> Result<Updated>;

    /// Running tasks whose deadline is on or before `date`, soonest first.
    async fn running_tasks_due_by(&self, date: NaiveDate, limit: i64) -> Result<Vec<RunningTask>>;
    /// Claims a deadline alert (`due_soon` or `overdue` of one task at one deadline)
    /// and stores its notifications, in one transaction. `false` when another node
    /// (or an earlier run) already raised it: then nothing is written.
    /// Claims the run of `job` for `period` (e.g. a policy's nightly run for a day)
    /// for `node`: `true` for exactly one caller across all nodes, `false` once taken.
    async fn claim_scheduled_run(&self, job: &str, period: &str, node: &str, at: DateTime<Utc>) -> Result<bool>;
    async fn claim_alert(
        &self,
        case_id: &str,
        item: &str,
        kind: &str,
        deadline: NaiveDate,
        notices: &[NewNotification],
    ) -> Result<bool>;
    /// Stores messages outside any other change.
    async fn notify(&self, notices: &[NewNotification]) -> Result<()>;
    /// The newest messages for up to three recipients (an account, its department, its role).
    async fn notifications_for(&self, recipients: &[String], limit: i64) -> Result<Vec<Notification>> {
        self.notifications_before(recipients, None, limit).await
    }
    /// The messages before id `before` (all when `None`), newest first: a page of
    /// the inbox.
    async fn notifications_before(
        &self,
        recipients: &[String],
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Notification>>;
    async fn unread_count(&self, recipients: &[String]) -> Result<i64>;
    async fn mark_read(&self, recipients: &[String], now: DateTime<Utc>) -> Result<()>;
    async fn case_events(&self, id: &CaseId) -> Result<Vec<StoredEvent>>;
    async fn cases_of_applicant(&self, account: &str) -> Result<Vec<CaseSummary>>;
    /// All cases, newest first, at most `limit`.
    async fn all_cases(&self, limit: i64) -> Result<Vec<CaseSummary>>;
    /// The documents of the newest `limit` cases.
    async fn case_documents(&self, limit: i64) -> Result<Vec<Case>>;
    /// From now on, every case write adds its change of the dashboard's totals with
    /// `counter` (the calendar in force), in its own transaction. A write finding the
    /// totals counted under another basis leaves them to be counted again.
    fn count_cases_with(&self, counter: Arc<CaseCounter>);
    /// The dashboard's totals, their basis, and the ratings and rectifications per
    /// scope: a read whose cost depends on the number of distinct totals, not of cases.
    async fn dashboard_totals(&self) -> Result<DashboardTotals>;
    /// Counts every stored case again with `counter`, unless the totals are already
    /// of its basis; case writes wait meanwhile. Installs `counter` for them.
    async fn recount_dashboard(&self, counter: Arc<CaseCounter>) -> Result<()>;
    /// A department's open tasks (dispatched, accepted, awaiting supplement), soonest deadline first.
    async fn department_queue(&self, department: &str) -> Result<Vec<QueueEntry>>;
    /// One page of cases ([`CaseQuery`]).
    async fn find_cases(&self, query: &CaseQuery) -> Result<Vec<CaseSummary>>;
    /// One page of a department's open tasks ([`QueueQuery`]).
    async fn queue_page(&self, query: &QueueQuery) -> Result<Vec<QueueEntry>>;
    /// How many open tasks a department has, and how many running ones (not waiting
    /// for a supplement) are past their deadline on `today`.
    async fn queue_counts(&self, department: &str, today: NaiveDate) -> Result<(i64, i64)>;
    /// How many of a department's running tasks are due on each day from `from` to
    /// `until` (inclusive), by their limit in working days: `(deadline, limit,
    /// count)`, for counting those due soon.
    async fn queue_due_between(
        &self,
        department: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<(NaiveDate, u32, i64)>>;

    async fn rating_of_case(&self, case_id: &str) -> Result<Option<Rating>>;
    /// Stores a whole rating in one transaction; `false` (and nothing written) if the
    /// case was already rated.
    async fn put_rating_submission(&self, submission: &RatingSubmission) -> Result<bool>;
    async fn indicators_of_case(&self, case_id: &str) -> Result<Vec<(String, i64)>>;
    async fn department_ratings_of_case(&self, case_id: &str) -> Result<Vec<DepartmentRating>>;
    /// Every rating (for dashboards).
    async fn all_ratings(&self) -> Result<(Vec<Rating>, Vec<DepartmentRating>)>;
    async fn rectifications_of_case(&self, case_id: &str) -> Result<Vec<Rectification>>;
    /// A department's rectifications, or everyone's with `None`; open ones first.
    async fn rectifications(&self, department: Option<&str>) -> Result<Vec<Rectification>>;
    /// One page of rectifications (see [`RectificationQuery`]).
    async fn find_rectifications(&self, query: &RectificationQuery) -> Result<Vec<Rectification>>;
    /// The counts of a department's rectifications (everyone's with `None`), late
    /// meaning open with a deadline before `today`.
    async fn rectification_counts(&self, department: Option<&str>, today: NaiveDate) -> Result<RectificationCounts>;
    async fn rectification(&self, id: &str) -> Result<Option<Rectification>>;
    /// Open rectifications whose deadline is before `date`, for the deadline watch.
    async fn open_rectifications_due_before(&self, date: NaiveDate) -> Result<Vec<Rectification>>;
    /// Records the follow-up and, with `closed_at`, the result, of an open
    /// rectification, with the access entry that records the change (and its ledger
    /// entry) and the notices it causes, in one transaction; `false` if it is
    /// already closed (nothing is written).
    #[allow(clippy::too_many_arguments)]
    async fn update_rectification(
        &self,
        id: &str,
        follow_up: &str,
        result: Option<&str>,
        closed_at: Option<DateTime<Utc>>,
        closed_by: &str,
        record: &SubjectAccess,
        notices: &[NewNotification],
    ) -> Result<bool>;

    async fn record_access(&self, entry: &AccessEntry) -> Result<()>;

    // ---- the ledger: every case event and every access entry is appended, in the
    // same transaction as the write it records.

    /// The current size and root of the ledger.
    async fn ledger_head(&self) -> Result<(u64, ledger::Hash)>;
    /// Rows `[from, from + limit)` in index order.
    async fn ledger_rows(&self, from: u64, limit: u64) -> Result<Vec<LedgerRow>>;
    /// Every ledger row from index `from` on, in index order, in pages, read in one
    /// pass on a thread of its own (the bulk reader of `ledger verify`); `None` where
    /// the backend has nothing faster than [`Store::ledger_rows`] page by page.
    fn ledger_stream(&self, _from: u64) -> Option<tokio::sync::mpsc::Receiver<Result<Vec<LedgerRow>>>> {
        None
    }
    async fn ledger_row(&self, index: u64) -> Result<Option<LedgerRow>>;
    /// Rows whose entry concerns `subject` (the account whose data it is), newest first.
    async fn ledger_rows_about(&self, subject: &str, limit: u64) -> Result<Vec<LedgerRow>>;
    /// The `data.access` rows about `subject` before index `before` (all when
    /// `None`), newest first: one page of "谁查看了我的数据".
    async fn access_rows_about(&self, subject: &str, before: Option<u64>, limit: u64) -> Result<Vec<LedgerRow>>;
    /// The root of the first `size` entries.
    async fn ledger_root_at(&self, size: u64) -> Result<ledger::Hash>;
    async fn ledger_inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<ledger::Hash>>;
    async fn ledger_consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<ledger::Hash>>;
    /// Every stored tree node (level, index, hash), for `ledger verify`.
    async fn ledger_nodes(&self) -> Result<Vec<(ledger::NodeId, ledger::Hash)>>;
    /// Stores a checkpoint; an existing one of the same size is kept.
    async fn put_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<()>;
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>>;
    async fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>>;
    /// All checkpoints, smallest first.
    async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>>;
    async fn access_log(&self, case_id: &str) -> Result<Vec<AccessEntry>>;

    // ---- 可用不可见

    /// Records a check's answer with its access entry (and ledger entry) in one
    /// transaction; `false`, and nothing written, when the check was answered for
    /// that case and task before.
    async fn record_check(&self, asked: &AskedCheck, access: &SubjectAccess) -> Result<bool>;
    /// The checks answered for a case, oldest first.
    async fn checks_of_case(&self, case_id: &str) -> Result<Vec<AskedCheck>>;

    // ---- the holiday calendar

    /// The state digest of every stored case, certificate and rating, keyed as the
    /// ledger's commitments are ([`state`]), for `onething ledger verify`.
    async fn state_digests(&self) -> Result<Vec<(String, String)>>;

    /// The imported official notices, by year.
    async fn calendar_years(&self) -> Result<Vec<CalendarYear>>;
    /// Cases not finished that have a running task due, or a promised date, on or
    /// after `date` (the candidates for recomputation when a year is imported).
    async fn open_cases_with_dates_from(&self, date: NaiveDate) -> Result<Vec<Versioned>>;
    /// Installs an imported notice with everything it changes, in one transaction.
    async fn import_calendar_year(&self, import: &CalendarImport) -> Result<Imported>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// The server opens stores inside spawned tasks: the constructors' futures must be `Send`.
    #[test]
    fn constructors_are_send() {
        let path = std::path::Path::new("unused.sqlite3");
        assert_send(&SqliteStore::open(path));
        assert_send(&SqliteStore::open_in_memory());
        assert_send(&PostgresStore::connect("postgres://unused"));
        assert_send(&PostgresStore::connect_with_schema("postgres://unused", "unused"));
    }
}
