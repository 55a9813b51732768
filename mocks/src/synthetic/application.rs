//! Synthetic application bodies (DESIGN §4.1) matching a synthetic household: program
//! dibao, a consent of every member for every agency.

use super::people::Member;
use crate::decimal;
use crate::prng::SplitMix64;
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub(super) const SIGNED_AT: &str = "2026-11-20T09:00:00+08:00";
pub(super) const EXPIRES_AT: &str = "2030-11-20T09:00:00+08:00";
const AGENCIES: [&str; 4] = ["tax", "real_estate", "housing_fund", "bank"];

/// Where and when the household applies.
pub(super) struct Setting<'a> {
    pub region: &'a str,
    pub area: &'a str,
    pub as_of: &'a str,
    /// Distinguishes this household's consent ids from every other's.
    pub key: String,
}

pub(super) fn body(
    rng: &mut SplitMix64,
    setting: &Setting<'_>,
    members: &[Member],
    declared: &[Decimal],
) -> Value {
    let members_json: Vec<Value> = members
        .iter()
        .zip(declared)
        .map(|(m, declared)| {
            json!({
                "name": m.name,
                "id_number": m.id_number,
                "relation": m.relation,
                "disability_grade": m.disability.map(|(grade, _)| grade),
                "disability_type": m.disability.map(|(_, kind)| kind),
                "serious_illness": m.serious_illness,
                "declared_monthly_income": decimal::money(*declared),
            })
        })
        .collect();
    let consents: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "id": format!("c-{}-{}", setting.key, i + 1),
                "id_number": m.id_number,
                "agencies": AGENCIES,
                "purpose": "dibao",
                "signed_at": SIGNED_AT,
                "expires_at": EXPIRES_AT,
                "evidence_ref": format!("scan-{}-{}", setting.key, i + 1),
            })
        })
        .collect();
    let mut rigid_expenses = Vec::new();
    if rng.chance(200) {
        rigid_expenses.push(json!({"kind": "medical", "monthly_amount": money(rng, 100, 1500)}));
    }
    if rng.chance(100) {
        rigid_expenses.push(json!({"kind": "education", "monthly_amount": money(rng, 200, 800)}));
    }
    json!({
        "program": "dibao",
        "region": setting.region,
        "area": setting.area,
        "as_of": setting.as_of,
        "household": { "members": members_json },
        "consents": consents,
        "rigid_expenses": rigid_expenses,
    })
}

/// Whole yuan in `low..=high`, written with two decimals.
fn money(rng: &mut SplitMix64, low: u64, high: u64) -> String {
    decimal::money(Decimal::from(rng.between(low, high)))
}
