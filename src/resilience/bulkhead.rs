//! A bulkhead per agency: at most `max_concurrent` calls to it at once. A call beyond
//! that waits for a slot, but only up to `max_wait` (and never past its deadline), then
//! fails as `unavailable` (cause `bulkhead_full`). A slow agency therefore holds a
//! bounded number of job workers; the others go on serving applications that do not
//! need it, or that can be decided without it.

use crate::domain::Agency;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
pub struct Bulkhead {
    agency: Agency,
    slots: Arc<Semaphore>,
    max_concurrent: usize,
    max_wait: Duration,
}

/// No slot freed up in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkheadFull;

/// One occupied slot, freed on drop.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    agency: Agency,
}

impl Bulkhead {
    pub fn new(agency: Agency, max_concurrent: usize, max_wait: Duration) -> Self {
        let max_concurrent = max_concurrent.max(1);
        Self { agency, slots: Arc::new(Semaphore::new(max_concurrent)), max_concurrent, max_wait }
    }

    /// Waits for a slot until `max_wait` has passed or `deadline` comes, whichever is first.
    pub async fn enter(&self, deadline: Instant) -> Result<Slot, BulkheadFull> {
        let until = deadline.min(Instant::now() + self.max_wait);
        match tokio::time::timeout_at(until, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(permit)) => {
                metrics::gauge!("hub_agency_in_flight", "agency" => self.agency.as_str()).increment(1.0);
                Ok(Slot { _permit: permit, agency: self.agency })
            }
            // The semaphore is never closed, so only the wait can end without a slot.
            Ok(Err(_)) | Err(_) => Err(BulkheadFull),
        }
    }

    /// Calls to the agency in flight now.
    pub fn in_flight(&self) -> usize {
        self.max_concurrent - self.slots.available_permits()
    }

    pub fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        metrics::gauge!("hub_agency_in_flight", "agency" => self.agency.as_str()).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn excess_calls_wait_for_a_slot_then_give_up() {
        let bulkhead = Bulkhead::new(Agency::Bank, 2, Duration::from_millis(500));
        let far = Instant::now() + Duration::from_secs(10);
        let (first, _second) = (bulkhead.enter(far).await.unwrap(), bulkhead.enter(far).await.unwrap());
        assert_eq!(bulkhead.in_flight(), 2);
        let started = Instant::now();
        assert!(bulkhead.enter(far).await.is_err());
        assert_eq!(started.elapsed(), Duration::from_millis(500), "waits max_wait, no more");
        let near = Instant::now() + Duration::from_millis(100);
        assert!(bulkhead.enter(near).await.is_err());
        assert_eq!(started.elapsed(), Duration::from_millis(600), "and never past the deadline");
        drop(first);
        assert!(bulkhead.enter(far).await.is_ok(), "a freed slot is taken at once");
    }
}
