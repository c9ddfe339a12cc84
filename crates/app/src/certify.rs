//! E-certificates (电子证照) at the edge: department keys (generated once, stored,
//! rotated, never logged), issuing a certificate when a task whose item outputs one
//! is approved, and verifying certificate files against the keyring and the
//! revocation status in the store.

use std::collections::BTreeMap;
use std::sync::Arc;

use cases::{Case, Event, Transition};
use certs::{Algorithm, Certificate, IssuerKey, Keyring, Revocation, SigningKey, VerifyError};
use chrono::NaiveDate;
use domain::NewNotification;
use store::{NewCertificate, StoreError, StoredCertificate, StoredKey};
use tokio::sync::RwLock;

use crate::AppState;

/// Issuer keys as loaded from the store: the public keyring and each department's
/// active signing key.
pub struct LoadedKeys {
    pub keyring: Keyring,
    signing: BTreeMap<String, SigningKey>,
}

/// A cache of [`LoadedKeys`], reloaded after a key is added.
#[derive(Default)]
pub struct KeyCache {
    loaded: RwLock<Option<Arc<LoadedKeys>>>,
}

impl KeyCache {
    async fn invalidate(&self) {
        *self.loaded.write().await = None;
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// The keyring and signing keys, from the cache or the store.
pub async fn keys(state: &AppState) -> Result<Arc<LoadedKeys>, StoreError> {
    if let Some(loaded) = state.keys.loaded.read().await.as_ref() {
        return Ok(loaded.clone());
    }
    reload_keys(state).await
}

/// Reads the keys from the store, whatever the cache holds: another node or
/// `onething cert rotate-key` may have rotated a key since.
pub async fn reload_keys(state: &AppState) -> Result<Arc<LoadedKeys>, StoreError> {
    let mut keyring = Keyring::default();
    let mut signing = BTreeMap::new();
    for stored in state.store.issuer_keys().await? {
        let algorithm: Algorithm = stored.algorithm.parse().map_err(corrupt)?;
        let public_key = certs::PublicKey::from_bytes(algorithm, &stored.public_key).map_err(corrupt)?;
        keyring.keys.push(IssuerKey::new(
            stored.department.clone(),
            state.catalog.department_name(&stored.department),
            public_key,
            stored.valid_from,
            stored.retired_at,
        ));
        if stored.retired_at.is_none() {
            let secret = match (&state.key_wrap, crate::keywrap::is_sealed(&stored.secret)) {
                (Some(wrap), true) => wrap
                    .open(&stored.key_id, &stored.department, &stored.secret)
                    .map_err(corrupt)?,
                (None, true) => return Err(corrupt(crate::keywrap::KeyWrapError::NoMasterKey(stored.key_id))),
                // Written before keys were sealed: still usable.
                (_, false) => stored.secret.clone(),
            };
            let key = SigningKey::from_secret_bytes(algorithm, &secret).map_err(corrupt)?;
            signing.insert(stored.department.clone(), key);
        }
    }
    let loaded = Arc::new(LoadedKeys { keyring, signing });
    *state.keys.loaded.write().await = Some(loaded.clone());
    Ok(loaded)
}

/// Generates and stores a new key for `department`, valid from `today`; the old one
/// (if any) stops signing after today and stays in the keyring. Returns the key id.
pub async fn rotate_key(state: &AppState, department: &str, today: NaiveDate) -> Result<String, StoreError> {
    let key = SigningKey::generate(state.cert_algorithm, &mut rand::rngs::OsRng);
    let key_id = key.key_id();
    state
        .store
        .add_issuer_key(&StoredKey {
            key_id: key_id.clone(),
            department: department.to_owned(),
            algorithm: key.algorithm().name().to_owned(),
            public_key: key.public_key().bytes().to_vec(),
            secret: match &state.key_wrap {
                Some(wrap) => wrap.seal(&key_id, department, &key.secret_bytes()),
                None => key.secret_bytes(),
            },
            valid_from: today,
            retired_at: None,
            created_at: state.now(),
        })
        .await?;
    state.keys.invalidate().await;
    tracing::info!(%department, %key_id, algorithm = %key.algorithm(), "issuer key added");
    Ok(key_id)
}

/// Makes sure every department that issues a certificate type has a signing key.
/// Returns how many keys were generated.
///
/// Safe when several nodes start at once: a node that loses the race for a
/// department (the store allows one active key) finds the winner's key and
/// goes on.
pub async fn ensure_keys(state: &AppState) -> Result<usize, StoreError> {
    let loaded = reload_keys(state).await?;
    let today = cases::china_date(state.now());
    let mut issuers: Vec<&str> = state.catalog.certificates.values().map(|c| c.issuer.as_str()).collect();
    issuers.sort_unstable();
    issuers.dedup();
    let mut made = 0;
    for department in issuers {
        if loaded.signing.contains_key(department) {
            continue;
        }
        match rotate_key(state, department, today).await {
            Ok(_) => made += 1,
            Err(error) => {
                if !reload_keys(state).await?.signing.contains_key(department) {
                    return Err(error);
                }
            }
        }
    }
    Ok(made)
}

/// The department's active key, read from the store at every signature (signing is
/// rare): a key rotated by another node is never used after its retirement.
async fn signing_key(state: &AppState, department: &str) -> Result<(SigningKey, Arc<LoadedKeys>), StoreError> {
    let mut loaded = reload_keys(state).await?;
    if !loaded.signing.contains_key(department) {
        ensure_keys(state).await?;
        loaded = reload_keys(state).await?;
    }
    let key = loaded
        .signing
        .get(department)
        .cloned()
        .ok_or_else(|| corrupt(format!("no signing key for department {department}")))?;
    Ok((key, loaded))
}

/// The holder of certificates issued in a case: the applicant's name and ID number.
pub struct Holder {
    pub account: String,
    pub name: String,
    pub id_number: String,
}

/// Signs a certificate body with the department's active key.
pub async fn sign(state: &AppState, certificate: Certificate) -> Result<StoredCertificate, StoreError> {
    let (key, _) = signing_key(state, &certificate.issuer_code).await?;
    let signed = certs::issue(certificate, &key).map_err(corrupt)?;
    let file = String::from_utf8(signed.to_file_bytes()).map_err(corrupt)?;
    let c = &signed.certificate;
    Ok(StoredCertificate {
        id: c.id.clone(),
        type_code: c.type_code.clone(),
        number: c.number.clone(),
        holder_id_number: c.holder_id_number.clone(),
        case_id: None,
        item: None,
        issuer_code: c.issuer_code.clone(),
        issue_date: c.issue_date,
        valid_until: c.valid_until,
        file,
        revoked_on: None,
        revoke_reason: None,
        issued_at: state.now(),
    })
}

/// The certificates a change issues: one for every task approved in `events` whose
/// item outputs a certificate type, with the notices telling the holder.
pub async fn issued_by(
    state: &AppState,
    case: &Case,
    events: &[Event],
    holder: Option<&Holder>,
) -> Result<(Vec<NewCertificate>, Vec<NewNotification>), StoreError> {
    let mut certificates = Vec::new();
    let mut notices = Vec::new();
    let today = cases::china_date(state.now());
    for event in events.iter().filter(|e| e.transition == Transition::Approve) {
        let Some(code) = &event.item else { continue };
        let Some(item) = state.catalog.items.get(code) else {
            continue;
        };
        let Some(type_code) = &item.outputs.certificate else {
            continue;
        };
        let Some(kind) = state.catalog.certificates.get(type_code) else {
            continue;
        };
        let Some(task) = case.task(code) else { continue };
        let Some(holder) = holder else {
            tracing::warn!(case = %case.id, item = %code, "no holder ID number; certificate not issued");
            continue;
        };
        let number = task
            .outputs
            .iter()
            .find(|(element, _)| element.ends_with("_no") || element.ends_with(".uscc"))
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| format!("{}{}{}", kind.issuer, today.format("%Y%m%d"), &case.id.as_str()[3..]));
        // The surface data the certificate type declares, and nothing else of the case.
        let mut data: BTreeMap<String, String> = BTreeMap::new();
        for element in &kind.surface {
            let value = task
                .outputs
                .get(element)
                .cloned()
                .or_else(|| case.form.get(element).map(|v| v.value.clone()));
            if let Some(value) = value {
                data.insert(element.clone(), value);
            }
        }
        data.insert("case_id".into(), case.id.to_string());
        let certificate = Certificate {
            id: format!("CN-{}-{}-{}", kind.issuer, case.id, code),
            type_code: type_code.clone(),
            type_name: kind.name.clone(),
            number,
            holder_name: holder.name.clone(),
            holder_id_type: "居民身份证".into(),
            holder_id_number: holder.id_number.clone(),
            issuer_name: state.catalog.department_name(&kind.issuer).to_owned(),
            issuer_code: kind.issuer.clone(),
            issue_date: today,
            valid_from: today,
            valid_until: None,
            data,
        };
        let mut stored = sign(state, certificate).await?;
        stored.case_id = Some(case.id.to_string());
        stored.item = Some(code.to_string());
        notices.push(NewNotification {
            recipient: holder.account.clone(),
            kind: "certificate_issued".into(),
            case_id: Some(case.id.to_string()),
            item: Some(code.to_string()),
            title: format!("电子证照“{}”已签发", kind.name),
            body: format!(
                "{}已签发您的电子证照“{}”（编号 {}），可在“我的证照”查看、出示和分享，后续办事无需再提交纸质证明。",
                state.catalog.department_name(&kind.issuer),
                kind.name,
                stored.number
            ),
            created_at: state.now(),
        });
        certificates.push(NewCertificate {
            certificate: stored,
            actor: event.actor.clone(),
            subject: Some(holder.account.clone()),
        });
    }
    Ok((certificates, notices))
}

/// The holder of a case's certificates: the applicant, if they have an ID number.
pub async fn holder_of(state: &AppState, case: &Case) -> Result<Option<Holder>, StoreError> {
    let Some(account) = state.store.account_by_id(&case.applicant).await? else {
        return Ok(None);
    };
    let Some(id_number) = account.id_number.clone() else {
        return Ok(None);
    };
    let name = case
        .form
        .get("person.name")
        .map(|v| v.value.clone())
        .unwrap_or_else(|| account.display_name.clone());
    Ok(Some(Holder {
        account: account.id,
        name,
        id_number,
    }))
}

/// The result of verifying a file online.
pub struct Checked {
    pub result: Result<certs::Verified, VerifyError>,
    /// The stored certificate of the same id, if this server issued it.
    pub stored: Option<StoredCertificate>,
}

/// The certificate id a file claims, read without trusting anything else in it.
fn claimed_id(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    value.get("certificate")?.get("id")?.as_str().map(str::to_owned)
}

/// Verifies a certificate file with the keyring and the store's revocation status.
pub async fn verify_bytes(state: &AppState, bytes: &[u8]) -> Result<Checked, StoreError> {
    let loaded = keys(state).await?;
    let stored = match claimed_id(bytes) {
        Some(id) if id.len() <= 200 => state.store.certificate(&id).await?,
        _ => None,
    };
    let revocation = stored.as_ref().and_then(revocation_of);
    let today = cases::china_date(state.now());
    let mut result = certs::verify_file(bytes, &loaded.keyring, revocation.as_ref(), today);
    // A key this node has not seen yet (added by another node or the CLI): reload once.
    if matches!(
        result,
        Err(VerifyError::UnknownKey { .. } | VerifyError::KeyNotValid { .. })
    ) {
        let fresh = reload_keys(state).await?;
        if fresh.keyring != loaded.keyring {
            result = certs::verify_file(bytes, &fresh.keyring, revocation.as_ref(), today);
        }
    }
    Ok(Checked { result, stored })
}

/// The revocation record of a stored certificate.
pub fn revocation_of(stored: &StoredCertificate) -> Option<Revocation> {
    stored.revoked_on.map(|revoked_on| Revocation {
        revoked_on,
        reason: stored.revoke_reason.clone().unwrap_or_default(),
    })
}

/// A stored certificate's state on `today`: `valid`, `revoked` or `expired`.
pub fn status(stored: &StoredCertificate, today: NaiveDate) -> &'static str {
    if stored.revoked_on.is_some() {
        "revoked"
    } else if stored.valid_until.is_some_and(|until| until < today) {
        "expired"
    } else {
        "valid"
    }
}

/// How a verification ended, in words for the access log.
pub fn outcome(checked: &Checked) -> String {
    match &checked.result {
        Ok(_) => "验证通过".to_owned(),
        Err(error) => format!("验证未通过（{}）", error.code()),
    }
}

/// Writes an access entry about a certificate (or, with `None`, a file not issued
/// here), whose subject is the holder's account if they have one.
pub async fn record_access(
    state: &AppState,
    actor: Option<&domain::Account>,
    action: &str,
    stored: Option<&StoredCertificate>,
    purpose: String,
    legal_basis: &str,
) -> Result<(), StoreError> {
    let subject = match stored {
        Some(stored) => state
            .store
            .account_by_id_number(&stored.holder_id_number)
            .await?
            .map(|a| a.id),
        None => None,
    };
    let access = store::SubjectAccess {
        entry: crate::access_entry(
            state,
            actor,
            action,
            stored.and_then(|s| s.case_id.clone()),
            stored.map(|s| format!("certificate:{}", s.id)).unwrap_or_default(),
            purpose,
        ),
        subject,
        legal_basis: legal_basis.to_owned(),
    };
    state.store.record_accesses(&[access]).await
}

/// The certificate types an ID number holds valid certificates of today (免证办).
pub async fn held_types(state: &AppState, id_number: &str) -> Result<Vec<String>, StoreError> {
    let today = cases::china_date(state.now());
    Ok(state
        .store
        .certificates_of_holder(id_number)
        .await?
        .into_iter()
        .filter(|c| status(c, today) == "valid")
        .map(|c| c.type_code)
        .collect())
}

/// The parsed body of a stored certificate (this server wrote the file).
pub fn body_of(stored: &StoredCertificate) -> Option<certs::SignedCertificate> {
    serde_json::from_str(&stored.file).ok()
}
