//! Administrative region codes (行政区划代码) and the prefixes that scope callers.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A six-digit region code such as `500103`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[schema(value_type = String, example = "500103")]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be a 6-digit region code")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this region lies inside `prefix` (a province, city or the region itself).
    pub fn is_within(&self, prefix: &RegionPrefix) -> bool {
        self.0.starts_with(prefix.as_str())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A region prefix of 1 to 6 digits: `50` is a province, `5001` a city.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionPrefix(String);

impl RegionPrefix {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if (1..=6).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be a region prefix of 1 to 6 digits")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for RegionPrefix {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_within_its_province_and_city_but_not_another() {
        let region = RegionCode::parse("500103").unwrap();
        assert!(region.is_within(&RegionPrefix::parse("50").unwrap()));
        assert!(region.is_within(&RegionPrefix::parse("5001").unwrap()));
        assert!(!region.is_within(&RegionPrefix::parse("11").unwrap()));
        assert!(RegionCode::parse("5001").is_err());
        assert!(RegionCode::parse("50010a").is_err());
        assert!(RegionPrefix::parse("").is_err());
    }
}
