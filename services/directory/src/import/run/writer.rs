//! A service being imported: its state as the log has it, kept current as the import writes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use decider::Decider;

use crate::domain::service::{Capacity, Event, Service, Standing};

/// A service being imported: its history as loaded plus what this run appended.
pub(super) struct ServiceWriter {
    pub(super) id: String,
    pub(super) original_id: String,
    pub(super) history: Vec<Event>,
    pub(super) state: Service,
    pub(super) written: usize,
}

impl ServiceWriter {
    pub(super) fn apply(&mut self, events: Vec<Event>) {
        for event in events {
            self.state = Service::evolve(std::mem::take(&mut self.state), &event);
            self.history.push(event);
            self.written += 1;
        }
    }

    pub(super) fn locations(&self) -> BTreeMap<String, String> {
        let listed = self.state.listed.as_ref();
        listed
            .map(|listed| listed.locations.clone())
            .unwrap_or_default()
    }

    pub(super) fn standing(&self) -> Standing {
        let listed = self.state.listed.as_ref();
        listed.map_or(Standing::Active, |listed| listed.standing)
    }

    pub(super) fn assured_at(&self) -> Option<DateTime<Utc>> {
        self.state
            .listed
            .as_ref()
            .and_then(|listed| listed.assured_at)
    }

    /// Its capacity and when it was last reported.
    pub(super) fn capacity(&self) -> (Option<Capacity>, Option<DateTime<Utc>>) {
        let capacity = self.state.listed.as_ref().and_then(|l| l.capacity.clone());
        let at = self.history.iter().rev().find_map(|event| match event {
            Event::ServiceCapacityChanged { at, .. } => Some(*at),
            _ => None,
        });
        (capacity, at)
    }

    /// Why it is suspended, if it is.
    pub(super) fn suspension(&self) -> Option<String> {
        self.history.iter().rev().find_map(|event| match event {
            Event::ServiceSuspended { reason, .. } => Some(Some(reason.clone())),
            Event::ServiceReinstated { .. } => Some(None),
            _ => None,
        })?
    }
}
