//! What a mock server is started with: fixtures, API keys and the global knobs.

use crate::agency::Agency;
use crate::fixtures::Fixtures;
use std::fmt;
use std::str::FromStr;

/// The `X-Api-Key` each agency accepts. The hub sends the same values from its config.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeys {
    pub tax: String,
    pub real_estate: String,
    pub housing_fund: String,
    pub bank: String,
}

impl ApiKeys {
    /// The development keys of `config/default.toml`.
    pub fn dev() -> Self {
        Self {
            tax: "dev-tax-key".into(),
            real_estate: "dev-real-estate-key".into(),
            housing_fund: "dev-housing-fund-key".into(),
            bank: "dev-bank-key".into(),
        }
    }

    pub fn for_agency(&self, agency: Agency) -> &str {
        match agency {
            Agency::Tax => &self.tax,
            Agency::RealEstate => &self.real_estate,
            Agency::HousingFund => &self.housing_fund,
            Agency::Bank => &self.bank,
        }
    }
}

/// Keys are secrets outside development: never print them.
impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeys { .. }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("latency must be milliseconds such as \"20\" or a range such as \"20-80\" (low ≤ high)")]
pub struct LatencyError;

/// Added delay before every agency answer, uniform in `min_ms..=max_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    min_ms: u64,
    max_ms: u64,
}

impl Latency {
    /// `"20"` (fixed) or `"20-80"` (range).
    pub fn parse(text: &str) -> Result<Self, LatencyError> {
        let number = |part: &str| {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(LatencyError);
            }
            part.parse::<u64>().map_err(|_| LatencyError)
        };
        let (min_ms, max_ms) = match text.split_once('-') {
            Some((low, high)) => (number(low)?, number(high)?),
            None => (number(text)?, number(text)?),
        };
        if min_ms > max_ms {
            return Err(LatencyError);
        }
        Ok(Self { min_ms, max_ms })
    }

    pub fn none() -> Self {
        Self::default()
    }

    pub fn min_ms(self) -> u64 {
        self.min_ms
    }

    pub fn max_ms(self) -> u64 {
        self.max_ms
    }
}

impl FromStr for Latency {
    type Err = LatencyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min_ms == self.max_ms {
            write!(f, "{}", self.min_ms)
        } else {
            write!(f, "{}-{}", self.min_ms, self.max_ms)
        }
    }
}

/// Everything a [`crate::MockServer`] needs.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub fixtures: Fixtures,
    pub api_keys: ApiKeys,
    pub latency: Latency,
    /// Share of agency requests answered `503`, per mille (0–1000; larger means 1000).
    pub error_rate_permille: u32,
    /// How long a bank inquiry stays `pending` after submission (0 = done at the first poll).
    pub bank_ready_ms: u64,
    /// Seeds the latency and error-rate draws.
    pub seed: u64,
}

impl MockConfig {
    /// `fixtures` with the development keys, no latency, no errors, instant bank answers.
    pub fn new(fixtures: Fixtures) -> Self {
        Self {
            fixtures,
            api_keys: ApiKeys::dev(),
            latency: Latency::none(),
            error_rate_permille: 0,
            bank_ready_ms: 0,
            seed: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fixed_and_ranged_latency() {
        assert_eq!(Latency::parse("20").map(|l| (l.min_ms(), l.max_ms())), Ok((20, 20)));
        assert_eq!(Latency::parse("20-80").map(|l| (l.min_ms(), l.max_ms())), Ok((20, 80)));
        assert_eq!(Latency::parse("20-80").map(|l| l.to_string()).as_deref(), Ok("20-80"));
        for bad in ["", "-", "80-20", "x", "-5", "1.5", "20-"] {
            assert_eq!(Latency::parse(bad), Err(LatencyError), "{bad}");
        }
        assert_eq!(Latency::parse("0"), Ok(Latency::none()));
    }

    #[test]
    fn debug_hides_the_keys() {
        assert!(!format!("{:?}", ApiKeys::dev()).contains("dev-tax-key"));
    }
}
