//! Resilience of the calls to agencies: one bad agency never takes the hub down, never
//! slows the checks that do not need it, and is never hammered while it struggles.
//!
//! Per agency, a query passes, in order: the circuit breaker (fail fast while the agency
//! is failing), the bulkhead (a bounded number of concurrent calls), then, for each
//! request the adapter sends, the rate limit (local or shared through Redis) and the
//! retry policy (safe reads only; connect errors, 5xx and 429; `Retry-After` honored);
//! all under the query's deadline. A refusal by the hub itself is
//! [`AdapterError::Rejected`](crate::adapters::AdapterError::Rejected): the source is
//! `unavailable` with the cause `circuit_open`, `bulkhead_full` or `rate_limited`.
//!
//! Layout: `breaker`, `bulkhead`, `rate_limit` (local GCRA and the Redis script behind
//! one trait), `retry` (backoff and `Retry-After`), `outbound` (the per-request hooks the
//! adapters call), `health` (per-agency figures for `/readyz` and `/metrics`), `adapter`
//! ([`ResilientAdapter`], the per-query wrapper). Everything is wired in
//! `startup::build_broker` from [`ResilienceSettings`].

mod adapter;
pub mod breaker;
pub mod bulkhead;
pub mod health;
pub mod outbound;
pub mod rate_limit;
pub mod retry;
#[cfg(test)]
mod test_redis;
#[cfg(test)]
mod tests;

pub use adapter::ResilientAdapter;
pub use outbound::Outbound;

use crate::adapters::AgencyAdapter;
use crate::domain::Agency;
use crate::settings::AgenciesSettings;
use breaker::{BreakerSettings, CircuitBreaker};
use bulkhead::Bulkhead;
use health::{AgencyHealth, HealthSnapshot};
use rate_limit::{Gcra, LocalGcra, RateLimiter, RedisGcra};
use retry::RetryPolicy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The resilience keys of one `[agencies.<name>]` section; each has a default, so older
/// config files still load.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct ResilienceSettings {
    /// Sustained outbound requests per second; 0 = no limit.
    pub rate_per_s: f64,
    /// Requests that may go at once before the rate applies.
    pub burst: u32,
    /// Concurrent queries (the bulkhead).
    pub max_concurrent: usize,
    /// How long a query waits for a bulkhead slot (never past its deadline).
    pub bulkhead_max_wait_ms: u64,
    /// Attempts per request in total, the first included (1 = no retries).
    pub retry_max_attempts: u32,
    /// Backoff ceiling before the first retry; doubles for each later one.
    pub retry_base_ms: u64,
    pub breaker_failure_rate_percent: u32,
    pub breaker_min_calls: u32,
    pub breaker_window_calls: u32,
    pub breaker_open_ms: u64,
    pub breaker_half_open_calls: u32,
}

impl Default for ResilienceSettings {
    fn default() -> Self {
        Self {
            rate_per_s: 100.0,
            burst: 20,
            max_concurrent: 32,
            bulkhead_max_wait_ms: 1000,
            retry_max_attempts: 3,
            retry_base_ms: 100,
            breaker_failure_rate_percent: 50,
            breaker_min_calls: 20,
            breaker_window_calls: 100,
            breaker_open_ms: 30_000,
            breaker_half_open_calls: 3,
        }
    }
}

/// Where the fleet-wide rate limits live, when Redis is configured.
#[derive(Debug, Clone)]
pub struct SharedBudget {
    pub redis_url: String,
    pub call_timeout: Duration,
}

/// Everything that guards one agency.
pub struct AgencyGuards {
    pub agency: Agency,
    /// The query's deadline (`agencies.<name>.timeout_ms`), waiting included.
    pub timeout: Duration,
    pub breaker: Arc<CircuitBreaker>,
    pub bulkhead: Bulkhead,
    pub health: Arc<AgencyHealth>,
    pub outbound: Outbound,
}

/// The guards of every agency, built once per application.
pub struct Resilience {
    agencies: BTreeMap<Agency, Arc<AgencyGuards>>,
}

/// How one agency looks on `/readyz`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgencyStatus {
    /// `closed`, `open` or `half_open`.
    pub state: &'static str,
    pub in_flight: usize,
    #[serde(flatten)]
    pub health: HealthSnapshot,
}

impl Resilience {
    pub fn from_settings(settings: &AgenciesSettings, shared: Option<&SharedBudget>) -> anyhow::Result<Self> {
        let mut agencies = BTreeMap::new();
        for agency in Agency::ALL {
            let config = settings.get(agency);
            let guards =
                guards(agency, Duration::from_millis(config.timeout_ms), &config.resilience, shared)?;
            agencies.insert(agency, Arc::new(guards));
        }
        Ok(Self { agencies })
    }

    /// The per-request hooks for `agency`'s adapter.
    pub fn outbound(&self, agency: Agency) -> Outbound {
        self.agencies.get(&agency).map(|g| g.outbound.clone()).unwrap_or_default()
    }

    /// The figures of `agency`, for a layer in front of its guards that refuses calls too.
    pub fn health(&self, agency: Agency) -> Option<Arc<AgencyHealth>> {
        self.agencies.get(&agency).map(|g| Arc::clone(&g.health))
    }

    /// `adapter` behind its agency's guards.
    pub fn wrap(&self, adapter: Arc<dyn AgencyAdapter>) -> Arc<dyn AgencyAdapter> {
        match self.agencies.get(&adapter.agency()) {
            Some(guards) => Arc::new(ResilientAdapter::new(adapter, Arc::clone(guards))),
            None => adapter,
        }
    }

    /// Every agency's breaker state and recent figures.
    pub fn status(&self) -> BTreeMap<Agency, AgencyStatus> {
        self.agencies
            .iter()
            .map(|(agency, guards)| {
                let status = AgencyStatus {
                    state: guards.breaker.state().as_str(),
                    in_flight: guards.bulkhead.in_flight(),
                    health: guards.health.snapshot(),
                };
                (*agency, status)
            })
            .collect()
    }
}

fn guards(
    agency: Agency,
    timeout: Duration,
    config: &ResilienceSettings,
    shared: Option<&SharedBudget>,
) -> anyhow::Result<AgencyGuards> {
    let health = Arc::new(AgencyHealth::new(agency));
    let limiter: Option<Arc<dyn RateLimiter>> = match (Gcra::new(config.rate_per_s, config.burst), shared) {
        (None, _) => None,
        (Some(gcra), None) => Some(Arc::new(LocalGcra::new(gcra))),
        (Some(gcra), Some(shared)) => {
            let key = format!("hub:ratelimit:v1:{}", agency.as_str());
            Some(Arc::new(RedisGcra::new(&shared.redis_url, key, gcra, shared.call_timeout)?))
        }
    };
    let retry = RetryPolicy {
        max_attempts: config.retry_max_attempts.max(1),
        base: Duration::from_millis(config.retry_base_ms),
    };
    let breaker = BreakerSettings {
        failure_rate_percent: config.breaker_failure_rate_percent,
        min_calls: config.breaker_min_calls,
        window_calls: config.breaker_window_calls,
        open_for: Duration::from_millis(config.breaker_open_ms),
        half_open_calls: config.breaker_half_open_calls,
    };
    Ok(AgencyGuards {
        agency,
        timeout,
        breaker: CircuitBreaker::new(agency, breaker),
        bulkhead: Bulkhead::new(
            agency,
            config.max_concurrent,
            Duration::from_millis(config.bulkhead_max_wait_ms),
        ),
        outbound: Outbound::new(retry, limiter, Arc::clone(&health)),
        health,
    })
}
