//! `linkwork verify` run as an operator would, on a real data folder: every service's log is
//! found by the same names `up` gives them.

use std::path::Path;
use std::process::Command;

use chrono::Utc;
use eventstore::{Actor, EventMetadata, ExpectedVersion, NewEvent};
use servicekit::{Open, Storage};
use uuid::Uuid;

/// The logs `up` makes in a data folder.
const LOGS: [&str; 5] = ["referral", "directory", "outcomes", "engagement", "billing"];

fn event(n: u32) -> NewEvent {
    let metadata = EventMetadata {
        correlation_id: Uuid::new_v4(),
        causation_id: None,
        traceparent: None,
        actor: Actor {
            id: "curator-1".to_owned(),
            organisation: "ICB-QWE".to_owned(),
            role: "directory-curator".to_owned(),
        },
        data_subject: None,
        tenant: "QWE".to_owned(),
    };
    NewEvent::json(
        Uuid::now_v7(),
        "service_verified",
        1,
        Utc::now(),
        &serde_json::json!({ "n": n }),
        metadata,
    )
    .expect("serialisable")
}

fn verify(data_dir: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .args(["verify", "--data-dir"])
        .arg(data_dir)
        .env_remove("LINKWORK_DATABASE_URL")
        .output()
        .expect("run linkwork");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn verify_passes_intact_logs_and_names_the_first_broken_link() {
    let folder = tempfile::tempdir().expect("folder");
    let storage = Storage::Folder(folder.path().to_owned());
    // The key `up` would keep in the folder, which `verify` finds there.
    let key = servicekit::kept_key(folder.path(), "LINKWORK_LOG_ANCHOR_KEY", "log-anchor.key")
        .expect("a key");
    for log in LOGS {
        storage
            .open(log, Open::OrCreate, Some(key))
            .await
            .expect("a log");
    }
    let store = storage
        .open("directory", Open::Existing, Some(key))
        .await
        .expect("the directory's log");
    for stream in ["service-1", "service-2"] {
        store
            .append(stream, ExpectedVersion::NoStream, vec![event(1), event(2)])
            .await
            .expect("append");
    }
    let (ok, out) = verify(folder.path());
    assert!(ok, "{out}");
    assert!(
        out.contains("intact: directory log: 2 streams, 4 events"),
        "{out}"
    );
    assert!(out.contains("intact: referral log: 0 streams"), "{out}");

    let pool = store.sqlite_pool().expect("sqlite");
    sqlx::query("DROP TRIGGER events_no_update")
        .execute(pool)
        .await
        .expect("bypass");
    sqlx::query("UPDATE events SET payload = CAST('{\"n\":9}' AS BLOB) WHERE stream_id = 'service-2' AND stream_version = 1")
        .execute(pool)
        .await
        .expect("tamper");
    let (ok, out) = verify(folder.path());
    assert!(!ok, "verify must fail on a changed event");
    assert!(
        out.contains("BROKEN: directory log: stream service-2 version 1"),
        "{out}"
    );
}

/// Deleting a stream's newest event leaves a chain that holds as far as it goes: only its
/// anchored head shows what is missing.
#[tokio::test]
async fn verify_names_a_stream_whose_newest_events_were_removed() {
    let folder = tempfile::tempdir().expect("folder");
    let storage = Storage::Folder(folder.path().to_owned());
    let key = servicekit::kept_key(folder.path(), "LINKWORK_LOG_ANCHOR_KEY", "log-anchor.key")
        .expect("a key");
    for log in LOGS {
        storage
            .open(log, Open::OrCreate, Some(key))
            .await
            .expect("a log");
    }
    let store = storage
        .open("directory", Open::Existing, Some(key))
        .await
        .expect("the directory's log");
    store
        .append(
            "service-1",
            ExpectedVersion::NoStream,
            vec![event(1), event(2), event(3)],
        )
        .await
        .expect("append");
    let pool = store.sqlite_pool().expect("sqlite");
    sqlx::query("DROP TRIGGER events_no_delete")
        .execute(pool)
        .await
        .expect("bypass");
    sqlx::query("DELETE FROM events WHERE stream_id = 'service-1' AND stream_version = 3")
        .execute(pool)
        .await
        .expect("cut off the head");
    let (ok, out) = verify(folder.path());
    assert!(!ok, "verify must fail on a stream cut short: {out}");
    assert!(
        out.contains("BROKEN: directory log: stream service-1"),
        "{out}"
    );
}

#[test]
fn verify_refuses_a_folder_with_no_logs_and_creates_none() {
    let folder = std::env::temp_dir().join(format!("linkwork-missing-{}", Uuid::new_v4()));
    let (ok, out) = verify(&folder);
    assert!(!ok);
    assert!(out.contains("MISSING: referral log"), "{out}");
    assert!(!folder.exists(), "verify must not create a database");
}
