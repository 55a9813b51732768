//! Policy parameters (DESIGN §5): the figures one region's policy applies.
//!
//! The field names are the keys of the files in `config/policies/`. Decimals are written
//! there as strings ("740.00", "1.3") so that no float ever touches an amount or a
//! multiplier; they serialise back normalised ("740", "1.3"), which makes the serialisation
//! canonical: equal parameters always hash to the same policy version.

use crate::domain::Area;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyParams {
    /// Monthly dibao standard per person in urban areas (S).
    #[serde(with = "decimal_text")]
    pub dibao_monthly_urban: Decimal,
    #[serde(with = "decimal_text")]
    pub dibao_monthly_rural: Decimal,
    /// The tekun standard is this multiple of the dibao standard.
    #[serde(with = "decimal_text")]
    pub tekun_multiplier: Decimal,
    /// Low-income households have a per-capita income up to this multiple of S.
    #[serde(with = "decimal_text")]
    pub low_income_multiplier: Decimal,
    /// Per-capita financial-asset limit for dibao and tekun, in months of S.
    #[serde(with = "decimal_text")]
    pub financial_assets_months_dibao: Decimal,
    /// Per-capita financial-asset limit for low-income and temporary assistance, in months of S.
    #[serde(with = "decimal_text")]
    pub financial_assets_months_low_income: Decimal,
    pub max_residential_properties: u32,
    pub allow_non_residential_property: bool,
    pub deduct_rigid_expenses: bool,
    /// Temporary assistance up to this multiple of the *urban* S is decided by the township.
    #[serde(with = "decimal_text")]
    pub temporary_township_limit_multiplier: Decimal,
    /// Temporary assistance up to this amount is decided by the county; above it, by its leading group.
    #[serde(with = "decimal_text")]
    pub temporary_county_limit: Decimal,
    pub grace_months_employment: u32,
    pub grace_months_poverty_relief: u32,
    /// Verified income may exceed the declared total by this fraction before it is flagged…
    #[serde(with = "decimal_text")]
    pub undeclared_income_tolerance: Decimal,
    /// …and by at least this amount.
    #[serde(with = "decimal_text")]
    pub undeclared_income_min: Decimal,
    pub recheck_months_dibao_a: u32,
    pub recheck_months_dibao_b: u32,
    pub recheck_months_tekun: u32,
    pub recheck_months_low_income: u32,
}

impl PolicyParams {
    /// The dibao standard S for an area.
    pub fn standard(&self, area: Area) -> Decimal {
        match area {
            Area::Urban => self.dibao_monthly_urban,
            Area::Rural => self.dibao_monthly_rural,
        }
    }
}

/// Decimals as strings only: a TOML float would already have lost exactness when parsed.
mod decimal_text {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::str::FromStr;

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.normalize())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        Decimal::from_str(text.trim())
            .map_err(|_| serde::de::Error::custom("must be a decimal string such as \"740.00\""))
    }
}
