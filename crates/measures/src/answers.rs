//! One person's answers to one questionnaire, keyed by item, and why a set of answers is
//! refused.
//!
//! Answers are health data. Nothing here prints them: `Debug` shows which items were answered,
//! not how, and an [`AnswerError`] names the item and what it expects, never the value given,
//! so errors can be logged and returned to callers without leaking a response.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// One item's answer: a number on an integer scale, or the code of a chosen option.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A point on an integer scale, e.g. `7` on ONS4's 0–10.
    Integer(i64),
    /// The code of one of the item's options, e.g. `often`.
    Code(String),
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(_) => f.write_str("Integer(..)"),
            Self::Code(_) => f.write_str("Code(..)"),
        }
    }
}

impl From<i64> for Answer {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl From<&str> for Answer {
    fn from(code: &str) -> Self {
        Self::Code(code.to_owned())
    }
}

/// Answers by item `linkId`. In JSON, an object: `{"satisfied": 7, "lonely": "never"}`.
///
/// Reading JSON refuses an item answered twice (`{"1": 3, "1": 5}`) rather than keeping the
/// last answer as a plain map would: which of two answers the person meant is not ours to guess.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, Answer>);

impl Answers {
    /// No answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// These answers with `link_id` answered `answer` (replacing any earlier answer).
    pub fn with(mut self, link_id: &str, answer: impl Into<Answer>) -> Self {
        self.insert(link_id, answer);
        self
    }

    /// Answers `link_id` with `answer`, replacing any earlier answer.
    pub fn insert(&mut self, link_id: &str, answer: impl Into<Answer>) {
        self.0.insert(link_id.to_owned(), answer.into());
    }

    /// The answer to `link_id`, if any.
    pub fn get(&self, link_id: &str) -> Option<&Answer> {
        self.0.get(link_id)
    }

    /// Removes and returns the answer to `link_id`.
    pub fn remove(&mut self, link_id: &str) -> Option<Answer> {
        self.0.remove(link_id)
    }

    /// The answers in `linkId` order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.0
            .iter()
            .map(|(link_id, answer)| (link_id.as_str(), answer))
    }

    /// The number of items answered.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no item is answered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl<K: Into<String>, A: Into<Answer>> FromIterator<(K, A)> for Answers {
    fn from_iter<I: IntoIterator<Item = (K, A)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(link_id, answer)| (link_id.into(), answer.into()))
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for Answers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AnswersVisitor)
    }
}

/// Reads answers entry by entry, so that a repeated or unreadable entry is refused by its
/// `linkId` (made safe to show), never by its value.
struct AnswersVisitor;

impl<'de> Visitor<'de> for AnswersVisitor {
    type Value = Answers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of answers by linkId, each a whole number or an option code")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut entries: M) -> Result<Answers, M::Error> {
        let mut answers = BTreeMap::new();
        while let Some(link_id) = entries.next_key::<String>()? {
            let answer = entries.next_value::<Answer>().map_err(|_| {
                let expected = "expected a whole number or an option code";
                de::Error::custom(format!("{}: {expected}", shown_link_id(&link_id)))
            })?;
            if answers.contains_key(&link_id) {
                let message = format!("{}: answered more than once", shown_link_id(&link_id));
                return Err(de::Error::custom(message));
            }
            answers.insert(link_id, answer);
        }
        Ok(Answers(answers))
    }
}

/// The kind of answer an item takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerKind {
    /// A whole number.
    Integer,
    /// An option's code.
    Code,
}

impl fmt::Display for AnswerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Integer => "a whole number",
            Self::Code => "an option code",
        })
    }
}

/// Why a set of answers does not fit an instrument. Each names the item (its `linkId`) and what
/// it expects; none repeats the answer given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// The answers name an item the instrument does not have. The name is shown shortened and
    /// with control characters replaced: it came from the caller.
    #[error("{link_id}: the instrument has no such item")]
    UnknownItem {
        /// The unknown `linkId`, made safe to show.
        link_id: String,
    },
    /// A required item is not answered.
    #[error("{link_id}: required, and not answered")]
    Missing {
        /// The item.
        link_id: String,
    },
    /// The answer is of the wrong kind, e.g. a code for an integer scale.
    #[error("{link_id}: expected {expected}")]
    WrongType {
        /// The item.
        link_id: String,
        /// What it takes.
        expected: AnswerKind,
    },
    /// An integer outside the item's scale.
    #[error("{link_id}: expected a whole number from {min} to {max}")]
    OutOfRange {
        /// The item.
        link_id: String,
        /// The lowest answer taken.
        min: i64,
        /// The highest answer taken.
        max: i64,
    },
    /// A code that is not one of the item's options.
    #[error("{link_id}: not one of the item's options")]
    UnknownOption {
        /// The item.
        link_id: String,
    },
}

/// The longest caller-supplied `linkId` an error repeats.
const SHOWN_CHARS: usize = 64;

/// A caller-supplied `linkId` made safe to put in an error: shortened, control characters
/// replaced, so a key cannot forge log lines or smuggle a long payload through.
pub fn shown_link_id(link_id: &str) -> String {
    let mut safe: String = link_id
        .chars()
        .take(SHOWN_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if link_id.chars().count() > SHOWN_CHARS {
        safe.push('…');
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_items_not_answers() {
        let answers = Answers::new()
            .with("anxious", 9)
            .with("lonely", "often-always");
        let printed = format!("{answers:?}");
        assert_eq!(printed, r#"{"anxious", "lonely"}"#);
    }

    #[test]
    fn reads_integers_and_codes_from_json() {
        let answers: Answers =
            serde_json::from_str(r#"{"satisfied": 7, "lonely": "never"}"#).expect("answers");
        assert_eq!(answers.get("satisfied"), Some(&Answer::Integer(7)));
        assert_eq!(answers.get("lonely"), Some(&Answer::Code("never".into())));
    }

    #[test]
    fn refuses_an_item_answered_twice_naming_it() {
        let error = serde_json::from_str::<Answers>(r#"{"1": 3, "2": 4, "1": 5}"#)
            .expect_err("a repeated linkId");
        assert_eq!(without_position(&error), "1: answered more than once");
    }

    #[test]
    fn refuses_an_unreadable_answer_naming_its_item_not_its_value() {
        for json in [
            r#"{"happy": 7.5}"#,
            r#"{"happy": true}"#,
            r#"{"happy": [7]}"#,
        ] {
            let error = serde_json::from_str::<Answers>(json).expect_err("not an answer");
            let expected = "happy: expected a whole number or an option code";
            assert_eq!(without_position(&error), expected, "{json}");
        }
    }

    /// serde_json's message without the " at line L column C" it appends.
    fn without_position(error: &serde_json::Error) -> String {
        let message = error.to_string();
        match message.split_once(" at line ") {
            Some((message, _)) => message.to_owned(),
            None => message,
        }
    }

    #[test]
    fn shown_link_ids_are_short_and_printable() {
        assert_eq!(shown_link_id("a\nb"), "a\u{fffd}b");
        assert_eq!(
            shown_link_id(&"x".repeat(100)).chars().count(),
            SHOWN_CHARS + 1
        );
    }
}
