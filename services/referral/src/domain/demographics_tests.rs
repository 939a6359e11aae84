//! Given/when/then tests of who the person is, as the decider records it: the date of birth and
//! postcode only as they came in, sealed; the age band derived on the referral's own day, at
//! every band's edge; a date of birth after that day refused.

use chrono::NaiveDate;
use testkit::given;

use super::age::AgeBand;
use super::person::{Age, BirthDate, Demographics, EthnicCategory, ImdDecile, Sealed, Sex};
use super::referral::{Command, Error, Event, Referral};
use super::referral_tests::{gp, issued, request, requested};

/// The referrals below are made at `referral_tests::at(0)`: 2 November 2026.
fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn sealed(text: &str) -> Sealed {
    Sealed(text.to_owned())
}

fn born(on: NaiveDate) -> Demographics {
    Demographics {
        birth_date: Some(BirthDate {
            sealed: sealed("5ea1edb1"),
            age: Age::BornOn(on),
        }),
        ..Demographics::default()
    }
}

/// What a referral by the GP with `demographics` records, `band` being the age band it derives.
fn recorded(demographics: &Demographics, band: Option<AgeBand>) -> Vec<Event> {
    let mut events = requested();
    if let Event::Requested {
        birth_date,
        sex,
        ethnic_category,
        postcode,
        age_band,
        imd_decile,
        ..
    } = &mut events[0]
    {
        *birth_date = demographics.birth_date.as_ref().map(|b| b.sealed.clone());
        *sex = demographics.sex;
        *ethnic_category = demographics.ethnic_category;
        *postcode = demographics.postcode.clone();
        *age_band = band;
        *imd_decile = demographics.imd_decile;
    }
    events
}

fn referred(demographics: Demographics) -> Command {
    let mut made = request();
    made.demographics = demographics;
    Command::Request(made)
}

#[test]
fn a_referral_records_the_sealed_details_and_the_bands_derived_from_them() {
    let everything = Demographics {
        postcode: Some(sealed("5ea1ed9c")),
        sex: Some(Sex::Male),
        ethnic_category: Some(EthnicCategory::AsianBangladeshi),
        imd_decile: ImdDecile::new(2),
        ..born(day(1975, 6, 30))
    };
    given::<Referral>(&[])
        .when(issued(gp(), 0, referred(everything.clone())))
        .then(&recorded(&everything, Some(AgeBand::From45To54)));
}

#[test]
fn a_referral_that_says_nothing_of_the_person_records_nothing_of_them() {
    given::<Referral>(&[])
        .when(issued(gp(), 0, referred(Demographics::default())))
        .then(&recorded(&Demographics::default(), None));
}

#[test]
fn the_age_band_turns_over_on_the_birthday_that_falls_on_the_referrals_day() {
    for (years, band_on_the_day, band_the_day_before) in [
        (18, AgeBand::From18To34, AgeBand::Child),
        (35, AgeBand::From35To44, AgeBand::From18To34),
        (45, AgeBand::From45To54, AgeBand::From35To44),
        (55, AgeBand::From55To64, AgeBand::From45To54),
        (65, AgeBand::From65, AgeBand::From55To64),
    ] {
        // Their birthday is the day of the referral: they are `years` old that very day.
        let turning = born(day(2026 - years, 11, 2));
        given::<Referral>(&[])
            .when(issued(gp(), 0, referred(turning.clone())))
            .then(&recorded(&turning, Some(band_on_the_day)));
        // Born a day later, they turn `years` tomorrow.
        let tomorrow = born(day(2026 - years, 11, 3));
        given::<Referral>(&[])
            .when(issued(gp(), 0, referred(tomorrow.clone())))
            .then(&recorded(&tomorrow, Some(band_the_day_before)));
    }
}

#[test]
fn someone_born_on_the_referrals_day_is_a_child_and_someone_born_after_it_is_refused() {
    let newborn = born(day(2026, 11, 2));
    given::<Referral>(&[])
        .when(issued(gp(), 0, referred(newborn.clone())))
        .then(&recorded(&newborn, Some(AgeBand::Child)));
    given::<Referral>(&[])
        .when(issued(gp(), 0, referred(born(day(2026, 11, 3)))))
        .then_err(Error::BornAfterReferral);
}

#[test]
fn a_continuing_referral_keeps_the_band_it_was_given() {
    let banded = Demographics {
        birth_date: Some(BirthDate {
            sealed: sealed("5ea1edb1"),
            age: Age::Banded(AgeBand::From35To44),
        }),
        ..Demographics::default()
    };
    given::<Referral>(&[])
        .when(issued(gp(), 0, referred(banded.clone())))
        .then(&recorded(&banded, Some(AgeBand::From35To44)));
}

#[test]
fn no_debug_output_shows_a_date_of_birth() {
    let demographics = born(day(1948, 3, 1));
    let shown = format!("{demographics:?} {:?}", referred(demographics.clone()));
    assert!(!shown.contains("1948"), "{shown}");
    assert!(!shown.contains("5ea1edb1"), "{shown}");
}
