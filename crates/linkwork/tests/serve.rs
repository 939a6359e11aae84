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

fn serve(data_dir: &std::path::Path, http: u16, with_master_key: bool) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linkwork"));
    command
        .args(["serve", "referral", "--tenant", "QWE", "--data-dir"])
        .arg(data_dir)
        .args([
            "--grpc",
            &format!("127.0.0.1:{}", free_port()),
            "--http",
            &format!("127.0.0.1:{http}"),
        ])
        .env("LINKWORK_PSEUDONYM_KEY", KEY)
        .env_remove("LINKWORK_NATS_URL")
        .env_remove("LINKWORK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if with_master_key {
        command.env("LINKWORK_MASTER_KEY", KEY);
    } else {
        command.env_remove("LINKWORK_MASTER_KEY");
    }
    command.spawn().expect("start linkwork")
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let caller = identity::Caller::new("lw-ana", "PCN-LW-01", "link-worker");
    let headers: String = caller
        .http_headers()
        .ok()?
        .iter()
        .map(|(name, value)| format!("{name}: {}\r\n", value.to_str().unwrap_or_default()))
        .collect();
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: localhost\r\n{headers}connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serves_fhir_and_stops_cleanly_on_sigint() {
    let folder = tempfile::tempdir().expect("folder");
    let http = free_port();
    let mut child = serve(folder.path(), http, true);

    let deadline = Instant::now() + Duration::from_secs(30);
    let response = loop {
        if let Some(response) = get(http, "/fhir/Task/00000000-0000-4000-8000-000000000000") {
            break response;
        }
        assert!(Instant::now() < deadline, "the service never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    assert!(response.contains("OperationOutcome"), "{response}");

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
        folder.path().join("referral.sqlite").exists(),
        "its log is where `up` would keep it"
    );
}

#[test]
fn a_missing_secret_fails_at_start_naming_it() {
    let folder = tempfile::tempdir().expect("folder");
    let output = serve(folder.path(), free_port(), false)
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
