//! Parsing helpers shared by the agencies' wire formats: JSON decoding, exact decimals,
//! percentages and year-months.
//!
//! Every failure is [`AdapterError::Malformed`] with a fixed reason naming the field,
//! never the offending value: a garbled answer may hold an ID number in any field.

use super::AdapterError;
use crate::domain::YearMonth;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::str::FromStr;

/// Decodes a JSON body. serde's messages quote the offending input, so only its
/// category and position are kept.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8], format: &str) -> Result<T, AdapterError> {
    serde_json::from_slice(body).map_err(|error| {
        let kind = match error.classify() {
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => "invalid JSON",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        malformed(format!("{format}: {kind} at line {}, column {}", error.line(), error.column()))
    })
}

pub(crate) fn malformed(reason: impl Into<String>) -> AdapterError {
    AdapterError::Malformed(reason.into())
}

/// A non-negative amount of yuan written as a decimal string with at most two
/// decimals ("5000.00"); signs, exponents and separators are not part of the format.
pub(crate) fn amount(text: &str, field: &str) -> Result<Decimal, AdapterError> {
    let bad = || malformed(format!("{field} is not a non-negative amount with at most two decimals"));
    let value = plain_decimal(text).ok_or_else(bad)?;
    if value.scale() > 2 {
        return Err(bad());
    }
    Ok(value)
}

/// A percentage such as "12%" or "33.5%" as a fraction (0.12, 0.335), exactly.
pub(crate) fn percent(text: &str, field: &str) -> Result<Decimal, AdapterError> {
    let bad = || malformed(format!("{field} is not a percentage like \"12%\""));
    let mut value = text.strip_suffix('%').and_then(plain_decimal).ok_or_else(bad)?;
    // Dividing by 100 is moving the point: exact, unlike a division that could round.
    value.set_scale(value.scale() + 2).map_err(|_| bad())?;
    Ok(value.normalize())
}

/// A JSON number taken from its literal text, so `89.50` stays `89.50` and nothing
/// passes through binary floating point.
pub(crate) fn json_number(raw: &RawValue, field: &str) -> Result<Decimal, AdapterError> {
    let bad = || malformed(format!("{field} is not a JSON number"));
    let text = raw.get();
    if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Err(bad());
    }
    let parsed =
        if text.contains(['e', 'E']) { Decimal::from_scientific(text) } else { Decimal::from_str(text) };
    parsed.map_err(|_| bad())
}

/// A month spelled `YYYY-MM` (the tax agency).
pub(crate) fn dashed_month(text: &str, field: &str) -> Result<YearMonth, AdapterError> {
    month(text, 7, field, "YYYY-MM")
}

/// A month spelled `YYYYMM` (the housing-fund agency).
pub(crate) fn compact_month(text: &str, field: &str) -> Result<YearMonth, AdapterError> {
    month(text, 6, field, "YYYYMM")
}

fn month(text: &str, len: usize, field: &str, spelling: &str) -> Result<YearMonth, AdapterError> {
    // `YearMonth::parse` accepts both spellings; each agency uses exactly one.
    (text.len() == len)
        .then(|| YearMonth::parse(text))
        .flatten()
        .ok_or_else(|| malformed(format!("{field} is not a month like {spelling}")))
}

/// Digits with an optional fractional part: the only decimal spelling agencies use.
fn plain_decimal(text: &str) -> Option<Decimal> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !(digits(whole) && digits(fraction)) {
        return None;
    }
    Decimal::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn amounts_keep_their_exact_decimals() {
        assert_eq!(amount("5000.00", "x").unwrap().to_string(), "5000.00");
        assert_eq!(amount("0", "x").unwrap(), Decimal::ZERO);
        for bad in ["-1.00", "+1", "1e3", "1_000", "1.", ".5", "1.005", "", " 1", "NaN", "１"] {
            assert!(matches!(amount(bad, "x"), Err(AdapterError::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn percentages_become_exact_fractions() {
        assert_eq!(percent("12%", "x").unwrap(), dec!(0.12));
        assert_eq!(percent("50%", "x").unwrap().to_string(), "0.5");
        assert_eq!(percent("33.5%", "x").unwrap(), dec!(0.335));
        for bad in ["12", "%", "-5%", "0.5", "1/2", "12 %"] {
            assert!(matches!(percent(bad, "x"), Err(AdapterError::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn json_numbers_are_read_from_their_text() {
        assert_eq!(json_number(&raw("89.50"), "x").unwrap().to_string(), "89.50");
        assert_eq!(json_number(&raw("89.5"), "x").unwrap().to_string(), "89.5");
        assert_eq!(json_number(&raw("8.95e1"), "x").unwrap(), dec!(89.5));
        assert_eq!(json_number(&raw("0.1"), "x").unwrap(), dec!(0.1));
        for bad in ["\"89.5\"", "null", "true", "[1]"] {
            assert!(matches!(json_number(&raw(bad), "x"), Err(AdapterError::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn each_agency_month_spelling_is_strict() {
        assert_eq!(dashed_month("2026-01", "x").ok(), YearMonth::new(2026, 1));
        assert_eq!(compact_month("202610", "x").ok(), YearMonth::new(2026, 10));
        assert!(dashed_month("202601", "x").is_err());
        assert!(compact_month("2026-10", "x").is_err());
        assert!(compact_month("202613", "x").is_err());
    }

    #[test]
    fn decode_errors_never_quote_the_body() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Wire {
            n: u32,
        }
        let error = decode::<Wire>(br#"{"n":"11010519491231002X"}"#, "test format").unwrap_err();
        let AdapterError::Malformed(reason) = error else { panic!("{error:?}") };
        assert!(!reason.contains("1101"), "{reason}");
        assert!(reason.starts_with("test format: unexpected content"), "{reason}");
    }
}
