//! The background work every service starts the same way, each task ending when the service
//! is stopped: a read model kept from the service's own log by a checkpointed subscription,
//! and another service's published events consumed from the bus through the inbox.

use eventstore::{EventHandler, Subscription};
use messaging::{BusHandler, Consumer, ConsumerSettings};
use tokio::task::JoinHandle;

use crate::Start;

impl Start {
    /// Keeps `handler`'s read model from the service's log, checkpointed as `subscription`.
    pub fn project<H: EventHandler + 'static>(
        &self,
        subscription: &str,
        mut handler: H,
    ) -> JoinHandle<()> {
        let subscription = Subscription::new(self.store.clone(), subscription);
        let stopped = self.stopper.stopped();
        tokio::spawn(async move { subscription.run(&mut handler, stopped).await })
    }

    /// Consumes what `producer` publishes, as the durable consumer `consumer` (its inbox key),
    /// with `handler`; nothing when the service runs without a bus.
    pub fn consume<H: BusHandler + 'static>(
        &self,
        producer: &str,
        consumer: &str,
        mut handler: H,
    ) -> Option<JoinHandle<()>> {
        let wiring = self.wiring.as_ref()?;
        let names = wiring.names(producer);
        let settings = ConsumerSettings::new(consumer, &names.stream_name(), &names.all_subjects());
        let consumer = Consumer::new(self.store.clone(), wiring.bus.clone(), settings);
        let stopped = self.stopper.stopped();
        Some(tokio::spawn(async move {
            consumer.run(&mut handler, stopped).await;
        }))
    }
}
