//! The diff names exactly what changed, and nothing when nothing did.

use super::diff;
use crate::domain::Money;
use crate::policy::Report;
use serde_json::{Value, json};

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
