//! Verifying a bearer token: a JWT signed by the deployment's OpenID Connect issuer with an
//! asymmetric key from its JWKS (RS, PS, ES or EdDSA; never HS, never `none`), for this
//! deployment's audience, within its times give or take a minute, with a subject and the
//! claims that name the caller.
//!
//! The issuer's keys come from its discovery document and JWKS, fetched at the first request
//! and kept for ten minutes; a token signed with a key not seen yet fetches them again (at most
//! every thirty seconds), so the issuer can rotate its keys without a restart. The local
//! issuer's key is given instead ([`KeySource::Fixed`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::Mutex;

use crate::claims::ClaimMapping;
use crate::{Caller, MAX_TOKEN_BYTES, Unauthenticated};

/// Algorithms taken: asymmetric only.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How long fetched keys are trusted before they are fetched again.
const KEYS_LAST: Duration = Duration::from_secs(600);
/// The least time between fetches, however many unknown keys arrive.
const REFETCH_AFTER: Duration = Duration::from_secs(30);
/// Clock difference allowed between the issuer and this process.
pub(crate) const LEEWAY_SECONDS: u64 = 60;

/// Where the issuer's keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// These keys, for good (the local issuer, tests).
    Fixed(JwkSet),
    /// The issuer's JWKS, at `jwks_url` or else where its discovery document says.
    Remote {
        /// The JWKS's address, if not the discovery document's `jwks_uri`.
        jwks_url: Option<String>,
    },
}

/// What tokens are verified against.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// The issuer (`iss`), e.g. `https://am.nhsidentity.spineservices.nhs.uk/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare`.
    pub issuer: String,
    /// The audience (`aud`) tokens must be for: this deployment's client id.
    pub audience: String,
    /// Where the keys come from.
    pub keys: KeySource,
    /// How claims name the caller.
    pub claims: ClaimMapping,
}

/// Why a token was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The credentials are missing or wrong (UNAUTHENTICATED, 401).
    #[error(transparent)]
    Unauthenticated(#[from] Unauthenticated),
    /// The issuer's keys could not be had to check them (UNAVAILABLE, 503).
    #[error("the identity provider's keys cannot be fetched: {0}")]
    Unavailable(String),
}

#[derive(Debug, Default)]
struct Keys {
    set: Option<JwkSet>,
    /// When the keys in `set` were fetched.
    fetched: Option<Instant>,
    /// When a fetch was last tried, successful or not: an unreachable issuer is asked again
    /// no more often than a reachable one, rather than on every request.
    tried: Option<Instant>,
}

/// Verifies bearer tokens; cheap to clone and share.
#[derive(Debug, Clone)]
pub struct Verifier {
    config: Arc<VerifierConfig>,
    keys: Arc<Mutex<Keys>>,
}

fn refused(reason: impl Into<String>) -> AuthError {
    AuthError::Unauthenticated(Unauthenticated(reason.into()))
}

impl Verifier {
    /// A verifier for `config`.
    pub fn new(config: VerifierConfig) -> Self {
        let keys = match &config.keys {
            KeySource::Fixed(set) => Keys {
                set: Some(set.clone()),
                fetched: Some(Instant::now()),
                tried: Some(Instant::now()),
            },
            KeySource::Remote { .. } => Keys::default(),
        };
        Self {
            config: Arc::new(config),
            keys: Arc::new(Mutex::new(keys)),
        }
    }

    /// The issuer tokens must come from.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// The caller an `Authorization` header names: `None` without one; an error for one that is
    /// malformed, not a bearer token, or a token that does not verify.
    pub async fn authenticate(
        &self,
        authorization: Option<&[u8]>,
    ) -> Result<Option<Caller>, AuthError> {
        let Some(header) = authorization else {
            return Ok(None);
        };
        if header.len() > MAX_TOKEN_BYTES {
            return Err(refused("the Authorization header is too long"));
        }
        let header = std::str::from_utf8(header)
            .map_err(|_| refused("the Authorization header is not text"))?;
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
        else {
            return Err(refused("the Authorization header must be a bearer token"));
        };
        self.verify(token).await.map(Some)
    }

    /// The caller `token` names, once it verifies.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| refused("the token is not a signed JWT this deployment accepts"))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(refused("the token is not signed with an asymmetric key"));
        }
        let kid = header.kid.unwrap_or_default();
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).map_err(
            |error| {
                use jsonwebtoken::errors::ErrorKind;
                refused(match error.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidIssuer => "the token is from another issuer",
                    ErrorKind::InvalidAudience => "the token is for another audience",
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks exp, iss, aud or sub",
                    ErrorKind::InvalidSignature => "the token's signature does not verify",
                    _ => "the token does not verify",
                })
            },
        )?;
        Ok(self.config.claims.caller(&data.claims)?)
    }

    /// The decoding key `kid` names, fetching the issuer's keys when they are old or it is new.
    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        let mut keys = self.keys.lock().await;
        let stale = keys.fetched.is_none_or(|at| at.elapsed() > KEYS_LAST);
        let unknown = keys.set.as_ref().is_none_or(|set| find(set, kid).is_none());
        let may_fetch = keys.tried.is_none_or(|at| at.elapsed() > REFETCH_AFTER);
        if let KeySource::Remote { jwks_url } = &self.config.keys
            && (stale || unknown)
            && may_fetch
        {
            keys.tried = Some(Instant::now());
            match crate::fetch::jwks(&self.config.issuer, jwks_url.as_deref()).await {
                Ok(set) => {
                    keys.set = Some(set);
                    keys.fetched = Some(Instant::now());
                }
                // Keys fetched before stay in use while the issuer is unreachable.
                Err(reason) if keys.set.is_some() => {
                    tracing::warn!(%reason, "could not refresh the identity provider's keys");
                }
                Err(reason) => return Err(AuthError::Unavailable(reason)),
            }
        }
        let set = keys
            .set
            .as_ref()
            .ok_or_else(|| AuthError::Unavailable("no keys yet".to_owned()))?;
        let jwk = find(set, kid)
            .ok_or_else(|| refused("the token is signed with a key the issuer does not publish"))?;
        if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
            return Err(refused("the token is not signed with an asymmetric key"));
        }
        DecodingKey::from_jwk(jwk).map_err(|_| refused("the issuer's key cannot be used"))
    }
}

/// The key `kid` names; with no `kid`, the only key there is.
fn find<'a>(set: &'a JwkSet, kid: &str) -> Option<&'a jsonwebtoken::jwk::Jwk> {
    match kid {
        "" if set.keys.len() == 1 => set.keys.first(),
        "" => None,
        kid => set.find(kid),
    }
}
