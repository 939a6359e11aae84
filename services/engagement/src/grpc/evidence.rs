//! Device evidence and timelines between proto and application: a daily summary's fields
//! parsed (each refusal naming its field and the summary's place in the batch), and a
//! timeline shown.

use chrono::NaiveDate;
use proto::engagement::v1 as pb;
use tonic::Status;

use super::{timestamp, uuid};
use crate::app::{NewSummary, Timeline};
use crate::domain::evidence::{DailySummary, Measure};
use crate::projections::places::Place;

/// The summaries of a `RecordEvidence` request, parsed.
pub(super) fn summaries(request: &pb::RecordEvidenceRequest) -> Result<Vec<NewSummary>, Status> {
    if request.summaries.is_empty() {
        return Err(Status::invalid_argument("summaries: give at least one"));
    }
    request
        .summaries
        .iter()
        .enumerate()
        .map(|(index, summary)| {
            parse(summary).map_err(|status| {
                Status::new(
                    status.code(),
                    format!("summaries[{index}].{}", status.message()),
                )
            })
        })
        .collect()
}

fn parse(summary: &pb::DailySummary) -> Result<NewSummary, Status> {
    let measure = Measure::parse(&summary.measure).ok_or_else(|| {
        Status::invalid_argument("measure: one of steps, active-minutes, app-check-ins")
    })?;
    let day = NaiveDate::parse_from_str(&summary.day, "%Y-%m-%d")
        .map_err(|_| Status::invalid_argument("day: a date, YYYY-MM-DD"))?;
    Ok(NewSummary {
        referral_id: uuid("referral_id", &summary.referral_id)?,
        subject: None,
        measure,
        day,
        value: summary.value,
        coverage: summary.coverage_percent,
        device: Some(summary.device.clone()).filter(|device| !device.is_empty()),
        source_system: summary.source_system.clone(),
        source_id: summary.source_id.clone(),
    })
}

/// A place on the timeline.
fn place(referral_id: &str, place: &Place) -> pb::TimelineEntry {
    pb::TimelineEntry {
        at: Some(timestamp(place.at)),
        entry: Some(pb::timeline_entry::Entry::Place(pb::Attendance {
            session_id: place.session_id.to_string(),
            referral_id: referral_id.to_owned(),
            status: place.status.code().to_owned(),
            source: place.source.code().to_owned(),
            at: Some(timestamp(place.at)),
        })),
    }
}

/// A device day on the timeline.
fn device_day(summary: &DailySummary, valid_percent: u32) -> pb::TimelineEntry {
    let start = summary.day.and_time(chrono::NaiveTime::MIN).and_utc();
    pb::TimelineEntry {
        at: Some(timestamp(start)),
        entry: Some(pb::timeline_entry::Entry::DeviceDay(pb::DeviceDay {
            measure: summary.measure.code().to_owned(),
            day: summary.day.to_string(),
            value: summary.value,
            unit: summary.measure.unit().to_owned(),
            coverage_percent: u32::from(summary.coverage_percent),
            valid: u32::from(summary.coverage_percent) >= valid_percent,
            integrator: summary.provenance.integrator.clone(),
            source_system: summary.provenance.source_system.clone(),
        })),
    }
}

/// A timeline as the API shows it: places and device days together, in time order.
pub(super) fn timeline(
    referral_id: &str,
    as_of: chrono::DateTime<chrono::Utc>,
    timeline: &Timeline,
    valid_percent: u32,
) -> pb::Timeline {
    let mut entries: Vec<pb::TimelineEntry> = timeline
        .places
        .iter()
        .map(|shown| place(referral_id, shown))
        .chain(
            timeline
                .days
                .iter()
                .map(|day| device_day(day, valid_percent)),
        )
        .collect();
    // Stable: at one time, places before device days, each in its own order.
    entries.sort_by_key(|entry| entry.at.map(|at| (at.seconds, at.nanos)));
    let adherence = timeline.adherence;
    pb::Timeline {
        referral_id: referral_id.to_owned(),
        as_of: Some(timestamp(as_of)),
        entries,
        adherence: Some(pb::Adherence {
            sessions_attended: adherence.sessions_attended,
            sessions_expected: adherence.sessions_expected,
            days_with_valid_device_data: adherence.days_with_valid_device_data,
            days_so_far: adherence.days_so_far,
        }),
        device_data_shared: timeline.device_data_shared,
    }
}
