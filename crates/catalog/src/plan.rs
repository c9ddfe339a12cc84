//! The plan (一次告知): everything one applicant needs to know for one one-thing,
//! computed from the catalog, their answers, what they already hold and a start date.
//!
//! [`compute_plan`] is a pure function: the same inputs give the same plan. The case
//! engine creates a case from a plan, and the portal renders it as the personalised
//! notice.

use std::collections::{BTreeMap, BTreeSet};

use calendar::Calendar;
use chrono::NaiveDate;
use ids::ItemCode;
use serde::Serialize;

use crate::condition::AnswerContext;
use crate::model::*;

/// Answers to situation questions: question id → option value.
pub type Answers = BTreeMap<String, String>;

/// What the applicant already holds: e-certificates, and data elements that shared
/// data sources can provide for them; and whether they let departments obtain the
/// rest (shared data, e-certificates from the issuer's library) themselves.
#[derive(Clone, Debug, Default)]
pub struct Holdings {
    pub certificates: BTreeSet<String>,
    pub elements: BTreeSet<String>,
    pub consent: SharedConsent,
}

/// The applicant's answer to "may the departments obtain your data and
/// e-certificates themselves?" (数据共享授权).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedConsent {
    /// Not asked yet (the notice): materials departments can obtain are 免提交 on
    /// condition of consent, and the figures count them so.
    #[default]
    NotAsked,
    /// Agreed: departments obtain them; nothing to hand in.
    Given,
    /// Declined: the applicant hands them in.
    Declined,
}

/// Why a plan could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Answers(Vec<AnswerError>),
    #[error("无法计算办结日期：{0}")]
    Calendar(String),
    #[error("条件求值失败：{0}")]
    Condition(String),
}

/// One problem with the answers, naming the question.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AnswerError {
    #[error("请回答问题“{text}”")]
    Missing { question: String, text: String },
    #[error("没有名为“{question}”的情形问题")]
    UnknownQuestion { question: String },
    #[error("按您之前的回答，无需回答问题“{text}”（仅当{condition}时回答）")]
    NotAsked {
        question: String,
        text: String,
        condition: String,
    },
    #[error("问题“{text}”没有选项“{value}”，可选：{allowed}")]
    InvalidOption {
        question: String,
        text: String,
        value: String,
        allowed: String,
    },
}

impl AnswerError {
    pub fn question(&self) -> &str {
        match self {
            Self::Missing { question, .. }
            | Self::UnknownQuestion { question }
            | Self::NotAsked { question, .. }
            | Self::InvalidOption { question, .. } => question,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing { .. } => "ANSWER_MISSING",
            Self::UnknownQuestion { .. } => "ANSWER_UNKNOWN_QUESTION",
            Self::NotAsked { .. } => "ANSWER_NOT_ASKED",
            Self::InvalidOption { .. } => "ANSWER_INVALID_OPTION",
        }
    }
}

/// The personalised notice for one applicant.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub one_thing: String,
    pub name: String,
    pub lead: String,
    pub answers: Answers,
    pub start_date: NaiveDate,
    /// Working days on the critical path of promised limits.
    pub critical_path_days: u32,
    pub promised_date: NaiveDate,
    /// The promised date falls in a year whose holiday notice is not loaded yet: it
    /// was counted on the regulation's statutory days (预计) and may move.
    pub promised_date_provisional: bool,
    /// The calendar the promised date was counted with, for people.
    pub calendar_basis: String,
    pub items: Vec<PlannedItem>,
    pub skipped_items: Vec<SkippedItem>,
    pub form: Vec<FormGroup>,
    /// Fields of applicable items that are not asked in this situation
    /// (`[[field_rule]]`): a value for one is refused.
    pub skipped_fields: Vec<SkippedField>,
    pub materials: Vec<PlannedMaterial>,
    pub savings: Savings,
    /// For a report one-thing: the one document, whom it is about, the period and the
    /// departments answering. `None` for other one-things.
    pub report: Option<PlannedReport>,
}

/// What the applicant of a report one-thing receives (一次告知: “您将收到……”).
#[derive(Clone, Debug, Serialize)]
pub struct PlannedReport {
    /// The document's name (its certificate type), e.g. 企业上市合法合规信息核查报告.
    pub document: String,
    /// The department that assembles and issues it (the lead).
    pub issuer_name: String,
    /// The subject's data element and its name, e.g. 统一社会信用代码.
    pub subject: String,
    pub subject_name: String,
    /// The period the sections cover, as the chosen option reads (近三年…).
    pub period: Option<String>,
    /// The departments answering, in schedule order; the issuing item is not a section.
    pub sections: Vec<ReportSection>,
}

/// One department's part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct ReportSection {
    pub item: ItemCode,
    pub name: String,
    pub department_name: String,
    pub promised_limit_days: u32,
}

/// An applicable item with its place in the schedule.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedItem {
    pub code: ItemCode,
    pub name: String,
    pub department: String,
    pub department_name: String,
    pub legal_limit_days: u32,
    pub promised_limit_days: u32,
    /// Applicable items that must finish first (inapplicable ones are bypassed).
    pub after: Vec<ItemCode>,
    /// 1 for items that start at once; items of the same stage run in parallel.
    pub stage: u32,
    pub start_offset_days: u32,
    pub finish_offset_days: u32,
    pub due_date: NaiveDate,
    /// The due date is provisional (see [`Plan::promised_date_provisional`]).
    pub due_date_provisional: bool,
}

/// A member item that does not apply in this situation.
#[derive(Clone, Debug, Serialize)]
pub struct SkippedItem {
    pub code: ItemCode,
    pub name: String,
    pub condition: String,
}

/// A form field that is not asked in this situation, and why.
#[derive(Clone, Debug, Serialize)]
pub struct SkippedField {
    pub element: String,
    pub name: String,
    pub condition: String,
    /// The texts of the questions the condition reads, for people.
    pub questions: Vec<String>,
}

/// A section of the merged form.
#[derive(Clone, Debug, Serialize)]
pub struct FormGroup {
    pub name: String,
    pub fields: Vec<FormField>,
}

/// Where a form field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldSource {
    /// The applicant types it.
    Applicant,
    /// Prefilled from shared data held by the source department.
    SharedData { department: String },
    /// Filled in by the engine from an earlier item's output.
    ProducedBy { item: ItemCode },
}

/// One field of the merged form: one data element, however many items ask for it.
#[derive(Clone, Debug, Serialize)]
pub struct FormField {
    pub element: String,
    pub name: String,
    #[serde(rename = "type")]
    pub element_type: String,
    pub sensitivity: Sensitivity,
    pub required_by: Vec<ItemCode>,
    pub source: FieldSource,
    /// For a 变更后 field: the registered element whose new value it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
}

/// Whether the applicant must hand a material in, and if not, why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MaterialStatus {
    /// Hand it in (upload, or sign online for a commitment).
    Needed,
    /// The applicant holds the e-certificate.
    HeldCertificate { certificate: String },
    /// An earlier item of this one-thing issues it.
    ProducedBy { item: ItemCode },
    /// The departments obtain the data by sharing from its source departments;
    /// `on_consent`: only once the applicant agrees (the notice, before asking).
    SharedData { departments: Vec<String>, on_consent: bool },
    /// The departments obtain the e-certificate from its issuer's library
    /// (电子证照库); `on_consent` as for shared data.
    CertificateLibrary {
        certificate: String,
        issuer: String,
        on_consent: bool,
    },
}

/// One entry of the deduplicated material list.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedMaterial {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub trust: TrustLevel,
    pub required_by: Vec<ItemCode>,
    #[serde(flatten)]
    pub status: MaterialStatus,
}

impl PlannedMaterial {
    pub fn is_needed(&self) -> bool {
        self.status == MaterialStatus::Needed
    }

    /// Whether an application without data-sharing consent hands it in: needed, or
    /// one the departments would obtain themselves only with consent.
    pub fn is_needed_without_consent(&self) -> bool {
        match &self.status {
            MaterialStatus::Needed => true,
            MaterialStatus::SharedData { on_consent, .. } | MaterialStatus::CertificateLibrary { on_consent, .. } => {
                *on_consent
            }
            MaterialStatus::HeldCertificate { .. } | MaterialStatus::ProducedBy { .. } => false,
        }
    }
}

/// A 四减 figure: doing the applicable items one by one vs. as one thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub alone: u32,
    pub one_thing: u32,
}

impl Figure {
    pub fn saved(self) -> u32 {
        self.alone.saturating_sub(self.one_thing)
    }

    /// Percentage saved, rounded down; 0 when nothing was needed alone.
    pub fn saved_percent(self) -> u32 {
        (self.saved() * 100).checked_div(self.alone).unwrap_or(0)
    }
}

/// The 四减 figures (减材料、减表单、减时间、减跑动、减环节).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Savings {
    /// Materials handed in: every item's list summed vs. the deduplicated list still needed.
    pub materials: Figure,
    /// Form fields typed: every item's form summed vs. merged fields the applicant types.
    pub fields: Figure,
    /// Working days: promised limits summed vs. the critical path.
    pub days: Figure,
    /// On-site visits: each item's visits summed vs. the one-thing's.
    pub visits: Figure,
    /// Steps: every item's steps summed vs. one 受理 and one 办结 for all.
    pub steps: Figure,
}

/// Computes the plan. Answers must cover every question with one of its options.
pub fn compute_plan(
    catalog: &Catalog,
    one_thing: &OneThing,
    answers: &Answers,
    holdings: &Holdings,
    start_date: NaiveDate,
    calendar: &Calendar,
) -> Result<Plan, PlanError> {
    check_answers(one_thing, answers)?;
    // Conditions read every question: those not asked as unanswered ('').
    let effective = one_thing.effective_answers(answers);
    let context = AnswerContext::new(&effective);

    // Which members apply.
    let mut applicable: Vec<&Member> = Vec::new();
    let mut skipped_items = Vec::new();
    for member in &one_thing.members {
        let applies = match &member.when {
            None => true,
            Some(condition) => condition
                .evaluate_in(&context)
                .map_err(|e| PlanError::Condition(e.to_string()))?,
        };
        if applies {
            applicable.push(member);
        } else if let Some(item) = catalog.items.get(&member.item) {
            skipped_items.push(SkippedItem {
                code: member.item.clone(),
                name: item.name.clone(),
                condition: member.when.as_ref().map(|c| c.source().to_owned()).unwrap_or_default(),
            });
        }
    }
    let applicable_codes: BTreeSet<&ItemCode> = applicable.iter().map(|m| &m.item).collect();
    let items: Vec<(&Member, &Item)> = applicable
        .iter()
        .filter_map(|member| catalog.items.get(&member.item).map(|item| (*member, item)))
        .collect();

    // Schedule: effective dependencies bypass inapplicable members; members are
    // scheduled in dependency order (the catalog check guarantees no cycle).
    let mut schedule: BTreeMap<&ItemCode, (Vec<ItemCode>, u32, u32, u32)> = BTreeMap::new();
    let mut remaining: Vec<(&Member, &Item)> = items.clone();
    while !remaining.is_empty() {
        let before = remaining.len();
        let mut index = 0;
        while index < remaining.len() {
            let (member, item) = remaining[index];
            let after = effective_dependencies(one_thing, member, &applicable_codes);
            if after.iter().all(|code| schedule.contains_key(code)) {
                let mut stage = 1;
                let mut start = 0;
                for dependency in &after {
                    if let Some((_, dep_stage, _, dep_finish)) = schedule.get(dependency) {
                        stage = stage.max(dep_stage + 1);
                        start = start.max(*dep_finish);
                    }
                }
                schedule.insert(&member.item, (after, stage, start, start + item.promised_limit_days));
                remaining.remove(index);
            } else {
                index += 1;
            }
        }
        if remaining.len() == before {
            return Err(PlanError::Condition("事项依赖无法排序".into()));
        }
    }
    let critical_path_days = schedule.values().map(|(_, _, _, finish)| *finish).max().unwrap_or(0);
    let promised_date = calendar
        .add_working_days(start_date, critical_path_days)
        .map_err(|e| PlanError::Calendar(e.to_string()))?;
    let mut planned_items = Vec::with_capacity(items.len());
    for (member, item) in &items {
        let Some((after, stage, start, finish)) = schedule.get(&member.item) else {
            continue;
        };
        let due_date = calendar
            .add_working_days(start_date, *finish)
            .map_err(|e| PlanError::Calendar(e.to_string()))?;
        planned_items.push(PlannedItem {
            code: item.code.clone(),
            name: item.name.clone(),
            department: item.department.clone(),
            department_name: catalog.department_name(&item.department).to_owned(),
            legal_limit_days: item.legal_limit_days,
            promised_limit_days: item.promised_limit_days,
            after: after.clone(),
            stage: *stage,
            start_offset_days: *start,
            finish_offset_days: *finish,
            due_date,
            due_date_provisional: calendar.is_provisional(due_date),
        });
    }
    planned_items.sort_by_key(|item| (item.stage, item.start_offset_days));
    let report = planned_report(catalog, one_thing, &effective, &planned_items);

    // Which elements and certificates the one-thing itself produces, and by whom.
    let mut produced_elements: BTreeMap<&str, &ItemCode> = BTreeMap::new();
    let mut produced_certificates: BTreeMap<&str, &ItemCode> = BTreeMap::new();
    for (_, item) in &items {
        for element in &item.outputs.elements {
            produced_elements.entry(element).or_insert(&item.code);
        }
        if let Some(certificate) = &item.outputs.certificate {
            produced_certificates.entry(certificate).or_insert(&item.code);
        }
    }

    // Fields asked only in some situations.
    let mut skipped_fields = Vec::new();
    for rule in &one_thing.field_rules {
        let asked = rule
            .when
            .evaluate_in(&context)
            .map_err(|e| PlanError::Condition(e.to_string()))?;
        let used = items.iter().any(|(_, item)| item.fields.contains(&rule.element));
        if !asked
            && used
            && let Some(element) = catalog.elements.get(&rule.element)
        {
            skipped_fields.push(SkippedField {
                element: element.id.clone(),
                name: element.name.clone(),
                condition: rule.when.source().to_owned(),
                questions: rule
                    .when
                    .variables()
                    .iter()
                    .filter_map(|id| one_thing.question(id).map(|q| q.text.clone()))
                    .collect(),
            });
        }
    }
    let not_asked: BTreeSet<&str> = skipped_fields.iter().map(|f| f.element.as_str()).collect();

    let form = merge_form(catalog, &items, &produced_elements, holdings, &not_asked);
    let (materials, materials_alone) = merge_materials(
        catalog,
        one_thing,
        &context,
        &items,
        &produced_elements,
        &produced_certificates,
        holdings,
    )?;

    let fields_alone: u32 = items
        .iter()
        .map(|(_, item)| count(item.fields.iter().filter(|f| !not_asked.contains(f.as_str())).count()))
        .sum();
    let fields_typed = form
        .iter()
        .flat_map(|group| &group.fields)
        .filter(|field| field.source == FieldSource::Applicant)
        .count();
    let steps_alone: u32 = items.iter().map(|(_, item)| item.steps).sum();
    let savings = Savings {
        materials: Figure {
            alone: materials_alone,
            one_thing: count(materials.iter().filter(|m| m.is_needed()).count()),
        },
        fields: Figure {
            alone: fields_alone,
            one_thing: count(fields_typed),
        },
        days: Figure {
            alone: items.iter().map(|(_, item)| item.promised_limit_days).sum(),
            one_thing: critical_path_days,
        },
        visits: Figure {
            alone: items.iter().map(|(_, item)| item.visits_alone).sum(),
            one_thing: one_thing.visits,
        },
        steps: Figure {
            alone: steps_alone,
            // 受理 and 办结 are done once for the whole one-thing.
            one_thing: steps_alone.saturating_sub(2 * count(items.len().saturating_sub(1))),
        },
    };

    Ok(Plan {
        one_thing: one_thing.id.to_string(),
        name: one_thing.name.clone(),
        lead: one_thing.lead.clone(),
        answers: answers.clone(),
        start_date,
        critical_path_days,
        promised_date,
        promised_date_provisional: calendar.is_provisional(promised_date),
        calendar_basis: calendar.version_of(promised_date),
        items: planned_items,
        skipped_items,
        form,
        skipped_fields,
        materials,
        savings,
        report,
    })
}

/// The report part of the notice: every applicable member but the issuing one is a
/// section its department answers.
fn planned_report(
    catalog: &Catalog,
    one_thing: &OneThing,
    effective: &Answers,
    planned_items: &[PlannedItem],
) -> Option<PlannedReport> {
    let report = one_thing.report.as_ref()?;
    let issuer = one_thing.report_issuer(catalog).map(|member| &member.item);
    let period = report.period.as_ref().and_then(|question_id| {
        let question = one_thing.question(question_id)?;
        let value = effective.get(question_id)?;
        question.option(value).map(|option| option.label.clone())
    });
    Some(PlannedReport {
        document: catalog
            .certificates
            .get(&report.document)
            .map(|certificate| certificate.name.clone())
            .unwrap_or_else(|| report.document.clone()),
        issuer_name: catalog.department_name(&one_thing.lead).to_owned(),
        subject: report.subject.clone(),
        subject_name: catalog
            .elements
            .get(&report.subject)
            .map(|element| element.name.clone())
            .unwrap_or_else(|| report.subject.clone()),
        period,
        sections: planned_items
            .iter()
            .filter(|item| Some(&item.code) != issuer)
            .map(|item| ReportSection {
                item: item.code.clone(),
                name: item.name.clone(),
                department_name: item.department_name.clone(),
                promised_limit_days: item.promised_limit_days,
            })
            .collect(),
    })
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn check_answers(one_thing: &OneThing, answers: &Answers) -> Result<(), PlanError> {
    let mut errors = Vec::new();
    let asked = one_thing.asked_questions(answers);
    for id in answers.keys() {
        match one_thing.question(id) {
            None => errors.push(AnswerError::UnknownQuestion { question: id.clone() }),
            Some(question) if !asked.iter().any(|q| q.id == *id) => errors.push(AnswerError::NotAsked {
                question: id.clone(),
                text: question.text.clone(),
                condition: question
                    .when
                    .as_ref()
                    .map(|w| w.describe(&one_thing.questions))
                    .unwrap_or_default(),
            }),
            Some(_) => {}
        }
    }
    for question in asked {
        match answers.get(&question.id) {
            None => errors.push(AnswerError::Missing {
                question: question.id.clone(),
                text: question.text.clone(),
            }),
            Some(value) if question.option(value).is_none() => errors.push(AnswerError::InvalidOption {
                question: question.id.clone(),
                text: question.text.clone(),
                value: value.clone(),
                allowed: question
                    .options
                    .iter()
                    .map(|o| format!("{}（{}）", o.value, o.label))
                    .collect::<Vec<_>>()
                    .join("、"),
            }),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlanError::Answers(errors))
    }
}

/// The applicable members this member waits for; an inapplicable dependency is
/// replaced by its own effective dependencies so that ordering is kept.
fn effective_dependencies(one_thing: &OneThing, member: &Member, applicable: &BTreeSet<&ItemCode>) -> Vec<ItemCode> {
    let mut result = BTreeSet::new();
    let mut stack: Vec<&ItemCode> = member.after.iter().collect();
    let mut seen = BTreeSet::new();
    while let Some(code) = stack.pop() {
        if !seen.insert(code) {
            continue;
        }
        if applicable.contains(code) {
            result.insert(code.clone());
        } else if let Some(skipped) = one_thing.member(code) {
            stack.extend(skipped.after.iter());
        }
    }
    result.into_iter().collect()
}

fn merge_form(
    catalog: &Catalog,
    items: &[(&Member, &Item)],
    produced_elements: &BTreeMap<&str, &ItemCode>,
    holdings: &Holdings,
    not_asked: &BTreeSet<&str>,
) -> Vec<FormGroup> {
    // Keep the order in which fields first appear, grouped by their section.
    let mut order: Vec<&str> = Vec::new();
    let mut required_by: BTreeMap<&str, Vec<ItemCode>> = BTreeMap::new();
    for (_, item) in items {
        for field in item.fields.iter().filter(|f| !not_asked.contains(f.as_str())) {
            let entry = required_by.entry(field).or_default();
            if entry.is_empty() {
                order.push(field);
            }
            entry.push(item.code.clone());
        }
    }
    let mut groups: Vec<FormGroup> = Vec::new();
    for element_id in order {
        let Some(element) = catalog.elements.get(element_id) else {
            continue;
        };
        let source = match produced_elements.get(element_id) {
            // An item does not wait for its own output: only another item's counts.
            Some(producer)
                if required_by
                    .get(element_id)
                    .is_some_and(|users| users.iter().any(|u| u != *producer)) =>
            {
                FieldSource::ProducedBy {
                    item: (*producer).clone(),
                }
            }
            _ if holdings.elements.contains(element_id) => FieldSource::SharedData {
                department: element.source.clone(),
            },
            _ => FieldSource::Applicant,
        };
        let field = FormField {
            element: element.id.clone(),
            name: element.name.clone(),
            element_type: element.element_type.name().to_owned(),
            sensitivity: element.sensitivity,
            required_by: required_by.remove(element_id).unwrap_or_default(),
            source,
            changes: element.changes.clone(),
        };
        match groups.iter_mut().find(|group| group.name == element.group) {
            Some(group) => group.fields.push(field),
            None => groups.push(FormGroup {
                name: element.group.clone(),
                fields: vec![field],
            }),
        }
    }
    groups
}

fn merge_materials(
    catalog: &Catalog,
    one_thing: &OneThing,
    context: &AnswerContext,
    items: &[(&Member, &Item)],
    produced_elements: &BTreeMap<&str, &ItemCode>,
    produced_certificates: &BTreeMap<&str, &ItemCode>,
    holdings: &Holdings,
) -> Result<(Vec<PlannedMaterial>, u32), PlanError> {
    let mut excluded = BTreeSet::new();
    for rule in &one_thing.material_rules {
        if !rule
            .when
            .evaluate_in(context)
            .map_err(|e| PlanError::Condition(e.to_string()))?
        {
            excluded.insert(rule.material.as_str());
        }
    }
    let mut alone = 0;
    let mut order: Vec<&str> = Vec::new();
    let mut required_by: BTreeMap<&str, Vec<ItemCode>> = BTreeMap::new();
    for (_, item) in items {
        for material in &item.materials {
            if excluded.contains(material.as_str()) {
                continue;
            }
            alone += 1;
            let entry = required_by.entry(material).or_default();
            if entry.is_empty() {
                order.push(material);
            }
            entry.push(item.code.clone());
        }
    }
    let mut planned = Vec::with_capacity(order.len());
    for material_id in order {
        let Some(material) = catalog.materials.get(material_id) else {
            continue;
        };
        let users = required_by.remove(material_id).unwrap_or_default();
        let produced_for_others = |producer: &ItemCode| users.iter().any(|user| user != producer);
        let status = match &material.kind {
            MaterialKind::Upload | MaterialKind::Commitment => MaterialStatus::Needed,
            MaterialKind::Certificate { certificate } => {
                let certificate_type = catalog.certificates.get(certificate);
                let certificate_name = certificate_type.map(|c| c.name.clone()).unwrap_or_default();
                if holdings.certificates.contains(certificate) {
                    MaterialStatus::HeldCertificate {
                        certificate: certificate_name,
                    }
                } else if let Some(producer) = produced_certificates
                    .get(certificate.as_str())
                    .filter(|p| produced_for_others(p))
                {
                    MaterialStatus::ProducedBy {
                        item: (*producer).clone(),
                    }
                } else if holdings.consent == SharedConsent::Declined {
                    MaterialStatus::Needed
                } else {
                    MaterialStatus::CertificateLibrary {
                        certificate: certificate_name,
                        issuer: certificate_type
                            .map(|c| catalog.department_name(&c.issuer).to_owned())
                            .unwrap_or_default(),
                        on_consent: holdings.consent == SharedConsent::NotAsked,
                    }
                }
            }
            MaterialKind::SharedData { elements } => {
                let producers: Vec<&ItemCode> = elements
                    .iter()
                    .filter_map(|e| produced_elements.get(e.as_str()).copied())
                    .collect();
                if producers.len() == elements.len() && producers.iter().all(|p| produced_for_others(p)) {
                    match producers.first() {
                        Some(producer) => MaterialStatus::ProducedBy {
                            item: (*producer).clone(),
                        },
                        None => MaterialStatus::Needed,
                    }
                } else if holdings.consent == SharedConsent::Declined {
                    MaterialStatus::Needed
                } else {
                    let departments: BTreeSet<String> = elements
                        .iter()
                        .filter_map(|e| catalog.elements.get(e))
                        .map(|e| catalog.department_name(&e.source).to_owned())
                        .collect();
                    MaterialStatus::SharedData {
                        departments: departments.into_iter().collect(),
                        on_consent: holdings.consent == SharedConsent::NotAsked,
                    }
                }
            }
        };
        planned.push(PlannedMaterial {
            id: material.id.clone(),
            name: material.name.clone(),
            kind: material.kind.label_zh().to_owned(),
            trust: material.trust,
            required_by: users,
            status,
        });
    }
    Ok((planned, alone))
}
