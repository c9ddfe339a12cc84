//! 差评整改: the rectification a bad rating opens ([`super::ratings`]) is followed
//! up and closed by its department; supervisors watch all of them. Recording a
//! follow-up or a result writes the change, its access entry (and ledger entry) and,
//! on closing, the applicant's message in one transaction.

use cases::FieldIssue;
use domain::{Account, Rectification, Role};

use super::AppError;
use crate::AppState;
use crate::error::ApiError;

/// Longest follow-up or result, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// `open`, `late` (open past its deadline) or `closed`, with its Chinese label.
pub fn status(state: &AppState, rectification: &Rectification) -> (&'static str, &'static str) {
    if rectification.closed_at.is_some() {
        ("closed", "已办结")
    } else if cases::china_date(state.now()) > rectification.deadline {
        ("late", "已逾期")
    } else {
        ("open", "整改中")
    }
}

/// The department whose rectifications `caller` works on; `None` for supervisors
/// and auditors, who see all; anyone else is refused.
fn scope(caller: &Account) -> Result<Option<&str>, ApiError> {
    match (caller.role, caller.department.as_deref()) {
        (Role::Staff, Some(department)) => Ok(Some(department)),
        (Role::Admin | Role::Auditor, _) => Ok(None),
        _ => Err(ApiError::forbidden("只有责任部门和督办人员可以查看差评整改")),
    }
}

/// What a list of rectifications is narrowed to; all empty is everything the
/// caller may see.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// `open`, `late` or `closed`.
    pub status: Option<String>,
    pub case_id: Option<String>,
    /// A department's only (supervisors; staff may name only their own).
    pub department: Option<String>,
}

/// A page of the rectifications `caller` may see (their department's, or all for
/// supervisors): open ones first with the earliest deadline first, so late ones
/// lead, then closed ones; and the counts of all of them. The read is recorded.
pub async fn list(
    state: &AppState,
    caller: &Account,
    filter: &Filter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(crate::Page<Rectification>, store::RectificationCounts), ApiError> {
    let scope = scope(caller)?;
    let department = match (scope, filter.department.as_deref().filter(|d| !d.is_empty())) {
        (Some(own), Some(asked)) if own != asked => {
            return Err(ApiError::forbidden("只能查看本部门的差评整改"));
        }
        (Some(own), _) => Some(own.to_owned()),
        (None, Some(asked)) if !state.catalog.departments.contains_key(asked) => {
            return Err(ApiError::new("E_DEPARTMENT_NOT_FOUND", "没有这个部门").field("department"));
        }
        (None, asked) => asked.map(str::to_owned),
    };
    let today = cases::china_date(state.now());
    let status = match filter.status.as_deref().filter(|s| !s.is_empty()) {
        Some("open") => Some(store::RectificationStatus::Open),
        Some("late") => Some(store::RectificationStatus::Late(today)),
        Some("closed") => Some(store::RectificationStatus::Closed),
        Some(_) => {
            return Err(ApiError::new("E_QUERY_INVALID", "整改状态只能是 open、late 或 closed").field("status"));
        }
        None => None,
    };
    let case_id = crate::page::case_number(filter.case_id.as_deref())?;
    let after = cursor.map(crate::page::rectification_cursor).transpose()?;
    let limit = crate::page::limit(limit);
    let query = store::RectificationQuery {
        department: department.clone(),
        status,
        case_id,
        after,
        limit: limit + 1,
    };
    let rows = state.store.find_rectifications(&query).await?;
    let counts = state.store.rectification_counts(department.as_deref(), today).await?;
    crate::audit(
        state,
        caller,
        "list_rectifications",
        None,
        String::new(),
        "差评整改督办",
    )
    .await?;
    let page = crate::Page::of(rows, limit, |r| {
        crate::page::rectification_cursor_of(r.closed_at.is_some(), r.deadline, &r.id)
    });
    Ok((page, counts))
}

/// One rectification, for its department or a supervisor; anyone else is told it
/// does not exist. The read is recorded against the case.
pub async fn get(state: &AppState, caller: &Account, id: &str) -> Result<Rectification, ApiError> {
    let found = find(state, caller, id).await?;
    crate::audit(
        state,
        caller,
        "read_rectification",
        Some(&found.case_id),
        String::new(),
        "差评整改",
    )
    .await?;
    Ok(found)
}

async fn find(state: &AppState, caller: &Account, id: &str) -> Result<Rectification, ApiError> {
    let not_found = || ApiError::new("E_RECTIFICATION_NOT_FOUND", "没有找到这项整改");
    let department = scope(caller).map_err(|_| not_found())?;
    if id.len() > 200 {
        return Err(not_found());
    }
    state
        .store
        .rectification(id)
        .await?
        .filter(|r| department.is_none_or(|d| d == r.department))
        .ok_or_else(not_found)
}

/// What the department records: the follow-up with the applicant, and to close
/// it, the result.
#[derive(Clone, Debug, Default)]
pub struct Update {
    pub follow_up: String,
    pub result: String,
    pub close: bool,
}

fn issue(field: &str, code: &str, message: &str) -> FieldIssue {
    FieldIssue {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Records a follow-up, or closes the rectification with its result, as staff of
/// its department. A closed rectification cannot change (`E_RECTIFICATION_CLOSED`).
pub async fn update(state: &AppState, caller: &Account, id: &str, update: Update) -> Result<Rectification, AppError> {
    let found = find(state, caller, id).await?;
    if caller.role != Role::Staff {
        return Err(ApiError::forbidden("只有责任部门可以回访和办结整改").into());
    }
    let follow_up = update.follow_up.trim();
    let result = update.result.trim();
    let mut issues = Vec::new();
    if follow_up.is_empty() {
        issues.push(issue("follow_up", "FIELD_REQUIRED", "请填写回访记录"));
    }
    if update.close && result.is_empty() {
        issues.push(issue("result", "FIELD_REQUIRED", "办结整改须填写整改结果"));
    }
    for (field, text) in [("follow_up", follow_up), ("result", result)] {
        if text.chars().count() > MAX_TEXT_CHARS {
            issues.push(issue(field, "FIELD_TOO_LONG", "每项最多 1000 个字"));
        }
    }
    if !issues.is_empty() {
        return Err(AppError::Invalid(issues));
    }
    let now = state.now();
    let case = match cases::CaseId::parse(&found.case_id) {
        Ok(case_id) => state.store.load_case(&case_id).await?.map(|v| v.case),
        Err(_) => None,
    };
    let action = if update.close {
        "rectification_closed"
    } else {
        "rectification_follow_up"
    };
    let record = store::SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(caller),
            action,
            Some(found.case_id.clone()),
            String::new(),
            "差评整改".to_owned(),
        ),
        subject: case.as_ref().map(|c| c.applicant.clone()),
        legal_basis: "好差评差评整改（GB/T 39734）".to_owned(),
    };
    // A closed rectification reaches the applicant with its result.
    let notices: Vec<domain::NewNotification> = case
        .iter()
        .filter(|_| update.close)
        .map(|case| domain::NewNotification {
            recipient: case.applicant.clone(),
            kind: "rectification_closed".into(),
            case_id: Some(found.case_id.clone()),
            item: None,
            title: format!("整改结果：{}", case.one_thing_name),
            body: result.to_owned(),
            created_at: now,
        })
        .collect();
    let written = state
        .store
        .update_rectification(
            &found.id,
            follow_up,
            update.close.then_some(result),
            update.close.then_some(now),
            &caller.id,
            &record,
            &notices,
        )
        .await?;
    if !written {
        return Err(ApiError::new("E_RECTIFICATION_CLOSED", "该整改已经办结，不能再修改").into());
    }
    crate::watch::deliver(state, &notices);
    Ok(state.store.rectification(&found.id).await?.unwrap_or(found))
}

/// The rectifications of `case`, for a supervisor reading the case (the read of
/// the case records it).
pub async fn of_case(state: &AppState, caller: &Account, case: &cases::Case) -> Result<Vec<Rectification>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Auditor) {
        return Err(ApiError::case_not_found());
    }
    Ok(state.store.rectifications_of_case(case.id.as_str()).await?)
}

/// The name of the one-thing whose case `rectification` is about, for its page.
pub async fn one_thing_name(state: &AppState, rectification: &Rectification) -> Result<String, ApiError> {
    let Ok(id) = cases::CaseId::parse(&rectification.case_id) else {
        return Ok(String::new());
    };
    Ok(state
        .store
        .load_case(&id)
        .await?
        .map(|v| v.case.one_thing_name)
        .unwrap_or_default())
}
