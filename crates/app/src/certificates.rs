//! E-certificates a person claims from an issuer's own records, and revocation by
//! the issuing department. Both front doors call these; issuing on approval is part
//! of the commit of a case change ([`super::tasks::commit`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{Account, Role};
use store::StoredCertificate;

use crate::AppState;
use crate::certify::Checked;
use crate::error::ApiError;

/// A certificate type an applicant can claim from the issuer's own records.
struct Claim {
    type_code: &'static str,
    source: &'static str,
    number: &'static str,
    /// Record attributes copied to the surface data, with the data element each one is.
    /// Only elements the certificate type declares in its `surface` are kept.
    data: &'static [(&'static str, &'static str)],
    /// The record must say this to be claimable.
    require: (&'static str, &'static str),
}

const CLAIMS: &[Claim] = &[Claim {
    type_code: "marriage_certificate",
    source: "marriage",
    number: "marriage_cert_no",
    data: &[
        ("spouse_name", "marriage.spouse_name"),
        ("marriage_date", "marriage.date"),
    ],
    require: ("marital_status", "已婚"),
}];

/// The certificate types `account` can claim now: the issuer's records hold what
/// the type needs for them (婚姻登记 says 已婚 for 电子结婚证), and they do not
/// already hold a valid one. Asking the records is a read of the person's own
/// data, recorded as such (and, being their own, not listed as someone else's).
pub async fn claimable(state: &AppState, account: &Account) -> Result<Vec<&'static str>, ApiError> {
    let Some(id_number) = account.id_number.as_deref().filter(|_| account.role == Role::Applicant) else {
        return Ok(Vec::new());
    };
    let held = state.store.certificates_of_holder(id_number).await?;
    let mut found = Vec::new();
    let mut read = Vec::new();
    for claim in CLAIMS {
        if held
            .iter()
            .any(|c| c.type_code == claim.type_code && c.revoked_on.is_none())
        {
            continue;
        }
        let Some(source) = state.sources.source(claim.source) else {
            continue;
        };
        read.push(claim.require.0);
        // A source that cannot answer now offers nothing now; the page still opens.
        let record = match crate::sharing::fetch_record(state, source, id_number).await {
            Ok(record) => record,
            Err(error) => {
                tracing::warn!(source = claim.source, %error, "claimable certificates not checked");
                continue;
            }
        };
        if record.is_some_and(|r| r.get(claim.require.0).map(String::as_str) == Some(claim.require.1)) {
            found.push(claim.type_code);
        }
    }
    if !read.is_empty() {
        let access = store::SubjectAccess {
            entry: crate::access_entry(
                state,
                Some(account),
                "shared_read",
                None,
                read.join(","),
                "查询可申领的电子证照".to_owned(),
            ),
            subject: Some(account.id.clone()),
            legal_basis: "本人查询".into(),
        };
        state.store.record_accesses(&[access]).await?;
    }
    Ok(found)
}

/// Claims a certificate of `type_code` for `account` from the issuer's own records
/// (e.g. 电子结婚证 from 婚姻登记) and returns its id; claiming one already issued
/// returns that one. Only a real-name applicant may claim, for themself.
pub async fn claim(state: &AppState, account: &Account, type_code: &str) -> Result<String, ApiError> {
    if !crate::sharing::can_prefill(account) {
        return Err(ApiError::forbidden("只有实名认证的申请人可以申领电子证照"));
    }
    let nothing = || {
        ApiError::new(
            "E_NOTHING_TO_CLAIM",
            "签发部门没有您的相应登记记录，或记录状态不符合申领条件。如有疑问请联系签发部门。",
        )
        .field("type")
    };
    let claim = CLAIMS.iter().find(|c| c.type_code == type_code).ok_or_else(nothing)?;
    issue_claim(state, account, claim).await?.ok_or_else(nothing)
}

async fn issue_claim(state: &AppState, account: &Account, claim: &Claim) -> Result<Option<String>, ApiError> {
    let Some(id_number) = account.id_number.clone() else {
        return Ok(None);
    };
    let (Some(kind), Some(source)) = (
        state.catalog.certificates.get(claim.type_code),
        state.sources.source(claim.source),
    ) else {
        return Ok(None);
    };
    let record = crate::sharing::fetch_record(state, source, &id_number).await?;
    let Some(record) = record.filter(|r| r.get(claim.require.0).map(String::as_str) == Some(claim.require.1)) else {
        return Ok(None);
    };
    let Some(number) = record.get(claim.number).cloned() else {
        return Ok(None);
    };
    let now = state.now();
    let today = cases::china_date(now);
    let mut data = BTreeMap::new();
    for (attribute, element) in claim.data {
        if !kind.surface.iter().any(|e| e == element) {
            continue;
        }
        if let Some(value) = record.get(*attribute) {
            data.insert((*element).to_owned(), value.clone());
        }
    }
    let certificate = certs::Certificate {
        id: format!("CN-{}-{}-{}", kind.issuer, claim.type_code, number),
        type_code: claim.type_code.to_owned(),
        type_name: kind.name.clone(),
        number,
        holder_name: record
            .get("name")
            .cloned()
            .unwrap_or_else(|| account.display_name.clone()),
        holder_id_type: "居民身份证".into(),
        holder_id_number: id_number.clone(),
        issuer_name: state.catalog.department_name(&kind.issuer).to_owned(),
        issuer_code: kind.issuer.clone(),
        issue_date: today,
        valid_from: today,
        valid_until: None,
        data,
    };
    if state.store.certificate(&certificate.id).await?.is_some() {
        return Ok(Some(certificate.id));
    }
    let stored = crate::certify::sign(state, certificate).await?;
    let read = store::SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(account),
            "shared_read",
            None,
            claim.data.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(","),
            format!("申领电子证照“{}”", kind.name),
        ),
        subject: Some(account.id.clone()),
        legal_basis: "本人申请".into(),
    };
    state.store.record_accesses(&[read]).await?;
    let id = stored.id.clone();
    let inserted = state
        .store
        .insert_certificates(&[store::NewCertificate {
            certificate: stored,
            actor: account.id.clone(),
            subject: Some(account.id.clone()),
        }])
        .await;
    match inserted {
        Ok(()) => Ok(Some(id)),
        // A second claim at the same moment: the first one's certificate stands.
        Err(_) if state.store.certificate(&id).await?.is_some() => Ok(Some(id)),
        Err(error) => Err(error.into()),
    }
}

/// Revokes (注销) certificate `id` as `account`, who must be staff of the issuing
/// department, with a reason of 1 to 200 characters. The revocation and its access
/// entry are one write; the holder is told.
pub async fn revoke(state: &AppState, account: &Account, id: &str, reason: &str) -> Result<(), ApiError> {
    // Who may, first: nobody else learns anything from how the input is judged.
    let not_found = || ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这个电子证照");
    if id.len() > 200 {
        return Err(not_found());
    }
    let stored = state.store.certificate(id).await?.ok_or_else(not_found)?;
    if account.role != Role::Staff || account.department.as_deref() != Some(stored.issuer_code.as_str()) {
        return Err(ApiError::forbidden(format!(
            "只有签发机关（{}）可以注销此证照",
            state.catalog.department_name(&stored.issuer_code)
        )));
    }
    let reason_len = reason.chars().count();
    if reason_len == 0 || reason_len > 200 {
        return Err(ApiError::new("E_REASON_REQUIRED", "请填写注销原因（1 到 200 个字）").field("reason"));
    }
    let subject = state.store.account_by_id_number(&stored.holder_id_number).await?;
    let record = store::SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(account),
            "certificate_revoked",
            stored.case_id.clone(),
            format!("certificate:{}", stored.id),
            format!("注销电子证照：{reason}"),
        ),
        subject: subject.as_ref().map(|a| a.id.clone()),
        legal_basis: "签发机关依职责注销".into(),
    };
    let today = cases::china_date(state.now());
    if !state.store.revoke_certificate(id, today, reason, &record).await? {
        return Err(ApiError::new("E_ALREADY_REVOKED", "该证照已经注销"));
    }
    if let Some(holder) = subject {
        let kind = state
            .catalog
            .certificates
            .get(&stored.type_code)
            .map_or(stored.type_code.clone(), |k| k.name.clone());
        let notice = domain::NewNotification {
            recipient: holder.id,
            kind: "certificate_revoked".into(),
            case_id: stored.case_id.clone(),
            item: stored.item.clone(),
            title: format!("电子证照“{kind}”已被注销"),
            body: format!(
                "{}注销了您的电子证照（编号 {}）。原因：{reason}",
                state.catalog.department_name(&stored.issuer_code),
                stored.number
            ),
            created_at: state.now(),
        };
        state.store.notify(std::slice::from_ref(&notice)).await?;
        crate::watch::deliver(state, std::slice::from_ref(&notice));
    }
    Ok(())
}

// ---------------------------------------------------------------- reading

fn not_found() -> ApiError {
    ApiError::new("E_CERTIFICATE_NOT_FOUND", "没有找到这个电子证照")
}

/// The legal basis of a read of a certificate by `reader`.
fn basis_of(reader: Option<&Account>) -> &'static str {
    match reader {
        Some(a) if a.role == Role::Applicant => "本人查询",
        Some(_) => "依职责查验",
        None => "持证人出示或分享，公开验证",
    }
}

/// The certificates `account` holds (我的证照), recorded as their own read.
pub async fn wallet(state: &AppState, account: &Account) -> Result<Vec<StoredCertificate>, ApiError> {
    if account.role != Role::Applicant {
        return Err(ApiError::forbidden("只有申请人有“我的证照”"));
    }
    let held = match &account.id_number {
        Some(id_number) => state.store.certificates_of_holder(id_number).await?,
        None => Vec::new(),
    };
    let access = store::SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(account),
            "list_certificates",
            None,
            String::new(),
            "查看我的证照".into(),
        ),
        subject: Some(account.id.clone()),
        legal_basis: "本人查询".into(),
    };
    state.store.record_accesses(&[access]).await?;
    Ok(held)
}

/// What a holder does with one of their certificates, for the access entry.
#[derive(Clone, Copy, Debug)]
pub enum HolderRead {
    /// 持证人查看证照.
    View,
    /// 持证人下载证照文件.
    Download,
}

/// Certificate `id` if `reader` may have its file: its holder, the issuing
/// department, or staff whose department has a task in its case that takes this
/// type as a material (出生登记 reading the 出生医学证明). Anyone else is told it
/// does not exist. The read is recorded about the holder.
pub async fn read(
    state: &AppState,
    reader: &Account,
    id: &str,
    what: HolderRead,
) -> Result<StoredCertificate, ApiError> {
    let found = find(state, id).await?.ok_or_else(not_found)?;
    let holder = reader.id_number.as_deref() == Some(found.holder_id_number.as_str());
    let allowed = match reader.role {
        Role::Applicant => holder,
        Role::Staff => {
            reader.department.as_deref() == Some(found.issuer_code.as_str())
                || uses_in_case(state, reader, &found).await?
        }
        Role::Admin | Role::Auditor | Role::Service => false,
    };
    if !allowed {
        return Err(not_found());
    }
    let (action, purpose, basis) = match (what, reader.role) {
        (HolderRead::View, Role::Applicant) => ("read_certificate", "持证人查看证照", "本人查询"),
        (HolderRead::Download, Role::Applicant) => ("download_certificate", "持证人下载证照文件", "本人查询"),
        (HolderRead::View, _) => ("read_certificate", "查看证照", "签发机关依职责查询"),
        (HolderRead::Download, _) => ("download_certificate", "下载证照文件", "签发机关依职责查询"),
    };
    crate::certify::record_access(state, Some(reader), action, Some(&found), purpose.into(), basis).await?;
    Ok(found)
}

/// The stored certificate `id`, unrecorded: for what a use case already recorded
/// (a claim, a revocation) or is about to.
async fn find(state: &AppState, id: &str) -> Result<Option<StoredCertificate>, ApiError> {
    if id.len() > 200 {
        return Ok(None);
    }
    Ok(state.store.certificate(id).await?)
}

/// The certificate just claimed or revoked by `account`, for the answer: the
/// use case that changed it recorded the change.
pub async fn after_change(state: &AppState, id: &str) -> Result<StoredCertificate, ApiError> {
    find(state, id).await?.ok_or_else(not_found)
}

async fn uses_in_case(state: &AppState, account: &Account, found: &StoredCertificate) -> Result<bool, ApiError> {
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

// ---------------------------------------------------------------- sharing and verification

/// A share link made by the holder: the token for the URL (only its hash is
/// kept) and when it stops working.
pub struct ShareLink {
    pub certificate_id: String,
    pub token: String,
    pub expires: DateTime<Utc>,
}

/// Makes a link anyone can open until it expires ([`AppState::share_days`]) to see
/// the whole certificate `id`, which `account` must hold.
pub async fn share(state: &AppState, account: &Account, id: &str) -> Result<ShareLink, ApiError> {
    let stored = find(state, id)
        .await?
        .filter(|s| {
            account.role == Role::Applicant && account.id_number.as_deref() == Some(s.holder_id_number.as_str())
        })
        .ok_or_else(not_found)?;
    let (token, hash) = crate::auth::new_token();
    let now = state.now();
    let expires = now + chrono::Duration::days(state.share_days);
    state
        .store
        .put_certificate_share(&hash, &stored.id, expires, now, &account.id)
        .await?;
    crate::certify::record_access(
        state,
        Some(account),
        "share_certificate",
        Some(&stored),
        "持证人生成限时验证链接".into(),
        "本人查询",
    )
    .await?;
    Ok(ShareLink {
        certificate_id: stored.id,
        token,
        expires,
    })
}

/// How a certificate was presented for verification, for the access entry.
#[derive(Clone, Copy, Debug)]
pub enum Presented {
    /// A file uploaded or pasted on the page.
    Upload,
    /// A file posted to the API.
    Api,
    /// Its QR code (the page of its id).
    Scan,
    /// Its id, over the API.
    ApiStatus,
    /// Its type and printed number.
    Number,
    /// A share link made by the holder.
    ShareLink,
}

impl Presented {
    fn purpose(self) -> &'static str {
        match self {
            Self::Upload => "上传文件验证",
            Self::Api => "接口验证",
            Self::Scan => "扫码验证",
            Self::ApiStatus => "按标识查询状态",
            Self::Number => "按类型和编号验证",
            Self::ShareLink => "分享链接验证",
        }
    }
}

/// A verification's result and the issuer's record of the certificate, if it was
/// issued here.
pub struct Verification {
    pub checked: Checked,
    pub stored: Option<StoredCertificate>,
}

/// Verifies a certificate file (signature, issuer key, the issuer's current record)
/// and records the check about its holder (or with no subject when it was not
/// issued here). Public: `reader` is whoever is logged in, if anyone.
pub async fn verify_file(
    state: &AppState,
    reader: Option<&Account>,
    bytes: &[u8],
    how: Presented,
) -> Result<Verification, ApiError> {
    let checked = crate::certify::verify_bytes(state, bytes).await?;
    record_verification(state, reader, &checked, how).await?;
    let stored = checked.stored.clone();
    Ok(Verification { checked, stored })
}

async fn record_verification(
    state: &AppState,
    reader: Option<&Account>,
    checked: &Checked,
    how: Presented,
) -> Result<(), ApiError> {
    let purpose = format!("{}：{}", how.purpose(), crate::certify::outcome(checked));
    let basis = match (how, &checked.stored) {
        (Presented::Api | Presented::ApiStatus, _) | (_, None) => "公开验证",
        _ => basis_of(reader),
    };
    crate::certify::record_access(
        state,
        reader,
        "verify_certificate",
        checked.stored.as_ref(),
        purpose,
        basis,
    )
    .await?;
    Ok(())
}

/// Verifies the certificate issued here under `id` (its QR code's page, the API's
/// status); `None` when there is none.
pub async fn verify_id(
    state: &AppState,
    reader: Option<&Account>,
    id: &str,
    how: Presented,
) -> Result<Option<Verification>, ApiError> {
    let Some(stored) = find(state, id).await? else {
        return Ok(None);
    };
    verify_stored(state, reader, stored, how).await.map(Some)
}

async fn verify_stored(
    state: &AppState,
    reader: Option<&Account>,
    stored: StoredCertificate,
    how: Presented,
) -> Result<Verification, ApiError> {
    let checked = crate::certify::verify_bytes(state, stored.file.as_bytes()).await?;
    record_verification(state, reader, &checked, how).await?;
    Ok(Verification {
        checked,
        stored: Some(stored),
    })
}

/// Verifies a certificate by its type and the number printed on it; `None` when
/// this platform issued no such certificate. The caller limits the rate.
pub async fn verify_number(
    state: &AppState,
    reader: Option<&Account>,
    type_code: &str,
    number: &str,
) -> Result<Option<Verification>, ApiError> {
    if !state.catalog.certificates.contains_key(type_code) {
        return Err(ApiError::new("E_CERTIFICATE_TYPE_UNKNOWN", "请选择证照类型").field("type"));
    }
    let number = number.trim();
    if number.is_empty() || number.chars().count() > 64 {
        return Err(
            ApiError::new("E_CERTIFICATE_NUMBER_INVALID", "请填写证照上的编号（不超过 64 个字符）").field("number"),
        );
    }
    let Some(stored) = state.store.certificate_by_number(type_code, number).await? else {
        return Ok(None);
    };
    verify_stored(state, reader, stored, Presented::Number).await.map(Some)
}

/// Opens a share link: the certificate verified, and when the link expires; `None`
/// when the token names no live link.
pub async fn open_share(
    state: &AppState,
    reader: Option<&Account>,
    token: &str,
) -> Result<Option<(Verification, DateTime<Utc>)>, ApiError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some((certificate_id, expires_at)) = state.store.certificate_share(&crate::auth::token_hash(token)).await?
    else {
        return Ok(None);
    };
    if expires_at <= state.now() {
        return Ok(None);
    }
    let Some(stored) = find(state, &certificate_id).await? else {
        return Ok(None);
    };
    Ok(Some((
        verify_stored(state, reader, stored, Presented::ShareLink).await?,
        expires_at,
    )))
}

/// The certificates a department's task may look at: those issued in `case` and
/// those its applicant holds (a certificate named as a material needs no upload).
/// Part of a read of the case's task, which records it.
pub async fn of_case_and_applicant(state: &AppState, case: &cases::Case) -> Result<Vec<StoredCertificate>, ApiError> {
    let mut candidates = state.store.certificates_of_case(case.id.as_str()).await?;
    if let Some(applicant) = state.store.account_by_id(&case.applicant).await?
        && let Some(id_number) = applicant.id_number
    {
        for held in state.store.certificates_of_holder(&id_number).await? {
            if !candidates.iter().any(|c| c.id == held.id) {
                candidates.push(held);
            }
        }
    }
    Ok(candidates)
}

/// The certificates issued in `case`, for its applicant or a supervisor (the read
/// of the case records it).
pub async fn issued_in(
    state: &AppState,
    caller: &Account,
    case: &cases::Case,
) -> Result<Vec<StoredCertificate>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Auditor) && case.applicant != caller.id {
        return Err(ApiError::case_not_found());
    }
    Ok(state.store.certificates_of_case(case.id.as_str()).await?)
}
