//! Single-flight: concurrent requests for the same answer make one agency call.
//!
//! Within an instance, the first request for a key starts a *flight* and later ones join
//! it, sharing its outcome (success or failure; failures are never cached). Across
//! instances, the flight claims a short lock in the shared cache first; an instance that
//! finds the lock held waits for the holder's answer to appear in the cache, and calls the
//! agency itself only if none appears within the lock's lifetime. A cache that is down only
//! loses the coordination, never the answer.

use super::{AgencyCache, CacheKey, CachedFacts, Claim};
use crate::domain::AgencyFacts;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared, WeakShared};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// An agency answer and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub facts: AgencyFacts,
    /// When the agency gave the answer (the original call, for a cached answer).
    pub fetched_at: OffsetDateTime,
    /// True unless this very request made the agency call.
    pub cached: bool,
}

/// `E` is the agency call's error, shared with every request that joined the flight.
type Outcome<E> = Result<Arc<Found>, E>;
type Flight<E> = Shared<BoxFuture<'static, Outcome<E>>>;
type Registry<E> = Arc<Mutex<HashMap<String, WeakShared<BoxFuture<'static, Outcome<E>>>>>>;

/// How often an instance waiting on another instance's lock looks for the answer.
const POLL: Duration = Duration::from_millis(20);
/// Past this many registered flights, forget the abandoned ones before adding another.
const PRUNE_AT: usize = 1024;

pub struct SingleFlight<E> {
    cache: Arc<dyn AgencyCache>,
    /// Flights in progress in this instance, by cache key. A flight removes itself when
    /// it lands; requests arriving later find the answer in the cache instead. Weak, so
    /// that a flight every waiter gave up on (e.g. at the application deadline) is
    /// dropped, its agency call with it, rather than kept suspended in here.
    flights: Registry<E>,
}

impl<E: Clone + Send + Sync + 'static> SingleFlight<E> {
    pub fn new(cache: Arc<dyn AgencyCache>) -> Self {
        Self { cache, flights: Arc::default() }
    }

    pub fn cache(&self) -> &Arc<dyn AgencyCache> {
        &self.cache
    }

    /// The answer under `key`: from the cache, from a flight already under way, or from
    /// `fetch` (then stored for `ttl`). A zero `ttl` turns caching off: every call fetches.
    pub async fn get_or_fetch<F, Fut>(&self, key: &CacheKey, ttl: Duration, fetch: F) -> Result<Found, E>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<AgencyFacts, E>> + Send + 'static,
    {
        if ttl.is_zero() {
            let facts = fetch().await?;
            return Ok(Found { facts, fetched_at: OffsetDateTime::now_utc(), cached: false });
        }
        let (flight, joined) = self.flight(key, ttl, fetch);
        let found = flight.await?;
        let mut found = Found::clone(&found);
        // A request that joined another's flight caused no agency call of its own.
        found.cached |= joined;
        Ok(found)
    }

    /// The flight for `key`, started if there is none; `true` when joining an existing one.
    fn flight<F, Fut>(&self, key: &CacheKey, ttl: Duration, fetch: F) -> (Flight<E>, bool)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<AgencyFacts, E>> + Send + 'static,
    {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = flights.get(key.as_str()).and_then(WeakShared::upgrade) {
            return (flight, true);
        }
        let (cache, registry, owned_key) = (self.cache.clone(), self.flights.clone(), key.clone());
        let flight = async move {
            let outcome = fill(cache.as_ref(), &owned_key, ttl, fetch).await;
            registry.lock().unwrap_or_else(PoisonError::into_inner).remove(owned_key.as_str());
            outcome
        }
        .boxed()
        .shared();
        if let Some(weak) = flight.downgrade() {
            if flights.len() >= PRUNE_AT {
                flights.retain(|_, flight| flight.upgrade().is_some());
            }
            flights.insert(key.as_str().to_owned(), weak);
        }
        (flight, false)
    }
}

/// Cache, else cross-instance lock, else wait for the lock holder, else fetch.
async fn fill<F, Fut, E>(cache: &dyn AgencyCache, key: &CacheKey, ttl: Duration, fetch: F) -> Outcome<E>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<AgencyFacts, E>>,
{
    if let Some(hit) = cache.get(key).await {
        return Ok(from_cache(hit));
    }
    let give_up_waiting = Instant::now() + cache.lock_wait();
    loop {
        match cache.claim(key).await {
            Claim::Granted(token) => {
                // Another instance may have stored the answer between our read and our claim.
                let outcome = match cache.get(key).await {
                    Some(hit) => Ok(from_cache(hit)),
                    None => fetch_and_store(cache, key, ttl, fetch).await,
                };
                cache.release(key, token).await;
                return outcome;
            }
            Claim::Uncoordinated => return fetch_and_store(cache, key, ttl, fetch).await,
            Claim::Busy if Instant::now() >= give_up_waiting => {
                tracing::warn!(
                    "the instance holding the query lock gave no answer in time; asking the agency"
                );
                return fetch_and_store(cache, key, ttl, fetch).await;
            }
            Claim::Busy => {
                tokio::time::sleep(POLL).await;
                if let Some(hit) = cache.get(key).await {
                    return Ok(from_cache(hit));
                }
            }
        }
    }
}

async fn fetch_and_store<F, Fut, E>(
    cache: &dyn AgencyCache,
    key: &CacheKey,
    ttl: Duration,
    fetch: F,
) -> Outcome<E>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<AgencyFacts, E>>,
{
    metrics::counter!("hub_cache_misses_total", "agency" => key.agency()).increment(1);
    let facts = fetch().await?;
    let fetched_at = OffsetDateTime::now_utc();
    let entry = CachedFacts { subject: key.subject.clone(), facts: facts.clone(), fetched_at };
    cache.put(key, entry, ttl).await;
    Ok(Arc::new(Found { facts, fetched_at, cached: false }))
}

fn from_cache(hit: CachedFacts) -> Arc<Found> {
    metrics::counter!("hub_cache_hits_total", "agency" => hit.facts.agency().as_str()).increment(1);
    Arc::new(Found { facts: hit.facts, fetched_at: hit.fetched_at, cached: true })
}

#[cfg(test)]
mod tests;
