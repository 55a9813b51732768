//! `recheck.schedule_enabled`: `hub serve` runs the due re-checks itself, every
//! `recheck.every_s`. Every instance tries; the database lease lets only one run a batch
//! at a time, the others skip that round.

use super::{BatchSpec, RecheckRunner};
use crate::domain::today_in_shanghai;
use indicatif::ProgressBar;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts the schedule; it stops when the process drains (a batch cut short resumes at
/// the next round, since the batch of a day keeps its id).
pub fn spawn_schedule(
    runner: RecheckRunner,
    every: Duration,
    concurrency: usize,
    draining: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let progress = ProgressBar::hidden();
        loop {
            tokio::select! {
                () = draining.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            let spec = BatchSpec {
                region: None,
                due_before: None,
                as_of: today_in_shanghai(),
                concurrency,
                max: None,
            };
            tokio::select! {
                () = draining.cancelled() => return,
                result = runner.run(&spec, &progress) => match result {
                    Ok(summary) => tracing::info!(
                        batch = %summary.batch_id, total = summary.total, rechecked = summary.rechecked,
                        needs_new_consent = summary.needs_new_consent, failed = summary.failed,
                        "scheduled re-check batch finished"
                    ),
                    Err(error) => tracing::info!(error = %error, "scheduled re-check batch not run"),
                }
            }
        }
    })
}
