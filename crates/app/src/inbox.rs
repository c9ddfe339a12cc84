//! The messages a person, a department or the supervisors receive (消息): what
//! changed in a case, what to do next, deadlines coming and passed.

use domain::{Account, Notification};

use crate::AppState;
use crate::error::ApiError;

/// Most messages returned, newest first.
pub const LIMIT: i64 = 100;

/// The messages of `caller` (their own, their department's, their role's), newest
/// first, and how many are unread.
pub async fn messages(state: &AppState, caller: &Account) -> Result<(Vec<Notification>, i64), ApiError> {
    let recipients = crate::watch::recipients_of(caller);
    let messages = state.store.notifications_for(&recipients, LIMIT).await?;
    let unread = state.store.unread_count(&recipients).await?;
    Ok((messages, unread))
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
