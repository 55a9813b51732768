//! The report's JSON shape (the API's report plus the engine's extra fields) and its round trip.

use super::builder::*;
use crate::domain::Program::{Dibao, Temporary};
use crate::domain::facts::{HousingFundStatus, PropertyUsage};
use crate::domain::{Agency, SourceStatus, TemporaryKind};
use crate::policy::Report;
use serde_json::json;
use time::macros::date;

#[test]
fn the_design_example_serialises_to_the_documented_shape() {
    let report = case(Dibao)
        .member(born_on(date!(1949 - 12 - 31)).housing_fund(HousingFundStatus::Closed, "0", "0.12", "321.50"))
        .member(born(1990).wage("1800.00").bank("8000.00").unit("U-1", PropertyUsage::Residential))
        .member(born(2015).fails(Agency::Bank, SourceStatus::Timeout))
        .rigid("300.00")
        .run();
    let value = serde_json::to_value(&report).unwrap();
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "advance_relief",
            "approval_level",
            "as_of",
            "category",
            "financial_assets_per_capita",
            "financial_assets_total",
            "flags",
            "grace_months",
            "household_size",
            "members",
            "missing",
            "monthly_income_gross",
            "monthly_income_per_capita",
            "monthly_income_total",
            "non_residential_properties",
            "policy_source",
            "policy_version",
            "program",
            "recheck_due",
            "region",
            "residential_properties",
            "rigid_expenses_total",
            "rules",
            "standard_monthly",
            "suggested_monthly_benefit",
            "verdict",
        ]
    );
    let head = json!({
        "program": "dibao", "verdict": "needs_review", "category": null, "as_of": "2026-11-24", "region": "500103",
        "household_size": 3, "standard_monthly": "740.00", "monthly_income_gross": "1800.00",
        "rigid_expenses_total": "300.00", "monthly_income_total": "1500.00", "monthly_income_per_capita": "500.00",
        "financial_assets_total": "8000.00", "financial_assets_per_capita": "2666.67", "residential_properties": 1,
        "non_residential_properties": 0, "suggested_monthly_benefit": null, "recheck_due": null,
        "approval_level": null, "advance_relief": false, "grace_months": null, "policy_version": "sha256:test",
    });
    for (key, expected) in head.as_object().unwrap() {
        assert_eq!(&value[key], expected, "{key}");
    }
    let elder = &value["members"][0];
    assert_eq!(
        elder,
        &json!({
            "id_number_masked": report.members[0].id_number_masked, "age": 76, "labor_capable": false,
            "monthly_income": "0.00", "tax_monthly": "0.00", "hf_wage": "0.00", "financial_assets": "0.00",
            "housing_fund_balance": "321.50", "single_person": false,
            "sources": {
                "tax": {"status": "ok", "cached": false, "fetched_at": "2026-11-24T09:00:00+08:00", "consent_id": "c-1"},
                "real_estate": {"status": "ok", "cached": false, "fetched_at": "2026-11-24T09:00:00+08:00", "consent_id": "c-1"},
                "housing_fund": {"status": "ok", "cached": false, "fetched_at": "2026-11-24T09:00:00+08:00", "consent_id": "c-1"},
                "bank": {"status": "ok", "cached": false, "fetched_at": "2026-11-24T09:00:00+08:00", "consent_id": "c-1"},
            }
        })
    );
    assert_eq!(value["members"][1]["housing_fund_balance"], json!(null));
    assert_eq!(
        value["members"][2]["sources"]["bank"],
        json!({"status": "timeout", "cached": false, "fetched_at": null, "consent_id": "c-1"})
    );
    assert_eq!(
        value["missing"],
        json!([{"member": report.members[2].id_number_masked, "agency": "bank", "cause": "timeout"}])
    );
    let timed_out = &report.members[2].id_number_masked;
    assert_eq!(
        value["rules"][0],
        json!({"rule": "data_complete", "outcome": "fail", "detail": report.rules[0].detail,
               "figures": {"gaps": "1"},
               "members": [{"member": timed_out, "figures": {"agency": "bank", "cause": "timeout"}}]})
    );
    let income =
        value["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "income_below_standard").unwrap();
    assert_eq!(
        income,
        &json!({"rule": "income_below_standard", "outcome": "pass",
                "detail": "per-capita 500.00 < standard 740.00 (total 1500.00 < 3 × 740.00 = 2220.00); benefit 2220.00 − 1500.00 = 720.00",
                "value": "500.00", "operator": "<", "threshold": "740.00",
                "figures": {"total": "1500.00", "household_size": "3", "total_threshold": "2220.00", "benefit": "720.00"}})
    );
    assert_eq!(value["flags"], json!([]));
}

#[test]
fn a_report_written_before_structured_rules_still_reads() {
    let report = case(Dibao).member(born(1990).wage("500.00")).run();
    let mut value = serde_json::to_value(&report).unwrap();
    let object = value.as_object_mut().unwrap();
    object.remove("policy_source");
    object.insert(
        "rules".into(),
        json!([{"rule": "income_below_standard", "outcome": "pass", "detail": "per-capita 500.00 < standard 740.00"}]),
    );
    let read: Report = serde_json::from_value(value).unwrap();
    assert_eq!(read.policy_source, None);
    assert_eq!(read.rules[0].detail, "per-capita 500.00 < standard 740.00");
    assert!(read.rules[0].figures.is_empty() && read.rules[0].value.is_none());
}

#[test]
fn an_eligible_report_writes_its_benefit_date_and_category() {
    let report = case(Temporary).temporary(TemporaryKind::Emergency, "2220.01").member(born(1990)).run();
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["verdict"], "eligible");
    assert_eq!(value["category"], "temporary");
    assert_eq!(value["approval_level"], "county");
    assert_eq!(value["advance_relief"], true);
    let dibao = serde_json::to_value(case(Dibao).member(born(1990).wage("500.00")).run()).unwrap();
    assert_eq!(
        (&dibao["category"], &dibao["suggested_monthly_benefit"], &dibao["recheck_due"]),
        (&json!("dibao_b"), &json!("240.00"), &json!("2027-05-24"))
    );
}

#[test]
fn reports_read_back_equal_even_with_negative_and_fractional_figures() {
    let report = case(Dibao)
        .member(born(1950).tax("2026-01", "-120.00").bank("-50.25").bank("100.00"))
        .member(born(1952).tax("2026-01", "1000.00"))
        .member(born(1954).bank_in("1.00", "USD"))
        .run();
    assert_eq!(text(report.members[0].tax_monthly), "-10.00");
    assert_eq!(text(report.members[0].monthly_income), "0.00");
    assert_eq!(text(report.financial_assets_per_capita), "16.58");
    let written = serde_json::to_string(&report).unwrap();
    let read: Report = serde_json::from_str(&written).unwrap();
    assert_eq!(read, report);
    assert_eq!(serde_json::to_string(&read).unwrap(), written);
}
