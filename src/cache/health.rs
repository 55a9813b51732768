//! Whether the cache is working, as `/readyz` reports it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `/readyz` shows this as `cache: ok|degraded`. A degraded cache never makes the hub
/// unready: every failed call is a miss and requests are still served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheHealth {
    Ok,
    Degraded,
}

impl CacheHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Degraded => "degraded",
        }
    }
}

/// A failed call keeps the cache `degraded` this long, so that one lucky probe during a
/// burst of failures (e.g. reads working while Redis refuses writes) does not flap.
const DEGRADED_FOR: Duration = Duration::from_secs(5);

/// Remembers when the cache last failed; shared by every call of one cache.
pub(super) struct HealthTracker {
    origin: Instant,
    /// Milliseconds after `origin` of the last failure, plus one; 0 = never failed.
    last_failure: AtomicU64,
}

impl HealthTracker {
    pub(super) fn new() -> Self {
        Self { origin: Instant::now(), last_failure: AtomicU64::new(0) }
    }

    /// Records a failed call. Logs once when the cache turns degraded rather than once
    /// per call, because a down Redis fails every call.
    pub(super) fn failure(&self, operation: &'static str, cause: &dyn std::fmt::Display) {
        metrics::counter!("hub_cache_errors_total", "operation" => operation).increment(1);
        let was_degraded = self.recently_failed();
        let now = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.last_failure.store(now + 1, Ordering::Relaxed);
        if was_degraded {
            tracing::debug!(operation, cause = %cause, "cache call failed; treated as a miss");
        } else {
            tracing::warn!(operation, cause = %cause, "cache degraded; calls are treated as misses");
        }
    }

    pub(super) fn recently_failed(&self) -> bool {
        match self.last_failure.load(Ordering::Relaxed) {
            0 => false,
            at => {
                let failed_at = self.origin + Duration::from_millis(at - 1);
                failed_at.elapsed() < DEGRADED_FOR
            }
        }
    }

    pub(super) fn status(&self) -> CacheHealth {
        if self.recently_failed() { CacheHealth::Degraded } else { CacheHealth::Ok }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_degrades_the_cache_for_a_while() {
        let tracker = HealthTracker::new();
        assert_eq!(tracker.status(), CacheHealth::Ok);
        tracker.failure("get", &"connection refused");
        assert_eq!(tracker.status(), CacheHealth::Degraded);
        assert_eq!(tracker.status().as_str(), "degraded");
    }
}
