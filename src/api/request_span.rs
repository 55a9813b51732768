//! The root span of every request, one log line when it ends, and the HTTP metrics.
//!
//! Unlike tracing-actix-web's default, the span records the path *without* its query
//! string (a query such as `subject_id_number=` must never reach a log), with anything
//! shaped like an ID number masked, and the route template; the closing line carries the
//! request id, route, status, latency and the caller's `sub`. Metrics are labelled by
//! method, route template and status only, never by anything a caller wrote.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use std::time::Instant;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

pub struct RequestSpan;

/// When the request started and which route it matched, kept in the request's extensions.
struct Started {
    at: Instant,
    route: String,
}

/// The label of a request that matched no route (so arbitrary paths never become labels).
const UNMATCHED: &str = "unmatched";

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().map(|id| id.to_string()).unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
        let span = tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            route = %route,
            path = %mask_id_numbers(request.path()),
            status = tracing::field::Empty,
            caller = tracing::field::Empty,
        );
        request.extensions_mut().insert(Started { at: Instant::now(), route });
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, started, method) = match outcome {
            Ok(response) => {
                let request = response.request();
                let started = request.extensions().get::<Started>().map(|s| (s.at, s.route.clone()));
                (response.status().as_u16(), started, request.method().to_string())
            }
            Err(error) => (error.as_response_error().status_code().as_u16(), None, String::new()),
        };
        span.record("status", status);
        let elapsed = started.as_ref().map(|(at, _)| at.elapsed()).unwrap_or_default();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        span.in_scope(|| tracing::info!(status, latency_ms, "request completed"));
        let route = started.map(|(_, route)| route).unwrap_or_else(|| UNMATCHED.to_owned());
        crate::metrics::http::record_request(&method, &route, status, elapsed);
    }
}

/// `path` with every run of 15 or more digits (optionally ending in `X`) masked like an ID
/// number: a caller who puts an ID number in a URL must not get it into the log.
pub fn mask_id_numbers(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut index = 0;
    while index < bytes.len() {
        let run = bytes[index..].iter().take_while(|b| b.is_ascii_digit()).count();
        let x = usize::from(run > 0 && matches!(bytes.get(index + run), Some(b'X' | b'x')));
        if run >= 15 {
            out.push_str(&path[index..index + 6]);
            out.push_str("********");
            out.push_str(&path[index + run + x - 4..index + run + x]);
            index += run + x;
        } else if run > 0 {
            out.push_str(&path[index..index + run]);
            index += run;
        } else {
            let next = path[index..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&path[index..index + next]);
            index += next;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask_id_numbers;

    #[test]
    fn id_numbers_in_paths_are_masked_and_the_rest_kept() {
        assert_eq!(
            mask_id_numbers("/api/v1/applications/11010519491231002X"),
            "/api/v1/applications/110105********002X"
        );
        assert_eq!(mask_id_numbers("/x/110105194912310021/y"), "/x/110105********0021/y");
        let uuid = "/api/v1/applications/0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12";
        assert_eq!(mask_id_numbers(uuid), uuid);
        assert_eq!(mask_id_numbers("/ü/12345"), "/ü/12345");
    }
}
