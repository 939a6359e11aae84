//! `linkwork serve referral` run as Kubernetes runs it: configured from the environment,
//! serving, and stopping cleanly on SIGINT.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "0101010101010101010101010101010101010101010101010101010101010101";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// `serve referral` in `data_dir`, taking tokens from `issuer` (none: not said).
fn serve(
    data_dir: &std::path::Path,
    http: u16,
    with_master_key: bool,
    issuer: Option<&str>,
) -> Child {
    command(data_dir, http, with_master_key, issuer)
        .spawn()
        .expect("start linkwork")
}

/// The command `serve` runs, to add to.
fn command(
    data_dir: &std::path::Path,
    http: u16,
    with_master_key: bool,
    issuer: Option<&str>,
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linkwork"));
    command
        .args(["serve", "referral", "--tenant", "QWE", "--data-dir"])
        .arg(data_dir)
        .env_remove("LINKWORK_OIDC_ISSUER")
        .args([
            "--grpc",
            &format!("127.0.0.1:{}", free_port()),
            "--http",
            &format!("127.0.0.1:{http}"),
        ])
        .env("LINKWORK_PSEUDONYM_KEY", KEY)
        .env("LINKWORK_LOG_ANCHOR_KEY", KEY)
        .env_remove("LINKWORK_NATS_URL")
        .env_remove("LINKWORK_DATABASE_URL")
        .env_remove("LINKWORK_PEERS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(issuer) = issuer {
        command.args(["--oidc-issuer", issuer]);
    }
    if with_master_key {
        command.env("LINKWORK_MASTER_KEY", KEY);
    } else {
        command.env_remove("LINKWORK_MASTER_KEY");
    }
    command
}

fn get(port: u16, path: &str, token: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\
         connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_fhir_to_the_issuers_callers_and_stops_cleanly_on_sigint() {
    let provider = testkit::TestIdentityProvider::start().await;
    let link_worker = provider.token(&identity::Caller::new("lw-ana", "PCN-LW-01", "link-worker"));
    let stranger = testkit::token(&identity::Caller::new("lw-ana", "PCN-LW-01", "link-worker"));
    tokio::task::block_in_place(|| {
        let folder = tempfile::tempdir().expect("folder");
        let http = free_port();
        let child = serve(folder.path(), http, true, Some(provider.url()));
        serves_then_stops(folder.path(), http, child, &link_worker, &stranger);
    });
}

/// The service at `http` answers `token`'s bearer (its issuer's keys fetched as it needs
/// them) and not a token of another issuer's; then stops cleanly on SIGINT.
fn serves_then_stops(
    folder: &std::path::Path,
    http: u16,
    mut child: Child,
    token: &str,
    stranger: &str,
) {
    let task = "/fhir/Task/00000000-0000-4000-8000-000000000000";
    let deadline = Instant::now() + Duration::from_secs(30);
    let response = loop {
        if let Some(response) = get(http, task, token) {
            break response;
        }
        assert!(Instant::now() < deadline, "the service never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    assert!(response.contains("OperationOutcome"), "{response}");
    let refused = get(http, task, stranger).expect("an answer");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!(
        folder.join("referral.sqlite").exists(),
        "its log is where `up` would keep it"
    );
}

#[test]
fn without_an_issuer_it_will_not_start_naming_the_setting() {
    let folder = tempfile::tempdir().expect("folder");
    let output = serve(folder.path(), free_port(), true, None)
        .wait_with_output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--oidc-issuer"), "{stderr}");
}

#[test]
fn a_missing_secret_fails_at_start_naming_it() {
    let folder = tempfile::tempdir().expect("folder");
    let output = serve(
        folder.path(),
        free_port(),
        false,
        Some("https://idp.example.org"),
    )
    .wait_with_output()
    .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LINKWORK_MASTER_KEY"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes in a pipe: {stderr}"
    );
}

#[test]
fn a_peer_that_cannot_be_used_fails_at_start_naming_the_setting() {
    let folder = tempfile::tempdir().expect("folder");
    for (peers, problem) in [
        (
            "directory=https://directory:50051",
            "must be an http:// URL",
        ),
        (
            "payroll=http://payroll:50051",
            "there is no payroll service",
        ),
        ("directory", "must be SERVICE=http://HOST:PORT"),
    ] {
        let output = command(
            folder.path(),
            free_port(),
            true,
            Some("https://idp.example.org"),
        )
        .env("LINKWORK_PEERS", peers)
        .output()
        .expect("run");
        assert!(!output.status.success(), "{peers}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--peer, LINKWORK_PEERS"),
            "{peers}: {stderr}"
        );
        assert!(stderr.contains(problem), "{peers}: {stderr}");
    }
}
