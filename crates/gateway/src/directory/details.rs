//! What a service is (`ServiceDetails` and its schedules, costs and contacts): the one shape
//! both sent, to list or update a service, and answered, as the service stands. Field for field
//! the protobuf messages; unknown fields are refused and missing ones default.

use proto::directory::v1 as pb;
use serde::{Deserialize, Serialize};

/// A weekly opening.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Schedule {
    days: Vec<String>,
    opens_at: String,
    closes_at: String,
    valid_from: String,
    valid_to: String,
    description: String,
}

/// What a service costs.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct CostOption {
    amount_pence: Option<u64>,
    option: String,
    amount_description: String,
}

/// Someone to ask.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Contact {
    name: String,
    title: String,
    email: String,
    phones: Vec<String>,
}

/// What a service is, who it is for, when it runs and how to reach it.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Details {
    name: String,
    description: String,
    url: String,
    email: String,
    taxonomy_terms: Vec<String>,
    minimum_age: Option<u32>,
    maximum_age: Option<u32>,
    eligibility_description: String,
    takes_referrals: bool,
    languages: Vec<String>,
    schedules: Vec<Schedule>,
    cost_options: Vec<CostOption>,
    contacts: Vec<Contact>,
}

impl From<Details> for pb::ServiceDetails {
    fn from(d: Details) -> Self {
        Self {
            name: d.name,
            description: d.description,
            url: d.url,
            email: d.email,
            taxonomy_terms: d.taxonomy_terms,
            minimum_age: d.minimum_age,
            maximum_age: d.maximum_age,
            eligibility_description: d.eligibility_description,
            takes_referrals: d.takes_referrals,
            languages: d.languages,
            schedules: d
                .schedules
                .into_iter()
                .map(|s| pb::Schedule {
                    days: s.days,
                    opens_at: s.opens_at,
                    closes_at: s.closes_at,
                    valid_from: s.valid_from,
                    valid_to: s.valid_to,
                    description: s.description,
                })
                .collect(),
            cost_options: d
                .cost_options
                .into_iter()
                .map(|c| pb::CostOption {
                    amount_pence: c.amount_pence,
                    option: c.option,
                    amount_description: c.amount_description,
                })
                .collect(),
            contacts: d
                .contacts
                .into_iter()
                .map(|c| pb::Contact {
                    name: c.name,
                    title: c.title,
                    email: c.email,
                    phones: c.phones,
                })
                .collect(),
        }
    }
}

impl From<pb::ServiceDetails> for Details {
    fn from(d: pb::ServiceDetails) -> Self {
        Self {
            name: d.name,
            description: d.description,
            url: d.url,
            email: d.email,
            taxonomy_terms: d.taxonomy_terms,
            minimum_age: d.minimum_age,
            maximum_age: d.maximum_age,
            eligibility_description: d.eligibility_description,
            takes_referrals: d.takes_referrals,
            languages: d.languages,
            schedules: d
                .schedules
                .into_iter()
                .map(|s| Schedule {
                    days: s.days,
                    opens_at: s.opens_at,
                    closes_at: s.closes_at,
                    valid_from: s.valid_from,
                    valid_to: s.valid_to,
                    description: s.description,
                })
                .collect(),
            cost_options: d
                .cost_options
                .into_iter()
                .map(|c| CostOption {
                    amount_pence: c.amount_pence,
                    option: c.option,
                    amount_description: c.amount_description,
                })
                .collect(),
            contacts: d
                .contacts
                .into_iter()
                .map(|c| Contact {
                    name: c.name,
                    title: c.title,
                    email: c.email,
                    phones: c.phones,
                })
                .collect(),
        }
    }
}
