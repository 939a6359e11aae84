//! Every event the referral service records keeps the contract it publishes
//! (`proto/linkwork/referral/v1/events.proto`): consumers decode these payloads as exactly
//! what the log holds, so a renamed or dropped field fails here, before any consumer reads a
//! default in its place.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::nhs_number::SealedNhsNumber;
use super::referral::{
    Actor, Consent, ContactOutcome, Event, Holder, Need, Offer, Source, Urgency,
};
use super::snomed::{ConceptId, REFERRAL_TO_SOCIAL_PRESCRIBING};
use super::status::Status;

fn holder(practitioner: Option<&str>) -> Holder {
    Holder {
        organisation: "PCN-LW-01".to_owned(),
        practitioner: practitioner.map(str::to_owned),
    }
}

fn actor() -> Actor {
    Actor {
        id: "lw-ana".to_owned(),
        organisation: "PCN-LW-01".to_owned(),
    }
}

/// One event of every kind, some twice over their optional parts.
fn events() -> Vec<Event> {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid");
    let offer_id = Uuid::from_u128(7);
    let mut events: Vec<Event> = [None, Some(Uuid::from_u128(1))]
        .into_iter()
        .map(|part_of| Event::Requested {
            source: Source::Practitioner,
            referrer: holder(Some("dr-patel")),
            receiving_organisation: "PCN-LW-01".to_owned(),
            reasons: vec![ConceptId::parse(REFERRAL_TO_SOCIAL_PRESCRIBING).expect("valid")],
            urgency: Urgency::Routine,
            part_of,
            consent: Consent {
                share_with_providers: true,
                share_outcome_with_referrer: false,
            },
            person: SealedNhsNumber {
                subject: "nhs-hmac:00aa".to_owned(),
                ciphertext: "5e41ed".to_owned(),
            },
            at,
        })
        .collect();
    events.extend([
        Event::ContactAttempted {
            outcome: ContactOutcome::Reached,
            actor: actor(),
            at,
        },
        Event::AssessmentRecorded {
            needs: vec![Need::Loneliness],
            goals: vec!["Get out twice a week".to_owned()],
            actor: actor(),
            at,
        },
        Event::OnwardReferralMade {
            child_id: Uuid::from_u128(2),
            service_id: "0190a2b4-0000-7000-8000-000000000005".to_owned(),
            provider_organisation: "VCSE-LUNCH".to_owned(),
            actor: actor(),
            at,
        },
        Event::ConsentWithdrawn { actor: actor(), at },
        Event::StatusChanged {
            from: Status::Received,
            to: Status::Accepted,
            actor: actor(),
            reason: None,
            at,
        },
        Event::StatusChanged {
            from: Status::InProgress,
            to: Status::OnHold,
            actor: actor(),
            reason: Some("in hospital".to_owned()),
            at,
        },
        Event::ResponsibilityOffered {
            offer: Offer {
                offer_id,
                to: holder(None),
                expires_at: at,
            },
            by: actor(),
            at,
        },
        Event::ResponsibilityHandedOff {
            offer_id: Some(offer_id),
            from: holder(Some("dr-patel")),
            to: holder(None),
            actor: actor(),
            at,
        },
        Event::ResponsibilityHandedOff {
            offer_id: None,
            from: holder(None),
            to: holder(Some("lw-ana")),
            actor: actor(),
            at,
        },
        Event::OfferDeclined {
            offer_id,
            actor: actor(),
            reason: "no capacity".to_owned(),
            at,
        },
        Event::OfferEscalated {
            offer_id,
            holder: holder(None),
            at,
        },
        Event::MessageBackProduced {
            to: holder(Some("dr-patel")),
            status: Status::Completed,
            code: Some("871711000000103".to_owned()),
            summary: None,
            at,
        },
    ]);
    events
}

/// Each kind's place in the list; a new kind fails to compile here until it has a sample.
fn kind(event: &Event) -> usize {
    match event {
        Event::Requested { .. } => 0,
        Event::ContactAttempted { .. } => 1,
        Event::AssessmentRecorded { .. } => 2,
        Event::OnwardReferralMade { .. } => 3,
        Event::ConsentWithdrawn { .. } => 4,
        Event::StatusChanged { .. } => 5,
        Event::ResponsibilityOffered { .. } => 6,
        Event::ResponsibilityHandedOff { .. } => 7,
        Event::OfferDeclined { .. } => 8,
        Event::OfferEscalated { .. } => 9,
        Event::MessageBackProduced { .. } => 10,
    }
}

#[test]
fn every_referral_event_keeps_its_published_contract() {
    let events = events();
    let kinds: BTreeSet<usize> = events.iter().map(kind).collect();
    assert_eq!(kinds.len(), 11, "a sample of every kind");
    for event in &events {
        let payload = serde_json::to_vec(event).expect("events serialise");
        let broken = contract::events::conforms(crate::SERVICE.name, event.event_type(), &payload);
        assert_eq!(broken, Ok(()), "{}", event.event_type());
    }
}

#[test]
fn no_published_contract_carries_the_nhs_number_even_sealed() {
    let referral_events = contract::events::catalogue()
        .into_iter()
        .filter(|event| event.service == crate::SERVICE.name);
    for event in referral_events {
        for field in event.message.fields() {
            assert!(
                !matches!(field.name(), "person" | "nhs_number"),
                "{} publishes {}: other services see only the pseudonym",
                event.event_type,
                field.name()
            );
        }
    }
}
