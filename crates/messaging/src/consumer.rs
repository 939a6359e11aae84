//! Idempotent consumers: each event's effect happens once, however often it is delivered.
//!
//! For every message: decode the envelope; in one transaction on the consumer's own database,
//! insert `(consumer, event_id)` into the inbox and, only if that row is new, apply the
//! handler's effect; commit; then acknowledge. A crash before the commit redelivers and
//! reapplies; a crash after it redelivers and the inbox skips. Redeliveries by JetStream and
//! re-publications by a relay after the dedupe window look the same, and are handled the same.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull};
use eventstore::{EventStore, HandlerError, Tx, error_chain};
use futures::StreamExt as _;
use tracing::Instrument;

use crate::envelope::{ReceivedEvent, decode_envelope};
use crate::inprocess::InProcessMessage;
use crate::relay::Backoff;
use crate::{Bus, BusError, InProcessBus};

/// Applies received events inside the consumer's transaction.
pub trait BusHandler: Send {
    /// Applies one event. Write only through `tx`: it commits with the inbox row.
    fn handle(
        &mut self,
        tx: &mut Tx,
        event: &ReceivedEvent,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Which messages a consumer takes and how.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// Durable name, unique per consuming service and purpose; also the inbox key.
    pub name: String,
    /// The producing service's stream (see `BusNames::stream_name`).
    pub stream: String,
    /// Subject filter, e.g. `linkwork.directory.>`.
    pub filter_subject: String,
    /// How long the bus waits for an acknowledgement before redelivering.
    pub ack_wait: Duration,
    /// Delay before a message whose handler failed is delivered again.
    pub retry_delay: Duration,
}

impl ConsumerSettings {
    /// Settings with the defaults: 30 s ack wait, 1 s retry delay.
    pub fn new(name: &str, stream: &str, filter_subject: &str) -> Self {
        Self {
            name: name.to_owned(),
            stream: stream.to_owned(),
            filter_subject: filter_subject.to_owned(),
            ack_wait: Duration::from_secs(30),
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// What became of one delivery.
#[derive(Debug)]
enum Delivery {
    /// The effect was applied and committed.
    Applied,
    /// The inbox already had it: nothing was done.
    Duplicate,
    /// It can never be decoded: drop it.
    Malformed,
    /// The handler or the database failed: deliver it again later.
    Failed,
}

/// A durable consumer of one stream.
#[derive(Debug, Clone)]
pub struct Consumer {
    store: EventStore,
    bus: Bus,
    settings: ConsumerSettings,
}

impl Consumer {
    /// A consumer that applies effects in `store` (the consuming service's database).
    pub fn new(store: EventStore, bus: Bus, settings: ConsumerSettings) -> Self {
        Self {
            store,
            bus,
            settings,
        }
    }

    /// Consumes until `shutdown` completes, recreating the consumer after bus failures.
    pub async fn run<H: BusHandler>(&self, handler: &mut H, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut backoff = Backoff::new(Duration::from_secs(5));
        loop {
            let outcome = match &self.bus {
                Bus::JetStream(context) => {
                    self.run_jetstream(context, handler, &mut shutdown).await
                }
                Bus::InProcess(bus) => self.run_in_process(bus, handler, &mut shutdown).await,
            };
            match outcome {
                Ok(()) => return,
                Err(error) => {
                    let name = &self.settings.name;
                    tracing::warn!(consumer = %name, error = %error_chain(&error), "consumer failed; restarting");
                }
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(backoff.next()) => {}
            }
        }
    }

    /// Runs until shutdown (`Ok`) or a bus failure (`Err`).
    async fn run_jetstream<H: BusHandler>(
        &self,
        context: &jetstream::Context,
        handler: &mut H,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> Result<(), BusError> {
        let settings = &self.settings;
        let stream = context
            .get_stream(&settings.stream)
            .await
            .map_err(|e| BusError::jetstream("get stream", e))?;
        let config = pull::Config {
            durable_name: Some(settings.name.clone()),
            filter_subject: settings.filter_subject.clone(),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: settings.ack_wait,
            ..Default::default()
        };
        let consumer = stream
            .get_or_create_consumer(&settings.name, config)
            .await
            .map_err(|e| BusError::jetstream("create consumer", e))?;
        let mut messages = consumer
            .messages()
            .await
            .map_err(|e| BusError::jetstream("pull", e))?;
        loop {
            let message = tokio::select! {
                () = shutdown.as_mut() => return Ok(()),
                next = messages.next() => match next {
                    Some(Ok(message)) => message,
                    Some(Err(error)) => return Err(BusError::jetstream("pull", error)),
                    None => return Err(BusError::jetstream("pull", "message stream ended")),
                },
            };
            let traceparent = message
                .headers
                .as_ref()
                .and_then(|headers| headers.get("traceparent"))
                .map(|value| value.as_str().to_owned());
            let acknowledgement = match self.deliver(handler, &message.payload, traceparent).await {
                Delivery::Applied | Delivery::Duplicate => AckKind::Ack,
                Delivery::Malformed => AckKind::Term,
                Delivery::Failed => AckKind::Nak(Some(settings.retry_delay)),
            };
            // If the ack is lost the message comes back and the inbox absorbs it.
            if let Err(error) = message.ack_with(acknowledgement).await {
                tracing::warn!(consumer = %settings.name, %error, "ack failed; expecting a redelivery");
            }
        }
    }

    async fn run_in_process<H: BusHandler>(
        &self,
        bus: &InProcessBus,
        handler: &mut H,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> Result<(), BusError> {
        let settings = &self.settings;
        bus.ensure_consumer(&settings.stream, &settings.name, &settings.filter_subject)
            .await?;
        let mut published = bus.published();
        loop {
            let next = bus.next(&settings.stream, &settings.name).await?;
            let Some(InProcessMessage {
                seq,
                headers,
                payload,
            }) = next
            else {
                tokio::select! {
                    () = shutdown.as_mut() => return Ok(()),
                    _ = published.changed() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            };
            let traceparent = headers
                .into_iter()
                .find_map(|(name, value)| (name == "traceparent").then_some(value));
            match self.deliver(handler, &payload, traceparent).await {
                Delivery::Applied | Delivery::Duplicate | Delivery::Malformed => {
                    bus.ack(&settings.stream, &settings.name, seq).await?;
                }
                Delivery::Failed => tokio::select! {
                    () = shutdown.as_mut() => return Ok(()),
                    () = tokio::time::sleep(settings.retry_delay) => {}
                },
            }
        }
    }

    /// Applies one message's effect at most once, in a span that continues the producer's
    /// trace.
    async fn deliver<H: BusHandler>(
        &self,
        handler: &mut H,
        payload: &[u8],
        traceparent: Option<String>,
    ) -> Delivery {
        let name = &self.settings.name;
        let received = match decode_envelope(payload) {
            Ok(received) => received,
            Err(error) => {
                tracing::error!(consumer = %name, %error, "dropping a message that can never be decoded");
                return Delivery::Malformed;
            }
        };
        let event = &received.event;
        let span = tracing::info_span!(
            "consume",
            messaging.system = "nats",
            messaging.consumer.group.name = %name,
            event_id = %event.event_id,
            event_type = %event.event_type,
        );
        if let Some(traceparent) = traceparent
            .as_deref()
            .or(event.metadata.traceparent.as_deref())
        {
            telemetry::set_parent(&span, traceparent);
        }
        let applied = self.apply_once(handler, &received).instrument(span).await;
        match applied {
            Ok(true) => Delivery::Applied,
            Ok(false) => Delivery::Duplicate,
            Err(error) => {
                tracing::warn!(consumer = %name, event_id = %event.event_id, error = %error_chain(&*error), "effect failed; will retry");
                Delivery::Failed
            }
        }
    }

    async fn apply_once<H: BusHandler>(
        &self,
        handler: &mut H,
        received: &ReceivedEvent,
    ) -> Result<bool, HandlerError> {
        let mut tx = self.store.begin().await?;
        let first_time = self
            .store
            .record_in_inbox(&mut tx, &self.settings.name, received.event.event_id)
            .await?;
        if !first_time {
            tx.rollback().await?;
            return Ok(false);
        }
        handler.handle(&mut tx, received).await?;
        tx.commit().await?;
        Ok(true)
    }
}
