//! Accrual given a contract and what has accrued, when a fact arrives, then these lines: each
//! trigger here; caps, clawback and replay in their own files.

mod caps;
mod clawback;
mod replay;

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use decider::Decider;
use uuid::Uuid;

use super::*;
use crate::domain::contract::{Eligibility, Event, FundingSource, Parties, Terms};

const CONTRACT: Uuid = Uuid::from_u128(0xC0);
const PROVIDER: &str = "VCSE-WALKS";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
}

fn at(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0)
        .single()
        .expect("a time")
}

fn p(pence: i64) -> Pence {
    Pence::new(pence)
}

fn every_tariff(per_session: i64, block: i64) -> Vec<Tariff> {
    vec![
        Tariff::Block {
            per_month: p(block),
        },
        Tariff::AcceptedReferral {
            per_referral: p(5_000),
        },
        Tariff::AttendedSession {
            per_session: p(per_session),
            evidence: BTreeSet::from([Evidence::Register, Evidence::QrCheckIn]),
        },
        Tariff::CompletedEpisode {
            per_episode: p(10_000),
        },
        Tariff::Outcome {
            instrument: "swemwbs".to_owned(),
            per_improvement: p(20_000),
        },
        Tariff::MicroGrant { amount: p(50_000) },
    ]
}

fn terms(caps: Caps) -> Terms {
    Terms {
        tariffs: every_tariff(1_500, 310_000),
        caps,
        eligibility: Eligibility::default(),
    }
}

fn agreed(terms: Terms, effective_from: NaiveDate) -> Event {
    Event::ContractAgreed {
        contract_id: CONTRACT,
        parties: Parties {
            commissioner: "ICB-LINBRIDGE".to_owned(),
            provider: PROVIDER.to_owned(),
            funding: FundingSource::Icb,
        },
        effective_from,
        terms,
        at: at(3, 20),
    }
}

fn contract(caps: Caps) -> Contract {
    Contract::fold(&[agreed(terms(caps), day(4, 1))])
}

fn person(n: u128) -> Person {
    Person {
        referral_id: Uuid::from_u128(0x100 + n),
        subject: format!("nhs-hmac:{n}"),
        needs: vec!["loneliness".to_owned()],
        age_band: Some("65+".to_owned()),
    }
}

fn fact(id: u128, date: NaiveDate, what: What) -> Fact {
    Fact {
        source_event_id: Uuid::from_u128(id),
        provider: PROVIDER.to_owned(),
        date,
        what,
    }
}

fn attended(id: u128, who: u128, session: u128, date: NaiveDate) -> Fact {
    fact(
        id,
        date,
        What::SessionAttended {
            person: person(who),
            session_id: Uuid::from_u128(0x5E55 + session),
            evidence: Evidence::Register,
        },
    )
}

fn outcome(id: u128, who: u128, instrument: &str, verdict: Option<Verdict>) -> Fact {
    fact(
        id,
        day(6, 1),
        What::OutcomeRecorded {
            person: person(who),
            instrument: instrument.to_owned(),
            verdict,
        },
    )
}

fn lines(accrual: Accrual) -> Vec<Line> {
    match accrual {
        Accrual::Lines(lines) => lines,
        other => panic!("expected lines, got {other:?}"),
    }
}

/// Accrues each fact in turn, recording what it earns; every line, in order.
fn run(contract: &Contract, accrued: &mut Accrued, facts: &[Fact]) -> Vec<Line> {
    let mut all = Vec::new();
    for fact in facts {
        if let Accrual::Lines(lines) = accrue(contract, accrued, fact) {
            for line in &lines {
                accrued.record(line);
            }
            all.extend(lines);
        }
    }
    all
}

fn amounts(lines: &[Line]) -> Vec<(i64, Option<Cap>)> {
    lines
        .iter()
        .map(|line| (line.amount.pence(), line.capped_by))
        .collect()
}

#[test]
fn each_trigger_accrues_its_tariff_and_cites_its_cause() {
    let contract = contract(Caps::default());
    let cases = [
        (
            fact(1, day(5, 4), What::ReferralAccepted { person: person(1) }),
            Trigger::AcceptedReferral,
            5_000,
        ),
        (
            attended(2, 1, 1, day(5, 5)),
            Trigger::AttendedSession,
            1_500,
        ),
        (
            fact(3, day(5, 6), What::EpisodeCompleted { person: person(1) }),
            Trigger::CompletedEpisode,
            10_000,
        ),
        (
            outcome(4, 1, "swemwbs", Some(Verdict::Improved)),
            Trigger::Outcome,
            20_000,
        ),
        (
            fact(5, day(4, 2), What::MicroGrantAwarded),
            Trigger::MicroGrant,
            50_000,
        ),
    ];
    for (fact, trigger, pence) in cases {
        let line = lines(accrue(&contract, &Accrued::default(), &fact)).remove(0);
        assert_eq!(line.trigger, trigger);
        assert_eq!(
            (line.tariff, line.amount, line.capped_by),
            (p(pence), p(pence), None)
        );
        assert_eq!(
            line.source_event_id, fact.source_event_id,
            "{trigger:?} cites its event"
        );
        assert_eq!(line.version, 1);
        assert_eq!(line.contract_id, CONTRACT);
        assert_eq!(line.date, fact.date);
        assert_eq!(line.period, Month::of(fact.date));
        assert_eq!(line.clawback_of, None);
        let about = fact.person().map(|person| person.referral_id);
        assert_eq!(line.referral_id, about);
        assert_eq!(line.subject.is_some(), about.is_some());
    }
}

#[test]
fn a_block_pays_each_month_after_it_ends_and_a_part_month_by_day() {
    // Agreed from 10 April: April pays 21 of 30 days of £3,100.00.
    let contract = Contract::fold(&[agreed(terms(Caps::default()), day(4, 10))]);
    let april = Month::of(day(4, 1));
    let elapsed = |id, date, month| fact(id, date, What::MonthElapsed { month });
    let line = lines(accrue(
        &contract,
        &Accrued::default(),
        &elapsed(1, day(5, 1), april),
    ));
    assert_eq!(amounts(&line), [(217_000, None)]);
    assert_eq!(
        (line[0].date, line[0].period, line[0].subject.clone()),
        (day(4, 30), april, None)
    );
    let may = lines(accrue(
        &contract,
        &Accrued::default(),
        &elapsed(2, day(6, 1), april.next()),
    ));
    assert_eq!(amounts(&may), [(310_000, None)]);
    assert_eq!(
        accrue(
            &contract,
            &Accrued::default(),
            &elapsed(3, day(4, 30), april)
        ),
        Accrual::NotPayable(NotPayable::MonthNotOver)
    );
    assert_eq!(
        accrue(
            &contract,
            &Accrued::default(),
            &elapsed(4, day(4, 1), Month::of(day(3, 1)))
        ),
        Accrual::NotPayable(NotPayable::NotInForce)
    );
}

#[test]
fn a_block_month_spanning_an_amendment_pays_each_version_its_days() {
    let mut events = vec![agreed(terms(Caps::default()), day(4, 1))];
    events.push(Event::ContractAmended {
        contract_id: CONTRACT,
        version: 2,
        effective_from: day(7, 15),
        terms: Terms {
            tariffs: every_tariff(2_000, 400_000),
            ..Terms::default()
        },
        at: at(7, 1),
    });
    let contract = Contract::fold(&events);
    let july = fact(
        9,
        day(8, 1),
        What::MonthElapsed {
            month: Month::of(day(7, 1)),
        },
    );
    let mut accrued = Accrued::default();
    let pieces = run(&contract, &mut accrued, std::slice::from_ref(&july));
    // 14/31 of £3,100.00 is £1,400.00; 17/31 of £4,000.00 is £2,193.548…, so £2,193.55.
    assert_eq!(amounts(&pieces), [(140_000, None), (219_355, None)]);
    assert_eq!(
        pieces.iter().map(|line| line.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_ne!(pieces[0].line_id, pieces[1].line_id);
    assert_eq!(accrue(&contract, &accrued, &july), Accrual::AlreadyAccrued);
    // Sessions are priced by the version in force on their day.
    let before = lines(accrue(&contract, &accrued, &attended(10, 1, 1, day(7, 14))));
    let from = lines(accrue(&contract, &accrued, &attended(11, 1, 2, day(7, 15))));
    assert_eq!((before[0].amount, before[0].version), (p(1_500), 1));
    assert_eq!((from[0].amount, from[0].version), (p(2_000), 2));
}

#[test]
fn attendance_pays_only_on_evidence_the_contract_names_and_never_on_a_device() {
    let contract = contract(Caps::default());
    let mut by_integrator = attended(1, 1, 1, day(5, 5));
    if let What::SessionAttended { evidence, .. } = &mut by_integrator.what {
        *evidence = Evidence::Integrator;
    }
    assert_eq!(
        accrue(&contract, &Accrued::default(), &by_integrator),
        Accrual::NotPayable(NotPayable::EvidenceNotPaid {
            evidence: Evidence::Integrator
        })
    );
    // A device-only attendance cannot even be read as a billable fact.
    let mut json = serde_json::to_value(attended(2, 1, 1, day(5, 5))).expect("JSON");
    json["evidence"] = "device".into();
    assert!(serde_json::from_value::<Fact>(json.clone()).is_err());
    json["evidence"] = "register".into();
    assert!(serde_json::from_value::<Fact>(json).is_ok());
}

#[test]
fn an_outcome_pays_only_for_improvement_on_the_named_instrument_once_per_referral() {
    let contract = contract(Caps::default());
    let mut accrued = Accrued::default();
    for (verdict, expected) in [
        (Some(Verdict::NoMeaningfulChange), NotPayable::NotImproved),
        (Some(Verdict::Deteriorated), NotPayable::NotImproved),
        (None, NotPayable::NotImproved),
    ] {
        assert_eq!(
            accrue(&contract, &accrued, &outcome(1, 1, "swemwbs", verdict)),
            Accrual::NotPayable(expected)
        );
    }
    assert_eq!(
        accrue(
            &contract,
            &accrued,
            &outcome(2, 1, "ons4", Some(Verdict::Improved))
        ),
        Accrual::NotPayable(NotPayable::NoTariff {
            trigger: Trigger::Outcome
        })
    );
    let paid = run(
        &contract,
        &mut accrued,
        &[outcome(3, 1, "swemwbs", Some(Verdict::Improved))],
    );
    assert_eq!(amounts(&paid), [(20_000, None)]);
    // A rescoring, or a later follow-up improved again, is a new event but not a new improvement.
    assert_eq!(
        accrue(
            &contract,
            &accrued,
            &outcome(4, 1, "swemwbs", Some(Verdict::Improved))
        ),
        Accrual::AlreadyAccrued
    );
    assert!(matches!(
        accrue(
            &contract,
            &accrued,
            &outcome(5, 2, "swemwbs", Some(Verdict::Improved))
        ),
        Accrual::Lines(_)
    ));
}

#[test]
fn the_same_event_or_the_same_attendance_accrues_once() {
    let contract = contract(Caps::default());
    let mut accrued = Accrued::default();
    let register = attended(1, 1, 1, day(5, 5));
    let mut qr = attended(2, 1, 1, day(5, 5));
    if let What::SessionAttended { evidence, .. } = &mut qr.what {
        *evidence = Evidence::QrCheckIn;
    }
    let grant = fact(3, day(4, 2), What::MicroGrantAwarded);
    let again = fact(4, day(9, 2), What::MicroGrantAwarded);
    let once = run(&contract, &mut accrued, &[register.clone(), grant.clone()]);
    assert_eq!(once.len(), 2);
    for seen_again in [register, qr, grant, again] {
        assert_eq!(
            accrue(&contract, &accrued, &seen_again),
            Accrual::AlreadyAccrued
        );
    }
    let next_session = run(&contract, &mut accrued, &[attended(5, 1, 2, day(5, 12))]);
    assert_eq!(next_session.len(), 1);
}

#[test]
fn only_the_contracts_provider_people_and_days_are_paid() {
    let mut restricted = terms(Caps::default());
    restricted.eligibility = Eligibility {
        needs: BTreeSet::from(["money".to_owned(), "loneliness".to_owned()]),
        age_bands: BTreeSet::from(["65+".to_owned(), "55-64".to_owned()]),
    };
    let contract = Contract::fold(&[agreed(restricted, day(4, 1))]);
    let not = |fact: &Fact| accrue(&contract, &Accrued::default(), fact);
    let ineligible = |why| Accrual::NotPayable(NotPayable::Ineligible { why });
    let mut housing = attended(1, 1, 1, day(5, 5));
    let mut young = attended(2, 2, 1, day(5, 5));
    let mut unknown = attended(3, 3, 1, day(5, 5));
    let mut elsewhere = attended(4, 4, 1, day(5, 5));
    if let What::SessionAttended { person, .. } = &mut housing.what {
        person.needs = vec!["housing".to_owned()];
    }
    if let What::SessionAttended { person, .. } = &mut young.what {
        person.age_band = Some("18-34".to_owned());
    }
    if let What::SessionAttended { person, .. } = &mut unknown.what {
        person.age_band = None;
    }
    elsewhere.provider = "VCSE-OTHER".to_owned();
    assert_eq!(not(&housing), ineligible(Ineligible::NoCoveredNeed));
    assert_eq!(not(&young), ineligible(Ineligible::AgeBandNotCovered));
    assert_eq!(not(&unknown), ineligible(Ineligible::AgeBandUnknown));
    assert_eq!(
        not(&elsewhere),
        Accrual::NotPayable(NotPayable::OtherProvider)
    );
    assert_eq!(
        not(&attended(5, 5, 1, day(3, 31))),
        Accrual::NotPayable(NotPayable::NotInForce)
    );
    assert!(matches!(
        not(&attended(6, 6, 1, day(4, 1))),
        Accrual::Lines(_)
    ));
    assert_eq!(
        accrue(
            &Contract::default(),
            &Accrued::default(),
            &attended(7, 7, 1, day(5, 5))
        ),
        Accrual::NotPayable(NotPayable::NotAgreed)
    );
    let ended = Contract::fold(&[
        agreed(terms(Caps::default()), day(4, 1)),
        Event::ContractEnded {
            contract_id: CONTRACT,
            last_day: day(5, 31),
            reason: "funding ended".to_owned(),
            at: at(5, 1),
        },
    ]);
    assert_eq!(
        accrue(&ended, &Accrued::default(), &attended(8, 8, 1, day(6, 1))),
        Accrual::NotPayable(NotPayable::NotInForce)
    );
}
