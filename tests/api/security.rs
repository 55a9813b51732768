//! Security: every bad-token case, region scope for read/list/review, consent refusals
//! never reaching the mocks (and audited), revocation, and a tamper-evident audit chain.

use crate::database::Backend;
use crate::helpers::{Options, TestApp, spawn_app_with, unknown_person_body};
use base64::Engine;
use hub::auth::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::path::PathBuf;

fn key_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keys").join(name)
}

/// An app that also accepts RS256 and EdDSA tokens from two test-only keys.
async fn spawn_secure_app(backend: Backend) -> TestApp {
    spawn_app_with(Options {
        backend,
        configure: Some(Box::new(|settings| {
            settings.auth.algorithms = vec!["HS256".into(), "RS256".into(), "EdDSA".into()];
            settings.auth.keys = vec![
                hub::settings::PublicKeySettings {
                    kid: "test-rsa".into(),
                    algorithm: "RS256".into(),
                    public_key_file: key_path("rsa-test-public.pem"),
                },
                hub::settings::PublicKeySettings {
                    kid: "test-ed".into(),
                    algorithm: "EdDSA".into(),
                    public_key_file: key_path("ed25519-test-public.pem"),
                },
            ];
        })),
        ..Options::default()
    })
    .await
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims() -> Value {
    json!({"sub": "intake-x", "role": "admin", "regions": ["50"], "iss": "hub-dev", "aud": "hub", "exp": now() + 300})
}

fn sign(header: Header, claims: &Value, key: &EncodingKey) -> String {
    encode(&header, claims, key).unwrap()
}

fn hs(claims: &Value) -> String {
    let secret = hub::settings::Settings::embedded_defaults().unwrap().auth.dev_secret().unwrap().to_owned();
    sign(Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()))
}

fn rs(claims: &Value, kid: &str) -> String {
    let key = EncodingKey::from_rsa_pem(&std::fs::read(key_path("rsa-test-private.pem")).unwrap()).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    sign(header, claims, &key)
}

fn ed(claims: &Value) -> String {
    let key =
        EncodingKey::from_ed_pem(&std::fs::read(key_path("ed25519-test-private.pem")).unwrap()).unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("test-ed".into());
    sign(header, claims, &key)
}

fn unsigned(claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#), b64.encode(claims.to_string()))
}

async fn list_status(app: &TestApp, token: &str) -> (u16, Value) {
    let response = app.list_applications("", token).await;
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status == 401 {
        assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    }
    (status, body)
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_with_401() {
    let app = spawn_secure_app(Backend::Sqlite).await;
    // The good ones first, so a 401 below is about the token and nothing else.
    for good in [hs(&claims()), rs(&claims(), "test-rsa"), ed(&claims())] {
        assert_eq!(list_status(&app, &good).await.0, 200);
    }
    let rsa_public = std::fs::read(key_path("rsa-test-public.pem")).unwrap();
    let swapped = sign(Header::new(Algorithm::HS256), &claims(), &EncodingKey::from_secret(&rsa_public));
    let mut bad_signature = hs(&claims());
    let last = bad_signature.pop().unwrap();
    bad_signature.push(if last == 'A' { 'B' } else { 'A' });
    let mut expired = claims();
    expired["exp"] = json!(now() - 120);
    let mut wrong_iss = claims();
    wrong_iss["iss"] = json!("someone-else");
    let mut wrong_aud = claims();
    wrong_aud["aud"] = json!("another-service");
    let mut exp_string = claims();
    exp_string["exp"] = json!((now() + 300).to_string());
    let mut no_aud = claims();
    no_aud.as_object_mut().unwrap().remove("aud");
    let mut no_iss = claims();
    no_iss.as_object_mut().unwrap().remove("iss");
    let mut no_sub = claims();
    no_sub.as_object_mut().unwrap().remove("sub");
    let cases = [
        ("alg none", unsigned(&claims())),
        ("RS→HS swap with the public key as secret", swapped),
        ("bad signature", bad_signature),
        ("expired beyond leeway", hs(&expired)),
        ("wrong iss", hs(&wrong_iss)),
        ("wrong aud", hs(&wrong_aud)),
        ("exp as a string", hs(&exp_string)),
        ("no aud", hs(&no_aud)),
        ("no iss", hs(&no_iss)),
        ("no sub", hs(&no_sub)),
        ("unknown kid", rs(&claims(), "other-key")),
        ("kid as a path", rs(&claims(), "../../tests/keys/rsa-test-public.pem")),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, token) in cases {
        let (status, body) = list_status(&app, &token).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["status"], 401, "{name}");
    }
    // Every refusal is in the audit log (written in the background: give it a moment).
    let mut refusals = 0;
    for _ in 0..50 {
        let rows = app.store.audit_rows().await.unwrap();
        refusals = rows
            .iter()
            .filter(|r| r.action == "authorization_failure" && r.actor_sub == "unauthenticated")
            .count();
        if refusals == 13 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(refusals, 13);
}

fn regional_app_body() -> Value {
    unknown_person_body() // region 500103
}

#[tokio::test]
async fn officers_see_and_review_only_their_regions() {
    let app = spawn_app_with(Options::default()).await;
    let json: Value =
        app.submit(&regional_app_body(), Some(10), &app.admin_token()).await.json().await.unwrap();
    let id = json["id"].as_str().unwrap();
    let cases =
        [("50", true), ("5001", true), ("500103", true), ("5002", false), ("500104", false), ("11", false)];
    for (prefix, visible) in cases {
        let token = app.token(Role::Officer, &[prefix], &format!("officer-{prefix}"));
        let read = app.get_application(id, &token).await.status().as_u16();
        assert_eq!(read, if visible { 200 } else { 404 }, "read by officer of {prefix}");
        let listed: Value = app.list_applications("", &token).await.json().await.unwrap();
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            usize::from(visible),
            "list by officer of {prefix}"
        );
        let review = app
            .client
            .post(format!("{}/api/v1/applications/{id}/reviews", app.address))
            .bearer_auth(&token)
            .json(&json!({"decision": "return", "note": format!("checked by {prefix}")}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(review, if visible { 201 } else { 404 }, "review by officer of {prefix}");
    }
}

#[tokio::test]
async fn a_decided_application_is_not_decided_again_without_a_return() {
    let app = spawn_app_with(Options::default()).await;
    let json: Value =
        app.submit(&regional_app_body(), Some(10), &app.admin_token()).await.json().await.unwrap();
    let id = json["id"].as_str().unwrap();
    let officer = app.token(Role::Officer, &["50"], "officer-1");
    let decide = |decision: &'static str, note: &'static str| {
        let request = app
            .client
            .post(format!("{}/api/v1/applications/{id}/reviews", app.address))
            .bearer_auth(&officer)
            .json(&json!({"decision": decision, "note": note}));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(decide("approve", "income verified").await, 201);
    assert_eq!(decide("reject", "second thoughts").await, 409);
    assert_eq!(decide("return", "new documents").await, 201);
    assert_eq!(decide("reject", "documents show more income").await, 201);
    assert_eq!(decide("approve", "").await, 422, "a note is required");
}

fn consent(id: &str, person: &str, agencies: Value, purpose: &str, expires: &str) -> Value {
    json!({"id": id, "id_number": person, "agencies": agencies, "purpose": purpose,
           "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": expires, "evidence_ref": "scan"})
}

const ALL: [&str; 4] = ["tax", "real_estate", "housing_fund", "bank"];

#[tokio::test]
async fn refused_queries_never_reach_an_agency_and_are_audited() {
    let app = spawn_app_with(Options::default()).await;
    // Five members: valid consent; none; expired; wrong purpose; a consent naming another member.
    let ids = [
        "500103198001010016",
        "50010319850505002X",
        "500103201001010037",
        "500103198002020013",
        "500103198002020021",
    ];
    let members: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"name": "成员", "id_number": id, "relation": if i == 0 { "applicant" } else { "other" }}))
        .collect();
    let body = json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": {"members": members},
        "consents": [
            consent("c-ok", ids[0], json!(ALL), "dibao", "2030-01-01T00:00:00+08:00"),
            consent("c-expired", ids[2], json!(ALL), "dibao", "2026-11-21T00:00:00+08:00"),
            consent("c-purpose", ids[3], json!(ALL), "tekun", "2030-01-01T00:00:00+08:00"),
            // Covers member 0 only: member 4 has no consent of its own.
            consent("c-other", ids[0], json!(["tax"]), "dibao", "2030-01-01T00:00:00+08:00")
        ]
    });
    let json = app.verify(&body).await;
    let state = app.mocks.state();
    for agency in ALL {
        assert_eq!(state.calls(agency, ids[0]), 1, "{agency}");
        for refused in &ids[1..] {
            assert_eq!(state.calls(agency, refused), 0, "{agency} must never be asked about {refused}");
        }
    }
    let auditor = app.token(Role::Auditor, &["50"], "auditor-1");
    let application = json["id"].as_str().unwrap();
    let rows: Value = app
        .client
        .get(format!("{}/api/v1/audit?application={application}", app.address))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = rows["items"].as_array().unwrap();
    let queries: Vec<&Value> = rows.iter().filter(|r| r["action"] == "agency_query").collect();
    assert_eq!(queries.len(), 20, "one row per member × agency");
    assert_eq!(queries.iter().filter(|r| r["outcome"] == "authorized").count(), 4);
    assert_eq!(queries.iter().filter(|r| r["outcome"] == "refused_no_consent").count(), 16);
    assert!(
        queries.iter().all(|r| r["actor_sub"] == "test-admin" && r["subject"].as_str().unwrap().len() == 64)
    );
    assert!(!serde_json::to_string(rows).unwrap().contains(ids[0]), "the audit log holds pseudonyms only");

    // An auditor can ask who looked at a person's data.
    let by_person: Value = app
        .client
        .get(format!("{}/api/v1/audit?subject_id_number={}", app.address, ids[0]))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let by_person = by_person["items"].as_array().unwrap();
    let count = |action: &str| by_person.iter().filter(|r| r["action"] == action).count();
    assert_eq!(count("agency_query"), 4, "{by_person:?}");
    // The submission and the view of the report that names them are found by person too.
    assert_eq!(count("application_submitted"), 1, "{by_person:?}");
    assert_eq!(count("report_view"), 1, "{by_person:?}");
}

#[tokio::test]
async fn a_revoked_consent_stops_queued_jobs_and_counts_its_usage() {
    // An API-only instance accepts two applications under the same consent...
    let api = spawn_app_with(Options { workers: 0, ..Options::default() }).await;
    let intake = api.token(Role::Intake, &["50"], "intake-a");
    let first: Value = api.submit(&unknown_person_body(), None, &intake).await.json().await.unwrap();
    // ...the consent is revoked while the job waits for a worker...
    let revoke = |token: String| {
        let request =
            api.client.post(format!("{}/api/v1/consents/c-unknown/revoke", api.address)).bearer_auth(token);
        async move { request.send().await.unwrap() }
    };
    let officer = api.token(Role::Officer, &["50"], "officer-1");
    assert_eq!(revoke(officer).await.status(), 403);
    let other_intake = api.token(Role::Intake, &["50"], "intake-b");
    assert_eq!(revoke(other_intake).await.status(), 404, "another intake system's consent");
    let revoked = revoke(intake.clone()).await;
    assert_eq!(revoked.status(), 200);
    // ...and a worker instance then runs the job: nothing is sent under the revoked consent.
    let url = api.settings.store.url.clone();
    let worker = spawn_app_with(Options { shared_store_url: Some(url), ..Options::default() }).await;
    let id = first["id"].as_str().unwrap();
    let mut report = Value::Null;
    for _ in 0..100 {
        let json: Value = worker.get_application(id, &intake).await.json().await.unwrap();
        if json["status"] == "completed" {
            report = json["report"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(report["verdict"], "needs_review", "{report}");
    for agency in ALL {
        assert_eq!(worker.mocks.state().total_calls(agency), 0, "{agency}");
        assert_eq!(report["members"][0]["sources"][agency]["status"], "no_consent");
    }
    assert_eq!(api.store.consent_usage("intake-a", "c-unknown").await.unwrap(), Some(0));
}

async fn tampering_is_detected_by_verify(backend: Backend) {
    let app = spawn_app_with(Options { backend, ..Options::default() }).await;
    app.verify(&unknown_person_body()).await; // 4 query rows
    app.verify(&unknown_person_body()).await; // 4 more (cached answers are audited too)
    let auditor = app.token(Role::Auditor, &["1"], "auditor-1");
    let verify = || {
        let request = app.client.get(format!("{}/api/v1/audit/verify", app.address)).bearer_auth(&auditor);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let intact = verify().await;
    assert_eq!(intact["valid"], true, "{intact}");
    let rows = intact["rows"].as_u64().unwrap();
    assert!(rows >= 8);

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.settings.store.url).await.unwrap();
    let exec = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    exec("UPDATE audit_log SET outcome = 'tampered' WHERE seq = 3").await;
    assert_eq!(verify().await["first_broken_seq"], 3);
    exec("UPDATE audit_log SET outcome = 'authorized' WHERE seq = 3").await;
    assert_eq!(verify().await["valid"], true, "restoring the byte restores the chain");

    // Reorder: swap two rows' contents.
    exec("UPDATE audit_log SET seq = -2 WHERE seq = 2").await;
    exec("UPDATE audit_log SET seq = 2 WHERE seq = 4").await;
    exec("UPDATE audit_log SET seq = 4 WHERE seq = -2").await;
    assert_eq!(verify().await["first_broken_seq"], 2);
    exec("UPDATE audit_log SET seq = -2 WHERE seq = 2").await;
    exec("UPDATE audit_log SET seq = 2 WHERE seq = 4").await;
    exec("UPDATE audit_log SET seq = 4 WHERE seq = -2").await;
    assert_eq!(verify().await["valid"], true);

    // Truncate: remove the last row; the recorded head gives it away.
    exec("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)").await;
    let truncated = verify().await;
    assert_eq!(truncated["valid"], false);
    assert_eq!(truncated["first_broken_seq"].as_u64(), Some(rows));

    // Delete from the middle.
    exec("DELETE FROM audit_log WHERE seq = 5").await;
    assert_eq!(verify().await["first_broken_seq"], 5);
}
on_both_backends!(tampering, tampering_is_detected_by_verify);

async fn concurrent_writers_keep_one_linear_chain(backend: Backend) {
    let app = spawn_app_with(Options { backend, workers: 0, ..Options::default() }).await;
    let writers = (0..8).map(|writer| {
        let settings = app.settings.store.clone();
        async move {
            // Each writer has its own store (own pool, own process-wide lock): only the
            // database serializes them, as between separate hub processes.
            let store = hub::store::Store::connect(&settings).await.unwrap();
            for n in 0..500 {
                let event = hub::audit::AuditEvent {
                    actor_sub: format!("writer-{writer}"),
                    actor_role: "system".into(),
                    action: hub::audit::actions::REPORT_VIEW,
                    application_id: None,
                    subject: None,
                    agency: None,
                    consent_id: None,
                    outcome: format!("n{n}"),
                };
                store.append_audit(&[event]).await.unwrap();
            }
        }
    });
    futures::future::join_all(writers).await;
    let report =
        hub::audit::verify(&app.store.audit_rows().await.unwrap(), app.store.audit_head().await.unwrap());
    assert!(report.valid, "{report:?}");
    assert_eq!(report.rows, 4000);
}
on_both_backends!(concurrent_audit, concurrent_writers_keep_one_linear_chain);

#[tokio::test]
async fn a_caller_over_its_rate_limit_gets_429_with_retry_after() {
    let app = spawn_app_with(Options {
        configure: Some(Box::new(|settings| {
            settings.server.rate_limit_per_s = 1;
            settings.server.rate_limit_burst = 3;
        })),
        ..Options::default()
    })
    .await;
    let token = app.admin_token();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app.list_applications("", &token).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    // Another caller is not affected, whatever headers the first one sends.
    let other = app.token(Role::Admin, &["5"], "someone-else");
    assert_eq!(app.list_applications("", &other).await.status(), 200);
}
