//! The ledger at the HTTP edge: signed checkpoints published periodically and on
//! demand, the public proof endpoints, and entries for those entitled to see them.
//!
//! Hashes and checkpoints are public (anyone may check the log grows append-only);
//! an entry names who looked at whose data, so it is shown only to its subject, to
//! staff of the department that made it, and to admins.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::Role;
use serde_json::{Value, json};

use crate::AppState;
use crate::app;
use crate::auth::CurrentUser;
use crate::error::ApiError;

type Shared = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ledger/checkpoint", get(latest_checkpoint))
        .route("/ledger/checkpoints", post(publish_now))
        .route("/ledger/verifier-key", get(verifier_key))
        .route("/ledger/proof/inclusion", get(inclusion))
        .route("/ledger/proof/consistency", get(consistency))
        .route("/ledger/entries/{index}", get(entry))
}

async fn latest_checkpoint(State(state): Shared) -> Result<Response, ApiError> {
    let latest = app::ledger::latest_checkpoint(&state).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], latest.note).into_response())
}

async fn publish_now(State(state): Shared, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    if user.0.role != Role::Admin {
        return Err(ApiError::forbidden("只有管理员可以发布检查点"));
    }
    let checkpoint = app::ledger::publish_checkpoint(&state).await?;
    Ok(Json(json!({ "checkpoint": checkpoint.map(|c| c.note) })))
}

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

async fn inclusion(
    State(state): Shared,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let index = number(&query, "index")?;
    let size = number(&query, "size")?;
    let (root, proof) = app::ledger::inclusion_proof(&state, index, size).await?;
    Ok(Json(json!({
        "index": index, "size": size, "root": root.to_base64(),
        "proof": proof.iter().map(ledger::Hash::to_base64).collect::<Vec<_>>(),
    })))
}

async fn consistency(
    State(state): Shared,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let old = number(&query, "old")?;
    let new = number(&query, "new")?;
    let (old_root, new_root, proof) = app::ledger::consistency_proof(&state, old, new).await?;
    Ok(Json(json!({
        "old": old, "new": new,
        "old_root": old_root.to_base64(),
        "new_root": new_root.to_base64(),
        "proof": proof.iter().map(ledger::Hash::to_base64).collect::<Vec<_>>(),
    })))
}

async fn entry(State(state): Shared, user: CurrentUser, Path(index): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = app::ledger::entry(&state, &user.0, &index).await?;
    Ok(Json(json!({
        "index": row.index,
        "leaf_hash": row.leaf_hash.to_base64(),
        "entry_base64": base64_encode(&row.bytes),
        "entry": serde_json::from_slice::<Value>(&row.bytes).unwrap_or(Value::Null),
    })))
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
