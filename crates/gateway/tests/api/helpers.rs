//! The platform as `linkwork up` runs it — the referral and directory services started through
//! the service kit on one gRPC and one HTTP listener, over fresh logs, the demo region's
//! postcodes loaded, with the gateway's router beside `/fhir` and `/oruk` — and an HTTP client that checks every exchange against the OpenAPI document: the
//! operation exists, the body sent matches its request schema, and the status and body
//! answered are ones it documents.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::{Request, header};
use gateway::Upstreams;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use referral::config::{ALLOW_TEST_NHS_NUMBERS, MASTER_KEY, PSEUDONYM_KEY};
use serde_json::{Value, json};
use servicekit::Settings;
use testkit::{BackendKind, Spawn, Spawned};
use tonic::transport::Endpoint;

/// Someone signed in: their token from the tests' issuer goes with every request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who {
    pub(crate) user: &'static str,
    pub(crate) organisation: &'static str,
    pub(crate) role: &'static str,
}

pub(crate) const GP_PRACTICE: &str = "Y01234";
pub(crate) const LINK_WORKERS: &str = "PCN-LW-01";
pub(crate) const OTHER_PCN: &str = "PCN-LW-02";

pub(crate) const CURATOR: Who = Who {
    user: "curator-1",
    organisation: "ICB-QWE",
    role: "directory-admin",
};
pub(crate) const GP: Who = Who {
    user: "dr-patel",
    organisation: GP_PRACTICE,
    role: "referrer",
};
pub(crate) const LINK_WORKER: Who = Who {
    user: "lw-ana",
    organisation: LINK_WORKERS,
    role: "link-worker",
};
pub(crate) const OTHER_LINK_WORKER: Who = Who {
    user: "lw-ben",
    organisation: OTHER_PCN,
    role: "link-worker",
};
/// No token at all.
pub(crate) const NOBODY: Who = Who {
    user: "",
    organisation: "",
    role: "",
};

/// The services and the gateway, serving until dropped.
pub(crate) struct Platform {
    address: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
    document: Value,
    _spawned: Spawned,
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) json: Value,
}

impl Answer {
    /// The body, once the status is `status`.
    #[track_caller]
    pub(crate) fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "answered {:#}", self.json);
        self.json
    }

    /// The error message, once the status is `status`.
    #[track_caller]
    pub(crate) fn refused(self, status: u16) -> String {
        let body = self.expect(status);
        body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {body}"))
            .to_owned()
    }
}

/// A request, before it is sent.
pub(crate) struct Outgoing<'a> {
    pub(crate) who: Who,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: Vec<u8>,
    /// Whether the body must match the operation's request schema (not for bad requests).
    pub(crate) well_formed: bool,
    /// Headers besides the caller's.
    pub(crate) headers: Vec<(&'a str, &'a str)>,
}

impl Platform {
    /// Starts both services on `kind` databases, the demo region's postcodes loaded.
    pub(crate) async fn start(kind: BackendKind) -> Self {
        testkit::init_logging();
        let referral = Settings::default()
            .with_secret(PSEUDONYM_KEY.name, [7; 32])
            .with_secret(MASTER_KEY.name, [9; 32])
            .with(ALLOW_TEST_NHS_NUMBERS.name, "true");
        let spawned = Spawn::new(&referral::SERVICE, referral, kind)
            .and(&directory::SERVICE, Settings::default())
            .with_demo_data()
            .with_routes(|grpc| {
                let channel = Endpoint::from_shared(format!("http://{grpc}"))
                    .expect("endpoint")
                    .connect_lazy();
                gateway::router(Upstreams::all_at(channel))
            })
            .start()
            .await;
        let address = spawned.http;
        Self {
            address,
            client: Client::builder(TokioExecutor::new()).build_http(),
            document: gateway::openapi(),
            _spawned: spawned,
        }
    }

    /// `GET path` as `who`.
    pub(crate) async fn get(&self, who: Who, path: &str) -> Answer {
        self.json(who, "GET", path, None).await
    }

    /// `POST path` as `who`, with a JSON body.
    pub(crate) async fn post(&self, who: Who, path: &str, body: Value) -> Answer {
        self.json(who, "POST", path, Some(body)).await
    }

    /// `POST path` as `who`, with no body.
    pub(crate) async fn post_empty(&self, who: Who, path: &str) -> Answer {
        self.json(who, "POST", path, None).await
    }

    /// `PUT path` as `who`, with a JSON body.
    pub(crate) async fn put(&self, who: Who, path: &str, body: Value) -> Answer {
        self.json(who, "PUT", path, Some(body)).await
    }

    async fn json(&self, who: Who, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.send(Outgoing {
            who,
            method,
            path,
            content_type: body.as_ref().map(|_| "application/json"),
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
            well_formed: true,
            headers: Vec::new(),
        })
        .await
    }

    /// Sends `outgoing` and checks the exchange against the document, when it documents the
    /// operation.
    pub(crate) async fn send(&self, outgoing: Outgoing<'_>) -> Answer {
        let mut request = Request::builder()
            .method(outgoing.method)
            .uri(format!("http://{}{}", self.address, outgoing.path));
        if !outgoing.who.user.is_empty() {
            let caller = identity::Caller::new(
                outgoing.who.user,
                outgoing.who.organisation,
                outgoing.who.role,
            );
            let (name, value) = identity::bearer(&testkit::token(&caller));
            request = request.header(name, value);
        }
        for (name, value) in &outgoing.headers {
            request = request.header(*name, *value);
        }
        if let Some(content_type) = outgoing.content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request
            .body(Full::new(Bytes::from(outgoing.body.clone())))
            .expect("request");
        let response = self.client.request(request).await.expect("an HTTP answer");
        let status = response.status().as_u16();
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.as_bytes()),
            Some(&b"no-store"[..]),
            "answers are not to be cached"
        );
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
        let answer = Answer {
            status,
            location,
            json,
        };
        self.check(&outgoing, &answer);
        answer
    }

    /// Panics unless the exchange is one the document describes.
    fn check(&self, outgoing: &Outgoing<'_>, answer: &Answer) {
        let Some(operation) = operation(&self.document, outgoing.method, outgoing.path) else {
            return;
        };
        let name = format!("{} {}", outgoing.method, outgoing.path);
        if outgoing.well_formed && !outgoing.body.is_empty() {
            let sent: Value = serde_json::from_slice(&outgoing.body).expect("sent JSON");
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "{name} takes no body in the document");
            assert_conforms(
                &self.document,
                schema,
                &sent,
                &format!("the body of {name}"),
            );
        }
        let documented = &operation["responses"][answer.status.to_string()];
        let documented = match documented["$ref"].as_str() {
            Some(pointer) => self
                .document
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{pointer} does not resolve")),
            None => documented,
        };
        assert!(
            documented.is_object(),
            "{name} answered {}, which the document does not list: {:#}",
            answer.status,
            answer.json
        );
        let schema = &documented["content"]["application/json"]["schema"];
        let what = format!("the {} answer to {name}", answer.status);
        assert_conforms(&self.document, schema, &answer.json, &what);
    }
}

/// The document's operation for `method` on the concrete `path`.
pub(crate) fn operation<'d>(document: &'d Value, method: &str, path: &str) -> Option<&'d Value> {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let (_, item) = document["paths"]
        .as_object()?
        .iter()
        .find(|(template, _)| {
            let template: Vec<&str> = template.split('/').collect();
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
        })?;
    item.get(method.to_ascii_lowercase())
}

/// Panics, listing every violation, unless `value` is valid against `schema`, whose `$ref`s
/// point into the document's components. Formats (`uuid`, `date-time`) are asserted.
#[track_caller]
pub(crate) fn assert_conforms(document: &Value, schema: &Value, value: &Value, what: &str) {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "allOf": [schema]
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|error| panic!("the schema for {what} does not compile: {error}"));
    let violations: Vec<String> = validator
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(
        violations.is_empty(),
        "{what} breaks the document:\n  {}\nin {value:#}",
        violations.join("\n  ")
    );
}

/// An RFC 3339 instant `seconds` from now.
pub(crate) fn in_seconds(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Asks `question` until `ready` holds of the answer, for up to five seconds: the read models
/// catch up from the log in the background.
pub(crate) async fn eventually<F, Fut>(mut question: F, ready: impl Fn(&Value) -> bool) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut last = Value::Null;
    for _ in 0..200 {
        last = question().await;
        if ready(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("never ready: {last:#}");
}

/// The backend-independent tests run on SQLite, which needs nothing running.
pub(crate) const ANY_BACKEND: BackendKind = BackendKind::Sqlite;
