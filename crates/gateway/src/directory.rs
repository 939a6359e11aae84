//! The directory under `/api/v1`: the link worker's search, a service and its history, and the
//! curator's commands. Each handler maps its JSON ([`requests`]) onto one directory RPC and its
//! answer back ([`answers`]); registrations answer 201, a listed service with a `Location`.

mod answers;
mod details;
mod requests;
mod search;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proto::directory::v1 as pb;

use crate::error::ApiError;
use crate::extract::{Body, Params, QueryParams, Reason};
use crate::upstream::{Caller, Upstream, answer};
use crate::{Api, Gateway, Verb};

const DIRECTORY: Upstream = Upstream::Directory;

/// Adds the directory's routes.
pub(crate) fn routes(api: Api) -> Api {
    use Verb::{Get, Post, Put};
    api.add(Get, "/api/v1/services", search_services)
        .add(Post, "/api/v1/services", list_service)
        .add(Get, "/api/v1/services/{service_id}", get_service)
        .add(Put, "/api/v1/services/{service_id}", update_service)
        .add(Get, "/api/v1/services/{service_id}/history", history)
        .add(
            Post,
            "/api/v1/services/{service_id}/locations",
            add_location,
        )
        .add(Put, "/api/v1/services/{service_id}/capacity", set_capacity)
        .add(Post, "/api/v1/services/{service_id}/suspend", suspend)
        .add(Post, "/api/v1/services/{service_id}/reinstate", reinstate)
        .add(Post, "/api/v1/services/{service_id}/withdraw", withdraw)
        .add(Post, "/api/v1/services/{service_id}/verify", verify)
        .add(Post, "/api/v1/organizations", register_organization)
        .add(Post, "/api/v1/locations", register_location)
        .add(Post, "/api/v1/taxonomies", register_taxonomy)
        .add(Post, "/api/v1/taxonomy_terms", register_taxonomy_term)
}

type Answer<T> = Result<Json<T>, ApiError>;
type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

fn created<T>(body: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(body))
}

async fn search_services(
    State(gateway): State<Gateway>,
    caller: Caller,
    params: QueryParams,
) -> Answer<answers::SearchPage> {
    let request = search::request(&params)?;
    let mut client = gateway.directory;
    let found = answer(DIRECTORY, client.search(caller.request(request)))
        .await
        .map_err(search::renamed)?;
    Ok(Json(found.into()))
}

async fn get_service(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
) -> Answer<answers::Service> {
    let mut client = gateway.directory;
    let request = caller.request(pb::GetServiceRequest { service_id });
    let found = answer(DIRECTORY, client.get_service(request)).await?;
    let service = found
        .service
        .ok_or_else(|| ApiError::not_found("no such service"))?;
    Ok(Json(service.into()))
}

async fn history(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
) -> Answer<answers::History> {
    let mut client = gateway.directory;
    let request = caller.request(pb::ServiceHistoryRequest { service_id });
    let history = answer(DIRECTORY, client.service_history(request)).await?;
    Ok(Json(history.into()))
}

async fn list_service(
    State(gateway): State<Gateway>,
    caller: Caller,
    Body(body): Body<requests::NewService>,
) -> Result<Response, ApiError> {
    let mut client = gateway.directory;
    let request = caller.request(pb::ListServiceRequest {
        service_id: body.service_id,
        organisation_id: body.organisation_id,
        details: body.details.map(Into::into),
    });
    let listed = answer(DIRECTORY, client.list_service(request)).await?;
    let location = HeaderValue::try_from(format!("/api/v1/services/{}", listed.service_id)).ok();
    let mut response = created(answers::ServiceChanged::from(listed)).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn update_service(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
    Body(body): Body<requests::ServiceUpdate>,
) -> Answer<answers::ServiceChanged> {
    let mut client = gateway.directory;
    let request = caller.request(pb::UpdateServiceRequest {
        service_id,
        details: body.details.map(Into::into),
    });
    Ok(Json(
        answer(DIRECTORY, client.update_service(request))
            .await?
            .into(),
    ))
}

async fn add_location(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
    Body(body): Body<requests::NewServiceLocation>,
) -> Created<answers::ServiceLocationAdded> {
    let mut client = gateway.directory;
    let request = caller.request(pb::AddServiceLocationRequest {
        service_id,
        service_at_location_id: body.service_at_location_id,
        location_id: body.location_id,
    });
    let added = answer(DIRECTORY, client.add_service_location(request)).await?;
    Ok(created(added.into()))
}

async fn set_capacity(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
    Body(body): Body<requests::SetCapacity>,
) -> Answer<answers::ServiceChanged> {
    let mut client = gateway.directory;
    let request = caller.request(pb::SetCapacityRequest {
        service_id,
        capacity: body.capacity.map(Into::into),
    });
    Ok(Json(
        answer(DIRECTORY, client.set_capacity(request))
            .await?
            .into(),
    ))
}

async fn suspend(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
    Body(body): Body<Reason>,
) -> Answer<answers::ServiceChanged> {
    let mut client = gateway.directory;
    let request = caller.request(pb::SuspendServiceRequest {
        service_id,
        reason: body.reason,
    });
    Ok(Json(
        answer(DIRECTORY, client.suspend_service(request))
            .await?
            .into(),
    ))
}

async fn reinstate(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
) -> Answer<answers::ServiceChanged> {
    let mut client = gateway.directory;
    let request = caller.request(pb::ReinstateServiceRequest { service_id });
    Ok(Json(
        answer(DIRECTORY, client.reinstate_service(request))
            .await?
            .into(),
    ))
}

async fn withdraw(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
    Body(body): Body<Reason>,
) -> Answer<answers::ServiceChanged> {
    let mut client = gateway.directory;
    let request = caller.request(pb::WithdrawServiceRequest {
        service_id,
        reason: body.reason,
    });
    Ok(Json(
        answer(DIRECTORY, client.withdraw_service(request))
            .await?
            .into(),
    ))
}

async fn verify(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(service_id): Params<String>,
    Body(body): Body<requests::Verification>,
) -> Answer<answers::ServiceChanged> {
    let mut client = gateway.directory;
    let request = caller.request(pb::VerifyServiceRequest {
        service_id,
        assurer: body.assurer,
    });
    Ok(Json(
        answer(DIRECTORY, client.verify_service(request))
            .await?
            .into(),
    ))
}

async fn register_organization(
    State(gateway): State<Gateway>,
    caller: Caller,
    Body(body): Body<requests::NewOrganization>,
) -> Created<answers::Recorded> {
    let mut client = gateway.directory;
    let request = caller.request(pb::RegisterOrganizationRequest {
        organization_id: body.organization_id,
        name: body.name,
        description: body.description,
        email: body.email,
        website: body.website,
        legal_status: body.legal_status,
    });
    let recorded = answer(DIRECTORY, client.register_organization(request)).await?;
    Ok(created(recorded.into()))
}

async fn register_location(
    State(gateway): State<Gateway>,
    caller: Caller,
    Body(body): Body<requests::NewLocation>,
) -> Created<answers::Located> {
    let mut client = gateway.directory;
    let request = caller.request(pb::RegisterLocationRequest {
        location_id: body.location_id,
        name: body.name,
        description: body.description,
        address: body.address.map(Into::into),
        latitude: body.latitude,
        longitude: body.longitude,
    });
    let located = answer(DIRECTORY, client.register_location(request)).await?;
    Ok(created(located.into()))
}

async fn register_taxonomy(
    State(gateway): State<Gateway>,
    caller: Caller,
    Body(body): Body<requests::NewTaxonomy>,
) -> Created<answers::Recorded> {
    let mut client = gateway.directory;
    let request = caller.request(pb::RegisterTaxonomyRequest {
        taxonomy_id: body.taxonomy_id,
        name: body.name,
        description: body.description,
        uri: body.uri,
        version: body.version,
    });
    let recorded = answer(DIRECTORY, client.register_taxonomy(request)).await?;
    Ok(created(recorded.into()))
}

async fn register_taxonomy_term(
    State(gateway): State<Gateway>,
    caller: Caller,
    Body(body): Body<requests::NewTaxonomyTerm>,
) -> Created<answers::Recorded> {
    let mut client = gateway.directory;
    let request = caller.request(pb::RegisterTaxonomyTermRequest {
        taxonomy_term_id: body.taxonomy_term_id,
        taxonomy_id: body.taxonomy_id,
        code: body.code,
        name: body.name,
        description: body.description,
        parent_id: body.parent_id,
    });
    let recorded = answer(DIRECTORY, client.register_taxonomy_term(request)).await?;
    Ok(created(recorded.into()))
}
