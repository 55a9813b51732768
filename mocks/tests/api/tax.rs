use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn answers_the_records_in_the_window_sorted_with_two_decimals() {
    let mocks = spawn().await;
    let answer = mocks.tax(FULL).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.text,
        r#"{"records":[{"period":"2025-11","item":"wages","income":"5000.00"},{"period":"2026-01","item":"wages","income":"5000.00"},{"period":"2026-10","item":"labor_remuneration","income":"1234.50"}]}"#
    );
}

#[tokio::test]
async fn a_window_without_records_is_an_empty_list() {
    let mocks = spawn().await;
    let answer = send(mocks.tax_request(FULL, "from=2020-01&to=2020-12")).await;
    assert_eq!((answer.status, answer.text.as_str()), (StatusCode::OK, r#"{"records":[]}"#));
}

#[tokio::test]
async fn an_unknown_taxpayer_or_one_without_records_is_404() {
    let mocks = spawn().await;
    for id in [UNKNOWN, BANK_ONLY] {
        let answer = mocks.tax(id).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.text, r#"{"error":"taxpayer_not_found"}"#);
    }
}

#[tokio::test]
async fn a_missing_or_invalid_window_is_400() {
    let mocks = spawn().await;
    for query in ["", "from=2025-11", "to=2026-10", "from=2025-13&to=2026-10", "from=2026-10&to=2025-11"] {
        let answer = send(mocks.tax_request(FULL, query)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
    }
}
