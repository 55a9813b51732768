//! What every single request to an agency passes, handed to the adapters' request
//! plumbing ([`crate::adapters::http_client`]): the agency's rate limit and the retry
//! policy. It works per request (a bank query is a submit and several polls), where
//! [`super::ResilientAdapter`] works per query.
//!
//! An agency's `Retry-After` delays the retry of the request it answered; it does not
//! hold back the instance's other requests. The rate limit already keeps them within
//! the quota, so a 429 there is a boundary effect, and pausing everything would turn one
//! refused request into a second's worth of failed checks. An agency that keeps
//! refusing is a failing agency, and its circuit breaker backs off from it as a whole.

use super::health::AgencyHealth;
use super::rate_limit::RateLimiter;
use super::retry::RetryPolicy;
use crate::adapters::{AdapterError, Rejection};
use std::sync::Arc;
use tokio::time::Instant;

/// The per-request side of one agency's resilience. The default sends at once, never
/// retries and records nothing: what an adapter built on its own does.
#[derive(Clone, Default)]
pub struct Outbound {
    pub retry: RetryPolicy,
    limiter: Option<Arc<dyn RateLimiter>>,
    health: Option<Arc<AgencyHealth>>,
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
        Self { retry, limiter, health: Some(health) }
    }

    /// Waits for the request's slot in the agency's rate limit. Refuses (`rate_limited`)
    /// rather than wait past `deadline`.
    pub async fn admit(&self, deadline: Instant) -> Result<(), AdapterError> {
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
    use std::time::Duration;

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
        assert_eq!(outbound.health.as_ref().unwrap().snapshot().rejections, 1);
    }
}
