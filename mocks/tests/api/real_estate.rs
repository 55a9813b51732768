use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn answers_units_with_the_area_as_an_exact_json_number() {
    let mocks = spawn().await;
    let answer = mocks.real_estate(FULL).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.text,
        r#"{"code":0,"data":[{"bdcdyh":"500103001001GB00001F00010001","ghyt":"住宅","jzmj":89.50,"qlbl":"50%"},{"bdcdyh":"U-2","ghyt":"商业","jzmj":120,"qlbl":"33.33%"}]}"#
    );
}

#[tokio::test]
async fn an_unknown_person_has_no_units() {
    let mocks = spawn().await;
    for id in [UNKNOWN, BANK_ONLY] {
        let answer = mocks.real_estate(id).await;
        assert_eq!((answer.status, answer.text.as_str()), (StatusCode::OK, r#"{"code":0,"data":[]}"#));
    }
}

#[tokio::test]
async fn a_bad_body_is_reported_in_code_with_http_200() {
    let mocks = spawn().await;
    for body in
        [json!({"zjhm": FULL}), json!({"cxyt": "dibao"}), json!({"zjhm": 42, "cxyt": "dibao"}), json!([])]
    {
        let answer = send(mocks.real_estate_request(&body)).await;
        assert_eq!(answer.status, StatusCode::OK, "{body}");
        let json = answer.json.unwrap();
        assert_eq!(json["code"], 400, "{body}");
        assert!(json["msg"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let not_json =
        mocks.authorized(mocks.client.post(mocks.url("/bdc/api/query")).body("{"), &mocks.keys.real_estate);
    assert_eq!(send(not_json).await.json.unwrap()["code"], 400);
}
