//! Faults: the relay killed between commit and publish, and NATS going away.

use std::time::Duration;

use linkwork_tests::world::{
    BusHome, BusKind, World, applied_ids, assert_exactly_once, start_consumer, start_relay,
};
use messaging::{Bus, StreamSettings};
use testkit::NatsServer;

use crate::delivery::stored_messages;

crate::on_both_buses!(killed_relay_restarts_and_every_effect_happens_once);

/// T4: the relay dies mid-pass (some events published, its checkpoint not stored), more events
/// commit while it is dead, and it restarts after JetStream's dedupe window has passed, so the
/// events it publishes again reach the consumer a second time. Each effect still happens once.
async fn killed_relay_restarts_and_every_effect_happens_once(kind: BusKind) {
    let dedupe_window = Duration::from_secs(1);
    let stream = StreamSettings {
        duplicate_window: dedupe_window,
        ..StreamSettings::default()
    };
    let world = World::new(kind, stream).await;
    let mut ids = world.append(300).await;
    let consumer = start_consumer(world.consumer());

    let relay = start_relay(world.relay());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while stored_messages_or_zero(&world).await < 30 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay published nothing"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    relay.kill().await;
    let checkpoint = world.relay().checkpoint().await.expect("checkpoint");
    let published_before_crash = stored_messages(&world).await;
    assert!(published_before_crash < 300, "killed before it finished");

    ids.extend(world.append(50).await); // committed while no relay runs
    tokio::time::sleep(dedupe_window + Duration::from_millis(500)).await;
    let relay = start_relay(world.relay());

    world.wait_applied(ids.len()).await;
    // Give any stray redelivery time to show up as a second effect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_exactly_once(&applied_ids(&world.consumer_store).await, &ids);
    relay.stop().await;
    consumer.stop().await;

    if kind == BusKind::JetStream && checkpoint.is_none() {
        // The first pass never stored its checkpoint, so everything it had published was
        // published again after the window: the inbox, not JetStream, absorbed those.
        assert!(stored_messages(&world).await >= 350 + published_before_crash);
    }
}

async fn stored_messages_or_zero(world: &World) -> u64 {
    match &world.bus {
        Bus::JetStream(context) => match context.get_stream(world.names.stream_name()).await {
            Ok(mut stream) => stream
                .info()
                .await
                .map(|info| info.state.messages)
                .unwrap_or(0),
            Err(_) => 0,
        },
        Bus::InProcess(_) => stored_messages(world).await,
    }
}

/// T9 for the relay: NATS is killed while events keep committing, and comes back on the same
/// port and store. The relay backs off, resumes, and nothing is lost or applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_and_consumer_ride_out_a_nats_outage() {
    let mut server = NatsServer::start().await;
    let bus = Bus::connect_nats(&server.url).await.expect("connect");
    let home = BusHome::InProcess(tempfile::tempdir().expect("unused"));
    let world = World::assemble(bus, "lw", home, StreamSettings::default()).await;
    let relay = start_relay(world.relay());
    let consumer = start_consumer(world.consumer());
    let mut ids = world.append(40).await;
    assert_eq!(world.wait_applied(40).await.len(), 40);

    server.kill().await;
    ids.extend(world.append(40).await);
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.restart().await;

    let applied = world.wait_applied(ids.len()).await;
    assert_exactly_once(&applied, &ids);
    relay.stop().await;
    consumer.stop().await;
}
