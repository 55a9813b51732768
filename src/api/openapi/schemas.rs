//! Schemas that exist only for the document: values the handlers write as plain strings
//! or ad-hoc JSON, described here with their allowed values.

use utoipa::ToSchema;

/// `GET /healthz`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Liveness {
    #[schema(example = "ok")]
    status: String,
}

/// `GET /readyz` when not ready: problem details with the readiness figures.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NotReady {
    #[schema(rename = "type", example = "/problems/not-ready")]
    kind: String,
    #[schema(example = "Service Unavailable")]
    title: String,
    #[schema(example = 503)]
    status: u16,
    #[schema(example = "the store does not answer")]
    detail: String,
    #[schema(example = "/readyz")]
    instance: String,
    request_id: String,
    #[schema(example = "unreachable")]
    store: String,
    /// `ok` or `degraded`.
    cache: String,
    /// As in a ready answer.
    #[schema(value_type = Object)]
    agencies: serde_json::Value,
}

/// `GET /readyz`: the store must answer; a degraded cache or an open agency breaker is
/// reported but never makes the hub unready (every instance would see the same).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Readiness {
    /// `ready` (a hub that is not answers 503 with [`NotReady`]).
    #[schema(example = "ready")]
    status: String,
    #[schema(example = "ok")]
    store: String,
    /// `ok` or `degraded` (Redis down or failing: every cache call is then a miss).
    #[schema(example = "ok")]
    cache: String,
    /// Per agency: circuit breaker state (`closed|open|half_open`), calls in flight,
    /// calls, retries, rejections, recent error rate and latency percentiles.
    #[schema(value_type = Object)]
    agencies: serde_json::Value,
}
