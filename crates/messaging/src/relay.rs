//! The outbox relay: from a service's committed log to the bus, never losing or skipping an
//! event, never publishing in the request path.
//!
//! A pass reads the events after the relay's checkpoint (a reader that never skips a late
//! commit), publishes them keeping at most `window` acknowledgements outstanding, and stores
//! the checkpoint of the last event acknowledged in order. If the relay dies anywhere in
//! between, the next leader starts from the stored checkpoint and publishes some events again:
//! JetStream drops those inside its dedupe window (`Nats-Msg-Id` = event id) and consumers'
//! inboxes drop the rest.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use eventstore::{EventStore, Position, RecordedEvent, Wakeup, error_chain};
use tracing::Instrument;

use crate::bus::PendingAck;
use crate::{Bus, BusError, BusNames, StreamSettings, encode_envelope};

/// Tuning for a relay.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Most publishes awaiting their acknowledgement at once.
    pub window: usize,
    /// Most events read from the log per pass.
    pub batch_size: usize,
    /// Longest idle wait when no append notification arrives.
    pub poll_interval: Duration,
    /// Longest back-off between failed passes (e.g. while NATS is down).
    pub max_backoff: Duration,
    /// How the service's stream is created at start.
    pub stream: StreamSettings,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            window: 256,
            batch_size: 1000,
            poll_interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
            stream: StreamSettings::default(),
        }
    }
}

/// What of a recorded payload leaves on the bus: given the service, the event type and the
/// payload as recorded, the payload to publish.
pub type PublishedPayload = fn(service: &str, event_type: &str, payload: &[u8]) -> Vec<u8>;

/// The outbox relay of one service.
#[derive(Debug, Clone)]
pub struct Relay {
    store: EventStore,
    bus: Bus,
    names: BusNames,
    settings: RelaySettings,
    published: Option<PublishedPayload>,
}

impl Relay {
    /// A relay from `store` to `bus` under `names`, publishing each payload as recorded.
    pub fn new(store: EventStore, bus: Bus, names: BusNames, settings: RelaySettings) -> Self {
        Self {
            store,
            bus,
            names,
            settings,
            published: None,
        }
    }

    /// Publishing of each event only what `published` keeps of its payload: what a service
    /// records for itself (sealed personal data, say) need not leave it.
    pub fn publishing(mut self, published: PublishedPayload) -> Self {
        self.published = Some(published);
        self
    }

    /// The key of the relay's checkpoint and of its leadership.
    pub fn checkpoint_name(&self) -> String {
        format!("relay.{}", self.names.stream_name())
    }

    /// Where the relay has got to.
    pub async fn checkpoint(&self) -> Result<Option<Position>, BusError> {
        let mut tx = self.store.begin().await?;
        let position = self
            .store
            .load_checkpoint(&mut tx, &self.checkpoint_name())
            .await?;
        tx.rollback().await?;
        Ok(position)
    }

    /// Creates the stream (idempotently), then relays until `shutdown` completes, as leader.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let name = self.checkpoint_name();
        let mut backoff = Backoff::new(self.settings.max_backoff);
        loop {
            let mut leadership = tokio::select! {
                () = &mut shutdown => return,
                leadership = self.store.lead(&name, Duration::from_secs(2)) => leadership,
            };
            tracing::info!(relay = %name, "leading");
            let mut wakeup = Wakeup::new(&self.store).await;
            let mut stream_ready = false;
            while leadership.is_held() {
                let pass = async {
                    if !stream_ready {
                        self.bus
                            .ensure_stream(&self.names, &self.settings.stream)
                            .await?;
                        stream_ready = true;
                    }
                    self.publish_pending().await
                };
                // A pass is never cancelled half-way: shutdown waits for it to store its
                // checkpoint, so a clean stop republishes nothing.
                let failed_pause = match pass.await {
                    Ok(0) => {
                        backoff.reset();
                        None
                    }
                    Ok(_) => {
                        backoff.reset();
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(relay = %name, error = %error_chain(&error), "relay pass failed; backing off");
                        Some(backoff.next())
                    }
                };
                let idle = async {
                    match failed_pause {
                        Some(pause) => wakeup.wait(pause).await,
                        None => {
                            let read_to = self.checkpoint().await.ok().flatten();
                            wakeup.wait_past(read_to, self.settings.poll_interval).await;
                        }
                    }
                };
                tokio::select! {
                    () = &mut shutdown => return,
                    () = leadership.lost() => {}
                    () = idle => {}
                }
            }
            tracing::warn!(relay = %name, "lost leadership");
        }
    }

    /// One pass: publishes every event after the checkpoint that is visible now (up to a batch)
    /// and stores the checkpoint of the last one acknowledged. Returns how many it published.
    pub async fn publish_pending(&self) -> Result<usize, BusError> {
        let name = self.checkpoint_name();
        let after = self.checkpoint().await?.unwrap_or(Position::START);
        let events = self.store.read_all(after, self.settings.batch_size).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let mut acknowledged = None;
        let published = self.publish_window(&events, &mut acknowledged).await;
        if let Some(position) = acknowledged {
            let mut tx = self.store.begin().await?;
            self.store.save_checkpoint(&mut tx, &name, position).await?;
            tx.commit().await?;
        }
        published.map(|()| events.len())
    }

    async fn publish_window(
        &self,
        events: &[RecordedEvent],
        acknowledged: &mut Option<Position>,
    ) -> Result<(), BusError> {
        let stream = self.names.stream_name();
        let mut in_flight: VecDeque<(Position, PendingAck)> = VecDeque::new();
        for event in events {
            if in_flight.len() >= self.settings.window.max(1)
                && let Some((position, ack)) = in_flight.pop_front()
            {
                ack.confirmed().await?;
                *acknowledged = Some(position);
            }
            let pending = self.publish_one(&stream, event).await?;
            in_flight.push_back((event.position, pending));
        }
        while let Some((position, ack)) = in_flight.pop_front() {
            ack.confirmed().await?;
            *acknowledged = Some(position);
        }
        Ok(())
    }

    async fn publish_one(
        &self,
        stream: &str,
        event: &RecordedEvent,
    ) -> Result<PendingAck, BusError> {
        let subject = self.names.subject_for(event);
        let span = tracing::info_span!(
            "relay.publish",
            messaging.system = "nats",
            messaging.destination.name = %subject,
            event_id = %event.event_id,
            event_type = %event.event_type,
        );
        if let Some(traceparent) = &event.metadata.traceparent {
            telemetry::set_parent(&span, traceparent);
        }
        // The relay's own span continues the command's trace; without a tracer, pass the
        // command's context through unchanged.
        let traceparent = span
            .in_scope(telemetry::current_traceparent)
            .or_else(|| event.metadata.traceparent.clone());
        let headers = traceparent
            .map(|value| vec![("traceparent", value)])
            .unwrap_or_default();
        let payload = match self.published {
            Some(published) => {
                let mut shown = event.clone();
                shown.payload = published(self.names.service(), &event.event_type, &event.payload);
                encode_envelope(self.names.service(), &shown)
            }
            None => encode_envelope(self.names.service(), event),
        };
        let msg_id = event.event_id.to_string();
        self.bus
            .publish(stream, subject, &msg_id, headers, payload)
            .instrument(span)
            .await
    }
}

/// Exponential back-off from 100 ms up to a ceiling.
#[derive(Debug)]
pub(crate) struct Backoff {
    current: Duration,
    ceiling: Duration,
}

impl Backoff {
    pub(crate) fn new(ceiling: Duration) -> Self {
        Self {
            current: Duration::from_millis(100),
            ceiling,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.current = Duration::from_millis(100);
    }

    pub(crate) fn next(&mut self) -> Duration {
        let pause = self.current;
        self.current = (self.current * 2).min(self.ceiling);
        pause
    }
}
