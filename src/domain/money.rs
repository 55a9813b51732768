//! Money: exact decimals in yuan, written out as strings with two decimals.
//!
//! Arithmetic inside the hub uses `rust_decimal::Decimal` directly and keeps full
//! precision; [`Money`] is the edge type. Parsing accepts at most two decimals and no
//! negative amounts; writing out rounds half away from zero to two decimals.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// Rounds to cents, half away from zero: the only rounding the hub ever does on money.
pub fn round_money(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal string such as \"1200.00\"")]
    NotADecimal,
    #[error("must have at most two decimals")]
    TooManyDecimals,
    #[error("must not be negative")]
    Negative,
}

/// An amount of yuan. Never negative when parsed from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, utoipa::ToSchema)]
#[schema(value_type = String, example = "740.00")]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses caller input: digits with an optional point and at most two decimals.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let plain = !text.is_empty()
            && text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            && text.chars().filter(|c| *c == '.').count() <= 1
            && !text.ends_with('.')
            && !text.starts_with('.');
        if !plain {
            return Err(MoneyError::NotADecimal);
        }
        let amount = Decimal::from_str(text).map_err(|_| MoneyError::NotADecimal)?;
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        if amount.scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        Ok(Self(amount))
    }

    /// Wraps a computed amount; it is rounded only when written out.
    pub fn from_decimal(amount: Decimal) -> Self {
        Self(amount)
    }

    pub fn amount(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", round_money(self.0))
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn writes_two_decimals_rounding_half_away_from_zero() {
        assert_eq!(Money::from_decimal(dec!(2666.665)).to_string(), "2666.67");
        assert_eq!(Money::from_decimal(dec!(2666.664999)).to_string(), "2666.66");
        assert_eq!(Money::from_decimal(dec!(-0.005)).to_string(), "-0.01");
        assert_eq!(Money::from_decimal(dec!(720)).to_string(), "720.00");
        assert_eq!(serde_json::to_string(&Money::from_decimal(dec!(8000) / dec!(3))).unwrap(), "\"2666.67\"");
    }

    #[test]
    fn parses_only_plain_non_negative_amounts_with_at_most_two_decimals() {
        assert_eq!(Money::parse("1200.00").unwrap().amount(), dec!(1200));
        assert_eq!(Money::parse("0").unwrap().amount(), dec!(0));
        assert_eq!(Money::parse("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("-1.00"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("1e3"), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse(""), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("12."), Err(MoneyError::NotADecimal));
    }
}
