//! Exact decimals as the fixtures write them and as the agencies answer them.
//!
//! Fixture amounts, areas, shares and rates are JSON strings such as `"89.50"`; they are
//! parsed straight into `rust_decimal::Decimal` (never through `f64`) and written back
//! out in each agency's own way: money with two decimals, fen as integers, shares and
//! rates as percentages.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serializer};
use std::str::FromStr;

/// Parses a plain non-negative decimal: digits with at most one inner point, no sign,
/// exponent, underscore or surrounding space.
pub fn parse_plain(text: &str) -> Option<Decimal> {
    let mut parts = text.split('.');
    let whole = parts.next()?;
    let fraction = parts.next();
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// Money as the agencies write it: two decimals, rounded half away from zero.
pub fn money(amount: Decimal) -> String {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded.to_string()
}

/// An amount of yuan in fen (分); `None` if it has fractions of a fen or does not fit.
pub fn fen(amount: Decimal) -> Option<i64> {
    let fen = amount.checked_mul(Decimal::ONE_HUNDRED)?;
    if fen.fract().is_zero() { i64::try_from(fen).ok() } else { None }
}

/// A fraction as a percentage without trailing zeros: 0.5 → `50%`, 0.3333 → `33.33%`.
pub fn percent(fraction: Decimal) -> String {
    let value = (fraction * Decimal::ONE_HUNDRED).normalize();
    format!("{value}%")
}

/// Serde adapter for decimal strings in fixtures (`#[serde(with = "crate::decimal::text")]`).
pub mod text {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_plain(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a plain decimal string such as \"89.50\""))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        parse_plain(text).unwrap_or_default()
    }

    #[test]
    fn parses_only_plain_decimals() {
        assert_eq!(parse_plain("89.50").map(|d| d.to_string()).as_deref(), Some("89.50"));
        for bad in ["", "-1", "1e3", " 1", "1.", ".5", "1_000", "1.2.3", "+1"] {
            assert_eq!(parse_plain(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_money_fen_and_percent() {
        assert_eq!(money(dec("5000")), "5000.00");
        assert_eq!(money(dec("0.125")), "0.13");
        assert_eq!(fen(dec("12345.00")), Some(1_234_500));
        assert_eq!(fen(dec("0.001")), None);
        assert_eq!(percent(dec("0.5")), "50%");
        assert_eq!(percent(dec("1")), "100%");
        assert_eq!(percent(dec("0.3333")), "33.33%");
        assert_eq!(percent(dec("0.12")), "12%");
        assert_eq!(percent(dec("0.075")), "7.5%");
    }
}
