//! E-certificate endpoints of `/api/v1`: the public keyring and verification
//! (no login), the holder's certificates, and revocation by the issuer.

use std::sync::Arc;

use app::StoredCertificate;
use app::certificates::{self as certificates, HolderRead, Presented};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::certify::{self, Checked};
use crate::error::{ApiError, ApiJson};

type Shared = State<Arc<AppState>>;

pub fn routes() -> axum::Router<Arc<AppState>> {
    axum::Router::new()
        .route("/issuer-keys", get(issuer_keys))
        .route("/certificates/verify", post(verify))
        .route("/certificates/verify-number", get(verify_number))
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

/// `POST /api/v1/certificates/verify`: the body is the certificate file. Always 200
/// with `valid` and, when not valid, the specific reason.
async fn verify(State(state): Shared, body: Bytes) -> Result<Json<Value>, ApiError> {
    let verified = certificates::verify_file(&state, None, &body, Presented::Api).await?;
    Ok(Json(checked_json(&verified.checked)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NumberQuery {
    #[serde(rename = "type", default)]
    type_code: String,
    #[serde(default)]
    number: String,
}

/// `GET /api/v1/certificates/verify-number?type=&number=`: a certificate by its type
/// and the number printed on it, verified now, with the holder's name masked.
async fn verify_number(State(state): Shared, Query(query): Query<NumberQuery>) -> Result<Json<Value>, ApiError> {
    let verified = certificates::verify_number(&state, None, &query.type_code, &query.number)
        .await?
        .ok_or_else(|| ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这种证照的这个编号"))?;
    let today = cases::china_date(state.now());
    let mut view = checked_json(&verified.checked);
    if let (Some(found), Ok(checked)) = (&verified.stored, &verified.checked.result) {
        view["status"] = summary(found, today)["status"].clone();
        view["holder_name"] = Value::String(app::masking::mask_name(&checked.certificate.holder_name));
    }
    Ok(Json(view))
}

/// `GET /api/v1/certificates/{id}/status`: the issuer's current record, re-verified.
async fn status(State(state): Shared, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let verified = certificates::verify_id(&state, None, &id, Presented::ApiStatus)
        .await?
        .ok_or_else(|| ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这个电子证照"))?;
    let today = cases::china_date(state.now());
    let mut view = checked_json(&verified.checked);
    if let Some(found) = &verified.stored {
        view["status"] = summary(found, today)["status"].clone();
    }
    Ok(Json(view))
}

/// `GET /api/v1/certificates/{id}/file`: the signed file, for its holder or the
/// issuing department.
async fn file(State(state): Shared, user: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let found = certificates::read(&state, &user.0, &id, HolderRead::Download).await?;
    serde_json::from_str(&found.file).map(Json).map_err(ApiError::internal)
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
    let id = certificates::claim(&state, &user.0, &request.type_code).await?;
    let found = certificates::after_change(&state, &id).await?;
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
    certificates::revoke(&state, &user.0, &id, request.reason.trim()).await?;
    let found = certificates::after_change(&state, &id).await?;
    Ok(Json(summary(&found, cases::china_date(state.now()))))
}

/// `GET /api/v1/me/certificates`: the applicant's certificates.
async fn mine(State(state): Shared, user: CurrentUser) -> Result<Json<Value>, ApiError> {
    let held = certificates::wallet(&state, &user.0).await?;
    let today = cases::china_date(state.now());
    let list: Vec<Value> = held.iter().map(|c| summary(c, today)).collect();
    Ok(Json(json!({ "certificates": list })))
}
