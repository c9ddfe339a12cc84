//! Storage of benefit findings (免申即享): the [`BenefitStore`] half of the store,
//! implemented for both backends by [`impl_benefit_store!`]. Findings are written
//! together with the access entries of the data reads behind them and the messages
//! they cause, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{NewNotification, Result, SharedRecord, SubjectAccess};

/// What became of a finding.
/// A state change of a finding decided by a run (withdrawn, restored), with the
/// entry that records it and the message that tells the recipient.
#[derive(Clone, Debug)]
pub struct FindingChange {
    pub id: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub record: SubjectAccess,
    pub notice: NewNotification,
}

/// Moves a finding (`$1`) from state `$2` to `$3` with a reason and a time.
pub(crate) const FINDING_STATE_UPDATE: &str = "UPDATE benefit_findings SET state = $3, state_reason = $4, \
     updated_at = $5 WHERE id = $1 AND state = $2";

pub const FINDING_STATES: [&str; 5] = ["granted", "invited", "declined", "objected", "withdrawn"];

/// One subject found eligible for one policy in one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: String,
    pub policy: String,
    /// `2026` or `2026-12`.
    pub period: String,
    /// The ID number or credit code whose data qualified.
    pub subject: String,
    pub subject_name: String,
    /// Who receives it and sees it on 我的待遇.
    pub recipient: String,
    pub amount_fen: i64,
    /// The reasons as JSON (`eligibility::Reason` list), kept as written.
    pub reasons: String,
    /// `granted` (免申即享), `invited` (主动告知), `declined`, `objected`.
    pub state: String,
    pub state_reason: Option<String>,
    pub found_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait BenefitStore: Send + Sync {
    /// Every record of the given sources (the subjects a policy runs over).
    async fn shared_records_of(&self, sources: &[String]) -> Result<Vec<SharedRecord>>;
    /// Inserts new findings and updates the amount and reasons of existing ones
    /// (same policy, period and subject) without touching their state, with the access
    /// entries of the reads and the messages, and the state changes a run decided
    /// (each applied, with its entry and message, only if the finding is still in the
    /// state it was read in), in one transaction.
    async fn put_findings(
        &self,
        findings: &[Finding],
        accesses: &[SubjectAccess],
        notices: &[NewNotification],
        changes: &[FindingChange],
    ) -> Result<()>;
    /// The findings of a policy (and period, when given), by subject.
    async fn findings_of_policy(&self, policy: &str, period: Option<&str>) -> Result<Vec<Finding>>;
    /// The findings a person or enterprise receives, newest first.
    async fn findings_of_recipient(&self, recipient: &str) -> Result<Vec<Finding>>;
    async fn finding(&self, id: &str) -> Result<Option<Finding>>;
    /// Moves a finding from `from` to `to` with the person's reason and the entry that
    /// records it; `false` (nothing written) when it is not in state `from`.
    async fn change_finding_state(
        &self,
        id: &str,
        from: &str,
        to: &str,
        reason: Option<&str>,
        at: DateTime<Utc>,
        record: &SubjectAccess,
    ) -> Result<bool>;
}

pub(crate) const FINDING_COLUMNS: &str = "id, policy, period, subject, subject_name, recipient, amount_fen, reasons, \
                                          state, state_reason, found_at, updated_at";

pub(crate) fn finding_from_row(row: &impl crate::common::ReadRow) -> Result<Finding> {
    use crate::common::time_from_millis;
    Ok(Finding {
        id: row.text("id")?,
        policy: row.text("policy")?,
        period: row.text("period")?,
        subject: row.text("subject")?,
        subject_name: row.text("subject_name")?,
        recipient: row.text("recipient")?,
        amount_fen: row.int("amount_fen")?,
        reasons: row.text("reasons")?,
        state: row.text("state")?,
        state_reason: row.optional_text("state_reason")?,
        found_at: time_from_millis(row.int("found_at")?, "finding time")?,
        updated_at: time_from_millis(row.int("updated_at")?, "finding update time")?,
    })
}

/// Implements [`BenefitStore`] for a store type (see `impl_sharing_store!`).
macro_rules! impl_benefit_store {
    ($store:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};

            use $crate::benefits::{self as benefits, FINDING_COLUMNS, Finding};
            use $crate::common::{ReadRow as _, millis};
            use $crate::{NewNotification, Result, SharedRecord, SubjectAccess};

            #[async_trait::async_trait]
            impl $crate::BenefitStore for $store {
                async fn shared_records_of(&self, sources: &[String]) -> Result<Vec<SharedRecord>> {
                    let mut records = Vec::new();
                    for source in sources {
                        let rows = sqlx::query(&self.sql(
                            "SELECT source, subject, attributes FROM shared_records WHERE source = $1 ORDER BY subject",
                        ))
                        .bind(source)
                        .fetch_all(self.pool())
                        .await?;
                        for row in &rows {
                            records.push($crate::shared::record_from_row(row)?);
                        }
                    }
                    Ok(records)
                }

                async fn put_findings(
                    &self,
                    findings: &[Finding],
                    accesses: &[SubjectAccess],
                    notices: &[NewNotification],
                    changes: &[benefits::FindingChange],
                ) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let single = format!(
                            "INSERT INTO benefit_findings ({FINDING_COLUMNS}) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                             ON CONFLICT (policy, period, subject) DO UPDATE SET \
                             amount_fen = excluded.amount_fen, reasons = excluded.reasons, \
                             recipient = excluded.recipient, subject_name = excluded.subject_name, \
                             updated_at = excluded.updated_at"
                        );
                        for chunk in findings.chunks(sql::ROWS_PER_INSERT) {
                            let statement = self.sql_rows(&single, chunk.len());
                            let mut query = sqlx::query(&statement);
                            for finding in chunk {
                                query = query
                                    .bind(&finding.id)
                                    .bind(&finding.policy)
                                    .bind(&finding.period)
                                    .bind(&finding.subject)
                                    .bind(&finding.subject_name)
                                    .bind(&finding.recipient)
                                    .bind(finding.amount_fen)
                                    .bind(&finding.reasons)
                                    .bind(&finding.state)
                                    .bind(finding.state_reason.as_deref())
                                    .bind(millis(finding.found_at))
                                    .bind(millis(finding.updated_at));
                            }
                            query.execute(&mut *writer.tx).await?;
                            // A finding new to the store keeps the id it was given; one
                            // found again keeps its stored id. The new ones are announced.
                            let statement = self.sql_owned($crate::outbox::findings_present(chunk.len()));
                            let mut query = sqlx::query(&statement);
                            for finding in chunk {
                                query = query.bind(&finding.id);
                            }
                            let new: std::collections::HashSet<String> = query
                                .fetch_all(&mut *writer.tx)
                                .await?
                                .iter()
                                .map(|row| row.text("id"))
                                .collect::<Result<_>>()?;
                            let events: Vec<_> = chunk
                                .iter()
                                .filter(|finding| new.contains(&finding.id))
                                .map(|finding| {
                                    webhooks::events::benefit_found(
                                        &finding.id,
                                        &finding.policy,
                                        &finding.period,
                                        finding.found_at,
                                    )
                                })
                                .collect();
                            self.write_outbox(&mut writer.tx, &events).await?;
                        }
                        self.write_accesses(&mut writer.tx, accesses).await?;
                        self.insert_notices(&mut writer.tx, notices).await?;
                        for change in changes {
                            let changed = sqlx::query(&self.sql(benefits::FINDING_STATE_UPDATE))
                                .bind(&change.id)
                                .bind(&change.from)
                                .bind(&change.to)
                                .bind(&change.reason)
                                .bind(millis(change.at))
                                .execute(&mut *writer.tx)
                                .await?
                                .rows_affected();
                            // The person acted on it since it was read: theirs stands.
                            if changed == 1 {
                                self.write_accesses(&mut writer.tx, std::slice::from_ref(&change.record))
                                    .await?;
                                self.insert_notices(&mut writer.tx, std::slice::from_ref(&change.notice))
                                    .await?;
                            }
                        }
                        writer.commit().await
                    })
                    .await
                }

                async fn findings_of_policy(&self, policy: &str, period: Option<&str>) -> Result<Vec<Finding>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {FINDING_COLUMNS} FROM benefit_findings \
                         WHERE policy = $1 AND ($2 = '' OR period = $2) ORDER BY period DESC, subject"
                    ));
                    sqlx::query(&statement)
                        .bind(policy)
                        .bind(period.unwrap_or(""))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(benefits::finding_from_row)
                        .collect()
                }

                async fn findings_of_recipient(&self, recipient: &str) -> Result<Vec<Finding>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {FINDING_COLUMNS} FROM benefit_findings WHERE recipient = $1 \
                         ORDER BY found_at DESC, id"
                    ));
                    sqlx::query(&statement)
                        .bind(recipient)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(benefits::finding_from_row)
                        .collect()
                }

                async fn finding(&self, id: &str) -> Result<Option<Finding>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {FINDING_COLUMNS} FROM benefit_findings WHERE id = $1"
                    ));
                    sqlx::query(&statement)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(benefits::finding_from_row)
                        .transpose()
                }

                async fn change_finding_state(
                    &self,
                    id: &str,
                    from: &str,
                    to: &str,
                    reason: Option<&str>,
                    at: DateTime<Utc>,
                    record: &SubjectAccess,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(benefits::FINDING_STATE_UPDATE))
                            .bind(id)
                            .bind(from)
                            .bind(to)
                            .bind(reason)
                            .bind(millis(at))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record))
                            .await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }
            }
        };
    };
}

pub(crate) use impl_benefit_store;
