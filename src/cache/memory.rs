//! The in-process cache (moka): the embedded default when no Redis is configured.

use super::{AgencyCache, CacheHealth, CacheKey, CacheUnavailable, CachedFacts, Claim};
use futures::future::BoxFuture;
use moka::Expiry;
use moka::future::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone)]
struct Entry {
    value: Arc<CachedFacts>,
    ttl: Duration,
}

/// Each entry expires after its own agency's TTL.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, value: &Entry, _created_at: Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

pub struct MemoryCache {
    entries: Cache<String, Entry>,
}

impl MemoryCache {
    pub fn new(max_entries: u64) -> Self {
        Self { entries: Cache::builder().max_capacity(max_entries).expire_after(PerEntryTtl).build() }
    }
}

impl AgencyCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Option<CachedFacts>> {
        Box::pin(async move {
            let entry = self.entries.get(key.as_str()).await?;
            // An entry about someone else under this key must never be used.
            (entry.value.subject == key.subject).then(|| entry.value.as_ref().clone())
        })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, value: CachedFacts, ttl: Duration) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if ttl.is_zero() {
                return;
            }
            self.entries.insert(key.as_str().to_owned(), Entry { value: Arc::new(value), ttl }).await;
        })
    }

    /// One process is the whole fleet here; [`super::SingleFlight`] already coalesces.
    fn claim<'a>(&'a self, _key: &'a CacheKey) -> BoxFuture<'a, Claim> {
        Box::pin(async { Claim::Uncoordinated })
    }

    fn release<'a>(&'a self, _key: &'a CacheKey, _token: String) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    fn lock_wait(&self) -> Duration {
        Duration::ZERO
    }

    fn purge_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<u64, CacheUnavailable>> {
        Box::pin(async move {
            let doomed: Vec<Arc<String>> = self
                .entries
                .iter()
                .filter(|(_, entry)| entry.value.subject == subject)
                .map(|(key, _)| key)
                .collect();
            for key in &doomed {
                self.entries.invalidate(key.as_str()).await;
            }
            Ok(doomed.len() as u64)
        })
    }

    fn health(&self) -> BoxFuture<'_, CacheHealth> {
        Box::pin(async { CacheHealth::Ok })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Agency, AgencyFacts, facts::TaxFacts};
    use time::OffsetDateTime;

    fn entry(subject: &str) -> CachedFacts {
        CachedFacts {
            subject: subject.into(),
            facts: AgencyFacts::Tax(TaxFacts::default()),
            fetched_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn hit_miss_expiry_and_subject_check() {
        let cache = MemoryCache::new(100);
        let key = CacheKey::new(Agency::Tax, "alice".into(), "w");
        assert_eq!(cache.get(&key).await, None);
        cache.put(&key, entry("alice"), Duration::from_millis(150)).await;
        assert_eq!(cache.get(&key).await, Some(entry("alice")));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(cache.get(&key).await, None, "expired after its TTL");

        let key = CacheKey::new(Agency::Tax, "bob".into(), "w");
        cache.put(&key, entry("mallory"), Duration::from_secs(60)).await;
        assert_eq!(cache.get(&key).await, None, "an entry about someone else is never served");
    }

    #[tokio::test]
    async fn purging_a_subject_removes_only_their_entries() {
        let cache = MemoryCache::new(100);
        let alice_tax = CacheKey::new(Agency::Tax, "alice".into(), "w");
        let alice_bank = CacheKey::new(Agency::Bank, "alice".into(), "current");
        let bob_tax = CacheKey::new(Agency::Tax, "bob".into(), "w");
        for (key, subject) in [(&alice_tax, "alice"), (&alice_bank, "alice"), (&bob_tax, "bob")] {
            cache.put(key, entry(subject), Duration::from_secs(60)).await;
        }
        assert_eq!(cache.purge_subject("alice").await.unwrap(), 2);
        assert_eq!(cache.get(&alice_tax).await, None);
        assert_eq!(cache.get(&alice_bank).await, None);
        assert_eq!(cache.get(&bob_tax).await, Some(entry("bob")));
    }
}
