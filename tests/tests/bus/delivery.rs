//! Delivery: every event once, in the consumer's database, across consumer restarts.

use eventstore::Position;
use linkwork_tests::world::{BusKind, World, assert_exactly_once, start_consumer, start_relay};
use messaging::{Bus, StreamSettings};

crate::on_both_buses!(
    every_event_reaches_the_consumer_once,
    restarted_consumer_resumes_without_reapplying,
    republishing_inside_the_dedupe_window_stores_nothing_new,
);

async fn every_event_reaches_the_consumer_once(kind: BusKind) {
    let world = World::new(kind, StreamSettings::default()).await;
    let ids = world.append(120).await;
    let consumer = start_consumer(world.consumer());
    let relay = start_relay(world.relay());

    let applied = world.wait_applied(ids.len()).await;
    assert_exactly_once(&applied, &ids);
    relay.stop().await;
    consumer.stop().await;

    let last = world
        .producer
        .last_committed_position()
        .await
        .expect("head");
    assert_eq!(world.relay().checkpoint().await.expect("checkpoint"), last);
    assert_eq!(stored_messages(&world).await, 120);
    if let Bus::JetStream(context) = &world.bus {
        // The message id is the event id, so JetStream can drop re-publications.
        let stream = context
            .get_stream(world.names.stream_name())
            .await
            .expect("stream");
        let first = stream.get_raw_message(1).await.expect("first message");
        let msg_id = first
            .headers
            .get("Nats-Msg-Id")
            .expect("Nats-Msg-Id")
            .as_str()
            .to_owned();
        assert_eq!(msg_id, ids[0].to_string());
        assert!(
            first.subject.as_str().ends_with(".referral_requested"),
            "{}",
            first.subject
        );
    }
}

async fn restarted_consumer_resumes_without_reapplying(kind: BusKind) {
    let world = World::new(kind, StreamSettings::default()).await;
    let relay = start_relay(world.relay());
    let mut ids = world.append(30).await;
    let consumer = start_consumer(world.consumer());
    world.wait_applied(30).await;
    consumer.stop().await;

    ids.extend(world.append(30).await);
    let consumer = start_consumer(world.consumer());
    let applied = world.wait_applied(60).await;
    assert_exactly_once(&applied, &ids);
    consumer.stop().await;
    relay.stop().await;
}

async fn republishing_inside_the_dedupe_window_stores_nothing_new(kind: BusKind) {
    let world = World::new(kind, StreamSettings::default()).await;
    world.append(20).await;
    let relay = world.relay();
    world
        .bus
        .ensure_stream(&world.names, &world.settings.stream)
        .await
        .expect("stream");
    assert_eq!(publish_everything(&relay, &world).await, 20);

    // As if the relay had died after publishing but before its checkpoint committed.
    let mut tx = world.producer.begin().await.expect("begin");
    world
        .producer
        .save_checkpoint(&mut tx, &relay.checkpoint_name(), Position::START)
        .await
        .expect("rewind");
    tx.commit().await.expect("commit");

    assert_eq!(
        publish_everything(&relay, &world).await,
        20,
        "the relay publishes them again"
    );
    assert_eq!(
        stored_messages(&world).await,
        20,
        "the bus dropped every duplicate"
    );
}

/// Runs relay passes until the relay has published everything committed so far. (A pass can
/// publish nothing while another test's transaction holds the PostgreSQL horizon back.)
async fn publish_everything(relay: &messaging::Relay, world: &World) -> usize {
    let target = world
        .producer
        .last_committed_position()
        .await
        .expect("head");
    let mut published = 0;
    while relay.checkpoint().await.expect("checkpoint") < target {
        match relay.publish_pending().await {
            Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            Ok(count) => published += count,
            Err(error) => panic!("relay pass failed: {error}"),
        }
    }
    published
}

/// Messages the bus holds for the producing service.
pub(crate) async fn stored_messages(world: &World) -> u64 {
    match &world.bus {
        Bus::JetStream(context) => {
            let mut stream = context
                .get_stream(world.names.stream_name())
                .await
                .expect("stream");
            stream.info().await.expect("stream info").state.messages
        }
        Bus::InProcess(bus) => bus
            .message_count(&world.names.stream_name())
            .await
            .expect("count"),
    }
}
