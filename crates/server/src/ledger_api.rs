//! The ledger at the HTTP edge: signed checkpoints published periodically and on
//! demand, the public proof endpoints, and entries for those entitled to see them.
//!
//! Hashes and checkpoints are public (anyone may check the log grows append-only);
//! an entry names who looked at whose data, so it is shown only to its subject, to
//! staff of the department that made it, and to admins.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::Role;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::app;
use crate::auth::CurrentUser;
use crate::error::ApiError;

type Shared = State<Arc<AppState>>;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::default()
        .routes(routes!(latest_checkpoint))
        .routes(routes!(publish_now))
        .routes(routes!(verifier_key))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        .routes(routes!(entry))
}

#[utoipa::path(
    get,
    path = "/ledger/checkpoint",
    tag = "ledger",
    summary = "最新的账本检查点（C2SP tlog-checkpoint，signed-note，Ed25519）",
    responses((status = 200, description = "检查点原文", body = String, content_type = "text/plain"), (status = 404))
)]
async fn latest_checkpoint(State(state): Shared) -> Result<Response, ApiError> {
    let latest = app::ledger::latest_checkpoint(&state).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], latest.note).into_response())
}

/// 发布的检查点
#[derive(Serialize, ToSchema)]
struct Published {
    /// 检查点原文；账本为空时为 null
    checkpoint: Option<String>,
}

#[utoipa::path(
    post,
    path = "/ledger/checkpoints",
    tag = "ledger",
    summary = "立即发布检查点（管理员）",
    security(("bearer" = [])),
    responses((status = 200, description = "检查点", body = Published), (status = 401), (status = 403))
)]
async fn publish_now(State(state): Shared, user: CurrentUser) -> Result<Json<Published>, ApiError> {
    if user.0.role != Role::Admin {
        return Err(ApiError::forbidden("只有管理员可以发布检查点"));
    }
    let checkpoint = app::ledger::publish_checkpoint(&state).await?;
    Ok(Json(Published {
        checkpoint: checkpoint.map(|c| c.note),
    }))
}

#[utoipa::path(
    get,
    path = "/ledger/verifier-key",
    tag = "ledger",
    summary = "检查点验证公钥（C2SP vkey）",
    responses((status = 200, description = "公钥", body = String, content_type = "text/plain"), (status = 503))
)]
async fn verifier_key(State(state): Shared) -> Result<Response, ApiError> {
    let Some(signer) = &state.ledger_signer else {
        return Err(app::ledger::no_ledger_key());
    };
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", signer.verifier()),
    )
        .into_response())
}

fn number(query: &BTreeMap<String, String>, name: &str) -> Result<u64, ApiError> {
    query
        .get(name)
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::new("E_QUERY_INVALID", format!("参数 {name} 应为非负整数")).field(name))
}

/// 包含证明（哈希为 base64）
#[derive(Serialize, ToSchema)]
struct InclusionProof {
    index: u64,
    size: u64,
    root: String,
    proof: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/ledger/proof/inclusion",
    tag = "ledger",
    summary = "包含证明（RFC 9162）",
    params(
        ("index" = u64, Query, description = "条目序号"),
        ("size" = u64, Query, description = "树的大小")
    ),
    responses((status = 200, description = "证明", body = InclusionProof), (status = 400), (status = 422))
)]
async fn inclusion(
    State(state): Shared,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<InclusionProof>, ApiError> {
    let index = number(&query, "index")?;
    let size = number(&query, "size")?;
    let (root, proof) = app::ledger::inclusion_proof(&state, index, size).await?;
    Ok(Json(InclusionProof {
        index,
        size,
        root: root.to_base64(),
        proof: proof.iter().map(ledger::Hash::to_base64).collect(),
    }))
}

/// 一致性证明（哈希为 base64）
#[derive(Serialize, ToSchema)]
struct ConsistencyProof {
    old: u64,
    new: u64,
    old_root: String,
    new_root: String,
    proof: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/ledger/proof/consistency",
    tag = "ledger",
    summary = "一致性证明（RFC 9162）",
    params(
        ("old" = u64, Query, description = "旧树的大小"),
        ("new" = u64, Query, description = "新树的大小")
    ),
    responses((status = 200, description = "证明", body = ConsistencyProof), (status = 400), (status = 422))
)]
async fn consistency(
    State(state): Shared,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let old = number(&query, "old")?;
    let new = number(&query, "new")?;
    let (old_root, new_root, proof) = app::ledger::consistency_proof(&state, old, new).await?;
    Ok(Json(ConsistencyProof {
        old,
        new,
        old_root: old_root.to_base64(),
        new_root: new_root.to_base64(),
        proof: proof.iter().map(ledger::Hash::to_base64).collect(),
    }))
}

/// 账本条目
#[derive(Serialize, ToSchema)]
struct Entry {
    index: u64,
    /// 叶哈希（base64）
    leaf_hash: String,
    /// 条目原文（base64），叶哈希据此计算
    entry_base64: String,
    /// 条目内容（JSON）；原文不是 JSON 时为 null
    #[schema(value_type = Object)]
    entry: Value,
}

#[utoipa::path(
    get,
    path = "/ledger/entries/{index}",
    tag = "ledger",
    summary = "账本条目（本人、办理部门或管理员可见）",
    security(("bearer" = [])),
    params(("index" = String, Path, description = "条目序号，从 0 开始")),
    responses((status = 200, description = "条目", body = Entry), (status = 401), (status = 404))
)]
async fn entry(State(state): Shared, user: CurrentUser, Path(index): Path<String>) -> Result<Json<Entry>, ApiError> {
    let row = app::ledger::entry(&state, &user.0, &index).await?;
    Ok(Json(Entry {
        index: row.index,
        leaf_hash: row.leaf_hash.to_base64(),
        entry_base64: base64_encode(&row.bytes),
        entry: serde_json::from_slice::<Value>(&row.bytes).unwrap_or(Value::Null),
    }))
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
