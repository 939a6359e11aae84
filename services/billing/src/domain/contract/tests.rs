use std::collections::BTreeSet;

use chrono::TimeZone;
use testkit::given;

use super::*;
use crate::domain::money::Pence;

const CONTRACT: Uuid = Uuid::from_u128(0xC0);

pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0)
        .single()
        .expect("a time")
}

fn parties() -> Parties {
    Parties {
        commissioner: "ICB-LINBRIDGE".to_owned(),
        provider: "VCSE-WALKS".to_owned(),
        funding: FundingSource::Icb,
    }
}

fn terms(per_session: i64) -> Terms {
    Terms {
        tariffs: vec![Tariff::AttendedSession {
            per_session: Pence::new(per_session),
            evidence: BTreeSet::from([Evidence::Register, Evidence::QrCheckIn]),
        }],
        ..Terms::default()
    }
}

fn agree(terms: Terms) -> Command {
    Command::Agree {
        contract_id: CONTRACT,
        parties: parties(),
        effective_from: day(2026, 4, 1),
        terms,
        at: at(2026, 3, 20),
    }
}

fn agreed() -> Event {
    Event::ContractAgreed {
        contract_id: CONTRACT,
        parties: parties(),
        effective_from: day(2026, 4, 1),
        terms: terms(1_500),
        at: at(2026, 3, 20),
    }
}

fn amended() -> Event {
    Event::ContractAmended {
        contract_id: CONTRACT,
        version: 2,
        effective_from: day(2026, 7, 15),
        terms: terms(2_000),
        at: at(2026, 7, 1),
    }
}

fn amend(effective_from: NaiveDate, recorded: DateTime<Utc>) -> Command {
    Command::Amend {
        effective_from,
        terms: terms(2_000),
        at: recorded,
    }
}

fn invalid(field: &str, rule: &'static str) -> Error {
    Error::Invalid(Invalid::new(field, rule))
}

#[test]
fn a_contract_is_agreed_once_as_version_one() {
    given::<Contract>(&[])
        .when(agree(terms(1_500)))
        .then(&[agreed()]);
    given::<Contract>(&[agreed()])
        .when(agree(terms(1_500)))
        .then(&[]);
    given::<Contract>(&[agreed()])
        .when(agree(terms(1_600)))
        .then_err(Error::IdUsed);
    let state = Contract::fold(&[agreed()]);
    assert_eq!(state.versions.len(), 1);
    assert_eq!(state.versions[0].number, 1);
}

#[test]
fn an_amendment_is_a_new_version_and_never_an_edit() {
    given::<Contract>(&[agreed()])
        .when(amend(day(2026, 7, 15), at(2026, 7, 1)))
        .then(&[amended()]);
    given::<Contract>(&[agreed(), amended()])
        .when(amend(day(2026, 7, 15), at(2026, 7, 2)))
        .then(&[]);
    given::<Contract>(&[])
        .when(amend(day(2026, 7, 15), at(2026, 7, 1)))
        .then_err(Error::NotFound);
    let state = Contract::fold(&[agreed(), amended()]);
    assert_eq!(
        state.versions[0].terms,
        terms(1_500),
        "version 1 stands as agreed"
    );
    assert_eq!(state.versions[1].number, 2);
}

#[test]
fn an_amendment_takes_effect_from_its_date_and_never_before_today() {
    given::<Contract>(&[agreed(), amended()])
        .when(amend(day(2026, 7, 15), at(2026, 7, 2)).with_terms(terms(2_500)))
        .then_err(invalid(
            "effective_from",
            "after the latest version's effective_from",
        ));
    given::<Contract>(&[agreed()])
        .when(amend(day(2026, 6, 1), at(2026, 6, 2)))
        .then_err(invalid(
            "effective_from",
            "today or later: an amendment is never retroactive",
        ));
    let state = Contract::fold(&[agreed(), amended()]);
    let number = |d| state.version_on(d).map(|version| version.number);
    assert_eq!(number(day(2026, 3, 31)), None, "not yet in force");
    assert_eq!(number(day(2026, 4, 1)), Some(1));
    assert_eq!(number(day(2026, 7, 14)), Some(1));
    assert_eq!(number(day(2026, 7, 15)), Some(2));
    let july: Vec<(u32, i64)> = state
        .versions_in(Month::of(day(2026, 7, 1)))
        .into_iter()
        .map(|(version, days)| (version.number, days))
        .collect();
    assert_eq!(july, [(1, 14), (2, 17)]);
}

#[test]
fn an_ended_contract_is_in_force_to_its_last_day_and_takes_no_more_versions() {
    let ended = Event::ContractEnded {
        contract_id: CONTRACT,
        last_day: day(2026, 9, 10),
        reason: "service closed".to_owned(),
        at: at(2026, 9, 1),
    };
    let end = |last_day, reason: &str| Command::End {
        last_day,
        reason: reason.to_owned(),
        at: at(2026, 9, 1),
    };
    given::<Contract>(&[agreed()])
        .when(end(day(2026, 9, 10), "service closed"))
        .then(std::slice::from_ref(&ended));
    given::<Contract>(&[agreed(), ended.clone()])
        .when(end(day(2026, 9, 10), "service closed"))
        .then(&[]);
    given::<Contract>(&[agreed(), ended.clone()])
        .when(end(day(2026, 9, 30), "later"))
        .then_err(Error::Ended);
    given::<Contract>(&[agreed(), ended.clone()])
        .when(amend(day(2026, 10, 1), at(2026, 9, 2)))
        .then_err(Error::Ended);
    given::<Contract>(&[agreed()])
        .when(end(day(2026, 8, 31), "backdated"))
        .then_err(invalid(
            "last_day",
            "today or later: an ending is never retroactive",
        ));
    given::<Contract>(&[agreed(), amended()])
        .when(end(day(2026, 9, 10), " "))
        .then_err(invalid("reason", "says why the contract ends"));
    let state = Contract::fold(&[agreed(), ended]);
    assert!(state.version_on(day(2026, 9, 10)).is_some());
    assert!(state.version_on(day(2026, 9, 11)).is_none());
    let september = state.versions_in(Month::of(day(2026, 9, 1)));
    assert_eq!(september.iter().map(|(_, days)| *days).sum::<i64>(), 10);
}

#[test]
fn an_ending_before_the_latest_version_starts_is_refused() {
    given::<Contract>(&[agreed(), amended()])
        .when(Command::End {
            last_day: day(2026, 7, 10),
            reason: "changed our minds".to_owned(),
            at: at(2026, 7, 2),
        })
        .then_err(invalid(
            "last_day",
            "on or after the latest version's effective_from",
        ));
}

#[test]
fn a_version_that_breaks_a_rule_is_refused_naming_the_field() {
    let session = |evidence: BTreeSet<Evidence>| Tariff::AttendedSession {
        per_session: Pence::new(1_000),
        evidence,
    };
    let outcome = |instrument: &str| Tariff::Outcome {
        instrument: instrument.to_owned(),
        per_improvement: Pence::new(5_000),
    };
    let cases: Vec<(Terms, Error)> = vec![
        (Terms::default(), invalid("tariffs", "at least one tariff")),
        (
            Terms {
                tariffs: vec![Tariff::Block {
                    per_month: Pence::ZERO,
                }],
                ..Terms::default()
            },
            invalid("tariffs[0].per_month", "more than £0.00"),
        ),
        (
            Terms {
                tariffs: vec![
                    outcome("swemwbs"),
                    Tariff::MicroGrant {
                        amount: Pence::new(-1),
                    },
                ],
                ..Terms::default()
            },
            invalid("tariffs[1].amount", "more than £0.00"),
        ),
        (
            Terms {
                tariffs: vec![outcome("swemwbs"), outcome("ons4"), outcome("swemwbs")],
                ..Terms::default()
            },
            invalid(
                "tariffs[2]",
                "one tariff per trigger (per instrument for outcomes)",
            ),
        ),
        (
            Terms {
                tariffs: vec![session(BTreeSet::new())],
                ..Terms::default()
            },
            invalid("tariffs[0].evidence", "at least one kind of evidence"),
        ),
        (
            Terms {
                tariffs: vec![outcome(" ")],
                ..Terms::default()
            },
            invalid("tariffs[0].instrument", "names an instrument"),
        ),
        (
            Terms {
                caps: Caps {
                    per_month: Some(Pence::ZERO),
                    ..Caps::default()
                },
                ..terms(1_000)
            },
            invalid("caps.per_month", "more than £0.00 when given"),
        ),
        (
            Terms {
                eligibility: Eligibility {
                    age_bands: BTreeSet::from([String::new()]),
                    ..Eligibility::default()
                },
                ..terms(1_000)
            },
            invalid("eligibility.age_bands", "no blank codes"),
        ),
    ];
    for (terms, error) in cases {
        given::<Contract>(&[])
            .when(agree(terms.clone()))
            .then_err(error.clone());
        given::<Contract>(&[agreed()])
            .when(amend(day(2026, 7, 15), at(2026, 7, 1)).with_terms(terms))
            .then_err(error);
    }
    let mut same_sides = parties();
    same_sides.provider = same_sides.commissioner.clone();
    given::<Contract>(&[])
        .when(Command::Agree {
            contract_id: CONTRACT,
            parties: same_sides,
            effective_from: day(2026, 4, 1),
            terms: terms(1_000),
            at: at(2026, 3, 20),
        })
        .then_err(invalid(
            "provider",
            "another organisation than the commissioner",
        ));
}

#[test]
fn device_evidence_cannot_be_written_into_a_contract() {
    assert_eq!(Evidence::parse("device"), None);
    assert_eq!(Evidence::parse("qr-check-in"), Some(Evidence::QrCheckIn));
    let written = r#"{"trigger":"attended-session","per_session":1000,"evidence":["device"]}"#;
    assert!(serde_json::from_str::<Tariff>(written).is_err());
}

#[test]
fn eligibility_admits_by_any_covered_need_and_a_known_covered_age_band() {
    let rules = Eligibility {
        needs: BTreeSet::from(["loneliness".to_owned(), "money".to_owned()]),
        age_bands: BTreeSet::from(["65+".to_owned()]),
    };
    let needs = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        rules.admits(&needs(&["housing", "money"]), Some("65+")),
        Ok(())
    );
    assert_eq!(
        rules.admits(&needs(&["housing"]), Some("65+")),
        Err(Ineligible::NoCoveredNeed)
    );
    assert_eq!(
        rules.admits(&needs(&["loneliness"]), Some("55-64")),
        Err(Ineligible::AgeBandNotCovered)
    );
    assert_eq!(
        rules.admits(&needs(&["loneliness"]), None),
        Err(Ineligible::AgeBandUnknown)
    );
    assert_eq!(
        Eligibility::default().admits(&[], None),
        Ok(()),
        "open to anyone"
    );
}

#[test]
fn every_event_reads_back_as_recorded() {
    for event in [agreed(), amended()] {
        let json = serde_json::to_string(&event).expect("JSON");
        assert_eq!(serde_json::from_str::<Event>(&json).expect("read"), event);
        assert!(json.contains(&format!("\"type\":\"{}\"", event.event_type())));
    }
}

impl Command {
    fn with_terms(mut self, new: Terms) -> Self {
        if let Command::Amend { terms, .. } = &mut self {
            *terms = new;
        }
        self
    }
}
