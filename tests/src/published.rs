//! What a service put on NATS JetStream, read back as a subscriber would see it: the last
//! message on a subject, waited for while the service's relay catches up.

use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::message::StreamMessage;
use messaging::BusNames;

/// The last message `service` published on `subject` under `prefix`, once there is one (up to
/// a minute: a relay behind is slow, a message never sent never comes).
pub async fn last_on(
    context: &Context,
    prefix: &str,
    service: &str,
    subject: &str,
) -> StreamMessage {
    let stream_name = BusNames::new(prefix, service).stream_name();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let found = match context.get_stream(&stream_name).await {
            Ok(stream) => stream.get_last_raw_message_by_subject(subject).await.ok(),
            Err(_) => None,
        };
        if let Some(message) = found {
            return message;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never published on {subject}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
