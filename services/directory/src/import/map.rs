//! HSDS 3.0 records as the directory's records: pure, no I/O.
//!
//! What the domain cannot hold is either left out with a note (an address whose postcode is not
//! a postcode) or refuses the record with a reason naming the field (an age over 120), so an
//! import never writes half a service. Ids are not mapped here: the run gives each record our
//! id for it ([`super::ids`]).
//!
//! `takes_referrals` is not in HSDS, and is not mapped: whether a service takes direct referrals
//! is an agreement between the provider and the ICS, recorded by a curator, not a fact a feed
//! can state. A new service is imported as signposting-only; an existing one keeps what the
//! curator set.

mod location;
mod schedule;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveTime, Utc};

use crate::domain::records::{Organization, Taxonomy, TaxonomyTerm};
use crate::domain::satellites::{Contact, CostOption};
use crate::domain::service::{Capacity, Details, Standing};
use crate::hsds;

pub use location::location;
pub use schedule::schedule;

/// The oldest age a feed may give; anything above is a data error, not a person.
const MAX_AGE: u32 = 120;

/// The largest price accepted, in pounds: a guard against misplaced decimal points.
const MAX_POUNDS: f64 = 100_000.0;

/// A service as the directory keeps it, with what the run still has to fill in.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedService {
    /// Its details, with no taxonomy terms and `takes_referrals` false: the run sets both.
    pub details: Details,
    /// The feed ids of the taxonomy terms it is classified under, in feed order.
    pub term_ids: Vec<String>,
    /// Where the feed says it stands, and why, for a suspension or withdrawal.
    pub standing: (Standing, &'static str),
    /// Its capacity, with when the feed last updated it.
    pub capacity: Option<(Capacity, DateTime<Utc>)>,
    /// Who last checked it and when.
    pub verification: Option<(String, DateTime<Utc>)>,
}

/// Maps a service, or says which field makes it unusable.
pub fn service(service: &hsds::Service) -> Result<MappedService, String> {
    let mut contacts = Vec::new();
    for contact in &service.contacts {
        contacts.extend(self::contact(contact));
    }
    let phones: Vec<String> = service.phones.iter().map(phone).collect();
    if !phones.is_empty() {
        contacts.push(Contact {
            name: None,
            title: None,
            email: None,
            phones,
        });
    }
    let mut languages: Vec<String> = Vec::new();
    for code in service.languages.iter().filter_map(|l| text(&l.code)) {
        if !languages.contains(&code) {
            languages.push(code);
        }
    }
    let details = Details {
        name: service.name.trim().to_owned(),
        description: text(&service.description).unwrap_or_default(),
        url: text(&service.url),
        email: text(&service.email),
        taxonomy_terms: Vec::new(),
        minimum_age: age("minimum_age", service.minimum_age)?,
        maximum_age: age("maximum_age", service.maximum_age)?,
        eligibility_description: text(&service.eligibility_description),
        takes_referrals: false,
        languages,
        schedules: service.schedules.iter().filter_map(schedule).collect(),
        cost_options: cost_options(&service.cost_options)?,
        contacts,
    };
    let mut term_ids = Vec::new();
    for attribute in &service.attributes {
        let id = attribute
            .taxonomy_term
            .as_ref()
            .map(|term| term.id.clone())
            .or_else(|| attribute.taxonomy_term_id.clone());
        if let Some(id) = id.filter(|id| !id.trim().is_empty() && !term_ids.contains(id)) {
            term_ids.push(id);
        }
    }
    Ok(MappedService {
        details,
        term_ids,
        standing: standing(service.status),
        capacity: service.capacities.first().map(capacity).transpose()?,
        verification: verification(service),
    })
}

fn age(field: &str, age: Option<u32>) -> Result<Option<u8>, String> {
    match age {
        Some(age) if age > MAX_AGE => Err(format!(
            "{field}: {age} is not an age (the most accepted is {MAX_AGE})"
        )),
        // At most 120, as checked just above.
        Some(age) => Ok(Some(age as u8)),
        None => Ok(None),
    }
}

fn standing(status: hsds::ServiceStatus) -> (Standing, &'static str) {
    match status {
        hsds::ServiceStatus::Active => (Standing::Active, ""),
        hsds::ServiceStatus::Inactive => (Standing::Suspended, "feed: status inactive"),
        hsds::ServiceStatus::TemporarilyClosed => {
            (Standing::Suspended, "feed: status temporarily closed")
        }
        hsds::ServiceStatus::Defunct => (Standing::Withdrawn, "feed: status defunct"),
    }
}

/// Whether a suspension's reason is one an import gave (and so one an import may lift).
pub fn is_import_suspension(reason: &str) -> bool {
    reason.starts_with("feed: ")
}

fn capacity(capacity: &hsds::ServiceCapacity) -> Result<(Capacity, DateTime<Utc>), String> {
    if capacity.unit.name.trim().is_empty() {
        return Err("capacities[0].unit.name: required".to_owned());
    }
    if capacity
        .maximum
        .is_some_and(|maximum| capacity.available > maximum)
    {
        return Err("capacities[0].available: above maximum".to_owned());
    }
    let mapped = Capacity {
        available: capacity.available,
        maximum: capacity.maximum,
        unit: capacity.unit.name.trim().to_owned(),
        waitlist: None,
    };
    Ok((mapped, capacity.updated))
}

fn verification(service: &hsds::Service) -> Option<(String, DateTime<Utc>)> {
    let assurer = text(&service.assurer_email).filter(|email| email.contains('@'))?;
    let at = service.assured_date?.and_time(NaiveTime::MIN).and_utc();
    Some((assurer, at))
}

fn cost_options(options: &[hsds::CostOption]) -> Result<Vec<CostOption>, String> {
    let mut mapped = Vec::new();
    for (index, option) in options.iter().enumerate() {
        let sterling = option
            .currency
            .as_deref()
            .is_none_or(|currency| currency.trim().eq_ignore_ascii_case("GBP"));
        let amount_pence = match option.amount {
            Some(amount) if !(0.0..=MAX_POUNDS).contains(&amount) => {
                return Err(format!(
                    "cost_options[{index}].amount: {amount} is not a price in pounds"
                ));
            }
            // Finite, non-negative and at most MAX_POUNDS, as checked just above.
            Some(amount) if sterling => Some((amount * 100.0).round() as u64),
            _ => None,
        };
        let mut amount_description = text(&option.amount_description);
        if let (Some(amount), false) = (option.amount, sterling) {
            let currency = option.currency.as_deref().unwrap_or_default().trim();
            amount_description.get_or_insert_with(|| format!("{amount} {currency}"));
        }
        mapped.push(CostOption {
            amount_pence,
            option: text(&option.option),
            amount_description,
        });
    }
    Ok(mapped)
}

/// A contact with something to reach them by; `None` for an empty one.
fn contact(contact: &hsds::Contact) -> Option<Contact> {
    let mapped = Contact {
        name: text(&contact.name),
        title: text(&contact.title),
        email: text(&contact.email),
        phones: contact.phones.iter().map(phone).collect(),
    };
    let empty = mapped.name.is_none() && mapped.email.is_none() && mapped.phones.is_empty();
    (!empty).then_some(mapped)
}

fn phone(phone: &hsds::Phone) -> String {
    match phone.extension {
        Some(extension) => format!("{} ext. {extension}", phone.number.trim()),
        None => phone.number.trim().to_owned(),
    }
}

/// Maps an organisation.
pub fn organization(organization: &hsds::Organization) -> Organization {
    Organization {
        name: organization.name.trim().to_owned(),
        description: organization.description.trim().to_owned(),
        email: text(&organization.email),
        website: text(&organization.website),
        legal_status: text(&organization.legal_status),
    }
}

/// Maps a taxonomy.
pub fn taxonomy(taxonomy: &hsds::Taxonomy) -> Taxonomy {
    Taxonomy {
        name: taxonomy.name.trim().to_owned(),
        description: taxonomy.description.trim().to_owned(),
        uri: text(&taxonomy.uri),
        version: text(&taxonomy.version),
    }
}

/// The feed id of the taxonomy a term belongs to: its `taxonomy_id`, its nested taxonomy's id,
/// or the taxonomy it names in words; terms that say none share one taxonomy per feed.
pub fn taxonomy_of(term: &hsds::TaxonomyTerm) -> String {
    text(&term.taxonomy_id)
        .or_else(|| {
            term.taxonomy_detail
                .as_ref()
                .map(|detail| detail.id.clone())
        })
        .or_else(|| text(&term.taxonomy))
        .unwrap_or_else(|| "terms".to_owned())
}

/// A taxonomy known only from a term that names it.
pub fn implied_taxonomy(term: &hsds::TaxonomyTerm) -> Taxonomy {
    Taxonomy {
        name: text(&term.taxonomy).unwrap_or_else(|| taxonomy_of(term)),
        description: String::new(),
        uri: None,
        version: None,
    }
}

/// Maps a term, given our ids of its taxonomy and (if known) its parent.
pub fn term(
    term: &hsds::TaxonomyTerm,
    taxonomy_id: String,
    parent_id: Option<String>,
) -> TaxonomyTerm {
    TaxonomyTerm {
        taxonomy_id,
        code: text(&term.code),
        name: term.name.trim().to_owned(),
        description: term.description.trim().to_owned(),
        parent_id,
    }
}

/// Orders terms so that every parent the list holds comes before its children; a cycle is
/// broken where it is found. Feed order is kept otherwise.
pub fn parents_first(terms: Vec<hsds::TaxonomyTerm>) -> Vec<hsds::TaxonomyTerm> {
    let ids: std::collections::HashSet<String> = terms.iter().map(|t| t.id.clone()).collect();
    let mut placed = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(terms.len());
    let mut waiting = terms;
    while !waiting.is_empty() {
        let before = waiting.len();
        let (ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|term| {
            term.parent_id
                .as_ref()
                .is_none_or(|parent| !ids.contains(parent) || placed.contains(parent))
        });
        placed.extend(ready.iter().map(|term| term.id.clone()));
        ordered.extend(ready);
        waiting = rest;
        if waiting.len() == before {
            // Only cycles are left: place one and go on.
            let first = waiting.remove(0);
            placed.insert(first.id.clone());
            ordered.push(first);
        }
    }
    ordered
}

/// Trimmed text, `None` when empty.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}
