//! Accounts, sessions and the current user.
//!
//! Passwords are argon2 hashes; a session is a random bearer token of which only
//! the SHA-256 is stored, so a leaked database does not leak live sessions.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use catalog::Catalog;
use domain::{Account, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// How long a session lives.
pub const SESSION_HOURS: i64 = 12;

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Consecutive failed logins of one username allowed before it is locked.
pub const FREE_FAILURES: u32 = 5;
/// The first lock, doubled at each further failure, up to [`MAX_LOCK_SECONDS`].
const FIRST_LOCK_SECONDS: i64 = 60;
const MAX_LOCK_SECONDS: i64 = 15 * 60;
/// The lock after `failures` failed logins in a row: none before
/// [`FREE_FAILURES`], then a minute, doubling at each further failure up to fifteen
/// minutes.
pub fn lock_after(failures: u32, now: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
    let doublings = failures.checked_sub(FREE_FAILURES)?.min(10);
    let seconds = (FIRST_LOCK_SECONDS << doublings).min(MAX_LOCK_SECONDS);
    Some(now + chrono::Duration::seconds(seconds))
}

/// The name failed logins are counted under: as typed, trimmed and case-folded,
/// and bounded, so that every spelling of one username shares one count.
fn login_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(100).collect()
}

/// Why a login was refused.
#[derive(Debug)]
pub enum LoginError {
    /// Unknown username or wrong password (never said which).
    Invalid,
    /// Too many failures: try again after this many seconds.
    Locked(i64),
    Store(store::StoreError),
    Refused(ApiError),
}

impl LoginError {
    /// The API error for it.
    pub fn api_error(self) -> ApiError {
        match self {
            Self::Invalid => ApiError::new("E_LOGIN_FAILED", "用户名或密码错误"),
            Self::Locked(seconds) => ApiError::new("E_LOGIN_LOCKED", locked_message(seconds)),
            Self::Store(error) => error.into(),
            Self::Refused(error) => error,
        }
    }
}

/// “登录失败次数过多…” with the wait in minutes.
pub fn locked_message(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    format!("该账户登录失败次数过多，已暂时锁定，请在 {minutes} 分钟后再试")
}

/// A hash to check a password against when the username is unknown, so that an
/// unknown name takes as long as a wrong password (no account enumeration by time).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-never-matches").unwrap_or_default())
}

/// The one login check of the API and the pages: the account if the password is
/// right and the username not locked. Every answer costs one argon2 verification.
/// Checks a username and password. Failed logins are counted per username in the
/// store, shared by every node: after [`FREE_FAILURES`] in a row the username is
/// locked ([`lock_after`]) and even the right password is refused until the lock
/// ends. Unknown usernames are counted the same way and cost the same hashing
/// time, so neither the lock nor the timing tells whether an account exists.
pub async fn authenticate(state: &AppState, username: &str, password: &str) -> Result<Account, LoginError> {
    let now = state.now();
    let key = login_key(username);
    let locked = |until: chrono::DateTime<chrono::Utc>| LoginError::Locked((until - now).num_seconds().max(1));
    if let Some(until) = state
        .store
        .login_locked_until(&key)
        .await
        .map_err(LoginError::Store)?
        .filter(|until| *until > now)
    {
        return Err(locked(until));
    }
    let account = if username.len() > 100 || password.len() > 200 {
        None
    } else {
        state
            .store
            .account_by_username(username)
            .await
            .map_err(LoginError::Store)?
    };
    let hash = account.as_ref().map_or(decoy_hash(), |a| a.password_hash.as_str());
    let matches = password.len() <= 200 && verify_password(password, hash);
    match account {
        Some(account) if matches => {
            state
                .store
                .clear_login_failures(&key)
                .await
                .map_err(LoginError::Store)?;
            Ok(account)
        }
        _ => match state
            .store
            .record_login_failure(&key, now, lock_after)
            .await
            .map_err(LoginError::Store)?
        {
            Some(until) => Err(locked(until)),
            None => Err(LoginError::Invalid),
        },
    }
}

/// A new random session token and the hash to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The account of a live session bearer `token` (as sent, unhashed), or
/// `E_UNAUTHORIZED`. A malformed token is refused without a store read.
pub async fn session_account(state: &AppState, token: &str) -> Result<Account, ApiError> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::unauthorized());
    }
    state
        .store
        .session_account(&token_hash(token), state.now())
        .await?
        .ok_or_else(ApiError::unauthorized)
}

/// The account of a page session cookie's token, if it is live. A store failure
/// counts as no session: the page then asks to log in again.
pub async fn page_session(state: &AppState, token: &str) -> Option<Account> {
    state
        .store
        .session_account(&token_hash(token), state.now())
        .await
        .ok()
        .flatten()
}

/// A session opened by [`login`].
pub struct Session {
    pub account: Account,
    /// The bearer token, shown once; only its hash is stored.
    pub token: String,
    pub expires: chrono::DateTime<chrono::Utc>,
}

/// Logs in (the API's `POST /session` and the login page): checks the password
/// ([`authenticate`]), opens a session and writes the login's audit entry.
pub async fn login(state: &AppState, username: &str, password: &str) -> Result<Session, LoginError> {
    if !state.password_login {
        return Err(LoginError::Refused(ApiError::new(
            "E_PASSWORD_LOGIN_DISABLED",
            "本站已关闭密码登录，请使用统一身份认证登录",
        )));
    }
    let account = authenticate(state, username, password).await?;
    let (token, expires) = open_session(state, &account).await.map_err(LoginError::Refused)?;
    crate::audit(state, &account, "login", None, String::new(), "登录")
        .await
        .map_err(LoginError::Store)?;
    Ok(Session {
        account,
        token,
        expires,
    })
}

/// Opens a session for an account whose identity was established otherwise
/// (统一身份认证, `crate::oidc`); the caller writes the login's entry.
pub(crate) async fn open_session_for(state: &AppState, account: &Account) -> Result<Session, ApiError> {
    let (token, expires) = open_session(state, account).await?;
    Ok(Session {
        account: account.clone(),
        token,
        expires,
    })
}

/// Opens a session for `account`: the new bearer token, its hash stored with its
/// expiry ([`SESSION_HOURS`]).
async fn open_session(
    state: &AppState,
    account: &Account,
) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
    let (token, hash) = new_token();
    let expires = state.now() + chrono::Duration::hours(SESSION_HOURS);
    state.store.create_session(&hash, &account.id, expires).await?;
    Ok((token, expires))
}

/// Ends the session of bearer `token` (a token that names none is not an error).
pub async fn close_session(state: &AppState, token: &str) -> Result<(), ApiError> {
    state.store.delete_session(&token_hash(token.trim())).await?;
    Ok(())
}

/// The demo password shared by every demo account; printed by `onething demo`.
pub const DEMO_PASSWORD: &str = "demo-2026";

/// Demo accounts: two applicants, one staff account per department of the
/// catalog, and an admin. One hash serves them all: they share a published password.
pub fn demo_accounts(catalog: &Catalog) -> Result<Vec<Account>, ApiError> {
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut accounts = vec![
        Account {
            id: "applicant-zhangsan".into(),
            username: "zhangsan".into(),
            display_name: "张三".into(),
            role: Role::Applicant,
            department: None,
            id_number: Some("11010519491231002X".into()),
            password_hash: hash.clone(),
        },
        Account {
            id: "applicant-lisi".into(),
            username: "lisi".into(),
            display_name: "李四".into(),
            role: Role::Applicant,
            department: None,
            id_number: Some("440305199001010018".into()),
            password_hash: hash.clone(),
        },
        // A married couple expecting a child: the newborn one-thing with prefill from
        // 人口库 and 婚姻登记 (their records are in the demo's shared data).
        Account {
            id: "applicant-wangfang".into(),
            username: "wangfang".into(),
            display_name: "王芳".into(),
            role: Role::Applicant,
            department: None,
            id_number: Some(::sharing::DEMO_WANGFANG_ID.into()),
            password_hash: hash.clone(),
        },
        Account {
            id: "applicant-liuqiang".into(),
            username: "liuqiang".into(),
            display_name: "刘强".into(),
            role: Role::Applicant,
            department: None,
            id_number: Some(::sharing::DEMO_LIUQIANG_ID.into()),
            password_hash: hash.clone(),
        },
        Account {
            id: "auditor".into(),
            username: "auditor".into(),
            display_name: "审计人员".into(),
            role: Role::Auditor,
            department: None,
            id_number: None,
            password_hash: hash.clone(),
        },
        Account {
            id: "admin".into(),
            username: "admin".into(),
            display_name: "系统管理员".into(),
            role: Role::Admin,
            department: None,
            id_number: None,
            password_hash: hash.clone(),
        },
    ];
    for department in catalog.departments.values() {
        let username = format!("staff-{}", department.code.to_lowercase());
        accounts.push(Account {
            id: username.clone(),
            username,
            display_name: format!("{}工作人员", department.name),
            role: Role::Staff,
            department: Some(department.code.clone()),
            id_number: None,
            password_hash: hash.clone(),
        });
    }
    Ok(accounts)
}
