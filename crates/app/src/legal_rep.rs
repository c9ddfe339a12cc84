//! The enterprises an applicant may apply for as their legal representative
//! (法定代表人), offered instead of asking them to type a credit code.
//!
//! 法人库 is read the other way round (`represented_enterprises` of the person, a
//! source of its own in `sources.toml`), and each enterprise it names is checked again
//! in 法人库 itself, as [`crate::sharing::enterprise_of`] checks a typed code. This is a
//! read of the applicant's data: it happens only after they agreed to 法人库 on the
//! consent screen, and it leaves access entries about them like every prefill.

use domain::Account;
use ids::{CreditCode, IdNumber};
use serde::Serialize;
use sharing::SubjectKind;

use crate::AppState;
use crate::error::ApiError;
use crate::sharing::{consented_read, fetch_record, source_name};
use store::SubjectAccess;

/// The attribute of a person naming the enterprises they represent.
pub const REPRESENTED_ATTRIBUTE: &str = "represented_enterprises";

/// Most enterprises offered; a person registered for more types the code.
const MAX_OFFERED: usize = 20;

/// An enterprise whose registered legal representative the applicant is. Its
/// credit code is not personal data and is shown in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Represented {
    pub uscc: String,
    pub name: String,
}

/// The enterprises 法人库 names `account` legal representative of, for `purpose`
/// (the one-thing being applied for). Empty when the account has no ID number or the
/// deployment has no such source. Every read is an access entry about the applicant.
pub async fn represented_enterprises(
    state: &AppState,
    account: &Account,
    one_thing_name: &str,
) -> Result<Vec<Represented>, ApiError> {
    let Some(id_number) = account.id_number.as_deref().and_then(|text| IdNumber::parse(text).ok()) else {
        return Ok(Vec::new());
    };
    let (Some(index), Some(registry)) = (
        state.sources.serving(SubjectKind::Person, REPRESENTED_ATTRIBUTE),
        state.sources.serving(SubjectKind::Enterprise, "legal_rep_id_number"),
    ) else {
        return Ok(Vec::new());
    };
    let listed = fetch_record(state, index, id_number.as_str())
        .await?
        .and_then(|record| record.get(REPRESENTED_ATTRIBUTE).cloned())
        .unwrap_or_default();
    let mut codes: Vec<CreditCode> = Vec::new();
    for piece in listed.split([',', '，', '、']) {
        if let Ok(code) = CreditCode::parse(piece.trim())
            && !codes.contains(&code)
            && codes.len() < MAX_OFFERED
        {
            codes.push(code);
        }
    }
    let mut accesses = vec![consented_read(
        state,
        account,
        Some(account.id.clone()),
        "enterprise.uscc".into(),
        format!(
            "{one_thing_name}：经申请人授权从{}列出其担任法定代表人的企业",
            source_name(state, &index.code)
        ),
    )];
    // The index may lag behind the registry: offer only what 法人库 confirms.
    let mut offered = Vec::new();
    for code in codes {
        let Some(record) = fetch_record(state, registry, code.as_str()).await? else {
            continue;
        };
        if record.get("legal_rep_id_number").map(String::as_str) != Some(id_number.as_str()) {
            continue;
        }
        accesses.push(consented_read(
            state,
            account,
            Some(account.id.clone()),
            "enterprise.name".into(),
            format!(
                "{one_thing_name}：经申请人授权从{}读取其担任法定代表人的企业 {} 的名称",
                source_name(state, &registry.code),
                code.as_str()
            ),
        ));
        offered.push(Represented {
            uscc: code.as_str().to_owned(),
            name: record.get("name").cloned().unwrap_or_default(),
        });
    }
    state.store.record_accesses(&accesses).await?;
    Ok(offered)
}

/// Whether the applicant's consent covers the registry the offer reads: every
/// source when they did not choose, else only if they ticked 法人库.
pub fn consent_covers_registry(state: &AppState, only: Option<&[String]>) -> bool {
    let Some(registry) = state.sources.serving(SubjectKind::Enterprise, "legal_rep_id_number") else {
        return false;
    };
    only.is_none_or(|ticked| ticked.iter().any(|code| code == &registry.code))
}

/// Why 我的待遇 reads 法人库: the person looks at what concerns them, so no consent
/// screen is needed, but every read is still an entry about them.
const OWN_BENEFITS_BASIS: &str = "本人查询（核验法定代表人身份以查看企业待遇）";

fn own_read(state: &AppState, account: &Account, elements: &str, purpose: String) -> SubjectAccess {
    SubjectAccess {
        entry: crate::access_entry(state, Some(account), "shared_read", None, elements.to_owned(), purpose),
        subject: Some(account.id.clone()),
        legal_basis: OWN_BENEFITS_BASIS.to_owned(),
    }
}

/// The enterprises 法人库 confirms `account` legal representative of, for their
/// 我的待遇 (稳岗返还 and other enterprise benefits). Empty without an ID number or
/// such sources; each read that found something is an access entry about them.
pub async fn enterprises_for_benefits(state: &AppState, account: &Account) -> Result<Vec<Represented>, ApiError> {
    let Some(id_number) = account.id_number.as_deref().and_then(|text| IdNumber::parse(text).ok()) else {
        return Ok(Vec::new());
    };
    let (Some(index), Some(registry)) = (
        state.sources.serving(SubjectKind::Person, REPRESENTED_ATTRIBUTE),
        state.sources.serving(SubjectKind::Enterprise, "legal_rep_id_number"),
    ) else {
        return Ok(Vec::new());
    };
    let Some(listed) = fetch_record(state, index, id_number.as_str())
        .await?
        .and_then(|record| record.get(REPRESENTED_ATTRIBUTE).cloned())
    else {
        return Ok(Vec::new());
    };
    let mut accesses = vec![own_read(
        state,
        account,
        "enterprise.uscc",
        format!(
            "我的待遇：从{}列出本人担任法定代表人的企业",
            source_name(state, &index.code)
        ),
    )];
    let mut offered = Vec::new();
    for piece in listed.split([',', '，', '、']) {
        let Ok(code) = CreditCode::parse(piece.trim()) else {
            continue;
        };
        if offered.iter().any(|e: &Represented| e.uscc == code.as_str()) || offered.len() >= MAX_OFFERED {
            continue;
        }
        if let Some(enterprise) =
            confirm_representative(state, account, &id_number, registry, &code, &mut accesses).await?
        {
            offered.push(enterprise);
        }
    }
    state.store.record_accesses(&accesses).await?;
    Ok(offered)
}

/// Whether 法人库 names `account` legal representative of the enterprise `uscc` now:
/// the check before they act on its benefit. The read is an access entry about them.
pub async fn represents(state: &AppState, account: &Account, uscc: &str) -> Result<Option<Represented>, ApiError> {
    let (Some(id_number), Ok(code)) = (
        account.id_number.as_deref().and_then(|text| IdNumber::parse(text).ok()),
        CreditCode::parse(uscc),
    ) else {
        return Ok(None);
    };
    let Some(registry) = state.sources.serving(SubjectKind::Enterprise, "legal_rep_id_number") else {
        return Ok(None);
    };
    let mut accesses = Vec::new();
    let found = confirm_representative(state, account, &id_number, registry, &code, &mut accesses).await?;
    state.store.record_accesses(&accesses).await?;
    Ok(found)
}

/// Reads the enterprise in 法人库 and keeps it if its legal representative is
/// `id_number` (the index may lag behind the registry), with the entry of the read.
async fn confirm_representative(
    state: &AppState,
    account: &Account,
    id_number: &IdNumber,
    registry: &sharing::Source,
    code: &CreditCode,
    accesses: &mut Vec<SubjectAccess>,
) -> Result<Option<Represented>, ApiError> {
    let Some(record) = fetch_record(state, registry, code.as_str()).await? else {
        return Ok(None);
    };
    accesses.push(own_read(
        state,
        account,
        "enterprise.legal_rep_id_number,enterprise.name",
        format!(
            "我的待遇：从{}核验本人是否为企业 {} 的法定代表人",
            source_name(state, &registry.code),
            code.as_str()
        ),
    ));
    if record.get("legal_rep_id_number").map(String::as_str) != Some(id_number.as_str()) {
        return Ok(None);
    }
    Ok(Some(Represented {
        uscc: code.as_str().to_owned(),
        name: record.get("name").cloned().unwrap_or_default(),
    }))
}

/// Delivers messages addressed to an enterprise (`enterprise:<credit code>`, which no
/// inbox reads) to the person 法人库 names its legal representative when the message
/// is stored: the recipient becomes `person:<their ID number>` (so they read it with
/// or without an account yet) and the message names the enterprise. A message whose
/// enterprise 法人库 does not know, or names no valid representative of, stays as it
/// was. Each lookup is a read of the representative's data by `caller` for
/// `legal_basis`: the entries about them are returned, to be written with the
/// messages.
///
/// Delivery time rather than reading time: the representative changes rarely, the
/// inbox is read on every page (its unread badge) and would otherwise read 法人库 and
/// write entries each time, and a message is a notice of what happened then, to whom
/// represented the enterprise then. What the enterprise is entitled to now is still
/// decided on 我的待遇 by asking 法人库 at that moment ([`enterprises_for_benefits`]).
pub async fn address_enterprise_notices(
    state: &AppState,
    caller: &Account,
    legal_basis: &str,
    notices: Vec<&mut domain::NewNotification>,
) -> Result<Vec<SubjectAccess>, ApiError> {
    let mut accesses = Vec::new();
    let Some(registry) = state.sources.serving(SubjectKind::Enterprise, "legal_rep_id_number") else {
        return Ok(accesses);
    };
    // The representative and name of each enterprise, read once per call.
    let mut known: std::collections::BTreeMap<String, Option<(IdNumber, String)>> = std::collections::BTreeMap::new();
    for notice in notices {
        let Some(uscc) = notice.recipient.strip_prefix("enterprise:").map(str::to_owned) else {
            continue;
        };
        if !known.contains_key(&uscc) {
            let record = fetch_record(state, registry, &uscc).await?;
            let representative = record.and_then(|record| {
                let id_number = IdNumber::parse(record.get("legal_rep_id_number")?).ok()?;
                Some((id_number, record.get("name").cloned().unwrap_or_default()))
            });
            if let Some((id_number, _)) = &representative {
                accesses.push(SubjectAccess {
                    entry: crate::access_entry(
                        state,
                        Some(caller),
                        "shared_read",
                        None,
                        "enterprise.legal_rep_id_number".to_owned(),
                        format!(
                            "为向企业 {uscc} 的法定代表人送达消息，从{}读取其法定代表人",
                            source_name(state, &registry.code)
                        ),
                    ),
                    subject: Some(crate::benefits::person_subject(id_number.as_str())),
                    legal_basis: legal_basis.to_owned(),
                });
            }
            known.insert(uscc.clone(), representative);
        }
        if let Some(Some((id_number, name))) = known.get(&uscc) {
            notice.recipient = crate::benefits::person_subject(id_number.as_str());
            notice.title = format!("企业“{name}”：{}", notice.title);
            notice.body = format!(
                "您是企业“{name}”（统一社会信用代码 {uscc}）登记的法定代表人。{}",
                notice.body
            );
        }
    }
    Ok(accesses)
}
