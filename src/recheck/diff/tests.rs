//! The diff names exactly what changed, and nothing when nothing did.

use super::{diff, diff_with_units};
use crate::domain::facts::{PropertyUnit, PropertyUsage, RealEstateFacts};
use crate::domain::{Agency, AgencyFacts, IdNumber, MemberEvidence, Money, SourceResult, SourceStatus};
use crate::policy::Report;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;

const A: &str = "50010319860101001X";
const A_MASKED: &str = "500103********001X";
const B: &str = "500103195001010020";
const B_MASKED: &str = "500103********0020";
const C: &str = "500103195501010035";
const C_MASKED: &str = "500103********0035";

fn member(masked: &str, income: &str) -> Value {
    json!({ "id_number_masked": masked, "age": 40, "labor_capable": true, "monthly_income": income,
        "tax_monthly": income, "hf_wage": "0.00", "financial_assets": "0.00", "housing_fund_balance": null,
        "single_person": false, "sources": {} })
}

fn report(verdict: &str, members: Vec<Value>, assets_per_capita: &str, residential: u32) -> Report {
    serde_json::from_value(json!({
        "program": "dibao", "policy_version": "v1", "verdict": verdict, "category": null,
        "as_of": "2027-06-01", "region": "500103", "household_size": members.len(),
        "standard_monthly": "740.00", "monthly_income_gross": "0.00", "rigid_expenses_total": "0.00",
        "monthly_income_total": "0.00", "monthly_income_per_capita": "0.00",
        "financial_assets_total": "0.00", "financial_assets_per_capita": assets_per_capita,
        "residential_properties": residential, "non_residential_properties": 0,
        "suggested_monthly_benefit": null, "recheck_due": null, "approval_level": null,
        "advance_relief": false, "grace_months": null, "members": members,
        "rules": [], "flags": [], "missing": []
    }))
    .unwrap()
}

fn limit() -> Money {
    Money::parse("17760.00").unwrap() // 24 × 740
}

#[test]
fn the_same_report_has_no_changes() {
    let old = report("eligible", vec![member("A", "500.00")], "1000.00", 1);
    assert!(diff(&old, &old.clone(), limit()).is_empty());
}

#[test]
fn assets_crossing_the_limit_and_members_leaving_are_named() {
    let old = report("eligible", vec![member("A", "500.00"), member("B", "0.00")], "17760.00", 1);
    let new = report("ineligible", vec![member("A", "500.00")], "20000.00", 2);
    let changes = serde_json::to_value(diff(&old, &new, limit())).unwrap();
    assert_eq!(changes["assets"]["now"], "above", "17760.00 is at the limit, 20000.00 above it");
    assert_eq!(changes["assets"]["per_capita"], json!({"old": "17760.00", "new": "20000.00"}));
    assert_eq!(changes["household"], json!({"joined": [], "left": ["B"]}));
    assert_eq!(changes["properties"]["residential"], json!({"old": 1, "new": 2}));
    assert!(changes.get("income").is_none(), "A's income did not change");
}

fn unit(unit_id: &str, area_m2: &str, share: &str) -> PropertyUnit {
    PropertyUnit {
        unit_id: unit_id.to_owned(),
        usage: PropertyUsage::Residential,
        area_m2: area_m2.parse::<Decimal>().unwrap(),
        share: share.parse::<Decimal>().unwrap(),
    }
}

/// A member whose real-estate agency answered with `units`, or failed when `None`.
fn evidence(id_number: &str, units: Option<Vec<PropertyUnit>>) -> MemberEvidence {
    let source = match units {
        Some(units) => SourceResult::ok(
            AgencyFacts::RealEstate(RealEstateFacts { units }),
            false,
            OffsetDateTime::UNIX_EPOCH,
            "c-1".to_owned(),
        ),
        None => SourceResult::failed(SourceStatus::Timeout, Some("c-1".to_owned())),
    };
    MemberEvidence {
        id_number: IdNumber::parse_structure(id_number).unwrap(),
        sources: BTreeMap::from([(Agency::RealEstate, source)]),
    }
}

fn changes_with_units(
    old: &Report,
    new: &Report,
    before: &[MemberEvidence],
    after: &[MemberEvidence],
) -> Value {
    serde_json::to_value(diff_with_units(old, new, limit(), Some((before, after)))).unwrap()
}

#[test]
fn a_sale_and_a_purchase_with_equal_counts_name_both_units_by_masked_id() {
    let same = report("eligible", vec![member(A_MASKED, "500.00")], "1000.00", 1);
    let before = [evidence(A, Some(vec![unit("U-OLD", "89.50", "1")]))];
    let after = [evidence(A, Some(vec![unit("U-NEW", "60.00", "0.5")]))];
    let changes = changes_with_units(&same, &same, &before, &after);
    let properties = &changes["properties"];
    assert_eq!(properties["residential"], json!({"old": 1, "new": 1}), "the counts did not move");
    assert_eq!(
        properties["gone"],
        json!([{"member": A_MASKED, "unit_id": "U-OLD", "usage": "residential", "area_m2": "89.50", "share": "1"}])
    );
    assert_eq!(
        properties["appeared"],
        json!([{"member": A_MASKED, "unit_id": "U-NEW", "usage": "residential", "area_m2": "60.00", "share": "0.5"}])
    );
    assert!(!changes.to_string().contains(A), "no raw ID number in the changes");
}

#[test]
fn a_member_whose_real_estate_answer_failed_once_has_no_units_listed() {
    let same = report("eligible", vec![member(A_MASKED, "500.00"), member(B_MASKED, "0.00")], "0.00", 1);
    let before = [evidence(A, Some(vec![unit("U-A", "50.00", "1")])), evidence(B, None)];
    let after = [evidence(A, None), evidence(B, Some(vec![unit("U-B", "70.00", "1")]))];
    let changes = changes_with_units(&same, &same, &before, &after);
    assert!(changes.get("properties").is_none(), "a failed answer is not a sale nor a purchase: {changes}");

    // The other member's real change is still shown.
    let after = [evidence(A, None), evidence(B, Some(vec![unit("U-B", "70.00", "1")]))];
    let before = [evidence(A, Some(vec![unit("U-A", "50.00", "1")])), evidence(B, Some(vec![]))];
    let changes = changes_with_units(&same, &same, &before, &after);
    let appeared: Vec<&Value> = changes["properties"]["appeared"].as_array().unwrap().iter().collect();
    assert_eq!(appeared.len(), 1);
    assert_eq!((&appeared[0]["member"], &appeared[0]["unit_id"]), (&json!(B_MASKED), &json!("U-B")));
    assert!(changes["properties"].get("gone").is_none(), "A's failed answer does not make U-A gone");
}

#[test]
fn the_same_units_make_no_properties_section() {
    let same = report("eligible", vec![member(A_MASKED, "500.00")], "1000.00", 1);
    let units = [evidence(A, Some(vec![unit("U-1", "89.50", "1")]))];
    assert!(diff_with_units(&same, &same, limit(), Some((&units, &units))).is_empty());
    // The previous evidence purged: the counts alone, as before.
    let two = report("eligible", vec![member(A_MASKED, "500.00")], "1000.00", 2);
    let changes = serde_json::to_value(diff_with_units(&same, &two, limit(), None)).unwrap();
    assert_eq!(
        changes["properties"],
        json!({"residential": {"old": 1, "new": 2}, "non_residential": {"old": 0, "new": 0}})
    );
}

#[test]
fn members_who_joined_or_left_are_in_household_not_in_units() {
    let old = report("eligible", vec![member(A_MASKED, "500.00"), member(B_MASKED, "0.00")], "0.00", 1);
    let new = report("eligible", vec![member(A_MASKED, "500.00"), member(C_MASKED, "0.00")], "0.00", 1);
    let before = [evidence(A, Some(vec![])), evidence(B, Some(vec![unit("U-B", "70.00", "1")]))];
    let after = [evidence(A, Some(vec![])), evidence(C, Some(vec![unit("U-C", "65.00", "1")]))];
    let changes = changes_with_units(&old, &new, &before, &after);
    assert_eq!(changes["household"], json!({"joined": [C_MASKED], "left": [B_MASKED]}));
    assert!(changes.get("properties").is_none(), "B's and C's units come with them: {changes}");
}

#[test]
fn a_changed_share_is_the_old_unit_gone_and_the_new_one_appeared() {
    let same = report("eligible", vec![member(A_MASKED, "500.00")], "1000.00", 1);
    let before = [evidence(A, Some(vec![unit("U-1", "89.50", "1")]))];
    let after = [evidence(A, Some(vec![unit("U-1", "89.50", "0.5")]))];
    let changes = changes_with_units(&same, &same, &before, &after);
    let share = |list: &str| changes["properties"][list][0]["share"].clone();
    assert_eq!((share("gone"), share("appeared")), (json!("1"), json!("0.5")));
    assert_eq!(changes["properties"]["gone"][0]["unit_id"], changes["properties"]["appeared"][0]["unit_id"]);
}
