//! Outcome measures for the people the link workers work with, through the outcomes
//! service's gRPC API as the link worker records them: a baseline of SWEMWBS and EQ-5D-5L
//! (and ONS4 or UCLA-3 for some) when they start working with the person, and the same again
//! as a follow-up for those connected to a service. All the answers are synthetic, grown from
//! the seed: most people a little better at follow-up, some the same, a few worse.
//!
//! A demo's episodes start the day it loads, so the baseline is dated a few days before and the
//! follow-up today; `up --demo` sets the baseline window to close at the episode's start
//! (`baseline_days_after` 0) so that today's measure counts as a follow-up.

use chrono::{Duration, Utc};
use proto::outcomes::v1 as pb;
use rand::Rng;
use rand::rngs::StdRng;

use crate::calls::{Clients, rpc, until_known};
use crate::error::DemoError;
use crate::journey::Journey;
use crate::seed;

/// How a person's answers move from baseline to follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Course {
    Better,
    Same,
    Worse,
}

/// One response's answers, as the instrument's `linkId`s take them.
struct Answers {
    instrument: &'static str,
    answers: Vec<pb::Answer>,
}

fn integer(link_id: &str, value: i32) -> pb::Answer {
    pb::Answer {
        link_id: link_id.to_owned(),
        integer: Some(value),
        code: String::new(),
    }
}

fn code(link_id: &str, code: &str) -> pb::Answer {
    pb::Answer {
        link_id: link_id.to_owned(),
        integer: None,
        code: code.to_owned(),
    }
}

/// `value` moved by up to `step` the way `course` says, kept within `range`; `better_up` says
/// which way is better on the scale.
fn moved(
    rng: &mut StdRng,
    value: i32,
    course: Course,
    step: i32,
    range: (i32, i32),
    better_up: bool,
) -> i32 {
    let by = rng.random_range(0..=step);
    let better = if better_up { by } else { -by };
    let shifted = match course {
        Course::Better => value + better,
        Course::Same => value,
        Course::Worse => value - better,
    };
    shifted.clamp(range.0, range.1)
}

/// Person `number`'s answers at baseline (`course` None) or at follow-up: the baseline is drawn
/// from the same seeded stream both times, and the follow-up moves each answer from there.
fn answers(seed: u64, number: usize, course: Option<Course>) -> Vec<Answers> {
    let mut base = seed::rng(seed, "measures-baseline", number);
    let mut follow = seed::rng(seed, "measures-follow-up", number);
    let mut at = |value: i32, step: i32, range: (i32, i32), better_up: bool| match course {
        None => value,
        Some(course) => moved(&mut follow, value, course, step, range, better_up),
    };
    let mut measures = Vec::new();
    let swemwbs = (1..=7)
        .map(|item| {
            let level = base.random_range(2..=3);
            integer(&item.to_string(), at(level, 2, (1, 5), true))
        })
        .collect();
    measures.push(Answers {
        instrument: "swemwbs",
        answers: swemwbs,
    });
    let dimensions = [
        "mobility",
        "self-care",
        "usual-activities",
        "pain-discomfort",
        "anxiety-depression",
    ];
    let mut eq5d: Vec<pb::Answer> = dimensions
        .iter()
        .map(|link_id| {
            let level = base.random_range(1..=3);
            integer(link_id, at(level, 1, (1, 5), false))
        })
        .collect();
    let vas = base.random_range(40..=70);
    eq5d.push(integer("vas", at(vas, 15, (0, 100), true)));
    measures.push(Answers {
        instrument: "eq5d5l",
        answers: eq5d,
    });
    if base.random_bool(0.5) {
        let ons4 = ["satisfied", "worthwhile", "happy", "anxious"]
            .iter()
            .map(|link_id| {
                let value = base.random_range(3..=6);
                // Anxiety is the one item where lower is better.
                integer(link_id, at(value, 3, (0, 10), *link_id != "anxious"))
            })
            .collect();
        measures.push(Answers {
            instrument: "ons4",
            answers: ons4,
        });
    } else {
        // Loneliness: lower is better on both scales, so "better" moves down them.
        let scale = ["hardly-ever", "some-of-the-time", "often"];
        let direct = [
            "never",
            "hardly-ever",
            "occasionally",
            "some-of-the-time",
            "often-always",
        ];
        let lonely = base.random_range(1..=2);
        let ucla = at(lonely, 1, (0, 2), false) as usize;
        let asked = at(lonely + 1, 1, (0, 4), false) as usize;
        measures.push(Answers {
            instrument: "ucla3",
            answers: vec![
                code("companionship", scale[ucla]),
                code("left-out", scale[ucla]),
                code("isolated", scale[ucla.saturating_sub(1)]),
                code("lonely", direct[asked]),
            ],
        });
    }
    measures
}

/// When a measure is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// As the link worker starts working with them (dated a few days before).
    Baseline,
    /// Once they are connected to a service (dated today).
    FollowUp,
}

/// Records the person's measures at `when`, as the accountable link worker; answers with how
/// many responses (an earlier run's, sent again, are found and not recorded twice).
pub(crate) async fn record(journey: &Journey<'_>, when: When) -> Result<usize, DemoError> {
    let number = journey.person.number;
    let mut rng = seed::rng(journey.seed, "measures", number);
    let course = match rng.random_range(0..100) {
        0..60 => Course::Better,
        60..85 => Course::Same,
        _ => Course::Worse,
    };
    let (course, authored, offset) = match when {
        When::Baseline => (
            None,
            Utc::now() - Duration::days(rng.random_range(1..=20)),
            0,
        ),
        When::FollowUp => (Some(course), Utc::now(), 8),
    };
    let responses = answers(journey.seed, number, course);
    let count = responses.len();
    for (k, response) in responses.into_iter().enumerate() {
        let response_id = seed::id(journey.seed, "measures-response", number * 16 + offset + k);
        let body = pb::RecordResponseRequest {
            referral_id: journey.referral_id.clone(),
            response_id: response_id.to_string(),
            instrument: response.instrument.to_owned(),
            instrument_version: String::new(),
            // To the nanosecond: a follow-up taken moments after the episode started is after it.
            authored: Some(prost_types::Timestamp {
                seconds: authored.timestamp(),
                nanos: i32::try_from(authored.timestamp_subsec_nanos()).unwrap_or(0),
            }),
            answers: response.answers,
        };
        let step = journey.step(&format!("the link worker records {}", response.instrument));
        let clients: &Clients = journey.clients;
        let record = rpc!(
            clients.outcomes,
            record_response,
            &journey.link_worker,
            body
        );
        until_known(&step, record).await?;
    }
    Ok(count)
}
