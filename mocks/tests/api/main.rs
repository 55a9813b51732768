//! The mock agencies over real HTTP: one test binary, a server on port 0 per test.

mod auth;
mod bank;
mod control;
mod data;
mod faults;
mod helpers;
mod housing_fund;
mod real_estate;
mod tax;
