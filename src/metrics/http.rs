//! HTTP request metrics: a count and a latency histogram per method, route template and
//! status. Routes are templates (`/api/v1/applications/{id}`) or `unmatched`, so neither
//! an id nor anything else a caller wrote becomes a label.

use std::time::Duration;

pub const REQUESTS: &str = "hub_http_requests_total";
pub const DURATION: &str = "hub_http_request_duration_seconds";

/// From a fast probe to a `?wait=30` submission.
pub const BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    // Extension methods are valid HTTP; they must not multiply the series.
    let method = match method {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => method,
        _ => "other",
    };
    let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(elapsed.as_secs_f64());
}
