//! The Redis cache that every instance shares.
//!
//! Every Redis call runs under its own `tokio::time::timeout(call_timeout)`: while Redis
//! is down a `ConnectionManager` call can otherwise block for seconds (it waits on its
//! reconnection attempts), and a frozen Redis never answers at all. A failed or late call
//! is a miss (reads), a skipped write, or an uncoordinated fetch (locks); it marks the
//! cache degraded for `/readyz`, and the manager reconnects by itself.
//!
//! Values are sealed (see `sealing`) and re-checked after opening: the subject inside
//! must be the key's, so a reply that belonged to another command is never used. Every
//! key has a TTL. A per-person index set `hub:v1:subject:{pseudonym}`, which lives at
//! least as long as the entries it lists, lets consent revocation purge them.

use super::health::HealthTracker;
use super::keys::{subject_index_key, subject_pattern};
use super::{AgencyCache, CacheHealth, CacheKey, CacheUnavailable, CachedFacts, Claim, Sealer};
use crate::settings::CacheSettings;
use anyhow::Context;
use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, RedisResult, Script};
use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

/// Stores an entry and lists it in its subject's index, which outlives every entry it lists.
const STORE_SCRIPT: &str = r"
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
";

/// Deletes a lock only if it is still ours (it may have expired and been taken since).
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Keys deleted per `DEL` when purging.
const PURGE_BATCH: usize = 500;

pub struct RedisCache {
    /// Cheap to clone; multiplexes concurrent calls over one connection and reconnects.
    connection: ConnectionManager,
    sealer: Sealer,
    call_timeout: Duration,
    lock_ttl: Duration,
    health: HealthTracker,
    store_script: Script,
    release_script: Script,
}

impl RedisCache {
    /// Builds the cache and tries to connect once. Redis being down is not an error: the
    /// hub starts, serves with misses and connects when Redis comes up.
    pub async fn connect(settings: &CacheSettings) -> anyhow::Result<Self> {
        let sealer =
            Sealer::new(&settings.encryption_key_id, &settings.encryption_key, &settings.previous_keys)
                .context("cache.encryption_key / cache.previous_keys")?;
        // The URL may hold a password: it is never echoed.
        let client = redis::Client::open(settings.redis_url.as_str())
            .map_err(|_| anyhow::anyhow!("cache.redis_url is not a valid Redis URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(5);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .context("Failed to set up the Redis connection manager")?;
        let cache = Self {
            connection,
            sealer,
            call_timeout: settings.call_timeout(),
            lock_ttl: settings.lock_ttl(),
            health: HealthTracker::new(),
            store_script: Script::new(STORE_SCRIPT),
            release_script: Script::new(RELEASE_SCRIPT),
        };
        let mut connection = cache.connection.clone();
        let first = async move { redis::cmd("PING").query_async::<String>(&mut connection).await };
        match tokio::time::timeout(Duration::from_secs(1), first).await {
            Ok(Ok(_)) => tracing::info!("connected to the Redis cache"),
            _ => tracing::warn!("Redis cache unreachable at startup; serving without it until it is up"),
        }
        Ok(cache)
    }

    /// Runs one Redis request under the call timeout; any failure is recorded.
    async fn call<T>(
        &self,
        operation: &'static str,
        request: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, CacheUnavailable> {
        match tokio::time::timeout(self.call_timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                self.health.failure(operation, &error);
                Err(CacheUnavailable(format!("{operation}: {error}")))
            }
            Err(_) => {
                self.health.failure(operation, &"no answer within the call timeout");
                Err(CacheUnavailable(format!("{operation}: timed out")))
            }
        }
    }

    /// Runs one command under the call timeout.
    async fn query<T: FromRedisValue>(
        &self,
        operation: &'static str,
        command: Cmd,
    ) -> Result<T, CacheUnavailable> {
        let mut connection = self.connection.clone();
        self.call(operation, async move { command.query_async::<T>(&mut connection).await }).await
    }

    /// Opens and checks a stored value; anything doubtful is a miss.
    fn unseal(&self, key: &CacheKey, sealed: &[u8]) -> Option<CachedFacts> {
        let plaintext = self
            .sealer
            .open(key.as_str(), sealed)
            .map_err(|reason| tracing::warn!(reason = %reason, "cached value ignored"))
            .ok()?;
        let entry: CachedFacts = serde_json::from_slice(&plaintext)
            .map_err(|_| tracing::warn!("cached value ignored: not a readable entry"))
            .ok()?;
        if entry.subject != key.subject {
            tracing::error!("cached value ignored: it is about another person than its key");
            return None;
        }
        Some(entry)
    }

    async fn purge(&self, subject: &str) -> Result<u64, CacheUnavailable> {
        let index = subject_index_key(subject);
        let mut smembers = redis::cmd("SMEMBERS");
        smembers.arg(&index);
        let mut doomed: BTreeSet<String> =
            self.query::<Vec<String>>("purge", smembers).await?.into_iter().collect();
        // The index can be lost (evicted under memory pressure): sweep for stragglers too.
        let pattern = subject_pattern(subject);
        let mut cursor: u64 = 0;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(1000);
            let (next, found) = self.query::<(u64, Vec<String>)>("purge", scan).await?;
            doomed.extend(found);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        let doomed: Vec<String> = doomed.into_iter().collect();
        let mut removed = 0;
        for batch in doomed.chunks(PURGE_BATCH) {
            let mut del = redis::cmd("DEL");
            del.arg(batch);
            removed += self.query::<u64>("purge", del).await?;
        }
        let mut del = redis::cmd("DEL");
        del.arg(&index);
        self.query::<u64>("purge", del).await?;
        Ok(removed)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl AgencyCache for RedisCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Option<CachedFacts>> {
        Box::pin(async move {
            let mut get = redis::cmd("GET");
            get.arg(key.as_str());
            let sealed = self.query::<Option<Vec<u8>>>("get", get).await.ok()??;
            self.unseal(key, &sealed)
        })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, value: CachedFacts, ttl: Duration) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if ttl.is_zero() {
                return;
            }
            let Some(sealed) =
                serde_json::to_vec(&value).ok().and_then(|p| self.sealer.seal(key.as_str(), &p))
            else {
                tracing::error!("could not seal a cache entry; not cached");
                return;
            };
            let mut connection = self.connection.clone();
            let index = subject_index_key(&key.subject);
            let mut invocation = self.store_script.key(key.as_str());
            invocation.key(index).arg(sealed).arg(millis(ttl));
            let store = invocation.invoke_async::<()>(&mut connection);
            // The failure is recorded by `call`; a value not cached is only a later miss.
            let _ = self.call("put", store).await;
        })
    }

    fn claim<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Claim> {
        Box::pin(async move {
            let token = uuid::Uuid::new_v4().simple().to_string();
            let mut set = redis::cmd("SET");
            set.arg(key.lock_key()).arg(&token).arg("NX").arg("PX").arg(millis(self.lock_ttl));
            match self.query::<Option<String>>("claim", set).await {
                Ok(Some(_)) => Claim::Granted(token),
                Ok(None) => Claim::Busy,
                Err(_) => Claim::Uncoordinated,
            }
        })
    }

    fn release<'a>(&'a self, key: &'a CacheKey, token: String) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let mut invocation = self.release_script.key(key.lock_key());
            invocation.arg(token);
            let release = invocation.invoke_async::<i64>(&mut connection);
            // A lock not released expires after `lock_ttl`.
            let _ = self.call("release", release).await;
        })
    }

    fn lock_wait(&self) -> Duration {
        self.lock_ttl
    }

    fn purge_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<u64, CacheUnavailable>> {
        Box::pin(self.purge(subject))
    }

    fn health(&self) -> BoxFuture<'_, CacheHealth> {
        Box::pin(async move {
            match self.query::<String>("ping", redis::cmd("PING")).await {
                Ok(_) => self.health.status(),
                Err(_) => CacheHealth::Degraded,
            }
        })
    }
}
