use prost_reflect::{DynamicMessage, ReflectMessage, Value};

use super::{Malformed, decode_body, decode_query, encode};
use crate::pool;

fn message(name: &str) -> DynamicMessage {
    DynamicMessage::new(pool().get_message_by_name(name).expect("compiled"))
}

fn body(name: &str, json: &str) -> Result<DynamicMessage, String> {
    let mut decoded = message(name);
    decode_body(&mut decoded, None, json.as_bytes(), &["service_id"])
        .map(|()| decoded)
        .map_err(|Malformed(message)| message)
}

const CAPACITY: &str = "linkwork.directory.v1.SetCapacityRequest";

#[test]
fn a_body_is_refused_naming_the_field_and_what_it_must_be() {
    let refused = |json: &str| body(CAPACITY, json).expect_err(json);
    assert_eq!(refused("[]"), "body must be a JSON object");
    assert_eq!(
        refused(r#"{"capacity": {"available": "3"}}"#),
        "capacity.available must be a whole number from 0 to 4294967295"
    );
    assert_eq!(
        refused(r#"{"capacity": {"available": 2.5}}"#),
        "capacity.available must be a whole number from 0 to 4294967295"
    );
    assert_eq!(
        refused(r#"{"capacity": {"unit": null}}"#),
        "capacity.unit may not be null; leave it out"
    );
    assert!(
        refused(r#"{"capacity": {"unti": "places"}}"#)
            .starts_with("capacity.unti is not a field here; the fields are available, maximum")
    );
    assert!(
        refused(r#"{"capacity": {"unit": "a", "unit": "b"}}"#)
            .starts_with("capacity.unit is given twice")
    );
    assert_eq!(
        refused(r#"{"service_id": "x"}"#),
        "service_id is given in the path, not the body"
    );
    assert!(refused(r#"{"capacity": {}"#).starts_with("body is not valid JSON"));
}

#[test]
fn whole_numbers_may_be_written_with_a_zero_fraction_but_stay_exact() {
    let decoded = body(
        CAPACITY,
        r#"{"capacity": {"available": 36973.0, "maximum": 4e4}}"#,
    )
    .expect("valid");
    let capacity = decoded.get_field_by_name("capacity").expect("set");
    let capacity = capacity.as_message().expect("a message");
    assert_eq!(
        capacity.get_field_by_name("available").as_deref(),
        Some(&Value::U32(36973))
    );
    assert_eq!(
        capacity.get_field_by_name("maximum").as_deref(),
        Some(&Value::U32(40000))
    );
    let cost = r#"{"name": "x", "cost_options": [{"amount_pence": 9007199254740992}]}"#;
    let refused = body("linkwork.directory.v1.ServiceDetails", cost).expect_err("beyond 2^53");
    assert_eq!(
        refused,
        "cost_options[0].amount_pence must be a whole number from 0 to 9007199254740991"
    );
}

#[test]
fn times_are_rfc_3339_with_a_t() {
    let offer = "linkwork.referral.v1.OfferResponsibilityRequest";
    assert!(body(offer, r#"{"expires_at": "2026-11-02T09:30:00+01:00"}"#).is_ok());
    for bad in ["2026-11-02 09:30:00Z", "tomorrow", "0000-01-01T00:00:00Z"] {
        let refused = body(offer, &format!(r#"{{"expires_at": "{bad}"}}"#)).expect_err(bad);
        assert!(
            refused.starts_with("expires_at must be an RFC 3339 date-time"),
            "{refused}"
        );
    }
}

fn query(pairs: &[(&str, &str)]) -> Result<DynamicMessage, String> {
    let mut decoded = message("linkwork.directory.v1.SearchRequest");
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    decode_query(&mut decoded, &pairs, &[])
        .map(|()| decoded)
        .map_err(|Malformed(message)| message)
}

#[test]
fn a_query_string_fills_the_message_by_field_name() {
    let decoded = query(&[
        ("text", "lunch"),
        ("taxonomy_term_ids", "a"),
        ("taxonomy_term_ids", "b"),
        ("within_metres", "5000"),
        ("latitude", "52.6"),
        ("takes_referrals", "true"),
    ])
    .expect("valid");
    let json = encode(&decoded);
    assert_eq!(json["text"], "lunch");
    assert_eq!(json["taxonomy_term_ids"], serde_json::json!(["a", "b"]));
    assert_eq!(
        (json["within_metres"].as_u64(), json["latitude"].as_f64()),
        (Some(5000), Some(52.6))
    );
    assert_eq!(json["takes_referrals"], true);
    let empty = query(&[("taxonomy_term_ids", "")]).expect("an empty list");
    assert_eq!(encode(&empty)["taxonomy_term_ids"], serde_json::json!([]));
    assert_eq!(
        query(&[("q", "lunch")])
            .expect_err("unknown")
            .split(';')
            .next(),
        Some("q is not a query parameter here")
    );
    assert_eq!(
        query(&[("text", "a"), ("text", "b")]).expect_err("twice"),
        "text may be given only once"
    );
    assert_eq!(
        query(&[("age", "-1")]).expect_err("negative"),
        "age must be a whole number from 0 to 4294967295"
    );
    assert_eq!(
        query(&[("latitude", "NaN")]).expect_err("not a number"),
        "latitude must be a number"
    );
    assert_eq!(
        query(&[("with_capacity", "yes")]).expect_err("not a flag"),
        "with_capacity must be true or false"
    );
}

#[test]
fn answers_use_proto_names_send_every_plain_field_and_leave_out_unset_ones() {
    let decoded = query(&[("text", "lunch")]).expect("valid");
    let json = encode(&decoded);
    assert_eq!(json["page_size"], 0);
    assert_eq!(json["postcode"], "");
    assert!(
        json.get("latitude").is_none(),
        "unset optional fields are left out"
    );
    assert_eq!(decoded.descriptor().name(), "SearchRequest");
}
