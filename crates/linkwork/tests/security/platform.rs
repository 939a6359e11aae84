//! `linkwork up` as the tests attack it: the built binary on free ports, its logs in SQLite
//! files or PostgreSQL databases of the test's own, its local issuer's key in a data folder of
//! the test's own — read to sign the tokens of the people the tests act as — and plain HTTP/1.1
//! requests to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use identity::{Caller, LocalIssuer};
use serde_json::Value;
use testkit::{BackendKind, TestStorage};

/// Someone a test acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Who {
    pub(crate) user: &'static str,
    pub(crate) organisation: &'static str,
    pub(crate) role: &'static str,
}

impl Who {
    pub(crate) const fn new(
        user: &'static str,
        organisation: &'static str,
        role: &'static str,
    ) -> Self {
        Self {
            user,
            organisation,
            role,
        }
    }
}

/// A running `up`, stopped when dropped.
pub(crate) struct Platform {
    child: Child,
    pub(crate) http: u16,
    issuer: LocalIssuer,
    key: Vec<u8>,
    data: tempfile::TempDir,
    storage: TestStorage,
}

impl Drop for Platform {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Answer {
    /// The body as JSON (`null` when it is not).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A request to send.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) token: Option<&'a str>,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(&'a str, String)>,
}

impl Platform {
    /// `up` on `kind` logs, serving once it has printed its banner.
    pub(crate) async fn up(kind: BackendKind) -> Self {
        let storage = TestStorage::new(kind).await;
        let data = tempfile::tempdir().expect("a data folder");
        let http = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_linkwork"));
        command
            .arg("up")
            .arg("--data-dir")
            .arg(data.path())
            .args(["--http", &format!("127.0.0.1:{http}")])
            .args(["--grpc", &format!("127.0.0.1:{}", free_port())])
            .args(["--allow-test-nhs-numbers", "true"])
            .env_remove("LINKWORK_DATABASE_URL")
            .env_remove("LINKWORK_NATS_URL")
            .env_remove("LINKWORK_CONFIG")
            .env_remove("LINKWORK_OIDC_ISSUER")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if kind == BackendKind::Postgres {
            command.args(storage.arguments());
        }
        let mut child = command.spawn().expect("start linkwork up");
        let stdout = child.stdout.take().expect("stdout");
        tokio::task::block_in_place(|| {
            for line in BufReader::new(stdout).lines() {
                if line.expect("the banner").starts_with("Press Ctrl-C") {
                    return;
                }
            }
            panic!("up stopped before it served");
        });
        let (issuer, key) = kept_issuer(data.path());
        Self {
            child,
            http,
            issuer,
            key,
            data,
            storage,
        }
    }

    /// A token for `who` from the platform's own issuer, valid for an hour.
    pub(crate) fn token(&self, who: Who) -> String {
        let caller = Caller::new(who.user, who.organisation, who.role);
        self.issuer
            .token(&caller, Duration::from_secs(3600))
            .expect("a token")
    }

    /// `service`'s log, as the platform keeps it, opened with the key it anchors it with.
    pub(crate) async fn store(&self, service: &str) -> eventstore::EventStore {
        let kept = std::fs::read_to_string(self.data.path().join("keys/log-anchor.key"))
            .expect("the log anchor key");
        let key: [u8; 32] = hex::decode(kept.trim())
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        let storage = match &self.storage.storage {
            servicekit::Storage::Folder(_) => {
                servicekit::Storage::Folder(self.data.path().to_owned())
            }
            postgres => postgres.clone(),
        };
        storage
            .open(service, servicekit::Open::Existing, Some(key))
            .await
            .expect("the log opens")
    }

    /// The platform's issuer.
    pub(crate) fn issuer(&self) -> &LocalIssuer {
        &self.issuer
    }

    /// The issuer's private key (PKCS#8), to sign what the issuer never would.
    pub(crate) fn issuer_key(&self) -> Vec<u8> {
        self.key.clone()
    }

    /// `GET path` as `who`.
    pub(crate) async fn get(&self, who: Who, path: &str) -> Answer {
        let token = self.token(who);
        self.send(Outgoing {
            method: "GET",
            path,
            token: Some(&token),
            ..Outgoing::default()
        })
        .await
    }

    /// `method path` with a JSON `body` as `who`.
    pub(crate) async fn json(&self, who: Who, method: &str, path: &str, body: &Value) -> Answer {
        let token = self.token(who);
        self.send(Outgoing {
            method,
            path,
            token: Some(&token),
            content_type: Some("application/json"),
            body: body.to_string().into_bytes(),
            ..Outgoing::default()
        })
        .await
    }

    /// Sends `outgoing` over a connection of its own.
    pub(crate) async fn send(&self, outgoing: Outgoing<'_>) -> Answer {
        tokio::task::block_in_place(|| self.send_now(outgoing))
    }

    /// Sends `outgoing` from this thread, blocking it until the answer is in: for requests
    /// raced from threads of their own.
    pub(crate) fn send_now(&self, outgoing: Outgoing<'_>) -> Answer {
        let port = self.http;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: {}\r\n",
            outgoing.method,
            outgoing.path,
            outgoing.body.len()
        );
        if let Some(token) = outgoing.token {
            head.push_str(&format!("authorization: Bearer {token}\r\n"));
        }
        if let Some(content_type) = outgoing.content_type {
            head.push_str(&format!("content-type: {content_type}\r\n"));
        }
        for (name, value) in &outgoing.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&outgoing.body);
        exchange(port, &bytes)
    }
}

/// One request and its whole answer, over a connection of its own.
fn exchange(port: u16, request: &[u8]) -> Answer {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    // The server may answer (413, say) before it has read all of a large body.
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = match chunked {
        true => dechunk(body),
        false => body.to_owned(),
    };
    Answer { status, body }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// The local issuer `up` keeps in `data`, as `linkwork token` reads it, and its key.
fn kept_issuer(data: &Path) -> (LocalIssuer, Vec<u8>) {
    let keys = data.join("keys");
    let key = std::fs::read_to_string(keys.join("local-issuer.p8")).expect("the issuer's key");
    let key = hex::decode(key.trim()).expect("hex");
    let named: Value = serde_json::from_str(
        &std::fs::read_to_string(keys.join("local-issuer.json")).expect("the issuer's name"),
    )
    .expect("JSON");
    let issuer = LocalIssuer::new(
        named["issuer"].as_str().expect("issuer"),
        named["audience"].as_str().expect("audience"),
        &key,
    )
    .expect("the issuer");
    (issuer, key)
}
