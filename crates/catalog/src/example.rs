//! A complete, valid example application for a one-thing: the answers under which
//! the most items apply, a valid value for every field the applicant types, the
//! materials to upload and the commitments to accept. Integrators start from it
//! (`onething catalog example`, `GET /api/v1/catalog/one-things/{id}/example`), and
//! the supervisors' view shows the one-thing "as designed" with its answers.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::plan::{FieldSource, Holdings};
use crate::{Answers, Catalog, ElementType, MaterialKind, OneThing, Plan, PlanError, compute_plan};

/// Most answer combinations tried when looking for the fullest plan.
const MAX_COMBINATIONS: usize = 4096;

/// A valid example value for a field of this type. Dates are `today` less 30 days:
/// in the past, as a birth or an event being applied for is.
pub fn value(element_type: &ElementType, today: NaiveDate) -> String {
    match element_type {
        ElementType::Text => "示例".into(),
        ElementType::Date => today
            .checked_sub_days(Days::new(30))
            .unwrap_or(today)
            .format("%Y-%m-%d")
            .to_string(),
        ElementType::Integer => "1".into(),
        ElementType::Money => "100.00".into(),
        ElementType::Boolean => "true".into(),
        ElementType::Phone => "13800138000".into(),
        // Valid check digits (GB 11643, GB 32100); not a real person or enterprise.
        ElementType::IdNumber => "11010519491231002X".into(),
        ElementType::CreditCode => "91350100M000100Y43".into(),
        ElementType::Choice(options) => options.first().cloned().unwrap_or_default(),
    }
}

/// The plan under which the most items of `one` apply (ties: the first such
/// combination of options), with no e-certificates held.
pub fn fullest_plan(
    catalog: &Catalog,
    one: &OneThing,
    start: NaiveDate,
    calendar: &calendar::Calendar,
) -> Result<Plan, PlanError> {
    let combinations: usize = one.questions.iter().map(|q| q.options.len().max(1)).product();
    let mut best: Option<Plan> = None;
    let mut first_error = None;
    for combination in 0..combinations.min(MAX_COMBINATIONS) {
        let mut rest = combination;
        let mut answers = Answers::new();
        for question in &one.questions {
            let count = question.options.len().max(1);
            if let Some(option) = question.options.get(rest % count) {
                answers.insert(question.id.clone(), option.value.clone());
            }
            rest /= count;
        }
        // Answers to questions this combination does not ask are left out.
        let answers = one.relevant_answers(&answers);
        match compute_plan(catalog, one, &answers, &Holdings::default(), start, calendar) {
            Ok(plan) if best.as_ref().is_none_or(|b| plan.items.len() > b.items.len()) => best = Some(plan),
            Ok(_) => {}
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match (best, first_error) {
        (Some(plan), _) => Ok(plan),
        (None, Some(error)) => Err(error),
        (None, None) => Err(PlanError::Answers(Vec::new())),
    }
}

/// What an example application hands in.
#[derive(Clone, Debug, Serialize)]
pub struct Example {
    pub one_thing: String,
    pub answers: Answers,
    /// A valid value for every field the applicant types.
    pub form: BTreeMap<String, String>,
    /// Materials to upload, each as a file part `material.<id>`: the example submits
    /// without a prefill, so it hands in what departments would obtain with consent.
    pub uploads: Vec<String>,
    /// Commitment letters (告知承诺) to accept.
    pub commitments: Vec<String>,
}

/// The example application for `plan`.
pub fn example(catalog: &Catalog, plan: &Plan, today: NaiveDate) -> Example {
    let form = plan
        .form
        .iter()
        .flat_map(|group| &group.fields)
        .filter(|field| field.source == FieldSource::Applicant)
        .filter_map(|field| {
            let element = catalog.elements.get(&field.element)?;
            Some((field.element.clone(), value(&element.element_type, today)))
        })
        .collect();
    let mut uploads = Vec::new();
    let mut commitments = Vec::new();
    for material in plan.materials.iter().filter(|m| m.is_needed_without_consent()) {
        match catalog.materials.get(&material.id).map(|m| &m.kind) {
            Some(MaterialKind::Commitment) => commitments.push(material.id.clone()),
            _ => uploads.push(material.id.clone()),
        }
    }
    Example {
        one_thing: plan.one_thing.clone(),
        answers: plan.answers.clone(),
        form,
        uploads,
        commitments,
    }
}
