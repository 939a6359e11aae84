//! Sessions and registers for the people providers take on, through the engagement service's
//! gRPC API as a provider's coordinator keeps them: the weekly sessions of the service over
//! the last three weeks (one per week, shared by everyone referred to it), and each person's
//! place in their registers — mostly there, some drifting away, some who never came. All of it
//! synthetic, grown from the seed.

use chrono::{Datelike, Duration, TimeZone, Utc};
use proto::engagement::v1 as pb;

use crate::calls::{Caller, Clients, call, rpc, until_known};
use crate::error::DemoError;
use crate::journey::Journey;
use crate::seed;

/// How a person came to a service's sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Came each week (one week's place cancelled by them, for some).
    Regular,
    /// Came, then missed the last two weeks: drifting away.
    Drifting,
    /// Never came.
    NeverCame,
}

/// The places one person's registers hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Places {
    /// Attended.
    pub(crate) attended: usize,
    /// Did not attend, or cancelled.
    pub(crate) missed: usize,
}

/// Weeks of sessions the demo's registers cover.
const WEEKS: i64 = 3;

/// The provider's weekly sessions of `service_id` (one a week, ending last week) and the
/// person's place in each, as `pattern` says.
pub(crate) async fn keep(
    journey: &Journey<'_>,
    provider: &Caller,
    service_id: &str,
    child_referral_id: &str,
    pattern: Pattern,
) -> Result<Places, DemoError> {
    let clients: &Clients = journey.clients;
    let today = Utc::now().date_naive();
    let mut places = Places::default();
    for week in 1..=WEEKS {
        // The same day and hour each week, so everyone referred to the service shares them.
        let day = today - Duration::days(7 * week);
        let Some(starts) = Utc
            .with_ymd_and_hms(day.year(), day.month(), day.day(), 10, 0, 0)
            .single()
        else {
            continue;
        };
        let session_id = seed::id(
            journey.seed,
            &format!("session/{service_id}"),
            week as usize,
        );
        let body = pb::ScheduleSessionRequest {
            session_id: session_id.to_string(),
            service_id: service_id.to_owned(),
            starts_at: Some(prost_types::Timestamp {
                seconds: starts.timestamp(),
                nanos: 0,
            }),
            ends_at: Some(prost_types::Timestamp {
                seconds: (starts + Duration::hours(2)).timestamp(),
                nanos: 0,
            }),
            title: format!("Weekly session, {}", day.format("%A %-d %B")),
        };
        let step = journey.step(&format!("the provider publishes session {session_id}"));
        call(
            &step,
            rpc!(clients.engagement, schedule_session, provider, body),
        )
        .await?;
        // Week 1 is last week: the drifting stopped coming for the last two.
        let status = match (pattern, week) {
            (Pattern::NeverCame, _) => "did-not-attend",
            (Pattern::Drifting, 1 | 2) => "did-not-attend",
            (Pattern::Regular, 2) if journey.pick(31, 4) == 0 => "cancelled-by-person",
            _ => "attended",
        };
        let body = pb::RecordAttendanceRequest {
            session_id: session_id.to_string(),
            referral_id: child_referral_id.to_owned(),
            status: status.to_owned(),
        };
        let step = journey.step(&format!("the provider's register: {status}"));
        // The engagement service hears the provider took them on over the bus: until then the
        // referral is unknown to it.
        until_known(
            &step,
            rpc!(clients.engagement, record_attendance, provider, body),
        )
        .await?;
        match status {
            "attended" => places.attended += 1,
            _ => places.missed += 1,
        }
    }
    Ok(places)
}
