//! What every single request to an agency passes, handed to the adapters' request
//! plumbing ([`crate::adapters::http_client`]): the agency's rate limit, any pause the
//! agency asked for with `Retry-After`, and the retry policy. It works per request
//! (a bank query is a submit and several polls), where [`super::ResilientAdapter`]
//! works per query.

use super::health::AgencyHealth;
use super::rate_limit::RateLimiter;
use super::retry::RetryPolicy;
use crate::adapters::{AdapterError, Rejection};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The per-request side of one agency's resilience. The default sends at once, never
/// retries and records nothing: what an adapter built on its own does.
#[derive(Clone, Default)]
pub struct Outbound {
    pub retry: RetryPolicy,
    limiter: Option<Arc<dyn RateLimiter>>,
    health: Option<Arc<AgencyHealth>>,
    /// Until when the agency asked this instance not to call (from `Retry-After`).
    paused_until: Arc<Mutex<Option<Instant>>>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("retry", &self.retry)
            .field("rate_limited", &self.limiter.is_some())
            .finish_non_exhaustive()
    }
}

impl Outbound {
    pub fn new(retry: RetryPolicy, limiter: Option<Arc<dyn RateLimiter>>, health: Arc<AgencyHealth>) -> Self {
        Self { retry, limiter, health: Some(health), paused_until: Arc::default() }
    }

    /// Waits until the request may be sent: after any pause the agency asked for and in
    /// its slot of the rate limit. Refuses (`rate_limited`) rather than wait past `deadline`.
    pub async fn admit(&self, deadline: Instant) -> Result<(), AdapterError> {
        let paused_until = *self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = paused_until.filter(|until| *until > Instant::now()) {
            if until >= deadline {
                return Err(self.rejected());
            }
            tokio::time::sleep_until(until).await;
        }
        let Some(limiter) = &self.limiter else { return Ok(()) };
        let remaining = deadline.saturating_duration_since(Instant::now());
        match limiter.reserve(remaining).await {
            Ok(wait) if wait.is_zero() => Ok(()),
            Ok(wait) => {
                tokio::time::sleep(wait).await;
                Ok(())
            }
            Err(_) => Err(self.rejected()),
        }
    }

    /// The agency asked for a pause (`Retry-After`): no request from this instance
    /// leaves before it ends.
    pub fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut paused_until = self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        *paused_until = Some(paused_until.map_or(until, |current| current.max(until)));
    }

    pub fn note_retry(&self) {
        if let Some(health) = &self.health {
            health.retry();
        }
    }

    fn rejected(&self) -> AdapterError {
        if let Some(health) = &self.health {
            health.rejection(Rejection::RateLimited.as_str());
        }
        AdapterError::Rejected(Rejection::RateLimited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Agency;
    use crate::resilience::rate_limit::{Gcra, LocalGcra};

    fn outbound(rate_per_s: f64) -> Outbound {
        let limiter: Arc<dyn RateLimiter> = Arc::new(LocalGcra::new(Gcra::new(rate_per_s, 1).unwrap()));
        Outbound::new(RetryPolicy::default(), Some(limiter), Arc::new(AgencyHealth::new(Agency::Tax)))
    }

    #[tokio::test(start_paused = true)]
    async fn requests_wait_for_their_slot_but_not_past_the_deadline() {
        let outbound = outbound(10.0);
        let started = Instant::now();
        let deadline = started + Duration::from_millis(150);
        assert!(outbound.admit(deadline).await.is_ok());
        assert!(outbound.admit(deadline).await.is_ok());
        assert_eq!(started.elapsed(), Duration::from_millis(100));
        assert_eq!(outbound.admit(deadline).await, Err(AdapterError::Rejected(Rejection::RateLimited)));
        assert_eq!(started.elapsed(), Duration::from_millis(100), "refused at once, not at the deadline");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_asked_for_by_the_agency_holds_every_request() {
        let outbound = outbound(1000.0);
        outbound.pause(Duration::from_secs(1));
        let started = Instant::now();
        let short = started + Duration::from_millis(500);
        assert_eq!(outbound.admit(short).await, Err(AdapterError::Rejected(Rejection::RateLimited)));
        assert!(outbound.admit(started + Duration::from_secs(2)).await.is_ok());
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(outbound.health.as_ref().unwrap().snapshot().rejections, 1);
    }
}
