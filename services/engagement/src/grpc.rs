//! The gRPC adapter: proto ↔ application, nothing else. Requests, already held to the limits
//! their protos declare and to the roles their RPCs admit, are parsed (a value the domain's
//! types refuse is INVALID_ARGUMENT naming the field), run through the application layer, and
//! errors mapped once (`status.rs`).

use chrono::{DateTime, Utc};
use prost_types::Timestamp;
use proto::engagement::v1 as pb;
use proto::engagement::v1::engagement_service_server::EngagementService;
use servicekit::OnBehalfOf;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use identity::Caller;

use crate::app::{Context, EngagementApp, Found};

mod evidence;
use crate::domain::events::Lapse;
use crate::domain::session::{Event, Status as Place};

/// The engagement service's gRPC implementation.
#[derive(Debug, Clone)]
pub struct EngagementGrpc {
    app: EngagementApp,
}

impl EngagementGrpc {
    /// Serves `app`.
    pub fn new(app: EngagementApp) -> Self {
        Self { app }
    }
}

fn uuid(field: &str, value: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(value).map_err(|_| Status::invalid_argument(format!("{field} must be a UUID")))
}

fn optional_uuid(field: &str, value: &str) -> Result<Option<Uuid>, Status> {
    match value {
        "" => Ok(None),
        given => uuid(field, given).map(Some),
    }
}

fn time(field: &str, value: Option<Timestamp>) -> Result<DateTime<Utc>, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("{field} is required")))?;
    u32::try_from(value.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(value.seconds, nanos))
        .ok_or_else(|| Status::invalid_argument(format!("{field} is not a valid timestamp")))
}

fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

fn place(status: &str) -> Result<Place, Status> {
    serde_json::from_value(serde_json::Value::String(status.to_owned()))
        .map_err(|_| Status::invalid_argument("status is not one of the codes it takes"))
}

/// The audit's record of `caller` reading through `function`.
fn reader<'a>(
    caller: &'a Caller,
    metadata: &tonic::metadata::MetadataMap,
    function: &'static str,
) -> servicekit::Reader<'a> {
    servicekit::Reader {
        caller,
        correlation_id: identity::correlation_id(metadata),
        function,
    }
}

/// A session as the API shows it.
fn session(found: Found) -> pb::Session {
    let session_id = found.session_id.to_string();
    let scheduled = found.scheduled;
    pb::Session {
        register: found
            .register
            .iter()
            .map(|(referral_id, (status, source, at))| pb::Attendance {
                session_id: session_id.clone(),
                referral_id: referral_id.to_string(),
                status: status.code().to_owned(),
                source: source.code().to_owned(),
                at: Some(timestamp(*at)),
            })
            .collect(),
        session_id,
        service_id: scheduled.service_id.to_string(),
        organisation_id: scheduled.organisation_id,
        starts_at: Some(timestamp(scheduled.starts_at)),
        ends_at: Some(timestamp(scheduled.ends_at)),
        title: scheduled.title,
    }
}

/// A lapse as the API shows it.
fn lapse(lapse: Lapse) -> pb::Lapse {
    let (resumed_at, resumed_because) = match lapse.resumed {
        Some((at, because)) => (Some(timestamp(at)), because),
        None => (None, String::new()),
    };
    pb::Lapse {
        rule: lapse.rule,
        evidence: lapse.evidence,
        lapsed_at: Some(timestamp(lapse.lapsed_at)),
        resumed_at,
        resumed_because,
    }
}

/// The place an event records.
fn recorded(event: &Event) -> Option<pb::Attendance> {
    let shown = |session_id: &Uuid, referral_id: &Uuid, status: &str, source: &str, at| {
        Some(pb::Attendance {
            session_id: session_id.to_string(),
            referral_id: referral_id.to_string(),
            status: status.to_owned(),
            source: source.to_owned(),
            at: Some(timestamp(at)),
        })
    };
    match event {
        Event::SessionAttended {
            session_id,
            person,
            source,
            at,
            ..
        } => shown(
            session_id,
            &person.referral_id,
            "attended",
            source.code(),
            *at,
        ),
        Event::SessionMissed {
            session_id,
            person,
            status,
            source,
            at,
            ..
        } => shown(
            session_id,
            &person.referral_id,
            status.code(),
            source.code(),
            *at,
        ),
        Event::SessionScheduled { .. } => None,
    }
}

#[tonic::async_trait]
impl EngagementService for EngagementGrpc {
    async fn schedule_session(
        &self,
        request: Request<pb::ScheduleSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let message = request.get_ref();
        let session_id =
            optional_uuid("session_id", &message.session_id)?.unwrap_or_else(Uuid::now_v7);
        let service_id = uuid("service_id", &message.service_id)?;
        let starts_at = time("starts_at", message.starts_at)?;
        let ends_at = time("ends_at", message.ends_at)?;
        let context = Context {
            caller: &caller,
            on_behalf_of: OnBehalfOf::of_grpc(request.metadata()),
        };
        let title = message.title.trim().to_owned();
        let found = self
            .app
            .schedule(
                session_id,
                service_id,
                (starts_at, ends_at),
                title,
                &context,
            )
            .await?;
        Ok(Response::new(session(found)))
    }

    async fn record_attendance(
        &self,
        request: Request<pb::RecordAttendanceRequest>,
    ) -> Result<Response<pb::Attendance>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let message = request.get_ref();
        let session_id = uuid("session_id", &message.session_id)?;
        let referral_id = uuid("referral_id", &message.referral_id)?;
        let status = place(&message.status)?;
        let context = Context {
            caller: &caller,
            on_behalf_of: OnBehalfOf::of_grpc(request.metadata()),
        };
        let events = self
            .app
            .record(session_id, referral_id, status, &context)
            .await?;
        if let Some(shown) = events.first().and_then(recorded) {
            return Ok(Response::new(shown));
        }
        // The same place again changed nothing: answer with the register as it stands.
        let found = self.app.session(session_id, &caller.organisation).await?;
        let (status, source, at) = found
            .register
            .get(&referral_id)
            .copied()
            .ok_or_else(|| Status::not_found("no place in the register"))?;
        Ok(Response::new(pb::Attendance {
            session_id: session_id.to_string(),
            referral_id: referral_id.to_string(),
            status: status.code().to_owned(),
            source: source.code().to_owned(),
            at: Some(timestamp(at)),
        }))
    }

    async fn issue_check_in(
        &self,
        request: Request<pb::IssueCheckInRequest>,
    ) -> Result<Response<pb::CheckInToken>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let message = request.get_ref();
        let session_id = uuid("session_id", &message.session_id)?;
        let referral_id = optional_uuid("referral_id", &message.referral_id)?;
        let claims = self
            .app
            .issue(session_id, referral_id, &caller.organisation)
            .await?;
        Ok(Response::new(pb::CheckInToken {
            token: self.app.sign(&claims),
            expires_at: Some(timestamp(claims.expires_at)),
        }))
    }

    async fn check_in(
        &self,
        request: Request<pb::CheckInRequest>,
    ) -> Result<Response<pb::Attendance>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let message = request.get_ref();
        let session_id = uuid("session_id", &message.session_id)?;
        let referral_id = optional_uuid("referral_id", &message.referral_id)?;
        let context = Context {
            caller: &caller,
            on_behalf_of: OnBehalfOf::of_grpc(request.metadata()),
        };
        let events = self
            .app
            .check_in(session_id, &message.token, referral_id, &context)
            .await?;
        // A check-in always records an attendance, or is refused.
        let shown = events.first().and_then(recorded);
        shown
            .map(Response::new)
            .ok_or_else(|| Status::internal("internal error"))
    }

    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let session_id = uuid("session_id", &request.get_ref().session_id)?;
        let found = self.app.session(session_id, &caller.organisation).await?;
        // The register names the people taken on: a read of personal data.
        let reader = reader(&caller, request.metadata(), "engagement.GetSession");
        let record = format!("session/{session_id}/register");
        reader.record(self.app.store(), None, record, true).await?;
        Ok(Response::new(session(found)))
    }

    async fn list_lapses(
        &self,
        request: Request<pb::ListLapsesRequest>,
    ) -> Result<Response<pb::ListLapsesResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let referral_id = uuid("referral_id", &request.get_ref().referral_id)?;
        let (referral, lapses) = self.app.lapses(referral_id, &caller.organisation).await?;
        let reader = reader(&caller, request.metadata(), "engagement.ListLapses");
        let record = format!("referral/{referral_id}/lapses");
        reader
            .record(self.app.store(), Some(referral.subject), record, true)
            .await?;
        Ok(Response::new(pb::ListLapsesResponse {
            lapses: lapses.into_iter().map(lapse).collect(),
        }))
    }

    async fn record_evidence(
        &self,
        request: Request<pb::RecordEvidenceRequest>,
    ) -> Result<Response<pb::RecordEvidenceResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let summaries = evidence::summaries(request.get_ref())?;
        let context = Context {
            caller: &caller,
            on_behalf_of: OnBehalfOf::of_grpc(request.metadata()),
        };
        let recorded = self.app.record_evidence(summaries, &context).await?;
        Ok(Response::new(pb::RecordEvidenceResponse {
            recorded: recorded
                .into_iter()
                .map(|(summary, now)| pb::RecordedEvidence {
                    source_id: summary.provenance.source_id,
                    recorded_now: now,
                })
                .collect(),
        }))
    }

    async fn get_timeline(
        &self,
        request: Request<pb::GetTimelineRequest>,
    ) -> Result<Response<pb::Timeline>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let message = request.get_ref();
        let referral_id = uuid("referral_id", &message.referral_id)?;
        let as_of = match message.as_of {
            Some(_) => time("as_of", message.as_of)?,
            None => Utc::now(),
        };
        let (referral, timeline) = self
            .app
            .timeline(referral_id, &caller.organisation, as_of)
            .await?;
        let reader = reader(&caller, request.metadata(), "engagement.GetTimeline");
        let record = format!("referral/{referral_id}/timeline");
        reader
            .record(self.app.store(), Some(referral.subject), record, true)
            .await?;
        let valid = self.app.valid_coverage_percent();
        Ok(Response::new(evidence::timeline(
            &referral_id.to_string(),
            as_of,
            &timeline,
            valid,
        )))
    }
}
