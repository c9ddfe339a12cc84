//! Department systems (公安户籍、医保、人社、市场监管…) calling the API with OAuth 2.0
//! client credentials (RFC 6749 §4.4) instead of a staff member's password.
//!
//! An admin creates a client for one system: a name, its department and scopes, each
//! one department-task operation ([`Scope`]). Its secret is shown once and stored as
//! an HMAC-SHA256 under a key derived from the master key. A fast keyed hash suffices
//! here, unlike for passwords: the secret is 256 random bits, so there is nothing to
//! guess and a slow hash would only make the token endpoint a CPU sink; the key keeps
//! a copy of the database alone from checking any candidate at all.
//!
//! The system trades its secret for an access token of [`TOKEN_SECONDS`]; the token
//! makes a principal of role [`Role::Service`] named `system:<client_id>`, bound to
//! the department, which the ordinary use cases treat like its department's staff
//! (access, masking, ledger entries) once [`SystemPrincipal::require`] found the
//! scope. Rotation adds a secret and lets the old ones work for a grace period;
//! revoking a secret or the client ends it and every token obtained with it at once.
//! Wrong secrets count against the client like wrong passwords against a username.

use chrono::{DateTime, Utc};
use domain::{Account, Role, Scope, ServiceClient, ServiceSecret, ServiceToken};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use store::SubjectAccess;

use crate::error::ApiError;
use crate::{AppError, AppState};

/// How long an access token lives.
pub const TOKEN_SECONDS: i64 = 600;
/// The grace period of a rotation when the admin names none.
pub const DEFAULT_GRACE_HOURS: i64 = 24;
/// The longest grace period.
pub const MAX_GRACE_HOURS: i64 = 30 * 24;
/// The prefix of access tokens, so that the API tells them from session tokens
/// without a store read.
pub const TOKEN_PREFIX: &str = "svc_";

/// HMAC-SHA256 of `message` under `key`.
fn hmac(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
    mac.update(message);
    mac
}

#[allow(clippy::panic)]
fn unreachable_hmac() -> Hmac<Sha256> {
    panic!("HMAC-SHA256 accepts keys of every length")
}

/// A 32-byte key for one `purpose`, derived from a master key.
pub fn derive_key(master: &[u8], purpose: &[u8]) -> [u8; 32] {
    hmac(master, purpose).finalize().into_bytes().into()
}

/// The key secrets are hashed under: from the master key; without one (tests only:
/// `onething` always configures one) a fixed key.
fn credential_key(state: &AppState) -> [u8; 32] {
    match &state.key_wrap {
        Some(wrap) => *wrap.credential_key(),
        None => derive_key(b"onething test credentials without a master key", b"v1"),
    }
}

/// The stored hash of a client secret.
pub fn secret_hash(state: &AppState, secret: &str) -> String {
    hex::encode(hmac(&credential_key(state), secret.as_bytes()).finalize().into_bytes())
}

/// Whether `secret` is the one `hash` was made of, in constant time.
fn secret_matches(state: &AppState, secret: &str, hash: &str) -> bool {
    let Ok(expected) = hex::decode(hash) else {
        return false;
    };
    hmac(&credential_key(state), secret.as_bytes())
        .verify_slice(&expected)
        .is_ok()
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// The principal of a department system: an account that is never stored.
pub fn principal_account(client: &ServiceClient) -> Account {
    Account {
        id: format!("system:{}", client.client_id),
        username: client.client_id.clone(),
        display_name: client.name.clone(),
        role: Role::Service,
        department: Some(client.department.clone()),
        id_number: None,
        // No password: this principal exists only behind an access token.
        password_hash: String::new(),
    }
}

/// What an admin asks for when creating a client.
#[derive(Clone, Debug)]
pub struct NewClient {
    pub name: String,
    pub department: String,
    /// Scope names as typed (`tasks:read`…).
    pub scopes: Vec<String>,
}

/// A secret just made: shown to the admin once, never again.
#[derive(Clone, Debug)]
pub struct IssuedSecret {
    pub client: ServiceClient,
    pub secret_id: String,
    pub secret: String,
}

fn issue(field: &str, message: impl Into<String>) -> cases::FieldIssue {
    cases::FieldIssue {
        field: field.to_owned(),
        code: "E_FORM_FIELD_INVALID".to_owned(),
        message: message.into(),
    }
}

fn require_admin(caller: &Account) -> Result<(), ApiError> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("只有系统管理员可以管理部门系统凭证"))
    }
}

fn new_secret(now: DateTime<Utc>, state: &AppState) -> (ServiceSecret, String) {
    let secret = random_hex(32);
    let stored = ServiceSecret {
        id: format!("sec-{}", random_hex(6)),
        hash: secret_hash(state, &secret),
        created_at: now,
        expires_at: None,
        revoked_at: None,
    };
    (stored, secret)
}

/// Creates a client for a department system (admins only): every problem of the
/// input at once, nothing stored unless all is right. The admin's action is
/// recorded in the ledger.
pub async fn create_client(state: &AppState, caller: &Account, input: NewClient) -> Result<IssuedSecret, AppError> {
    require_admin(caller)?;
    let mut issues = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        issues.push(issue("name", "系统名称不能为空，且不超过 60 个字"));
    }
    if !state.catalog.departments.contains_key(&input.department) {
        issues.push(issue("department", "没有这个部门"));
    }
    let mut scopes = Vec::new();
    for typed in &input.scopes {
        match Scope::parse(typed.trim()) {
            Some(scope) if !scopes.contains(&scope) => scopes.push(scope),
            Some(_) => {}
            None => issues.push(issue(
                "scopes",
                format!("没有权限范围“{}”", typed.chars().take(40).collect::<String>()),
            )),
        }
    }
    if scopes.is_empty() && issues.iter().all(|i| i.field != "scopes") {
        issues.push(issue("scopes", "请至少选择一项权限范围"));
    }
    if !issues.is_empty() {
        return Err(AppError::Invalid(issues));
    }
    scopes.sort();
    let now = state.now();
    let (secret, value) = new_secret(now, state);
    let client = ServiceClient {
        client_id: format!("{}-{}", input.department.to_lowercase(), random_hex(6)),
        name: name.to_owned(),
        department: input.department.clone(),
        scopes,
        created_at: now,
        created_by: caller.id.clone(),
        revoked_at: None,
        secrets: vec![secret.clone()],
    };
    let record = admin_record(state, caller, "service_client_created", &client, "创建部门系统凭证");
    state.store.put_service_client(&client, Some(&record)).await?;
    Ok(IssuedSecret {
        client,
        secret_id: secret.id,
        secret: value,
    })
}

/// The entry of an administrator's change to a client, written by the store in the
/// change's own transaction: never a change without its entry, nor the reverse.
fn admin_record(state: &AppState, caller: &Account, action: &str, client: &ServiceClient, what: &str) -> SubjectAccess {
    SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(caller),
            action,
            None,
            String::new(),
            format!("{what}：{}（{}，{}）", client.name, client.client_id, client.department),
        ),
        subject: None,
        legal_basis: store::legal_basis(caller.role).to_owned(),
    }
}

/// Every client (admins only), secrets without their hashes.
pub async fn list_clients(state: &AppState, caller: &Account) -> Result<Vec<ServiceClient>, ApiError> {
    require_admin(caller)?;
    Ok(state.store.service_clients().await?)
}

async fn client_of(state: &AppState, client_id: &str) -> Result<ServiceClient, ApiError> {
    state
        .store
        .service_client(client_id)
        .await?
        .ok_or_else(|| ApiError::new("E_SERVICE_CLIENT_NOT_FOUND", "没有这个部门系统凭证"))
}

/// A new secret for a client (admins only); its other secrets keep working for
/// `grace_hours` (default [`DEFAULT_GRACE_HOURS`], 0 ends them now), so the system
/// can switch without downtime.
pub async fn rotate_secret(
    state: &AppState,
    caller: &Account,
    client_id: &str,
    grace_hours: Option<i64>,
) -> Result<IssuedSecret, ApiError> {
    require_admin(caller)?;
    let grace = grace_hours.unwrap_or(DEFAULT_GRACE_HOURS);
    if !(0..=MAX_GRACE_HOURS).contains(&grace) {
        return Err(ApiError::new(
            "E_INVALID_REQUEST",
            format!("过渡期须在 0 到 {MAX_GRACE_HOURS} 小时之间"),
        )
        .field("grace_hours"));
    }
    let client = client_of(state, client_id).await?;
    let now = state.now();
    let (secret, value) = new_secret(now, state);
    let record = admin_record(state, caller, "service_secret_rotated", &client, "更换部门系统密钥");
    if !state
        .store
        .rotate_service_secret(
            &client.client_id,
            &secret,
            now + chrono::Duration::hours(grace),
            Some(&record),
        )
        .await?
    {
        return Err(ApiError::new("E_ILLEGAL_TRANSITION", "该凭证已吊销，不能再更换密钥"));
    }
    let client = client_of(state, client_id).await?;
    Ok(IssuedSecret {
        client,
        secret_id: secret.id,
        secret: value,
    })
}

/// Revokes one secret of a client (admins only), and every token obtained with it.
pub async fn revoke_secret(
    state: &AppState,
    caller: &Account,
    client_id: &str,
    secret_id: &str,
) -> Result<ServiceClient, ApiError> {
    require_admin(caller)?;
    let client = client_of(state, client_id).await?;
    let record = admin_record(state, caller, "service_secret_revoked", &client, "吊销部门系统密钥");
    if !state
        .store
        .revoke_service_secret(&client.client_id, secret_id, state.now(), Some(&record))
        .await?
    {
        return Err(ApiError::new("E_SERVICE_CLIENT_NOT_FOUND", "该凭证没有这个有效的密钥"));
    }
    client_of(state, client_id).await
}

/// Revokes a client (admins only): none of its secrets or tokens works any more.
pub async fn revoke_client(state: &AppState, caller: &Account, client_id: &str) -> Result<ServiceClient, ApiError> {
    require_admin(caller)?;
    let client = client_of(state, client_id).await?;
    let record = admin_record(state, caller, "service_client_revoked", &client, "吊销部门系统凭证");
    if !state
        .store
        .revoke_service_client(&client.client_id, state.now(), Some(&record))
        .await?
    {
        return Err(ApiError::new("E_ILLEGAL_TRANSITION", "该凭证已经吊销"));
    }
    client_of(state, client_id).await
}

/// An access token just issued (RFC 6749 §5.1).
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: i64,
    pub scopes: Vec<Scope>,
}

/// The name wrong secrets are counted under, beside usernames in the same table.
fn failure_key(client_id: &str) -> String {
    format!("client:{}", client_id.chars().take(100).collect::<String>())
}

fn client_auth_failed() -> ApiError {
    ApiError::new("E_CLIENT_AUTH_FAILED", "客户端标识或密钥不正确")
}

/// The token endpoint's grant (`grant_type=client_credentials`): checks the client
/// and its secret, narrows the scopes to `requested` (space-separated; none asks for
/// all the client has), stores the token's hash and records the issue in the ledger
/// as the system. A wrong secret, an unknown or revoked client is one answer
/// (`E_CLIENT_AUTH_FAILED`), counts towards the lock ([`crate::auth::lock_after`])
/// and writes nothing else.
pub async fn issue_token(
    state: &AppState,
    client_id: &str,
    secret: &str,
    requested: Option<&str>,
) -> Result<AccessToken, ApiError> {
    let now = state.now();
    let key = failure_key(client_id);
    let locked = |until: DateTime<Utc>| {
        let seconds = (until - now).num_seconds().max(1);
        ApiError::new(
            "E_CLIENT_LOCKED",
            format!(
                "客户端密钥错误次数过多，已暂时锁定，请在 {} 分钟后再试",
                (seconds + 59) / 60
            ),
        )
    };
    if let Some(until) = state.store.login_locked_until(&key).await?.filter(|u| *u > now) {
        return Err(locked(until));
    }
    let client = if client_id.is_empty() || client_id.len() > 100 || secret.len() > 200 {
        None
    } else {
        state.store.service_client(client_id).await?
    };
    let matching = client.as_ref().filter(|c| !c.revoked()).and_then(|c| {
        c.secrets
            .iter()
            .filter(|s| s.live_at(now))
            .find(|s| secret_matches(state, secret, &s.hash))
            .cloned()
    });
    let (Some(client), Some(used)) = (client, matching) else {
        return match state
            .store
            .record_login_failure(&key, now, crate::auth::lock_after)
            .await?
        {
            Some(until) => Err(locked(until)),
            None => Err(client_auth_failed()),
        };
    };
    let scopes = match requested.map(str::trim).filter(|r| !r.is_empty()) {
        None => client.scopes.clone(),
        Some(requested) => {
            let asked = Scope::split(requested).map_err(|unknown| {
                ApiError::new(
                    "E_SCOPE_INVALID",
                    format!("没有权限范围“{}”", unknown.chars().take(40).collect::<String>()),
                )
                .field("scope")
            })?;
            if let Some(beyond) = asked.iter().find(|s| !client.scopes.contains(s)) {
                return Err(ApiError::new(
                    "E_SCOPE_INVALID",
                    format!("该系统未获授权“{}”（{}）", beyond.label_zh(), beyond.as_str()),
                )
                .field("scope"));
            }
            asked
        }
    };
    state.store.clear_login_failures(&key).await?;
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32));
    let stored = ServiceToken {
        client_id: client.client_id.clone(),
        secret_id: used.id.clone(),
        scopes: scopes.clone(),
        expires_at: now + chrono::Duration::seconds(TOKEN_SECONDS),
    };
    // The issue is in the ledger as the system, in the token's own transaction.
    let principal = principal_account(&client);
    let record = SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(&principal),
            "token_issued",
            None,
            String::new(),
            format!("获取访问令牌：{}", Scope::join(&scopes)),
        ),
        subject: None,
        legal_basis: store::legal_basis(principal.role).to_owned(),
    };
    state
        .store
        .create_service_token(
            &crate::auth::token_hash(&token),
            &stored,
            now - chrono::Duration::hours(1),
            Some(&record),
        )
        .await?;
    Ok(AccessToken {
        token,
        expires_in: TOKEN_SECONDS,
        scopes,
    })
}

/// Whether a bearer token is a department system's access token (by its form).
pub fn is_service_token(token: &str) -> bool {
    token.trim().starts_with(TOKEN_PREFIX)
}

/// The caller behind a department system's access token.
#[derive(Clone, Debug)]
pub struct SystemPrincipal {
    /// `system:<client_id>`, role [`Role::Service`], the client's department.
    pub account: Account,
    pub scopes: Vec<Scope>,
}

impl SystemPrincipal {
    /// The principal's account if its token carries `scope`, else `E_SCOPE_MISSING`.
    pub fn require(&self, scope: Scope) -> Result<&Account, ApiError> {
        if self.scopes.contains(&scope) {
            Ok(&self.account)
        } else {
            Err(ApiError::new(
                "E_SCOPE_MISSING",
                format!("访问令牌没有“{}”的权限（{}）", scope.label_zh(), scope.as_str()),
            ))
        }
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// The principal of a live access token: expired tokens are `E_TOKEN_EXPIRED`;
/// unknown ones, and those of a revoked client or secret (or one whose grace period
/// ended), `E_TOKEN_INVALID`.
pub async fn principal(state: &AppState, token: &str) -> Result<SystemPrincipal, ApiError> {
    let invalid = || ApiError::new("E_TOKEN_INVALID", "访问令牌无效或已被吊销");
    let token = token.trim();
    let hex_part = token.strip_prefix(TOKEN_PREFIX).ok_or_else(invalid)?;
    if hex_part.len() != 64 || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let stored = state
        .store
        .service_token(&crate::auth::token_hash(token))
        .await?
        .ok_or_else(invalid)?;
    let now = state.now();
    if stored.expires_at <= now {
        return Err(ApiError::new("E_TOKEN_EXPIRED", "访问令牌已过期，请重新获取"));
    }
    let client = state
        .store
        .service_client(&stored.client_id)
        .await?
        .ok_or_else(invalid)?;
    let secret_live = client
        .secrets
        .iter()
        .any(|s| s.id == stored.secret_id && s.live_at(now));
    if client.revoked() || !secret_live {
        return Err(invalid());
    }
    Ok(SystemPrincipal {
        account: principal_account(&client),
        scopes: stored.scopes,
    })
}

/// The scope a task action needs.
pub fn scope_of(action: &cases::Action) -> Scope {
    match action {
        cases::Action::Accept => Scope::TasksAccept,
        cases::Action::RequestSupplement { .. } => Scope::TasksSupplement,
        cases::Action::Approve { .. } => Scope::TasksApprove,
        cases::Action::Reject { .. } => Scope::TasksReject,
    }
}

/// What a system is shown of a case: without `fields:read`, none of its form
/// values or materials (the tasks' states still).
pub fn shown_case(principal: &SystemPrincipal, mut case: cases::Case) -> cases::Case {
    if !principal.may(Scope::FieldsRead) {
        case.form.clear();
        case.materials.clear();
        for task in &mut case.tasks {
            task.outputs.clear();
        }
    }
    case
}

/// A department's queue for a system with `tasks:read` ([`crate::tasks::queue`]).
pub async fn queue(
    state: &AppState,
    principal: &SystemPrincipal,
    code: &str,
    filter: &crate::tasks::QueueFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(crate::Page<store::QueueEntry>, crate::tasks::QueueCounts), ApiError> {
    let account = principal.require(Scope::TasksRead)?;
    crate::tasks::queue(state, account, code, filter, cursor, limit).await
}

/// A task action by a system with the action's scope ([`crate::tasks::act`]).
pub async fn act(
    state: &AppState,
    principal: &SystemPrincipal,
    case_id: &str,
    item: &str,
    action: cases::Action,
) -> Result<cases::Case, AppError> {
    let account = principal.require(scope_of(&action))?;
    let case = crate::tasks::act(state, account, case_id, item, action).await?;
    Ok(shown_case(principal, case))
}

/// A case read by a system with `fields:read` ([`crate::case::read`]): the fields
/// its department's items use, recorded as its read.
pub async fn read_case(state: &AppState, principal: &SystemPrincipal, id: &str) -> Result<cases::Case, ApiError> {
    let account = principal.require(Scope::FieldsRead)?;
    crate::case::read(state, account, id).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn scopes_of_actions_are_distinct() {
        let actions = [
            cases::Action::Accept,
            cases::Action::RequestSupplement {
                reasons: vec![],
                materials: vec![],
            },
            cases::Action::Approve {
                outputs: Default::default(),
            },
            cases::Action::Reject { reason: String::new() },
        ];
        let scopes: std::collections::BTreeSet<Scope> = actions.iter().map(scope_of).collect();
        assert_eq!(scopes.len(), 4);
        assert!(!scopes.contains(&Scope::TasksRead));
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_master() {
        assert_ne!(derive_key(b"a", b"x"), derive_key(b"a", b"y"));
        assert_ne!(derive_key(b"a", b"x"), derive_key(b"b", b"x"));
    }
}
