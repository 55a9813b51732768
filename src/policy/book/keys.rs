//! The keys a policy file may set, the kind of value each takes, and the check that names
//! the key of a bad value (a test checks this table against [`PolicyParams`]).
//!
//! [`PolicyParams`]: crate::policy::PolicyParams

use crate::policy::params::source_list;
use rust_decimal::Decimal;
use std::str::FromStr;
use toml::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Yuan, written as a decimal string ("740.00").
    Amount,
    /// A multiplier, share or number of months, written as a decimal string ("1.5").
    Factor,
    Count,
    Flag,
    /// A list of agency names.
    Sources,
}

pub const KEYS: [(&str, Kind); 21] = [
    ("dibao_monthly_urban", Kind::Amount),
    ("dibao_monthly_rural", Kind::Amount),
    ("tekun_multiplier", Kind::Factor),
    ("low_income_multiplier", Kind::Factor),
    ("financial_assets_months_dibao", Kind::Factor),
    ("financial_assets_months_low_income", Kind::Factor),
    ("max_residential_properties", Kind::Count),
    ("allow_non_residential_property", Kind::Flag),
    ("deduct_rigid_expenses", Kind::Flag),
    ("temporary_township_limit_multiplier", Kind::Factor),
    ("temporary_county_limit", Kind::Amount),
    ("grace_months_employment", Kind::Count),
    ("grace_months_poverty_relief", Kind::Count),
    ("undeclared_income_tolerance", Kind::Factor),
    ("undeclared_income_min", Kind::Amount),
    ("recheck_months_dibao_a", Kind::Count),
    ("recheck_months_dibao_b", Kind::Count),
    ("recheck_months_tekun", Kind::Count),
    ("recheck_months_low_income", Kind::Count),
    ("sources", Kind::Sources),
    ("max_vehicles", Kind::Count),
];

/// Keys added in v1.1: a `default.toml` written before them still loads, and these take
/// the defaults docs/POLICY.md#parameters gives them (the v1 behaviour).
pub fn built_in_default(key: &str) -> Option<Value> {
    match key {
        "sources" => Some(Value::Array(
            ["tax", "real_estate", "housing_fund", "bank"]
                .iter()
                .map(|s| Value::String((*s).into()))
                .collect(),
        )),
        "max_vehicles" => Some(Value::Integer(0)),
        _ => None,
    }
}

pub fn kind_of(key: &str) -> Option<Kind> {
    KEYS.iter().find(|(known, _)| *known == key).map(|(_, kind)| *kind)
}

/// Whether `value` is a valid value of `kind`; the problem in words if not.
pub fn check_value(kind: Kind, value: &Value) -> Result<(), String> {
    match (kind, value) {
        (Kind::Amount | Kind::Factor, Value::String(text)) => match Decimal::from_str(text.trim()) {
            Ok(amount) if amount.is_sign_negative() && !amount.is_zero() => {
                Err("must not be negative".into())
            }
            Ok(_) => Ok(()),
            Err(_) => Err("must be a decimal string such as \"740.00\"".into()),
        },
        (Kind::Amount | Kind::Factor, Value::Float(_) | Value::Integer(_)) => {
            Err("must be written as a string such as \"1.3\", so that no float touches it".into())
        }
        (Kind::Amount | Kind::Factor, _) => Err("must be a decimal string such as \"740.00\"".into()),
        (Kind::Count, Value::Integer(count)) if u32::try_from(*count).is_ok() => Ok(()),
        (Kind::Count, _) => Err("must be a non-negative integer".into()),
        (Kind::Flag, Value::Boolean(_)) => Ok(()),
        (Kind::Flag, _) => Err("must be true or false".into()),
        (Kind::Sources, Value::Array(items)) => {
            let names: Option<Vec<String>> =
                items.iter().map(|item| item.as_str().map(str::to_owned)).collect();
            let names = names.ok_or_else(sources_shape)?;
            source_list::canonical(&names).map(|_| ())
        }
        (Kind::Sources, _) => Err(sources_shape()),
    }
}

fn sources_shape() -> String {
    "must be a list of agency names such as [\"tax\", \"bank\"]".into()
}
