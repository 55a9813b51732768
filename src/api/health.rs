//! Liveness and readiness probes.

use super::problem::PROBLEM_JSON;
use crate::cache::AgencyCache;
use crate::resilience::Resilience;
use crate::store::Store;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

/// Liveness: the process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    operation_id = "healthz",
    responses((status = 200, description = "Up.", body = super::openapi::Liveness)),
    security(()),
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The store answers. `cache` is `ok` or `degraded` (Redis down, frozen or refusing
/// writes, or failing within the last seconds); a degraded cache never makes the hub
/// unready, because every failed cache call is a miss and requests are still served.
///
/// `agencies` shows each agency's circuit breaker (`closed|open|half_open`), calls in
/// flight, calls, retries, rejections, recent error rate and latency percentiles. An
/// open breaker never makes the hub unready: every instance sees the same agencies, so
/// taking this one out of the load balancer would not help.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    operation_id = "readyz",
    responses(
        (status = 200, description = "Ready: the store answers.", body = super::openapi::Readiness),
        (status = 503, description = "Not ready: the store does not answer (problem details with the same figures).",
            body = super::openapi::NotReady, content_type = "application/problem+json"),
    ),
    security(()),
)]
#[get("/readyz")]
pub async fn readyz(
    store: web::Data<Store>,
    resilience: web::Data<Resilience>,
    cache: web::Data<dyn AgencyCache>,
) -> HttpResponse {
    let agencies = json!(resilience.status());
    let cache = cache.health().await.as_str();
    match store.ping().await {
        Ok(()) => HttpResponse::Ok()
            .json(json!({"status": "ready", "store": "ok", "cache": cache, "agencies": agencies})),
        // Problem details like every error, with the readiness figures as extension members
        // (`status` is the HTTP status there, as RFC 9457 wants).
        Err(error) => {
            tracing::warn!(error = ?error, "store not reachable");
            HttpResponse::ServiceUnavailable().insert_header((CONTENT_TYPE, PROBLEM_JSON)).json(json!({
                "type": "/problems/not-ready", "title": "Service Unavailable", "status": 503,
                "detail": "the store does not answer", "store": "unreachable", "cache": cache,
                "agencies": agencies,
            }))
        }
    }
}
