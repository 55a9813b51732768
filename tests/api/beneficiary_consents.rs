//! Issue 9: a household flagged `needs_new_consent` gets new consents with
//! `PUT /api/v1/beneficiaries/{id}/consents` and is re-checked again; a household is
//! registered once (an import of one already registered answers 409, concurrent imports
//! included).

use crate::database::Backend;
use crate::helpers::{Options, TestApp, spawn_app_with};
use hub::auth::Role;
use hub::recheck::{BatchSpec, Summary};
use indicatif::ProgressBar;
use serde_json::{Value, json};
use time::macros::date;

const APPLICANT: &str = "500103198604010066";
const SPOUSE: &str = "500103195001010020";
const OTHER: &str = "500103195501010035";
const OLD_CONSENT_ENDS: &str = "2027-01-01T00:00:00+08:00";
const NEW_CONSENT_ENDS: &str = "2030-01-01T00:00:00+08:00";

async fn spawn_on(backend: Backend) -> TestApp {
    spawn_app_with(Options { backend, ..Options::default() }).await
}

fn consent(id: &str, id_number: &str, expires_at: &str) -> Value {
    json!({ "id": id, "id_number": id_number, "agencies": ["tax", "real_estate", "housing_fund", "bank"],
        "purpose": "dibao", "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": expires_at,
        "evidence_ref": "scan-9" })
}

/// A two-person household with consents ending at `expires_at`.
fn household(applicant: &str, expires_at: &str) -> Value {
    json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [
            { "name": "李四", "id_number": applicant, "relation": "applicant" },
            { "name": "王芳", "id_number": SPOUSE, "relation": "spouse" } ] },
        "consents": [ consent("c-old-1", applicant, expires_at), consent("c-old-2", SPOUSE, expires_at) ]
    })
}

fn intake(app: &TestApp, sub: &str) -> String {
    app.token(Role::Intake, &["5001"], sub)
}

async fn import(app: &TestApp, application: Value, token: &str) -> reqwest::Response {
    let entry = json!({ "application": application, "category": "dibao_a", "benefit": "240.00",
        "recheck_due": "2027-05-24" });
    app.import_beneficiary(&entry, token).await
}

/// Imports the household of `APPLICANT` as intake-1; returns its id.
async fn registered(app: &TestApp, expires_at: &str) -> String {
    let response = import(app, household(APPLICANT, expires_at), &intake(app, "intake-1")).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn renew(app: &TestApp, id: &str, consents: Value, token: &str) -> reqwest::Response {
    app.renew_consents(id, &consents, token).await
}

fn new_consents() -> Value {
    json!([consent("c-new-1", APPLICANT, NEW_CONSENT_ENDS), consent("c-new-2", SPOUSE, NEW_CONSENT_ENDS)])
}

async fn beneficiaries(app: &TestApp) -> Vec<Value> {
    let response = app.list_beneficiaries("", &app.admin_token()).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The batch of 2027-06-01, when the old consents have expired.
async fn run_batch(app: &TestApp) -> Summary {
    let (runner, _) = hub::startup::build_recheck_runner(app.settings.clone()).await.unwrap();
    let spec = BatchSpec {
        region: Some("5001".into()),
        due_before: None,
        as_of: date!(2027 - 06 - 01),
        concurrency: 2,
        max: None,
    };
    runner.run(&spec, &ProgressBar::hidden()).await.unwrap()
}

fn agency_calls(app: &TestApp) -> u64 {
    let state = app.mocks.state();
    ["tax", "real_estate", "housing_fund", "bank"].map(|a| state.total_calls(a)).iter().sum()
}

async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let token = app.token(Role::Auditor, &["5001"], "auditor-1");
    let url = format!("{}/api/v1/audit?{query}", app.address);
    let response = app.client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

on_both_backends!(renewal, renewed_consents_put_the_household_back_on_the_recheck_schedule);
async fn renewed_consents_put_the_household_back_on_the_recheck_schedule(backend: Backend) {
    let app = spawn_on(backend).await;
    let id = registered(&app, OLD_CONSENT_ENDS).await;
    let calls_before = agency_calls(&app);
    let refused = run_batch(&app).await;
    assert_eq!((refused.needs_new_consent, refused.rechecked), (1, 0), "{refused:?}");
    assert_eq!(agency_calls(&app), calls_before, "nothing asked under expired consents");
    assert_eq!(beneficiaries(&app).await[0]["status"], "needs_new_consent");

    let response = renew(&app, &id, new_consents(), &intake(&app, "intake-1")).await;
    assert_eq!(response.status(), 200);
    let renewed: Value = response.json().await.unwrap();
    assert_eq!((renewed["id"].as_str(), renewed["status"].as_str()), (Some(id.as_str()), Some("active")));

    // Running the batch again takes up the household it refused, under the new consents.
    let rechecked = run_batch(&app).await;
    assert_eq!((rechecked.rechecked, rechecked.needs_new_consent), (1, 0), "{rechecked:?}");
    assert!(agency_calls(&app) > calls_before, "the agencies were asked this time");
    let list = beneficiaries(&app).await;
    assert_eq!(list.len(), 1, "still one registration: {list:?}");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["last_verdict"], "eligible", "{list:?}");
    let recheck = list[0]["last_application_id"].as_str().unwrap();
    let audited = audit(&app, &format!("application={recheck}")).await;
    let consents: Vec<&str> = audited.iter().filter_map(|row| row["consent_id"].as_str()).collect();
    assert!(!consents.is_empty() && consents.iter().all(|c| c.starts_with("c-new-")), "{consents:?}");

    // The renewal is audited, per person by pseudonym, with no ID number anywhere in the log.
    let rows = audit(&app, &format!("subject_id_number={SPOUSE}")).await;
    let renewal = rows.iter().find(|row| row["action"] == "consent_renewal").expect("a renewal row");
    assert_eq!(renewal["actor_sub"], "intake-1");
    assert_eq!(renewal["consent_id"], "c-new-2");
    assert_eq!(renewal["outcome"], format!("renewed:{id}"));
    assert_eq!(renewal["subject"].as_str().unwrap().len(), 64, "a pseudonym");
    let log = serde_json::to_string(&audit(&app, "limit=10000").await).unwrap();
    for id_number in [APPLICANT, SPOUSE] {
        assert!(!log.contains(id_number), "a raw ID number in the audit log");
    }
    let verify = app.client.get(format!("{}/api/v1/audit/verify", app.address));
    let chain: Value = verify.bearer_auth(app.admin_token()).send().await.unwrap().json().await.unwrap();
    assert_eq!(chain["valid"], true, "{chain}");
}

#[tokio::test]
async fn a_renewal_that_does_not_cover_the_household_now_changes_nothing() {
    let app = spawn_on(Backend::Sqlite).await;
    let id = registered(&app, OLD_CONSENT_ENDS).await;
    run_batch(&app).await;
    let token = intake(&app, "intake-1");

    let only_applicant = json!([consent("c-new-1", APPLICANT, NEW_CONSENT_ENDS)]);
    let response = renew(&app, &id, only_applicant, &token).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(error_fields(&problem), ["consents"], "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("500103********0020"), "{problem}");
    assert!(!problem.to_string().contains(SPOUSE), "never the raw ID number: {problem}");

    let expired = json!([
        consent("c-new-1", APPLICANT, NEW_CONSENT_ENDS),
        consent("c-new-2", SPOUSE, "2026-11-21T00:00:00+08:00")
    ]);
    let problem: Value = renew(&app, &id, expired, &token).await.json().await.unwrap();
    assert_eq!(error_fields(&problem), ["consents[1].expires_at"], "{problem}");

    let stranger = json!([
        consent("c-new-1", APPLICANT, NEW_CONSENT_ENDS),
        consent("c-new-2", SPOUSE, NEW_CONSENT_ENDS),
        consent("c-new-3", OTHER, NEW_CONSENT_ENDS)
    ]);
    let problem: Value = renew(&app, &id, stranger, &token).await.json().await.unwrap();
    assert_eq!(error_fields(&problem), ["consents[2].id_number"], "{problem}");

    // A revoked consent's id is not brought back to life by a renewal.
    let revoke = format!("{}/api/v1/consents/c-old-2/revoke", app.address);
    assert_eq!(app.client.post(revoke).bearer_auth(&token).send().await.unwrap().status(), 200);
    let reused = json!([
        consent("c-new-1", APPLICANT, NEW_CONSENT_ENDS),
        consent("c-old-2", SPOUSE, NEW_CONSENT_ENDS)
    ]);
    let problem: Value = renew(&app, &id, reused, &token).await.json().await.unwrap();
    assert_eq!(error_fields(&problem), ["consents[1].id"], "{problem}");

    let list = beneficiaries(&app).await;
    assert_eq!(list[0]["status"], "needs_new_consent", "nothing changed");
    // None of the refused consents was recorded: there is nothing to revoke.
    let revoke = format!("{}/api/v1/consents/c-new-1/revoke", app.address);
    assert_eq!(app.client.post(revoke).bearer_auth(&token).send().await.unwrap().status(), 404);
    assert!(audit(&app, "limit=10000").await.iter().all(|row| row["action"] != "consent_renewal"));
    let again = run_batch(&app).await;
    assert_eq!((again.done_before, again.rechecked), (1, 0), "still refused: {again:?}");

    // The same consents sent twice (a retried PUT) renew once and answer the same.
    let first = renew(&app, &id, new_consents(), &token).await;
    assert_eq!(first.status(), 200);
    let retried = renew(&app, &id, new_consents(), &token).await;
    assert_eq!(retried.status(), 200);
    assert_eq!(retried.json::<Value>().await.unwrap()["status"], "active");
}

#[tokio::test]
async fn only_the_registering_intake_system_or_an_admin_renews() {
    let app = spawn_on(Backend::Sqlite).await;
    let id = registered(&app, OLD_CONSENT_ENDS).await;
    let someone_else = renew(&app, &id, new_consents(), &intake(&app, "intake-2")).await;
    assert_eq!(someone_else.status(), 404, "existence is not revealed");
    let out_of_region = renew(&app, &id, new_consents(), &app.token(Role::Intake, &["11"], "intake-1")).await;
    assert_eq!(out_of_region.status(), 404);
    let unknown =
        renew(&app, "0190f1a2-7c4e-7d3a-9b1e-2f4c6a8e0b12", new_consents(), &intake(&app, "intake-1")).await;
    assert_eq!(unknown.status(), 404);
    let officer = renew(&app, &id, new_consents(), &app.token(Role::Officer, &["5001"], "officer-1")).await;
    assert_eq!(officer.status(), 403);
    let wrong_method = app.client.get(format!("{}/api/v1/beneficiaries/{id}/consents", app.address));
    assert_eq!(wrong_method.bearer_auth(app.admin_token()).send().await.unwrap().status(), 405);

    let admin = renew(&app, &id, new_consents(), &app.admin_token()).await;
    assert_eq!(admin.status(), 200);
    // Recorded under the registering intake system, whose re-checks query under them.
    let revoke = format!("{}/api/v1/consents/c-new-2/revoke", app.address);
    let revoked = app.client.post(revoke).bearer_auth(intake(&app, "intake-1")).send().await.unwrap();
    assert_eq!(revoked.status(), 200);
}

on_both_backends!(re_import, a_household_already_registered_is_not_registered_again);
async fn a_household_already_registered_is_not_registered_again(backend: Backend) {
    let app = spawn_on(backend).await;
    let id = registered(&app, NEW_CONSENT_ENDS).await;
    let again = import(&app, household(APPLICANT, NEW_CONSENT_ENDS), &intake(&app, "intake-1")).await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.headers()["content-type"], "application/problem+json");
    let problem: Value = again.json().await.unwrap();
    assert_eq!(problem["beneficiary_id"], id.as_str(), "{problem}");
    assert_eq!(problem["type"], "/problems/already-registered", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains(&id), "{problem}");
    assert!(!problem.to_string().contains(APPLICANT), "{problem}");
    assert_eq!(beneficiaries(&app).await.len(), 1);

    // Another intake system's roll is its own registration.
    let elsewhere = import(&app, household(APPLICANT, NEW_CONSENT_ENDS), &intake(&app, "intake-2")).await;
    assert_eq!(elsewhere.status(), 201);

    // An approved application registers its household once, and an import of it is refused.
    let mut application = household(OTHER, NEW_CONSENT_ENDS);
    application["consents"] =
        json!([consent("c-a-1", OTHER, NEW_CONSENT_ENDS), consent("c-a-2", SPOUSE, NEW_CONSENT_ENDS)]);
    for _ in 0..2 {
        let finished = app.verify(&application).await;
        let id = finished["id"].as_str().unwrap();
        let review = app
            .client
            .post(format!("{}/api/v1/applications/{id}/reviews", app.address))
            .bearer_auth(app.token(Role::Officer, &["5001"], "officer-1"))
            .json(&json!({"decision": "approve", "note": "checked"}))
            .send()
            .await
            .unwrap();
        assert_eq!(review.status(), 201);
    }
    assert_eq!(beneficiaries(&app).await.len(), 3, "two approvals of one household, one registration");
    let imported = import(&app, application, &app.admin_token()).await;
    assert_eq!(imported.status(), 409, "the approval's submitter imports it");
}

on_both_backends!(concurrent_imports, two_concurrent_imports_of_a_household_register_it_once);
async fn two_concurrent_imports_of_a_household_register_it_once(backend: Backend) {
    let app = spawn_on(backend).await;
    let token = intake(&app, "intake-1");
    let (first, second) = tokio::join!(
        import(&app, household(APPLICANT, NEW_CONSENT_ENDS), &token),
        import(&app, household(APPLICANT, NEW_CONSENT_ENDS), &token),
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let (created, refused) = if first.status() == 201 { (first, second) } else { (second, first) };
    let created: Value = created.json().await.unwrap();
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["beneficiary_id"], created["id"], "{refused}");
    assert_eq!(beneficiaries(&app).await.len(), 1);
}
