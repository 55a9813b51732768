//! When and how long to wait before sending a request again: exponential backoff with
//! full jitter, an agency's `Retry-After`, and never past the query's deadline.
//!
//! Which requests may be retried at all is the caller's knowledge ([`Safety`]); this
//! module only decides the delay. Backoff is a few lines here rather than `backon`
//! because every delay must also respect `Retry-After` and the remaining deadline.

use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// No single backoff sleeps longer than this, however many attempts came before.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// An agency asking for a longer pause is honored only up to this (then the deadline
/// usually ends the query first anyway).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether sending a request twice could do something twice at the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// A read (GET, or a query POST): retried on connect errors, 5xx and 429.
    Read,
    /// A submission: retried only when the connection failed, so nothing was sent.
    Write,
}

/// How often and how patiently one agency's requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles for each later one.
    pub base: Duration,
}

impl Default for RetryPolicy {
    /// No retries: what an adapter built without resilience settings does.
    fn default() -> Self {
        Self { max_attempts: 1, base: Duration::from_millis(100) }
    }
}

impl RetryPolicy {
    /// The pause before attempt `failed + 1`, or `None` when there is no further attempt:
    /// attempts are used up, or the pause (at least `retry_after`) would not end before
    /// the `remaining` time does.
    pub fn delay(&self, failed: u32, retry_after: Option<Duration>, remaining: Duration) -> Option<Duration> {
        if failed >= self.max_attempts {
            return None;
        }
        let ceiling = self.base.saturating_mul(1 << failed.saturating_sub(1).min(16)).min(MAX_BACKOFF);
        // Full jitter: uniform in [0, ceiling], so that hubs that failed together do not
        // come back together.
        let jittered = ceiling.mul_f64(fastrand::f64());
        let delay = jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
        (delay < remaining).then_some(delay)
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    Some(Duration::try_from(at - now).unwrap_or_default().min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const LONG: Duration = Duration::from_secs(30);

    #[test]
    fn delays_stay_under_a_doubling_ceiling_and_stop_after_the_last_attempt() {
        let policy = RetryPolicy { max_attempts: 4, base: Duration::from_millis(100) };
        for _ in 0..200 {
            assert!(policy.delay(1, None, LONG).unwrap() <= Duration::from_millis(100));
            assert!(policy.delay(2, None, LONG).unwrap() <= Duration::from_millis(200));
            assert!(policy.delay(3, None, LONG).unwrap() <= Duration::from_millis(400));
        }
        assert_eq!(policy.delay(4, None, LONG), None);
        assert_eq!(RetryPolicy::default().delay(1, None, LONG), None);
    }

    #[test]
    fn jitter_spreads_the_delays() {
        let policy = RetryPolicy { max_attempts: 3, base: Duration::from_secs(1) };
        let delays: Vec<_> = (0..50).map(|_| policy.delay(1, None, LONG).unwrap()).collect();
        assert!(delays.iter().any(|d| *d < Duration::from_millis(400)));
        assert!(delays.iter().any(|d| *d > Duration::from_millis(600)));
    }

    #[test]
    fn retry_after_is_a_floor_and_the_deadline_a_ceiling() {
        let policy = RetryPolicy { max_attempts: 3, base: Duration::from_millis(10) };
        assert_eq!(policy.delay(1, Some(Duration::from_secs(1)), LONG), Some(Duration::from_secs(1)));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(1)), Duration::from_millis(900)), None);
        assert_eq!(policy.delay(1, None, Duration::ZERO), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = datetime!(2026-11-24 08:00:00 UTC);
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("Tue, 24 Nov 2026 08:00:03 GMT", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Tue, 24 Nov 2026 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("86400", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
