//! Money: pounds sterling held as whole pence in an `i64`, never as floating point.
//!
//! **The one rounding rule.** Wherever a figure is a fraction of another — a percentage
//! uplift, a part-month of a block payment, a month's share of a yearly cap — it is computed
//! exactly in 128-bit integers and rounded once, half away from zero, to the penny: 0.5p
//! becomes 1p and -0.5p becomes -1p. [`Pence::scale`] is the only place an amount is taken a
//! fraction of, so the rule cannot be applied differently in two places.
//!
//! Arithmetic never panics: the `checked_*` methods answer [`MoneyError::Overflow`], and the
//! `saturating_*` ones stop at the ends of the range, for running totals that no real contract
//! reaches (`i64` pence is about £92 quadrillion). Amounts typed by people or read from data
//! files are parsed from text (`1234.56`, `£1,234.56`, `-£5`) and refused with more than two
//! decimals rather than rounded: an input is either exact or wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount of money in pence (GBP); negative for money owed back, as in a clawback.
///
/// Recorded in events as its integer number of pence.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pence(i64);

/// A percentage in hundredths of a percent (basis points): 5.5% is `Percent(550)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percent(i64);

/// Arithmetic that could not give a true answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Beyond what 64-bit pence can hold.
    #[error("the amount is too large to hold")]
    Overflow,
    /// A fraction whose denominator is zero or negative.
    #[error("a share of money needs a denominator above zero")]
    BadDenominator,
}

/// Text that is not an amount of money (or a percentage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing was given.
    #[error("no amount given")]
    Empty,
    /// Something other than digits, one point, grouping commas, a leading `-` and `£`.
    #[error("not an amount: expected digits such as 1234.56 or £1,234.56")]
    NotAnAmount,
    /// More than two decimal places: pence are the smallest unit, and inputs are not rounded.
    #[error("more than two decimal places")]
    TooManyDecimals,
    /// Commas that do not separate thousands.
    #[error("commas must separate thousands, as in 1,234,567.89")]
    Grouping,
    /// Beyond what 64-bit pence can hold.
    #[error("too large")]
    TooLarge,
}

impl Pence {
    /// Nothing.
    pub const ZERO: Pence = Pence(0);

    /// `pence` pence.
    pub const fn new(pence: i64) -> Self {
        Self(pence)
    }

    /// Whole pounds, or `None` beyond the range.
    pub const fn pounds(pounds: i64) -> Option<Self> {
        match pounds.checked_mul(100) {
            Some(pence) => Some(Self(pence)),
            None => None,
        }
    }

    /// The number of pence.
    pub const fn pence(self) -> i64 {
        self.0
    }

    /// Below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `self + other`.
    pub fn checked_add(self, other: Pence) -> Result<Pence, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Self)
            .ok_or(MoneyError::Overflow)
    }

    /// `self - other`.
    pub fn checked_sub(self, other: Pence) -> Result<Pence, MoneyError> {
        self.0
            .checked_sub(other.0)
            .map(Self)
            .ok_or(MoneyError::Overflow)
    }

    /// `-self` (the most negative amount has no opposite).
    pub fn checked_neg(self) -> Result<Pence, MoneyError> {
        self.0.checked_neg().map(Self).ok_or(MoneyError::Overflow)
    }

    /// `self × times`.
    pub fn checked_mul(self, times: i64) -> Result<Pence, MoneyError> {
        self.0
            .checked_mul(times)
            .map(Self)
            .ok_or(MoneyError::Overflow)
    }

    /// `self + other`, stopping at the ends of the range: for running totals.
    pub fn saturating_add(self, other: Pence) -> Pence {
        Self(self.0.saturating_add(other.0))
    }

    /// `self - other`, stopping at the ends of the range: for running totals.
    pub fn saturating_sub(self, other: Pence) -> Pence {
        Self(self.0.saturating_sub(other.0))
    }

    /// The sum of `amounts`.
    pub fn total(amounts: impl IntoIterator<Item = Pence>) -> Result<Pence, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Pence::ZERO, |sum, amount| sum.checked_add(amount))
    }

    /// `self × numerator / denominator`, computed exactly and rounded once, half away from
    /// zero, to the penny: the module's one rounding rule.
    pub fn scale(self, numerator: i64, denominator: i64) -> Result<Pence, MoneyError> {
        if denominator <= 0 {
            return Err(MoneyError::BadDenominator);
        }
        let exact = i128::from(self.0) * i128::from(numerator);
        let rounded = round_half_away_from_zero(exact, i128::from(denominator));
        i64::try_from(rounded)
            .map(Self)
            .map_err(|_| MoneyError::Overflow)
    }

    /// `percent` of `self`, by [`Pence::scale`].
    pub fn percent(self, percent: Percent) -> Result<Pence, MoneyError> {
        self.scale(percent.0, 10_000)
    }

    /// Reads an amount: `1234.56`, `1234.5`, `1234`, `£1,234.56`, `-£12.00`; surrounding
    /// spaces are ignored. More than two decimals is refused, never rounded.
    pub fn parse(text: &str) -> Result<Pence, ParseError> {
        let text = text.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let digits = unsigned.strip_prefix('£').unwrap_or(unsigned);
        let hundredths = hundredths(digits, text.is_empty())?;
        Ok(Self(if negative { -hundredths } else { hundredths }))
    }
}

impl Percent {
    /// `basis_points` hundredths of a percent.
    pub const fn from_basis_points(basis_points: i64) -> Self {
        Self(basis_points)
    }

    /// In hundredths of a percent.
    pub const fn basis_points(self) -> i64 {
        self.0
    }

    /// Reads a percentage with at most two decimals: `5.5`, `5.5%`, `-1.25%`.
    pub fn parse(text: &str) -> Result<Percent, ParseError> {
        let text = text.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let digits = unsigned.strip_suffix('%').unwrap_or(unsigned);
        let hundredths = hundredths(digits, text.is_empty())?;
        Ok(Self(if negative { -hundredths } else { hundredths }))
    }
}

/// `numerator / denominator` (denominator above zero) rounded half away from zero.
fn round_half_away_from_zero(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// Unsigned decimal text with at most two decimals, in hundredths.
fn hundredths(text: &str, empty: bool) -> Result<i64, ParseError> {
    if empty {
        return Err(ParseError::Empty);
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let whole = ungrouped(whole)?;
    let fraction = match fraction {
        None => 0,
        Some(fraction) if fraction.is_empty() || !all_digits(fraction) => {
            return Err(ParseError::NotAnAmount);
        }
        Some(fraction) if fraction.len() > 2 => return Err(ParseError::TooManyDecimals),
        Some(fraction) => {
            let value: i64 = fraction.parse().map_err(|_| ParseError::NotAnAmount)?;
            if fraction.len() == 1 {
                value * 10
            } else {
                value
            }
        }
    };
    whole
        .chars()
        .try_fold(0_i64, |sum, digit| {
            let digit = i64::from(digit.to_digit(10)?);
            sum.checked_mul(10)?.checked_add(digit)
        })
        .and_then(|pounds| pounds.checked_mul(100)?.checked_add(fraction))
        .ok_or(ParseError::TooLarge)
}

/// The digits of a whole part, with any thousands commas checked and removed.
fn ungrouped(whole: &str) -> Result<String, ParseError> {
    if whole.is_empty() {
        return Err(ParseError::NotAnAmount);
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    if !all_digits(first) || (whole.contains(',') && !(1..=3).contains(&first.len())) {
        return Err(if all_digits(first) {
            ParseError::Grouping
        } else {
            ParseError::NotAnAmount
        });
    }
    let mut digits = first.to_owned();
    for group in groups {
        if !all_digits(group) && !group.is_empty() {
            return Err(ParseError::NotAnAmount);
        }
        if group.len() != 3 {
            return Err(ParseError::Grouping);
        }
        digits.push_str(group);
    }
    Ok(digits)
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

impl fmt::Display for Pence {
    /// `£1,234.56`, `-£0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let pounds = (magnitude / 100).to_string();
        let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
        for (i, digit) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        write!(f, "{sign}£{grouped}.{:02}", magnitude % 100)
    }
}

impl FromStr for Pence {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Percent {
    /// `5.50%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}%", magnitude / 100, magnitude % 100)
    }
}

#[cfg(test)]
mod tests;
