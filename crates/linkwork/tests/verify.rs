//! `linkwork verify` run as an operator would, on a real log file.

use std::process::Command;

use chrono::Utc;
use eventstore::{Actor, EventMetadata, ExpectedVersion, NewEvent};
use uuid::Uuid;

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

fn verify(url: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_linkwork"))
        .args(["verify", "--database-url", url])
        .output()
        .expect("run linkwork");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn verify_passes_an_intact_log_and_names_the_first_broken_link() {
    let database = testkit::TestDatabase::sqlite();
    let store = database.store().await;
    for stream in ["service-1", "service-2"] {
        store
            .append(stream, ExpectedVersion::NoStream, vec![event(1), event(2)])
            .await
            .expect("append");
    }
    let (ok, out) = verify(&database.url);
    assert!(ok, "{out}");
    assert!(out.contains("2 streams, 4 events"), "{out}");

    let pool = store.sqlite_pool().expect("sqlite");
    sqlx::query("DROP TRIGGER events_no_update")
        .execute(pool)
        .await
        .expect("bypass");
    sqlx::query("UPDATE events SET payload = CAST('{\"n\":9}' AS BLOB) WHERE stream_id = 'service-2' AND stream_version = 1")
        .execute(pool)
        .await
        .expect("tamper");
    let (ok, out) = verify(&database.url);
    assert!(!ok, "verify must fail on a changed event");
    assert!(out.contains("BROKEN: stream service-2 version 1"), "{out}");
}

#[test]
fn verify_refuses_a_database_that_is_not_a_linkwork_log() {
    let folder = tempfile_path();
    let url = format!("sqlite://{}", folder.display());
    let (ok, _) = verify(&url);
    assert!(!ok);
    assert!(!folder.exists(), "verify must not create a database");
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("linkwork-missing-{}.sqlite", Uuid::new_v4()))
}
