//! 免申即享 / 主动告知: running a benefit policy over the shared population, a
//! person's own findings (我的待遇) with the reasons, declining or objecting, and the
//! policy department's list. Access, masking, the access entries (and so the ledger)
//! and the messages are decided here; the front doors only parse and render.
//!
//! A person is addressed by `person:<ID number>` (an enterprise by
//! `enterprise:<credit code>`) in findings, messages and ledger entries: a policy finds
//! people whether or not they have an account, and an account with that ID number
//! sees them (`watch::recipients_of`, `data_log`).

use std::collections::{BTreeMap, BTreeSet};

use catalog::{Policy, PolicyMode, PolicyTarget};
use chrono::NaiveDate;
use domain::{Account, NewNotification, Role};
use eligibility::{CompiledPolicy, Evaluation, Reason, fen_to_yuan};
use serde::Serialize;
use sharing::SubjectKind;
use store::{Finding, FindingChange, FindingQuery, SubjectAccess};

use crate::AppState;
use crate::error::ApiError;
use crate::masking::{mask, mask_name};

/// How findings, messages and ledger entries name a person.
pub fn person_subject(id_number: &str) -> String {
    format!("person:{id_number}")
}

fn enterprise_subject(uscc: &str) -> String {
    format!("enterprise:{uscc}")
}

fn subject_key(target: PolicyTarget, key: &str) -> String {
    match target {
        PolicyTarget::Person => person_subject(key),
        PolicyTarget::Enterprise => enterprise_subject(key),
    }
}

fn kind_of(target: PolicyTarget) -> SubjectKind {
    match target {
        PolicyTarget::Person => SubjectKind::Person,
        PolicyTarget::Enterprise => SubjectKind::Enterprise,
    }
}

pub(crate) fn policy_of<'a>(state: &'a AppState, id: &str) -> Result<&'a Policy, ApiError> {
    state
        .catalog
        .policies
        .get(id)
        .ok_or_else(|| ApiError::new("E_POLICY_NOT_FOUND", format!("没有政策“{id}”")))
}

/// Staff of the policy's department or an administrator (supervisor) may run it and
/// see its findings; auditors may see them too.
fn may_manage(caller: &Account, policy: &Policy, write: bool) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Auditor => !write,
        Role::Staff => caller.department.as_deref() == Some(policy.department.as_str()),
        Role::Applicant | Role::Service => false,
    }
}

/// The policy `policy_id` if `caller` may act on it (staff of its department or an
/// administrator); else the refusal “只有…的工作人员或系统管理员可以{verb}“{policy}”{what}”.
fn policy_to_manage<'a>(
    state: &'a AppState,
    caller: &Account,
    policy_id: &str,
    verb: &str,
    what: &str,
) -> Result<&'a Policy, ApiError> {
    let policy = policy_of(state, policy_id)?;
    if !may_manage(caller, policy, true) {
        return Err(ApiError::forbidden(format!(
            "只有{}的工作人员或系统管理员可以{verb}“{}”{what}",
            state.catalog.department_name(&policy.department),
            policy.name
        )));
    }
    Ok(policy)
}

/// The policy `policy_id` if `caller` may run it.
pub(crate) fn policy_to_run<'a>(
    state: &'a AppState,
    caller: &Account,
    policy_id: &str,
) -> Result<&'a Policy, ApiError> {
    policy_to_manage(state, caller, policy_id, "运行", "")
}

/// A policy as listed for staff and people.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyView {
    pub id: String,
    pub name: String,
    pub department: String,
    pub department_name: String,
    /// 免申即享 or 主动告知.
    pub mode: &'static str,
    pub target: &'static str,
    pub legal_basis: String,
    pub amount_rule: String,
    pub payment: String,
    pub local_example: bool,
    /// For 主动告知: the one-thing to apply with.
    pub one_thing: Option<String>,
    pub conditions: Vec<String>,
}

fn policy_view(state: &AppState, policy: &Policy) -> PolicyView {
    PolicyView {
        id: policy.id.clone(),
        name: policy.name.clone(),
        department: policy.department.clone(),
        department_name: state.catalog.department_name(&policy.department).to_owned(),
        mode: policy.mode.label_zh(),
        target: policy.target.label_zh(),
        legal_basis: format!("《{}》（{}）", policy.legal_basis.title, policy.legal_basis.number),
        amount_rule: policy.amount_label.clone(),
        payment: policy.payment.clone(),
        local_example: policy.local_example,
        one_thing: match &policy.mode {
            PolicyMode::Invite { one_thing } => Some(one_thing.as_str().to_owned()),
            PolicyMode::Grant => None,
        },
        conditions: policy.conditions.iter().map(|c| c.label.clone()).collect(),
    }
}

/// The policies a caller may run: all for administrators, their department's for staff.
pub fn policies(state: &AppState, caller: &Account) -> Result<Vec<PolicyView>, ApiError> {
    if caller.role == Role::Applicant {
        return Err(ApiError::forbidden(
            "只有政策主管部门的工作人员和监督人员可以查看政策运行",
        ));
    }
    Ok(state
        .catalog
        .policies
        .values()
        .filter(|policy| may_manage(caller, policy, false))
        .map(|policy| policy_view(state, policy))
        .collect())
}

/// What one run found.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub policy: String,
    pub policy_name: String,
    pub period: String,
    pub period_label: String,
    pub as_of: NaiveDate,
    /// Subjects whose data were read and evaluated (each has an access entry).
    pub evaluated: usize,
    pub qualifying: usize,
    /// Findings not known before this run (each got a message).
    pub new_findings: usize,
    /// Findings of earlier runs whose subject no longer qualifies: withdrawn, with
    /// the conditions that no longer hold, and the recipient told.
    pub withdrawn: usize,
    /// Withdrawn findings whose subject qualifies again: restored, recipient told.
    pub restored: usize,
    /// Known findings whose amount, payee or conditions changed with the data: updated,
    /// with what changed in words (`change_note`), recipient told. The others are not
    /// written at all.
    pub changed: usize,
    pub total_amount_fen: i64,
    pub total_amount_yuan: String,
}

/// The one source serving the display name of a subject of this kind.
fn name_source(state: &AppState, kind: SubjectKind) -> Option<String> {
    state.sources.serving(kind, "name").map(|s| s.code.clone())
}

/// The account scheduled runs act as: the system, with an administrator's reach
/// over policies, so that every entry of a nightly run says it was the schedule.
pub fn scheduler_account() -> Account {
    Account {
        id: "system:scheduler".to_owned(),
        username: "scheduler".to_owned(),
        display_name: "定时任务".to_owned(),
        role: Role::Admin,
        department: None,
        id_number: None,
        password_hash: String::new(),
    }
}

/// The nightly runs (每晚主动核查): once it is `hour` o'clock or later in China,
/// runs every policy of the catalog for today, each exactly once across all nodes
/// (the first node to claim the day runs it; a node started later in the day
/// catches up). Returns the runs this node made.
pub async fn nightly(
    state: &AppState,
    node: &str,
    now: chrono::DateTime<chrono::Utc>,
    hour: u32,
) -> Result<Vec<RunSummary>, ApiError> {
    // China is UTC+8 all year.
    let local = (now + chrono::Duration::hours(8)).naive_utc();
    if chrono::Timelike::hour(&local) < hour {
        return Ok(Vec::new());
    }
    let today = local.date();
    let scheduler = scheduler_account();
    let mut runs = Vec::new();
    for policy in state.catalog.policies.keys() {
        let job = format!("benefit:{policy}");
        if !state
            .store
            .claim_scheduled_run(&job, &today.to_string(), node, now)
            .await?
        {
            continue;
        }
        match run_policy(state, &scheduler, policy, Some(today)).await {
            Ok(summary) => runs.push(summary),
            // Someone is running it right now: that run is today's.
            Err(error) if error.code == "E_POLICY_RUN_RUNNING" => {}
            Err(error) => return Err(error),
        }
    }
    Ok(runs)
}

/// Runs `policy_id` over every subject of the shared data for the period containing
/// `as_of` (default: today in China). Every subject whose data was read gets an access
/// entry (and so a ledger entry) saying which department read what for which policy;
/// qualifying subjects get a finding, and those new to it a message.
pub async fn run_policy(
    state: &AppState,
    caller: &Account,
    policy_id: &str,
    as_of: Option<NaiveDate>,
) -> Result<RunSummary, ApiError> {
    run_policy_reporting(state, caller, policy_id, as_of, &|_| {}).await
}

/// How far a run of a policy is, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunProgress {
    /// Reading the shared records of the policy's sources.
    Reading,
    /// Evaluating `subjects` subjects (read from `records` records).
    Evaluating { records: usize, subjects: usize },
    /// Storing the findings, the access (and ledger) entries and the messages.
    Storing { findings: usize, accesses: usize },
    /// Stored.
    Done,
}

/// [`run_policy`], telling `progress` each stage as it starts. The run is recorded
/// ([`crate::benefit_runs`]): its start, stages and end, each visible to the
/// department; refused while another run of the policy is running.
pub async fn run_policy_reporting(
    state: &AppState,
    caller: &Account,
    policy_id: &str,
    as_of: Option<NaiveDate>,
    progress: &(dyn Fn(RunProgress) + Sync),
) -> Result<RunSummary, ApiError> {
    let policy = policy_to_run(state, caller, policy_id)?;
    let today = as_of.unwrap_or_else(|| cases::china_date(state.now()));
    let run = crate::benefit_runs::begin(state, caller, policy, today).await?;
    crate::benefit_runs::carry_out(state, caller, policy, &run, progress).await
}

/// Evaluates `policy` over every subject some source of its reads has a record of,
/// for `today`, and stores what it found; `tracker` hears each stage.
pub(crate) async fn evaluate_population(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    today: NaiveDate,
    tracker: &crate::benefit_runs::Tracker<'_>,
) -> Result<RunSummary, ApiError> {
    let compiled = CompiledPolicy::compile(policy).map_err(ApiError::internal)?;
    let kind = kind_of(policy.target);
    let mut sources: BTreeSet<String> = policy
        .reads
        .iter()
        .filter_map(|attribute| state.sources.serving(kind, attribute).map(|s| s.code.clone()))
        .collect();
    let name_source = name_source(state, kind);
    sources.extend(name_source.clone());
    tracker.at(RunProgress::Reading).await;
    let records = state
        .store
        .shared_records_of(&sources.into_iter().collect::<Vec<_>>())
        .await?;
    // The subjects are those some source of the policy's reads has a record of (a
    // disability policy looks only at card holders); their names are kept aside and
    // used only for those who qualify.
    let mut subjects: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let record_count = records.len();
    for mut record in records {
        if Some(&record.source) == name_source.as_ref()
            && let Some(name) = record.attributes.get("name")
        {
            names.insert(record.subject.clone(), name.clone());
        }
        let mut read = policy.reads.iter().filter(|attribute| {
            state
                .sources
                .serving(kind, attribute)
                .is_some_and(|s| s.code == record.source)
        });
        let Some(first) = read.next() else {
            continue;
        };
        let values = subjects.entry(record.subject).or_default();
        for attribute in std::iter::once(first).chain(read) {
            if let Some(value) = record.attributes.remove(attribute) {
                values.insert(attribute.clone(), value);
            }
        }
    }
    tracker
        .at(RunProgress::Evaluating {
            records: record_count,
            subjects: subjects.len(),
        })
        .await;
    let outcome = evaluate_all_reporting(state, caller, policy, &compiled, today, &subjects, &names, tracker).await?;
    tracker.at(RunProgress::Done).await;
    Ok(outcome)
}

/// Evaluates `subjects` (key → attributes) and stores what was found, with the access
/// entries and messages, in one transaction.
async fn evaluate_all(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    compiled: &CompiledPolicy,
    today: NaiveDate,
    subjects: &BTreeMap<String, BTreeMap<String, String>>,
    names: &BTreeMap<String, String>,
) -> Result<RunSummary, ApiError> {
    let tracker = crate::benefit_runs::Tracker::silent(state);
    evaluate_all_reporting(state, caller, policy, compiled, today, subjects, names, &tracker).await
}

/// [`evaluate_all`], telling `progress` when storing starts. The subjects are
/// evaluated together over their columns ([`eligibility::Population`]); the full
/// evaluation with its reasons is made only for those that need it (found, or no
/// longer qualifying for an earlier finding), equal to the one-subject evaluation.
#[allow(clippy::too_many_arguments)]
async fn evaluate_all_reporting(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    compiled: &CompiledPolicy,
    today: NaiveDate,
    subjects: &BTreeMap<String, BTreeMap<String, String>>,
    names: &BTreeMap<String, String>,
    tracker: &crate::benefit_runs::Tracker<'_>,
) -> Result<RunSummary, ApiError> {
    let mut population = eligibility::Population::for_policies([policy]);
    for (subject, values) in subjects {
        population.push(subject.as_str(), values);
    }
    let outcomes = compiled.evaluate_population(&population, today);
    let period = eligibility::Period::containing(policy.period_unit, today);
    let now = state.now();
    let known: BTreeMap<String, Finding> = state
        .store
        .findings_of_policy(&policy.id, Some(&period.key()))
        .await?
        .into_iter()
        .map(|finding| (finding.subject.clone(), finding))
        .collect();
    // State changes of earlier findings: (finding, from, to, reason for the person).
    let mut changes: Vec<(Finding, &'static str, String)> = Vec::new();
    let department_name = state.catalog.department_name(&policy.department).to_owned();
    let legal_basis = format!("《{}》（{}）", policy.legal_basis.title, policy.legal_basis.number);
    let elements = policy.reads.join(",");
    // A qualifying subject's name is read too, for the department's list.
    let elements_with_name = format!("{elements},name");
    // Every entry of the run is the same read but for its subject and whether the
    // name was read: made once, at the run's time.
    let entry = crate::access_entry(
        state,
        Some(caller),
        "benefit_evaluation",
        None,
        elements.clone(),
        format!(
            "{department_name}为“{}”核查（{}，{}；只保存是否符合、金额和理由）",
            policy.name,
            period.label_zh(),
            policy.mode.label_zh()
        ),
    );
    let mut accesses = Vec::with_capacity(subjects.len());
    let mut findings = Vec::new();
    let mut notices = Vec::new();
    let mut total = 0i64;
    let (mut qualifying, mut new_findings, mut changed) = (0, 0, 0);
    for (index, (subject, outcome)) in subjects.keys().zip(&outcomes).enumerate() {
        let named = outcome.qualifies && names.contains_key(subject);
        let mut entry = entry.clone();
        if named {
            entry.elements.clone_from(&elements_with_name);
        }
        accesses.push(SubjectAccess {
            entry,
            subject: Some(subject_key(policy.target, subject)),
            legal_basis: legal_basis.clone(),
        });
        if !outcome.qualifies {
            if let Some(earlier) = known.get(subject)
                && (earlier.state == "granted" || earlier.state == "invited")
            {
                let evaluation = compiled.evaluation(&population, index, outcome, today);
                let failed: Vec<&str> = evaluation
                    .reasons
                    .iter()
                    .filter(|reason| !reason.held)
                    .map(|reason| reason.label.as_str())
                    .collect();
                changes.push((
                    earlier.clone(),
                    "withdrawn",
                    format!("按最新数据不再满足：{}", failed.join("；")),
                ));
            }
            continue;
        }
        let evaluation = compiled.evaluation(&population, index, outcome, today);
        total += evaluation.amount_fen;
        qualifying += 1;
        let recipient = subject_key(policy.target, evaluation.payee.as_deref().unwrap_or(subject));
        let reasons = serde_json::to_string(&evaluation.reasons).map_err(ApiError::internal)?;
        let finding = Finding {
            id: format!("BF{}", random_id()),
            policy: policy.id.clone(),
            period: period.key(),
            subject: subject.clone(),
            subject_name: names.get(subject).cloned().unwrap_or_default(),
            recipient: recipient.clone(),
            amount_fen: evaluation.amount_fen,
            reasons,
            state: match policy.mode {
                PolicyMode::Grant => "granted".to_owned(),
                PolicyMode::Invite { .. } => "invited".to_owned(),
            },
            state_reason: None,
            found_at: now,
            updated_at: now,
            change_note: None,
        };
        let Some(earlier) = known.get(subject) else {
            new_findings += 1;
            notices.push(found_notice(state, policy, &finding, &evaluation, names, now));
            findings.push(finding);
            continue;
        };
        if earlier.state == "confirmed" {
            // Confirmed for payment: the department's, whatever the data say now.
            continue;
        }
        if earlier.state == "withdrawn" {
            changes.push((
                earlier.clone(),
                match policy.mode {
                    PolicyMode::Grant => "granted",
                    PolicyMode::Invite { .. } => "invited",
                },
                "按最新数据重新满足全部条件".to_owned(),
            ));
        }
        // The same outcome from the same data: nothing to write.
        let Some(note) = what_changed(earlier, &finding) else {
            continue;
        };
        changed += 1;
        if matches!(earlier.state.as_str(), "granted" | "invited") {
            notices.push(changed_notice(policy, &finding, &note, now));
        }
        findings.push(Finding {
            change_note: Some(note),
            ..finding
        });
    }
    let summary = RunSummary {
        policy: policy.id.clone(),
        policy_name: policy.name.clone(),
        period: period.key(),
        period_label: period.label_zh(),
        as_of: today,
        evaluated: subjects.len(),
        qualifying,
        new_findings,
        withdrawn: changes.iter().filter(|(_, to, _)| *to == "withdrawn").count(),
        restored: changes.iter().filter(|(_, to, _)| *to != "withdrawn").count(),
        changed,
        total_amount_fen: total,
        total_amount_yuan: fen_to_yuan(total),
    };
    let mut changes: Vec<FindingChange> = changes
        .iter()
        .map(|(finding, to, reason)| change_after_run(state, caller, policy, finding, to, reason, now))
        .collect();
    // An enterprise's messages go to its legal representative's inbox.
    if policy.target == PolicyTarget::Enterprise {
        let addressed = notices
            .iter_mut()
            .chain(changes.iter_mut().map(|change| &mut change.notice))
            .collect();
        accesses.extend(crate::legal_rep::address_enterprise_notices(state, caller, &legal_basis, addressed).await?);
    }
    tracker
        .at(RunProgress::Storing {
            findings: findings.len(),
            accesses: accesses.len(),
        })
        .await;
    state
        .store
        .put_findings(&policy.department, &findings, &accesses, &notices, &changes)
        .await?;
    Ok(summary)
}

/// Withdrawing or restoring an earlier finding because the data changed, with the
/// entry that records it and a message to the recipient saying why (stored with the
/// run, unless the person acted on the finding meanwhile).
fn change_after_run(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    finding: &Finding,
    to: &str,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> FindingChange {
    let withdrawn = to == "withdrawn";
    let action = if withdrawn {
        "benefit_withdrawn"
    } else {
        "benefit_restored"
    };
    let record = SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(caller),
            action,
            None,
            String::new(),
            format!("“{}”（{}）：{reason}", policy.name, finding.period),
        ),
        subject: Some(finding.recipient.clone()),
        legal_basis: format!("《{}》（{}）", policy.legal_basis.title, policy.legal_basis.number),
    };
    let (title, body) = if withdrawn {
        (
            format!("“{}”：您已不再符合条件", policy.name),
            format!(
                "根据部门共享的最新数据，{}的“{}”{reason}，本项待遇不再发放。如有异议，可在“我的待遇”中提出。",
                finding.period, policy.name
            ),
        )
    } else {
        (
            format!("“{}”：您重新符合条件", policy.name),
            format!(
                "根据部门共享的最新数据，您{reason}，{}的“{}”{} 元恢复发放。",
                finding.period,
                policy.name,
                fen_to_yuan(finding.amount_fen)
            ),
        )
    };
    FindingChange {
        id: finding.id.clone(),
        from: finding.state.clone(),
        to: to.to_owned(),
        reason: reason.to_owned(),
        at: now,
        record,
        notice: NewNotification {
            recipient: finding.recipient.clone(),
            kind: action.to_owned(),
            case_id: None,
            item: None,
            title,
            body,
            created_at: now,
        },
    }
}

/// What a re-run changed in a known finding, in words for the person and the
/// department, or `None` when the outcome is the same. Only the outcome is compared
/// (amount, conditions, payee, name): the values read are not kept, so the words say
/// what changed in the result, never the data themselves.
fn what_changed(earlier: &Finding, now: &Finding) -> Option<String> {
    let mut changed = Vec::new();
    if earlier.amount_fen != now.amount_fen {
        changed.push(format!(
            "金额由 {} 元变为 {} 元",
            fen_to_yuan(earlier.amount_fen),
            fen_to_yuan(now.amount_fen)
        ));
    }
    if earlier.reasons != now.reasons {
        let before: Vec<Reason> = serde_json::from_str(&earlier.reasons).unwrap_or_default();
        let after: Vec<Reason> = serde_json::from_str(&now.reasons).unwrap_or_default();
        let flipped: Vec<String> = after
            .iter()
            .filter(|reason| {
                before
                    .iter()
                    .find(|b| b.id == reason.id)
                    .is_none_or(|b| b.held != reason.held)
            })
            .map(|reason| {
                format!(
                    "{}：{}",
                    if reason.held { "现已满足" } else { "不再满足" },
                    reason.label
                )
            })
            .collect();
        if flipped.is_empty() {
            changed.push("认定理由已按最新数据更新".to_owned());
        } else {
            changed.extend(flipped);
        }
    }
    if earlier.recipient != now.recipient {
        changed.push("领取人已按最新数据变更".to_owned());
    }
    if earlier.subject_name != now.subject_name {
        changed.push("姓名已按最新数据更新".to_owned());
    }
    (!changed.is_empty()).then(|| format!("按最新数据重新核查：{}", changed.join("；")))
}

/// Tells the recipient that a re-run changed their finding, and how.
fn changed_notice(
    policy: &Policy,
    finding: &Finding,
    note: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> NewNotification {
    NewNotification {
        recipient: finding.recipient.clone(),
        kind: "benefit_changed".to_owned(),
        case_id: None,
        item: None,
        title: format!("“{}”：认定结果有变化", policy.name),
        body: format!(
            "根据部门共享的最新数据，您{}的“{}”有变化（{note}），现为 {} 元。如有异议，可在“我的待遇”中提出。",
            finding.period,
            policy.name,
            fen_to_yuan(finding.amount_fen)
        ),
        created_at: now,
    }
}

/// 16 random hex digits, the part of a finding's, job's or run's id after its prefix.
pub(crate) fn random_id() -> String {
    use rand::Rng;
    let bytes: [u8; 8] = rand::thread_rng().r#gen();
    hex::encode_upper(bytes)
}

/// An entry about the work on a policy itself (a run's or a confirmation job's start
/// and end): no one's data.
pub(crate) fn policy_entry(
    state: &AppState,
    actor: &Account,
    policy: &Policy,
    action: &str,
    purpose: String,
) -> SubjectAccess {
    SubjectAccess {
        entry: crate::access_entry(state, Some(actor), action, None, String::new(), purpose),
        subject: None,
        legal_basis: legal_basis_of(policy),
    }
}

/// “您符合…条件，…元将于…发放” with the reasons, or the invitation to apply.
fn found_notice(
    state: &AppState,
    policy: &Policy,
    finding: &Finding,
    evaluation: &Evaluation,
    names: &BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> NewNotification {
    let reasons: Vec<&str> = evaluation.reasons.iter().map(|r| r.label.as_str()).collect();
    let for_whom = if finding.recipient == subject_key(policy.target, &finding.subject) {
        String::new()
    } else {
        format!(
            "（为{}）",
            names
                .get(&finding.subject)
                .map_or_else(|| "家庭成员".to_owned(), |n| mask_name(n))
        )
    };
    let amount = fen_to_yuan(finding.amount_fen);
    let period = eligibility::Period::containing(policy.period_unit, evaluation.period.start).label_zh();
    let (title, body) = match &policy.mode {
        PolicyMode::Grant => (
            format!("您符合“{}”条件", policy.name),
            format!(
                "您{for_whom}符合“{}”条件，{period} {amount} 元将于{}发放，无需申请。理由：{}。如不需要，可在“我的待遇”中选择不同意；如有异议，也可在那里提出。",
                policy.name,
                policy.payment,
                reasons.join("；")
            ),
        ),
        PolicyMode::Invite { one_thing } => (
            format!("您可能符合“{}”条件", policy.name),
            format!(
                "您{for_whom}可能符合“{}”条件（{period}约 {amount} 元）。理由：{}。可在“我的待遇”中一键打开“{}”申请，已有信息将为您预填。",
                policy.name,
                reasons.join("；"),
                state
                    .catalog
                    .one_thing(one_thing.as_str())
                    .map_or(one_thing.as_str(), |o| o.name.as_str())
            ),
        ),
    };
    NewNotification {
        recipient: finding.recipient.clone(),
        kind: "benefit_found".to_owned(),
        case_id: None,
        item: None,
        title,
        body,
        created_at: now,
    }
}

/// One condition as shown to the person.
#[derive(Clone, Debug, Serialize)]
pub struct ReasonView {
    pub label: String,
    pub held: bool,
}

/// A finding as its recipient sees it on 我的待遇.
#[derive(Clone, Debug, Serialize)]
pub struct MyBenefit {
    pub id: String,
    pub policy: PolicyView,
    pub period: String,
    pub amount_fen: i64,
    pub amount_yuan: String,
    /// granted, invited, declined, objected, withdrawn, confirmed.
    pub state: String,
    pub state_label: &'static str,
    pub state_reason: Option<String>,
    /// Whose benefit it is when not the recipient's own (a child): masked name.
    pub for_whom: Option<String>,
    /// The enterprise it is for, when the caller sees it as its legal representative.
    pub enterprise: Option<crate::legal_rep::Represented>,
    /// What the last re-run changed (金额由…变为…), if it changed anything.
    pub change_note: Option<String>,
    pub reasons: Vec<ReasonView>,
    /// Where 主动告知 applies, prefilled.
    pub apply_path: Option<String>,
    pub may_decline: bool,
    pub may_object: bool,
}

fn state_label(state: &str) -> &'static str {
    match state {
        "granted" => "已认定，将按期发放",
        "invited" => "邀请申请",
        "declined" => "已不同意（不发放）",
        "objected" => "已提出异议，待部门处理",
        "withdrawn" => "已不再符合条件（不发放）",
        "confirmed" => "已确认发放",
        _ => "未知",
    }
}

fn my_benefit(
    state: &AppState,
    finding: &Finding,
    enterprise: Option<&crate::legal_rep::Represented>,
) -> Option<MyBenefit> {
    let policy = state.catalog.policies.get(&finding.policy)?;
    let reasons: Vec<Reason> = serde_json::from_str(&finding.reasons).unwrap_or_default();
    let own = finding.recipient == subject_key(policy.target, &finding.subject);
    Some(MyBenefit {
        id: finding.id.clone(),
        period: finding.period.clone(),
        amount_fen: finding.amount_fen,
        amount_yuan: fen_to_yuan(finding.amount_fen),
        state: finding.state.clone(),
        state_label: state_label(&finding.state),
        state_reason: finding.state_reason.clone(),
        for_whom: (!own).then(|| mask_name(&finding.subject_name)),
        enterprise: enterprise.cloned(),
        change_note: finding.change_note.clone(),
        reasons: reasons
            .into_iter()
            .map(|r| ReasonView {
                label: r.label,
                held: r.held,
            })
            .collect(),
        apply_path: match &policy.mode {
            PolicyMode::Invite { one_thing } => Some(format!("/one-things/{}", one_thing.as_str())),
            PolicyMode::Grant => None,
        },
        may_decline: finding.state == "granted",
        may_object: matches!(
            finding.state.as_str(),
            "granted" | "invited" | "withdrawn" | "confirmed"
        ),
        policy: policy_view(state, policy),
    })
}

/// 我的待遇: what policies found for the caller (as a person), and for the enterprises
/// 法人库 names them legal representative of (稳岗返还), newest first. Nobody else sees
/// an enterprise's findings.
pub async fn mine(state: &AppState, caller: &Account) -> Result<Vec<MyBenefit>, ApiError> {
    let id_number = own_id_number(caller)?;
    let mut found: Vec<(Finding, Option<crate::legal_rep::Represented>)> = state
        .store
        .findings_of_recipient(&person_subject(id_number))
        .await?
        .into_iter()
        .map(|finding| (finding, None))
        .collect();
    for enterprise in crate::legal_rep::enterprises_for_benefits(state, caller).await? {
        let theirs = state
            .store
            .findings_of_recipient(&enterprise_subject(&enterprise.uscc))
            .await?;
        found.extend(theirs.into_iter().map(|finding| (finding, Some(enterprise.clone()))));
    }
    found.sort_by(|(a, _), (b, _)| b.found_at.cmp(&a.found_at).then_with(|| a.id.cmp(&b.id)));
    Ok(found
        .iter()
        .filter_map(|(finding, enterprise)| my_benefit(state, finding, enterprise.as_ref()))
        .collect())
}

fn own_id_number(caller: &Account) -> Result<&str, ApiError> {
    if caller.role != Role::Applicant {
        return Err(ApiError::forbidden("“我的待遇”只对办事群众本人开放"));
    }
    caller
        .id_number
        .as_deref()
        .ok_or_else(|| ApiError::new("E_NO_ID_NUMBER", "账户未实名认证（缺少公民身份号码），无法查询待遇"))
}

/// What a person decides about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// 不同意: a granted benefit is not paid.
    Decline,
    /// 有异议: the department must look at it again.
    Object,
}

/// The longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Declines or objects to one of the caller's findings; the reason reaches the
/// department as a message. Refused, and nothing changed, when the finding is not the
/// caller's (not found), not in a state that allows it, or an objection lacks a reason.
pub async fn decide(
    state: &AppState,
    caller: &Account,
    finding_id: &str,
    decision: Decision,
    reason: &str,
) -> Result<MyBenefit, ApiError> {
    let id_number = own_id_number(caller)?;
    let not_found = || ApiError::new("E_FINDING_NOT_FOUND", "没有找到这项待遇");
    let finding = state.store.finding(finding_id).await?.ok_or_else(not_found)?;
    // A person's own finding, or an enterprise's whose legal representative 法人库
    // names them now.
    let enterprise = match finding.recipient.strip_prefix("enterprise:") {
        Some(uscc) => Some(
            crate::legal_rep::represents(state, caller, uscc)
                .await?
                .ok_or_else(not_found)?,
        ),
        None if finding.recipient == person_subject(id_number) => None,
        None => return Err(not_found()),
    };
    let policy = policy_of(state, &finding.policy)?;
    let reason = if reason.trim().is_empty() {
        String::new()
    } else {
        ids::text::normalize(reason, true)
            .map_err(|error| ApiError::new("E_INVALID_REQUEST", format!("原因无效：{error}")).field("reason"))?
    };
    let reason = reason.as_str();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::new("E_INVALID_REQUEST", format!("原因最多 {MAX_REASON_CHARS} 个字")).field("reason"));
    }
    let (to, action, allowed): (&str, &str, &[&str]) = match decision {
        Decision::Decline => ("declined", "benefit_declined", &["granted"]),
        Decision::Object => (
            "objected",
            "benefit_objected",
            &["granted", "invited", "withdrawn", "confirmed"],
        ),
    };
    if decision == Decision::Object && reason.is_empty() {
        return Err(ApiError::new("E_REASON_REQUIRED", "请写明异议的理由，部门将据此复核").field("reason"));
    }
    if !allowed.contains(&finding.state.as_str()) {
        return Err(ApiError::new(
            "E_FINDING_STATE",
            format!("这项待遇当前为“{}”，不能再这样操作", state_label(&finding.state)),
        ));
    }
    let verb = match decision {
        Decision::Decline => "不同意",
        Decision::Object => "有异议",
    };
    let record = SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(caller),
            action,
            None,
            String::new(),
            match &enterprise {
                Some(enterprise) => format!(
                    "法定代表人代企业“{}”对“{}”（{}）表示{verb}：{reason}",
                    enterprise.name, policy.name, finding.period
                ),
                None => format!("本人对“{}”（{}）表示{verb}：{reason}", policy.name, finding.period),
            },
        ),
        subject: Some(finding.recipient.clone()),
        legal_basis: if enterprise.is_some() {
            "法定代表人决定".to_owned()
        } else {
            "本人决定".to_owned()
        },
    };
    let now = state.now();
    let changed = state
        .store
        .change_finding_state(
            &finding.id,
            &finding.state,
            to,
            (!reason.is_empty()).then_some(reason),
            now,
            &record,
        )
        .await?;
    if !changed {
        return Err(ApiError::new("E_FINDING_STATE", "这项待遇刚刚被处理过，请刷新后再看"));
    }
    state
        .store
        .notify(&[NewNotification {
            recipient: format!("dept:{}", policy.department),
            kind: "benefit_decision".to_owned(),
            case_id: None,
            item: None,
            title: format!("“{}”：当事人{verb}", policy.name),
            body: format!(
                "{}（{}）对{}的“{}”表示{verb}。理由：{}",
                mask_name(&finding.subject_name),
                mask(&finding.subject),
                finding.period,
                policy.name,
                if reason.is_empty() { "未填写" } else { reason }
            ),
            created_at: now,
        }])
        .await?;
    let finding = state.store.finding(&finding.id).await?.ok_or_else(not_found)?;
    my_benefit(state, &finding, enterprise.as_ref()).ok_or_else(not_found)
}

/// The department's decision on an objection (有异议).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectionDecision {
    /// 维持: the finding stands as it was before the objection.
    Uphold,
    /// 更正: the person was right; the finding is corrected (its amount, if given)
    /// and granted (or invited) again, to be confirmed like any other.
    Correct,
}

impl ObjectionDecision {
    /// As typed: `uphold` / `维持`, `correct` / `更正`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "uphold" | "维持" => Some(Self::Uphold),
            "correct" | "更正" => Some(Self::Correct),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Uphold => "维持原认定",
            Self::Correct => "更正",
        }
    }
}

/// The department's answer to an objection, as typed.
#[derive(Clone, Debug, Default)]
pub struct ObjectionAnswerRequest {
    /// `uphold` (维持) or `correct` (更正).
    pub decision: String,
    /// The reply the person reads, in Chinese.
    pub reply: String,
    /// For 更正: the corrected amount in yuan (`1500` or `1500.00`); empty keeps it.
    pub amount_yuan: Option<String>,
}

/// Answers a person's objection (有异议) to a finding of `policy_id`, by its
/// department or an administrator: 维持 returns the finding to the state it had before
/// the objection; 更正 grants (or invites) it again, with a corrected amount if given.
/// The reply is the person's to read on 我的待遇 and in a message; the answer is an
/// entry about the recipient; all in one transaction. An objected finding is confirmed
/// for payment only after this.
pub async fn answer_objection(
    state: &AppState,
    caller: &Account,
    policy_id: &str,
    finding_id: &str,
    request: &ObjectionAnswerRequest,
) -> Result<FindingRow, ApiError> {
    let policy = policy_to_manage(state, caller, policy_id, "答复", "的异议")?;
    let not_found = || ApiError::new("E_FINDING_NOT_FOUND", "本政策没有这项待遇");
    let finding = state
        .store
        .finding(&finding_id.trim().to_ascii_uppercase())
        .await?
        .filter(|finding| finding.policy == policy.id)
        .ok_or_else(not_found)?;
    let decision = ObjectionDecision::parse(&request.decision).ok_or_else(|| {
        ApiError::new("E_INVALID_REQUEST", "请选择答复：uphold（维持）或 correct（更正）").field("decision")
    })?;
    let reply = match non_empty(Some(&request.reply)) {
        None => return Err(ApiError::new("E_REASON_REQUIRED", "请写明答复，当事人将看到").field("reply")),
        Some(text) => ids::text::normalize(text, true)
            .map_err(|error| ApiError::new("E_INVALID_REQUEST", format!("答复无效：{error}")).field("reply"))?,
    };
    if reply.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::new("E_INVALID_REQUEST", format!("答复最多 {MAX_REASON_CHARS} 个字")).field("reply"));
    }
    let amount_fen = match (decision, non_empty(request.amount_yuan.as_deref())) {
        (_, None) => None,
        (ObjectionDecision::Uphold, Some(_)) => {
            return Err(
                ApiError::new("E_INVALID_REQUEST", "维持原认定时不能改金额；要改金额请选择更正").field("amount_yuan"),
            );
        }
        (ObjectionDecision::Correct, Some(text)) => {
            Some(eligibility::yuan_to_fen(text).filter(|fen| *fen >= 0).ok_or_else(|| {
                ApiError::new("E_INVALID_REQUEST", "金额应写成 1500 或 1500.00（元）").field("amount_yuan")
            })?)
        }
    };
    if finding.state != "objected" {
        return Err(ApiError::new(
            "E_FINDING_STATE",
            format!("这项待遇当前为“{}”，没有待答复的异议", state_label(&finding.state)),
        ));
    }
    let live = match policy.mode {
        PolicyMode::Grant => "granted",
        PolicyMode::Invite { .. } => "invited",
    };
    let to = match decision {
        // An objection from before objections were kept: the policy's live state.
        ObjectionDecision::Uphold => state
            .store
            .open_objection(&finding.id)
            .await?
            .map_or_else(|| live.to_owned(), |objection| objection.objected_from),
        ObjectionDecision::Correct => live.to_owned(),
    };
    let department_name = state.catalog.department_name(&policy.department).to_owned();
    let amount_text = amount_fen
        .map(|fen| format!("，金额更正为 {} 元", fen_to_yuan(fen)))
        .unwrap_or_default();
    let now = state.now();
    let mut answer = store::ObjectionAnswer {
        finding: finding.id.clone(),
        to: to.clone(),
        decision: match decision {
            ObjectionDecision::Uphold => "upheld",
            ObjectionDecision::Correct => "corrected",
        }
        .to_owned(),
        reply: reply.clone(),
        state_reason: format!("{department_name}复核异议，{}{amount_text}：{reply}", decision.label()),
        amount_fen,
        resolved_by: caller.id.clone(),
        at: now,
        record: SubjectAccess {
            entry: crate::access_entry(
                state,
                Some(caller),
                "benefit_objection_answered",
                None,
                String::new(),
                format!(
                    "{department_name}答复对“{}”（{}）的异议：{}{amount_text}：{reply}",
                    policy.name,
                    finding.period,
                    decision.label()
                ),
            ),
            subject: Some(finding.recipient.clone()),
            legal_basis: legal_basis_of(policy),
        },
        notice: NewNotification {
            recipient: finding.recipient.clone(),
            kind: "benefit_objection_answered".to_owned(),
            case_id: None,
            item: None,
            title: format!("“{}”：您的异议已有答复", policy.name),
            body: format!(
                "{department_name}复核了您对{}“{}”提出的异议，决定{}{amount_text}。答复：{reply}。现状态：{}。可在“我的待遇”中查看。",
                finding.period,
                policy.name,
                decision.label(),
                state_label(&to)
            ),
            created_at: now,
        },
    };
    if finding.recipient.starts_with("enterprise:") {
        let extra = crate::legal_rep::address_enterprise_notices(
            state,
            caller,
            &legal_basis_of(policy),
            vec![&mut answer.notice],
        )
        .await?;
        state.store.record_accesses(&extra).await?;
    }
    if !state.store.answer_objection(&answer).await? {
        return Err(ApiError::new("E_FINDING_STATE", "这项待遇刚刚被处理过，请刷新后再看"));
    }
    let finding = state.store.finding(&finding.id).await?.ok_or_else(not_found)?;
    Ok(finding_row(&finding))
}

/// One row of the department's list: names and ID numbers masked.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRow {
    pub id: String,
    pub period: String,
    pub subject_masked: String,
    pub name_masked: String,
    pub amount_fen: i64,
    pub amount_yuan: String,
    pub state: String,
    pub state_label: &'static str,
    pub state_reason: Option<String>,
    /// What the last re-run changed, if anything.
    pub change_note: Option<String>,
    /// Whether the department may confirm it for payment now.
    pub may_confirm: bool,
    /// Whether an objection waits for the department's answer.
    pub may_answer: bool,
}

fn finding_row(finding: &Finding) -> FindingRow {
    FindingRow {
        id: finding.id.clone(),
        period: finding.period.clone(),
        subject_masked: mask(&finding.subject),
        name_masked: mask_name(&finding.subject_name),
        amount_fen: finding.amount_fen,
        amount_yuan: fen_to_yuan(finding.amount_fen),
        state: finding.state.clone(),
        state_label: state_label(&finding.state),
        state_reason: finding.state_reason.clone(),
        change_note: finding.change_note.clone(),
        may_confirm: finding.state == "granted",
        may_answer: finding.state == "objected",
    }
}

/// The department's view of a policy's findings: the totals of everything the
/// filters select, and one page of rows.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyFindings {
    pub policy: PolicyView,
    pub period: Option<String>,
    pub state: Option<String>,
    pub count: i64,
    /// Of the findings neither declined nor withdrawn.
    pub total_amount_fen: i64,
    pub total_amount_yuan: String,
    pub declined: i64,
    pub objected: i64,
    pub confirmed: i64,
    pub items: Vec<FindingRow>,
    /// The cursor of the next page, if there is one (`next_cursor`, as the API's
    /// other lists).
    #[serde(rename = "next_cursor")]
    pub next: Option<String>,
}

/// What the department asks of a policy's findings, as typed (the API's query, the
/// page's form): checked by [`findings`] and [`export_findings`].
#[derive(Clone, Debug, Default)]
pub struct FindingsFilter {
    /// `2026` or `2026-12`.
    pub period: Option<String>,
    /// A state (`granted`, `declined`…).
    pub state: Option<String>,
    /// A whole 公民身份号码, 统一社会信用代码 or 待遇编号 (`BF…`).
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// What a typed search names.
enum Search {
    Subject(String),
    Finding(String),
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A period as typed: `2026` or `2026-12`.
fn parse_period(text: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(period) = non_empty(text) else {
        return Ok(None);
    };
    let bytes = period.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let valid = match bytes.len() {
        4 => digits(0..4),
        7 => {
            digits(0..4)
                && bytes[4] == b'-'
                && digits(5..7)
                && period[5..7].parse::<u32>().is_ok_and(|month| (1..=12).contains(&month))
        }
        _ => false,
    };
    if !valid {
        return Err(ApiError::new("E_QUERY_INVALID", "期间应写成 2026 或 2026-12").field("period"));
    }
    Ok(Some(period.to_owned()))
}

fn parse_search(text: Option<&str>) -> Result<Option<Search>, ApiError> {
    let Some(q) = non_empty(text) else {
        return Ok(None);
    };
    let upper = q.to_ascii_uppercase();
    if upper.len() == 18 && upper.starts_with("BF") && upper[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Some(Search::Finding(upper)));
    }
    if let Ok(id_number) = ids::IdNumber::parse(q) {
        return Ok(Some(Search::Subject(id_number.as_str().to_owned())));
    }
    if let Ok(code) = ids::CreditCode::parse(q) {
        return Ok(Some(Search::Subject(code.as_str().to_owned())));
    }
    Err(ApiError::new(
        "E_QUERY_INVALID",
        "请输入完整的公民身份号码、统一社会信用代码或待遇编号（BF开头），不支持部分号码查询",
    )
    .field("q"))
}

/// The policy, if the caller may see its findings.
pub(crate) fn policy_for_list<'a>(
    state: &'a AppState,
    caller: &Account,
    policy_id: &str,
) -> Result<&'a Policy, ApiError> {
    let policy = policy_of(state, policy_id)?;
    if !may_manage(caller, policy, false) {
        return Err(ApiError::forbidden(format!(
            "只有{}的工作人员和监督人员可以查看“{}”的结果",
            state.catalog.department_name(&policy.department),
            policy.name
        )));
    }
    Ok(policy)
}

/// The store's query for a filter, and the access entry a search by ID number (or
/// credit code) leaves about that person (or enterprise): the department learns
/// whether the policy found them.
fn query_of(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    filter: &FindingsFilter,
    action: &str,
) -> Result<(FindingQuery, Option<SubjectAccess>), ApiError> {
    let period = parse_period(filter.period.as_deref())?;
    let finding_state = match non_empty(filter.state.as_deref()) {
        None => None,
        Some(text) if store::benefits::FINDING_STATES.contains(&text) => Some(text.to_owned()),
        Some(_) => {
            return Err(ApiError::new(
                "E_QUERY_INVALID",
                format!(
                    "状态应为以下之一：{}",
                    store::benefits::FINDING_STATES
                        .iter()
                        .map(|s| format!("{s}（{}）", state_label(s)))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
            .field("state"));
        }
    };
    let search = parse_search(filter.q.as_deref())?;
    let after = non_empty(filter.cursor.as_deref())
        .map(crate::page::finding_cursor)
        .transpose()?;
    let mut query = FindingQuery {
        policy: policy.id.clone(),
        period,
        state: finding_state,
        subject: None,
        id: None,
        after,
        limit: crate::page::limit(filter.limit),
    };
    let mut record = None;
    match search {
        Some(Search::Finding(id)) => query.id = Some(id),
        Some(Search::Subject(subject)) => {
            let who = if subject.len() == 18 && ids::IdNumber::parse(&subject).is_ok() {
                person_subject(&subject)
            } else {
                enterprise_subject(&subject)
            };
            record = Some(SubjectAccess {
                entry: crate::access_entry(
                    state,
                    Some(caller),
                    action,
                    None,
                    "benefit_findings".to_owned(),
                    format!(
                        "{}按证件号码查询“{}”的认定结果",
                        state.catalog.department_name(&policy.department),
                        policy.name
                    ),
                ),
                subject: Some(who),
                legal_basis: legal_basis_of(policy),
            });
            query.subject = Some(subject);
        }
        None => {}
    }
    Ok((query, record))
}

pub(crate) fn legal_basis_of(policy: &Policy) -> String {
    format!("《{}》（{}）", policy.legal_basis.title, policy.legal_basis.number)
}

/// The findings of a policy for its department, supervisors and auditors, one page at
/// a time (keyset: the same cost at any depth), filtered by period and state or
/// searched by a whole ID number, credit code or finding id; the totals of all that
/// the filters select come from the database. Names and ID numbers are masked by the
/// one masking rule; a search by ID number is an access entry about that person.
pub async fn findings(
    state: &AppState,
    caller: &Account,
    policy_id: &str,
    filter: &FindingsFilter,
) -> Result<PolicyFindings, ApiError> {
    let policy = policy_for_list(state, caller, policy_id)?;
    let (mut query, record) = query_of(state, caller, policy, filter, "benefit_search")?;
    let limit = query.limit;
    let totals = state.store.findings_totals(&query).await?;
    query.limit = limit + 1;
    let rows = state.store.findings_page(&query).await?;
    if let Some(record) = record {
        state.store.record_accesses(&[record]).await?;
    }
    let page = crate::page::Page::of(rows, limit, |f: &Finding| {
        crate::page::finding_cursor_of(&f.period, &f.id)
    });
    Ok(PolicyFindings {
        policy: policy_view(state, policy),
        period: query.period.clone(),
        state: query.state.clone(),
        count: totals.count,
        total_amount_fen: totals.amount_fen,
        total_amount_yuan: fen_to_yuan(totals.amount_fen),
        declined: totals.declined,
        objected: totals.objected,
        confirmed: totals.confirmed,
        items: page.items.iter().map(finding_row).collect(),
        next: page.next,
    })
}

/// Rows read per query while exporting.
const EXPORT_CHUNK: i64 = 5_000;

/// A CSV export of the list.
#[derive(Clone, Debug)]
pub struct FindingsExport {
    pub filename: String,
    /// UTF-8 with a byte-order mark (so that Excel reads the Chinese as such), CRLF.
    pub body: String,
    pub rows: usize,
}

/// A CSV cell (RFC 4180), defused: a cell a spreadsheet would take for a formula
/// (`=`, `+`, `-`, `@`, tab, CR) starts with an apostrophe. A person's objection is
/// free text and ends up here.
fn csv_cell(out: &mut String, cell: &str) {
    let defused;
    let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        defused = format!("'{cell}");
        defused.as_str()
    } else {
        cell
    };
    if cell.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

fn csv_row(out: &mut String, cells: &[&str]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// The whole list as the filters select it (no page), as CSV for the department:
/// the same masking as the list, and itself a data access with its ledger entry.
pub async fn export_findings(
    state: &AppState,
    caller: &Account,
    policy_id: &str,
    filter: &FindingsFilter,
) -> Result<FindingsExport, ApiError> {
    let policy = policy_for_list(state, caller, policy_id)?;
    let filter = FindingsFilter {
        cursor: None,
        ..filter.clone()
    };
    let (mut query, search_record) = query_of(state, caller, policy, &filter, "benefit_export")?;
    query.limit = EXPORT_CHUNK;
    let mut body = String::from("\u{FEFF}");
    csv_row(
        &mut body,
        &[
            "待遇编号",
            "期间",
            "证件号码（脱敏）",
            "姓名（脱敏）",
            "金额（元）",
            "状态",
            "说明",
            "最近变化",
            "认定时间",
        ],
    );
    let mut rows = 0;
    loop {
        let chunk = state.store.findings_page(&query).await?;
        for finding in &chunk {
            let row = finding_row(finding);
            let found = (finding.found_at + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string();
            csv_row(
                &mut body,
                &[
                    &row.id,
                    &row.period,
                    &row.subject_masked,
                    &row.name_masked,
                    &row.amount_yuan,
                    row.state_label,
                    row.state_reason.as_deref().unwrap_or(""),
                    row.change_note.as_deref().unwrap_or(""),
                    &found,
                ],
            );
        }
        rows += chunk.len();
        match chunk.last() {
            Some(last) if chunk.len() as i64 == EXPORT_CHUNK => {
                query.after = Some((last.period.clone(), last.id.clone()));
            }
            _ => break,
        }
    }
    let scope = [
        query.period.as_deref().map(|p| format!("期间{p}")),
        query.state.as_deref().map(|s| format!("状态“{}”", state_label(s))),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("，");
    let record = search_record.unwrap_or_else(|| SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(caller),
            "benefit_export",
            None,
            "benefit_findings".to_owned(),
            String::new(),
        ),
        subject: None,
        legal_basis: legal_basis_of(policy),
    });
    let record = SubjectAccess {
        entry: store::AccessEntry {
            purpose: format!(
                "导出“{}”认定名单（{}{rows} 行，姓名与证件号码已脱敏）",
                policy.name,
                if scope.is_empty() {
                    String::new()
                } else {
                    format!("{scope}，")
                }
            ),
            ..record.entry
        },
        ..record
    };
    state.store.record_accesses(&[record]).await?;
    Ok(FindingsExport {
        filename: format!(
            "{}-findings{}.csv",
            policy.id,
            query.period.as_deref().map(|p| format!("-{p}")).unwrap_or_default()
        ),
        body,
        rows,
    })
}

/// What the department confirms for payment: named findings (待遇编号), all or none,
/// or every granted finding of a period; one of the two.
#[derive(Clone, Debug, Default)]
pub struct ConfirmRequest {
    pub findings: Option<Vec<String>>,
    pub period: Option<String>,
    /// Shown to the person with the new state.
    pub note: String,
}

/// Most findings named in one confirmation; a whole period is confirmed by period.
pub const MAX_CONFIRM_IDS: usize = 1_000;

/// The longest note the department adds to a confirmation, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// What a confirmation did.
#[derive(Clone, Debug, Serialize)]
pub struct ConfirmSummary {
    pub policy: String,
    /// Confirmed by this request.
    pub confirmed: usize,
    /// Confirmed before (a retry): left as they were.
    pub already_confirmed: usize,
    /// The amount confirmed by this request.
    pub amount_fen: i64,
    pub amount_yuan: String,
}

/// What a confirmation request did: named findings are confirmed at once; a whole
/// period is confirmed by a background job ([`crate::benefit_jobs`]), started.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum ConfirmOutcome {
    Confirmed(ConfirmSummary),
    Started(Box<crate::benefit_jobs::ConfirmJobView>),
}

/// The entry that records confirming `finding` for payment, about its recipient.
pub(crate) fn confirmation_of(
    state: &AppState,
    caller: &Account,
    policy: &Policy,
    department_name: &str,
    finding: &Finding,
) -> store::FindingConfirmation {
    store::FindingConfirmation {
        id: finding.id.clone(),
        record: SubjectAccess {
            entry: crate::access_entry(
                state,
                Some(caller),
                "benefit_confirmed",
                None,
                String::new(),
                format!(
                    "{department_name}确认发放“{}”（{}）{} 元",
                    policy.name,
                    finding.period,
                    fen_to_yuan(finding.amount_fen)
                ),
            ),
            subject: Some(finding.recipient.clone()),
            legal_basis: legal_basis_of(policy),
        },
    }
}

/// Confirms findings for payment (已认定 → 已确认发放), by the policy's department or an
/// administrator: one entry per finding about its recipient. Named findings are
/// confirmed at once, all or none, in one transaction: any declined, objected,
/// withdrawn or invited one refuses the batch with its state named. A whole period
/// starts a background job ([`crate::benefit_jobs`]) and returns it at once. Confirming
/// again what is confirmed changes nothing (a retry is safe). The person sees the new
/// state on 我的待遇.
pub async fn confirm(
    state: &std::sync::Arc<AppState>,
    caller: &Account,
    policy_id: &str,
    request: &ConfirmRequest,
) -> Result<ConfirmOutcome, ApiError> {
    let policy = policy_to_manage(state, caller, policy_id, "确认", "的发放")?;
    let note = match non_empty(Some(&request.note)) {
        None => String::new(),
        Some(text) => ids::text::normalize(text, true)
            .map_err(|error| ApiError::new("E_INVALID_REQUEST", format!("备注无效：{error}")).field("note"))?,
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::new("E_INVALID_REQUEST", format!("备注最多 {MAX_NOTE_CHARS} 个字")).field("note"));
    }
    let department_name = state.catalog.department_name(&policy.department).to_owned();
    let reason = if note.is_empty() {
        format!("{department_name}已确认发放，将于{}发放", policy.payment)
    } else {
        format!("{department_name}已确认发放：{note}")
    };
    let findings: Vec<Finding> = match (&request.findings, &request.period) {
        (Some(ids), None) => {
            let mut unique: Vec<String> = Vec::new();
            for id in ids {
                let id = id.trim().to_ascii_uppercase();
                if !id.is_empty() && !unique.contains(&id) {
                    unique.push(id);
                }
            }
            if unique.is_empty() {
                return Err(ApiError::new("E_INVALID_REQUEST", "请选择要确认发放的待遇").field("findings"));
            }
            if unique.len() > MAX_CONFIRM_IDS {
                return Err(ApiError::new(
                    "E_INVALID_REQUEST",
                    format!("一次最多确认 {MAX_CONFIRM_IDS} 项；确认整个期间请按期间确认"),
                )
                .field("findings"));
            }
            let found = state.store.findings_by_ids(&policy.id, &unique).await?;
            let missing: Vec<&String> = unique.iter().filter(|id| !found.iter().any(|f| &&f.id == id)).collect();
            if !missing.is_empty() {
                return Err(not_found_ids(&missing));
            }
            found
        }
        (None, Some(period)) => {
            let period = parse_period(Some(period.as_str()))?
                .ok_or_else(|| ApiError::new("E_INVALID_REQUEST", "请写明要确认的期间").field("period"))?;
            let job = crate::benefit_jobs::start(state, caller, policy, &period, reason).await?;
            return Ok(ConfirmOutcome::Started(Box::new(job)));
        }
        _ => {
            return Err(ApiError::new(
                "E_INVALID_REQUEST",
                "请在 findings（待遇编号）和 period（期间）中选择一项",
            )
            .field("findings"));
        }
    };
    let confirmations: Vec<store::FindingConfirmation> = findings
        .iter()
        .map(|finding| confirmation_of(state, caller, policy, &department_name, finding))
        .collect();
    match state
        .store
        .confirm_findings(&policy.department, &policy.id, &confirmations, &reason, state.now())
        .await?
    {
        store::Confirmed::Done { confirmed, already } => {
            let amount: i64 = findings
                .iter()
                .filter(|f| confirmed.contains(&f.id))
                .map(|f| f.amount_fen)
                .sum();
            Ok(ConfirmOutcome::Confirmed(ConfirmSummary {
                policy: policy.id.clone(),
                confirmed: confirmed.len(),
                already_confirmed: already.len(),
                amount_fen: amount,
                amount_yuan: fen_to_yuan(amount),
            }))
        }
        store::Confirmed::Refused { blocked, missing } => {
            if !missing.is_empty() {
                return Err(not_found_ids(&missing.iter().collect::<Vec<_>>()));
            }
            let named: Vec<String> = blocked
                .iter()
                .take(20)
                .map(|(id, now)| format!("{id}（{}）", state_label(now)))
                .collect();
            Err(ApiError::new(
                "E_FINDING_STATE",
                format!(
                    "以下 {} 项待遇不是“已认定”状态，不能确认发放，本次未作任何更改：{}{}",
                    blocked.len(),
                    named.join("、"),
                    if blocked.len() > named.len() { "等" } else { "" }
                ),
            )
            .field("findings"))
        }
    }
}

fn not_found_ids(missing: &[&String]) -> ApiError {
    let named: Vec<&str> = missing.iter().take(20).map(|id| id.as_str()).collect();
    ApiError::new(
        "E_FINDING_NOT_FOUND",
        format!("本政策没有这些待遇：{}，本次未作任何更改", named.join("、")),
    )
    .field("findings")
}

/// What a completed case tells about a child, as the shared attributes a policy
/// reads: the child's birth date and parents from the case's own data.
const CASE_ATTRIBUTES: [(&str, &str); 3] = [
    ("birth_date", "child.birth_date"),
    ("mother_id_number", "mother.id_number"),
    ("father_id_number", "father.id_number"),
];

/// The event path: when a case that registered a child (it names `child.id_number`,
/// an output of 出生登记) completes, every person policy whose reads the case supplies
/// (育儿补贴) is evaluated for that child at once, as the policy's department; the
/// finding and its message are stored like a run's. Returns what was run.
pub async fn on_case_completed(state: &AppState, case: &cases::Case) -> Result<Vec<RunSummary>, ApiError> {
    if case.state() != cases::CaseState::Completed {
        return Ok(Vec::new());
    }
    let value = |element: &str| -> Option<String> {
        case.tasks
            .iter()
            .find_map(|task| task.outputs.get(element).cloned())
            .or_else(|| case.form.get(element).map(|v| v.value.clone()))
            .filter(|v| !v.trim().is_empty())
    };
    let Some(child) = value("child.id_number") else {
        return Ok(Vec::new());
    };
    let values: BTreeMap<String, String> = CASE_ATTRIBUTES
        .iter()
        .filter_map(|(attribute, element)| value(element).map(|v| ((*attribute).to_owned(), v)))
        .collect();
    let names: BTreeMap<String, String> = value("child.name")
        .map(|name| (child.clone(), name))
        .into_iter()
        .collect();
    let subjects: BTreeMap<String, BTreeMap<String, String>> = [(child, values)].into_iter().collect();
    let today = cases::china_date(state.now());
    let mut summaries = Vec::new();
    for policy in state.catalog.policies.values() {
        let supplied = policy.target == PolicyTarget::Person
            && policy
                .reads
                .iter()
                .all(|attribute| CASE_ATTRIBUTES.iter().any(|(a, _)| a == attribute));
        if !supplied {
            continue;
        }
        let compiled = CompiledPolicy::compile(policy).map_err(ApiError::internal)?;
        // The policy's department acts, as the engine does for a case: no person did.
        let system = Account {
            id: "system".to_owned(),
            username: "system".to_owned(),
            display_name: "系统".to_owned(),
            role: Role::Staff,
            department: Some(policy.department.clone()),
            id_number: None,
            password_hash: String::new(),
        };
        summaries.push(evaluate_all(state, &system, policy, &compiled, today, &subjects, &names).await?);
    }
    Ok(summaries)
}
