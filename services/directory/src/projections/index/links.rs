//! Which service is delivered at each `service_at_location`, and which services at each
//! location: the links the ORUK `service_at_locations` endpoint and a moving location need.

use std::collections::{BTreeSet, HashMap};

use super::ServiceEntry;

/// The service_at_location links of every service.
#[derive(Debug, Default)]
pub(super) struct SiteLinks {
    /// service_at_location id → the service delivered there.
    service_at: HashMap<String, String>,
    /// Location id → (service id, service_at_location id) delivered there.
    at_location: HashMap<String, BTreeSet<(String, String)>>,
}

impl SiteLinks {
    /// Adds `entry`'s links.
    pub(super) fn link(&mut self, entry: &ServiceEntry) {
        for (site, location) in &entry.listed.locations {
            self.at_location
                .entry(location.clone())
                .or_default()
                .insert((entry.id.clone(), site.clone()));
            self.service_at.insert(site.clone(), entry.id.clone());
        }
    }

    /// Takes `entry`'s links away.
    pub(super) fn unlink(&mut self, entry: &ServiceEntry) {
        for (site, location) in &entry.listed.locations {
            if let Some(set) = self.at_location.get_mut(location) {
                set.remove(&(entry.id.clone(), site.clone()));
                if set.is_empty() {
                    self.at_location.remove(location);
                }
            }
            self.service_at.remove(site);
        }
    }

    /// The id of the service delivered at `site`.
    pub(super) fn service_at(&self, site: &str) -> Option<&str> {
        self.service_at.get(site).map(String::as_str)
    }

    /// The ids of the services delivered at `location`.
    pub(super) fn delivered_at(&self, location: &str) -> Vec<String> {
        (self.at_location.get(location).into_iter().flatten())
            .map(|(service, _)| service.clone())
            .collect()
    }
}
