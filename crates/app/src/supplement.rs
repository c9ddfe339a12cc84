//! Answering a supplement request (补正): corrected values, a note, and the new
//! files the departments asked for, all at once. Both front doors call [`answer`].

use std::collections::{BTreeMap, BTreeSet};

use cases::{Case, CaseId, FieldIssue};
use domain::Account;
use store::Updated;

use super::AppError;
use super::files::MaterialFile;
use crate::AppState;
use crate::error::ApiError;

/// What the applicant hands in.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// New values by data element; only what changed.
    pub corrections: BTreeMap<String, String>,
    pub note: String,
    /// Files for the materials the departments asked for again.
    pub files: Vec<MaterialFile>,
}

/// Answers every open supplement request of `case_id` as `caller`, who must be its
/// applicant (anyone else is told the case does not exist). The case, its events,
/// the new files and the notices are stored in one transaction; a lost race with a
/// department's change is retried on the fresh case.
pub async fn answer(state: &AppState, caller: &Account, case_id: &str, answer: Answer) -> Result<Case, AppError> {
    let id = CaseId::parse(case_id).map_err(|_| ApiError::case_not_found())?;
    let actor = cases::Actor::Applicant {
        account: caller.id.clone(),
    };
    for _ in 0..16 {
        let versioned = state.store.load_case(&id).await?.ok_or_else(ApiError::case_not_found)?;
        if versioned.case.applicant != caller.id {
            return Err(ApiError::case_not_found().into());
        }
        let case = &versioned.case;
        let asked: BTreeSet<String> = case
            .supplement_requests()
            .into_iter()
            .flat_map(|request| request.materials)
            .collect();
        let now = state.now();
        let mut issues = Vec::new();
        let mut uploads = Vec::new();
        let mut handed_in = BTreeSet::new();
        for file in answer.files.iter().filter(|f| asked.contains(&f.material)) {
            let name = state
                .catalog
                .materials
                .get(&file.material)
                .map_or(file.material.as_str(), |m| m.name.as_str());
            match super::files::check(name, &file.bytes) {
                Ok(content_type) => {
                    handed_in.insert(file.material.clone());
                    uploads.push(super::files::upload_record(
                        case.id.as_str(),
                        file,
                        content_type,
                        &caller.id,
                        now,
                    ));
                }
                Err(message) => issues.push(FieldIssue {
                    field: format!("material.{}", file.material),
                    code: "MATERIAL_REJECTED".into(),
                    message,
                }),
            }
        }
        // A person's report stays about the applicant: a correction may not name anyone else.
        if let Some(one_thing) = state
            .catalog
            .one_thing(&case.one_thing)
            .filter(|one_thing| one_thing.report_is_about_the_applicant())
        {
            let mut form: BTreeMap<String, String> = case
                .form
                .iter()
                .map(|(element, value)| (element.clone(), value.value.clone()))
                .collect();
            form.extend(
                answer
                    .corrections
                    .iter()
                    .map(|(element, value)| (element.clone(), value.clone())),
            );
            issues.extend(super::submit::report_subject_issue(
                one_thing,
                &form,
                caller.id_number.as_deref(),
            ));
        }
        let outcome = match case.answer_supplement_with(
            &state.catalog,
            &state.calendar(),
            &actor,
            &answer.corrections,
            &handed_in,
            &answer.note,
            now,
        ) {
            Ok(outcome) if issues.is_empty() => outcome,
            Ok(_) => return Err(AppError::Invalid(issues)),
            Err(cases::CaseError::Form(mut form_issues)) => {
                // A rejected file is said once, not also as missing.
                form_issues.retain(|i| !issues.iter().any(|r| r.field == i.field));
                form_issues.extend(issues);
                return Err(AppError::Invalid(form_issues));
            }
            Err(error) => return Err(ApiError::from(error).into()),
        };
        let notices = crate::watch::notices_for(&state.catalog, &outcome.case, &outcome.events, now);
        match state
            .store
            .update_case_with_uploads(&outcome.case, versioned.version, &outcome.events, &notices, &uploads)
            .await?
        {
            Updated::Written(_) => {
                crate::watch::deliver(state, &notices);
                tracing::info!(case = %outcome.case.id, files = uploads.len(), "supplement answered");
                return Ok(outcome.case);
            }
            Updated::Conflict => tokio::task::yield_now().await,
        }
    }
    Err(ApiError::concurrent_update().into())
}
