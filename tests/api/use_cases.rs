//! The use cases' contract, on both stores: each authorizes its caller (role and region),
//! acts, and commits its change with its audit rows in one transaction; every path that
//! returns report content first writes `report_view` rows naming every member of the
//! household; refusals are audited the same way everywhere.

use crate::database::Backend;
use crate::eventually::eventually;
use crate::helpers::{Options, TestApp, demo_applications, one_person_body, spawn_app_on, spawn_app_with};
use hub::audit::actions;
use hub::auth::Role;
use hub::cache::Pseudonymizer;
use hub::domain::IdNumber;
use hub::service::lifecycle::Retention;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

/// A demo household by name (its application body).
fn demo(name: &str) -> Value {
    demo_applications().into_iter().find(|d| d["name"] == name).unwrap()["application"].clone()
}

/// The pseudonyms of the members of `body`, as the audit log names them.
fn member_subjects(app: &TestApp, body: &Value) -> BTreeSet<String> {
    let pseudonymizer = Pseudonymizer::new(app.settings.cache.hmac_secret.expose_secret()).unwrap();
    body["household"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            pseudonymizer.pseudonym(&IdNumber::parse_structure(m["id_number"].as_str().unwrap()).unwrap())
        })
        .collect()
}

/// The subjects of the `action` rows about `id` written by `actor`.
async fn subjects_of(app: &TestApp, id: &str, action: &str, actor: &str) -> Vec<String> {
    app.audit_rows_of(id)
        .await
        .into_iter()
        .filter(|r| r.action == action && r.actor_sub == actor)
        .filter_map(|r| r.subject)
        .collect()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Submits `body` as `intake-cq` and waits for its verdict.
async fn verified(app: &TestApp, body: &Value) -> String {
    let token = app.token(Role::Intake, &["50"], "intake-cq");
    let (status, json) = json_of(app.submit(body, Some(10), &token).await).await;
    assert_eq!(status, 200, "{json}");
    json["id"].as_str().unwrap().to_owned()
}

// Every path that returns report content writes one report_view row per member first.
async fn every_report_read_is_audited_with_every_member(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let body = demo("dibao_a_elderly_couple");
    let members = member_subjects(&app, &body);
    assert_eq!(members.len(), 2);
    let intake = app.token(Role::Intake, &["50"], "intake-cq");
    let officer = app.token(Role::Officer, &["50"], "officer-cq");
    let auditor = app.token(Role::Auditor, &["5001"], "auditor-cq");

    // POST ?wait=S that finishes in time.
    let id = verified(&app, &body).await;
    assert_eq!(subjects_of(&app, &id, actions::REPORT_VIEW, "intake-cq").await.len(), 2);

    // The same body with an idempotency key, twice: the retry returns the finished report.
    let mut keyed = one_person_body("500103198002020013");
    keyed["region"] = json!("500103");
    let post = |key: &'static str| {
        app.client
            .post(format!("{}/api/v1/applications?wait=10", app.address))
            .bearer_auth(&intake)
            .header("Idempotency-Key", key)
            .json(&keyed)
            .send()
    };
    let (_, first) = json_of(post("k-1").await.unwrap()).await;
    let keyed_id = first["id"].as_str().unwrap().to_owned();
    let (status, again) = json_of(post("k-1").await.unwrap()).await;
    assert_eq!((status, again["id"].as_str()), (200, Some(keyed_id.as_str())));
    assert!(again["report"].is_object());
    assert_eq!(
        subjects_of(&app, &keyed_id, actions::REPORT_VIEW, "intake-cq").await.len(),
        2,
        "one per read"
    );

    // GET by the officer, replay by the auditor of the region.
    assert_eq!(app.get_application(&id, &officer).await.status(), 200);
    let officer_views: BTreeSet<String> =
        subjects_of(&app, &id, actions::REPORT_VIEW, "officer-cq").await.into_iter().collect();
    assert_eq!(officer_views, members);
    let (status, replayed) = json_of(app.replay(&id, &auditor).await).await;
    assert_eq!((status, replayed["identical"].as_bool()), (200, Some(true)), "{replayed}");
    let auditor_views: BTreeSet<String> =
        subjects_of(&app, &id, actions::REPORT_VIEW, "auditor-cq").await.into_iter().collect();
    assert_eq!(auditor_views, members);

    // A person's audit search finds the submission and the views of reports about them.
    let person = body["household"]["members"][1]["id_number"].as_str().unwrap();
    let (_, found) = json_of(app.audit_search(&format!("subject_id_number={person}"), &auditor).await).await;
    let actions_found: BTreeSet<&str> =
        found["items"].as_array().unwrap().iter().filter_map(|r| r["action"].as_str()).collect();
    for wanted in [actions::APPLICATION_SUBMITTED, actions::AGENCY_QUERY, actions::REPORT_VIEW] {
        assert!(actions_found.contains(wanted), "{wanted} missing from {actions_found:?}");
    }
}
on_both_backends!(report_reads_are_audited, every_report_read_is_audited_with_every_member);

// Out of scope is the same 404 as unknown, for every use case that names an application,
// and each attempt is audited.
async fn out_of_scope_is_not_found_and_audited(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let id = verified(&app, &demo("dibao_a_elderly_couple")).await;
    let beijing_officer = app.token(Role::Officer, &["11"], "officer-bj");
    let beijing_auditor = app.token(Role::Auditor, &["11"], "auditor-bj");
    let other_intake = app.token(Role::Intake, &["50"], "intake-other");
    assert_eq!(app.get_application(&id, &beijing_officer).await.status(), 404);
    assert_eq!(app.get_application(&id, &other_intake).await.status(), 404);
    assert_eq!(app.review(&id, "approve", "ok", &beijing_officer).await.status(), 404);
    assert_eq!(app.replay(&id, &beijing_auditor).await.status(), 404);
    assert_eq!(app.audit_search(&format!("application={id}"), &beijing_auditor).await.status(), 404);
    let refused = eventually("the five refusals in the audit log", PATIENCE, || async {
        let rows = app.audit_rows_of(&id).await;
        let refused: Vec<_> =
            rows.into_iter().filter(|r| r.action == actions::AUTHORIZATION_FAILURE).collect();
        (refused.len() >= 5).then_some(refused)
    })
    .await;
    let actors: BTreeSet<&str> = refused.iter().map(|r| r.actor_sub.as_str()).collect();
    assert_eq!(actors, BTreeSet::from(["officer-bj", "auditor-bj", "intake-other"]));
    assert!(refused.iter().all(|r| r.outcome.starts_with("out_of_scope:")), "{refused:?}");
    // Nothing was shown to them.
    for actor in ["officer-bj", "auditor-bj", "intake-other"] {
        assert!(subjects_of(&app, &id, actions::REPORT_VIEW, actor).await.is_empty());
    }
    assert!(app.store.reviews(id.parse().unwrap()).await.unwrap().is_empty());
}
on_both_backends!(out_of_scope_refusals, out_of_scope_is_not_found_and_audited);

// A review and its audit rows (and an approval's registration) commit together or not at all.
async fn a_review_fails_closed_when_its_audit_row_cannot_be_written(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let id = verified(&app, &demo("dibao_a_elderly_couple")).await;
    let officer = app.token(Role::Officer, &["50"], "officer-cq");
    let refuse_audit = match backend {
        Backend::Sqlite => vec![
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END",
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION audit_down() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_down()",
        ],
    };
    app.execute_sql(&refuse_audit).await;
    let response = app.review(&id, "approve", "收入与申报一致", &officer).await;
    assert_eq!(response.status(), 500);
    assert!(
        app.store.reviews(id.parse().unwrap()).await.unwrap().is_empty(),
        "no decision without its audit row"
    );
    let admin = app.admin_token();
    let (_, registered) = json_of(app.list_beneficiaries("", &admin).await).await;
    assert_eq!(registered.as_array().map(Vec::len), Some(0), "no registration either: {registered}");

    app.execute_sql(&[match backend {
        Backend::Sqlite => "DROP TRIGGER audit_down",
        Backend::Postgres => "DROP TRIGGER audit_down ON audit_log",
    }])
    .await;
    assert_eq!(app.review(&id, "approve", "收入与申报一致", &officer).await.status(), 201);
    assert_eq!(app.store.reviews(id.parse().unwrap()).await.unwrap().len(), 1);
    assert_eq!(subjects_of(&app, &id, actions::REVIEW_DECISION, "officer-cq").await.len(), 2);
}
on_both_backends!(reviews_fail_closed, a_review_fails_closed_when_its_audit_row_cannot_be_written);

// A consent id reused by the same intake system with other terms is refused, naming the
// field; the same terms again are fine; another intake system's ids are its own.
async fn a_consent_id_reused_with_other_terms_is_refused(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let person = "500103198002020013";
    let intake = app.token(Role::Intake, &["50"], "intake-cq");
    let body = one_person_body(person);
    assert_eq!(app.submit(&body, None, &intake).await.status(), 202);
    assert_eq!(app.submit(&body, None, &intake).await.status(), 202, "the same terms again");

    let mut wider = body.clone();
    wider["consents"][0]["expires_at"] = json!("2035-11-20T09:00:00+08:00");
    let (status, problem) = json_of(app.submit(&wider, None, &intake).await).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "consents[0].id", "{problem}");

    let mut someone_else = one_person_body("500103198002020021");
    someone_else["consents"][0]["id"] = body["consents"][0]["id"].clone();
    assert_eq!(app.submit(&someone_else, None, &intake).await.status(), 422, "another person under the id");

    let other_intake = app.token(Role::Intake, &["50"], "intake-other");
    assert_eq!(
        app.submit(&wider, None, &other_intake).await.status(),
        202,
        "ids belong to their intake system"
    );
}
on_both_backends!(consent_reuse, a_consent_id_reused_with_other_terms_is_refused);

// A revocation is scoped to one intake system: an admin must name it, and another intake
// system's consent of the same id stands.
async fn a_revocation_names_its_intake_system(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (a, b) = (app.token(Role::Intake, &["50"], "intake-a"), app.token(Role::Intake, &["50"], "intake-b"));
    let body = one_person_body("500103198002020013");
    let consent = body["consents"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.submit(&body, None, &a).await.status(), 202);
    assert_eq!(app.submit(&body, None, &b).await.status(), 202);
    let admin = app.admin_token();
    let (status, problem) = json_of(app.revoke_consent(&consent, None, &admin).await).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("intake")), "{problem}");
    let (status, revoked) = json_of(app.revoke_consent(&consent, Some("intake-a"), &admin).await).await;
    assert_eq!(
        (status, revoked["intake"].as_str(), revoked["persons"].as_u64()),
        (200, Some("intake-a"), Some(1))
    );
    assert_eq!(app.revoke_consent(&consent, Some("intake-a"), &b).await.status(), 404, "not b's to revoke");
    // intake-b's consent of the same id still stands: its queries are made.
    let (_, again) = json_of(app.submit(&body, Some(10), &b).await).await;
    assert_eq!(again["report"]["members"][0]["sources"]["tax"]["status"], "ok", "{again}");
    let (_, revoked_by_b) = json_of(app.revoke_consent(&consent, None, &b).await).await;
    assert_eq!(revoked_by_b["intake"], "intake-b");
}
on_both_backends!(revocation_scope, a_revocation_names_its_intake_system);

// Auditors are region-scoped for everything that names an application or a person.
async fn auditors_see_only_their_regions(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let chongqing = verified(&app, &demo("dibao_a_elderly_couple")).await;
    let mut beijing_body = demo("low_income_family");
    beijing_body["region"] = json!("110105");
    let admin = app.admin_token();
    let (_, beijing) = json_of(app.submit(&beijing_body, Some(10), &admin).await).await;
    let beijing = beijing["id"].as_str().unwrap().to_owned();
    let auditor = app.token(Role::Auditor, &["50"], "auditor-cq");
    let (status, rows) = json_of(app.audit_search("limit=10000", &auditor).await).await;
    assert_eq!(status, 200);
    let applications: BTreeSet<&str> =
        rows["items"].as_array().unwrap().iter().filter_map(|r| r["application_id"].as_str()).collect();
    assert!(
        applications.contains(chongqing.as_str()) && !applications.contains(beijing.as_str()),
        "{applications:?}"
    );
    let person = beijing_body["household"]["members"][0]["id_number"].as_str().unwrap();
    let (_, about) = json_of(app.audit_search(&format!("subject_id_number={person}"), &auditor).await).await;
    assert_eq!(about["items"].as_array().unwrap().len(), 0, "a person of another region: nothing");
    assert_eq!(app.replay(&beijing, &auditor).await.status(), 404);
    assert_eq!(app.audit_verify(&auditor).await.status(), 200, "the chain has no personal data");
}
on_both_backends!(auditor_scope, auditors_see_only_their_regions);

// After `retention.application_days` the raw personal data is erased; the masked report,
// the verdict and the audit stay, and the API says the details were erased.
async fn personal_data_is_erased_after_its_retention(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let body = demo("dibao_a_elderly_couple");
    let id = verified(&app, &body).await;
    let officer = app.token(Role::Officer, &["50"], "officer-cq");
    let (_, before) = json_of(app.get_application(&id, &officer).await).await;
    let erased = app
        .services
        .apply_retention(Retention { evidence: Duration::ZERO, applications: Duration::ZERO })
        .await
        .unwrap();
    assert!(erased >= 1);
    let (status, after) = json_of(app.get_application(&id, &officer).await).await;
    assert_eq!(status, 200);
    assert!(after["personal_data_erased_at"].is_string(), "{after}");
    assert_eq!(after["report"], before["report"], "the masked report stays");
    assert_eq!(after["verdict"], before["verdict"]);
    let stored = app.store.get_application(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(stored.body.is_none());
    let raw = app.query_text(&format!("SELECT body FROM applications WHERE id = '{id}'")).await;
    for member in body["household"]["members"].as_array().unwrap() {
        let (name, number) = (member["name"].as_str().unwrap(), member["id_number"].as_str().unwrap());
        assert!(!raw.contains(name) && !raw.contains(number), "erased: {raw}");
    }
    let rows = app.audit_rows_of(&id).await;
    assert!(rows.iter().any(|r| r.action == actions::AGENCY_QUERY), "the audit log stays");
    let auditor = app.token(Role::Auditor, &["50"], "auditor-cq");
    assert_eq!(app.replay(&id, &auditor).await.status(), 410, "nothing left to replay with");
    let (_, verified) = json_of(app.audit_verify(&auditor).await).await;
    assert_eq!(verified["valid"], true, "{verified}");
}
on_both_backends!(retention, personal_data_is_erased_after_its_retention);

// Emergency temporary assistance: the approval level answered in the 202 is stored, and
// every later read gives the same answer.
async fn the_emergency_answer_is_stored_not_recomputed(backend: Backend) {
    let app = spawn_app_with(Options { backend, workers: 0, ..Options::default() }).await;
    let admin = app.admin_token();
    let (status, accepted) =
        json_of(app.submit(&demo("temporary_emergency_county"), None, &admin).await).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(
        (accepted["advance_relief"].as_bool(), accepted["approval_level"].as_str()),
        (Some(true), Some("county"))
    );
    let id = accepted["id"].as_str().unwrap();
    let stored = app.store.get_application(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.approval_level.map(|l| l.as_str()), Some("county"), "kept with the application");
    let (_, read) = json_of(app.get_application(id, &admin).await).await;
    assert_eq!(
        (read["advance_relief"].as_bool(), read["approval_level"].as_str()),
        (Some(true), Some("county"))
    );
}
on_both_backends!(emergency_answer, the_emergency_answer_is_stored_not_recomputed);
