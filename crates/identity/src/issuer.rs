//! The local issuer of the platform on one machine: an ES256 key kept in the data folder, the
//! tokens it signs (`linkwork token`, the demo), and its public key as a JWKS, which the
//! services verify against exactly as they verify a real identity provider's.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::json;

use crate::Caller;
use crate::claims::ClaimMapping;
use crate::verifier::{KeySource, Verifier, VerifierConfig};

/// Why the local issuer could not be made or sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the local issuer: {0}")]
pub struct IssuerError(pub String);

/// An issuer with its own key.
#[derive(Clone)]
pub struct LocalIssuer {
    issuer: String,
    audience: String,
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for LocalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("issuer", &self.issuer)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl LocalIssuer {
    /// A new P-256 key, as PKCS#8 DER, to keep.
    pub fn generate_key() -> Result<Vec<u8>, IssuerError> {
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map(|document| document.as_ref().to_vec())
            .map_err(|_| IssuerError("cannot generate a key".to_owned()))
    }

    /// The issuer named `issuer`, signing for `audience` with the PKCS#8 key `pkcs8`.
    pub fn new(issuer: &str, audience: &str, pkcs8: &[u8]) -> Result<Self, IssuerError> {
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| IssuerError("the key is not a P-256 PKCS#8 key".to_owned()))?;
        // An uncompressed point: 0x04, then x and y of 32 bytes each.
        let point = pair.public_key().as_ref();
        let (x, y) = point
            .get(1..)
            .filter(|coordinates| coordinates.len() == 64)
            .map(|coordinates| coordinates.split_at(32))
            .ok_or_else(|| IssuerError("the key's public point is malformed".to_owned()))?;
        let kid = hex_of(&ring::digest::digest(&ring::digest::SHA256, point).as_ref()[..8]);
        let jwk = Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::ES256),
                key_id: Some(kid.clone()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(x),
                y: URL_SAFE_NO_PAD.encode(y),
            }),
        };
        Ok(Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            kid,
            encoding: EncodingKey::from_ec_der(pkcs8),
            jwk,
        })
    }

    /// Its name, the `iss` of its tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A token for `caller`, valid for `lasting`.
    pub fn token(&self, caller: &Caller, lasting: Duration) -> Result<String, IssuerError> {
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = json!({
            "iss": self.issuer,
            "aud": self.audience,
            "sub": caller.user,
            "org": caller.organisation,
            "role": caller.role,
            "iat": now,
            "nbf": now,
            "exp": now + lasting.as_secs(),
        });
        if !caller.scopes.is_empty() {
            claims["scope"] = json!(caller.scopes.join(" "));
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|error| IssuerError(format!("cannot sign: {error}")))
    }

    /// Its public key, as the JWKS it publishes.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// Its discovery document, naming where its JWKS is.
    pub fn discovery(&self, jwks_uri: &str) -> serde_json::Value {
        json!({
            "issuer": self.issuer,
            "jwks_uri": jwks_uri,
            "id_token_signing_alg_values_supported": ["ES256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["token"],
        })
    }

    /// A verifier of its tokens, with Linkwork's claim names.
    pub fn verifier(&self) -> Verifier {
        Verifier::new(VerifierConfig {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            keys: KeySource::Fixed(self.jwks()),
            claims: ClaimMapping::default(),
        })
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
