//! Exact rational arithmetic for the engine's figures.
//!
//! `Decimal` division rounds at 28 significant digits. A household total is a sum of
//! quotients (a tax total ÷ 12, a housing-fund deposit ÷ 0.24, …), so with decimals it can
//! land a hair off an exact boundary or a half-cent, and the answer would then depend on the
//! order of the members. The engine therefore computes with fractions of `i128`s, compares
//! them exactly and rounds (half away from zero, to cents) only when writing out.
//!
//! Realistic amounts stay many orders of magnitude inside `i128`. Should an operation
//! overflow anyway (absurd amounts or contribution rates with many digits), it falls back to
//! `Decimal` arithmetic on the 28-digit approximations, which is still far finer than a cent.

use crate::domain::round_money;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::fmt;

/// An exact fraction `num / den`, always reduced, `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };

    pub fn from_decimal(value: Decimal) -> Self {
        // A decimal is mantissa / 10^scale with scale ≤ 28, so the denominator fits an i128.
        Self::reduced(value.mantissa(), 10i128.pow(value.scale())).unwrap_or(Self::ZERO)
    }

    pub fn from_int(value: i128) -> Self {
        Self { num: value, den: 1 }
    }

    /// `num / den` reduced; `None` when `den` is zero or the reduction overflows.
    fn reduced(num: i128, den: i128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let divisor = i128::try_from(gcd(num.unsigned_abs(), den.unsigned_abs())).ok()?;
        let (num, den) = (num / divisor, den / divisor);
        if den < 0 {
            Some(Self { num: num.checked_neg()?, den: den.checked_neg()? })
        } else {
            Some(Self { num, den })
        }
    }

    fn checked_add(self, other: Self) -> Option<Self> {
        let divisor = i128::try_from(gcd(self.den.unsigned_abs(), other.den.unsigned_abs())).ok()?;
        let left = self.num.checked_mul(other.den / divisor)?;
        let right = other.num.checked_mul(self.den / divisor)?;
        Self::reduced(left.checked_add(right)?, (self.den / divisor).checked_mul(other.den)?)
    }

    fn checked_mul(self, other: Self) -> Option<Self> {
        // Cross-reduce first so that products stay as small as the result allows.
        let a = gcd(self.num.unsigned_abs(), other.den.unsigned_abs()).max(1);
        let b = gcd(other.num.unsigned_abs(), self.den.unsigned_abs()).max(1);
        let (a, b) = (i128::try_from(a).ok()?, i128::try_from(b).ok()?);
        let num = (self.num / a).checked_mul(other.num / b)?;
        let den = (self.den / b).checked_mul(other.den / a)?;
        Self::reduced(num, den)
    }

    pub fn add(self, other: Self) -> Self {
        self.checked_add(other)
            .unwrap_or_else(|| Self::from_decimal(self.to_decimal().saturating_add(other.to_decimal())))
    }

    pub fn sub(self, other: Self) -> Self {
        self.add(other.neg())
    }

    pub fn mul(self, other: Self) -> Self {
        self.checked_mul(other)
            .unwrap_or_else(|| Self::from_decimal(self.to_decimal().saturating_mul(other.to_decimal())))
    }

    /// `self / other`; `None` only when `other` is zero.
    pub fn div(self, other: Self) -> Option<Self> {
        if other.num == 0 {
            return None;
        }
        let inverse = Self::reduced(other.den, other.num)?;
        Some(self.checked_mul(inverse).unwrap_or_else(|| {
            Self::from_decimal(self.to_decimal().checked_div(other.to_decimal()).unwrap_or(Decimal::ZERO))
        }))
    }

    pub fn neg(self) -> Self {
        match self.num.checked_neg() {
            Some(num) => Self { num, den: self.den },
            None => Self { num: i128::MAX, den: self.den },
        }
    }

    pub fn abs(self) -> Self {
        if self.num < 0 { self.neg() } else { self }
    }

    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    /// The sum of many values, starting from zero.
    pub fn sum(values: impl IntoIterator<Item = Ratio>) -> Self {
        values.into_iter().fold(Self::ZERO, Self::add)
    }

    /// The nearest 28-digit decimal (used only for fallbacks and never for comparisons).
    pub fn to_decimal(self) -> Decimal {
        let (whole, rest) = (self.num / self.den, self.num % self.den);
        let saturated = if whole < 0 { Decimal::MIN } else { Decimal::MAX };
        let whole = Decimal::try_from_i128_with_scale(whole, 0).unwrap_or(saturated);
        // |rest| < den; shrink both until den fits a decimal (losing digits far below a cent).
        let (mut rest, mut den) = (rest, self.den);
        while Decimal::try_from_i128_with_scale(den, 0).is_err() {
            (rest, den) = (rest / 10, den / 10);
        }
        let fraction =
            match (Decimal::try_from_i128_with_scale(rest, 0), Decimal::try_from_i128_with_scale(den, 0)) {
                (Ok(rest), Ok(den)) => rest.checked_div(den).unwrap_or(Decimal::ZERO),
                _ => Decimal::ZERO,
            };
        whole.saturating_add(fraction)
    }

    /// Rounded to cents, half away from zero, computed exactly.
    pub fn round_cents(self) -> Decimal {
        self.exact_cents()
            .and_then(|cents| Decimal::try_from_i128_with_scale(cents, 2).ok())
            .unwrap_or_else(|| round_money(self.to_decimal()))
    }

    fn exact_cents(self) -> Option<i128> {
        let (num, den) = (self.num.unsigned_abs(), self.den.unsigned_abs());
        let scaled = (num % den).checked_mul(100)?;
        let (mut cents, remainder) = (scaled / den, scaled % den);
        if remainder >= den - remainder {
            cents += 1;
        }
        let total = (num / den).checked_mul(100)?.checked_add(cents)?;
        let total = i128::try_from(total).ok()?;
        Some(if self.num < 0 { -total } else { total })
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.num.checked_mul(other.den), other.num.checked_mul(self.den)) {
            (Some(left), Some(right)) => left.cmp(&right),
            _ => self.to_decimal().cmp(&other.to_decimal()),
        }
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Two decimals, as every figure in the report and the rule trace is written.
impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.round_cents())
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn r(value: Decimal) -> Ratio {
        Ratio::from_decimal(value)
    }

    #[test]
    fn thirds_add_back_to_the_whole_exactly() {
        let third = r(dec!(1000)).div(Ratio::from_int(3)).unwrap();
        assert_eq!(third.mul(Ratio::from_int(3)), r(dec!(1000)));
        assert_eq!(third.to_string(), "333.33");
        // 0.01/12 + 0.05/12 is exactly half a cent, which decimals miss by a hair.
        let twelve = Ratio::from_int(12);
        let half = r(dec!(0.01)).div(twelve).unwrap().add(r(dec!(0.05)).div(twelve).unwrap());
        assert_eq!(half, r(dec!(0.005)));
        assert_eq!(half.to_string(), "0.01");
        assert_eq!(half.neg().to_string(), "-0.01");
    }

    #[test]
    fn compares_exactly_and_rounds_half_away_from_zero() {
        assert!(r(dec!(2220)) < r(dec!(2220.01)));
        assert_eq!(r(dec!(740.00)), r(dec!(740)));
        assert_eq!(r(dec!(2666.665)).to_string(), "2666.67");
        assert_eq!(r(dec!(2666.664999)).to_string(), "2666.66");
        assert_eq!(r(dec!(8000)).div(Ratio::from_int(3)).unwrap().to_string(), "2666.67");
        assert_eq!(r(dec!(-1.5)).abs(), r(dec!(1.5)));
        assert_eq!(r(dec!(1)).div(Ratio::ZERO), None);
    }

    #[test]
    fn overflow_falls_back_to_decimals_instead_of_panicking() {
        let huge = r(Decimal::MAX);
        let odd = r(dec!(1)).div(r(dec!(0.1234567890123456789012345678))).unwrap();
        let sum = Ratio::sum([huge, odd, odd, huge]);
        assert_eq!(sum.round_cents(), Decimal::MAX);
        assert_eq!(odd.add(odd).to_string(), "16.20");
        assert_eq!(huge.mul(huge).round_cents(), Decimal::MAX);
    }
}
