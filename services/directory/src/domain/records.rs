//! The directory's reference records: who provides services (HSDS `organization`), where they
//! happen (`location`), and the vocabularies that say what needs they meet (`taxonomy`,
//! `taxonomy_term`).

use serde::{Deserialize, Serialize};

use super::entry::Record;
use super::postcode::Postcode;

/// A provider: a VCSE organisation, a council team, a practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// General e-mail address.
    pub email: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Charity or company number, if it has one.
    pub legal_status: Option<String>,
}

impl Record for Organization {
    const KIND: &'static str = "organization";
    const RECORDED: &'static str = "organization_recorded";

    fn check(&self) -> Result<(), String> {
        non_empty("name", &self.name, 300)?;
        if self
            .email
            .as_deref()
            .is_some_and(|email| !email.contains('@'))
        {
            return Err("email must be an e-mail address".to_owned());
        }
        Ok(())
    }
}

/// A postal address (HSDS `address`, physical).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// First line.
    pub address_1: String,
    /// Second line.
    pub address_2: Option<String>,
    /// Town or city.
    pub city: String,
    /// County.
    pub region: Option<String>,
    /// Postcode, normalised.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// A place where services happen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Its name, e.g. "St Mark's community hall".
    pub name: String,
    /// How to find it, access notes.
    pub description: Option<String>,
    /// Its address, for places people visit.
    pub address: Option<Address>,
    /// WGS84 latitude: given, or resolved from the postcode centroid when registered.
    pub latitude: Option<f64>,
    /// WGS84 longitude.
    pub longitude: Option<f64>,
}

impl Record for Location {
    const KIND: &'static str = "location";
    const RECORDED: &'static str = "location_recorded";

    fn check(&self) -> Result<(), String> {
        non_empty("name", &self.name, 300)?;
        match (self.latitude, self.longitude) {
            (Some(lat), Some(long)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return Err("latitude must be between -90 and 90".to_owned());
                }
                if !(-180.0..=180.0).contains(&long) {
                    return Err("longitude must be between -180 and 180".to_owned());
                }
            }
            (None, None) => {}
            _ => return Err("latitude and longitude must be given together".to_owned()),
        }
        if let Some(address) = &self.address {
            non_empty("address.address_1", &address.address_1, 300)?;
            non_empty("address.city", &address.city, 100)?;
            Postcode::parse(&address.postal_code)
                .map_err(|error| format!("address.postal_code: {error}"))?;
            if address.country.len() != 2 {
                return Err("address.country must be an ISO 3166-1 alpha-2 code".to_owned());
            }
        }
        Ok(())
    }
}

/// A vocabulary of needs (e.g. the demo region's social prescribing needs, or a national one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// Its name.
    pub name: String,
    /// What it classifies.
    pub description: String,
    /// Where it is published.
    pub uri: Option<String>,
    /// Its version.
    pub version: Option<String>,
}

impl Record for Taxonomy {
    const KIND: &'static str = "taxonomy";
    const RECORDED: &'static str = "taxonomy_recorded";

    fn check(&self) -> Result<(), String> {
        non_empty("name", &self.name, 300)
    }
}

/// One term of a taxonomy: a need a service can meet, e.g. "Loneliness and isolation".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyTerm {
    /// The taxonomy it belongs to.
    pub taxonomy_id: String,
    /// Its code in that taxonomy.
    pub code: Option<String>,
    /// Its name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// The broader term, if any.
    pub parent_id: Option<String>,
}

impl Record for TaxonomyTerm {
    const KIND: &'static str = "taxonomy_term";
    const RECORDED: &'static str = "taxonomy_term_recorded";

    fn check(&self) -> Result<(), String> {
        non_empty("name", &self.name, 300)?;
        non_empty("taxonomy_id", &self.taxonomy_id, 200)
    }
}

fn non_empty(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(format!("{field} must be 1 to {max} characters"));
    }
    Ok(())
}
