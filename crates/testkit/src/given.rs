//! Given/when/then for deciders: `given(&[events]).when(command).then(&[events])`.

use std::fmt::Debug;

use decider::Decider;

/// A history to decide against.
#[derive(Debug)]
pub struct Given<D: Decider> {
    state: D::State,
}

/// A command decided against a history.
#[derive(Debug)]
pub struct When<D: Decider> {
    outcome: Result<Vec<D::Event>, D::Error>,
}

/// Starts a test from the state folded from `events`.
pub fn given<D: Decider>(events: &[D::Event]) -> Given<D> {
    Given {
        state: D::fold(events),
    }
}

impl<D: Decider> Given<D> {
    /// Decides `command`.
    pub fn when(self, command: D::Command) -> When<D> {
        When {
            outcome: D::decide(&self.state, command),
        }
    }
}

impl<D: Decider> When<D>
where
    D::Event: PartialEq + Debug,
    D::Error: PartialEq + Debug,
{
    /// Asserts the command was accepted and caused exactly `expected`.
    #[track_caller]
    pub fn then(self, expected: &[D::Event]) {
        match self.outcome {
            Ok(events) => assert_eq!(events, expected, "the command caused other events"),
            Err(error) => {
                panic!("expected events {expected:?}, but the command was refused: {error:?}")
            }
        }
    }

    /// Asserts the command was refused with `expected`.
    #[track_caller]
    pub fn then_err(self, expected: D::Error) {
        match self.outcome {
            Ok(events) => {
                panic!("expected refusal {expected:?}, but the command caused {events:?}")
            }
            Err(error) => assert_eq!(
                error, expected,
                "the command was refused for another reason"
            ),
        }
    }
}
