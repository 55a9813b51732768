//! Periodic re-checks of registered beneficiaries (DESIGN §5 re-check semantics, §8).
//!
//! A re-check is an ordinary application row (the beneficiary's household and stored
//! consents, `recheck: {poverty_relief}`, as_of = the run date), verified by the same
//! [`Verifier`](crate::jobs::Verifier) as an intake and stored through the same job path,
//! with a `changes` section against the previous report. Batches are resumable: every
//! household of a batch has a row in `recheck_batch_items`, and a re-run skips done ones.

pub mod consent;
pub mod diff;
mod outcome;
mod runner;
mod schedule;

pub use diff::{Changes, diff};
pub use runner::{BatchSpec, RecheckRunner, Summary};
pub use schedule::spawn_schedule;

/// The name of the database lease that lets one instance of a fleet run a batch at a time.
pub const BATCH_LEASE: &str = "recheck-batch";
