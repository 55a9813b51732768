use super::*;
use crate::cache::{CacheHealth, CacheUnavailable, MemoryCache};
use crate::domain::{Agency, SourceStatus, facts::TaxFacts};
use std::sync::atomic::{AtomicUsize, Ordering};

fn facts() -> AgencyFacts {
    AgencyFacts::Tax(TaxFacts::default())
}

fn key() -> CacheKey {
    CacheKey::new(Agency::Tax, "alice".into(), "2025-11..2026-10")
}

/// An agency stand-in that counts its calls and answers after `delay`.
fn agency(
    calls: &Arc<AtomicUsize>,
    delay: Duration,
    answer: Result<AgencyFacts, SourceStatus>,
) -> impl FnOnce() -> BoxFuture<'static, Result<AgencyFacts, SourceStatus>> + Send + 'static {
    let calls = calls.clone();
    move || {
        Box::pin(async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            answer
        })
    }
}

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_requests_make_one_agency_call() {
    let flights = Arc::new(SingleFlight::<SourceStatus>::new(Arc::new(MemoryCache::new(100))));
    let calls = Arc::new(AtomicUsize::new(0));
    let requests = (0..200).map(|_| {
        let (flights, fetch) = (flights.clone(), agency(&calls, Duration::from_millis(200), Ok(facts())));
        tokio::spawn(async move { flights.get_or_fetch(&key(), DAY, fetch).await })
    });
    let answers: Vec<Found> =
        futures::future::join_all(requests).await.into_iter().map(|a| a.unwrap().unwrap()).collect();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(answers.iter().filter(|a| !a.cached).count(), 1, "one request made the call");
    assert!(answers.iter().all(|a| a.facts == facts() && a.fetched_at == answers[0].fetched_at));

    let later = flights.get_or_fetch(&key(), DAY, agency(&calls, Duration::ZERO, Ok(facts()))).await.unwrap();
    assert!(later.cached);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "served from the cache");
}

#[tokio::test]
async fn a_failure_is_shared_by_the_waiting_requests_but_never_cached() {
    let flights = SingleFlight::<SourceStatus>::new(Arc::new(MemoryCache::new(100)));
    let calls = Arc::new(AtomicUsize::new(0));
    let key = key();
    let requests = (0..10).map(|_| {
        let fetch = agency(&calls, Duration::from_millis(50), Err(SourceStatus::Timeout));
        flights.get_or_fetch(&key, DAY, fetch)
    });
    let answers = futures::future::join_all(requests).await;
    assert!(answers.iter().all(|a| *a == Err(SourceStatus::Timeout)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let retry = flights.get_or_fetch(&key, DAY, agency(&calls, Duration::ZERO, Ok(facts()))).await;
    assert_eq!(retry.map(|f| f.cached), Ok(false), "the failure was not cached");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_zero_ttl_asks_the_agency_every_time() {
    let flights = SingleFlight::<SourceStatus>::new(Arc::new(MemoryCache::new(100)));
    let calls = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let fetch = agency(&calls, Duration::ZERO, Ok(facts()));
        assert!(!flights.get_or_fetch(&key(), Duration::ZERO, fetch).await.unwrap().cached);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// A shared cache whose lock another instance always holds.
struct LockedElsewhere {
    store: MemoryCache,
    wait: Duration,
}

impl AgencyCache for LockedElsewhere {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Option<CachedFacts>> {
        self.store.get(key)
    }
    fn put<'a>(&'a self, key: &'a CacheKey, value: CachedFacts, ttl: Duration) -> BoxFuture<'a, ()> {
        self.store.put(key, value, ttl)
    }
    fn claim<'a>(&'a self, _key: &'a CacheKey) -> BoxFuture<'a, Claim> {
        Box::pin(async { Claim::Busy })
    }
    fn release<'a>(&'a self, _key: &'a CacheKey, _token: String) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    fn lock_wait(&self) -> Duration {
        self.wait
    }
    fn purge_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<u64, CacheUnavailable>> {
        self.store.purge_subject(subject)
    }
    fn health(&self) -> BoxFuture<'_, CacheHealth> {
        Box::pin(async { CacheHealth::Ok })
    }
}

#[tokio::test]
async fn an_instance_waits_for_the_lock_holders_answer_instead_of_calling() {
    let shared = Arc::new(LockedElsewhere { store: MemoryCache::new(10), wait: Duration::from_secs(30) });
    let flights = SingleFlight::<SourceStatus>::new(shared.clone());
    let other_instance = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let entry =
            CachedFacts { subject: "alice".into(), facts: facts(), fetched_at: OffsetDateTime::UNIX_EPOCH };
        shared.put(&key(), entry, DAY).await;
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let found = flights.get_or_fetch(&key(), DAY, agency(&calls, Duration::ZERO, Ok(facts()))).await.unwrap();
    other_instance.await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert!(found.cached);
    assert_eq!(found.fetched_at, OffsetDateTime::UNIX_EPOCH, "the other instance's answer");
}

#[tokio::test]
async fn an_instance_calls_the_agency_itself_when_the_lock_holder_never_answers() {
    let shared = Arc::new(LockedElsewhere { store: MemoryCache::new(10), wait: Duration::from_millis(100) });
    let flights = SingleFlight::<SourceStatus>::new(shared);
    let calls = Arc::new(AtomicUsize::new(0));
    let found = flights.get_or_fetch(&key(), DAY, agency(&calls, Duration::ZERO, Ok(facts()))).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(!found.cached);
}

#[tokio::test]
async fn a_flight_everyone_gave_up_on_is_dropped_and_the_next_request_starts_afresh() {
    let flights = SingleFlight::<SourceStatus>::new(Arc::new(MemoryCache::new(100)));
    let calls = Arc::new(AtomicUsize::new(0));
    let key = key();
    let abandoned = flights.get_or_fetch(&key, DAY, agency(&calls, Duration::from_secs(3600), Ok(facts())));
    assert!(tokio::time::timeout(Duration::from_millis(50), abandoned).await.is_err());
    let found = flights.get_or_fetch(&key, DAY, agency(&calls, Duration::ZERO, Ok(facts()))).await.unwrap();
    assert!(!found.cached, "not joined to the abandoned flight, which would never land");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
