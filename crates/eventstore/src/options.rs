//! [`StoreOptions`]: how a store is opened, including the key that anchors its stream heads.

use std::time::Duration;

/// How to open a store.
#[derive(Clone)]
pub struct StoreOptions {
    /// Most pooled connections.
    pub max_connections: u32,
    /// How long to wait for a connection (and, on SQLite, for a lock held by another process).
    pub acquire_timeout: Duration,
    /// Apply the log's checked-in migrations on connect. Operator tools that only read an
    /// existing log turn this off so that a wrong URL never gets tables created in it.
    pub migrate: bool,
    /// The secret key that MACs each stream's anchored head and the log's head checkpoints,
    /// kept outside the database (production passes it from a secret). With it, only the key
    /// holder can write an anchor, so deleting a stream's last events cannot be hidden by
    /// editing the database. Without it (tests, tools) a fixed public label keys the MACs:
    /// accidental truncation is still caught, a deliberate forger is not. A log must always be
    /// opened with the key that wrote it, or its anchors read as forged. Never shown by `Debug`.
    pub anchor_key: Option<[u8; 32]>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
            migrate: true,
            anchor_key: None,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("migrate", &self.migrate)
            .field("anchor_key", &self.anchor_key.map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::StoreOptions;

    #[test]
    fn debug_never_shows_the_anchor_key() {
        let options = StoreOptions {
            anchor_key: Some([0xAB; 32]),
            ..StoreOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("171") && !shown.contains("AB"), "{shown}");
    }
}
