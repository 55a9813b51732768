//! `eventually(budget, probe)`: the one way tests wait. It asks `probe` what a user would
//! observe until the answer is `Some`, and fails the test naming what was awaited when
//! the budget runs out. The budget is a liveness bound (a hung hub must not hang the
//! suite), never a performance assertion: keep it generous.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long between two probes.
const PROBE_EVERY: Duration = Duration::from_millis(25);

/// Probes until `probe` returns `Some(value)`, and returns the value; panics naming
/// `what` when `budget` passes first.
pub async fn eventually<T, F, Fut>(what: &str, budget: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < budget, "still waiting for {what} after {budget:?}");
        tokio::time::sleep(PROBE_EVERY).await;
    }
}
