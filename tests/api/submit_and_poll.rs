//! The asynchronous contract: 202 + Location and polling, `?wait`, scope and auth.

use crate::helpers::{spawn_app, unknown_person_body};
use hub::auth::Role;
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn without_wait_the_hub_answers_202_with_a_location_that_reaches_completed() {
    let app = spawn_app().await;
    let token = app.token(Role::Intake, &["50"], "intake-a");
    let response = app.submit(&unknown_person_body(), None, &token).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "queued");
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/applications/{id}"));

    let mut seen = Vec::new();
    for _ in 0..100 {
        let response =
            app.client.get(format!("{}{location}", app.address)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let json: Value = response.json().await.unwrap();
        let status = json["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "completed" {
            assert_eq!(json["verdict"], "eligible");
            assert_eq!(json["report"]["verdict"], "eligible");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.last().map(String::as_str), Some("completed"), "statuses seen: {seen:?}");
    let order = ["queued", "running", "completed"];
    let positions: Vec<usize> = seen.iter().map(|s| order.iter().position(|o| o == s).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "statuses went backwards: {seen:?}");
}

#[tokio::test]
async fn with_wait_the_hub_answers_200_with_the_finished_report() {
    let app = spawn_app().await;
    let json = app.verify(&unknown_person_body()).await;
    let report = &json["report"];
    // Nobody on record anywhere: no income, no assets, a single urban adult.
    assert_eq!(report["verdict"], "eligible");
    assert_eq!(report["category"], "dibao_b");
    assert_eq!(report["standard_monthly"], "740.00");
    assert_eq!(report["monthly_income_per_capita"], "0.00");
    assert_eq!(report["suggested_monthly_benefit"], "740.00");
    assert_eq!(report["recheck_due"], "2027-05-24");
    assert_eq!(report["members"][0]["id_number_masked"], "500103********0016");
    for agency in ["tax", "real_estate", "housing_fund", "bank"] {
        assert_eq!(report["members"][0]["sources"][agency]["status"], "ok", "{agency}");
    }
    assert!(!json.to_string().contains("500103198001010016"), "the raw ID number must not be in the answer");
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused_with_problem_details() {
    let app = spawn_app().await;
    let response = app.submit(&unknown_person_body(), None, "not-a-token").await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 401);
    assert!(problem["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    let response = app.client.get(format!("{}/api/v1/applications", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn intake_outside_its_regions_is_forbidden_and_officers_cannot_submit() {
    let app = spawn_app().await;
    let beijing_intake = app.token(Role::Intake, &["11"], "intake-bj");
    assert_eq!(app.submit(&unknown_person_body(), None, &beijing_intake).await.status(), 403);
    let officer = app.token(Role::Officer, &["50"], "officer-cq");
    assert_eq!(app.submit(&unknown_person_body(), None, &officer).await.status(), 403);
}

#[tokio::test]
async fn reads_out_of_scope_look_exactly_like_missing_applications() {
    let app = spawn_app().await;
    let intake = app.token(Role::Intake, &["50"], "intake-a");
    let json = app.submit(&unknown_person_body(), Some(10), &intake).await.json::<Value>().await.unwrap();
    let id = json["id"].as_str().unwrap();

    let same_region_officer = app.token(Role::Officer, &["5001"], "officer-1");
    assert_eq!(app.get_application(id, &same_region_officer).await.status(), 200);
    let other_officer = app.token(Role::Officer, &["11"], "officer-2");
    let other_intake = app.token(Role::Intake, &["50"], "intake-b");
    for token in [&other_officer, &other_intake] {
        let response = app.get_application(id, token).await;
        assert_eq!(response.status(), 404);
        let unknown = app.get_application(&uuid::Uuid::now_v7().to_string(), token).await;
        assert_eq!(unknown.status(), 404);
    }

    let listed = app.list_applications("", &other_officer).await.json::<Value>().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    let listed =
        app.list_applications("status=completed", &same_region_officer).await.json::<Value>().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(listed["items"][0]["applicant_id_masked"], "500103********0016");
}

#[tokio::test]
async fn wait_above_thirty_seconds_is_a_named_field_error() {
    let app = spawn_app().await;
    let response = app.submit(&unknown_person_body(), Some(31), &app.admin_token()).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "wait");
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: Value =
        app.client.get(format!("{}/readyz", app.address)).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["store"], "ok");
}
