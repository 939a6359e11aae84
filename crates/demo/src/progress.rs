//! Progress, stage by stage, for a progress bar; and running a stage's items a few at a time.

use std::future::Future;

use futures::StreamExt;
use futures::stream;

use crate::error::DemoError;

/// Calls in flight at once: enough to overlap round trips, few enough for a laptop.
const CONCURRENCY: usize = 4;

/// A stage of the load, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The needs taxonomy and its terms.
    Taxonomy,
    /// VCSE organisations.
    Organisations,
    /// Venues.
    Locations,
    /// Services, with their venues, capacity, checks and suspensions.
    Services,
    /// People referred and walked through the pathway.
    People,
}

impl Stage {
    /// A short name for a progress bar.
    pub fn name(self) -> &'static str {
        match self {
            Self::Taxonomy => "taxonomy",
            Self::Organisations => "orgs",
            Self::Locations => "locations",
            Self::Services => "services",
            Self::People => "people",
        }
    }
}

/// How far a stage has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The stage.
    pub stage: Stage,
    /// Items done.
    pub done: u64,
    /// Items in the stage.
    pub total: u64,
}

/// Runs `run` over `items`, a few at a time, handing each answer to `each` and reporting
/// progress; stops at the first error.
pub(crate) async fn run_stage<I, T, F, Fut>(
    stage: Stage,
    items: Vec<I>,
    progress: &mut dyn FnMut(Progress),
    run: F,
    mut each: impl FnMut(T),
) -> Result<(), DemoError>
where
    F: FnMut(I) -> Fut,
    Fut: Future<Output = Result<T, DemoError>>,
{
    let total = items.len() as u64;
    progress(Progress {
        stage,
        done: 0,
        total,
    });
    let mut running = stream::iter(items).map(run).buffer_unordered(CONCURRENCY);
    let mut done = 0;
    while let Some(answer) = running.next().await {
        each(answer?);
        done += 1;
        progress(Progress { stage, done, total });
    }
    Ok(())
}
