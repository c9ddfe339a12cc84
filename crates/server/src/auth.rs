//! Accounts, sessions and the current user.
//!
//! Passwords are argon2 hashes; a session is a random bearer token of which only
//! the SHA-256 is stored, so a leaked database does not leak live sessions.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use cases::Actor;
use catalog::Catalog;
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{Account, Role};

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

/// The logged-in account of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Account);

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        let account = self.0.id.clone();
        match (self.0.role, &self.0.department) {
            (Role::Staff, Some(department)) => Actor::Staff {
                account,
                department: department.clone(),
            },
            (Role::Admin | Role::Auditor, _) => Actor::Admin { account },
            _ => Actor::Applicant { account },
        }
    }

    pub fn is_applicant(&self) -> bool {
        self.0.role == Role::Applicant
    }

    pub fn staff_department(&self) -> Option<&str> {
        match self.0.role {
            Role::Staff => self.0.department.as_deref(),
            _ => None,
        }
    }
}

/// A route open to everyone that does more for a logged-in user: no Authorization
/// header is `None`; a header that does not name a live session is still refused.
impl axum::extract::OptionalFromRequestParts<Arc<AppState>> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Option<Self>, Self::Rejection> {
        if !parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
            return Ok(None);
        }
        <Self as FromRequestParts<Arc<AppState>>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

impl FromRequestParts<Arc<AppState>> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(ApiError::unauthorized)?
            .trim();
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::unauthorized());
        }
        let account = state
            .store
            .session_account(&token_hash(token), state.now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(CurrentUser(account))
    }
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
