//! Periodic re-checks: registration on approval, import, the batch runner's consent
//! refusal, graduation with its grace period, the diff (with the property units that went
//! and appeared) and resumption.

use crate::database::Backend;
use crate::helpers::{Options, TestApp, spawn_app_with};
use crate::ui::Officer;
use hub::auth::Role;
use hub::recheck::{BatchSpec, RecheckRunner, Summary};
use hub::startup::{build_recheck_runner, mock_api_keys};
use indicatif::ProgressBar;
use mocks::{MockConfig, MockServer};
use serde_json::{Value, json};
use time::macros::date;

const RISING: &str = "50010319860101001X"; // 40, wages 500/month, then 5000 from 2026-11
const ELDER: &str = "500103195001010020"; // 76, nothing on record
const TEKUN: &str = "500103195501010035"; // 71, nothing on record
const NEAR: &str = "500103198602010046"; // 40, wages 900/month: low income
const RELIEF: &str = "500103198603010056"; // 40, wages 5000/month
const EXPIRING: &str = "500103198604010066"; // consent ends 2027-01-01
const REVOKED: &str = "500103198605010076"; // consent revoked after import
const OWNER: &str = "500103198607010088"; // 40, wages 500/month, one flat: sold, another bought
const OWNER_MASKED: &str = "500103********0088";
const FLAT: &str = "500103002003GB00112F00020201";
const NEW_FLAT: &str = "500103002003GB00112F00030301";

fn wages(from: (i32, u8), to: (i32, u8), amount: &str) -> Vec<Value> {
    let mut records = Vec::new();
    let (mut year, mut month) = from;
    while (year, month) <= to {
        records.push(json!({"period": format!("{year}-{month:02}"), "category": "wages", "amount": amount}));
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    }
    records
}

fn fixtures() -> mocks::Fixtures {
    let mut rising = wages((2025, 11), (2026, 10), "500.00");
    rising.extend(wages((2026, 11), (2027, 5), "5000.00"));
    serde_json::from_value(json!({ "persons": [
        { "id_number": RISING, "tax": rising },
        { "id_number": NEAR, "tax": wages((2025, 11), (2027, 5), "900.00") },
        { "id_number": RELIEF, "tax": wages((2025, 11), (2027, 5), "5000.00") },
        owner(FLAT, "62.30"),
    ]}))
    .unwrap()
}

/// The owner, holding the whole of one residential unit.
fn owner(unit_id: &str, area_m2: &str) -> Value {
    json!({ "id_number": OWNER, "tax": wages((2025, 11), (2027, 12), "500.00"),
        "real_estate": [{ "unit_id": unit_id, "usage": "residential", "area_m2": area_m2, "share": "1" }] })
}

fn body(program: &str, id_number: &str, expires_at: &str) -> Value {
    json!({
        "program": program, "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [ { "name": "李四", "id_number": id_number, "relation": "applicant" } ] },
        "consents": [ { "id": format!("c-{id_number}"), "id_number": id_number,
            "agencies": ["tax", "real_estate", "housing_fund", "bank"], "purpose": program,
            "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": expires_at, "evidence_ref": "scan-1" } ]
    })
}

async fn spawn() -> TestApp {
    spawn_on(Backend::Sqlite).await
}

async fn spawn_on(backend: Backend) -> TestApp {
    spawn_app_with(Options { backend, fixtures: fixtures(), ..Options::default() }).await
}

/// Verifies and approves an application; returns its id.
async fn approve(app: &TestApp, program: &str, id_number: &str) -> String {
    let finished = app.verify(&body(program, id_number, "2030-11-20T09:00:00+08:00")).await;
    let id = finished["id"].as_str().unwrap().to_owned();
    let response = app
        .client
        .post(format!("{}/api/v1/applications/{id}/reviews", app.address))
        .bearer_auth(app.token(Role::Officer, &["5001"], "officer-1"))
        .json(&json!({"decision": "approve", "note": "checked"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    id
}

async fn import(app: &TestApp, id_number: &str, expires_at: &str, poverty_relief: bool) -> reqwest::Response {
    import_application(app, body("dibao", id_number, expires_at), poverty_relief).await
}

/// Imports `application` as a dibao class B beneficiary due 2027-05-24.
async fn import_application(app: &TestApp, application: Value, poverty_relief: bool) -> reqwest::Response {
    let entry = json!({ "application": application, "category": "dibao_b",
        "benefit": "240.00", "recheck_due": "2027-05-24", "poverty_relief": poverty_relief });
    app.import_beneficiary(&entry, &app.token(Role::Intake, &["5001"], "intake-1")).await
}

async fn beneficiaries(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app.list_beneficiaries(query, &app.token(Role::Officer, &["5001"], "officer-1")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn find<'a>(list: &'a [Value], masked_tail: &str) -> &'a Value {
    list.iter().find(|b| b["applicant_masked"].as_str().unwrap().ends_with(masked_tail)).unwrap()
}

async fn runner(app: &TestApp) -> RecheckRunner {
    let (runner, mocks) = hub::startup::build_recheck_runner(app.settings.clone()).await.unwrap();
    assert!(mocks.is_none());
    runner
}

/// A runner whose agencies are other mocks, answering from `fixtures`: the agencies as they
/// are by a later re-check. The server must outlive the runner's batches.
async fn runner_against(app: &TestApp, fixtures: mocks::Fixtures) -> (RecheckRunner, MockServer) {
    let mut settings = app.settings.clone();
    let config = MockConfig { api_keys: mock_api_keys(&settings), ..MockConfig::new(fixtures) };
    let later = MockServer::start(config, ([127, 0, 0, 1], 0).into()).await.unwrap();
    for agency in hub::domain::Agency::ALL {
        settings.agencies.get_mut(agency).base_url = later.base_url();
    }
    let (runner, embedded) = build_recheck_runner(settings).await.unwrap();
    assert!(embedded.is_none());
    (runner, later)
}

fn spec(max: Option<usize>) -> BatchSpec {
    BatchSpec {
        region: Some("5001".into()),
        due_before: None,
        as_of: date!(2027 - 06 - 01),
        concurrency: 4,
        max,
    }
}

async fn run(runner: &RecheckRunner, max: Option<usize>) -> Summary {
    runner.run(&spec(max), &ProgressBar::hidden()).await.unwrap()
}

#[tokio::test]
async fn an_approval_registers_the_household_with_the_cadence_of_its_class() {
    let app = spawn().await;
    approve(&app, "dibao", RISING).await;
    approve(&app, "dibao", ELDER).await;
    approve(&app, "tekun", TEKUN).await;
    approve(&app, "low_income", NEAR).await;

    let list = beneficiaries(&app, "region=5001").await;
    assert_eq!(list.len(), 4);
    let due = |tail: &str| (find(&list, tail)["category"].clone(), find(&list, tail)["recheck_due"].clone());
    assert_eq!(due("001X"), (json!("dibao_b"), json!("2027-05-24")), "dibao class B: 6 months");
    assert_eq!(due("0020"), (json!("dibao_a"), json!("2027-11-24")), "dibao class A: 12 months");
    assert_eq!(due("0035"), (json!("tekun"), json!("2027-11-24")), "tekun: 12 months");
    assert_eq!(due("0046"), (json!("low_income"), json!("2027-11-24")), "low income: 12 months");
    assert_eq!(find(&list, "001X")["benefit"], "240.00");
    assert_eq!(beneficiaries(&app, "region=5001&due_before=2027-06-01").await.len(), 1);
}

#[tokio::test]
async fn an_import_is_validated_like_an_application() {
    let app = spawn().await;
    let bad = json!({ "application": body("dibao", "500103198604010067", "2030-01-01T00:00:00+08:00"),
        "category": "dibao_z", "recheck_due": "soon" });
    let response = app
        .client
        .post(format!("{}/api/v1/beneficiaries", app.address))
        .bearer_auth(app.token(Role::Intake, &["5001"], "intake-1"))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.iter().any(|f| f.starts_with("application.household")), "{fields:?}");
    assert!(fields.contains(&"category") && fields.contains(&"recheck_due"), "{fields:?}");
    assert!(beneficiaries(&app, "").await.is_empty());
}

on_both_backends!(
    graduation_and_diff,
    wages_above_the_standard_graduate_with_the_grace_period_and_the_diff_shows_what_changed
);
async fn wages_above_the_standard_graduate_with_the_grace_period_and_the_diff_shows_what_changed(
    backend: Backend,
) {
    let app = spawn_on(backend).await;
    let first = approve(&app, "dibao", RISING).await;
    assert_eq!(import(&app, RELIEF, "2030-11-20T09:00:00+08:00", true).await.status(), 201);

    let summary = run(&runner(&app).await, None).await;
    assert_eq!((summary.total, summary.rechecked, summary.failed), (2, 2, 0), "{summary:?}");
    assert_eq!(summary.outcomes["eligible->graduating"], 1, "{summary:?}");
    assert_eq!(summary.outcomes["registered->graduating"], 1, "{summary:?}");

    let list = beneficiaries(&app, "").await;
    let rising = find(&list, "001X");
    assert_eq!(rising["status"], "graduating");
    assert_eq!(rising["recheck_due"], "2027-12-01", "6 months of grace after 2027-06-01");
    assert_eq!(find(&list, "0056")["recheck_due"], "2028-06-01", "12 months with poverty relief");

    let recheck = rising["last_application_id"].as_str().unwrap();
    let response = app.get_application(recheck, &app.admin_token()).await;
    let application: Value = response.json().await.unwrap();
    let report = &application["report"];
    assert_eq!(report["verdict"], "graduating");
    assert_eq!(report["grace_months"], 6);
    let changes = &report["changes"];
    assert_eq!(changes["previous_application"], first.as_str());
    assert_eq!(changes["verdict"], json!({"old": "eligible", "new": "graduating"}));
    assert_eq!(changes["category"], json!({"old": "dibao_b", "new": null}));
    // (5 × 500 + 7 × 5000) / 12 = 3125
    assert_eq!(changes["income"], json!({"500103********001X": {"old": "500.00", "new": "3125.00"}}));
    let sections: Vec<&String> = changes.as_object().unwrap().keys().collect();
    assert_eq!(sections, ["category", "income", "previous_application", "verdict"], "nothing else changed");
}

on_both_backends!(property_units, a_flat_sold_and_another_bought_is_named_by_unit_in_the_next_recheck);
async fn a_flat_sold_and_another_bought_is_named_by_unit_in_the_next_recheck(backend: Backend) {
    let app = spawn_on(backend).await;
    approve(&app, "dibao", OWNER).await;
    let summary = run(&runner(&app).await, None).await;
    assert_eq!(summary.outcomes["eligible->eligible"], 1, "{summary:?}");
    let first =
        find(&beneficiaries(&app, "").await, "0088")["last_application_id"].as_str().unwrap().to_owned();
    let report = app.get_application(&first, &app.admin_token()).await.json::<Value>().await.unwrap();
    assert!(report["report"]["changes"].get("properties").is_none(), "the same flat: {report}");

    // By the next re-check the flat is sold and another bought: one residential unit still.
    let later = serde_json::from_value(json!({ "persons": [owner(NEW_FLAT, "48.00")] })).unwrap();
    let (runner, _later_agencies) = runner_against(&app, later).await;
    let next =
        BatchSpec { as_of: date!(2027 - 12 - 01), due_before: Some(date!(2028 - 01 - 01)), ..spec(None) };
    let summary = runner.run(&next, &ProgressBar::hidden()).await.unwrap();
    assert_eq!((summary.rechecked, summary.failed), (1, 0), "{summary:?}");

    let second =
        find(&beneficiaries(&app, "").await, "0088")["last_application_id"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let response = app.get_application(&second, &app.admin_token()).await;
    let report = response.json::<Value>().await.unwrap()["report"].clone();
    // (The test's consent ids are built from raw ID numbers, so only `changes` is searched.)
    let changes = &report["changes"];
    assert!(!changes.to_string().contains(OWNER), "no raw ID number in the changes");
    assert_eq!(changes["previous_application"], first.as_str());
    assert_eq!(
        changes["properties"],
        json!({
            "residential": {"old": 1, "new": 1}, "non_residential": {"old": 0, "new": 0},
            "gone": [{"member": OWNER_MASKED, "unit_id": FLAT, "usage": "residential", "area_m2": "62.30", "share": "1"}],
            "appeared": [{"member": OWNER_MASKED, "unit_id": NEW_FLAT, "usage": "residential", "area_m2": "48.00", "share": "1"}],
        })
    );

    // The officer, who reads the changes first, sees which flat.
    let officer = Officer::sign_in(&app, &app.token(Role::Officer, &["5001"], "officer-1")).await;
    let (status, page) = officer.get(&format!("/ui/applications/{second}")).await;
    assert_eq!(status, 200);
    let start = page.find(r#"aria-labelledby="changes-heading""#).expect("a changes section");
    let section = &page[start..start + page[start..].find("</section>").unwrap()];
    for expected in [
        format!("减少房产 {OWNER_MASKED}: 不动产单元号 {FLAT}（住宅，62.30 m²，份额 1）"),
        format!("新增房产 {OWNER_MASKED}: 不动产单元号 {NEW_FLAT}（住宅，48.00 m²，份额 1）"),
    ] {
        assert!(section.contains(&expected), "{expected} missing from the changes: {section}");
    }
    assert!(!section.contains(OWNER), "no raw ID number in the changes on the page");
}

#[tokio::test]
async fn an_expired_or_revoked_consent_refuses_the_recheck_and_flags_the_household() {
    let app = spawn().await;
    assert_eq!(import(&app, EXPIRING, "2027-01-01T00:00:00+08:00", false).await.status(), 201);
    assert_eq!(import(&app, REVOKED, "2030-01-01T00:00:00+08:00", false).await.status(), 201);
    let revoked = app
        .client
        .post(format!("{}/api/v1/consents/c-{REVOKED}/revoke", app.address))
        .bearer_auth(app.token(Role::Intake, &["5001"], "intake-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let state = app.mocks.state();
    let calls_before: u64 =
        ["tax", "real_estate", "housing_fund", "bank"].map(|a| state.total_calls(a)).iter().sum();

    let summary = run(&runner(&app).await, None).await;
    assert_eq!((summary.total, summary.needs_new_consent, summary.rechecked), (2, 2, 0), "{summary:?}");
    let calls_after: u64 =
        ["tax", "real_estate", "housing_fund", "bank"].map(|a| state.total_calls(a)).iter().sum();
    assert_eq!(calls_after, calls_before, "no agency is asked without a valid consent");
    for beneficiary in beneficiaries(&app, "").await {
        assert_eq!(beneficiary["status"], "needs_new_consent");
        assert!(beneficiary["last_application_id"].is_null(), "no re-check was queued");
    }
}

on_both_backends!(interrupted_batch, an_interrupted_batch_resumed_rechecks_each_household_once);
async fn an_interrupted_batch_resumed_rechecks_each_household_once(backend: Backend) {
    let app = spawn_on(backend).await;
    for person in [RISING, ELDER, NEAR] {
        let program = if person == NEAR { "low_income" } else { "dibao" };
        approve(&app, program, person).await;
    }
    // All three due before the run's date.
    let runner = runner(&app).await;
    let late = BatchSpec { due_before: Some(date!(2028 - 01 - 01)), ..spec(None) };
    let first =
        runner.run(&BatchSpec { max: Some(1), ..late.clone() }, &ProgressBar::hidden()).await.unwrap();
    assert_eq!((first.rechecked, first.pending), (1, 2), "{first:?}");

    let resumed = runner.run(&late, &ProgressBar::hidden()).await.unwrap();
    assert_eq!((resumed.done_before, resumed.rechecked, resumed.pending), (1, 3, 0), "{resumed:?}");
    let again = runner.run(&late, &ProgressBar::hidden()).await.unwrap();
    assert_eq!((again.done_before, again.rechecked), (3, 3), "{again:?}");

    let all = app.list_applications("page_size=200", &app.admin_token()).await;
    let all: Value = all.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 3 + 3, "three intakes and one re-check each");
}

on_both_backends!(one_batch_at_a_time, only_one_instance_of_a_fleet_runs_a_batch_at_a_time);
async fn only_one_instance_of_a_fleet_runs_a_batch_at_a_time(backend: Backend) {
    let app = spawn_on(backend).await;
    let runner = runner(&app).await;
    let lease = hub::recheck::BATCH_LEASE;
    assert!(app.store.acquire_lease(lease, "other-instance", 60_000).await.unwrap());
    let refused = runner.run(&spec(None), &ProgressBar::hidden()).await.unwrap_err();
    assert!(refused.to_string().contains("another instance"), "{refused}");
    app.store.release_lease(lease, "other-instance").await.unwrap();
    assert_eq!(run(&runner, None).await.total, 0);
    assert!(
        app.store.acquire_lease(lease, "other-instance", 60_000).await.unwrap(),
        "released after the batch"
    );
}

#[tokio::test]
async fn hub_serve_runs_the_due_rechecks_on_its_schedule() {
    let app = spawn_app_with(Options {
        fixtures: fixtures(),
        configure: Some(Box::new(|settings| {
            settings.recheck.schedule_enabled = true;
            settings.recheck.every_s = 1;
        })),
        ..Options::default()
    })
    .await;
    let entry = json!({ "application": body("dibao", RELIEF, "2030-11-20T09:00:00+08:00"), "category": "dibao_b",
        "recheck_due": "2026-01-01", "poverty_relief": false });
    let response = app
        .client
        .post(format!("{}/api/v1/beneficiaries", app.address))
        .bearer_auth(app.token(Role::Intake, &["5001"], "intake-1"))
        .json(&entry)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let mut rechecked = Value::Null;
    for _ in 0..100 {
        rechecked = beneficiaries(&app, "").await.remove(0);
        if !rechecked["last_application_id"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rechecked["last_verdict"], "graduating", "{rechecked}");
    assert_eq!(rechecked["status"], "graduating");
}

/// A valid ID number of someone born in 1980 in 500103 with sequence `n`.
fn person(n: u32) -> String {
    let body = format!("50010319800101{n:03}");
    format!("{body}{}", mocks::id_number::check_char(&body).unwrap())
}

#[tokio::test]
async fn a_member_shared_between_households_is_asked_about_once_per_batch() {
    let app = spawn().await;
    let shared = person(900);
    let applicants: Vec<String> = (1..=6).map(person).collect();
    for applicant in &applicants {
        let consent = |id: &str| {
            json!({ "id": format!("c-{id}"), "id_number": id,
                "agencies": ["tax", "real_estate", "housing_fund", "bank"], "purpose": "dibao",
                "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "2030-11-20T09:00:00+08:00",
                "evidence_ref": "scan-1" })
        };
        let application = json!({
            "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
            "household": { "members": [
                { "name": "李四", "id_number": applicant, "relation": "applicant" },
                { "name": "王五", "id_number": shared, "relation": "parent" } ] },
            "consents": [consent(applicant), consent(&shared)]
        });
        let response = import_application(&app, application, false).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
    let (runner, agencies) = runner_against(&app, mocks::Fixtures::default()).await;

    let summary = run(&runner, None).await;

    assert_eq!((summary.rechecked, summary.failed), (6, 0));
    let state = agencies.state();
    for agency in ["tax", "real_estate", "housing_fund"] {
        assert_eq!(state.calls(agency, &shared), 1, "{agency}: the shared member once, from the cache after");
        for applicant in &applicants {
            assert_eq!(state.calls(agency, applicant), 1, "{agency}: each applicant once");
        }
        assert_eq!(state.total_calls(agency), 7, "{agency}: seven persons, seven calls");
    }
}
