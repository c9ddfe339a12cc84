//! Files handed in for materials: the type found from the content (never from the
//! name) and the size limits, the same for the pages and the API.

use domain::{Account, Role};

use crate::AppState;
use crate::error::ApiError;

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

/// A file handed in for a material.
#[derive(Clone, Debug)]
pub struct MaterialFile {
    pub material: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The stored record of `file`, accepted as `content_type`, for `case_id`.
pub fn upload_record(
    case_id: &str,
    file: &MaterialFile,
    content_type: &str,
    uploaded_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> (store::Upload, Vec<u8>) {
    use sha2::Digest as _;
    let mut random = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
    (
        store::Upload {
            id: format!("F{}", hex::encode(random).to_uppercase()),
            case_id: case_id.to_owned(),
            material: file.material.clone(),
            file_name: file.file_name.chars().take(200).collect(),
            content_type: content_type.to_owned(),
            size: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(sha2::Sha256::digest(&file.bytes)),
            uploaded_at: now,
            uploaded_by: uploaded_by.to_owned(),
        },
        file.bytes.clone(),
    )
}

/// The files handed in for case `case_id` (what, when, how big; not their bytes),
/// in the order handed in. Part of a read of the case, which records it.
pub async fn of_case(state: &AppState, case_id: &str) -> Result<Vec<store::Upload>, ApiError> {
    Ok(state.store.uploads_of_case(case_id).await?)
}

/// One file of case `id` for `caller`: the applicant, staff of a department that
/// has a task needing that material (supervisors see values masked everywhere
/// else, and a scan of an ID card cannot be masked, so they see that it was handed
/// in, not the file). Anyone else is told it does not exist. Every download is
/// recorded.
pub async fn download(
    state: &AppState,
    caller: &Account,
    id: &str,
    upload_id: &str,
) -> Result<(store::Upload, Vec<u8>), ApiError> {
    let not_found = || ApiError::new("E_FILE_NOT_FOUND", "没有这个文件，或无权查看");
    let case_id = cases::CaseId::parse(id).map_err(|_| not_found())?;
    if upload_id.len() > 100 {
        return Err(not_found());
    }
    let (Some(versioned), Some((upload, bytes))) = (
        state.store.load_case(&case_id).await?,
        state.store.upload_data(id, upload_id).await?,
    ) else {
        return Err(not_found());
    };
    let case = versioned.case;
    let allowed = match caller.role {
        Role::Applicant => case.applicant == caller.id,
        Role::Admin | Role::Auditor | Role::Service => false,
        Role::Staff => case
            .tasks_of_department(caller.department.as_deref().unwrap_or(""))
            .any(|task| {
                state
                    .catalog
                    .items
                    .get(&task.item)
                    .is_some_and(|item| item.materials.contains(&upload.material))
            }),
    };
    if !allowed {
        return Err(not_found());
    }
    crate::audit(
        state,
        caller,
        "read_material",
        Some(case.id.as_str()),
        upload.material.clone(),
        "查看申请材料",
    )
    .await?;
    Ok((upload, bytes))
}

/// The files of case `id` that `caller` may see listed: the applicant all of
/// them, staff those of materials their department's tasks need, supervisors all
/// (that a file was handed in; they cannot download it). The listing is recorded.
pub async fn list(state: &AppState, caller: &Account, id: &str) -> Result<Vec<store::Upload>, ApiError> {
    let case = crate::access::visible_case(state, caller, id).await?.case;
    let mut uploads = of_case(state, case.id.as_str()).await?;
    if let Some(department) = crate::access::staff_department(caller) {
        let needed: Vec<&String> = case
            .tasks_of_department(department)
            .filter_map(|task| state.catalog.items.get(&task.item))
            .flat_map(|item| item.materials.iter())
            .collect();
        uploads.retain(|u| needed.contains(&&u.material));
    }
    let materials: Vec<&str> = uploads.iter().map(|u| u.material.as_str()).collect();
    crate::audit(
        state,
        caller,
        "list_materials",
        Some(case.id.as_str()),
        materials.join(","),
        crate::access::purpose(caller),
    )
    .await?;
    Ok(uploads)
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
