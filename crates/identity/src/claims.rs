//! From a verified token's claims to a [`Caller`], as the deployment's issuer writes them.
//!
//! Two shapes are read. Linkwork's own (and most issuers'): the user in `sub`, the
//! organisation and role in claims named by configuration, scopes space-separated in `scope`.
//! NHS CIS2's: the user's roles are listed in `nhsid_nrbac_roles`, each with its organisation
//! (`org_code`) and its national RBAC code (`role_code`, e.g. `S8000:G8000:R8001`), and
//! `selected_roleid` names the one the user chose for this session. Either way the issuer's
//! role codes are mapped to Linkwork's roles by configuration; a code with no mapping is used
//! as it is. A client-credentials token (an integrator) has no role: its role is `integrator`,
//! and what it may do is its scopes.

use std::collections::HashMap;

use serde_json::Value;

use crate::{Caller, Unauthenticated};

/// How claims name the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    /// Read CIS2's `nhsid_nrbac_roles` and `selected_roleid` for organisation and role.
    pub cis2: bool,
    /// The claim holding the organisation (not for CIS2), e.g. `org`.
    pub organisation: String,
    /// The claim holding the role (not for CIS2), e.g. `role`.
    pub role: String,
    /// Issuer role codes to Linkwork roles, e.g. `R8000` → `link-worker`.
    pub roles: HashMap<String, String>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            cis2: false,
            organisation: "org".to_owned(),
            role: "role".to_owned(),
            roles: HashMap::new(),
        }
    }
}

/// The longest value taken for a caller's user, organisation or role.
const MAX_PART: usize = 200;

fn text<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn usable(value: &str) -> bool {
    value.len() <= MAX_PART && !value.chars().any(char::is_control)
}

impl ClaimMapping {
    /// Parses `CODE=role,CODE=role` into the role map.
    pub fn parse_roles(text: &str) -> Result<HashMap<String, String>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((code, role)) if !code.trim().is_empty() && !role.trim().is_empty() => {
                    Ok((code.trim().to_owned(), role.trim().to_owned()))
                }
                _ => Err(format!("{pair:?} is not CODE=role")),
            })
            .collect()
    }

    /// The caller the verified `claims` name.
    pub(crate) fn caller(&self, claims: &Value) -> Result<Caller, Unauthenticated> {
        let missing = |what: &str| Unauthenticated(format!("the token has no usable {what} claim"));
        let user = text(claims, "sub")
            .filter(|user| usable(user))
            .ok_or_else(|| missing("sub"))?;
        let scopes: Vec<String> = text(claims, "scope")
            .map(|scopes| scopes.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let (organisation, role) = if self.cis2 {
            self.cis2_role(claims)
                .ok_or_else(|| missing("nhsid_nrbac_roles"))?
        } else {
            let organisation =
                text(claims, &self.organisation).ok_or_else(|| missing(&self.organisation))?;
            let role = match (text(claims, &self.role), scopes.is_empty()) {
                (Some(role), _) => role.to_owned(),
                (None, false) => "integrator".to_owned(),
                (None, true) => return Err(missing(&self.role)),
            };
            (organisation.to_owned(), role)
        };
        let role = self.roles.get(&role).cloned().unwrap_or(role);
        if !usable(&organisation) || !usable(&role) {
            return Err(Unauthenticated(
                "the token's organisation or role is not usable".to_owned(),
            ));
        }
        Ok(Caller {
            user: user.to_owned(),
            organisation,
            role,
            scopes,
        })
    }

    /// The organisation and role code of the role CIS2 says the user selected.
    fn cis2_role(&self, claims: &Value) -> Option<(String, String)> {
        let selected = text(claims, "selected_roleid")?;
        let roles = claims.get("nhsid_nrbac_roles")?.as_array()?;
        let chosen = roles
            .iter()
            .find(|role| role.get("person_roleid").and_then(Value::as_str) == Some(selected))?;
        let organisation = text(chosen, "org_code")?.to_owned();
        let code = text(chosen, "role_code")?;
        let code = code.rsplit(':').next().unwrap_or(code).to_owned();
        Some((organisation, code))
    }
}
