//! "谁查看了我的数据": every access to a person's data by someone else, read from
//! the ledger, each checked for inclusion in the latest signed checkpoint. Reading
//! the log is itself recorded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{Account, Role};
use serde::Serialize;

use crate::AppState;
use crate::error::ApiError;

/// One access by someone else.
#[derive(Clone, Debug, Serialize)]
pub struct AccessRow {
    /// Its index in the ledger (from 0).
    pub index: u64,
    /// The department that read, when staff of one did.
    pub department: Option<String>,
    /// Who, by department or role; never an account id of staff.
    pub who: String,
    /// What was looked at, in plain Chinese.
    pub what: &'static str,
    pub at: DateTime<Utc>,
    /// The names of the data elements read.
    pub fields: Vec<String>,
    pub case_id: Option<String>,
    pub purpose: String,
    pub legal_basis: String,
    /// Proven included in the latest signed checkpoint.
    pub verified: bool,
}

/// The log and the checkpoint it was verified against.
#[derive(Clone, Debug, Serialize)]
pub struct DataLog {
    pub rows: Vec<AccessRow>,
    /// The cursor of the next (older) page; `None`: there is none.
    pub next: Option<String>,
    /// The size of the latest signed checkpoint whose signature was checked.
    pub checkpoint_size: Option<u64>,
}

/// What an action in the ledger means to the person whose data it touched.
fn what(action: &str) -> &'static str {
    match action {
        "read_task" => "办理事项所需的信息",
        "read_material" => "您提交的材料",
        "read_history" => "办件的办理记录",
        "shared_read" => "共享数据（在授权范围内调用）",
        "shared_question" => "核验您是否符合一项条件（对方只得到“是”或“否”，看不到您的数据）",
        "shared_read_refused" | "shared_question_refused" => "调用您数据的请求（已被拒绝）",
        "verify_certificate" => "验证您的电子证照",
        "read_certificate" | "download_certificate" => "您的电子证照",
        "certificate_revoked" => "注销您的电子证照",
        "read_rectification" | "rectification_follow_up" | "rectification_closed" => "您的评价及其整改",
        "benefit_evaluation" => "核查您是否符合一项惠民政策（只留下是否符合、金额和理由）",
        "benefit_declined" | "benefit_objected" => "您对一项待遇的决定",
        "benefit_withdrawn" | "benefit_restored" => "按最新数据重新核查您的一项待遇",
        "benefit_confirmed" => "确认发放您的一项待遇",
        "benefit_search" => "按您的证件号码查询一项政策的认定结果",
        _ => "您的办件",
    }
}

/// A data element, a shared source's attribute or a certificate, named in Chinese:
/// never a raw key on the person's page.
fn element_name(state: &AppState, key: &str) -> String {
    if let Some(id) = key.strip_prefix("certificate:") {
        return format!("电子证照 {id}");
    }
    if let Some(element) = state.catalog.elements.get(key) {
        return element.name.clone();
    }
    // The attributes of the person sources (人口、婚姻、社保、医保、公积金、不动产).
    let person = match key {
        "name" => Some("姓名"),
        "sex" => Some("性别"),
        "birth_date" => Some("出生日期"),
        "age" => Some("年龄"),
        "ethnicity" => Some("民族"),
        "address" => Some("住址"),
        "hukou_city" => Some("户籍所在地"),
        "marital_status" => Some("婚姻状况"),
        "spouse_id_number" => Some("配偶公民身份号码"),
        "spouse_name" => Some("配偶姓名"),
        "marriage_cert_no" => Some("结婚证字号"),
        "marriage_date" => Some("结婚登记日期"),
        "insured_months" => Some("社会保险缴费月数"),
        "medical_insurance_years" => Some("医疗保险参保年限"),
        "medical_insurance_no" => Some("医疗保险参保编号"),
        "housing_fund_account" => Some("住房公积金账号"),
        "real_estate_cert_no" => Some("不动产权证书号"),
        "real_estate_address" => Some("不动产坐落"),
        "mother_id_number" => Some("母亲公民身份号码（出生医学证明）"),
        "father_id_number" => Some("父亲公民身份号码（出生医学证明）"),
        "disability_cert_no" => Some("残疾人证号"),
        "disability_category" => Some("残疾类别"),
        "disability_grade" => Some("残疾等级"),
        "dibao_status" => Some("最低生活保障状态"),
        "dibao_since" => Some("最低生活保障起始日期"),
        _ => None,
    };
    if let Some(name) = person {
        return name.to_owned();
    }
    // An enterprise source's attribute: the element it fills for the enterprise.
    state
        .catalog
        .elements
        .get(&format!("enterprise.{key}"))
        .map_or_else(|| "一项共享数据".to_owned(), |element| element.name.clone())
}

/// Rounds of reading at most for one page: a person's own reads of their data
/// are in the ledger about them too, and are not shown.
const ROUNDS: usize = 8;

/// Up to `limit` accesses by others to `caller`'s data before index `before`,
/// newest first, and the cursor after them when there may be more. Reads about the
/// person's ID number (before they had an account, or a policy run over the whole
/// population) are merged in.
async fn page_of_others(
    state: &AppState,
    caller: &Account,
    mut before: Option<u64>,
    limit: usize,
) -> Result<(Vec<store::LedgerRow>, Option<String>), ApiError> {
    let fetch = limit + 1;
    let subjects: Vec<String> = std::iter::once(caller.id.clone())
        .chain(caller.id_number.as_deref().map(crate::benefits::person_subject))
        .collect();
    let mut shown = Vec::new();
    for _ in 0..ROUNDS {
        let mut rows = Vec::new();
        let mut exhausted = true;
        for subject in &subjects {
            let found = state.store.access_rows_about(subject, before, fetch as u64).await?;
            exhausted &= found.len() < fetch;
            rows.extend(found);
        }
        rows.sort_by_key(|row| std::cmp::Reverse(row.index));
        rows.dedup_by_key(|row| row.index);
        exhausted &= rows.len() <= fetch;
        rows.truncate(fetch);
        before = rows.last().map(|row| row.index);
        for row in rows {
            let by_someone_else =
                ledger::LedgerEntry::from_canonical_bytes(&row.entry).is_ok_and(|entry| entry.actor != caller.id);
            if by_someone_else {
                shown.push(row);
                if shown.len() > limit {
                    shown.truncate(limit);
                    let next = shown.last().map(|row| crate::page::index_cursor_of(row.index));
                    return Ok((shown, next));
                }
            }
        }
        if exhausted {
            return Ok((shown, None));
        }
    }
    Ok((shown, before.map(crate::page::index_cursor_of)))
}

/// The accesses to `caller`'s data by anyone else, newest first, one page of at
/// most `limit` entries after `cursor` (the previous page's `next`); only an
/// applicant has one.
pub async fn of(state: &AppState, caller: &Account, cursor: Option<&str>, limit: i64) -> Result<DataLog, ApiError> {
    if caller.role != Role::Applicant {
        return Err(ApiError::forbidden("“谁查看了我的数据”只对申请人本人开放"));
    }
    let before = cursor.map(crate::page::index_cursor).transpose()?;
    let limit = usize::try_from(crate::page::limit(limit)).unwrap_or(1);
    crate::audit(
        state,
        caller,
        "read_access_log",
        None,
        String::new(),
        "本人查询数据查看记录",
    )
    .await?;
    let (rows, next) = page_of_others(state, caller, before, limit).await?;
    // Publish a checkpoint on demand so that every access so far can be proven.
    if state.ledger_signer.is_some()
        && let Err(error) = super::ledger::publish_checkpoint(state).await
    {
        tracing::warn!(error = %error.message, "checkpoint not published");
    }
    // The latest checkpoint, its signature checked with the public key.
    let checkpoint = match (&state.ledger_signer, state.store.latest_checkpoint().await?) {
        (Some(signer), Some(stored)) => ledger::verify_checkpoint(stored.note.as_bytes(), &signer.verifier())
            .ok()
            .map(|c| (c.size, c.root)),
        _ => None,
    };
    let mut views = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for row in rows {
        let Ok(entry) = ledger::LedgerEntry::from_canonical_bytes(&row.entry) else {
            continue;
        };
        if entry.kind != "data.access" || entry.actor == caller.id {
            continue;
        }
        let verified = match checkpoint {
            Some((size, root)) if row.index < size => state
                .store
                .ledger_inclusion_proof(row.index, size)
                .await
                .ok()
                .is_some_and(|proof| {
                    ledger::verify_inclusion(&ledger::leaf_hash(&row.entry), row.index, size, &proof, &root).is_ok()
                }),
            _ => false,
        };
        let who = match (&entry.department, entry.actor.as_str()) {
            (Some(department), _) => format!("{}工作人员", state.catalog.department_name(department)),
            (None, "anonymous") => "公众（扫码或通过您分享的链接验证）".to_owned(),
            // Named by the role of their account, never by a known account id:
            // supervisors, auditors, or another applicant (a spouse whose
            // application read this person's records).
            (None, actor) => match names.get(actor) {
                Some(name) => name.clone(),
                None => {
                    let name = match state.store.account_by_id(actor).await? {
                        Some(other) => match other.role {
                            Role::Admin => "系统管理员（监督）".to_owned(),
                            Role::Auditor => "审计人员".to_owned(),
                            Role::Applicant => format!("{}（申请人）", other.display_name),
                            Role::Staff => format!("{}（工作人员）", other.display_name),
                            Role::Service => format!("{}（部门业务系统）", other.display_name),
                        },
                        None => match actor.strip_prefix("system:") {
                            Some(client_id) => match state.store.service_client(client_id).await? {
                                Some(client) => format!("{}（部门业务系统）", client.name),
                                None => actor.to_owned(),
                            },
                            None => actor.to_owned(),
                        },
                    };
                    names.insert(actor.to_owned(), name.clone());
                    name
                }
            },
        };
        let fields: Vec<String> = entry.elements.iter().map(|e| element_name(state, e)).collect();
        views.push(AccessRow {
            index: row.index,
            department: entry.department.clone(),
            who,
            what: what(&entry.detail),
            at: DateTime::from_timestamp_millis(entry.at_ms).unwrap_or_default(),
            fields,
            case_id: entry.case_id,
            purpose: entry.purpose.unwrap_or_default(),
            legal_basis: entry.legal_basis.unwrap_or_default(),
            verified,
        });
    }
    Ok(DataLog {
        rows: views,
        next,
        checkpoint_size: checkpoint.map(|(size, _)| size),
    })
}
