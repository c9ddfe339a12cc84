//! E-certificate endpoints of `/api/v1`: the public keyring and verification
//! (no login), the holder's certificates, and revocation by the issuer.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use domain::Role;
use serde::Deserialize;
use serde_json::{Value, json};
use store::StoredCertificate;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::certify::{self, Checked};
use crate::error::{ApiError, ApiJson};

type Shared = State<Arc<AppState>>;

pub fn routes() -> axum::Router<Arc<AppState>> {
    axum::Router::new()
        .route("/issuer-keys", get(issuer_keys))
        .route("/certificates/verify", post(verify))
        .route("/certificates/{id}/status", get(status))
        .route("/certificates/{id}/file", get(file))
        .route("/certificates/{id}/revoke", post(revoke))
        .route("/me/certificates", get(mine))
        .route("/me/certificates/claim", post(claim))
}

/// The keyring of every issuer key, current and retired, for offline verification.
async fn issuer_keys(State(state): Shared) -> Result<Json<certs::Keyring>, ApiError> {
    Ok(Json(certify::keys(&state).await?.keyring.clone()))
}

fn summary(stored: &StoredCertificate, today: chrono::NaiveDate) -> Value {
    let status = certify::status(stored, today);
    json!({
        "id": stored.id,
        "type": stored.type_code,
        "number": stored.number,
        "issuer": stored.issuer_code,
        "issue_date": stored.issue_date,
        "valid_until": stored.valid_until,
        "status": status,
        "revoked_on": stored.revoked_on,
        "revoke_reason": stored.revoke_reason,
        "case_id": stored.case_id,
    })
}

fn checked_json(checked: &Checked) -> Value {
    match &checked.result {
        Ok(verified) => {
            let c = &verified.certificate;
            json!({
                "valid": true,
                "certificate": {
                    "id": c.id, "type": c.type_code, "type_name": c.type_name, "number": c.number,
                    "issuer_code": c.issuer_code, "issuer_name": c.issuer_name,
                    "issue_date": c.issue_date, "valid_from": c.valid_from, "valid_until": c.valid_until,
                },
                "key_id": verified.issuer.key_id,
                "algorithm": verified.issuer.public_key.algorithm,
            })
        }
        Err(error) => json!({
            "valid": false,
            "error": { "code": error.code(), "message": error.to_string() },
        }),
    }
}

/// Writes the verification to the access log and the ledger, about the holder.
async fn record(state: &AppState, checked: &Checked, how: &str) -> Result<(), ApiError> {
    let purpose = format!("{how}：{}", certify::outcome(checked));
    certify::record_access(
        state,
        None,
        "verify_certificate",
        checked.stored.as_ref(),
        purpose,
        "公开验证",
    )
    .await?;
    Ok(())
}

/// `POST /api/v1/certificates/verify`: the body is the certificate file. Always 200
/// with `valid` and, when not valid, the specific reason.
async fn verify(State(state): Shared, body: Bytes) -> Result<Json<Value>, ApiError> {
    let checked = certify::verify_bytes(&state, &body).await?;
    record(&state, &checked, "接口验证").await?;
    Ok(Json(checked_json(&checked)))
}

fn not_found() -> ApiError {
    ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这个电子证照")
}

async fn stored(state: &AppState, id: &str) -> Result<StoredCertificate, ApiError> {
    if id.len() > 200 {
        return Err(not_found());
    }
    state.store.certificate(id).await?.ok_or_else(not_found)
}

/// `GET /api/v1/certificates/{id}/status`: the issuer's current record, re-verified.
async fn status(State(state): Shared, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let found = stored(&state, &id).await?;
    let checked = certify::verify_bytes(&state, found.file.as_bytes()).await?;
    record(&state, &checked, "按标识查询状态").await?;
    let today = cases::china_date(state.now());
    let mut view = checked_json(&checked);
    view["status"] = summary(&found, today)["status"].clone();
    Ok(Json(view))
}

/// `GET /api/v1/certificates/{id}/file`: the signed file, for its holder or the
/// issuing department.
async fn file(State(state): Shared, user: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let found = stored(&state, &id).await?;
    let allowed = match user.0.role {
        Role::Applicant => user.0.id_number.as_deref() == Some(found.holder_id_number.as_str()),
        Role::Staff => {
            user.0.department.as_deref() == Some(found.issuer_code.as_str())
                || uses_in_case(&state, &user.0, &found).await?
        }
        Role::Admin | Role::Auditor => false,
    };
    if !allowed {
        return Err(not_found());
    }
    let basis = if user.0.role == Role::Applicant {
        "本人查询"
    } else {
        "签发机关依职责查询"
    };
    certify::record_access(
        &state,
        Some(&user.0),
        "download_certificate",
        Some(&found),
        "下载证照文件".into(),
        basis,
    )
    .await?;
    serde_json::from_str(&found.file).map(Json).map_err(ApiError::internal)
}

/// Whether staff's department has a task in the certificate's case whose item takes
/// this certificate type as a material (出生登记 reading the 出生医学证明).
async fn uses_in_case(
    state: &AppState,
    account: &domain::Account,
    found: &StoredCertificate,
) -> Result<bool, ApiError> {
    let (Some(case_id), Some(department)) = (&found.case_id, &account.department) else {
        return Ok(false);
    };
    let Ok(case_id) = cases::CaseId::parse(case_id) else {
        return Ok(false);
    };
    let Some(versioned) = state.store.load_case(&case_id).await? else {
        return Ok(false);
    };
    Ok(versioned.case.tasks_of_department(department).any(|task| {
        state.catalog.items.get(&task.item).is_some_and(|item| {
                item.materials.iter().any(|m| {
                    state.catalog.materials.get(m).is_some_and(|material| {
                        matches!(&material.kind, catalog::MaterialKind::Certificate { certificate } if *certificate == found.type_code)
                    })
                })
            })
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimRequest {
    #[serde(rename = "type")]
    type_code: String,
}

/// `POST /api/v1/me/certificates/claim`: issues a certificate from the issuer's own
/// records (e.g. 电子结婚证 from 婚姻登记).
async fn claim(
    State(state): Shared,
    user: CurrentUser,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> Result<Json<Value>, ApiError> {
    let id = crate::app::certificates::claim(&state, &user.0, &request.type_code).await?;
    let found = stored(&state, &id).await?;
    Ok(Json(summary(&found, cases::china_date(state.now()))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    reason: String,
}

async fn revoke(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RevokeRequest>,
) -> Result<Json<Value>, ApiError> {
    crate::app::certificates::revoke(&state, &user.0, &id, request.reason.trim()).await?;
    let found = stored(&state, &id).await?;
    Ok(Json(summary(&found, cases::china_date(state.now()))))
}

/// `GET /api/v1/me/certificates`: the applicant's certificates.
async fn mine(State(state): Shared, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    if user.0.role != Role::Applicant {
        return Err(ApiError::forbidden("只有申请人有“我的证照”"));
    }
    let held = match &user.0.id_number {
        Some(id_number) => state.store.certificates_of_holder(id_number).await?,
        None => Vec::new(),
    };
    crate::audit(
        &state,
        &user.0,
        "list_certificates",
        None,
        String::new(),
        "查看我的证照",
    )
    .await?;
    let today = cases::china_date(state.now());
    let list: Vec<Value> = held.iter().map(|c| summary(c, today)).collect();
    Ok(Json(json!({ "certificates": list })))
}
