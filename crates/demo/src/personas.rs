//! The people of the demo region one can sign in as, to see it as they do: who they are, the
//! organisation they act for and the role they act in. All of them are synthetic.

use crate::people::{LINK_WORKERS, PCNS, practice};
use crate::region::organisation;
use crate::words::FAMILY_NAMES;

/// The directory administrator who lists the region's services.
pub(crate) const CURATOR: &str = "demo-curator";
/// The region's Integrated Care Board (a fictional code).
pub(crate) const ICB: &str = "LINBRIDGE-ICB";
/// The coordinator who answers onward referrals for a VCSE organisation.
pub(crate) fn coordinator(organisation_id: &str) -> String {
    let short: String = organisation_id.chars().take(8).collect();
    format!("vcse-coordinator-{short}")
}

/// Someone of the demo region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    /// Their user id.
    pub user: String,
    /// The organisation they act for.
    pub organisation: String,
    /// The role they act in.
    pub role: &'static str,
    /// What they see and do.
    pub about: &'static str,
}

/// One of each kind of person in the region grown from `seed`.
pub fn personas(seed: u64) -> Vec<Persona> {
    let provider = organisation(seed, 0).id.to_string();
    // The first district's practice has two GPs; this is the first.
    let gp = format!("dr-{}", FAMILY_NAMES[0].to_ascii_lowercase());
    let person = |user: &str, organisation: &str, role, about| Persona {
        user: user.to_owned(),
        organisation: organisation.to_owned(),
        role,
        about,
    };
    vec![
        person(
            &gp,
            &practice(0),
            "referrer",
            "a GP of a practice: refers people and follows their referrals",
        ),
        person(
            LINK_WORKERS[0][0],
            PCNS[0],
            "link-worker",
            "a link worker of a primary care network: the caseload, onward referrals, outcomes",
        ),
        person(
            &coordinator(&provider),
            &provider,
            "vcse-provider",
            "a VCSE organisation's coordinator: onward referrals to its services, its capacity",
        ),
        person(
            CURATOR,
            ICB,
            "directory-admin",
            "the directory's administrator: every organisation's services",
        ),
        person(
            "demo-outcomes-lead",
            ICB,
            "outcomes-admin",
            "the ICB's outcomes lead: which EQ-5D value set is in force, and the instruments",
        ),
        person(
            crate::devices::SYNC_USER,
            crate::devices::INTEGRATOR,
            "integrator",
            "an activity app's integrator: daily step summaries for people who consented",
        ),
        person(
            "demo-auditor",
            ICB,
            "auditor",
            "an information governance auditor: who has looked at a person's record",
        ),
    ]
}
