//! The shape every Linkwork aggregate takes: a pure, synchronous decider.
//!
//! `decide(state, command)` answers with the events the command causes, or the rule it breaks;
//! `evolve(state, event)` folds one event into the state. Neither does I/O: the application
//! layer looks up whatever a command needs (the clock, new ids, other read models) before it
//! calls `decide`, and appends the resulting events with the version it loaded as the expected
//! version. That keeps every rule testable with plain given/when/then tests.

/// A pure aggregate.
pub trait Decider {
    /// The state folded from the aggregate's events; `Default` is "no events yet".
    type State: Default;
    /// What callers ask for.
    type Command;
    /// What happened.
    type Event;
    /// The rule a refused command broke.
    type Error;

    /// Decides what `command` causes given `state`, or refuses it.
    fn decide(state: &Self::State, command: Self::Command)
    -> Result<Vec<Self::Event>, Self::Error>;

    /// Folds one event into the state.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds a history from the initial state.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |state, event| {
                Self::evolve(state, event)
            })
    }
}
