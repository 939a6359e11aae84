//! One signal that tells every background task of a process to stop.

use std::future::Future;

use tokio::sync::watch;

/// Tells every task it handed a [`Stopper::stopped`] future to that it is time to stop.
#[derive(Debug, Clone)]
pub struct Stopper {
    sender: watch::Sender<bool>,
}

impl Default for Stopper {
    fn default() -> Self {
        Self::new()
    }
}

impl Stopper {
    /// A stopper nothing has been told to stop by yet.
    pub fn new() -> Self {
        Self {
            sender: watch::channel(false).0,
        }
    }

    /// Completes once [`Stopper::stop`] is called (at once if it has been).
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.sender.subscribe();
        async move {
            let _ = receiver.wait_for(|stop| *stop).await;
        }
    }

    /// Tells every task to stop.
    pub fn stop(&self) {
        self.sender.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::Stopper;

    #[tokio::test]
    async fn stopped_completes_after_stop_even_for_late_subscribers() {
        let stopper = Stopper::new();
        let early = stopper.stopped();
        stopper.stop();
        tokio::time::timeout(std::time::Duration::from_secs(1), early)
            .await
            .expect("an early waiter is woken");
        tokio::time::timeout(std::time::Duration::from_secs(1), stopper.stopped())
            .await
            .expect("a late waiter completes at once");
    }
}
