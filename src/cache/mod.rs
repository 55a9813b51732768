//! Caching agency answers, behind one trait so the in-process cache (the embedded
//! default) and Redis (production, shared by every instance) are interchangeable.
//!
//! Keys never hold a raw ID number: `hub:v1:{agency}:{HMAC-SHA256(secret, id)}:{query
//! fingerprint}`. Every entry carries the pseudonym of its subject, checked on read, so
//! an answer stored for one person is never used for another. In Redis, values are
//! sealed with AES-256-GCM under a named, rotatable key and bound to their Redis key.
//! A cache failure is a miss: the cache can make the hub faster, never wrong and never
//! down. [`SingleFlight`] sits in front of either cache so that concurrent requests for
//! the same answer make one agency call.
//!
//! Layout: `keys` (pseudonyms, key names), `memory` (moka), `redis_cache` (Redis calls,
//! each under its own timeout), `sealing` (value encryption), `health` (degraded
//! tracking), `single_flight` (coalescing and the cross-instance lock protocol).

mod health;
mod keys;
mod memory;
mod redis_cache;
mod sealing;
mod single_flight;

pub use health::CacheHealth;
pub use keys::{CacheKey, Pseudonymizer};
pub use memory::MemoryCache;
pub use redis_cache::RedisCache;
pub use sealing::Sealer;
pub use single_flight::{Found, SingleFlight};

use crate::domain::AgencyFacts;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

/// A cached agency answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedFacts {
    /// Pseudonym of the person the answer is about; checked against the key's on read.
    pub subject: String,
    pub facts: AgencyFacts,
    /// When the agency gave the answer.
    #[serde(with = "time::serde::rfc3339")]
    pub fetched_at: OffsetDateTime,
}

/// The answer to "may this instance call the agency for this key now?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Yes, and no other instance will while the lock lives; release it with this token.
    Granted(String),
    /// Another instance is calling the agency: wait for its answer to appear in the cache.
    Busy,
    /// No cross-instance coordination (in-process cache, or the shared cache is
    /// unreachable): call the agency.
    Uncoordinated,
}

/// The cache could not complete an operation (unreachable, frozen or refusing).
#[derive(Debug, thiserror::Error)]
#[error("the cache is unavailable: {0}")]
pub struct CacheUnavailable(pub String);

pub trait AgencyCache: Send + Sync {
    /// The entry under `key` if it is fresh and really about `key`'s subject.
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Option<CachedFacts>>;
    /// Stores an entry for `ttl`; failures are swallowed (and logged) by design.
    fn put<'a>(&'a self, key: &'a CacheKey, value: CachedFacts, ttl: Duration) -> BoxFuture<'a, ()>;
    /// Tries to become the one instance that calls the agency for `key`.
    fn claim<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Claim>;
    /// Gives up a [`Claim::Granted`] lock early (it also expires on its own).
    fn release<'a>(&'a self, key: &'a CacheKey, token: String) -> BoxFuture<'a, ()>;
    /// How long to wait for another instance that holds the lock before calling anyway.
    fn lock_wait(&self) -> Duration;
    /// Deletes every entry about the person with this pseudonym (consent revocation);
    /// returns how many were removed.
    fn purge_subject<'a>(&'a self, subject: &'a str) -> BoxFuture<'a, Result<u64, CacheUnavailable>>;
    /// Checks the cache now (for `/readyz`); recent failures also count as degraded.
    fn health(&self) -> BoxFuture<'_, CacheHealth>;
}
