//! Authentication's refusals, each as an attacker would try it (the test plan's T14), and the
//! claims a token names a caller with.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tonic::metadata::MetadataMap;

use super::*;

const ISSUER: &str = "http://127.0.0.1:8080";
const AUDIENCE: &str = "linkwork";

fn issuer() -> LocalIssuer {
    LocalIssuer::new(
        ISSUER,
        AUDIENCE,
        &LocalIssuer::generate_key().expect("a key"),
    )
    .expect("an issuer")
}

fn ana() -> Caller {
    Caller::new("lw-ana", "PCN-LW-01", "link-worker")
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Claims as the local issuer writes them, for tokens the tests sign themselves.
fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "lw-ana", "org": "PCN-LW-01",
        "role": "link-worker", "iat": now(), "nbf": now(), "exp": now() + 600,
    })
}

/// `claims` signed with `issuer`'s own key, as it would sign them.
fn signed(issuer: &LocalIssuer, claims: &Value, pkcs8: &[u8]) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = issuer.jwks().keys[0].common.key_id.clone();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(pkcs8)).expect("signs")
}

fn refusal(result: Result<Caller, AuthError>) -> String {
    match result.expect_err("refused") {
        AuthError::Unauthenticated(Unauthenticated(message)) => message,
        other => panic!("refused as {other:?}"),
    }
}

#[tokio::test]
async fn a_token_from_the_issuer_names_its_caller() {
    let issuer = issuer();
    let token = issuer
        .token(&ana(), Duration::from_secs(60))
        .expect("a token");
    let verifier = issuer.verifier();
    assert_eq!(verifier.verify(&token).await, Ok(ana()));
    let integrator =
        Caller::new("wearables-co", "VCSE-X", "integrator").with_scopes(&["evidence:write"]);
    let token = issuer
        .token(&integrator, Duration::from_secs(60))
        .expect("a token");
    let caller = verifier.verify(&token).await.expect("verifies");
    assert!(caller.has_scope("evidence:write") && !caller.has_scope("evidence:read"));
    let header = format!("Bearer {token}");
    assert_eq!(
        verifier.authenticate(Some(header.as_bytes())).await,
        Ok(Some(caller))
    );
    assert_eq!(verifier.authenticate(None).await, Ok(None));
}

#[tokio::test]
async fn tokens_an_attacker_can_make_are_refused() {
    let key = LocalIssuer::generate_key().expect("a key");
    let issuer = LocalIssuer::new(ISSUER, AUDIENCE, &key).expect("an issuer");
    let verifier = issuer.verifier();
    let encode = |part: &Value| URL_SAFE_NO_PAD.encode(part.to_string());
    // No signature at all.
    let none = format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "typ": "JWT"})),
        encode(&claims())
    );
    assert_eq!(
        refusal(verifier.verify(&none).await),
        "the token is not a signed JWT this deployment accepts"
    );
    // HS256 keyed with the issuer's public key, which anyone can read from its JWKS.
    let public = serde_json::to_vec(&issuer.jwks()).expect("json");
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = issuer.jwks().keys[0].common.key_id.clone();
    let forged =
        jsonwebtoken::encode(&hs, &claims(), &EncodingKey::from_secret(&public)).expect("signs");
    assert_eq!(
        refusal(verifier.verify(&forged).await),
        "the token is not signed with an asymmetric key"
    );
    // Another key, claiming the issuer's key id.
    let other = LocalIssuer::generate_key().expect("a key");
    let impostor = signed(&issuer, &claims(), &other);
    assert_eq!(
        refusal(verifier.verify(&impostor).await),
        "the token's signature does not verify"
    );
    // Tampered claims under the issuer's signature.
    let token = signed(&issuer, &claims(), &key);
    let mut parts: Vec<&str> = token.split('.').collect();
    let admin = encode(&json!({"role": "directory-admin"}));
    parts[1] = &admin;
    assert_eq!(
        refusal(verifier.verify(&parts.join(".")).await),
        "the token's signature does not verify"
    );
}

#[tokio::test]
async fn wrong_issuer_audience_times_or_claims_are_refused_naming_which() {
    let key = LocalIssuer::generate_key().expect("a key");
    let issuer = LocalIssuer::new(ISSUER, AUDIENCE, &key).expect("an issuer");
    let verifier = issuer.verifier();
    let with = |field: &str, value: Value| {
        let mut claims = claims();
        claims[field] = value;
        signed(&issuer, &claims, &key)
    };
    let cases = [
        (
            with("iss", json!("https://evil.example")),
            "the token is from another issuer",
        ),
        (
            with("aud", json!("another-app")),
            "the token is for another audience",
        ),
        (with("exp", json!(now() - 61 - 60)), "the token has expired"),
        (
            with("nbf", json!(now() + 3600)),
            "the token is not valid yet",
        ),
        (
            with("org", json!(null)),
            "the token has no usable org claim",
        ),
        (
            with("role", json!("")),
            "the token has no usable role claim",
        ),
    ];
    for (token, expected) in cases {
        assert_eq!(refusal(verifier.verify(&token).await), expected);
    }
    let mut no_sub = claims();
    no_sub.as_object_mut().expect("object").remove("sub");
    assert_eq!(
        refusal(verifier.verify(&signed(&issuer, &no_sub, &key)).await),
        "the token lacks exp, iss, aud or sub"
    );
    // Within the minute of leeway, an expired token still passes.
    assert!(
        verifier
            .verify(&with("exp", json!(now() - 30)))
            .await
            .is_ok()
    );
    let basic = b"Basic bHc6cGFzcw==";
    assert_eq!(
        verifier.authenticate(Some(basic)).await,
        Err(AuthError::Unauthenticated(Unauthenticated(
            "the Authorization header must be a bearer token".to_owned()
        )))
    );
    let huge = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES));
    assert!(verifier.authenticate(Some(huge.as_bytes())).await.is_err());
}

#[test]
fn cis2_claims_name_the_role_the_user_selected() {
    let mapping = ClaimMapping {
        cis2: true,
        roles: ClaimMapping::parse_roles("R8000=link-worker, R8001=referrer").expect("a map"),
        ..ClaimMapping::default()
    };
    let claims = json!({
        "sub": "910000000001",
        "selected_roleid": "555254240100",
        "nhsid_nrbac_roles": [
            { "person_roleid": "555254239107", "org_code": "Y01234", "role_code": "S8000:G8000:R8001" },
            { "person_roleid": "555254240100", "org_code": "U12345", "role_code": "S8000:G8000:R8000" },
        ],
    });
    let caller = mapping.caller(&claims).expect("a caller");
    assert_eq!(
        (caller.organisation.as_str(), caller.role.as_str()),
        ("U12345", "link-worker")
    );
    assert!(ClaimMapping::parse_roles("R8000").is_err());
}

#[test]
fn the_gateway_forwards_the_token_but_nothing_oversized_and_no_other_header() {
    let mut headers = HeaderMap::new();
    let (name, value) = bearer("a.b.c");
    headers.insert(name, value);
    headers.insert(
        CORRELATION,
        "9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a"
            .parse()
            .expect("ascii"),
    );
    headers.insert(
        "x-linkwork-organisation",
        "LWPCN-NORTH".parse().expect("ascii"),
    );
    let mut metadata = MetadataMap::new();
    forward(&headers, &mut metadata);
    assert_eq!(
        metadata.get("authorization").and_then(|v| v.to_str().ok()),
        Some("Bearer a.b.c")
    );
    assert_eq!(
        correlation_id(&metadata).to_string(),
        "9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a"
    );
    assert!(
        metadata.get("x-linkwork-organisation").is_none(),
        "identity headers are not trusted"
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES))
            .parse()
            .expect("ascii"),
    );
    let mut metadata = MetadataMap::new();
    forward(&headers, &mut metadata);
    assert!(metadata.get("authorization").is_none());
    assert!(
        is_correlation_id("9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a") && !is_correlation_id("job-42")
    );
}
