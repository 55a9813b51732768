//! Resident ID numbers (GB 11643): 17 digits and a check character.
//!
//! An [`IdNumber`] is personal data. Its `Debug` and `Display` print only the masked
//! form (first 6, last 4), so a stray `{:?}` in a log line cannot leak it; the raw
//! number is reachable only through [`IdNumber::expose`], which is greppable.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{Date, Month};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a string is not a valid ID number. The messages are shown to callers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("must be 18 characters")]
    Length,
    #[error("the first 17 characters must be digits and the last a digit or X")]
    Characters,
    #[error("check digit mismatch")]
    CheckDigit,
    #[error("birth date does not exist")]
    BirthDate,
    #[error("birth date is after as_of")]
    BornAfterAsOf,
}

/// A checked resident ID number, normalised to an upper-case `X`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber {
    raw: String,
    birth_date: Date,
}

impl IdNumber {
    /// Parses and checks an ID number whose holder must be born on or before `as_of`.
    pub fn parse(raw: &str, as_of: Date) -> Result<Self, IdNumberError> {
        let id = Self::parse_structure(raw)?;
        if id.birth_date > as_of {
            return Err(IdNumberError::BornAfterAsOf);
        }
        Ok(id)
    }

    /// Checks length, characters, check digit and that the birth date exists.
    pub fn parse_structure(raw: &str) -> Result<Self, IdNumberError> {
        let normalised = raw.replace('x', "X");
        let chars: Vec<char> = normalised.chars().collect();
        if chars.len() != 18 {
            return Err(IdNumberError::Length);
        }
        let (body, check) = chars.split_at(17);
        let mut digits = [0u32; 17];
        for (slot, c) in digits.iter_mut().zip(body) {
            *slot = c.to_digit(10).ok_or(IdNumberError::Characters)?;
        }
        if !(check[0].is_ascii_digit() || check[0] == 'X') {
            return Err(IdNumberError::Characters);
        }
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        if CHECK_CHARS[(sum % 11) as usize] != check[0] {
            return Err(IdNumberError::CheckDigit);
        }
        let number = |range: std::ops::Range<usize>| digits[range].iter().fold(0u32, |acc, d| acc * 10 + d);
        let birth_date =
            birth_date(number(6..10), number(10..12), number(12..14)).ok_or(IdNumberError::BirthDate)?;
        Ok(Self { raw: normalised, birth_date })
    }

    /// The raw number, for the store and for agency requests only. Never log it.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// First 6 and last 4 characters, the middle 8 replaced by `*`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.raw[..6], &self.raw[14..])
    }

    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Age in full years on `date` (0 before the first birthday).
    pub fn age_on(&self, date: Date) -> u32 {
        let born = self.birth_date;
        let mut years = date.year() - born.year();
        if (date.month() as u8, date.day()) < (born.month() as u8, born.day()) {
            years -= 1;
        }
        years.max(0).unsigned_abs()
    }
}

fn birth_date(year: u32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let year = i32::try_from(year).ok()?;
    if year < 1850 {
        return None;
    }
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Serialises the raw number: used only for the store's copy of an application.
impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse_structure(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn accepts_the_design_example_and_normalises_lowercase_x() {
        let id = IdNumber::parse("11010519491231002x", date!(2026 - 11 - 24)).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.age_on(date!(2026 - 11 - 24)), 76);
        assert_eq!(id.age_on(date!(2026 - 12 - 31)), 77);
    }

    #[test]
    fn never_prints_the_raw_number() {
        let id = IdNumber::parse_structure("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id}"), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    #[test]
    fn rejects_each_kind_of_bad_number() {
        let as_of = date!(2026 - 11 - 24);
        assert_eq!(IdNumber::parse("1101051949123100", as_of), Err(IdNumberError::Length));
        assert_eq!(IdNumber::parse("11010519491231002Y", as_of), Err(IdNumberError::Characters));
        assert_eq!(IdNumber::parse("110105194912310021", as_of), Err(IdNumberError::CheckDigit));
        // 1949-02-30 does not exist; check digit made valid for it.
        let bad_date = with_check("11010519490230002");
        assert_eq!(IdNumber::parse(&bad_date, as_of), Err(IdNumberError::BirthDate));
        let future = with_check("11010520270101002");
        assert_eq!(IdNumber::parse(&future, as_of), Err(IdNumberError::BornAfterAsOf));
    }

    fn with_check(body: &str) -> String {
        let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
        format!("{body}{}", CHECK_CHARS[(sum % 11) as usize])
    }
}
