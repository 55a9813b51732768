//! Calendar helpers: the Asia/Shanghai "today", month arithmetic and year-months.
//!
//! China has used a fixed UTC+8 offset without daylight saving since 1991, so a fixed
//! offset is exact for every date the hub handles and needs no time-zone database.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{Date, Month, OffsetDateTime, UtcOffset};

pub const SHANGHAI: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Today's date in Asia/Shanghai: the default `as_of` of an application.
pub fn today_in_shanghai() -> Date {
    OffsetDateTime::now_utc().to_offset(SHANGHAI).date()
}

/// `date` plus `months` calendar months, the day clamped to the end of a shorter month
/// (2026-08-31 + 6 months = 2027-02-28).
pub fn add_months(date: Date, months: u32) -> Date {
    let index = date.year() * 12 + i32::from(date.month() as u8 - 1) + months as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u8 + 1);
    let month = Month::try_from(month).unwrap_or(Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// A calendar month such as `2026-01`; ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

impl YearMonth {
    pub fn new(year: i32, month: u8) -> Option<Self> {
        ((1..=12).contains(&month) && (1000..=9999).contains(&year)).then_some(Self { year, month })
    }

    pub fn of(date: Date) -> Self {
        Self { year: date.year(), month: date.month() as u8 }
    }

    /// Parses `YYYY-MM` or `YYYYMM`.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = match text.len() {
            7 if text.as_bytes()[4] == b'-' => format!("{}{}", &text[..4], &text[5..]),
            6 => text.to_owned(),
            _ => return None,
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::new(digits[..4].parse().ok()?, digits[4..].parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// The month `count` months earlier.
    pub fn minus(self, count: u32) -> Self {
        let index = self.year * 12 + i32::from(self.month - 1) - count as i32;
        Self { year: index.div_euclid(12), month: index.rem_euclid(12) as u8 + 1 }
    }

    /// The income window of DESIGN §5: the 12 full months before the month of `as_of`,
    /// as (first, last) inclusive.
    pub fn income_window(as_of: Date) -> (Self, Self) {
        let current = Self::of(as_of);
        (current.minus(12), current.minus(1))
    }

    /// `YYYYMM`, the housing-fund agency's spelling.
    pub fn compact(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("must be a month like 2026-01"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_window_is_the_twelve_full_months_before_as_of() {
        let (from, to) = YearMonth::income_window(date!(2026 - 11 - 24));
        assert_eq!((from.to_string(), to.to_string()), ("2025-11".into(), "2026-10".into()));
        let (from, to) = YearMonth::income_window(date!(2026 - 01 - 01));
        assert_eq!((from.to_string(), to.to_string()), ("2025-01".into(), "2025-12".into()));
    }

    #[test]
    fn adding_months_clamps_to_the_end_of_a_short_month() {
        assert_eq!(add_months(date!(2026 - 11 - 24), 6), date!(2027 - 05 - 24));
        assert_eq!(add_months(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2027 - 08 - 31), 6), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 24), 12), date!(2027 - 11 - 24));
    }

    #[test]
    fn year_months_parse_both_spellings() {
        assert_eq!(YearMonth::parse("202610"), YearMonth::new(2026, 10));
        assert_eq!(YearMonth::parse("2026-10"), YearMonth::new(2026, 10));
        assert_eq!(YearMonth::parse("2026-13"), None);
        assert_eq!(YearMonth::new(2026, 10).unwrap().compact(), "202610");
    }
}
