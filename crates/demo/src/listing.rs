//! Putting the region into the directory over its gRPC API, as a curator would: the needs
//! taxonomy, the organisations, the venues, then each service with its venues, capacity, checks
//! and suspensions.
//!
//! Ids are the region's own, so a re-run finds everything already there (ALREADY_EXISTS) and
//! only finishes setting up a service an interrupted run left half done (its history says).

use proto::directory::v1 as pb;
use tonic::Code;

use crate::calls::{Caller, Clients, Written, call, rpc, write};
use crate::error::DemoError;
use crate::personas::{CURATOR, ICB};
use crate::progress::{Progress, Stage, run_stage};
use crate::region::Region;
use crate::report::{Report, Tally};
use crate::services::Service;
use crate::taxonomy::{self, TERMS};
use crate::words::{COUNTY, DISTRICTS};

/// The address the curator's checks are recorded under.
const ASSURER: &str = "directory.team@linbridge-icb.example.org";

/// Loads `region`, counting what it made into `report`.
pub(crate) async fn load(
    clients: &Clients,
    region: &Region,
    report: &mut Report,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), DemoError> {
    let curator = clients.sign_in(CURATOR, ICB, "directory-admin")?;
    report.taxonomy_terms = needs(clients, &curator, progress).await?;
    let organisations =
        region
            .organisations
            .iter()
            .map(|organisation| pb::RegisterOrganizationRequest {
                organization_id: organisation.id.to_string(),
                name: organisation.name.clone(),
                description: organisation.description.clone(),
                email: organisation.email("hello"),
                website: organisation.website(),
                legal_status: organisation.legal_status.to_owned(),
            });
    let curator = &curator;
    run_stage(
        Stage::Organisations,
        organisations.collect(),
        progress,
        |body| async move {
            let step = format!(
                "register organisation {} ({})",
                body.name, body.organization_id
            );
            write(
                &step,
                rpc!(clients.directory, register_organization, curator, body),
            )
            .await
        },
        |written| report.organisations.count(written),
    )
    .await?;
    let locations = region
        .locations
        .iter()
        .map(|location| pb::RegisterLocationRequest {
            location_id: location.id.to_string(),
            name: location.name.clone(),
            description: location.description.to_owned(),
            address: Some(pb::Address {
                address_1: location.address_1.clone(),
                city: DISTRICTS[location.district].to_owned(),
                region: COUNTY.to_owned(),
                postal_code: location.postcode.clone(),
                country: "GB".to_owned(),
                ..pb::Address::default()
            }),
            // Placed at its postcode's centroid, which the instance holds.
            latitude: None,
            longitude: None,
        });
    run_stage(
        Stage::Locations,
        locations.collect(),
        progress,
        |body| async move {
            let step = format!("register location {} ({})", body.name, body.location_id);
            write(
                &step,
                rpc!(clients.directory, register_location, curator, body),
            )
            .await
        },
        |written| report.locations.count(written),
    )
    .await?;
    run_stage(
        Stage::Services,
        region.services.iter().collect(),
        progress,
        |service| set_up(clients, curator, region, service),
        |written| report.services.count(written),
    )
    .await
}

/// The taxonomy, then its terms, broader ones first.
async fn needs(
    clients: &Clients,
    curator: &Caller,
    progress: &mut dyn FnMut(Progress),
) -> Result<Tally, DemoError> {
    let stage = Stage::Taxonomy;
    let total = TERMS.len() as u64;
    progress(Progress {
        stage,
        done: 0,
        total,
    });
    let taxonomy_id = taxonomy::taxonomy_id().to_string();
    let body = pb::RegisterTaxonomyRequest {
        taxonomy_id: taxonomy_id.clone(),
        name: taxonomy::NAME.to_owned(),
        description: "The needs Linbridge's link workers refer people to services for.".to_owned(),
        uri: "https://linbridge-icb.example.org/needs".to_owned(),
        version: "1".to_owned(),
    };
    let step = "register the needs taxonomy";
    write(
        step,
        rpc!(clients.directory, register_taxonomy, curator, body),
    )
    .await?;
    let mut tally = Tally::default();
    for (done, term) in (1..).zip(TERMS.iter()) {
        let body = pb::RegisterTaxonomyTermRequest {
            taxonomy_term_id: taxonomy::term_id(term.code).to_string(),
            taxonomy_id: taxonomy_id.clone(),
            code: term.code.to_owned(),
            name: term.name.to_owned(),
            description: term.description.to_owned(),
            parent_id: term
                .parent
                .map(|parent| taxonomy::term_id(parent).to_string())
                .unwrap_or_default(),
        };
        let step = format!("register need {:?}", term.name);
        tally.count(
            write(
                &step,
                rpc!(clients.directory, register_taxonomy_term, curator, body),
            )
            .await?,
        );
        progress(Progress { stage, done, total });
    }
    Ok(tally)
}

/// Lists `service` and sets it up; for one an earlier run listed, only what is missing.
async fn set_up(
    clients: &Clients,
    curator: &Caller,
    region: &Region,
    service: &Service,
) -> Result<Written, DemoError> {
    let service_id = service.id.to_string();
    let step = |what: &str| format!("service {:?} ({service_id}): {what}", service.details.name);
    let listed = list(clients, curator, region, service, &step).await?;
    for (link, location) in &service.locations {
        let location = &region.locations[*location];
        let body = pb::AddServiceLocationRequest {
            service_id: service_id.clone(),
            service_at_location_id: link.to_string(),
            location_id: location.id.to_string(),
        };
        let step = step(&format!("add location {}", location.name));
        write(
            &step,
            rpc!(clients.directory, add_service_location, curator, body),
        )
        .await?;
    }
    let done = match listed {
        Written::Created => Done::default(),
        Written::Existing => done(clients, curator, &service_id, &step("read its history")).await?,
    };
    if let Some(capacity) = &service.capacity
        && !done.capacity
    {
        let body = pb::SetCapacityRequest {
            service_id: service_id.clone(),
            capacity: Some(capacity.clone()),
        };
        let step = step("set capacity");
        write(&step, rpc!(clients.directory, set_capacity, curator, body)).await?;
    }
    if service.verified && !done.verified {
        let body = pb::VerifyServiceRequest {
            service_id: service_id.clone(),
            assurer: ASSURER.to_owned(),
        };
        let step = step("verify");
        write(
            &step,
            rpc!(clients.directory, verify_service, curator, body),
        )
        .await?;
    }
    if let Some(reason) = service.suspended
        && !done.suspended
    {
        let body = pb::SuspendServiceRequest {
            service_id: service_id.clone(),
            reason: reason.to_owned(),
        };
        let step = step("suspend");
        write(
            &step,
            rpc!(clients.directory, suspend_service, curator, body),
        )
        .await?;
    }
    Ok(listed)
}

/// Lists `service` unless it is listed already: asked first, so a re-run does not send a
/// listing only to have it refused.
async fn list(
    clients: &Clients,
    curator: &Caller,
    region: &Region,
    service: &Service,
    step: &dyn Fn(&str) -> String,
) -> Result<Written, DemoError> {
    let service_id = service.id.to_string();
    let probe = pb::GetServiceRequest {
        service_id: service_id.clone(),
    };
    let found = step("look it up");
    match call(&found, rpc!(clients.directory, get_service, curator, probe)).await {
        Ok(_) => return Ok(Written::Existing),
        Err(DemoError::Refused {
            code: Code::NotFound,
            ..
        }) => {}
        Err(error) => return Err(error),
    }
    let body = pb::ListServiceRequest {
        service_id,
        organisation_id: region.organisations[service.organisation].id.to_string(),
        details: Some(service.details.clone()),
    };
    write(
        &step("list"),
        rpc!(clients.directory, list_service, curator, body),
    )
    .await
}

/// What has been done to a service since it was listed, by anyone: an interrupted run's steps
/// are finished, but a curator's later changes (a new capacity, a reinstatement) never undone.
#[derive(Debug, Default)]
struct Done {
    capacity: bool,
    verified: bool,
    suspended: bool,
}

async fn done(
    clients: &Clients,
    curator: &Caller,
    service_id: &str,
    step: &str,
) -> Result<Done, DemoError> {
    let body = pb::ServiceHistoryRequest {
        service_id: service_id.to_owned(),
    };
    let history = call(
        step,
        rpc!(clients.directory, service_history, curator, body),
    )
    .await?;
    let happened = |kind: &str| history.events.iter().any(|event| event.r#type == kind);
    Ok(Done {
        capacity: happened("service_capacity_changed"),
        verified: happened("service_verified"),
        suspended: happened("service_suspended"),
    })
}
