//! What both backends share: the conversions between Rust values and columns, row
//! decoding, the write transaction, and — in [`impl_store!`] — the implementation
//! of [`Store`](crate::Store) itself, written once and expanded for each store type.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use sqlx::{Database, Row, Transaction};
use tokio::sync::MutexGuard;

use cases::{Case, CaseId, Event};

use crate::{AccessEntry, Account, CaseSummary, QueueEntry, Result, Role, StoreError, StoredEvent};

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

fn date_from_text(text: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|error| StoreError::Corrupt(format!("{what}: bad date {text:?}: {error}")))
}

fn optional_date_from_text(text: Option<String>, what: &str) -> Result<Option<NaiveDate>> {
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
    })
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
                AccessEntry, Account, CaseSummary, IdempotencyKey, Inserted, QueueEntry, Result, StoredEvent, Updated,
                Upload, Versioned,
            };

            impl $store {
                /// Writes one task row per task of the case (insert or update).
                async fn write_tasks(&self, conn: &mut $conn, case: &Case) -> Result<()> {
                    let statement = self.sql(sql::TASK_UPSERT);
                    for task in &case.tasks {
                        sqlx::query(&statement)
                            .bind(case.id.as_str())
                            .bind(task.item.as_str())
                            .bind(&task.department)
                            .bind(&task.name)
                            .bind(task.state.as_str())
                            .bind(common::optional_date_text(task.deadline))
                            .bind(common::optional_date_text(task.dispatched_on))
                            .bind(&case.one_thing_name)
                            .execute(&mut *conn)
                            .await?;
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
                    let statement = self.sql(sql::EVENT_INSERT);
                    for (seq, event) in (last_seq + 1..).zip(events) {
                        sqlx::query(&statement)
                            .bind(id.as_str())
                            .bind(seq)
                            .bind(millis(event.at))
                            .bind(&event.actor)
                            .bind(event.transition.as_str())
                            .bind(event.item.as_ref().map(|item| item.as_str()))
                            .bind(event.department.as_deref())
                            .bind(event.from.map(|state| state.as_str()))
                            .bind(event.to.map(|state| state.as_str()))
                            .bind(&event.note)
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
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
                    let mut writer = self.begin_write().await?;
                    sqlx::query(&self.sql(sql::SESSION_CREATE))
                        .bind(token_hash)
                        .bind(account_id)
                        .bind(millis(expires_at))
                        .execute(&mut *writer.tx)
                        .await?;
                    writer.commit().await
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
                    let mut writer = self.begin_write().await?;
                    sqlx::query(&self.sql(sql::SESSION_DELETE))
                        .bind(token_hash)
                        .execute(&mut *writer.tx)
                        .await?;
                    writer.commit().await
                }

                async fn insert_case_with_uploads(
                    &self,
                    case: &Case,
                    events: &[Event],
                    key: Option<&IdempotencyKey>,
                    uploads: &[(Upload, Vec<u8>)],
                ) -> Result<Inserted> {
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
                    for (upload, data) in uploads {
                        sqlx::query(&self.sql(sql::UPLOAD_INSERT))
                            .bind(&upload.id)
                            .bind(&upload.case_id)
                            .bind(&upload.material)
                            .bind(&upload.file_name)
                            .bind(&upload.content_type)
                            .bind(upload.size)
                            .bind(&upload.sha256)
                            .bind(data.as_slice())
                            .bind(millis(upload.uploaded_at))
                            .bind(&upload.uploaded_by)
                            .execute(&mut *writer.tx)
                            .await?;
                    }
                    writer.commit().await?;
                    Ok(Inserted::Created)
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

                async fn update_case(&self, case: &Case, expected_version: i64, events: &[Event]) -> Result<Updated> {
                    let doc = common::encode_case(case)?;
                    let mut writer = self.begin_write().await?;
                    // Also takes the row lock on PostgreSQL: a concurrent update of the
                    // same case waits here, then finds the version moved on.
                    let updated = sqlx::query(&self.sql(sql::CASE_UPDATE))
                        .bind(&doc)
                        .bind(case.state().as_str())
                        .bind(millis(case.updated_at))
                        .bind(case.id.as_str())
                        .bind(expected_version)
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                    if updated == 0 {
                        writer.rollback().await?;
                        return Ok(Updated::Conflict);
                    }
                    self.write_tasks(&mut writer.tx, case).await?;
                    let last_seq = sqlx::query(&self.sql(sql::EVENT_NEXT_SEQ))
                        .bind(case.id.as_str())
                        .fetch_one(&mut *writer.tx)
                        .await?
                        .int("last")?;
                    self.append_events(&mut writer.tx, &case.id, last_seq, events)
                        .await?;
                    writer.commit().await?;
                    Ok(Updated::Written(expected_version + 1))
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

                async fn put_rating(&self, rating: &$crate::Rating) -> Result<bool> {
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
                    writer.commit().await?;
                    Ok(inserted == 1)
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

                async fn record_access(&self, entry: &AccessEntry) -> Result<()> {
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
                    writer.commit().await
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
            }
        };
    };
}

pub(crate) use impl_store;
