//! HSDS locations as the directory's: the first physical address, kept only if the directory
//! can hold it (a UK postcode, a street and a town), and coordinates only when both are given.

use super::text;
use crate::domain::postcode::Postcode;
use crate::domain::records::{Address, Location};
use crate::hsds;

/// Maps a location: its first physical address, its coordinates if the feed gives both (else
/// the app resolves the postcode), and notes on what had to be left out.
pub fn location(location: &hsds::Location) -> (Location, Vec<String>) {
    let mut notes = Vec::new();
    let physical = location
        .addresses
        .iter()
        .find(|address| address.address_type == hsds::AddressType::Physical);
    let address = physical.and_then(|found| match address(found) {
        Ok(address) => Some(address),
        Err(why) => {
            notes.push(format!("{why}; imported without its address"));
            None
        }
    });
    let (latitude, longitude) = match (location.latitude, location.longitude) {
        (Some(lat), Some(long))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long) =>
        {
            (Some(lat), Some(long))
        }
        (None, None) => (None, None),
        (lat, long) => {
            notes.push(format!(
                "latitude {lat:?}, longitude {long:?}: not a coordinate; ignored"
            ));
            (None, None)
        }
    };
    let name = text(&location.name)
        .or_else(|| physical.map(|address| address.address_1.trim().to_owned()))
        .filter(|name| !name.is_empty())
        .or_else(|| text(&location.url))
        .unwrap_or_else(|| "Unnamed location".to_owned());
    let mapped = Location {
        name,
        description: text(&location.description),
        address,
        latitude,
        longitude,
    };
    (mapped, notes)
}

fn address(address: &hsds::Address) -> Result<Address, String> {
    let postcode = Postcode::parse(&address.postal_code).map_err(|_| {
        format!(
            "address.postal_code: {:?} is not a UK postcode",
            address.postal_code
        )
    })?;
    let address_1 = address.address_1.trim();
    let city = address.city.trim();
    if address_1.is_empty() || city.is_empty() {
        return Err("address: address_1 and city are required".to_owned());
    }
    let country = match address.country.trim().to_ascii_uppercase().as_str() {
        "" | "UK" | "GB" | "GBR" | "UNITED KINGDOM" => "GB".to_owned(),
        code if code.len() == 2 => code.to_owned(),
        other => {
            return Err(format!(
                "address.country: {other:?} is not an ISO 3166-1 code"
            ));
        }
    };
    Ok(Address {
        address_1: address_1.to_owned(),
        address_2: text(&address.address_2),
        city: city.to_owned(),
        region: Some(address.state_province.trim())
            .filter(|county| !county.is_empty())
            .map(str::to_owned)
            .or_else(|| text(&address.region)),
        postal_code: postcode.as_str().to_owned(),
        country,
    })
}
