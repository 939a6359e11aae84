//! The directory's request bodies, field for field the protobuf request messages of
//! `linkwork.directory.v1` (read `proto/linkwork/directory/v1/directory.proto` for what each
//! field means), with the service's id in the URL rather than the body.
//!
//! Each refuses unknown fields and defaults missing ones, leaving it to the directory to say
//! which are required (with a message naming the field). Text fields use "" for none, as the
//! protos do.

use proto::directory::v1 as pb;
use serde::Deserialize;

use super::details::Details;

/// `POST /organizations`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewOrganization {
    pub(super) organization_id: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) email: String,
    pub(super) website: String,
    pub(super) legal_status: String,
}

/// A postal address.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Address {
    pub(super) address_1: String,
    pub(super) address_2: String,
    pub(super) city: String,
    pub(super) region: String,
    pub(super) postal_code: String,
    pub(super) country: String,
}

impl From<Address> for pb::Address {
    fn from(a: Address) -> Self {
        Self {
            address_1: a.address_1,
            address_2: a.address_2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// `POST /locations`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewLocation {
    pub(super) location_id: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) address: Option<Address>,
    pub(super) latitude: Option<f64>,
    pub(super) longitude: Option<f64>,
}

/// `POST /taxonomies`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewTaxonomy {
    pub(super) taxonomy_id: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) uri: String,
    pub(super) version: String,
}

/// `POST /taxonomy_terms`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewTaxonomyTerm {
    pub(super) taxonomy_term_id: String,
    pub(super) taxonomy_id: String,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) parent_id: String,
}

/// `POST /services`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewService {
    pub(super) service_id: String,
    pub(super) organisation_id: String,
    pub(super) details: Option<Details>,
}

/// `PUT /services/{service_id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ServiceUpdate {
    pub(super) details: Option<Details>,
}

/// `POST /services/{service_id}/locations`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewServiceLocation {
    pub(super) service_at_location_id: String,
    pub(super) location_id: String,
}

/// `PUT /services/{service_id}/capacity`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct SetCapacity {
    pub(super) capacity: Option<CapacityReport>,
}

/// Places free now, or a waiting list.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct CapacityReport {
    available: u32,
    maximum: Option<u32>,
    unit: String,
    waitlist: String,
}

impl From<CapacityReport> for pb::Capacity {
    fn from(c: CapacityReport) -> Self {
        Self {
            available: c.available,
            maximum: c.maximum,
            unit: c.unit,
            waitlist: c.waitlist,
            updated_at: None,
        }
    }
}

/// `POST /services/{service_id}/verify`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Verification {
    pub(super) assurer: String,
}
