//! Recording a read of personal data in the service's audit of reads
//! (`EventStore::record_access`), the same way in every service: who (user, organisation,
//! role), about whom (the pseudonym), what (function and record), when, why (the request's
//! correlation id) and whether it was allowed. A service records the read before its answer
//! leaves, and fails the read if the record cannot be written.

use chrono::Utc;
use eventstore::{AccessOutcome, AccessRecord, EventStore, StoreError};
use identity::Caller;
use uuid::Uuid;

/// One read: who asked, why, and through what.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    /// Who is reading.
    pub caller: &'a Caller,
    /// The request's correlation id: why, in the sense of which request.
    pub correlation_id: Uuid,
    /// The RPC or FHIR interaction, e.g. `referral.GetHandoffTrail`.
    pub function: &'static str,
}

impl Reader<'_> {
    /// Records a read of `record`, about `subject` when it names a person.
    pub async fn record(
        &self,
        store: &EventStore,
        subject: Option<String>,
        record: String,
        allowed: bool,
    ) -> Result<(), StoreError> {
        let access = AccessRecord {
            at: Utc::now(),
            user: self.caller.user.clone(),
            organisation: self.caller.organisation.clone(),
            role: self.caller.role.clone(),
            subject,
            function: self.function.to_owned(),
            record,
            correlation_id: self.correlation_id,
            outcome: match allowed {
                true => AccessOutcome::Allowed,
                false => AccessOutcome::Denied,
            },
        };
        store.record_access(&[access]).await
    }
}
