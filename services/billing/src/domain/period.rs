//! Calendar periods billing counts in: the [`Month`] a claim and a per-period cap cover, and
//! the NHS [`FinancialYear`] (1 April to 31 March) an ARRS cap and a PCN's envelope cover.
//! Both are read and written as text (`2026-03`, `2024/25`), the forms finance teams use.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, held as its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

/// An NHS financial year, named by the calendar year it starts in (`2024` is 2024/25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(i32);

impl Month {
    /// The month `day` falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self(day.with_day(1).unwrap_or(day))
    }

    /// The month `month` (1–12) of `year`, if there is one.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(Self)
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().0.pred_opt().unwrap_or(self.0)
    }

    /// How many days it has.
    pub fn days(self) -> i64 {
        (self.next().0 - self.0).num_days()
    }

    /// The month after (the last representable month is its own next).
    pub fn next(self) -> Self {
        Self(self.0.checked_add_months(Months::new(1)).unwrap_or(self.0))
    }

    /// Reads `2026-03`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        Self::new(year.parse().ok()?, month.parse().ok()?)
    }
}

impl FinancialYear {
    /// The year starting on 1 April `start_year`.
    pub const fn starting(start_year: i32) -> Self {
        Self(start_year)
    }

    /// The financial year `day` falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self(if day.month() >= 4 {
            day.year()
        } else {
            day.year() - 1
        })
    }

    /// Its first day, 1 April.
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, 4, 1)
    }

    /// Its twelve months, April first.
    pub fn months(self) -> impl Iterator<Item = Month> {
        let first = Month::new(self.0, 4);
        std::iter::successors(first, |month| Some(month.next())).take(12)
    }

    /// Reads `2024/25`: the second part must be the year after the first.
    pub fn parse(text: &str) -> Option<Self> {
        let (start, end) = text.split_once('/')?;
        let start: i32 = if start.len() == 4 {
            start.parse().ok()?
        } else {
            return None;
        };
        let end: i32 = if end.len() == 2 {
            end.parse().ok()?
        } else {
            return None;
        };
        ((start + 1).rem_euclid(100) == end).then_some(Self(start))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}", self.0, (self.0 + 1).rem_euclid(100))
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("a month as YYYY-MM"))
    }
}

impl Serialize for FinancialYear {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FinancialYear {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("a financial year as YYYY/YY"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_month_knows_its_days_and_reads_as_it_prints() {
        let february = Month::of(day(2024, 2, 17));
        assert_eq!(february.to_string(), "2024-02");
        assert_eq!(february.days(), 29);
        assert_eq!(february.last_day(), day(2024, 2, 29));
        assert_eq!(Month::of(day(2025, 12, 31)).next().to_string(), "2026-01");
        assert_eq!(Month::parse("2024-02"), Some(february));
        for bad in ["2024-2", "2024-13", "24-02", "2024/02", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_financial_year_runs_april_to_march() {
        assert_eq!(
            FinancialYear::of(day(2025, 3, 31)),
            FinancialYear::starting(2024)
        );
        assert_eq!(
            FinancialYear::of(day(2025, 4, 1)),
            FinancialYear::starting(2025)
        );
        assert_eq!(FinancialYear::starting(2019).to_string(), "2019/20");
        assert_eq!(FinancialYear::starting(1999).to_string(), "1999/00");
        assert_eq!(
            FinancialYear::parse("1999/00"),
            Some(FinancialYear::starting(1999))
        );
        assert_eq!(FinancialYear::parse("2024/26"), None);
        let months: Vec<String> = FinancialYear::starting(2024)
            .months()
            .map(|month| month.to_string())
            .collect();
        assert_eq!(months.first().map(String::as_str), Some("2024-04"));
        assert_eq!(months.last().map(String::as_str), Some("2025-03"));
        assert_eq!(months.len(), 12);
    }
}
