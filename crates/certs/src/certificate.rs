//! The certificate body, the signature envelope, canonical bytes and issuing.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::keys::{Algorithm, SigningKey};

/// The certificate body (证照元数据 + 照面信息), along the lines of GB/T 36903. Field names are
/// the JSON names.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// 证照标识: globally unique, made by the caller, e.g. `CN-WJ-birth_medical_certificate-2026-000123`.
    pub id: String,
    /// Certificate type code, e.g. `birth_medical_certificate`.
    pub type_code: String,
    /// 证照类型名称, e.g. `出生医学证明`.
    pub type_name: String,
    /// 证照编号.
    pub number: String,
    /// 持证主体名称.
    pub holder_name: String,
    /// 持证主体证件类型, e.g. `居民身份证` or `统一社会信用代码`.
    pub holder_id_type: String,
    /// 持证主体证件号码.
    pub holder_id_number: String,
    /// 颁发机构名称.
    pub issuer_name: String,
    /// 颁发机构代码 (department code, e.g. `WJ`); must match the signing key's issuer in the keyring.
    pub issuer_code: String,
    /// 颁证日期.
    pub issue_date: NaiveDate,
    /// 有效期起始日期.
    pub valid_from: NaiveDate,
    /// 有效期截止日期 (inclusive); `None` means 长期有效.
    pub valid_until: Option<NaiveDate>,
    /// 照面信息: surface fields keyed by data element id.
    pub data: BTreeMap<String, String>,
}

/// A signature over [`signing_bytes`] of a certificate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The signature algorithm; must equal the key's algorithm.
    pub algorithm: Algorithm,
    /// [`crate::PublicKey::key_id`] of the signing key.
    pub key_id: String,
    /// The signature, standard Base64 with padding.
    pub value: String,
}

/// A certificate with its signature: the content of a certificate file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignedCertificate {
    /// The signed body.
    pub certificate: Certificate,
    /// The issuer's signature over [`signing_bytes`] of `certificate`.
    pub signature: Signature,
}

/// Errors from canonicalization and issuing. Messages are user-facing (Simplified Chinese).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// The value could not be written as RFC 8785 canonical JSON.
    #[error("证照内容无法规范化为 JSON：{0}")]
    Canonical(String),
    /// A required text field is empty.
    #[error("证照字段“{field}”不能为空")]
    MissingField {
        /// The JSON name of the field.
        field: &'static str,
    },
    /// The validity period ends before it starts.
    #[error("证照有效期无效：截止日期 {valid_until} 早于起始日期 {valid_from}")]
    InvalidValidity {
        /// Start of validity.
        valid_from: NaiveDate,
        /// End of validity.
        valid_until: NaiveDate,
    },
}

/// RFC 8785 (JCS) canonical JSON of any serializable value: object members sorted by UTF-16 code
/// units, no whitespace, strings in UTF-8 with only the mandatory escapes.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, IssueError> {
    serde_jcs::to_vec(value).map_err(|e| IssueError::Canonical(e.to_string()))
}

/// The bytes that are signed: RFC 8785 canonical JSON of the certificate body.
pub fn signing_bytes(certificate: &Certificate) -> Result<Vec<u8>, IssueError> {
    canonical_json(certificate)
}

impl Certificate {
    /// Checks what issuing requires: every text field except the surface data is non-empty, and
    /// `valid_until`, if any, is not before `valid_from`.
    pub fn validate(&self) -> Result<(), IssueError> {
        let fields = [
            ("id", &self.id),
            ("type_code", &self.type_code),
            ("type_name", &self.type_name),
            ("number", &self.number),
            ("holder_name", &self.holder_name),
            ("holder_id_type", &self.holder_id_type),
            ("holder_id_number", &self.holder_id_number),
            ("issuer_name", &self.issuer_name),
            ("issuer_code", &self.issuer_code),
        ];
        if let Some((field, _)) = fields.into_iter().find(|(_, value)| value.trim().is_empty()) {
            return Err(IssueError::MissingField { field });
        }
        if let Some(valid_until) = self.valid_until
            && valid_until < self.valid_from
        {
            return Err(IssueError::InvalidValidity {
                valid_from: self.valid_from,
                valid_until,
            });
        }
        Ok(())
    }
}

/// Signs a certificate: validates it, then signs its [`signing_bytes`] with `key`.
///
/// The caller is responsible for using a key that the keyring lists for `certificate.issuer_code`
/// and that is valid on `certificate.issue_date`; [`crate::verify`] checks both.
pub fn issue(certificate: Certificate, key: &SigningKey) -> Result<SignedCertificate, IssueError> {
    certificate.validate()?;
    let message = signing_bytes(&certificate)?;
    let signature = Signature {
        algorithm: key.algorithm(),
        key_id: key.key_id(),
        value: BASE64.encode(key.sign(&message)),
    };
    Ok(SignedCertificate { certificate, signature })
}

impl SignedCertificate {
    /// The certificate file: RFC 8785 canonical JSON of the whole envelope. This is what is stored
    /// and downloaded, and [`crate::verify_file`] accepts only these exact bytes.
    ///
    /// Canonicalization cannot fail for this type (it holds only strings, dates and null). Were it
    /// ever to fail, the result would be empty, which every verifier rejects.
    pub fn to_file_bytes(&self) -> Vec<u8> {
        canonical_json(self).unwrap_or_default()
    }
}
