use crate::helpers::*;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn an_inquiry_is_done_at_the_first_poll_when_ready_ms_is_zero() {
    let mocks = spawn().await;
    let inquiry = mocks.bank_submit(&[FULL, UNKNOWN]).await;
    let answer = send(mocks.bank_poll_request(&inquiry)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.text,
        format!(
            r#"{{"status":"done","results":[{{"id_number":"{FULL}","accounts":[{{"institution":"Bank A","product":"demand","balance":"1000.00","currency":"CNY"}},{{"institution":"Bank B","product":"wealth","balance":"250000.50","currency":"CNY"}}]}},{{"id_number":"{UNKNOWN}","accounts":[]}}]}}"#
        )
    );
}

#[tokio::test]
async fn an_inquiry_is_pending_until_ready_ms_have_passed() {
    let mocks = spawn_with(|config| config.bank_ready_ms = 300).await;
    let submitted = send(mocks.bank_submit_request(&[BANK_ONLY])).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED);
    let inquiry = submitted.json.unwrap()["inquiry_id"].as_str().unwrap().to_owned();
    let pending = send(mocks.bank_poll_request(&inquiry)).await;
    assert_eq!(pending.text, r#"{"status":"pending","results":[]}"#);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let done = send(mocks.bank_poll_request(&inquiry)).await.json.unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(done["results"][0]["accounts"][0]["balance"], "88.80");
    assert_eq!(done["results"][0]["accounts"][0]["product"], "time");
}

#[tokio::test]
async fn an_unknown_inquiry_is_404_and_a_bad_submission_400() {
    let mocks = spawn().await;
    assert_eq!(send(mocks.bank_poll_request("INQ-nope")).await.status, StatusCode::NOT_FOUND);
    let url = mocks.url("/bank/v1/deposit-inquiries");
    for body in [r#"{"requests":[]}"#, r#"{"requests":[{"id_number":"x"}]}"#, "{", r#"{"ids":[]}"#] {
        let request = mocks.authorized(mocks.client.post(&url).body(body), &mocks.keys.bank);
        assert_eq!(send(request).await.status, StatusCode::BAD_REQUEST, "{body}");
    }
}
