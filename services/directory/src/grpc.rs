//! The gRPC adapter: proto ↔ domain, nothing else. Requests, already held to the limits their
//! protos declare, are parsed into commands and queries (`request`), run through the
//! application layer or answered from the live index (`response`), and errors mapped once
//! (`status.rs`).
//!
//! Read-your-writes: every command waits, before it answers, until the live index has folded
//! in the position its append returned, so a GetService or Search the caller sends next sees
//! the change. The wait is bounded; see [`INDEX_WAIT`].

mod request;
mod response;

use std::time::Duration;

use chrono::Utc;
use eventstore::Position;
use eventstore::aggregate::Handled;
use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_server::{DirectoryService, DirectoryServiceServer};
use tonic::{Request, Response, Status};

use crate::app::{self, Context, DirectoryApp, Referencing};
use crate::authority::Owned;
use crate::config::DirectorySettings;
use crate::domain::entry::{EntryCommand, Record, Recorded};
use crate::domain::geo::Point;
use crate::domain::postcode::Postcode;
use crate::domain::service::{Command, Event};
use crate::postcodes::PostcodeDirectory;
use crate::projections::index::{LiveIndex, Near};
use request::Place;

/// How long a command waits for the index to show its own write. Folding takes microseconds
/// once the tailer wakes; seconds mean the database or the tailer is in trouble, and the caller
/// hears so (DEADLINE_EXCEEDED, the change recorded all the same) rather than hanging.
pub const INDEX_WAIT: Duration = Duration::from_secs(5);

/// The directory service's gRPC implementation.
#[derive(Debug, Clone)]
pub struct DirectoryGrpc {
    /// Runs commands against the log.
    app: DirectoryApp,
    /// Answers GetService and Search; commands wait on it for their own writes.
    index: LiveIndex,
    /// Turns a searcher's postcode into a point.
    postcodes: PostcodeDirectory,
    /// The deployment's settings.
    settings: DirectorySettings,
}

impl DirectoryGrpc {
    /// Serves `app`'s directory, answering reads from `index` (kept current from the same log).
    pub fn new(
        app: DirectoryApp,
        index: LiveIndex,
        postcodes: PostcodeDirectory,
        settings: DirectorySettings,
    ) -> Self {
        Self {
            app,
            index,
            postcodes,
            settings,
        }
    }

    /// The tonic service.
    pub fn into_server(self) -> DirectoryServiceServer<Self> {
        DirectoryServiceServer::new(self)
    }

    /// The caller's context for the events a request causes; UNAUTHENTICATED without one.
    fn context<T>(&self, request: &Request<T>) -> Result<Context, Status> {
        let caller = identity::Caller::of_grpc(request.extensions())?;
        Ok(Context {
            actor: eventstore::Actor {
                id: caller.user,
                organisation: caller.organisation,
                role: caller.role,
            },
            correlation_id: identity::correlation_id(request.metadata()),
            tenant: self.settings.tenant.clone(),
        })
    }

    /// Waits until the index has folded in `position` (nothing to wait for when the command
    /// changed nothing).
    async fn settle(&self, position: Option<Position>) -> Result<(), Status> {
        let Some(position) = position else {
            return Ok(());
        };
        self.index
            .wait_for(position, INDEX_WAIT)
            .await
            .map_err(|error| {
                tracing::warn!(error = %eventstore::error_chain(&error), "read-your-writes wait timed out");
                Status::deadline_exceeded(
                    "the change was recorded, but the directory index did not catch up in time: \
                     searches may not show it yet",
                )
            })
    }

    /// Registers or updates record `id` and waits for the index to show it.
    async fn record<R: Record + Referencing + Owned>(
        &self,
        id: String,
        command: EntryCommand<R>,
        context: &Context,
    ) -> Result<(String, Vec<String>), Status> {
        self.app
            .authorise_record(&context.actor, &id, &command)
            .await?;
        let Handled { events, position } = self.app.record(&id, command, context).await?;
        self.settle(position).await?;
        Ok((id, record_types(&events)))
    }

    /// Runs `command` on service `service_id` now and waits for the index to show it.
    async fn command(
        &self,
        context: &Context,
        service_id: &str,
        command: Command,
    ) -> Result<pb::ServiceCommandResponse, Status> {
        self.app
            .authorise_service(&context.actor, service_id, &command)
            .await?;
        let Handled { events, position } = self
            .app
            .handle_at(service_id, command, Utc::now(), context)
            .await?;
        self.settle(position).await?;
        Ok(pb::ServiceCommandResponse {
            service_id: service_id.to_owned(),
            event_types: event_types(&events),
            service: self.current(service_id),
        })
    }

    /// A service as the index now has it.
    fn current(&self, service_id: &str) -> Option<pb::Service> {
        let index = self.index.read();
        let entry = index.service(service_id)?;
        Some(response::service(&index, entry, Utc::now()))
    }

    /// The location as the index now has it, as a command's answer.
    fn located(&self, location_id: String, event_types: Vec<String>) -> pb::LocationResponse {
        let index = self.index.read();
        let location = index
            .location(&location_id)
            .map(|recorded| &recorded.record);
        pb::LocationResponse {
            latitude: location.and_then(|l| l.latitude),
            longitude: location.and_then(|l| l.longitude),
            postal_code: location
                .and_then(|l| l.address.as_ref())
                .map(|a| a.postal_code.clone())
                .unwrap_or_default(),
            location_id,
            event_types,
        }
    }

    /// Where a search is from, as a point: a postcode must be one the centroid table knows.
    async fn locate(&self, place: Option<Place>) -> Result<Option<Point>, Status> {
        match place {
            None => Ok(None),
            Some(Place::Point(point)) => Ok(Some(point)),
            Some(Place::Postcode(postcode)) => match self.postcodes.locate(&postcode).await? {
                Some(point) => Ok(Some(point)),
                None => Err(Status::invalid_argument("postcode: not a known postcode")),
            },
        }
    }
}

fn event_types(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|event| event.event_type().to_owned())
        .collect()
}

fn recorded((id, event_types): (String, Vec<String>)) -> Response<pb::RecordResponse> {
    Response::new(pb::RecordResponse { id, event_types })
}

/// The stored types of a record's events.
fn record_types<R: Record>(events: &[Recorded<R>]) -> Vec<String> {
    events.iter().map(|_| R::RECORDED.to_owned()).collect()
}

#[tonic::async_trait]
impl DirectoryService for DirectoryGrpc {
    async fn register_organization(
        &self,
        request: Request<pb::RegisterOrganizationRequest>,
    ) -> Result<Response<pb::RecordResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let id = request::new_id("organization_id", &body.organization_id)?;
        let organization = request::organization(
            &body.name,
            &body.description,
            &body.email,
            &body.website,
            &body.legal_status,
        )?;
        let command = EntryCommand::Register(organization);
        Ok(recorded(self.record(id, command, &context).await?))
    }

    async fn update_organization(
        &self,
        request: Request<pb::UpdateOrganizationRequest>,
    ) -> Result<Response<pb::RecordResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let id = request::id("organization_id", &body.organization_id)?;
        let organization = request::organization(
            &body.name,
            &body.description,
            &body.email,
            &body.website,
            &body.legal_status,
        )?;
        let command = EntryCommand::Update(organization);
        Ok(recorded(self.record(id, command, &context).await?))
    }

    async fn register_location(
        &self,
        request: Request<pb::RegisterLocationRequest>,
    ) -> Result<Response<pb::LocationResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let id = request::new_id("location_id", &body.location_id)?;
        let location = request::location(
            &body.name,
            &body.description,
            body.address,
            body.latitude,
            body.longitude,
        )?;
        let command = EntryCommand::Register(location);
        let (id, event_types) = self.record(id, command, &context).await?;
        Ok(Response::new(self.located(id, event_types)))
    }

    async fn update_location(
        &self,
        request: Request<pb::UpdateLocationRequest>,
    ) -> Result<Response<pb::LocationResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let id = request::id("location_id", &body.location_id)?;
        let location = request::location(
            &body.name,
            &body.description,
            body.address,
            body.latitude,
            body.longitude,
        )?;
        let command = EntryCommand::Update(location);
        let (id, event_types) = self.record(id, command, &context).await?;
        Ok(Response::new(self.located(id, event_types)))
    }

    async fn register_taxonomy(
        &self,
        request: Request<pb::RegisterTaxonomyRequest>,
    ) -> Result<Response<pb::RecordResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let id = request::new_id("taxonomy_id", &body.taxonomy_id)?;
        let command = EntryCommand::Register(request::taxonomy(&body)?);
        Ok(recorded(self.record(id, command, &context).await?))
    }

    async fn register_taxonomy_term(
        &self,
        request: Request<pb::RegisterTaxonomyTermRequest>,
    ) -> Result<Response<pb::RecordResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let id = request::new_id("taxonomy_term_id", &body.taxonomy_term_id)?;
        let command = EntryCommand::Register(request::term(&body)?);
        Ok(recorded(self.record(id, command, &context).await?))
    }

    async fn list_service(
        &self,
        request: Request<pb::ListServiceRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::new_id("service_id", &body.service_id)?;
        let command = Command::List {
            organisation_id: request::id("organisation_id", &body.organisation_id)?,
            details: request::details(body.details)?,
        };
        let answer = self.command(&context, &service_id, command).await?;
        Ok(Response::new(answer))
    }

    async fn update_service(
        &self,
        request: Request<pb::UpdateServiceRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let details = request::details(body.details)?;
        let answer = self
            .command(&context, &service_id, Command::Update { details })
            .await?;
        Ok(Response::new(answer))
    }

    async fn add_service_location(
        &self,
        request: Request<pb::AddServiceLocationRequest>,
    ) -> Result<Response<pb::AddServiceLocationResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let link = request::new_id("service_at_location_id", &body.service_at_location_id)?;
        let command = Command::AddLocation {
            service_at_location_id: link.clone(),
            location_id: request::id("location_id", &body.location_id)?,
        };
        let answer = self.command(&context, &service_id, command).await?;
        Ok(Response::new(pb::AddServiceLocationResponse {
            service_at_location_id: link,
            event_types: answer.event_types,
            service: answer.service,
        }))
    }

    async fn remove_service_location(
        &self,
        request: Request<pb::RemoveServiceLocationRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let command = Command::RemoveLocation {
            service_at_location_id: request::id(
                "service_at_location_id",
                &body.service_at_location_id,
            )?,
        };
        let answer = self.command(&context, &service_id, command).await?;
        Ok(Response::new(answer))
    }

    async fn set_capacity(
        &self,
        request: Request<pb::SetCapacityRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let command = Command::SetCapacity(request::capacity(body.capacity)?);
        let answer = self.command(&context, &service_id, command).await?;
        Ok(Response::new(answer))
    }

    async fn suspend_service(
        &self,
        request: Request<pb::SuspendServiceRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let reason = request::reason(&body.reason);
        let answer = self
            .command(&context, &service_id, Command::Suspend { reason })
            .await?;
        Ok(Response::new(answer))
    }

    async fn reinstate_service(
        &self,
        request: Request<pb::ReinstateServiceRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let service_id = request::id("service_id", &request.get_ref().service_id)?;
        let answer = self
            .command(&context, &service_id, Command::Reinstate)
            .await?;
        Ok(Response::new(answer))
    }

    async fn withdraw_service(
        &self,
        request: Request<pb::WithdrawServiceRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let reason = request::reason(&body.reason);
        let answer = self
            .command(&context, &service_id, Command::Withdraw { reason })
            .await?;
        Ok(Response::new(answer))
    }

    async fn verify_service(
        &self,
        request: Request<pb::VerifyServiceRequest>,
    ) -> Result<Response<pb::ServiceCommandResponse>, Status> {
        let context = self.context(&request)?;
        let body = request.into_inner();
        let service_id = request::id("service_id", &body.service_id)?;
        let assurer = request::reason(&body.assurer);
        let answer = self
            .command(&context, &service_id, Command::Verify { assurer })
            .await?;
        Ok(Response::new(answer))
    }

    async fn get_service(
        &self,
        request: Request<pb::GetServiceRequest>,
    ) -> Result<Response<pb::GetServiceResponse>, Status> {
        self.context(&request)?;
        let service_id = request::id("service_id", &request.get_ref().service_id)?;
        let service = self
            .current(&service_id)
            .ok_or_else(|| Status::not_found("no such service"))?;
        Ok(Response::new(pb::GetServiceResponse {
            service: Some(service),
        }))
    }

    async fn service_history(
        &self,
        request: Request<pb::ServiceHistoryRequest>,
    ) -> Result<Response<pb::ServiceHistoryResponse>, Status> {
        self.context(&request)?;
        let service_id = request::id("service_id", &request.get_ref().service_id)?;
        let stream = self
            .app
            .store()
            .load_stream(&app::stream_id(&service_id))
            .await?;
        if stream.is_empty() {
            return Err(Status::not_found("no such service"));
        }
        let events = response::history(&stream)?;
        Ok(Response::new(pb::ServiceHistoryResponse { events }))
    }

    async fn search(
        &self,
        request: Request<pb::SearchRequest>,
    ) -> Result<Response<pb::SearchResponse>, Status> {
        self.context(&request)?;
        let request::Search {
            mut query,
            place,
            within_m,
        } = request::search(request.get_ref())?;
        query.near = self
            .locate(place)
            .await?
            .map(|point| Near { point, within_m });
        let index = self.index.read();
        let results = index.search(&query, Utc::now());
        Ok(Response::new(response::search(
            &index, &results, query.page,
        )))
    }

    async fn get_postcode_area(
        &self,
        request: Request<pb::GetPostcodeAreaRequest>,
    ) -> Result<Response<pb::PostcodeArea>, Status> {
        self.context(&request)?;
        // Someone's postcode, perhaps: refusals never repeat it.
        let postcode = Postcode::parse(&request.get_ref().postcode)
            .map_err(|_| Status::invalid_argument("postcode: not a UK postcode"))?;
        let area = self
            .postcodes
            .area(&postcode)
            .await?
            .ok_or_else(|| Status::not_found("postcode: not a known postcode"))?;
        Ok(Response::new(pb::PostcodeArea {
            imd_decile: area.imd_decile,
        }))
    }
}
