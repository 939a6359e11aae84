//! Referral status: the HL7 Gravity `Task.status` lifecycle, and who may move it where.
//!
//! | to | from | who |
//! |---|---|---|
//! | received | requested | requester |
//! | accepted, rejected | requested, received | performer |
//! | in-progress | accepted, on-hold | performer |
//! | on-hold | in-progress | performer |
//! | completed | in-progress | performer |
//! | failed | accepted, in-progress, on-hold | performer |
//! | cancelled | any open status | either party |
//! | entered-in-error | any status but entered-in-error | requester |

use serde::{Deserialize, Serialize};

/// A referral's status, named as FHIR `Task.status` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Sent by the referrer.
    Requested,
    /// Delivery to the performer confirmed.
    Received,
    /// The performer took it on.
    Accepted,
    /// The performer turned it down (with a reason).
    Rejected,
    /// Work is under way.
    InProgress,
    /// Paused (with a reason).
    OnHold,
    /// Finished, with an outcome.
    Completed,
    /// Withdrawn by either party.
    Cancelled,
    /// Could not be completed.
    Failed,
    /// Should never have existed.
    EnteredInError,
}

/// Which side of the referral an actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// The organisation that made the referral.
    Requester,
    /// The organisation the referral is with (its `Task.owner`).
    Performer,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 10] = [
        Self::Requested,
        Self::Received,
        Self::Accepted,
        Self::Rejected,
        Self::InProgress,
        Self::OnHold,
        Self::Completed,
        Self::Cancelled,
        Self::Failed,
        Self::EnteredInError,
    ];

    /// The FHIR `Task.status` code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::InProgress => "in-progress",
            Self::OnHold => "on-hold",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
            Self::EnteredInError => "entered-in-error",
        }
    }

    /// The status named by a FHIR `Task.status` code.
    pub fn from_code(code: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|status| status.code() == code)
    }

    /// No transition leaves these except to entered-in-error.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Rejected
                | Self::Completed
                | Self::Cancelled
                | Self::Failed
                | Self::EnteredInError
        )
    }

    /// Whether `party` may move a referral from `self` to `to`.
    pub fn allows(self, to: Status, party: Party) -> bool {
        use Status::*;
        let (requester, performer) = (party == Party::Requester, party == Party::Performer);
        match to {
            Received => requester && self == Requested,
            Accepted | Rejected => performer && matches!(self, Requested | Received),
            InProgress => performer && matches!(self, Accepted | OnHold),
            OnHold => performer && self == InProgress,
            Completed => performer && self == InProgress,
            Failed => performer && matches!(self, Accepted | InProgress | OnHold),
            Cancelled => !self.is_terminal(),
            EnteredInError => requester && self != EnteredInError,
            Requested => false,
        }
    }

    /// Whether moving to `to` needs a reason (FHIR `Task.statusReason`).
    pub fn needs_reason(to: Status) -> bool {
        matches!(
            to,
            Status::Rejected
                | Status::OnHold
                | Status::Cancelled
                | Status::Failed
                | Status::EnteredInError
        )
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::{Party, Status};

    const ALL: [Status; 10] = Status::ALL;

    /// The table in the module docs, as (from, to, requester may, performer may).
    fn expected(from: Status, to: Status) -> (bool, bool) {
        use Status::*;
        match (from, to) {
            (Requested, Received) => (true, false),
            (Requested | Received, Accepted | Rejected) => (false, true),
            (Accepted | OnHold, InProgress) => (false, true),
            (InProgress, OnHold | Completed) => (false, true),
            (Accepted | InProgress | OnHold, Failed) => (false, true),
            (Requested | Received | Accepted | InProgress | OnHold, Cancelled) => (true, true),
            (from, EnteredInError) if from != EnteredInError => (true, false),
            _ => (false, false),
        }
    }

    #[test]
    fn every_pair_of_statuses_follows_the_gravity_table() {
        for from in ALL {
            for to in ALL {
                let (requester, performer) = expected(from, to);
                assert_eq!(
                    from.allows(to, Party::Requester),
                    requester,
                    "{from} → {to} by requester"
                );
                assert_eq!(
                    from.allows(to, Party::Performer),
                    performer,
                    "{from} → {to} by performer"
                );
            }
        }
    }

    #[test]
    fn codes_are_fhir_task_status_codes() {
        let codes: Vec<_> = ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            [
                "requested",
                "received",
                "accepted",
                "rejected",
                "in-progress",
                "on-hold",
                "completed",
                "cancelled",
                "failed",
                "entered-in-error"
            ]
        );
        for status in ALL {
            assert_eq!(Status::from_code(status.code()), Some(status));
        }
        assert_eq!(Status::from_code("done"), None);
        let json = serde_json::to_string(&Status::InProgress).expect("serialise");
        assert_eq!(json, "\"in-progress\"");
    }
}
