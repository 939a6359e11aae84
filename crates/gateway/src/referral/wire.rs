//! The referral service's JSON shapes, field for field the protobuf messages of
//! `linkwork.referral.v1` (read `proto/linkwork/referral/v1/referral.proto` for what each field
//! means), with times as RFC 3339 strings and the referral's id (and an offer's) in the URL.
//! Text fields use "" for none, as the protos do; unset times are `null`.
//!
//! Request shapes refuse unknown fields and default missing ones, leaving it to the service to
//! say which are required (with a message naming the field).

use chrono::{DateTime, Utc};
use proto::referral::v1 as pb;
use serde::{Deserialize, Serialize};

use crate::time::from_proto;

/// `POST /referrals`. `referral_id` may be left out and one is chosen, but a client that sends
/// its own can retry without making a second referral.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewReferral {
    pub(super) referral_id: String,
    pub(super) referrer_practitioner: String,
    pub(super) receiving_organisation: String,
    pub(super) reason_codes: Vec<String>,
    pub(super) urgency: String,
    pub(super) part_of: String,
    pub(super) accept_by: Option<DateTime<Utc>>,
    pub(super) consent_share_with_providers: bool,
    pub(super) consent_share_outcome_with_referrer: bool,
    /// Never logged: the gateway logs no bodies.
    pub(super) nhs_number: String,
    pub(super) source: String,
}

/// The referral made, and the offer to the receiving organisation.
#[derive(Debug, Serialize)]
pub(super) struct Created {
    pub(super) referral_id: String,
    pub(super) offer_id: String,
}

/// `POST /referrals/{referral_id}/status`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct StatusChange {
    pub(super) status: String,
    pub(super) reason: String,
}

/// `POST /referrals/{referral_id}/complete`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Completion {
    pub(super) outcome_summary: String,
}

/// `POST /referrals/{referral_id}/assign`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Assignment {
    pub(super) practitioner: String,
}

/// An organisation, and a practitioner in it ("" for none).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Holder {
    organisation: String,
    practitioner: String,
}

impl From<Holder> for pb::Holder {
    fn from(h: Holder) -> Self {
        Self {
            organisation: h.organisation,
            practitioner: h.practitioner,
        }
    }
}

impl From<pb::Holder> for Holder {
    fn from(h: pb::Holder) -> Self {
        Self {
            organisation: h.organisation,
            practitioner: h.practitioner,
        }
    }
}

/// `POST /referrals/{referral_id}/offers`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct NewOffer {
    pub(super) to: Option<Holder>,
    pub(super) expires_at: Option<DateTime<Utc>>,
}

/// The offer made.
#[derive(Debug, Serialize)]
pub(super) struct Offered {
    pub(super) offer_id: String,
}

/// `POST /referrals/{referral_id}/refer-onward`. `child_referral_id` may be left out and one
/// is chosen.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Onward {
    pub(super) child_referral_id: String,
    pub(super) service_id: String,
    pub(super) accept_by: Option<DateTime<Utc>>,
}

/// The child referral made.
#[derive(Debug, Serialize)]
pub(super) struct ReferredOnward {
    pub(super) child_referral_id: String,
}

/// `POST /referrals/{referral_id}/contact-attempts`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ContactAttempt {
    pub(super) outcome: String,
}

/// `POST /referrals/{referral_id}/assessment`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Assessment {
    pub(super) needs: Vec<String>,
    pub(super) goals: Vec<String>,
}

/// What a command caused.
#[derive(Debug, Serialize)]
pub(super) struct Caused {
    event_types: Vec<String>,
}

impl From<pb::CommandResponse> for Caused {
    fn from(r: pb::CommandResponse) -> Self {
        Self {
            event_types: r.event_types,
        }
    }
}

/// One holder's time holding a referral.
#[derive(Debug, Serialize)]
pub(super) struct Period {
    holder: Option<Holder>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    via: String,
}

impl From<pb::Period> for Period {
    fn from(p: pb::Period) -> Self {
        Self {
            holder: p.holder.map(Holder::from),
            since: from_proto(p.since),
            until: from_proto(p.until),
            via: p.via,
        }
    }
}

/// Every holder of a referral in order.
#[derive(Debug, Serialize)]
pub(super) struct Trail {
    periods: Vec<Period>,
}

impl From<pb::HandoffTrail> for Trail {
    fn from(t: pb::HandoffTrail) -> Self {
        Self {
            periods: t.periods.into_iter().map(Period::from).collect(),
        }
    }
}

/// Who was accountable at an instant; `null` when the referral did not exist then.
#[derive(Debug, Serialize)]
pub(super) struct Accountable {
    period: Option<Period>,
}

impl From<pb::GetAccountableAtResponse> for Accountable {
    fn from(r: pb::GetAccountableAtResponse) -> Self {
        Self {
            period: r.period.map(Period::from),
        }
    }
}

/// An open referral an organisation holds.
#[derive(Debug, Serialize)]
pub(super) struct Holding {
    referral_id: String,
    practitioner: String,
    since: Option<DateTime<Utc>>,
    status: String,
}

/// An organisation's open referrals, longest-waiting first.
#[derive(Debug, Serialize)]
pub(super) struct Holdings {
    holdings: Vec<Holding>,
}

impl From<pb::ListHoldingsResponse> for Holdings {
    fn from(r: pb::ListHoldingsResponse) -> Self {
        let holdings = r
            .holdings
            .into_iter()
            .map(|h| Holding {
                referral_id: h.referral_id,
                practitioner: h.practitioner,
                since: from_proto(h.since),
                status: h.status,
            })
            .collect();
        Self { holdings }
    }
}
