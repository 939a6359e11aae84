//! Bus failures. All of them are transient from the relay's and consumer's point of view:
//! they back off and retry, and nothing is lost because the log and the checkpoints hold.

/// An error talking to the bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Could not connect to NATS.
    #[error("cannot connect to NATS at {url}")]
    Connect {
        /// The server.
        url: String,
        /// Why.
        #[source]
        source: async_nats::ConnectError,
    },
    /// A JetStream request (stream, consumer, publish, ack) failed.
    #[error("JetStream {operation} failed: {message}")]
    JetStream {
        /// What was being done.
        operation: &'static str,
        /// The client's description.
        message: String,
    },
    /// The in-process bus's database failed.
    #[error("in-process bus storage failed")]
    InProcess(#[from] sqlx::Error),
    /// The in-process bus has no stream for the subject.
    #[error("no stream named {0}")]
    NoSuchStream(String),
    /// The service's own event store failed.
    #[error(transparent)]
    Store(#[from] eventstore::StoreError),
}

impl BusError {
    pub(crate) fn jetstream(operation: &'static str, error: impl std::fmt::Display) -> Self {
        Self::JetStream {
            operation,
            message: error.to_string(),
        }
    }
}
