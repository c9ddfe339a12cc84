//! The caller of an API request. [`CurrentUser`]: a bearer token naming a live
//! session ([`app::auth::session_account`]); password checks, sessions and the login
//! lock are in [`app::auth`]. [`Caller`]: that, or a department system's access token
//! ([`app::service::principal`]), accepted only by the department-task routes; every
//! other route refuses a system's token (`E_SERVICE_NOT_ALLOWED`).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use cases::Actor;
use domain::{Account, Role};

pub use app::auth::*;

use crate::AppState;
use crate::error::ApiError;

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
        let token = header.strip_prefix("Bearer ").ok_or_else(ApiError::unauthorized)?;
        if app::service::is_service_token(token) {
            return Err(ApiError::new(
                "E_SERVICE_NOT_ALLOWED",
                "部门系统凭证只能调用本部门子件接口（待办、办件字段、受理、补正、办结、不予办理）",
            ));
        }
        Ok(CurrentUser(app::auth::session_account(state, token).await?))
    }
}

/// The caller of a department-task route: a person with a session, or a department
/// system with an access token (whose scopes `app::service` checks per operation).
#[derive(Clone, Debug)]
pub enum Caller {
    Person(CurrentUser),
    System(app::service::SystemPrincipal),
}

impl Caller {
    /// The account the use cases see: the person's, or the system's principal.
    pub fn account(&self) -> &Account {
        match self {
            Self::Person(user) => &user.0,
            Self::System(principal) => &principal.account,
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|header| header.strip_prefix("Bearer "));
        match token {
            Some(token) if app::service::is_service_token(token) => {
                Ok(Caller::System(app::service::principal(state, token).await?))
            }
            _ => Ok(Caller::Person(
                <CurrentUser as FromRequestParts<Arc<AppState>>>::from_request_parts(parts, state).await?,
            )),
        }
    }
}
