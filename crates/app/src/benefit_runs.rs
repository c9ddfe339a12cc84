//! A policy's runs over the whole population, recorded as they go (`benefit_runs`).
//!
//! Whoever starts a run (the department from its page or the API, the nightly
//! schedule, the command line), it is one row: its start with the entry that records
//! it, its stage (reading the shared data, evaluating, storing) with the counts known
//! so far, and its end with its summary or why it failed, again with an entry. The
//! department's page shows the running run and the latest ones; a run over a million
//! people takes about half a minute, so the page and the API start it in the
//! background ([`start`]) and answer at once.
//!
//! One run per policy at a time: a second start is refused with the running run's
//! id and stage. A run holds a lease renewed at each stage; a run whose node stopped
//! (its lease ran out) is marked failed when the next run of the policy starts, and
//! its page shows it as interrupted meanwhile. It is not resumed: running a policy
//! again is safe (a finding changes only when the data did) and the department or
//! the next night does it.

use std::sync::{Arc, Mutex};

use catalog::Policy;
use chrono::{DateTime, NaiveDate, Utc};
use domain::Account;
use serde::Serialize;
use store::{PolicyRun, RunStage};

use crate::AppState;
use crate::benefits::{RunProgress, RunSummary};
use crate::error::ApiError;

/// How long a run's claim holds without being renewed. A run renews it at each
/// stage and every `AppState::run_lease_renewal` (15 s) while it goes on, so a run
/// whose process was stopped (a node down, the command line interrupted) holds the
/// policy for at most this long.
const LEASE_SECONDS: i64 = 60;

/// A run as the department sees it.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyRunView {
    pub id: String,
    pub policy: String,
    pub policy_name: String,
    /// The evaluation date and its period (`2026`, `2026-12`).
    pub as_of: NaiveDate,
    pub period: String,
    /// `running`, `succeeded`, `failed`, or `interrupted` (running, but its node
    /// stopped: its lease ran out).
    pub state: String,
    pub state_label: &'static str,
    /// `reading`, `evaluating`, `storing` or `done`.
    pub stage: String,
    pub stage_label: &'static str,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub started_at_local: String,
    pub finished_at: Option<DateTime<Utc>>,
    /// Shared records read, subjects evaluated, findings and access entries stored
    /// (0 until the stage that knows them).
    pub records: i64,
    pub subjects: i64,
    pub findings: i64,
    pub accesses: i64,
    /// What the run found, once it succeeded.
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
    /// Where it is read (`GET`).
    pub location: String,
}

fn view(state: &AppState, run: &PolicyRun) -> PolicyRunView {
    let interrupted = run.state == "running" && run.lease_until < state.now();
    PolicyRunView {
        id: run.id.clone(),
        policy: run.policy.clone(),
        policy_name: state
            .catalog
            .policies
            .get(&run.policy)
            .map_or_else(|| run.policy.clone(), |p| p.name.clone()),
        as_of: run.as_of,
        period: run.period.clone(),
        state: if interrupted {
            "interrupted".to_owned()
        } else {
            run.state.clone()
        },
        state_label: match run.state.as_str() {
            "running" if interrupted => "已中断",
            "running" => "进行中",
            "succeeded" => "已完成",
            _ => "失败",
        },
        stage: run.stage.clone(),
        stage_label: match run.stage.as_str() {
            "reading" => "读取共享数据",
            "evaluating" => "逐一核查",
            "storing" => "保存结果，读取记入账本",
            _ => "完成",
        },
        started_by: run.started_by_name.clone(),
        started_at: run.started_at,
        started_at_local: crate::local_time(run.started_at),
        finished_at: run.finished_at,
        records: run.records,
        subjects: run.subjects,
        findings: run.findings,
        accesses: run.accesses,
        summary: run.summary.as_deref().and_then(|text| serde_json::from_str(text).ok()),
        error: run.error.clone(),
        location: format!("/api/v1/policies/{}/runs/{}", run.policy, run.id),
    }
}

/// Records the start of a run of `policy` (the caller's right to run it checked) for
/// `as_of`; refused with the running run's id while one runs.
pub(crate) async fn begin(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    as_of: NaiveDate,
) -> Result<PolicyRun, ApiError> {
    let now = state.now();
    let period = eligibility::Period::containing(policy.period_unit, as_of);
    let run = PolicyRun {
        id: format!("PR{}", crate::benefits::random_id()),
        policy: policy.id.clone(),
        as_of,
        period: period.key(),
        state: "running".to_owned(),
        stage: "reading".to_owned(),
        started_by: caller.id.clone(),
        started_by_name: caller.display_name.clone(),
        started_at: now,
        finished_at: None,
        records: 0,
        subjects: 0,
        findings: 0,
        accesses: 0,
        summary: None,
        error: None,
        lease_owner: Some(crate::benefit_jobs::node_id().to_owned()),
        lease_until: now + chrono::Duration::seconds(LEASE_SECONDS),
    };
    let department_name = state.catalog.department_name(&policy.department);
    let record = crate::benefits::policy_entry(
        state,
        caller,
        policy,
        "benefit_run_started",
        format!(
            "{department_name}开始运行“{}”（{}，评估日 {as_of}）：核查共享数据中的全部对象；运行 {}",
            policy.name,
            period.label_zh(),
            run.id
        ),
    );
    if let Some(running) = state.store.start_policy_run(&run, &record).await? {
        let running = view(state, &running);
        return Err(ApiError::new(
            "E_POLICY_RUN_RUNNING",
            format!(
                "“{}”正在运行（运行 {}，{}开始，当前：{}），请等它完成后再运行",
                policy.name, running.id, running.started_at_local, running.stage_label
            ),
        ));
    }
    Ok(run)
}

/// Tells a run's progress to its watcher (the command line's stages) and records it
/// on the run, so that the page and the API show it.
pub(crate) struct Tracker<'a> {
    state: &'a AppState,
    run: Option<&'a PolicyRun>,
    progress: &'a (dyn Fn(RunProgress) + Sync),
    /// The stage reached and the records, subjects, findings, accesses known so far.
    reached: Mutex<(&'static str, [i64; 4])>,
}

impl<'a> Tracker<'a> {
    pub(crate) fn new(state: &'a AppState, run: &'a PolicyRun, progress: &'a (dyn Fn(RunProgress) + Sync)) -> Self {
        Self {
            state,
            run: Some(run),
            progress,
            reached: Mutex::new(("reading", [0; 4])),
        }
    }

    /// A tracker of an evaluation that is not a recorded run (the subjects of one
    /// event).
    pub(crate) fn silent(state: &'a AppState) -> Self {
        Self {
            state,
            run: None,
            progress: &|_| {},
            reached: Mutex::new(("reading", [0; 4])),
        }
    }

    /// The run reached `progress`. A failure to record it is logged, not fatal: the
    /// run goes on and its end is recorded.
    pub(crate) async fn at(&self, progress: RunProgress) {
        (self.progress)(progress);
        let stage = match progress {
            RunProgress::Reading => "reading",
            RunProgress::Evaluating { .. } => "evaluating",
            RunProgress::Storing { .. } => "storing",
            // The end is recorded by `carry_out`, with the summary.
            RunProgress::Done => return,
        };
        {
            let Ok(mut reached) = self.reached.lock() else {
                return;
            };
            reached.0 = stage;
            match progress {
                RunProgress::Evaluating { records, subjects } => {
                    reached.1[0] = records as i64;
                    reached.1[1] = subjects as i64;
                }
                RunProgress::Storing { findings, accesses } => {
                    reached.1[2] = findings as i64;
                    reached.1[3] = accesses as i64;
                }
                RunProgress::Reading | RunProgress::Done => {}
            }
        }
        self.record().await;
    }

    /// Records the stage reached with a new lease.
    async fn record(&self) {
        let Some(run) = self.run else {
            return;
        };
        let Ok((stage, counts)) = self.reached.lock().map(|reached| *reached) else {
            return;
        };
        let stage = RunStage {
            id: &run.id,
            stage,
            records: counts[0],
            subjects: counts[1],
            findings: counts[2],
            accesses: counts[3],
            lease_until: self.state.now() + chrono::Duration::seconds(LEASE_SECONDS),
        };
        if let Err(error) = self.state.store.policy_run_stage(&stage).await {
            tracing::warn!(%error, run = %run.id, "could not record a run's progress");
        }
    }
}

/// Renews the run's lease every `run_lease_renewal` until `done` is notified; a
/// renewal under way is finished first.
async fn renew_lease(tracker: &Tracker<'_>, done: &tokio::sync::Notify) {
    let every = tracker.state.run_lease_renewal;
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = done.notified() => return,
            _ = renew.tick() => tracker.record().await,
        }
    }
}

/// Carries out a begun run to its end and records how it ended.
pub(crate) async fn carry_out(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    run: &PolicyRun,
    progress: &(dyn Fn(RunProgress) + Sync),
) -> Result<RunSummary, ApiError> {
    let tracker = Tracker::new(state, run, progress);
    let work = crate::benefits::evaluate_population(state, caller, policy, run.as_of, &tracker);
    // The renewal is polled beside the work, never instead of it: the work may hold
    // the writer while a renewal waits for it (a renewal awaited in a `select!` arm
    // would wait for a writer the suspended work never releases). And it is told to
    // stop rather than dropped: dropped in the middle of its write, it left the
    // SQLite writer connection hanging for the next write.
    let done = tokio::sync::Notify::new();
    let (outcome, ()) = tokio::join!(
        async {
            let outcome = work.await;
            done.notify_one();
            outcome
        },
        renew_lease(&tracker, &done)
    );
    let department_name = state.catalog.department_name(&policy.department);
    let (ended, summary, error, purpose) = match &outcome {
        Ok(summary) => (
            "succeeded",
            serde_json::to_string(summary).ok(),
            None,
            format!(
                "{department_name}运行“{}”完成（{}）：核查 {} 个对象，符合 {} 个（新增 {}，有变化 {}，不再符合 {}），合计 {} 元；运行 {}",
                policy.name,
                summary.period_label,
                summary.evaluated,
                summary.qualifying,
                summary.new_findings,
                summary.changed,
                summary.withdrawn,
                summary.total_amount_yuan,
                run.id
            ),
        ),
        Err(error) => (
            "failed",
            None,
            Some(error.message.clone()),
            format!(
                "{department_name}运行“{}”失败：{}；运行 {}",
                policy.name, error.message, run.id
            ),
        ),
    };
    let action = if ended == "succeeded" {
        "benefit_run_finished"
    } else {
        "benefit_run_failed"
    };
    let record = crate::benefits::policy_entry(state, caller, policy, action, purpose);
    match state
        .store
        .finish_policy_run(
            &run.id,
            ended,
            summary.as_deref(),
            error.as_deref(),
            state.now(),
            &record,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => tracing::warn!(run = %run.id, "a run ended after it was marked interrupted"),
        Err(error) => tracing::warn!(%error, run = %run.id, "could not record a run's end"),
    }
    outcome
}

/// Starts a run of `policy_id` for `as_of` (default: today in China) in the
/// background, for the policy's department or an administrator; answers at once
/// with the run, whose progress is read at its `location`.
pub async fn start(
    state: &Arc<AppState>,
    caller: &Account,
    policy_id: &str,
    as_of: Option<NaiveDate>,
) -> Result<PolicyRunView, ApiError> {
    let policy = crate::benefits::policy_to_run(state, caller, policy_id)?;
    let today = as_of.unwrap_or_else(|| cases::china_date(state.now()));
    let run = begin(state, caller, policy, today).await?;
    let (background, actor, started) = (state.clone(), caller.clone(), run.clone());
    tokio::spawn(async move {
        let Ok(policy) = crate::benefits::policy_of(&background, &started.policy) else {
            return;
        };
        // The outcome is on the run (its summary or its error).
        let _ = carry_out(&background, &actor, policy, &started, &|_| {}).await;
    });
    Ok(view(state, &run))
}

/// A run of `policy_id`, for whom may see its findings.
pub async fn run(state: &AppState, caller: &Account, policy_id: &str, run_id: &str) -> Result<PolicyRunView, ApiError> {
    let policy = crate::benefits::policy_for_list(state, caller, policy_id)?;
    match state.store.policy_run(run_id).await? {
        Some(run) if run.policy == policy.id => Ok(view(state, &run)),
        _ => Err(ApiError::new("E_POLICY_RUN_NOT_FOUND", "没有这次政策运行")),
    }
}

/// The latest runs of a policy (newest first), for whom may see its findings.
pub async fn runs(state: &AppState, caller: &Account, policy_id: &str) -> Result<Vec<PolicyRunView>, ApiError> {
    let policy = crate::benefits::policy_for_list(state, caller, policy_id)?;
    Ok(state
        .store
        .policy_runs(&policy.id, 10)
        .await?
        .iter()
        .map(|run| view(state, run))
        .collect())
}
