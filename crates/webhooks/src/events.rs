//! The events a department system or subscriber may care about, and their payload.
//!
//! An event is routed by department: a subscription of department D receives the
//! events whose `department` is D, and every event without one (a new holiday notice
//! concerns everybody). Its payload carries ids and what changed — case, one-thing,
//! item, department, states, certificate id and type, dates — and never a person's
//! name or ID number: what the receiving department's item may see, and less.

use cases::{Case, CaseState, Event, Transition};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What happened. The names are stable: subscriptions and NATS subjects use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A task reached its department (分送部门).
    #[serde(rename = "task.dispatched")]
    TaskDispatched,
    /// A department asked the applicant for a supplement (补正).
    #[serde(rename = "supplement.requested")]
    SupplementRequested,
    /// The applicant answered the supplement.
    #[serde(rename = "supplement.answered")]
    SupplementAnswered,
    /// Every task is finished and all were approved (办结).
    #[serde(rename = "case.completed")]
    CaseCompleted,
    /// Every task is finished and at least one was refused.
    #[serde(rename = "case.rejected")]
    CaseRejected,
    #[serde(rename = "certificate.issued")]
    CertificateIssued,
    #[serde(rename = "certificate.revoked")]
    CertificateRevoked,
    /// A rating (好差评) of the department's part of a case.
    #[serde(rename = "rating.submitted")]
    RatingSubmitted,
    #[serde(rename = "rectification.opened")]
    RectificationOpened,
    #[serde(rename = "rectification.closed")]
    RectificationClosed,
    /// An official holiday notice was imported: working days of that year changed.
    #[serde(rename = "calendar.changed")]
    CalendarChanged,
    /// A 免申即享 run found someone eligible.
    #[serde(rename = "benefit.found")]
    BenefitFound,
    /// The policy's department confirmed findings for payment (已确认发放).
    #[serde(rename = "benefit.confirmed")]
    BenefitConfirmed,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        Self::TaskDispatched,
        Self::SupplementRequested,
        Self::SupplementAnswered,
        Self::CaseCompleted,
        Self::CaseRejected,
        Self::CertificateIssued,
        Self::CertificateRevoked,
        Self::RatingSubmitted,
        Self::RectificationOpened,
        Self::RectificationClosed,
        Self::CalendarChanged,
        Self::BenefitFound,
        Self::BenefitConfirmed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TaskDispatched => "task.dispatched",
            Self::SupplementRequested => "supplement.requested",
            Self::SupplementAnswered => "supplement.answered",
            Self::CaseCompleted => "case.completed",
            Self::CaseRejected => "case.rejected",
            Self::CertificateIssued => "certificate.issued",
            Self::CertificateRevoked => "certificate.revoked",
            Self::RatingSubmitted => "rating.submitted",
            Self::RectificationOpened => "rectification.opened",
            Self::RectificationClosed => "rectification.closed",
            Self::CalendarChanged => "calendar.changed",
            Self::BenefitFound => "benefit.found",
            Self::BenefitConfirmed => "benefit.confirmed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == text)
    }
}

/// What changed, by id. Fields that do not apply to an event are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventData {
    /// 办件编号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// The one-thing's id in the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_thing: Option<String>,
    /// The item code (事项编码) of the task concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The department the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The task's state after the change (`dispatched`, `supplement_requested`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_state: Option<String>,
    /// The case's state after the change (`completed`, `rejected`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_state: Option<String>,
    /// The task's deadline, in working days counted by the calendar in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// The date promised to the applicant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// The certificate type code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<String>,
    /// The day the certificate was issued or revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The rating level, 1 (非常不满意) to 5 (非常满意).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectification_id: Option<String>,
    /// The year whose holiday notice was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The benefit policy's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The policy period (`2026` or `2026-12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<String>,
    /// The findings a confirmation (`benefit.confirmed`) confirmed for payment in one
    /// transaction, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finding_ids: Vec<String>,
    /// The background job that confirmed a whole period, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_job: Option<String>,
}

/// The body of a webhook and of a NATS message (the Standard Webhooks envelope).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payload {
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the change happened.
    pub timestamp: DateTime<Utc>,
    pub data: EventData,
}

/// An event as written to the outbox, in the transaction of the change it reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEvent {
    pub event_type: EventType,
    /// Who receives it; `None`: every subscription.
    pub department: Option<String>,
    /// Deliveries of one case to one subscription keep their order.
    pub case_id: Option<String>,
    pub at: DateTime<Utc>,
    pub data: EventData,
}

impl OutboxEvent {
    pub fn payload(&self) -> Payload {
        Payload {
            event_type: self.event_type,
            timestamp: self.at,
            data: self.data.clone(),
        }
    }

    /// The data every event of a case carries: its id and one-thing.
    pub fn of_case(event_type: EventType, case: &Case, department: Option<&str>, at: DateTime<Utc>) -> Self {
        Self {
            event_type,
            department: department.map(str::to_owned),
            case_id: Some(case.id.to_string()),
            at,
            data: EventData {
                case_id: Some(case.id.to_string()),
                one_thing: Some(case.one_thing.clone()),
                department: department.map(str::to_owned),
                ..EventData::default()
            },
        }
    }
}

/// The outbox events of a change of `case` (as written) with the engine's `events`:
/// each dispatch and supplement for the task's department, and when the change
/// finished the case, `case.completed` or `case.rejected` for every department that
/// had a task in it.
pub fn from_case(case: &Case, events: &[Event]) -> Vec<OutboxEvent> {
    let mut out = Vec::new();
    for event in events {
        let event_type = match event.transition {
            Transition::Dispatch => EventType::TaskDispatched,
            Transition::RequestSupplement => EventType::SupplementRequested,
            Transition::AnswerSupplement => EventType::SupplementAnswered,
            _ => continue,
        };
        let Some(item) = &event.item else { continue };
        let Some(task) = case.tasks.iter().find(|task| task.item == *item) else {
            continue;
        };
        let mut outbox = OutboxEvent::of_case(event_type, case, Some(&task.department), event.at);
        outbox.data.item = Some(item.to_string());
        outbox.data.task_state = event.to.map(|state| state.as_str().to_owned());
        outbox.data.deadline = task.deadline;
        out.push(outbox);
    }
    let finished = events
        .iter()
        .filter(|event| {
            matches!(
                event.transition,
                Transition::Approve | Transition::Reject | Transition::Cancel
            )
        })
        .map(|event| event.at)
        .max();
    let state = case.state();
    let event_type = match state {
        CaseState::Completed => Some(EventType::CaseCompleted),
        CaseState::Rejected => Some(EventType::CaseRejected),
        CaseState::InProgress | CaseState::AwaitingSupplement => None,
    };
    if let (Some(at), Some(event_type)) = (finished, event_type) {
        let mut departments: Vec<&str> = case
            .tasks
            .iter()
            .filter(|task| task.reached_department())
            .map(|task| task.department.as_str())
            .collect();
        departments.sort_unstable();
        departments.dedup();
        for department in departments {
            let mut outbox = OutboxEvent::of_case(event_type, case, Some(department), at);
            outbox.data.case_state = Some(state.as_str().to_owned());
            outbox.data.promised_date = Some(case.promised_date);
            out.push(outbox);
        }
    }
    out
}

/// An event about a case that is not a transition of its tasks (a rating, a
/// rectification, a certificate), for `department`.
fn about_case(event_type: EventType, case_id: Option<&str>, department: &str, at: DateTime<Utc>) -> OutboxEvent {
    OutboxEvent {
        event_type,
        department: Some(department.to_owned()),
        case_id: case_id.map(str::to_owned),
        at,
        data: EventData {
            case_id: case_id.map(str::to_owned),
            department: Some(department.to_owned()),
            ..EventData::default()
        },
    }
}

/// A certificate issued or revoked by the issuing department (`issuer`).
#[allow(clippy::too_many_arguments)]
pub fn certificate(
    event_type: EventType,
    certificate_id: &str,
    certificate_type: &str,
    issuer: &str,
    case_id: Option<&str>,
    item: Option<&str>,
    date: NaiveDate,
    at: DateTime<Utc>,
) -> OutboxEvent {
    let mut event = about_case(event_type, case_id, issuer, at);
    event.data.certificate_id = Some(certificate_id.to_owned());
    event.data.certificate_type = Some(certificate_type.to_owned());
    event.data.item = item.map(str::to_owned);
    event.data.date = Some(date);
    event
}

/// A department's part of a case was rated (the level only: the comment is the
/// applicant's words, read in the system).
pub fn rating(case_id: &str, department: &str, level: i64, at: DateTime<Utc>) -> OutboxEvent {
    let mut event = about_case(EventType::RatingSubmitted, Some(case_id), department, at);
    event.data.level = Some(level);
    event
}

/// A rectification opened (with its deadline) or closed.
pub fn rectification(
    event_type: EventType,
    id: &str,
    case_id: &str,
    department: &str,
    deadline: Option<NaiveDate>,
    at: DateTime<Utc>,
) -> OutboxEvent {
    let mut event = about_case(event_type, Some(case_id), department, at);
    event.data.rectification_id = Some(id.to_owned());
    event.data.deadline = deadline;
    event
}

/// An official holiday notice for `year` was imported: for every subscriber.
pub fn calendar_changed(year: i32, at: DateTime<Utc>) -> OutboxEvent {
    OutboxEvent {
        event_type: EventType::CalendarChanged,
        department: None,
        case_id: None,
        at,
        data: EventData {
            year: Some(year),
            ..EventData::default()
        },
    }
}

/// A 免申即享 run found a subject eligible: the finding's id, policy and period,
/// never whom it concerns. It is for the policy's department only (its webhook
/// subscriptions, and the NATS subject `<prefix>.<department>.benefit.found`).
pub fn benefit_found(finding_id: &str, policy: &str, department: &str, period: &str, at: DateTime<Utc>) -> OutboxEvent {
    OutboxEvent {
        event_type: EventType::BenefitFound,
        department: Some(department.to_owned()),
        case_id: None,
        at,
        data: EventData {
            department: Some(department.to_owned()),
            policy: Some(policy.to_owned()),
            period: Some(period.to_owned()),
            finding_id: Some(finding_id.to_owned()),
            ..EventData::default()
        },
    }
}

/// Findings of one policy and period confirmed for payment in one transaction (a
/// named batch, or one batch of a period's confirmation job): their ids, the policy,
/// the period and the job, never whom they concern. For the policy's department only,
/// like [`benefit_found`].
pub fn benefit_confirmed(
    finding_ids: Vec<String>,
    policy: &str,
    department: &str,
    period: &str,
    confirm_job: Option<&str>,
    at: DateTime<Utc>,
) -> OutboxEvent {
    OutboxEvent {
        event_type: EventType::BenefitConfirmed,
        department: Some(department.to_owned()),
        case_id: None,
        at,
        data: EventData {
            department: Some(department.to_owned()),
            policy: Some(policy.to_owned()),
            period: Some(period.to_owned()),
            finding_ids,
            confirm_job: confirm_job.map(str::to_owned),
            ..EventData::default()
        },
    }
}
