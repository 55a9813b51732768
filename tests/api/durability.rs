//! Durability on both backends: jobs survive dead workers with exactly one report,
//! idempotency keys, stable listing, replay from stored evidence, signed webhooks.

use crate::database::Backend;
use crate::helpers::{Options, TestApp, spawn_app_on, spawn_app_with, unknown_person_body};
use hub::auth::Role;
use hub::store::now_ms;
use serde_json::{Value, json};
use std::time::Duration;

async fn submit_with_key(app: &TestApp, body: &Value, key: &str, token: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/applications", app.address))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn idempotency_keys_replay_the_same_application(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = app.token(Role::Intake, &["50"], "intake-a");
    let first = submit_with_key(&app, &unknown_person_body(), "key-1", &token).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let again = submit_with_key(&app, &unknown_person_body(), "key-1", &token).await;
    assert_eq!(again.status(), 202);
    let location = again.headers()["location"].to_str().unwrap().to_owned();
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(location, format!("/api/v1/applications/{}", first["id"].as_str().unwrap()));

    let mut other_body = unknown_person_body();
    other_body["area"] = json!("rural");
    let conflict = submit_with_key(&app, &other_body, "key-1", &token).await;
    assert_eq!(conflict.status(), 422);
    let problem: Value = conflict.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");

    // Keys are scoped to the caller: another intake system's "key-1" is its own.
    let other_caller = app.token(Role::Intake, &["50"], "intake-b");
    let theirs: Value =
        submit_with_key(&app, &unknown_person_body(), "key-1", &other_caller).await.json().await.unwrap();
    assert_ne!(theirs["id"], first["id"]);
}
on_both_backends!(idempotency_keys, idempotency_keys_replay_the_same_application);

async fn a_hundred_concurrent_posts_with_one_key_create_one_application(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = app.token(Role::Intake, &["50"], "intake-a");
    let body = unknown_person_body();
    let requests = (0..100).map(|_| submit_with_key(&app, &body, "same-key", &token));
    let responses = futures::future::join_all(requests).await;
    let mut ids = std::collections::HashSet::new();
    for response in responses {
        let status = response.status().as_u16();
        let json: Value = response.json().await.unwrap();
        match status {
            202 => {
                ids.insert(json["id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(json["status"], 409),
            other => panic!("unexpected status {other}: {json}"),
        }
    }
    assert_eq!(ids.len(), 1, "every accepted request names the same application");
    let listed: Value = app.list_applications("", &app.admin_token()).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "exactly one application was stored");
}
on_both_backends!(concurrent_idempotency, a_hundred_concurrent_posts_with_one_key_create_one_application);

async fn a_job_whose_worker_died_is_finished_once_by_another_instance(backend: Backend) {
    // An API-only instance accepts the application; a "worker" claims it and dies.
    let api = spawn_app_with(Options { backend, workers: 0, ..Options::default() }).await;
    let accepted: Value =
        api.submit(&unknown_person_body(), None, &api.admin_token()).await.json().await.unwrap();
    let id = uuid::Uuid::parse_str(accepted["id"].as_str().unwrap()).unwrap();
    let ghost = api.store.claim_next_job("ghost-worker", Duration::from_millis(600)).await.unwrap().unwrap();
    assert_eq!(ghost.id, id);

    // A second instance on the same store takes the job over once the lease expires.
    let url = api.settings.store.url.clone();
    let worker = spawn_app_with(Options { backend, shared_store_url: Some(url), ..Options::default() }).await;
    let record = wait_for_completion(&worker, id).await;
    assert_eq!(record.attempts, 2, "claimed by the ghost, then by the surviving instance");
    assert_eq!(record.verdict.map(|v| v.as_str()), Some("eligible"));

    // The ghost comes back to life: its late result is refused, the report stays single.
    let finished = hub::store::FinishedJob {
        verdict: "ineligible",
        report_json: "{}",
        evidence_json: "[]",
        policy_version: "ghost",
        policy_params_json: "{}",
        callback_url: None,
    };
    assert!(!api.store.complete_job(id, "ghost-worker", &finished).await.unwrap());
    let record = api.store.get_application(id).await.unwrap().unwrap();
    assert_eq!(record.verdict.map(|v| v.as_str()), Some("eligible"));
}
on_both_backends!(dead_worker, a_job_whose_worker_died_is_finished_once_by_another_instance);

async fn wait_for_completion(app: &TestApp, id: uuid::Uuid) -> hub::store::ApplicationRecord {
    for _ in 0..200 {
        let record = app.store.get_application(id).await.unwrap().unwrap();
        if record.status.is_final() {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("application {id} did not finish");
}

async fn listing_pages_are_stable_and_filtered_by_date(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = app.admin_token();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let json: Value = app.submit(&unknown_person_body(), Some(10), &token).await.json().await.unwrap();
        ids.push(json["id"].as_str().unwrap().to_owned());
    }
    let first: Value = app.list_applications("page_size=2", &token).await.json().await.unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    // A new application arriving between pages must not shift the next page.
    app.submit(&unknown_person_body(), None, &token).await;
    let second: Value =
        app.list_applications(&format!("page_size=2&cursor={cursor}"), &token).await.json().await.unwrap();
    let third_cursor = second["next_cursor"].as_str().unwrap().to_owned();
    let third: Value = app
        .list_applications(&format!("page_size=2&cursor={third_cursor}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let listed: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()))
        .collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);

    let today = time::OffsetDateTime::now_utc().to_offset(hub::domain::dates::SHANGHAI).date();
    let none: Value = app
        .list_applications(&format!("to={}", today.previous_day().unwrap()), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let all: Value =
        app.list_applications(&format!("from={today}&to={today}"), &token).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
    let bad = app.list_applications("from=yesterday", &token).await;
    assert_eq!(bad.status(), 422);
}
on_both_backends!(listing, listing_pages_are_stable_and_filtered_by_date);

async fn replay_re_derives_the_same_verdict_until_the_evidence_is_purged(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = app.admin_token();
    let json: Value = app.submit(&unknown_person_body(), Some(10), &token).await.json().await.unwrap();
    let id = json["id"].as_str().unwrap();
    let replay = |id: String| {
        let request =
            app.client.post(format!("{}/api/v1/applications/{id}/replay", app.address)).bearer_auth(&token);
        async move { request.send().await.unwrap() }
    };
    let response = replay(id.to_owned()).await;
    assert_eq!(response.status(), 200);
    let replayed: Value = response.json().await.unwrap();
    assert_eq!(replayed["identical"], true, "{replayed}");
    assert_eq!(replayed["replayed_verdict"], "eligible");
    assert_eq!(replayed["policy_version"], json["report"]["policy_version"]);

    // After the retention period the evidence is gone, the verdict stays.
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(app.store.purge_evidence_older_than(0).await.unwrap(), 1);
    assert_eq!(replay(id.to_owned()).await.status(), 410);
    let still: Value = app.get_application(id, &token).await.json().await.unwrap();
    assert_eq!(still["verdict"], "eligible");
}
on_both_backends!(replay, replay_re_derives_the_same_verdict_until_the_evidence_is_purged);

async fn callbacks_are_signed_retried_and_recorded(backend: Backend) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;

    let app = spawn_app_on(backend).await;
    let mut body = unknown_person_body();
    body["callback_url"] = json!(format!("{}/hooks", receiver.uri()));
    let json: Value = app.submit(&body, Some(10), &app.admin_token()).await.json().await.unwrap();
    let id = uuid::Uuid::parse_str(json["id"].as_str().unwrap()).unwrap();
    let mut state = None;
    for _ in 0..100 {
        state = app.store.webhook_state(id).await.unwrap();
        if state.as_deref() == Some("delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state.as_deref(), Some("delivered"));
    let attempts = app.store.webhook_attempts(id).await.unwrap();
    assert_eq!(attempts.iter().map(|a| a.1).collect::<Vec<_>>(), vec![Some(500), Some(204)]);

    let requests = receiver.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    let secret = {
        use secrecy::ExposeSecret;
        app.settings.webhooks.secret.expose_secret().to_owned()
    };
    let expected = hub::webhooks::signature_header(secret.as_bytes(), &last.body);
    assert_eq!(last.headers["x-hub-signature"].to_str().unwrap(), expected);
    let payload: Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(payload["application"]["id"], id.to_string());
    assert_eq!(payload["application"]["status"], "completed");
    assert_eq!(payload["application"]["report"]["verdict"], "eligible");
    assert!(payload["delivered_at"].as_str().is_some());
}
on_both_backends!(webhooks, callbacks_are_signed_retried_and_recorded);

#[tokio::test]
async fn callbacks_to_internal_addresses_are_refused_at_intake() {
    let app = crate::helpers::spawn_app().await;
    for url in [
        "http://10.0.0.1/hooks",
        "https://169.254.169.254/latest",
        "http://intake.example/hooks",
        "https://[::1]/x",
    ] {
        let mut body = unknown_person_body();
        body["callback_url"] = json!(url);
        let response = app.submit(&body, None, &app.admin_token()).await;
        assert_eq!(response.status(), 422, "{url}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "callback_url", "{url}");
    }
}

#[tokio::test]
async fn an_accepted_application_is_committed_before_the_answer() {
    // Not a crash test (that is scripts/crash_test.sh): the row exists the moment 202 arrives.
    let app = spawn_app_with(Options { workers: 0, ..Options::default() }).await;
    let json: Value =
        app.submit(&unknown_person_body(), None, &app.admin_token()).await.json().await.unwrap();
    let id = uuid::Uuid::parse_str(json["id"].as_str().unwrap()).unwrap();
    let record = app.store.get_application(id).await.unwrap().unwrap();
    assert_eq!(record.status.as_str(), "queued");
    assert!(record.submitted_at_ms <= now_ms());
}
