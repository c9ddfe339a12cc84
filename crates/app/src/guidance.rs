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

/// Reads a description (自然语言办理) and proposes the one-thing, situation answers
/// and form values, each with the clause it came from. Nothing is stored or used:
/// the applicant confirms each proposal ([`confirm`]) before it goes anywhere.
/// `one_thing` forces the one-thing when the applicant chose another.
pub fn intake(state: &AppState, description: &str, one_thing: Option<&str>) -> Result<guide::Proposal, ApiError> {
    if let Some(id) = one_thing {
        crate::plan::find_one_thing(state, id)?;
    }
    let today = cases::china_date(state.now());
    guide::intake::propose(&state.catalog, &state.search_index, description, one_thing, today)
        .map_err(|error| refused(error, "description"))
}

/// What the applicant confirmed of a proposal, checked against the catalog: answers
/// only to the one-thing's questions with their options, values only for elements
/// its items ask for, each valid for its element. Issues name every field at once.
pub struct Confirmed {
    pub answers: catalog::Answers,
    pub form: std::collections::BTreeMap<String, String>,
}

pub fn confirm(
    state: &AppState,
    one_thing: &str,
    answers: &catalog::Answers,
    fields: &std::collections::BTreeMap<String, String>,
) -> Result<Confirmed, crate::AppError> {
    let one = crate::plan::find_one_thing(state, one_thing).map_err(crate::AppError::Refused)?;
    let today = cases::china_date(state.now());
    let wanted: std::collections::BTreeSet<&String> = one
        .members
        .iter()
        .filter_map(|member| state.catalog.items.get(&member.item))
        .flat_map(|item| item.fields.iter())
        .collect();
    let mut issues = Vec::new();
    let mut confirmed_answers = catalog::Answers::new();
    for (question, value) in answers {
        match one.question(question) {
            Some(q) if q.option(value).is_some() => {
                confirmed_answers.insert(question.clone(), value.clone());
            }
            Some(q) => issues.push(cases::FieldIssue {
                field: format!("answers.{question}"),
                code: "ANSWER_INVALID_OPTION".to_owned(),
                message: format!("问题“{}”没有这个选项", q.text),
            }),
            None => issues.push(cases::FieldIssue {
                field: format!("answers.{}", crate::plan::shorten(question)),
                code: "ANSWER_UNKNOWN_QUESTION".to_owned(),
                message: "没有这个情形问题".to_owned(),
            }),
        }
    }
    let mut form = std::collections::BTreeMap::new();
    for (element, raw) in fields {
        let Some(data_element) = state.catalog.elements.get(element).filter(|_| wanted.contains(element)) else {
            issues.push(cases::FieldIssue {
                field: crate::plan::shorten(element),
                code: "FIELD_UNKNOWN".to_owned(),
                message: "这件事的表单没有这一项".to_owned(),
            });
            continue;
        };
        match data_element.validate(raw, today) {
            Ok(value) => {
                form.insert(element.clone(), value);
            }
            Err(error) => issues.push(cases::FieldIssue {
                field: element.clone(),
                code: error.code,
                message: error.message,
            }),
        }
    }
    if issues.is_empty() {
        Ok(Confirmed {
            answers: one.relevant_answers(&confirmed_answers),
            form,
        })
    } else {
        Err(crate::AppError::Invalid(issues))
    }
}
