//! Household economic-status verification hub.
//!
//! Intake systems POST an application; the hub checks consent, fans authorized queries
//! out to the tax, real-estate, housing-fund and bank agencies concurrently, caches
//! their answers, normalizes them, applies the region's policy and stores one explained
//! verdict per application.
//!
//! # Layout
//! - [`domain`]: checked types (ID numbers, money, households, consents, normalized facts); no I/O.
//! - [`adapters`]: one module per agency, turning its wire format into normalized facts.
//! - [`broker`]: consent check, cache, concurrent fan-out with per-query deadlines.
//! - [`cache`]: pseudonymized cache of agency answers behind one trait.
//! - [`resilience`]: per-agency deadlines, retries, circuit breakers, bulkheads and rate limits.
//! - [`policy`]: the pure verdict engine of DESIGN §5.
//! - [`store`]: durable applications, jobs and reports (SQLite or PostgreSQL).
//! - [`jobs`]: workers that claim queued applications and produce reports.
//! - [`auth`]: JWT verification, roles and region scope.
//! - [`service`]: the use cases: authorize, act and audit in one place, below `api` and `ui`.
//! - [`api`]: REST handlers and problem details.
//! - [`views`]: the JSON shape of an application, shared by API answers and callbacks.
//! - [`ui`]: the officers' server-rendered pages (sign-in, list, report, review, audit, print).
//! - [`recheck`]: the beneficiary re-check batches and the diff of their reports.
//! - [`webhooks`]: signed callbacks of finished applications, with retries.
//! - [`metrics`]: the Prometheus recorder and `GET /metrics`.
//! - [`settings`], [`startup`], [`telemetry`], [`cli`]: configuration and wiring.

pub mod adapters;
pub mod api;
pub mod audit;
pub mod auth;
pub mod broker;
pub mod cache;
pub mod cli;
pub mod domain;
pub mod jobs;
pub mod metrics;
pub mod policy;
pub mod recheck;
pub mod resilience;
pub mod service;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod ui;
pub mod views;
pub mod webhooks;
