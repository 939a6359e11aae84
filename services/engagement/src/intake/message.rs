//! One integrator's message: read as the FHIR JSON `POST /fhir` takes, recorded as the
//! integrator whose subject it came on, answered on the reply subject it asked for, and judged
//! for the bus.
//!
//! Only a failure of the log is worth delivering again: the same message would be refused again
//! (its summaries are checked against what the log and the referral view hold), so a refusal is
//! answered, logged and terminated, never redelivered. A message delivered again after it was
//! recorded (an acknowledgement lost) is recorded once and answered `200 OK`, by the summaries'
//! own idempotency.

use std::time::Duration;

use async_nats::jetstream::{self, AckKind};
use axum::http::StatusCode;
use eventstore::aggregate::CommandError;
use eventstore::error_chain;
use serde_json::Value;
use servicekit::fhir::OperationOutcome;
use tracing::Instrument;
use uuid::Uuid;

use super::{IntakeNames, REPLY_TO};
use crate::app::{Context, EngagementApp};
use crate::fhir;

/// The longest a message waits before it is delivered again after the log failed.
const MOST_RETRY_DELAY: Duration = Duration::from_secs(60);

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Recorded (now, or before): acknowledge it.
    Recorded,
    /// Refused, as it always would be: terminate it.
    Refused,
    /// The log failed: deliver it again after `delay`.
    Failed {
        /// How long the bus waits first.
        delay: Duration,
    },
}

impl Verdict {
    /// The acknowledgement the bus is sent.
    pub(super) fn ack(self) -> AckKind {
        match self {
            Self::Recorded => AckKind::Ack,
            Self::Refused => AckKind::Term,
            Self::Failed { delay } => AckKind::Nak(Some(delay)),
        }
    }
}

/// Takes one message off the integrations stream.
pub(super) async fn take(
    app: &EngagementApp,
    names: &IntakeNames,
    client: &async_nats::Client,
    message: &jetstream::Message,
) -> Verdict {
    // The consumer's filter lets through one token after the prefix, so this always names one.
    let Some(integrator) = names.integrator_of(&message.subject) else {
        tracing::warn!(subject = %message.subject, "not an integrator's subject; dropped");
        return Verdict::Refused;
    };
    let span = tracing::info_span!(
        "evidence_intake",
        messaging.system = "nats",
        messaging.destination.name = %message.subject,
        integrator = %integrator,
    );
    if let Some(traceparent) = header(message, "traceparent") {
        telemetry::set_parent(&span, traceparent);
    }
    let reply_to = header(message, REPLY_TO).and_then(|subject| {
        let allowed = names.may_answer_on(integrator, subject);
        if !allowed {
            tracing::warn!(parent: &span, reply_to = %subject, "a reply subject outside the integrator's reply space; not answered there");
        }
        allowed.then_some(subject)
    });
    let outcome = record(app, integrator, &message.payload)
        .instrument(span.clone())
        .await;
    let (verdict, answer) = match outcome {
        Outcome::Recorded(answer) => (Verdict::Recorded, Some(answer)),
        Outcome::Refused(answer) => (Verdict::Refused, Some(answer)),
        Outcome::LogFailed => {
            let delivered = message.info().map_or(1, |info| info.delivered);
            let delay = retry_delay(delivered);
            (Verdict::Failed { delay }, None)
        }
    };
    if let (Some(subject), Some(answer)) = (reply_to, answer) {
        // Core NATS, not JetStream: an answer nobody waits for is simply gone.
        let published = client
            .publish(subject.to_owned(), answer.to_string().into())
            .await;
        if let Err(error) = published {
            tracing::warn!(parent: &span, %error, "the answer could not be sent");
        }
    }
    verdict
}

/// What recording a message came to, with the answer a FHIR client would have had.
#[derive(Debug)]
enum Outcome {
    /// Recorded: the Observation, or the response Bundle.
    Recorded(Value),
    /// Refused: the OperationOutcome.
    Refused(Value),
    /// The log failed; there is no answer yet, as the message will be tried again.
    LogFailed,
}

/// Records the summaries of `payload` as `integrator`'s.
async fn record(app: &EngagementApp, integrator: &str, payload: &[u8]) -> Outcome {
    let refuse = |outcome: OperationOutcome| {
        let at = outcome.expression.as_deref().unwrap_or("");
        tracing::warn!(integrator, at, reason = %outcome.diagnostics, "device summaries refused");
        Outcome::Refused(outcome.resource())
    };
    let Ok(body) = serde_json::from_slice::<Value>(payload) else {
        return refuse(OperationOutcome::plain(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the message is not well-formed JSON",
        ));
    };
    let summaries = match fhir::summaries_of(&body) {
        Ok(summaries) => summaries,
        Err(outcome) => return refuse(outcome),
    };
    let caller = identity::Caller::new("nats", integrator, "integrator");
    let context = Context::of_http(&caller, Uuid::now_v7());
    match app.record_evidence(summaries, &context).await {
        Ok(recorded) => {
            let now = recorded.iter().filter(|(_, now)| *now).count();
            tracing::info!(
                integrator,
                summaries = recorded.len(),
                recorded_now = now,
                "device summaries recorded"
            );
            Outcome::Recorded(fhir::answer(&body, &recorded))
        }
        Err(CommandError::Store(error)) => {
            tracing::warn!(integrator, error = %error_chain(&error), "the log failed; the message will be delivered again");
            Outcome::LogFailed
        }
        Err(error) => refuse(fhir::refused(&body, error)),
    }
}

/// A header of `message`, if it has it.
fn header<'a>(message: &'a jetstream::Message, name: &str) -> Option<&'a str> {
    message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(name))
        .map(|value| value.as_str())
}

/// How long to wait before delivery `delivered + 1`: doubling from a second, at most a minute,
/// so an outage of the log is ridden out without hammering it.
fn retry_delay(delivered: i64) -> Duration {
    let doublings = u32::try_from(delivered.clamp(1, 7) - 1).unwrap_or(0);
    Duration::from_secs(1 << doublings).min(MOST_RETRY_DELAY)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::retry_delay;

    #[test]
    fn the_retry_delay_doubles_up_to_a_minute() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(6), Duration::from_secs(32));
        assert_eq!(retry_delay(7), Duration::from_secs(60));
        assert_eq!(retry_delay(1000), Duration::from_secs(60));
        assert_eq!(retry_delay(0), Duration::from_secs(1));
    }
}
