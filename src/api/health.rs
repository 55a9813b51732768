//! Liveness and readiness probes.

use crate::store::Store;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

/// The process is up.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The store answers; the in-process cache is always ready.
#[get("/readyz")]
pub async fn readyz(store: web::Data<Store>) -> HttpResponse {
    match store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "store": "ok", "cache": "ok"})),
        Err(error) => {
            tracing::warn!(error = ?error, "store not reachable");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "not_ready", "store": "unreachable", "cache": "ok"}))
        }
    }
}
