//! Reading a case: who may, which of its data elements they are shown, and the
//! access entry every read leaves (the person whose case it is sees it in
//! 谁查看了我的数据).

use std::collections::BTreeSet;

use cases::Case;
use domain::Account;

use super::access;
use crate::AppState;
use crate::error::ApiError;

/// The data elements of `case` that `caller` is shown: staff those their
/// department's items use or produce, everyone else who may see the case all of
/// them (masked by [`super::masking`] where the role calls for it).
pub fn visible_elements<'a>(state: &AppState, caller: &Account, case: &'a Case) -> BTreeSet<&'a str> {
    let department_fields: Option<BTreeSet<&str>> = access::staff_department(caller).map(|department| {
        case.tasks_of_department(department)
            .filter_map(|t| state.catalog.items.get(&t.item))
            .flat_map(|item| item.fields.iter().chain(item.outputs.elements.iter()))
            .map(String::as_str)
            .collect()
    });
    case.form
        .keys()
        .map(String::as_str)
        .filter(|element| department_fields.as_ref().is_none_or(|fields| fields.contains(element)))
        .collect()
}

/// Reads case `id` as `caller`: anyone who may not see it is told it does not
/// exist; the read is recorded with the elements shown and the reader's purpose.
pub async fn read(state: &AppState, caller: &Account, id: &str) -> Result<Case, ApiError> {
    let case = access::visible_case(state, caller, id).await?.case;
    let elements: Vec<&str> = visible_elements(state, caller, &case).into_iter().collect();
    crate::audit(
        state,
        caller,
        "read_case",
        Some(case.id.as_str()),
        elements.join(","),
        access::purpose(caller),
    )
    .await?;
    Ok(case)
}
