//! The OpenAPI 3.1 description of the API, generated from the handlers' annotations, and
//! the pages that serve it: `GET /api/v1/openapi.json` and Swagger UI at `/docs`, whose
//! assets are compiled into the binary (nothing is fetched from the internet).
//!
//! `docs/openapi.json` in the repository is this document; a test fails when they drift
//! (`cargo run -q -- openapi > docs/openapi.json` regenerates it).

pub mod body;
pub mod problems;
mod schemas;

pub use schemas::{Liveness, NotReady, Readiness};

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{HeaderBuilder, OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema};
use utoipa_swagger_ui::{Config, SwaggerUi};

const DESCRIPTION: &str = "\
Intake systems submit household applications; the hub checks consent, queries the tax, \
real-estate, housing-provident-fund and bank agencies concurrently, applies the region's \
policy and returns one explained verdict.

**Authentication**: `Authorization: Bearer <JWT>` with claims `sub`, `role` \
(`intake|officer|auditor|admin`), `regions` (region prefixes), `iss`, `aud`, `exp`.

**Errors** are RFC 9457 problem details (`application/problem+json`) with `type`, `title`, \
`status`, `detail`, `instance` and `request_id`; a 422 names every bad field in `errors`. \
Every response carries `X-Request-Id`.

**Limits**: bodies up to `server.body_limit_bytes` (256 KiB); each caller (`sub`) is \
rate-limited (429 with `Retry-After`).";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Household economic-status verification hub",
        description = DESCRIPTION,
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        super::applications::submit,
        super::applications::list,
        super::applications::read,
        super::replay::replay,
        super::reviews::decide,
        super::consents::revoke,
        super::beneficiaries::list,
        super::beneficiaries::register,
        super::beneficiary_consents::renew,
        super::audit::search,
        super::audit::verify_chain,
        super::policies::published,
        super::policies::reload,
        super::health::healthz,
        super::health::readyz,
        metrics,
        openapi_json,
    ),
    components(
        schemas(problems::ProblemDetails, problems::AlreadyRegisteredProblem, body::ApplicationBody),
        responses(
            problems::BadRequest,
            problems::Unauthorized,
            problems::Forbidden,
            problems::NotFound,
            problems::Conflict,
            problems::AlreadyRegistered,
            problems::Gone,
            problems::PayloadTooLarge,
            problems::UnsupportedMediaType,
            problems::Validation,
            problems::TooManyRequests,
            problems::Internal,
        ),
    ),
    tags(
        (name = "applications", description = "Submit, read, list, review and replay verifications."),
        (name = "consents", description = "Household members' authorizations (授权)."),
        (name = "beneficiaries", description = "Registered beneficiaries and their periodic re-checks (定期核查)."),
        (name = "audit", description = "The hash-chained audit log, for auditors."),
        (name = "policies", description = "The policy parameters in force (政策参数) and their reload."),
        (name = "operations", description = "Probes, metrics and this document."),
    ),
    modifiers(&Conventions),
)]
struct ApiDoc;

/// What every operation shares: the bearer scheme and the `X-Request-Id` header.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT from the intake system's or officer's identity provider."))
                    .build(),
            ),
        );
        let request_id = HeaderBuilder::new()
            .schema(Some(String::schema()))
            .description(Some("This request's id, also in the hub's log line and in problem details."))
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response.headers.insert("X-Request-Id".into(), request_id.clone().into());
                    }
                }
            }
        }
        for response in components.responses.values_mut() {
            if let RefOr::T(response) = response {
                response.headers.insert("X-Request-Id".into(), request_id.clone().into());
            }
        }
    }
}

/// The document, built once.
pub fn document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// The document as the hub serves it and as `docs/openapi.json` holds it.
pub fn to_pretty_json() -> String {
    // Serializing plain data into a String cannot fail; an empty object is a safe fallback.
    document().to_pretty_json().unwrap_or_else(|_| "{}".to_owned()) + "\n"
}

/// Prometheus metrics (text format): HTTP requests by route and status, applications,
/// the job queue, agency calls and breakers, the cache and webhook deliveries.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    operation_id = "metrics",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4.", body = String,
        content_type = "text/plain")),
    security(()),
)]
#[allow(dead_code)] // documents `crate::metrics::render`
fn metrics() {}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    responses((status = 200, description = "The OpenAPI document.", body = Object, content_type = "application/json")),
    security(()),
)]
#[get("/api/v1/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(to_pretty_json())
}

/// `/docs` without the slash goes to the Swagger UI page.
#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((LOCATION, "/docs/")).finish()
}

/// Swagger UI for the document, from assets compiled into the binary.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/api/v1/openapi.json"]))
}
