//! Outbound rate limits per agency, behind one trait: [`LocalGcra`] in the process, or
//! [`RedisGcra`] shared by every hub instance through one Lua script, so that a fleet
//! respects the agency's quota (`agencies.<name>.rate_per_s` and `.burst`).
//!
//! Both run the same GCRA (generic cell rate algorithm, a token bucket kept as one
//! timestamp, the "theoretical arrival time"): `burst` requests may go at once, then one
//! every `1 / rate_per_s`. A caller *reserves* the next free slot and sleeps until it, so
//! requests leave in order and evenly spaced rather than in retry storms; a slot further
//! away than the caller's remaining deadline is refused instead of waited for.

mod redis;

pub use redis::RedisGcra;

use futures::future::BoxFuture;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The agency's budget has no slot before the caller's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget;

/// One agency's outbound budget.
pub trait RateLimiter: Send + Sync {
    /// Reserves the next slot: how long to wait before sending, at most `max_wait`.
    fn reserve(&self, max_wait: Duration) -> BoxFuture<'_, Result<Duration, OverBudget>>;
}

/// The GCRA parameters of one budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    /// Time between two requests at the sustained rate.
    pub interval: Duration,
    /// How far ahead of the sustained rate requests may run: `(burst - 1) × interval`.
    pub tolerance: Duration,
}

impl Gcra {
    /// `None` when `rate_per_s` is not positive: no limit.
    pub fn new(rate_per_s: f64, burst: u32) -> Option<Self> {
        if !(rate_per_s.is_finite() && rate_per_s > 0.0) {
            return None;
        }
        let interval = Duration::from_secs_f64(1.0 / rate_per_s);
        Some(Self { interval, tolerance: interval.saturating_mul(burst.max(1) - 1) })
    }
}

/// The budget of this process alone.
#[derive(Debug)]
pub struct LocalGcra {
    gcra: Gcra,
    /// The theoretical arrival time of the next request; `None` before the first.
    tat: Mutex<Option<Instant>>,
}

impl LocalGcra {
    pub fn new(gcra: Gcra) -> Self {
        Self { gcra, tat: Mutex::new(None) }
    }

    pub(crate) fn reserve_now(&self, max_wait: Duration) -> Result<Duration, OverBudget> {
        let now = Instant::now();
        let mut stored = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        let tat = stored.map_or(now, |tat| tat.max(now));
        let wait = tat.saturating_duration_since(now).saturating_sub(self.gcra.tolerance);
        if wait > max_wait {
            return Err(OverBudget);
        }
        *stored = Some(tat + self.gcra.interval);
        Ok(wait)
    }
}

impl RateLimiter for LocalGcra {
    fn reserve(&self, max_wait: Duration) -> BoxFuture<'_, Result<Duration, OverBudget>> {
        Box::pin(std::future::ready(self.reserve_now(max_wait)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn no_rate_means_no_limit() {
        assert_eq!(Gcra::new(0.0, 5), None);
        assert_eq!(Gcra::new(f64::NAN, 5), None);
        let gcra = Gcra::new(20.0, 5).unwrap();
        assert_eq!((gcra.interval, gcra.tolerance), (Duration::from_millis(50), Duration::from_millis(200)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_then_requests_are_spaced_at_the_rate() {
        let limiter = LocalGcra::new(Gcra::new(10.0, 3).unwrap());
        let waits: Vec<_> = (0..6).map(|_| limiter.reserve_now(LONG).unwrap()).collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(waits, vec![ms(0), ms(0), ms(0), ms(100), ms(200), ms(300)]);
        tokio::time::advance(ms(1000)).await;
        assert_eq!(limiter.reserve_now(LONG), Ok(ms(0)), "an idle second refills the bucket");
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_beyond_the_deadline_is_refused_and_not_taken() {
        let limiter = LocalGcra::new(Gcra::new(10.0, 1).unwrap());
        assert_eq!(limiter.reserve_now(Duration::ZERO), Ok(Duration::ZERO));
        assert_eq!(limiter.reserve_now(Duration::from_millis(50)), Err(OverBudget));
        assert_eq!(limiter.reserve_now(Duration::from_millis(100)), Ok(Duration::from_millis(100)));
    }
}
