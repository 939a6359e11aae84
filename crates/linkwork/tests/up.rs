//! `linkwork up` run as a newcomer runs it: the whole platform in a folder of its own, used
//! over HTTP, stopped with Ctrl-C and started again — and the data is still there.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

const GP_PRACTICE: &str = "Y01234";
const LINK_WORKERS: &str = "PCN-LW-01";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// A running `up`, killed if the test fails before it is stopped, so no server outlives it.
struct Running(Option<Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `up` in `folder` and waits for its banner; returns the process and the HTTP port.
fn up(folder: &Path) -> (Running, u16) {
    up_with(folder, &[])
}

/// Starts `up` in `folder` with `extra` arguments and waits for its banner.
fn up_with(folder: &Path, extra: &[&str]) -> (Running, u16) {
    let http = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .arg("up")
        .arg("--data-dir")
        .arg(folder)
        .args(["--http", &format!("127.0.0.1:{http}")])
        .args(["--grpc", &format!("127.0.0.1:{}", free_port())])
        .args(["--allow-test-nhs-numbers", "true"])
        .args(extra)
        .env_remove("LINKWORK_DATABASE_URL")
        .env_remove("LINKWORK_NATS_URL")
        .env_remove("LINKWORK_CONFIG")
        .env_remove("LINKWORK_MASTER_KEY")
        .env_remove("LINKWORK_PSEUDONYM_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start linkwork up");
    let stdout = child.stdout.take().expect("stdout");
    let mut banner = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read the banner");
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    assert!(
        banner.contains(&format!("http://127.0.0.1:{http}")),
        "the banner says where HTTP is: {banner}"
    );
    assert!(
        banner.contains("/fhir") && banner.contains("/oruk"),
        "{banner}"
    );
    (Running(Some(child)), http)
}

/// A bearer token for `user` of `organisation` acting as `role`, as `linkwork token` prints it
/// for the `up` running in `data`.
fn token(data: &Path, user: &str, organisation: &str, role: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .args([
            "token",
            "--user",
            user,
            "--organisation",
            organisation,
            "--role",
            role,
        ])
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("run linkwork token");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The GP who refers, signed in to the `up` running in `data`.
fn gp(data: &Path) -> String {
    token(data, "dr-patel", GP_PRACTICE, "referrer")
}

/// A link worker of the network referred to, signed in to the `up` running in `data`.
fn link_worker(data: &Path) -> String {
    token(data, "lw-ana", LINK_WORKERS, "link-worker")
}

/// A plain HTTP/1.1 request with `token`, returning the raw response.
fn request(port: u16, method: &str, path: &str, token: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\
         content-type: application/fhir+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    response
}

/// Stops `up` as Ctrl-C would and checks it exits cleanly.
fn interrupt(mut running: Running) {
    let Some(mut child) = running.0.take() else {
        return;
    };
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("up did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}

fn service_request(referral_id: Uuid) -> String {
    json!({
        "resourceType": "ServiceRequest",
        "identifier": [{ "system": "https://linkwork.nhs.uk/Id/referral", "value": referral_id.to_string() }],
        "status": "active",
        "intent": "order",
        "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "871731000000106" }] },
        "reasonCode": [{ "coding": [{ "system": "http://snomed.info/sct", "code": "871731000000106" }] }],
        "priority": "routine",
        "subject": { "identifier": { "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "4010232137" } },
        "requester": { "reference": "Practitioner/dr-patel" },
        "performer": [{ "identifier": { "system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": LINK_WORKERS } }],
    })
    .to_string()
}

#[test]
fn the_platform_keeps_its_data_across_a_restart() {
    let folder = tempfile::tempdir().expect("folder");
    let data = folder.path().join("data");
    let referral_id = Uuid::new_v4();

    let (first, http) = up(&data);
    let created = request(
        http,
        "POST",
        "/fhir/ServiceRequest",
        &gp(&data),
        &service_request(referral_id),
    );
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let anonymous = request(http, "GET", &format!("/fhir/Task/{referral_id}"), "", "");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    let oruk = request(http, "GET", "/oruk/", "", "");
    assert!(
        oruk.starts_with("HTTP/1.1 200"),
        "open data needs no token: {oruk}"
    );
    let openapi = request(http, "GET", "/openapi.json", "", "");
    assert!(
        openapi.starts_with("HTTP/1.1 200") && openapi.contains("\"openapi\""),
        "{openapi}"
    );
    interrupt(first);

    let (second, http) = up(&data);
    let task = request(
        http,
        "GET",
        &format!("/fhir/Task/{referral_id}"),
        &link_worker(&data),
        "",
    );
    assert!(
        task.starts_with("HTTP/1.1 200"),
        "the referral survived: {task}"
    );
    assert!(task.contains(&referral_id.to_string()), "{task}");
    // The JSON API answers from the same log: until the link workers accept, the practice
    // that referred still holds the person.
    let deadline = Instant::now() + Duration::from_secs(60);
    let practice = gp(&data);
    loop {
        let held = request(http, "GET", "/api/v1/holdings", &practice, "");
        if held.starts_with("HTTP/1.1 200") && held.contains(&referral_id.to_string()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the holdings never showed it: {held}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    interrupt(second);
    assert!(data.join("referral.sqlite").exists());
    assert!(data.join("directory.sqlite").exists());

    // The operator tools find every service's log in the data folder.
    let (ok, out) = linkwork(&["verify", "--data-dir"], &data);
    assert!(ok, "{out}");
    assert!(
        out.contains("intact: referral log") && out.contains("intact: directory log"),
        "{out}"
    );
    assert!(!out.contains("\u{1b}["), "no colour codes in a pipe: {out}");
    let (ok, out) = linkwork(&["replay", "responsibility", "--data-dir"], &data);
    assert!(ok, "{out}");
    assert!(
        out.starts_with("responsibility ledger rebuilt from "),
        "{out}"
    );
    let (ok, out) = linkwork(&["replay", "directory-index", "--data-dir"], &data);
    assert!(ok, "{out}");
    assert!(
        out.starts_with("directory index rebuilt: 0 services"),
        "{out}"
    );

    // And the rebuilt ledger answers as before.
    let (third, http) = up(&data);
    let task = request(
        http,
        "GET",
        &format!("/fhir/Task/{referral_id}"),
        &link_worker(&data),
        "",
    );
    assert!(task.starts_with("HTTP/1.1 200"), "{task}");
    interrupt(third);
}

/// Runs `linkwork <args> <folder>` to completion: (succeeded, stdout).
fn linkwork(args: &[&str], folder: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .args(args)
        .arg(folder)
        .env_remove("LINKWORK_DATABASE_URL")
        .output()
        .expect("run linkwork");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn an_invalid_setting_fails_at_start_naming_it() {
    let folder = tempfile::tempdir().expect("folder");
    let config = folder.path().join("linkwork.toml");
    std::fs::write(&config, "tenant = \"QWE\"\nhttp = \"not an address\"\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .arg("up")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(folder.path().join("data"))
        .env_remove("LINKWORK_HTTP")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("http"), "{stderr}");
    assert!(!folder.path().join("data").exists(), "nothing was written");

    let output = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .args(["up", "--stale-after-days", "0"])
        .arg("--data-dir")
        .arg(folder.path().join("data"))
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stale_after_days"), "{stderr}");
}

/// The same platform on PostgreSQL (a database per service, created from a prefix that need
/// not exist) and NATS JetStream, as `--database-url` and `--nats-url` promise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_runs_on_postgresql_and_nats_too() {
    let nats = testkit::TestNats::connect().await;
    let prefix = format!("lw{}", testkit::unique_suffix());
    let admin = testkit::postgres_admin_url();
    let server = admin
        .rsplit_once('/')
        .map(|(server, _)| server)
        .expect("a URL");
    let database_url = format!("{server}/{prefix}");
    let folder = tempfile::tempdir().expect("folder");
    let referral_id = Uuid::new_v4();
    let data = folder.path().join("data");
    let (running, http) = tokio::task::block_in_place(|| {
        up_with(
            &data,
            &[
                "--database-url",
                &database_url,
                "--nats-url",
                &testkit::nats_url(),
                "--bus-prefix",
                &nats.prefix,
            ],
        )
    });
    let created = tokio::task::block_in_place(|| {
        request(
            http,
            "POST",
            "/fhir/ServiceRequest",
            &gp(&data),
            &service_request(referral_id),
        )
    });
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    tokio::task::block_in_place(|| interrupt(running));
    // Every operator command finds the logs by the same URL `up` was given.
    let verified = tokio::task::block_in_place(|| {
        Command::new(env!("CARGO_BIN_EXE_linkwork"))
            .args(["verify", "--database-url", &database_url, "--data-dir"])
            .arg(&data)
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("run linkwork")
    });
    let out = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        out.contains("intact: referral log") && out.contains("intact: directory log"),
        "{out}"
    );
    let missing = tokio::task::block_in_place(|| {
        Command::new(env!("CARGO_BIN_EXE_linkwork"))
            .args([
                "verify",
                "--database-url",
                &format!("{server}/{prefix}x"),
                "--data-dir",
            ])
            .arg(&data)
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("run linkwork")
    });
    assert!(!missing.status.success());
    let said = String::from_utf8_lossy(&missing.stdout);
    assert!(
        said.contains(&format!("database {prefix}x_referral")),
        "{said}"
    );
    assert!(!String::from_utf8_lossy(&missing.stderr).contains("stack backtrace"));

    let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("admin connection");
    for service in ["referral", "directory"] {
        let database = format!("{prefix}_{service}");
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(&database)
            .fetch_optional(&mut connection)
            .await
            .expect("query");
        assert!(exists.is_some(), "{database} was created");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE \"{database}\" WITH (FORCE)"
        )))
        .execute(&mut connection)
        .await
        .expect("drop");
    }
}
