//! Who is calling: the one place where a request's caller is read (by every service, over
//! gRPC and HTTP), forwarded (by the JSON API's gateway) and stated (by clients: the demo, the
//! tests).
//!
//! Today the caller is the user, organisation (ODS code) and role an authenticating proxy in
//! front of the services vouches for, in three request headers (docs/adr/0004). Authentication
//! of the caller's own credentials is to live here too, so that no service, and not the
//! gateway, knows how a caller proves who they are: they ask this crate.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};
use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use uuid::Uuid;

/// The acting user.
const USER: &str = "x-linkwork-user";
/// The organisation (ODS code) they act for.
const ORGANISATION: &str = "x-linkwork-organisation";
/// The role they act in.
const ROLE: &str = "x-linkwork-role";
/// Optional: ties the events a request causes to the request that caused them.
const CORRELATION: &str = "x-correlation-id";

/// The headers that carry a caller, and the correlation id, in the order they are read.
const CARRIED: [&str; 4] = [USER, ORGANISATION, ROLE, CORRELATION];

/// The longest value accepted for each part of a caller.
const MAX_LENGTH: usize = 200;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The acting user or system.
    pub user: String,
    /// The organisation they act for (an ODS code).
    pub organisation: String,
    /// The role they act in, e.g. `link-worker`.
    pub role: String,
}

/// A request that does not say who is calling (UNAUTHENTICATED, HTTP 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{header} is missing or malformed: the request did not come through the gateway")]
pub struct Unidentified {
    /// The header at fault.
    pub header: &'static str,
}

impl From<Unidentified> for tonic::Status {
    fn from(error: Unidentified) -> Self {
        tonic::Status::unauthenticated(error.to_string())
    }
}

/// A caller that cannot be written into a request: a part that is not printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} cannot be sent as a request header")]
pub struct Unpresentable(pub String);

impl Caller {
    /// `user` of `organisation`, acting as `role`.
    pub fn new(user: &str, organisation: &str, role: &str) -> Self {
        Self {
            user: user.to_owned(),
            organisation: organisation.to_owned(),
            role: role.to_owned(),
        }
    }

    /// The caller of a gRPC request.
    pub fn from_metadata(metadata: &MetadataMap) -> Result<Self, Unidentified> {
        Self::read(|key| metadata.get(key).and_then(|value| value.to_str().ok()))
    }

    /// The caller of an HTTP request.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, Unidentified> {
        Self::read(|key| headers.get(key).and_then(|value| value.to_str().ok()))
    }

    fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, Unidentified> {
        let part = |header: &'static str| {
            let value = get(header).map(str::trim).unwrap_or_default();
            let usable = !value.is_empty()
                && value.len() <= MAX_LENGTH
                && !value.chars().any(char::is_control);
            usable
                .then(|| value.to_owned())
                .ok_or(Unidentified { header })
        };
        Ok(Self {
            user: part(USER)?,
            organisation: part(ORGANISATION)?,
            role: part(ROLE)?,
        })
    }

    /// States this caller on an outgoing gRPC request, as a client does.
    pub fn present(&self, metadata: &mut MetadataMap) -> Result<(), Unpresentable> {
        for (key, value) in self.parts() {
            let value = Some(value)
                .filter(|value| value.is_ascii())
                .and_then(|value| AsciiMetadataValue::try_from(value).ok())
                .ok_or_else(|| Unpresentable(value.to_owned()))?;
            metadata.insert(key, value);
        }
        Ok(())
    }

    /// This caller as HTTP request headers, as a client sends them.
    pub fn http_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, Unpresentable> {
        self.parts()
            .into_iter()
            .map(|(key, value)| {
                let value = Some(value)
                    .filter(|value| value.is_ascii())
                    .and_then(|value| HeaderValue::from_str(value).ok())
                    .ok_or_else(|| Unpresentable(value.to_owned()))?;
                Ok((HeaderName::from_static(key), value))
            })
            .collect()
    }

    fn parts(&self) -> [(&'static str, &str); 3] {
        [
            (USER, &self.user),
            (ORGANISATION, &self.organisation),
            (ROLE, &self.role),
        ]
    }
}

/// The correlation id the caller sent (a UUID), or a new one.
pub fn correlation_id(metadata: &MetadataMap) -> Uuid {
    metadata
        .get(CORRELATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::new_v4)
}

/// Whether `value` is a correlation id the services take: a UUID in its hyphenated form.
pub fn is_correlation_id(value: &str) -> bool {
    value.len() == 36 && Uuid::try_parse(value).is_ok()
}

/// The header a caller's correlation id travels in.
pub const CORRELATION_HEADER: &str = CORRELATION;

/// The request headers a caller is stated in, with what each holds: for documentation.
pub fn headers() -> [(&'static str, &'static str); 3] {
    [
        (
            USER,
            "The user, as the authenticating gateway verified them",
        ),
        (ORGANISATION, "The organisation (ODS code) they act for"),
        (ROLE, "The role they act in"),
    ]
}

/// Carries the caller (and correlation id) of an HTTP request onto the gRPC request it causes,
/// as it arrived: whether it identifies anyone is the service's to decide. A header too long
/// for any caller is not carried, so the service answers UNAUTHENTICATED rather than the
/// transport refusing an oversized header.
pub fn forward(headers: &HeaderMap, metadata: &mut MetadataMap) {
    for key in CARRIED {
        let Some(value) = headers.get(key) else {
            continue;
        };
        if value.len() > MAX_LENGTH {
            continue;
        }
        if let Ok(value) = AsciiMetadataValue::try_from(value.as_bytes()) {
            metadata.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests;
