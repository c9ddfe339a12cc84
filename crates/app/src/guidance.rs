//! Guidance (智能导办): search that understands what people type, questions answered
//! from the catalog, and a description turned into a proposed application. The core
//! is crate `guide`; here its refusals become error-table codes, and what it cannot
//! answer is routed to the one window's contact.

use crate::AppState;
use crate::error::ApiError;

/// Who answers when the catalog cannot: the contact of the one window (综合窗口),
/// or of the first department that gives one.
pub fn one_window_contact(state: &AppState) -> String {
    let departments = &state.catalog.departments;
    departments
        .get("ZW")
        .and_then(|d| d.contact.clone())
        .or_else(|| departments.values().find_map(|d| d.contact.clone()))
        .unwrap_or_else(|| "政务服务中心综合窗口".to_owned())
}

fn refused(error: guide::QueryError, field: &str) -> ApiError {
    ApiError::new(error.code(), error.to_string()).field(field)
}

/// Ranks the one-things and items for what a person typed, with the reason each
/// matched; `found` is false (and the lists empty) when nothing matches confidently.
pub fn search(state: &AppState, query: &str) -> Result<guide::SearchResult, ApiError> {
    state.search_index.search(query).map_err(|error| refused(error, "q"))
}

/// Answers a question about a one-thing (given by id, or found in the question) from
/// the catalog: materials, time with promised dates from today under the calendar in
/// force, visits, place; what the catalog does not hold is routed to the one window.
pub fn ask(state: &AppState, question: &str, one_thing: Option<&str>) -> Result<guide::Reply, ApiError> {
    if let Some(id) = one_thing {
        crate::plan::find_one_thing(state, id)?;
    }
    let calendar = state.calendar();
    let contact = one_window_contact(state);
    let context = guide::answer::Context {
        catalog: &state.catalog,
        index: &state.search_index,
        calendar: &calendar,
        today: cases::china_date(state.now()),
        contact: &contact,
    };
    guide::answer::ask(&context, question, one_thing).map_err(|error| refused(error, "q"))
}
