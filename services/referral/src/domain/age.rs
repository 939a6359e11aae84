//! Ages, as far as the referral needs them: a date of birth checked when it arrives, and the
//! age band derived from it at the referral's own date — the only form of age that leaves the
//! service. The bands are those of the EQ-5D mapping the outcomes service applies (18-34,
//! 35-44, 45-54, 55-64, 65+), with children below them.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// How many years back a date of birth may be: more than anyone has been recorded to live.
pub const OLDEST: u32 = 130;

/// An age band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBand {
    /// 0 to 17.
    #[serde(rename = "0-17")]
    Child,
    /// 18 to 34.
    #[serde(rename = "18-34")]
    From18To34,
    /// 35 to 44.
    #[serde(rename = "35-44")]
    From35To44,
    /// 45 to 54.
    #[serde(rename = "45-54")]
    From45To54,
    /// 55 to 64.
    #[serde(rename = "55-64")]
    From55To64,
    /// 65 and over.
    #[serde(rename = "65+")]
    From65,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 6] = [
        AgeBand::Child,
        AgeBand::From18To34,
        AgeBand::From35To44,
        AgeBand::From45To54,
        AgeBand::From55To64,
        AgeBand::From65,
    ];

    /// Its code, e.g. `18-34`.
    pub const fn code(self) -> &'static str {
        match self {
            AgeBand::Child => "0-17",
            AgeBand::From18To34 => "18-34",
            AgeBand::From35To44 => "35-44",
            AgeBand::From45To54 => "45-54",
            AgeBand::From55To64 => "55-64",
            AgeBand::From65 => "65+",
        }
    }

    /// The band of someone aged `years`.
    pub const fn of(years: u32) -> Self {
        match years {
            0..=17 => AgeBand::Child,
            18..=34 => AgeBand::From18To34,
            35..=44 => AgeBand::From35To44,
            45..=54 => AgeBand::From45To54,
            55..=64 => AgeBand::From55To64,
            _ => AgeBand::From65,
        }
    }

    /// The band on `day` of someone born on `born` (a birthday not yet reached that year does
    /// not count; someone born on 29 February turns a year older on 1 March in other years).
    pub fn on(born: NaiveDate, day: NaiveDate) -> Self {
        Self::of(age(born, day))
    }
}

/// Whole years from `born` to `day`; 0 when `day` is before `born`.
pub fn age(born: NaiveDate, day: NaiveDate) -> u32 {
    let years = day.year() - born.year();
    let before_birthday = (day.month(), day.day()) < (born.month(), born.day());
    let years = if before_birthday { years - 1 } else { years };
    u32::try_from(years).unwrap_or(0)
}

/// Why a date of birth cannot be right. Its text completes a sentence that starts with the
/// field's name, which each interface says in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    /// Not a calendar date written `YYYY-MM-DD`.
    #[error("must be a date as YYYY-MM-DD")]
    NotADate,
    /// After today.
    #[error("must not be in the future")]
    InTheFuture,
    /// More than [`OLDEST`] years ago.
    #[error("must be within the last 130 years")]
    TooLongAgo,
}

/// Reads a date of birth given on `today`: a calendar date, not after today, and not more than
/// [`OLDEST`] years before it (to the day).
pub fn birth_date(text: &str, today: NaiveDate) -> Result<NaiveDate, BirthDateError> {
    let shaped = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or(BirthDateError::NotADate)?;
    if date > today {
        return Err(BirthDateError::InTheFuture);
    }
    // Exactly OLDEST years ago is the earliest (29 February gives way to the 28th).
    let earliest = today
        .checked_sub_months(Months::new(OLDEST * 12))
        .unwrap_or(NaiveDate::MIN);
    if date < earliest {
        return Err(BirthDateError::TooLongAgo);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{AgeBand, BirthDateError, age, birth_date};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_birthday_counts_from_the_day_itself() {
        assert_eq!(age(day(2000, 6, 15), day(2018, 6, 14)), 17);
        assert_eq!(age(day(2000, 6, 15), day(2018, 6, 15)), 18);
        assert_eq!(age(day(2004, 2, 29), day(2022, 2, 28)), 17);
        assert_eq!(age(day(2004, 2, 29), day(2022, 3, 1)), 18);
        assert_eq!(age(day(2030, 1, 1), day(2026, 1, 1)), 0);
    }

    #[test]
    fn bands_turn_over_on_the_birthday_at_each_boundary() {
        let born = day(1960, 11, 2);
        for (years, before, from) in [
            (18, AgeBand::Child, AgeBand::From18To34),
            (35, AgeBand::From18To34, AgeBand::From35To44),
            (45, AgeBand::From35To44, AgeBand::From45To54),
            (55, AgeBand::From45To54, AgeBand::From55To64),
            (65, AgeBand::From55To64, AgeBand::From65),
        ] {
            let birthday = day(1960 + years, 11, 2);
            let eve = birthday.pred_opt().expect("a day");
            assert_eq!(AgeBand::on(born, eve), before, "the eve of {years}");
            assert_eq!(AgeBand::on(born, birthday), from, "turning {years}");
        }
        assert_eq!(AgeBand::of(0), AgeBand::Child);
        assert_eq!(AgeBand::of(130), AgeBand::From65);
        let codes: Vec<_> = AgeBand::ALL.iter().map(|band| band.code()).collect();
        assert_eq!(codes, ["0-17", "18-34", "35-44", "45-54", "55-64", "65+"]);
        for band in AgeBand::ALL {
            assert_eq!(serde_json::to_value(band).expect("json"), band.code());
        }
    }

    #[test]
    fn a_birth_date_is_a_past_date_within_a_lifetime() {
        let today = day(2026, 11, 2);
        assert_eq!(birth_date("1948-03-01", today), Ok(day(1948, 3, 1)));
        assert_eq!(birth_date("2026-11-02", today), Ok(today));
        assert_eq!(birth_date("1896-11-02", today), Ok(day(1896, 11, 2)));
        assert_eq!(
            birth_date("2026-11-03", today),
            Err(BirthDateError::InTheFuture)
        );
        assert_eq!(
            birth_date("1896-11-01", today),
            Err(BirthDateError::TooLongAgo)
        );
        // On a 29 February, 130 years back is the 28th.
        let leap = day(2028, 2, 29);
        assert_eq!(birth_date("1898-02-28", leap), Ok(day(1898, 2, 28)));
        assert_eq!(
            birth_date("1898-02-27", leap),
            Err(BirthDateError::TooLongAgo)
        );
        for bad in [
            "",
            "1948-3-1",
            "1948-02-30",
            "01/03/1948",
            "1948-03-01T00:00",
            "+1948-03-01",
        ] {
            assert_eq!(
                birth_date(bad, today),
                Err(BirthDateError::NotADate),
                "{bad}"
            );
        }
    }
}
