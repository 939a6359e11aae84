//! The directory service spawned as `linkwork serve directory` runs it, on a log the test may
//! write to first, and requests as its callers make them.

use directory::app::Context;
use directory::domain::centroids;
use directory::postcodes::PostcodeDirectory;
use eventstore::{Actor, EventStore};
use servicekit::Settings;
use testkit::{Spawn, Spawned, TestStorage};
use tonic::Request;
use uuid::Uuid;

/// The directory's log on `storage`, migrated, with the postcode centroids of `csv` (the
/// ONSPD columns `pcds,lat,long`) loaded.
pub(crate) async fn prepared(storage: &TestStorage, csv: &str) -> EventStore {
    let store = storage.store(directory::SERVICE.name).await;
    directory::migrate(&store).await.expect("migrate");
    PostcodeDirectory::new(store.clone())
        .load(&centroids::parse(csv).expect("centroids"))
        .await
        .expect("load centroids");
    store
}

/// The service on `storage`, its index folded from what is there, verifications lasting 180
/// days.
pub(crate) async fn spawn_on(storage: TestStorage) -> Spawned {
    let settings = Settings::default().with(directory::config::STALE_AFTER_DAYS.name, "180");
    Spawn::new(&directory::SERVICE, settings, storage_kind(&storage))
        .on(storage)
        .start()
        .await
}

fn storage_kind(storage: &TestStorage) -> testkit::BackendKind {
    match storage.storage {
        servicekit::Storage::Folder(_) => testkit::BackendKind::Sqlite,
        servicekit::Storage::Postgres { .. } => testkit::BackendKind::Postgres,
    }
}

/// The context of a directory curator's commands through the application layer.
pub(crate) fn context() -> Context {
    Context {
        actor: Actor {
            id: "curator-1".into(),
            organisation: "ICB-QWE".into(),
            role: "directory-curator".into(),
        },
        correlation_id: Uuid::new_v4(),
        tenant: "QWE".into(),
    }
}

/// `body` as a request from the directory's administrator, who may change any organisation's
/// records.
pub(crate) fn as_admin<T>(body: T) -> Request<T> {
    let admin = identity::Caller::new("curator-1", "ICB-QWE", "directory-admin");
    testkit::signed_in(&admin, Request::new(body))
}

/// `body` as a request from `user` of `organisation`, acting as `role`.
pub(crate) fn as_role<T>(user: &str, organisation: &str, role: &str, body: T) -> Request<T> {
    let caller = identity::Caller::new(user, organisation, role);
    testkit::signed_in(&caller, Request::new(body))
}
