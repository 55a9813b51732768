//! The per-query wrapper against a scripted adapter (time paused, so waits are exact),
//! and the configuration keys.

use super::*;
use crate::adapters::{AdapterError, AgencyQuery, Rejection};
use crate::domain::facts::TaxFacts;
use crate::domain::{AgencyFacts, IdNumber, Program, YearMonth};
use crate::settings::Settings;
use futures::future::BoxFuture;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::time::Instant;

/// Answers every query with `outcome` after `delay`, counting the calls.
struct Scripted {
    calls: AtomicU32,
    delay: Duration,
    outcome: Mutex<Result<(), AdapterError>>,
}

impl Scripted {
    fn new(delay: Duration, outcome: Result<(), AdapterError>) -> Arc<Self> {
        Arc::new(Self { calls: AtomicU32::new(0), delay, outcome: Mutex::new(outcome) })
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    fn answer(&self, outcome: Result<(), AdapterError>) {
        *self.outcome.lock().unwrap() = outcome;
    }
}

impl AgencyAdapter for Scripted {
    fn agency(&self) -> Agency {
        Agency::Tax
    }

    fn query<'a>(&'a self, _query: &'a AgencyQuery) -> BoxFuture<'a, Result<AgencyFacts, AdapterError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let outcome = self.outcome.lock().unwrap().clone();
            outcome.map(|()| AgencyFacts::Tax(TaxFacts::default()))
        })
    }
}

fn settings() -> ResilienceSettings {
    ResilienceSettings {
        rate_per_s: 0.0,
        max_concurrent: 1,
        bulkhead_max_wait_ms: 100,
        breaker_min_calls: 4,
        breaker_open_ms: 1000,
        breaker_half_open_calls: 1,
        ..ResilienceSettings::default()
    }
}

fn wrapped(inner: &Arc<Scripted>, config: &ResilienceSettings) -> (Resilience, Arc<dyn AgencyAdapter>) {
    let mut agencies = Settings::embedded_defaults().unwrap().agencies;
    agencies.tax.timeout_ms = 300;
    agencies.tax.resilience = config.clone();
    let resilience = Resilience::from_settings(&agencies, None).unwrap();
    let adapter = resilience.wrap(Arc::clone(inner) as Arc<dyn AgencyAdapter>);
    (resilience, adapter)
}

fn query() -> AgencyQuery {
    AgencyQuery {
        id_number: IdNumber::parse_structure("11010519491231002X").unwrap(),
        consent_ref: "c-1".into(),
        purpose: Program::Dibao,
        window: (YearMonth::new(2025, 11).unwrap(), YearMonth::new(2026, 10).unwrap()),
        deadline: None,
    }
}

const DOWN: Result<(), AdapterError> = Err(AdapterError::Timeout);

#[tokio::test(start_paused = true)]
async fn an_open_breaker_fails_fast_without_calling_then_a_successful_trial_closes_it() {
    let inner = Scripted::new(Duration::from_millis(10), Err(AdapterError::Unavailable("503".into())));
    let (resilience, adapter) = wrapped(&inner, &settings());
    for _ in 0..4 {
        assert!(matches!(adapter.query(&query()).await, Err(AdapterError::Unavailable(_))));
    }
    let started = Instant::now();
    let refused = adapter.query(&query()).await;
    assert_eq!(refused, Err(AdapterError::Rejected(Rejection::CircuitOpen)));
    assert_eq!(refused.unwrap_err().cause(), Some("circuit_open"));
    assert_eq!((inner.calls(), started.elapsed()), (4, Duration::ZERO), "refused at once, agency not called");
    assert_eq!(resilience.status()[&Agency::Tax].state, "open");

    tokio::time::advance(Duration::from_millis(1000)).await;
    inner.answer(Ok(()));
    assert!(adapter.query(&query()).await.is_ok(), "the trial call goes through");
    let status = &resilience.status()[&Agency::Tax];
    assert_eq!((status.state, status.health.calls, status.health.rejections), ("closed", 5, 1));
}

#[tokio::test(start_paused = true)]
async fn malformed_answers_do_not_open_the_breaker() {
    let inner = Scripted::new(Duration::ZERO, Err(AdapterError::Malformed("garbage".into())));
    let (resilience, adapter) = wrapped(&inner, &settings());
    for _ in 0..10 {
        assert!(matches!(adapter.query(&query()).await, Err(AdapterError::Malformed(_))));
    }
    let status = &resilience.status()[&Agency::Tax];
    assert_eq!((status.state, status.health.recent_error_rate), ("closed", 1.0));
}

#[tokio::test(start_paused = true)]
async fn a_call_beyond_the_bulkhead_waits_its_maximum_then_is_refused() {
    let inner = Scripted::new(Duration::from_secs(10), DOWN);
    let (resilience, adapter) = wrapped(&inner, &settings());
    let first_query = query();
    let first = adapter.query(&first_query);
    let second = async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let started = Instant::now();
        (adapter.query(&query()).await, started.elapsed())
    };
    let (first, (second, waited)) = tokio::join!(first, second);
    assert_eq!(first, Err(AdapterError::Timeout), "the slow call ends at its 300 ms deadline");
    assert_eq!(second, Err(AdapterError::Rejected(Rejection::BulkheadFull)));
    assert_eq!(waited, Duration::from_millis(100));
    assert_eq!(inner.calls(), 1);
    assert_eq!(resilience.status()[&Agency::Tax].health.rejections, 1);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_covers_the_wait_for_a_slot() {
    let inner = Scripted::new(Duration::from_millis(250), Ok(()));
    let config = ResilienceSettings { bulkhead_max_wait_ms: 10_000, ..settings() };
    let (_resilience, adapter) = wrapped(&inner, &config);
    let (first_query, second_query) = (query(), query());
    let started = Instant::now();
    let (first, second) = tokio::join!(adapter.query(&first_query), adapter.query(&second_query));
    assert!(first.is_ok());
    assert_eq!(second, Err(AdapterError::Timeout), "250 ms of waiting left 50 ms for a 250 ms call");
    assert_eq!(started.elapsed(), Duration::from_millis(300));
}

#[tokio::test(start_paused = true)]
async fn an_earlier_deadline_of_the_query_wins() {
    let inner = Scripted::new(Duration::from_secs(1), Ok(()));
    let (_resilience, adapter) = wrapped(&inner, &settings());
    let started = Instant::now();
    let query = AgencyQuery { deadline: Some(started + Duration::from_millis(50)), ..query() };
    assert_eq!(adapter.query(&query).await, Err(AdapterError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(50));
}

#[tokio::test(start_paused = true)]
async fn a_batch_is_one_call_under_the_earliest_deadline() {
    let inner = Scripted::new(Duration::from_millis(10), Ok(()));
    let (resilience, adapter) = wrapped(&inner, &settings());
    let batch = [query(), query(), query()];
    assert_eq!(adapter.query_batch(&batch).await.map(|facts| facts.len()), Ok(3));
    let status = &resilience.status()[&Agency::Tax];
    assert_eq!((inner.calls(), status.health.calls), (3, 1), "three answers, one call to the agency");

    let slow = Scripted::new(Duration::from_secs(1), Ok(()));
    let (_resilience, adapter) = wrapped(&slow, &settings());
    let started = Instant::now();
    let hurried = AgencyQuery { deadline: Some(started + Duration::from_millis(50)), ..query() };
    assert_eq!(adapter.query_batch(&[query(), hurried]).await, Err(AdapterError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(50), "the earliest query's deadline bounds it");
}

#[tokio::test(start_paused = true)]
async fn an_open_breaker_refuses_a_batch_whole() {
    let inner = Scripted::new(Duration::ZERO, Err(AdapterError::Unavailable("503".into())));
    let (_resilience, adapter) = wrapped(&inner, &settings());
    for _ in 0..4 {
        assert!(matches!(adapter.query_batch(&[query(), query()]).await, Err(AdapterError::Unavailable(_))));
    }
    let calls = inner.calls();
    let refused = adapter.query_batch(&[query(), query()]).await;
    assert_eq!(refused, Err(AdapterError::Rejected(Rejection::CircuitOpen)), "4 failed batches are 4 calls");
    assert_eq!(inner.calls(), calls, "the agency was not called");
}

#[test]
fn every_key_has_a_default_and_the_embedded_config_spells_them_out() {
    let settings = Settings::embedded_defaults().unwrap();
    assert_eq!(settings.agencies.application_deadline_ms, 10_000);
    for agency in Agency::ALL {
        assert_eq!(settings.agencies.get(agency).resilience, ResilienceSettings::default(), "{agency:?}");
    }
    let defaults = ResilienceSettings::default();
    assert_eq!((defaults.breaker_failure_rate_percent, defaults.breaker_min_calls), (50, 20));
    let old: AgencyConfigOnly = figment::Figment::from(figment::providers::Serialized::defaults(
        serde_json::json!({"base_url": "http://a", "api_key": "k", "timeout_ms": 1, "cache_ttl_s": 1}),
    ))
    .extract()
    .unwrap();
    assert_eq!(old.0.resilience, defaults, "a section without the new keys still loads");
    let no_batching =
        crate::adapters::coalescer::BatchSettings { batch_max_persons: 1, batch_max_inflight: 4 };
    assert_eq!(old.0.batch, no_batching, "and without batching keys it does not batch");
}

/// An agency section on its own, as an older config file would write it.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct AgencyConfigOnly(crate::settings::AgencySettings);
