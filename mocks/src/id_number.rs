//! Resident ID number arithmetic (GB 11643): the check character and the birth date.
//!
//! The hub has its own checked `IdNumber` type; the mocks cannot depend on the hub, and
//! only need to validate fixtures and to mint valid numbers for synthetic people.

use time::{Date, Month};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits, or `None` if `body` is not 17 digits.
pub fn check_char(body: &str) -> Option<char> {
    if body.len() != 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// The birth date encoded in characters 7–14, if the number is well formed and the date exists.
pub fn birth_date(id_number: &str) -> Option<Date> {
    let digits = id_number.get(6..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range).and_then(|d| d.parse::<u32>().ok());
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Whether `id_number` has 18 characters, a correct check character (upper-case `X`) and
/// a birth date that exists.
pub fn is_valid(id_number: &str) -> bool {
    let (Some(body), Some(check)) = (id_number.get(..17), id_number.get(17..)) else {
        return false;
    };
    id_number.len() == 18
        && check_char(body).is_some_and(|c| check.len() == 1 && check.starts_with(c))
        && birth_date(id_number).is_some()
}

/// Completes 17 digits with their check character.
pub fn with_check_char(body: &str) -> Option<String> {
    check_char(body).map(|c| format!("{body}{c}"))
}

/// The number with the middle 8 characters hidden, for error messages and logs.
pub fn masked(id_number: &str) -> String {
    match (id_number.get(..6), id_number.get(14..)) {
        (Some(head), Some(tail)) if id_number.len() == 18 => format!("{head}********{tail}"),
        _ => "<malformed id number>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_design_example_and_rejects_a_wrong_check_char() {
        assert!(is_valid("11010519491231002X"));
        assert!(!is_valid("110105194912310021"));
        assert!(!is_valid("11010519491231002x"));
        let february_30th = with_check_char("11010519490230002").unwrap_or_default();
        assert!(!is_valid(&february_30th));
    }

    #[test]
    fn computes_check_chars() {
        assert_eq!(with_check_char("11010519491231002").as_deref(), Some("11010519491231002X"));
        assert_eq!(check_char("1101051949123100"), None);
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(masked("11010519491231002X"), "110105********002X");
    }
}
