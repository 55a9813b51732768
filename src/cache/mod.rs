//! Caching agency answers, behind one trait so the in-process cache (the embedded
//! default) and Redis (production) are interchangeable.
//!
//! Keys never hold a raw ID number: `hub:v1:{agency}:{HMAC-SHA256(secret, id)}:{query
//! fingerprint}`. Every entry carries the pseudonym of its subject, checked on read, so
//! an answer stored for one person is never used for another. A cache failure is a miss:
//! the cache can make the hub faster, never wrong and never down.

mod keys;
mod memory;

pub use keys::{CacheKey, Pseudonymizer};
pub use memory::MemoryCache;

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

pub trait AgencyCache: Send + Sync {
    /// The entry under `key` if it is fresh and really about `key`'s subject.
    fn get<'a>(&'a self, key: &'a CacheKey) -> BoxFuture<'a, Option<CachedFacts>>;
    /// Stores an entry for `ttl`; failures are swallowed (and logged) by design.
    fn put<'a>(&'a self, key: &'a CacheKey, value: CachedFacts, ttl: Duration) -> BoxFuture<'a, ()>;
}
