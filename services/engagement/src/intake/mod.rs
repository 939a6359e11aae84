//! Integrators' daily device summaries over NATS, beside `POST /fhir` and `RecordEvidence`
//! (`docs/integrations.md` is the integrator's guide).
//!
//! An integrator publishes on `<prefix>.integrations.engagement.evidence.<integrator>` (the
//! deployment's bus prefix, and its organisation code) the same JSON `POST /fhir` takes: an
//! `Observation`, or a `batch` or `transaction` Bundle of them, recorded all or none. The
//! deployment's NATS authorization lets each integrator's user publish on its own subject only,
//! so the subject's last token is who sent it: it is recorded as `nats` of that organisation,
//! in the role `integrator`, and the summaries' idempotency (integrator, source system, source
//! id) makes a message delivered or sent twice count once. `Nats-Msg-Id` is the integrator's
//! to set, for JetStream's own dedupe.
//!
//! The JetStream stream `<PREFIX>_INTEGRATIONS` holds `<prefix>.integrations.>` (file storage,
//! a week) and is made at start if missing; the durable pull consumer
//! `engagement-evidence-intake` takes every integrator's subject, acknowledging each message
//! explicitly once recorded, terminating a refused one (it would be refused again), and asking
//! again, later and later, for one the log failed to take.
//!
//! JetStream keeps no reply subject (a publisher's reply inbox gets JetStream's own
//! acknowledgement), so an integrator that wants the answer — what `POST /fhir` would have
//! answered: the Observation or the response Bundle, or the refusal's `OperationOutcome` naming
//! the entry — names a subject of its own reply space in the header [`REPLY_TO`]
//! (`<prefix>.replies.engagement.evidence.<integrator>.<anything>`, see [`IntakeNames`]), and
//! it is sent there over core NATS. A refusal is also logged, with the integrator and the
//! reason.
//!
//! The intake runs only on NATS: the in-process bus of `linkwork up` is no integrator's to
//! reach, so there (and without a bus) it does not start. Nor does it on a log served read-only,
//! which records nothing; the stream keeps the messages until it is served again (or a week).

mod message;
mod names;

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, stream::StorageType};
use eventstore::error_chain;
use futures::StreamExt as _;
use messaging::{Bus, BusError, BusWiring};
use servicekit::{Start, StartError};
use tokio::task::JoinHandle;

use crate::app::EngagementApp;

pub use names::IntakeNames;

/// The durable name of the intake's consumer.
pub const CONSUMER: &str = "engagement-evidence-intake";
/// The header naming the subject (in the integrator's reply space) its answer is sent to.
pub const REPLY_TO: &str = "Linkwork-Reply-To";

/// How long the stream keeps a message: long enough to ride out an outage of the service.
const KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// Largest message the stream takes: NATS's default `max_payload`. (A Bundle of a thousand
/// summaries may be larger: send such batches as several messages.)
const MAX_MESSAGE_BYTES: i32 = 1024 * 1024;
/// How long the bus waits for a message's verdict before delivering it again.
const ACK_WAIT: Duration = Duration::from_secs(60);
/// Messages fetched at a time: few, so none waits its ack wait out behind the others.
const BATCH: usize = 10;
/// The pause before the consumer is made again after the bus failed.
const RESTART_AFTER: Duration = Duration::from_secs(5);

/// Makes the integrations stream if `start` is wired to NATS and it is missing, and starts the
/// intake if the log is writable too; otherwise nothing.
pub async fn start(
    start: &Start,
    app: &EngagementApp,
) -> Result<Option<JoinHandle<()>>, StartError> {
    let Some(BusWiring {
        bus: Bus::JetStream(context),
        prefix,
    }) = &start.wiring
    else {
        return Ok(None);
    };
    let names = IntakeNames::new(prefix);
    // Made even for a log served read-only, so integrators' messages wait in it meanwhile.
    ensure_stream(context, &names).await?;
    if start.store.is_read_only() {
        return Ok(None);
    }
    let intake = Intake {
        app: app.clone(),
        names,
        context: (**context).clone(),
    };
    let stopped = start.stopper.stopped();
    Ok(Some(tokio::spawn(async move { intake.run(stopped).await })))
}

/// Makes the integrations stream if it does not exist.
async fn ensure_stream(context: &jetstream::Context, names: &IntakeNames) -> Result<(), BusError> {
    let stream = names.stream();
    let config = jetstream::stream::Config {
        name: stream.stream_name(),
        subjects: vec![stream.all_subjects()],
        storage: StorageType::File,
        max_age: KEPT_FOR,
        max_message_size: MAX_MESSAGE_BYTES,
        ..Default::default()
    };
    context
        .get_or_create_stream(config)
        .await
        .map(drop)
        .map_err(|error| jetstream_error("create stream", error))
}

fn jetstream_error(operation: &'static str, error: impl std::fmt::Display) -> BusError {
    BusError::JetStream {
        operation,
        message: error.to_string(),
    }
}

/// The intake: the app it records with, and the stream it reads.
#[derive(Debug, Clone)]
struct Intake {
    app: EngagementApp,
    names: IntakeNames,
    context: jetstream::Context,
}

impl Intake {
    /// Takes messages until `shutdown`, making the consumer again after a bus failure.
    async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.consume(&mut shutdown).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(consumer = CONSUMER, error = %error_chain(&error), "evidence intake failed; restarting");
                }
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(RESTART_AFTER) => {}
            }
        }
    }

    /// Runs until shutdown (`Ok`) or a bus failure (`Err`).
    async fn consume(
        &self,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> Result<(), BusError> {
        let stream = self
            .context
            .get_stream(self.names.stream().stream_name())
            .await
            .map_err(|error| jetstream_error("get stream", error))?;
        let config = pull::Config {
            durable_name: Some(CONSUMER.to_owned()),
            filter_subject: self.names.every_integrator(),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: ACK_WAIT,
            ..Default::default()
        };
        let consumer = stream
            .get_or_create_consumer(CONSUMER, config)
            .await
            .map_err(|error| jetstream_error("create consumer", error))?;
        let mut messages = consumer
            .stream()
            .max_messages_per_batch(BATCH)
            .messages()
            .await
            .map_err(|error| jetstream_error("pull", error))?;
        let client = self.context.client();
        loop {
            let message = tokio::select! {
                () = shutdown.as_mut() => return Ok(()),
                next = messages.next() => match next {
                    Some(Ok(message)) => message,
                    Some(Err(error)) => return Err(jetstream_error("pull", error)),
                    None => return Err(jetstream_error("pull", "message stream ended")),
                },
            };
            let verdict = message::take(&self.app, &self.names, &client, &message).await;
            // A lost acknowledgement redelivers the message, which is then recorded once.
            if let Err(error) = message.ack_with(verdict.ack()).await {
                tracing::warn!(consumer = CONSUMER, %error, "ack failed; expecting a redelivery");
            }
        }
    }
}
