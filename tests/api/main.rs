//! Integration tests: the real hub on port 0, a fresh SQLite file, and the mock agencies
//! on port 0 in the same process (so each test can count the calls they receive).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[macro_use]
mod database;
mod bank_batching;
mod beneficiary_consents;
mod cache_redis;
mod cache_redis_calls;
mod demo_households;
mod drain;
mod durability;
mod eventually;
mod faults_and_consent;
mod helpers;
mod log_privacy;
mod metrics;
mod openapi;
mod policies;
mod production_config;
mod recheck;
mod redis_server;
mod refused_requests;
mod resilience;
mod security;
mod submit_and_poll;
mod ui;
mod ui_browser;
mod use_cases;
mod validation;
mod webdriver;
