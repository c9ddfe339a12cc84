//! Offline verification with a specific reason for every failure.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::certificate::{Certificate, SignedCertificate, signing_bytes};
use crate::keyring::{IssuerKey, Keyring};

/// Largest certificate file accepted by [`verify_file`] (1 MiB); real files are about 1 KiB.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// The issuer's revocation (注销) of a certificate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Revocation {
    /// When it was revoked.
    pub revoked_on: NaiveDate,
    /// Why, as the issuer stated it.
    pub reason: String,
}

/// A certificate that passed every check, with the keyring entry that vouches for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The verified body.
    pub certificate: Certificate,
    /// The issuer key that signed it.
    pub issuer: IssuerKey,
}

/// Why a certificate does not verify. `Display` is a sentence for the user (Simplified Chinese);
/// [`VerifyError::code`] is a stable machine code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not JSON, wrong shape, or not the canonical bytes of what it contains.
    #[error("证照文件格式错误：{0}")]
    Malformed(String),
    /// The signing key is not in the keyring.
    #[error("无法识别签发密钥 {key_id}：密钥库中没有该签发机关公钥")]
    UnknownKey {
        /// The key id named by the signature.
        key_id: String,
    },
    /// The signature's algorithm is not the key's algorithm.
    #[error("证照签名算法与签发机关公钥的算法不一致")]
    AlgorithmMismatch,
    /// The certificate names another issuer than the one the key belongs to.
    #[error("签发机关不符：签名密钥属于机关代码 {expected}，证照所载机关代码为 {actual}")]
    IssuerMismatch {
        /// The key's issuer code.
        expected: String,
        /// The certificate's issuer code.
        actual: String,
    },
    /// The signature does not match the content.
    #[error("证照签名无效：内容已被篡改或不是该机关签发")]
    BadSignature,
    /// The key was not in service on the certificate's issue date.
    #[error(
        "签发密钥 {key_id} 在颁证日期 {issue_date} 不可用（启用于 {valid_from}{}）",
        retired_note(.retired_at)
    )]
    KeyNotValid {
        /// The signing key.
        key_id: String,
        /// The certificate's issue date.
        issue_date: NaiveDate,
        /// First date the key may sign.
        valid_from: NaiveDate,
        /// Last date the key may sign, if retired.
        retired_at: Option<NaiveDate>,
    },
    /// Today is before the start of validity.
    #[error("证照尚未生效：自{valid_from}起生效")]
    NotYetValid {
        /// Start of validity.
        valid_from: NaiveDate,
    },
    /// Today is after the end of validity.
    #[error("证照已于{valid_until}过期")]
    Expired {
        /// Last day of validity.
        valid_until: NaiveDate,
    },
    /// The issuer revoked the certificate.
    #[error("证照已于{revoked_on}被签发机关注销：{reason}")]
    Revoked {
        /// When it was revoked.
        revoked_on: NaiveDate,
        /// Why.
        reason: String,
    },
}

fn retired_note(retired_at: &Option<NaiveDate>) -> String {
    match retired_at {
        Some(date) => format!("，停用于 {date}"),
        None => String::new(),
    }
}

impl VerifyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "CERT_MALFORMED",
            VerifyError::UnknownKey { .. } => "CERT_UNKNOWN_KEY",
            VerifyError::AlgorithmMismatch => "CERT_ALGORITHM_MISMATCH",
            VerifyError::IssuerMismatch { .. } => "CERT_ISSUER_MISMATCH",
            VerifyError::BadSignature => "CERT_BAD_SIGNATURE",
            VerifyError::KeyNotValid { .. } => "CERT_KEY_NOT_VALID",
            VerifyError::NotYetValid { .. } => "CERT_NOT_YET_VALID",
            VerifyError::Expired { .. } => "CERT_EXPIRED",
            VerifyError::Revoked { .. } => "CERT_REVOKED",
        }
    }
}

/// Parses a certificate file and verifies it (see [`verify`]).
///
/// The file must be exactly [`SignedCertificate::to_file_bytes`] of what it contains: UTF-8 RFC 8785
/// canonical JSON with no extra fields, no whitespace, no alternative escapes. Any other bytes,
/// even if they carry a valid signature, are [`VerifyError::Malformed`].
pub fn verify_file(
    bytes: &[u8],
    keyring: &Keyring,
    revocation: Option<&Revocation>,
    today: NaiveDate,
) -> Result<Verified, VerifyError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(VerifyError::Malformed(format!(
            "文件过大（{} 字节，上限 {MAX_FILE_BYTES} 字节）",
            bytes.len()
        )));
    }
    let signed: SignedCertificate =
        serde_json::from_slice(bytes).map_err(|e| VerifyError::Malformed(format!("不是有效的电子证照 JSON（{e}）")))?;
    if signed.to_file_bytes() != bytes {
        return Err(VerifyError::Malformed(
            "文件不是规范化（RFC 8785）的证照 JSON，可能已被改动".to_owned(),
        ));
    }
    verify(&signed, keyring, revocation, today)
}

/// Verifies a parsed certificate. Checks run in this order and the first failure is returned:
/// key lookup, algorithm, issuer, signature, key validity on the issue date, revocation, then
/// the validity period against `today` (so a revoked and expired certificate reports revoked).
///
/// `revocation` is the issuer's revocation record for this certificate id if one is known
/// (online: from the store; offline: from a revocation list). Any record means revoked.
pub fn verify(
    cert: &SignedCertificate,
    keyring: &Keyring,
    revocation: Option<&Revocation>,
    today: NaiveDate,
) -> Result<Verified, VerifyError> {
    let body = &cert.certificate;
    let signature = &cert.signature;

    let issuer = keyring.find(&signature.key_id).ok_or_else(|| VerifyError::UnknownKey {
        key_id: signature.key_id.clone(),
    })?;

    if signature.algorithm != issuer.public_key.algorithm {
        return Err(VerifyError::AlgorithmMismatch);
    }

    if body.issuer_code != issuer.issuer_code {
        return Err(VerifyError::IssuerMismatch {
            expected: issuer.issuer_code.clone(),
            actual: body.issuer_code.clone(),
        });
    }

    let value = BASE64
        .decode(signature.value.as_bytes())
        .map_err(|_| VerifyError::BadSignature)?;
    // One encoding per signature: reject Base64 that does not re-encode to itself.
    if BASE64.encode(&value) != signature.value {
        return Err(VerifyError::BadSignature);
    }
    let message = signing_bytes(body).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if !issuer.public_key.verify(&message, &value) {
        return Err(VerifyError::BadSignature);
    }

    if !issuer.may_sign_on(body.issue_date) {
        return Err(VerifyError::KeyNotValid {
            key_id: issuer.key_id.clone(),
            issue_date: body.issue_date,
            valid_from: issuer.valid_from,
            retired_at: issuer.retired_at,
        });
    }

    if let Some(revocation) = revocation {
        return Err(VerifyError::Revoked {
            revoked_on: revocation.revoked_on,
            reason: revocation.reason.clone(),
        });
    }

    if today < body.valid_from {
        return Err(VerifyError::NotYetValid {
            valid_from: body.valid_from,
        });
    }
    if let Some(valid_until) = body.valid_until
        && today > valid_until
    {
        return Err(VerifyError::Expired { valid_until });
    }

    Ok(Verified {
        certificate: body.clone(),
        issuer: issuer.clone(),
    })
}
