use serde_json::json;

use super::{is_import_suspension, location, parents_first, service};
use crate::domain::service::Standing;
use crate::hsds;

fn hsds_service(extra: serde_json::Value) -> hsds::Service {
    let mut value = json!({"id": "s1", "name": " Lunch club ", "status": "active"});
    if let (Some(object), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    serde_json::from_value(value).expect("a service")
}

#[test]
fn ages_over_120_refuse_the_record_naming_the_field() {
    let error = service(&hsds_service(json!({"maximum_age": 150}))).expect_err("refused");
    assert!(error.starts_with("maximum_age: 150"), "{error}");
    let mapped = service(&hsds_service(json!({"minimum_age": 60}))).expect("mapped");
    assert_eq!(mapped.details.minimum_age, Some(60));
    assert_eq!(mapped.details.name, "Lunch club");
    assert_eq!(mapped.details.description, "");
    assert!(!mapped.details.takes_referrals);
}

#[test]
fn prices_in_pounds_become_pence_and_other_currencies_words() {
    let mapped = service(&hsds_service(json!({"cost_options": [
        {"id": "c1", "amount": 3.5, "currency": "GBP"},
        {"id": "c2", "amount": 4, "currency": "EUR"},
        {"id": "c3", "amount_description": "Donations welcome"}
    ]})))
    .expect("mapped");
    let costs = &mapped.details.cost_options;
    assert_eq!(costs[0].amount_pence, Some(350));
    assert_eq!(
        (
            costs[1].amount_pence,
            costs[1].amount_description.as_deref()
        ),
        (None, Some("4 EUR"))
    );
    assert_eq!(costs[2].amount_pence, None);
    let negative = service(&hsds_service(
        json!({"cost_options": [{"id": "c", "amount": -1}]}),
    ));
    assert!(
        negative
            .expect_err("refused")
            .starts_with("cost_options[0].amount")
    );
}

#[test]
fn status_capacity_and_verification_are_mapped() {
    let mapped = service(&hsds_service(json!({
        "status": "inactive",
        "assured_date": "2024-05-01",
        "assurer_email": "curator@icb.example",
        "capacities": [{"id": "k", "unit": {"id": "u", "name": "places"}, "available": 2,
                        "maximum": 10, "updated": "2024-05-02T10:00:00+01:00"}]
    })))
    .expect("mapped");
    assert_eq!(mapped.standing.0, Standing::Suspended);
    assert!(is_import_suspension(mapped.standing.1));
    assert!(!is_import_suspension("safeguarding concern"));
    let (capacity, _) = mapped.capacity.expect("capacity");
    assert_eq!((capacity.available, capacity.maximum), (2, Some(10)));
    let (assurer, at) = mapped.verification.expect("verified");
    assert_eq!(
        (assurer.as_str(), at.to_rfc3339().as_str()),
        ("curator@icb.example", "2024-05-01T00:00:00+00:00")
    );
    let over = service(&hsds_service(
        json!({"capacities": [{"id": "k", "unit": {"id": "u",
        "name": "places"}, "available": 12, "maximum": 10, "updated": "2024-05-02T10:00:00Z"}]}),
    ));
    assert!(over.is_err());
}

#[test]
fn a_location_keeps_what_the_directory_can_hold_and_says_what_it_left_out() {
    let hsds_location: hsds::Location = serde_json::from_value(json!({
        "id": "l1", "location_type": "physical", "latitude": 52.6,
        "addresses": [
            {"id": "a0", "address_1": "PO Box 1", "city": "Leicester", "state_province": "",
             "postal_code": "LE1 1AA", "country": "GB", "address_type": "postal"},
            {"id": "a1", "address_1": "1 High St", "city": "Leicester", "state_province": "",
             "postal_code": "not a postcode", "country": "GB", "address_type": "physical"}
        ]
    }))
    .expect("a location");
    let (mapped, notes) = location(&hsds_location);
    assert_eq!(mapped.name, "1 High St");
    assert_eq!(mapped.address, None);
    assert_eq!((mapped.latitude, mapped.longitude), (None, None));
    assert_eq!(notes.len(), 2, "{notes:?}");
}

#[test]
fn parents_come_before_children_and_cycles_end() {
    let term = |id: &str, parent: Option<&str>| -> hsds::TaxonomyTerm {
        serde_json::from_value(
            json!({"id": id, "name": id, "description": "", "parent_id": parent}),
        )
        .expect("a term")
    };
    let ordered = parents_first(vec![
        term("walking", Some("activity")),
        term("activity", None),
        term("a", Some("b")),
        term("b", Some("a")),
    ]);
    let ids: Vec<&str> = ordered.iter().map(|term| term.id.as_str()).collect();
    assert_eq!(ids, ["activity", "walking", "a", "b"]);
}
