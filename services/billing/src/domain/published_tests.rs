//! Every event the billing service records keeps the contract it publishes
//! (`proto/linkwork/billing/v1/events.proto`): consumers decode these payloads as exactly what
//! the log holds, so a renamed or dropped field fails here, before any consumer reads a default
//! in its place.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::accrual::{Fact, Line, Person, Verdict, What, Withdrawal, Withdrawn};
use super::claim::{self, Rejection};
use super::contract::{
    self, Cap, Caps, Eligibility, Evidence, FundingSource, Parties, Tariff, Terms, Trigger,
};
use super::ledger::Entry;
use super::money::Pence;
use super::noted::Noted;
use super::period::Month;

/// Every contract broken by `event`, recorded as `event_type`.
fn broken<E: Serialize>(event_type: &str, event: &E) -> Vec<String> {
    let payload = serde_json::to_vec(event).expect("events serialise");
    ::contract::events::conforms(crate::SERVICE.name, event_type, &payload)
        .err()
        .unwrap_or_default()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0)
        .single()
        .expect("a time")
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 17).expect("a date")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Terms with every tariff, cap and eligibility rule; and with none of the optional ones.
fn every_terms() -> [Terms; 2] {
    let p = Pence::new;
    let full = Terms {
        tariffs: vec![
            Tariff::Block {
                per_month: p(310_000),
            },
            Tariff::AcceptedReferral {
                per_referral: p(5_000),
            },
            Tariff::AttendedSession {
                per_session: p(1_500),
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
        ],
        caps: Caps {
            per_person: Some(p(30_000)),
            per_month: Some(p(400_000)),
            total: Some(p(4_000_000)),
        },
        eligibility: Eligibility {
            needs: BTreeSet::from(["loneliness".to_owned()]),
            age_bands: BTreeSet::from(["65+".to_owned()]),
        },
    };
    let sparse = Terms {
        tariffs: vec![Tariff::Block { per_month: p(1) }],
        ..Terms::default()
    };
    [full, sparse]
}

fn contract_events() -> Vec<contract::Event> {
    let mut events: Vec<contract::Event> = every_terms()
        .into_iter()
        .map(|terms| contract::Event::ContractAgreed {
            contract_id: id(1),
            parties: Parties {
                commissioner: "ICB-QWE".to_owned(),
                provider: "VCSE-WALKS".to_owned(),
                funding: FundingSource::LocalAuthority,
            },
            effective_from: day(),
            terms,
            at: at(),
        })
        .collect();
    events.push(contract::Event::ContractAmended {
        contract_id: id(1),
        version: 2,
        effective_from: day(),
        terms: every_terms()[0].clone(),
        at: at(),
    });
    events.push(contract::Event::ContractEnded {
        contract_id: id(1),
        last_day: day(),
        reason: "recommissioned".to_owned(),
        at: at(),
    });
    events
}

/// A line with every optional part, and one with none.
fn lines() -> [Line; 2] {
    let full = Line {
        line_id: id(10),
        contract_id: id(1),
        trigger: Trigger::AttendedSession,
        version: 2,
        source_event_id: id(11),
        referral_id: Some(id(12)),
        subject: Some("nhs-hmac:abc".to_owned()),
        date: day(),
        period: Month::of(day()),
        tariff: Pence::new(1_500),
        amount: Pence::new(-500),
        capped_by: Some(Cap::PerPerson),
        clawback_of: Some(id(13)),
    };
    let sparse = Line {
        referral_id: None,
        subject: None,
        capped_by: None,
        clawback_of: None,
        trigger: Trigger::Block,
        ..full.clone()
    };
    [full, sparse]
}

fn person(age_band: Option<&str>) -> Person {
    Person {
        referral_id: id(12),
        subject: "nhs-hmac:abc".to_owned(),
        needs: vec!["loneliness".to_owned()],
        age_band: age_band.map(str::to_owned),
    }
}

fn noted() -> Vec<Noted> {
    let fact = |what: What| {
        Noted::FactNoted(Fact {
            source_event_id: id(20),
            provider: "VCSE-WALKS".to_owned(),
            date: day(),
            what,
        })
    };
    let withdrawal = |withdrawn| Noted::WithdrawalNoted {
        provider: "VCSE-WALKS".to_owned(),
        withdrawal: Withdrawal {
            source_event_id: id(21),
            date: day(),
            withdrawn,
        },
    };
    vec![
        fact(What::ReferralAccepted {
            person: person(Some("65+")),
        }),
        fact(What::SessionAttended {
            person: person(None),
            session_id: id(22),
            evidence: Evidence::QrCheckIn,
        }),
        fact(What::EpisodeCompleted {
            person: person(None),
        }),
        fact(What::OutcomeRecorded {
            person: person(None),
            instrument: "swemwbs".to_owned(),
            verdict: Some(Verdict::NoMeaningfulChange),
        }),
        fact(What::OutcomeRecorded {
            person: person(None),
            instrument: "swemwbs".to_owned(),
            verdict: None,
        }),
        withdrawal(Withdrawn::Referral(id(12))),
        withdrawal(Withdrawn::Event(id(11))),
        Noted::MonthEnded {
            month: Month::of(day()),
            at: at(),
        },
    ]
}

fn claim_events() -> Vec<claim::Event> {
    vec![
        claim::Event::ClaimDrafted {
            claim_id: id(30),
            contract_id: id(1),
            period: Month::of(day()),
            lines: lines().to_vec(),
            total: Pence::new(1_000),
            at: at(),
        },
        claim::Event::ClaimSubmitted {
            claim_id: id(30),
            by: "coordinator-1".to_owned(),
            at: at(),
        },
        claim::Event::ClaimApproved {
            claim_id: id(30),
            by: "commissioner-1".to_owned(),
            approved: Pence::new(1_000),
            at: at(),
        },
        claim::Event::ClaimPartlyApproved {
            claim_id: id(30),
            by: "commissioner-1".to_owned(),
            rejected: vec![Rejection {
                line_id: id(10),
                reason: "no register for the session".to_owned(),
            }],
            approved: Pence::new(-500),
            at: at(),
        },
        claim::Event::ClaimRejected {
            claim_id: id(30),
            by: "commissioner-1".to_owned(),
            reason: "wrong contract".to_owned(),
            at: at(),
        },
        claim::Event::ClaimPaid {
            claim_id: id(30),
            remittance: "BACS-2026-0412".to_owned(),
            paid_on: day(),
            amount: Pence::new(1_000),
            at: at(),
        },
    ]
}

#[test]
fn every_contract_event_keeps_its_contract() {
    for event in contract_events() {
        assert_eq!(broken(event.event_type(), &event), Vec::<String>::new());
    }
}

#[test]
fn every_ledger_entry_keeps_its_contract() {
    let mut entries: Vec<Entry> = lines()
        .into_iter()
        .map(|line| Entry::LineAccrued { line })
        .collect();
    entries.push(Entry::LinesClaimed {
        claim_id: id(30),
        contract_id: id(1),
        period: Month::of(day()),
        line_ids: vec![id(10)],
        at: at(),
    });
    for entry in entries {
        assert_eq!(broken(entry.event_type(), &entry), Vec::<String>::new());
    }
}

#[test]
fn everything_noted_keeps_its_contract_and_reads_back_as_written() {
    for noted in noted() {
        assert_eq!(broken(noted.event_type(), &noted), Vec::<String>::new());
        let json = serde_json::to_string(&noted).expect("serialises");
        let read: Noted = serde_json::from_str(&json).expect("reads back");
        assert_eq!(read, noted, "{json}");
    }
}

#[test]
fn every_claim_event_keeps_its_contract() {
    for event in claim_events() {
        assert_eq!(broken(event.event_type(), &event), Vec::<String>::new());
    }
}
