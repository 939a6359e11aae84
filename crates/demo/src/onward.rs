//! Connecting a person to local services: the link worker searches the directory near their
//! postcode for each need, refers them on to services that take referrals and have room (a
//! child referral each), and the providers answer; or, without consent to share, signposts.

use proto::directory::v1 as directory;
use proto::referral::v1 as pb;

use crate::attendance::{self, Pattern, Places};
use crate::calls::{Caller, call, in_days, rpc, until_known};
use crate::error::DemoError;
use crate::journey::{Journey, Walked};
use crate::people::{Offer, Path};
use crate::taxonomy::{self, TERMS};

/// How far a person is first asked to travel, in metres; then anywhere in the region.
const NEARBY_M: u32 = 8_000;
/// Why providers turn an onward referral down.
const TURNED_DOWN: [&str; 3] = [
    "No places until the spring term after all",
    "Outside the area we cover",
    "Needs more support than our volunteers can give",
];
/// What providers report when someone finishes.
const OUTCOMES: [&str; 3] = [
    "Attended 6 of 8 sessions; now comes weekly on their own",
    "Completed the course and joined the volunteer rota",
    "Matters resolved with an adviser; no further support needed",
];

/// A service the link worker referred the person on to.
struct Referred {
    child_id: String,
    service_id: String,
    name: String,
    provider: Caller,
    offer: Offer,
}

/// Refers the person on (or signposts them), lets each provider answer, and closes the loop
/// when the plan says so and every provider has answered.
pub(crate) async fn connect(journey: &Journey<'_>) -> Result<Walked, DemoError> {
    let person = journey.person;
    if !person.share_with_providers {
        return signpost(journey).await;
    }
    let mut referred: Vec<Referred> = Vec::new();
    for (k, offer) in person.offers.iter().enumerate() {
        let term = person.needs[k % person.needs.len()];
        let taken: Vec<&str> = referred.iter().map(|r| r.service_id.as_str()).collect();
        let Some(found) = find(journey, term, true, &taken).await? else {
            continue;
        };
        let child_id = person.onward_id(journey.seed, k).to_string();
        let body = pb::ReferOnwardRequest {
            referral_id: journey.referral_id.clone(),
            child_referral_id: child_id.clone(),
            service_id: found.id.clone(),
            accept_by: Some(in_days(14)),
        };
        let step = journey.step(&format!("refer on to {:?} ({})", found.name, found.id));
        let lw = &journey.link_worker;
        until_known(
            &step,
            rpc!(journey.clients.referral, refer_onward, lw, body),
        )
        .await?;
        let coordinator = crate::personas::coordinator(&found.organisation_id);
        referred.push(Referred {
            child_id,
            service_id: found.id,
            name: found.name,
            provider: journey.clients.sign_in(
                &coordinator,
                &found.organisation_id,
                "vcse-provider",
            )?,
            offer: *offer,
        });
    }
    if referred.is_empty() {
        return signpost(journey).await;
    }
    if person.path == Path::WithdrewConsent {
        return withdraw(journey, &referred).await;
    }
    let mut onward = Vec::new();
    let mut places = Places::default();
    for service in &referred {
        let (status, kept) = answer(journey, service).await?;
        onward.push(status);
        places.attended += kept.attended;
        places.missed += kept.missed;
    }
    // The link worker closes their episode once every provider has answered (those attending
    // carry on with the provider).
    let all_answered = onward.iter().all(|status| *status != "requested");
    let status = match person.path {
        Path::Connected { close: true, .. } if all_answered => {
            let names: Vec<&str> = referred.iter().map(|r| r.name.as_str()).collect();
            let summary = format!(
                "Connected with {}. Goals reviewed at follow-up; they feel more in control.",
                names.join(" and ")
            );
            let lw = &journey.link_worker;
            let id = &journey.referral_id;
            journey.complete(lw, id, summary, "close the loop").await?;
            "completed"
        }
        _ => "in-progress",
    };
    Ok(Walked {
        status,
        onward,
        places,
        ..Walked::default()
    })
}

/// The provider's answer to one onward referral, and the person's places in its sessions'
/// registers while it has them; returns where it ends up, and the places.
async fn answer(
    journey: &Journey<'_>,
    service: &Referred,
) -> Result<(&'static str, Places), DemoError> {
    let (provider, id) = (&service.provider, &service.child_id);
    let what = |step: &str| format!("{} {step}", service.name);
    if service.offer == Offer::Unanswered {
        return Ok(("requested", Places::default()));
    }
    if service.offer == Offer::Rejected {
        let reason = TURNED_DOWN[journey.pick(20, TURNED_DOWN.len())];
        journey
            .status(provider, id, "rejected", reason, &what("turns it down"))
            .await?;
        return Ok(("rejected", Places::default()));
    }
    journey
        .status(provider, id, "accepted", "", &what("accepts"))
        .await?;
    let pattern = match (service.offer, journey.pick(32, 3)) {
        (Offer::DidNotAttend, _) => Pattern::NeverCame,
        (Offer::Attending, 0) => Pattern::Drifting,
        _ => Pattern::Regular,
    };
    let places = attendance::keep(journey, provider, &service.service_id, id, pattern).await?;
    let status = match service.offer {
        Offer::DidNotAttend => {
            let reason = "Did not attend after three invitations";
            journey
                .status(provider, id, "failed", reason, &what("closes it"))
                .await?;
            "failed"
        }
        Offer::Attending => {
            journey
                .status(provider, id, "in-progress", "", &what("starts"))
                .await?;
            "in-progress"
        }
        _ => {
            journey
                .status(provider, id, "in-progress", "", &what("starts"))
                .await?;
            let summary = OUTCOMES[journey.pick(21, OUTCOMES.len())].to_owned();
            journey
                .complete(provider, id, summary, &what("completes"))
                .await?;
            "completed"
        }
    };
    Ok((status, places))
}

/// The person withdrew consent to share: the link worker records it and cancels everything.
async fn withdraw(journey: &Journey<'_>, referred: &[Referred]) -> Result<Walked, DemoError> {
    let lw = &journey.link_worker;
    let body = pb::WithdrawConsentRequest {
        referral_id: journey.referral_id.clone(),
    };
    let step = journey.step("record that they withdrew consent");
    call(
        &step,
        rpc!(journey.clients.referral, withdraw_consent, lw, body),
    )
    .await?;
    let reason = "The person withdrew consent to share";
    let mut onward = Vec::new();
    for service in referred {
        let what = format!("cancel the referral to {}", service.name);
        journey
            .status(lw, &service.child_id, "cancelled", reason, &what)
            .await?;
        onward.push("cancelled");
    }
    let id = &journey.referral_id;
    journey
        .status(lw, id, "cancelled", reason, "cancel the referral")
        .await?;
    Ok(Walked {
        status: "cancelled",
        onward,
        ..Walked::default()
    })
}

/// No referral on (no consent, or nothing near that takes referrals): the link worker tells the
/// person about a service to contact themselves, and closes the loop.
async fn signpost(journey: &Journey<'_>) -> Result<Walked, DemoError> {
    let term = journey.person.needs[0];
    let found = find(journey, term, false, &[]).await?;
    let summary = match &found {
        Some(service) => format!(
            "Signposted to {} ({}); they will get in touch themselves.",
            service.name, service.organisation_name
        ),
        None => "No suitable service nearby; given the details of the wellbeing line.".to_owned(),
    };
    let (lw, id) = (&journey.link_worker, &journey.referral_id);
    journey
        .complete(lw, id, summary, "close after signposting")
        .await?;
    Ok(Walked {
        status: "completed",
        signposted: found.is_some(),
        unmatched: found.is_none(),
        ..Walked::default()
    })
}

/// A service meeting `term` for this person, nearest first: one that takes referrals and has
/// room when `referrals`, and not one of `taken` (ids). Asked nearby first, then anywhere.
async fn find(
    journey: &Journey<'_>,
    term: usize,
    referrals: bool,
    taken: &[&str],
) -> Result<Option<directory::ServiceSummary>, DemoError> {
    let person = journey.person;
    for within_metres in [Some(NEARBY_M), None] {
        let body = directory::SearchRequest {
            taxonomy_term_ids: vec![taxonomy::term_id(TERMS[term].code).to_string()],
            postcode: person.postcode.clone(),
            within_metres,
            age: Some(person.age),
            takes_referrals: referrals,
            with_capacity: referrals,
            page_size: 10,
            ..directory::SearchRequest::default()
        };
        let step = journey.step(&format!(
            "search for {:?} near {}",
            TERMS[term].name, person.postcode
        ));
        let lw = &journey.link_worker;
        let answer = call(&step, rpc!(journey.clients.directory, search, lw, body)).await?;
        let candidates: Vec<directory::ServiceSummary> = answer
            .results
            .into_iter()
            .filter_map(|result| result.service)
            .filter(|service| !taken.contains(&service.id.as_str()))
            .collect();
        if !candidates.is_empty() {
            let pick = journey.pick(30 + term as u64, candidates.len().min(3));
            return Ok(candidates.into_iter().nth(pick));
        }
    }
    Ok(None)
}
