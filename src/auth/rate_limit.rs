//! Per-caller request rate limit, keyed by the token's `sub` (never by a header a caller
//! could spoof): a token bucket per caller.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tokens are counted in millionths so the arithmetic stays in integers.
const UNIT: u128 = 1_000_000;

pub struct CallerRateLimiter {
    per_second: u128,
    burst: u128,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    /// Available tokens × UNIT.
    tokens: u128,
    refilled: Instant,
}

impl CallerRateLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: u128::from(per_second.max(1)),
            burst: u128::from(burst.max(1)) * UNIT,
            buckets: Mutex::default(),
        }
    }

    /// Takes one token for `sub`, or says how long until one is available.
    pub fn check(&self, sub: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(sub.to_owned()).or_insert(Bucket { tokens: self.burst, refilled: now });
        // Tokens gained = elapsed µs × rate / 1e6 s, in units of 1e-6 tokens.
        let gained = now.duration_since(bucket.refilled).as_micros() * self.per_second;
        bucket.tokens = (bucket.tokens + gained).min(self.burst);
        bucket.refilled = now;
        if bucket.tokens >= UNIT {
            bucket.tokens -= UNIT;
            Ok(())
        } else {
            let missing_micros = (UNIT - bucket.tokens).div_ceil(self.per_second);
            Err(Duration::from_micros(u64::try_from(missing_micros).unwrap_or(u64::MAX)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_caller_has_its_own_bucket() {
        let limiter = CallerRateLimiter::new(1, 3);
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(limiter.check("b").is_ok(), "another caller is not affected");
    }
}
