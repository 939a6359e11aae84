//! One service and everything about it: its organisation and locations, the service, its links,
//! capacity, standing and verification.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use decider::Decider;

use super::writer::ServiceWriter;
use super::{ATTEMPTS, ImportError, Outcome, Run, rejection};
use crate::app::AppError;
use crate::domain::postcode::Postcode;
use crate::domain::records::{Location, Organization, TaxonomyTerm};
use crate::domain::service::{Command, Service, Standing};
use crate::hsds;
use crate::import::ids::Kind;
use crate::import::map::{self, MappedService};

/// A service's link to a location, resolved.
struct Site {
    original_id: String,
    id: String,
    location: Outcome,
}

impl<'a> Run<'a> {
    /// The organisation a service names: nested in it or elsewhere in the feed, fetched, or
    /// imported before.
    async fn organization(&mut self, service: &hsds::Service) -> Result<Outcome, ImportError> {
        let named = service.organization_id.as_deref();
        let found = service
            .organization
            .as_ref()
            .or_else(|| named.and_then(|id| self.organizations.get(id).copied()));
        match (found, named) {
            (Some(organization), _) => {
                let mapped = map::organization(organization);
                self.record(Kind::Organization, &organization.id, mapped)
                    .await
            }
            (None, Some(id)) => {
                self.done_or_stored::<Organization>(Kind::Organization, id)
                    .await
            }
            (None, None) => Ok(Err("the service names no organization".to_owned())),
        }
    }

    /// Imports a location; one whose postcode the centroid table does not know, and that has
    /// no coordinates, is imported without its address (the app would refuse it otherwise).
    async fn location(&mut self, location: &hsds::Location) -> Result<Outcome, ImportError> {
        if let Some(outcome) = self.done.get(&(Kind::Location, location.id.clone())) {
            return Ok(outcome.clone());
        }
        let (mut mapped, notes) = map::location(location);
        for note in notes {
            self.report.note(Kind::Location, &location.id, note);
        }
        let postcode = mapped
            .address
            .as_ref()
            .and_then(|address| Postcode::parse(&address.postal_code).ok());
        if let (None, Some(postcode)) = (mapped.latitude, postcode) {
            let located = self.postcodes.locate(&postcode).await;
            if located.map_err(AppError::from)?.is_none() {
                mapped.address = None;
                let why = format!(
                    "address.postal_code: {} is not in the postcode table and there are no \
                     coordinates; imported without its address (load postcodes and import again)",
                    postcode.as_str()
                );
                self.report.note(Kind::Location, &location.id, why);
            }
        }
        self.record::<Location>(Kind::Location, &location.id, mapped)
            .await
    }

    /// The service's links, each with its location imported (or why not), one per location.
    async fn sites(&mut self, service: &hsds::Service) -> Result<Vec<Site>, ImportError> {
        let mut sites = Vec::new();
        let mut places = HashSet::new();
        for link in &service.service_at_locations {
            let named = link.location_id.as_deref();
            let found = link
                .location
                .as_ref()
                .or_else(|| named.and_then(|id| self.locations.get(id).copied()));
            let mut location = match (found, named) {
                (Some(location), _) => self.location(location).await?,
                (None, Some(id)) => self.done_or_stored::<Location>(Kind::Location, id).await?,
                (None, None) => Err("names no location".to_owned()),
            };
            if let Ok(place) = &location
                && !places.insert(place.clone())
            {
                location = Err("the service is already linked to that location".to_owned());
            }
            sites.push(Site {
                original_id: link.id.clone(),
                id: self.ids.id(Kind::ServiceAtLocation, &link.id),
                location,
            });
        }
        Ok(sites)
    }

    /// A service and everything about it that the feed states.
    pub(super) async fn service(&mut self, service: &hsds::Service) -> Result<(), ImportError> {
        let original_id = service.id.as_str();
        self.report.count(Kind::Service).seen += 1;
        let mut mapped = match map::service(service) {
            Ok(mapped) => mapped,
            Err(reason) => {
                self.report.skip(Kind::Service, original_id, reason);
                return Ok(());
            }
        };
        let organisation_id = match self.organization(service).await? {
            Ok(id) => id,
            Err(reason) => {
                let why = format!("organization: {reason}");
                self.report.skip(Kind::Service, original_id, why);
                return Ok(());
            }
        };
        let sites = self.sites(service).await?;
        let id = self.ids.id(Kind::Service, original_id);
        let history = self.app.history(&id).await?;
        let mut writer = ServiceWriter {
            id,
            original_id: original_id.to_owned(),
            state: Service::fold(&history),
            history,
            written: 0,
        };
        let existed = writer.state.listed.is_some();
        if let Some(listed) = &writer.state.listed
            && listed.standing == Standing::Withdrawn
        {
            if mapped.standing.0 == Standing::Withdrawn {
                self.report.count(Kind::Service).unchanged += 1;
            } else {
                let why = "withdrawn here, and a withdrawal is final: a curator lists it anew";
                self.report.skip(Kind::Service, original_id, why.to_owned());
            }
            return Ok(());
        }
        mapped.details.taxonomy_terms = self.terms(&mapped).await?;
        mapped.details.takes_referrals = writer
            .state
            .listed
            .as_ref()
            .is_some_and(|listed| listed.details.takes_referrals);
        let import = Command::Import {
            organisation_id,
            details: mapped.details.clone(),
            provenance: self.ids.provenance(original_id),
        };
        if let Err(reason) = self.command(&mut writer, import, Utc::now()).await? {
            self.report.skip(Kind::Service, original_id, reason);
            return Ok(());
        }
        self.links(&mut writer, sites).await?;
        self.facts(&mut writer, &mapped).await?;
        self.tally(Kind::Service, existed, writer.written);
        Ok(())
    }

    /// Our ids of the terms a service is classified under; a term the feed names but this run
    /// did not import (and no earlier one did) is left out.
    async fn terms(&mut self, mapped: &MappedService) -> Result<Vec<String>, ImportError> {
        let mut ids = Vec::new();
        for term in &mapped.term_ids {
            match self
                .done_or_stored::<TaxonomyTerm>(Kind::TaxonomyTerm, term)
                .await?
            {
                Ok(id) => ids.push(id),
                Err(reason) => self.report.note(Kind::TaxonomyTerm, term, reason),
            }
        }
        Ok(ids)
    }

    /// Removes the links the feed no longer has, then adds the ones it has that are missing.
    async fn links(
        &mut self,
        writer: &mut ServiceWriter,
        sites: Vec<Site>,
    ) -> Result<(), ImportError> {
        let wanted: BTreeMap<&str, &str> = sites
            .iter()
            .filter_map(|site| Some((site.id.as_str(), site.location.as_deref().ok()?)))
            .collect();
        let current = writer.locations();
        for (link, location) in &current {
            if wanted.get(link.as_str()) != Some(&location.as_str()) {
                let remove = Command::RemoveLocation {
                    service_at_location_id: link.clone(),
                };
                match self.command(writer, remove, Utc::now()).await? {
                    Ok(_) => self.report.count(Kind::ServiceAtLocation).removed += 1,
                    Err(reason) => {
                        let why = format!("removing the link: {reason}");
                        self.report.note(Kind::ServiceAtLocation, link, why);
                    }
                }
            }
        }
        for site in sites {
            self.report.count(Kind::ServiceAtLocation).seen += 1;
            let location_id = match site.location {
                Ok(location_id) => location_id,
                Err(reason) => {
                    let why = format!("location: {reason}");
                    self.report
                        .skip(Kind::ServiceAtLocation, &site.original_id, why);
                    continue;
                }
            };
            let existed = current.get(&site.id) == Some(&location_id);
            let add = Command::AddLocation {
                service_at_location_id: site.id.clone(),
                location_id,
            };
            match self.command(writer, add, Utc::now()).await? {
                Ok(written) => self.tally(Kind::ServiceAtLocation, existed, written),
                Err(reason) => self
                    .report
                    .skip(Kind::ServiceAtLocation, &site.original_id, reason),
            }
        }
        Ok(())
    }

    /// Capacity, standing and verification, each only when the feed's differs from (and, for
    /// capacity and verification, is newer than) what the log holds.
    async fn facts(
        &mut self,
        writer: &mut ServiceWriter,
        mapped: &MappedService,
    ) -> Result<(), ImportError> {
        let mut commands = Vec::new();
        if let Some((capacity, updated)) = &mapped.capacity {
            // A provider may report capacity here directly: a feed's older figure must not
            // overwrite their newer one.
            let (current, reported_at) = writer.capacity();
            if current.as_ref() != Some(capacity) && reported_at.is_none_or(|at| *updated > at) {
                // Recorded as of the feed's update (never later than now), so the next import
                // compares the feed's time with the feed's time.
                let at = (*updated).min(Utc::now());
                commands.push((Command::SetCapacity(capacity.clone()), at));
            }
        }
        let (target, reason) = mapped.standing;
        match (writer.standing(), target) {
            (Standing::Active, Standing::Suspended) => commands.push((
                Command::Suspend {
                    reason: reason.to_owned(),
                },
                Utc::now(),
            )),
            (Standing::Suspended, Standing::Active) => match writer.suspension() {
                Some(why) if map::is_import_suspension(&why) => {
                    commands.push((Command::Reinstate, Utc::now()));
                }
                _ => {
                    let why = "active in the feed, but a curator suspended it here; kept suspended";
                    self.report
                        .note(Kind::Service, &writer.original_id, why.to_owned());
                }
            },
            (Standing::Active | Standing::Suspended, Standing::Withdrawn) => commands.push((
                Command::Withdraw {
                    reason: reason.to_owned(),
                },
                Utc::now(),
            )),
            _ => {}
        }
        if let Some((assurer, at)) = &mapped.verification
            && *at <= Utc::now()
            && writer.assured_at().is_none_or(|current| *at > current)
        {
            let verify = Command::Verify {
                assurer: assurer.clone(),
            };
            commands.push((verify, *at));
        }
        for (command, at) in commands {
            let what = command_name(&command);
            if let Err(reason) = self.command(writer, command, at).await? {
                let why = format!("{what}: {reason}");
                self.report.note(Kind::Service, &writer.original_id, why);
            }
        }
        Ok(())
    }

    /// Runs a service command as of `at`, retrying a lost race; the number of events written,
    /// or why the service refused it.
    async fn command(
        &mut self,
        writer: &mut ServiceWriter,
        command: Command,
        at: DateTime<Utc>,
    ) -> Result<Result<usize, String>, ImportError> {
        let mut attempt = 1;
        loop {
            match self
                .app
                .handle_at(&writer.id, command.clone(), at, self.context)
                .await
            {
                Ok(handled) => {
                    let written = handled.events.len();
                    writer.apply(handled.events);
                    self.report.events_written += written as u64;
                    return Ok(Ok(written));
                }
                Err(AppError::Store(error)) if error.is_conflict() && attempt < ATTEMPTS => {
                    attempt += 1;
                }
                Err(error) => return Ok(Err(rejection(error)?)),
            }
        }
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::SetCapacity(_) => "capacity",
        Command::Suspend { .. } | Command::Reinstate | Command::Withdraw { .. } => "status",
        Command::Verify { .. } => "assured_date",
        _ => "service",
    }
}
