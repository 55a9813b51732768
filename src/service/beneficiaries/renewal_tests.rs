use super::parse_renewal;
use crate::domain::parse::parse_application;
use crate::service::ServiceError;
use serde_json::json;
use time::macros::{date, datetime};

fn consent(id_number: &str, expires_at: &str) -> serde_json::Value {
    json!({ "id": format!("c-{id_number}"), "id_number": id_number, "agencies": ["tax"],
        "purpose": "dibao", "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": expires_at,
        "evidence_ref": "scan-2" })
}

fn stored() -> crate::domain::Application {
    let body = json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [
            { "name": "张三", "id_number": "11010519491231002X", "relation": "applicant",
              "disability_grade": 2, "disability_type": "visual", "serious_illness": true,
              "declared_monthly_income": "1200.00" },
            { "name": "李四", "id_number": "500103195001010020", "relation": "spouse" } ] },
        "consents": [ consent("11010519491231002X", "2027-01-01T00:00:00+08:00") ],
        "rigid_expenses": [ { "kind": "medical", "monthly_amount": "300.00" } ],
        "recheck": { "poverty_relief": true }
    });
    parse_application(&body, date!(2026 - 11 - 24)).unwrap()
}

fn fields(error: ServiceError) -> Vec<String> {
    let ServiceError::Validation(errors) = error else { panic!("not a validation error: {error:?}") };
    errors.into_iter().map(|e| e.field).collect()
}

const NOW: time::OffsetDateTime = datetime!(2026-11-24 12:00 +08:00);

#[test]
fn a_stored_application_parses_again_as_it_was_with_the_new_consents() {
    let stored = stored();
    let consents = json!([
        consent("11010519491231002X", "2030-01-01T00:00:00+08:00"),
        consent("500103195001010020", "2030-01-01T00:00:00+08:00")
    ]);
    let renewed = parse_renewal(&stored, Some(consents), NOW).unwrap();
    assert_eq!(renewed.consents.len(), 2);
    assert_eq!(crate::domain::Application { consents: stored.consents.clone(), ..renewed }, stored);
}

#[test]
fn each_consent_is_checked_as_an_applications_and_must_be_valid_now() {
    let consents = json!([consent("11010519491231002X", "2026-11-21T00:00:00+08:00"),
        { "id": "c-2", "id_number": "500103195001010020", "agencies": ["tax"], "purpose": "tekun",
          "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "soon", "evidence_ref": "scan-3" }]);
    let error = parse_renewal(&stored(), Some(consents), NOW).unwrap_err();
    assert_eq!(fields(error), ["consents[1].expires_at"], "the parser's errors first");
    let consents = json!([consent("11010519491231002X", "2026-11-21T00:00:00+08:00"),
        { "id": "c-2", "id_number": "500103195001010020", "agencies": ["tax"], "purpose": "tekun",
          "signed_at": "2027-01-01T09:00:00+08:00", "expires_at": "2030-01-01T00:00:00+08:00",
          "evidence_ref": "scan-3" }]);
    let error = parse_renewal(&stored(), Some(consents), NOW).unwrap_err();
    assert_eq!(fields(error), ["consents[0].expires_at", "consents[1].purpose", "consents[1].signed_at"]);
}

#[test]
fn every_member_needs_a_consent() {
    let consents = json!([consent("11010519491231002X", "2030-01-01T00:00:00+08:00")]);
    let ServiceError::Validation(errors) = parse_renewal(&stored(), Some(consents), NOW).unwrap_err() else {
        panic!("not a validation error")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "consents");
    assert!(errors[0].message.contains("500103********0020"), "{errors:?}");
    assert!(!errors[0].message.contains("500103195001010020"), "never the raw ID number");
    assert_eq!(fields(parse_renewal(&stored(), None, NOW).unwrap_err()), ["consents"]);
    assert_eq!(fields(parse_renewal(&stored(), Some(json!({})), NOW).unwrap_err()), ["consents"]);
}
