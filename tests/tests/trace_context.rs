//! Trace context flows from the command's span into the event's metadata, the NATS headers the
//! relay publishes, and the consumer's span, so one trace shows handle → append → publish →
//! consume. Its own test binary, because it installs a global OpenTelemetry subscriber.

use std::sync::OnceLock;

use eventstore::ExpectedVersion;
use linkwork_tests::world::{BusKind, World, new_event, start_consumer, start_relay};
use messaging::{Bus, StreamSettings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use telemetry::trace_id_of;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

/// Records spans with real trace and span ids (nothing is exported).
fn install_tracer() {
    static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("install the tracer");
        provider
    });
}

async fn trace_flows_end_to_end(kind: BusKind) {
    install_tracer();
    let world = World::new(kind, StreamSettings::default()).await;
    let command = tracing::info_span!("command.create_referral");
    let traceparent = command
        .in_scope(telemetry::current_traceparent)
        .expect("the command span has a trace context");
    let trace_id = trace_id_of(&traceparent).expect("well-formed").to_owned();

    let event = new_event(1, Some(traceparent.clone()));
    world
        .producer
        .append("referral-1", ExpectedVersion::NoStream, vec![event])
        .instrument(command)
        .await
        .expect("append");
    let stored = world
        .producer
        .load_stream("referral-1")
        .await
        .expect("load");
    assert_eq!(
        stored[0].metadata.traceparent.as_deref(),
        Some(traceparent.as_str())
    );

    let relay = start_relay(world.relay());
    let consumer = start_consumer(world.consumer());
    assert_eq!(world.wait_applied(1).await.len(), 1);
    relay.stop().await;
    consumer.stop().await;

    let (consumed,): (Option<String>,) = sqlx::query_as("SELECT traceparent FROM applied")
        .fetch_one(world.consumer_store.pg_pool().expect("postgres"))
        .await
        .expect("applied row");
    let consumed = consumed.expect("the consumer's handler ran inside a traced span");
    assert_eq!(
        trace_id_of(&consumed),
        Some(trace_id.as_str()),
        "same trace"
    );
    assert_ne!(
        consumed, traceparent,
        "a span of its own, inside the command's trace"
    );

    if let Bus::JetStream(context) = &world.bus {
        let stream = context
            .get_stream(world.names.stream_name())
            .await
            .expect("stream");
        let message = stream.get_raw_message(1).await.expect("message");
        let header = message
            .headers
            .get("traceparent")
            .expect("traceparent header");
        assert_eq!(trace_id_of(header.as_str()), Some(trace_id.as_str()));
        assert_ne!(header.as_str(), traceparent, "the relay's publish span");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_context_flows_through_jetstream() {
    trace_flows_end_to_end(BusKind::JetStream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_context_flows_through_the_in_process_bus() {
    trace_flows_end_to_end(BusKind::InProcess).await;
}
