//! `/services` and `/service_at_locations`: the endpoints that answer from the index's search,
//! so their filters, order and paging are the link worker's search's own.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::params::{Params, ServiceFilters};
use super::render::{self, Depth, Site};
use super::{Oruk, PathId, QueryPairs, id_of, pages};
use crate::hsds::{Page, Service};
use crate::projections::index::{DirectoryIndex, PageRequest, Query as Search, SiteHit};

/// Every match at once, for answers the index cannot page in the order we need.
const EVERYTHING: PageRequest = PageRequest {
    number: 1,
    size: u32::MAX,
};

/// `GET /services`: services in every standing, filtered; near a postcode when given.
pub(super) async fn services(
    State(oruk): State<Oruk>,
    query: QueryPairs,
) -> Result<Json<Page<Service>>, ApiError> {
    let params = Params::from_query(query)?;
    let filters = ServiceFilters::parse(&params)?;
    let depth = params.depth()?;
    let near = oruk.near(filters.place.as_ref()).await?;
    let now = Utc::now();
    let index = oruk.index.read();
    let results = index.search(&filters.search(near), now);
    Ok(Json(pages::of_results(&results, |hit| {
        render::service(&index, &hit.service, now, depth)
    })))
}

/// `GET /services/{id}`: the service fully nested.
pub(super) async fn service(
    State(oruk): State<Oruk>,
    path: PathId,
) -> Result<Json<Service>, ApiError> {
    let id = id_of(path)?;
    let now = Utc::now();
    let index = oruk.index.read();
    let entry = index
        .service(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no service with id {id:?}")))?;
    Ok(Json(render::service(&index, entry, now, Depth::Full)))
}

/// `GET /service_at_locations`: one item per place a matching service is delivered, nearest
/// first when a postcode is given (and only within `proximity` metres of it, when given).
pub(super) async fn sites(
    State(oruk): State<Oruk>,
    query: QueryPairs,
) -> Result<Json<Page<Site>>, ApiError> {
    let params = Params::from_query(query)?;
    let filters = ServiceFilters::parse(&params)?;
    let depth = params.depth()?;
    let near = oruk.near(filters.place.as_ref()).await?;
    let now = Utc::now();
    let index = oruk.index.read();
    let view = |hit: &SiteHit| site(&index, hit, now, depth);
    let page = if near.is_some() {
        // The index ranks by relevance before distance; a place listing near a postcode is
        // nearest first, so take every match, order by distance and page here.
        let everything = Search {
            page: EVERYTHING,
            ..filters.search(near)
        };
        let mut hits = index.search_sites(&everything, now).hits;
        hits.sort_by(|a, b| {
            let distance = |hit: &SiteHit| hit.distance_m.unwrap_or(f64::INFINITY);
            distance(a)
                .total_cmp(&distance(b))
                .then_with(|| a.site_id.cmp(&b.site_id))
        });
        pages::of_all(hits, filters.page, |hit| view(&hit))
    } else {
        pages::of_results(&index.search_sites(&filters.search(None), now), view)
    };
    Ok(Json(page))
}

/// `GET /service_at_locations/{id}`: the place with its location and its service fully nested.
pub(super) async fn site_by_id(
    State(oruk): State<Oruk>,
    path: PathId,
) -> Result<Json<Site>, ApiError> {
    let id = id_of(path)?;
    let now = Utc::now();
    let index = oruk.index.read();
    let found = index.site(&id).map(|(service, location_id)| SiteHit {
        stale: index.is_stale(service, now),
        service: service.clone(),
        site_id: id.clone(),
        location_id: location_id.to_owned(),
        distance_m: None,
    });
    let hit = found
        .ok_or_else(|| ApiError::NotFound(format!("no service_at_location with id {id:?}")))?;
    Ok(Json(site(&index, &hit, now, Depth::Full)))
}

/// A place with its service; the service's own list of places is left out, as it would
/// repeat the place it is nested in.
fn site(index: &DirectoryIndex, hit: &SiteHit, now: DateTime<Utc>, depth: Depth) -> Site {
    let mut service = render::service(index, &hit.service, now, depth);
    service.service_at_locations.clear();
    Site {
        site: render::site(index, &hit.service.id, &hit.site_id, &hit.location_id),
        service,
    }
}
