use crate::helpers::*;
use mocks::Fault;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

fn assert_garbage(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.json.is_none(), "garbage must not parse: {}", answer.text);
    assert!(!answer.text.is_empty());
}

fn assert_unavailable(answer: &Answer) {
    assert_eq!(
        (answer.status, answer.text.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, r#"{"error":"unavailable"}"#)
    );
}

#[tokio::test]
async fn fixture_faults_garbage_unavailable_and_timeout() {
    let mocks = spawn().await;
    assert_garbage(&mocks.tax(FAULTY).await);
    assert_unavailable(&mocks.real_estate(FAULTY).await);
    assert!(hangs(mocks.housing_fund_request(FAULTY), 300).await);
    // Faults are per person: the others still answer.
    assert_eq!(mocks.tax(FULL).await.status, StatusCode::OK);
}

#[tokio::test]
async fn set_fault_injects_every_kind_at_every_agency() {
    let mocks = spawn().await;
    let state = mocks.server.state();
    state.set_fault("tax", Some(FULL), Some(Fault::Unavailable));
    state.set_fault("real_estate", Some(FULL), Some(Fault::Garbage));
    state.set_fault("housing_fund", Some(FULL), Some(Fault::Garbage));
    assert_unavailable(&mocks.tax(FULL).await);
    assert_garbage(&mocks.real_estate(FULL).await);
    assert_garbage(&mocks.housing_fund(FULL).await);
    state.set_fault("tax", Some(FULL), Some(Fault::Timeout));
    state.set_fault("real_estate", Some(FULL), Some(Fault::Timeout));
    assert!(hangs(mocks.tax_request(FULL, "from=2025-11&to=2026-10"), 300).await);
    assert!(hangs(mocks.real_estate_request(&serde_json::json!({"zjhm": FULL, "cxyt": "dibao"})), 300).await);
    state.set_fault("housing_fund", Some(FULL), Some(Fault::Unavailable));
    assert_unavailable(&mocks.housing_fund(FULL).await);
}

#[tokio::test]
async fn bank_timeout_keeps_the_inquiry_pending_forever() {
    let mocks = spawn().await;
    let inquiry = mocks.bank_submit(&[BANK_TIMEOUT]).await;
    for _ in 0..2 {
        let answer = send(mocks.bank_poll_request(&inquiry)).await;
        assert_eq!(answer.text, r#"{"status":"pending","results":[]}"#);
    }
}

#[tokio::test]
async fn bank_unavailable_refuses_the_submission_and_garbage_spoils_the_poll() {
    let mocks = spawn().await;
    let state = mocks.server.state();
    state.set_fault("bank", Some(BANK_ONLY), Some(Fault::Unavailable));
    assert_unavailable(&send(mocks.bank_submit_request(&[BANK_ONLY])).await);
    state.set_fault("bank", Some(BANK_ONLY), Some(Fault::Garbage));
    let inquiry = mocks.bank_submit(&[BANK_ONLY]).await;
    assert_garbage(&send(mocks.bank_poll_request(&inquiry)).await);
}

#[tokio::test]
async fn the_worst_fault_of_an_inquiry_applies_to_all_its_persons() {
    let mocks = spawn().await;
    let state = mocks.server.state();
    state.set_fault("bank", Some(FULL), Some(Fault::Garbage));
    let inquiry = mocks.bank_submit(&[FULL, BANK_TIMEOUT]).await;
    assert_eq!(send(mocks.bank_poll_request(&inquiry)).await.json.unwrap()["status"], "pending");
    state.set_fault("bank", Some(BANK_ONLY), Some(Fault::Unavailable));
    assert_unavailable(&send(mocks.bank_submit_request(&[FULL, BANK_ONLY])).await);
    let inquiry = mocks.bank_submit(&[UNKNOWN, FULL]).await;
    assert_garbage(&send(mocks.bank_poll_request(&inquiry)).await);
}

#[tokio::test]
async fn a_fault_for_everyone_hits_persons_absent_from_the_fixtures() {
    let mocks = spawn().await;
    mocks.server.state().set_fault("tax", None, Some(Fault::Unavailable));
    assert_unavailable(&mocks.tax(UNKNOWN).await);
    assert_unavailable(&mocks.tax(FULL).await);
}

#[tokio::test]
async fn error_rate_one_thousand_per_mille_fails_every_authorized_request() {
    let mocks = spawn_with(|config| config.error_rate_permille = 1000).await;
    assert_unavailable(&mocks.tax(FULL).await);
    assert_unavailable(&mocks.housing_fund(FULL).await);
    assert_unavailable(&send(mocks.bank_submit_request(&[FULL])).await);
    let unauthorized = mocks.client.get(mocks.url(&format!("/gjj/v2/account?sfzh={FULL}")));
    assert_eq!(send(unauthorized).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_error_rate_fails_about_that_share_of_requests() {
    let mocks = spawn_with(|config| {
        config.error_rate_permille = 300;
        config.seed = 11;
    })
    .await;
    let mut failed = 0;
    for _ in 0..200 {
        if mocks.housing_fund(FULL).await.status == StatusCode::SERVICE_UNAVAILABLE {
            failed += 1;
        }
    }
    assert!((30..=90).contains(&failed), "{failed} of 200 failed at 30 %");
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let mocks = spawn_with(|config| config.latency = mocks::Latency::parse("150-200").unwrap()).await;
    let started = Instant::now();
    assert_eq!(mocks.housing_fund(FULL).await.status, StatusCode::OK);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(150), "{elapsed:?}");
}
