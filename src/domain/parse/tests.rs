use super::*;
use serde_json::json;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 24);

fn valid_body() -> Value {
    json!({
        "program": "dibao", "region": "500103", "area": "urban", "as_of": "2026-11-24",
        "household": { "members": [
            { "name": "张三", "id_number": "11010519491231002X", "relation": "applicant",
              "disability_grade": null, "disability_type": null, "serious_illness": false,
              "declared_monthly_income": "1200.00" },
            { "name": "李四", "id_number": "110105195003070019", "relation": "spouse" } ] },
        "consents": [
            { "id": "c-001", "id_number": "11010519491231002X", "agencies": ["tax","real_estate","housing_fund","bank"],
              "purpose": "dibao", "signed_at": "2026-11-20T09:00:00+08:00", "expires_at": "2027-11-20T09:00:00+08:00",
              "evidence_ref": "scan-7781" } ],
        "rigid_expenses": [ { "kind": "medical", "monthly_amount": "300.00" } ],
        "callback_url": "https://intake.example/hooks/verifications"
    })
}

fn fields_of(body: &Value) -> Vec<String> {
    parse_application(body, TODAY)
        .unwrap_err()
        .into_iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect()
}

#[test]
fn the_design_example_parses_into_checked_types() {
    let application = parse_application(&valid_body(), TODAY).unwrap();
    assert_eq!(application.program, Program::Dibao);
    assert_eq!(application.region.as_str(), "500103");
    assert_eq!(application.household.members.len(), 2);
    assert_eq!(application.household.applicant().unwrap().name, "张三");
    assert_eq!(application.consents[0].agencies.len(), 4);
    assert_eq!(application.rigid_expenses[0].monthly_amount.to_string(), "300.00");
    assert_eq!(application.temporary, None);
}

#[test]
fn as_of_defaults_to_today() {
    let mut body = valid_body();
    body.as_object_mut().unwrap().remove("as_of");
    assert_eq!(parse_application(&body, TODAY).unwrap().as_of, TODAY);
}

#[test]
fn every_bad_field_is_named_by_its_path() {
    let mut body = valid_body();
    body["household"]["members"][1]["id_number"] = json!("110105195003070018");
    body["household"]["members"][0]["declared_monthly_income"] = json!("12.345");
    body["rigid_expenses"][0]["monthly_amount"] = json!("-1.00");
    body["program"] = json!("welfare");
    body["extra"] = json!(1);
    let errors = fields_of(&body);
    assert!(
        errors.contains(&"household.members[1].id_number: check digit mismatch".to_owned()),
        "{errors:?}"
    );
    assert!(errors.contains(
        &"household.members[0].declared_monthly_income: must have at most two decimals".to_owned()
    ));
    assert!(errors.contains(&"rigid_expenses[0].monthly_amount: must not be negative".to_owned()));
    assert!(errors.contains(&"program: must be one of dibao, tekun, low_income or temporary".to_owned()));
    assert!(errors.contains(&"extra: unknown field".to_owned()));
}

#[test]
fn household_shape_is_enforced() {
    let mut body = valid_body();
    body["household"]["members"][1]["id_number"] = json!("11010519491231002x");
    assert!(
        fields_of(&body).contains(
            &"household.members[1].id_number: duplicate of household.members[0].id_number".to_owned()
        )
    );

    let mut body = valid_body();
    body["household"]["members"] = json!([]);
    assert_eq!(fields_of(&body), vec!["household.members: must have at least one member"]);

    let mut body = valid_body();
    let member = body["household"]["members"][1].clone();
    body["household"]["members"] = Value::Array(vec![member; 21]);
    assert_eq!(fields_of(&body), vec!["household.members: must have at most 20 members"]);

    let mut body = valid_body();
    body["household"]["members"][1]["relation"] = json!("applicant");
    assert!(
        fields_of(&body)
            .contains(&"household.members: exactly one member must have relation \"applicant\"".to_owned())
    );

    let mut body = valid_body();
    body["household"]["members"][0]["nickname"] = json!("x");
    body["household"]["members"][0]["disability_grade"] = json!(5);
    let errors = fields_of(&body);
    assert!(errors.contains(&"household.members[0].nickname: unknown field".to_owned()));
    assert!(errors.contains(&"household.members[0].disability_grade: must be 1, 2, 3, 4 or null".to_owned()));
}

#[test]
fn consents_must_name_household_members_and_be_well_formed() {
    let mut body = valid_body();
    body["consents"][0]["id_number"] = json!("110105200001010016");
    body["consents"][0]["agencies"] = json!(["tax", "police"]);
    body["consents"][0]["expires_at"] = json!("2026-11-19T09:00:00+08:00");
    let errors = fields_of(&body);
    assert!(
        errors.contains(&"consents[0].id_number: is not a member of the household".to_owned()),
        "{errors:?}"
    );
    assert!(errors.contains(
        &"consents[0].agencies[1]: must be one of tax, real_estate, housing_fund or bank".to_owned()
    ));
    assert!(errors.contains(&"consents[0].expires_at: must be after signed_at".to_owned()));
}

#[test]
fn money_must_be_a_string_and_dates_must_be_real() {
    let mut body = valid_body();
    body["household"]["members"][0]["declared_monthly_income"] = json!(1200.0);
    body["as_of"] = json!("2026-02-30");
    let errors = fields_of(&body);
    assert!(errors.contains(&"household.members[0].declared_monthly_income: must be a string with two decimals such as \"1200.00\"".to_owned()));
    assert!(errors.contains(&"as_of: must be a date like 2026-11-24".to_owned()));
}

#[test]
fn a_person_born_after_as_of_is_refused() {
    let mut body = valid_body();
    body["as_of"] = json!("1949-12-30");
    let errors = fields_of(&body);
    assert!(
        errors.contains(&"household.members[0].id_number: birth date is after as_of".to_owned()),
        "{errors:?}"
    );
}

#[test]
fn temporary_is_required_for_and_only_for_that_program() {
    let mut body = valid_body();
    body["temporary"] = json!({"kind": "emergency", "requested_amount": "5000.00"});
    assert_eq!(fields_of(&body), vec!["temporary: is only allowed for program temporary"]);
    body["program"] = json!("temporary");
    body["consents"][0]["purpose"] = json!("temporary");
    let application = parse_application(&body, TODAY).unwrap();
    assert!(application.is_emergency());
    body.as_object_mut().unwrap().remove("temporary");
    assert_eq!(fields_of(&body), vec!["temporary: is required for program temporary"]);
}

#[test]
fn non_objects_are_refused_without_panicking() {
    assert_eq!(fields_of(&json!([1, 2])), vec!["body: must be an object"]);
    let errors = fields_of(&json!({}));
    for field in ["program", "region", "area", "household"] {
        assert!(errors.contains(&format!("{field}: is required")), "{errors:?}");
    }
}
