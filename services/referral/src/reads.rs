//! Reading referrals. Only a referral's parties may read it — to anyone else it is not there,
//! exactly as an id never used — and every read, allowed or refused, is appended to the log's
//! audit of reads (who, in which role, for which organisation, which person, what, when, and
//! the request's correlation id) before anything leaves. If the audit cannot be written, the
//! read fails: an unrecorded read of someone's record is worse than no read.

use chrono::Utc;
use decider::Decider;
use eventstore::aggregate;
use eventstore::{AccessOutcome, AccessRecord, EventStore};
use identity::Caller;
use uuid::Uuid;

use crate::app::{self, AppError};
use crate::domain::referral::{Error, Event, Referral};

/// One read: who asked, why, and through what.
#[derive(Debug, Clone)]
pub struct Read<'a> {
    /// Who is reading.
    pub caller: &'a Caller,
    /// The request's correlation id: why, in the sense of which request.
    pub correlation_id: Uuid,
    /// The RPC or FHIR interaction, e.g. `referral.GetHandoffTrail`.
    pub function: &'static str,
}

impl Read<'_> {
    /// The history of referral `referral_id` when the caller is a party to it (recorded as
    /// allowed); NOT_FOUND otherwise (recorded as denied), whether it exists or not.
    pub async fn referral(
        &self,
        store: &EventStore,
        referral_id: Uuid,
    ) -> Result<Vec<Event>, AppError> {
        let history = aggregate::load::<Event, Error>(store, &app::stream_id(referral_id)).await?;
        let allowed = Referral::fold(&history)
            .opened
            .is_some_and(|opened| opened.has_party(&self.caller.organisation));
        let record = format!("referral/{referral_id}");
        self.record(store, subject_of(&history), record, allowed)
            .await?;
        match allowed {
            true => Ok(history),
            false => Err(AppError::Rejected(Error::NotFound)),
        }
    }

    /// Records a read of `record`, about `subject` when it names a person.
    pub async fn record(
        &self,
        store: &EventStore,
        subject: Option<String>,
        record: String,
        allowed: bool,
    ) -> Result<(), AppError> {
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
        store.record_access(&[access]).await?;
        Ok(())
    }
}

/// The pseudonym of the person a referral is for.
fn subject_of(history: &[Event]) -> Option<String> {
    history.iter().find_map(|event| match event {
        Event::Requested { person, .. } => Some(person.subject.clone()),
        _ => None,
    })
}
