//! `/metrics` in the Prometheus text format, for operators: requests and their
//! latency per route (the route's pattern, never a case number or a person), cases
//! stored, the ledger's size and the age of its latest checkpoint. Readable from
//! this machine, or from anywhere with the configured bearer token.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

struct Telemetry {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    submitted: Counter,
    ledger_entries: Gauge,
    checkpoint_size: Gauge,
    checkpoint_age: Gauge,
}

/// One set per process: every router of the process counts into it.
fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| {
        let mut registry = Registry::with_prefix("onething");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let submitted = Counter::default();
        let ledger_entries = Gauge::default();
        let checkpoint_size = Gauge::default();
        let checkpoint_age = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern",
            latency.clone(),
        );
        registry.register(
            "cases_submitted",
            "Cases stored by this node since it started",
            submitted.clone(),
        );
        registry.register("ledger_entries", "Entries in the audit ledger", ledger_entries.clone());
        registry.register(
            "ledger_checkpoint_size",
            "Entries covered by the latest signed checkpoint",
            checkpoint_size.clone(),
        );
        registry.register(
            "ledger_checkpoint_age_seconds",
            "Seconds since the latest checkpoint was signed (-1 before the first)",
            checkpoint_age.clone(),
        );
        Telemetry {
            registry,
            requests,
            latency,
            submitted,
            ledger_entries,
            checkpoint_size,
            checkpoint_age,
        }
    })
}

/// The middleware: counts and times every request under its route's pattern
/// (`/api/v1/cases/{id}`; unmatched addresses as `unmatched`).
pub async fn measure(request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let t = telemetry();
    t.latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    t.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Whether the caller may read the metrics: the configured bearer token, or, with
/// none configured, a request from this machine.
fn allowed(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
    match &state.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                given.len() == token.len()
                    && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
            }),
        None => peer.is_some_and(|p| p.ip().is_loopback()),
    }
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(p)| *p);
    if !allowed(&state, request.headers(), peer) {
        return (StatusCode::FORBIDDEN, "metrics: forbidden\n").into_response();
    }
    let t = telemetry();
    let stored = app::operations::SUBMITTED.load(std::sync::atomic::Ordering::Relaxed);
    t.submitted.inc_by(stored.saturating_sub(t.submitted.get()));
    match app::operations::ledger_status(&state).await {
        Ok(ledger) => {
            t.ledger_entries.set(i64::try_from(ledger.entries).unwrap_or(i64::MAX));
            t.checkpoint_size
                .set(i64::try_from(ledger.checkpoint_size).unwrap_or(i64::MAX));
            t.checkpoint_age.set(ledger.checkpoint_age_seconds.unwrap_or(-1));
        }
        Err(error) => tracing::warn!(error = %error.message, "metrics: ledger status not read"),
    }
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &t.registry).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "metrics: not encoded\n").into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
