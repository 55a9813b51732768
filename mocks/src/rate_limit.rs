//! Per-agency rate limits of the mock agencies: a token bucket per agency that turns
//! requests beyond the limit into `429` with `Retry-After`, and the arrival counter that
//! tells a test the most requests an agency saw within any one second.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// `rate_per_s` tokens a second, at most `burst` saved up; one token per request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub rate_per_s: f64,
    pub burst: u32,
}

#[derive(Debug)]
pub(crate) struct Bucket {
    limit: RateLimit,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self { limit, tokens: f64::from(limit.burst.max(1)), last: Instant::now() }
    }

    /// Takes a token, or says how long until one is there.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.limit.burst.max(1));
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.limit.rate_per_s).min(capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.limit.rate_per_s))
        }
    }
}

/// Arrivals of the last second, and the most there ever were.
#[derive(Debug, Default)]
pub(crate) struct Peak {
    window: VecDeque<Instant>,
    pub(crate) max: u64,
}

impl Peak {
    pub(crate) fn arrive(&mut self, now: Instant) {
        while self.window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            self.window.pop_front();
        }
        self.window.push_back(now);
        self.max = self.max.max(self.window.len() as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_serves_the_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(RateLimit { rate_per_s: 10.0, burst: 2 });
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Ok(()));
        let wait = bucket.take(start).unwrap_err();
        assert!(wait > Duration::from_millis(99) && wait <= Duration::from_millis(100), "{wait:?}");
        assert_eq!(bucket.take(start + Duration::from_millis(100)), Ok(()));
        assert!(bucket.take(start + Duration::from_millis(100)).is_err());
    }

    #[test]
    fn the_peak_is_the_most_arrivals_within_one_second() {
        let start = Instant::now();
        let mut peak = Peak::default();
        for ms in [0, 100, 200, 900, 1150, 1250, 1300] {
            peak.arrive(start + Duration::from_millis(ms));
        }
        assert_eq!(peak.max, 4, "0, 100, 200 and 900; or 900 to 1300");
    }
}
