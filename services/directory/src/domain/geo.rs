//! Points on the earth and the distance between them, for "near this person".

use serde::{Deserialize, Serialize};

/// Mean earth radius in metres (IUGG), the usual radius for haversine distances.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 coordinate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
}

impl Point {
    /// A point, if the coordinates are on the earth.
    pub fn new(latitude: f64, longitude: f64) -> Option<Self> {
        ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
            Self {
                latitude,
                longitude,
            },
        )
    }

    /// Great-circle distance in metres (haversine): within 0.5% of the ellipsoidal distance,
    /// far closer than a postcode centroid is to a door.
    pub fn distance_m(self, other: Point) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::Point;

    #[test]
    fn distances_match_known_values() {
        let london = Point::new(51.5074, -0.1278).expect("on earth");
        let manchester = Point::new(53.4808, -2.2426).expect("on earth");
        let km = london.distance_m(manchester) / 1000.0;
        assert!(
            (km - 262.0).abs() < 2.0,
            "London–Manchester is about 262 km, got {km}"
        );
        assert_eq!(london.distance_m(london), 0.0);
        assert!(Point::new(91.0, 0.0).is_none());
    }
}
