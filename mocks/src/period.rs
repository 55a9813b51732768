//! Calendar months (`YYYY-MM`) as tax records, query windows and deposit periods use them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A calendar month; ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: u16,
    month: u8,
}

impl Period {
    pub fn new(year: u16, month: u8) -> Option<Self> {
        ((1900..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// Parses exactly `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return None;
        }
        let (year, month) = (text.get(..4)?, text.get(5..)?);
        if !(year.bytes().all(|b| b.is_ascii_digit()) && month.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Self::new(year.parse().ok()?, month.parse().ok()?)
    }

    /// The month `date` lies in.
    pub fn of(date: time::Date) -> Self {
        Self { year: date.year().clamp(1900, 9999) as u16, month: u8::from(date.month()) }
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// `YYYYMM`, as the housing-fund agency writes periods.
    pub fn compact(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }

    /// The month `months` before this one.
    pub fn minus(self, months: u32) -> Self {
        let index = u32::from(self.year) * 12 + u32::from(self.month) - 1 - months;
        Self { year: (index / 12) as u16, month: (index % 12) as u8 + 1 }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a YYYY-MM month")))
    }
}

#[cfg(test)]
mod tests {
    use super::Period;

    #[test]
    fn parses_and_orders() {
        let (a, b) = (Period::parse("2025-11"), Period::parse("2026-01"));
        assert!(a < b);
        assert_eq!(Period::parse("2026-13"), None);
        assert_eq!(Period::parse("2026-1"), None);
        assert_eq!(Period::parse("2026/01"), None);
        assert_eq!(b.map(Period::compact).as_deref(), Some("202601"));
        assert_eq!(b.map(|p| p.minus(3).to_string()).as_deref(), Some("2025-10"));
    }
}
