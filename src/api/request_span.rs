//! The root span of every request, and one log line when it ends.
//!
//! Unlike tracing-actix-web's default, the span records the path *without* its query
//! string (a query such as `subject_id_number=` must never reach a log) and the route
//! template; the closing line carries the request id, route, status and latency.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use std::time::Instant;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

pub struct RequestSpan;

/// When the request started, kept in the request's extensions.
struct Started(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default();
        request.extensions_mut().insert(Started(Instant::now()));
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            route = %route,
            path = %request.path(),
            status = tracing::field::Empty,
            caller = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, started) = match outcome {
            Ok(response) => {
                let started = response.request().extensions().get::<Started>().map(|s| s.0);
                (response.status().as_u16(), started)
            }
            Err(error) => (error.as_response_error().status_code().as_u16(), None),
        };
        span.record("status", status);
        let latency_ms = started.map(|s| s.elapsed().as_secs_f64() * 1000.0).unwrap_or_default();
        span.in_scope(|| tracing::info!(status, latency_ms, "request completed"));
    }
}
