//! Files handed in for materials: type found from the content (never from the
//! name), size limits, and the download route with its access check.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cases::CaseId;
use store::Role;

use super::{Shared, page};

/// Largest single file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Largest whole application form with its files.
pub const MAX_FORM_BYTES: usize = 26 * 1024 * 1024;

/// The content type of an accepted file, from its first bytes; `None` for anything
/// else, whatever its name says.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"PK\x03\x04") && contains(bytes, b"OFD.xml") {
        // OFD (GB/T 33190) is a ZIP package whose root entry is OFD.xml.
        Some("application/ofd")
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .take(64 * 1024)
        .any(|window| window == needle)
}

/// Why a file is refused, in words for the applicant.
pub fn check(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{name}：文件过大（{:.1} MB），最大 5 MB，请压缩或分页后重新上传",
            bytes.len() as f64 / 1024.0 / 1024.0
        ));
    }
    sniff(bytes)
        .ok_or_else(|| format!("{name}：只接受 PDF、JPG、PNG 或 OFD 文件，所选文件的内容不是这些格式（与文件名无关）"))
}

/// The files of a case as shown on a page, optionally only those of some materials.
pub async fn file_views(state: &crate::AppState, case_id: &str, only: Option<&[String]>) -> Vec<minijinja::Value> {
    let uploads = state.store.uploads_of_case(case_id).await.unwrap_or_default();
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
            minijinja::context! {
                id => u.id,
                material_name => state.catalog.materials.get(&u.material).map_or(u.material.as_str(), |m| m.name.as_str()),
                file_name => u.file_name,
                kind => kind,
                size => format!("{:.1} KB", u.size as f64 / 1024.0),
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
    let Ok(case_id) = CaseId::parse(&id) else {
        return page.not_found();
    };
    let (case, found) = match (
        state.store.load_case(&case_id).await,
        state.store.upload_data(&id, &upload_id).await,
    ) {
        (Ok(Some(case)), Ok(Some(found))) => (case.case, found),
        (Ok(_), Ok(_)) => return page.not_found(),
        _ => return page.message(StatusCode::INTERNAL_SERVER_ERROR, "系统繁忙", "请稍后再试。"),
    };
    let (upload, bytes) = found;
    // Supervisors see values masked everywhere else; a scan of an ID card cannot be
    // masked, so they see that it was handed in, not the file.
    let allowed = match account.role {
        Role::Applicant => case.applicant == account.id,
        Role::Admin | Role::Auditor => false,
        Role::Staff => case
            .tasks_of_department(account.department.as_deref().unwrap_or(""))
            .any(|task| {
                state
                    .catalog
                    .items
                    .get(&task.item)
                    .is_some_and(|item| item.materials.contains(&upload.material))
            }),
    };
    if !allowed {
        return page.not_found();
    }
    if let Err(response) = super::audit(
        &state,
        &page,
        &account,
        "read_material",
        Some(case.id.as_str()),
        upload.material.clone(),
        "查看申请材料",
    )
    .await
    {
        return response;
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_type_comes_from_the_content_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff(b"PK\x03\x04....OFD.xml...."), Some("application/ofd"));
        assert_eq!(sniff(b"PK\x03\x04 an ordinary zip"), None);
        assert_eq!(sniff(b"MZ\x90\x00 an executable named photo.jpg"), None);
        assert_eq!(sniff(b"<html><script>"), None);
    }

    #[test]
    fn refusals_say_why() {
        let error = check("新生儿免冠照片", b"GIF89a").unwrap_err();
        assert!(error.starts_with("新生儿免冠照片：只接受"));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_FILE_BYTES + 1, 0);
        assert!(check("票据", &big).unwrap_err().contains("文件过大"));
        assert_eq!(check("票据", b"%PDF-1.4").unwrap(), "application/pdf");
    }
}
