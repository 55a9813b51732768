//! Mock tax, real-estate, housing-fund and bank agencies for the verification hub.
//!
//! One HTTP server serves all four agencies on one port, each in its own wire format
//! (DESIGN §6), from a fixture file that holds the truth about each person. Faults
//! (timeout, unavailable, garbage, reset), latency, an error rate and per-agency rate
//! limits (429 with `Retry-After`) can be injected, and a control endpoint changes them
//! while the server runs. Integrators run their tests
//! against `hub mocks`; the hub's own tests start a [`MockServer`] in-process.
//!
//! # Layout
//! - [`fixtures`]: the fixture format, loading, checking and merging; [`demo`]: demo cases.
//! - [`config`]: [`MockConfig`], [`ApiKeys`], [`Latency`].
//! - [`server`]: [`MockServer`] and the route table; [`state`]: [`MockState`], shared by
//!   all workers (counters, faults, knobs, bank inquiries).
//! - `gate`: what every agency request passes (count, latency, auth, error rate, fault).
//! - `tax`, `real_estate`, `housing_fund`, `bank`: one module per agency wire format.
//! - `control`: the `/__control` test endpoint (no API key: never expose it).
//! - [`faults`], [`rate_limit`] (per-agency 429s and the peak rate seen), [`synthetic`]
//!   (deterministic populations), [`prng`], [`id_number`].

pub mod agency;
mod bank;
pub mod config;
mod control;
mod decimal;
pub mod demo;
mod fallback;
pub mod faults;
pub mod fixtures;
mod gate;
mod housing_fund;
pub mod id_number;
pub mod period;
pub mod prng;
pub mod rate_limit;
mod real_estate;
pub mod server;
pub mod state;
pub mod synthetic;
mod tax;

pub use agency::Agency;
pub use config::{ApiKeys, Latency, LatencyError, MockConfig};
pub use demo::{DemoCase, demo_cases};
pub use faults::Fault;
pub use fixtures::{FixtureError, Fixtures, Person};
pub use rate_limit::RateLimit;
pub use server::MockServer;
pub use state::{MockState, UnknownAgency};
