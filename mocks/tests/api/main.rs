//! The mock agencies over real HTTP: one test binary, a server on port 0 per test.

// The workspace denies these in product code; in tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod bank;
mod control;
mod data;
mod faults;
mod helpers;
mod housing_fund;
mod real_estate;
mod resilience;
mod tax;
