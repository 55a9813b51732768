use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn answers_the_account_in_fen_and_percent() {
    let mocks = spawn().await;
    let answer = mocks.housing_fund(FULL).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.text,
        r#"{"found":true,"zhzt":"01","yjce_fen":120000,"zhye_fen":1234500,"jcbl":"12%","zjjcny":"202610"}"#
    );
}

#[tokio::test]
async fn a_person_without_an_account_is_not_found() {
    let mocks = spawn().await;
    for id in [UNKNOWN, BANK_ONLY] {
        let answer = mocks.housing_fund(id).await;
        assert_eq!((answer.status, answer.text.as_str()), (StatusCode::OK, r#"{"found":false}"#));
    }
}

#[tokio::test]
async fn a_missing_sfzh_is_400() {
    let mocks = spawn().await;
    let request = mocks.authorized(mocks.client.get(mocks.url("/gjj/v2/account")), &mocks.keys.housing_fund);
    assert_eq!(send(request).await.status, StatusCode::BAD_REQUEST);
}
