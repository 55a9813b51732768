//! The two moments of a graceful stop, as seen by background tasks.
//!
//! At SIGTERM the process starts *draining*: workers finish the job in hand but claim no
//! new one, waiters answer at once. When the grace period is nearly over it *abandons*
//! what is left: a worker still verifying gives its job back (`Store::release_job`) so
//! another instance takes it at once instead of after the lease expires.

use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    /// Cancelled when the process is told to stop: take no new work.
    pub draining: CancellationToken,
    /// Cancelled when the grace period is (nearly) over: give back the work in hand.
    pub abandon: CancellationToken,
}

impl Shutdown {
    pub fn is_draining(&self) -> bool {
        self.draining.is_cancelled()
    }
}
