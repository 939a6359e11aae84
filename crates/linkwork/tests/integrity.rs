//! Integrity at start, through the binary: one `up` per data folder; a log whose newest event
//! was removed behind its back is not served (the service says which stream), unless the
//! operator asks for read-only service, which answers reads and refuses commands; and
//! `--verify-on-start` walks every chain, so one changed byte in the middle of a stream stops
//! the start too.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;
use sqlx::Connection as _;
use uuid::Uuid;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// `linkwork up` in `data` with `extra` arguments.
fn up(data: &Path, http: u16, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linkwork"));
    command
        .arg("up")
        .arg("--data-dir")
        .arg(data)
        .args(["--http", &format!("127.0.0.1:{http}")])
        .args(["--grpc", &format!("127.0.0.1:{}", free_port())])
        .args(["--allow-test-nhs-numbers", "true"])
        .args(extra)
        .env_remove("LINKWORK_DATABASE_URL")
        .env_remove("LINKWORK_NATS_URL")
        .env_remove("LINKWORK_CONFIG")
        .env_remove("LINKWORK_LOG_ANCHOR_KEY")
        .env_remove("LINKWORK_OIDC_ISSUER");
    command
}

/// A running `up`, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `up` and waits until it serves.
fn serving(data: &Path, http: u16, extra: &[&str]) -> Running {
    let mut child = up(data, http, extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start up");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    for line in BufReader::new(stdout).lines() {
        if line.expect("the banner").starts_with("Press Ctrl-C") {
            return running;
        }
    }
    panic!("up did not start");
}

/// Runs `up` expecting it to refuse to start: its standard error.
fn refused(data: &Path, extra: &[&str]) -> String {
    let output = up(data, free_port(), extra).output().expect("run up");
    assert!(!output.status.success(), "up must refuse to start");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

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
        .expect("run token");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn request(http: u16, method: &str, path: &str, token: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", http)).expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

fn referral(referral_id: Uuid) -> String {
    json!({
        "referral_id": referral_id,
        "referrer_practitioner": "dr-a",
        "receiving_organisation": "PCN-A",
        "reason_codes": ["871731000000106"],
        "accept_by": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339(),
        "nhs_number": "999 000 0018",
    })
    .to_string()
}

/// Runs `sql` on the referral log behind the service's back, its append-only triggers dropped.
async fn behind_its_back(data: &Path, sql: &str) {
    let url = format!("sqlite:{}", data.join("referral.sqlite").display());
    let mut connection = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("the log");
    for statement in [
        "DROP TRIGGER IF EXISTS events_no_delete",
        "DROP TRIGGER IF EXISTS events_no_update",
        sql,
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(&mut connection)
            .await
            .expect("tamper");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_log_is_not_served_and_one_folder_has_one_up() {
    let folder = tempfile::tempdir().expect("folder");
    let data = folder.path().join("data");
    let http = free_port();
    let (kept, cut) = (Uuid::new_v4(), Uuid::new_v4());
    tokio::task::block_in_place(|| {
        let first = serving(&data, http, &[]);
        let second = refused(&data, &[]);
        assert!(second.contains("already running"), "{second}");
        let gp = token(&data, "dr-a", "LWP-A", "referrer");
        for id in [kept, cut] {
            let made = request(http, "POST", "/api/v1/referrals", &gp, &referral(id));
            assert!(made.starts_with("HTTP/1.1 201"), "{made}");
        }
        drop(first);
    });

    let stream = format!("referral-{}", cut.simple());
    behind_its_back(
        &data,
        &format!(
            "DELETE FROM events WHERE stream_id = '{stream}' AND stream_version = \
             (SELECT MAX(stream_version) FROM events WHERE stream_id = '{stream}')"
        ),
    )
    .await;
    tokio::task::block_in_place(|| {
        let said = refused(&data, &[]);
        assert!(
            said.contains("referral log failed its integrity check"),
            "{said}"
        );
        assert!(said.contains(&stream), "it names the stream: {said}");
        assert!(said.contains("--serve-tampered-read-only"), "{said}");

        let http = free_port();
        let _read_only = serving(&data, http, &["--serve-tampered-read-only"]);
        let link_worker = token(&data, "lw-a", "PCN-A", "link-worker");
        let read = request(
            http,
            "GET",
            &format!("/api/v1/referrals/{kept}/handoffs"),
            &link_worker,
            "",
        );
        assert!(read.starts_with("HTTP/1.1 200"), "reads are served: {read}");
        let gp = token(&data, "dr-a", "LWP-A", "referrer");
        let command = request(
            http,
            "POST",
            "/api/v1/referrals",
            &gp,
            &referral(Uuid::new_v4()),
        );
        assert!(
            command.starts_with("HTTP/1.1 503"),
            "commands are not: {command}"
        );
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_on_start_finds_one_changed_byte() {
    let folder = tempfile::tempdir().expect("folder");
    let data = folder.path().join("data");
    let referral_id = Uuid::new_v4();
    tokio::task::block_in_place(|| {
        let http = free_port();
        let running = serving(&data, http, &[]);
        let gp = token(&data, "dr-a", "LWP-A", "referrer");
        let made = request(
            http,
            "POST",
            "/api/v1/referrals",
            &gp,
            &referral(referral_id),
        );
        assert!(made.starts_with("HTTP/1.1 201"), "{made}");
        drop(running);
    });
    let stream = format!("referral-{}", referral_id.simple());
    behind_its_back(
        &data,
        &format!(
            "UPDATE events SET actor_id = 'mallory' WHERE stream_id = '{stream}' AND \
             stream_version = 1"
        ),
    )
    .await;
    tokio::task::block_in_place(|| {
        let said = refused(&data, &["--verify-on-start"]);
        assert!(said.contains(&stream), "{said}");
        // Without the full walk the heads hold, so it starts; the changed stream itself is
        // refused when loaded.
        let http = free_port();
        let _running = serving(&data, http, &[]);
        let link_worker = token(&data, "lw-a", "PCN-A", "link-worker");
        let read = request(
            http,
            "GET",
            &format!("/api/v1/referrals/{referral_id}/handoffs"),
            &link_worker,
            "",
        );
        assert!(!read.starts_with("HTTP/1.1 200"), "{read}");
    });
}
