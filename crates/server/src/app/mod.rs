//! The application layer: each use case written once, for both front doors (the
//! JSON API and the pages). A use case takes the caller and typed input, decides
//! access, validates, commits and notifies; the front doors only parse requests and
//! render what it returns.
//!
//! Moving the use cases out of the handlers (issue 14) is under way: submitting,
//! answering a supplement and acting on a task live here, with the access rule and
//! the commit of an engine outcome; the others still live in their handlers.

pub mod access;
pub mod case;
pub mod certificates;
pub mod dashboards;
pub mod data_log;
pub mod drafts;
pub mod files;
pub mod inbox;
pub mod ledger;
pub mod masking;
pub mod plan;
pub mod ratings;
pub mod rectifications;
pub mod submit;
pub mod supplement;
pub mod tasks;

pub use submit::{Submission, Submitted, WalkIn};

use cases::FieldIssue;

use crate::error::ApiError;

/// Why a use case did not do what was asked.
#[derive(Debug)]
pub enum AppError {
    /// What the person must fix, every issue at once, in form order: fields by data
    /// element id, `material.<id>` for materials and commitments, `applicant.name`
    /// and `applicant.id_number` for the person at the window.
    Invalid(Vec<FieldIssue>),
    /// Anything else: access, something unknown, a conflict, the store.
    Refused(ApiError),
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

impl From<store::StoreError> for AppError {
    fn from(error: store::StoreError) -> Self {
        Self::Refused(error.into())
    }
}

impl From<AppError> for ApiError {
    /// Invalid input is `E_FORM_INVALID` (422) with every issue in `details`.
    fn from(error: AppError) -> Self {
        match error {
            AppError::Refused(error) => error,
            AppError::Invalid(issues) => {
                let mut error = ApiError::from(cases::CaseError::Form(issues));
                error.field = error.details.first().map(|d| d.field.clone());
                error
            }
        }
    }
}
