//! A circuit breaker per agency: after too many recent failures it stops calling the
//! agency for a while (callers get `circuit_open` at once), then lets a few trial calls
//! through and closes again when they succeed.
//!
//! The failure rate is taken over a count-based window of recent calls and only once
//! the window holds `min_calls` calls, so a quiet agency is not tripped by two bad
//! answers (the resilience4j model). State changes are logged and exported.

use crate::domain::Agency;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Opens when failures × 100 ≥ this × calls in the window.
    pub failure_rate_percent: u32,
    /// No verdict on fewer calls than this.
    pub min_calls: u32,
    /// How many recent calls the rate is taken over.
    pub window_calls: u32,
    /// How long the breaker stays open before trial calls.
    pub open_for: Duration,
    /// Trial calls let through while half-open; this many successes close the breaker.
    pub half_open_calls: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// The value of the `hub_agency_circuit_state` gauge.
    fn gauge(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::Open => 1.0,
            Self::HalfOpen => 2.0,
        }
    }
}

#[derive(Debug)]
enum State {
    /// `true` = a failure, most recent last.
    Closed {
        window: VecDeque<bool>,
    },
    Open {
        until: Instant,
    },
    /// Trials in flight and trials that succeeded so far.
    HalfOpen {
        in_flight: u32,
        successes: u32,
    },
}

#[derive(Debug)]
pub struct CircuitBreaker {
    agency: Agency,
    settings: BreakerSettings,
    state: Mutex<State>,
}

/// The breaker refused a call: it is open, or half-open with every trial slot taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitOpen;

/// Permission for one call. Report how it went with [`Permit::record`]; a permit dropped
/// unrecorded (the call never reached the agency, or was cancelled) counts for nothing.
#[must_use]
pub struct Permit {
    breaker: Arc<CircuitBreaker>,
    trial: bool,
    recorded: bool,
}

impl CircuitBreaker {
    pub fn new(agency: Agency, settings: BreakerSettings) -> Arc<Self> {
        let breaker = Self { agency, settings, state: Mutex::new(State::Closed { window: VecDeque::new() }) };
        metrics::gauge!("hub_agency_circuit_state", "agency" => agency.as_str()).set(0.0);
        Arc::new(breaker)
    }

    pub fn state(&self) -> BreakerState {
        match &*self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() >= *until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Lets a call through, or refuses it while open.
    pub fn acquire(self: &Arc<Self>) -> Result<Permit, CircuitOpen> {
        let mut state = self.lock();
        if let State::Open { until } = *state {
            if Instant::now() < until {
                return Err(CircuitOpen);
            }
            self.change(&mut state, State::HalfOpen { in_flight: 0, successes: 0 });
        }
        let trial = match &mut *state {
            State::Closed { .. } => false,
            State::HalfOpen { in_flight, successes } => {
                if *in_flight + *successes >= self.settings.half_open_calls.max(1) {
                    return Err(CircuitOpen);
                }
                *in_flight += 1;
                true
            }
            State::Open { .. } => return Err(CircuitOpen),
        };
        Ok(Permit { breaker: Arc::clone(self), trial, recorded: false })
    }

    fn record(&self, trial: bool, failed: bool) {
        let mut state = self.lock();
        let settings = self.settings;
        match &mut *state {
            State::Closed { window } => {
                window.push_back(failed);
                while window.len() > settings.window_calls.max(settings.min_calls).max(1) as usize {
                    window.pop_front();
                }
                let failures = window.iter().filter(|f| **f).count() as u64;
                let calls = window.len() as u64;
                let over = failures * 100 >= u64::from(settings.failure_rate_percent) * calls;
                if calls >= u64::from(settings.min_calls) && over && failures > 0 {
                    tracing::warn!(agency = self.agency.as_str(), failures, calls, "circuit breaker opens");
                    self.open(&mut state);
                }
            }
            State::HalfOpen { in_flight, successes } if trial => {
                *in_flight = in_flight.saturating_sub(1);
                if failed {
                    tracing::warn!(
                        agency = self.agency.as_str(),
                        "trial call failed; circuit breaker reopens"
                    );
                    self.open(&mut state);
                } else {
                    *successes += 1;
                    if *successes >= settings.half_open_calls.max(1) {
                        tracing::info!(
                            agency = self.agency.as_str(),
                            "trial calls succeeded; circuit breaker closes"
                        );
                        self.change(&mut state, State::Closed { window: VecDeque::new() });
                    }
                }
            }
            // A call let through before the state changed: its outcome is stale.
            State::HalfOpen { .. } | State::Open { .. } => {}
        }
    }

    fn release(&self, trial: bool) {
        if let State::HalfOpen { in_flight, .. } = &mut *self.lock()
            && trial
        {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    fn open(&self, state: &mut State) {
        self.change(state, State::Open { until: Instant::now() + self.settings.open_for });
    }

    fn change(&self, state: &mut State, next: State) {
        *state = next;
        let name = match state {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        };
        let agency = self.agency.as_str();
        tracing::info!(agency, state = name.as_str(), "circuit breaker state changed");
        metrics::gauge!("hub_agency_circuit_state", "agency" => agency).set(name.gauge());
        metrics::counter!("hub_agency_circuit_transitions_total", "agency" => agency, "to" => name.as_str())
            .increment(1);
    }

    /// A poisoned lock only means a panic elsewhere; the counters are still usable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Permit {
    /// Reports the call: `failed` when the agency timed out or was unavailable.
    pub fn record(mut self, failed: bool) {
        self.recorded = true;
        self.breaker.record(self.trial, failed);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.recorded {
            self.breaker.release(self.trial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(half_open_calls: u32) -> Arc<CircuitBreaker> {
        CircuitBreaker::new(
            Agency::RealEstate,
            BreakerSettings {
                failure_rate_percent: 50,
                min_calls: 4,
                window_calls: 10,
                open_for: Duration::from_secs(5),
                half_open_calls,
            },
        )
    }

    fn call(breaker: &Arc<CircuitBreaker>, failed: bool) {
        breaker.acquire().unwrap().record(failed);
    }

    #[tokio::test(start_paused = true)]
    async fn opens_at_the_failure_rate_only_after_the_minimum_calls() {
        let breaker = breaker(1);
        for _ in 0..3 {
            call(&breaker, true);
        }
        assert_eq!(breaker.state(), BreakerState::Closed, "3 calls are below the minimum of 4");
        call(&breaker, false);
        assert_eq!(breaker.state(), BreakerState::Open, "3 failures of 4 calls is 75 %");
        assert_eq!(breaker.acquire().err(), Some(CircuitOpen));
    }

    #[tokio::test(start_paused = true)]
    async fn stays_closed_below_the_rate() {
        let breaker = breaker(1);
        for failed in [false, false, true, false, false, false, true, false, false, true] {
            call(&breaker, failed);
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_lets_only_the_trials_through_then_closes_on_success() {
        let breaker = breaker(2);
        for _ in 0..4 {
            call(&breaker, true);
        }
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        let (first, second) = (breaker.acquire().unwrap(), breaker.acquire().unwrap());
        assert_eq!(breaker.acquire().err(), Some(CircuitOpen), "only two trial slots");
        first.record(false);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        second.record(false);
        assert_eq!(breaker.state(), BreakerState::Closed);
        call(&breaker, true);
        assert_eq!(breaker.state(), BreakerState::Closed, "a fresh window after closing");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_trial_reopens_and_an_unrecorded_one_frees_its_slot() {
        let breaker = breaker(1);
        for _ in 0..4 {
            call(&breaker, true);
        }
        tokio::time::advance(Duration::from_secs(5)).await;
        drop(breaker.acquire().unwrap());
        call(&breaker, true);
        assert_eq!(breaker.state(), BreakerState::Open);
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(breaker.acquire().err(), Some(CircuitOpen), "the open period starts again");
    }
}
