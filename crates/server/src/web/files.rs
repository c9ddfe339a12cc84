//! Files handed in for materials: type found from the content (never from the
//! name), size limits, and the download route with its access check.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Shared, page};

pub use crate::app::files::MAX_FORM_BYTES;

/// The files of a case as shown on a page, optionally only those of some materials;
/// each material's files in the order handed in, a later one marked as the new
/// version from a supplement (补正) so it is read beside the one it replaces.
pub async fn file_views(state: &crate::AppState, case_id: &str, only: Option<&[String]>) -> Vec<minijinja::Value> {
    let uploads = crate::app::files::of_case(state, case_id).await.unwrap_or_default();
    let mut seen: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    uploads
        .iter()
        .filter(|u| only.is_none_or(|materials| materials.contains(&u.material)))
        .map(|u| {
            let kind = match u.content_type.as_str() {
                "application/pdf" => "PDF",
                "image/jpeg" => "JPG 图片",
                "image/png" => "PNG 图片",
                _ => "OFD",
            };
            let version = {
                let count = seen.entry(u.material.as_str()).or_insert(0);
                *count += 1;
                *count
            };
            minijinja::context! {
                id => u.id,
                material_name => state.catalog.materials.get(&u.material).map_or(u.material.as_str(), |m| m.name.as_str()),
                file_name => u.file_name,
                kind => kind,
                size => format!("{:.1} KB", u.size as f64 / 1024.0),
                uploaded_at => super::local_time(u.uploaded_at),
                version => version,
            }
        })
        .collect()
}

/// Serves one file of a case to the applicant, to staff of a department that has a
/// task needing that material, or to an admin; every download is in the access log.
pub async fn download(
    axum::extract::State(state): Shared,
    headers: HeaderMap,
    Path((id, upload_id)): Path<(String, String)>,
) -> Response {
    let page = page(&state, &headers, &format!("/files/{id}/{upload_id}")).await;
    let Some(account) = page.user.clone() else {
        return page.login_redirect();
    };
    let (upload, bytes) = match crate::app::files::download(&state, &account, &id, &upload_id).await {
        Ok(found) => found,
        Err(error) if error.status == StatusCode::NOT_FOUND => return page.not_found(),
        Err(_) => return page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", "请稍后再试。"),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&upload.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Shown inline only for what browsers render safely; never sniffed again.
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}
