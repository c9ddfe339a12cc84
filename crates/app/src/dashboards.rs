//! Dashboards (效能统计): for supervisors every one-thing and department, for a
//! department its own row and the one-things it leads. The figures come from the
//! totals the store keeps with every case write (`metrics::counts`), equal to
//! `metrics::compute` over the stored cases, ratings and rectifications; who sees
//! which rows is decided here, for the page and its CSV alike.

use std::sync::Arc;

use domain::{Account, Role};
use metrics::counts::{CaseCounter, Totals};
use metrics::{Dashboard, Figures};

use crate::AppState;
use crate::error::ApiError;

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
        Role::Applicant | Role::Service => Err(ApiError::forbidden("统计面板供部门和督办人员使用")),
    }
}

/// The totals under the calendar in force, counted again first if they were counted
/// under another one (or not yet).
async fn totals(state: &AppState) -> Result<(Arc<CaseCounter>, store::DashboardTotals), ApiError> {
    let mut refreshed = false;
    loop {
        let counter = Arc::new(CaseCounter::new(state.calendar()));
        let totals = state.store.dashboard_totals().await?;
        if totals.basis.as_deref() == Some(counter.basis()) {
            return Ok((counter, totals));
        }
        if refreshed {
            // A node still on another calendar wrote a case meanwhile: never show
            // figures counted under two calendars.
            return Err(ApiError::internal("dashboard totals keep changing basis"));
        }
        // Another node may have imported a notice this one has not loaded yet: count
        // under the newest calendar, not back under an older one.
        crate::holidays::refresh(state).await?;
        state
            .store
            .recount_dashboard(Arc::new(CaseCounter::new(state.calendar())))
            .await?;
        refreshed = true;
    }
}

/// Counts the dashboard's totals now if they are missing or stale (a database from
/// before them, or a calendar imported since), so that the first view is not the one
/// that waits. Run at start.
pub async fn prepare(state: &AppState) -> Result<(), ApiError> {
    totals(state).await.map(|_| ())
}

/// The dashboard from the totals kept with the cases (`metrics::counts`): the same
/// figures as `metrics::compute` over every stored case, at a cost that does not grow
/// with their number.
async fn dashboard(state: &AppState) -> Result<Dashboard, ApiError> {
    let (counter, totals) = totals(state).await?;
    metrics::counts::from_counts(&Totals {
        catalog: &state.catalog,
        calendar: counter.calendar(),
        today: cases::china_date(state.now()),
        due_soon_percent: state.due_soon_percent,
        counts: &totals.counts,
        feedback: &totals.feedback,
    })
    .map_err(ApiError::internal)
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
