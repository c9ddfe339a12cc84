//! Operations on a case. Each works on a copy and returns the new case with the
//! events it caused, so a refused operation changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use calendar::Calendar;
use catalog::plan::FieldSource;
use catalog::{Catalog, Plan};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ids::ItemCode;

use crate::model::*;

/// The current format version of stored case documents.
pub const CASE_FORMAT: u32 = 1;

/// Longest reason or note accepted from a person.
const MAX_TEXT: usize = 500;

/// The date in China (UTC+8) at `now`: time limits count in Chinese working days.
pub fn china_date(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(8)).date_naive()
}

/// What a department does to its task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    /// Reasons, and the materials (ids of the item's own) to hand in again.
    RequestSupplement {
        reasons: Vec<String>,
        materials: Vec<String>,
    },
    Approve {
        outputs: BTreeMap<String, String>,
    },
    Reject {
        reason: String,
    },
}

impl Action {
    fn transition(&self) -> Transition {
        match self {
            Self::Accept => Transition::Accept,
            Self::RequestSupplement { .. } => Transition::RequestSupplement,
            Self::Approve { .. } => Transition::Approve,
            Self::Reject { .. } => Transition::Reject,
        }
    }
}

/// The result of an operation: the new case and what happened.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub case: Case,
    pub events: Vec<Event>,
}

impl Outcome {
    /// Marks a new case as accepted at a window by staff on the applicant's behalf:
    /// the submission event names the staff member who entered it.
    pub fn submitted_at_window(mut self, staff_account: &str) -> Self {
        for event in &mut self.events {
            if event.transition == Transition::Submit {
                event.actor = staff_account.to_owned();
                event.note = format!("{}（综合窗口代为提交）", event.note);
            }
        }
        self
    }
}

/// A value fetched from a shared source for the form, before the applicant saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub value: String,
    pub source: String,
    pub department: String,
}

impl Outcome {
    /// Records where prefilled values came from: a submitted value equal to the
    /// fetched one is marked as shared; a different one stays typed and is kept as a
    /// correction (with both values). Values fetched for fields the case does not
    /// have are ignored.
    pub fn with_prefill(mut self, fetched: &BTreeMap<String, Fetched>, consent: Consent) -> Self {
        let mut shared = 0;
        for (element, value) in &mut self.case.form {
            let Some(found) = fetched.get(element) else {
                continue;
            };
            if value.value == found.value {
                value.provenance = Provenance::Shared {
                    source: found.source.clone(),
                    department: found.department.clone(),
                };
                shared += 1;
            } else if value.provenance == Provenance::Typed {
                self.case.corrections.push(Correction {
                    element: element.clone(),
                    source: found.source.clone(),
                    department: found.department.clone(),
                    fetched: found.value.clone(),
                    corrected: value.value.clone(),
                });
            }
        }
        let corrected = self.case.corrections.len();
        self.case.consent = Some(consent);
        // A correction is named only when there is one: a change applied for (a
        // 变更后 value beside the registered one) is not a correction of shared data.
        let corrections = if corrected > 0 {
            format!("，{corrected} 项由申请人更正")
        } else {
            String::new()
        };
        for event in &mut self.events {
            if event.transition == Transition::Submit {
                event.note = format!("{}；{shared} 项经授权由共享数据预填{corrections}", event.note);
            }
        }
        self
    }
}

/// One entry of the combined supplement list (一次性告知).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SupplementRequest {
    pub item: ItemCode,
    pub name: String,
    pub department: String,
    pub reasons: Vec<String>,
    /// Materials to hand in again (new files), by material id.
    pub materials: Vec<String>,
}

impl Case {
    /// The case state, derived from the tasks.
    pub fn state(&self) -> CaseState {
        if self.tasks.iter().any(|t| t.state == TaskState::SupplementRequested) {
            CaseState::AwaitingSupplement
        } else if !self.tasks.iter().all(|t| t.state.is_terminal()) {
            CaseState::InProgress
        } else if self.tasks.iter().all(|t| t.state == TaskState::Approved) {
            CaseState::Completed
        } else {
            CaseState::Rejected
        }
    }

    pub fn task(&self, item: &ItemCode) -> Option<&Task> {
        self.tasks.iter().find(|t| &t.item == item)
    }

    /// Every open supplement request of every department, as one list.
    pub fn supplement_requests(&self) -> Vec<SupplementRequest> {
        self.tasks
            .iter()
            .filter(|t| t.state == TaskState::SupplementRequested)
            .map(|t| SupplementRequest {
                item: t.item.clone(),
                name: t.name.clone(),
                department: t.department.clone(),
                reasons: t.supplement_reasons.clone(),
                materials: t.supplement_materials.clone(),
            })
            .collect()
    }

    /// Creates a case from a plan and the submitted form, and dispatches the tasks
    /// that wait for nothing.
    pub fn create(
        catalog: &Catalog,
        calendar: &Calendar,
        plan: &Plan,
        id: CaseId,
        applicant: &str,
        form_input: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Outcome, CaseError> {
        let form = validate_form(catalog, plan, form_input, china_date(now))?;
        let tasks = plan
            .items
            .iter()
            .map(|item| Task {
                item: item.code.clone(),
                name: item.name.clone(),
                department: item.department.clone(),
                state: TaskState::Waiting,
                after: item.after.clone(),
                promised_limit_days: item.promised_limit_days,
                dispatched_on: None,
                deadline: None,
                supplement_requested_on: None,
                supplement_reasons: Vec::new(),
                supplements: 0,
                supplement_materials: Vec::new(),
                outputs: BTreeMap::new(),
                rejection_reason: None,
                updated_at: now,
            })
            .collect();
        let mut case = Case {
            format: CASE_FORMAT,
            id: id.clone(),
            one_thing: plan.one_thing.clone(),
            one_thing_name: plan.name.clone(),
            lead: plan.lead.clone(),
            applicant: applicant.to_owned(),
            answers: plan.answers.clone(),
            form,
            materials: plan
                .materials
                .iter()
                .filter(|m| m.is_needed())
                .map(|m| m.id.clone())
                .collect(),
            submitted_at: now,
            promised_date: plan.promised_date,
            tasks,
            updated_at: now,
            corrections: Vec::new(),
            consent: None,
        };
        let mut events = vec![Event {
            case_id: id,
            at: now,
            actor: applicant.to_owned(),
            transition: Transition::Submit,
            item: None,
            department: None,
            from: None,
            to: None,
            note: format!(
                "提交“{}”申请，共 {} 个事项，承诺 {}{} 前办结（依据{}）",
                plan.name,
                plan.items.len(),
                if calendar.is_provisional(plan.promised_date) {
                    "预计"
                } else {
                    ""
                },
                plan.promised_date,
                calendar.version_of(plan.promised_date)
            ),
        }];
        case.dispatch_ready(calendar, now, &mut events)?;
        Ok(Outcome { case, events })
    }

    /// A department acts on its task.
    pub fn act(
        &self,
        catalog: &Catalog,
        calendar: &Calendar,
        actor: &Actor,
        item: &ItemCode,
        action: Action,
        now: DateTime<Utc>,
    ) -> Result<Outcome, CaseError> {
        let mut case = self.clone();
        let index = case
            .tasks
            .iter()
            .position(|t| &t.item == item)
            .ok_or_else(|| CaseError::UnknownTask(item.to_string()))?;
        match actor {
            Actor::Staff { department, .. } if *department == case.tasks[index].department => {}
            Actor::Staff { .. } => {
                return Err(CaseError::WrongDepartment {
                    item: case.tasks[index].name.clone(),
                    department: catalog.department_name(&case.tasks[index].department).to_owned(),
                });
            }
            _ => return Err(CaseError::NotAllowed),
        }
        let transition = action.transition();
        let from = case.tasks[index].state;
        let to = match (from, &action) {
            (TaskState::Dispatched, Action::Accept) => TaskState::Accepted,
            (TaskState::Dispatched | TaskState::Accepted, Action::RequestSupplement { .. }) => {
                TaskState::SupplementRequested
            }
            (TaskState::Accepted, Action::Approve { .. }) => TaskState::Approved,
            (TaskState::Dispatched | TaskState::Accepted, Action::Reject { .. }) => TaskState::Rejected,
            _ => return Err(CaseError::IllegalTransition { from, transition }),
        };
        let today = china_date(now);
        let mut events = Vec::new();
        let note;
        match action {
            Action::Accept => note = "部门已受理".to_owned(),
            Action::RequestSupplement { reasons, materials } => {
                let reasons = clean_texts(reasons, "补正理由")?;
                let mut materials = materials;
                materials.sort_unstable();
                materials.dedup();
                // Only files can be handed in again: the item's own materials, not a
                // commitment (which is signed, not uploaded).
                let uploadable = |m: &String| {
                    catalog.items.get(item).is_some_and(|i| i.materials.contains(m))
                        && catalog
                            .materials
                            .get(m)
                            .is_some_and(|x| x.kind != catalog::MaterialKind::Commitment)
                };
                if let Some(unknown) = materials.iter().find(|m| !uploadable(m)) {
                    return Err(CaseError::Invalid(format!(
                        "“{}”不是本事项可上传的材料，不能要求重新提交",
                        unknown.chars().take(60).collect::<String>()
                    )));
                }
                note = if materials.is_empty() {
                    format!("要求补正：{}", reasons.join("；"))
                } else {
                    let names: Vec<&str> = materials
                        .iter()
                        .map(|m| catalog.materials.get(m).map_or(m.as_str(), |x| x.name.as_str()))
                        .collect();
                    format!("要求补正：{}；须重新提交：{}", reasons.join("；"), names.join("、"))
                };
                let task = &mut case.tasks[index];
                task.supplement_reasons = reasons;
                task.supplement_materials = materials;
                task.supplement_requested_on = Some(today);
                task.supplements += 1;
            }
            Action::Approve { outputs } => {
                let outputs = validate_outputs(catalog, item, outputs, today)?;
                note = if outputs.is_empty() {
                    "已办结".to_owned()
                } else {
                    format!(
                        "已办结，产生：{}",
                        outputs
                            .keys()
                            .map(|k| element_name(catalog, k))
                            .collect::<Vec<_>>()
                            .join("、")
                    )
                };
                for (element, value) in &outputs {
                    case.form.insert(
                        element.clone(),
                        FormValue {
                            value: value.clone(),
                            provenance: Provenance::ProducedBy { item: item.clone() },
                        },
                    );
                }
                case.tasks[index].outputs = outputs;
            }
            Action::Reject { reason } => {
                let reason = clean_text(&reason, "不予办理的理由")?;
                note = format!("不予办理：{reason}");
                case.tasks[index].rejection_reason = Some(reason);
            }
        }
        case.tasks[index].state = to;
        case.tasks[index].updated_at = now;
        case.updated_at = now;
        events.push(Event {
            case_id: case.id.clone(),
            at: now,
            actor: actor.account().to_owned(),
            transition,
            item: Some(item.clone()),
            department: Some(case.tasks[index].department.clone()),
            from: Some(from),
            to: Some(to),
            note,
        });
        match to {
            TaskState::Approved => case.dispatch_ready(calendar, now, &mut events)?,
            TaskState::Rejected => case.cancel_dependents(item, now, &mut events),
            _ => {}
        }
        Ok(Outcome { case, events })
    }

    /// The applicant answers the combined supplement list: corrected form values
    /// (optional) and a note. Every task waiting for a supplement resumes, and its
    /// deadline moves by the working days the supplement took. Refused when a
    /// department asked for a material again: see [`Case::answer_supplement_with`].
    pub fn answer_supplement(
        &self,
        catalog: &Catalog,
        calendar: &Calendar,
        actor: &Actor,
        corrections: &BTreeMap<String, String>,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Outcome, CaseError> {
        self.answer_supplement_with(catalog, calendar, actor, corrections, &BTreeSet::new(), note, now)
    }

    /// [`Case::answer_supplement`] with the materials handed in again (their ids;
    /// the files themselves are stored by the edge in the same transaction). Every
    /// material a department asked for must be among them.
    #[allow(clippy::too_many_arguments)]
    pub fn answer_supplement_with(
        &self,
        catalog: &Catalog,
        calendar: &Calendar,
        actor: &Actor,
        corrections: &BTreeMap<String, String>,
        handed_in: &BTreeSet<String>,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Outcome, CaseError> {
        match actor {
            Actor::Applicant { account } if *account == self.applicant => {}
            _ => return Err(CaseError::NotAllowed),
        }
        if self.supplement_requests().is_empty() {
            return Err(CaseError::NoSupplementPending);
        }
        // An optional note: nothing visible is no note.
        let note = match ids::text::normalize(note, true) {
            Err(ids::text::TextError::Empty) => String::new(),
            _ => clean_text(note, "补正说明")?,
        };
        let mut case = self.clone();
        let mut issues = Vec::new();
        for (field, raw) in corrections {
            match case.form.get(field) {
                Some(existing) if matches!(existing.provenance, Provenance::ProducedBy { .. }) => {
                    issues.push(FieldIssue {
                        field: field.clone(),
                        code: "FIELD_NOT_EDITABLE".into(),
                        message: format!("{}由部门办理生成，不能修改", element_name(catalog, field)),
                    })
                }
                Some(_) => match catalog.elements.get(field).map(|e| e.validate(raw, china_date(now))) {
                    Some(Ok(value)) => {
                        case.form.insert(
                            field.clone(),
                            FormValue {
                                value,
                                provenance: Provenance::Supplemented,
                            },
                        );
                    }
                    Some(Err(error)) => issues.push(FieldIssue {
                        field: field.clone(),
                        code: error.code,
                        message: error.message,
                    }),
                    None => issues.push(unknown_field(field)),
                },
                None => issues.push(unknown_field(field)),
            }
        }
        let mut asked: Vec<&String> = self
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::SupplementRequested)
            .flat_map(|t| &t.supplement_materials)
            .collect();
        asked.sort_unstable();
        asked.dedup();
        for material in asked {
            if !handed_in.contains(material) {
                let name = catalog
                    .materials
                    .get(material)
                    .map_or(material.as_str(), |m| m.name.as_str());
                issues.push(FieldIssue {
                    field: format!("material.{material}"),
                    code: "MATERIAL_REQUIRED".into(),
                    message: format!("请重新上传：{name}"),
                });
            }
        }
        if !issues.is_empty() {
            return Err(CaseError::Form(issues));
        }
        let today = china_date(now);
        let mut events = Vec::new();
        for task in case
            .tasks
            .iter_mut()
            .filter(|t| t.state == TaskState::SupplementRequested)
        {
            if let (Some(requested), Some(deadline)) = (task.supplement_requested_on, task.deadline) {
                // 补正 time does not count against the department's limit.
                let paused = calendar
                    .working_days_between(requested, today)
                    .map_err(|e| CaseError::Calendar(e.to_string()))?;
                task.deadline = Some(
                    calendar
                        .add_working_days(deadline, paused)
                        .map_err(|e| CaseError::Calendar(e.to_string()))?,
                );
            }
            let refiled: Vec<&str> = task
                .supplement_materials
                .iter()
                .map(|m| catalog.materials.get(m).map_or(m.as_str(), |x| x.name.as_str()))
                .collect();
            let refiled = if refiled.is_empty() {
                String::new()
            } else {
                format!("（重新提交：{}）", refiled.join("、"))
            };
            task.state = TaskState::Accepted;
            task.supplement_requested_on = None;
            task.supplement_materials.clear();
            task.updated_at = now;
            events.push(Event {
                case_id: case.id.clone(),
                at: now,
                actor: actor.account().to_owned(),
                transition: Transition::AnswerSupplement,
                item: Some(task.item.clone()),
                department: Some(task.department.clone()),
                from: Some(TaskState::SupplementRequested),
                to: Some(TaskState::Accepted),
                note: if note.is_empty() {
                    format!("申请人已补正{refiled}")
                } else {
                    format!("申请人已补正{refiled}：{note}")
                },
            });
        }
        case.updated_at = now;
        Ok(Outcome { case, events })
    }

    /// Dispatches every waiting task whose dependencies are all approved.
    fn dispatch_ready(
        &mut self,
        calendar: &Calendar,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<(), CaseError> {
        let approved: BTreeSet<ItemCode> = self
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Approved)
            .map(|t| t.item.clone())
            .collect();
        let today = china_date(now);
        for task in self.tasks.iter_mut() {
            if task.state != TaskState::Waiting || !task.after.iter().all(|d| approved.contains(d)) {
                continue;
            }
            let deadline = calendar
                .add_working_days(today, task.promised_limit_days)
                .map_err(|e| CaseError::Calendar(e.to_string()))?;
            task.state = TaskState::Dispatched;
            task.dispatched_on = Some(today);
            task.deadline = Some(deadline);
            task.updated_at = now;
            events.push(Event {
                case_id: self.id.clone(),
                at: now,
                actor: Actor::System.account().to_owned(),
                transition: Transition::Dispatch,
                item: Some(task.item.clone()),
                department: Some(task.department.clone()),
                from: Some(TaskState::Waiting),
                to: Some(TaskState::Dispatched),
                note: format!(
                    "分送办理，期限 {}{deadline}（{} 个工作日；依据{}）",
                    if calendar.is_provisional(deadline) {
                        "预计"
                    } else {
                        ""
                    },
                    task.promised_limit_days,
                    calendar.version_of(deadline)
                ),
            });
        }
        Ok(())
    }

    /// Cancels every waiting task that depends, directly or not, on `rejected`.
    fn cancel_dependents(&mut self, rejected: &ItemCode, now: DateTime<Utc>, events: &mut Vec<Event>) {
        let mut blocked: BTreeSet<ItemCode> = BTreeSet::from([rejected.clone()]);
        loop {
            let next: Vec<usize> = self
                .tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| t.state == TaskState::Waiting && t.after.iter().any(|d| blocked.contains(d)))
                .map(|(i, _)| i)
                .collect();
            if next.is_empty() {
                break;
            }
            for index in next {
                let task = &mut self.tasks[index];
                task.state = TaskState::Cancelled;
                task.updated_at = now;
                blocked.insert(task.item.clone());
                events.push(Event {
                    case_id: self.id.clone(),
                    at: now,
                    actor: Actor::System.account().to_owned(),
                    transition: Transition::Cancel,
                    item: Some(task.item.clone()),
                    department: Some(task.department.clone()),
                    from: Some(TaskState::Waiting),
                    to: Some(TaskState::Cancelled),
                    note: "前置事项不予办理，本事项终止".to_owned(),
                });
            }
        }
    }
}

fn element_name(catalog: &Catalog, element: &str) -> String {
    catalog
        .elements
        .get(element)
        .map(|e| e.name.clone())
        .unwrap_or_else(|| element.to_owned())
}

/// A value for a field the applicant's answers leave out (a 变更后 value of
/// something they said does not change): refused rather than stored unseen.
fn not_asked(skipped: &catalog::plan::SkippedField) -> FieldIssue {
    let because = if skipped.questions.is_empty() {
        "按您对情形问题的回答".to_owned()
    } else {
        format!("按您对“{}”的回答", skipped.questions.join("”“"))
    };
    FieldIssue {
        field: skipped.element.clone(),
        code: "FIELD_NOT_ASKED".into(),
        message: format!("{because}，无需填写{}；如需变更，请先修改该回答", skipped.name),
    }
}

fn unknown_field(field: &str) -> FieldIssue {
    FieldIssue {
        field: field.chars().take(100).collect(),
        code: "FIELD_UNKNOWN".into(),
        message: format!("表单中没有字段“{}”", field.chars().take(100).collect::<String>()),
    }
}

fn clean_text(text: &str, what: &str) -> Result<String, CaseError> {
    let text = ids::text::normalize(text, true).map_err(|error| CaseError::Invalid(format!("{what}{error}")))?;
    if text.chars().count() > MAX_TEXT {
        return Err(CaseError::Invalid(format!("{what}最多 {MAX_TEXT} 个字")));
    }
    Ok(text)
}

fn clean_texts(texts: Vec<String>, what: &str) -> Result<Vec<String>, CaseError> {
    if texts.is_empty() {
        return Err(CaseError::Invalid(format!("请至少写明一条{what}")));
    }
    if texts.len() > 20 {
        return Err(CaseError::Invalid(format!("{what}最多 20 条")));
    }
    texts.iter().map(|t| clean_text(t, what)).collect()
}

/// Checks the submitted form against the plan: every field the applicant must type
/// is present and valid; fields produced by earlier items or unknown fields are refused.
fn validate_form(
    catalog: &Catalog,
    plan: &Plan,
    input: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<BTreeMap<String, FormValue>, CaseError> {
    let mut issues = Vec::new();
    let mut form = BTreeMap::new();
    let fields: BTreeMap<&str, &catalog::plan::FormField> = plan
        .form
        .iter()
        .flat_map(|g| &g.fields)
        .map(|f| (f.element.as_str(), f))
        .collect();
    for key in input.keys() {
        match fields.get(key.as_str()) {
            None => match plan.skipped_fields.iter().find(|f| &f.element == key) {
                Some(skipped) => issues.push(not_asked(skipped)),
                None => issues.push(unknown_field(key)),
            },
            Some(field) if matches!(field.source, FieldSource::ProducedBy { .. }) => issues.push(FieldIssue {
                field: key.clone(),
                code: "FIELD_NOT_EXPECTED".into(),
                message: format!("{}将由前置事项办结后自动填入，无需填写", field.name),
            }),
            Some(_) => {}
        }
    }
    for (element_id, field) in &fields {
        if matches!(field.source, FieldSource::ProducedBy { .. }) {
            continue;
        }
        let Some(element) = catalog.elements.get(*element_id) else {
            continue;
        };
        match input.get(*element_id) {
            None => issues.push(FieldIssue {
                field: (*element_id).to_owned(),
                code: "FIELD_REQUIRED".into(),
                message: format!("{}：不能为空", element.name),
            }),
            Some(raw) => match element.validate(raw, today) {
                Ok(value) => {
                    form.insert(
                        (*element_id).to_owned(),
                        FormValue {
                            value,
                            provenance: Provenance::Typed,
                        },
                    );
                }
                Err(error) => issues.push(FieldIssue {
                    field: (*element_id).to_owned(),
                    code: error.code,
                    message: error.message,
                }),
            },
        }
    }
    if issues.is_empty() {
        Ok(form)
    } else {
        Err(CaseError::Form(issues))
    }
}

/// Checks a department's outputs: exactly the data elements its item declares, valid.
fn validate_outputs(
    catalog: &Catalog,
    item: &ItemCode,
    outputs: BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<BTreeMap<String, String>, CaseError> {
    let declared: Vec<&String> = catalog
        .items
        .get(item)
        .map(|i| i.outputs.elements.iter().collect())
        .unwrap_or_default();
    let mut issues = Vec::new();
    let mut valid = BTreeMap::new();
    for key in outputs.keys() {
        if !declared.contains(&key) {
            issues.push(FieldIssue {
                field: key.chars().take(100).collect(),
                code: "OUTPUT_NOT_DECLARED".into(),
                message: format!("本事项不产生“{}”", key.chars().take(100).collect::<String>()),
            });
        }
    }
    for element_id in declared {
        let Some(element) = catalog.elements.get(element_id) else {
            continue;
        };
        match outputs.get(element_id) {
            None => issues.push(FieldIssue {
                field: element_id.clone(),
                code: "OUTPUT_REQUIRED".into(),
                message: format!("办结时须填写{}", element.name),
            }),
            Some(raw) => match element.validate(raw, today) {
                Ok(value) => {
                    valid.insert(element_id.clone(), value);
                }
                Err(error) => issues.push(FieldIssue {
                    field: element_id.clone(),
                    code: error.code,
                    message: error.message,
                }),
            },
        }
    }
    if issues.is_empty() {
        Ok(valid)
    } else {
        Err(CaseError::Form(issues))
    }
}
