//! Recording integrators' daily summaries, all or none, and reading a referral's timeline.
//!
//! A batch is checked whole before anything is written: each summary's numbers and provenance
//! ([`evidence::check`]), its referral (known, the person's consent to share device data, the
//! day within the referral), and whether its record was recorded before. A summary's event id
//! derives from its provenance, so the log itself says which records it holds: the same content
//! again is a retry, answered as recorded; other content under the same record is a conflict.
//! What is new is appended in one transaction across the referrals' streams.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use eventstore::aggregate::CommandError;
use eventstore::{AppendToStream, ExpectedVersion, NewEvent, StoreError};
use referral_view::Referral;
use uuid::Uuid;

use super::{AppError, Context, EngagementApp, Refused, SCHEMA_VERSION};
use crate::domain::evidence::{self, DailySummary, Event, Measure, Provenance};
use crate::domain::session::Status;
use crate::projections::places::{self, Place};

/// A summary as an integrator sent it, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSummary {
    /// The referral.
    pub referral_id: Uuid,
    /// The person's pseudonym, if the integrator named them: it must be the referral's.
    pub subject: Option<String>,
    /// What was measured.
    pub measure: Measure,
    /// The day summarised.
    pub day: NaiveDate,
    /// How much, as sent.
    pub value: i64,
    /// How much of the day the device was worn, in per cent, as sent.
    pub coverage: i64,
    /// The device, if named.
    pub device: Option<String>,
    /// The system it came from.
    pub source_system: String,
    /// The record's id there.
    pub source_id: String,
}

/// Why one summary of a batch is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfit {
    /// Its numbers or provenance.
    #[error(transparent)]
    Invalid(#[from] evidence::Refusal),
    /// No such referral.
    #[error("referral_id: no such referral")]
    NoSuchReferral,
    /// The person has not consented (or no longer consents) to share device data.
    #[error("referral_id: the person has not consented to share device data")]
    NotConsented,
    /// The subject named is not the referral's person.
    #[error("subject: not the person of the referral")]
    OtherPerson,
    /// The day is before the referral's baseline began, or after it closed.
    #[error("day: {0} is outside the referral (from {1}, its baseline; closed: {2})")]
    OutsideReferral(NaiveDate, NaiveDate, String),
    /// Recorded before with other content.
    #[error("source_id: {0:?} was recorded before with other content")]
    Conflict(String),
}

/// A summary of a batch refused: which (from 0) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("summaries[{index}]: {why}")]
pub struct Rejected {
    /// Its place in the batch.
    pub index: usize,
    /// Why.
    pub why: Unfit,
}

/// A referral's timeline as of a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// Its register places, in the order recorded.
    pub places: Vec<Place>,
    /// Its device days, by day; empty without the person's consent.
    pub days: Vec<DailySummary>,
    /// Whether the person consents to share device data.
    pub device_data_shared: bool,
    /// Its adherence.
    pub adherence: Adherence,
}

/// How well a person kept to their plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Adherence {
    /// Places attended.
    pub sessions_attended: u32,
    /// Places the person was expected at: attended, did not attend, cancelled by them.
    pub sessions_expected: u32,
    /// Days with valid device data.
    pub days_with_valid_device_data: u32,
    /// Days of the referral so far.
    pub days_so_far: u32,
}

fn day_of(micros: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_micros(micros).map(|at| at.date_naive())
}

/// Days before a referral was made whose device data may be recorded: the person's own
/// baseline, which the device-activity rule compares with, is the fortnight or so before they
/// were referred as much as after.
pub const BASELINE_DAYS_BEFORE_REFERRAL: i64 = 28;

/// Whether `day` falls within `referral`: from [`BASELINE_DAYS_BEFORE_REFERRAL`] before the day
/// it was made to the day it closed.
fn within(referral: &Referral, day: NaiveDate) -> Result<(), Unfit> {
    let made = day_of(referral.requested_micros).unwrap_or(NaiveDate::MIN);
    let from = made
        .checked_sub_signed(Duration::days(BASELINE_DAYS_BEFORE_REFERRAL))
        .unwrap_or(NaiveDate::MIN);
    let closed = referral.closed_micros.and_then(day_of);
    if day < from || closed.is_some_and(|closed| day > closed) {
        let closed = closed.map_or_else(|| "not closed".to_owned(), |day| day.to_string());
        return Err(Unfit::OutsideReferral(day, from, closed));
    }
    Ok(())
}

/// How many times a batch is tried again when another request recorded one of its records at
/// the same moment: once is enough to see it.
const ATTEMPTS: usize = 2;

impl EngagementApp {
    /// Records `summaries` from the calling integrator, all or none, each with whether it was
    /// recorded now (or before, the same).
    pub async fn record_evidence(
        &self,
        summaries: Vec<NewSummary>,
        context: &Context<'_>,
    ) -> Result<Vec<(DailySummary, bool)>, AppError> {
        let now = Utc::now();
        let mut checked = Vec::with_capacity(summaries.len());
        // A night's batch names many people: their referrals are read in one query.
        let mut ids: Vec<Uuid> = summaries.iter().map(|new| new.referral_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let referrals = referral_view::find_many(&self.store, &ids).await?;
        for (index, new) in summaries.into_iter().enumerate() {
            let referral = referrals.get(&new.referral_id);
            let summary = self
                .check_summary(new, referral, &context.caller.organisation, now)
                .map_err(|why| {
                    CommandError::Rejected(Refused::Evidence(Rejected { index, why }))
                })?;
            checked.push(summary);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.append_new(&checked, context, now).await {
                Err(CommandError::Store(StoreError::EventIdReused { .. }))
                    if attempt < ATTEMPTS => {}
                done => return done,
            }
        }
    }

    fn check_summary(
        &self,
        new: NewSummary,
        referral: Option<&Referral>,
        integrator: &str,
        now: DateTime<Utc>,
    ) -> Result<DailySummary, Unfit> {
        let (value, coverage_percent) =
            evidence::check(new.measure, new.day, new.value, new.coverage, now)?;
        let provenance = Provenance {
            integrator: integrator.to_owned(),
            device: new.device.filter(|device| !device.trim().is_empty()),
            source_system: new.source_system,
            source_id: new.source_id,
        };
        evidence::check_provenance(&provenance)?;
        let referral = referral.ok_or(Unfit::NoSuchReferral)?;
        if !referral.share_device_data {
            return Err(Unfit::NotConsented);
        }
        if new
            .subject
            .is_some_and(|subject| subject != referral.subject)
        {
            return Err(Unfit::OtherPerson);
        }
        within(referral, new.day)?;
        Ok(DailySummary {
            referral_id: referral.referral_id,
            subject: referral.subject.clone(),
            measure: new.measure,
            day: new.day,
            value,
            coverage_percent,
            provenance,
        })
    }

    /// Appends what of `checked` the log does not hold yet, in one transaction; a record held
    /// with other content refuses the whole batch.
    async fn append_new(
        &self,
        checked: &[DailySummary],
        context: &Context<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(DailySummary, bool)>, AppError> {
        let ids: Vec<Uuid> = checked
            .iter()
            .map(|summary| evidence::event_id(&summary.provenance))
            .collect();
        let mut held: BTreeMap<Uuid, DailySummary> = BTreeMap::new();
        for recorded in self.store.read_events(&ids).await? {
            let Event::EvidenceRecorded { summary, .. } = decode(&recorded)?;
            held.insert(recorded.event_id, summary);
        }
        let mut streams: BTreeMap<String, Vec<NewEvent>> = BTreeMap::new();
        let mut answer = Vec::with_capacity(checked.len());
        for (index, (summary, id)) in checked.iter().zip(&ids).enumerate() {
            let conflict = || {
                let why = Unfit::Conflict(summary.provenance.source_id.clone());
                CommandError::Rejected(Refused::Evidence(Rejected { index, why }))
            };
            match held.get(id) {
                Some(before) if before == summary => {
                    answer.push((before.clone(), false));
                    continue;
                }
                Some(_) => return Err(conflict()),
                None => {}
            }
            held.insert(*id, summary.clone());
            let event = Event::EvidenceRecorded {
                summary: summary.clone(),
                at: now,
            };
            let metadata = self.metadata(context, Some(&summary.subject));
            let new = NewEvent::json(
                *id,
                event.event_type(),
                SCHEMA_VERSION,
                now,
                &event,
                metadata,
            )
            .map_err(CommandError::Encode)?;
            streams
                .entry(evidence::stream(summary.referral_id))
                .or_default()
                .push(new);
            answer.push((summary.clone(), true));
        }
        let requests: Vec<AppendToStream> = streams
            .into_iter()
            .map(|(stream_id, events)| AppendToStream {
                stream_id,
                expected: ExpectedVersion::Any,
                events,
            })
            .collect();
        if !requests.is_empty() {
            self.store.append_many(&requests).await?;
        }
        Ok(answer)
    }

    /// The summary recorded as event `id`, if the log holds one and `organisation` is a party to
    /// its referral while the person consents to share device data.
    pub async fn evidence_for(
        &self,
        id: Uuid,
        organisation: &str,
    ) -> Result<Option<DailySummary>, AppError> {
        let Some(recorded) = self.store.read_events(&[id]).await?.into_iter().next() else {
            return Ok(None);
        };
        if recorded.event_type != "evidence_recorded" {
            return Ok(None);
        }
        let Event::EvidenceRecorded { summary, .. } = decode(&recorded)?;
        let shown = referral_view::find(&self.store, summary.referral_id)
            .await?
            .is_some_and(|referral| referral.has_party(organisation) && referral.share_device_data);
        Ok(shown.then_some(summary))
    }

    /// The timeline of `referral_id` as of `as_of`, to a party to it.
    pub async fn timeline(
        &self,
        referral_id: Uuid,
        organisation: &str,
        as_of: DateTime<Utc>,
    ) -> Result<(Referral, Timeline), AppError> {
        let referral = self.party_to(referral_id, organisation).await?;
        let places = places::as_of(&self.store, referral_id, as_of).await?;
        let shared = referral.share_device_data;
        let mut days = Vec::new();
        if shared {
            for recorded in self
                .store
                .load_stream(&evidence::stream(referral_id))
                .await?
            {
                let Event::EvidenceRecorded { summary, at } = decode(&recorded)?;
                if at <= as_of {
                    days.push(summary);
                }
            }
            days.sort_by_key(|summary| (summary.day, summary.measure));
        }
        let adherence = self.adherence(&referral, &places, &days, as_of);
        let timeline = Timeline {
            places,
            days,
            device_data_shared: shared,
            adherence,
        };
        Ok((referral, timeline))
    }

    fn adherence(
        &self,
        referral: &Referral,
        places: &[Place],
        days: &[DailySummary],
        as_of: DateTime<Utc>,
    ) -> Adherence {
        let expected = |place: &&Place| place.status != Status::CancelledByProvider;
        let valid = u8::try_from(self.settings.rules.valid_coverage_percent).unwrap_or(100);
        // The referral's days so far: from its episode's start (or, not yet taken on, from
        // when it was made) to today or its close.
        let start = day_of(referral.started_micros.unwrap_or(referral.requested_micros));
        let end = referral
            .closed_micros
            .and_then(day_of)
            .map_or(as_of.date_naive(), |closed| closed.min(as_of.date_naive()));
        let days_so_far = start
            .filter(|start| *start <= end)
            .map_or(0, |start| (end - start + Duration::days(1)).num_days());
        let mut valid_days: Vec<NaiveDate> = days
            .iter()
            .filter(|summary| summary.coverage_percent >= valid)
            .map(|summary| summary.day)
            .filter(|day| start.is_some_and(|start| start <= *day) && *day <= end)
            .collect();
        valid_days.dedup();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Adherence {
            sessions_attended: count(
                places
                    .iter()
                    .filter(|place| place.status == Status::Attended)
                    .count(),
            ),
            sessions_expected: count(places.iter().filter(expected).count()),
            days_with_valid_device_data: count(valid_days.len()),
            days_so_far: u32::try_from(days_so_far).unwrap_or(0),
        }
    }
}

/// A recorded summary, read back.
fn decode(recorded: &eventstore::RecordedEvent) -> Result<Event, AppError> {
    recorded
        .decode::<Event>()
        .map_err(|source| CommandError::Corrupt {
            event_id: recorded.event_id,
            source,
        })
}
