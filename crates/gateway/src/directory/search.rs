//! `GET /api/v1/services`: the search's query string as a `SearchRequest`.
//!
//! Only the form of each parameter is checked here (a number is a number); what the values
//! may be (a known postcode, a page size up to 500) is the directory's to say. Two parameters
//! have names of their own on the web — `q` for the proto's `text`, `taxonomy_term` (repeated)
//! for `taxonomy_term_ids` — so the directory's messages are given the web names back.

use proto::directory::v1 as pb;

use crate::error::ApiError;
use crate::extract::QueryParams;

/// Every parameter the search takes.
pub(super) const PARAMETERS: [&str; 14] = [
    "q",
    "taxonomy_term",
    "taxonomy_id",
    "organisation_id",
    "postcode",
    "latitude",
    "longitude",
    "within_metres",
    "age",
    "takes_referrals",
    "with_capacity",
    "open_on",
    "page",
    "page_size",
];

/// The proto's field names the web spells differently, and the web's.
const RENAMED: [(&str, &str); 2] = [("taxonomy_term_ids", "taxonomy_term"), ("text", "q")];

fn coordinate(params: &QueryParams, name: &str) -> Result<Option<f64>, ApiError> {
    let value: Option<f64> = params.parsed(name, "a number of degrees")?;
    match value {
        Some(value) if !value.is_finite() => Err(ApiError::bad_request(format!(
            "{name} must be a number of degrees"
        ))),
        value => Ok(value),
    }
}

/// The search the query string asks for.
pub(super) fn request(params: &QueryParams) -> Result<pb::SearchRequest, ApiError> {
    params.only(&PARAMETERS)?;
    let whole = "a whole number, 0 or more";
    let text = |name| params.one(name).map(|v| v.unwrap_or_default().to_owned());
    Ok(pb::SearchRequest {
        text: text("q")?,
        taxonomy_term_ids: params.all("taxonomy_term"),
        taxonomy_id: text("taxonomy_id")?,
        organisation_id: text("organisation_id")?,
        postcode: text("postcode")?,
        latitude: coordinate(params, "latitude")?,
        longitude: coordinate(params, "longitude")?,
        within_metres: params.parsed("within_metres", whole)?,
        age: params.parsed("age", whole)?,
        takes_referrals: params.flag("takes_referrals")?,
        with_capacity: params.flag("with_capacity")?,
        open_on: text("open_on")?,
        page: params.parsed("page", whole)?.unwrap_or(0),
        page_size: params.parsed("page_size", whole)?.unwrap_or(0),
    })
}

/// The directory's refusal of a search, naming the parameter as the web spells it.
pub(super) fn renamed(mut error: ApiError) -> ApiError {
    for (proto, web) in RENAMED {
        let Some(rest) = error.message.strip_prefix(proto) else {
            continue;
        };
        if rest.starts_with([' ', '[', ':']) {
            error.message = format!("{web}{rest}");
            break;
        }
    }
    error
}

#[cfg(test)]
mod tests {
    use super::{renamed, request};
    use crate::error::ApiError;
    use crate::extract::QueryParams;

    fn params(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_query_string_maps_onto_the_search_request() {
        let search = request(&params(&[
            ("q", "lunch"),
            ("taxonomy_term", "a"),
            ("taxonomy_term", "b"),
            ("postcode", "LW1 1AN"),
            ("within_metres", "5000"),
            ("age", "70"),
            ("takes_referrals", "true"),
            ("page_size", "10"),
        ]))
        .expect("valid");
        assert_eq!(search.text, "lunch");
        assert_eq!(search.taxonomy_term_ids, ["a", "b"]);
        assert_eq!(search.postcode, "LW1 1AN");
        assert_eq!(search.within_metres, Some(5000));
        assert_eq!(search.age, Some(70));
        assert!(search.takes_referrals && !search.with_capacity);
        assert_eq!((search.page, search.page_size), (0, 10));
    }

    #[test]
    fn malformed_parameters_are_named() {
        let refusal = |pairs: &[(&str, &str)]| request(&params(pairs)).expect_err("bad").message;
        assert_eq!(
            refusal(&[("age", "-1")]),
            "age must be a whole number, 0 or more"
        );
        assert_eq!(
            refusal(&[("latitude", "NaN")]),
            "latitude must be a number of degrees"
        );
        assert_eq!(
            refusal(&[("q", "a"), ("q", "b")]),
            "q may be given only once"
        );
        assert!(refusal(&[("near", "LW1")]).starts_with("near is not a query parameter"));
        assert_eq!(
            renamed(ApiError::bad_request(
                "text must be at most 500 printable characters"
            ))
            .message,
            "q must be at most 500 printable characters"
        );
        assert_eq!(
            renamed(ApiError::bad_request("taxonomy_term_ids[1] must be a UUID")).message,
            "taxonomy_term[1] must be a UUID"
        );
    }
}
