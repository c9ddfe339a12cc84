//! Confirming a whole period of a benefit policy for payment (已确认发放) as a
//! background job. The department's request only checks and records the start and
//! answers at once; the job then confirms the period's granted findings in batches of
//! [`BATCH`], each batch one transaction with one ledger entry per finding, one
//! `benefit.confirmed` event for the policy's department and the job's progress, so
//! that the progress shown is always what is committed.
//!
//! The rules of a confirmation hold for the job: a period with an open objection (有异
//! 议) is refused up front, naming the findings, until the department has answered
//! them; declined findings are the person's decision and are left out; only `granted`
//! findings are confirmed, so running a period again confirms nothing twice; one job
//! per policy and period runs at a time.
//!
//! A job interrupted by a restart is resumed, not failed: it holds a lease renewed by
//! every batch, and once the lease has run out any node's watch tick
//! ([`resume_stalled`]) takes it over and carries on from what is committed. Resuming
//! is safe because a batch only confirms what is still granted, and honest because
//! the department asked for the whole period; marking it failed would only make them
//! start it again.

use std::sync::{Arc, OnceLock};

use catalog::Policy;
use chrono::{DateTime, Utc};
use domain::Account;
use eligibility::fen_to_yuan;
use serde::Serialize;
use store::{ConfirmBatch, ConfirmJob, FindingQuery};

use crate::AppState;
use crate::error::ApiError;

/// Findings confirmed per transaction.
pub const BATCH: i64 = 1_000;

/// How long a job's claim holds without a committed batch. A batch takes seconds, so
/// a job whose lease ran out has no node working on it.
const LEASE_SECONDS: i64 = 120;

/// This process, in the leases of the jobs it runs: the machine, the process and a
/// random part (a restarted process is another node, so it resumes its own jobs only
/// once their lease ran out, like anyone's).
pub fn node_id() -> &'static str {
    static NODE: OnceLock<String> = OnceLock::new();
    NODE.get_or_init(|| {
        use rand::Rng;
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|name| name.trim().to_owned())
            .unwrap_or_default();
        let random: u32 = rand::thread_rng().r#gen();
        format!("{host}:{}:{random:08x}", std::process::id())
    })
}

/// A job as the department sees it.
#[derive(Clone, Debug, Serialize)]
pub struct ConfirmJobView {
    pub id: String,
    pub policy: String,
    pub policy_name: String,
    pub period: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    pub state_label: &'static str,
    /// Who started it.
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    /// `started_at` in China time, as the page shows it.
    pub started_at_local: String,
    pub finished_at: Option<DateTime<Utc>>,
    /// The period's granted findings when it started.
    pub total: i64,
    /// Confirmed so far.
    pub confirmed: i64,
    /// Confirmed in percent of `total` (100 when there was nothing to confirm).
    pub percent: i64,
    pub amount_fen: i64,
    pub amount_yuan: String,
    /// Why it failed, with what was done by then.
    pub error: Option<String>,
    /// Where its progress is read (`GET`).
    pub location: String,
}

fn view(state: &AppState, job: &ConfirmJob) -> ConfirmJobView {
    ConfirmJobView {
        id: job.id.clone(),
        policy: job.policy.clone(),
        policy_name: state
            .catalog
            .policies
            .get(&job.policy)
            .map_or_else(|| job.policy.clone(), |p| p.name.clone()),
        period: job.period.clone(),
        state: job.state.clone(),
        state_label: match job.state.as_str() {
            "running" => "进行中",
            "succeeded" => "已完成",
            _ => "失败",
        },
        started_by: job.started_by_name.clone(),
        started_at: job.started_at,
        started_at_local: crate::local_time(job.started_at),
        finished_at: job.finished_at,
        total: job.total,
        confirmed: job.confirmed,
        percent: if job.total == 0 {
            100
        } else {
            (job.confirmed * 100 / job.total).min(100)
        },
        amount_fen: job.amount_fen,
        amount_yuan: fen_to_yuan(job.amount_fen),
        error: job.error.clone(),
        location: format!("/api/v1/policies/{}/confirm-jobs/{}", job.policy, job.id),
    }
}

/// Starts confirming every granted finding of `period` (checked by the caller, as
/// is the caller's right to confirm): refused with the findings named while any
/// objection is open, or with the running job's id while one runs. `reason` is what
/// each recipient reads beside 已确认发放.
pub(crate) async fn start(
    state: &Arc<AppState>,
    caller: &Account,
    policy: &Policy,
    period: &str,
    reason: String,
) -> Result<ConfirmJobView, ApiError> {
    let department_name = state.catalog.department_name(&policy.department).to_owned();
    let all = FindingQuery {
        policy: policy.id.clone(),
        period: Some(period.to_owned()),
        limit: 20,
        ..FindingQuery::default()
    };
    let totals = state.store.findings_totals(&all).await?;
    if totals.objected > 0 {
        let objected = state
            .store
            .findings_page(&FindingQuery {
                state: Some("objected".to_owned()),
                ..all.clone()
            })
            .await?;
        let named: Vec<&str> = objected.iter().map(|f| f.id.as_str()).collect();
        return Err(ApiError::new(
            "E_FINDING_STATE",
            format!(
                "{period}有 {} 项待遇当事人提出了异议，请先答复后再按期间确认发放，本次未作任何更改：{}{}",
                totals.objected,
                named.join("、"),
                if totals.objected > named.len() as i64 {
                    "等"
                } else {
                    ""
                }
            ),
        )
        .field("period"));
    }
    let granted = state
        .store
        .findings_totals(&FindingQuery {
            state: Some("granted".to_owned()),
            ..all.clone()
        })
        .await?;
    let now = state.now();
    let job = ConfirmJob {
        id: format!("CJ{}", crate::benefits::random_id()),
        policy: policy.id.clone(),
        period: period.to_owned(),
        state: "running".to_owned(),
        started_by: caller.id.clone(),
        started_by_name: caller.display_name.clone(),
        started_at: now,
        finished_at: None,
        total: granted.count,
        confirmed: 0,
        amount_fen: 0,
        reason,
        error: None,
        lease_owner: Some(node_id().to_owned()),
        lease_until: now + chrono::Duration::seconds(LEASE_SECONDS),
    };
    let record = crate::benefits::policy_entry(
        state,
        caller,
        policy,
        "benefit_confirm_job_started",
        format!(
            "{department_name}开始按期间确认发放“{}”（{period}）：{} 项已认定待遇，不同意的 {} 项不纳入；任务 {}",
            policy.name, granted.count, totals.declined, job.id
        ),
    );
    if let Some(running) = state.store.start_confirm_job(&job, &record).await? {
        return Err(ApiError::new(
            "E_CONFIRM_JOB_RUNNING",
            format!(
                "“{}”{period}的确认发放任务 {} 正在进行（已确认 {}/{} 项），请等它完成",
                policy.name, running.id, running.confirmed, running.total
            ),
        )
        .field("period"));
    }
    tokio::spawn(run(state.clone(), job.clone(), caller.clone()));
    Ok(view(state, &job))
}

/// A job of `policy_id`, for whom may see its findings.
pub async fn job(
    state: &AppState,
    caller: &Account,
    policy_id: &str,
    job_id: &str,
) -> Result<ConfirmJobView, ApiError> {
    let policy = crate::benefits::policy_for_list(state, caller, policy_id)?;
    match state.store.confirm_job(job_id).await? {
        Some(job) if job.policy == policy.id => Ok(view(state, &job)),
        _ => Err(ApiError::new("E_CONFIRM_JOB_NOT_FOUND", "没有这个确认发放任务")),
    }
}

/// The latest jobs of a policy (newest first), for whom may see its findings.
pub async fn jobs(state: &AppState, caller: &Account, policy_id: &str) -> Result<Vec<ConfirmJobView>, ApiError> {
    let policy = crate::benefits::policy_for_list(state, caller, policy_id)?;
    Ok(state
        .store
        .confirm_jobs(&policy.id, 5)
        .await?
        .iter()
        .map(|job| view(state, job))
        .collect())
}

/// Takes over the jobs whose node stopped (their lease ran out) and runs them on
/// in the background, as the account that started them. Returns the ids taken over.
pub async fn resume_stalled(state: &Arc<AppState>) -> Result<Vec<String>, ApiError> {
    let now = state.now();
    let mut resumed = Vec::new();
    for job in state.store.stalled_confirm_jobs(now).await? {
        let until = now + chrono::Duration::seconds(LEASE_SECONDS);
        if !state.store.claim_confirm_job(&job.id, node_id(), now, until).await? {
            continue;
        }
        resumed.push(job.id.clone());
        match state.store.account_by_id(&job.started_by).await? {
            Some(actor) => {
                tokio::spawn(run(state.clone(), job, actor));
            }
            None => {
                let system = crate::benefits::scheduler_account();
                finish(
                    state,
                    &job,
                    &system,
                    Err(ApiError::new("E_FORBIDDEN", "发起任务的账户已不存在，无法以其名义继续")),
                )
                .await;
            }
        }
    }
    Ok(resumed)
}

/// Runs a job to its end on this node and records how it ended.
async fn run(state: Arc<AppState>, job: ConfirmJob, actor: Account) {
    let outcome = confirm_batches(&state, &job, &actor).await;
    match outcome {
        // Another node holds the job now (this one was too slow): it finishes it.
        Ok(false) => {}
        Ok(true) => finish(&state, &job, &actor, Ok(())).await,
        Err(error) => finish(&state, &job, &actor, Err(error)).await,
    }
}

/// Confirms the period's granted findings batch by batch; `false` when the lease was
/// lost.
async fn confirm_batches(state: &AppState, job: &ConfirmJob, actor: &Account) -> Result<bool, ApiError> {
    let policy = crate::benefits::policy_of(state, &job.policy)?;
    let department_name = state.catalog.department_name(&policy.department).to_owned();
    let mut query = FindingQuery {
        policy: policy.id.clone(),
        period: Some(job.period.clone()),
        state: Some("granted".to_owned()),
        limit: BATCH,
        ..FindingQuery::default()
    };
    loop {
        let chunk = state.store.findings_page(&query).await?;
        if chunk.is_empty() {
            return Ok(true);
        }
        let confirmations: Vec<store::FindingConfirmation> = chunk
            .iter()
            .map(|finding| crate::benefits::confirmation_of(state, actor, policy, &department_name, finding))
            .collect();
        let now = state.now();
        let batch = ConfirmBatch {
            job: &job.id,
            node: node_id(),
            department: &policy.department,
            policy: &policy.id,
            period: &job.period,
            findings: &confirmations,
            reason: &job.reason,
            at: now,
            lease_until: now + chrono::Duration::seconds(LEASE_SECONDS),
        };
        if state.store.confirm_job_batch(&batch).await?.is_none() {
            return Ok(false);
        }
        if (chunk.len() as i64) < BATCH {
            return Ok(true);
        }
        if let Some(last) = chunk.last() {
            query.after = Some((last.period.clone(), last.id.clone()));
        }
    }
}

/// Records the end of a job with its entry: succeeded, or failed with what was done.
async fn finish(state: &AppState, job: &ConfirmJob, actor: &Account, outcome: Result<(), ApiError>) {
    let done = match state.store.confirm_job(&job.id).await {
        Ok(Some(current)) => current,
        _ => job.clone(),
    };
    let Some(policy) = state.catalog.policies.get(&job.policy) else {
        tracing::warn!(job = %job.id, "confirmation job of a policy no longer in the catalog");
        return;
    };
    let department_name = state.catalog.department_name(&policy.department);
    let (to, error) = match &outcome {
        Ok(()) => ("succeeded", None),
        Err(error) => (
            "failed",
            Some(format!(
                "{}（失败前已确认 {}/{} 项，{} 元；重新按期间确认发放会从未确认的继续，不会重复确认）",
                error.message,
                done.confirmed,
                done.total,
                fen_to_yuan(done.amount_fen)
            )),
        ),
    };
    let purpose = match &error {
        None => format!(
            "{department_name}按期间确认发放“{}”（{}）任务 {} 已完成：确认 {} 项，{} 元",
            policy.name,
            job.period,
            job.id,
            done.confirmed,
            fen_to_yuan(done.amount_fen)
        ),
        Some(error) => format!(
            "{department_name}按期间确认发放“{}”（{}）任务 {} 失败：{error}",
            policy.name, job.period, job.id
        ),
    };
    let record = crate::benefits::policy_entry(state, actor, policy, "benefit_confirm_job_finished", purpose);
    match state
        .store
        .finish_confirm_job(&job.id, node_id(), to, error.as_deref(), state.now(), &record)
        .await
    {
        Ok(true) => tracing::info!(job = %job.id, state = to, confirmed = done.confirmed, "confirmation job finished"),
        Ok(false) => {}
        Err(error) => tracing::warn!(job = %job.id, %error, "confirmation job end not recorded"),
    }
}
