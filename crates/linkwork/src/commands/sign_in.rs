//! Who may call the platform. A deployment names its OpenID Connect issuer (`--oidc-issuer`,
//! `--oidc-audience`, and how its claims name the caller); every service process verifies
//! tokens against it. `linkwork up` without one runs its own issuer instead: an ES256 key
//! generated into the data folder, its discovery document and keys served under
//! `/.well-known`, and `linkwork token` to sign a token with it — so the platform on one
//! machine is signed into exactly as a deployment is, with nothing to install.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context as _, bail};
use axum::Json;
use axum::routing::get;
use identity::{ClaimMapping, KeySource, LocalIssuer, Verifier, VerifierConfig};
use serde_json::json;

/// The audience tokens are for unless `--oidc-audience` says otherwise.
pub(crate) const DEFAULT_AUDIENCE: &str = "linkwork";

/// The local issuer's signing key (PKCS#8), in the data folder's `keys/`.
const KEY_FILE: &str = "local-issuer.p8";
/// The local issuer's name and audience, written by `up` for `linkwork token` to sign with.
const NAME_FILE: &str = "local-issuer.json";

/// The deployment's OpenID Connect issuer, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Oidc {
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) jwks_url: Option<String>,
    /// Read NHS CIS2's role claims.
    pub(crate) cis2: bool,
    /// Issuer role codes to Linkwork roles.
    pub(crate) roles: HashMap<String, String>,
}

impl Oidc {
    /// The configured issuer, checked: its URLs must be `https` (or `http` on this machine).
    pub(crate) fn new(
        issuer: String,
        audience: String,
        jwks_url: Option<String>,
        claims: Option<&str>,
        role_map: Option<&str>,
    ) -> anyhow::Result<Self> {
        if !secure_or_local(&issuer) {
            bail!(
                "oidc_issuer (--oidc-issuer, LINKWORK_OIDC_ISSUER) must be an https:// URL \
                 (http:// only on this machine)"
            );
        }
        if let Some(url) = &jwks_url
            && !secure_or_local(url)
        {
            bail!(
                "oidc_jwks_url (--oidc-jwks-url, LINKWORK_OIDC_JWKS_URL) must be an https:// URL \
                 (http:// only on this machine)"
            );
        }
        if audience.trim().is_empty() {
            bail!("oidc_audience (--oidc-audience, LINKWORK_OIDC_AUDIENCE) must not be empty");
        }
        let cis2 = match claims.unwrap_or("linkwork") {
            "linkwork" => false,
            "cis2" => true,
            _ => {
                bail!("oidc_claims (--oidc-claims, LINKWORK_OIDC_CLAIMS) must be linkwork or cis2")
            }
        };
        let roles = ClaimMapping::parse_roles(role_map.unwrap_or_default()).map_err(|reason| {
            anyhow::anyhow!("oidc_role_map (--oidc-role-map, LINKWORK_OIDC_ROLE_MAP): {reason}")
        })?;
        Ok(Self {
            issuer,
            audience,
            jwks_url,
            cis2,
            roles,
        })
    }

    /// A verifier of its tokens, fetching its keys as they are needed.
    pub(crate) fn verifier(&self) -> Verifier {
        Verifier::new(VerifierConfig {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            keys: KeySource::Remote {
                jwks_url: self.jwks_url.clone(),
            },
            claims: ClaimMapping {
                cis2: self.cis2,
                roles: self.roles.clone(),
                ..ClaimMapping::default()
            },
        })
    }
}

fn secure_or_local(url: &str) -> bool {
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
    url.starts_with("https://")
        || local.iter().any(|prefix| {
            url.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        })
}

/// The local issuer of `up` listening for HTTP at `http`: its key kept in `data_dir` (made on
/// first use), its name the HTTP address, which it also writes down for `linkwork token`.
pub(crate) fn start_local_issuer(
    data_dir: &Path,
    http: SocketAddr,
    audience: &str,
) -> anyhow::Result<LocalIssuer> {
    let key = servicekit::kept_in(data_dir, KEY_FILE, "the local issuer's signing key", || {
        LocalIssuer::generate_key().map_err(|error| error.to_string())
    })?;
    let name = format!("http://{}", super::loopback(http));
    let issuer = LocalIssuer::new(&name, audience, &key)?;
    let written = json!({ "issuer": name, "audience": audience });
    let path = data_dir.join("keys").join(NAME_FILE);
    std::fs::write(&path, written.to_string())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(issuer)
}

/// The local issuer whose key `up` keeps in `data_dir`, as it last ran.
pub(crate) fn kept_issuer(data_dir: &Path) -> anyhow::Result<LocalIssuer> {
    let keys = data_dir.join("keys");
    let missing = || {
        format!(
            "data_dir: no local issuer in {}; start `linkwork up` (without --oidc-issuer) there \
             first, or get a token from the deployment's identity provider",
            data_dir.display()
        )
    };
    let key = servicekit::read_kept(data_dir, KEY_FILE)?.with_context(missing)?;
    let named = std::fs::read_to_string(keys.join(NAME_FILE)).with_context(missing)?;
    let named: serde_json::Value = serde_json::from_str(&named)
        .with_context(|| format!("{} is not JSON", keys.join(NAME_FILE).display()))?;
    let text = |field: &str| {
        named[field]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{} has no {field}", keys.join(NAME_FILE).display()))
    };
    Ok(LocalIssuer::new(
        &text("issuer")?,
        &text("audience")?,
        &key,
    )?)
}

/// Where the local issuer's discovery document and keys are served.
pub(crate) const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The local issuer's discovery document and public keys, open to anyone, as an identity
/// provider publishes them.
pub(crate) fn well_known(issuer: &LocalIssuer) -> axum::Router {
    let discovery = issuer.discovery(&format!("{}{JWKS_PATH}", issuer.issuer()));
    let jwks = serde_json::to_value(issuer.jwks()).unwrap_or_default();
    axum::Router::new()
        .route(DISCOVERY_PATH, get(move || async move { Json(discovery) }))
        .route(JWKS_PATH, get(move || async move { Json(jwks) }))
}

#[cfg(test)]
mod tests {
    use super::{Oidc, secure_or_local};

    #[test]
    fn only_https_issuers_are_taken_but_on_this_machine() {
        assert!(secure_or_local(
            "https://am.nhsidentity.spineservices.nhs.uk/openam"
        ));
        assert!(secure_or_local("http://127.0.0.1:8080"));
        assert!(secure_or_local("http://localhost/realms/x"));
        assert!(!secure_or_local("http://issuer.example.org"));
        assert!(!secure_or_local("http://127.0.0.1.example.org"));
        assert!(!secure_or_local("ftp://127.0.0.1"));
    }

    #[test]
    fn settings_that_cannot_be_used_are_refused_naming_them() {
        let refused = |claims: Option<&str>, roles: Option<&str>, issuer: &str| {
            Oidc::new(
                issuer.to_owned(),
                "linkwork".to_owned(),
                None,
                claims,
                roles,
            )
            .map_err(|error| error.to_string())
            .err()
            .unwrap_or_default()
        };
        assert!(refused(None, None, "http://idp.example.org").starts_with("oidc_issuer"));
        assert!(refused(Some("saml"), None, "https://idp").starts_with("oidc_claims"));
        assert!(refused(None, Some("R8000"), "https://idp").starts_with("oidc_role_map"));
        let mapped = Oidc::new(
            "https://idp".to_owned(),
            "linkwork".to_owned(),
            None,
            Some("cis2"),
            Some("R8000=link-worker, R8001=referrer"),
        )
        .expect("usable");
        assert!(mapped.cis2);
        assert_eq!(
            mapped.roles.get("R8001").map(String::as_str),
            Some("referrer")
        );
    }
}
