//! The schema and the checks agree: for many values of many fields, a body the schema allows
//! is exactly a body the JSON API decodes and the limits pass.

use prost_reflect::{DynamicMessage, MessageDescriptor};
use serde_json::{Value, json};

use super::{Components, Direction};
use crate::json::decode_body;
use crate::{pool, validate};

fn descriptor(name: &str) -> MessageDescriptor {
    pool().get_message_by_name(name).expect("compiled")
}

fn accepted(message: &MessageDescriptor, body: &Value) -> bool {
    let mut dynamic = DynamicMessage::new(message.clone());
    decode_body(&mut dynamic, None, body.to_string().as_bytes(), &[]).is_ok()
        && validate(&dynamic).is_ok()
}

fn allowed(message: &MessageDescriptor, body: &Value) -> bool {
    let mut components = Components::default();
    let schema = components.reference(message, Direction::Request);
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": { "schemas": components.into_schemas() },
        "allOf": [schema],
    });
    jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("the schema compiles")
        .is_valid(body)
}

/// Values worth trying anywhere: the edges of every limit the protos use.
fn candidates() -> Vec<Value> {
    let mut values = vec![
        json!(""),
        json!(" "),
        json!("\u{3000}"),
        json!("\u{feff}"),
        json!("a"),
        json!(" a "),
        json!("a\nb"),
        json!("a\tb"),
        json!("a\u{7}"),
        json!("\u{200b}"),
        json!("é".repeat(100)),
        json!("é".repeat(101)),
        json!("é".repeat(300)),
        json!("é".repeat(301)),
        json!("0190a2b4-7c3d-7e5f-8a1b-2c3d4e5f6a7b"),
        json!("0190A2B4-7C3D-7E5F-8A1B-2C3D4E5F6A7B"),
        json!("0190a2b47c3d7e5f8a1b2c3d4e5f6a7b"),
        json!("{0190a2b4-7c3d-7e5f-8a1b-2c3d4e5f6a7b}"),
        json!("2025-03-04"),
        json!("2025-02-30"),
        json!("25-03-04"),
        json!("10:00"),
        json!("24:00"),
        json!("10:00:30"),
        json!("mon"),
        json!("Friday"),
        json!("routine"),
        json!("someone@example.org"),
        json!("GB"),
        json!("gbr"),
        json!("cy-GB"),
        json!("871731000000106"),
        json!("8717"),
        json!("401 023 2137"),
        json!("40102321370"),
        json!("2026-11-02T09:30:00Z"),
        json!("2026-11-02 09:30:00Z"),
        json!("0000-01-01T00:00:00Z"),
        json!(0),
        json!(1),
        json!(-1),
        json!(1.5),
        json!(36973.0),
        json!(120),
        json!(121),
        json!(500),
        json!(200_000),
        json!(4_294_967_296_u64),
        json!(9_007_199_254_740_991_u64),
        json!(9_007_199_254_740_992_u64),
        json!(-90.5),
        json!(91),
        json!("5"),
        json!(true),
        json!(null),
        json!(["a"]),
        json!({}),
    ];
    values.push(json!(vec!["mon"; 7]));
    values.push(json!(vec!["mon"; 8]));
    values.push(json!(["mon", ""]));
    values.push(json!(["871731000000106"]));
    values.push(json!([]));
    values
}

/// Tries every candidate at `pointer` in `base`, a valid body of `message`.
fn agree(message: &str, base: Value, pointers: &[&str]) {
    let message = descriptor(message);
    assert!(accepted(&message, &base), "the base body is accepted");
    assert!(allowed(&message, &base), "the base body is allowed");
    let mut disagreements = Vec::new();
    for pointer in pointers {
        for value in candidates() {
            let mut body = base.clone();
            let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
            let slot = match body.pointer_mut(parent) {
                Some(Value::Object(object)) => object.entry(key).or_insert(Value::Null),
                Some(Value::Array(items)) => &mut items[key.parse::<usize>().expect("an index")],
                _ => panic!("{parent} is not in the base body"),
            };
            *slot = value.clone();
            let (schema, checks) = (allowed(&message, &body), accepted(&message, &body));
            if schema != checks {
                disagreements.push(format!(
                    "{pointer} = {value}: schema {schema}, checks {checks}"
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn a_service_listing_is_allowed_exactly_when_accepted() {
    let base = json!({
        "service_id": "",
        "organisation_id": "0190a2b4-0000-7000-8000-000000000001",
        "details": {
            "name": "Lunch club",
            "email": "",
            "minimum_age": 60,
            "languages": ["en"],
            "schedules": [{ "days": ["tuesday"], "opens_at": "10:00", "valid_from": "" }],
            "cost_options": [{ "amount_pence": 250 }],
        }
    });
    agree(
        "linkwork.directory.v1.ListServiceRequest",
        base,
        &[
            "/service_id",
            "/organisation_id",
            "/details/name",
            "/details/description",
            "/details/email",
            "/details/minimum_age",
            "/details/languages",
            "/details/schedules/0/days",
            "/details/schedules/0/opens_at",
            "/details/schedules/0/valid_from",
            "/details/cost_options/0/amount_pence",
            "/details/takes_referrals",
        ],
    );
}

#[test]
fn a_search_is_allowed_exactly_when_accepted() {
    let base = json!({ "text": "lunch", "page_size": 10, "latitude": 52.6, "within_metres": 5000 });
    agree(
        "linkwork.directory.v1.SearchRequest",
        base,
        &[
            "/text",
            "/page_size",
            "/latitude",
            "/within_metres",
            "/open_on",
            "/taxonomy_term_ids",
        ],
    );
}

#[test]
fn a_referral_is_allowed_exactly_when_accepted() {
    let base = json!({
        "receiving_organisation": "PCN-LW-01",
        "reason_codes": ["871731000000106"],
        "urgency": "routine",
        "accept_by": "2026-11-05T09:30:00Z",
        "nhs_number": "401 023 2137",
    });
    agree(
        "linkwork.referral.v1.CreateReferralRequest",
        base,
        &[
            "/referral_id",
            "/receiving_organisation",
            "/reason_codes",
            "/urgency",
            "/accept_by",
            "/nhs_number",
            "/referrer_practitioner",
        ],
    );
}

#[test]
fn a_location_and_a_reason_are_allowed_exactly_when_accepted() {
    let base = json!({
        "name": "St Mark's hall",
        "address": { "address_1": "1 High St", "city": "Linbridge", "postal_code": "LW1 1AN", "country": "GB" },
    });
    agree(
        "linkwork.directory.v1.RegisterLocationRequest",
        base,
        &[
            "/address/country",
            "/address/city",
            "/description",
            "/longitude",
        ],
    );
    let base = json!({ "service_id": "0190a2b4-0000-7000-8000-000000000001", "reason": "Closed" });
    agree(
        "linkwork.directory.v1.SuspendServiceRequest",
        base,
        &["/reason"],
    );
}
