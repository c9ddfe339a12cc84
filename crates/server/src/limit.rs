//! A per-address rate limit for what anyone may call without logging in: public
//! certificate verification (each one is a ledger entry), share links and login.
//! A token bucket per client address, in memory on each node.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

/// Buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// `per_second` requests on average per address, up to `burst` at once.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> Self {
        Self {
            per_second: per_second.max(0.001),
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `address` at `now`; when none is left, how long until one is.
    pub fn check(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock only means another request panicked: do not block everyone.
            return Ok(());
        };
        if buckets.len() >= MAX_BUCKETS {
            let full = self.burst;
            let rate = self.per_second;
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < full);
        }
        let bucket = buckets.entry(address).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.per_second).min(self.burst);
        bucket.at = now;
        if refilled >= 1.0 {
            bucket.tokens = refilled - 1.0;
            Ok(())
        } else {
            bucket.tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

/// Whether a request is one of the public, anonymous ones the limit applies to.
fn limited(method: &Method, path: &str) -> bool {
    path.starts_with("/api/v1/certificates/verify")
        || (path.starts_with("/api/v1/certificates/") && path.ends_with("/status"))
        || path.starts_with("/verify")
        || (method == Method::POST && (path == "/api/v1/login" || path == "/login"))
        // Anonymous and costly: a plan is computed per call, a proof reads the tree.
        || (method == Method::POST && path.starts_with("/api/v1/catalog/one-things/") && path.ends_with("/plan"))
        || path.starts_with("/api/v1/ledger/proof/")
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
    match limiter.check(peer.ip(), Instant::now()) {
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(one, start).is_ok());
        }
        let wait = limiter.check(one, start).unwrap_err();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Another address has its own bucket.
        assert!(limiter.check(other, start).is_ok());
        // Half a second later one token is back, and only one.
        let later = start + Duration::from_millis(500);
        assert!(limiter.check(one, later).is_ok());
        assert!(limiter.check(one, later).is_err());
        // Long idle: back to the burst, not beyond.
        let much_later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limiter.check(one, much_later).is_ok());
        }
        assert!(limiter.check(one, much_later).is_err());
    }

    #[test]
    fn only_public_anonymous_paths_are_limited() {
        assert!(limited(&Method::POST, "/api/v1/certificates/verify"));
        assert!(limited(&Method::GET, "/api/v1/certificates/CN-1/status"));
        assert!(limited(&Method::GET, "/verify/s/abc"));
        assert!(limited(&Method::POST, "/login"));
        assert!(!limited(&Method::GET, "/login"));
        assert!(!limited(&Method::GET, "/api/v1/certificates/CN-1/file"));
        assert!(!limited(&Method::POST, "/api/v1/cases"));
    }
}
