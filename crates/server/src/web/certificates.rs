//! E-certificate pages: the holder's wallet (我的证照) with a QR code and share
//! links, claiming a certificate from the issuer's records, the public
//! verification pages, and revocation by the issuing department.

use std::collections::BTreeMap;

use app::StoredCertificate;
use app::certificates::{self, HolderRead, Presented, Verification};
use axum::extract::{Multipart, Path};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Role;
use minijinja::context;

use super::{Page, Shared, local_time, page};
use crate::AppState;
use crate::certify::{self, Checked};
use crate::error::ApiError;

/// A certificate as the pages show it.
fn view(state: &AppState, stored: &StoredCertificate) -> minijinja::Value {
    let body = certify::body_of(stored).map(|s| s.certificate);
    let today = cases::china_date(state.now());
    let status = status_of(stored, today);
    let data: Vec<_> = body
        .as_ref()
        .map(|b| {
            b.data
                .iter()
                .filter(|(k, _)| k.as_str() != "case_id")
                .map(|(k, v)| {
                    let name = state.catalog.elements.get(k).map_or(k.as_str(), |e| e.name.as_str());
                    context! { name => name, value => v }
                })
                .collect()
        })
        .unwrap_or_default();
    context! {
        id => stored.id,
        type_name => body.as_ref().map(|b| b.type_name.clone()).unwrap_or_else(|| stored.type_code.clone()),
        number => stored.number,
        holder_name => body.as_ref().map(|b| b.holder_name.clone()),
        holder_id_number => crate::app::masking::mask(&stored.holder_id_number),
        issuer_name => state.catalog.department_name(&stored.issuer_code),
        issue_date => stored.issue_date.to_string(),
        valid_until => stored.valid_until.map_or("长期有效".to_owned(), |d| d.to_string()),
        status => status.0,
        status_label => status.1,
        revoke_reason => stored.revoke_reason,
        algorithm => certify::body_of(stored).map(|signed| signed.signature.algorithm.name()),
        case_id => stored.case_id,
        data => data,
    }
}

fn status_of(stored: &StoredCertificate, today: chrono::NaiveDate) -> (&'static str, String) {
    let status = certify::status(stored, today);
    let label = match (status, stored.revoked_on, stored.valid_until) {
        ("revoked", Some(on), _) => format!("已注销（{on}）"),
        ("expired", _, Some(until)) => format!("已过期（{until}）"),
        _ => "有效".to_owned(),
    };
    (status, label)
}

/// A refusal or failure of a certificate use case, as a page.
fn failed(page: &Page, error: ApiError) -> Response {
    match error.status {
        StatusCode::NOT_FOUND => page.not_found(),
        StatusCode::INTERNAL_SERVER_ERROR => page.message(error.status, "系统繁忙", &error.message),
        _ => page.message(error.status, "无法办理", &error.message),
    }
}

fn own_account(page: &Page) -> Result<domain::Account, Response> {
    match &page.user {
        Some(a) if a.role == Role::Applicant => Ok(a.clone()),
        Some(_) => Err(page.message(StatusCode::FORBIDDEN, "仅限持证人", "“我的证照”只对持证人本人开放。")),
        None => Err(page.login_redirect()),
    }
}

pub async fn wallet(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/my/certificates").await;
    let account = match own_account(&page) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let held = match certificates::wallet(&state, &account).await {
        Ok(held) => held,
        Err(error) => return failed(&page, error),
    };
    let views: Vec<_> = held.iter().map(|c| view(&state, c)).collect();
    let claimable = match crate::app::certificates::claimable(&state, &account).await {
        Ok(claimable) => claimable,
        Err(error) => return page.message(error.status, "系统繁忙", &error.message),
    };
    let claimable: Vec<_> = claimable
        .into_iter()
        .filter_map(|code| state.catalog.certificates.get(code))
        .map(|kind| context! { code => kind.code, name => kind.name, issuer => state.catalog.department_name(&kind.issuer) })
        .collect();
    page.render(
        "wallet.html",
        "我的证照",
        context! { certificates => views, claimable => claimable, has_id => account.id_number.is_some() },
    )
}

/// The public URL of a page on this site, from the request's Host header.
fn public_url(headers: &HeaderMap, path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.len() <= 200 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b)))
        .unwrap_or("localhost");
    format!("http://{host}{path}")
}

fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

pub async fn show(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/my/certificates/{id}")).await;
    let account = match own_account(&page) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let stored = match certificates::read(&state, &account, &id, HolderRead::View).await {
        Ok(stored) => stored,
        Err(error) => return failed(&page, error),
    };
    let verify_url = public_url(&headers, &format!("/verify/{}", percent(&stored.id)));
    let share_url = query
        .get("share")
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|token| public_url(&headers, &format!("/verify/s/{token}")));
    page.render(
        "certificate.html",
        "电子证照",
        context! {
            c => view(&state, &stored), qr => qr_svg(&verify_url), verify_url => verify_url,
            share_url => share_url, share_days => state.share_days,
        },
    )
}

/// Characters kept as they are in a path segment (RFC 3986 unreserved).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn percent(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, PATH_SEGMENT).to_string()
}

pub async fn download(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, &format!("/my/certificates/{id}/file")).await;
    let account = match own_account(&page) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let stored = match certificates::read(&state, &account, &id, HolderRead::Download).await {
        Ok(stored) => stored,
        Err(error) => return failed(&page, error),
    };
    let mut response = stored.file.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}.json\"", stored.id)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Makes a link anyone can open until it expires, to see the whole certificate.
pub async fn share(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, &format!("/my/certificates/{id}")).await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let account = match own_account(&page) {
        Ok(a) => a,
        Err(response) => return response,
    };
    match certificates::share(&state, &account, &id).await {
        Ok(link) => Redirect::to(&format!(
            "/my/certificates/{}?share={}",
            percent(&link.certificate_id),
            link.token
        ))
        .into_response(),
        Err(error) => failed(&page, error),
    }
}

/// Issues a certificate from the issuer's records (e.g. 电子结婚证 from 婚姻登记).
pub async fn claim(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/my/certificates").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let account = match own_account(&page) {
        Ok(a) => a,
        Err(response) => return response,
    };
    let wanted = form.get("type").map(String::as_str).unwrap_or_default();
    match certificates::claim(&state, &account, wanted).await {
        Ok(id) => Redirect::to(&format!("/my/certificates/{}", percent(&id))).into_response(),
        Err(error) => page.message(error.status, "无法申领", &error.message),
    }
}

// ---------------------------------------------------------------- public verification

fn result_view(checked: &Checked, state: &AppState, full: bool) -> minijinja::Value {
    match &checked.result {
        Ok(verified) => {
            let c = &verified.certificate;
            // Anyone holding the link sees only what is 公开 of the surface data.
            let data: Vec<_> = if full {
                c.data
                    .iter()
                    .filter(|(k, _)| k.as_str() != "case_id")
                    .filter(|(k, _)| {
                        state
                            .catalog
                            .elements
                            .get(k.as_str())
                            .is_some_and(|e| e.sensitivity == catalog::Sensitivity::Public)
                    })
                    .map(|(k, v)| {
                        let name = state.catalog.elements.get(k).map_or(k.as_str(), |e| e.name.as_str());
                        context! { name => name, value => v }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            context! {
                ok => true,
                type_name => c.type_name, number => c.number,
                holder_name => if full { c.holder_name.clone() } else { crate::app::masking::mask_name(&c.holder_name) },
                holder_id_number => crate::app::masking::mask(&c.holder_id_number),
                issuer_name => c.issuer_name, issuer_code => c.issuer_code,
                issue_date => c.issue_date.to_string(),
                valid_until => c.valid_until.map_or("长期有效".to_owned(), |d| d.to_string()),
                algorithm => verified.issuer.public_key.algorithm.name(),
                key_id => verified.issuer.key_id,
                data => data,
            }
        }
        Err(error) => context! { ok => false, code => error.code(), message => error.to_string() },
    }
}

pub async fn verify_form(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/verify").await;
    page.render(
        "verify.html",
        "验证电子证照",
        context! { result => None::<()>, types => certificate_types(&state) },
    )
}

/// The certificate types, for choosing one when checking by number.
fn certificate_types(state: &AppState) -> Vec<minijinja::Value> {
    state
        .catalog
        .certificates
        .values()
        .map(|kind| context! { code => kind.code, name => kind.name })
        .collect()
}

/// Checks a certificate by its type and the number printed on it (rate-limited
/// like every public verification): valid, revoked or expired, with the holder's
/// name masked; nothing else of the surface data.
pub async fn verify_by_number(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/verify").await;
    let type_code = query.get("type").map(String::as_str).unwrap_or_default();
    let number = query.get("number").map(|n| n.trim()).unwrap_or_default();
    let refuse = |message: &str| {
        let mut response = page.render(
            "verify.html",
            "验证电子证照",
            context! { result => None::<()>, types => certificate_types(&state), number_error => message,
            chosen_type => type_code, number => number },
        );
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    };
    match certificates::verify_number(&state, page.user.as_ref(), type_code, number).await {
        Ok(Some(verified)) => shown(&state, &page, &verified, None),
        Ok(None) => page.message(
            StatusCode::NOT_FOUND,
            "查无此证",
            "没有找到这种证照的这个编号：它不是本平台签发的，或编号有误。",
        ),
        Err(error) if error.status == StatusCode::UNPROCESSABLE_ENTITY => refuse(&error.message),
        Err(error) => failed(&page, error),
    }
}

/// Verifies an uploaded or pasted certificate file.
pub async fn verify_upload(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let page = page(&state, &headers, "/verify").await;
    let mut fields = BTreeMap::new();
    let mut file = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let Ok(bytes) = field.bytes().await else {
            return page.message(StatusCode::BAD_REQUEST, "无法读取", "上传没有完成，请重试。");
        };
        if bytes.len() > certs::MAX_FILE_BYTES {
            return page.message(StatusCode::PAYLOAD_TOO_LARGE, "文件过大", "证照文件不超过 1 MB。");
        }
        if name == "file" {
            file = bytes.to_vec();
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    if let Err(response) = page.check_csrf(&fields) {
        return response;
    }
    if file.is_empty() {
        file = fields
            .get("text")
            .map(|t| t.trim().as_bytes().to_vec())
            .unwrap_or_default();
    }
    if file.is_empty() {
        return page.render(
            "verify.html",
            "验证电子证照",
            context! { result => None::<()>, error => "请选择证照文件，或粘贴证照内容。", types => certificate_types(&state) },
        );
    }
    match certificates::verify_file(&state, page.user.as_ref(), &file, Presented::Upload).await {
        Ok(verified) => page.render(
            "verify.html",
            "验证电子证照",
            context! { result => result_view(&verified.checked, &state, false), types => certificate_types(&state) },
        ),
        Err(error) => failed(&page, error),
    }
}

/// The page a certificate's QR code opens: its status now, from the issuer's record.
pub async fn verify_by_id(axum::extract::State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let page = page(&state, &headers, "/verify").await;
    match certificates::verify_id(&state, page.user.as_ref(), &id, Presented::Scan).await {
        Ok(Some(verified)) => shown(&state, &page, &verified, None),
        Ok(None) => page.message(
            StatusCode::NOT_FOUND,
            "查无此证",
            "没有找到这个电子证照：它不是本平台签发的，或编号有误。",
        ),
        Err(error) => failed(&page, error),
    }
}

/// The result of a verification of a certificate issued here; `shared_until` is
/// the expiry of the share link it was opened with (then the whole certificate is
/// shown).
fn shown(state: &AppState, page: &Page, verified: &Verification, shared_until: Option<String>) -> Response {
    let full = shared_until.is_some();
    page.render(
        "verify.html",
        "验证电子证照",
        context! { result => result_view(&verified.checked, state, full), online => true, shared_until => shared_until },
    )
}

/// A share link: the whole certificate, verified, until the link expires.
pub async fn verify_shared(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let page = page(&state, &headers, "/verify").await;
    let expired = || {
        page.message(
            StatusCode::GONE,
            "链接已失效",
            "这个验证链接已过期或不存在。请持证人重新生成链接。",
        )
    };
    match certificates::open_share(&state, page.user.as_ref(), &token).await {
        Ok(Some((verified, expires_at))) => shown(&state, &page, &verified, Some(local_time(expires_at))),
        Ok(None) => expired(),
        Err(error) => failed(&page, error),
    }
}

// ---------------------------------------------------------------- revocation

/// The issuing department revokes a certificate (注销), with a reason.
pub async fn revoke(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let page = page(&state, &headers, "/workbench").await;
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let reason = form.get("reason").map(|r| r.trim().to_owned()).unwrap_or_default();
    let back = form
        .get("back")
        .filter(|b| b.starts_with("/workbench/") && !b.chars().any(char::is_control) && !b.contains('\\'))
        .cloned();
    match certificates::revoke(&state, &account, &id, &reason).await {
        Ok(()) => Redirect::to(back.as_deref().unwrap_or("/workbench")).into_response(),
        Err(error) => page.message(error.status, "无法注销", &error.message),
    }
}
