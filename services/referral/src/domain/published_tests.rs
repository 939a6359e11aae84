//! Every event the referral service records keeps the contract it publishes
//! (`proto/linkwork/referral/v1/events.proto`): consumers decode these payloads as exactly
//! what the log holds, so a renamed or dropped field fails here, before any consumer reads a
//! default in its place.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::age::AgeBand;
use super::nhs_number::SealedNhsNumber;
use super::person::{EthnicCategory, ImdDecile, Sealed, Sex};
use super::referral::{
    Actor, Consent, ContactOutcome, Event, Holder, MeasuredOutcome, Need, Offer, Source, Urgency,
};
use super::snomed::{ConceptId, REFERRAL_TO_SOCIAL_PRESCRIBING};
use super::status::Status;

/// Ciphertexts as the vault writes them (hex), for the fields that must never be published.
const SEALED_BIRTH_DATE: &str = "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";
const SEALED_POSTCODE: &str = "9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c";

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
    // The second is of a person who gave everything: their date of birth and postcode
    // sealed, the rest as it is published.
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
                share_device_data: true,
            },
            person: SealedNhsNumber {
                subject: "nhs-hmac:00aa".to_owned(),
                ciphertext: "5e41ed".to_owned(),
            },
            birth_date: part_of.map(|_| Sealed(SEALED_BIRTH_DATE.to_owned())),
            sex: part_of.map(|_| Sex::Female),
            ethnic_category: part_of.map(|_| EthnicCategory::NotStated),
            postcode: part_of.map(|_| Sealed(SEALED_POSTCODE.to_owned())),
            age_band: part_of.map(|_| AgeBand::From55To64),
            imd_decile: part_of.and_then(|_| ImdDecile::new(3)),
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
            outcomes: vec![MeasuredOutcome {
                instrument: "swemwbs".to_owned(),
                instrument_version: "1.0".to_owned(),
                timepoint: "close".to_owned(),
                changes: vec!["metric +3.93 (MID 2.87): improved".to_owned()],
                mid_passed: true,
            }],
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

#[test]
fn no_published_contract_carries_the_date_of_birth_or_postcode_even_sealed() {
    let requested = contract::events::catalogue()
        .into_iter()
        .find(|event| {
            event.service == crate::SERVICE.name && event.event_type == "referral_requested"
        })
        .expect("referral_requested is published");
    let names: Vec<String> = requested
        .message
        .fields()
        .map(|field| field.name().to_owned())
        .collect();
    for kept in ["birth_date", "postcode", "person"] {
        assert!(
            !names.iter().any(|name| name == kept),
            "referral_requested publishes {kept}"
        );
    }
    for derived in ["age_band", "sex", "ethnic_category", "imd_decile"] {
        assert!(
            names.iter().any(|name| name == derived),
            "referral_requested lacks {derived}"
        );
    }
}

/// What the relay publishes of a referral as recorded: the derived bands, and neither the
/// sealed date of birth, the sealed postcode nor the sealed NHS number.
#[test]
fn a_published_referral_carries_the_bands_and_nothing_sealed() {
    let recorded = events()
        .into_iter()
        .find(|event| {
            matches!(
                event,
                Event::Requested {
                    birth_date: Some(_),
                    ..
                }
            )
        })
        .expect("a sample with demographics");
    let payload = serde_json::to_vec(&recorded).expect("serialises");
    let text = String::from_utf8_lossy(&payload);
    assert!(text.contains(SEALED_BIRTH_DATE) && text.contains(SEALED_POSTCODE));

    let published =
        contract::events::published_payload(crate::SERVICE.name, "referral_requested", &payload);
    let shown = String::from_utf8_lossy(&published);
    for sealed in [SEALED_BIRTH_DATE, SEALED_POSTCODE, "5e41ed"] {
        assert!(!shown.contains(sealed), "{shown}");
    }
    let json: serde_json::Value = serde_json::from_slice(&published).expect("JSON");
    for absent in ["birth_date", "postcode", "person"] {
        assert!(json.get(absent).is_none(), "{absent} published: {json}");
    }
    assert_eq!(json["age_band"], "55-64");
    assert_eq!(json["sex"], "female");
    assert_eq!(json["ethnic_category"], "Z");
    assert_eq!(json["imd_decile"], 3);
    // What a consumer decodes is what was decided.
    let decoded = contract::events::decode_if::<proto::referral::v1::ReferralRequested>(
        crate::SERVICE.name,
        "referral_requested",
        &published,
    )
    .expect("keeps its contract")
    .expect("a ReferralRequested");
    assert_eq!(decoded.age_band.as_deref(), Some("55-64"));
    assert_eq!(decoded.sex.as_deref(), Some("female"));
    assert_eq!(decoded.ethnic_category.as_deref(), Some("Z"));
    assert_eq!(decoded.imd_decile, Some(3));
    assert_eq!(
        contract::events::conforms(crate::SERVICE.name, "referral_requested", &published),
        Ok(())
    );
}

/// Each consent reaches consumers as given, device data among them: one left out of the
/// contract would be dropped by the relay and read by every consumer as not given.
#[test]
fn a_published_referral_carries_each_consent_as_given() {
    let recorded = events().remove(0);
    let Event::Requested { consent, .. } = &recorded else {
        panic!("the first sample is a referral: {recorded:?}");
    };
    assert_eq!(
        (
            consent.share_outcome_with_referrer,
            consent.share_device_data
        ),
        (false, true),
        "a sample that tells the consents apart"
    );
    let payload = serde_json::to_vec(&recorded).expect("serialises");
    let published =
        contract::events::published_payload(crate::SERVICE.name, "referral_requested", &payload);
    let decoded = contract::events::decode_if::<proto::referral::v1::ReferralRequested>(
        crate::SERVICE.name,
        "referral_requested",
        &published,
    )
    .expect("keeps its contract")
    .expect("a ReferralRequested");
    assert_eq!(
        decoded.consent,
        Some(proto::referral::v1::Consent {
            share_with_providers: true,
            share_outcome_with_referrer: false,
            share_device_data: true,
        })
    );
}
