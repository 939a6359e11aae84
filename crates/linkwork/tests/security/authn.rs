//! T14 and T13 through the running platform. T14: tokens an attacker can make or replay —
//! none, unsigned, signed HS256 with the issuer's published key, signed by the issuer but for
//! another issuer or audience, expired, not yet valid, without the claims that name a caller —
//! are 401 on the JSON API, FHIR and gRPC alike, and `x-linkwork-*` headers are nobody. T13:
//! a signed-in caller in a role a route does not admit is 403, and server-owned fields cannot
//! be set from a request.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use testkit::BackendKind;

use crate::platform::{Outgoing, Platform, Who};

testkit::on_both_backends!(
    tokens_an_attacker_can_make_are_refused_everywhere,
    roles_are_held_to_what_each_route_admits,
);

const LINK_WORKER: Who = Who::new("lw-a", "PCN-A", "link-worker");

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn tokens_an_attacker_can_make_are_refused_everywhere(kind: BackendKind) {
    let platform = Platform::up(kind).await;
    let issuer = platform.issuer();
    let jwks = platform.get(LINK_WORKER, "/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200, "the issuer publishes its keys");
    let kid = jwks.json()["keys"][0]["kid"].as_str().map(str::to_owned);
    let claims = |changes: &[(&str, Value)]| {
        let mut claims = json!({
            "iss": issuer.issuer(), "aud": "linkwork", "sub": "lw-a", "org": "PCN-A",
            "role": "link-worker", "iat": now(), "nbf": now(), "exp": now() + 600,
        });
        for (field, value) in changes {
            match value {
                Value::Null => {
                    claims.as_object_mut().map(|object| object.remove(*field));
                }
                value => claims[*field] = value.clone(),
            }
        }
        claims
    };
    // What the issuer signs, tampered with only in the claims named.
    let key = platform.issuer_key();
    let signed = |changes: &[(&str, Value)]| {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.clone();
        jsonwebtoken::encode(&header, &claims(changes), &EncodingKey::from_ec_der(&key))
            .expect("signs")
    };
    let encode = |part: &Value| URL_SAFE_NO_PAD.encode(part.to_string());
    let unsigned = format!(
        "{}.{}.",
        encode(&json!({ "alg": "none", "typ": "JWT" })),
        encode(&claims(&[]))
    );
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = kid.clone();
    let with_public_key = jsonwebtoken::encode(
        &hs256,
        &claims(&[]),
        &EncodingKey::from_secret(jwks.body.as_bytes()),
    )
    .expect("signs");
    let forged: Vec<(&str, String)> = vec![
        ("alg none", unsigned),
        ("HS256 with the public key", with_public_key),
        (
            "another issuer",
            signed(&[("iss", json!("https://evil.example"))]),
        ),
        ("another audience", signed(&[("aud", json!("another-app"))])),
        ("expired", signed(&[("exp", json!(now() - 3600))])),
        ("not yet valid", signed(&[("nbf", json!(now() + 3600))])),
        ("no subject", signed(&[("sub", Value::Null)])),
        ("no organisation", signed(&[("org", Value::Null)])),
        ("garbage", "not.a.token".to_owned()),
    ];
    let routes = [
        "/api/v1/holdings",
        "/fhir/Task/00000000-0000-4000-8000-000000000000",
    ];
    for (what, token) in &forged {
        for path in routes {
            let answer = platform
                .send(Outgoing {
                    method: "GET",
                    path,
                    token: Some(token),
                    ..Outgoing::default()
                })
                .await;
            assert_eq!(answer.status, 401, "{what} on {path}: {}", answer.body);
            assert!(
                !answer.body.contains(token.as_str()),
                "the token is not echoed"
            );
        }
    }
    // The headers that once named a caller name nobody.
    let trusted_once = platform
        .send(Outgoing {
            method: "GET",
            path: "/api/v1/holdings",
            headers: vec![
                ("x-linkwork-user", "lw-a".to_owned()),
                ("x-linkwork-organisation", "PCN-A".to_owned()),
                ("x-linkwork-role", "link-worker".to_owned()),
            ],
            ..Outgoing::default()
        })
        .await;
    assert_eq!(trusted_once.status, 401, "{}", trusted_once.body);
    // And a token the issuer really signed works.
    let genuine = signed(&[]);
    let answer = platform
        .send(Outgoing {
            method: "GET",
            path: "/api/v1/holdings",
            token: Some(&genuine),
            ..Outgoing::default()
        })
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

async fn roles_are_held_to_what_each_route_admits(kind: BackendKind) {
    let platform = Platform::up(kind).await;
    let organisation = json!({ "name": "Link workers' own charity" });
    let registered = platform
        .json(LINK_WORKER, "POST", "/api/v1/organizations", &organisation)
        .await;
    assert_eq!(registered.status, 403, "{}", registered.body);
    let taxonomy = json!({ "name": "Needs" });
    let registered = platform
        .json(LINK_WORKER, "POST", "/api/v1/taxonomies", &taxonomy)
        .await;
    assert_eq!(registered.status, 403, "{}", registered.body);
    let curator = Who::new(
        "cur-a",
        "0190a2b4-0000-7000-8000-00000000a001",
        "directory-curator",
    );
    let referral = crate::bola::referral_to("PCN-A");
    let made = platform
        .json(curator, "POST", "/api/v1/referrals", &referral)
        .await;
    assert_eq!(
        made.status, 403,
        "a curator makes no referrals: {}",
        made.body
    );
    let unknown_role = Who::new("x", "PCN-A", "x");
    let made = platform
        .json(unknown_role, "POST", "/api/v1/referrals", &referral)
        .await;
    assert_eq!(made.status, 403, "{}", made.body);
    // Server-owned fields: who referred is the caller, never a field a request can set.
    let mut forged = referral.clone();
    forged["referrer_organisation"] = json!("LWP-B");
    let refused = platform
        .json(LINK_WORKER, "POST", "/api/v1/referrals", &forged)
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("referrer_organisation"),
        "{}",
        refused.body
    );
}
