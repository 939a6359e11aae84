//! Reading referrals. Only a referral's parties may read it — to anyone else it is not there,
//! exactly as an id never used — and every read, allowed or refused, is appended to the log's
//! audit of reads (who, in which role, for which organisation, which person, what, when, and
//! the request's correlation id) before anything leaves. If the audit cannot be written, the
//! read fails: an unrecorded read of someone's record is worse than no read.

use decider::Decider;
use eventstore::EventStore;
use eventstore::aggregate;
use uuid::Uuid;

use crate::app::{self, AppError};
use crate::domain::referral::{Error, Event, Referral};

/// A read of referrals: who asked, why, and through what.
pub type Read<'a> = servicekit::Reader<'a>;

/// Reading a referral, as its parties may.
pub trait ReadReferral {
    /// The history of referral `referral_id` when the caller is a party to it (recorded as
    /// allowed); NOT_FOUND otherwise (recorded as denied), whether it exists or not.
    fn referral(
        &self,
        store: &EventStore,
        referral_id: Uuid,
    ) -> impl Future<Output = Result<Vec<Event>, AppError>> + Send;
}

impl ReadReferral for Read<'_> {
    async fn referral(
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
}

/// The pseudonym of the person a referral is for.
fn subject_of(history: &[Event]) -> Option<String> {
    history.iter().find_map(|event| match event {
        Event::Requested { person, .. } => Some(person.subject.clone()),
        _ => None,
    })
}
