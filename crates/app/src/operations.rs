//! What operators watch (`/metrics`): cases stored since start, the ledger's size
//! and the age of its latest signed checkpoint. Numbers only: nothing here names a
//! person or a case.

use std::sync::atomic::AtomicU64;

use crate::AppState;
use crate::error::ApiError;

/// Cases stored by this process since it started (replays of an Idempotency-Key
/// not counted).
pub static SUBMITTED: AtomicU64 = AtomicU64::new(0);

/// The ledger and its checkpoints now.
#[derive(Clone, Copy, Debug, Default)]
pub struct LedgerStatus {
    /// Entries in the ledger.
    pub entries: u64,
    /// Entries covered by the latest signed checkpoint.
    pub checkpoint_size: u64,
    /// Seconds since the latest checkpoint was signed; `None` before the first.
    pub checkpoint_age_seconds: Option<i64>,
}

/// The ledger's status, read for an operator's scrape.
pub async fn ledger_status(state: &AppState) -> Result<LedgerStatus, ApiError> {
    let (entries, _) = state.store.ledger_head().await?;
    let latest = state.store.latest_checkpoint().await?;
    Ok(LedgerStatus {
        entries,
        checkpoint_size: latest.as_ref().map_or(0, |c| c.size),
        checkpoint_age_seconds: latest.map(|c| (state.now() - c.signed_at).num_seconds().max(0)),
    })
}
