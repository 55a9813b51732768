//! Policy parameters (docs/POLICY.md#parameters): the figures one region's policy applies.
//!
//! The field names are the keys of the files in `config/policies/`. Decimals are written
//! there as strings ("740.00", "1.3") so that no float ever touches an amount or a
//! multiplier; they serialise back normalised ("740", "1.3"), which makes the serialisation
//! canonical: equal parameters always hash to the same policy version.

use crate::domain::Area;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Decimals are written as strings (`"740"`, `"1.3"`), normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyParams {
    /// Monthly dibao standard per person in urban areas (S).
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub dibao_monthly_urban: Decimal,
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub dibao_monthly_rural: Decimal,
    /// The tekun standard is this multiple of the dibao standard.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub tekun_multiplier: Decimal,
    /// Low-income households have a per-capita income up to this multiple of S.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub low_income_multiplier: Decimal,
    /// Per-capita financial-asset limit for dibao and tekun, in months of S.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub financial_assets_months_dibao: Decimal,
    /// Per-capita financial-asset limit for low-income and temporary assistance, in months of S.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub financial_assets_months_low_income: Decimal,
    pub max_residential_properties: u32,
    pub allow_non_residential_property: bool,
    pub deduct_rigid_expenses: bool,
    /// Temporary assistance up to this multiple of the *urban* S is decided by the township.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub temporary_township_limit_multiplier: Decimal,
    /// Temporary assistance up to this amount is decided by the county; above it, by its leading group.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub temporary_county_limit: Decimal,
    pub grace_months_employment: u32,
    pub grace_months_poverty_relief: u32,
    /// Verified income may exceed the declared total by this fraction before it is flagged…
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub undeclared_income_tolerance: Decimal,
    /// …and by at least this amount.
    #[serde(with = "decimal_text")]
    #[schema(value_type = String)]
    pub undeclared_income_min: Decimal,
    pub recheck_months_dibao_a: u32,
    pub recheck_months_dibao_b: u32,
    pub recheck_months_tekun: u32,
    pub recheck_months_low_income: u32,
    /// The agencies queried for a verdict in this region (docs/POLICY.md#sources); only these can be
    /// missing. Kept in the order of `KNOWN_SOURCES`, so the policy version does not depend on how
    /// a file lists them. Parameters recorded before this key existed read as the v1 four.
    #[serde(default = "v1_sources", with = "source_list")]
    #[schema(example = json!(["tax", "real_estate", "housing_fund", "bank"]))]
    pub sources: Vec<String>,
    /// How many counted vehicles a household may hold before the property rules fail.
    #[serde(default)]
    pub max_vehicles: u32,
}

/// Every agency a region may name in `sources`, in the order the hub lists them.
pub const KNOWN_SOURCES: [&str; 7] =
    ["tax", "real_estate", "housing_fund", "bank", "insurance", "securities", "vehicles"];

/// The sources of v1, the default of `sources`.
fn v1_sources() -> Vec<String> {
    KNOWN_SOURCES[..4].iter().map(|s| (*s).to_owned()).collect()
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

/// `sources`: known agency names, each once, written back in [`KNOWN_SOURCES`] order.
pub(crate) mod source_list {
    use super::KNOWN_SOURCES;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[String], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        canonical(&names).map_err(serde::de::Error::custom)
    }

    /// The names in canonical order, or why they are not a valid list.
    pub fn canonical(names: &[String]) -> Result<Vec<String>, String> {
        if names.is_empty() {
            return Err("must name at least one agency".into());
        }
        for (index, name) in names.iter().enumerate() {
            if !KNOWN_SOURCES.contains(&name.as_str()) {
                return Err(format!(
                    "names an unknown agency `{name}` (known: {})",
                    KNOWN_SOURCES.join(", ")
                ));
            }
            if names[..index].contains(name) {
                return Err(format!("names `{name}` twice"));
            }
        }
        Ok(KNOWN_SOURCES.iter().filter(|k| names.iter().any(|n| n == *k)).map(|k| (*k).to_owned()).collect())
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
