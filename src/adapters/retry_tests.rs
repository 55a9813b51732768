//! Retries through the real adapters against wiremock agencies: which requests are sent
//! again, how often, after how long, and never past the deadline.

use super::bank::BankAdapter;
use super::real_estate::RealEstateAdapter;
use super::tax::TaxAdapter;
use super::test_support::*;
use super::{AdapterError, AgencyAdapter, AgencyEndpoint};
use crate::domain::Agency;
use crate::resilience::Outbound;
use crate::resilience::health::AgencyHealth;
use crate::resilience::retry::RetryPolicy;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An endpoint whose requests are tried up to three times, with tiny backoffs.
fn retrying(server: &MockServer, timeout: Duration) -> (AgencyEndpoint, Arc<AgencyHealth>) {
    let health = Arc::new(AgencyHealth::new(Agency::Tax));
    let retry = RetryPolicy { max_attempts: 3, base: Duration::from_millis(10) };
    let endpoint = AgencyEndpoint {
        outbound: Outbound::new(retry, None, Arc::clone(&health)),
        ..endpoint(server, timeout)
    };
    (endpoint, health)
}

async fn answers(server: &MockServer, first: ResponseTemplate, times: u64, then: ResponseTemplate) {
    Mock::given(path_regex("^/(tax|bdc)/")).respond_with(first).up_to_n_times(times).mount(server).await;
    Mock::given(path_regex("^/(tax|bdc)/")).respond_with(then).mount(server).await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn a_read_is_retried_on_5xx_and_then_succeeds() {
    let server = MockServer::start().await;
    answers(
        &server,
        ResponseTemplate::new(503),
        2,
        ResponseTemplate::new(200).set_body_json(json!({"records": []})),
    )
    .await;
    let (endpoint, health) = retrying(&server, Duration::from_secs(5));
    assert!(TaxAdapter::new(client(), endpoint).query(&query()).await.is_ok());
    assert_eq!((requests(&server).await, health.snapshot().retries), (3, 2));
}

#[tokio::test]
async fn the_real_estate_query_post_is_a_read_and_is_retried() {
    let server = MockServer::start().await;
    let good = ResponseTemplate::new(200).set_body_json(json!({"code": 0, "data": []}));
    answers(&server, ResponseTemplate::new(500), 1, good).await;
    let (endpoint, _) = retrying(&server, Duration::from_secs(5));
    assert!(RealEstateAdapter::new(client(), endpoint).query(&query()).await.is_ok());
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn attempts_are_bounded_and_other_statuses_are_not_retried() {
    let server = MockServer::start().await;
    answers(&server, ResponseTemplate::new(502), 100, ResponseTemplate::new(200)).await;
    let (endpoint, _) = retrying(&server, Duration::from_secs(5));
    let adapter = TaxAdapter::new(client(), endpoint);
    assert!(is_unavailable(adapter.query(&query()).await));
    assert_eq!(requests(&server).await, 3, "three attempts, then the 502 stands");

    let server = MockServer::start().await;
    answers(&server, ResponseTemplate::new(401), 100, ResponseTemplate::new(200)).await;
    let (endpoint, _) = retrying(&server, Duration::from_secs(5));
    assert!(is_unavailable(TaxAdapter::new(client(), endpoint).query(&query()).await));
    assert_eq!(requests(&server).await, 1, "a 401 will not get better");
}

#[tokio::test]
async fn retry_after_is_honored() {
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(429).insert_header("Retry-After", "1");
    answers(&server, throttled, 1, ResponseTemplate::new(200).set_body_json(json!({"records": []}))).await;
    let (endpoint, _) = retrying(&server, Duration::from_secs(5));
    let started = Instant::now();
    assert!(TaxAdapter::new(client(), endpoint).query(&query()).await.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1), "asked again only after the second it asked for");
}

#[tokio::test]
async fn a_pause_longer_than_the_deadline_ends_the_query_at_once_with_the_agency_error() {
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(429).insert_header("Retry-After", "30");
    answers(&server, throttled, 100, ResponseTemplate::new(200)).await;
    let (endpoint, _) = retrying(&server, Duration::from_secs(2));
    let started = Instant::now();
    assert!(is_unavailable(TaxAdapter::new(client(), endpoint).query(&query()).await));
    assert!(started.elapsed() < Duration::from_secs(1), "no waiting for a retry that cannot happen");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn retries_never_run_past_the_deadline() {
    let server = MockServer::start().await;
    answers(&server, ResponseTemplate::new(503), 1000, ResponseTemplate::new(200)).await;
    let health = Arc::new(AgencyHealth::new(Agency::Tax));
    let retry = RetryPolicy { max_attempts: 1000, base: Duration::from_millis(50) };
    let endpoint =
        AgencyEndpoint { outbound: Outbound::new(retry, None, health), ..endpoint(&server, SHORT_TIMEOUT) };
    let started = Instant::now();
    let result = TaxAdapter::new(client(), endpoint).query(&query()).await;
    assert!(matches!(result, Err(AdapterError::Unavailable(_) | AdapterError::Timeout)), "{result:?}");
    assert!(started.elapsed() < SHORT_TIMEOUT + Duration::from_millis(1500), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_bank_submission_that_reached_the_bank_is_never_sent_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bank/v1/deposit-inquiries"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (endpoint, health) = retrying(&server, Duration::from_secs(5));
    assert!(is_unavailable(BankAdapter::new(client(), endpoint).query(&query()).await));
    assert_eq!((requests(&server).await, health.snapshot().retries), (1, 0));
}

#[tokio::test]
async fn a_bank_submission_that_could_not_connect_is_tried_again() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let health = Arc::new(AgencyHealth::new(Agency::Bank));
    let retry = RetryPolicy { max_attempts: 3, base: Duration::from_millis(10) };
    let endpoint = AgencyEndpoint {
        base_url: format!("http://127.0.0.1:{port}"),
        api_key: API_KEY.into(),
        timeout: Duration::from_secs(5),
        outbound: Outbound::new(retry, None, Arc::clone(&health)),
    };
    assert!(is_unavailable(BankAdapter::new(client(), endpoint).query(&query()).await));
    assert_eq!(health.snapshot().retries, 2, "nothing was sent, so sending again is safe");
}

#[tokio::test]
async fn a_failed_bank_poll_is_retried_without_submitting_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bank/v1/deposit-inquiries"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"inquiry_id": "inq-1"})))
        .mount(&server)
        .await;
    let poll = || Mock::given(method("GET")).and(path("/bank/v1/deposit-inquiries/inq-1"));
    poll().respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    let done = json!({"status": "done", "results": [{"id_number": ID, "accounts": []}]});
    poll().respond_with(ResponseTemplate::new(200).set_body_json(done)).mount(&server).await;
    let (endpoint, _) = retrying(&server, Duration::from_secs(5));
    assert!(BankAdapter::new(client(), endpoint).query(&query()).await.is_ok());
    let methods: Vec<String> =
        server.received_requests().await.unwrap().iter().map(|r| r.method.to_string()).collect();
    assert_eq!(methods, ["POST", "GET", "GET"]);
}
