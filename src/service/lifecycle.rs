//! The data lifecycle, run every hour by every instance (the statements are idempotent):
//! evidence purged after `retention.evidence_days`, applications' raw personal data erased
//! after `retention.application_days` (audited, in the same transaction), expired
//! idempotency keys forgotten.

use super::Services;
use super::error::ServiceResult;
use crate::audit::{AuditEvent, actions};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(3600);

/// How long personal data is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub evidence: Duration,
    pub applications: Duration,
}

impl Services {
    /// Runs the lifecycle every hour until `stop` is cancelled.
    pub fn spawn_lifecycle(&self, retention: Retention, stop: CancellationToken) -> JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = services.apply_retention(retention).await {
                    tracing::error!(error = ?error, "the data lifecycle failed; it runs again within the hour");
                }
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(EVERY) => {}
                }
            }
        })
    }

    /// One pass of the lifecycle; returns how many applications were erased.
    pub async fn apply_retention(&self, retention: Retention) -> ServiceResult<u64> {
        let store = &self.store;
        match store.purge_evidence_older_than(millis(retention.evidence)).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "purged evidence past its retention"),
            Err(error) => tracing::error!(error = ?error, "could not purge evidence"),
        }
        if let Err(error) = store.purge_expired_idempotency_keys().await {
            tracing::error!(error = ?error, "could not purge idempotency keys");
        }
        let cutoff = crate::store::now_ms().saturating_sub(millis(retention.applications));
        let mut unit = store.begin().await?;
        let erased = store.erase_applications_before(&mut unit, cutoff).await?;
        if erased > 0 {
            unit.audit(AuditEvent {
                actor_sub: "hub".into(),
                actor_role: "system".into(),
                action: actions::PERSONAL_DATA_ERASED,
                application_id: None,
                subject: None,
                agency: None,
                consent_id: None,
                outcome: format!("{erased} applications submitted before {cutoff} (unix ms) erased"),
            });
            tracing::info!(count = erased, "erased applications' personal data past its retention");
        }
        unit.commit().await?;
        Ok(erased)
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
