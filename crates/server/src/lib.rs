//! The HTTP edge of OneThing: the JSON API under `/api/v1` with its OpenAPI
//! document, and the pages. Two front doors over the same use cases (crate
//! [`app`]): handlers parse the request, call one use case and render its answer
//! as JSON or HTML. They never touch the store; access, masking, audit and the
//! commit happen in the use case.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
pub mod auth;
mod benefit_api;
mod cert_api;
pub mod error;
mod guide_api;
pub mod ledger_api;
pub mod limit;
pub mod openapi;
mod service_api;
mod shared_api;
mod telemetry;
mod web;
mod webhook_api;

use std::sync::Arc;

use axum::Router;

pub use app::{
    self, AppState, Clock, certify, holidays, keywrap, legal_rep, oidc, seed_demo_accounts, sharing, watch, webhooks,
};

pub use api::MAX_BODY_BYTES;
pub(crate) use app::local_time;

/// The whole application router: the JSON API under `/api/v1` and the pages, two
/// front doors side by side over the same use cases ([`app`]).
pub fn router(state: Arc<AppState>) -> Router {
    use axum::extract::DefaultBodyLimit;
    Router::new()
        .nest("/api/v1", openapi::router())
        .merge(web::routes())
        .route("/healthz", axum::routing::get(api::health))
        .route("/metrics", axum::routing::get(telemetry::metrics))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit::public_limit))
        .route_layer(axum::middleware::from_fn(telemetry::measure))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            web::security_headers,
        ))
        // Pages are mostly text: gzip makes the form page about a third of its size
        // for people on a weak mobile network.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// An address nothing answers: JSON under `/api/`, the site's 404 page elsewhere.
async fn not_found(
    state: axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        api::not_found().await.into_response()
    } else {
        web::not_found_page(state, headers, uri).await
    }
}
