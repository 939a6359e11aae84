//! The Open Referral UK read API over HTTP, under `/oruk`: the directory as HSDS JSON for any
//! service finder, council or neighbouring ICS, with open CORS and no API key, as ORUK asks.
//!
//! Everything is answered from the live index ([`LiveIndex`]), so it is as current as the
//! link worker's search and costs the log nothing; only a `postcode` is looked up, in the
//! centroid table. Listings include services in every standing, with the HSDS `status` that
//! says so, and every service carries a warning in `alert` when its details are stale
//! (evaluated when the request is answered).
//!
//! - [`params`]: query parameters, parsed and checked; errors name the parameter.
//! - [`render`] and [`satellites`]: the domain in HSDS form (the choices are listed there).
//! - [`handlers`] (services and places) and [`catalogue`] (taxonomies, terms, organisations).
//! - [`cors`]: the open CORS middleware. [`ids`]: stable ids for objects we hold none for.
//!   [`formats`]: which URLs and e-mail addresses are fit to serve. [`pages`]: HSDS pages.

mod catalogue;
mod cors;
mod error;
mod formats;
mod handlers;
mod ids;
mod pages;
mod params;
mod render;
mod satellites;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::Uri;
use axum::routing::{any, get};
use axum::{Json, Router, middleware};

use self::error::ApiError;
use self::params::Place;
use crate::hsds::ApiRoot;
use crate::postcodes::PostcodeDirectory;
use crate::projections::index::{LiveIndex, Near};

/// The HSDS version we declare. The ORUK profile is the UK profile of HSDS 3.0, and that is
/// the version the ORUK validator checks a feed against when `/` says "3.0". We validate our
/// output against the HSDS 3.1 schemas (the ones we vendor), which HSDS describes as a
/// backwards-compatible superset of 3.0: what we serve is 3.0 plus one optional 3.1 object,
/// `service.capacities`, which 3.0 readers ignore. Declaring "3.1" would claim a UK profile
/// version we do not follow.
const HSDS_VERSION: &str = "3.0";
/// The Open Referral UK profile of HSDS 3.0.
const PROFILE: &str = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md";

/// A request's query string as pairs, or why it could not be read.
type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;
/// A path's `{id}`, or why it could not be read.
type PathId = Result<Path<String>, PathRejection>;

/// What every handler shares.
#[derive(Debug, Clone)]
struct Oruk {
    /// The read model everything is answered from.
    index: LiveIndex,
    /// Where postcodes are.
    postcodes: PostcodeDirectory,
}

impl Oruk {
    /// The point a `postcode` names; an unknown postcode is the caller's error, never an empty
    /// page.
    async fn near(&self, place: Option<&Place>) -> Result<Option<Near>, ApiError> {
        let Some(place) = place else {
            return Ok(None);
        };
        match self.postcodes.locate(&place.postcode).await {
            Ok(Some(point)) => Ok(Some(Near {
                point,
                within_m: place.within_m,
            })),
            Ok(None) => Err(ApiError::parameter(
                "postcode",
                format!("{} is not a known postcode", place.postcode.as_str()),
            )),
            Err(error) => {
                tracing::error!(error = %eventstore::error_chain(&error), "postcode lookup failed");
                Err(ApiError::Unavailable(
                    "postcode: the postcode directory is unavailable; try again".to_owned(),
                ))
            }
        }
    }
}

/// The ORUK API, its routes under `/oruk`, ready to be served alone or merged into a larger
/// app. Every response, errors and unknown paths included, carries open CORS.
pub fn router(index: LiveIndex, postcodes: PostcodeDirectory) -> Router {
    Router::new()
        .route("/oruk", get(root))
        .route("/oruk/", get(root))
        .route("/oruk/services", get(handlers::services))
        .route("/oruk/services/{id}", get(handlers::service))
        .route("/oruk/service_at_locations", get(handlers::sites))
        .route("/oruk/service_at_locations/{id}", get(handlers::site_by_id))
        .route("/oruk/taxonomies", get(catalogue::taxonomies))
        .route("/oruk/taxonomies/{id}", get(catalogue::taxonomy))
        .route("/oruk/taxonomy_terms", get(catalogue::terms))
        .route("/oruk/taxonomy_terms/{id}", get(catalogue::term))
        .route("/oruk/organizations", get(catalogue::organizations))
        .route("/oruk/organizations/{id}", get(catalogue::organization))
        // A catch-all rather than a fallback: a merged router may have only one fallback, and
        // unknown ORUK paths should still get a JSON 404 with CORS.
        .route("/oruk/{*path}", any(no_such_endpoint))
        .with_state(Oruk { index, postcodes })
        .layer(middleware::from_fn(cors::open))
}

/// `GET /`: which HSDS version and profile this API serves. No `openapi_url`: we do not serve
/// an OpenAPI document of our own.
async fn root() -> Json<ApiRoot> {
    Json(ApiRoot {
        version: HSDS_VERSION.to_owned(),
        profile: Some(PROFILE.to_owned()),
        openapi_url: None,
    })
}

/// The `{id}` of a path.
fn id_of(path: PathId) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|rejection| ApiError::parameter("id", rejection))
}

async fn no_such_endpoint(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no such endpoint: {}", uri.path()))
}
