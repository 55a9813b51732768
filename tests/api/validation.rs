//! Bad input gets a 422 naming every bad field, and nothing is stored.

use crate::helpers::{spawn_app, unknown_person_body};
use serde_json::{Value, json};

async fn problem_fields(app: &crate::helpers::TestApp, body: &Value) -> Vec<String> {
    let response = app.submit(body, None, &app.admin_token()).await;
    assert_eq!(response.status(), 422);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}: {}", e["field"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect()
}

async fn stored_count(app: &crate::helpers::TestApp) -> usize {
    let listed: Value = app.list_applications("", &app.admin_token()).await.json().await.unwrap();
    listed["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let mut body = unknown_person_body();
    body["household"]["members"].as_array_mut().unwrap().push(json!(
        { "name": "赵六", "id_number": "500103198001010017", "relation": "spouse",
          "declared_monthly_income": "10.001" }));
    body["rigid_expenses"] = json!([{ "kind": "medical", "monthly_amount": "-5.00" }]);
    body["surprise"] = json!(true);
    let fields = problem_fields(&app, &body).await;
    assert!(
        fields.contains(&"household.members[1].id_number: check digit mismatch".to_owned()),
        "{fields:?}"
    );
    assert!(fields.contains(
        &"household.members[1].declared_monthly_income: must have at most two decimals".to_owned()
    ));
    assert!(fields.contains(&"rigid_expenses[0].monthly_amount: must not be negative".to_owned()));
    assert!(fields.contains(&"surprise: unknown field".to_owned()));
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn household_rules_are_enforced() {
    let app = spawn_app().await;
    let mut duplicate = unknown_person_body();
    let member = duplicate["household"]["members"][0].clone();
    let mut spouse = member.clone();
    spouse["relation"] = json!("spouse");
    duplicate["household"]["members"].as_array_mut().unwrap().push(spouse);
    assert!(
        problem_fields(&app, &duplicate).await.contains(
            &"household.members[1].id_number: duplicate of household.members[0].id_number".to_owned()
        )
    );

    let mut too_many = unknown_person_body();
    too_many["household"]["members"] = Value::Array(vec![member; 21]);
    assert_eq!(
        problem_fields(&app, &too_many).await,
        vec!["household.members: must have at most 20 members"]
    );

    let mut stranger_consent = unknown_person_body();
    stranger_consent["consents"][0]["id_number"] = json!("11010519491231002X");
    assert_eq!(
        problem_fields(&app, &stranger_consent).await,
        vec!["consents[0].id_number: is not a member of the household"]
    );

    let mut no_members = unknown_person_body();
    no_members["household"] = json!({});
    assert_eq!(problem_fields(&app, &no_members).await, vec!["household.members: is required"]);
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn malformed_json_and_oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/v1/applications", app.address))
        .bearer_auth(app.admin_token())
        .header("content-type", "application/json")
        .body("{\"program\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "body");

    let huge = format!("{{\"program\": \"{}\"}}", "x".repeat(300 * 1024));
    let response = app
        .client
        .post(format!("{}/api/v1/applications", app.address))
        .bearer_auth(app.admin_token())
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    assert_eq!(stored_count(&app).await, 0);
}
