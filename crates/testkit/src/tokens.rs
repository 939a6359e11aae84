//! The tests' identity provider: one issuer per test binary, whose tokens every spawned
//! service accepts, so that tests sign in as the people they act as — exactly as clients of a
//! deployment do, through the same verification.

use std::sync::OnceLock;
use std::time::Duration;

use identity::{Caller, LocalIssuer};

/// The issuer the tests' tokens come from.
pub const TEST_ISSUER: &str = "https://issuer.linkwork.test";

/// The audience the tests' tokens are for.
pub const TEST_AUDIENCE: &str = "linkwork";

/// The tests' issuer, its key made on first use.
pub fn issuer() -> &'static LocalIssuer {
    static ISSUER: OnceLock<LocalIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let key = LocalIssuer::generate_key().expect("a key");
        LocalIssuer::new(TEST_ISSUER, TEST_AUDIENCE, &key).expect("an issuer")
    })
}

/// A token for `caller`, valid for an hour.
pub fn token(caller: &Caller) -> String {
    issuer()
        .token(caller, Duration::from_secs(3600))
        .expect("a token")
}

/// `request` as sent by `caller`.
pub fn signed_in<T>(caller: &Caller, mut request: tonic::Request<T>) -> tonic::Request<T> {
    identity::present(&token(caller), request.metadata_mut());
    request
}

/// An identity provider on a free port of this machine, publishing its discovery document and
/// keys as a real one does, for a service process told `--oidc-issuer` to fetch them; it
/// serves until dropped.
#[derive(Debug)]
pub struct TestIdentityProvider {
    issuer: LocalIssuer,
    serving: tokio::task::JoinHandle<()>,
}

impl Drop for TestIdentityProvider {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

impl TestIdentityProvider {
    /// Starts one, its name (`iss`) the URL it serves at, for [`TEST_AUDIENCE`].
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let key = LocalIssuer::generate_key().expect("a key");
        let issuer = LocalIssuer::new(&url, TEST_AUDIENCE, &key).expect("an issuer");
        let discovery = issuer.discovery(&format!("{url}/keys"));
        let jwks = serde_json::to_value(issuer.jwks()).expect("JSON");
        let routes = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || async move { axum::Json(discovery) }),
            )
            .route(
                "/keys",
                axum::routing::get(move || async move { axum::Json(jwks) }),
            );
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });
        Self { issuer, serving }
    }

    /// Its name, to give as `--oidc-issuer`.
    pub fn url(&self) -> &str {
        self.issuer.issuer()
    }

    /// A token it signed for `caller`, valid for an hour.
    pub fn token(&self, caller: &Caller) -> String {
        self.issuer
            .token(caller, Duration::from_secs(3600))
            .expect("a token")
    }
}
