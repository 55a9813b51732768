//! The settings' values with a unit or a floor, read once here: callers ask for a
//! `Duration` (or a count that cannot be zero) instead of converting `*_ms`/`*_s`
//! numbers and clamping them each in their own way.

use super::{
    AgenciesSettings, AgencySettings, CacheSettings, JobSettings, RecheckSettings, RetentionSettings,
    ServerSettings, WebhookSettings,
};
use std::time::Duration;

/// `?wait=S` never holds a request longer than this, whatever `server.max_wait_s` says.
pub const MAX_WAIT_CEILING: Duration = Duration::from_secs(30);
/// Idempotency keys are kept at least this long (the contract promises a day).
const MIN_IDEMPOTENCY_KEEP: Duration = Duration::from_secs(24 * 3600);

impl ServerSettings {
    /// Upper bound of `?wait=S`, at most 30 s.
    pub fn max_wait(&self) -> Duration {
        Duration::from_secs(self.max_wait_s).min(MAX_WAIT_CEILING)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_s)
    }
}

impl JobSettings {
    /// How long a worker owns a claimed job; at least a second.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_s.max(1))
    }

    /// Claims before a job is marked failed; at least one.
    pub fn max_attempts(&self) -> i64 {
        self.max_attempts.max(1)
    }
}

impl RetentionSettings {
    pub fn evidence(&self) -> Duration {
        Duration::from_secs(self.evidence_days.saturating_mul(86_400))
    }

    pub fn applications(&self) -> Duration {
        Duration::from_secs(self.application_days.saturating_mul(86_400))
    }

    /// How long idempotency keys are kept: `idempotency_hours`, but never under 24 h.
    pub fn idempotency_keep(&self) -> Duration {
        Duration::from_secs(self.idempotency_hours.saturating_mul(3600)).max(MIN_IDEMPOTENCY_KEEP)
    }
}

impl WebhookSettings {
    pub fn give_up_after(&self) -> Duration {
        Duration::from_secs(self.give_up_after_h.saturating_mul(3600))
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }

    /// The first retry's backoff in milliseconds, at least 1.
    pub fn first_backoff_ms(&self) -> i64 {
        self.first_backoff_ms.max(1)
    }
}

impl CacheSettings {
    /// Budget of one Redis call; at least a millisecond.
    pub fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.call_timeout_ms.max(1))
    }

    pub fn lock_ttl(&self) -> Duration {
        Duration::from_millis(self.lock_ttl_ms.max(1))
    }
}

impl RecheckSettings {
    pub fn every(&self) -> Duration {
        Duration::from_secs(self.every_s.max(1))
    }

    /// Households re-checked at once by a scheduled batch; at least one.
    pub fn concurrency(&self) -> usize {
        self.concurrency.max(1)
    }
}

impl AgenciesSettings {
    pub fn application_deadline(&self) -> Duration {
        Duration::from_millis(self.application_deadline_ms)
    }
}

impl AgencySettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn cache_ttl(&self) -> Duration {
        Duration::from_secs(self.cache_ttl_s)
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use std::time::Duration;

    #[test]
    fn floors_and_ceilings_hold_whatever_the_files_say() {
        let mut settings = Settings::embedded_defaults().unwrap();
        settings.server.max_wait_s = 3600;
        settings.jobs.lease_s = 0;
        settings.jobs.max_attempts = 0;
        settings.retention.idempotency_hours = 1;
        settings.recheck.concurrency = 0;
        assert_eq!(settings.server.max_wait(), Duration::from_secs(30));
        assert_eq!(settings.jobs.lease(), Duration::from_secs(1));
        assert_eq!(settings.jobs.max_attempts(), 1);
        assert_eq!(settings.retention.idempotency_keep(), Duration::from_secs(24 * 3600));
        assert_eq!(settings.recheck.concurrency(), 1);
    }
}
