//! E-certificate endpoints of `/api/v1`: the public keyring and verification
//! (no login), the holder's certificates, and revocation by the issuer.

use std::sync::Arc;

use app::StoredCertificate;
use app::certificates::{self as certificates, HolderRead, Presented};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::certify::{self, Checked};
use crate::error::{ApiError, ApiJson};

type Shared = State<Arc<AppState>>;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::default()
        .routes(routes!(issuer_keys))
        .routes(routes!(verify))
        .routes(routes!(verify_number))
        .routes(routes!(status))
        .routes(routes!(file))
        .routes(routes!(revoke))
        .routes(routes!(mine))
        .routes(routes!(claim))
}

/// 签发机关公钥库（含已轮换停用的密钥）
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
struct Keyring(certs::Keyring);

/// The keyring of every issuer key, current and retired, for offline verification.
#[utoipa::path(
    get,
    path = "/issuer-keys",
    tag = "certificates",
    summary = "签发机关公钥库（含已轮换停用的密钥），用于离线验证电子证照",
    responses((status = 200, description = "公钥库", body = Keyring))
)]
async fn issuer_keys(State(state): Shared) -> Result<Json<Keyring>, ApiError> {
    Ok(Json(Keyring(certify::keys(&state).await?.keyring.clone())))
}

/// 证照（签发机关的登记）
#[derive(Serialize, ToSchema)]
struct CertificateSummary {
    id: String,
    /// 证照类型代码
    #[serde(rename = "type")]
    type_code: String,
    number: String,
    /// 签发部门代码
    issuer: String,
    issue_date: NaiveDate,
    /// 有效期截止日期；null 为长期有效
    valid_until: Option<NaiveDate>,
    /// valid、expired、revoked
    status: &'static str,
    revoked_on: Option<NaiveDate>,
    revoke_reason: Option<String>,
    case_id: Option<String>,
}

fn summary(stored: &StoredCertificate, today: NaiveDate) -> CertificateSummary {
    CertificateSummary {
        id: stored.id.clone(),
        type_code: stored.type_code.clone(),
        number: stored.number.clone(),
        issuer: stored.issuer_code.clone(),
        issue_date: stored.issue_date,
        valid_until: stored.valid_until,
        status: certify::status(stored, today),
        revoked_on: stored.revoked_on,
        revoke_reason: stored.revoke_reason.clone(),
        case_id: stored.case_id.clone(),
    }
}

/// 证照照面的主要信息
#[derive(Serialize, ToSchema)]
struct CertificateFacts {
    id: String,
    #[serde(rename = "type")]
    type_code: String,
    type_name: String,
    number: String,
    issuer_code: String,
    issuer_name: String,
    issue_date: NaiveDate,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
}

/// 验证未通过的原因
#[derive(Serialize, ToSchema)]
struct VerifyFailure {
    /// 原因代码 CERT_*
    code: &'static str,
    message: String,
}

/// 验证结果：valid；通过时有 certificate、key_id、algorithm，未通过时有 error（原因代码 CERT_*）
#[derive(Serialize, ToSchema)]
struct Verification {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    certificate: Option<CertificateFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    key_id: Option<String>,
    /// 签名算法
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable = false)]
    algorithm: Option<certs::Algorithm>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    error: Option<VerifyFailure>,
    /// 签发机关登记的状态：valid、expired、revoked（查到登记时）
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    status: Option<&'static str>,
    /// 持证人姓名（脱敏；按编号验证且通过时）
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    holder_name: Option<String>,
}

fn verification(checked: &Checked) -> Verification {
    match &checked.result {
        Ok(verified) => {
            let c = &verified.certificate;
            Verification {
                valid: true,
                certificate: Some(CertificateFacts {
                    id: c.id.clone(),
                    type_code: c.type_code.clone(),
                    type_name: c.type_name.clone(),
                    number: c.number.clone(),
                    issuer_code: c.issuer_code.clone(),
                    issuer_name: c.issuer_name.clone(),
                    issue_date: c.issue_date,
                    valid_from: c.valid_from,
                    valid_until: c.valid_until,
                }),
                key_id: Some(verified.issuer.key_id.clone()),
                algorithm: Some(verified.issuer.public_key.algorithm),
                error: None,
                status: None,
                holder_name: None,
            }
        }
        Err(error) => Verification {
            valid: false,
            certificate: None,
            key_id: None,
            algorithm: None,
            error: Some(VerifyFailure {
                code: error.code(),
                message: error.to_string(),
            }),
            status: None,
            holder_name: None,
        },
    }
}

/// `POST /api/v1/certificates/verify`: the body is the certificate file. Always 200
/// with `valid` and, when not valid, the specific reason.
#[utoipa::path(
    post,
    path = "/certificates/verify",
    tag = "certificates",
    summary = "验证电子证照文件（无需登录）：签名、签发机关、有效期、注销状态",
    request_body(content = Object, description = "证照文件（RFC 8785 规范化 JSON），原样提交", content_type = "application/json"),
    responses((status = 200, description = "验证结果：valid 及原因代码 CERT_*", body = Verification))
)]
async fn verify(State(state): Shared, body: Bytes) -> Result<Json<Verification>, ApiError> {
    let verified = certificates::verify_file(&state, None, &body, Presented::Api).await?;
    Ok(Json(verification(&verified.checked)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct NumberQuery {
    /// 证照类型代码
    #[serde(rename = "type", default)]
    #[param(required = true)]
    type_code: String,
    /// 证照编号
    #[serde(default)]
    #[param(required = true)]
    number: String,
}

/// `GET /api/v1/certificates/verify-number?type=&number=`: a certificate by its type
/// and the number printed on it, verified now, with the holder's name masked.
#[utoipa::path(
    get,
    path = "/certificates/verify-number",
    tag = "certificates",
    summary = "按证照类型和证照上的编号验证（限流）：是否有效、是否注销，持证人姓名脱敏",
    params(NumberQuery),
    responses((status = 200, description = "验证结果", body = Verification), (status = 404), (status = 422), (status = 429))
)]
async fn verify_number(State(state): Shared, Query(query): Query<NumberQuery>) -> Result<Json<Verification>, ApiError> {
    let verified = certificates::verify_number(&state, None, &query.type_code, &query.number)
        .await?
        .ok_or_else(|| ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这种证照的这个编号"))?;
    let today = cases::china_date(state.now());
    let mut view = verification(&verified.checked);
    if let (Some(found), Ok(checked)) = (&verified.stored, &verified.checked.result) {
        view.status = Some(certify::status(found, today));
        view.holder_name = Some(app::masking::mask_name(&checked.certificate.holder_name));
    }
    Ok(Json(view))
}

/// `GET /api/v1/certificates/{id}/status`: the issuer's current record, re-verified.
#[utoipa::path(
    get,
    path = "/certificates/{id}/status",
    tag = "certificates",
    summary = "按证照标识查询状态并验证（无需登录）",
    params(("id" = String, Path, description = "证照标识")),
    responses((status = 200, description = "状态", body = Verification), (status = 404))
)]
async fn status(State(state): Shared, Path(id): Path<String>) -> Result<Json<Verification>, ApiError> {
    let verified = certificates::verify_id(&state, None, &id, Presented::ApiStatus)
        .await?
        .ok_or_else(|| ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这个电子证照"))?;
    let today = cases::china_date(state.now());
    let mut view = verification(&verified.checked);
    if let Some(found) = &verified.stored {
        view.status = Some(certify::status(found, today));
    }
    Ok(Json(view))
}

/// `GET /api/v1/certificates/{id}/file`: the signed file, for its holder or the
/// issuing department.
#[utoipa::path(
    get,
    path = "/certificates/{id}/file",
    tag = "certificates",
    summary = "下载证照文件（持证人或签发机关）",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "证照标识")),
    responses((status = 200, description = "证照文件（RFC 8785 规范化 JSON）", body = Object), (status = 401), (status = 404))
)]
async fn file(State(state): Shared, user: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let found = certificates::read(&state, &user.0, &id, HolderRead::Download).await?;
    serde_json::from_str(&found.file).map(Json).map_err(ApiError::internal)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ClaimRequest {
    /// 证照类型代码
    #[serde(rename = "type")]
    type_code: String,
}

/// `POST /api/v1/me/certificates/claim`: issues a certificate from the issuer's own
/// records (e.g. 电子结婚证 from 婚姻登记).
#[utoipa::path(
    post,
    path = "/me/certificates/claim",
    tag = "certificates",
    summary = "依签发部门的登记记录申领电子证照（如电子结婚证）",
    security(("bearer" = [])),
    request_body = ClaimRequest,
    responses((status = 200, description = "申领的证照", body = CertificateSummary), (status = 401), (status = 403), (status = 422))
)]
async fn claim(
    State(state): Shared,
    user: CurrentUser,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> Result<Json<CertificateSummary>, ApiError> {
    let id = certificates::claim(&state, &user.0, &request.type_code).await?;
    let found = certificates::after_change(&state, &id).await?;
    Ok(Json(summary(&found, cases::china_date(state.now()))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    /// 注销理由
    reason: String,
}

#[utoipa::path(
    post,
    path = "/certificates/{id}/revoke",
    tag = "certificates",
    summary = "签发机关注销证照",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "证照标识")),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "注销后的状态", body = CertificateSummary),
        (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)
    )
)]
async fn revoke(
    State(state): Shared,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RevokeRequest>,
) -> Result<Json<CertificateSummary>, ApiError> {
    certificates::revoke(&state, &user.0, &id, request.reason.trim()).await?;
    let found = certificates::after_change(&state, &id).await?;
    Ok(Json(summary(&found, cases::china_date(state.now()))))
}

/// 我的证照
#[derive(Serialize, ToSchema)]
struct Wallet {
    certificates: Vec<CertificateSummary>,
}

/// `GET /api/v1/me/certificates`: the applicant's certificates.
#[utoipa::path(
    get,
    path = "/me/certificates",
    tag = "certificates",
    summary = "我的证照",
    security(("bearer" = [])),
    responses((status = 200, description = "证照列表", body = Wallet), (status = 401), (status = 403))
)]
async fn mine(State(state): Shared, user: CurrentUser) -> Result<Json<Wallet>, ApiError> {
    let held = certificates::wallet(&state, &user.0).await?;
    let today = cases::china_date(state.now());
    let certificates = held.iter().map(|c| summary(c, today)).collect();
    Ok(Json(Wallet { certificates }))
}
