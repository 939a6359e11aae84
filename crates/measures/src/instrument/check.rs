//! Whether a set of answers fits an instrument: every answer for a known item, of the right
//! kind and in range, and every required item answered.
//!
//! Unknown items are reported before missing ones: a misspelt `linkId` otherwise shows up as
//! the correctly spelt item "not answered", which points the caller at the wrong key.

use crate::answers::{Answer, AnswerError, AnswerKind, Answers, shown_link_id};
use crate::instrument::Instrument;
use crate::instrument::definition::AnswerType;

impl Instrument {
    /// Checks `answers` against the items: required items present, answers in range or among
    /// the options, of the right kind, and no unknown `linkId`s. The first problem found is
    /// returned; it names the item and never repeats the answer.
    pub fn check(&self, answers: &Answers) -> Result<(), AnswerError> {
        self.values(answers).map(|_| ())
    }

    /// Each item's scored value, by position: `None` for an optional item left unanswered.
    pub(crate) fn values(&self, answers: &Answers) -> Result<Vec<Option<i64>>, AnswerError> {
        if let Some((link_id, _)) = answers
            .iter()
            .find(|(link_id, _)| !self.compiled.positions.contains_key(*link_id))
        {
            return Err(AnswerError::UnknownItem {
                link_id: shown_link_id(link_id),
            });
        }
        let mut values = Vec::with_capacity(self.definition.items.len());
        for item in &self.definition.items {
            let link_id = || item.link_id.clone();
            let value = match (answers.get(&item.link_id), &item.answer) {
                (None, _) if item.required => {
                    return Err(AnswerError::Missing { link_id: link_id() });
                }
                (None, _) => None,
                (Some(Answer::Integer(value)), AnswerType::Integer { min, max }) => {
                    if !(min..=max).contains(&value) {
                        let (min, max) = (*min, *max);
                        let link_id = link_id();
                        return Err(AnswerError::OutOfRange { link_id, min, max });
                    }
                    Some(*value)
                }
                (Some(Answer::Code(code)), AnswerType::Choice { options }) => {
                    let option = options.iter().find(|option| &option.code == code);
                    let option =
                        option.ok_or_else(|| AnswerError::UnknownOption { link_id: link_id() })?;
                    Some(option.value)
                }
                (Some(_), AnswerType::Integer { .. }) => {
                    let expected = AnswerKind::Integer;
                    return Err(AnswerError::WrongType {
                        link_id: link_id(),
                        expected,
                    });
                }
                (Some(_), AnswerType::Choice { .. }) => {
                    let expected = AnswerKind::Code;
                    return Err(AnswerError::WrongType {
                        link_id: link_id(),
                        expected,
                    });
                }
            };
            values.push(value);
        }
        Ok(values)
    }
}
