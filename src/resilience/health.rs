//! Per-agency figures for `/readyz` and `/metrics`: calls and their outcomes, retries,
//! rejections (the hub declined to call), and the error rate and latency percentiles of
//! the most recent calls. Labels carry the agency name only, never anything about a person.

use crate::domain::Agency;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Recent calls kept for the error rate and the percentiles.
const RECENT_CALLS: usize = 256;

#[derive(Debug)]
pub struct AgencyHealth {
    agency: Agency,
    calls: AtomicU64,
    retries: AtomicU64,
    rejections: AtomicU64,
    /// (latency, failed) of the most recent calls, newest last.
    recent: Mutex<VecDeque<(Duration, bool)>>,
}

/// What `/readyz` shows about one agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthSnapshot {
    pub calls: u64,
    pub retries: u64,
    pub rejections: u64,
    /// Share of the recent calls that failed (timeout, unavailable, malformed), 0–1.
    pub recent_error_rate: f64,
    pub latency_ms: Percentiles,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl AgencyHealth {
    pub fn new(agency: Agency) -> Self {
        Self {
            agency,
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            rejections: AtomicU64::new(0),
            recent: Mutex::new(VecDeque::with_capacity(RECENT_CALLS)),
        }
    }

    /// One call that reached the agency, with its status (`ok`, `timeout`, …).
    pub fn call(&self, latency: Duration, outcome: &'static str) {
        let agency = self.agency.as_str();
        self.calls.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("hub_agency_calls_total", "agency" => agency, "outcome" => outcome).increment(1);
        metrics::histogram!("hub_agency_call_duration_seconds", "agency" => agency)
            .record(latency.as_secs_f64());
        let rate = {
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            if recent.len() == RECENT_CALLS {
                recent.pop_front();
            }
            recent.push_back((latency, outcome != "ok"));
            error_rate(&recent)
        };
        metrics::gauge!("hub_agency_recent_error_rate", "agency" => agency).set(rate);
    }

    /// One request sent again after a retryable failure.
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("hub_agency_retries_total", "agency" => self.agency.as_str()).increment(1);
    }

    /// One call the hub declined to make (`circuit_open`, `bulkhead_full`, `rate_limited`).
    pub fn rejection(&self, cause: &'static str) {
        self.rejections.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("hub_agency_rejections_total", "agency" => self.agency.as_str(), "cause" => cause)
            .increment(1);
    }

    pub fn snapshot(&self) -> HealthSnapshot {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let mut latencies: Vec<Duration> = recent.iter().map(|(latency, _)| *latency).collect();
        let recent_error_rate = error_rate(&recent);
        drop(recent);
        latencies.sort_unstable();
        let at = |q: f64| percentile(&latencies, q).as_secs_f64() * 1000.0;
        HealthSnapshot {
            calls: self.calls.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rejections: self.rejections.load(Ordering::Relaxed),
            recent_error_rate,
            latency_ms: Percentiles { p50: at(0.50), p95: at(0.95), p99: at(0.99) },
        }
    }
}

fn error_rate(recent: &VecDeque<(Duration, bool)>) -> f64 {
    if recent.is_empty() {
        return 0.0;
    }
    recent.iter().filter(|(_, failed)| *failed).count() as f64 / recent.len() as f64
}

/// Nearest-rank percentile of sorted samples; zero when there are none.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_calls_retries_rejections_and_summarizes_recent_calls() {
        let health = AgencyHealth::new(Agency::Tax);
        for ms in 1..=100 {
            health.call(Duration::from_millis(ms), if ms % 4 == 0 { "timeout" } else { "ok" });
        }
        health.retry();
        health.rejection("circuit_open");
        let snapshot = health.snapshot();
        assert_eq!((snapshot.calls, snapshot.retries, snapshot.rejections), (100, 1, 1));
        assert!((snapshot.recent_error_rate - 0.25).abs() < 1e-9);
        assert_eq!(snapshot.latency_ms, Percentiles { p50: 50.0, p95: 95.0, p99: 99.0 });
    }

    #[test]
    fn keeps_only_the_recent_calls() {
        let health = AgencyHealth::new(Agency::Bank);
        for _ in 0..RECENT_CALLS {
            health.call(Duration::from_millis(900), "unavailable");
        }
        for _ in 0..RECENT_CALLS {
            health.call(Duration::from_millis(5), "ok");
        }
        let snapshot = health.snapshot();
        assert_eq!((snapshot.recent_error_rate, snapshot.latency_ms.p99), (0.0, 5.0));
        assert_eq!(AgencyHealth::new(Agency::Bank).snapshot().latency_ms.p50, 0.0);
    }
}
