use chrono::TimeZone;
use decider::Decider;
use testkit::given;

use super::*;
use crate::domain::accrual::{Accrual, Accrued, Fact, Person, What, Withdrawal, Withdrawn};
use crate::domain::accrual::{accrue, claw_back};
use crate::domain::contract::Trigger;
use crate::domain::contract::{self, Contract, Evidence, FundingSource, Parties, Tariff, Terms};

const CONTRACT: Uuid = Uuid::from_u128(0xC0);

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
}

fn at(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0)
        .single()
        .expect("a time")
}

fn march() -> Month {
    Month::of(day(3, 1))
}

fn line(n: u128, pence: i64, date: NaiveDate) -> Line {
    Line {
        line_id: Uuid::from_u128(0x11_0000 + n),
        contract_id: CONTRACT,
        trigger: Trigger::AttendedSession,
        version: 1,
        source_event_id: Uuid::from_u128(0xE0_0000 + n),
        referral_id: Some(Uuid::from_u128(0x100 + n)),
        subject: Some(format!("nhs-hmac:{n}")),
        date,
        period: Month::of(date),
        tariff: Pence::new(pence),
        amount: Pence::new(pence),
        capped_by: None,
        clawback_of: None,
    }
}

fn lines() -> Vec<Line> {
    vec![
        line(1, 1_500, day(3, 3)),
        line(2, 1_500, day(3, 10)),
        line(3, 5_000, day(3, 17)),
    ]
}

fn id() -> Uuid {
    claim_id(CONTRACT, march())
}

fn draft(lines: Vec<Line>) -> Command {
    Command::Draft {
        claim_id: id(),
        contract_id: CONTRACT,
        period: march(),
        lines,
        at: at(4, 1),
    }
}

fn drafted() -> Event {
    Event::ClaimDrafted {
        claim_id: id(),
        contract_id: CONTRACT,
        period: march(),
        lines: lines(),
        total: Pence::new(8_000),
        at: at(4, 1),
    }
}

fn submitted() -> Event {
    Event::ClaimSubmitted {
        claim_id: id(),
        by: "VCSE-WALKS".to_owned(),
        at: at(4, 2),
    }
}

fn approve(by: &str) -> Command {
    Command::Approve {
        by: by.to_owned(),
        at: at(4, 10),
    }
}

fn approved(by: &str) -> Event {
    Event::ClaimApproved {
        claim_id: id(),
        by: by.to_owned(),
        approved: Pence::new(8_000),
        at: at(4, 10),
    }
}

fn reject(reason: &str) -> Command {
    Command::Reject {
        by: "ICB-FINANCE-2".to_owned(),
        reason: reason.to_owned(),
        at: at(4, 10),
    }
}

fn pay(remittance: &str, paid_on: NaiveDate) -> Command {
    Command::Pay {
        remittance: remittance.to_owned(),
        paid_on,
        at: at(4, 20),
    }
}

fn rejection(n: u128, reason: &str) -> Rejection {
    Rejection {
        line_id: Uuid::from_u128(0x11_0000 + n),
        reason: reason.to_owned(),
    }
}

#[test]
fn a_claim_is_drafted_once_per_contract_and_month_from_caused_lines() {
    given::<Claim>(&[]).when(draft(lines())).then(&[drafted()]);
    given::<Claim>(&[drafted()])
        .when(draft(lines().into_iter().rev().collect()))
        .then(&[]);
    given::<Claim>(&[drafted()])
        .when(draft(lines()[..2].to_vec()))
        .then_err(Error::IdUsed);
    let mut elsewhere = draft(lines());
    if let Command::Draft { period, .. } = &mut elsewhere {
        *period = march().next();
    }
    given::<Claim>(&[])
        .when(elsewhere)
        .then_err(Error::NotTheClaimId);
    given::<Claim>(&[])
        .when(draft(Vec::new()))
        .then_err(Error::NoLines);
}

#[test]
fn no_line_without_a_cause_and_none_from_elsewhere_or_later() {
    let broken = |change: fn(&mut Line)| {
        let mut lines = lines();
        change(&mut lines[1]);
        draft(lines)
    };
    let line_id = Uuid::from_u128(0x11_0002);
    given::<Claim>(&[])
        .when(broken(|line| line.source_event_id = Uuid::nil()))
        .then_err(Error::LineWithoutCause { line_id });
    given::<Claim>(&[])
        .when(broken(|line| line.clawback_of = Some(Uuid::nil())))
        .then_err(Error::LineWithoutCause { line_id });
    given::<Claim>(&[])
        .when(broken(|line| line.contract_id = Uuid::from_u128(0xC1)))
        .then_err(Error::OtherContractsLine { line_id });
    given::<Claim>(&[])
        .when(broken(|line| line.date = day(4, 1)))
        .then_err(Error::LineAfterPeriod { line_id });
    given::<Claim>(&[])
        .when(broken(|line| line.line_id = Uuid::from_u128(0x11_0001)))
        .then_err(Error::DuplicateLine {
            line_id: Uuid::from_u128(0x11_0001),
        });
}

#[test]
fn a_claim_goes_draft_submitted_approved_paid() {
    given::<Claim>(&[])
        .when(Command::Submit {
            by: "VCSE-WALKS".to_owned(),
            at: at(4, 2),
        })
        .then_err(Error::NotFound);
    given::<Claim>(&[drafted()])
        .when(Command::Submit {
            by: "VCSE-WALKS".to_owned(),
            at: at(4, 2),
        })
        .then(&[submitted()]);
    given::<Claim>(&[drafted(), submitted()])
        .when(Command::Submit {
            by: "VCSE-WALKS".to_owned(),
            at: at(4, 3),
        })
        .then_err(Error::NotDraft(Status::Submitted));
    given::<Claim>(&[drafted()])
        .when(approve("ICB-FINANCE-1"))
        .then_err(Error::NotSubmitted(Status::Draft));
    given::<Claim>(&[drafted(), submitted()])
        .when(pay("REM-1", day(4, 20)))
        .then_err(Error::NotApproved(Status::Submitted));
    given::<Claim>(&[drafted(), submitted()])
        .when(approve("ICB-FINANCE-1"))
        .then(&[approved("ICB-FINANCE-1")]);
    let decided = [drafted(), submitted(), approved("ICB-FINANCE-1")];
    given::<Claim>(&decided)
        .when(pay("REM-2026-0412", day(4, 20)))
        .then(&[Event::ClaimPaid {
            claim_id: id(),
            remittance: "REM-2026-0412".to_owned(),
            paid_on: day(4, 20),
            amount: Pence::new(8_000),
            at: at(4, 20),
        }]);
    given::<Claim>(&decided)
        .when(pay(" ", day(4, 20)))
        .then_err(Error::Invalid {
            field: "remittance",
            rule: "not blank",
        });
    given::<Claim>(&decided)
        .when(pay("REM-1", day(4, 9)))
        .then_err(Error::Invalid {
            field: "paid_on",
            rule: "on or after the day the claim was approved",
        });
    let mut paid = decided.to_vec();
    paid.extend(Claim::decide(&Claim::fold(&decided), pay("REM-1", day(4, 20))).expect("paid"));
    given::<Claim>(&paid)
        .when(pay("REM-2", day(4, 21)))
        .then_err(Error::NotApproved(Status::Paid));
}

#[test]
fn the_second_of_two_racing_approvers_is_told_the_claim_is_decided() {
    let loaded = Claim::fold(&[drafted(), submitted()]);
    // Both load the claim submitted; each decides against what it loaded.
    let first = Claim::decide(&loaded, approve("ICB-FINANCE-1")).expect("first decides");
    let second = Claim::decide(&loaded, reject("duplicate of February's claim"));
    assert!(
        second.is_ok(),
        "the decider alone cannot see the race: the store's version does"
    );
    // The store appends the first; the second, loaded again, is refused.
    let mut history = vec![drafted(), submitted()];
    history.extend(first);
    given::<Claim>(&history)
        .when(reject("duplicate of February's claim"))
        .then_err(Error::AlreadyDecided(Status::Approved));
    given::<Claim>(&history)
        .when(approve("ICB-FINANCE-2"))
        .then_err(Error::AlreadyDecided(Status::Approved));
    given::<Claim>(&history)
        .when(Command::ApprovePartly {
            by: "ICB-FINANCE-2".to_owned(),
            rejected: vec![rejection(1, "no register")],
            at: at(4, 11),
        })
        .then_err(Error::AlreadyDecided(Status::Approved));
}

#[test]
fn a_partly_approved_claim_names_a_reason_for_each_rejected_line() {
    let submitted_claim = [drafted(), submitted()];
    let partly = |rejected: Vec<Rejection>| Command::ApprovePartly {
        by: "ICB-FINANCE-1".to_owned(),
        rejected,
        at: at(4, 10),
    };
    given::<Claim>(&submitted_claim)
        .when(partly(vec![rejection(
            3,
            "person not eligible: outside the PCN",
        )]))
        .then(&[Event::ClaimPartlyApproved {
            claim_id: id(),
            by: "ICB-FINANCE-1".to_owned(),
            rejected: vec![rejection(3, "person not eligible: outside the PCN")],
            approved: Pence::new(3_000),
            at: at(4, 10),
        }]);
    for (rejected, error) in [
        (
            Vec::new(),
            Error::Invalid {
                field: "rejected",
                rule: "at least one line: or approve the claim",
            },
        ),
        (
            vec![rejection(9, "no such line")],
            Error::UnknownLine {
                line_id: Uuid::from_u128(0x11_0009),
            },
        ),
        (
            vec![rejection(1, "")],
            Error::Invalid {
                field: "rejected.reason",
                rule: "not blank",
            },
        ),
        (
            vec![rejection(1, "a"), rejection(1, "b")],
            Error::Invalid {
                field: "rejected",
                rule: "each line once",
            },
        ),
        (
            vec![rejection(1, "a"), rejection(2, "b"), rejection(3, "c")],
            Error::Invalid {
                field: "rejected",
                rule: "not every line: or reject the claim",
            },
        ),
    ] {
        given::<Claim>(&submitted_claim)
            .when(partly(rejected))
            .then_err(error);
    }
    let mut decided = submitted_claim.to_vec();
    decided.extend(
        Claim::decide(
            &Claim::fold(&submitted_claim),
            partly(vec![rejection(3, "not eligible")]),
        )
        .expect("decided"),
    );
    let state = Claim::fold(&decided);
    assert_eq!(
        state
            .rejected
            .get(&Uuid::from_u128(0x11_0003))
            .map(String::as_str),
        Some("not eligible")
    );
    let paid = Claim::decide(&state, pay("REM-7", day(4, 12))).expect("paid");
    assert!(matches!(&paid[..], [Event::ClaimPaid { amount, .. }] if *amount == Pence::new(3_000)));
}

#[test]
fn a_rejected_claim_says_why_and_is_never_paid() {
    given::<Claim>(&[drafted(), submitted()])
        .when(reject(""))
        .then_err(Error::Invalid {
            field: "reason",
            rule: "not blank",
        });
    let rejected = Event::ClaimRejected {
        claim_id: id(),
        by: "ICB-FINANCE-2".to_owned(),
        reason: "submitted to the wrong commissioner".to_owned(),
        at: at(4, 10),
    };
    given::<Claim>(&[drafted(), submitted()])
        .when(reject("submitted to the wrong commissioner"))
        .then(std::slice::from_ref(&rejected));
    given::<Claim>(&[drafted(), submitted(), rejected])
        .when(pay("REM-1", day(4, 20)))
        .then_err(Error::NotApproved(Status::Rejected));
}

#[test]
fn a_clawback_lands_on_the_next_claim_never_on_one_already_drafted() {
    let contract = Contract::fold(&[contract::Event::ContractAgreed {
        contract_id: CONTRACT,
        parties: Parties {
            commissioner: "ICB-LINBRIDGE".to_owned(),
            provider: "VCSE-WALKS".to_owned(),
            funding: FundingSource::Grant,
        },
        effective_from: day(1, 1),
        terms: Terms {
            tariffs: vec![Tariff::AttendedSession {
                per_session: Pence::new(1_500),
                evidence: [Evidence::Register].into(),
            }],
            ..Terms::default()
        },
        at: at(1, 1),
    }]);
    let person = Person {
        referral_id: Uuid::from_u128(0x101),
        subject: "nhs-hmac:1".to_owned(),
        needs: Vec::new(),
        age_band: None,
    };
    let session = Fact {
        source_event_id: Uuid::from_u128(0xE1),
        provider: "VCSE-WALKS".to_owned(),
        date: day(3, 10),
        what: What::SessionAttended {
            person,
            session_id: Uuid::from_u128(0x5E),
            evidence: Evidence::Register,
        },
    };
    let mut accrued = Accrued::default();
    let Accrual::Lines(original) = accrue(&contract, &accrued, &session) else {
        panic!("the session pays");
    };
    accrued.record(&original[0]);
    let march_lines = unclaimed(accrued.lines(), &BTreeSet::new(), march());
    assert_eq!(march_lines, original);
    let claimed: BTreeSet<Uuid> = march_lines.iter().map(|line| line.line_id).collect();
    // The referral is entered in error on 30 March, after March's claim was drafted.
    let error = Withdrawal {
        source_event_id: Uuid::from_u128(0xE2),
        date: day(3, 30),
        withdrawn: Withdrawn::Referral(Uuid::from_u128(0x101)),
    };
    let clawback = claw_back(&accrued, &error);
    accrued.record(&clawback[0]);
    let april_lines = unclaimed(accrued.lines(), &claimed, march().next());
    assert_eq!(april_lines, clawback, "only the clawback, on April's claim");
    assert_eq!(april_lines[0].amount, Pence::new(-1_500));
    assert_eq!(april_lines[0].clawback_of, Some(original[0].line_id));
    let april = claim_id(CONTRACT, march().next());
    given::<Claim>(&[])
        .when(Command::Draft {
            claim_id: april,
            contract_id: CONTRACT,
            period: march().next(),
            lines: april_lines.clone(),
            at: at(5, 1),
        })
        .then(&[Event::ClaimDrafted {
            claim_id: april,
            contract_id: CONTRACT,
            period: march().next(),
            lines: april_lines,
            total: Pence::new(-1_500),
            at: at(5, 1),
        }]);
}

#[test]
fn every_event_reads_back_as_recorded() {
    for event in [drafted(), submitted(), approved("ICB-FINANCE-1")] {
        let json = serde_json::to_string(&event).expect("JSON");
        assert_eq!(serde_json::from_str::<Event>(&json).expect("read"), event);
        assert!(json.contains(&format!("\"type\":\"{}\"", event.event_type())));
    }
}
