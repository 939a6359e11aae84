//! Writing a feed into the log, record by record, in dependency order: taxonomies, terms (parents
//! first), then for each service its organisation and locations, the service itself, its links
//! to locations, its capacity, its standing and its verification.
//!
//! Every step compares with what the log already holds and writes nothing when they agree, so
//! importing an unchanged feed writes no event at all. A record the directory refuses is
//! reported with the reason and skipped; only a failing log stops the import.

mod service;
mod writer;

use std::collections::{HashMap, HashSet};

use eventstore::Actor;
use uuid::Uuid;

use super::ids::{Ids, Kind};
use super::map;
use super::report::{ImportReport, Progress, Stage};
use super::source::{Feed, Source, SourceError};
use crate::app::{AppError, Context, DirectoryApp, Referencing};
use crate::domain::entry::{self, EntryCommand, Record};
use crate::domain::records::{Taxonomy, TaxonomyTerm};
use crate::hsds;
use crate::postcodes::PostcodeDirectory;

/// Tries of a command that lost a race with another writer of the same stream.
const ATTEMPTS: usize = 3;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The feed could not be read; nothing was written.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The log failed part-way; what was written stays, and importing again finishes the job.
    #[error("the directory's log failed during the import")]
    App(#[from] AppError),
}

/// The context an import's events are recorded with: the importer acting for `tenant`.
pub fn importer_context(tenant: &str) -> Context {
    Context {
        actor: Actor {
            id: "importer".to_owned(),
            organisation: tenant.to_owned(),
            role: "directory-import".to_owned(),
        },
        correlation_id: Uuid::new_v4(),
        tenant: tenant.to_owned(),
    }
}

/// Reads `source` whole, then writes what differs from the log; `progress` hears how far it
/// has got.
pub async fn import(
    app: &DirectoryApp,
    source: &Source,
    context: &Context,
    mut progress: impl FnMut(Progress),
) -> Result<ImportReport, ImportError> {
    let feed = source.read(&mut progress).await?;
    let mut run = Run {
        app,
        context,
        postcodes: PostcodeDirectory::new(app.store().clone()),
        ids: Ids::new(source.feed()),
        report: ImportReport::new(source.feed()),
        done: HashMap::new(),
        organizations: HashMap::new(),
        locations: HashMap::new(),
    };
    run.index(&feed);
    for problem in &feed.malformed {
        run.report.count(problem.kind).seen += 1;
        run.report
            .skip(problem.kind, &problem.original_id, problem.reason.clone());
    }
    run.classifications(&feed).await?;
    let total = feed.services.len() as u64;
    let mut seen = HashSet::new();
    for (done, service) in feed.services.iter().enumerate() {
        if seen.insert(service.id.as_str()) {
            run.service(service).await?;
        } else {
            let why = "listed again in the feed; the first copy was imported".to_owned();
            run.report.note(Kind::Service, &service.id, why);
        }
        progress(Progress {
            stage: Stage::Importing,
            done: done as u64 + 1,
            total: Some(total),
        });
    }
    Ok(run.report)
}

/// Our id of a record, or why it was not imported.
type Outcome = Result<String, String>;

/// One import under way.
struct Run<'a> {
    app: &'a DirectoryApp,
    context: &'a Context,
    postcodes: PostcodeDirectory,
    ids: Ids,
    report: ImportReport,
    /// Reference records already handled in this run, by kind and feed id: the first copy of a
    /// record the feed nests in several services is the one imported, every time.
    done: HashMap<(Kind, String), Outcome>,
    /// Every organisation the feed holds, nested or fetched, by feed id (first copy kept).
    organizations: HashMap<&'a str, &'a hsds::Organization>,
    /// Every location the feed nests, by feed id (first copy kept), for links that only name
    /// theirs.
    locations: HashMap<&'a str, &'a hsds::Location>,
}

impl<'a> Run<'a> {
    /// Indexes the records the feed nests, so a service that only names one finds it wherever
    /// in the feed it is: the outcome must not depend on the order services come in.
    fn index(&mut self, feed: &'a Feed) {
        let nested = feed.services.iter().filter_map(|s| s.organization.as_ref());
        for organization in nested.chain(&feed.organizations) {
            self.organizations
                .entry(organization.id.as_str())
                .or_insert(organization);
        }
        let links = feed.services.iter().flat_map(|s| &s.service_at_locations);
        for location in links.filter_map(|link| link.location.as_ref()) {
            self.locations
                .entry(location.id.as_str())
                .or_insert(location);
        }
    }

    /// Taxonomies (listed, nested or only named), then the terms services are classified
    /// under, parents before children.
    async fn classifications(&mut self, feed: &Feed) -> Result<(), ImportError> {
        let mut terms = Vec::new();
        let mut term_ids = HashSet::new();
        for service in &feed.services {
            for term in service
                .attributes
                .iter()
                .filter_map(|a| a.taxonomy_term.as_ref())
            {
                if term_ids.insert(term.id.clone()) {
                    terms.push(term.clone());
                }
            }
        }
        // Listed first, then as nested in a term, then known only by a term's naming it.
        let mut taxonomies: Vec<(String, Taxonomy)> = Vec::new();
        let mut known = HashSet::new();
        let nested = terms.iter().filter_map(|term| {
            let detail = term.taxonomy_detail.as_ref()?;
            (detail.id == map::taxonomy_of(term)).then_some(detail)
        });
        for taxonomy in feed.taxonomies.iter().chain(nested) {
            if known.insert(taxonomy.id.clone()) {
                taxonomies.push((taxonomy.id.clone(), map::taxonomy(taxonomy)));
            }
        }
        for term in &terms {
            let id = map::taxonomy_of(term);
            if known.insert(id.clone()) {
                taxonomies.push((id, map::implied_taxonomy(term)));
            }
        }
        for (id, taxonomy) in taxonomies {
            // A refusal is in the report, and in `done` for the terms that name it.
            let _outcome = self.record(Kind::Taxonomy, &id, taxonomy).await?;
        }
        for term in map::parents_first(terms) {
            self.term(&term, &term_ids).await?;
        }
        Ok(())
    }

    async fn term(
        &mut self,
        term: &hsds::TaxonomyTerm,
        in_feed: &HashSet<String>,
    ) -> Result<(), ImportError> {
        let taxonomy = map::taxonomy_of(term);
        let Ok(taxonomy_id) = self
            .done_or_stored::<Taxonomy>(Kind::Taxonomy, &taxonomy)
            .await?
        else {
            self.report.count(Kind::TaxonomyTerm).seen += 1;
            let why = format!("taxonomy {taxonomy:?} was not imported");
            self.report.skip(Kind::TaxonomyTerm, &term.id, why);
            return Ok(());
        };
        let mut parent_id = None;
        if let Some(parent) = &term.parent_id {
            // A parent in the feed must have been imported before it (a cycle's is not); one
            // outside the feed counts if an earlier import made it.
            let found = match self.done.get(&(Kind::TaxonomyTerm, parent.clone())) {
                Some(outcome) => outcome.clone(),
                None if in_feed.contains(parent) => Err(String::new()),
                None => {
                    self.done_or_stored::<TaxonomyTerm>(Kind::TaxonomyTerm, parent)
                        .await?
                }
            };
            match found {
                Ok(id) => parent_id = Some(id),
                Err(_) => {
                    let why = format!("parent_id: term {parent:?} was not imported; left out");
                    self.report.note(Kind::TaxonomyTerm, &term.id, why);
                }
            }
        }
        let mapped = map::term(term, taxonomy_id, parent_id);
        let _outcome = self.record(Kind::TaxonomyTerm, &term.id, mapped).await?;
        Ok(())
    }

    /// Imports one reference record, once per run.
    async fn record<R: Record + Referencing>(
        &mut self,
        kind: Kind,
        original_id: &str,
        record: R,
    ) -> Result<Outcome, ImportError> {
        if let Some(outcome) = self.done.get(&(kind, original_id.to_owned())) {
            return Ok(outcome.clone());
        }
        self.report.count(kind).seen += 1;
        let id = self.ids.id(kind, original_id);
        let existed = self.exists::<R>(&id).await?;
        let mut attempt = 1;
        let outcome = loop {
            let command = EntryCommand::Import(record.clone(), self.ids.provenance(original_id));
            match self.app.record(&id, command, self.context).await {
                Ok(handled) => {
                    self.report.events_written += handled.events.len() as u64;
                    self.tally(kind, existed, handled.events.len());
                    break Ok(id);
                }
                Err(AppError::Store(error)) if error.is_conflict() && attempt < ATTEMPTS => {
                    attempt += 1;
                }
                Err(error) => {
                    let reason = rejection(error)?;
                    self.report.skip(kind, original_id, reason.clone());
                    break Err(reason);
                }
            }
        };
        self.done
            .insert((kind, original_id.to_owned()), outcome.clone());
        Ok(outcome)
    }

    /// Our id of a record this run imported, or one an earlier run did.
    async fn done_or_stored<R: Record>(
        &self,
        kind: Kind,
        original_id: &str,
    ) -> Result<Outcome, ImportError> {
        if let Some(outcome) = self.done.get(&(kind, original_id.to_owned())) {
            return Ok(outcome.clone());
        }
        let id = self.ids.id(kind, original_id);
        if self.exists::<R>(&id).await? {
            return Ok(Ok(id));
        }
        Ok(Err(format!(
            "{} {original_id:?} is not in the feed",
            kind.name()
        )))
    }

    async fn exists<R: Record>(&self, id: &str) -> Result<bool, ImportError> {
        let stream = entry::stream_id::<R>(id);
        let version = self.app.store().stream_version(&stream).await;
        Ok(version.map_err(AppError::from)?.is_some())
    }

    /// Counts a record by what writing it did (its events are counted where they are written).
    fn tally(&mut self, kind: Kind, existed: bool, written: usize) {
        let counts = self.report.count(kind);
        match (written, existed) {
            (0, _) => counts.unchanged += 1,
            (_, true) => counts.changed += 1,
            (_, false) => counts.created += 1,
        }
    }
}

/// The reason a record was refused, or the import's error if it was not a refusal.
fn rejection(error: AppError) -> Result<String, ImportError> {
    match error {
        AppError::Rejected(_)
        | AppError::RecordRejected(_)
        | AppError::UnknownReference { .. }
        | AppError::UnknownPostcode => Ok(error.to_string()),
        other => Err(ImportError::App(other)),
    }
}
