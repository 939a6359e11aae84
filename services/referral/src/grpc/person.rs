//! Who the person is, from a `CreateReferralRequest`: each field already held to its declared
//! shape (a date, one of the listed codes, a postcode's pattern), read into the domain's types
//! here, with what only the day can say (a date of birth not in the future, within a
//! lifetime). Refusals name the field and never repeat what was sent.

use chrono::NaiveDate;
use proto::referral::v1 as pb;
use tonic::Status;

use crate::demographics::Given;
use crate::domain::age;
use crate::domain::person::{EthnicCategory, Sex};
use crate::domain::postcode::Postcode;

/// What `body` says of the person, on `today`.
pub(super) fn given(body: &pb::CreateReferralRequest, today: NaiveDate) -> Result<Given, Status> {
    let birth_date = match body.birth_date.trim() {
        "" => None,
        text => Some(
            age::birth_date(text, today)
                .map_err(|problem| Status::invalid_argument(format!("birth_date {problem}")))?,
        ),
    };
    let sex = match body.sex.as_str() {
        "" => None,
        code => Some(Sex::from_code(code).ok_or_else(|| refused("sex"))?),
    };
    let ethnic_category = match body.ethnic_category.as_str() {
        "" => None,
        code => Some(EthnicCategory::from_code(code).ok_or_else(|| refused("ethnic_category"))?),
    };
    let postcode = match body.postcode.trim() {
        "" => None,
        text => Some(
            Postcode::parse(text)
                .map_err(|problem| Status::invalid_argument(format!("postcode {problem}")))?,
        ),
    };
    Ok(Given {
        birth_date,
        sex,
        ethnic_category,
        postcode,
    })
}

fn refused(field: &str) -> Status {
    Status::invalid_argument(format!("{field} is not one of the codes it takes"))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use contract::rules::declared_values;
    use proto::referral::v1 as pb;
    use tonic::Code;

    use super::given;
    use crate::domain::person::{EthnicCategory, Sex};

    const MESSAGE: &str = "linkwork.referral.v1.CreateReferralRequest";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 2).expect("a date")
    }

    #[test]
    fn the_codes_the_proto_allows_are_the_domains_and_back() {
        let sexes: Vec<String> = Sex::ALL.iter().map(|s| s.code().to_owned()).collect();
        assert_eq!(declared_values(MESSAGE, "sex"), sexes);
        let categories: Vec<String> = EthnicCategory::ALL
            .iter()
            .map(|c| c.code().to_owned())
            .collect();
        assert_eq!(declared_values(MESSAGE, "ethnic_category"), categories);
    }

    #[test]
    fn nothing_given_is_nothing_known() {
        let body = pb::CreateReferralRequest::default();
        assert_eq!(given(&body, today()).expect("fine"), Default::default());
    }

    /// Spoils one field of a request.
    type Spoil = fn(&mut pb::CreateReferralRequest);

    #[test]
    fn each_refusal_names_its_field_and_not_the_value() {
        let cases: [(&str, Spoil); 5] = [
            ("birth_date must not be in the future", |b| {
                b.birth_date = "2026-11-03".into()
            }),
            ("birth_date must be within the last 130 years", |b| {
                b.birth_date = "1890-01-01".into()
            }),
            ("sex is not one of the codes it takes", |b| {
                b.sex = "M".into()
            }),
            ("ethnic_category is not one of the codes it takes", |b| {
                b.ethnic_category = "Q".into()
            }),
            ("postcode must be a UK postcode such as SW1A 1AA", |b| {
                b.postcode = "SW1A 1CA".into()
            }),
        ];
        for (message, spoil) in cases {
            let mut body = pb::CreateReferralRequest::default();
            spoil(&mut body);
            let refused = given(&body, today()).expect_err(message);
            assert_eq!(
                (refused.code(), refused.message()),
                (Code::InvalidArgument, message)
            );
        }
    }
}
