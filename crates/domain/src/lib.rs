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
    /// A department's own business system (公安户籍、医保、人社…) calling the API with
    /// an OAuth 2.0 client credential: its department's tasks, within its scopes.
    /// Never stored as an account; its principal is built from its credential.
    Service,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Staff => "staff",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
            Self::Service => "service",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "applicant" => Self::Applicant,
            "staff" => Self::Staff,
            "admin" => Self::Admin,
            "auditor" => Self::Auditor,
            "service" => Self::Service,
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

/// What a department system's credential may do: one department-task operation
/// each (OAuth 2.0 scopes, RFC 6749 §3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// The department's queue (待办).
    #[serde(rename = "tasks:read")]
    TasksRead,
    /// 受理.
    #[serde(rename = "tasks:accept")]
    TasksAccept,
    /// 补正告知.
    #[serde(rename = "tasks:supplement")]
    TasksSupplement,
    /// 办结.
    #[serde(rename = "tasks:approve")]
    TasksApprove,
    /// 不予办理.
    #[serde(rename = "tasks:reject")]
    TasksReject,
    /// The fields of a case its department's items use.
    #[serde(rename = "fields:read")]
    FieldsRead,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Self::TasksRead,
        Self::TasksAccept,
        Self::TasksSupplement,
        Self::TasksApprove,
        Self::TasksReject,
        Self::FieldsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TasksRead => "tasks:read",
            Self::TasksAccept => "tasks:accept",
            Self::TasksSupplement => "tasks:supplement",
            Self::TasksApprove => "tasks:approve",
            Self::TasksReject => "tasks:reject",
            Self::FieldsRead => "fields:read",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    /// What it allows, for people.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::TasksRead => "查看本部门待办",
            Self::TasksAccept => "受理",
            Self::TasksSupplement => "补正告知",
            Self::TasksApprove => "办结",
            Self::TasksReject => "不予办理",
            Self::FieldsRead => "查看本部门事项使用的字段",
        }
    }

    /// A space-separated scope list (RFC 6749 §3.3), in the order of [`Scope::ALL`].
    pub fn join(scopes: &[Scope]) -> String {
        let mut sorted = scopes.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Parses a space-separated scope list; the first unknown scope is the error.
    pub fn split(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for word in text.split_whitespace() {
            let scope = Self::parse(word).ok_or_else(|| word.to_owned())?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes.sort();
        Ok(scopes)
    }
}

/// A department system's OAuth 2.0 client (client credentials grant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceClient {
    pub client_id: String,
    pub name: String,
    /// The department whose tasks it works on; it never sees another's.
    pub department: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    /// The admin who created it.
    pub created_by: String,
    /// Once revoked, no secret of it and no token issued to it works.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its secrets, oldest first; during a rotation more than one is live.
    pub secrets: Vec<ServiceSecret>,
}

/// One client secret, of which only a keyed hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceSecret {
    pub id: String,
    #[serde(skip)]
    pub hash: String,
    pub created_at: DateTime<Utc>,
    /// The end of a rotation's grace period: a replaced secret works until then.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ServiceSecret {
    /// Whether it still works at `now`.
    pub fn live_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| end > now)
    }
}

impl ServiceClient {
    pub fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// An access token issued to a service client, as stored (its hash is the key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceToken {
    pub client_id: String,
    /// The secret it was obtained with: revoking that secret ends the token too.
    pub secret_id: String,
    pub scopes: Vec<Scope>,
    pub expires_at: DateTime<Utc>,
}
