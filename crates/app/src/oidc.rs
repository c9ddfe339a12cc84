//! 统一身份认证: logging in through an OpenID Connect provider (authorization code
//! flow with PKCE S256, `state` and `nonce`), linked to an account by the verified
//! 公民身份号码 claim.
//!
//! [`start`] keeps a login in flight in the store under the hash of its `state` (so
//! any node may receive the answer, and each `state` is answered once) and returns
//! the provider's authorization URL. [`finish`] takes it back, exchanges the code with
//! the PKCE verifier, checks the ID token's signature against the provider's JWKS
//! (`jsonwebtoken`) and its claims ([`check_claims`]: `iss`, `aud`/`azp`, `exp`,
//! `iat`, `nonce`, and the ID number by GB 11643), then finds the account: an admin's
//! link of that ID number, else staff of the department the configured claim names,
//! else the applicant with that ID number, else a new applicant account. The login
//! opens an ordinary session and leaves an entry like a password login.
//!
//! Provider discovery (`/.well-known/openid-configuration`) and the JWKS are read
//! when first needed and kept; the JWKS is read again when a token names a key it
//! does not hold (the provider rotated its keys).

use std::collections::HashSet;
use std::sync::RwLock;

use base64::Engine;
use chrono::{DateTime, Utc};
use domain::{Account, Role};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngCore;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Session;
use crate::error::ApiError;

/// How long a login may stay at the provider.
const LOGIN_MINUTES: i64 = 10;
/// The clock difference tolerated between us and the provider.
const LEEWAY_SECONDS: i64 = 60;
/// The signature algorithms accepted: asymmetric only, so that a public key can
/// never be used as an HMAC secret.
const ALGORITHMS: [Algorithm; 7] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How the provider is configured (`onething serve --oidc-…`).
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The issuer, exactly as its ID tokens name it.
    pub issuer: String,
    pub client_id: String,
    /// Sent by HTTP Basic at the token endpoint when set (a confidential client).
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back (`…/login/oidc/callback`).
    pub redirect_url: String,
    /// The scopes asked for, `openid` among them.
    pub scopes: String,
    /// The claim holding the 公民身份号码.
    pub id_number_claim: String,
    /// The claim naming a staff member's department code, if the provider has one.
    pub department_claim: Option<String>,
    /// The claim holding the person's name.
    pub name_claim: String,
}

impl OidcConfig {
    /// A configuration with the default claims and scopes.
    pub fn new(issuer: String, client_id: String, client_secret: Option<String>, redirect_url: String) -> Self {
        Self {
            issuer,
            client_id,
            client_secret,
            redirect_url,
            scopes: "openid profile".to_owned(),
            id_number_claim: "id_number".to_owned(),
            department_claim: None,
            name_claim: "name".to_owned(),
        }
    }
}

/// What discovery tells about the provider.
#[derive(Clone, Debug, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// A configured provider with what was read from it.
pub struct Oidc {
    pub config: OidcConfig,
    metadata: RwLock<Option<Metadata>>,
    jwks: RwLock<Option<JwkSet>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the client secret.
        f.debug_struct("Oidc")
            .field("issuer", &self.config.issuer)
            .field("client_id", &self.config.client_id)
            .finish()
    }
}

/// Why a login through the provider failed. Each is shown to the person with its
/// code; the detail goes to the log.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("state unknown, used or expired")]
    State,
    #[error("provider: {0}")]
    Provider(String),
    #[error("ID token: {0}")]
    Token(String),
    #[error("claim {0}")]
    Claim(&'static str),
    #[error("ID number missing or invalid")]
    IdNumber,
}

impl OidcError {
    pub fn api_error(&self) -> ApiError {
        match self {
            Self::State => ApiError::new("E_OIDC_STATE", "登录请求已失效或被篡改，请重新登录"),
            Self::IdNumber => ApiError::new(
                "E_OIDC_ID_NUMBER",
                "统一身份认证未提供有效的公民身份号码，无法确认您的身份",
            ),
            Self::Provider(_) | Self::Token(_) | Self::Claim(_) => {
                ApiError::new("E_OIDC_FAILED", "统一身份认证未通过，请重新登录")
            }
        }
    }
}

fn random_text() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Self {
        Self {
            config,
            metadata: RwLock::new(None),
            jwks: RwLock::new(None),
        }
    }

    async fn metadata(&self, http: &reqwest::Client) -> Result<Metadata, OidcError> {
        if let Some(metadata) = self.metadata.read().ok().and_then(|m| m.clone()) {
            return Ok(metadata);
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = get_json(http, &url).await?;
        if metadata.issuer != self.config.issuer {
            return Err(OidcError::Provider(format!(
                "discovery names issuer {}, configured {}",
                metadata.issuer, self.config.issuer
            )));
        }
        if let Ok(mut kept) = self.metadata.write() {
            *kept = Some(metadata.clone());
        }
        Ok(metadata)
    }

    /// The provider's key set; read again when `refresh`.
    async fn jwks(&self, http: &reqwest::Client, refresh: bool) -> Result<JwkSet, OidcError> {
        if !refresh && let Some(jwks) = self.jwks.read().ok().and_then(|k| k.clone()) {
            return Ok(jwks);
        }
        let metadata = self.metadata(http).await?;
        let jwks: JwkSet = get_json(http, &metadata.jwks_uri).await?;
        if let Ok(mut kept) = self.jwks.write() {
            *kept = Some(jwks.clone());
        }
        Ok(jwks)
    }

    /// Checks an ID token's signature with the provider's keys and returns its
    /// claims (checked further by [`check_claims`]).
    async fn verified_claims(&self, http: &reqwest::Client, id_token: &str) -> Result<Value, OidcError> {
        let header = jsonwebtoken::decode_header(id_token).map_err(|e| OidcError::Token(e.to_string()))?;
        let mut jwks = self.jwks(http, false).await?;
        if key_for(&jwks, header.kid.as_deref(), header.alg).is_none() {
            jwks = self.jwks(http, true).await?;
        }
        let key = key_for(&jwks, header.kid.as_deref(), header.alg)
            .ok_or_else(|| OidcError::Token("no key of the provider matches".to_owned()))?;
        verify_signature(id_token, &key, &self.config)
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> Result<T, OidcError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| OidcError::Provider(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(OidcError::Provider(format!("{url}: {}", response.status())));
    }
    response
        .json()
        .await
        .map_err(|e| OidcError::Provider(format!("{url}: {e}")))
}

/// The key of `jwks` a token signed with `alg` under `kid` is checked with: the key
/// of that id, or, when the token names none, the only signing key of the set.
fn key_for(jwks: &JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
    if !ALGORITHMS.contains(&alg) {
        return None;
    }
    let jwk = match kid {
        Some(kid) => jwks.find(kid)?,
        None => match jwks.keys.as_slice() {
            [only] => only,
            _ => return None,
        },
    };
    DecodingKey::from_jwk(jwk).ok()
}

/// Verifies the signature and the issuer and audience of an ID token with `key`;
/// times and the nonce are [`check_claims`]'s, against the caller's clock.
pub fn verify_signature(id_token: &str, key: &DecodingKey, config: &OidcConfig) -> Result<Value, OidcError> {
    let header = jsonwebtoken::decode_header(id_token).map_err(|e| OidcError::Token(e.to_string()))?;
    let mut validation = Validation::new(header.alg);
    validation.algorithms = ALGORITHMS.iter().copied().filter(|a| *a == header.alg).collect();
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.client_id]);
    validation.set_required_spec_claims(&["iss", "aud", "exp", "sub"]);
    // Times are checked by `check_claims` against the application's clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    jsonwebtoken::decode::<Value>(id_token, key, &validation)
        .map(|data| data.claims)
        .map_err(|e| OidcError::Token(e.to_string()))
}

/// Who the provider says logged in, once every claim checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    /// A valid 公民身份号码 (GB 11643).
    pub id_number: String,
    pub name: Option<String>,
    /// The department code the configured claim names, if any.
    pub department: Option<String>,
}

/// Checks the claims of a signed ID token (OpenID Connect Core §3.1.3.7): issued by
/// `config.issuer` for `config.client_id` (and, with several audiences, authorized
/// for it), not expired at `now`, not issued in the future, carrying the `nonce` of
/// this login, and an ID number that passes GB 11643.
pub fn check_claims(
    claims: &Value,
    config: &OidcConfig,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<Identity, OidcError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(config.issuer.as_str()) {
        return Err(OidcError::Claim("iss"));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&config.client_id.as_str()) {
        return Err(OidcError::Claim("aud"));
    }
    if (audiences.len() > 1 || claims.get("azp").is_some()) && text("azp") != Some(config.client_id.as_str()) {
        return Err(OidcError::Claim("azp"));
    }
    let seconds = |name: &str| claims.get(name).and_then(Value::as_i64);
    let now = now.timestamp();
    match seconds("exp") {
        Some(exp) if exp + LEEWAY_SECONDS > now => {}
        _ => return Err(OidcError::Claim("exp")),
    }
    if seconds("iat").is_some_and(|iat| iat > now + LEEWAY_SECONDS) {
        return Err(OidcError::Claim("iat"));
    }
    if text("nonce") != Some(nonce) {
        return Err(OidcError::Claim("nonce"));
    }
    let subject = text("sub").filter(|s| !s.is_empty()).ok_or(OidcError::Claim("sub"))?;
    let id_number = text(&config.id_number_claim)
        .and_then(|typed| ids::IdNumber::parse(typed.trim()).ok())
        .ok_or(OidcError::IdNumber)?;
    let name = text(&config.name_claim)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(40).collect());
    let department = config
        .department_claim
        .as_deref()
        .and_then(text)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    Ok(Identity {
        subject: subject.to_owned(),
        id_number: id_number.as_str().to_owned(),
        name,
        department,
    })
}

fn configured(state: &AppState) -> Result<&Oidc, ApiError> {
    state
        .oidc
        .as_deref()
        .ok_or_else(|| ApiError::new("E_OIDC_NOT_CONFIGURED", "本站未配置统一身份认证"))
}

/// Starts a login: keeps its `state`, `nonce` and PKCE verifier, and returns the
/// provider's authorization URL to send the browser to.
pub async fn start(state: &AppState) -> Result<String, ApiError> {
    let oidc = configured(state)?;
    let metadata = oidc.metadata(&state.http).await.map_err(|error| {
        tracing::error!(%error, "OpenID Connect discovery failed");
        ApiError::new("E_OIDC_FAILED", "暂时无法连接统一身份认证，请稍后再试")
    })?;
    let (login_state, nonce, verifier) = (random_text(), random_text(), random_text());
    let request = store::OidcRequest {
        nonce: nonce.clone(),
        verifier: verifier.clone(),
        expires_at: state.now() + chrono::Duration::minutes(LOGIN_MINUTES),
    };
    state
        .store
        .put_oidc_request(&state_hash(&login_state), &request)
        .await?;
    let challenge = pkce_challenge(&verifier);
    let url = reqwest::Url::parse_with_params(
        &metadata.authorization_endpoint,
        &[
            ("response_type", "code"),
            ("client_id", oidc.config.client_id.as_str()),
            ("redirect_uri", oidc.config.redirect_url.as_str()),
            ("scope", oidc.config.scopes.as_str()),
            ("state", login_state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .map_err(|e| {
        tracing::error!(error = %e, "authorization endpoint is not a URL");
        ApiError::new("E_OIDC_FAILED", "统一身份认证配置有误")
    })?;
    Ok(url.into())
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

/// Exchanges the authorization code for the ID token (with the PKCE verifier).
async fn exchange(oidc: &Oidc, http: &reqwest::Client, code: &str, verifier: &str) -> Result<String, OidcError> {
    let metadata = oidc.metadata(http).await?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", oidc.config.redirect_url.as_str()),
        ("code_verifier", verifier),
    ];
    let mut request = http.post(&metadata.token_endpoint);
    match &oidc.config.client_secret {
        Some(secret) => request = request.basic_auth(&oidc.config.client_id, Some(secret)),
        None => form.push(("client_id", oidc.config.client_id.as_str())),
    }
    let body = form_body(&form);
    let response = request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        return Err(OidcError::Provider(format!(
            "token endpoint {status}: {}",
            text.chars().take(200).collect::<String>()
        )));
    }
    let tokens: TokenResponse = response
        .json()
        .await
        .map_err(|e| OidcError::Provider(format!("token response: {e}")))?;
    tokens
        .id_token
        .ok_or_else(|| OidcError::Provider("no id_token in the token response".to_owned()))
}

/// `application/x-www-form-urlencoded` of name–value pairs.
fn form_body(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("x:/").unwrap_or_else(|_| unreachable_url());
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_owned()
}

#[allow(clippy::panic)]
fn unreachable_url() -> reqwest::Url {
    panic!("x:/ is a URL")
}

/// Finishes a login with the provider's answer (`code`, `state`): every check of
/// the module's doc, then the account and a new session. A `state` this server did
/// not hand out, or handed out and already answered, changes nothing.
pub async fn finish(state: &AppState, code: &str, login_state: &str) -> Result<Session, ApiError> {
    let oidc = configured(state)?;
    let refuse = |error: OidcError| {
        tracing::warn!(%error, "OpenID Connect login refused");
        error.api_error()
    };
    if login_state.is_empty() || login_state.len() > 200 || code.is_empty() || code.len() > 2000 {
        return Err(refuse(OidcError::State));
    }
    let request = state
        .store
        .take_oidc_request(&state_hash(login_state))
        .await?
        .filter(|request| request.expires_at > state.now())
        .ok_or_else(|| refuse(OidcError::State))?;
    let id_token = exchange(oidc, &state.http, code, &request.verifier)
        .await
        .map_err(refuse)?;
    let claims = oidc.verified_claims(&state.http, &id_token).await.map_err(refuse)?;
    let identity = check_claims(&claims, &oidc.config, &request.nonce, state.now()).map_err(refuse)?;
    let account = account_for(state, &identity).await?;
    let session = crate::auth::open_session_for(state, &account).await?;
    crate::audit(state, &account, "login", None, String::new(), "统一身份认证登录").await?;
    Ok(session)
}

/// A short, stable token of an ID number for account ids (never the number itself).
fn id_key(id_number: &str) -> String {
    hex::encode(&Sha256::digest(format!("onething oidc account\0{id_number}").as_bytes())[..8])
}

/// The account of a verified identity: an admin's link, else staff of the claimed
/// department, else the applicant with that ID number, else a new applicant.
async fn account_for(state: &AppState, identity: &Identity) -> Result<Account, ApiError> {
    if let Some(account_id) = state.store.identity_link(&identity.id_number).await?
        && let Some(account) = state.store.account_by_id(&account_id).await?
    {
        return Ok(account);
    }
    let key = id_key(&identity.id_number);
    if let Some(department) = &identity.department {
        if !state.catalog.departments.contains_key(department) {
            tracing::warn!(department = %department, "OpenID Connect login names an unknown department");
            return Err(ApiError::new(
                "E_OIDC_FAILED",
                "统一身份认证提供的部门不在本系统中，请联系管理员",
            ));
        }
        let account = Account {
            id: format!("staff-oidc-{key}"),
            username: format!("oidc-staff-{key}"),
            display_name: identity
                .name
                .clone()
                .unwrap_or_else(|| format!("{}工作人员", state.catalog.department_name(department))),
            role: Role::Staff,
            department: Some(department.clone()),
            id_number: Some(identity.id_number.clone()),
            password_hash: String::new(),
        };
        // The provider is the authority on the department: a move takes effect at
        // the next login.
        state.store.put_account(&account).await?;
        return Ok(account);
    }
    if let Some(account) = state.store.account_by_id_number(&identity.id_number).await? {
        return Ok(account);
    }
    let account = Account {
        id: format!("applicant-oidc-{key}"),
        username: format!("oidc-{key}"),
        display_name: identity.name.clone().unwrap_or_else(|| "统一身份认证用户".to_owned()),
        role: Role::Applicant,
        department: None,
        id_number: Some(identity.id_number.clone()),
        // No password: this account logs in through the provider only.
        password_hash: String::new(),
    };
    state.store.put_account(&account).await?;
    Ok(account)
}

/// Links a verified ID number to a staff account (admins only), for staff whose
/// provider does not name their department. Recorded in the ledger.
pub async fn link_identity(
    state: &AppState,
    caller: &Account,
    id_number: &str,
    account_id: &str,
) -> Result<Account, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::forbidden("只有系统管理员可以关联统一身份认证账户"));
    }
    let id_number = ids::IdNumber::parse(id_number.trim())
        .map_err(|_| ApiError::new("E_INVALID_REQUEST", "公民身份号码无效").field("id_number"))?;
    let account = state
        .store
        .account_by_id(account_id)
        .await?
        .filter(|a| a.role == Role::Staff)
        .ok_or_else(|| ApiError::new("E_INVALID_REQUEST", "没有这个工作人员账户").field("account"))?;
    state
        .store
        .put_identity_link(id_number.as_str(), &account.id, state.now(), &caller.id)
        .await?;
    crate::audit(
        state,
        caller,
        "identity_linked",
        None,
        String::new(),
        &format!("关联统一身份认证：{}（{}）", account.display_name, account.id),
    )
    .await?;
    Ok(account)
}

/// The staff accounts an admin may link an ID number to.
pub async fn staff_accounts(state: &AppState, caller: &Account) -> Result<Vec<Account>, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::forbidden("只有系统管理员可以关联统一身份认证账户"));
    }
    let mut accounts = state.store.list_accounts().await?;
    accounts.retain(|a| a.role == Role::Staff);
    Ok(accounts)
}

/// Whether the scopes ask for `openid` (checked when the configuration is read).
pub fn scopes_include_openid(scopes: &str) -> bool {
    scopes.split_whitespace().collect::<HashSet<_>>().contains("openid")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn config() -> OidcConfig {
        OidcConfig::new(
            "http://idp.test".to_owned(),
            "onething".to_owned(),
            None,
            "http://app.test/login/oidc/callback".to_owned(),
        )
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).single().unwrap_or_default()
    }

    fn claims() -> Value {
        let now = now().timestamp();
        json!({
            "iss": "http://idp.test", "aud": "onething", "sub": "u-1", "nonce": "n-1",
            "iat": now - 5, "exp": now + 300, "id_number": "11010519491231002X", "name": "张三",
        })
    }

    fn with(field: &str, value: Value) -> Value {
        let mut claims = claims();
        claims[field] = value;
        claims
    }

    #[test]
    fn good_claims_give_the_identity() {
        let identity = check_claims(&claims(), &config(), "n-1", now()).unwrap();
        assert_eq!(identity.id_number, "11010519491231002X");
        assert_eq!(identity.subject, "u-1");
        assert_eq!(identity.name.as_deref(), Some("张三"));
        assert_eq!(identity.department, None);
    }

    #[test]
    fn a_nonce_of_another_login_is_refused() {
        assert_eq!(
            check_claims(&claims(), &config(), "n-2", now()),
            Err(OidcError::Claim("nonce"))
        );
        let mut missing = claims();
        missing.as_object_mut().unwrap().remove("nonce");
        assert_eq!(
            check_claims(&missing, &config(), "n-1", now()),
            Err(OidcError::Claim("nonce"))
        );
    }

    #[test]
    fn another_audience_or_issuer_is_refused() {
        let other = with("aud", json!("another-client"));
        assert_eq!(
            check_claims(&other, &config(), "n-1", now()),
            Err(OidcError::Claim("aud"))
        );
        let many = with("aud", json!(["another-client", "onething"]));
        assert_eq!(
            check_claims(&many, &config(), "n-1", now()),
            Err(OidcError::Claim("azp"))
        );
        let mut authorized = with("aud", json!(["another-client", "onething"]));
        authorized["azp"] = json!("onething");
        assert!(check_claims(&authorized, &config(), "n-1", now()).is_ok());
        let issuer = with("iss", json!("http://evil.test"));
        assert_eq!(
            check_claims(&issuer, &config(), "n-1", now()),
            Err(OidcError::Claim("iss"))
        );
    }

    #[test]
    fn an_expired_or_future_token_is_refused() {
        let expired = with("exp", json!(now().timestamp() - LEEWAY_SECONDS - 1));
        assert_eq!(
            check_claims(&expired, &config(), "n-1", now()),
            Err(OidcError::Claim("exp"))
        );
        let without = {
            let mut c = claims();
            c.as_object_mut().unwrap().remove("exp");
            c
        };
        assert_eq!(
            check_claims(&without, &config(), "n-1", now()),
            Err(OidcError::Claim("exp"))
        );
        let future = with("iat", json!(now().timestamp() + 3600));
        assert_eq!(
            check_claims(&future, &config(), "n-1", now()),
            Err(OidcError::Claim("iat"))
        );
    }

    #[test]
    fn an_id_number_must_pass_the_check_digit() {
        let wrong_digit = with("id_number", json!("110105194912310021"));
        assert_eq!(
            check_claims(&wrong_digit, &config(), "n-1", now()),
            Err(OidcError::IdNumber)
        );
        let mut missing = claims();
        missing.as_object_mut().unwrap().remove("id_number");
        assert_eq!(
            check_claims(&missing, &config(), "n-1", now()),
            Err(OidcError::IdNumber)
        );
        let mut other_claim = config();
        other_claim.id_number_claim = "cn_id".to_owned();
        let renamed = with("cn_id", json!("11010519491231002X"));
        assert!(check_claims(&renamed, &other_claim, "n-1", now()).is_ok());
    }

    #[test]
    fn the_department_comes_from_the_configured_claim_only() {
        let claims = with("dept", json!("GA"));
        assert_eq!(check_claims(&claims, &config(), "n-1", now()).unwrap().department, None);
        let mut configured = config();
        configured.department_claim = Some("dept".to_owned());
        assert_eq!(
            check_claims(&claims, &configured, "n-1", now())
                .unwrap()
                .department
                .as_deref(),
            Some("GA")
        );
    }

    #[test]
    fn the_pkce_challenge_is_rfc_7636s_s256() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn form_bodies_are_url_encoded() {
        assert_eq!(form_body(&[("a", "x y"), ("b", "&=/")]), "a=x+y&b=%26%3D%2F");
    }
}
