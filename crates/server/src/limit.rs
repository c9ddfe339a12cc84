//! A per-address rate limit for what anyone may call without logging in: public
//! certificate verification (each one is a ledger entry), share links and login.
//! The limiter is `app::limit::RateLimiter` (governor, per client address).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

pub use app::limit::RateLimiter;

/// Whether a request is one of the public, anonymous ones the limit applies to.
fn limited(method: &Method, path: &str) -> bool {
    path.starts_with("/api/v1/certificates/verify")
        || (path.starts_with("/api/v1/certificates/") && path.ends_with("/status"))
        || path.starts_with("/verify")
        || (method == Method::POST && (path == "/api/v1/login" || path == "/login" || path == "/api/v1/oauth/token"))
        // Each start of 统一身份认证 stores a login in flight.
        || path == "/login/oidc"
        // Anonymous and costly: a plan is computed per call, a proof reads the tree.
        || (method == Method::POST && path.starts_with("/api/v1/catalog/one-things/") && path.ends_with("/plan"))
        || path.starts_with("/api/v1/ledger/proof/")
        // A question computes the fullest plan; a description is read sentence by sentence.
        || path == "/api/v1/ask"
        || path == "/api/v1/intake"
}

/// The middleware: 429 with `Retry-After` (JSON for the API, a page otherwise).
pub async fn public_limit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let (Some(limiter), Some(ConnectInfo(peer))) = (
        state.public_limit.as_ref(),
        request.extensions().get::<ConnectInfo<SocketAddr>>().copied(),
    ) else {
        return next.run(request).await;
    };
    if !limited(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    match limiter.check(peer.ip()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let message = format!("请求过于频繁，请 {seconds} 秒后再试");
            let mut response = if request.uri().path().starts_with("/api/") {
                ApiError::new("E_TOO_MANY_REQUESTS", message).into_response()
            } else {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    Html(format!("<!doctype html><html lang=\"zh-CN\"><title>请求过于频繁</title><h1>请求过于频繁</h1><p>{message}。</p></html>")),
                )
                    .into_response()
            };
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_anonymous_paths_are_limited() {
        assert!(limited(&Method::POST, "/api/v1/certificates/verify"));
        assert!(limited(&Method::GET, "/api/v1/certificates/CN-1/status"));
        assert!(limited(&Method::GET, "/verify/s/abc"));
        assert!(limited(&Method::POST, "/login"));
        assert!(limited(&Method::POST, "/api/v1/oauth/token"));
        assert!(limited(&Method::GET, "/login/oidc"));
        assert!(!limited(&Method::GET, "/login"));
        assert!(!limited(&Method::GET, "/api/v1/certificates/CN-1/file"));
        assert!(!limited(&Method::POST, "/api/v1/cases"));
    }
}
