//! Background verification: workers claim queued applications, run the broker and the
//! policy engine, and store exactly one report per application.

mod waiter;
mod worker;

pub use waiter::Completions;
pub use worker::{Verifier, spawn_workers};
