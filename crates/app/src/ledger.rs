//! Signed checkpoints of the ledger (C2SP tlog-checkpoint): published periodically
//! by the server, on demand by an administrator, and when a person opens
//! “谁查看了我的数据” and the latest one is behind.

use store::StoredCheckpoint;

use crate::AppState;
use crate::error::ApiError;

pub fn no_ledger_key() -> ApiError {
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

/// The latest signed checkpoint, publishing the first one if none is yet.
pub async fn latest_checkpoint(state: &AppState) -> Result<StoredCheckpoint, ApiError> {
    match state.store.latest_checkpoint().await? {
        Some(latest) => Ok(latest),
        None => publish_checkpoint(state)
            .await?
            .ok_or_else(|| ApiError::new("E_LEDGER_EMPTY", "账本还没有记录")),
    }
}

fn range_error(error: store::StoreError) -> ApiError {
    match error {
        store::StoreError::Ledger(message) => {
            ApiError::new("E_LEDGER_RANGE", format!("请求的位置或大小超出账本：{message}"))
        }
        other => ApiError::internal(other),
    }
}

/// An inclusion proof of entry `index` in the tree of `size` entries, with that
/// tree's root. Public: hashes name nobody.
pub async fn inclusion_proof(
    state: &AppState,
    index: u64,
    size: u64,
) -> Result<(::ledger::Hash, Vec<::ledger::Hash>), ApiError> {
    let proof = state
        .store
        .ledger_inclusion_proof(index, size)
        .await
        .map_err(range_error)?;
    let root = state.store.ledger_root_at(size).await.map_err(range_error)?;
    Ok((root, proof))
}

/// A consistency proof between the trees of `old` and `new` entries, with both
/// roots. Public.
pub async fn consistency_proof(
    state: &AppState,
    old: u64,
    new: u64,
) -> Result<(::ledger::Hash, ::ledger::Hash, Vec<::ledger::Hash>), ApiError> {
    let proof = state
        .store
        .ledger_consistency_proof(old, new)
        .await
        .map_err(range_error)?;
    let old_root = state.store.ledger_root_at(old).await.map_err(range_error)?;
    let new_root = state.store.ledger_root_at(new).await.map_err(range_error)?;
    Ok((old_root, new_root, proof))
}

/// Whether `reader` may read an entry: its subject, staff of the department that
/// made it, or an admin or auditor.
pub fn may_read(reader: &domain::Account, entry: &::ledger::LedgerEntry) -> bool {
    use domain::Role;
    match reader.role {
        Role::Admin | Role::Auditor => true,
        Role::Applicant => entry.subject.as_deref() == Some(reader.id.as_str()),
        Role::Service => false,
        Role::Staff => entry.department.is_some() && entry.department == reader.department,
    }
}

/// One ledger entry as stored: its index, leaf hash and canonical bytes.
pub struct Entry {
    pub index: u64,
    pub leaf_hash: ::ledger::Hash,
    pub bytes: Vec<u8>,
}

/// Entry `index` if `reader` may read it ([`may_read`]); otherwise, or when there
/// is none, the same “not found”, so that the answer does not tell which.
pub async fn entry(state: &AppState, reader: &domain::Account, index: &str) -> Result<Entry, ApiError> {
    let not_found = || ApiError::new("E_LEDGER_ENTRY_NOT_FOUND", "没有这条记录，或无权查看");
    let index: u64 = index.parse().map_err(|_| not_found())?;
    let row = state.store.ledger_row(index).await?.ok_or_else(not_found)?;
    let entry = ::ledger::LedgerEntry::from_canonical_bytes(&row.entry).map_err(ApiError::internal)?;
    if !may_read(reader, &entry) {
        return Err(not_found());
    }
    Ok(Entry {
        index: row.index,
        leaf_hash: row.leaf_hash,
        bytes: row.entry,
    })
}
