//! Upcasting: reading events stored under an older schema as their current shape.
//!
//! Events are never rewritten in the log. Instead each service registers, per stored
//! `(event_type, schema_version)`, a function that turns the JSON body into the next version
//! (optionally under a new type name). The store applies the chain on every read path: stream
//! loads, `read_all`, subscriptions and replays, so no consumer ever sees an old shape.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::{RecordedEvent, StoreError};

type UpcastFn = dyn Fn(Value) -> Result<Value, String> + Send + Sync;

struct Step {
    to_event_type: String,
    upcast: Arc<UpcastFn>,
}

/// The registry of upcasters, keyed by stored event type and schema version.
#[derive(Default, Clone)]
pub struct Upcasters {
    steps: HashMap<(String, u32), Arc<Step>>,
}

impl std::fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<_> = self.steps.keys().collect();
        keys.sort();
        f.debug_struct("Upcasters").field("steps", &keys).finish()
    }
}

impl Upcasters {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers how `event_type` at `from_version` becomes `to_event_type` at
    /// `from_version + 1`. Chains are followed until no step matches.
    pub fn register(
        mut self,
        event_type: &str,
        from_version: u32,
        to_event_type: &str,
        upcast: impl Fn(Value) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        let step = Step {
            to_event_type: to_event_type.to_owned(),
            upcast: Arc::new(upcast),
        };
        self.steps
            .insert((event_type.to_owned(), from_version), Arc::new(step));
        self
    }

    /// Brings `event` to its newest schema in place. Events with no registered step are left
    /// untouched without parsing their payload.
    pub fn apply(&self, event: &mut RecordedEvent) -> Result<(), StoreError> {
        // Bounded so a registry that maps a type back onto itself cannot loop forever.
        for _ in 0..64 {
            let key = (event.event_type.clone(), event.schema_version);
            let Some(step) = self.steps.get(&key) else {
                return Ok(());
            };
            let failed = |reason: String| StoreError::Upcast {
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                reason,
            };
            let body: Value =
                serde_json::from_slice(&event.payload).map_err(|e| failed(e.to_string()))?;
            let upcast = (step.upcast)(body).map_err(failed)?;
            event.payload = serde_json::to_vec(&upcast).map_err(|e| failed(e.to_string()))?;
            event.event_type.clone_from(&step.to_event_type);
            event.schema_version += 1;
        }
        Err(StoreError::Upcast {
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            reason: "upcaster chain longer than 64 steps (a cycle?)".to_owned(),
        })
    }
}
