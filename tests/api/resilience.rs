//! Resilience, end to end against the mock agencies (issue "Broker resilience"): a hung
//! agency never holds an application past its deadline, a failing one is cut off by its
//! circuit breaker and let back in when it recovers, a slow one holds only its bulkhead,
//! and a rate-limited one is never sent more than its quota, by one hub or by two that
//! share a Redis. Margins are generous; the precise figures are in docs/BENCHMARKS.md.

use crate::helpers::{Options, TestApp, spawn_app_with};
use crate::redis_server::RedisServer;
use hub::settings::Settings;
use mocks::{Fault, RateLimit};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ALL: [&str; 4] = ["tax", "real_estate", "housing_fund", "bank"];

/// A valid ID number (GB 11643) for test person `n`, absent from the demo fixtures.
fn person(n: u32) -> String {
    let base = format!("5001031977{:02}{:02}{:03}", 1 + n / 28_000 % 12, 1 + n / 1000 % 28, n % 1000);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = base.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{base}{check}")
}

/// A one-person dibao application whose consent covers `agencies`.
fn body(person: &str, agencies: &[&str]) -> Value {
    json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [ { "name": "测试", "id_number": person, "relation": "applicant" } ] },
        "consents": [ { "id": format!("c-{person}"), "id_number": person, "agencies": agencies,
                        "purpose": "dibao", "signed_at": "2026-11-20T09:00:00+08:00",
                        "expires_at": "2030-11-20T09:00:00+08:00", "evidence_ref": "scan" } ]
    })
}

/// Options with the cache off (every application asks the agencies) and `configure`.
fn options(configure: impl FnOnce(&mut Settings) + Send + 'static) -> Options {
    Options { cache_ttl_s: Some(0), configure: Some(Box::new(configure)), ..Options::default() }
}

/// Submits and waits for the finished application; returns its report and the time taken.
async fn timed_verify(app: &TestApp, body: &Value) -> (Value, Duration) {
    let started = Instant::now();
    let response = app.submit(body, Some(30), &app.admin_token()).await;
    let elapsed = started.elapsed();
    let json: Value = response.json().await.unwrap();
    assert_eq!(json["status"], "completed", "{json}");
    (json["report"].clone(), elapsed)
}

async fn readyz_agency(app: &TestApp, agency: &str) -> Value {
    let body: Value = reqwest::get(format!("{}/readyz", app.address)).await.unwrap().json().await.unwrap();
    body["agencies"][agency].clone()
}

fn missing_cause(report: &Value, agency: &str) -> Option<String> {
    report["missing"].as_array()?.iter().find(|m| m["agency"] == agency).map(|m| m["cause"].to_string())
}

/// The hub's open connections to the agencies at `port` (ESTABLISHED, from /proc/net/tcp;
/// the mock side of the same process keeps its own end of held requests, not counted),
/// and the resident memory of this process in KiB.
fn sockets_and_rss_kib(port: u16) -> (usize, u64) {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let remote = format!(":{port:04X}");
    let sockets = table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3 && fields[2].ends_with(&remote) && fields[3] == "01"
        })
        .count();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    (sockets, rss)
}

#[tokio::test]
async fn a_hung_tax_agency_never_holds_an_application_past_its_deadline() {
    const DEADLINE_MS: u64 = 1000;
    let app = spawn_app_with(options(|settings| {
        settings.agencies.application_deadline_ms = DEADLINE_MS;
        // Longer than the application: the application's deadline is what ends the wait.
        settings.agencies.tax.timeout_ms = 5000;
    }))
    .await;
    app.mocks.state().set_fault("tax", None, Some(Fault::Timeout));
    let round = |first: u32| {
        let app = &app;
        async move {
            let bodies: Vec<Value> = (first..first + 4).map(|n| body(&person(n), &ALL)).collect();
            futures::future::join_all(bodies.iter().map(|b| timed_verify(app, b))).await
        }
    };
    round(0).await; // warm-up: connection pools, allocator arenas
    let port = app.mocks.addr().port();
    let before = sockets_and_rss_kib(port);
    let mut times = Vec::new();
    for n in 1..=6 {
        for (report, elapsed) in round(n * 4).await {
            assert_eq!(report["members"][0]["sources"]["tax"]["status"], "timeout", "{report}");
            assert_ne!(report["verdict"], "eligible", "never eligible without the tax answer");
            assert_eq!(missing_cause(&report, "tax").as_deref(), Some("\"timeout\""));
            times.push(elapsed);
        }
    }
    let after = sockets_and_rss_kib(port);
    times.sort();
    let slowest = times[times.len() - 1];
    println!(
        "deadline {DEADLINE_MS} ms: p50 {:?}, slowest {slowest:?} over {} applications; hub sockets, rss KiB {before:?} -> {after:?}",
        times[times.len() / 2],
        times.len()
    );
    assert!(slowest < Duration::from_millis(DEADLINE_MS + 1500), "slowest {slowest:?}");
    assert!(after.0 <= before.0 + 4, "open sockets stay flat: {before:?} -> {after:?}");
    assert!(after.1 <= before.1 + 32 * 1024, "memory stays flat: {before:?} -> {after:?}");
}

#[tokio::test]
async fn a_failing_agency_is_cut_off_by_its_breaker_and_let_back_in_when_it_recovers() {
    const OPEN_MS: u64 = 800;
    const ATTEMPTS: u64 = 2;
    let app = spawn_app_with(options(|settings| {
        let estate = &mut settings.agencies.real_estate.resilience;
        estate.breaker_min_calls = 8;
        estate.breaker_open_ms = OPEN_MS;
        estate.breaker_half_open_calls = 1;
        estate.retry_max_attempts = ATTEMPTS as u32;
        estate.retry_base_ms = 10;
    }))
    .await;
    let state = app.mocks.state();
    let normal = timed_verify(&app, &body(&person(100), &ALL)).await.0;
    assert_eq!(normal["verdict"], "eligible", "{normal}");

    // Every call fails (503): after 8 calls the breaker opens.
    state.set_fault("real_estate", None, Some(Fault::Unavailable));
    let mut n = 101;
    while readyz_agency(&app, "real_estate").await["state"] != "open" {
        let report = timed_verify(&app, &body(&person(n), &ALL)).await.0;
        assert_eq!(report["verdict"], "needs_review");
        n += 1;
        assert!(n < 140, "the breaker never opened");
    }

    // While open: applications finish at once, the agency sees only the trial calls.
    state.reset_counts();
    let started = Instant::now();
    let mut refused = 0;
    while started.elapsed() < Duration::from_millis(3 * OPEN_MS) {
        let (report, elapsed) = timed_verify(&app, &body(&person(n), &ALL)).await;
        n += 1;
        assert_eq!(report["members"][0]["sources"]["real_estate"]["status"], "unavailable");
        if missing_cause(&report, "real_estate").as_deref() == Some("\"circuit_open\"") {
            refused += 1;
            assert!(elapsed < Duration::from_secs(1), "fail fast: {elapsed:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let open_periods = started.elapsed().as_millis() as u64 / OPEN_MS + 1;
    let seen = state.total_calls("real_estate");
    println!(
        "while open: {refused} applications refused, the agency saw {seen} requests in {open_periods} periods"
    );
    assert!(refused >= 10, "{refused} refusals");
    assert!(seen <= open_periods * ATTEMPTS, "only trial calls: {seen} > {open_periods} × {ATTEMPTS}");
    let metrics = reqwest::get(format!("{}/metrics", app.address)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hub_agency_circuit_state{agency=\"real_estate\"}"), "{metrics}");
    assert!(metrics.contains("hub_agency_rejections_total{agency=\"real_estate\",cause=\"circuit_open\"}"));

    // The agency recovers: the next trial succeeds, the breaker closes, verdicts are normal.
    state.set_fault("real_estate", None, None);
    tokio::time::sleep(Duration::from_millis(OPEN_MS)).await;
    let report = timed_verify(&app, &body(&person(n), &ALL)).await.0;
    assert_eq!(report["verdict"], normal["verdict"], "{report}");
    assert_eq!(readyz_agency(&app, "real_estate").await["state"], "closed");
    let report = timed_verify(&app, &body(&person(n + 1), &ALL)).await.0;
    assert_eq!(report["members"][0]["sources"]["real_estate"]["status"], "ok");
}

#[tokio::test]
async fn a_slow_bank_holds_only_its_bulkhead() {
    let app = spawn_app_with(Options {
        workers: 8,
        ..options(|settings| {
            let bank = &mut settings.agencies.bank;
            bank.timeout_ms = 8000;
            bank.resilience.max_concurrent = 4;
            bank.resilience.bulkhead_max_wait_ms = 200;
        })
    })
    .await;
    let without_bank = ["tax", "real_estate", "housing_fund"];
    let mut baseline = Duration::ZERO;
    for n in 200..205 {
        baseline = baseline.max(timed_verify(&app, &body(&person(n), &without_bank)).await.1);
    }

    app.mocks.state().set_bank_ready_ms(5000);
    let token = app.admin_token();
    for n in 300..312 {
        let response = app.submit(&body(&person(n), &ALL), None, &token).await;
        assert_eq!(response.status(), 202);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut slowest = Duration::ZERO;
    for n in 210..215 {
        let (report, elapsed) = timed_verify(&app, &body(&person(n), &without_bank)).await;
        assert_eq!(report["members"][0]["sources"]["tax"]["status"], "ok");
        slowest = slowest.max(elapsed);
    }
    let asked = (300..312).filter(|n| app.mocks.state().calls("bank", &person(*n)) > 0).count();
    let bank = readyz_agency(&app, "bank").await;
    println!("without the bank: {baseline:?} before, {slowest:?} while the bank is slow; bank {bank}");
    assert!(asked <= 4, "the bank had at most 4 inquiries at once, not {asked}");
    assert!(bank["in_flight"].as_u64().unwrap() <= 4, "{bank}");
    assert!(slowest < baseline + Duration::from_millis(1500), "{slowest:?} vs {baseline:?}");
}

/// Submits `count` applications for persons `first..` and waits until all are done;
/// returns how many got a tax answer.
async fn run_batch(app: &TestApp, first: u32, count: u32) -> usize {
    let token = app.admin_token();
    let mut ids = Vec::new();
    for n in first..first + count {
        let response = app.submit(&body(&person(n), &["tax"]), None, &token).await;
        assert_eq!(response.status(), 202);
        ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = 0;
    for id in ids {
        loop {
            let json: Value = app.get_application(&id, &token).await.json().await.unwrap();
            if json["status"] == "completed" {
                answered += usize::from(json["report"]["members"][0]["sources"]["tax"]["status"] == "ok");
                break;
            }
            assert!(Instant::now() < deadline, "application {id} never finished: {json}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    answered
}

/// The hub's budget for tax matches the agency's quota of 20/s with a burst of 5.
fn tax_quota(settings: &mut Settings) {
    let tax = &mut settings.agencies.tax;
    tax.resilience.rate_per_s = 20.0;
    tax.resilience.burst = 5;
}

const QUOTA: RateLimit = RateLimit { rate_per_s: 20.0, burst: 5 };

#[tokio::test]
async fn one_hub_never_sends_a_rate_limited_agency_more_than_its_quota() {
    let app = spawn_app_with(Options { workers: 8, ..options(tax_quota) }).await;
    let state = app.mocks.state();
    state.set_rate_limit("tax", Some(QUOTA)).unwrap();
    let started = Instant::now();
    let answered = run_batch(&app, 1000, 200).await;
    let (peak, refused) = (state.peak_per_second("tax"), state.rate_limited("tax"));
    println!(
        "200 applications in {:?}: peak {peak}/s, {refused} × 429, {answered} answered",
        started.elapsed()
    );
    assert!(peak <= 25, "the agency saw {peak} requests within one second (quota 20 + burst 5)");
    assert!(refused <= 3, "the agency refused {refused} requests");
    assert!(answered >= 197, "{answered} of 200 got the tax answer");
}

#[tokio::test]
async fn two_hubs_sharing_a_redis_share_the_quota() {
    let redis = RedisServer::start().await;
    let first =
        spawn_app_with(Options { workers: 8, redis_url: Some(redis.url()), ..options(tax_quota) }).await;
    let mocks_url = first.mocks.base_url();
    let second = spawn_app_with(Options {
        workers: 8,
        redis_url: Some(redis.url()),
        ..options(move |settings| {
            tax_quota(settings);
            for agency in hub::domain::Agency::ALL {
                settings.agencies.get_mut(agency).base_url = mocks_url.clone();
            }
        })
    })
    .await;
    let state = first.mocks.state();
    state.set_rate_limit("tax", Some(QUOTA)).unwrap();
    let started = Instant::now();
    let (a, b) = tokio::join!(run_batch(&first, 2000, 100), run_batch(&second, 3000, 100));
    let (peak, refused) = (state.peak_per_second("tax"), state.rate_limited("tax"));
    println!("2 × 100 applications in {:?}: peak {peak}/s, {refused} × 429", started.elapsed());
    assert!(state.total_calls("tax") >= 200, "both hubs asked the one agency");
    assert_eq!(second.mocks.state().total_calls("tax"), 0);
    assert!(peak <= 25, "together they sent {peak} requests within one second (quota 20 + burst 5)");
    assert!(refused <= 3, "the agency refused {refused} requests");
    assert!(a + b >= 197, "{} of 200 got the tax answer", a + b);
}

#[tokio::test]
async fn readyz_and_metrics_show_each_agency() {
    let app = spawn_app_with(options(|_| {})).await;
    timed_verify(&app, &body(&person(500), &ALL)).await;
    let body: Value = reqwest::get(format!("{}/readyz", app.address)).await.unwrap().json().await.unwrap();
    for agency in ALL {
        let status = &body["agencies"][agency];
        assert_eq!(status["state"], "closed", "{body}");
        assert_eq!((status["calls"].as_u64(), status["rejections"].as_u64()), (Some(1), Some(0)), "{agency}");
        assert_eq!(status["recent_error_rate"], 0.0);
        assert!(status["latency_ms"]["p99"].as_f64().unwrap() > 0.0, "{status}");
    }
    let response = reqwest::get(format!("{}/metrics", app.address)).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let text = response.text().await.unwrap();
    for line in [
        "hub_agency_calls_total{agency=\"bank\",outcome=\"ok\"}",
        "hub_agency_call_duration_seconds{agency=\"tax\",quantile=\"0.99\"}",
        "hub_agency_circuit_state{agency=\"housing_fund\"} 0",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(!text.contains(&person(500)[..10]), "no ID number in the metrics");
}
