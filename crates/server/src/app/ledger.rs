//! Signed checkpoints of the ledger (C2SP tlog-checkpoint): published periodically
//! by the server, on demand by an administrator, and when a person opens
//! “谁查看了我的数据” and the latest one is behind.

use store::StoredCheckpoint;

use crate::AppState;
use crate::error::ApiError;

pub(crate) fn no_ledger_key() -> ApiError {
    ApiError::new("E_LEDGER_UNSIGNED", "本服务未配置账本签名密钥")
}

/// Why a checkpoint was not signed.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{0}")]
    Store(#[from] store::StoreError),
    /// The head does not extend the latest checkpoint: the ledger may have been
    /// truncated or rewritten, and signing it would launder that.
    #[error("{0}")]
    Refused(String),
    #[error("签名失败：{0}")]
    Sign(String),
}

/// Signs and stores a checkpoint of the current head, after checking with a
/// consistency proof that the head extends the latest checkpoint. Returns the
/// latest checkpoint unchanged when the head has not grown. Shared by the server's
/// periodic publication and `onething ledger checkpoint`.
pub async fn sign_checkpoint(
    store: &dyn store::Store,
    signer: &ledger::SignerKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<StoredCheckpoint, CheckpointError> {
    let (size, root) = store.ledger_head().await?;
    if let Some(latest) = store.latest_checkpoint().await? {
        if latest.size > size {
            return Err(CheckpointError::Refused(format!(
                "账本头只有 {size} 条，少于最新检查点的 {} 条：账本可能被截断，拒绝签署",
                latest.size
            )));
        }
        let proof = store.ledger_consistency_proof(latest.size, size).await?;
        ledger::verify_consistency(latest.size, size, &latest.root, &root, &proof).map_err(|error| {
            CheckpointError::Refused(format!(
                "当前账本与最新检查点（{} 条）不一致，拒绝签署：{error}",
                latest.size
            ))
        })?;
        if latest.size == size {
            return Ok(latest);
        }
    }
    let note = ledger::sign_checkpoint(signer, signer.name(), size, &root)
        .map_err(|error| CheckpointError::Sign(error.to_string()))?;
    let checkpoint = StoredCheckpoint {
        size,
        root,
        note,
        signed_at: now,
    };
    store.put_checkpoint(&checkpoint).await?;
    // Another node may have stored this size first; that one is kept.
    Ok(store.checkpoint_at(size).await?.unwrap_or(checkpoint))
}

/// Publishes a checkpoint of the current head if the ledger has grown. Called
/// periodically by the server and on demand.
pub async fn publish_checkpoint(state: &AppState) -> Result<Option<StoredCheckpoint>, ApiError> {
    let Some(signer) = &state.ledger_signer else {
        return Err(no_ledger_key());
    };
    if state.store.ledger_head().await?.0 == 0 {
        return Ok(None);
    }
    match sign_checkpoint(state.store.as_ref(), signer, state.now()).await {
        Ok(checkpoint) => Ok(Some(checkpoint)),
        Err(CheckpointError::Store(error)) => Err(error.into()),
        Err(error) => {
            tracing::error!(%error, "checkpoint refused");
            Err(ApiError::new("E_LEDGER_INCONSISTENT", error.to_string()))
        }
    }
}
