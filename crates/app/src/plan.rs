//! The 一次告知 of a one-thing: which items apply, which materials and fields are
//! needed, and by when, for the applicant's answers and what they hold.

use catalog::{Answers, Holdings};
use chrono::NaiveDate;

use crate::AppState;
use crate::error::ApiError;

/// A user-given name shortened for an error message.
pub(crate) fn shorten(text: &str) -> String {
    text.chars().take(64).collect()
}

/// The one-thing `id`, or `E_ONE_THING_NOT_FOUND`.
pub fn find_one_thing<'a>(state: &'a AppState, id: &str) -> Result<&'a catalog::OneThing, ApiError> {
    state.catalog.one_thing(id).ok_or_else(|| {
        ApiError::new("E_ONE_THING_NOT_FOUND", format!("没有找到一件事“{}”", shorten(id))).field("one_thing")
    })
}

/// The plan for `answers` from `start`; invalid answers are `E_ANSWER_INVALID`
/// with one detail per question.
pub fn plan_for(
    state: &AppState,
    one_thing: &catalog::OneThing,
    answers: &Answers,
    holdings: &Holdings,
    start: NaiveDate,
) -> Result<catalog::Plan, ApiError> {
    catalog::compute_plan(&state.catalog, one_thing, answers, holdings, start, &state.calendar()).map_err(|error| {
        match error {
            catalog::PlanError::Answers(ref errors) => {
                let details: Vec<cases::FieldIssue> = errors
                    .iter()
                    .map(|e| cases::FieldIssue {
                        field: format!("answers.{}", shorten(e.question())),
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    })
                    .collect();
                let mut api = ApiError::new("E_ANSWER_INVALID", error.to_string());
                api.field = details.first().map(|d| d.field.clone());
                api.details = details;
                api
            }
            catalog::PlanError::Calendar(message) => ApiError::new("E_CALENDAR_NO_DATA", message).field("start_date"),
            catalog::PlanError::Condition(message) => ApiError::internal(message),
        }
    })
}

/// A complete, valid example application for the one-thing `id`, as of today: the
/// answers under which the most items apply, a value for every field to type, the
/// materials to upload and the commitments to accept.
pub fn example(state: &AppState, id: &str) -> Result<catalog::example::Example, ApiError> {
    let one_thing = find_one_thing(state, id)?;
    let today = cases::china_date(state.now());
    let plan = catalog::example::fullest_plan(&state.catalog, one_thing, today, &state.calendar())
        .map_err(|error| ApiError::new("E_CALENDAR_NO_DATA", error.to_string()))?;
    Ok(catalog::example::example(&state.catalog, &plan, today))
}

/// The groups of one-things (一类事), in id order.
pub fn groups(state: &AppState) -> Vec<&catalog::Group> {
    state.catalog.groups.values().collect()
}

/// The group `id` taken together as of today: its members, what they share and the
/// combined 四减; `E_GROUP_NOT_FOUND` when there is none.
pub fn group(state: &AppState, id: &str) -> Result<catalog::GroupPlan, ApiError> {
    let group = state
        .catalog
        .group(id)
        .ok_or_else(|| ApiError::new("E_GROUP_NOT_FOUND", format!("没有找到一类事“{}”", shorten(id))))?;
    let today = cases::china_date(state.now());
    catalog::group_plan(&state.catalog, group, today, &state.calendar())
        .map_err(|error| ApiError::new("E_CALENDAR_NO_DATA", error.to_string()))
}
