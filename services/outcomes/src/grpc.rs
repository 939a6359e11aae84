//! The gRPC adapter: proto ↔ application, nothing else. Requests, already held to the limits
//! their protos declare and to the roles their RPCs admit, are parsed (a value the domain's
//! types refuse is INVALID_ARGUMENT naming the field), run through the application layer, and
//! errors mapped once (`status.rs`). Every read of a person's outcomes is recorded in the audit
//! of reads before it is answered.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use prost_types::Timestamp;
use proto::outcomes::v1 as pb;
use proto::outcomes::v1::outcomes_service_server::OutcomesService;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use identity::Caller;

use crate::app::{Context, NewResponse, OutcomesApp};
use crate::domain::events::{Answer, Outcome};

/// How far ahead of the service's clock an `authored` time may be: a device's clock a little
/// fast is not an error; a response from next week is.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// The outcomes service's gRPC implementation.
#[derive(Debug, Clone)]
pub struct OutcomesGrpc {
    app: OutcomesApp,
    rescore: Arc<Notify>,
}

impl OutcomesGrpc {
    /// Serves `app`, waking `rescore` when another value set is put in force.
    pub fn new(app: OutcomesApp, rescore: Arc<Notify>) -> Self {
        Self { app, rescore }
    }
}

fn uuid(field: &str, value: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(value).map_err(|_| Status::invalid_argument(format!("{field} must be a UUID")))
}

fn time(field: &str, value: Option<Timestamp>) -> Result<Option<DateTime<Utc>>, Status> {
    value
        .map(|value| {
            u32::try_from(value.nanos)
                .ok()
                .and_then(|nanos| DateTime::from_timestamp(value.seconds, nanos))
                .ok_or_else(|| {
                    Status::invalid_argument(format!("{field} is not a valid timestamp"))
                })
        })
        .transpose()
}

fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// An outcome as the API shows it.
pub fn outcome(outcome: &Outcome) -> pb::Outcome {
    pb::Outcome {
        response_id: outcome.response_id.to_string(),
        referral_id: outcome.referral_id.to_string(),
        subject: outcome.subject.clone(),
        instrument: outcome.instrument.clone(),
        instrument_version: outcome.instrument_version.clone(),
        authored: Some(timestamp(outcome.authored)),
        timepoint: outcome.timepoint.clone(),
        scores: outcome
            .scores
            .iter()
            .map(|score| pb::Score {
                code: score.code.clone(),
                value: score.value.clone(),
                band: score.band.clone(),
            })
            .collect(),
        utility: outcome.utility.as_ref().map(|utility| pb::Utility {
            value: utility.value.clone(),
            value_set: utility.value_set.clone(),
            value_set_version: utility.value_set_version.clone(),
            scale: utility.scale.clone(),
            state: utility.state.clone(),
        }),
        changes: outcome
            .changes
            .iter()
            .map(|change| pb::Change {
                code: change.code.clone(),
                delta: change.delta.clone(),
                mid: change.mid.clone(),
                verdict: change.verdict.clone(),
            })
            .collect(),
        baseline_response_id: outcome
            .baseline_response_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        derivation: outcome.derivation,
        derived_at: Some(timestamp(outcome.at)),
        mid_passed: outcome.mid_passed,
        follow_up: outcome.follow_up.unwrap_or(0),
    }
}

/// An instrument as the API shows it.
pub fn instrument(instrument: &measures::Instrument) -> pb::Instrument {
    let definition = instrument.definition();
    pb::Instrument {
        id: definition.id.clone(),
        version: definition.version.to_string(),
        title: definition.title.clone(),
        url: definition.url.clone(),
        source: definition.source.citation.clone(),
        licence: definition.licence.clone(),
        items: definition
            .items
            .iter()
            .map(|item| {
                let (answer_type, minimum, maximum, options) = match &item.answer {
                    measures::AnswerType::Integer { min, max } => (
                        "integer",
                        i32::try_from(*min).unwrap_or(i32::MIN),
                        i32::try_from(*max).unwrap_or(i32::MAX),
                        Vec::new(),
                    ),
                    measures::AnswerType::Choice { options } => (
                        "choice",
                        0,
                        0,
                        options
                            .iter()
                            .map(|option| pb::Option {
                                code: option.code.clone(),
                                display: option.display.clone(),
                            })
                            .collect(),
                    ),
                };
                pb::Item {
                    link_id: item.link_id.clone(),
                    text: item.text.clone(),
                    required: item.required,
                    answer_type: answer_type.to_owned(),
                    minimum,
                    maximum,
                    options,
                }
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl OutcomesService for OutcomesGrpc {
    async fn list_instruments(
        &self,
        _request: Request<pb::ListInstrumentsRequest>,
    ) -> Result<Response<pb::ListInstrumentsResponse>, Status> {
        let data = self.app.library().current().await?;
        let mut latest: Vec<&measures::Instrument> = Vec::new();
        for candidate in data.catalogue.instruments() {
            if latest.iter().any(|kept| kept.id() == candidate.id()) {
                continue;
            }
            if let Some(newest) = data.catalogue.latest_instrument(candidate.id()) {
                latest.push(newest);
            }
        }
        Ok(Response::new(pb::ListInstrumentsResponse {
            instruments: latest.into_iter().map(instrument).collect(),
        }))
    }

    async fn publish_instrument(
        &self,
        request: Request<pb::PublishInstrumentRequest>,
    ) -> Result<Response<pb::Instrument>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let context = Context::of(&caller, identity::correlation_id(request.metadata()));
        let published = self
            .app
            .publish_instrument(&request.get_ref().definition, &context)
            .await?;
        // A new version of an instrument already answered derives its responses again.
        self.rescore.notify_one();
        Ok(Response::new(instrument(&published)))
    }

    async fn record_response(
        &self,
        request: Request<pb::RecordResponseRequest>,
    ) -> Result<Response<pb::RecordResponseResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let context = Context::of(&caller, identity::correlation_id(request.metadata()));
        let message = request.into_inner();
        let authored = time("authored", message.authored)?
            .ok_or_else(|| Status::invalid_argument("authored is required"))?;
        if authored > Utc::now() + CLOCK_SKEW {
            return Err(Status::invalid_argument("authored is in the future"));
        }
        let response_id = match message.response_id.as_str() {
            "" => Uuid::now_v7(),
            chosen => uuid("response_id", chosen)?,
        };
        let answers = message
            .answers
            .into_iter()
            .map(|answer| Answer {
                link_id: answer.link_id.trim().to_owned(),
                integer: answer.integer,
                code: answer.code.trim().to_owned(),
            })
            .collect();
        let response = NewResponse {
            referral_id: uuid("referral_id", &message.referral_id)?,
            response_id,
            instrument: message.instrument.trim().to_owned(),
            instrument_version: Some(message.instrument_version.trim().to_owned())
                .filter(|version| !version.is_empty()),
            authored,
            answers,
        };
        let (recorded, _) = self.app.record(response, &context).await?;
        Ok(Response::new(pb::RecordResponseResponse {
            response_id: recorded.response_id.to_string(),
            outcome: Some(outcome(&recorded)),
        }))
    }

    async fn list_outcomes(
        &self,
        request: Request<pb::ListOutcomesRequest>,
    ) -> Result<Response<pb::ListOutcomesResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let reader = servicekit::Reader {
            caller: &caller,
            correlation_id: identity::correlation_id(request.metadata()),
            function: "outcomes.ListOutcomes",
        };
        let message = request.get_ref();
        let referral_id = uuid("referral_id", &message.referral_id)?;
        let as_of = time("as_of", message.as_of)?.unwrap_or_else(Utc::now);
        let referral = self
            .app
            .referral_for(referral_id, &caller.organisation)
            .await?;
        let record = format!("referral/{referral_id}/outcomes");
        let allowed = referral.shows_outcomes_to(&caller.organisation);
        reader
            .record(
                self.app.store(),
                Some(referral.subject.clone()),
                record,
                allowed,
            )
            .await?;
        if !allowed {
            return Err(Status::permission_denied(
                "the person has not consented to their outcomes reaching the referrer",
            ));
        }
        let outcomes = self.app.outcomes_as_of(referral_id, as_of).await?;
        Ok(Response::new(pb::ListOutcomesResponse {
            outcomes: outcomes.iter().map(outcome).collect(),
        }))
    }

    async fn list_value_sets(
        &self,
        _request: Request<pb::ListValueSetsRequest>,
    ) -> Result<Response<pb::ListValueSetsResponse>, Status> {
        let data = self.app.library().current().await?;
        let in_force = data
            .in_force()
            .map(|value_set| value_set.reference().clone());
        let value_sets = data
            .catalogue
            .value_sets()
            .map(|value_set| value_set_of(value_set, in_force.as_ref()))
            .collect();
        Ok(Response::new(pb::ListValueSetsResponse { value_sets }))
    }

    async fn select_value_set(
        &self,
        request: Request<pb::SelectValueSetRequest>,
    ) -> Result<Response<pb::SelectValueSetResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let context = Context::of(&caller, identity::correlation_id(request.metadata()));
        let message = request.get_ref();
        let version = Some(message.version.trim()).filter(|version| !version.is_empty());
        let (id, version) = self
            .app
            .select_value_set(message.value_set.trim(), version, &context)
            .await?;
        self.rescore.notify_one();
        let data = self.app.library().current().await?;
        let selected = data
            .catalogue
            .value_set(&id, &version)
            .map(|value_set| value_set_of(value_set, Some(value_set.reference())));
        Ok(Response::new(pb::SelectValueSetResponse { selected }))
    }
}

fn value_set_of(
    value_set: &measures::ValueSet,
    in_force: Option<&measures::Reference>,
) -> pb::ValueSet {
    let definition = value_set.definition();
    pb::ValueSet {
        id: definition.id.clone(),
        version: definition.version.to_string(),
        title: definition.title.clone(),
        source: definition.source.citation.clone(),
        dated: definition.effective.as_str().to_owned(),
        in_force: in_force == Some(value_set.reference()),
    }
}
