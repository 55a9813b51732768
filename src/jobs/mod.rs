//! Background verification: workers claim queued applications, run the broker and the
//! policy engine, and store exactly one report per application.

mod shutdown;
mod waiter;
mod worker;

pub use shutdown::Shutdown;
pub use waiter::Completions;
pub use worker::{Verification, Verifier, WorkerConfig, spawn_workers};
