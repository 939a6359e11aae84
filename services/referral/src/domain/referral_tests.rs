//! Given/when/then tests of the referral decider: every transition, legal and illegal, and
//! the responsibility ledger's two-phase handoffs.

use chrono::{DateTime, Duration, TimeZone, Utc};
use testkit::given;
use uuid::Uuid;

use super::nhs_number::SealedNhsNumber;
use super::person::Demographics;
use super::referral::{
    Actor, Command, Consent, ContactOutcome, Error, Event, Holder, Issued, MeasuredOutcome, Need,
    Offer, Referral, RequestReferral, ServiceAvailability, Source, Urgency,
};
use super::snomed::{ConceptId, REFERRAL_TO_SOCIAL_PRESCRIBING, SOCIAL_PRESCRIBING_DECLINED};
use super::status::{Party, Status};

const GP_PRACTICE: &str = "Y01234";
const LINK_WORKERS: &str = "PCN-LW-01";
const OTHER_PCN: &str = "PCN-LW-02";

pub(super) fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid date")
        + Duration::minutes(minutes)
}

fn actor(id: &str, organisation: &str) -> Actor {
    Actor {
        id: id.to_owned(),
        organisation: organisation.to_owned(),
    }
}

pub(super) fn gp() -> Actor {
    actor("dr-patel", GP_PRACTICE)
}

fn link_worker() -> Actor {
    actor("lw-ana", LINK_WORKERS)
}

fn referrer() -> Holder {
    Holder {
        organisation: GP_PRACTICE.to_owned(),
        practitioner: Some("dr-patel".to_owned()),
    }
}

fn org(organisation: &str) -> Holder {
    Holder {
        organisation: organisation.to_owned(),
        practitioner: None,
    }
}

fn first_offer() -> Uuid {
    Uuid::from_u128(1)
}

pub(super) fn issued(actor: Actor, minutes: i64, command: Command) -> Issued {
    Issued {
        actor,
        at: at(minutes),
        command,
    }
}

pub(super) fn request() -> RequestReferral {
    RequestReferral {
        source: Source::Practitioner,
        referrer: referrer(),
        receiving_organisation: LINK_WORKERS.to_owned(),
        reasons: vec![ConceptId::parse(REFERRAL_TO_SOCIAL_PRESCRIBING).expect("valid")],
        urgency: Urgency::Routine,
        part_of: None,
        accept_by: at(60 * 24 * 3),
        offer_id: first_offer(),
        consent: Consent {
            share_with_providers: true,
            share_outcome_with_referrer: true,
            share_device_data: true,
        },
        person: person(),
        demographics: Demographics::default(),
    }
}

fn person() -> SealedNhsNumber {
    SealedNhsNumber {
        subject: "nhs-hmac:00aa".to_owned(),
        ciphertext: "5e41ed".to_owned(),
    }
}

pub(super) fn requested() -> Vec<Event> {
    let r = request();
    vec![
        Event::Requested {
            source: r.source,
            referrer: r.referrer,
            receiving_organisation: r.receiving_organisation,
            reasons: r.reasons,
            urgency: r.urgency,
            part_of: None,
            consent: r.consent,
            person: r.person,
            birth_date: None,
            sex: None,
            ethnic_category: None,
            postcode: None,
            age_band: None,
            imd_decile: None,
            at: at(0),
        },
        Event::ResponsibilityOffered {
            offer: Offer {
                offer_id: first_offer(),
                to: org(LINK_WORKERS),
                expires_at: r.accept_by,
            },
            by: gp(),
            at: at(0),
        },
    ]
}

fn status(from: Status, to: Status, by: Actor, reason: Option<&str>, minutes: i64) -> Event {
    Event::StatusChanged {
        from,
        to,
        actor: by,
        reason: reason.map(str::to_owned),
        at: at(minutes),
    }
}

fn accepted() -> Vec<Event> {
    let mut events = requested();
    events.push(status(
        Status::Requested,
        Status::Accepted,
        link_worker(),
        None,
        10,
    ));
    events.push(Event::ResponsibilityHandedOff {
        offer_id: Some(first_offer()),
        from: referrer(),
        to: org(LINK_WORKERS),
        actor: link_worker(),
        at: at(10),
    });
    events
}

fn in_progress() -> Vec<Event> {
    let mut events = accepted();
    events.push(status(
        Status::Accepted,
        Status::InProgress,
        link_worker(),
        None,
        20,
    ));
    events
}

fn change(to: Status, reason: Option<&str>) -> Command {
    Command::ChangeStatus {
        to,
        reason: reason.map(str::to_owned),
    }
}

#[test]
fn a_gp_referral_is_offered_to_the_link_worker_organisation() {
    given::<Referral>(&[])
        .when(issued(gp(), 0, Command::Request(request())))
        .then(&requested());
}

#[test]
fn a_referral_needs_a_reason_and_a_future_deadline() {
    let mut no_reasons = request();
    no_reasons.reasons.clear();
    given::<Referral>(&[])
        .when(issued(gp(), 0, Command::Request(no_reasons)))
        .then_err(Error::NoReasons);
    let mut past = request();
    past.accept_by = at(-1);
    given::<Referral>(&[])
        .when(issued(gp(), 0, Command::Request(past)))
        .then_err(Error::InvalidOffer("accept_by must be in the future"));
}

#[test]
fn a_referral_cannot_be_made_twice_or_changed_before_it_exists() {
    given::<Referral>(&requested())
        .when(issued(gp(), 1, Command::Request(request())))
        .then_err(Error::AlreadyExists);
    given::<Referral>(&[])
        .when(issued(link_worker(), 1, change(Status::Accepted, None)))
        .then_err(Error::NotFound);
}

#[test]
fn accepting_the_referral_moves_responsibility_to_the_link_workers() {
    let mut expected = accepted();
    let tail = expected.split_off(requested().len());
    given::<Referral>(&requested())
        .when(issued(link_worker(), 10, change(Status::Accepted, None)))
        .then(&tail);
}

#[test]
fn accepting_the_initial_offer_is_accepting_the_referral() {
    let tail = accepted().split_off(requested().len());
    given::<Referral>(&requested())
        .when(issued(
            link_worker(),
            10,
            Command::AcceptOffer {
                offer_id: first_offer(),
            },
        ))
        .then(&tail);
}

#[test]
fn the_referrer_cannot_accept_its_own_referral() {
    given::<Referral>(&requested())
        .when(issued(gp(), 10, change(Status::Accepted, None)))
        .then_err(Error::TransitionNotAllowed {
            from: Status::Requested,
            to: Status::Accepted,
            party: Party::Requester,
        });
}

#[test]
fn to_an_unrelated_organisation_the_referral_is_not_there() {
    given::<Referral>(&requested())
        .when(issued(
            actor("x", "ELSEWHERE"),
            10,
            change(Status::Cancelled, Some("because")),
        ))
        .then_err(Error::NotFound);
    given::<Referral>(&requested())
        .when(issued(
            actor("x", "ELSEWHERE"),
            10,
            Command::RecordContactAttempt {
                outcome: ContactOutcome::Reached,
            },
        ))
        .then_err(Error::NotFound);
}

#[test]
fn rejecting_needs_a_reason_declines_the_offer_and_tells_the_referrer() {
    given::<Referral>(&requested())
        .when(issued(
            link_worker(),
            10,
            change(Status::Rejected, Some("  ")),
        ))
        .then_err(Error::ReasonRequired(Status::Rejected));
    given::<Referral>(&requested())
        .when(issued(
            link_worker(),
            10,
            change(Status::Rejected, Some("outside our area")),
        ))
        .then(&[
            status(
                Status::Requested,
                Status::Rejected,
                link_worker(),
                Some("outside our area"),
                10,
            ),
            Event::OfferDeclined {
                offer_id: first_offer(),
                actor: link_worker(),
                reason: "outside our area".to_owned(),
                at: at(10),
            },
            Event::MessageBackProduced {
                to: referrer(),
                status: Status::Rejected,
                code: None,
                summary: Some("outside our area".to_owned()),
                outcomes: Vec::new(),
                at: at(10),
            },
        ]);
}

#[test]
fn only_the_requester_marks_received() {
    given::<Referral>(&requested())
        .when(issued(gp(), 1, change(Status::Received, None)))
        .then(&[status(Status::Requested, Status::Received, gp(), None, 1)]);
    given::<Referral>(&requested())
        .when(issued(link_worker(), 1, change(Status::Received, None)))
        .then_err(Error::TransitionNotAllowed {
            from: Status::Requested,
            to: Status::Received,
            party: Party::Performer,
        });
}

#[test]
fn work_starts_pauses_and_resumes_with_the_performer() {
    given::<Referral>(&accepted())
        .when(issued(link_worker(), 20, change(Status::InProgress, None)))
        .then(&[status(
            Status::Accepted,
            Status::InProgress,
            link_worker(),
            None,
            20,
        )]);
    given::<Referral>(&in_progress())
        .when(issued(link_worker(), 30, change(Status::OnHold, None)))
        .then_err(Error::ReasonRequired(Status::OnHold));
    let mut held = in_progress();
    held.push(status(
        Status::InProgress,
        Status::OnHold,
        link_worker(),
        Some("in hospital"),
        30,
    ));
    given::<Referral>(&held)
        .when(issued(link_worker(), 40, change(Status::InProgress, None)))
        .then(&[status(
            Status::OnHold,
            Status::InProgress,
            link_worker(),
            None,
            40,
        )]);
    given::<Referral>(&held)
        .when(issued(gp(), 40, change(Status::InProgress, None)))
        .then_err(Error::TransitionNotAllowed {
            from: Status::OnHold,
            to: Status::InProgress,
            party: Party::Requester,
        });
}

#[test]
fn completing_produces_the_message_back() {
    given::<Referral>(&in_progress())
        .when(issued(
            link_worker(),
            90,
            Command::Complete {
                outcome_summary: "joined walking group".to_owned(),
                outcomes: Vec::new(),
            },
        ))
        .then(&[
            status(
                Status::InProgress,
                Status::Completed,
                link_worker(),
                None,
                90,
            ),
            Event::MessageBackProduced {
                to: referrer(),
                status: Status::Completed,
                code: None,
                summary: Some("joined walking group".to_owned()),
                outcomes: Vec::new(),
                at: at(90),
            },
        ]);
}

fn improved() -> Vec<MeasuredOutcome> {
    vec![MeasuredOutcome {
        instrument: "swemwbs".to_owned(),
        instrument_version: "1.0".to_owned(),
        timepoint: "follow-up".to_owned(),
        changes: vec!["metric +3.93 (MID 2.87): improved".to_owned()],
        mid_passed: true,
    }]
}

fn completed_with_measures() -> Command {
    Command::Complete {
        outcome_summary: "joined walking group".to_owned(),
        outcomes: improved(),
    }
}

fn message_back(events: &[Event]) -> (Option<String>, Vec<MeasuredOutcome>) {
    events
        .iter()
        .find_map(|event| match event {
            Event::MessageBackProduced {
                summary, outcomes, ..
            } => Some((summary.clone(), outcomes.clone())),
            _ => None,
        })
        .expect("a message back")
}

#[test]
fn the_message_back_carries_the_measures_only_with_consent() {
    use decider::Decider;
    let completed = Referral::decide(
        &Referral::fold(&in_progress()),
        issued(link_worker(), 90, completed_with_measures()),
    )
    .expect("completed");
    assert_eq!(message_back(&completed).1, improved());
    let mut withdrawn = in_progress();
    withdrawn.push(Event::ConsentWithdrawn {
        actor: link_worker(),
        at: at(80),
    });
    let completed = Referral::decide(
        &Referral::fold(&withdrawn),
        issued(link_worker(), 90, completed_with_measures()),
    )
    .expect("completed");
    assert_eq!(message_back(&completed), (None, Vec::new()));
}

#[test]
fn completion_is_only_from_in_progress_and_only_through_complete() {
    given::<Referral>(&accepted())
        .when(issued(
            link_worker(),
            90,
            Command::Complete {
                outcome_summary: "done".to_owned(),
                outcomes: Vec::new(),
            },
        ))
        .then_err(Error::TransitionNotAllowed {
            from: Status::Accepted,
            to: Status::Completed,
            party: Party::Performer,
        });
    given::<Referral>(&in_progress())
        .when(issued(link_worker(), 90, change(Status::Completed, None)))
        .then_err(Error::TransitionNotAllowed {
            from: Status::InProgress,
            to: Status::Completed,
            party: Party::Performer,
        });
}

#[test]
fn either_party_cancels_an_open_referral_but_not_a_closed_one() {
    for who in [gp(), link_worker()] {
        let events = given::<Referral>(&in_progress());
        events
            .when(issued(
                who.clone(),
                50,
                change(Status::Cancelled, Some("moved away")),
            ))
            .then(&[
                status(
                    Status::InProgress,
                    Status::Cancelled,
                    who,
                    Some("moved away"),
                    50,
                ),
                Event::MessageBackProduced {
                    to: referrer(),
                    status: Status::Cancelled,
                    code: None,
                    summary: Some("moved away".to_owned()),
                    outcomes: Vec::new(),
                    at: at(50),
                },
            ]);
    }
    let mut cancelled = in_progress();
    cancelled.push(status(
        Status::InProgress,
        Status::Cancelled,
        gp(),
        Some("moved away"),
        50,
    ));
    given::<Referral>(&cancelled)
        .when(issued(link_worker(), 60, change(Status::InProgress, None)))
        .then_err(Error::TransitionNotAllowed {
            from: Status::Cancelled,
            to: Status::InProgress,
            party: Party::Performer,
        });
}

#[test]
fn only_the_requester_marks_entered_in_error_even_when_closed() {
    let mut cancelled = in_progress();
    cancelled.push(status(
        Status::InProgress,
        Status::Cancelled,
        gp(),
        Some("moved away"),
        50,
    ));
    given::<Referral>(&cancelled)
        .when(issued(
            gp(),
            60,
            change(Status::EnteredInError, Some("wrong patient")),
        ))
        .then(&[status(
            Status::Cancelled,
            Status::EnteredInError,
            gp(),
            Some("wrong patient"),
            60,
        )]);
    given::<Referral>(&cancelled)
        .when(issued(
            link_worker(),
            60,
            change(Status::EnteredInError, Some("wrong patient")),
        ))
        .then_err(Error::TransitionNotAllowed {
            from: Status::Cancelled,
            to: Status::EnteredInError,
            party: Party::Performer,
        });
}

#[test]
fn the_accountable_organisation_assigns_a_practitioner() {
    let to = Holder {
        organisation: LINK_WORKERS.to_owned(),
        practitioner: Some("lw-ana".to_owned()),
    };
    given::<Referral>(&accepted())
        .when(issued(
            link_worker(),
            15,
            Command::AssignPractitioner {
                practitioner: "lw-ana".to_owned(),
            },
        ))
        .then(&[Event::ResponsibilityHandedOff {
            offer_id: None,
            from: org(LINK_WORKERS),
            to,
            actor: link_worker(),
            at: at(15),
        }]);
    given::<Referral>(&requested())
        .when(issued(
            link_worker(),
            5,
            Command::AssignPractitioner {
                practitioner: "lw-ana".to_owned(),
            },
        ))
        .then_err(Error::NotAccountable("assign a practitioner"));
}

fn offer_to_other_pcn(minutes_valid: i64) -> Offer {
    Offer {
        offer_id: Uuid::from_u128(2),
        to: org(OTHER_PCN),
        expires_at: at(30 + minutes_valid),
    }
}

fn offered_onwards() -> Vec<Event> {
    let mut events = in_progress();
    events.push(Event::ResponsibilityOffered {
        offer: offer_to_other_pcn(60),
        by: link_worker(),
        at: at(30),
    });
    events
}

#[test]
fn a_handoff_moves_responsibility_only_when_accepted() {
    given::<Referral>(&in_progress())
        .when(issued(
            link_worker(),
            30,
            Command::OfferResponsibility {
                offer: offer_to_other_pcn(60),
            },
        ))
        .then(&[Event::ResponsibilityOffered {
            offer: offer_to_other_pcn(60),
            by: link_worker(),
            at: at(30),
        }]);
    let other = actor("lw-ben", OTHER_PCN);
    given::<Referral>(&offered_onwards())
        .when(issued(
            other.clone(),
            45,
            Command::AcceptOffer {
                offer_id: Uuid::from_u128(2),
            },
        ))
        .then(&[Event::ResponsibilityHandedOff {
            offer_id: Some(Uuid::from_u128(2)),
            from: org(LINK_WORKERS),
            to: org(OTHER_PCN),
            actor: other,
            at: at(45),
        }]);
}

#[test]
fn a_handoff_is_refused_to_anyone_but_the_named_party_and_after_expiry() {
    given::<Referral>(&offered_onwards())
        .when(issued(
            gp(),
            45,
            Command::AcceptOffer {
                offer_id: Uuid::from_u128(2),
            },
        ))
        .then_err(Error::OfferNotForYou(OTHER_PCN.to_owned()));
    given::<Referral>(&offered_onwards())
        .when(issued(
            actor("lw-ben", OTHER_PCN),
            91,
            Command::AcceptOffer {
                offer_id: Uuid::from_u128(2),
            },
        ))
        .then_err(Error::OfferExpired(at(90)));
    given::<Referral>(&offered_onwards())
        .when(issued(
            actor("lw-ben", OTHER_PCN),
            45,
            Command::AcceptOffer {
                offer_id: Uuid::from_u128(9),
            },
        ))
        .then_err(Error::NoSuchOffer(Uuid::from_u128(9)));
}

#[test]
fn only_the_holder_offers_and_only_one_offer_at_a_time() {
    given::<Referral>(&in_progress())
        .when(issued(
            gp(),
            30,
            Command::OfferResponsibility {
                offer: offer_to_other_pcn(60),
            },
        ))
        .then_err(Error::NotAccountable("offer responsibility"));
    given::<Referral>(&offered_onwards())
        .when(issued(
            link_worker(),
            31,
            Command::OfferResponsibility {
                offer: offer_to_other_pcn(60),
            },
        ))
        .then_err(Error::OfferAlreadyOpen);
    given::<Referral>(&in_progress())
        .when(issued(
            link_worker(),
            30,
            Command::OfferResponsibility {
                offer: offer_to_other_pcn(-1),
            },
        ))
        .then_err(Error::InvalidOffer("expires_at must be in the future"));
}

#[test]
fn a_declined_offer_leaves_responsibility_where_it_was() {
    let other = actor("lw-ben", OTHER_PCN);
    let declined = Event::OfferDeclined {
        offer_id: Uuid::from_u128(2),
        actor: other.clone(),
        reason: "caseload full".to_owned(),
        at: at(40),
    };
    given::<Referral>(&offered_onwards())
        .when(issued(
            other,
            40,
            Command::DeclineOffer {
                offer_id: Uuid::from_u128(2),
                reason: "caseload full".to_owned(),
            },
        ))
        .then(std::slice::from_ref(&declined));
    let mut history = offered_onwards();
    history.push(declined);
    let state = <Referral as decider::Decider>::fold(&history);
    let opened = state.opened.expect("open");
    assert_eq!(opened.holder, org(LINK_WORKERS));
    assert_eq!(opened.offer, None);
}

#[test]
fn an_expired_offer_escalates_to_the_holder_but_not_before_it_expires() {
    given::<Referral>(&offered_onwards())
        .when(issued(
            actor("scheduler", "SYSTEM"),
            89,
            Command::EscalateExpiredOffer {
                offer_id: Uuid::from_u128(2),
            },
        ))
        .then_err(Error::OfferNotExpired(at(90)));
    given::<Referral>(&offered_onwards())
        .when(issued(
            actor("scheduler", "SYSTEM"),
            90,
            Command::EscalateExpiredOffer {
                offer_id: Uuid::from_u128(2),
            },
        ))
        .then(&[Event::OfferEscalated {
            offer_id: Uuid::from_u128(2),
            holder: org(LINK_WORKERS),
            at: at(90),
        }]);
}

#[test]
fn there_is_always_exactly_one_holder() {
    let mut history = offered_onwards();
    let mut holders = Vec::new();
    for n in 1..=history.len() {
        let state = <Referral as decider::Decider>::fold(&history[..n]);
        holders.push(state.opened.map(|o| o.holder.organisation));
    }
    assert!(holders.iter().all(Option::is_some), "never nobody");
    history.push(Event::ResponsibilityHandedOff {
        offer_id: Some(Uuid::from_u128(2)),
        from: org(LINK_WORKERS),
        to: org(OTHER_PCN),
        actor: actor("lw-ben", OTHER_PCN),
        at: at(45),
    });
    let state = <Referral as decider::Decider>::fold(&history);
    assert_eq!(state.opened.expect("open").holder, org(OTHER_PCN));
}

#[test]
fn the_link_worker_records_contact_attempts_and_the_assessment_once_accepted() {
    given::<Referral>(&requested())
        .when(issued(
            link_worker(),
            5,
            Command::RecordContactAttempt {
                outcome: ContactOutcome::NoAnswer,
            },
        ))
        .then_err(Error::NotActive(Status::Requested));
    given::<Referral>(&accepted())
        .when(issued(
            link_worker(),
            12,
            Command::RecordContactAttempt {
                outcome: ContactOutcome::Reached,
            },
        ))
        .then(&[Event::ContactAttempted {
            outcome: ContactOutcome::Reached,
            actor: link_worker(),
            at: at(12),
        }]);
    let goals = vec!["walk to the shops again".to_owned()];
    let needs = vec![Need::Loneliness, Need::PhysicalActivity];
    given::<Referral>(&in_progress())
        .when(issued(
            link_worker(),
            25,
            Command::RecordAssessment {
                needs: needs.clone(),
                goals: goals.clone(),
            },
        ))
        .then(&[Event::AssessmentRecorded {
            needs,
            goals,
            actor: link_worker(),
            at: at(25),
        }]);
    given::<Referral>(&in_progress())
        .when(issued(
            link_worker(),
            25,
            Command::RecordAssessment {
                needs: vec![],
                goals: vec![" ".to_owned()],
            },
        ))
        .then_err(Error::EmptyAssessment);
    given::<Referral>(&in_progress())
        .when(issued(
            gp(),
            25,
            Command::RecordContactAttempt {
                outcome: ContactOutcome::Reached,
            },
        ))
        .then_err(Error::NotAccountable("work on this referral"));
}

fn refer_onward(availability: ServiceAvailability) -> Command {
    Command::ReferOnward {
        child_id: Uuid::from_u128(7),
        service_id: "service-walking-group".to_owned(),
        provider_organisation: "VCSE-42".to_owned(),
        availability,
    }
}

#[test]
fn onward_referrals_go_only_to_services_taking_referrals() {
    given::<Referral>(&in_progress())
        .when(issued(
            link_worker(),
            30,
            refer_onward(ServiceAvailability::TakingReferrals),
        ))
        .then(&[Event::OnwardReferralMade {
            child_id: Uuid::from_u128(7),
            service_id: "service-walking-group".to_owned(),
            provider_organisation: "VCSE-42".to_owned(),
            actor: link_worker(),
            at: at(30),
        }]);
    for refused in [
        ServiceAvailability::Withdrawn,
        ServiceAvailability::Suspended,
        ServiceAvailability::NoCapacity,
        ServiceAvailability::SignpostingOnly,
        ServiceAvailability::Unknown,
    ] {
        given::<Referral>(&in_progress())
            .when(issued(link_worker(), 30, refer_onward(refused)))
            .then_err(Error::ServiceUnavailable(refused));
    }
}

#[test]
fn withdrawn_consent_stops_onward_referrals_and_the_outcome_summary() {
    let mut withdrawn = in_progress();
    withdrawn.push(Event::ConsentWithdrawn {
        actor: link_worker(),
        at: at(26),
    });
    given::<Referral>(&in_progress())
        .when(issued(link_worker(), 26, Command::WithdrawConsent))
        .then(&[Event::ConsentWithdrawn {
            actor: link_worker(),
            at: at(26),
        }]);
    given::<Referral>(&withdrawn)
        .when(issued(
            link_worker(),
            30,
            refer_onward(ServiceAvailability::TakingReferrals),
        ))
        .then_err(Error::NoConsentToShare);
    given::<Referral>(&withdrawn)
        .when(issued(
            link_worker(),
            90,
            Command::Complete {
                outcome_summary: "joined a choir".to_owned(),
                outcomes: Vec::new(),
            },
        ))
        .then(&[
            status(
                Status::InProgress,
                Status::Completed,
                link_worker(),
                None,
                90,
            ),
            Event::MessageBackProduced {
                to: referrer(),
                status: Status::Completed,
                code: None,
                summary: None,
                outcomes: Vec::new(),
                at: at(90),
            },
        ]);
}

#[test]
fn a_person_declining_is_coded_for_the_referrer() {
    given::<Referral>(&accepted())
        .when(issued(
            link_worker(),
            15,
            Command::RecordDeclined {
                reason: String::new(),
            },
        ))
        .then(&[
            status(
                Status::Accepted,
                Status::Cancelled,
                link_worker(),
                Some("declined social prescribing"),
                15,
            ),
            Event::MessageBackProduced {
                to: referrer(),
                status: Status::Cancelled,
                code: Some(SOCIAL_PRESCRIBING_DECLINED.to_owned()),
                summary: Some("declined social prescribing".to_owned()),
                outcomes: Vec::new(),
                at: at(15),
            },
        ]);
}

#[test]
fn a_self_referral_names_no_practitioner_and_a_practitioners_referral_does() {
    let mut own = request();
    own.source = Source::SelfReferral;
    own.referrer = Holder {
        organisation: "SELF".to_owned(),
        practitioner: None,
    };
    let events = given::<Referral>(&[]);
    let outcome = events.when(issued(
        actor("person", "SELF"),
        0,
        Command::Request(own.clone()),
    ));
    let mut expected = requested();
    if let Event::Requested {
        source, referrer, ..
    } = &mut expected[0]
    {
        *source = Source::SelfReferral;
        *referrer = own.referrer.clone();
    }
    if let Event::ResponsibilityOffered { by, .. } = &mut expected[1] {
        *by = actor("person", "SELF");
    }
    outcome.then(&expected);

    let mut confused = own;
    confused.referrer.practitioner = Some("dr-patel".to_owned());
    given::<Referral>(&[])
        .when(issued(
            actor("person", "SELF"),
            0,
            Command::Request(confused),
        ))
        .then_err(Error::ReferrerMismatch);
    let mut anonymous = request();
    anonymous.referrer.practitioner = None;
    given::<Referral>(&[])
        .when(issued(gp(), 0, Command::Request(anonymous)))
        .then_err(Error::ReferrerMismatch);
}

/// Every status change, legal and illegal, through `decide`: from each status, to each status,
/// by each party. Legal ones cause a `StatusChanged` from → to; illegal ones are refused with
/// the broken rule, and completion only ever goes through `Complete`.
#[test]
fn every_status_change_by_every_party_is_decided_by_the_gravity_table() {
    use super::referral::Opened;
    for from in Status::ALL {
        let state = Referral {
            opened: Some(Opened {
                referrer: referrer(),
                owner: LINK_WORKERS.to_owned(),
                status: from,
                holder: org(LINK_WORKERS),
                offer: None,
                consent: request().consent,
            }),
        };
        for to in Status::ALL {
            for (who, party) in [(gp(), Party::Requester), (link_worker(), Party::Performer)] {
                let command = change(to, Some("because"));
                let decided =
                    <Referral as decider::Decider>::decide(&state, issued(who, 1, command));
                let allowed = from.allows(to, party) && to != Status::Completed;
                match decided {
                    Ok(events) => {
                        assert!(allowed, "{from} → {to} by {party:?} was allowed");
                        assert!(
                            matches!(events.first(), Some(Event::StatusChanged { from: f, to: t, .. }) if *f == from && *t == to),
                            "{from} → {to}: {events:?}"
                        );
                    }
                    Err(error) => {
                        assert!(!allowed, "{from} → {to} by {party:?} was refused: {error}");
                        assert_eq!(error, Error::TransitionNotAllowed { from, to, party });
                    }
                }
            }
        }
    }
}

#[test]
fn each_need_is_written_and_read_by_its_code() {
    for need in Need::ALL {
        let wire = serde_json::to_value(need).expect("serialise");
        assert_eq!(wire, need.code(), "{need:?}");
        let read: Need = serde_json::from_value(wire).expect("deserialise");
        assert_eq!(read, need);
    }
}
