//! Handing a person over, in two phases (offer, then accept): to a colleague in the same
//! team, or to the next network's link workers when the person moves. Each handoff is a period
//! in the referral's trail, which is what "who was accountable at T" reads.

use proto::referral::v1 as pb;

use crate::calls::{Caller, call, in_days, rpc};
use crate::error::DemoError;
use crate::journey::Journey;
use crate::people::{LINK_WORKERS, PCNS};

/// The link worker offers the person to a colleague in the team, who accepts.
pub(crate) async fn hand_over(journey: &mut Journey<'_>) -> Result<(), DemoError> {
    let (_, colleague) = journey.person.link_workers();
    let pcn = PCNS[journey.person.pcn];
    let to = pb::Holder {
        organisation: pcn.to_owned(),
        practitioner: colleague.to_owned(),
    };
    let colleague = journey.clients.sign_in(colleague, pcn, "link-worker")?;
    handoff(journey, to, &colleague, "hand over to a colleague").await?;
    journey.link_worker = colleague;
    Ok(())
}

/// The person moved: the next network's link workers take them on and assign one of theirs.
pub(crate) async fn moved(journey: &Journey<'_>) -> Result<(), DemoError> {
    let next = (journey.person.pcn + 1) % PCNS.len();
    let (pcn, practitioner) = (PCNS[next], LINK_WORKERS[next][0]);
    let to = pb::Holder {
        organisation: pcn.to_owned(),
        practitioner: String::new(),
    };
    let receiver = journey.clients.sign_in(practitioner, pcn, "link-worker")?;
    handoff(journey, to, &receiver, "hand over to the next network").await?;
    let body = pb::AssignPractitionerRequest {
        referral_id: journey.referral_id.clone(),
        practitioner: practitioner.to_owned(),
    };
    let step = journey.step("the next network assigns a link worker");
    call(
        &step,
        rpc!(
            journey.clients.referral,
            assign_practitioner,
            &receiver,
            body
        ),
    )
    .await?;
    Ok(())
}

/// A two-phase handoff: the accountable link worker offers, `receiver` accepts.
async fn handoff(
    journey: &Journey<'_>,
    to: pb::Holder,
    receiver: &Caller,
    what: &str,
) -> Result<(), DemoError> {
    let body = pb::OfferResponsibilityRequest {
        referral_id: journey.referral_id.clone(),
        to: Some(to),
        expires_at: Some(in_days(7)),
    };
    let step = journey.step(&format!("{what}: offer"));
    let lw = &journey.link_worker;
    let offer = call(
        &step,
        rpc!(journey.clients.referral, offer_responsibility, lw, body),
    )
    .await?;
    let body = pb::AcceptOfferRequest {
        referral_id: journey.referral_id.clone(),
        offer_id: offer.offer_id,
    };
    let step = journey.step(&format!("{what}: accept"));
    call(
        &step,
        rpc!(journey.clients.referral, accept_offer, receiver, body),
    )
    .await?;
    Ok(())
}
