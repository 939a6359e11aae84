//! The outcomes service's events as billing consumes them: each `outcome_recorded` is a
//! billable fact for the organisation the referral was made to, with its verdict against the
//! minimal important difference — improved when any score's change passed it for the better,
//! deteriorated when one passed it for the worse and none for the better, no meaningful change
//! otherwise, and none where nothing was paired or the instrument has no MID. A rescoring is
//! another `outcome_recorded` of the same referral and instrument: it pays nothing more.

use contract::events::decode_if;
use eventstore::{EventStore, HandlerError, Tx};
use messaging::{BusHandler, ReceivedEvent};
use proto::outcomes::v1 as outcomes;
use uuid::Uuid;

use super::{Noting, day_of};
use crate::domain::accrual::{Fact, Verdict, What};
use crate::domain::noted::Noted;

/// The producing service.
pub const PRODUCER: &str = "outcomes";

/// Notes outcomes judged.
#[derive(Debug)]
pub struct OutcomesConsumer(Noting);

impl OutcomesConsumer {
    /// Noting in `store`'s log, for `tenant`.
    pub fn new(store: EventStore, tenant: &str) -> Self {
        Self(Noting::new(store, tenant))
    }
}

/// The verdict of `outcome` against its minimal important differences.
fn verdict(outcome: &outcomes::OutcomeRecorded) -> Option<Verdict> {
    if outcome.mid_passed {
        return Some(Verdict::Improved);
    }
    if outcome.changes.is_empty() {
        return None;
    }
    let worse = outcome
        .changes
        .iter()
        .any(|change| change.verdict == "deteriorated");
    Some(match worse {
        true => Verdict::Deteriorated,
        false => Verdict::NoMeaningfulChange,
    })
}

impl BusHandler for OutcomesConsumer {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let (service, event) = (received.service.as_str(), &received.event);
        let Some(outcome) =
            decode_if::<outcomes::OutcomeRecorded>(service, &event.event_type, &event.payload)?
        else {
            return Ok(());
        };
        let Ok(referral_id) = Uuid::try_parse(&outcome.referral_id) else {
            tracing::warn!(event_id = %event.event_id, "an outcome without a referral id");
            return Ok(());
        };
        let (referral, person) = self.0.heard_of(tx, referral_id).await?;
        let fact = Fact {
            source_event_id: event.event_id,
            provider: referral.owner,
            date: day_of(outcome.authored.as_ref(), event.occurred_at),
            what: What::OutcomeRecorded {
                person,
                verdict: verdict(&outcome),
                instrument: outcome.instrument,
            },
        };
        self.0.note(tx, received, &Noted::FactNoted(fact)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(verdict: &str) -> outcomes::Change {
        outcomes::Change {
            verdict: verdict.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn the_verdict_is_improved_only_when_a_change_passed_its_mid_for_the_better() {
        let mut outcome = outcomes::OutcomeRecorded::default();
        assert_eq!(verdict(&outcome), None);
        outcome.changes = vec![change("no-meaningful-change")];
        assert_eq!(verdict(&outcome), Some(Verdict::NoMeaningfulChange));
        outcome.changes.push(change("deteriorated"));
        assert_eq!(verdict(&outcome), Some(Verdict::Deteriorated));
        outcome.mid_passed = true;
        assert_eq!(verdict(&outcome), Some(Verdict::Improved));
    }
}
