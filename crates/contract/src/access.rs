//! Who may call each RPC, as its proto declares it (`linkwork.api.v1.access`): read once from
//! the descriptors into a table keyed by gRPC path, which every service's authentication layer
//! consults and the OpenAPI document states.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::Value;

pub use proto::api::v1::Access;

use crate::pool;

fn table() -> &'static HashMap<String, Access> {
    static TABLE: OnceLock<HashMap<String, Access>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let pool = pool();
        let Some(extension) = pool.get_extension_by_name("linkwork.api.v1.access") else {
            return HashMap::new();
        };
        let mut table = HashMap::new();
        for service in pool.services() {
            for rpc in service.methods() {
                let options = rpc.options();
                if !options.has_extension(&extension) {
                    continue;
                }
                if let Value::Message(declared) = options.get_extension(&extension).as_ref()
                    && let Ok(access) = declared.transcode_to::<Access>()
                {
                    let path = format!("/{}/{}", service.full_name(), rpc.name());
                    table.insert(path, access);
                }
            }
        }
        table
    })
}

/// Who may call the RPC at gRPC path `path` (`/linkwork.referral.v1.ReferralService/ChangeStatus`);
/// `None` when any authenticated caller may.
pub fn of(path: &str) -> Option<&'static Access> {
    table().get(path)
}

/// Every role some RPC admits, sorted.
pub fn roles() -> Vec<&'static str> {
    let mut roles: Vec<&'static str> = table()
        .values()
        .flat_map(|access| access.roles.iter().map(String::as_str))
        .collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// Whether a caller acting as `role` with `scopes` may call the RPC at `path`.
pub fn allows(path: &str, role: &str, scopes: &[String]) -> bool {
    match of(path) {
        None => true,
        Some(access) => {
            access.roles.iter().any(|allowed| allowed == role)
                || access.scopes.iter().any(|allowed| scopes.contains(allowed))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn declared_roles_decide_who_may_call() {
        let accept = "/linkwork.referral.v1.ReferralService/AcceptOffer";
        assert!(super::allows(accept, "link-worker", &[]));
        assert!(!super::allows(accept, "directory-admin", &[]));
        let search = "/linkwork.directory.v1.DirectoryService/Search";
        assert!(super::of(search).is_none() && super::allows(search, "anyone", &[]));
    }
}
