//! A contract's terms between the API and the domain: tariffs, caps and eligibility read from
//! a request (amounts as text, read exactly), and a contract's versions as the API shows them.
//! A refusal names the request's field: the domain's names for a tariff's amount
//! (`per_session`, …) are the request's `amount`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use eventstore::aggregate::CommandError;
use proto::billing::v1 as pb;
use tonic::Status;

use crate::app::{AppError, Refused};
use crate::domain::contract::{
    self, Cap, Caps, Contract, Eligibility, Evidence, FundingSource, Tariff, Terms,
};
use crate::domain::money::Pence;

/// `field` breaks `rule`.
pub(crate) fn invalid(field: &str, rule: impl std::fmt::Display) -> Status {
    Status::invalid_argument(format!("{field}: {rule}"))
}

/// An amount of money, read exactly.
pub(crate) fn pence(field: &str, text: &str) -> Result<Pence, Status> {
    Pence::parse(text).map_err(|error| invalid(field, error))
}

/// A day, `YYYY-MM-DD`.
pub(crate) fn day(field: &str, text: &str) -> Result<NaiveDate, Status> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| invalid(field, "not a date"))
}

/// Money as the API shows it.
pub(crate) fn money(pence: Pence) -> pb::Money {
    pb::Money {
        pence: pence.pence(),
        text: pence.to_string(),
    }
}

/// The funding source a request names.
pub(crate) fn funding(text: &str) -> Result<FundingSource, Status> {
    Ok(match text {
        "arrs" => FundingSource::Arrs,
        "icb" => FundingSource::Icb,
        "local-authority" => FundingSource::LocalAuthority,
        "grant" => FundingSource::Grant,
        "other" => FundingSource::Other,
        _ => {
            return Err(invalid(
                "funding",
                "arrs, icb, local-authority, grant or other",
            ));
        }
    })
}

fn funding_code(funding: FundingSource) -> &'static str {
    match funding {
        FundingSource::Arrs => "arrs",
        FundingSource::Icb => "icb",
        FundingSource::LocalAuthority => "local-authority",
        FundingSource::Grant => "grant",
        FundingSource::Other => "other",
    }
}

/// An evidence code as the engagement service publishes it.
pub(crate) fn evidence_code(evidence: Evidence) -> &'static str {
    match evidence {
        Evidence::Register => "register",
        Evidence::QrCheckIn => "qr-check-in",
        Evidence::Integrator => "integrator",
    }
}

/// A cap's code.
pub(crate) fn cap_code(cap: Cap) -> &'static str {
    match cap {
        Cap::PerPerson => "per-person",
        Cap::PerMonth => "per-month",
        Cap::Total => "total",
    }
}

/// The terms a request gives.
pub(crate) fn terms(
    tariffs: &[pb::Tariff],
    caps: Option<&pb::Caps>,
    eligibility: Option<&pb::Eligibility>,
) -> Result<Terms, Status> {
    let tariffs = tariffs
        .iter()
        .enumerate()
        .map(|(i, given)| tariff(i, given))
        .collect::<Result<Vec<_>, _>>()?;
    let caps = caps.cloned().unwrap_or_default();
    let eligibility = eligibility.cloned().unwrap_or_default();
    Ok(Terms {
        tariffs,
        caps: Caps {
            per_person: cap("caps.per_person", &caps.per_person)?,
            per_month: cap("caps.per_month", &caps.per_month)?,
            total: cap("caps.total", &caps.total)?,
        },
        eligibility: Eligibility {
            needs: eligibility.needs.into_iter().collect(),
            age_bands: eligibility.age_bands.into_iter().collect(),
        },
    })
}

fn cap(field: &str, text: &str) -> Result<Option<Pence>, Status> {
    match text.trim() {
        "" => Ok(None),
        text => pence(field, text).map(Some),
    }
}

fn tariff(i: usize, given: &pb::Tariff) -> Result<Tariff, Status> {
    let field = |name: &str| format!("tariffs[{i}].{name}");
    let amount = pence(&field("amount"), &given.amount)?;
    let trigger = given.trigger.as_str();
    if !given.evidence.is_empty() && trigger != "attended-session" {
        return Err(invalid(
            &field("evidence"),
            "only for an attended-session tariff",
        ));
    }
    let instrument = given.instrument.trim();
    if !instrument.is_empty() && trigger != "outcome" {
        return Err(invalid(&field("instrument"), "only for an outcome tariff"));
    }
    Ok(match trigger {
        "block" => Tariff::Block { per_month: amount },
        "accepted-referral" => Tariff::AcceptedReferral {
            per_referral: amount,
        },
        "attended-session" => Tariff::AttendedSession {
            per_session: amount,
            evidence: given
                .evidence
                .iter()
                .map(|code| {
                    Evidence::parse(code).ok_or_else(|| {
                        invalid(&field("evidence"), "register, qr-check-in or integrator")
                    })
                })
                .collect::<Result<BTreeSet<_>, _>>()?,
        },
        "completed-episode" => Tariff::CompletedEpisode {
            per_episode: amount,
        },
        "outcome" => Tariff::Outcome {
            instrument: instrument.to_owned(),
            per_improvement: amount,
        },
        "micro-grant" => Tariff::MicroGrant { amount },
        _ => return Err(invalid(&field("trigger"), "not a trigger")),
    })
}

/// `error`, with a refused tariff amount named as the request names it (`tariffs[1].amount`
/// where the domain says `tariffs[1].per_session`).
pub(crate) fn as_requested(error: AppError) -> AppError {
    let CommandError::Rejected(Refused::Contract(contract::Error::Invalid(mut invalid))) = error
    else {
        return error;
    };
    let amounts = [
        ".per_month",
        ".per_referral",
        ".per_session",
        ".per_episode",
        ".per_improvement",
    ];
    let tariff = amounts
        .iter()
        .find_map(|amount| invalid.field.strip_suffix(amount))
        .filter(|tariff| tariff.starts_with("tariffs["))
        .map(str::to_owned);
    if let Some(tariff) = tariff {
        invalid.field = format!("{tariff}.amount");
    }
    CommandError::Rejected(Refused::Contract(contract::Error::Invalid(invalid)))
}

/// A contract as the API shows it.
pub(crate) fn contract(contract: &Contract) -> pb::Contract {
    let parties = contract.parties.clone();
    pb::Contract {
        contract_id: contract
            .contract_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        commissioner: parties
            .as_ref()
            .map(|parties| parties.commissioner.clone())
            .unwrap_or_default(),
        provider: parties
            .as_ref()
            .map(|parties| parties.provider.clone())
            .unwrap_or_default(),
        funding: parties
            .map(|parties| funding_code(parties.funding).to_owned())
            .unwrap_or_default(),
        versions: contract
            .versions
            .iter()
            .map(|version| pb::ContractVersion {
                number: version.number,
                effective_from: version.effective_from.to_string(),
                tariffs: version.terms.tariffs.iter().map(tariff_terms).collect(),
                caps: Some(pb::CapTerms {
                    per_person: version.terms.caps.per_person.map(money),
                    per_month: version.terms.caps.per_month.map(money),
                    total: version.terms.caps.total.map(money),
                }),
                eligibility: Some(pb::Eligibility {
                    needs: version.terms.eligibility.needs.iter().cloned().collect(),
                    age_bands: version
                        .terms
                        .eligibility
                        .age_bands
                        .iter()
                        .cloned()
                        .collect(),
                }),
            })
            .collect(),
        last_day: contract
            .last_day
            .map(|day| day.to_string())
            .unwrap_or_default(),
    }
}

fn tariff_terms(tariff: &Tariff) -> pb::TariffTerms {
    let (evidence, instrument) = match tariff {
        Tariff::AttendedSession { evidence, .. } => (
            evidence
                .iter()
                .map(|evidence| evidence_code(*evidence).to_owned())
                .collect(),
            String::new(),
        ),
        Tariff::Outcome { instrument, .. } => (Vec::new(), instrument.clone()),
        _ => (Vec::new(), String::new()),
    };
    pb::TariffTerms {
        trigger: tariff.trigger().code().to_owned(),
        amount: Some(money(tariff.amount().0)),
        evidence,
        instrument,
    }
}
