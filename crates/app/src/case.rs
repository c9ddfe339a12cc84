//! Reading a case: who may, which of its data elements they are shown, and the
//! access entry every read leaves (the person whose case it is sees it in
//! 谁查看了我的数据).

use std::collections::BTreeSet;

use cases::Case;
use domain::{Account, Role};

use super::access;
use crate::AppState;
use crate::error::ApiError;

/// The data elements of `case` that `caller` is shown: staff those their
/// department's items use or produce, everyone else who may see the case all of
/// them (masked by [`super::masking`] where the role calls for it).
pub fn visible_elements<'a>(state: &AppState, caller: &Account, case: &'a Case) -> BTreeSet<&'a str> {
    let department_fields: Option<BTreeSet<&str>> = access::department_of(caller).map(|department| {
        let fields: BTreeSet<&str> = case
            .tasks_of_department(department)
            .filter_map(|t| state.catalog.items.get(&t.item))
            .flat_map(|item| item.fields.iter().chain(item.outputs.elements.iter()))
            .map(String::as_str)
            .collect();
        let changed = changes_of(state, case, &fields);
        fields.into_iter().chain(changed).collect()
    });
    case.form
        .keys()
        .map(String::as_str)
        .filter(|element| department_fields.as_ref().is_none_or(|fields| fields.contains(element)))
        .collect()
}

/// The 变更后 elements in `case` whose registered element is among `fields`: a
/// department that holds an enterprise's registered name is the one that must
/// learn its new name, whether or not its own item asks for the new value.
pub fn changes_of<'a>(state: &AppState, case: &'a Case, fields: &BTreeSet<&str>) -> Vec<&'a str> {
    case.form
        .keys()
        .filter(|element| {
            state
                .catalog
                .elements
                .get(element.as_str())
                .and_then(|e| e.changes.as_deref())
                .is_some_and(|registered| fields.contains(registered))
        })
        .map(String::as_str)
        .collect()
}

/// Reads case `id` as `caller`: anyone who may not see it is told it does not
/// exist; the read is recorded with the elements shown and the reader's purpose.
pub async fn read(state: &AppState, caller: &Account, id: &str) -> Result<Case, ApiError> {
    let case = access::visible_case(state, caller, id).await?.case;
    record_read(state, caller, &case).await?;
    Ok(case)
}

/// Records that `caller` was shown `case` (the elements [`visible_elements`] gives
/// them, with their purpose): for a page that loaded the case to act on it and
/// then shows it.
pub async fn record_read(state: &AppState, caller: &Account, case: &Case) -> Result<(), ApiError> {
    let elements: Vec<&str> = visible_elements(state, caller, case).into_iter().collect();
    let purpose = access::purpose(caller);
    crate::audit(
        state,
        caller,
        "read_case",
        Some(case.id.as_str()),
        elements.join(","),
        purpose,
    )
    .await?;
    Ok(())
}

/// What a list of cases is narrowed to: exact values only (there is no free-form
/// search over personal data; a case is found by its number).
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub one_thing: Option<String>,
    pub state: Option<String>,
    pub case_id: Option<String>,
}

/// The cases `caller` may list, newest first, one page of at most `limit` after
/// `cursor` (from the previous page's `next`): an applicant their own, supervisors
/// all; staff work from their department's queue instead. The listing is recorded.
pub async fn list(
    state: &AppState,
    caller: &Account,
    filter: &CaseFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<crate::Page<store::CaseSummary>, ApiError> {
    let applicant = match caller.role {
        Role::Applicant => Some(caller.id.clone()),
        Role::Admin | Role::Auditor => None,
        Role::Staff | Role::Service => {
            return Err(ApiError::forbidden("部门工作人员请通过部门待办队列查看办件"));
        }
    };
    let before = cursor.map(crate::page::case_cursor).transpose()?;
    let limit = crate::page::limit(limit);
    let case_id = crate::page::case_number(filter.case_id.as_deref())?;
    let query = store::CaseQuery {
        applicant,
        one_thing: filter.one_thing.clone().filter(|v| !v.is_empty()),
        state: filter.state.clone().filter(|v| !v.is_empty()),
        case_id,
        before,
        limit: limit + 1,
        ..Default::default()
    };
    let cases = state.store.find_cases(&query).await?;
    crate::audit(state, caller, "list_cases", None, String::new(), "查看办件列表").await?;
    Ok(crate::Page::of(cases, limit, |c| {
        crate::page::case_cursor_of(c.submitted_at, c.id.as_str())
    }))
}

/// The history of `case` as `caller` is shown it: staff only the events of their
/// department's tasks and the case's own. Part of a read of the case, which
/// records it ([`read`], [`history`]).
pub async fn events(state: &AppState, caller: &Account, case: &Case) -> Result<Vec<store::StoredEvent>, ApiError> {
    let mut events = state.store.case_events(&case.id).await?;
    if let Some(department) = access::department_of(caller) {
        events.retain(|e| e.event.department.as_deref().is_none_or(|d| d == department));
    }
    Ok(events)
}

/// Reads the history of case `id` (the API's `…/history`), recorded as a read.
pub async fn history(
    state: &AppState,
    caller: &Account,
    id: &str,
) -> Result<(Case, Vec<store::StoredEvent>), ApiError> {
    let case = access::visible_case(state, caller, id).await?.case;
    let events = events(state, caller, &case).await?;
    crate::audit(
        state,
        caller,
        "read_history",
        Some(case.id.as_str()),
        String::new(),
        access::purpose(caller),
    )
    .await?;
    Ok((case, events))
}
