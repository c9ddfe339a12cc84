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

/// 请求的数据项（最多 50 个）
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes `SharedReadRequest` of crate app, which the body is read into.
struct SharedDataRequest {
    elements: Vec<String>,
}

/// 可用不可见核验：check 为本事项声明的核验之一
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Describes `QuestionRequest` of crate app, which the body is read into.
struct SharedQuestion {
    #[schema(example = "applicant_adult")]
    check: String,
}

/// 核验结果：case_id、check、question（问题）、answer（是或否）、sources
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(value_type = Object)]
pub struct SharedAnswer(Answer);

/// `POST /api/v1/cases/{id}/tasks/{item}/shared-data`: a department reads the
/// elements its item needs, for a case it holds a task of, within the consent.
#[utoipa::path(
    post,
    path = "/cases/{id}/tasks/{item}/shared-data",
    tag = "sharing",
    summary = "部门在办件授权范围内调用本事项所需的共享数据（E_NO_CONSENT, E_ELEMENT_NOT_NEEDED）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号"), ("item" = String, Path, description = "事项编码")),
    request_body = SharedDataRequest,
    responses(
        (status = 200, description = "数据项的值与来源", body = Object),
        (status = 401), (status = 403), (status = 404), (status = 422)
    )
)]
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
#[utoipa::path(
    post,
    path = "/cases/{id}/tasks/{item}/shared-question",
    tag = "sharing",
    summary = "可用不可见：从本事项声明的核验中选一个（check），每个办件只核验一次，只返回是或否；自由表达式一律拒绝并记录（E_CHECK_NOT_DECLARED、E_CHECK_ALREADY_ASKED、E_NO_CONSENT）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号"), ("item" = String, Path, description = "事项编码")),
    request_body = SharedQuestion,
    responses(
        (status = 200, description = "答案", body = SharedAnswer),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
pub async fn ask_question(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
    ApiJson(request): ApiJson<QuestionRequest>,
) -> Result<Json<SharedAnswer>, ApiError> {
    Ok(Json(SharedAnswer(
        sharing::ask_question(&state, &user.0, &id, &item, request).await?,
    )))
}

/// `GET /api/v1/cases/{id}/tasks/{item}/shared-checks`: the checks the item declares,
/// each with its answer if it was asked for this case.
#[utoipa::path(
    get,
    path = "/cases/{id}/tasks/{item}/shared-checks",
    tag = "sharing",
    summary = "本事项声明的可用不可见核验，及本办件已核验的结果",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "办件编号"), ("item" = String, Path, description = "事项编码")),
    responses((status = 200, description = "核验列表", body = Object), (status = 401), (status = 403), (status = 404))
)]
pub async fn list_checks(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, item)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(sharing::list_checks(&state, &user.0, &id, &item).await?))
}
