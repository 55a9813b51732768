//! Re-check benchmark (issue 9): re-check N synthetic beneficiary households with every
//! mock agency answering after 20 ms, and report households per hour, agency calls per
//! household and peak memory.
//!
//! The synthetic population of `hub mocks --synthetic` is imported as beneficiaries
//! straight into a fresh SQLite store, then one `hub recheck run` batch re-checks them
//! all through the real adapters, broker, cache, policy engine and store. The mocks run
//! in the same process (their memory counts in the peak).
//!
//! Run: `cargo run --release --bin recheck-bench -- [PERSONS] [CONCURRENCY] [RATE_PER_S]`
//! (RATE_PER_S: each agency's outbound rate limit; 0 = none, the default).
//! `RECHECK_BENCH_STORE=postgres://…/db` runs against that (empty) PostgreSQL database
//! instead of a fresh SQLite file.

use hub::cache::Pseudonymizer;
use hub::domain::{Agency, parse::parse_application};
use hub::recheck::BatchSpec;
use hub::settings::Settings;
use hub::startup::{build_recheck_runner, mock_api_keys};
use hub::store::{ConsentRecord, NewBeneficiary, Store};
use indicatif::ProgressBar;
use secrecy::ExposeSecret;
use std::time::Instant;
use time::macros::date;

const LATENCY_MS: &str = "20";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let arg =
        |n: usize, default: u64| std::env::args().nth(n).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (persons, concurrency, rate) = (arg(1, 20_000) as usize, arg(2, 256) as usize, arg(3, 0));
    let data_dir = std::env::temp_dir().join(format!("recheck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir)?;
    let mut settings = Settings::embedded_defaults().map_err(|e| anyhow::anyhow!("{e}"))?;
    settings.store.url = std::env::var("RECHECK_BENCH_STORE")
        .unwrap_or_else(|_| format!("sqlite://{}", data_dir.join("hub.db").display()));
    settings.agencies.embedded_mocks = false;
    if let Ok(n) = std::env::var("RECHECK_BENCH_POOL") {
        settings.store.max_connections = n.parse()?;
    }
    let (fixtures, bodies) = mocks::synthetic::generate(persons, 42);
    let mock_config = mocks::MockConfig {
        fixtures,
        api_keys: mock_api_keys(&settings),
        latency: mocks::Latency::parse(LATENCY_MS).map_err(|e| anyhow::anyhow!("{e}"))?,
        error_rate_permille: 0,
        bank_ready_ms: 0,
        seed: 1,
    };
    let mocks = mocks::MockServer::start(mock_config, ([127, 0, 0, 1], 0).into()).await?;
    for agency in Agency::ALL {
        let config = settings.agencies.get_mut(agency);
        config.base_url = mocks.base_url();
        config.resilience.rate_per_s = rate as _;
    }
    let store = Store::connect(&settings.store).await?;
    let pseudonymizer = Pseudonymizer::new(settings.cache.hmac_secret.expose_secret())?;
    let households = import(&store, &pseudonymizer, &bodies).await?;
    let (runner, _) = build_recheck_runner(settings).await?;
    let spec = BatchSpec {
        region: None,
        due_before: Some(date!(2027 - 12 - 01)),
        as_of: date!(2026 - 11 - 24),
        concurrency,
        max: None,
    };
    let state = mocks.state();
    state.reset_counts();
    let started = Instant::now();
    let summary = runner.run(&spec, &ProgressBar::hidden()).await?;
    let elapsed = started.elapsed();
    let calls: u64 =
        ["tax", "real_estate", "housing_fund", "bank"].iter().map(|a| state.total_calls(a)).sum();
    let _ = std::fs::remove_dir_all(&data_dir);

    let per_hour = summary.rechecked as f64 / elapsed.as_secs_f64() * 3600.0;
    println!("persons / households           : {persons} / {households}");
    println!(
        "mock latency, concurrency, rate: {LATENCY_MS} ms, {concurrency}, {rate}/s per agency (0 = none)"
    );
    println!("re-checked, failed             : {} , {}", summary.rechecked, summary.failed);
    println!("elapsed                        : {:.1} s", elapsed.as_secs_f64());
    println!("households per hour            : {per_hour:.0}");
    println!("agency calls per household     : {:.2}", calls as f64 / summary.rechecked.max(1) as f64);
    println!("peak memory (VmHWM, with mocks): {}", peak_memory());
    println!("verdict changes                : {:?}", summary.outcomes);
    Ok(())
}

/// Imports every synthetic application as a dibao class B beneficiary due 2027-05-24.
async fn import(
    store: &Store,
    pseudonymizer: &Pseudonymizer,
    bodies: &[serde_json::Value],
) -> anyhow::Result<usize> {
    let today = date!(2026 - 11 - 24);
    for (n, body) in bodies.iter().enumerate() {
        let application = parse_application(body, today)
            .map_err(|e| anyhow::anyhow!("synthetic body {n} invalid: {e:?}"))?;
        let consents: Vec<ConsentRecord> = ConsentRecord::of_application(&application, pseudonymizer);
        let id = format!("bench-{n:07}");
        store
            .insert_beneficiary(&NewBeneficiary {
                id: &id,
                program: application.program.as_str(),
                region: application.region.as_str(),
                caller_sub: "bench-intake",
                applicant_masked: &application.applicant_masked(),
                category: "dibao_b",
                benefit: Some("240.00"),
                recheck_due: "2027-05-24",
                poverty_relief: false,
                body_json: &serde_json::to_string(&application)?,
                consents: &consents,
            })
            .await?;
    }
    Ok(bodies.len())
}

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}
