//! Stream and subject names on the bus.
//!
//! One JetStream stream per service, named `<PREFIX>_<SERVICE>`, holding the subjects
//! `<prefix>.<service>.>`. Each event is published on
//! `<prefix>.<service>.<category>.<stream_id>.<event_type>`, so a consumer can filter by
//! service, by aggregate category, by one stream or by event type. The prefix keeps
//! deployments (and tests) sharing one NATS server apart.

use eventstore::RecordedEvent;

/// Names for one service's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusNames {
    prefix: String,
    service: String,
}

impl BusNames {
    /// Names for `service` under `prefix` (both lower-case tokens, e.g. `linkwork`, `referral`).
    pub fn new(prefix: &str, service: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            service: service.to_owned(),
        }
    }

    /// The producing service.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The JetStream stream name.
    pub fn stream_name(&self) -> String {
        format!("{}_{}", self.prefix, self.service).to_uppercase()
    }

    /// Every subject of the service: `<prefix>.<service>.>`.
    pub fn all_subjects(&self) -> String {
        format!("{}.{}.>", self.prefix, self.service)
    }

    /// Subjects of one aggregate category: `<prefix>.<service>.<category>.>`.
    pub fn category_subjects(&self, category: &str) -> String {
        format!("{}.{}.{category}.>", self.prefix, self.service)
    }

    /// The subject an event is published on. Stream ids and event types are restricted by the
    /// store to `[A-Za-z0-9_-]`, which are valid subject tokens.
    pub fn subject_for(&self, event: &RecordedEvent) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.prefix,
            self.service,
            event.category(),
            event.stream_id,
            event.event_type
        )
    }
}

/// Whether `subject` matches the NATS `filter` (`*` one token, `>` the rest).
pub(crate) fn subject_matches(filter: &str, subject: &str) -> bool {
    let mut subject_tokens = subject.split('.');
    for token in filter.split('.') {
        match (token, subject_tokens.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (expected, Some(actual)) if expected == actual => {}
            _ => return false,
        }
    }
    subject_tokens.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::subject_matches;

    #[test]
    fn wildcards_match_as_nats_does() {
        assert!(subject_matches(
            "lw.referral.>",
            "lw.referral.referral-1.referral_accepted"
        ));
        assert!(!subject_matches("lw.referral.>", "lw.referral"));
        assert!(subject_matches(
            "lw.*.referral.>",
            "lw.referral.referral.x.y"
        ));
        assert!(subject_matches("a.*.c", "a.b.c"));
        assert!(!subject_matches("a.*.c", "a.b.c.d"));
        assert!(!subject_matches("a.b", "a.c"));
        assert!(subject_matches("a.b", "a.b"));
    }
}
