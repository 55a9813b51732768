//! Fan-out benchmark (issue: "fan-out must be truly concurrent").
//!
//! Every mock agency answers each request after a fixed 50 ms. The benchmark measures
//! (1) the critical path: the slowest agency's own chain of calls for one person, timed
//! through the real adapters (the bank's is submit + poll), and (2) the hub's latency for
//! a 3-member household with `?wait`, end to end over HTTP with the cache disabled.
//! A concurrent broker keeps (2) ÷ (1) near 1; a sequential one would be above 6.
//!
//! Run: `cargo run --release --bin fanout-bench [-- ROUNDS]`

use hub::adapters::{AgencyQuery, build_all, http_client};
use hub::auth::{MintRequest, Role, mint_token};
use hub::domain::{Agency, IdNumber, Program, YearMonth};
use hub::settings::Settings;
use hub::startup::{Application, mock_api_keys};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use time::macros::date;

const LATENCY_MS: &str = "50";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let data_dir = std::env::temp_dir().join(format!("fanout-bench-{}", std::process::id()));
    let mut settings = Settings::embedded_defaults().map_err(|e| anyhow::anyhow!("{e}"))?;
    settings.server.bind = "127.0.0.1:0".into();
    settings.store.url = format!("sqlite://{}", data_dir.join("hub.db").display());
    settings.agencies.embedded_mocks = false;
    let mock_config = mocks::MockConfig {
        fixtures: mocks::Fixtures::default(),
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
        // No caching: every application must really ask every agency.
        config.cache_ttl_s = 0;
    }

    let critical_path = measure_critical_path(&settings, rounds).await?;
    let hub_latency = measure_hub(&settings, rounds).await?;
    let _ = std::fs::remove_dir_all(&data_dir);

    let ratio = hub_latency.as_secs_f64() / critical_path.as_secs_f64();
    println!("mock latency per request        : {LATENCY_MS} ms");
    println!("critical path p50 (slowest chain): {:.1} ms", ms(critical_path));
    println!("hub p50, 3-member household      : {:.1} ms", ms(hub_latency));
    println!("ratio hub / critical path        : {ratio:.3} (goal <= 1.15)");
    Ok(())
}

/// p50 of each agency's chain of calls for one person, through the real adapters; the
/// critical path is the slowest of them.
async fn measure_critical_path(settings: &Settings, rounds: usize) -> anyhow::Result<Duration> {
    let client = http_client::build("fanout-bench")?;
    let adapters = build_all(&client, |agency| settings.agencies.endpoint(agency));
    let mut slowest = Duration::ZERO;
    for adapter in adapters {
        let mut samples = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let query = AgencyQuery {
                id_number: IdNumber::parse_structure(&person(90_000 + round, 0))?,
                consent_ref: "bench".into(),
                purpose: Program::Dibao,
                window: YearMonth::income_window(date!(2026 - 11 - 24)),
                deadline: None,
            };
            let started = Instant::now();
            adapter.query(&query).await.map_err(|e| anyhow::anyhow!("{}: {e}", adapter.agency()))?;
            samples.push(started.elapsed());
        }
        let p50 = median(&mut samples);
        println!("  {:<13} chain p50: {:.1} ms", adapter.agency().as_str(), ms(p50));
        slowest = slowest.max(p50);
    }
    Ok(slowest)
}

/// p50 of `POST /api/v1/applications?wait=10` for 3-member households, one at a time.
async fn measure_hub(settings: &Settings, rounds: usize) -> anyhow::Result<Duration> {
    let application = Application::build(settings.clone()).await?;
    let url = format!("http://127.0.0.1:{}/api/v1/applications?wait=10", application.port());
    tokio::spawn(application.run_until_stopped());
    let regions = vec!["50".to_owned()];
    let token = mint_token(
        &settings.auth,
        &MintRequest { sub: "bench", role: Role::Intake, regions: &regions, ttl: Duration::from_secs(3600) },
    )?;
    let client = reqwest::Client::new();
    let warm_up = 5;
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..rounds + warm_up {
        let body = household(round);
        let started = Instant::now();
        let response = client.post(&url).bearer_auth(&token).json(&body).send().await?;
        let status = response.status();
        let json: Value = response.json().await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(status == 200 && json["status"] == "completed", "unexpected answer {status}: {json}");
        if round >= warm_up {
            samples.push(elapsed);
        }
    }
    Ok(median(&mut samples))
}

fn household(round: usize) -> Value {
    let ids: Vec<String> = (0..3).map(|k| person(round, k)).collect();
    let relations = ["applicant", "spouse", "child"];
    let members: Vec<Value> = ids
        .iter()
        .zip(relations)
        .map(|(id, relation)| json!({"name": "测试", "id_number": id, "relation": relation}))
        .collect();
    let consents: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            json!({"id": format!("c-{round}-{k}"), "id_number": id,
                   "agencies": ["tax", "real_estate", "housing_fund", "bank"], "purpose": "dibao",
                   "signed_at": "2026-01-01T00:00:00+08:00", "expires_at": "2036-01-01T00:00:00+08:00",
                   "evidence_ref": "bench"})
        })
        .collect();
    json!({"program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
           "household": {"members": members}, "consents": consents})
}

/// A valid, distinct ID number for member `k` of round `round`.
fn person(round: usize, k: usize) -> String {
    let birth = 19_700_101 + (round / 300) * 10_000;
    let body = format!("500103{birth}{:03}", (round % 300) * 3 + k);
    mocks::id_number::with_check_char(&body).unwrap_or(body)
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
