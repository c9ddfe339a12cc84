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

pub const FINDING_STATES: [&str; 6] = ["granted", "invited", "declined", "objected", "withdrawn", "confirmed"];

/// What the department's list asks for: one policy, optionally one period, one state,
/// the findings about (or paid to) one exact ID number or credit code, or one finding;
/// a page of `limit` rows after a keyset position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingQuery {
    pub policy: String,
    pub period: Option<String>,
    pub state: Option<String>,
    /// An ID number or credit code: findings whose subject or recipient it is.
    pub subject: Option<String>,
    pub id: Option<String>,
    /// The (period, id) of the last row of the previous page; the list runs by period
    /// (newest first), then by finding id.
    pub after: Option<(String, String)>,
    pub limit: i64,
}

/// The totals of the findings a [`FindingQuery`] selects (its page aside), computed by
/// the database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FindingTotals {
    pub count: i64,
    /// The amount of the findings neither declined nor withdrawn, in fen.
    pub amount_fen: i64,
    pub declined: i64,
    pub objected: i64,
    pub confirmed: i64,
}

/// One finding to confirm for payment, with the entry that records it.
#[derive(Clone, Debug)]
pub struct FindingConfirmation {
    pub id: String,
    pub record: SubjectAccess,
}

/// What a batch confirmation did: all of it or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// Every `granted` finding of the batch is now `confirmed` (these ids); the
    /// others of the batch were confirmed before and are left as they are.
    Done {
        confirmed: Vec<String>,
        already: Vec<String>,
    },
    /// Nothing written: some findings of the batch are in a state that cannot be
    /// confirmed (id, state), or are not the policy's.
    Refused {
        blocked: Vec<(String, String)>,
        missing: Vec<String>,
    },
}

/// A background job confirming every granted finding of one policy's period for
/// payment, batch by batch (`benefit_confirm_jobs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfirmJob {
    pub id: String,
    pub policy: String,
    pub period: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// The account that started it, and its display name.
    pub started_by: String,
    pub started_by_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The period's granted findings when it started.
    pub total: i64,
    /// Confirmed by this job so far (committed batches).
    pub confirmed: i64,
    pub amount_fen: i64,
    /// What each recipient reads beside 已确认发放.
    pub reason: String,
    /// Why it failed, with what was done by then.
    pub error: Option<String>,
    /// The node running it, and until when its claim holds without a new batch.
    pub lease_owner: Option<String>,
    pub lease_until: DateTime<Utc>,
}

/// A run of a policy over the whole population (`benefit_runs`), recorded as it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyRun {
    pub id: String,
    pub policy: String,
    /// The evaluation date, and the period (`2026`, `2026-12`) it falls in.
    pub as_of: chrono::NaiveDate,
    pub period: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// `reading`, `evaluating`, `storing` or `done`.
    pub stage: String,
    pub started_by: String,
    pub started_by_name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Shared records read, subjects evaluated, findings and access entries stored.
    pub records: i64,
    pub subjects: i64,
    pub findings: i64,
    pub accesses: i64,
    /// The run's summary as JSON, once it succeeded.
    pub summary: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The node running it, and until when its claim holds without a new stage.
    pub lease_owner: Option<String>,
    pub lease_until: DateTime<Utc>,
}

/// How far a [`PolicyRun`] is: its stage and counts, and its lease moved on.
#[derive(Clone, Debug)]
pub struct RunStage<'a> {
    pub id: &'a str,
    pub stage: &'a str,
    pub records: i64,
    pub subjects: i64,
    pub findings: i64,
    pub accesses: i64,
    pub lease_until: DateTime<Utc>,
}

/// One batch of a [`ConfirmJob`]: the findings to confirm with their entries, under
/// the job's lease held by `node`.
#[derive(Clone, Debug)]
pub struct ConfirmBatch<'a> {
    pub job: &'a str,
    pub node: &'a str,
    /// The policy's department: it alone receives the `benefit.confirmed` event.
    pub department: &'a str,
    pub policy: &'a str,
    pub period: &'a str,
    pub findings: &'a [FindingConfirmation],
    pub reason: &'a str,
    pub at: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
}

/// What one committed batch confirmed: the findings still granted when it ran (one
/// entry each), and their amount.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchConfirmed {
    pub confirmed: Vec<String>,
    pub amount_fen: i64,
}

/// The department's answer to an objection (有异议): the finding leaves `objected` for
/// `to` (the state before the objection when upheld; granted or invited when
/// corrected, with the corrected amount if any), with the entry that records it and
/// the message that tells the person.
#[derive(Clone, Debug)]
pub struct ObjectionAnswer {
    pub finding: String,
    pub to: String,
    /// `upheld` (维持) or `corrected` (更正).
    pub decision: String,
    pub reply: String,
    /// What the person reads beside the new state.
    pub state_reason: String,
    pub amount_fen: Option<i64>,
    pub resolved_by: String,
    pub at: DateTime<Utc>,
    pub record: SubjectAccess,
    pub notice: NewNotification,
}

/// An objection as stored: the state it interrupted and the person's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objection {
    pub finding: String,
    pub objected_at: DateTime<Utc>,
    pub objected_from: String,
    pub reason: String,
    pub decision: Option<String>,
    pub reply: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

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
    /// `granted` (免申即享), `invited` (主动告知), `declined`, `objected`,
    /// `withdrawn` (no longer qualifies), `confirmed` (confirmed for payment).
    pub state: String,
    pub state_reason: Option<String>,
    pub found_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the last re-run that changed it changed, in words (`None`: as found).
    pub change_note: Option<String>,
}

#[async_trait]
pub trait BenefitStore: Send + Sync {
    /// Every record of the given sources (the subjects a policy runs over).
    async fn shared_records_of(&self, sources: &[String]) -> Result<Vec<SharedRecord>>;
    /// Inserts new findings and updates the amount and reasons of existing ones
    /// (same policy, period and subject) without touching their state (nor anything of
    /// a finding confirmed for payment), with the access entries of the reads and the
    /// messages, and the state changes a run decided (each applied, with its entry and
    /// message, only if the finding is still in the state it was read in), in one
    /// transaction. On a SQLite file, a run of many reads records `accesses` first, in
    /// transactions of their own (the reads happened whatever the outcome; the writer
    /// is free between them). Each new finding writes a `benefit.found` event for `department`,
    /// the policy's, and only its subscriptions receive it.
    async fn put_findings(
        &self,
        department: &str,
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
    /// One page of a policy's findings ([`FindingQuery`]), by period (newest first)
    /// then id.
    async fn findings_page(&self, query: &FindingQuery) -> Result<Vec<Finding>>;
    /// The totals of everything the query selects, whatever its page.
    async fn findings_totals(&self, query: &FindingQuery) -> Result<FindingTotals>;
    /// The policy's findings with these ids (unknown ones left out).
    async fn findings_by_ids(&self, policy: &str, ids: &[String]) -> Result<Vec<Finding>>;
    /// Confirms findings of `policy` for payment (`granted` → `confirmed`) with the
    /// entry of each, in one transaction: all of them, or nothing when any is in
    /// another state than `granted` or `confirmed` or is not the policy's. A finding
    /// already confirmed is left as it is and gets no new entry (a retry is harmless).
    /// What it confirms is announced to `department`, the policy's, by one
    /// `benefit.confirmed` event per period.
    async fn confirm_findings(
        &self,
        department: &str,
        policy: &str,
        findings: &[FindingConfirmation],
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<Confirmed>;
    /// Starts a confirmation job with the entry that records its start, in one
    /// transaction; `Some(job)`: nothing written, `job` of the same policy and period
    /// is running.
    async fn start_confirm_job(&self, job: &ConfirmJob, record: &SubjectAccess) -> Result<Option<ConfirmJob>>;
    async fn confirm_job(&self, id: &str) -> Result<Option<ConfirmJob>>;
    /// A policy's latest jobs, newest first.
    async fn confirm_jobs(&self, policy: &str, limit: i64) -> Result<Vec<ConfirmJob>>;
    /// The running jobs whose lease ran out before `now` (their node stopped).
    async fn stalled_confirm_jobs(&self, now: DateTime<Utc>) -> Result<Vec<ConfirmJob>>;
    /// Takes over a running job whose lease ran out before `now`; `false` when another
    /// node holds it or it finished.
    async fn claim_confirm_job(
        &self,
        id: &str,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Confirms one batch in one transaction: each finding still `granted` becomes
    /// `confirmed` with its entry (the others are left as they are), one
    /// `benefit.confirmed` event for the department carries their ids, and the job's
    /// progress and lease move on. `None` (nothing written) when `node` no longer holds
    /// the job.
    async fn confirm_job_batch(&self, batch: &ConfirmBatch<'_>) -> Result<Option<BatchConfirmed>>;
    /// Ends a running job held by `node` as `succeeded` or `failed` (with `error`),
    /// with the entry that records it; `false` (nothing written) when it does not hold it.
    async fn finish_confirm_job(
        &self,
        id: &str,
        node: &str,
        state: &str,
        error: Option<&str>,
        at: DateTime<Utc>,
        record: &SubjectAccess,
    ) -> Result<bool>;
    /// Records the start of a run, with the entry that records it, in one transaction;
    /// a running run of the same policy whose lease ran out before `run.started_at` is
    /// marked failed (interrupted) first. `Some(running)` (nothing written) when
    /// another run of the policy is running.
    async fn start_policy_run(&self, run: &PolicyRun, record: &SubjectAccess) -> Result<Option<PolicyRun>>;
    /// Moves a running run to `stage` with its counts and a new lease.
    async fn policy_run_stage(&self, stage: &RunStage<'_>) -> Result<()>;
    /// Ends a running run as `succeeded` (with its `summary`) or `failed` (with
    /// `error`), with the entry that records it; `false` (nothing written) when it is
    /// not running any more (marked interrupted meanwhile).
    async fn finish_policy_run(
        &self,
        id: &str,
        state: &str,
        summary: Option<&str>,
        error: Option<&str>,
        at: DateTime<Utc>,
        record: &SubjectAccess,
    ) -> Result<bool>;
    async fn policy_run(&self, id: &str) -> Result<Option<PolicyRun>>;
    /// The latest runs of a policy, newest first.
    async fn policy_runs(&self, policy: &str, limit: i64) -> Result<Vec<PolicyRun>>;
    /// Answers the open objection of a finding (`ObjectionAnswer`): the finding's new
    /// state, reason (and corrected amount), the objection's decision and reply, the
    /// entry and the message, in one transaction; `false` (nothing written) when the
    /// finding is no longer `objected`.
    async fn answer_objection(&self, answer: &ObjectionAnswer) -> Result<bool>;
    /// The open (unanswered) objection of a finding, if any.
    async fn open_objection(&self, finding: &str) -> Result<Option<Objection>>;
    /// Moves a finding from `from` to `to` with the person's reason and the entry that
    /// records it; `false` (nothing written) when it is not in state `from`. Moving to
    /// `objected` also opens an objection (`benefit_objections`) noting `from`.
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

/// Findings written at once from which the planner's statistics are refreshed.
pub(crate) const REFRESH_STATISTICS_AFTER: usize = 10_000;

pub(crate) const FINDING_COLUMNS: &str = "id, policy, period, subject, subject_name, recipient, amount_fen, reasons, \
                                          state, state_reason, found_at, updated_at, change_note";

pub(crate) const JOB_COLUMNS: &str = "id, policy, period, state, started_by, started_by_name, started_at, \
                                      finished_at, total, confirmed, amount_fen, reason, error, lease_owner, lease_until";

pub(crate) const RUN_COLUMNS: &str = "id, policy, as_of, period, state, stage, started_by, started_by_name, \
                                      started_at, finished_at, records, subjects, findings, accesses, summary, error, \
                                      lease_owner, lease_until";

pub(crate) fn run_from_row(row: &impl crate::common::ReadRow) -> Result<PolicyRun> {
    use crate::common::{date_from_text, time_from_millis};
    Ok(PolicyRun {
        id: row.text("id")?,
        policy: row.text("policy")?,
        as_of: date_from_text(&row.text("as_of")?, "run date")?,
        period: row.text("period")?,
        state: row.text("state")?,
        stage: row.text("stage")?,
        started_by: row.text("started_by")?,
        started_by_name: row.text("started_by_name")?,
        started_at: time_from_millis(row.int("started_at")?, "run start")?,
        finished_at: row
            .optional_int("finished_at")?
            .map(|at| time_from_millis(at, "run end"))
            .transpose()?,
        records: row.int("records")?,
        subjects: row.int("subjects")?,
        findings: row.int("findings")?,
        accesses: row.int("accesses")?,
        summary: row.optional_text("summary")?,
        error: row.optional_text("error")?,
        lease_owner: row.optional_text("lease_owner")?,
        lease_until: time_from_millis(row.int("lease_until")?, "run lease")?,
    })
}

pub(crate) fn job_from_row(row: &impl crate::common::ReadRow) -> Result<ConfirmJob> {
    use crate::common::time_from_millis;
    Ok(ConfirmJob {
        id: row.text("id")?,
        policy: row.text("policy")?,
        period: row.text("period")?,
        state: row.text("state")?,
        started_by: row.text("started_by")?,
        started_by_name: row.text("started_by_name")?,
        started_at: time_from_millis(row.int("started_at")?, "job start")?,
        finished_at: row
            .optional_int("finished_at")?
            .map(|at| time_from_millis(at, "job end"))
            .transpose()?,
        total: row.int("total")?,
        confirmed: row.int("confirmed")?,
        amount_fen: row.int("amount_fen")?,
        reason: row.text("reason")?,
        error: row.optional_text("error")?,
        lease_owner: row.optional_text("lease_owner")?,
        lease_until: time_from_millis(row.int("lease_until")?, "job lease")?,
    })
}

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
        change_note: row.optional_text("change_note")?,
    })
}

/// Implements [`BenefitStore`] for a store type (see `impl_sharing_store!`).
macro_rules! impl_benefit_store {
    ($store:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};

            use $crate::benefits::{self as benefits, FINDING_COLUMNS, Finding, JOB_COLUMNS, RUN_COLUMNS};
            use $crate::common::{ReadRow as _, millis};
            use $crate::{NewNotification, Result, SharedRecord, SubjectAccess, sql};

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
                    department: &str,
                    findings: &[Finding],
                    accesses: &[SubjectAccess],
                    notices: &[NewNotification],
                    changes: &[benefits::FindingChange],
                ) -> Result<()> {
                    // A run over a population records its reads first, in batches
                    // where the backend has a bulk writer; otherwise with its findings.
                    let accesses = match self.record_run_accesses(accesses).await {
                        Some(written) => {
                            written?;
                            &[][..]
                        }
                        None => accesses,
                    };
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let single = format!(
                            "INSERT INTO benefit_findings ({FINDING_COLUMNS}) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                             ON CONFLICT (policy, period, subject) DO UPDATE SET \
                             amount_fen = excluded.amount_fen, reasons = excluded.reasons, \
                             recipient = excluded.recipient, subject_name = excluded.subject_name, \
                             updated_at = excluded.updated_at, change_note = excluded.change_note \
                             WHERE benefit_findings.state <> 'confirmed'"
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
                                    .bind(millis(finding.updated_at))
                                    .bind(finding.change_note.as_deref());
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
                                        department,
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
                    .await?;
                    if findings.len() >= benefits::REFRESH_STATISTICS_AFTER {
                        self.refresh_statistics("benefit_findings").await;
                    }
                    Ok(())
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

                async fn findings_page(&self, query: &benefits::FindingQuery) -> Result<Vec<Finding>> {
                    let (statement, binds) = sql::findings_page(query);
                    let statement = self.sql_owned(statement);
                    let mut select = sqlx::query(&statement);
                    for bind in &binds {
                        select = select.bind(bind.as_str());
                    }
                    select
                        .bind(query.limit)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(benefits::finding_from_row)
                        .collect()
                }

                async fn findings_totals(&self, query: &benefits::FindingQuery) -> Result<benefits::FindingTotals> {
                    let (statement, binds) = sql::findings_totals(query);
                    let statement = self.sql_owned(statement);
                    let mut select = sqlx::query(&statement);
                    for bind in &binds {
                        select = select.bind(bind.as_str());
                    }
                    let row = select.fetch_one(self.pool()).await?;
                    Ok(benefits::FindingTotals {
                        count: row.int("count")?,
                        amount_fen: row.int("amount_fen")?,
                        declined: row.int("declined")?,
                        objected: row.int("objected")?,
                        confirmed: row.int("confirmed")?,
                    })
                }

                async fn findings_by_ids(&self, policy: &str, ids: &[String]) -> Result<Vec<Finding>> {
                    let mut found = Vec::with_capacity(ids.len());
                    for chunk in ids.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_owned(sql::findings_by_ids(chunk.len()));
                        let mut select = sqlx::query(&statement).bind(policy);
                        for id in chunk {
                            select = select.bind(id);
                        }
                        for row in select.fetch_all(self.pool()).await? {
                            found.push(benefits::finding_from_row(&row)?);
                        }
                    }
                    Ok(found)
                }

                async fn confirm_findings(
                    &self,
                    department: &str,
                    policy: &str,
                    findings: &[benefits::FindingConfirmation],
                    reason: &str,
                    at: DateTime<Utc>,
                ) -> Result<benefits::Confirmed> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        // The states as this transaction reads them.
                        let mut states = std::collections::HashMap::new();
                        for chunk in findings.chunks(sql::ROWS_PER_INSERT) {
                            let statement = self.sql_owned(sql::finding_states(chunk.len()));
                            let mut select = sqlx::query(&statement).bind(policy);
                            for finding in chunk {
                                select = select.bind(&finding.id);
                            }
                            for row in select.fetch_all(&mut *writer.tx).await? {
                                states.insert(row.text("id")?, row.text("state")?);
                            }
                        }
                        let mut to_confirm = Vec::new();
                        let mut already = Vec::new();
                        let mut blocked = Vec::new();
                        let mut missing = Vec::new();
                        for finding in findings {
                            match states.get(&finding.id).map(String::as_str) {
                                Some("granted") => to_confirm.push(finding),
                                Some("confirmed") => already.push(finding.id.clone()),
                                Some(other) => blocked.push((finding.id.clone(), other.to_owned())),
                                None => missing.push(finding.id.clone()),
                            }
                        }
                        if !blocked.is_empty() || !missing.is_empty() {
                            writer.rollback().await?;
                            return Ok(benefits::Confirmed::Refused { blocked, missing });
                        }
                        let mut changed = 0;
                        // Confirmed ids by period: one event per period.
                        let mut by_period: std::collections::BTreeMap<String, Vec<String>> =
                            std::collections::BTreeMap::new();
                        for chunk in to_confirm.chunks(sql::ROWS_PER_INSERT) {
                            let statement =
                                self.sql_owned(format!("{} RETURNING id, period", sql::findings_confirm(chunk.len())));
                            let mut update = sqlx::query(&statement).bind(policy).bind(reason).bind(millis(at));
                            for finding in chunk {
                                update = update.bind(&finding.id);
                            }
                            for row in update.fetch_all(&mut *writer.tx).await? {
                                changed += 1;
                                by_period.entry(row.text("period")?).or_default().push(row.text("id")?);
                            }
                        }
                        // A person declined or objected between the read and the update
                        // (PostgreSQL; SQLite's single writer excludes it): all or nothing.
                        if changed != to_confirm.len() as u64 {
                            writer.rollback().await?;
                            let ids: Vec<String> = to_confirm.iter().map(|f| f.id.clone()).collect();
                            let now: std::collections::HashSet<String> =
                                <Self as $crate::BenefitStore>::findings_by_ids(self, policy, &ids)
                                    .await?
                                    .into_iter()
                                    .filter(|f| f.state != "granted")
                                    .map(|f| f.id)
                                    .collect();
                            return Ok(benefits::Confirmed::Refused {
                                blocked: to_confirm
                                    .iter()
                                    .filter(|f| now.contains(&f.id))
                                    .map(|f| (f.id.clone(), "changed".to_owned()))
                                    .collect(),
                                missing: Vec::new(),
                            });
                        }
                        let records: Vec<SubjectAccess> = to_confirm.iter().map(|f| f.record.clone()).collect();
                        self.write_accesses(&mut writer.tx, &records).await?;
                        let events: Vec<_> = by_period
                            .into_iter()
                            .map(|(period, mut ids)| {
                                // In id order, whatever order the database returned them in.
                                ids.sort_unstable();
                                webhooks::events::benefit_confirmed(ids, policy, department, &period, None, at)
                            })
                            .collect();
                        self.write_outbox(&mut writer.tx, &events).await?;
                        writer.commit().await?;
                        Ok(benefits::Confirmed::Done {
                            confirmed: to_confirm.iter().map(|f| f.id.clone()).collect(),
                            already,
                        })
                    })
                    .await
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
                        if to == "objected" {
                            sqlx::query(&self.sql(
                                "INSERT INTO benefit_objections (finding_id, objected_at, objected_from, reason) \
                                 VALUES ($1, $2, $3, $4) ON CONFLICT (finding_id, objected_at) DO NOTHING",
                            ))
                            .bind(id)
                            .bind(millis(at))
                            .bind(from)
                            .bind(reason.unwrap_or(""))
                            .execute(&mut *writer.tx)
                            .await?;
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record))
                            .await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn start_confirm_job(
                    &self,
                    job: &benefits::ConfirmJob,
                    record: &SubjectAccess,
                ) -> Result<Option<benefits::ConfirmJob>> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let statement = self.sql_owned(format!(
                            "INSERT INTO benefit_confirm_jobs ({JOB_COLUMNS}) VALUES \
                             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING"
                        ));
                        let inserted = sqlx::query(&statement)
                            .bind(&job.id)
                            .bind(&job.policy)
                            .bind(&job.period)
                            .bind(&job.state)
                            .bind(&job.started_by)
                            .bind(&job.started_by_name)
                            .bind(millis(job.started_at))
                            .bind(job.finished_at.map(millis))
                            .bind(job.total)
                            .bind(job.confirmed)
                            .bind(job.amount_fen)
                            .bind(&job.reason)
                            .bind(job.error.as_deref())
                            .bind(job.lease_owner.as_deref())
                            .bind(millis(job.lease_until))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if inserted == 0 {
                            // One job per policy and period runs at a time: that one.
                            let statement = self.sql_owned(format!(
                                "SELECT {JOB_COLUMNS} FROM benefit_confirm_jobs \
                                 WHERE policy = $1 AND period = $2 AND state = 'running'"
                            ));
                            let running = sqlx::query(&statement)
                                .bind(&job.policy)
                                .bind(&job.period)
                                .fetch_optional(&mut *writer.tx)
                                .await?
                                .as_ref()
                                .map(benefits::job_from_row)
                                .transpose()?;
                            writer.rollback().await?;
                            return match running {
                                Some(running) => Ok(Some(running)),
                                None => Err($crate::StoreError::Corrupt(format!("confirmation job id {} already stored", job.id))),
                            };
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        writer.commit().await?;
                        Ok(None)
                    })
                    .await
                }

                async fn confirm_job(&self, id: &str) -> Result<Option<benefits::ConfirmJob>> {
                    let statement =
                        self.sql_owned(format!("SELECT {JOB_COLUMNS} FROM benefit_confirm_jobs WHERE id = $1"));
                    sqlx::query(&statement)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(benefits::job_from_row)
                        .transpose()
                }

                async fn confirm_jobs(&self, policy: &str, limit: i64) -> Result<Vec<benefits::ConfirmJob>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {JOB_COLUMNS} FROM benefit_confirm_jobs WHERE policy = $1 \
                         ORDER BY started_at DESC, id LIMIT $2"
                    ));
                    sqlx::query(&statement)
                        .bind(policy)
                        .bind(limit)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(benefits::job_from_row)
                        .collect()
                }

                async fn stalled_confirm_jobs(&self, now: DateTime<Utc>) -> Result<Vec<benefits::ConfirmJob>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {JOB_COLUMNS} FROM benefit_confirm_jobs WHERE state = 'running' AND lease_until < $1 \
                         ORDER BY started_at, id"
                    ));
                    sqlx::query(&statement)
                        .bind(millis(now))
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(benefits::job_from_row)
                        .collect()
                }

                async fn claim_confirm_job(
                    &self,
                    id: &str,
                    node: &str,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        // The condition is checked again on the row itself: of two nodes
                        // taking over at once, the second finds the lease renewed.
                        let claimed = sqlx::query(&self.sql(
                            "UPDATE benefit_confirm_jobs SET lease_owner = $2, lease_until = $4 \
                             WHERE id = $1 AND state = 'running' AND lease_until < $3",
                        ))
                        .bind(id)
                        .bind(node)
                        .bind(millis(now))
                        .bind(millis(lease_until))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        writer.commit().await?;
                        Ok(claimed == 1)
                    })
                    .await
                }

                async fn confirm_job_batch(
                    &self,
                    batch: &benefits::ConfirmBatch<'_>,
                ) -> Result<Option<benefits::BatchConfirmed>> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let held = sqlx::query(&self.sql(
                            "UPDATE benefit_confirm_jobs SET lease_until = $3 \
                             WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
                        ))
                        .bind(batch.job)
                        .bind(batch.node)
                        .bind(millis(batch.lease_until))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if held == 0 {
                            writer.rollback().await?;
                            return Ok(None);
                        }
                        let mut done = benefits::BatchConfirmed::default();
                        for chunk in batch.findings.chunks(sql::ROWS_PER_INSERT) {
                            let statement = self.sql_owned(format!(
                                "{} RETURNING id, amount_fen",
                                sql::findings_confirm(chunk.len())
                            ));
                            let mut update = sqlx::query(&statement)
                                .bind(batch.policy)
                                .bind(batch.reason)
                                .bind(millis(batch.at));
                            for finding in chunk {
                                update = update.bind(&finding.id);
                            }
                            for row in update.fetch_all(&mut *writer.tx).await? {
                                done.confirmed.push(row.text("id")?);
                                done.amount_fen += row.int("amount_fen")?;
                            }
                        }
                        done.confirmed.sort_unstable();
                        // A person who declined or objected since the batch was read keeps
                        // their decision: only what was confirmed gets an entry.
                        let confirmed: std::collections::HashSet<&str> =
                            done.confirmed.iter().map(String::as_str).collect();
                        let records: Vec<SubjectAccess> = batch
                            .findings
                            .iter()
                            .filter(|f| confirmed.contains(f.id.as_str()))
                            .map(|f| f.record.clone())
                            .collect();
                        self.write_accesses(&mut writer.tx, &records).await?;
                        if !done.confirmed.is_empty() {
                            let event = webhooks::events::benefit_confirmed(
                                done.confirmed.clone(),
                                batch.policy,
                                batch.department,
                                batch.period,
                                Some(batch.job),
                                batch.at,
                            );
                            self.write_outbox(&mut writer.tx, std::slice::from_ref(&event)).await?;
                        }
                        sqlx::query(&self.sql(
                            "UPDATE benefit_confirm_jobs SET confirmed = confirmed + $2, amount_fen = amount_fen + $3 \
                             WHERE id = $1",
                        ))
                        .bind(batch.job)
                        .bind(done.confirmed.len() as i64)
                        .bind(done.amount_fen)
                        .execute(&mut *writer.tx)
                        .await?;
                        writer.commit().await?;
                        Ok(Some(done))
                    })
                    .await
                }

                async fn finish_confirm_job(
                    &self,
                    id: &str,
                    node: &str,
                    state: &str,
                    error: Option<&str>,
                    at: DateTime<Utc>,
                    record: &SubjectAccess,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let finished = sqlx::query(&self.sql(
                            "UPDATE benefit_confirm_jobs SET state = $3, error = $4, finished_at = $5, lease_owner = NULL \
                             WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
                        ))
                        .bind(id)
                        .bind(node)
                        .bind(state)
                        .bind(error)
                        .bind(millis(at))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if finished == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn start_policy_run(
                    &self,
                    run: &benefits::PolicyRun,
                    record: &SubjectAccess,
                ) -> Result<Option<benefits::PolicyRun>> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        // A run whose node stopped holds the policy no longer.
                        sqlx::query(&self.sql(
                            "UPDATE benefit_runs SET state = 'failed', finished_at = $2, lease_owner = NULL, \
                             error = '运行中断：运行它的节点已停止，未完成的部分没有保存结果（已记录的读取仍在账本中）' \
                             WHERE policy = $1 AND state = 'running' AND lease_until < $2",
                        ))
                        .bind(&run.policy)
                        .bind(millis(run.started_at))
                        .execute(&mut *writer.tx)
                        .await?;
                        let statement = self.sql_owned(format!(
                            "INSERT INTO benefit_runs ({RUN_COLUMNS}) VALUES \
                             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                             ON CONFLICT DO NOTHING"
                        ));
                        let inserted = sqlx::query(&statement)
                            .bind(&run.id)
                            .bind(&run.policy)
                            .bind($crate::common::date_text(run.as_of))
                            .bind(&run.period)
                            .bind(&run.state)
                            .bind(&run.stage)
                            .bind(&run.started_by)
                            .bind(&run.started_by_name)
                            .bind(millis(run.started_at))
                            .bind(run.finished_at.map(millis))
                            .bind(run.records)
                            .bind(run.subjects)
                            .bind(run.findings)
                            .bind(run.accesses)
                            .bind(run.summary.as_deref())
                            .bind(run.error.as_deref())
                            .bind(run.lease_owner.as_deref())
                            .bind(millis(run.lease_until))
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if inserted == 0 {
                            let statement = self.sql_owned(format!(
                                "SELECT {RUN_COLUMNS} FROM benefit_runs WHERE policy = $1 AND state = 'running'"
                            ));
                            let running = sqlx::query(&statement)
                                .bind(&run.policy)
                                .fetch_optional(&mut *writer.tx)
                                .await?
                                .as_ref()
                                .map(benefits::run_from_row)
                                .transpose()?;
                            writer.rollback().await?;
                            return match running {
                                Some(running) => Ok(Some(running)),
                                None => Err($crate::StoreError::Corrupt(format!("policy run id {} already stored", run.id))),
                            };
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        writer.commit().await?;
                        Ok(None)
                    })
                    .await
                }

                async fn policy_run_stage(&self, stage: &benefits::RunStage<'_>) -> Result<()> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        sqlx::query(&self.sql(
                            "UPDATE benefit_runs SET stage = $2, records = $3, subjects = $4, findings = $5, \
                             accesses = $6, lease_until = $7 WHERE id = $1 AND state = 'running'",
                        ))
                        .bind(stage.id)
                        .bind(stage.stage)
                        .bind(stage.records)
                        .bind(stage.subjects)
                        .bind(stage.findings)
                        .bind(stage.accesses)
                        .bind(millis(stage.lease_until))
                        .execute(&mut *writer.tx)
                        .await?;
                        writer.commit().await
                    })
                    .await
                }

                async fn finish_policy_run(
                    &self,
                    id: &str,
                    state: &str,
                    summary: Option<&str>,
                    error: Option<&str>,
                    at: DateTime<Utc>,
                    record: &SubjectAccess,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let finished = sqlx::query(&self.sql(
                            "UPDATE benefit_runs SET state = $2, stage = CASE WHEN $2 = 'succeeded' THEN 'done' ELSE stage END, \
                             summary = $3, error = $4, finished_at = $5, lease_owner = NULL \
                             WHERE id = $1 AND state = 'running'",
                        ))
                        .bind(id)
                        .bind(state)
                        .bind(summary)
                        .bind(error)
                        .bind(millis(at))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if finished == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(record)).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn policy_run(&self, id: &str) -> Result<Option<benefits::PolicyRun>> {
                    let statement = self.sql_owned(format!("SELECT {RUN_COLUMNS} FROM benefit_runs WHERE id = $1"));
                    sqlx::query(&statement)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(benefits::run_from_row)
                        .transpose()
                }

                async fn policy_runs(&self, policy: &str, limit: i64) -> Result<Vec<benefits::PolicyRun>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {RUN_COLUMNS} FROM benefit_runs WHERE policy = $1 ORDER BY started_at DESC, id LIMIT $2"
                    ));
                    sqlx::query(&statement)
                        .bind(policy)
                        .bind(limit)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(benefits::run_from_row)
                        .collect()
                }

                async fn answer_objection(&self, answer: &benefits::ObjectionAnswer) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(
                            "UPDATE benefit_findings SET state = $2, state_reason = $3, \
                             amount_fen = COALESCE($4, amount_fen), updated_at = $5 \
                             WHERE id = $1 AND state = 'objected'",
                        ))
                        .bind(&answer.finding)
                        .bind(&answer.to)
                        .bind(&answer.state_reason)
                        .bind(answer.amount_fen)
                        .bind(millis(answer.at))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        sqlx::query(&self.sql(
                            "UPDATE benefit_objections SET decision = $2, reply = $3, resolved_by = $4, resolved_at = $5 \
                             WHERE finding_id = $1 AND resolved_at IS NULL",
                        ))
                        .bind(&answer.finding)
                        .bind(&answer.decision)
                        .bind(&answer.reply)
                        .bind(&answer.resolved_by)
                        .bind(millis(answer.at))
                        .execute(&mut *writer.tx)
                        .await?;
                        self.write_accesses(&mut writer.tx, std::slice::from_ref(&answer.record)).await?;
                        self.insert_notices(&mut writer.tx, std::slice::from_ref(&answer.notice)).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn open_objection(&self, finding: &str) -> Result<Option<benefits::Objection>> {
                    use $crate::common::time_from_millis;
                    let row = sqlx::query(&self.sql(
                        "SELECT finding_id, objected_at, objected_from, reason, decision, reply, resolved_at \
                         FROM benefit_objections WHERE finding_id = $1 AND resolved_at IS NULL \
                         ORDER BY objected_at DESC LIMIT 1",
                    ))
                    .bind(finding)
                    .fetch_optional(self.pool())
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    Ok(Some(benefits::Objection {
                        finding: row.text("finding_id")?,
                        objected_at: time_from_millis(row.int("objected_at")?, "objection time")?,
                        objected_from: row.text("objected_from")?,
                        reason: row.text("reason")?,
                        decision: row.optional_text("decision")?,
                        reply: row.optional_text("reply")?,
                        resolved_at: row
                            .optional_int("resolved_at")?
                            .map(|at| time_from_millis(at, "answer time"))
                            .transpose()?,
                    }))
                }
            }
        };
    };
}

pub(crate) use impl_benefit_store;
