//! Application metrics. Counters of what this instance did (accepted, verified by verdict,
//! failed) and gauges of the shared store, sampled periodically by every instance (take
//! `max`, not `sum`, across instances): applications by status and verdict, the queue's
//! depth and the age of its oldest job.

use crate::store::{StatusCount, Store, now_ms};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const ACCEPTED: &str = "hub_applications_accepted_total";
pub const VERIFIED: &str = "hub_verifications_total";
pub const FAILED: &str = "hub_verifications_failed_total";
pub const BY_STATUS: &str = "hub_applications";
pub const QUEUE_DEPTH: &str = "hub_queue_depth";
pub const OLDEST_QUEUED: &str = "hub_queue_oldest_job_age_seconds";

pub fn accepted(program: &str) {
    metrics::counter!(ACCEPTED, "program" => program.to_owned()).increment(1);
}

pub fn verified(program: &str, verdict: &str) {
    metrics::counter!(VERIFIED, "program" => program.to_owned(), "verdict" => verdict.to_owned())
        .increment(1);
}

pub fn failed() {
    metrics::counter!(FAILED).increment(1);
}

/// Samples the store every `every` until `stop` is cancelled.
pub fn spawn_sampler(store: Store, every: Duration, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.status_counts().await {
                Ok(counts) => publish(&counts, now_ms()),
                Err(error) => tracing::warn!(error = ?error, "could not sample the job queue"),
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    })
}

/// Sets the gauges from one sample; statuses absent from it read 0.
fn publish(counts: &[StatusCount], now_ms: i64) {
    let total =
        |status: &str| counts.iter().filter(|c| c.status == status).map(|c| c.count).sum::<i64>() as f64;
    for status in ["queued", "running"] {
        metrics::gauge!(QUEUE_DEPTH, "status" => status).set(total(status));
    }
    for status in ["queued", "running", "failed"] {
        metrics::gauge!(BY_STATUS, "status" => status, "verdict" => "none").set(total(status));
    }
    for count in counts.iter().filter(|c| c.status == "completed") {
        let verdict = count.verdict.clone().unwrap_or_else(|| "none".into());
        metrics::gauge!(BY_STATUS, "status" => "completed", "verdict" => verdict).set(count.count as f64);
    }
    let oldest =
        counts.iter().filter(|c| c.status == "queued").filter_map(|c| c.oldest_submitted_at_ms).min();
    let age_s = oldest.map(|at| (now_ms - at).max(0) as f64 / 1000.0).unwrap_or(0.0);
    metrics::gauge!(OLDEST_QUEUED).set(age_s);
}
