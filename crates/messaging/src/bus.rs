//! [`Bus`]: where relays publish and consumers read, NATS JetStream or in-process.

use std::time::Duration;

use async_nats::jetstream::{self, context::PublishAckFuture, stream::StorageType};
use bytes::Bytes;

use crate::{BusError, BusNames, InProcessBus};

/// The message bus.
#[derive(Debug, Clone)]
pub enum Bus {
    /// NATS JetStream: one process per service, in production.
    JetStream(Box<jetstream::Context>),
    /// The durable in-process bus: every service in one process.
    InProcess(InProcessBus),
}

/// How a service's stream is created.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Replicas (3 in production, one per failure domain; 1 on a single server).
    pub replicas: usize,
    /// How long JetStream remembers message ids to drop duplicates. Consumers' inboxes cover
    /// duplicates older than this.
    pub duplicate_window: Duration,
    /// Largest message accepted, matching the gRPC ingest limit.
    pub max_message_size: i32,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            replicas: 1,
            duplicate_window: Duration::from_secs(120),
            max_message_size: 256 * 1024,
        }
    }
}

/// A publish whose acknowledgement may still be on its way.
pub(crate) enum PendingAck {
    JetStream(PublishAckFuture),
    Stored,
}

impl PendingAck {
    /// Waits for the bus to confirm the message is stored.
    pub(crate) async fn confirmed(self) -> Result<(), BusError> {
        match self {
            Self::JetStream(ack) => ack
                .await
                .map(drop)
                .map_err(|e| BusError::jetstream("publish ack", e)),
            Self::Stored => Ok(()),
        }
    }
}

impl Bus {
    /// Connects to NATS. The client keeps reconnecting forever, also when the server is down
    /// at start, so relays and consumers ride out outages instead of exiting.
    pub async fn connect_nats(url: &str) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .max_reconnects(None)
            .name("linkwork")
            .connect(url)
            .await
            .map_err(|source| BusError::Connect {
                url: url.to_owned(),
                source,
            })?;
        Ok(Self::JetStream(Box::new(jetstream::new(client))))
    }

    /// A bus over an existing JetStream context (e.g. one with its own client options).
    pub fn jetstream(context: jetstream::Context) -> Self {
        Self::JetStream(Box::new(context))
    }

    /// Creates the service's stream if it does not exist (safe to call at every start).
    pub async fn ensure_stream(
        &self,
        names: &BusNames,
        settings: &StreamSettings,
    ) -> Result<(), BusError> {
        match self {
            Self::JetStream(context) => {
                let config = jetstream::stream::Config {
                    name: names.stream_name(),
                    subjects: vec![names.all_subjects()],
                    storage: StorageType::File,
                    num_replicas: settings.replicas,
                    duplicate_window: settings.duplicate_window,
                    max_message_size: settings.max_message_size,
                    ..Default::default()
                };
                context
                    .get_or_create_stream(config)
                    .await
                    .map(drop)
                    .map_err(|e| BusError::jetstream("create stream", e))
            }
            Self::InProcess(bus) => {
                bus.ensure_stream(&names.stream_name(), &[names.all_subjects()])
                    .await
            }
        }
    }

    /// Sends one message with `Nats-Msg-Id` = `msg_id`; the returned ack is awaited later so
    /// several publishes can be in flight.
    pub(crate) async fn publish(
        &self,
        stream: &str,
        subject: String,
        msg_id: &str,
        headers: Vec<(&'static str, String)>,
        payload: Bytes,
    ) -> Result<PendingAck, BusError> {
        match self {
            Self::JetStream(context) => {
                let mut map = async_nats::HeaderMap::new();
                map.insert(async_nats::header::NATS_MESSAGE_ID, msg_id);
                map.insert(async_nats::header::NATS_EXPECTED_STREAM, stream);
                for (name, value) in headers {
                    map.insert(name, value.as_str());
                }
                context
                    .publish_with_headers(subject, map, payload)
                    .await
                    .map(PendingAck::JetStream)
                    .map_err(|e| BusError::jetstream("publish", e))
            }
            Self::InProcess(bus) => {
                let headers: Vec<(String, String)> = headers
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect();
                bus.publish(stream, &subject, msg_id, &headers, &payload)
                    .await?;
                Ok(PendingAck::Stored)
            }
        }
    }
}
