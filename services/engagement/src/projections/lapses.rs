//! The lapse evaluator: a checkpointed subscription over the engagement log that folds each
//! referral's [`Watch`] (`engagement_watch`) and records the lapses the rules raise and end as
//! events of the log (`lapses-<referral>`), in the subscription's own transaction. What it
//! observes is the log's: statuses noted from the referral service, register places, clock
//! ticks, device steps; the time of each alert is its triggering event's. Each alert's id is
//! derived from the triggering event's, so a rebuild — the table reset, the checkpoint
//! forgotten — derives the very same events, and the log's idempotent append makes them no-ops.

use chrono::{DateTime, Duration, Utc};
use eventstore::{
    AppendToStream, EventHandler, EventMetadata, EventStore, ExpectedVersion, HandlerError,
    NewEvent, RecordedEvent, StoreError, Subscription, SubscriptionError, Tx, on_conn,
};
use uuid::Uuid;

use crate::app::{SCHEMA_VERSION, service_actor};
use crate::domain::events::{Alerted, Event, lapses_stream};
use crate::domain::evidence::{self, Measure};
use crate::domain::lapse::{self, Alert, Observed, Rules, Watch};
use crate::domain::session;
use crate::projections::watches;

/// The subscription (checkpoint) name.
pub const SUBSCRIPTION: &str = "engagement.lapses";

/// Judges lapses from the log under `rules`, recording them in it.
#[derive(Debug, Clone)]
pub struct LapseEvaluator {
    store: EventStore,
    rules: Rules,
}

impl LapseEvaluator {
    /// The evaluator over `store`'s log, under `rules`.
    pub fn new(store: EventStore, rules: Rules) -> Self {
        Self { store, rules }
    }

    /// Applies `observed` to `watch`, keeps the watch, and records its alerts.
    async fn judge(
        &self,
        tx: &mut Tx,
        trigger: &RecordedEvent,
        watch: Watch,
        observed: &Observed,
    ) -> Result<(), HandlerError> {
        let (watch, alerts) = lapse::apply(watch, observed, &self.rules);
        watches::save(tx, &watch).await?;
        // One append per alert: a rebuild finds each already recorded, or records it.
        for alert in &alerts {
            let append = AppendToStream {
                stream_id: lapses_stream(watch.referral_id),
                expected: ExpectedVersion::Any,
                events: vec![alert_event(trigger, &watch, alert)?],
            };
            self.store.append_in(tx, &[append]).await?;
        }
        Ok(())
    }
}

/// What a recorded event tells the rules: something of one referral, or the time.
enum Seen {
    Referral(Uuid, Observed),
    Time(DateTime<Utc>),
}

fn seen(recorded: &RecordedEvent) -> Result<Option<Seen>, serde_json::Error> {
    let seen = match recorded.event_type.as_str() {
        "referral_status_noted" | "clock_ticked" => match recorded.decode::<Event>()? {
            Event::ReferralStatusNoted {
                referral_id,
                subject,
                status,
                at,
            } => Seen::Referral(
                referral_id,
                Observed::StatusNoted {
                    subject,
                    status,
                    at,
                },
            ),
            Event::ClockTicked { at } => Seen::Time(at),
            Event::EngagementLapsed(_) | Event::EngagementResumed(_) => return Ok(None),
        },
        "session_attended" | "session_missed" => match recorded.decode::<session::Event>()? {
            session::Event::SessionAttended {
                session_id,
                person,
                at,
                ..
            } => Seen::Referral(
                person.referral_id,
                Observed::Attended {
                    session_id,
                    subject: person.subject,
                    at,
                },
            ),
            session::Event::SessionMissed {
                session_id,
                person,
                status,
                at,
                ..
            } => Seen::Referral(
                person.referral_id,
                Observed::Missed {
                    session_id,
                    subject: person.subject,
                    status,
                    at,
                },
            ),
            session::Event::SessionScheduled { .. } => return Ok(None),
        },
        "evidence_recorded" => {
            let evidence::Event::EvidenceRecorded { summary, at } =
                recorded.decode::<evidence::Event>()?;
            if summary.measure != Measure::Steps {
                return Ok(None);
            }
            Seen::Referral(
                summary.referral_id,
                Observed::Steps {
                    subject: summary.subject,
                    day: summary.day,
                    steps: summary.value,
                    coverage_percent: summary.coverage_percent,
                    at,
                },
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(seen))
}

/// The event recording `alert`, raised by `trigger`: its id, time and metadata are the
/// trigger's to derive, so judging the same log again gives the same event.
fn alert_event(
    trigger: &RecordedEvent,
    watch: &Watch,
    alert: &Alert,
) -> Result<NewEvent, serde_json::Error> {
    let (kind, rule, evidence, at) = match alert {
        Alert::Lapsed { rule, evidence, at } => ("lapsed", rule, evidence, at),
        Alert::Resumed { rule, evidence, at } => ("resumed", rule, evidence, at),
    };
    let alerted = Alerted {
        referral_id: watch.referral_id,
        subject: watch.subject.clone(),
        rule: rule.code().to_owned(),
        evidence: evidence.clone(),
        at: *at,
    };
    let event = match alert {
        Alert::Lapsed { .. } => Event::EngagementLapsed(alerted),
        Alert::Resumed { .. } => Event::EngagementResumed(alerted),
    };
    // A tick may lapse many referrals: the referral is part of the name.
    let name = format!("{}/{}/{kind}", watch.referral_id, rule.code());
    let cause = &trigger.metadata;
    let metadata = EventMetadata {
        correlation_id: cause.correlation_id,
        causation_id: Some(trigger.event_id),
        traceparent: cause.traceparent.clone(),
        actor: service_actor(&cause.tenant),
        data_subject: Some(watch.subject.clone()).filter(|subject| !subject.is_empty()),
        tenant: cause.tenant.clone(),
    };
    NewEvent::json(
        Uuid::new_v5(&trigger.event_id, name.as_bytes()),
        event.event_type(),
        SCHEMA_VERSION,
        *at,
        &event,
        metadata,
    )
}

impl EventHandler for LapseEvaluator {
    async fn handle(&mut self, tx: &mut Tx, recorded: &RecordedEvent) -> Result<(), HandlerError> {
        match seen(recorded)? {
            None => Ok(()),
            Some(Seen::Referral(referral_id, observed)) => {
                let watch = watches::load(tx, referral_id)
                    .await?
                    .unwrap_or_else(|| Watch::new(referral_id));
                self.judge(tx, recorded, watch, &observed).await
            }
            Some(Seen::Time(at)) => {
                let days = self.rules.days_without_attendance;
                if days == 0 {
                    return Ok(());
                }
                let due = watches::due(tx, at - Duration::days(i64::from(days))).await?;
                for watch in due {
                    self.judge(tx, recorded, watch, &Observed::Tick { at })
                        .await?;
                }
                Ok(())
            }
        }
    }
}

/// Judges the whole log again under `rules`, reporting events replayed; returns how many.
/// Lapses already recorded are found again, not recorded twice.
pub async fn rebuild(
    store: &EventStore,
    rules: Rules,
    progress: impl FnMut(u64),
) -> Result<u64, SubscriptionError> {
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION);
    let reset = async |tx: &mut Tx| -> Result<(), StoreError> {
        on_conn!(tx, |conn| sqlx::query("DELETE FROM engagement_watch")
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    };
    let mut evaluator = LapseEvaluator::new(store.clone(), rules);
    subscription.rebuild(&mut evaluator, reset, progress).await
}
