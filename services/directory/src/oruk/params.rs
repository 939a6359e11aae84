//! The query parameters of the ORUK endpoints, parsed and checked before anything is looked up.
//!
//! Every malformed value is refused with a message that starts with the parameter's name, so a
//! developer sees at once which one to fix. An empty value (`?search=`) counts as absent, and a
//! parameter given twice is refused rather than one copy silently winning. Parameters we do not
//! know are ignored, as HTTP APIs usually do.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::error::ApiError;
use super::render::Depth;
use crate::domain::postcode::Postcode;
use crate::projections::index::{Near, PageRequest, Query as Search, Sort};

/// Items per page when `per_page` is not given.
const DEFAULT_PER_PAGE: u32 = 50;
/// The most items one page may hold.
const MAX_PER_PAGE: u32 = 500;
/// The widest `proximity`, in metres: the length of Great Britain, and a bound on the grid
/// cells one search visits.
const MAX_PROXIMITY_M: f64 = 1_000_000.0;

/// A request's query string as name–value pairs.
#[derive(Debug)]
pub(super) struct Params(Vec<(String, String)>);

/// Where a search is from: a postcode (not yet looked up) and how far from it, in metres.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Place {
    /// The postcode, well formed.
    pub(super) postcode: Postcode,
    /// Only results this close; `None` orders by distance without a limit.
    pub(super) within_m: Option<f64>,
}

impl Params {
    /// The pairs of a query string, or a 400 if it cannot be read at all.
    pub(super) fn from_query(
        query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    ) -> Result<Self, ApiError> {
        let Query(pairs) = query.map_err(|rejection| ApiError::parameter("query", rejection))?;
        Ok(Self(pairs))
    }

    /// The value of `name`, trimmed; `None` if absent or empty.
    fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name);
        let value = values.next().map(|(_, value)| value.trim());
        if values.next().is_some() {
            return Err(ApiError::parameter(name, "is given more than once"));
        }
        Ok(value.filter(|value| !value.is_empty()))
    }

    /// A free-text or id parameter.
    pub(super) fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self.get(name)?.map(str::to_owned))
    }

    /// A boolean parameter: `true` or `false` (any case); absent is false.
    pub(super) fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name)? {
            None => Ok(false),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(ApiError::parameter(
                name,
                format!("{value:?} is not true or false"),
            )),
        }
    }

    /// `page` (from 1) and `per_page` (1 to 500, default 50).
    pub(super) fn page(&self) -> Result<PageRequest, ApiError> {
        let whole = |name: &str, low: u32, high: u32, default: u32| match self.get(name)? {
            None => Ok(default),
            Some(value) => value
                .parse::<u32>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(|| {
                    let range = if high == u32::MAX {
                        format!("{low} or more")
                    } else {
                        format!("from {low} to {high}")
                    };
                    ApiError::parameter(name, format!("{value:?} is not a whole number {range}"))
                }),
        };
        Ok(PageRequest {
            number: whole("page", 1, u32::MAX, 1)?,
            size: whole("per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)?,
        })
    }

    /// `format`: only `json` is served (no `ndjson` stream).
    pub(super) fn json_only(&self) -> Result<(), ApiError> {
        match self.get("format")? {
            None => Ok(()),
            Some(value) if value.eq_ignore_ascii_case("json") => Ok(()),
            Some(value) => Err(ApiError::parameter(
                "format",
                format!("{value:?} is not served; only json is"),
            )),
        }
    }

    /// `modified_after`: an RFC 3339 date-time, or a date meaning its midnight UTC.
    pub(super) fn modified_after(&self) -> Result<Option<DateTime<Utc>>, ApiError> {
        let Some(value) = self.get("modified_after")? else {
            return Ok(None);
        };
        DateTime::parse_from_rfc3339(value)
            .map(|instant| instant.with_timezone(&Utc))
            .or_else(|_| {
                NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
            })
            .map(Some)
            .map_err(|_| {
                ApiError::parameter(
                    "modified_after",
                    format!(
                        "{value:?} is not an RFC 3339 date-time (e.g. 2024-03-05T09:30:00Z) or a date"
                    ),
                )
            })
    }

    /// `postcode` and `proximity` (metres). Proximity without a postcode has nothing to
    /// measure from, so it is refused rather than ignored.
    pub(super) fn place(&self) -> Result<Option<Place>, ApiError> {
        let within_m = match self.get("proximity")? {
            None => None,
            Some(value) => Some(
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|metres| metres.is_finite() && *metres > 0.0)
                    .filter(|metres| *metres <= MAX_PROXIMITY_M)
                    .ok_or_else(|| {
                        ApiError::parameter(
                            "proximity",
                            format!(
                                "{value:?} is not a distance in metres above 0 and at most {MAX_PROXIMITY_M}"
                            ),
                        )
                    })?,
            ),
        };
        match (self.get("postcode")?, within_m) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(ApiError::parameter(
                "proximity",
                "needs a postcode to measure from",
            )),
            (Some(postcode), within_m) => Postcode::parse(postcode)
                .map(|postcode| Some(Place { postcode, within_m }))
                .map_err(|_| {
                    ApiError::parameter("postcode", format!("{postcode:?} is not a UK postcode"))
                }),
        }
    }

    /// How much of each service to give: `minimal`, `full`, or the one-to-one fields.
    pub(super) fn depth(&self) -> Result<Depth, ApiError> {
        match (self.flag("minimal")?, self.flag("full")?) {
            (true, true) => Err(ApiError::parameter(
                "minimal",
                "cannot be true together with full",
            )),
            (true, false) => Ok(Depth::Minimal),
            (false, true) => Ok(Depth::Full),
            (false, false) => Ok(Depth::Listed),
        }
    }
}

/// The filters `/services` and `/service_at_locations` share. All that are set must hold.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ServiceFilters {
    text: Option<String>,
    term: Option<String>,
    taxonomy_id: Option<String>,
    organisation_id: Option<String>,
    modified_after: Option<DateTime<Utc>>,
    /// Which page.
    pub(super) page: PageRequest,
    /// Near where, once the postcode is looked up.
    pub(super) place: Option<Place>,
}

impl ServiceFilters {
    /// Reads the shared filters.
    pub(super) fn parse(params: &Params) -> Result<Self, ApiError> {
        params.json_only()?;
        Ok(Self {
            text: params.text("search")?,
            term: params.text("taxonomy_term_id")?,
            taxonomy_id: params.text("taxonomy_id")?,
            organisation_id: params.text("organization_id")?,
            modified_after: params.modified_after()?,
            page: params.page()?,
            place: params.place()?,
        })
    }

    /// The index query: every standing (a listing, not a referral search). Ranked (relevance,
    /// then distance, then name) when the request asks for something or from somewhere; a plain
    /// listing is by name.
    pub(super) fn search(&self, near: Option<Near>) -> Search {
        let ranked = self.text.is_some() || self.term.is_some() || near.is_some();
        Search {
            text: self.text.clone(),
            taxonomy_terms: self.term.iter().cloned().collect(),
            taxonomy_id: self.taxonomy_id.clone(),
            organisation_id: self.organisation_id.clone(),
            near,
            include_inactive: true,
            // HSDS asks for records modified on or after the instant; the index keeps those
            // strictly after, so ask from a nanosecond before.
            modified_after: self.modified_after.map(|after| {
                after
                    .checked_sub_signed(Duration::nanoseconds(1))
                    .unwrap_or(after)
            }),
            sort: if ranked { Sort::Ranked } else { Sort::Name },
            page: self.page,
            ..Search::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Params;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    fn error<T: std::fmt::Debug>(result: Result<T, super::ApiError>) -> String {
        result.expect_err("refused").to_string()
    }

    #[test]
    fn pages_default_to_the_first_fifty_and_are_bounded() {
        let page = params(&[]).page().expect("defaults");
        assert_eq!((page.number, page.size), (1, 50));
        let page = params(&[("page", "3"), ("per_page", "500")])
            .page()
            .expect("valid");
        assert_eq!((page.number, page.size), (3, 500));
        assert!(error(params(&[("page", "0")]).page()).starts_with("page: "));
        assert!(error(params(&[("per_page", "501")]).page()).starts_with("per_page: "));
        assert!(error(params(&[("per_page", "-1")]).page()).starts_with("per_page: "));
        assert!(error(params(&[("page", "1"), ("page", "2")]).page()).contains("more than once"));
    }

    #[test]
    fn a_place_needs_a_well_formed_postcode_and_a_positive_distance() {
        let place = params(&[("postcode", "le1 6zz"), ("proximity", "1500")])
            .place()
            .expect("valid")
            .expect("a place");
        assert_eq!(place.postcode.as_str(), "LE1 6ZZ");
        assert_eq!(place.within_m, Some(1500.0));
        assert!(error(params(&[("proximity", "100")]).place()).starts_with("proximity: "));
        assert!(error(params(&[("postcode", "nowhere")]).place()).starts_with("postcode: "));
        for bad in ["0", "-5", "NaN", "inf", "1e12", "far"] {
            let refused = params(&[("postcode", "LE1 6ZZ"), ("proximity", bad)]).place();
            assert!(error(refused).starts_with("proximity: "), "{bad}");
        }
    }

    #[test]
    fn dates_flags_and_formats_are_checked() {
        let plain = params(&[("modified_after", "2024-03-05")]).modified_after();
        assert_eq!(
            plain.expect("a date").map(|at| at.to_rfc3339()),
            Some("2024-03-05T00:00:00+00:00".to_owned())
        );
        let refused = params(&[("modified_after", "yesterday")]).modified_after();
        assert!(error(refused).starts_with("modified_after: "));
        assert!(error(params(&[("full", "yes")]).depth()).starts_with("full: "));
        assert!(error(params(&[("minimal", "true"), ("full", "true")]).depth()).contains("full"));
        assert!(error(params(&[("format", "ndjson")]).json_only()).starts_with("format: "));
        assert_eq!(
            params(&[("search", "  ")]).text("search").expect("ok"),
            None
        );
    }
}
