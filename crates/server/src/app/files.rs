//! Files handed in for materials: the type found from the content (never from the
//! name) and the size limits, the same for the pages and the API.

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
