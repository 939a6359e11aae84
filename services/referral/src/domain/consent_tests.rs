//! The person's consents as the decider keeps them: device data asked apart from the rest,
//! read as not given from referrals recorded before it was asked, part of what makes a retried
//! request the same one, and withdrawn with everything else.

use decider::Decider;
use serde_json::Value;

use super::referral::{Actor, Consent, Event, Referral};
use super::referral_tests::{at, request, requested};

/// What the fold of `events` holds of the person's consent.
fn consent_after(events: &[Event]) -> Consent {
    Referral::fold(events)
        .opened
        .expect("the referral exists")
        .consent
}

#[test]
fn a_referral_recorded_before_device_data_was_asked_reads_as_no_consent_to_it() {
    let mut stored = serde_json::to_value(&requested()[0]).expect("serialises");
    let consent = stored["consent"].as_object_mut().expect("a consent object");
    assert_eq!(consent.remove("share_device_data"), Some(Value::Bool(true)));
    let read: Event = serde_json::from_value(stored).expect("an old payload still reads");
    let Event::Requested { consent, .. } = read else {
        panic!("read as another event: {read:?}");
    };
    assert_eq!(
        consent,
        Consent {
            share_with_providers: true,
            share_outcome_with_referrer: true,
            share_device_data: false,
        }
    );
}

#[test]
fn consent_to_device_data_is_kept_and_withdrawn_with_the_rest() {
    let made = requested();
    assert!(consent_after(&made).share_device_data);
    let mut withdrawn = made;
    withdrawn.push(Event::ConsentWithdrawn {
        actor: Actor {
            id: "lw-ana".to_owned(),
            organisation: "PCN-LW-01".to_owned(),
        },
        at: at(30),
    });
    assert_eq!(
        consent_after(&withdrawn),
        Consent {
            share_with_providers: false,
            share_outcome_with_referrer: false,
            share_device_data: false,
        }
    );
}

#[test]
fn a_retry_differing_only_in_consent_to_device_data_is_another_request() {
    let recorded = requested();
    assert!(request().is_recorded_in(&recorded));
    let mut other = request();
    other.consent.share_device_data = false;
    assert!(!other.is_recorded_in(&recorded));
}
