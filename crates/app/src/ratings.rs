//! 好差评 (GB/T 39734): a finished case is rated once, by its applicant online or
//! by the one window for a person who rated in person (代评). Every 不满意 or
//! 非常不满意 opens a rectification ([`crate::watch::rating_submission`]) in the
//! same transaction as the rating and its ledger entry.

use std::collections::BTreeMap;

use cases::{Case, CaseState, FieldIssue};
use domain::{Account, Rating, Role};

use super::AppError;
use super::submit::is_window;
use crate::AppState;
use crate::error::ApiError;

/// The indicators an applicant may also rate, with their Chinese names.
pub const INDICATORS: [(&str, &str); 4] = [
    ("efficiency", "办事效率"),
    ("guide_accuracy", "办事指南准确性"),
    ("convenience", "便利程度"),
    ("usability", "系统好用程度"),
];

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// The five levels of GB/T 39734 好差评.
pub fn level_label(level: i64) -> &'static str {
    match level {
        5 => "非常满意",
        4 => "满意",
        3 => "基本满意",
        2 => "不满意",
        1 => "非常不满意",
        _ => "",
    }
}

/// One rating as given: the whole case, and optionally each indicator and each
/// department that worked on it, every level from 1 (非常不满意) to 5 (非常满意).
#[derive(Clone, Debug, Default)]
pub struct Rate {
    /// `None` when the person chose no level.
    pub level: Option<i64>,
    pub comment: String,
    pub indicators: BTreeMap<String, i64>,
    pub departments: BTreeMap<String, i64>,
}

fn issue(field: impl Into<String>, code: &str, message: impl Into<String>) -> FieldIssue {
    FieldIssue {
        field: field.into(),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Rates case `case_id` as `caller`: its applicant, or the one window on behalf of
/// the person (代评, the whole case only). Anyone else is told the case does not
/// exist. A case is rated once; a second rating is refused with `E_ALREADY_RATED`.
pub async fn rate(state: &AppState, caller: &Account, case_id: &str, rate: Rate) -> Result<(), AppError> {
    let on_behalf = is_window(caller);
    if caller.role != Role::Applicant && !on_behalf {
        return Err(ApiError::case_not_found().into());
    }
    let id = cases::CaseId::parse(case_id.trim()).map_err(|_| ApiError::case_not_found())?;
    let case = state
        .store
        .load_case(&id)
        .await?
        .map(|v| v.case)
        .filter(|case| on_behalf || case.applicant == caller.id)
        .ok_or_else(ApiError::case_not_found)?;
    if !matches!(case.state(), CaseState::Completed | CaseState::Rejected) {
        return Err(ApiError::new("E_CASE_NOT_FINISHED", "办件办结后才能评价").into());
    }
    let mut issues = Vec::new();
    let valid = |level: &i64| (1..=5).contains(level);
    let level = rate.level.filter(valid);
    if level.is_none() {
        issues.push(issue("level", "RATING_LEVEL_INVALID", "请选择满意程度（1 到 5 级）"));
    }
    let comment = rate.comment.trim().to_owned();
    // GB/T 39734 practice: a bad rating says why, so that its rectification can
    // answer it (and the department is not left guessing).
    let bad = level.is_some_and(|l| l <= 2) || rate.departments.values().any(|l| (1..=2).contains(l));
    if bad && comment.is_empty() {
        issues.push(issue(
            "comment",
            "FIELD_REQUIRED",
            "评价为“不满意”或“非常不满意”时，请写明原因，以便责任部门整改",
        ));
    } else if comment.chars().count() > MAX_COMMENT_CHARS {
        issues.push(issue(
            "comment",
            "FIELD_TOO_LONG",
            format!("意见最多 {MAX_COMMENT_CHARS} 个字"),
        ));
    }
    if on_behalf && !(rate.indicators.is_empty() && rate.departments.is_empty()) {
        let field = if rate.indicators.is_empty() {
            "departments"
        } else {
            "indicators"
        };
        issues.push(issue(field, "ON_BEHALF_OVERALL_ONLY", "窗口代评只记录对整件事的评价"));
    }
    for (indicator, level) in rate.indicators.iter().filter(|_| !on_behalf) {
        if !INDICATORS.iter().any(|(id, _)| id == indicator) {
            issues.push(issue(
                format!("indicators.{indicator}"),
                "INDICATOR_UNKNOWN",
                "没有这项评价指标",
            ));
        } else if !valid(level) {
            issues.push(issue(
                format!("indicators.{indicator}"),
                "RATING_LEVEL_INVALID",
                "评价等级应为 1 到 5 级",
            ));
        }
    }
    for (department, level) in rate.departments.iter().filter(|_| !on_behalf) {
        if !case.tasks.iter().any(|t| &t.department == department) {
            issues.push(issue(
                format!("departments.{department}"),
                "DEPARTMENT_NOT_INVOLVED",
                "这个部门没有参与办理本办件",
            ));
        } else if !valid(level) {
            issues.push(issue(
                format!("departments.{department}"),
                "RATING_LEVEL_INVALID",
                "评价等级应为 1 到 5 级",
            ));
        }
    }
    let Some(level) = level.filter(|_| issues.is_empty()) else {
        return Err(AppError::Invalid(issues));
    };
    let now = state.now();
    let rating = domain::Rating {
        case_id: case.id.to_string(),
        account: caller.id.clone(),
        level,
        comment,
        on_behalf,
        rated_at: now,
    };
    let departments: Vec<domain::DepartmentRating> = rate
        .departments
        .iter()
        .map(|(department, level)| domain::DepartmentRating {
            case_id: case.id.to_string(),
            department: department.clone(),
            level: *level,
            comment: rating.comment.clone(),
            rated_at: now,
        })
        .collect();
    let indicators: Vec<(String, i64)> = rate.indicators.into_iter().collect();
    let submission = crate::watch::rating_submission(state, &case, rating, indicators, departments)
        .map_err(|message| ApiError::new("E_CALENDAR_NO_DATA", message))?;
    if !state.store.put_rating_submission(&submission).await? {
        return Err(ApiError::new("E_ALREADY_RATED", "该办件已评价过（一次一评）").into());
    }
    crate::watch::deliver(state, &submission.notices);
    Ok(())
}

/// The one window looks a case up by its number to record a rating given in
/// person: the case and its rating, if any; `None` when there is no such case.
/// Only window staff may; the look-up is recorded about the applicant.
pub async fn window_lookup(
    state: &AppState,
    caller: &Account,
    case_id: &str,
) -> Result<Option<(Case, Option<Rating>)>, ApiError> {
    if !is_window(caller) {
        return Err(ApiError::forbidden("只有政务服务中心窗口可以代为评价"));
    }
    let Ok(id) = cases::CaseId::parse(case_id.trim()) else {
        return Ok(None);
    };
    let Some(case) = state.store.load_case(&id).await?.map(|v| v.case) else {
        return Ok(None);
    };
    let rating = state.store.rating_of_case(case.id.as_str()).await?;
    crate::audit(
        state,
        caller,
        "window_lookup",
        Some(case.id.as_str()),
        String::new(),
        "窗口代为评价",
    )
    .await?;
    Ok(Some((case, rating)))
}

/// The rating of `case`, for a supervisor reading the case (the read of the case
/// records it).
pub async fn of_case(state: &AppState, caller: &Account, case: &Case) -> Result<Option<Rating>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Auditor) && case.applicant != caller.id {
        return Err(ApiError::case_not_found());
    }
    Ok(state.store.rating_of_case(case.id.as_str()).await?)
}

/// What was said about a case and what came of it: the overall rating, the
/// ratings of single departments, and the rectifications bad ones opened.
pub struct Feedback {
    pub rating: Option<Rating>,
    pub departments: Vec<domain::DepartmentRating>,
    pub rectifications: Vec<domain::Rectification>,
}

/// The feedback on `case`, for its applicant or a supervisor (the read of the
/// case records it).
pub async fn feedback(state: &AppState, caller: &Account, case: &Case) -> Result<Feedback, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Auditor) && case.applicant != caller.id {
        return Err(ApiError::case_not_found());
    }
    let id = case.id.as_str();
    Ok(Feedback {
        rating: state.store.rating_of_case(id).await?,
        departments: state.store.department_ratings_of_case(id).await?,
        rectifications: state.store.rectifications_of_case(id).await?,
    })
}
