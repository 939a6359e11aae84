use prost_reflect::DynamicMessage;
use proto::directory::v1 as directory;
use proto::referral::v1 as referral;

use super::validate;
use crate::pool;

/// `message` as the services see it: decoded against its descriptor.
fn dynamic<M: prost::Message + prost::Name>(message: &M) -> DynamicMessage {
    let descriptor = pool()
        .get_message_by_name(&M::full_name())
        .expect("compiled");
    DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice()).expect("decodes")
}

fn refusal<M: prost::Message + prost::Name>(message: &M) -> String {
    validate(&dynamic(message)).expect_err("refused").message
}

fn details() -> directory::ServiceDetails {
    directory::ServiceDetails {
        name: "Lunch club".into(),
        taxonomy_terms: vec!["0190a2b4-0000-7000-8000-000000000003".into()],
        minimum_age: Some(60),
        schedules: vec![directory::Schedule {
            days: vec!["tuesday".into(), "fri".into()],
            opens_at: "10:00".into(),
            closes_at: "12:30".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn listing(details: directory::ServiceDetails) -> directory::ListServiceRequest {
    directory::ListServiceRequest {
        service_id: String::new(),
        organisation_id: "0190a2b4-0000-7000-8000-000000000001".into(),
        details: Some(details),
    }
}

#[test]
fn a_request_within_its_limits_passes() {
    assert_eq!(validate(&dynamic(&listing(details()))), Ok(()));
}

#[test]
fn text_limits_name_the_field() {
    let mut blank = details();
    blank.name = " \u{3000} ".into();
    assert_eq!(refusal(&listing(blank)), "details.name is required");
    let mut long = details();
    long.name = "é".repeat(301);
    assert_eq!(
        refusal(&listing(long)),
        "details.name must be at most 300 characters"
    );
    let mut exactly = details();
    exactly.name = "é".repeat(300);
    assert_eq!(validate(&dynamic(&listing(exactly))), Ok(()));
    let mut broken = details();
    broken.name = "Lunch\nclub".into();
    assert_eq!(
        refusal(&listing(broken)),
        "details.name must be one line with no control characters or direction overrides"
    );
    let mut invisible = details();
    invisible.name = "\u{200b}\u{2060}\u{3164}".into();
    assert_eq!(refusal(&listing(invisible)), "details.name is required");
    let mut overridden = details();
    overridden.name = "Lunch \u{202e}bulc".into();
    assert!(refusal(&listing(overridden)).contains("direction overrides"));
    let mut prose = details();
    prose.description = "Soup.\n\tThen cake.".into();
    assert_eq!(validate(&dynamic(&listing(prose))), Ok(()));
    let mut bell = details();
    bell.description = "Soup\u{7}".into();
    assert!(refusal(&listing(bell)).starts_with("details.description must not hold control"));
}

#[test]
fn formats_values_and_patterns_are_checked_but_empty_means_none() {
    let mut bad_id = listing(details());
    bad_id.service_id = "0190a2b40000700080000000000000ff".into();
    assert_eq!(refusal(&bad_id), "service_id must be a UUID");
    let mut no_org = listing(details());
    no_org.organisation_id = String::new();
    assert_eq!(refusal(&no_org), "organisation_id is required");
    let mut day = details();
    day.schedules[0].days[1] = "Friday".into();
    let message = refusal(&listing(day));
    assert!(
        message.starts_with("details.schedules[0].days[1] must be one of \"monday\""),
        "{message}"
    );
    let mut date = details();
    date.schedules[0].valid_from = "2025-02-30".into();
    assert_eq!(
        refusal(&listing(date)),
        "details.schedules[0].valid_from must be a date as YYYY-MM-DD"
    );
    let mut email = details();
    email.email = "lunch-club.example.org".into();
    assert_eq!(
        refusal(&listing(email)),
        "details.email must be an e-mail address"
    );
    let mut empty_term = details();
    empty_term.taxonomy_terms.push(String::new());
    assert_eq!(
        refusal(&listing(empty_term)),
        "details.taxonomy_terms[1] must not be empty"
    );
}

#[test]
fn counts_ranges_and_required_messages_are_checked() {
    let mut old = details();
    old.maximum_age = Some(121);
    assert_eq!(
        refusal(&listing(old)),
        "details.maximum_age must be from 0 to 120"
    );
    let mut many = details();
    many.schedules[0].days = vec!["mon".into(); 8];
    assert_eq!(
        refusal(&listing(many)),
        "details.schedules[0].days must have at most 7 items"
    );
    let mut nothing = listing(details());
    nothing.details = None;
    assert_eq!(refusal(&nothing), "details is required");
    let search = directory::SearchRequest {
        latitude: Some(f64::NAN),
        ..Default::default()
    };
    assert_eq!(refusal(&search), "latitude must be from -90 to 90");
    let search = directory::SearchRequest {
        within_metres: Some(0),
        ..Default::default()
    };
    assert_eq!(refusal(&search), "within_metres must be from 1 to 200000");
}

#[test]
fn repeated_fields_and_timestamps_have_their_own_rules() {
    let referral = referral::CreateReferralRequest {
        receiving_organisation: "PCN-LW-01".into(),
        reason_codes: vec![],
        accept_by: Some(prost_types::Timestamp {
            seconds: 1,
            nanos: 0,
        }),
        nhs_number: "401 023 2137".into(),
        ..Default::default()
    };
    assert_eq!(
        refusal(&referral),
        "reason_codes must have at least one item"
    );
    let coded = referral::CreateReferralRequest {
        reason_codes: vec!["871731000000106".into(), "8717".into()],
        ..referral.clone()
    };
    assert_eq!(
        refusal(&coded),
        "reason_codes[1] must be a SNOMED CT concept id: 6 to 18 digits"
    );
    let unset = referral::CreateReferralRequest {
        reason_codes: vec!["871731000000106".into()],
        accept_by: None,
        ..referral.clone()
    };
    assert_eq!(refusal(&unset), "accept_by is required");
    let out_of_range = referral::CreateReferralRequest {
        reason_codes: vec!["871731000000106".into()],
        accept_by: Some(prost_types::Timestamp {
            seconds: 1,
            nanos: -1,
        }),
        ..referral
    };
    assert_eq!(refusal(&out_of_range), "accept_by is not a valid timestamp");
}
