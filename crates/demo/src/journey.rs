//! One person through the pathway, each step by the party the referral service expects: the GP
//! practice refers (FHIR), the network's link workers accept, assign, try to make contact,
//! assess what matters, hand over (`handoff.rs`), refer on (`onward.rs`) and close the loop.
//!
//! Every move follows the Gravity status table (`services/referral/src/domain/status.rs`):
//! received and entered-in-error by the requester; accepted, rejected, in-progress, on-hold,
//! failed and completed by the performer; cancelled by either.

use proto::referral::v1 as pb;

use crate::attendance::Places;
use crate::calls::{Caller, Clients, Written, call, rpc};
use crate::error::DemoError;
use crate::measures::{self, When};
use crate::people::{PCNS, Path, Person};
use crate::taxonomy::TERMS;
use crate::{fhir, handoff};

/// Why link workers turn a referral down.
const TURNED_DOWN: [&str; 2] = [
    "Lives outside the network's area; re-referred to the right PCN",
    "Needs urgent mental health support; referred to the crisis team instead",
];
/// What people say when they decline.
const DECLINED: [&str; 3] = [
    "Doesn't feel it's for them right now",
    "Already getting support from family",
    "",
];

/// Where one person's referral ended up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Walked {
    /// Whether the referral was made now or by an earlier run (then nothing else was done).
    pub(crate) existing: bool,
    /// The referral's status at the end.
    pub(crate) status: &'static str,
    /// Each onward referral's status at the end.
    pub(crate) onward: Vec<&'static str>,
    /// Signposted to a service rather than referred.
    pub(crate) signposted: bool,
    /// No suitable service was found near them.
    pub(crate) unmatched: bool,
    /// Outcome measures recorded for them (synthetic answers).
    pub(crate) responses: usize,
    /// Their places in the registers of the sessions they were referred to.
    pub(crate) places: Places,
    /// Daily device summaries sent for them (synthetic).
    pub(crate) device_days: usize,
}

impl Walked {
    fn at(status: &'static str) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }
}

/// A person's walk in progress: who is acting, and on what.
pub(crate) struct Journey<'a> {
    pub(crate) clients: &'a Clients,
    pub(crate) seed: u64,
    pub(crate) person: &'a Person,
    pub(crate) referral_id: String,
    /// The accountable link worker (changes when they hand over).
    pub(crate) link_worker: Caller,
}

impl Journey<'_> {
    /// The step's name, for errors: who, which referral, what.
    pub(crate) fn step(&self, what: &str) -> String {
        let number = self.person.number;
        format!("person {number} (referral {}): {what}", self.referral_id)
    }

    /// Moves `referral_id` to `to` as `caller`.
    pub(crate) async fn status(
        &self,
        caller: &Caller,
        referral_id: &str,
        to: &str,
        reason: &str,
        what: &str,
    ) -> Result<(), DemoError> {
        let body = pb::ChangeStatusRequest {
            referral_id: referral_id.to_owned(),
            status: to.to_owned(),
            reason: reason.to_owned(),
        };
        let step = self.step(what);
        call(
            &step,
            rpc!(self.clients.referral, change_status, caller, body),
        )
        .await?;
        Ok(())
    }

    /// Completes `referral_id` as `caller` with `summary`.
    pub(crate) async fn complete(
        &self,
        caller: &Caller,
        referral_id: &str,
        summary: String,
        what: &str,
    ) -> Result<(), DemoError> {
        let body = pb::CompleteReferralRequest {
            referral_id: referral_id.to_owned(),
            outcome_summary: summary,
        };
        let step = self.step(what);
        call(
            &step,
            rpc!(self.clients.referral, complete_referral, caller, body),
        )
        .await?;
        Ok(())
    }

    /// A pick among `count` things, steady for this person.
    pub(crate) fn pick(&self, salt: u64, count: usize) -> usize {
        let count = count.max(1) as u64;
        (self.person.choices.rotate_left((salt * 7) as u32 % 64) % count) as usize
    }
}

/// Walks `person` as far as their path goes.
pub(crate) async fn walk(
    clients: &Clients,
    seed: u64,
    person: &Person,
) -> Result<Walked, DemoError> {
    let pcn = PCNS[person.pcn];
    let gp = clients.sign_in(&person.gp, &person.practice, "referrer")?;
    let (first, _) = person.link_workers();
    let mut journey = Journey {
        clients,
        seed,
        person,
        referral_id: person.referral_id.to_string(),
        link_worker: clients.sign_in(first, pcn, "link-worker")?,
    };
    if refer(&journey, &gp).await? == Written::Existing {
        return Ok(Walked {
            existing: true,
            ..Walked::default()
        });
    }
    if let Some(walked) = triage(&journey, &gp).await? {
        return Ok(walked);
    }
    take_on(&journey, first).await?;
    if let Some(walked) = make_contact(&journey).await? {
        return Ok(walked);
    }
    let (lw, id) = (&journey.link_worker, &journey.referral_id);
    journey
        .status(lw, id, "in-progress", "", "start working with them")
        .await?;
    if person.handed_to_colleague {
        handoff::hand_over(&mut journey).await?;
    }
    assess(&journey).await?;
    let measured = measures::record(&journey, When::Baseline).await?;
    let mut walked = match person.path {
        Path::Assessed => Walked::at("in-progress"),
        Path::OnHold => {
            let reason = "In hospital; picking up again on discharge";
            let (lw, id) = (&journey.link_worker, &journey.referral_id);
            journey.status(lw, id, "on-hold", reason, "pause").await?;
            Walked::at("on-hold")
        }
        Path::Moved => {
            handoff::moved(&journey).await?;
            Walked::at("in-progress")
        }
        _ => crate::onward::connect(&journey).await?,
    };
    walked.responses = measured;
    if person.share_device_data {
        walked.device_days = crate::devices::send(&journey).await?;
    }
    // Connected to a service: measured again, as a follow-up (or at close).
    if matches!(person.path, Path::Connected { .. }) {
        walked.responses += measures::record(&journey, When::FollowUp).await?;
    }
    Ok(walked)
}

/// The GP practice refers the person to their network's link workers over FHIR, unless an
/// earlier run did (then the person is left as that run left them).
async fn refer(journey: &Journey<'_>, gp: &Caller) -> Result<Written, DemoError> {
    let person = journey.person;
    let step = journey.step("the GP checks whether they referred already");
    let fhir = &journey.clients.fhir;
    if fhir.task_exists(gp, &journey.referral_id, &step).await? {
        return Ok(Written::Existing);
    }
    let today = chrono::Utc::now().date_naive();
    let resource = fhir::service_request(person, PCNS[person.pcn], today);
    let step = journey.step("the GP refers over FHIR");
    fhir.create_service_request(gp, &resource, &step).await
}

/// Paths that end before the link workers take the person on: still waiting, withdrawn by the
/// practice, or turned down.
async fn triage(journey: &Journey<'_>, gp: &Caller) -> Result<Option<Walked>, DemoError> {
    let (lw, id) = (&journey.link_worker, &journey.referral_id);
    let (caller, to, reason, what) = match journey.person.path {
        Path::Waiting { received: false } => return Ok(Some(Walked::at("requested"))),
        Path::Waiting { received: true } => (gp, "received", "", "the practice confirms delivery"),
        Path::EnteredInError => (
            gp,
            "entered-in-error",
            "Referred in error: wrong patient selected",
            "the practice withdraws it",
        ),
        Path::Rejected => (
            lw,
            "rejected",
            TURNED_DOWN[journey.pick(1, TURNED_DOWN.len())],
            "the link workers turn it down",
        ),
        _ => return Ok(None),
    };
    journey.status(caller, id, to, reason, what).await?;
    Ok(Some(Walked::at(to)))
}

/// The link workers accept the referral (responsibility moves to them) and assign `first`.
async fn take_on(journey: &Journey<'_>, first: &str) -> Result<(), DemoError> {
    let (lw, id) = (&journey.link_worker, &journey.referral_id);
    journey
        .status(lw, id, "accepted", "", "the link workers accept")
        .await?;
    let body = pb::AssignPractitionerRequest {
        referral_id: id.clone(),
        practitioner: first.to_owned(),
    };
    let step = journey.step("assign a link worker");
    call(
        &step,
        rpc!(journey.clients.referral, assign_practitioner, lw, body),
    )
    .await?;
    Ok(())
}

/// Calls until the person is reached; `Some` when they never are or decline.
async fn make_contact(journey: &Journey<'_>) -> Result<Option<Walked>, DemoError> {
    let person = journey.person;
    let lw = &journey.link_worker;
    let misses = ["no-answer", "left-message", "wrong-details"];
    for attempt in 0..person.missed_calls {
        let outcome = misses[(attempt + journey.pick(2, 2)) % misses.len()];
        record_contact(journey, outcome).await?;
    }
    let id = &journey.referral_id;
    if person.path == Path::NeverReached {
        let reason = "Could not be contacted after three attempts";
        journey
            .status(lw, id, "failed", reason, "close as not reached")
            .await?;
        return Ok(Some(Walked::at("failed")));
    }
    record_contact(journey, "reached").await?;
    if person.path == Path::Declined {
        let body = pb::RecordDeclinedRequest {
            referral_id: id.clone(),
            reason: DECLINED[journey.pick(3, DECLINED.len())].to_owned(),
        };
        let step = journey.step("record that they declined");
        call(
            &step,
            rpc!(journey.clients.referral, record_declined, lw, body),
        )
        .await?;
        return Ok(Some(Walked::at("cancelled")));
    }
    Ok(None)
}

async fn record_contact(journey: &Journey<'_>, outcome: &str) -> Result<(), DemoError> {
    let body = pb::RecordContactAttemptRequest {
        referral_id: journey.referral_id.clone(),
        outcome: outcome.to_owned(),
    };
    let step = journey.step(&format!("record a contact attempt ({outcome})"));
    let lw = &journey.link_worker;
    call(
        &step,
        rpc!(journey.clients.referral, record_contact_attempt, lw, body),
    )
    .await?;
    Ok(())
}

/// The "what matters to me" conversation: their needs, and a goal for each.
async fn assess(journey: &Journey<'_>) -> Result<(), DemoError> {
    let mut needs: Vec<String> = Vec::new();
    let mut goals = Vec::new();
    for (k, &term) in journey.person.needs.iter().enumerate() {
        let term = &TERMS[term];
        if !needs.iter().any(|need| need == term.need) {
            needs.push(term.need.to_owned());
        }
        goals.push(term.goals[journey.pick(10 + k as u64, term.goals.len())].to_owned());
    }
    let body = pb::RecordAssessmentRequest {
        referral_id: journey.referral_id.clone(),
        needs,
        goals,
    };
    let step = journey.step("record what matters to them");
    let lw = &journey.link_worker;
    call(
        &step,
        rpc!(journey.clients.referral, record_assessment, lw, body),
    )
    .await?;
    Ok(())
}
