//! The reference records: `/taxonomies`, `/taxonomy_terms` and `/organizations`, listed by
//! name from the index and filtered by simple case-insensitive text matching.

use axum::Json;
use axum::extract::State;

use super::error::ApiError;
use super::params::Params;
use super::{Oruk, PathId, QueryPairs, id_of, pages, render};
use crate::hsds::{Organization, Page, Taxonomy, TaxonomyTerm};

/// Whether `search` (if any) occurs in `name` or `description`, ignoring case.
fn matches(search: Option<&str>, name: &str, description: &str) -> bool {
    search.is_none_or(|search| {
        let search = search.to_lowercase();
        name.to_lowercase().contains(&search) || description.to_lowercase().contains(&search)
    })
}

/// `GET /taxonomies`.
pub(super) async fn taxonomies(
    State(oruk): State<Oruk>,
    query: QueryPairs,
) -> Result<Json<Page<Taxonomy>>, ApiError> {
    let params = Params::from_query(query)?;
    params.json_only()?;
    let (search, page) = (params.text("search")?, params.page()?);
    let index = oruk.index.read();
    let mut found: Vec<_> = index
        .taxonomies()
        .filter(|t| matches(search.as_deref(), &t.record.name, &t.record.description))
        .collect();
    found.sort_by(|a, b| a.record.name.cmp(&b.record.name).then(a.id.cmp(&b.id)));
    Ok(Json(pages::of_all(found, page, render::taxonomy)))
}

/// `GET /taxonomies/{id}`.
pub(super) async fn taxonomy(
    State(oruk): State<Oruk>,
    path: PathId,
) -> Result<Json<Taxonomy>, ApiError> {
    let id = id_of(path)?;
    let index = oruk.index.read();
    let taxonomy = index
        .taxonomy(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no taxonomy with id {id:?}")))?;
    Ok(Json(render::taxonomy(taxonomy)))
}

/// `GET /taxonomy_terms`: filtered by `taxonomy_id`, `parent_id` and `top_only`. The OpenAPI
/// text says `top_only` keeps terms "that have not child terms", but the name, and the HSDS
/// API reference, mean top-level terms: those with no parent.
pub(super) async fn terms(
    State(oruk): State<Oruk>,
    query: QueryPairs,
) -> Result<Json<Page<TaxonomyTerm>>, ApiError> {
    let params = Params::from_query(query)?;
    params.json_only()?;
    let search = params.text("search")?;
    let taxonomy_id = params.text("taxonomy_id")?;
    let parent_id = params.text("parent_id")?;
    let top_only = params.flag("top_only")?;
    let page = params.page()?;
    let index = oruk.index.read();
    let mut found: Vec<_> = index
        .terms()
        .filter(|term| {
            let record = &term.record;
            matches(search.as_deref(), &record.name, &record.description)
                && taxonomy_id
                    .as_ref()
                    .is_none_or(|id| record.taxonomy_id == *id)
                && parent_id
                    .as_ref()
                    .is_none_or(|id| record.parent_id.as_ref() == Some(id))
                && (!top_only || record.parent_id.is_none())
        })
        .collect();
    found.sort_by(|a, b| a.record.name.cmp(&b.record.name).then(a.id.cmp(&b.id)));
    Ok(Json(pages::of_all(found, page, |term| {
        render::term(&index, term)
    })))
}

/// `GET /taxonomy_terms/{id}`.
pub(super) async fn term(
    State(oruk): State<Oruk>,
    path: PathId,
) -> Result<Json<TaxonomyTerm>, ApiError> {
    let id = id_of(path)?;
    let index = oruk.index.read();
    let term = index
        .term(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no taxonomy_term with id {id:?}")))?;
    Ok(Json(render::term(&index, term)))
}

/// `GET /organizations`. `full_service` and `full` are read (and refused if malformed) but
/// change nothing: the HSDS `organization` schema has no `services` to nest, and we hold no
/// more about an organisation than its one-to-one fields.
pub(super) async fn organizations(
    State(oruk): State<Oruk>,
    query: QueryPairs,
) -> Result<Json<Page<Organization>>, ApiError> {
    let params = Params::from_query(query)?;
    params.json_only()?;
    params.flag("full_service")?;
    params.flag("full")?;
    let (search, page) = (params.text("search")?, params.page()?);
    let index = oruk.index.read();
    let mut found: Vec<_> = index
        .organisations()
        .filter(|o| matches(search.as_deref(), &o.record.name, &o.record.description))
        .collect();
    found.sort_by(|a, b| a.record.name.cmp(&b.record.name).then(a.id.cmp(&b.id)));
    Ok(Json(pages::of_all(found, page, render::organization)))
}

/// `GET /organizations/{id}` (`full_service` as for the list).
pub(super) async fn organization(
    State(oruk): State<Oruk>,
    path: PathId,
    query: QueryPairs,
) -> Result<Json<Organization>, ApiError> {
    let id = id_of(path)?;
    Params::from_query(query)?.flag("full_service")?;
    let index = oruk.index.read();
    let organisation = index
        .organisation(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no organization with id {id:?}")))?;
    Ok(Json(render::organization(organisation)))
}
