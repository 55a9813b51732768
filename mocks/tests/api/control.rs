use crate::helpers::*;
use mocks::{Fixtures, MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_control_endpoint_sets_and_clears_a_persons_fault() {
    let mocks = spawn().await;
    let set = json!({"agency": "tax", "id_number": FULL, "fault": "timeout"});
    assert_eq!(mocks.control(set).await, StatusCode::NO_CONTENT);
    assert!(hangs(mocks.tax_request(FULL, "from=2025-11&to=2026-10"), 300).await);
    assert_eq!(mocks.tax(BANK_ONLY).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        mocks.control(json!({"agency": "tax", "id_number": FULL, "fault": null})).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(mocks.tax(FULL).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_fault_for_everyone_then_null_masks_fixture_faults_until_restored() {
    let mocks = spawn().await;
    assert_eq!(
        mocks.control(json!({"agency": "real_estate", "fault": "unavailable"})).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(mocks.real_estate(FULL).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(mocks.control(json!({"agency": "real_estate", "fault": null})).await, StatusCode::NO_CONTENT);
    assert_eq!(mocks.real_estate(FAULTY).await.text, r#"{"code":0,"data":[]}"#);
    let restore = mocks.client.delete(mocks.url("/__control/faults")).send().await.unwrap();
    assert_eq!(restore.status(), StatusCode::NO_CONTENT);
    assert_eq!(mocks.real_estate(FAULTY).await.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn the_control_endpoint_changes_the_knobs() {
    let mocks = spawn().await;
    assert_eq!(mocks.control(json!({"error_rate_permille": 1000})).await, StatusCode::NO_CONTENT);
    assert_eq!(mocks.tax(FULL).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        mocks.control(json!({"error_rate_permille": 0, "latency_ms": "120"})).await,
        StatusCode::NO_CONTENT
    );
    let started = Instant::now();
    assert_eq!(mocks.tax(FULL).await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(120));
    assert_eq!(mocks.server.state().latency().to_string(), "120");
}

#[tokio::test]
async fn the_control_endpoint_refuses_bad_bodies() {
    let mocks = spawn().await;
    for body in [
        json!({"agency": "police", "fault": "timeout"}),
        json!({"agency": "tax", "fault": "slow"}),
        json!({"agency": "tax"}),
        json!({"fault": "timeout"}),
        json!({"id_number": FULL}),
        json!({"agency": "tax", "fault": null, "colour": "red"}),
        json!({"error_rate_permille": 1001}),
        json!({"latency_ms": "80-20"}),
    ] {
        assert_eq!(mocks.control(body.clone()).await, StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn counters_count_per_agency_and_person_and_reset() {
    let mocks = spawn().await;
    mocks.tax(FULL).await;
    mocks.tax(FULL).await;
    mocks.tax(UNKNOWN).await;
    mocks.housing_fund(FULL).await;
    let inquiry = mocks.bank_submit(&[FULL, BANK_ONLY, FULL]).await;
    send(mocks.bank_poll_request(&inquiry)).await;
    send(mocks.bank_poll_request(&inquiry)).await;
    mocks.client.get(mocks.url("/tax/v1/elsewhere")).send().await.unwrap();

    let state = mocks.server.state();
    assert_eq!((state.total_calls("tax"), state.calls("tax", FULL), state.calls("tax", UNKNOWN)), (4, 2, 1));
    assert_eq!(
        (state.total_calls("bank"), state.calls("bank", FULL), state.calls("bank", BANK_ONLY)),
        (3, 1, 1)
    );
    assert_eq!((state.total_calls("real_estate"), state.calls("nowhere", FULL)), (0, 0));

    let calls: serde_json::Value =
        mocks.client.get(mocks.url("/__control/calls")).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls["totals"], json!({"tax": 4, "real_estate": 0, "housing_fund": 1, "bank": 3}));
    assert_eq!(calls["per_person"]["tax"], json!({FULL: 2, UNKNOWN: 1}));
    assert_eq!(calls["per_person"]["real_estate"], json!({}));

    let reset = mocks.client.post(mocks.url("/__control/reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!((state.total_calls("tax"), state.calls("tax", FULL)), (0, 0));
    mocks.tax(FULL).await;
    state.reset_counts();
    assert_eq!(state.total_calls("tax"), 0);
}

#[actix_web::test]
async fn starts_inside_an_actix_runtime_and_stops() {
    let config = MockConfig::new(Fixtures::from_json(FIXTURES).unwrap());
    let server = MockServer::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let url = format!("{base}/gjj/v2/account?sfzh={FULL}");
    let client = reqwest::Client::new();
    let answer = client.get(&url).header("X-Api-Key", "dev-housing-fund-key").header("X-Consent-Ref", "c");
    assert_eq!(answer.send().await.unwrap().status(), StatusCode::OK);
    server.stop().await;
    assert!(stops_answering(&url).await, "the server still answers after stop");
}

/// Whether requests on fresh connections fail within a few seconds: a kept-alive
/// connection may be served a moment longer while the workers wind down.
async fn stops_answering(url: &str) -> bool {
    for _ in 0..30 {
        let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        if fresh.get(url).timeout(Duration::from_secs(1)).send().await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn stop_returns_even_with_a_request_held_by_a_timeout_fault() {
    let mocks = spawn().await;
    let held = tokio::spawn(mocks.housing_fund_request(FAULTY).send());
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), mocks.server.stop()).await.unwrap();
    held.abort();
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let mocks = spawn().await;
    let url = mocks.url("/__control/calls");
    assert!(mocks.client.get(&url).send().await.is_ok());
    drop(mocks.server);
    assert!(stops_answering(&url).await, "the server still answers after being dropped");
}
