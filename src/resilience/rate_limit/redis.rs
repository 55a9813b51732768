//! The fleet-wide budget: one GCRA timestamp per agency in Redis, read and advanced by
//! one Lua script so that concurrent instances never hand out the same slot. The
//! script takes the time from Redis itself, so instance clocks need not agree.
//!
//! Redis is a help, not a dependency: every call has its own timeout, and while Redis
//! is unreachable (or for a second after it failed) this instance falls back to its own
//! [`LocalGcra`] at the full rate. The fleet may then exceed the quota for a while; the
//! agency's 429 and `Retry-After` slow it down again.

use super::{Gcra, LocalGcra, OverBudget, RateLimiter};
use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// KEYS[1] the budget; ARGV interval, tolerance and longest acceptable wait, all in µs.
/// Returns the wait in µs, or -1 when the slot is further away than the longest wait.
/// Microseconds since the epoch fit a Lua double exactly; `%.0f` writes them in full.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait < 0 then wait = 0 end
if wait > max_wait then return -1 end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return wait
";

/// After a failed Redis call, use the local budget for this long before trying again,
/// so that an outage costs one timeout per second rather than one per request.
const BACKOFF_AFTER_FAILURE: Duration = Duration::from_secs(1);

pub struct RedisGcra {
    key: String,
    gcra: Gcra,
    client: redis::Client,
    call_timeout: Duration,
    script: redis::Script,
    connection: Mutex<Option<ConnectionManager>>,
    /// Serializes connection attempts.
    connecting: tokio::sync::Mutex<()>,
    skip_until: Mutex<Option<Instant>>,
    fallback: LocalGcra,
}

impl RedisGcra {
    /// `key` names the budget (one per agency); instances with the same key share it.
    /// Nothing connects until the first request.
    pub fn new(url: &str, key: String, gcra: Gcra, call_timeout: Duration) -> redis::RedisResult<Self> {
        Ok(Self {
            key,
            gcra,
            client: redis::Client::open(url)?,
            call_timeout,
            script: redis::Script::new(SCRIPT),
            connection: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            skip_until: Mutex::new(None),
            fallback: LocalGcra::new(gcra),
        })
    }

    /// `None` when Redis could not be asked: then this instance's own budget applies.
    async fn reserve_shared(&self, max_wait: Duration) -> Option<Result<Duration, OverBudget>> {
        if self.skip_until.lock().unwrap_or_else(PoisonError::into_inner).is_some_and(|t| Instant::now() < t)
        {
            return None;
        }
        let mut connection = self.connection().await?;
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let mut invocation = self.script.key(&self.key);
        invocation.arg(micros(self.gcra.interval)).arg(micros(self.gcra.tolerance)).arg(micros(max_wait));
        let answer = tokio::time::timeout(self.call_timeout, invocation.invoke_async::<i64>(&mut connection));
        match answer.await {
            Ok(Ok(wait)) => Some(u64::try_from(wait).map(Duration::from_micros).map_err(|_| OverBudget)),
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "shared rate limit unavailable; using this instance's");
                self.failed();
                None
            }
            Err(_) => {
                tracing::warn!("shared rate limit timed out; using this instance's");
                self.failed();
                None
            }
        }
    }

    async fn connection(&self) -> Option<ConnectionManager> {
        if let Some(connection) = self.connection.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            return Some(connection);
        }
        let _turn = self.connecting.lock().await;
        if let Some(connection) = self.connection.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            return Some(connection);
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.call_timeout))
            .set_response_timeout(Some(self.call_timeout));
        let connect = self.client.get_connection_manager_with_config(config);
        match tokio::time::timeout(self.call_timeout * 5, connect).await {
            Ok(Ok(connection)) => {
                *self.connection.lock().unwrap_or_else(PoisonError::into_inner) = Some(connection.clone());
                Some(connection)
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "cannot reach Redis for the shared rate limit");
                self.failed();
                None
            }
            Err(_) => {
                tracing::warn!("connecting to Redis for the shared rate limit timed out");
                self.failed();
                None
            }
        }
    }

    fn failed(&self) {
        *self.skip_until.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Instant::now() + BACKOFF_AFTER_FAILURE);
    }
}

impl RateLimiter for RedisGcra {
    fn reserve(&self, max_wait: Duration) -> BoxFuture<'_, Result<Duration, OverBudget>> {
        Box::pin(async move {
            match self.reserve_shared(max_wait).await {
                Some(reserved) => reserved,
                None => self.fallback.reserve_now(max_wait),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::test_redis::RedisServer;

    const LONG: Duration = Duration::from_secs(60);

    fn limiter(url: &str, key: &str) -> RedisGcra {
        RedisGcra::new(url, key.into(), Gcra::new(10.0, 2).unwrap(), Duration::from_millis(500)).unwrap()
    }

    #[tokio::test]
    async fn two_instances_share_one_budget() {
        let redis = RedisServer::start();
        let (a, b) = (limiter(&redis.url(), "hub:test:tax"), limiter(&redis.url(), "hub:test:tax"));
        let mut waits = Vec::new();
        for _ in 0..3 {
            waits.push(a.reserve(LONG).await.unwrap());
            waits.push(b.reserve(LONG).await.unwrap());
        }
        // Two at once (the burst), then one per 100 ms, whichever instance asks.
        let ms = |d: &Duration| d.as_millis();
        assert_eq!(waits[..2].iter().map(ms).collect::<Vec<_>>(), vec![0, 0]);
        for (n, wait) in waits[2..].iter().enumerate() {
            let expected = 100 * (n as u128 + 1);
            assert!(ms(wait) + 50 >= expected && ms(wait) <= expected, "slot {n}: {wait:?}");
        }
        assert_eq!(a.reserve(Duration::from_millis(10)).await, Err(OverBudget));
        let other = limiter(&redis.url(), "hub:test:bank");
        assert_eq!(other.reserve(LONG).await, Ok(Duration::ZERO), "each key is its own budget");
    }

    #[tokio::test]
    async fn without_redis_the_local_budget_applies_at_once() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let limiter = limiter(&format!("redis://127.0.0.1:{port}"), "hub:test:tax");
        let started = std::time::Instant::now();
        assert_eq!(limiter.reserve(LONG).await, Ok(Duration::ZERO));
        assert_eq!(limiter.reserve(LONG).await, Ok(Duration::ZERO));
        assert!(limiter.reserve(LONG).await.unwrap() > Duration::from_millis(50), "the local budget");
        assert!(started.elapsed() < Duration::from_secs(3), "one failed connect, then local");
    }
}
