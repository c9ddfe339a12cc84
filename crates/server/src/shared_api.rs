//! The API's door to shared data for departments (共享数据): reading the elements an
//! item needs and asking its declared yes/no checks. The rules are in
//! [`app::sharing`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson};
use app::sharing::{self, Answer, QuestionRequest, SharedReadRequest};

/// `POST /api/v1/cases/{id}/tasks/{item}/shared-data`: a department reads the
/// elements its item needs, for a case it holds a task of, within the consent.
pub async fn read_shared(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
    ApiJson(request): ApiJson<SharedReadRequest>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(sharing::read_shared(&state, &user.0, &id, &item, request).await?))
}

/// `POST /api/v1/cases/{id}/tasks/{item}/shared-question`: 可用不可见. The department
/// names one of the checks its item declares and gets only true or false, once per
/// case; the question and the answer go to the ledger.
pub async fn ask_question(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
    ApiJson(request): ApiJson<QuestionRequest>,
) -> Result<Json<Answer>, ApiError> {
    Ok(Json(sharing::ask_question(&state, &user.0, &id, &item, request).await?))
}

/// `GET /api/v1/cases/{id}/tasks/{item}/shared-checks`: the checks the item declares,
/// each with its answer if it was asked for this case.
pub async fn list_checks(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(sharing::list_checks(&state, &user.0, &id, &item).await?))
}
