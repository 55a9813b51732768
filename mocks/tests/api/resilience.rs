//! What the hub's resilience tests need from the mocks: a per-agency rate limit that
//! answers 429 with `Retry-After`, connections dropped without an answer, a slow bank,
//! and counters of what each agency saw.

use crate::helpers::*;
use mocks::{Fault, RateLimit};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_rate_limited_agency_answers_429_with_retry_after_beyond_its_burst() {
    let mocks = spawn().await;
    let limit = json!({"agency": "tax", "rate_limit_per_s": 2, "burst": 3});
    assert_eq!(mocks.control(limit).await, StatusCode::NO_CONTENT);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = mocks.tax_request(FULL, "from=2025-11&to=2026-10").send().await.unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.headers()["retry-after"], "1", "whole seconds, at least one");
            assert_eq!(response.text().await.unwrap(), r#"{"error":"rate_limited"}"#);
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!(mocks.housing_fund(FULL).await.status, StatusCode::OK, "other agencies are not limited");

    let calls: serde_json::Value =
        mocks.client.get(mocks.url("/__control/calls")).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls["rate_limited"], json!({"tax": 2, "real_estate": 0, "housing_fund": 0, "bank": 0}));
    assert_eq!(calls["peak_per_second"]["tax"], 5, "refused requests were seen too");
    assert_eq!(calls["totals"]["tax"], 5);

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(mocks.tax(FULL).await.status, StatusCode::OK, "a token came back after half a second");
    assert_eq!(
        mocks.control(json!({"agency": "tax", "rate_limit_per_s": null})).await,
        StatusCode::NO_CONTENT
    );
    for _ in 0..5 {
        assert_eq!(mocks.tax(FULL).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_library_sets_rate_limits_and_counts_refusals() {
    let mocks = spawn().await;
    let state = mocks.server.state();
    state.set_rate_limit("housing_fund", Some(RateLimit { rate_per_s: 1.0, burst: 1 })).unwrap();
    assert_eq!(mocks.housing_fund(FULL).await.status, StatusCode::OK);
    assert_eq!(mocks.housing_fund(FULL).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((state.rate_limited("housing_fund"), state.peak_per_second("housing_fund")), (1, 2));
    assert!(state.set_rate_limit("police", None).is_err());
    state.reset_counts();
    assert_eq!((state.rate_limited("housing_fund"), state.peak_per_second("housing_fund")), (0, 0));
}

#[tokio::test]
async fn a_reset_drops_the_connection_without_any_answer() {
    let mocks = spawn().await;
    let state = mocks.server.state();
    state.set_fault("tax", Some(FULL), Some(Fault::Reset));
    state.set_fault("real_estate", Some(FULL), Some(Fault::Reset));
    state.set_fault("bank", Some(FULL), Some(Fault::Reset));
    let dropped = |result: Result<reqwest::Response, reqwest::Error>| match result {
        Ok(response) => panic!("expected no answer, got {}", response.status()),
        Err(error) => assert!(!error.is_timeout() && !error.is_connect(), "{error:?}"),
    };
    dropped(mocks.tax_request(FULL, "from=2025-11&to=2026-10").send().await);
    dropped(mocks.real_estate_request(&json!({"zjhm": FULL, "cxyt": "dibao"})).send().await);
    dropped(mocks.bank_submit_request(&[FULL]).send().await);
    assert_eq!(state.calls("tax", FULL), 1, "the request arrived and was counted");
    assert_eq!(mocks.tax(BANK_ONLY).await.status, StatusCode::NOT_FOUND, "others are answered");
    let control = json!({"agency": "housing_fund", "fault": "reset"});
    assert_eq!(mocks.control(control).await, StatusCode::NO_CONTENT);
    dropped(mocks.housing_fund_request(BANK_ONLY).send().await);
}

#[tokio::test]
async fn the_bank_can_be_slowed_while_running() {
    let mocks = spawn().await;
    assert_eq!(mocks.control(json!({"bank_ready_ms": 300})).await, StatusCode::NO_CONTENT);
    let inquiry = mocks.bank_submit(&[FULL]).await;
    let poll = send(mocks.bank_poll_request(&inquiry)).await;
    assert_eq!(poll.text, r#"{"status":"pending","results":[]}"#);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(send(mocks.bank_poll_request(&inquiry)).await.json.unwrap()["status"], "done");
}

#[tokio::test]
async fn the_control_endpoint_refuses_incomplete_rate_limits() {
    let mocks = spawn().await;
    for body in [
        json!({"rate_limit_per_s": 5}),
        json!({"agency": "tax", "burst": 5}),
        json!({"agency": "tax", "rate_limit_per_s": 0}),
        json!({"agency": "tax", "rate_limit_per_s": -1}),
        json!({"agency": "tax", "rate_limit_per_s": "fast"}),
        json!({"agency": "tax", "id_number": FULL, "rate_limit_per_s": 5}),
        json!({"agency": "bank", "bank_ready_ms": 10}),
    ] {
        assert_eq!(mocks.control(body.clone()).await, StatusCode::BAD_REQUEST, "{body}");
    }
    let together = json!({"agency": "tax", "fault": "reset", "rate_limit_per_s": 5, "burst": 2});
    assert_eq!(mocks.control(together).await, StatusCode::NO_CONTENT);
}
