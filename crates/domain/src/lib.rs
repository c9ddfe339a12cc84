//! The domain types beside the case engine (`cases`): who logs in and in what
//! role, the 好差评 rating of a finished case and the rectification (整改) a bad
//! one opens, and the messages people and departments receive. Plain data: the
//! store keeps them, the application layer decides with them, the edges show them.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The role of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Staff,
    Admin,
    /// Reads the whole ledger and cases (sensitive values masked); changes nothing.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Staff => "staff",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "applicant" => Self::Applicant,
            "staff" => Self::Staff,
            "admin" => Self::Admin,
            "auditor" => Self::Auditor,
            _ => return None,
        })
    }
}

/// A person or system that logs in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The department code, for staff.
    pub department: Option<String>,
    /// The citizen ID number, for applicants who are people.
    pub id_number: Option<String>,
    /// An argon2 PHC string.
    pub password_hash: String,
}

/// A 好差评 rating of a whole case, levels 5 (非常满意) to 1 (非常不满意).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub case_id: String,
    pub account: String,
    pub level: i64,
    pub comment: String,
    /// Given at a window by staff on the applicant's behalf.
    pub on_behalf: bool,
    pub rated_at: DateTime<Utc>,
}

/// A 好差评 level given to one department's part of a case (一事一评).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DepartmentRating {
    pub case_id: String,
    pub department: String,
    pub level: i64,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
}

/// A rectification (整改) opened by a bad rating for the department responsible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rectification {
    pub id: String,
    pub case_id: String,
    pub department: String,
    /// The level of the rating that opened it (1 or 2).
    pub level: i64,
    /// The applicant's comment.
    pub complaint: String,
    pub opened_at: DateTime<Utc>,
    pub deadline: NaiveDate,
    /// The department's follow-up with the applicant (回访).
    pub follow_up: Option<String>,
    /// What was done, shown to the applicant when closed.
    pub result: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
}

/// Everything one rating brings: the whole-case rating, its online indicators
/// (GB/T 39734), per-department ratings, and the rectifications the bad ones open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingSubmission {
    pub rating: Rating,
    pub indicators: Vec<(String, i64)>,
    pub departments: Vec<DepartmentRating>,
    pub rectifications: Vec<Rectification>,
    pub notices: Vec<NewNotification>,
}

/// A message for an inbox. `recipient` is an account id, `dept:<code>` for everyone
/// of a department, or `role:admin` for supervisors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewNotification {
    pub recipient: String,
    /// What happened, e.g. `supplement_requested`, `task_done`, `due_soon`, `overdue`.
    pub kind: String,
    pub case_id: Option<String>,
    pub item: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A stored message with its id and whether it was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    #[serde(flatten)]
    pub message: NewNotification,
    pub read_at: Option<DateTime<Utc>>,
}
