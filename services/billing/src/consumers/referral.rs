//! The referral service's events as billing consumes them: the referral view kept (whose
//! person, who took it on, their age band), the needs each assessment records, and three
//! status changes noted as billing knows them — `accepted` (a referral accepted, for the
//! organisation it was made to), `completed` (an episode completed) and `entered-in-error`
//! (everything the referral accrued is withdrawn, and clawed back on the next claim).

use contract::events::decode_if;
use eventstore::{EventStore, HandlerError, Tx, on_conn};
use messaging::{BusHandler, ReceivedEvent};
use proto::referral::v1 as referral;
use referral_view::ReferralView;
use uuid::Uuid;

use super::{Noting, day_of};
use crate::domain::accrual::{Fact, What, Withdrawal, Withdrawn};
use crate::domain::noted::Noted;

/// Keeps the referral view and the needs, and notes what billing pays for.
#[derive(Debug)]
pub struct ReferralConsumer {
    noting: Noting,
    view: ReferralView,
}

impl ReferralConsumer {
    /// Noting in `store`'s log, for `tenant`.
    pub fn new(store: EventStore, tenant: &str) -> Self {
        Self {
            noting: Noting::new(store, tenant),
            view: ReferralView,
        }
    }
}

impl BusHandler for ReferralConsumer {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        self.view.handle(tx, received).await?;
        let (service, event) = (received.service.as_str(), &received.event);
        let (kind, payload) = (event.event_type.as_str(), &event.payload[..]);
        let Some(referral_id) = referral_view::referral_of_stream(&event.stream_id) else {
            return Ok(());
        };
        if let Some(assessed) = decode_if::<referral::AssessmentRecorded>(service, kind, payload)? {
            return remember_needs(tx, referral_id, &assessed.needs).await;
        }
        let Some(changed) = decode_if::<referral::ReferralStatusChanged>(service, kind, payload)?
        else {
            return Ok(());
        };
        if !matches!(
            changed.to.as_str(),
            "accepted" | "completed" | "entered-in-error"
        ) {
            return Ok(());
        }
        let Some((referral, person)) = self.noting.person(tx, referral_id).await? else {
            // A referral's own events come in its order: one not in the view was requested
            // before billing heard anything, and there is no one to pay for.
            tracing::warn!(%referral_id, "a status change of a referral billing never heard requested");
            return Ok(());
        };
        let date = day_of(changed.at.as_ref(), event.occurred_at);
        let provider = referral.owner.clone();
        let noted = match changed.to.as_str() {
            "entered-in-error" => Noted::WithdrawalNoted {
                provider,
                withdrawal: Withdrawal {
                    source_event_id: event.event_id,
                    date,
                    withdrawn: Withdrawn::Referral(referral_id),
                },
            },
            to => Noted::FactNoted(Fact {
                source_event_id: event.event_id,
                provider,
                date,
                what: match to {
                    "accepted" => What::ReferralAccepted { person },
                    _ => What::EpisodeCompleted { person },
                },
            }),
        };
        self.noting.note(tx, received, &noted).await
    }
}

/// Keeps `needs` as `referral_id`'s latest assessment.
async fn remember_needs(
    tx: &mut Tx,
    referral_id: Uuid,
    needs: &[String],
) -> Result<(), HandlerError> {
    let sql = "INSERT INTO billing_referral_needs (referral_id, needs) VALUES ($1, $2) \
               ON CONFLICT (referral_id) DO UPDATE SET needs = excluded.needs";
    let (id, needs) = (referral_id.to_string(), serde_json::to_string(needs)?);
    on_conn!(tx, |conn| sqlx::query(sql)
        .bind(&id)
        .bind(&needs)
        .execute(conn)
        .await
        .map(drop))?;
    Ok(())
}
