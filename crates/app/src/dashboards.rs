//! Dashboards (效能统计): for supervisors every one-thing and department, for a
//! department its own row and the one-things it leads. The figures come from
//! `metrics::compute` over the stored cases, ratings and rectifications; who sees
//! which rows is decided here, for the page and its CSV alike.

use domain::{Account, Role};
use metrics::{Dashboard, Figures, RatingRecord, RectificationRecord};

use crate::AppState;
use crate::error::ApiError;

/// How many of the newest cases a dashboard reads.
const CASE_LIMIT: i64 = 100_000;

/// One table row: id or code, name, figures.
pub type Row = (String, String, Figures);

/// Who sees what: supervisors (admin, auditor) everything; staff their department.
enum Scope {
    All,
    Department(String),
}

fn scope(account: &Account) -> Result<Scope, ApiError> {
    match account.role {
        Role::Admin | Role::Auditor => Ok(Scope::All),
        Role::Staff => account
            .department
            .clone()
            .map(Scope::Department)
            .ok_or_else(|| ApiError::new("E_DEPARTMENT_NOT_FOUND", "没有这个部门")),
        Role::Applicant => Err(ApiError::forbidden("统计面板供部门和督办人员使用")),
    }
}

async fn dashboard(state: &AppState) -> Result<Dashboard, store::StoreError> {
    let cases = state.store.case_documents(CASE_LIMIT).await?;
    let (ratings, department_ratings) = state.store.all_ratings().await?;
    let ratings: Vec<RatingRecord> = ratings
        .iter()
        .filter_map(|r| {
            Some(RatingRecord {
                case_id: cases::CaseId::parse(&r.case_id).ok()?,
                department: None,
                level: u8::try_from(r.level).ok()?,
            })
        })
        .chain(department_ratings.iter().filter_map(|r| {
            Some(RatingRecord {
                case_id: cases::CaseId::parse(&r.case_id).ok()?,
                department: Some(r.department.clone()),
                level: u8::try_from(r.level).ok()?,
            })
        }))
        .collect();
    let rectifications: Vec<RectificationRecord> = state
        .store
        .rectifications(None)
        .await?
        .iter()
        .filter_map(|r| {
            Some(RectificationRecord {
                case_id: cases::CaseId::parse(&r.case_id).ok()?,
                department: r.department.clone(),
                opened_on: cases::china_date(r.opened_at),
                deadline: r.deadline,
                closed_on: r.closed_at.map(cases::china_date),
            })
        })
        .collect();
    Ok(metrics::compute(&metrics::Input {
        catalog: &state.catalog,
        calendar: &state.calendar(),
        today: cases::china_date(state.now()),
        due_soon_percent: state.due_soon_percent,
        cases: &cases,
        ratings: &ratings,
        rectifications: &rectifications,
    }))
}

/// The rows and summary one user may see.
#[derive(serde::Serialize)]
pub struct Scoped {
    pub heading: String,
    pub today: chrono::NaiveDate,
    pub figures: Figures,
    pub one_things: Vec<Row>,
    pub departments: Vec<Row>,
}

/// Why the dashboard is read, for the access entry.
#[derive(Clone, Copy, Debug)]
pub enum Reading<'a> {
    /// Looked at (the page, the API).
    View,
    /// Exported as the named CSV file.
    Export(&'a str),
}

/// Computes the dashboard and keeps what the user's scope allows: supervisors every
/// one-thing and every department with cases; a department its own row and the
/// one-things it leads. The page, the API and the CSV show the same rows. The
/// reading is recorded.
pub async fn scoped(state: &AppState, caller: &Account, reading: Reading<'_>) -> Result<Scoped, ApiError> {
    let scope = scope(caller)?;
    let board = dashboard(state).await?;
    match reading {
        Reading::View => crate::audit(state, caller, "read_dashboard", None, String::new(), "效能统计").await?,
        Reading::Export(name) => {
            crate::audit(state, caller, "export_dashboard", None, name.to_owned(), "效能统计导出").await?;
        }
    }
    match scope {
        Scope::All => Ok(Scoped {
            heading: "效能统计（全部一件事与部门）".to_owned(),
            today: board.today,
            figures: board.overall,
            one_things: board.by_one_thing,
            departments: board
                .by_department
                .into_iter()
                .filter(|(_, _, f)| f.cases > 0)
                .collect(),
        }),
        Scope::Department(code) => {
            let row = board
                .by_department
                .into_iter()
                .find(|(c, _, _)| *c == code)
                .ok_or_else(|| ApiError::new("E_DEPARTMENT_NOT_FOUND", "没有这个部门"))?;
            let leads = |id: &String| state.catalog.one_thing(id).is_some_and(|o| o.lead == code);
            Ok(Scoped {
                heading: format!("{} · 效能统计", row.1),
                today: board.today,
                figures: row.2.clone(),
                one_things: board.by_one_thing.into_iter().filter(|(id, _, _)| leads(id)).collect(),
                departments: vec![row],
            })
        }
    }
}
