//! The token a session's QR code carries: which session, for whom (one person's referral, or
//! anyone the provider accepted), until when, and its own id so it is good once — signed with
//! the service's key (HMAC-SHA-256), so that only the service can make one and none can be
//! altered. The text is `<claims>.<signature>`, both base64url without padding.
//!
//! Checking a token needs the time; it is handed in, never read here, so that a check can be
//! tested at any moment.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The token's own id: used once, it is never good again.
    pub token_id: Uuid,
    /// The session it checks in to.
    pub session_id: Uuid,
    /// The one referral it is for; none for anyone the provider accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<Uuid>,
    /// When it stops being good.
    pub expires_at: DateTime<Utc>,
}

/// Why a token is refused. None says more than which rule it broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a token this service signed, or altered since.
    #[error("token: not a valid check-in token")]
    Invalid,
    /// Past its time.
    #[error("token: expired")]
    Expired,
    /// For another session.
    #[error("token: for another session")]
    OtherSession,
    /// For another person.
    #[error("token: for another person's referral")]
    OtherPerson,
}

/// Signs and checks tokens with one key.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer with `key`.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, claims: &str) -> Hmac<Sha256> {
        // HMAC zero-pads keys shorter than its 64-byte block, so this is HMAC under the key.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.key);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(b"linkwork.check-in.v1:");
        mac.update(claims.as_bytes());
        mac
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let claims = URL_SAFE_NO_PAD.encode(json);
        let signature = URL_SAFE_NO_PAD.encode(self.mac(&claims).finalize().into_bytes());
        format!("{claims}.{signature}")
    }

    /// What `token` says, if this service signed it, it is still good at `now`, and it is for
    /// `session_id` (and, if it is one person's, for `referral_id`).
    pub fn check(
        &self,
        token: &str,
        session_id: Uuid,
        referral_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<Claims, Refused> {
        let (claims, signature) = token.trim().split_once('.').ok_or(Refused::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Refused::Invalid)?;
        // Constant time: how much of a forged signature matched is not learnt.
        self.mac(claims)
            .verify_slice(&signature)
            .map_err(|_| Refused::Invalid)?;
        let json = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| Refused::Invalid)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| Refused::Invalid)?;
        if now >= claims.expires_at {
            return Err(Refused::Expired);
        }
        if claims.session_id != session_id {
            return Err(Refused::OtherSession);
        }
        match (claims.referral_id, referral_id) {
            (Some(for_whom), Some(who)) if for_whom != who => Err(Refused::OtherPerson),
            _ => Ok(claims),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn claims(referral_id: Option<Uuid>) -> Claims {
        Claims {
            token_id: Uuid::new_v4(),
            session_id: Uuid::from_u128(1),
            referral_id,
            expires_at: Utc::now() + Duration::minutes(15),
        }
    }

    #[test]
    fn a_signed_token_checks_and_anything_else_is_refused() {
        let signer = Signer::new([7; 32]);
        let person = Uuid::from_u128(9);
        let token = signer.sign(&claims(Some(person)));
        let session = Uuid::from_u128(1);
        let now = Utc::now();
        assert!(signer.check(&token, session, Some(person), now).is_ok());
        assert!(
            signer.check(&token, session, None, now).is_ok(),
            "its own person"
        );
        assert_eq!(
            signer.check(&token, Uuid::from_u128(2), Some(person), now),
            Err(Refused::OtherSession)
        );
        assert_eq!(
            signer.check(&token, session, Some(Uuid::from_u128(8)), now),
            Err(Refused::OtherPerson)
        );
        assert_eq!(
            signer.check(&token, session, Some(person), now + Duration::minutes(16)),
            Err(Refused::Expired)
        );
        let other_key = Signer::new([8; 32]).sign(&claims(Some(person)));
        assert_eq!(
            signer.check(&other_key, session, None, now),
            Err(Refused::Invalid)
        );
        let (claims_part, signature) = token.split_once('.').expect("two parts");
        let mut altered = claims(None);
        altered.expires_at += Duration::days(365);
        let forged = format!(
            "{}.{signature}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&altered).expect("JSON"))
        );
        assert_ne!(claims_part, forged.split_once('.').expect("two").0);
        assert_eq!(
            signer.check(&forged, session, None, now),
            Err(Refused::Invalid)
        );
        for garbage in ["", ".", "a.b", "x"] {
            assert_eq!(
                signer.check(garbage, session, None, now),
                Err(Refused::Invalid)
            );
        }
    }
}
