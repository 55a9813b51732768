//! Bank adapter tests: the submit-then-poll exchange against a wiremock bank.

use super::*;
use crate::adapters::test_support::*;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SUBMIT: &str = "/bank/v1/deposit-inquiries";
const POLL: &str = "/bank/v1/deposit-inquiries/inq-1";

/// A bank that accepts the inquiry as `inq-1` and answers every poll with `poll`.
async fn bank(poll: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    accept(&server, ResponseTemplate::new(202).set_body_json(json!({"inquiry_id": "inq-1"}))).await;
    Mock::given(method("GET")).and(path(POLL)).respond_with(poll).mount(&server).await;
    server
}

async fn accept(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("POST")).and(path(SUBMIT)).respond_with(template).mount(server).await;
}

async fn ask(server: &MockServer, timeout: Duration) -> Result<AgencyFacts, AdapterError> {
    BankAdapter::new(client(), endpoint(server, timeout)).query(&query()).await
}

fn done(results: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": "done", "results": results}))
}

fn pending() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": "pending"}))
}

fn ours(accounts: Value) -> Value {
    json!([{"id_number": ID, "accounts": accounts}])
}

fn demand(balance: &str) -> Value {
    json!({"institution": "Bank A", "product": "demand", "balance": balance, "currency": "CNY"})
}

#[tokio::test]
async fn sends_the_exact_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SUBMIT))
        .and(header("X-Api-Key", API_KEY))
        .and(header("X-Consent-Ref", CONSENT_REF))
        .and(header("Accept", "application/json"))
        .and(header("Content-Type", "application/json"))
        .and(body_json(json!({"requests": [{"id_number": ID, "ref": CONSENT_REF}]})))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"inquiry_id": "inq-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(POLL))
        .and(header("X-Api-Key", API_KEY))
        .and(header("X-Consent-Ref", CONSENT_REF))
        .and(header("Accept", "application/json"))
        .respond_with(done(ours(json!([]))))
        .expect(1)
        .mount(&server)
        .await;
    // A person with no deposits: the bank names them with no accounts.
    assert_eq!(ask(&server, Duration::from_secs(5)).await, Ok(AgencyFacts::Bank(BankFacts::default())));
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.url.query().is_none()));
}

#[tokio::test]
async fn normalizes_a_good_answer_exactly() {
    let server = bank(done(ours(json!([
        demand("1000.00"),
        {"institution": "Bank B", "product": "time", "balance": "50000.5", "currency": "CNY"},
        {"institution": "Bank C", "product": "wealth", "balance": "0", "currency": "USD"}
    ]))))
    .await;
    let AgencyFacts::Bank(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else { panic!() };
    let account = |institution: &str, product, balance, currency: &str| BankAccount {
        institution: institution.into(),
        product,
        balance,
        currency: currency.into(),
    };
    assert_eq!(
        facts.accounts,
        vec![
            account("Bank A", BankProduct::Demand, dec!(1000.00), "CNY"),
            account("Bank B", BankProduct::Time, dec!(50000.5), "CNY"),
            account("Bank C", BankProduct::Wealth, dec!(0), "USD"),
        ]
    );
    assert_eq!(facts.accounts[0].balance.to_string(), "1000.00");
}

#[tokio::test]
async fn polls_until_the_inquiry_is_done() {
    let server = MockServer::start().await;
    accept(&server, ResponseTemplate::new(202).set_body_json(json!({"inquiry_id": "inq-1"}))).await;
    Mock::given(method("GET"))
        .and(path(POLL))
        .respond_with(pending())
        .up_to_n_times(3)
        .with_priority(1)
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(POLL))
        .respond_with(done(ours(json!([demand("1.00")]))))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let AgencyFacts::Bank(facts) = ask(&server, Duration::from_secs(5)).await.unwrap() else { panic!() };
    assert_eq!(facts.accounts.len(), 1);
}

#[tokio::test]
async fn a_result_about_another_person_is_never_used() {
    let other = json!({"id_number": OTHER_ID, "accounts": [demand("999999.00")]});
    let server = bank(done(json!([other.clone()]))).await;
    assert!(is_malformed(ask(&server, Duration::from_secs(5)).await));
    // Even next to a result for the right person: the bank mixed up inquiries.
    let mine = json!({"id_number": ID, "accounts": []});
    let server = bank(done(json!([mine, other]))).await;
    assert!(is_malformed(ask(&server, Duration::from_secs(5)).await));
}

#[tokio::test]
async fn agency_errors_are_unavailable() {
    let server = MockServer::start().await;
    accept(&server, ResponseTemplate::new(503)).await;
    assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
    let server = bank(ResponseTemplate::new(500)).await;
    assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
    let server = bank(ResponseTemplate::new(404)).await;
    assert!(is_unavailable(ask(&server, Duration::from_secs(5)).await));
}

#[tokio::test]
async fn an_inquiry_that_stays_pending_times_out() {
    let server = bank(pending()).await;
    assert_times_out(ask(&server, SHORT_TIMEOUT)).await;
    assert!(server.received_requests().await.unwrap().len() >= 3, "it polled more than once");
}

#[tokio::test]
async fn a_slow_submission_times_out() {
    let server = MockServer::start().await;
    let accepted = ResponseTemplate::new(202).set_body_json(json!({"inquiry_id": "inq-1"}));
    accept(&server, accepted.set_delay(Duration::from_secs(3))).await;
    assert_times_out(ask(&server, SHORT_TIMEOUT)).await;
}

#[tokio::test]
async fn malformed_answers_are_rejected() {
    let bad_polls = [
        json!({"status": "running"}),
        json!({"status": "done", "results": [{"id_number": ID}]}),
        json!({"status": "done", "results": [{"id_number": "110105194912310021", "accounts": []}]}),
        json!({"status": "done", "results": [{"id_number": ID, "accounts": []}, {"id_number": ID, "accounts": []}]}),
        json!({"status": "done"}),
        json!({"status": "done", "results": ours(json!([demand("-5.00")]))}),
        json!({"status": "done", "results": ours(json!([demand("1,000.00")]))}),
        json!({"status": "done", "results": ours(json!([{"institution": "A", "product": "fund", "balance": "1", "currency": "CNY"}]))}),
        json!({"status": "done", "results": ours(json!([{"institution": "A", "product": "time", "balance": "1", "currency": "rmb"}]))}),
        json!({"status": "done", "results": ours(json!([{"institution": "A", "product": "time", "balance": 1.0, "currency": "CNY"}]))}),
    ];
    for body in bad_polls {
        let server = bank(ResponseTemplate::new(200).set_body_json(body.clone())).await;
        assert!(is_malformed(ask(&server, Duration::from_secs(5)).await), "{body}");
    }
    for inquiry_id in ["../admin", "a/b", "x?y=1", "", "."] {
        let server = MockServer::start().await;
        accept(&server, ResponseTemplate::new(202).set_body_json(json!({"inquiry_id": inquiry_id}))).await;
        assert!(is_malformed(ask(&server, Duration::from_secs(5)).await), "{inquiry_id}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "no poll for {inquiry_id:?}");
    }
    let server = MockServer::start().await;
    accept(&server, ResponseTemplate::new(202).set_body_string("queued")).await;
    assert!(is_malformed(ask(&server, Duration::from_secs(5)).await));
}

#[test]
fn jitter_stays_between_half_and_the_full_delay() {
    for _ in 0..100 {
        let delay = jittered(MAX_POLL_DELAY);
        assert!(delay >= MAX_POLL_DELAY / 2 && delay <= MAX_POLL_DELAY, "{delay:?}");
    }
}
