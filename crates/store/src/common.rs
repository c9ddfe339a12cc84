//! What both backends share: the conversions between Rust values and columns, row
//! decoding, the write transaction, and — in [`impl_store!`] — the implementation
//! of [`Store`](crate::Store) itself, written once and expanded for each store type.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use sqlx::{Database, Row, Transaction};
use tokio::sync::MutexGuard;

use cases::{Case, CaseId, Event};

use ledger::{CompactRange, ENTRY_FORMAT_V1, Hash, LedgerEntry, NodeId};

use crate::{
    AccessEntry, Account, CaseSummary, LedgerRow, QueueEntry, Result, Role, StoreError, StoredCheckpoint, StoredEvent,
};

/// A write transaction, holding the store's writer lock (SQLite) until it ends.
pub(crate) struct Writer<'a, DB: Database> {
    pub(crate) tx: Transaction<'static, DB>,
    turn: Option<MutexGuard<'a, ()>>,
}

impl<'a, DB: Database> Writer<'a, DB> {
    pub(crate) fn new(tx: Transaction<'static, DB>, turn: Option<MutexGuard<'a, ()>>) -> Self {
        Self { tx, turn }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        let Self { tx, turn } = self;
        tx.commit().await?;
        drop(turn);
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        let Self { tx, turn } = self;
        tx.rollback().await?;
        drop(turn);
        Ok(())
    }
}

/// Reads columns by name from a row of either backend.
pub(crate) trait ReadRow {
    fn text(&self, column: &str) -> Result<String>;
    fn optional_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
    fn optional_int(&self, column: &str) -> Result<Option<i64>>;
    fn bytes(&self, column: &str) -> Result<Vec<u8>>;
}

macro_rules! impl_read_row {
    ($row:ty) => {
        impl ReadRow for $row {
            fn text(&self, column: &str) -> Result<String> {
                Ok(self.try_get(column)?)
            }
            fn optional_text(&self, column: &str) -> Result<Option<String>> {
                Ok(self.try_get(column)?)
            }
            fn int(&self, column: &str) -> Result<i64> {
                Ok(self.try_get(column)?)
            }
            fn optional_int(&self, column: &str) -> Result<Option<i64>> {
                Ok(self.try_get(column)?)
            }
            fn bytes(&self, column: &str) -> Result<Vec<u8>> {
                Ok(self.try_get(column)?)
            }
        }
    };
}

impl_read_row!(sqlx::sqlite::SqliteRow);
impl_read_row!(sqlx::postgres::PgRow);

// ---------------------------------------------------------------- values

pub(crate) fn upload_from_row(row: &impl ReadRow) -> Result<crate::Upload> {
    Ok(crate::Upload {
        id: row.text("id")?,
        case_id: row.text("case_id")?,
        material: row.text("material")?,
        file_name: row.text("file_name")?,
        content_type: row.text("content_type")?,
        size: row.int("size")?,
        sha256: row.text("sha256")?,
        uploaded_at: time_from_millis(row.int("uploaded_at")?, "upload time")?,
        uploaded_by: row.text("uploaded_by")?,
    })
}

pub(crate) fn rating_from_row(row: &impl ReadRow) -> Result<crate::Rating> {
    Ok(crate::Rating {
        case_id: row.text("case_id")?,
        account: row.text("account")?,
        level: row.int("level")?,
        comment: row.text("comment")?,
        on_behalf: row.int("on_behalf")? == 1,
        rated_at: time_from_millis(row.int("rated_at")?, "rating time")?,
    })
}

pub(crate) fn department_rating_from_row(row: &impl ReadRow) -> Result<crate::DepartmentRating> {
    Ok(crate::DepartmentRating {
        case_id: row.text("case_id")?,
        department: row.text("department")?,
        level: row.int("level")?,
        comment: row.text("comment")?,
        rated_at: time_from_millis(row.int("rated_at")?, "rating time")?,
    })
}

pub(crate) fn rectification_from_row(row: &impl ReadRow) -> Result<crate::Rectification> {
    Ok(crate::Rectification {
        id: row.text("id")?,
        case_id: row.text("case_id")?,
        department: row.text("department")?,
        level: row.int("level")?,
        complaint: row.text("complaint")?,
        opened_at: time_from_millis(row.int("opened_at")?, "rectification time")?,
        deadline: date_from_text(&row.text("deadline")?, "rectification deadline")?,
        follow_up: row.optional_text("follow_up")?,
        result: row.optional_text("result")?,
        closed_at: row
            .optional_int("closed_at")?
            .map(|ms| time_from_millis(ms, "closing time"))
            .transpose()?,
        closed_by: row.optional_text("closed_by")?,
    })
}

/// Exactly three recipients for an `IN ($1, $2, $3)`; missing ones match nothing.
pub(crate) fn three(recipients: &[String]) -> [String; 3] {
    let at = |i: usize| recipients.get(i).cloned().unwrap_or_default();
    [at(0), at(1), at(2)]
}

/// Times are stored as milliseconds since the Unix epoch (UTC); finer precision is dropped.
pub(crate) fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(crate) fn time_from_millis(value: i64, what: &str) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(value).ok_or_else(|| StoreError::Corrupt(format!("{what}: bad time {value}")))
}

/// Dates are stored as ISO text, `YYYY-MM-DD`.
pub(crate) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn optional_date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(date_text)
}

pub(crate) fn date_from_text(text: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|error| StoreError::Corrupt(format!("{what}: bad date {text:?}: {error}")))
}

pub(crate) fn optional_date_from_text(text: Option<String>, what: &str) -> Result<Option<NaiveDate>> {
    text.map(|text| date_from_text(&text, what)).transpose()
}

pub(crate) fn case_id_from_text(text: &str) -> Result<CaseId> {
    CaseId::parse(text).map_err(|error| StoreError::Corrupt(format!("bad case id {text:?}: {error}")))
}

/// Parses a value stored as its serde (snake_case) name, such as a `Transition`.
fn from_name<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|error| StoreError::Corrupt(format!("{what}: bad value {text:?}: {error}")))
}

fn role_from_text(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("bad role {text:?}")))
}

/// The stored document of a case.
pub(crate) fn encode_case(case: &Case) -> Result<String> {
    serde_json::to_string(case)
        .map_err(|error| StoreError::Corrupt(format!("case {} cannot be serialized: {error}", case.id)))
}

pub(crate) fn decode_case(id: &CaseId, doc: &str) -> Result<Case> {
    let case: Case = serde_json::from_str(doc)
        .map_err(|error| StoreError::Corrupt(format!("case {id}: unreadable document: {error}")))?;
    if case.id != *id {
        return Err(StoreError::Corrupt(format!(
            "case {id}: the document is case {}",
            case.id
        )));
    }
    Ok(case)
}

// ---------------------------------------------------------------- rows

pub(crate) fn account_from_row(row: &impl ReadRow) -> Result<Account> {
    Ok(Account {
        id: row.text("id")?,
        username: row.text("username")?,
        display_name: row.text("display_name")?,
        role: role_from_text(&row.text("role")?)?,
        department: row.optional_text("department")?,
        id_number: row.optional_text("id_number")?,
        password_hash: row.text("password_hash")?,
    })
}

pub(crate) fn summary_from_row(row: &impl ReadRow) -> Result<CaseSummary> {
    Ok(CaseSummary {
        id: case_id_from_text(&row.text("id")?)?,
        one_thing: row.text("one_thing")?,
        one_thing_name: row.text("one_thing_name")?,
        state: row.text("state")?,
        submitted_at: time_from_millis(row.int("submitted_at")?, "cases.submitted_at")?,
        promised_date: date_from_text(&row.text("promised_date")?, "cases.promised_date")?,
    })
}

pub(crate) fn queue_entry_from_row(row: &impl ReadRow) -> Result<QueueEntry> {
    Ok(QueueEntry {
        case_id: case_id_from_text(&row.text("case_id")?)?,
        item: row.text("item")?,
        name: row.text("name")?,
        state: row.text("state")?,
        deadline: optional_date_from_text(row.optional_text("deadline")?, "tasks.deadline")?,
        dispatched_on: optional_date_from_text(row.optional_text("dispatched_on")?, "tasks.dispatched_on")?,
        one_thing_name: row.text("one_thing_name")?,
        promised_limit_days: limit_days(row)?,
    })
}

/// The `promised_limit_days` column, which no valid row has negative or huge.
pub(crate) fn limit_days(row: &impl ReadRow) -> Result<u32> {
    let days = row.int("promised_limit_days")?;
    u32::try_from(days).map_err(|_| StoreError::Corrupt(format!("tasks.promised_limit_days: {days}")))
}

pub(crate) fn event_from_row(row: &impl ReadRow) -> Result<StoredEvent> {
    let item = row
        .optional_text("item")?
        .map(|text| from_name(&text, "case_events.item"))
        .transpose()?;
    let from = row
        .optional_text("from_state")?
        .map(|text| from_name(&text, "case_events.from_state"))
        .transpose()?;
    let to = row
        .optional_text("to_state")?
        .map(|text| from_name(&text, "case_events.to_state"))
        .transpose()?;
    Ok(StoredEvent {
        seq: row.int("seq")?,
        event: Event {
            case_id: case_id_from_text(&row.text("case_id")?)?,
            at: time_from_millis(row.int("at")?, "case_events.at")?,
            actor: row.text("actor")?,
            transition: from_name(&row.text("transition")?, "case_events.transition")?,
            item,
            department: row.optional_text("department")?,
            from,
            to,
            note: row.text("note")?,
        },
    })
}

pub(crate) fn access_from_row(row: &impl ReadRow) -> Result<AccessEntry> {
    Ok(AccessEntry {
        at: time_from_millis(row.int("at")?, "access_log.at")?,
        actor: row.text("actor")?,
        role: role_from_text(&row.text("role")?)?,
        department: row.optional_text("department")?,
        action: row.text("action")?,
        case_id: row.optional_text("case_id")?,
        elements: row.text("elements")?,
        purpose: row.text("purpose")?,
    })
}

// ---------------------------------------------------------------- ledger

/// The legal basis recorded for an access, by the role of the one who accessed.
/// The legal basis of an access by `role`, as the ledger states it.
pub fn legal_basis(role: Role) -> &'static str {
    match role {
        Role::Staff => "依申请人提交的办件办理本部门事项",
        Role::Admin => "监督管理职责",
        Role::Auditor => "审计监督职责",
        Role::Service => "依申请人提交的办件由本部门业务系统办理本部门事项",
        Role::Applicant => "本人查询",
    }
}

/// The ledger entry of a case event. `subject` is the applicant of the case: the
/// person whose data it is.
pub(crate) fn event_ledger_entry(event: &Event, subject: &str) -> LedgerEntry {
    let transition = event.transition.as_str();
    let mut detail = transition.to_owned();
    if let Some(item) = &event.item {
        detail.push(' ');
        detail.push_str(item.as_str());
    }
    if event.from.is_some() || event.to.is_some() {
        detail.push(' ');
        detail.push_str(event.from.map_or("-", |state| state.as_str()));
        detail.push('→');
        detail.push_str(event.to.map_or("-", |state| state.as_str()));
    }
    if !event.note.is_empty() {
        detail.push_str(": ");
        detail.push_str(&event.note);
    }
    LedgerEntry {
        format: ENTRY_FORMAT_V1,
        at_ms: millis(event.at),
        kind: ledger::entry::kind::CASE_TRANSITION.to_owned(),
        actor: event.actor.clone(),
        department: event.department.clone(),
        case_id: Some(event.case_id.as_str().to_owned()),
        subject: Some(subject.to_owned()),
        elements: Vec::new(),
        purpose: Some(transition.to_owned()),
        legal_basis: None,
        detail,
    }
}

/// The ledger entry of an access. `subject` is the applicant of the case read, if any.
pub(crate) fn access_ledger_entry(entry: &AccessEntry, subject: Option<String>) -> LedgerEntry {
    let kind = match (entry.action.as_str(), entry.role) {
        ("login", Role::Applicant) => ledger::entry::kind::APPLICANT_LOGIN,
        ("login", _) => ledger::entry::kind::STAFF_LOGIN,
        _ => ledger::entry::kind::DATA_ACCESS,
    };
    LedgerEntry {
        format: ENTRY_FORMAT_V1,
        at_ms: millis(entry.at),
        kind: kind.to_owned(),
        actor: entry.actor.clone(),
        department: entry.department.clone(),
        case_id: entry.case_id.clone(),
        subject,
        elements: entry
            .elements
            .split(',')
            .map(str::trim)
            .filter(|element| !element.is_empty())
            .map(str::to_owned)
            .collect(),
        purpose: Some(entry.purpose.clone()),
        legal_basis: Some(legal_basis(entry.role).to_owned()),
        detail: entry.action.clone(),
    }
}

/// One `ledger_entries` row to insert.
pub(crate) struct EntryRow {
    pub(crate) index: i64,
    pub(crate) bytes: Vec<u8>,
    pub(crate) leaf_hash: String,
    pub(crate) subject: Option<String>,
    pub(crate) kind: String,
}

/// Everything one append writes: the entry rows, the tree nodes they complete and
/// the new head. Computed from the head row alone, whatever the size of the ledger.
pub(crate) struct LedgerAppend {
    pub(crate) rows: Vec<EntryRow>,
    /// `(level, idx, hash)` of every node that became final.
    pub(crate) nodes: Vec<(i64, i64, String)>,
    pub(crate) new_size: i64,
    pub(crate) frontier: String,
}

/// An entry in its canonical bytes, with the columns the ledger indexes it by:
/// what a write appends, directly or through `ledger_pending`.
pub(crate) struct EncodedEntry {
    pub(crate) bytes: Vec<u8>,
    pub(crate) subject: Option<String>,
    pub(crate) kind: String,
}

impl EncodedEntry {
    pub(crate) fn of(entry: &LedgerEntry) -> Self {
        Self {
            bytes: entry.canonical_bytes(),
            subject: entry.subject.clone(),
            kind: entry.kind.clone(),
        }
    }
}

/// Plans the append of `entries` to the tree whose head row is `(size, frontier)`.
pub(crate) fn plan_append(size: i64, frontier: &str, entries: Vec<EncodedEntry>) -> Result<LedgerAppend> {
    let mut range = range_from_head(size, frontier)?;
    let mut rows = Vec::with_capacity(entries.len());
    let mut completed: Vec<(NodeId, Hash)> = Vec::with_capacity(entries.len() * 2);
    for entry in entries {
        let leaf = ledger::leaf_hash(&entry.bytes);
        let index = range.append_with(leaf, |id, hash| completed.push((id, *hash)));
        rows.push(EntryRow {
            index: db_index(index)?,
            bytes: entry.bytes,
            leaf_hash: leaf.to_hex(),
            subject: entry.subject,
            kind: entry.kind,
        });
    }
    let nodes = completed
        .into_iter()
        .map(|(id, hash)| Ok((i64::from(id.level), db_index(id.index)?, hash.to_hex())))
        .collect::<Result<Vec<_>>>()?;
    Ok(LedgerAppend {
        rows,
        nodes,
        new_size: db_index(range.size())?,
        frontier: frontier_text(range.frontier()),
    })
}

/// The frontier as stored in `ledger_head.frontier`: comma-separated hex, largest
/// subtree first.
pub(crate) fn frontier_text(frontier: &[Hash]) -> String {
    frontier.iter().map(Hash::to_hex).collect::<Vec<_>>().join(",")
}

/// The compact range of the head row.
pub(crate) fn range_from_head(size: i64, frontier: &str) -> Result<CompactRange> {
    let size = index_from_db(size, "ledger_head.size")?;
    let hashes = if frontier.is_empty() {
        Vec::new()
    } else {
        frontier
            .split(',')
            .map(|text| hash_from_text(text, "ledger_head.frontier"))
            .collect::<Result<Vec<_>>>()?
    };
    CompactRange::from_frontier(size, hashes).map_err(|error| StoreError::Corrupt(format!("ledger_head: {error}")))
}

/// A ledger index or size as a database integer.
pub(crate) fn db_index(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Ledger(format!("{value} is beyond any ledger size")))
}

pub(crate) fn index_from_db(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what}: negative value {value}")))
}

pub(crate) fn hash_from_text(text: &str, what: &str) -> Result<Hash> {
    Hash::from_hex(text).map_err(|error| StoreError::Corrupt(format!("{what}: bad hash {text:?}: {error}")))
}

/// Refuses a tree size beyond the current one.
pub(crate) fn check_size(size: u64, current: u64) -> Result<()> {
    if size > current {
        return Err(StoreError::Ledger(format!(
            "tree size {size} is beyond the ledger size {current}"
        )));
    }
    Ok(())
}

/// Bad requests are [`StoreError::Ledger`]; missing nodes mean a damaged table.
pub(crate) fn ledger_store_error(error: ledger::StoreError) -> StoreError {
    match error {
        ledger::StoreError::Proof(error) => StoreError::Ledger(error.to_string()),
        other => StoreError::Corrupt(format!("ledger_nodes: {other}")),
    }
}

pub(crate) fn ledger_row_from_row(row: &impl ReadRow) -> Result<LedgerRow> {
    let index = index_from_db(row.int("idx")?, "ledger_entries.idx")?;
    Ok(LedgerRow {
        index,
        entry: row.bytes("entry")?,
        leaf_hash: hash_from_text(&row.text("leaf_hash")?, &format!("ledger_entries.leaf_hash of {index}"))?,
    })
}

pub(crate) fn node_from_row(row: &impl ReadRow) -> Result<(NodeId, Hash)> {
    let level = row.int("level")?;
    let level = u32::try_from(level)
        .ok()
        .filter(|level| *level < 64)
        .ok_or_else(|| StoreError::Corrupt(format!("ledger_nodes.level: bad level {level}")))?;
    let index = index_from_db(row.int("idx")?, "ledger_nodes.idx")?;
    let hash = hash_from_text(&row.text("hash")?, "ledger_nodes.hash")?;
    Ok((NodeId::new(level, index), hash))
}

pub(crate) fn checkpoint_from_row(row: &impl ReadRow) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: index_from_db(row.int("size")?, "ledger_checkpoints.size")?,
        root: hash_from_text(&row.text("root")?, "ledger_checkpoints.root")?,
        note: row.text("note")?,
        signed_at: time_from_millis(row.int("signed_at")?, "ledger_checkpoints.signed_at")?,
    })
}

/// Implements [`Store`](crate::Store) for a store type, once for both backends.
///
/// The store type provides, as inherent items: `pool()` (its `sqlx::Pool`),
/// `sql(&'static str)` (a statement of [`crate::sql`] in the backend's placeholder
/// syntax), `begin_write()` (a [`Writer`]), the migration constants used by
/// [`crate::migrate::run_migrations!`], and `$conn`, its `sqlx` connection type.
macro_rules! impl_store {
    ($store:ty, $conn:ty, $backend:literal) => {
        const _: () = {
            use cases::{Case, CaseId, Event};
            use chrono::{DateTime, Utc};

            use $crate::common::{self as common, ReadRow as _, millis};
            use $crate::sql;
            use $crate::{
                AccessEntry, Account, CaseSummary, IdempotencyKey, Inserted, LedgerRow, QueueEntry, Result, StoreError,
                StoredCheckpoint, StoredEvent, Updated, Upload, Versioned,
            };

            impl $store {
                /// Writes access entries with explicit subjects, and their ledger entries.
                async fn write_accesses(&self, conn: &mut $conn, accesses: &[$crate::SubjectAccess]) -> Result<()> {
                    for chunk in accesses.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(sql::ACCESS_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for access in chunk {
                            let entry = &access.entry;
                            query = query
                                .bind(millis(entry.at))
                                .bind(&entry.actor)
                                .bind(entry.role.as_str())
                                .bind(entry.department.as_deref())
                                .bind(&entry.action)
                                .bind(entry.case_id.as_deref())
                                .bind(&entry.elements)
                                .bind(&entry.purpose);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    let entries: Vec<_> = accesses
                        .iter()
                        .map($crate::shared::subject_access_entry)
                        .collect();
                    self.append_ledger(conn, &entries).await
                }

                /// Inserts certificates and their ledger entries.
                async fn write_certificates(
                    &self,
                    conn: &mut $conn,
                    certificates: &[$crate::NewCertificate],
                ) -> Result<()> {
                    let statement = self.sql(sql::CERTIFICATE_INSERT);
                    for new in certificates {
                        let c = &new.certificate;
                        sqlx::query(&statement)
                            .bind(&c.id)
                            .bind(&c.type_code)
                            .bind(&c.number)
                            .bind(&c.holder_id_number)
                            .bind(c.case_id.as_deref())
                            .bind(c.item.as_deref())
                            .bind(&c.issuer_code)
                            .bind(common::date_text(c.issue_date))
                            .bind(common::optional_date_text(c.valid_until))
                            .bind(&c.file)
                            .bind(common::optional_date_text(c.revoked_on))
                            .bind(c.revoke_reason.as_deref())
                            .bind(millis(c.issued_at))
                            .execute(&mut *conn)
                            .await?;
                    }
                    let issued: Vec<_> = certificates
                        .iter()
                        .map(|new| {
                            let c = &new.certificate;
                            webhooks::events::certificate(
                                webhooks::EventType::CertificateIssued,
                                &c.id,
                                &c.type_code,
                                &c.issuer_code,
                                c.case_id.as_deref(),
                                c.item.as_deref(),
                                c.issue_date,
                                c.issued_at,
                            )
                        })
                        .collect();
                    self.write_outbox(conn, &issued).await?;
                    let entries: Vec<_> = certificates.iter().map($crate::shared::issued_entry).collect();
                    self.append_ledger(conn, &entries).await
                }

                /// Adds the change from `old` (none for a new case) to `new` to the
                /// dashboard's totals inside the caller's write transaction, when they are
                /// counted under the basis of this node's counter; otherwise leaves them
                /// to be counted again.
                async fn count_change(&self, conn: &mut $conn, old: Option<&Case>, new: &Case) -> Result<()> {
                    let stored = sqlx::query(&self.sql(Self::DASHBOARD_BASIS_FOR_WRITE))
                        .fetch_one(&mut *conn)
                        .await?
                        .optional_text("basis")?;
                    let Some(stored) = stored else {
                        return Ok(());
                    };
                    let counter = self.counter.get().filter(|counter| counter.basis() == stored);
                    let Some(counter) = counter else {
                        sqlx::query(&self.sql(sql::DASHBOARD_STALE_MARK))
                            .execute(&mut *conn)
                            .await?;
                        return Ok(());
                    };
                    let mut change = counter.counts(new);
                    if let Some(old) = old {
                        metrics::counts::apply(&mut change, &counter.counts(old), -1);
                    }
                    self.add_counts(conn, &change).await
                }

                /// Adds a submission's ratings to the dashboard's totals inside its write
                /// transaction, unless they are to be counted again anyway.
                async fn count_ratings(&self, conn: &mut $conn, submission: &$crate::RatingSubmission) -> Result<()> {
                    let stored = sqlx::query(&self.sql(Self::DASHBOARD_BASIS_FOR_WRITE))
                        .fetch_one(&mut *conn)
                        .await?
                        .optional_text("basis")?;
                    if stored.is_none() {
                        return Ok(());
                    }
                    let rating = &submission.rating;
                    let one_thing = sqlx::query(&self.sql(sql::CASE_ONE_THING))
                        .bind(&rating.case_id)
                        .fetch_one(&mut *conn)
                        .await?
                        .text("one_thing")?;
                    let mut counts = metrics::counts::ratings(metrics::counts::ONE_THING, &one_thing, rating.level, 1);
                    for department in &submission.departments {
                        let rated = metrics::counts::ratings(
                            metrics::counts::DEPARTMENT,
                            &department.department,
                            department.level,
                            1,
                        );
                        metrics::counts::apply(&mut counts, &rated, 1);
                    }
                    self.add_counts(conn, &counts).await
                }

                /// Adds totals (in key order, so that concurrent writers lock rows in one
                /// order), in the shard of this write's turn where the backend shards them.
                async fn add_counts(&self, conn: &mut $conn, counts: &metrics::counts::Counts) -> Result<()> {
                    let rows: Vec<_> = counts.iter().collect();
                    let shard = self.dashboard_shard();
                    let single = if shard.is_some() {
                        sql::DASHBOARD_COUNT_ADD_SHARD
                    } else {
                        sql::DASHBOARD_COUNT_ADD
                    };
                    for chunk in rows.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(single, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for ((scope, key, measure, bucket), n) in chunk {
                            query = query.bind(scope).bind(key).bind(measure).bind(bucket);
                            if let Some(shard) = shard {
                                query = query.bind(shard);
                            }
                            query = query.bind(**n);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Writes `case` over the version `expected_version`, with its task rows,
                /// history events and their ledger entries, inside the caller's write
                /// transaction. `false` (and nothing written) when the version moved on.
                async fn write_case(
                    &self,
                    conn: &mut $conn,
                    case: &Case,
                    expected_version: i64,
                    events: &[Event],
                ) -> Result<bool> {
                    let doc = common::encode_case(case)?;
                    // What the case was, for the dashboard's totals: if the update below
                    // finds this version, this is the document it replaces.
                    let before = match sqlx::query(&self.sql(sql::CASE_DOC_AT_VERSION))
                        .bind(case.id.as_str())
                        .bind(expected_version)
                        .fetch_optional(&mut *conn)
                        .await?
                    {
                        Some(row) => common::decode_case(&case.id, &row.text("doc")?)?,
                        None => return Ok(false),
                    };
                    // Also takes the row lock on PostgreSQL: a concurrent update of the
                    // same case waits here, then finds the version moved on.
                    let updated = sqlx::query(&self.sql(sql::CASE_UPDATE))
                        .bind(&doc)
                        .bind(case.state().as_str())
                        .bind(millis(case.updated_at))
                        .bind(case.id.as_str())
                        .bind(expected_version)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected();
                    if updated == 0 {
                        return Ok(false);
                    }
                    self.write_tasks(conn, case).await?;
                    self.count_change(conn, Some(&before), case).await?;
                    let last_seq = sqlx::query(&self.sql(sql::EVENT_NEXT_SEQ))
                        .bind(case.id.as_str())
                        .fetch_one(&mut *conn)
                        .await?
                        .int("last")?;
                    self.append_events(conn, &case.id, last_seq, events).await?;
                    self.write_outbox(conn, &webhooks::events::from_case(case, events))
                        .await?;
                    self.append_ledger(
                        conn,
                        &Self::event_entries(case, events, expected_version + 1, &doc),
                    )
                    .await?;
                    Ok(true)
                }

                /// Writes `case` if it is still at `expected_version`, with everything the
                /// change brings, in one transaction.
                async fn update_case_with(
                    &self,
                    case: &Case,
                    expected_version: i64,
                    events: &[Event],
                    notices: &[$crate::NewNotification],
                    certificates: &[$crate::NewCertificate],
                    uploads: &[(Upload, Vec<u8>)],
                ) -> Result<Updated> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        if !self
                            .write_case(&mut writer.tx, case, expected_version, events)
                            .await?
                        {
                            writer.rollback().await?;
                            return Ok(Updated::Conflict);
                        }
                        self.insert_uploads(&mut writer.tx, uploads).await?;
                        self.insert_notices(&mut writer.tx, notices).await?;
                        self.write_certificates(&mut writer.tx, certificates).await?;
                        writer.commit().await?;
                        Ok(Updated::Written(expected_version + 1))
                    })
                    .await
                }

                /// Stores files handed in for materials inside a write transaction.
                async fn insert_uploads(&self, conn: &mut $conn, uploads: &[(Upload, Vec<u8>)]) -> Result<()> {
                    for chunk in uploads.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(sql::UPLOAD_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for (upload, data) in chunk {
                            query = query
                                .bind(&upload.id)
                                .bind(&upload.case_id)
                                .bind(&upload.material)
                                .bind(&upload.file_name)
                                .bind(&upload.content_type)
                                .bind(upload.size)
                                .bind(&upload.sha256)
                                .bind(data.as_slice())
                                .bind(millis(upload.uploaded_at))
                                .bind(&upload.uploaded_by);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Stores notifications inside a write transaction.
                async fn insert_notices(&self, conn: &mut $conn, notices: &[$crate::NewNotification]) -> Result<()> {
                    for chunk in notices.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(sql::NOTIFICATION_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for notice in chunk {
                            query = query
                                .bind(&notice.recipient)
                                .bind(&notice.kind)
                                .bind(notice.case_id.as_deref())
                                .bind(notice.item.as_deref())
                                .bind(&notice.title)
                                .bind(&notice.body)
                                .bind(millis(notice.created_at));
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Writes one task row per task of the case (insert or update).
                async fn write_tasks(&self, conn: &mut $conn, case: &Case) -> Result<()> {
                    for chunk in case.tasks.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(sql::TASK_UPSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for task in chunk {
                            query = query
                                .bind(case.id.as_str())
                                .bind(task.item.as_str())
                                .bind(&task.department)
                                .bind(&task.name)
                                .bind(task.state.as_str())
                                .bind(common::optional_date_text(task.deadline))
                                .bind(common::optional_date_text(task.dispatched_on))
                                .bind(&case.one_thing_name)
                                .bind(i64::from(task.promised_limit_days));
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Appends the events to the history of the case, numbered after `last_seq`.
                async fn append_events(
                    &self,
                    conn: &mut $conn,
                    id: &CaseId,
                    last_seq: i64,
                    events: &[Event],
                ) -> Result<()> {
                    let numbered: Vec<(i64, &Event)> = (last_seq + 1..).zip(events).collect();
                    for chunk in numbered.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(sql::EVENT_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for (seq, event) in chunk {
                            query = query
                                .bind(id.as_str())
                                .bind(*seq)
                                .bind(millis(event.at))
                                .bind(&event.actor)
                                .bind(event.transition.as_str())
                                .bind(event.item.as_ref().map(|item| item.as_str()))
                                .bind(event.department.as_deref())
                                .bind(event.from.map(|state| state.as_str()))
                                .bind(event.to.map(|state| state.as_str()))
                                .bind(&event.note);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                /// Appends `entries` to the ledger inside the caller's write transaction.
                /// Where the backend defers (PostgreSQL), they go to `ledger_pending` and
                /// the sequencer gives them their indexes after the commit; otherwise
                /// they are appended here.
                async fn append_ledger(&self, conn: &mut $conn, entries: &[ledger::LedgerEntry]) -> Result<()> {
                    if entries.is_empty() {
                        return Ok(());
                    }
                    let encoded: Vec<common::EncodedEntry> = entries.iter().map(common::EncodedEntry::of).collect();
                    if Self::LEDGER_DEFERRED {
                        for chunk in encoded.chunks(sql::ROWS_PER_INSERT) {
                            let statement = self.sql_rows(sql::LEDGER_PENDING_INSERT, chunk.len());
                            let mut query = sqlx::query(&statement);
                            for entry in chunk {
                                query = query
                                    .bind(entry.bytes.as_slice())
                                    .bind(entry.subject.as_deref())
                                    .bind(&entry.kind);
                            }
                            query.execute(&mut *conn).await?;
                        }
                        self.ledger_pending_written();
                        return Ok(());
                    }
                    Self::append_sequenced(conn, encoded).await
                }

                /// Gives `entries` the next indexes of the ledger inside the caller's
                /// transaction: reads (and on PostgreSQL locks) the head row, writes the
                /// entry rows and the tree nodes they complete, and moves the head on.
                /// The work depends on the number of entries only, never on the size of
                /// the ledger.
                async fn append_sequenced(conn: &mut $conn, entries: Vec<common::EncodedEntry>) -> Result<()> {
                    let head = sqlx::query(&Self::statement(Self::LEDGER_HEAD_FOR_WRITE))
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::Corrupt("the ledger_head row is missing".into()))?;
                    let old_size = head.int("size")?;
                    let append = common::plan_append(old_size, &head.text("frontier")?, entries)?;
                    for chunk in append.rows.chunks(sql::ROWS_PER_INSERT) {
                        let statement = Self::statement_rows(sql::LEDGER_ENTRY_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for row in chunk {
                            query = query
                                .bind(row.index)
                                .bind(row.bytes.as_slice())
                                .bind(&row.leaf_hash)
                                .bind(row.subject.as_deref())
                                .bind(&row.kind);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    for chunk in append.nodes.chunks(sql::ROWS_PER_INSERT) {
                        let statement = Self::statement_rows(sql::LEDGER_NODE_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for (level, index, hash) in chunk {
                            query = query.bind(*level).bind(*index).bind(hash);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    let moved = sqlx::query(&Self::statement(sql::LEDGER_HEAD_UPDATE))
                        .bind(append.new_size)
                        .bind(&append.frontier)
                        .bind(old_size)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected();
                    if moved != 1 {
                        return Err(StoreError::Corrupt(
                            "the ledger head moved during an append".into(),
                        ));
                    }
                    Ok(())
                }

                /// The ledger entries of the events of `case`.
                /// The ledger entries of the events of `case`, the last committing to the
                /// document stored at `version` (a `case.state` entry when there is no event).
                fn event_entries(case: &Case, events: &[Event], version: i64, doc: &str) -> Vec<ledger::LedgerEntry> {
                    let mut entries: Vec<ledger::LedgerEntry> = events
                        .iter()
                        .map(|event| common::event_ledger_entry(event, &case.applicant))
                        .collect();
                    let commitment = $crate::state::suffix(
                        &$crate::state::case_key(case.id.as_str()),
                        &$crate::state::case_digest(version, doc),
                    );
                    match entries.last_mut() {
                        Some(last) => last.detail.push_str(&commitment),
                        None => entries.push(ledger::LedgerEntry {
                            format: ledger::ENTRY_FORMAT_V1,
                            at_ms: millis(case.updated_at),
                            kind: "case.state".to_owned(),
                            actor: "system".to_owned(),
                            department: None,
                            case_id: Some(case.id.to_string()),
                            subject: Some(case.applicant.clone()),
                            elements: Vec::new(),
                            purpose: None,
                            legal_basis: None,
                            detail: format!("state{commitment}"),
                        }),
                    }
                    entries
                }

                /// The current size and compact range of the ledger.
                async fn ledger_range(&self) -> Result<ledger::CompactRange> {
                    self.settle_ledger().await?;
                    let head = sqlx::query(&self.sql(sql::LEDGER_HEAD))
                        .fetch_optional(self.pool())
                        .await?
                        .ok_or_else(|| StoreError::Corrupt("the ledger_head row is missing".into()))?;
                    common::range_from_head(head.int("size")?, &head.text("frontier")?)
                }

                /// Fetches exactly the nodes `ids` (those present), in a few queries.
                async fn ledger_node_map(
                    &self,
                    ids: &[ledger::NodeId],
                ) -> Result<std::collections::HashMap<ledger::NodeId, ledger::Hash>> {
                    let mut map = std::collections::HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(sql::LEDGER_NODES_PER_SELECT) {
                        let statement = self.sql_owned(sql::ledger_nodes_select(chunk.len()));
                        let mut query = sqlx::query(&statement);
                        for id in chunk {
                            query = query.bind(i64::from(id.level)).bind(common::db_index(id.index)?);
                        }
                        for row in query.fetch_all(self.pool()).await? {
                            let (id, hash) = common::node_from_row(&row)?;
                            map.insert(id, hash);
                        }
                    }
                    Ok(map)
                }

                async fn one_checkpoint(
                    &self,
                    statement: &'static str,
                    size: Option<i64>,
                ) -> Result<Option<StoredCheckpoint>> {
                    let statement = self.sql(statement);
                    let mut query = sqlx::query(&statement);
                    if let Some(size) = size {
                        query = query.bind(size);
                    }
                    query
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(common::checkpoint_from_row)
                        .transpose()
                }

                /// Runs a script of several statements (a migration). Calls the
                /// executor directly: `RawSql::execute`'s future trips the compiler's
                /// `Send` check inside `async_trait`.
                async fn execute_script(
                    conn: &mut $conn,
                    script: &'static str,
                ) -> std::result::Result<(), sqlx::Error> {
                    sqlx::Executor::execute(conn, sqlx::raw_sql(script)).await?;
                    Ok(())
                }

                async fn one_account(&self, statement: &'static str, value: &str) -> Result<Option<Account>> {
                    sqlx::query(&self.sql(statement))
                        .bind(value)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(common::account_from_row)
                        .transpose()
                }
            }

            #[async_trait::async_trait]
            impl $crate::Store for $store {
                async fn migrate(&self) -> Result<()> {
                    $crate::migrate::run_migrations!(self)
                }

                fn backend(&self) -> &'static str {
                    $backend
                }

                async fn put_account(&self, account: &Account) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::ACCOUNT_PUT))
                            .bind(&account.id)
                            .bind(&account.username)
                            .bind(&account.display_name)
                            .bind(account.role.as_str())
                            .bind(account.department.as_deref())
                            .bind(account.id_number.as_deref())
                            .bind(&account.password_hash)
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn account_by_username(&self, username: &str) -> Result<Option<Account>> {
                    self.one_account(sql::ACCOUNT_BY_USERNAME, username).await
                }

                async fn account_by_id(&self, id: &str) -> Result<Option<Account>> {
                    self.one_account(sql::ACCOUNT_BY_ID, id).await
                }

                async fn account_by_id_number(&self, id_number: &str) -> Result<Option<Account>> {
                    self.one_account(sql::ACCOUNT_BY_ID_NUMBER, id_number).await
                }

                async fn list_accounts(&self) -> Result<Vec<Account>> {
                    sqlx::query(&self.sql(sql::ACCOUNT_LIST))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::account_from_row)
                        .collect()
                }

                async fn create_session(
                    &self,
                    token_hash: &str,
                    account_id: &str,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::SESSION_CREATE))
                            .bind(token_hash)
                            .bind(account_id)
                            .bind(millis(expires_at))
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn session_account(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Account>> {
                    sqlx::query(&self.sql(sql::SESSION_ACCOUNT))
                        .bind(token_hash)
                        .bind(millis(now))
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(common::account_from_row)
                        .transpose()
                }

                async fn delete_session(&self, token_hash: &str) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::SESSION_DELETE))
                            .bind(token_hash)
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn login_locked_until(&self, username: &str) -> Result<Option<DateTime<Utc>>> {
                    let row = sqlx::query(&self.sql(sql::LOGIN_LOCKED_UNTIL))
                        .bind(username)
                        .fetch_optional(self.pool())
                        .await?;
                    match row {
                        Some(row) => match row.optional_int("locked_until")? {
                            Some(ms) => Ok(Some(common::time_from_millis(ms, "login lock")?)),
                            None => Ok(None),
                        },
                        None => Ok(None),
                    }
                }

                async fn record_login_failure(
                    &self,
                    username: &str,
                    now: DateTime<Utc>,
                    lock: fn(u32, DateTime<Utc>) -> Option<DateTime<Utc>>,
                ) -> Result<Option<DateTime<Utc>>> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::LOGIN_PRUNE))
                            .bind(millis(now - chrono::Duration::hours(1)))
                            .bind(millis(now))
                            .execute(&mut *writer.tx)
                            .await?;
                        let failures: i64 = sqlx::query(&self.sql(sql::LOGIN_FAILURE_COUNT))
                            .bind(username)
                            .bind(millis(now))
                            .fetch_one(&mut *writer.tx)
                            .await?
                            .int("failures")?;
                        let until = lock(u32::try_from(failures).unwrap_or(u32::MAX), now);
                        if let Some(until) = until {
                            sqlx::query(&self.sql(sql::LOGIN_LOCK))
                                .bind(username)
                                .bind(millis(until))
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        writer.commit().await?;
                        Ok(until)
                    })
                    .await
                }

                async fn clear_login_failures(&self, username: &str) -> Result<()> {
                    sqlx::query(&self.sql(sql::LOGIN_CLEAR))
                        .bind(username)
                        .execute(self.pool())
                        .await?;
                    Ok(())
                }

                async fn put_draft_uploads(
                    &self,
                    owner: &str,
                    one_thing: &str,
                    files: &[$crate::DraftUpload],
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let statement = self.sql(sql::DRAFT_UPLOAD_PUT);
                        for file in files {
                            sqlx::query(&statement)
                                .bind(owner)
                                .bind(one_thing)
                                .bind(&file.material)
                                .bind(&file.file_name)
                                .bind(&file.content_type)
                                .bind(&file.data)
                                .bind(millis(file.saved_at))
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        writer.commit().await
                    })
                    .await
                }

                async fn draft_uploads(&self, owner: &str, one_thing: &str) -> Result<Vec<$crate::DraftUpload>> {
                    sqlx::query(&self.sql(sql::DRAFT_UPLOADS))
                        .bind(owner)
                        .bind(one_thing)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            Ok($crate::DraftUpload {
                                material: row.text("material")?,
                                file_name: row.text("file_name")?,
                                content_type: row.text("content_type")?,
                                data: row.bytes("data")?,
                                saved_at: common::time_from_millis(row.int("saved_at")?, "draft upload time")?,
                            })
                        })
                        .collect()
                }

                async fn delete_draft_uploads(&self, owner: &str, one_thing: &str) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::DRAFT_UPLOADS_DELETE))
                            .bind(owner)
                            .bind(one_thing)
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn prune_draft_uploads(&self, before: DateTime<Utc>) -> Result<u64> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let done = sqlx::query(&self.sql(sql::DRAFT_UPLOADS_PRUNE))
                            .bind(millis(before))
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await?;
                        Ok(done.rows_affected())
                    })
                    .await
                }

                async fn insert_case_with_uploads(
                    &self,
                    case: &Case,
                    events: &[Event],
                    key: Option<&IdempotencyKey>,
                    uploads: &[(Upload, Vec<u8>)],
                    notices: &[$crate::NewNotification],
                ) -> Result<Inserted> {
                    self.grouped(async {
                        let doc = common::encode_case(case)?;
                        let mut writer = self.begin_write().await?;
                        if let Some(key) = key {
                            let claimed = sqlx::query(&self.sql(sql::KEY_CLAIM))
                                .bind(&key.account)
                                .bind(&key.key)
                                .bind(&key.request_hash)
                                .bind(case.id.as_str())
                                .bind(millis(case.submitted_at))
                                .execute(&mut *writer.tx)
                                .await?
                                .rows_affected();
                            if claimed == 0 {
                                // Used before: write nothing, and say by which request.
                                let row = sqlx::query(&self.sql(sql::KEY_READ))
                                    .bind(&key.account)
                                    .bind(&key.key)
                                    .fetch_one(&mut *writer.tx)
                                    .await?;
                                writer.rollback().await?;
                                return if row.text("request_hash")? == key.request_hash {
                                    Ok(Inserted::Existing(common::case_id_from_text(
                                        &row.text("case_id")?,
                                    )?))
                                } else {
                                    Ok(Inserted::KeyReused)
                                };
                            }
                        }
                        sqlx::query(&self.sql(sql::CASE_INSERT))
                            .bind(case.id.as_str())
                            .bind(&case.applicant)
                            .bind(&case.one_thing)
                            .bind(&case.one_thing_name)
                            .bind(case.state().as_str())
                            .bind(millis(case.submitted_at))
                            .bind(common::date_text(case.promised_date))
                            .bind(millis(case.updated_at))
                            .bind(&doc)
                            .execute(&mut *writer.tx)
                            .await?;
                        self.write_tasks(&mut writer.tx, case).await?;
                        self.append_events(&mut writer.tx, &case.id, 0, events).await?;
                        self.write_outbox(&mut writer.tx, &webhooks::events::from_case(case, events))
                            .await?;
                        self.insert_uploads(&mut writer.tx, uploads).await?;
                        self.count_change(&mut writer.tx, None, case).await?;
                        // Last, so that PostgreSQL holds the ledger head lock briefly.
                        self.append_ledger(&mut writer.tx, &Self::event_entries(case, events, 1, &doc))
                            .await?;
                        self.insert_notices(&mut writer.tx, notices).await?;
                        writer.commit().await?;
                        Ok(Inserted::Created)
                    })
                    .await
                }

                async fn uploads_of_case(&self, case_id: &str) -> Result<Vec<Upload>> {
                    sqlx::query(&self.sql(sql::UPLOADS_OF_CASE))
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::upload_from_row)
                        .collect()
                }

                async fn upload_data(&self, case_id: &str, id: &str) -> Result<Option<(Upload, Vec<u8>)>> {
                    let Some(row) = sqlx::query(&self.sql(sql::UPLOAD_DATA))
                        .bind(case_id)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                    else {
                        return Ok(None);
                    };
                    let data = row.bytes("data")?;
                    Ok(Some((common::upload_from_row(&row)?, data)))
                }

                async fn load_case(&self, id: &CaseId) -> Result<Option<Versioned>> {
                    let Some(row) = sqlx::query(&self.sql(sql::CASE_LOAD))
                        .bind(id.as_str())
                        .fetch_optional(self.pool())
                        .await?
                    else {
                        return Ok(None);
                    };
                    Ok(Some(Versioned {
                        case: common::decode_case(id, &row.text("doc")?)?,
                        version: row.int("version")?,
                    }))
                }

                async fn update_case_with_certificates(
                    &self,
                    case: &Case,
                    expected_version: i64,
                    events: &[Event],
                    notices: &[$crate::NewNotification],
                    certificates: &[$crate::NewCertificate],
                ) -> Result<Updated> {
                    self.update_case_with(case, expected_version, events, notices, certificates, &[])
                        .await
                }

                async fn update_case_with_uploads(
                    &self,
                    case: &Case,
                    expected_version: i64,
                    events: &[Event],
                    notices: &[$crate::NewNotification],
                    uploads: &[(Upload, Vec<u8>)],
                ) -> Result<Updated> {
                    self.update_case_with(case, expected_version, events, notices, &[], uploads)
                        .await
                }

                async fn running_tasks_due_by(
                    &self,
                    date: chrono::NaiveDate,
                    limit: i64,
                ) -> Result<Vec<$crate::RunningTask>> {
                    sqlx::query(&self.sql(sql::RUNNING_TASKS_DUE))
                        .bind(common::date_text(date))
                        .bind(limit)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            let deadline = row.text("deadline")?;
                            Ok($crate::RunningTask {
                                case_id: row.text("case_id")?,
                                item: row.text("item")?,
                                name: row.text("name")?,
                                department: row.text("department")?,
                                dispatched_on: common::optional_date_from_text(
                                    row.optional_text("dispatched_on")?,
                                    "dispatch date",
                                )?,
                                deadline: common::date_from_text(&deadline, "deadline")?,
                                promised_limit_days: common::limit_days(row)?,
                            })
                        })
                        .collect()
                }

                async fn claim_alert(
                    &self,
                    case_id: &str,
                    item: &str,
                    kind: &str,
                    deadline: chrono::NaiveDate,
                    notices: &[$crate::NewNotification],
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let claimed = sqlx::query(&self.sql(sql::ALERT_CLAIM))
                            .bind(case_id)
                            .bind(item)
                            .bind(kind)
                            .bind(common::date_text(deadline))
                            .bind(notices.first().map_or(0, |n| millis(n.created_at)))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if claimed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.insert_notices(&mut writer.tx, notices).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn notify(&self, notices: &[$crate::NewNotification]) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        self.insert_notices(&mut writer.tx, notices).await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn notifications_before(
                    &self,
                    recipients: &[String],
                    before: Option<i64>,
                    limit: i64,
                ) -> Result<Vec<$crate::Notification>> {
                    let [a, b, c] = common::three(recipients);
                    sqlx::query(&self.sql(sql::NOTIFICATIONS_FOR))
                        .bind(a)
                        .bind(b)
                        .bind(c)
                        .bind(before.unwrap_or(i64::MAX))
                        .bind(limit)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            Ok($crate::Notification {
                                id: row.int("id")?,
                                message: $crate::NewNotification {
                                    recipient: row.text("recipient")?,
                                    kind: row.text("kind")?,
                                    case_id: row.optional_text("case_id")?,
                                    item: row.optional_text("item")?,
                                    title: row.text("title")?,
                                    body: row.text("body")?,
                                    created_at: common::time_from_millis(row.int("created_at")?, "notification time")?,
                                },
                                read_at: match row.optional_int("read_at")? {
                                    Some(ms) => Some(common::time_from_millis(ms, "read time")?),
                                    None => None,
                                },
                            })
                        })
                        .collect()
                }

                async fn unread_count(&self, recipients: &[String]) -> Result<i64> {
                    let [a, b, c] = common::three(recipients);
                    sqlx::query(&self.sql(sql::UNREAD_COUNT))
                        .bind(a)
                        .bind(b)
                        .bind(c)
                        .fetch_one(self.pool())
                        .await?
                        .int("unread")
                }

                async fn mark_read(&self, recipients: &[String], now: DateTime<Utc>) -> Result<()> {
                    self.grouped(async {
                        let [a, b, c] = common::three(recipients);
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::MARK_READ))
                            .bind(a)
                            .bind(b)
                            .bind(c)
                            .bind(millis(now))
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn case_documents(&self, limit: i64) -> Result<Vec<Case>> {
                    sqlx::query(&self.sql(sql::CASE_DOCUMENTS))
                        .bind(limit)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            common::decode_case(&common::case_id_from_text(&row.text("id")?)?, &row.text("doc")?)
                        })
                        .collect()
                }

                fn count_cases_with(&self, counter: std::sync::Arc<metrics::counts::CaseCounter>) {
                    self.counter.set(counter);
                }

                async fn dashboard_totals(&self) -> Result<$crate::DashboardTotals> {
                    let mut totals = $crate::DashboardTotals::default();
                    for row in sqlx::query(&self.sql(sql::DASHBOARD_COUNTS))
                        .fetch_all(self.pool())
                        .await?
                    {
                        totals.basis = row.optional_text("basis")?;
                        if let (Some(scope), Some(n)) = (row.optional_text("scope")?, row.optional_int("n")?) {
                            let key = (scope, row.text("key")?, row.text("measure")?, row.text("bucket")?);
                            totals.counts.insert(key, n);
                        }
                    }
                    for row in sqlx::query(&self.sql(sql::DASHBOARD_RECTIFICATIONS))
                        .fetch_all(self.pool())
                        .await?
                    {
                        let closed_at = row
                            .optional_int("closed_at")?
                            .map(|at| common::time_from_millis(at, "rectifications.closed_at"))
                            .transpose()?;
                        let record = metrics::RectificationRecord {
                            case_id: common::case_id_from_text(&row.text("case_id")?)?,
                            department: row.text("department")?,
                            opened_on: cases::china_date(common::time_from_millis(
                                row.int("opened_at")?,
                                "rectifications.opened_at",
                            )?),
                            deadline: common::date_from_text(&row.text("deadline")?, "rectifications.deadline")?,
                            closed_on: closed_at.map(cases::china_date),
                        };
                        totals
                            .feedback
                            .rectifications
                            .push((row.text("one_thing")?, record));
                    }
                    Ok(totals)
                }

                async fn recount_dashboard(&self, counter: std::sync::Arc<metrics::counts::CaseCounter>) -> Result<()> {
                    self.grouped(async {
                        /// Cases decoded at a time.
                        const BATCH: i64 = 2000;
                        /// Totals written per statement.
                        const ROWS_PER_INSERT: usize = 100;
                        let mut writer = self.begin_write().await?;
                        self.counter.set(counter.clone());
                        let stored = sqlx::query(&self.sql(Self::DASHBOARD_BASIS_FOR_RECOUNT))
                            .fetch_one(&mut *writer.tx)
                            .await?
                            .optional_text("basis")?;
                        let stale = sqlx::query(&self.sql(sql::DASHBOARD_STALE_CLEAR))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected()
                            > 0;
                        if !stale && stored.as_deref() == Some(counter.basis()) {
                            writer.rollback().await?;
                            return Ok(());
                        }
                        let started = std::time::Instant::now();
                        let mut totals = metrics::counts::Counts::new();
                        let mut after = String::new();
                        let mut cases = 0u64;
                        loop {
                            let rows = sqlx::query(&self.sql(sql::CASE_DOCUMENTS_AFTER))
                                .bind(&after)
                                .bind(BATCH)
                                .fetch_all(&mut *writer.tx)
                                .await?;
                            let Some(last) = rows.last() else {
                                break;
                            };
                            after = last.text("id")?;
                            for row in &rows {
                                let case = common::decode_case(
                                    &common::case_id_from_text(&row.text("id")?)?,
                                    &row.text("doc")?,
                                )?;
                                metrics::counts::apply(&mut totals, &counter.counts(&case), 1);
                                cases += 1;
                            }
                        }
                        for (statement, scope) in [
                            (sql::DASHBOARD_CASE_RATINGS, metrics::counts::ONE_THING),
                            (sql::DASHBOARD_DEPARTMENT_RATINGS, metrics::counts::DEPARTMENT),
                        ] {
                            for row in sqlx::query(&self.sql(statement))
                                .fetch_all(&mut *writer.tx)
                                .await?
                            {
                                let rated = metrics::counts::ratings(
                                    scope,
                                    &row.text("scope_key")?,
                                    row.int("level")?,
                                    row.int("n")?,
                                );
                                metrics::counts::apply(&mut totals, &rated, 1);
                            }
                        }
                        sqlx::query(&self.sql(sql::DASHBOARD_COUNTS_CLEAR))
                            .execute(&mut *writer.tx)
                            .await?;
                        let rows: Vec<_> = totals.into_iter().collect();
                        for chunk in rows.chunks(ROWS_PER_INSERT) {
                            let values: Vec<String> = (0..chunk.len())
                                .map(|i| {
                                    let p = i * 5;
                                    format!("(${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5)
                                })
                                .collect();
                            let statement = self.sql_owned(format!(
                                "INSERT INTO dashboard_counts (scope, key, measure, bucket, n) VALUES {}",
                                values.join(", ")
                            ));
                            let mut query = sqlx::query(&statement);
                            for ((scope, key, measure, bucket), n) in chunk {
                                query = query.bind(scope).bind(key).bind(measure).bind(bucket).bind(*n);
                            }
                            query.execute(&mut *writer.tx).await?;
                        }
                        sqlx::query(&self.sql(sql::DASHBOARD_BASIS_SET))
                            .bind(counter.basis())
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await?;
                        tracing::info!(
                            cases,
                            totals = rows.len(),
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            "counted the dashboard's totals again"
                        );
                        Ok(())
                    })
                    .await
                }

                async fn case_events(&self, id: &CaseId) -> Result<Vec<StoredEvent>> {
                    sqlx::query(&self.sql(sql::EVENTS_OF_CASE))
                        .bind(id.as_str())
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::event_from_row)
                        .collect()
                }

                async fn cases_of_applicant(&self, account: &str) -> Result<Vec<CaseSummary>> {
                    sqlx::query(&self.sql(sql::CASES_OF_APPLICANT))
                        .bind(account)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::summary_from_row)
                        .collect()
                }

                async fn all_cases(&self, limit: i64) -> Result<Vec<CaseSummary>> {
                    sqlx::query(&self.sql(sql::CASES_ALL))
                        .bind(limit.max(0))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::summary_from_row)
                        .collect()
                }

                async fn department_queue(&self, department: &str) -> Result<Vec<QueueEntry>> {
                    sqlx::query(&self.sql(sql::DEPARTMENT_QUEUE))
                        .bind(department)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::queue_entry_from_row)
                        .collect()
                }

                async fn find_cases(&self, query: &$crate::CaseQuery) -> Result<Vec<CaseSummary>> {
                    let (statement, params) = sql::case_query(query);
                    let statement = self.sql_owned(statement);
                    let mut q = sqlx::query(&statement);
                    for param in params {
                        q = match param {
                            sql::CaseParam::Applicant => q.bind(query.applicant.clone().unwrap_or_default()),
                            sql::CaseParam::OneThing => q.bind(query.one_thing.clone().unwrap_or_default()),
                            sql::CaseParam::OneThingOf(n) => {
                                q.bind(query.one_things.get(n).cloned().unwrap_or_default())
                            }
                            sql::CaseParam::State => q.bind(query.state.clone().unwrap_or_default()),
                            sql::CaseParam::CaseId => q.bind(query.case_id.clone().unwrap_or_default()),
                            sql::CaseParam::BeforeAt => q.bind(query.before.as_ref().map_or(0, |(at, _)| millis(*at))),
                            sql::CaseParam::BeforeId => q.bind(
                                query
                                    .before
                                    .as_ref()
                                    .map(|(_, id)| id.clone())
                                    .unwrap_or_default(),
                            ),
                            sql::CaseParam::Limit => q.bind(query.limit.clamp(1, 1000)),
                        };
                    }
                    q.fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::summary_from_row)
                        .collect()
                }

                async fn queue_page(&self, query: &$crate::QueueQuery) -> Result<Vec<QueueEntry>> {
                    let statement = self.sql_owned(sql::queue_query(query));
                    let mut q = sqlx::query(&statement).bind(query.department.clone());
                    if let Some(state) = &query.state {
                        q = q.bind(state.clone());
                    }
                    if let Some(case_id) = &query.case_id {
                        q = q.bind(case_id.clone());
                    }
                    if let Some((deadline, case_id, item)) = &query.after {
                        q = q
                            .bind(deadline.to_string())
                            .bind(case_id.clone())
                            .bind(item.clone());
                    }
                    q.bind(query.limit.clamp(1, 1000))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::queue_entry_from_row)
                        .collect()
                }

                async fn queue_counts(&self, department: &str, today: chrono::NaiveDate) -> Result<(i64, i64)> {
                    let row = sqlx::query(&self.sql(sql::QUEUE_COUNTS))
                        .bind(department)
                        .bind(today.to_string())
                        .fetch_one(self.pool())
                        .await?;
                    Ok((row.int("open")?, row.int("overdue")?))
                }

                async fn queue_due_between(
                    &self,
                    department: &str,
                    from: chrono::NaiveDate,
                    until: chrono::NaiveDate,
                ) -> Result<Vec<(chrono::NaiveDate, u32, i64)>> {
                    sqlx::query(&self.sql(sql::QUEUE_DUE_BETWEEN))
                        .bind(department)
                        .bind(from.to_string())
                        .bind(until.to_string())
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            let deadline = common::date_from_text(&row.text("deadline")?, "tasks.deadline")?;
                            let limit = u32::try_from(row.int("promised_limit_days")?).unwrap_or(0);
                            Ok((deadline, limit, row.int("n")?))
                        })
                        .collect()
                }

                async fn rating_of_case(&self, case_id: &str) -> Result<Option<$crate::Rating>> {
                    let Some(row) = sqlx::query(&self.sql(sql::RATING_OF_CASE))
                        .bind(case_id)
                        .fetch_optional(self.pool())
                        .await?
                    else {
                        return Ok(None);
                    };
                    Ok(Some($crate::Rating {
                        case_id: row.text("case_id")?,
                        account: row.text("account")?,
                        level: row.int("level")?,
                        comment: row.text("comment")?,
                        on_behalf: row.int("on_behalf")? == 1,
                        rated_at: common::time_from_millis(row.int("rated_at")?, "rating time")?,
                    }))
                }

                async fn put_rating_submission(&self, submission: &$crate::RatingSubmission) -> Result<bool> {
                    self.grouped(async {
                        let rating = &submission.rating;
                        let mut writer = self.begin_write().await?;
                        let inserted = sqlx::query(&self.sql(sql::RATING_INSERT))
                            .bind(&rating.case_id)
                            .bind(&rating.account)
                            .bind(rating.level)
                            .bind(&rating.comment)
                            .bind(i64::from(rating.on_behalf))
                            .bind(millis(rating.rated_at))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if inserted == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        for (indicator, level) in &submission.indicators {
                            sqlx::query(&self.sql(sql::INDICATOR_INSERT))
                                .bind(&rating.case_id)
                                .bind(indicator)
                                .bind(*level)
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        for department in &submission.departments {
                            sqlx::query(&self.sql(sql::DEPARTMENT_RATING_INSERT))
                                .bind(&department.case_id)
                                .bind(&department.department)
                                .bind(department.level)
                                .bind(&department.comment)
                                .bind(millis(department.rated_at))
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        self.count_ratings(&mut writer.tx, submission).await?;
                        for rectification in &submission.rectifications {
                            sqlx::query(&self.sql(sql::RECTIFICATION_INSERT))
                                .bind(&rectification.id)
                                .bind(&rectification.case_id)
                                .bind(&rectification.department)
                                .bind(rectification.level)
                                .bind(&rectification.complaint)
                                .bind(millis(rectification.opened_at))
                                .bind(common::date_text(rectification.deadline))
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        let rating_entry = ledger::LedgerEntry {
                            format: ledger::ENTRY_FORMAT_V1,
                            at_ms: millis(rating.rated_at),
                            kind: "rating.submitted".to_owned(),
                            actor: rating.account.clone(),
                            department: None,
                            case_id: Some(rating.case_id.clone()),
                            subject: None,
                            elements: Vec::new(),
                            purpose: Some("好差评".to_owned()),
                            legal_basis: None,
                            detail: format!(
                                "rating {}{}",
                                rating.level,
                                $crate::state::suffix(
                                    &$crate::state::rating_key(&rating.case_id),
                                    &$crate::state::rating_digest(
                                        &rating.account,
                                        rating.level,
                                        &rating.comment,
                                        rating.on_behalf
                                    ),
                                )
                            ),
                        };
                        self.append_ledger(&mut writer.tx, std::slice::from_ref(&rating_entry))
                            .await?;
                        let mut events: Vec<_> = submission
                            .departments
                            .iter()
                            .map(|rated| {
                                webhooks::events::rating(&rated.case_id, &rated.department, rated.level, rated.rated_at)
                            })
                            .collect();
                        events.extend(submission.rectifications.iter().map(|opened| {
                            webhooks::events::rectification(
                                webhooks::EventType::RectificationOpened,
                                &opened.id,
                                &opened.case_id,
                                &opened.department,
                                Some(opened.deadline),
                                opened.opened_at,
                            )
                        }));
                        self.write_outbox(&mut writer.tx, &events).await?;
                        self.insert_notices(&mut writer.tx, &submission.notices).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn indicators_of_case(&self, case_id: &str) -> Result<Vec<(String, i64)>> {
                    sqlx::query(&self.sql(sql::INDICATORS_OF_CASE))
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| Ok((row.text("indicator")?, row.int("level")?)))
                        .collect()
                }

                async fn department_ratings_of_case(&self, case_id: &str) -> Result<Vec<$crate::DepartmentRating>> {
                    sqlx::query(&self.sql(sql::DEPARTMENT_RATINGS_OF_CASE))
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::department_rating_from_row)
                        .collect()
                }

                async fn all_ratings(&self) -> Result<(Vec<$crate::Rating>, Vec<$crate::DepartmentRating>)> {
                    let ratings = sqlx::query(&self.sql(sql::RATINGS_ALL))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::rating_from_row)
                        .collect::<Result<Vec<_>>>()?;
                    let departments = sqlx::query(&self.sql(sql::DEPARTMENT_RATINGS_ALL))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::department_rating_from_row)
                        .collect::<Result<Vec<_>>>()?;
                    Ok((ratings, departments))
                }

                async fn rectifications_of_case(&self, case_id: &str) -> Result<Vec<$crate::Rectification>> {
                    sqlx::query(&self.sql(sql::RECTIFICATIONS_OF_CASE))
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::rectification_from_row)
                        .collect()
                }

                async fn rectifications(&self, department: Option<&str>) -> Result<Vec<$crate::Rectification>> {
                    let rows = match department {
                        Some(department) => {
                            sqlx::query(&self.sql(sql::RECTIFICATIONS_OF_DEPARTMENT))
                                .bind(department)
                                .fetch_all(self.pool())
                                .await?
                        }
                        None => {
                            sqlx::query(&self.sql(sql::RECTIFICATIONS_ALL))
                                .fetch_all(self.pool())
                                .await?
                        }
                    };
                    rows.iter().map(common::rectification_from_row).collect()
                }

                async fn find_rectifications(
                    &self,
                    query: &$crate::RectificationQuery,
                ) -> Result<Vec<$crate::Rectification>> {
                    let statement = self.sql_owned(sql::rectification_query(query));
                    let mut q = sqlx::query(&statement);
                    if let Some(department) = &query.department {
                        q = q.bind(department.clone());
                    }
                    if let Some($crate::RectificationStatus::Late(today)) = query.status {
                        q = q.bind(common::date_text(today));
                    }
                    if let Some(case_id) = &query.case_id {
                        q = q.bind(case_id.clone());
                    }
                    if let Some((closed, deadline, id)) = &query.after {
                        q = q
                            .bind(i64::from(*closed))
                            .bind(common::date_text(*deadline))
                            .bind(id.clone());
                    }
                    q.bind(query.limit.clamp(1, 1000))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::rectification_from_row)
                        .collect()
                }

                async fn rectification_counts(
                    &self,
                    department: Option<&str>,
                    today: chrono::NaiveDate,
                ) -> Result<$crate::RectificationCounts> {
                    let row = match department {
                        Some(department) => {
                            sqlx::query(&self.sql(sql::RECTIFICATION_COUNTS_OF_DEPARTMENT))
                                .bind(common::date_text(today))
                                .bind(department)
                                .fetch_one(self.pool())
                                .await?
                        }
                        None => {
                            sqlx::query(&self.sql(sql::RECTIFICATION_COUNTS_ALL))
                                .bind(common::date_text(today))
                                .fetch_one(self.pool())
                                .await?
                        }
                    };
                    Ok($crate::RectificationCounts {
                        open: row.int("open")?,
                        late: row.int("late")?,
                        closed: row.int("closed")?,
                    })
                }

                async fn rectification(&self, id: &str) -> Result<Option<$crate::Rectification>> {
                    sqlx::query(&self.sql(sql::RECTIFICATION_BY_ID))
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(common::rectification_from_row)
                        .transpose()
                }

                async fn open_rectifications_due_before(
                    &self,
                    date: chrono::NaiveDate,
                ) -> Result<Vec<$crate::Rectification>> {
                    sqlx::query(&self.sql(sql::RECTIFICATIONS_OPEN_DUE))
                        .bind(common::date_text(date))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::rectification_from_row)
                        .collect()
                }

                async fn update_rectification(
                    &self,
                    id: &str,
                    follow_up: &str,
                    result: Option<&str>,
                    closed_at: Option<DateTime<Utc>>,
                    closed_by: &str,
                    record: &$crate::SubjectAccess,
                    notices: &[$crate::NewNotification],
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let updated = sqlx::query(&self.sql(sql::RECTIFICATION_UPDATE))
                            .bind(id)
                            .bind(follow_up)
                            .bind(result)
                            .bind(closed_at.map(millis))
                            .bind(closed_by)
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if updated != 1 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record))
                            .await?;
                        if let Some(closed_at) = closed_at {
                            let row = sqlx::query(&self.sql(sql::RECTIFICATION_BY_ID))
                                .bind(id)
                                .fetch_one(&mut *writer.tx)
                                .await?;
                            let closed = webhooks::events::rectification(
                                webhooks::EventType::RectificationClosed,
                                id,
                                &row.text("case_id")?,
                                &row.text("department")?,
                                None,
                                closed_at,
                            );
                            self.write_outbox(&mut writer.tx, std::slice::from_ref(&closed))
                                .await?;
                        }
                        self.insert_notices(&mut writer.tx, notices).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn record_access(&self, entry: &AccessEntry) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::ACCESS_INSERT))
                            .bind(millis(entry.at))
                            .bind(&entry.actor)
                            .bind(entry.role.as_str())
                            .bind(entry.department.as_deref())
                            .bind(&entry.action)
                            .bind(entry.case_id.as_deref())
                            .bind(&entry.elements)
                            .bind(&entry.purpose)
                            .execute(&mut *writer.tx)
                            .await?;
                        let subject = match entry.case_id.as_deref() {
                            Some(case_id) => sqlx::query(&self.sql(sql::CASE_APPLICANT))
                                .bind(case_id)
                                .fetch_optional(&mut *writer.tx)
                                .await?
                                .map(|row| row.text("applicant"))
                                .transpose()?,
                            None => None,
                        };
                        let ledger_entry = common::access_ledger_entry(entry, subject);
                        self.append_ledger(&mut writer.tx, std::slice::from_ref(&ledger_entry))
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn claim_scheduled_run(
                    &self,
                    job: &str,
                    period: &str,
                    node: &str,
                    at: DateTime<Utc>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let claimed = sqlx::query(&self.sql(sql::SCHEDULED_RUN_CLAIM))
                            .bind(job)
                            .bind(period)
                            .bind(node)
                            .bind(millis(at))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected()
                            == 1;
                        writer.commit().await?;
                        Ok(claimed)
                    })
                    .await
                }

                async fn record_check(
                    &self,
                    asked: &$crate::AskedCheck,
                    access: &$crate::SubjectAccess,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let inserted = sqlx::query(&self.sql(sql::SHARED_CHECK_INSERT))
                            .bind(&asked.case_id)
                            .bind(&asked.item)
                            .bind(&asked.check)
                            .bind(i64::from(asked.answer))
                            .bind(millis(asked.asked_at))
                            .bind(&asked.asked_by)
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if inserted == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(access))
                            .await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn checks_of_case(&self, case_id: &str) -> Result<Vec<$crate::AskedCheck>> {
                    sqlx::query(&self.sql(sql::SHARED_CHECKS_OF_CASE))
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            Ok($crate::AskedCheck {
                                case_id: row.text("case_id")?,
                                item: row.text("item")?,
                                check: row.text("check_id")?,
                                answer: row.int("answer")? == 1,
                                asked_at: common::time_from_millis(row.int("asked_at")?, "shared_checks.asked_at")?,
                                asked_by: row.text("asked_by")?,
                            })
                        })
                        .collect()
                }

                async fn state_digests(&self) -> Result<Vec<(String, String)>> {
                    let mut digests = Vec::new();
                    for row in sqlx::query(&self.sql(sql::STATE_CASES))
                        .fetch_all(self.pool())
                        .await?
                    {
                        digests.push((
                            $crate::state::case_key(&row.text("id")?),
                            $crate::state::case_digest(row.int("version")?, &row.text("doc")?),
                        ));
                    }
                    for row in sqlx::query(&self.sql(sql::STATE_CERTIFICATES))
                        .fetch_all(self.pool())
                        .await?
                    {
                        digests.push((
                            $crate::state::certificate_key(&row.text("id")?),
                            $crate::state::certificate_digest(
                                &row.text("file")?,
                                row.optional_text("revoked_on")?.as_deref(),
                                row.optional_text("revoke_reason")?.as_deref(),
                            ),
                        ));
                    }
                    for row in sqlx::query(&self.sql(sql::STATE_RATINGS))
                        .fetch_all(self.pool())
                        .await?
                    {
                        digests.push((
                            $crate::state::rating_key(&row.text("case_id")?),
                            $crate::state::rating_digest(
                                &row.text("account")?,
                                row.int("level")?,
                                &row.text("comment")?,
                                row.int("on_behalf")? == 1,
                            ),
                        ));
                    }
                    Ok(digests)
                }

                async fn calendar_years(&self) -> Result<Vec<$crate::CalendarYear>> {
                    sqlx::query(&self.sql(sql::CALENDAR_YEARS))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            Ok($crate::CalendarYear {
                                year: i32::try_from(row.int("year")?)
                                    .map_err(|_| StoreError::Corrupt("calendar_years.year out of range".into()))?,
                                label: row.text("label")?,
                                text: row.text("text")?,
                                source: row.text("source")?,
                                imported_at: common::time_from_millis(
                                    row.int("imported_at")?,
                                    "calendar_years.imported_at",
                                )?,
                                imported_by: row.text("imported_by")?,
                            })
                        })
                        .collect()
                }

                async fn open_cases_with_dates_from(&self, date: chrono::NaiveDate) -> Result<Vec<Versioned>> {
                    sqlx::query(&self.sql(sql::OPEN_CASES_WITH_DATES_FROM))
                        .bind(common::date_text(date))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(|row| {
                            let id = common::case_id_from_text(&row.text("id")?)?;
                            Ok(Versioned {
                                case: common::decode_case(&id, &row.text("doc")?)?,
                                version: row.int("version")?,
                            })
                        })
                        .collect()
                }

                async fn import_calendar_year(&self, import: &$crate::CalendarImport) -> Result<$crate::Imported> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let year = &import.year;
                        let inserted = sqlx::query(&self.sql(sql::CALENDAR_YEAR_INSERT))
                            .bind(i64::from(year.year))
                            .bind(&year.label)
                            .bind(&year.text)
                            .bind(&year.source)
                            .bind(millis(year.imported_at))
                            .bind(&year.imported_by)
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if inserted == 0 {
                            writer.rollback().await?;
                            return Ok($crate::Imported::YearExists);
                        }
                        for (case, expected_version, events) in &import.cases {
                            if !self
                                .write_case(&mut writer.tx, case, *expected_version, events)
                                .await?
                            {
                                writer.rollback().await?;
                                return Ok($crate::Imported::Conflict);
                            }
                            sqlx::query(&self.sql(sql::CASE_PROMISED_DATE_UPDATE))
                                .bind(case.id.as_str())
                                .bind(common::date_text(case.promised_date))
                                .execute(&mut *writer.tx)
                                .await?;
                        }
                        for (id, old, new) in &import.rectifications {
                            let moved = sqlx::query(&self.sql(sql::RECTIFICATION_DEADLINE_UPDATE))
                                .bind(id)
                                .bind(common::date_text(*old))
                                .bind(common::date_text(*new))
                                .execute(&mut *writer.tx)
                                .await?
                                .rows_affected();
                            if moved == 0 {
                                writer.rollback().await?;
                                return Ok($crate::Imported::Conflict);
                            }
                        }
                        self.write_outbox(
                            &mut writer.tx,
                            &[webhooks::events::calendar_changed(year.year, year.imported_at)],
                        )
                        .await?;
                        self.insert_notices(&mut writer.tx, &import.notices).await?;
                        // The operator's action concerns no one's data: no subject.
                        let access = $crate::SubjectAccess {
                            entry: import.access.clone(),
                            subject: None,
                            legal_basis: common::legal_basis(import.access.role).to_owned(),
                        };
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(&access))
                            .await?;
                        writer.commit().await?;
                        Ok($crate::Imported::Written)
                    })
                    .await
                }

                async fn access_log(&self, case_id: &str) -> Result<Vec<AccessEntry>> {
                    sqlx::query(&self.sql(sql::ACCESS_OF_CASE))
                        .bind(case_id)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::access_from_row)
                        .collect()
                }

                async fn ledger_head(&self) -> Result<(u64, ledger::Hash)> {
                    let range = self.ledger_range().await?;
                    Ok((range.size(), range.root()))
                }

                fn ledger_stream(&self, from: u64) -> Option<tokio::sync::mpsc::Receiver<Result<Vec<LedgerRow>>>> {
                    self.stream_ledger(from)
                }

                async fn ledger_rows(&self, from: u64, limit: u64) -> Result<Vec<LedgerRow>> {
                    self.settle_ledger().await?;
                    let Ok(from) = i64::try_from(from) else {
                        return Ok(Vec::new());
                    };
                    sqlx::query(&self.sql(sql::LEDGER_ROWS))
                        .bind(from)
                        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::ledger_row_from_row)
                        .collect()
                }

                async fn ledger_row(&self, index: u64) -> Result<Option<LedgerRow>> {
                    self.settle_ledger().await?;
                    let Ok(index) = i64::try_from(index) else {
                        return Ok(None);
                    };
                    sqlx::query(&self.sql(sql::LEDGER_ROW))
                        .bind(index)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(common::ledger_row_from_row)
                        .transpose()
                }

                async fn ledger_rows_about(&self, subject: &str, limit: u64) -> Result<Vec<LedgerRow>> {
                    self.settle_ledger().await?;
                    sqlx::query(&self.sql(sql::LEDGER_ROWS_ABOUT))
                        .bind(subject)
                        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::ledger_row_from_row)
                        .collect()
                }

                async fn access_rows_about(
                    &self,
                    subject: &str,
                    before: Option<u64>,
                    limit: u64,
                ) -> Result<Vec<LedgerRow>> {
                    self.settle_ledger().await?;
                    let before = before.map_or(i64::MAX, |index| i64::try_from(index).unwrap_or(i64::MAX));
                    sqlx::query(&self.sql(sql::LEDGER_ACCESS_ABOUT))
                        .bind(subject)
                        .bind(before)
                        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::ledger_row_from_row)
                        .collect()
                }

                async fn ledger_root_at(&self, size: u64) -> Result<ledger::Hash> {
                    common::check_size(size, self.ledger_range().await?.size())?;
                    let nodes = self.ledger_node_map(&ledger::store::root_nodes(size)).await?;
                    ledger::store::root_at(&nodes, size).map_err(common::ledger_store_error)
                }

                async fn ledger_inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<ledger::Hash>> {
                    common::check_size(size, self.ledger_range().await?.size())?;
                    let ids = ledger::store::inclusion_proof_nodes(index, size)
                        .map_err(|error| StoreError::Ledger(error.to_string()))?;
                    let nodes = self.ledger_node_map(&ids).await?;
                    ledger::store::inclusion_proof_at(&nodes, index, size).map_err(common::ledger_store_error)
                }

                async fn ledger_consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<ledger::Hash>> {
                    common::check_size(new_size, self.ledger_range().await?.size())?;
                    let ids = ledger::store::consistency_proof_nodes(old_size, new_size)
                        .map_err(|error| StoreError::Ledger(error.to_string()))?;
                    let nodes = self.ledger_node_map(&ids).await?;
                    ledger::store::consistency_proof_at(&nodes, old_size, new_size).map_err(common::ledger_store_error)
                }

                async fn ledger_nodes(&self) -> Result<Vec<(ledger::NodeId, ledger::Hash)>> {
                    self.settle_ledger().await?;
                    sqlx::query(&self.sql(sql::LEDGER_NODES_ALL))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::node_from_row)
                        .collect()
                }

                async fn put_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(sql::CHECKPOINT_INSERT))
                            .bind(common::db_index(checkpoint.size)?)
                            .bind(checkpoint.root.to_hex())
                            .bind(&checkpoint.note)
                            .bind(millis(checkpoint.signed_at))
                            .execute(&mut *writer.tx)
                            .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
                    self.one_checkpoint(sql::CHECKPOINT_LATEST, None).await
                }

                async fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>> {
                    let Ok(size) = i64::try_from(size) else {
                        return Ok(None);
                    };
                    self.one_checkpoint(sql::CHECKPOINT_AT, Some(size)).await
                }

                async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
                    sqlx::query(&self.sql(sql::CHECKPOINTS_ALL))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(common::checkpoint_from_row)
                        .collect()
                }
            }
        };
    };
}

pub(crate) use impl_store;

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: i64) -> LedgerEntry {
        LedgerEntry {
            format: ENTRY_FORMAT_V1,
            at_ms: i,
            kind: ledger::entry::kind::DATA_ACCESS.into(),
            actor: format!("actor-{i}"),
            department: None,
            case_id: None,
            subject: (i % 2 == 0).then(|| "applicant-1".to_owned()),
            elements: Vec::new(),
            purpose: None,
            legal_basis: None,
            detail: String::new(),
        }
    }

    /// Appending batch by batch through the stored head text gives the same rows,
    /// nodes and root as the reference in-memory log.
    #[test]
    fn planned_appends_match_the_reference_log() {
        let mut reference = ledger::MemoryLog::new();
        let (mut size, mut frontier) = (0i64, String::new());
        let mut nodes = std::collections::BTreeMap::new();
        let mut next = 0i64;
        for batch in [1usize, 3, 0, 7, 2, 16, 1, 5] {
            let entries: Vec<_> = (0..batch)
                .map(|_| {
                    next += 1;
                    entry(next)
                })
                .collect();
            let append = plan_append(size, &frontier, entries.iter().map(EncodedEntry::of).collect()).unwrap();
            for (row, entry) in append.rows.iter().zip(&entries) {
                assert_eq!(row.index, i64::try_from(reference.append(entry.leaf_hash())).unwrap());
                assert_eq!(row.bytes, entry.canonical_bytes());
                assert_eq!(row.subject, entry.subject);
                assert_eq!(row.kind, "data.access");
            }
            for (level, index, hash) in append.nodes {
                assert!(nodes.insert((level, index), hash).is_none(), "a node is written once");
            }
            (size, frontier) = (append.new_size, append.frontier);
            let range = range_from_head(size, &frontier).unwrap();
            assert_eq!(range.root(), reference.root());
        }
        assert_eq!(nodes.len(), reference.nodes().len());
        for ((level, index), hash) in nodes {
            let node = ledger::NodeStore::node(reference.nodes(), u32::try_from(level).unwrap(), index as u64);
            assert_eq!(node.map(|h| h.to_hex()), Some(hash));
        }
    }

    #[test]
    fn a_damaged_head_is_corrupt_not_a_panic() {
        assert!(matches!(range_from_head(-1, ""), Err(StoreError::Corrupt(_))));
        assert!(matches!(range_from_head(3, ""), Err(StoreError::Corrupt(_))));
        assert!(matches!(range_from_head(1, "zz"), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            plan_append(1, "", vec![EncodedEntry::of(&entry(1))]),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(range_from_head(0, "").unwrap().root(), ledger::EMPTY_ROOT);
    }

    #[test]
    fn access_entries_name_their_legal_basis_and_elements() {
        let access = AccessEntry {
            at: DateTime::from_timestamp_millis(1_770_000_000_123).unwrap(),
            actor: "acc-staff-1".into(),
            role: Role::Staff,
            department: Some("WJ".into()),
            action: "read_case".into(),
            case_id: Some("YJS20260212000001".into()),
            elements: "child_name,, mother_id_number".into(),
            purpose: "办理出生医学证明".into(),
        };
        let entry = access_ledger_entry(&access, Some("applicant-1".into()));
        assert_eq!(entry.kind, "data.access");
        assert_eq!(entry.at_ms, 1_770_000_000_123);
        assert_eq!(entry.elements, ["child_name", "mother_id_number"]);
        assert_eq!(entry.legal_basis.as_deref(), Some("依申请人提交的办件办理本部门事项"));
        assert_eq!(entry.subject.as_deref(), Some("applicant-1"));
        assert_eq!(entry.detail, "read_case");
        let login = AccessEntry {
            action: "login".into(),
            role: Role::Admin,
            case_id: None,
            elements: String::new(),
            ..access
        };
        let entry = access_ledger_entry(&login, None);
        assert_eq!(entry.kind, "staff.login");
        let applicant_login = AccessEntry {
            role: Role::Applicant,
            ..login.clone()
        };
        assert_eq!(access_ledger_entry(&applicant_login, None).kind, "applicant.login");
        assert!(entry.elements.is_empty());
        assert_eq!(entry.legal_basis.as_deref(), Some("监督管理职责"));
        assert_eq!(
            ledger::LedgerEntry::from_canonical_bytes(&entry.canonical_bytes()),
            Ok(entry)
        );
    }
}
