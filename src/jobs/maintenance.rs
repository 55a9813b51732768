//! Periodic housekeeping: purge evidence past its retention and expired idempotency keys.

use crate::store::Store;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(3600);

/// Runs every hour until `stop` is cancelled.
pub fn spawn_maintenance(
    store: Store,
    evidence_retention: Duration,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.purge_evidence_older_than(evidence_retention.as_millis() as i64).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "purged evidence past its retention"),
                Err(error) => tracing::error!(error = ?error, "could not purge evidence"),
            }
            if let Err(error) = store.purge_expired_idempotency_keys().await {
                tracing::error!(error = ?error, "could not purge idempotency keys");
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(EVERY) => {}
            }
        }
    })
}
