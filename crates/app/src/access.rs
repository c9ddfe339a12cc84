//! Who may see and touch what: the one place that decides access to a case. The
//! front doors never load a case themselves; they ask here.

use cases::{Actor, CaseId};
use domain::{Account, Role};
use ids::ItemCode;
use store::Versioned;

use crate::AppState;
use crate::error::ApiError;

/// The engine's actor for an account: staff and department systems act for their
/// department (the engine asks only which department acts; the event names the
/// account, `system:<client_id>` for a system), supervisors and auditors as
/// administrators, everyone else as an applicant.
pub fn actor_of(account: &Account) -> Actor {
    let id = account.id.clone();
    match (account.role, &account.department) {
        (Role::Staff | Role::Service, Some(department)) => Actor::Staff {
            account: id,
            department: department.clone(),
        },
        (Role::Admin | Role::Auditor, _) => Actor::Admin { account: id },
        _ => Actor::Applicant { account: id },
    }
}

/// The department a staff account works for; `None` for every other role.
pub fn staff_department(account: &Account) -> Option<&str> {
    match account.role {
        Role::Staff => account.department.as_deref(),
        _ => None,
    }
}

/// The department whose tasks `account` works on: staff's, or a department
/// system's (whose scopes `crate::service` checks first); `None` for every other role.
pub fn department_of(account: &Account) -> Option<&str> {
    match account.role {
        Role::Staff | Role::Service => account.department.as_deref(),
        _ => None,
    }
}

/// Whether `account` may see `case`: its applicant, staff of a department with a
/// task in it, supervisors and auditors.
pub fn may_see(account: &Account, case: &cases::Case) -> bool {
    match account.role {
        Role::Applicant => case.applicant == account.id,
        Role::Admin | Role::Auditor => true,
        Role::Staff | Role::Service => {
            department_of(account).is_some_and(|d| case.tasks_of_department(d).next().is_some())
        }
    }
}

/// Loads a case `account` may see. Anyone else, and any malformed id, gets "not
/// found", so case ids cannot be probed.
pub async fn visible_case(state: &AppState, account: &Account, id: &str) -> Result<Versioned, ApiError> {
    let id = CaseId::parse(id).map_err(|_| ApiError::case_not_found())?;
    let versioned = state.store.load_case(&id).await?.ok_or_else(ApiError::case_not_found)?;
    if may_see(account, &versioned.case) {
        Ok(versioned)
    } else {
        Err(ApiError::case_not_found())
    }
}

/// Loads the applicant's own case: for the applicant's pages, where even staff who
/// may see the case elsewhere are told it does not exist.
pub async fn own_case(state: &AppState, account: &Account, id: &str) -> Result<Versioned, ApiError> {
    if account.role != Role::Applicant {
        return Err(ApiError::case_not_found());
    }
    visible_case(state, account, id).await
}

/// Loads a case and the task of `item` in it, for staff of the department that
/// owns the task; any other task or case is "not found", even by a typed URL.
pub async fn department_task(
    state: &AppState,
    account: &Account,
    id: &str,
    item: &str,
) -> Result<(Versioned, ItemCode), ApiError> {
    let department = department_of(account).ok_or_else(ApiError::case_not_found)?;
    let item = ItemCode::parse(item).map_err(|_| ApiError::case_not_found())?;
    let versioned = visible_case(state, account, id).await?;
    if versioned.case.tasks_of_department(department).any(|t| t.item == item) {
        Ok((versioned, item))
    } else {
        Err(ApiError::case_not_found())
    }
}

/// The purpose recorded with a read of a person's data, by the reader's role.
pub fn purpose(account: &Account) -> &'static str {
    match account.role {
        Role::Applicant => "申请人查看本人办件",
        Role::Staff => "部门办理本部门事项",
        Role::Admin => "监督管理",
        Role::Auditor => "审计监督",
        Role::Service => "部门业务系统办理本部门事项",
    }
}
