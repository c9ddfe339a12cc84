//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, generated from the code.
//!
//! Every handler of `/api/v1` carries `#[utoipa::path(...)]` (method, path, parameters,
//! request body, responses, security, tag, a Chinese summary) and is registered with
//! `utoipa_axum::routes!`, which adds it to the router and to the document in one
//! call: a route cannot be served without being documented, nor documented without
//! being served. Request and response bodies are types deriving `ToSchema`, the
//! same types the handlers read and answer with.
//!
//! This module adds what belongs to the whole API: the title, the server, the bearer
//! scheme, and the error responses. A handler names only the error statuses it may
//! answer; [`document`] fills each with the codes of that status and their meanings
//! from the one error table ([`ERROR_CODES`]) and the `Error` schema.

use std::sync::{Arc, LazyLock};

use axum::{Json, Router};
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ERROR_CODES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OneThing（一件事）API",
        version = "1",
        description = "高效办成一件事：目录、一次告知、办件受理、部门并联办理。错误统一为 {\"error\": {code, message, field, details}}，code 稳定，message 为中文。"
    ),
    servers((url = "/api/v1"))
)]
struct Base;

/// The routes of `/api/v1` with their document: the API's handlers and the route
/// serving this document.
fn api() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(Base::openapi())
        .merge(crate::api::routes())
        .routes(routes!(serve))
}

/// The router of `/api/v1`.
pub fn router() -> Router<Arc<AppState>> {
    api().split_for_parts().0
}

/// The whole document, as served.
pub fn document() -> Value {
    let mut document = api().into_openapi();
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    components.schemas.insert("Error".to_owned(), error_schema().into());
    for (path, item) in document.paths.paths.iter_mut() {
        // The token endpoint answers errors in OAuth's shape (RFC 6749 §5.2), as documented there.
        if path.ends_with("/oauth/token") {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in operation.responses.responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    *response = error_response(status).into();
                }
            }
        }
    }
    // Serializing plain data (maps, strings, numbers) cannot fail.
    serde_json::to_value(document).unwrap_or_default()
}

static DOCUMENT: LazyLock<Value> = LazyLock::new(document);

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    summary = "本文档",
    responses((status = 200, description = "OpenAPI", body = Object))
)]
async fn serve() -> Json<&'static Value> {
    Json(&DOCUMENT)
}

/// An error response of the given status: its codes from the table, with their meanings.
fn error_response(status: &str) -> utoipa::openapi::Response {
    let codes: Vec<String> = ERROR_CODES
        .iter()
        .filter(|entry| entry.status.to_string() == status)
        .map(|entry| format!("{}（{}）", entry.code, entry.title))
        .collect();
    ResponseBuilder::new()
        .description(codes.join("；"))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build()
}

/// `{"error": {code, message, field, details}}`, with every code of the table.
fn error_schema() -> utoipa::openapi::Schema {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let code = text()
        .enum_values(Some(ERROR_CODES.iter().map(|entry| entry.code)))
        .description(Some(
            ERROR_CODES
                .iter()
                .map(|entry| format!("{} {}：{}", entry.code, entry.status, entry.title))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    let issue = ObjectBuilder::new()
        .property("field", text())
        .property("code", text())
        .property("message", text());
    let error = ObjectBuilder::new()
        .property("code", code)
        .required("code")
        .property("message", text())
        .required("message")
        .property("field", text())
        .property("details", ArrayBuilder::new().items(issue));
    ObjectBuilder::new()
        .property("error", error)
        .required("error")
        .build()
        .into()
}
