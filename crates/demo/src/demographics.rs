//! Who each person of Linbridge is, as their GP's record says: a date of birth, a sex and an
//! NHS Data Dictionary ethnic category — **all synthetic**, drawn from the seed like everything
//! else (their home postcode, from the demo sample, is drawn with the person). The spreads are
//! made up to give the outcomes and equity views something to show, not taken from any census.
//!
//! Each person's details come from a random stream of their own, so adding them changed none
//! of what was drawn before for the same seed.

use chrono::{Datelike, Months, NaiveDate};
use rand::Rng;

use crate::seed;

/// FHIR administrative gender codes, with made-up weights.
const SEXES: [(&str, u32); 4] = [("female", 55), ("male", 43), ("other", 1), ("unknown", 1)];

/// NHS Data Dictionary ETHNIC CATEGORY codes (UK Core `UKCore-EthnicCategoryEngland`), with
/// made-up weights: most people White British, a spread of every other category, and some who
/// chose not to say (`Z`) or were not asked (`99`).
const ETHNIC_CATEGORIES: [(&str, u32); 18] = [
    ("A", 70),
    ("B", 1),
    ("C", 5),
    ("D", 1),
    ("E", 1),
    ("F", 1),
    ("G", 1),
    ("H", 3),
    ("J", 2),
    ("K", 1),
    ("L", 2),
    ("M", 1),
    ("N", 2),
    ("P", 1),
    ("R", 1),
    ("S", 2),
    ("Z", 3),
    ("99", 2),
];

/// A person's details beside their NHS number and postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Demographics {
    /// Days since their last birthday, on the day they are referred (0 to 364): with their age,
    /// their date of birth.
    pub(crate) days_since_birthday: u32,
    /// FHIR administrative gender.
    pub(crate) sex: &'static str,
    /// NHS Data Dictionary ethnic category code.
    pub(crate) ethnic_category: &'static str,
}

impl Demographics {
    /// Person `number`'s details in the region grown from `seed`.
    pub(crate) fn draw(seed: u64, number: usize) -> Self {
        let mut rng = seed::rng(seed, "person/demographics", number);
        Self {
            days_since_birthday: rng.random_range(0..365),
            sex: weighted(&SEXES, rng.random_range(0..total(&SEXES))),
            ethnic_category: weighted(
                &ETHNIC_CATEGORIES,
                rng.random_range(0..total(&ETHNIC_CATEGORIES)),
            ),
        }
    }

    /// The date of birth of someone `age` years old on `today`, whose last birthday was
    /// `days_since_birthday` days ago (29 February gives way to the 28th in other years).
    pub(crate) fn birth_date(&self, age: u32, today: NaiveDate) -> NaiveDate {
        let last_birthday = today - chrono::Days::new(u64::from(self.days_since_birthday));
        last_birthday
            .checked_sub_months(Months::new(age * 12))
            .unwrap_or(last_birthday.with_day(1).unwrap_or(last_birthday))
    }
}

fn total(weights: &[(&str, u32)]) -> u32 {
    weights.iter().map(|(_, weight)| weight).sum()
}

/// The code whose share of the weights `draw` falls in.
fn weighted(weights: &[(&'static str, u32)], mut draw: u32) -> &'static str {
    for (code, weight) in weights {
        if draw < *weight {
            return code;
        }
        draw -= weight;
    }
    weights[0].0
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;

    use super::{Demographics, ETHNIC_CATEGORIES, SEXES};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_date_of_birth_gives_the_age_on_the_day() {
        let today = day(2026, 11, 2);
        for days_since_birthday in [0, 1, 200, 364] {
            let details = Demographics {
                days_since_birthday,
                sex: "female",
                ethnic_category: "A",
            };
            for age in [18, 64, 65, 92] {
                let born = details.birth_date(age, today);
                assert_eq!(referral::domain::age::age(born, today), age, "{born}");
            }
        }
        let leap = Demographics {
            days_since_birthday: 0,
            sex: "male",
            ethnic_category: "Z",
        };
        assert_eq!(leap.birth_date(30, day(2028, 2, 29)), day(1998, 2, 28));
    }

    #[test]
    fn every_code_is_drawn_and_the_same_seed_draws_the_same() {
        let people: Vec<Demographics> = (0..3_000).map(|n| Demographics::draw(1, n)).collect();
        let sexes: BTreeSet<&str> = people.iter().map(|p| p.sex).collect();
        let categories: BTreeSet<&str> = people.iter().map(|p| p.ethnic_category).collect();
        assert_eq!(sexes.len(), SEXES.len(), "{sexes:?}");
        assert_eq!(categories.len(), ETHNIC_CATEGORIES.len(), "{categories:?}");
        assert_eq!(Demographics::draw(1, 7), people[7]);
        assert_ne!(
            (0..20)
                .map(|n| Demographics::draw(2, n))
                .collect::<Vec<_>>(),
            people[..20].to_vec()
        );
    }

    #[test]
    fn the_codes_are_the_ones_the_referral_service_takes() {
        use referral::domain::person::{EthnicCategory, Sex};
        for (code, _) in SEXES {
            assert!(Sex::from_code(code).is_some(), "{code}");
        }
        for (code, _) in ETHNIC_CATEGORIES {
            assert!(EthnicCategory::from_code(code).is_some(), "{code}");
        }
        assert_eq!(ETHNIC_CATEGORIES.len(), EthnicCategory::ALL.len());
    }
}
