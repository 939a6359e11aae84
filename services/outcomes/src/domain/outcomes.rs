//! A referral's outcomes, as a pure decider: every response recorded against the referral, in
//! one stream, so that whether an instrument already has its baseline — and so where the next
//! response falls and what it is paired with — is decided against the same version of the
//! history the append expects.
//!
//! A response's answers are recorded once: the same request again is a retry, answered as the
//! first; the same id with other answers is refused. Its scores are computed by the application
//! layer (`crates/measures`, under the reference data in force) and handed in; the decider
//! places the response, pairs it with the baseline, judges each change against the instrument's
//! minimal important difference and numbers the derivation. Deriving again (another value set,
//! a new instrument version) adds derivations; none is ever replaced.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use decider::Decider;
use measures::{Instrument, Reference, Scores, Verdict};
use uuid::Uuid;

use super::events::{Actor, Answer, Change, Event, Outcome, Score, Utility};
use super::placement::{Episode, Timepoint, Windows};

/// A referral's responses, in the order they were recorded.
#[derive(Debug, Clone, Default)]
pub struct ReferralOutcomes {
    /// Each response, with its latest derivation.
    pub responses: Vec<Response>,
}

/// One response as recorded and last derived.
#[derive(Debug, Clone)]
pub struct Response {
    /// Its id.
    pub response_id: Uuid,
    /// The answers as recorded.
    pub recorded: Recorded,
    /// Its latest derivation.
    pub latest: Option<Outcome>,
    /// The latest derivation's scores as numbers, for pairing.
    pub scores: Option<Scores>,
}

/// A response's answers as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Its referral.
    pub referral_id: Uuid,
    /// The person's pseudonym.
    pub subject: String,
    /// The instrument answered.
    pub instrument: String,
    /// Its version.
    pub instrument_version: String,
    /// When the person answered.
    pub authored: DateTime<Utc>,
    /// The answers.
    pub answers: Vec<Answer>,
}

/// Answers scored: the scores and the instrument (with its MIDs) that scored them.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The instrument that scored them.
    pub instrument: Arc<Instrument>,
    /// What they scored.
    pub scores: Scores,
}

/// What the decider needs to know of the referral and the moment.
#[derive(Debug, Clone)]
pub struct Circumstances {
    /// The referral's episode dates.
    pub episode: Episode,
    /// The deployment's windows.
    pub windows: Windows,
    /// Whether the person consented to outcomes reaching the referrer.
    pub share_with_referrer: bool,
    /// When this is recorded (the clock is read by the caller, never here).
    pub at: DateTime<Utc>,
}

/// What may be asked of a referral's outcomes.
#[derive(Debug, Clone)]
pub enum Command {
    /// Record a response's answers, and their first derivation.
    Record {
        /// The response's id.
        response_id: Uuid,
        /// Its answers.
        recorded: Recorded,
        /// Who recorded them.
        by: Actor,
        /// Their scores.
        scored: Box<Scored>,
        /// The referral and the moment.
        circumstances: Circumstances,
    },
    /// Derive responses' scores again, each as the instrument and value set now in force
    /// score them; a response whose scores come out the same gets no new derivation.
    Derive {
        /// The responses and their new scores.
        rescored: Vec<(Uuid, Scored)>,
        /// The referral and the moment.
        circumstances: Circumstances,
    },
}

/// Rules a command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The response id was used for other answers.
    #[error("response_id is already used for another response")]
    IdUsed,
    /// A response to derive again was never recorded here.
    #[error("no such response")]
    NotFound,
}

impl ReferralOutcomes {
    /// The response `id`, if recorded.
    pub fn response(&self, id: Uuid) -> Option<&Response> {
        self.responses
            .iter()
            .find(|response| response.response_id == id)
    }

    /// The baseline response to `instrument` (any version), if there is one.
    pub fn baseline_of(&self, instrument: &str) -> Option<&Response> {
        self.responses.iter().find(|response| {
            response.recorded.instrument == instrument
                && response
                    .latest
                    .as_ref()
                    .is_some_and(|latest| latest.timepoint == Timepoint::Baseline.code())
        })
    }
}

impl Decider for ReferralOutcomes {
    type State = ReferralOutcomes;
    type Command = Command;
    type Event = Event;
    type Error = Error;

    fn decide(state: &ReferralOutcomes, command: Command) -> Result<Vec<Event>, Error> {
        match command {
            Command::Record {
                response_id,
                recorded,
                by,
                scored,
                circumstances,
            } => {
                if let Some(existing) = state.response(response_id) {
                    // The same answers again are a retry: the caller answers with what is there.
                    return match existing.recorded == recorded {
                        true => Ok(Vec::new()),
                        false => Err(Error::IdUsed),
                    };
                }
                let has_baseline = state.baseline_of(&recorded.instrument).is_some();
                let timepoint = circumstances.episode.place(
                    &circumstances.windows,
                    recorded.authored,
                    has_baseline,
                );
                let outcome = derive(
                    state,
                    response_id,
                    &recorded,
                    scored.as_ref(),
                    timepoint,
                    &circumstances,
                    1,
                );
                Ok(vec![
                    Event::ResponseRecorded {
                        response_id,
                        referral_id: recorded.referral_id,
                        subject: recorded.subject,
                        instrument: recorded.instrument,
                        instrument_version: recorded.instrument_version,
                        authored: recorded.authored,
                        answers: recorded.answers,
                        recorded_by: by,
                        at: circumstances.at,
                    },
                    Event::OutcomeRecorded(outcome),
                ])
            }
            Command::Derive {
                mut rescored,
                circumstances,
            } => {
                let position = |id: &Uuid| {
                    state
                        .responses
                        .iter()
                        .position(|response| response.response_id == *id)
                };
                if rescored.iter().any(|(id, _)| position(id).is_none()) {
                    return Err(Error::NotFound);
                }
                // In the order they were recorded: a baseline is always recorded before the
                // responses paired with it, so each is paired with its baseline's new scores.
                rescored.sort_by_key(|(id, _)| position(id));
                let mut working = state.clone();
                let mut events = Vec::new();
                for (id, scored) in rescored {
                    let Some(response) = working.response(id).cloned() else {
                        continue;
                    };
                    let Some(latest) = &response.latest else {
                        continue;
                    };
                    let timepoint = timepoint_of(&latest.timepoint);
                    let outcome = derive(
                        &working,
                        id,
                        &response.recorded,
                        &scored,
                        timepoint,
                        &circumstances,
                        latest.derivation + 1,
                    );
                    if same_scores(latest, &outcome) {
                        continue;
                    }
                    let event = Event::OutcomeRecorded(outcome);
                    working = Self::evolve(working, &event);
                    events.push(event);
                }
                Ok(events)
            }
        }
    }

    fn evolve(mut state: ReferralOutcomes, event: &Event) -> ReferralOutcomes {
        match event {
            Event::ResponseRecorded {
                response_id,
                referral_id,
                subject,
                instrument,
                instrument_version,
                authored,
                answers,
                ..
            } => state.responses.push(Response {
                response_id: *response_id,
                recorded: Recorded {
                    referral_id: *referral_id,
                    subject: subject.clone(),
                    instrument: instrument.clone(),
                    instrument_version: instrument_version.clone(),
                    authored: *authored,
                    answers: answers.clone(),
                },
                latest: None,
                scores: None,
            }),
            Event::OutcomeRecorded(outcome) => {
                if let Some(response) = state
                    .responses
                    .iter_mut()
                    .find(|response| response.response_id == outcome.response_id)
                {
                    response.scores = scores_of(outcome);
                    response.latest = Some(outcome.clone());
                }
            }
            _ => {}
        }
        state
    }
}

/// The derivation of `recorded`'s `scored` at `timepoint`, paired with the instrument's
/// baseline in `state` when the timepoint is one that pairs.
fn derive(
    state: &ReferralOutcomes,
    response_id: Uuid,
    recorded: &Recorded,
    scored: &Scored,
    timepoint: Timepoint,
    circumstances: &Circumstances,
    derivation: u32,
) -> Outcome {
    let baseline = state
        .baseline_of(&recorded.instrument)
        .filter(|_| timepoint.is_paired())
        .and_then(|baseline| Some((baseline.response_id, baseline.scores.as_ref()?)));
    // Scores the instrument cannot compare (another version, utilities from another value set
    // until both are derived again) are recorded unpaired rather than compared wrongly.
    let changes = baseline
        .and_then(|(_, scores)| scored.instrument.classify(scores, &scored.scores).ok())
        .unwrap_or_default();
    let mid_passed = changes
        .iter()
        .any(|change| change.verdict == Some(Verdict::Improved));
    Outcome {
        response_id,
        referral_id: recorded.referral_id,
        subject: recorded.subject.clone(),
        instrument: recorded.instrument.clone(),
        instrument_version: scored.instrument.version().to_string(),
        authored: recorded.authored,
        timepoint: timepoint.code().to_owned(),
        follow_up: (timepoint == Timepoint::FollowUp).then(|| {
            circumstances
                .episode
                .follow_up_number(&circumstances.windows, recorded.authored)
        }),
        scores: scored
            .scores
            .components
            .iter()
            .map(|component| Score {
                code: component.code.clone(),
                value: component.value.to_string(),
                band: component.band.clone().unwrap_or_default(),
            })
            .collect(),
        utility: scored.scores.utility.as_ref().map(|utility| Utility {
            value: utility.value.to_string(),
            value_set: utility.value_set.id.clone(),
            value_set_version: utility.value_set.version.to_string(),
            scale: utility.scale.clone(),
            state: utility.state.clone(),
        }),
        changes: changes
            .iter()
            .map(|change| Change {
                code: change.code.clone(),
                delta: change.delta.to_string(),
                mid: change
                    .mid
                    .map(|mid| mid.value.to_string())
                    .unwrap_or_default(),
                verdict: change
                    .verdict
                    .map(verdict_code)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect(),
        baseline_response_id: baseline.map(|(id, _)| id),
        mid_passed,
        derivation,
        share_with_referrer: circumstances.share_with_referrer,
        at: circumstances.at,
    }
}

/// A verdict's published code.
pub fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Improved => "improved",
        Verdict::NoMeaningfulChange => "no-meaningful-change",
        Verdict::Deteriorated => "deteriorated",
    }
}

fn timepoint_of(code: &str) -> Timepoint {
    [
        Timepoint::Baseline,
        Timepoint::FollowUp,
        Timepoint::Close,
        Timepoint::Unscheduled,
    ]
    .into_iter()
    .find(|timepoint| timepoint.code() == code)
    .unwrap_or(Timepoint::Unscheduled)
}

/// Whether two derivations say the same: scores, utility, pairing and verdicts.
fn same_scores(a: &Outcome, b: &Outcome) -> bool {
    a.instrument_version == b.instrument_version
        && a.scores == b.scores
        && a.utility == b.utility
        && a.changes == b.changes
        && a.baseline_response_id == b.baseline_response_id
}

/// A derivation's scores as numbers again. Only what this service wrote is read back, so a
/// value that does not parse means no pairing with it rather than a failure.
fn scores_of(outcome: &Outcome) -> Option<Scores> {
    let components = outcome
        .scores
        .iter()
        .map(|score| {
            Some(measures::Component {
                code: score.code.clone(),
                value: score.value.parse().ok()?,
                band: Some(score.band.clone()).filter(|band| !band.is_empty()),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let utility = match &outcome.utility {
        None => None,
        Some(utility) => Some(measures::Utility {
            value: utility.value.parse().ok()?,
            value_set: Reference::new(&utility.value_set, utility.value_set_version.parse().ok()?),
            scale: utility.scale.clone(),
            state: utility.state.clone(),
        }),
    };
    Some(Scores {
        instrument: Reference::new(
            &outcome.instrument,
            outcome.instrument_version.parse().ok()?,
        ),
        components,
        utility,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use measures::{Answers, Catalogue, Person};

    use super::*;

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("a date")
            + Duration::days(n)
    }

    fn circumstances(at: i64) -> Circumstances {
        Circumstances {
            episode: Episode {
                requested: day(-3),
                started: Some(day(0)),
                closed: None,
            },
            windows: Windows {
                baseline_before: Duration::days(28),
                baseline_after: Duration::days(28),
                close_within: Duration::days(14),
                follow_up_every: Duration::weeks(12),
            },
            share_with_referrer: true,
            at: day(at),
        }
    }

    fn swemwbs() -> Arc<Instrument> {
        let catalogue = Catalogue::bundled().expect("the bundled catalogue");
        Arc::new(
            catalogue
                .latest_instrument("swemwbs")
                .expect("SWEMWBS")
                .clone(),
        )
    }

    /// SWEMWBS answered `level` to every item.
    fn scored(level: i64) -> Scored {
        let instrument = swemwbs();
        let answers: Answers = instrument
            .items()
            .iter()
            .map(|item| (item.link_id.clone(), measures::Answer::Integer(level)))
            .collect();
        let scores = instrument
            .score(&answers, &Person::unknown(), None)
            .expect("scores");
        Scored { instrument, scores }
    }

    fn recorded(authored: i64, level: i32) -> Recorded {
        Recorded {
            referral_id: Uuid::nil(),
            subject: "nhs-hmac:ab".to_owned(),
            instrument: "swemwbs".to_owned(),
            instrument_version: "1.0".to_owned(),
            authored: day(authored),
            answers: vec![Answer {
                link_id: "1".to_owned(),
                integer: Some(level),
                code: String::new(),
            }],
        }
    }

    fn record(id: u128, authored: i64, level: i64) -> Command {
        Command::Record {
            response_id: Uuid::from_u128(id),
            recorded: recorded(authored, level as i32),
            by: Actor {
                id: "lw-a".to_owned(),
                organisation: "PCN-A".to_owned(),
            },
            scored: Box::new(scored(level)),
            circumstances: circumstances(authored),
        }
    }

    fn run(commands: Vec<Command>) -> (ReferralOutcomes, Vec<Event>) {
        let mut state = ReferralOutcomes::default();
        let mut all = Vec::new();
        for command in commands {
            let events = ReferralOutcomes::decide(&state, command).expect("decided");
            for event in &events {
                state = ReferralOutcomes::evolve(state, event);
            }
            all.extend(events);
        }
        (state, all)
    }

    fn outcomes(events: &[Event]) -> Vec<&Outcome> {
        events
            .iter()
            .filter_map(|event| match event {
                Event::OutcomeRecorded(outcome) => Some(outcome),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_follow_up_is_paired_with_the_baseline_and_judged_against_the_mid() {
        let (_, events) = run(vec![record(1, 2, 2), record(2, 90, 4)]);
        let outcomes = outcomes(&events);
        assert_eq!(outcomes[0].timepoint, "baseline");
        assert!(outcomes[0].changes.is_empty() && !outcomes[0].mid_passed);
        let follow_up = outcomes[1];
        assert_eq!(follow_up.timepoint, "follow-up");
        assert_eq!(
            follow_up.follow_up,
            Some(1),
            "90 days in: the first, at 12 weeks"
        );
        assert_eq!(follow_up.baseline_response_id, Some(Uuid::from_u128(1)));
        let metric = follow_up
            .changes
            .iter()
            .find(|change| change.code == "metric")
            .expect("the metric's change");
        assert_eq!(metric.verdict, "improved");
        assert!(follow_up.mid_passed);
    }

    #[test]
    fn a_worse_follow_up_deteriorated_and_passes_no_mid() {
        let (_, events) = run(vec![record(1, 2, 4), record(2, 90, 2)]);
        let follow_up = outcomes(&events)[1];
        let metric = follow_up.changes.iter().find(|c| c.code == "metric");
        assert_eq!(metric.map(|c| c.verdict.as_str()), Some("deteriorated"));
        assert!(!follow_up.mid_passed);
    }

    #[test]
    fn a_retry_records_nothing_and_other_answers_under_the_same_id_are_refused() {
        let (state, _) = run(vec![record(1, 2, 3)]);
        let again = ReferralOutcomes::decide(&state, record(1, 2, 3)).expect("a retry");
        assert!(again.is_empty());
        let other = ReferralOutcomes::decide(&state, record(1, 2, 4));
        assert_eq!(other.err(), Some(Error::IdUsed));
    }

    #[test]
    fn a_second_measure_in_the_baseline_window_is_unscheduled_and_unpaired() {
        let (_, events) = run(vec![record(1, 2, 3), record(2, 5, 4)]);
        let second = outcomes(&events)[1];
        assert_eq!(second.timepoint, "unscheduled");
        assert!(second.changes.is_empty() && second.baseline_response_id.is_none());
    }

    #[test]
    fn deriving_again_counts_up_and_the_same_scores_add_nothing() {
        let (state, _) = run(vec![record(1, 2, 3), record(2, 90, 3)]);
        let same = ReferralOutcomes::decide(
            &state,
            Command::Derive {
                rescored: vec![
                    (Uuid::from_u128(1), scored(3)),
                    (Uuid::from_u128(2), scored(3)),
                ],
                circumstances: circumstances(100),
            },
        )
        .expect("derived");
        assert!(same.is_empty());
        // Other scores (as another value set would give) are a second derivation, paired anew.
        let rederived = ReferralOutcomes::decide(
            &state,
            Command::Derive {
                rescored: vec![
                    (Uuid::from_u128(2), scored(5)),
                    (Uuid::from_u128(1), scored(1)),
                ],
                circumstances: circumstances(100),
            },
        )
        .expect("derived");
        let outcomes = outcomes(&rederived);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(
            outcomes[0].response_id,
            Uuid::from_u128(1),
            "the baseline first"
        );
        assert!(outcomes.iter().all(|outcome| outcome.derivation == 2));
        assert!(
            outcomes[1].mid_passed,
            "paired with the baseline's new scores"
        );
        assert_eq!(outcomes[1].at, day(100));
        let unknown = ReferralOutcomes::decide(
            &state,
            Command::Derive {
                rescored: vec![(Uuid::from_u128(9), scored(3))],
                circumstances: circumstances(100),
            },
        );
        assert_eq!(unknown.err(), Some(Error::NotFound));
    }

    #[test]
    fn scores_read_back_as_they_were_written() {
        let (state, _) = run(vec![record(1, 2, 3)]);
        let response = state.response(Uuid::from_u128(1)).expect("recorded");
        assert_eq!(response.scores.as_ref(), Some(&scored(3).scores));
    }
}
