//! Who is calling, as the authenticating gateway says (docs/adr/0004): the metadata
//! `x-linkwork-user`, `x-linkwork-organisation` and `x-linkwork-role`, refused as
//! UNAUTHENTICATED when missing.
//!
//! The same headers and rules as the referral service's `identity` module. Services do not
//! depend on each other, and the rule is a few lines, so it is repeated here rather than shared
//! through a crate that would then have to know about gateways.

use tonic::Status;
use tonic::metadata::MetadataMap;
use uuid::Uuid;

use crate::app::Context;

/// The acting user.
const USER: &str = "x-linkwork-user";
/// The organisation they act for.
const ORGANISATION: &str = "x-linkwork-organisation";
/// The role they act in.
const ROLE: &str = "x-linkwork-role";
/// Optional: ties the request's events to an originating request.
const CORRELATION: &str = "x-correlation-id";

fn required(metadata: &MetadataMap, key: &str) -> Result<String, Status> {
    let value = metadata
        .get(key)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if value.is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
        return Err(Status::unauthenticated(format!(
            "{key} is missing or malformed: the request did not come through the gateway"
        )));
    }
    Ok(value.to_owned())
}

/// The caller's context for the events a request causes, in `tenant`.
pub(super) fn context(metadata: &MetadataMap, tenant: &str) -> Result<Context, Status> {
    let actor = eventstore::Actor {
        id: required(metadata, USER)?,
        organisation: required(metadata, ORGANISATION)?,
        role: required(metadata, ROLE)?,
    };
    let correlation_id = metadata
        .get(CORRELATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::new_v4);
    Ok(Context {
        actor,
        correlation_id,
        tenant: tenant.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic::metadata::MetadataMap;

    use super::context;

    #[test]
    fn the_caller_comes_from_the_gateways_headers_or_not_at_all() {
        let mut metadata = MetadataMap::new();
        metadata.insert("x-linkwork-user", "curator-1".parse().expect("ascii"));
        metadata.insert("x-linkwork-organisation", "ICB-QWE".parse().expect("ascii"));
        let missing = context(&metadata, "QWE").expect_err("no role");
        assert_eq!(missing.code(), Code::Unauthenticated);
        assert!(missing.message().starts_with("x-linkwork-role"));
        metadata.insert(
            "x-linkwork-role",
            "directory-curator".parse().expect("ascii"),
        );
        let context = context(&metadata, "QWE").expect("caller");
        assert_eq!(context.actor.id, "curator-1");
        assert_eq!(context.actor.role, "directory-curator");
        assert_eq!(context.tenant, "QWE");
    }
}
