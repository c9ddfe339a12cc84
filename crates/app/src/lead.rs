//! The lead department's watch over the one-things it leads (牵头督办): every open
//! case of them with each department's progress, and reminders (催办) to a
//! department whose task is late.

use cases::Case;
use domain::{Account, Role};

use crate::AppState;
use crate::error::ApiError;

/// The department `caller` works for and the one-things it leads; refused for
/// anyone else.
pub fn led_by(state: &AppState, caller: &Account) -> Result<(String, Vec<String>), ApiError> {
    let Some(department) = caller.department.clone().filter(|_| caller.role == Role::Staff) else {
        return Err(ApiError::forbidden("仅限部门工作人员"));
    };
    let led: Vec<String> = state
        .catalog
        .one_things
        .values()
        .filter(|o| o.lead == department)
        .map(|o| o.id.to_string())
        .collect();
    if led.is_empty() {
        return Err(ApiError::forbidden(
            "本部门不牵头任何一件事，只有牵头部门可以查看全部部门的进度",
        ));
    }
    Ok((department, led))
}

/// The open cases of the one-things `caller`'s department leads, with every
/// task's progress: newest first, one page of at most `limit` after `cursor` (the
/// previous page's `next`), however old the case. The reading is recorded.
pub async fn overview(
    state: &AppState,
    caller: &Account,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(String, Vec<String>, crate::Page<Case>), ApiError> {
    let (department, led) = led_by(state, caller)?;
    let before = cursor.map(crate::page::case_cursor).transpose()?;
    let limit = crate::page::limit(limit);
    let query = store::CaseQuery {
        one_things: led.clone(),
        open: true,
        before,
        limit: limit + 1,
        ..Default::default()
    };
    let summaries = state.store.find_cases(&query).await?;
    let mut open = Vec::with_capacity(summaries.len());
    for summary in &summaries {
        if let Some(versioned) = state.store.load_case(&summary.id).await? {
            open.push(versioned.case);
        }
    }
    crate::audit(state, caller, "read_lead_overview", None, String::new(), "牵头部门督办").await?;
    let page = crate::Page::of(open, limit, |case| {
        crate::page::case_cursor_of(case.submitted_at, case.id.as_str())
    });
    Ok((department, led, page))
}

/// Sends a reminder to the department of task `item` in case `id` of a one-thing
/// `caller`'s department leads.
pub async fn remind(state: &AppState, caller: &Account, id: &str, item: &str) -> Result<(), ApiError> {
    let (department, led) = led_by(state, caller)?;
    let (Ok(case_id), Ok(code)) = (cases::CaseId::parse(id), ids::ItemCode::parse(item)) else {
        return Err(ApiError::case_not_found());
    };
    let case = state
        .store
        .load_case(&case_id)
        .await?
        .map(|v| v.case)
        .filter(|case| led.contains(&case.one_thing))
        .ok_or_else(ApiError::case_not_found)?;
    let Some(task) = case.task(&code) else {
        return Err(ApiError::case_not_found());
    };
    let notice = domain::NewNotification {
        recipient: format!("dept:{}", task.department),
        kind: "reminder".into(),
        case_id: Some(case.id.to_string()),
        item: Some(task.item.to_string()),
        title: format!("牵头部门催办：{}", task.name),
        body: format!(
            "{}催办：办件 {} 的“{}”期限为 {}，请尽快办理。",
            state.catalog.department_name(&department),
            case.id,
            task.name,
            task.deadline.map(|d| d.to_string()).unwrap_or_default()
        ),
        created_at: state.now(),
    };
    state.store.notify(std::slice::from_ref(&notice)).await?;
    state.channel.deliver(&notice);
    Ok(())
}
