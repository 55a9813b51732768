//! A failing agency gives `needs_review` with the right gap; a query without consent is
//! never sent (the mock counts what it receives).

use crate::helpers::{Options, one_person_body, spawn_app, spawn_app_with, unknown_person_body};
use mocks::Fault;
use serde_json::{Value, json};

const PERSON: &str = "500103198001010016";
const SPOUSE: &str = "50010319850505002X";
const CHILD: &str = "500103201001010037";

#[tokio::test]
async fn a_fault_at_any_agency_gives_needs_review_naming_the_gap() {
    let app = spawn_app_with(Options { agency_timeout_ms: 300, ..Options::default() }).await;
    // One person per case, so that no answer cached in an earlier case hides the fault.
    let cases = [
        ("500103198002020013", "tax", Fault::Timeout, "timeout"),
        ("500103198002020021", "real_estate", Fault::Unavailable, "unavailable"),
        ("50010319800202003X", "housing_fund", Fault::Garbage, "malformed"),
        ("500103198002020048", "bank", Fault::Timeout, "timeout"),
        ("500103198002020056", "bank", Fault::Unavailable, "unavailable"),
        ("500103198002020064", "tax", Fault::Garbage, "malformed"),
    ];
    for (person, agency, fault, cause) in cases {
        app.mocks.state().set_fault(agency, Some(person), Some(fault));
        let body = one_person_body(person);
        let report = app.verify(&body).await["report"].clone();
        let masked = format!("{}********{}", &person[..6], &person[14..]);
        assert_eq!(report["verdict"], "needs_review", "{agency} {cause}: {report}");
        assert_eq!(report["category"], Value::Null);
        assert_eq!(report["suggested_monthly_benefit"], Value::Null);
        assert_eq!(
            report["missing"],
            json!([{ "member": masked, "agency": agency, "cause": cause }]),
            "{agency} {cause}"
        );
        assert_eq!(report["members"][0]["sources"][agency]["status"], cause);
        let others = ["tax", "real_estate", "housing_fund", "bank"].into_iter().filter(|a| *a != agency);
        for other in others {
            assert_eq!(report["members"][0]["sources"][other]["status"], "ok", "{other} is unaffected");
        }
    }
}

fn family_body() -> Value {
    let consent = |id: &str, person: &str, agencies: Value, purpose: &str, expires: &str| {
        json!({ "id": id, "id_number": person, "agencies": agencies, "purpose": purpose,
                "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": expires, "evidence_ref": "scan" })
    };
    json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [
            { "name": "王五", "id_number": PERSON, "relation": "applicant" },
            { "name": "钱七", "id_number": SPOUSE, "relation": "spouse" },
            { "name": "王小", "id_number": CHILD, "relation": "child" } ] },
        "consents": [
            consent("c-1", PERSON, json!(["tax", "real_estate", "housing_fund", "bank"]), "dibao", "2030-11-20T09:00:00+08:00"),
            // The spouse authorized only tax, and for another program.
            consent("c-2", SPOUSE, json!(["tax"]), "low_income", "2030-11-20T09:00:00+08:00"),
            // The child's authorization has expired.
            consent("c-3", CHILD, json!(["tax", "real_estate", "housing_fund", "bank"]), "dibao", "2026-11-21T09:00:00+08:00")
        ]
    })
}

#[tokio::test]
async fn queries_without_a_valid_consent_are_never_sent() {
    let app = spawn_app().await;
    let report = app.verify(&family_body()).await["report"].clone();
    let state = app.mocks.state();
    for agency in ["tax", "real_estate", "housing_fund", "bank"] {
        assert_eq!(state.calls(agency, PERSON), 1, "{agency}: the consented member is queried once");
        assert_eq!(state.calls(agency, SPOUSE), 0, "{agency}: wrong purpose, never sent");
        assert_eq!(state.calls(agency, CHILD), 0, "{agency}: expired consent, never sent");
        assert_eq!(report["members"][1]["sources"][agency]["status"], "no_consent");
        assert_eq!(report["members"][2]["sources"][agency]["status"], "no_consent");
    }
    assert_eq!(report["verdict"], "needs_review");
    let missing = report["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 8);
    assert!(missing.iter().all(|m| m["cause"] == "no_consent"));
    assert_eq!(missing[0], json!({"member": "500103********002X", "agency": "tax", "cause": "no_consent"}));
}

#[tokio::test]
async fn an_application_without_any_consent_queries_nothing() {
    let app = spawn_app().await;
    let mut body = unknown_person_body();
    body["consents"] = json!([]);
    let report = app.verify(&body).await["report"].clone();
    assert_eq!(report["verdict"], "needs_review");
    for agency in ["tax", "real_estate", "housing_fund", "bank"] {
        assert_eq!(app.mocks.state().total_calls(agency), 0, "{agency}");
    }
}

#[tokio::test]
async fn a_second_verification_of_the_same_person_is_served_from_the_cache() {
    let app = spawn_app().await;
    let first = app.verify(&unknown_person_body()).await["report"].clone();
    let second = app.verify(&unknown_person_body()).await["report"].clone();
    assert_eq!(first["members"][0]["sources"]["tax"]["cached"], false);
    assert_eq!(second["members"][0]["sources"]["tax"]["cached"], true);
    assert_eq!(
        second["members"][0]["sources"]["tax"]["fetched_at"],
        first["members"][0]["sources"]["tax"]["fetched_at"]
    );
    assert_eq!(app.mocks.state().calls("tax", PERSON), 1);
    assert_eq!(first["verdict"], second["verdict"]);
}
