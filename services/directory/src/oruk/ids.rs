//! Ids for the HSDS objects we hold no id of our own for.
//!
//! HSDS gives every object, down to an address or a phone number, an `id` in `format: uuid`.
//! Services, organisations, locations, taxonomies, terms and service_at_location links have
//! ids of their own, served as held. Their satellites (a location's address, a service's
//! schedules, contacts, phones, cost options, languages, attributes and capacity) do not, so
//! each gets a UUIDv5 of its parent's id, its kind and its position (or key): the same object
//! read twice has the same id, which a feed consumer needs to recognise it again.

use uuid::Uuid;

/// Linkwork's namespace for ORUK satellite ids (a fixed random UUID, never to change: changing
/// it would give every satellite a new id).
const NAMESPACE: Uuid = Uuid::from_u128(0xdcd4_0a3c_f388_447d_82e3_35b6_e813_6089);

/// The id of the `key`th (or `key`-named) object of `kind` under the record `parent`.
pub(super) fn satellite(parent: &str, kind: &str, key: impl std::fmt::Display) -> String {
    Uuid::new_v5(&NAMESPACE, format!("{parent}/{kind}/{key}").as_bytes()).to_string()
}

/// The id of a capacity unit, from its name alone: "places" is one unit wherever it is used.
pub(super) fn unit(name: &str) -> String {
    Uuid::new_v5(
        &NAMESPACE,
        format!("unit/{}", name.trim().to_lowercase()).as_bytes(),
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::{satellite, unit};

    #[test]
    fn satellite_ids_are_stable_distinct_lower_case_uuids() {
        let parent = "0190a2b4-0000-7000-8000-000000000005";
        let first = satellite(parent, "schedule", 0);
        assert_eq!(first, satellite(parent, "schedule", 0));
        assert_ne!(first, satellite(parent, "schedule", 1));
        assert_ne!(first, satellite(parent, "cost_option", 0));
        let parsed = uuid::Uuid::parse_str(&first).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 5);
        assert_eq!(first, first.to_lowercase());
        assert_eq!(unit("Places"), unit("places "));
    }
}
