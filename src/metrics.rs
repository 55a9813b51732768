//! Prometheus metrics: the process-wide recorder and the `GET /metrics` route.
//!
//! The recorder is global (the `metrics` facade has one per process), so it is
//! installed once, whatever the number of applications a test process builds; every
//! application's `/metrics` renders the same registry. Labels carry agency names and
//! outcomes only, never anything about a person.
//!
//! [`http`] records requests, [`applications`] intake, verifications and the job queue;
//! agencies and the cache record their own.

pub mod applications;
pub mod http;

use actix_web::{HttpResponse, get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// The latency percentiles exported for every histogram.
const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder on first use; `None` if another recorder was installed first
/// (then metrics go there and `/metrics` says so).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            // HTTP latency as a histogram (buckets add up across instances); the rest as summaries.
            let builder = PrometheusBuilder::new()
                .set_quantiles(&QUANTILES)
                .ok()?
                .set_buckets_for_metric(Matcher::Full(http::DURATION.into()), &http::BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(error = %error, "a metrics recorder is already installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Histograms are summarized on upkeep; without it they grow between scrapes. A thread,
/// not a task, because the recorder outlives any one runtime (tests start many).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(5));
            handle.run_upkeep();
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(error = %error, "could not start the metrics upkeep thread");
    }
}

/// Every metric in the Prometheus text format.
#[get("/metrics")]
pub async fn render() -> HttpResponse {
    match install() {
        Some(handle) => {
            HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
        }
        None => HttpResponse::ServiceUnavailable().body("metrics are recorded elsewhere in this process"),
    }
}
