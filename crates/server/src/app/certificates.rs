//! E-certificates a person claims from an issuer's own records, and revocation by
//! the issuing department. Both front doors call these; issuing on approval is part
//! of the commit of a case change ([`super::tasks::commit`]).

use std::collections::BTreeMap;

use domain::{Account, Role};

use crate::AppState;
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
