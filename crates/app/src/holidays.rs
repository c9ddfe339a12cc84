//! The working-day calendar in force, and loading a year's official notice.
//!
//! Every node builds its calendar from the bundled files (plus `--calendar-dir`),
//! provisional years after them, and the notices operators imported
//! (`calendar_years` in the store). An import recomputes, in one transaction, every
//! open task deadline, promised date and rectification deadline that was
//! provisional, and tells the department and the applicant what moved. Other nodes
//! pick the year up on their next [`refresh`] (the deadline-watch tick) without a
//! restart.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};

use calendar::{Calendar, CalendarError};
use cases::{DateChange, china_date};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::{Account, NewNotification};
use store::{CalendarImport, CalendarYear, Imported, StoreError};

use crate::AppState;

/// Days before the last official day from which a missing next year is warned about.
pub const WARN_DAYS_AHEAD: i64 = 60;

/// The calendar in force, replaced whole (never edited) when a notice arrives.
pub struct CalendarCell {
    /// Bundled and configured files with provisional years: what imports add to.
    base: Arc<Calendar>,
    current: RwLock<Arc<Calendar>>,
    /// The imported years the current calendar was built with.
    imported: Mutex<BTreeSet<i32>>,
    /// The last day a missing-notice warning was logged.
    warned_on: Mutex<Option<NaiveDate>>,
    /// Held from reading `calendar_years` to installing what was read (a refresh,
    /// or an import's commit), so a refresh that read the store before an import
    /// committed cannot install its older view after the import's.
    installing: tokio::sync::Mutex<()>,
}

impl CalendarCell {
    pub fn new(base: Arc<Calendar>) -> Self {
        Self {
            current: RwLock::new(base.clone()),
            base,
            imported: Mutex::new(BTreeSet::new()),
            warned_on: Mutex::new(None),
            installing: tokio::sync::Mutex::new(()),
        }
    }

    /// The calendar in force now.
    pub fn get(&self) -> Arc<Calendar> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, calendar: Calendar, imported: BTreeSet<i32>) {
        match self.current.write() {
            Ok(mut guard) => *guard = Arc::new(calendar),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(calendar),
        }
        match self.imported.lock() {
            Ok(mut guard) => *guard = imported,
            Err(poisoned) => *poisoned.into_inner() = imported,
        }
    }

    fn imported(&self) -> BTreeSet<i32> {
        match self.imported.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Puts `calendar` in force, for the dashboard's counts of case writes too.
fn install(state: &AppState, calendar: Calendar, imported: BTreeSet<i32>) {
    state.calendars.set(calendar, imported);
    state
        .store
        .count_cases_with(Arc::new(metrics::counts::CaseCounter::new(state.calendar())));
}

/// Rebuilds the calendar when the imported notices in the store differ from those
/// it was built with. `true` when it changed. A stored notice that no longer loads
/// (edited by hand, or bundled since) is logged and skipped, never fatal.
pub async fn refresh(state: &AppState) -> Result<bool, StoreError> {
    let _installing = state.calendars.installing.lock().await;
    let rows = state.store.calendar_years().await?;
    let years: BTreeSet<i32> = rows.iter().map(|row| row.year).collect();
    if years == state.calendars.imported() {
        return Ok(false);
    }
    let mut calendar = (*state.calendars.base).clone();
    for row in &rows {
        if calendar.official_years().contains(&row.year) {
            tracing::info!(year = row.year, "imported notice skipped: the year is bundled");
            continue;
        }
        if let Err(error) = calendar.add_year_file(&row.label, &row.text) {
            tracing::error!(year = row.year, %error, "imported notice does not load");
        }
    }
    tracing::info!(years = ?years, "holiday calendar loaded imported notices");
    install(state, calendar, years);
    Ok(true)
}

/// The warning that next year's notice is not loaded, from [`WARN_DAYS_AHEAD`] days
/// before the last official day; `None` when nothing is missing.
pub fn missing_notice_warning(calendar: &Calendar, today: NaiveDate) -> Option<String> {
    let last = calendar.last_official_year()?;
    let last_day = NaiveDate::from_ymd_opt(last, 12, 31)?;
    if today < last_day - Duration::days(WARN_DAYS_AHEAD) {
        return None;
    }
    let next = last + 1;
    Some(format!(
        "{next}年节假日安排尚未导入：{next}年的期限按《全国年节及纪念日放假办法》推算（未含调休），显示为“预计”。国务院办公厅通知发布后，请用 onething calendar import 或管理页面导入。"
    ))
}

/// Logs [`missing_notice_warning`] at most once a day; called on every watch tick.
pub fn warn_daily(state: &AppState, now: DateTime<Utc>) {
    let today = china_date(now);
    let Some(warning) = missing_notice_warning(&state.calendar(), today) else {
        return;
    };
    let mut warned = match state.calendars.warned_on.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if *warned != Some(today) {
        *warned = Some(today);
        tracing::warn!(%warning, "holiday notice missing");
    }
}

/// One watch tick: pick up notices other nodes imported, warn once a day.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> Result<(), StoreError> {
    refresh(state).await?;
    warn_daily(state, now);
    Ok(())
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a valid notice (the message names the line or the day).
    #[error("{0}")]
    Invalid(CalendarError),
    /// A date could not be recounted under the new calendar.
    #[error("无法按新的节假日安排重新计算期限：{0}")]
    Recount(String),
    /// Cases kept changing while the import tried to commit.
    #[error("办件正在频繁变更，导入未完成，请稍后重试")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// The stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(CalendarError::YearAlreadyOfficial { .. }) => "E_CALENDAR_YEAR_EXISTS",
            Self::Invalid(_) => "E_CALENDAR_FILE_INVALID",
            Self::Recount(_) => "E_CALENDAR_RECOUNT",
            Self::Busy => "E_BUSY",
            Self::Store(_) => "E_INTERNAL",
        }
    }
}

/// What an import changed.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportReport {
    pub year: i32,
    pub source: String,
    /// Open cases whose dates were looked at.
    pub cases_examined: usize,
    pub cases_changed: usize,
    pub dates_changed: Vec<ChangedDate>,
    pub rectifications_changed: usize,
    pub messages: usize,
}

/// One date an import moved.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChangedDate {
    pub case_id: String,
    #[serde(flatten)]
    pub change: DateChange,
}

/// Imports a year's official notice (`label` is the file name): checks it, then in
/// one transaction stores it, recomputes every provisional date that it moves, and
/// stores the messages, with the operator's action in the ledger. Retries when a
/// case changes underneath.
pub async fn import_notice(
    state: &AppState,
    actor: &Account,
    label: &str,
    text: &str,
) -> Result<ImportReport, ImportError> {
    // Build on what other nodes imported.
    refresh(state).await?;
    for _ in 0..8 {
        let old = state.calendar();
        let new = old.with_notice(label, text).map_err(ImportError::Invalid)?;
        let year = Calendar::check_notice(label, text).map_err(ImportError::Invalid)?;
        let source = new.source(year).unwrap_or_default().to_owned();
        let now = state.now();
        let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(ImportError::Invalid(CalendarError::DateOutOfRange))?;

        let mut report = ImportReport {
            year,
            source: source.clone(),
            ..ImportReport::default()
        };
        let mut notices = Vec::new();
        let mut cases = Vec::new();
        let candidates = state.store.open_cases_with_dates_from(from).await?;
        report.cases_examined = candidates.len();
        for versioned in candidates {
            let Some(moved) = versioned
                .case
                .reschedule(&old, &new, now)
                .map_err(|e| ImportError::Recount(e.to_string()))?
            else {
                continue;
            };
            notices.extend(reschedule_notices(&moved.case, &moved.changes, &source, now));
            report
                .dates_changed
                .extend(moved.changes.iter().map(|change| ChangedDate {
                    case_id: moved.case.id.to_string(),
                    change: change.clone(),
                }));
            cases.push((moved.case, versioned.version, moved.events));
        }
        report.cases_changed = cases.len();

        let mut rectifications = Vec::new();
        for r in state.store.rectifications(None).await? {
            if r.closed_at.is_some() || !old.is_provisional(r.deadline) {
                continue;
            }
            let moved = new
                .recount(&old, china_date(r.opened_at), r.deadline)
                .map_err(|e| ImportError::Recount(e.to_string()))?;
            if moved == r.deadline {
                continue;
            }
            notices.push(NewNotification {
                recipient: format!("dept:{}", r.department),
                kind: "deadline_changed".into(),
                case_id: Some(r.case_id.clone()),
                item: None,
                title: "整改期限调整".into(),
                body: format!(
                    "办件 {} 的差评整改期限由预计 {} 调整为 {}（{}公布）。",
                    r.case_id, r.deadline, moved, source
                ),
                created_at: now,
            });
            rectifications.push((r.id.clone(), r.deadline, moved));
        }
        report.rectifications_changed = rectifications.len();
        report.messages = notices.len();

        let import = CalendarImport {
            year: CalendarYear {
                year,
                label: label.to_owned(),
                text: text.to_owned(),
                source: source.clone(),
                imported_at: now,
                imported_by: actor.id.clone(),
            },
            cases,
            rectifications,
            notices: notices.clone(),
            access: crate::access_entry(
                state,
                Some(actor),
                "calendar_import",
                None,
                format!("calendar:{year}"),
                format!(
                    "导入{year}年节假日安排（{source}），调整{}个办件、{}个整改期限",
                    report.cases_changed, report.rectifications_changed
                ),
            ),
        };
        let installing = state.calendars.installing.lock().await;
        match state.store.import_calendar_year(&import).await? {
            Imported::Written => {
                let mut years = state.calendars.imported();
                years.insert(year);
                install(state, new, years);
                drop(installing);
                crate::watch::deliver(state, &notices);
                tracing::info!(
                    year,
                    cases = report.cases_changed,
                    dates = report.dates_changed.len(),
                    rectifications = report.rectifications_changed,
                    "holiday notice imported"
                );
                return Ok(report);
            }
            Imported::Conflict => continue,
            Imported::YearExists => {
                // Another node or operator was first: take theirs, then refuse.
                drop(installing);
                refresh(state).await?;
                let source = state.calendar().source(year).unwrap_or_default().to_owned();
                return Err(ImportError::Invalid(CalendarError::YearAlreadyOfficial {
                    year,
                    notice: source,
                }));
            }
        }
    }
    Err(ImportError::Busy)
}

/// The messages for one rescheduled case: each department whose deadline moved, and
/// the applicant once with every date that moved.
fn reschedule_notices(
    case: &cases::Case,
    changes: &[DateChange],
    source: &str,
    now: DateTime<Utc>,
) -> Vec<NewNotification> {
    let mut notices = Vec::new();
    for change in changes {
        if let (Some(item), Some(department)) = (&change.item, &change.department) {
            notices.push(NewNotification {
                recipient: format!("dept:{department}"),
                kind: "deadline_changed".into(),
                case_id: Some(case.id.to_string()),
                item: Some(item.to_string()),
                title: "办理期限调整".into(),
                body: format!(
                    "办件 {}（{}）的“{}”办理期限由预计 {} 调整为 {}（{}公布）。",
                    case.id, case.one_thing_name, change.name, change.old, change.new, source
                ),
                created_at: now,
            });
        }
    }
    let lines: Vec<String> = changes
        .iter()
        .map(|change| match change.item {
            Some(_) => format!("“{}”办理期限由预计 {} 调整为 {}", change.name, change.old, change.new),
            None => format!("承诺办结日期由预计 {} 调整为 {}", change.old, change.new),
        })
        .collect();
    notices.push(NewNotification {
        recipient: case.applicant.clone(),
        kind: "deadline_changed".into(),
        case_id: Some(case.id.to_string()),
        item: None,
        title: "办理期限调整".into(),
        body: format!(
            "{}公布，您的办件 {}（{}）：{}。",
            source,
            case.id,
            case.one_thing_name,
            lines.join("；")
        ),
        created_at: now,
    });
    notices
}

/// The calendar as `/healthz`, the API and the admin page show it.
pub fn status(calendar: &Calendar, today: NaiveDate) -> serde_json::Value {
    let official: Vec<serde_json::Value> = calendar
        .official_years()
        .into_iter()
        .map(|year| {
            serde_json::json!({
                "year": year,
                "source": calendar.source(year),
                "published": calendar.published(year),
                "file": calendar.file_label(year),
            })
        })
        .collect();
    let provisional = calendar.provisional_years();
    serde_json::json!({
        "official": official,
        "official_through": calendar.last_official_year().and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31)),
        "provisional_years": provisional,
        "provisional_from": calendar.provisional_from(),
        "provisional_basis": calendar::rule::RULE_NAME,
        "warning": missing_notice_warning(calendar, today),
        "today": today,
        "today_year_official": calendar.official_years().contains(&today.year()),
    })
}
