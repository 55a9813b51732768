use crate::helpers::*;
use reqwest::{RequestBuilder, StatusCode};

/// One request per agency path, without any header.
fn bare_requests(mocks: &TestMocks) -> Vec<RequestBuilder> {
    let c = &mocks.client;
    vec![
        c.get(mocks.url(&format!("/tax/v1/persons/{FULL}/income?from=2025-11&to=2026-10"))),
        c.post(mocks.url("/bdc/api/query")).json(&serde_json::json!({"zjhm": FULL, "cxyt": "dibao"})),
        c.get(mocks.url(&format!("/gjj/v2/account?sfzh={FULL}"))),
        c.post(mocks.url("/bank/v1/deposit-inquiries"))
            .json(&serde_json::json!({"requests": [{"id_number": FULL, "ref": "r"}]})),
        c.get(mocks.url("/bank/v1/deposit-inquiries/INQ0000000001")),
    ]
}

fn keys(mocks: &TestMocks) -> [&str; 5] {
    let k = &mocks.keys;
    [&k.tax, &k.real_estate, &k.housing_fund, &k.bank, &k.bank]
}

async fn assert_unauthorized(request: RequestBuilder) {
    let answer = send(request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.text, r#"{"error":"unauthorized"}"#);
}

#[tokio::test]
async fn every_agency_refuses_a_request_without_a_key() {
    let mocks = spawn().await;
    for request in bare_requests(&mocks) {
        assert_unauthorized(request.header("X-Consent-Ref", "c-1")).await;
    }
}

#[tokio::test]
async fn every_agency_refuses_another_agencys_key() {
    let mocks = spawn().await;
    let wrong =
        [&mocks.keys.bank, &mocks.keys.tax, &mocks.keys.tax, &mocks.keys.tax, &mocks.keys.housing_fund];
    for (request, key) in bare_requests(&mocks).into_iter().zip(wrong) {
        assert_unauthorized(request.header("X-Api-Key", key.as_str()).header("X-Consent-Ref", "c-1")).await;
    }
}

#[tokio::test]
async fn every_agency_refuses_a_missing_or_blank_consent_reference() {
    let mocks = spawn().await;
    for (request, key) in bare_requests(&mocks).into_iter().zip(keys(&mocks)) {
        assert_unauthorized(request.header("X-Api-Key", key)).await;
    }
    for (request, key) in bare_requests(&mocks).into_iter().zip(keys(&mocks)) {
        assert_unauthorized(request.header("X-Api-Key", key).header("X-Consent-Ref", " ")).await;
    }
}

#[tokio::test]
async fn refused_requests_are_counted() {
    let mocks = spawn().await;
    for request in bare_requests(&mocks) {
        send(request).await;
    }
    let state = mocks.server.state();
    for agency in ["tax", "real_estate", "housing_fund"] {
        assert_eq!((state.total_calls(agency), state.calls(agency, FULL)), (1, 1), "{agency}");
    }
    assert_eq!((state.total_calls("bank"), state.calls("bank", FULL)), (2, 1));
}
