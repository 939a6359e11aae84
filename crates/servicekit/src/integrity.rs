//! Integrity at start: before a service serves, its log is checked — every stream's head
//! against its anchor, and the log's counts against its last head checkpoint (cheap: one read
//! of each stream's head), or with `--verify-on-start` every hash chain in full. A log that
//! fails is not served: the service refuses to start, naming the stream and what is wrong,
//! unless the operator chose to serve it read-only while they investigate (appends refused,
//! reads as before). A log that passes gets a new head checkpoint, and another every few
//! minutes while the service runs, so that removing whole streams is caught as surely as
//! changing one event.

use std::time::Duration;

use eventstore::{BrokenLink, EventStore, StoreError};
use tokio::task::JoinHandle;

use crate::Stopper;

/// How often a running service records its log's head checkpoint.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(5 * 60);

/// What a start checks, and what it does with a log that fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Walk every hash chain in full (`--verify-on-start`), not only the anchored heads.
    pub verify_on_start: bool,
    /// Serve a log that fails read-only instead of refusing to start
    /// (`--serve-tampered-read-only`).
    pub serve_tampered_read_only: bool,
}

/// Why a service would not start on its log.
#[derive(Debug, thiserror::Error)]
#[error(
    "the {service} log failed its integrity check at {broken}; it has not been served. Run \
     `linkwork verify` and investigate; to serve it read-only meanwhile, start with \
     --serve-tampered-read-only"
)]
pub struct Tampered {
    /// The service.
    pub service: &'static str,
    /// The first thing that does not hold.
    pub broken: BrokenLink,
}

/// `store`, checked as `integrity` says: as it is when it passes (with a new checkpoint),
/// read-only when it fails and the operator allows that, else the failure.
pub(crate) async fn checked(
    service: &'static str,
    store: EventStore,
    integrity: Integrity,
) -> Result<EventStore, CheckError> {
    let broken = match integrity.verify_on_start {
        true => store.verify().await?.first_broken,
        false => store.check_heads().await?.first_broken,
    };
    match broken {
        None => {
            store.checkpoint_heads().await?;
            Ok(store)
        }
        Some(broken) if integrity.serve_tampered_read_only => {
            tracing::error!(
                service,
                %broken,
                "the log failed its integrity check; serving it read-only as the operator chose"
            );
            Ok(store.into_read_only())
        }
        Some(broken) => Err(CheckError::Tampered(Tampered { service, broken })),
    }
}

/// Why a check did not pass.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    /// The log does not hold.
    #[error(transparent)]
    Tampered(#[from] Tampered),
    /// The log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records `store`'s head checkpoint every few minutes until `stopper` stops, and once more as
/// it stops. A failure is logged: the next checkpoint (or the next start's check) says more.
pub(crate) fn keep_checkpointing(store: EventStore, stopper: &Stopper) -> JoinHandle<()> {
    let stopped = stopper.stopped();
    tokio::spawn(async move {
        tokio::pin!(stopped);
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.tick().await;
        loop {
            let stopping = tokio::select! {
                _ = ticks.tick() => false,
                () = &mut stopped => true,
            };
            if let Err(error) = store.checkpoint_heads().await {
                tracing::error!(
                    error = %eventstore::error_chain(&error),
                    "could not record the log's head checkpoint"
                );
            }
            if stopping {
                return;
            }
        }
    })
}
