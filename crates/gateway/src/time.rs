//! Instants between protobuf `Timestamp`s and the RFC 3339 strings of the JSON API.

use chrono::{DateTime, Utc};
use prost_types::Timestamp;

/// `at` as a protobuf timestamp.
pub(crate) fn to_proto(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// An optional instant from JSON as an optional protobuf timestamp.
pub(crate) fn to_proto_opt(at: Option<DateTime<Utc>>) -> Option<Timestamp> {
    at.map(to_proto)
}

/// A protobuf timestamp as an instant; unset, or out of chrono's range, is `None`.
pub(crate) fn from_proto(at: Option<Timestamp>) -> Option<DateTime<Utc>> {
    let at = at?;
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use prost_types::Timestamp;

    use super::{from_proto, to_proto};

    #[test]
    fn instants_survive_the_round_trip_and_nonsense_is_none() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(from_proto(Some(to_proto(at))), Some(at));
        let nonsense = Timestamp {
            seconds: i64::MAX,
            nanos: -1,
        };
        assert_eq!(from_proto(Some(nonsense)), None);
        assert_eq!(from_proto(None), None);
    }
}
