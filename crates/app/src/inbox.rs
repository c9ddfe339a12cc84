//! The messages a person, a department or the supervisors receive (消息): what
//! changed in a case, what to do next, deadlines coming and passed.

use domain::{Account, Notification};

use crate::AppState;
use crate::error::ApiError;

/// The messages of `caller` (their own, their department's, their role's), newest
/// first, one page of at most `limit` after `cursor` (the previous page's `next`),
/// and how many are unread.
pub async fn messages(
    state: &AppState,
    caller: &Account,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(crate::Page<Notification>, i64), ApiError> {
    let before = cursor
        .map(crate::page::index_cursor)
        .transpose()?
        .map(|id| i64::try_from(id).unwrap_or(i64::MAX));
    let limit = crate::page::limit(limit);
    let recipients = crate::watch::recipients_of(caller);
    let messages = state.store.notifications_before(&recipients, before, limit + 1).await?;
    let unread = state.store.unread_count(&recipients).await?;
    let page = crate::Page::of(messages, limit, |message| {
        crate::page::index_cursor_of(u64::try_from(message.id).unwrap_or(0))
    });
    Ok((page, unread))
}

/// Marks every message of `caller` read.
pub async fn mark_read(state: &AppState, caller: &Account) -> Result<(), ApiError> {
    let recipients = crate::watch::recipients_of(caller);
    state.store.mark_read(&recipients, state.now()).await?;
    Ok(())
}

/// How many messages of `account` are unread, for the page header's badge (0 when
/// the store cannot tell: the badge is not worth failing a page for).
pub async fn unread(state: &AppState, account: &Account) -> i64 {
    let recipients = crate::watch::recipients_of(account);
    state.store.unread_count(&recipients).await.unwrap_or(0)
}
