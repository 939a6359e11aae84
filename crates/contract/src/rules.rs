//! The limits a request field must keep, as its proto declares them
//! (`[(linkwork.api.v1.field) = { … }]`, see `proto/linkwork/api/v1/annotations.proto`).
//!
//! Read once from the descriptors into a table keyed by field; the patterns they name are
//! compiled with them, so a pattern that does not compile fails the first test that looks.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::{FieldDescriptor, Value};
use regex_lite::Regex;

pub use proto::api::v1::{FieldRules, Format, HttpAnswer};

use crate::pool;

/// The pattern each format's values match, in the dialect JSON Schema and the services share.
pub fn format_pattern(format: Format) -> Option<&'static str> {
    Some(match format {
        Format::Unspecified => return None,
        Format::Uuid => {
            "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
        }
        Format::Date => "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        Format::TimeOfDay => "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        Format::LanguageTag => "^[A-Za-z0-9-]{2,35}$",
    })
}

/// What a value of `format` must be, in words, for refusals.
pub fn format_words(format: Format) -> &'static str {
    match format {
        Format::Unspecified => "text",
        Format::Uuid => "a UUID",
        Format::Date => "a date as YYYY-MM-DD",
        Format::TimeOfDay => "a time as HH:MM",
        Format::LanguageTag => "a BCP 47 language tag",
    }
}

struct Table {
    rules: HashMap<String, FieldRules>,
    patterns: HashMap<String, Regex>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let pool = pool();
        let mut table = Table {
            rules: HashMap::new(),
            patterns: HashMap::new(),
        };
        let Some(extension) = pool.get_extension_by_name("linkwork.api.v1.field") else {
            return table;
        };
        for message in pool.all_messages() {
            for field in message.fields() {
                let options = field.options();
                if !options.has_extension(&extension) {
                    continue;
                }
                let Value::Message(declared) = options.get_extension(&extension).into_owned()
                else {
                    continue;
                };
                let Ok(rules) = declared.transcode_to::<FieldRules>() else {
                    continue;
                };
                let format = format_pattern(rules.format()).map(str::to_owned);
                for pattern in [Some(rules.pattern.clone()), format].into_iter().flatten() {
                    if pattern.is_empty() || table.patterns.contains_key(&pattern) {
                        continue;
                    }
                    // A pattern that does not compile is left out here and reported by
                    // `check_declarations`, which the tests run.
                    if let Ok(regex) = Regex::new(&pattern) {
                        table.patterns.insert(pattern, regex);
                    }
                }
                table.rules.insert(field.full_name().to_owned(), rules);
            }
        }
        table
    })
}

/// The limits declared on `field`, if any.
pub fn of(field: &FieldDescriptor) -> Option<&'static FieldRules> {
    table().rules.get(field.full_name())
}

/// The values field `field` of message `message` (full name) may hold, as declared; empty
/// when it declares none. For tests that hold a service's codes to its proto.
pub fn declared_values(message: &str, field: &str) -> Vec<String> {
    let Some(field) = pool()
        .get_message_by_name(message)
        .and_then(|message| message.get_field_by_name(field))
    else {
        return Vec::new();
    };
    of(&field)
        .map(|rules| rules.values.clone())
        .unwrap_or_default()
}

/// Whether `value` matches `pattern` (a declared pattern or a format's).
pub(crate) fn matches(pattern: &str, value: &str) -> bool {
    table()
        .patterns
        .get(pattern)
        .is_some_and(|regex| regex.is_match(value))
}

/// Every declaration that cannot be honoured: a pattern that does not compile, a limit on a
/// field of a type it does not apply to. Empty when all is well; the tests assert it is.
pub fn check_declarations() -> Vec<String> {
    let mut problems = Vec::new();
    for message in pool().all_messages() {
        for field in message.fields() {
            let Some(rules) = of(&field) else {
                continue;
            };
            let name = field.full_name();
            for pattern in [rules.pattern.as_str()]
                .into_iter()
                .chain(format_pattern(rules.format()))
                .filter(|pattern| !pattern.is_empty())
            {
                if let Err(error) = Regex::new(pattern) {
                    problems.push(format!("{name}: pattern {pattern:?}: {error}"));
                }
            }
            let text = field.kind() == prost_reflect::Kind::String;
            let textual = rules.max_length > 0
                || rules.multiline
                || rules.format() != Format::Unspecified
                || !rules.pattern.is_empty()
                || !rules.values.is_empty();
            if textual && !text {
                problems.push(format!("{name}: text limits on a field that is not text"));
            }
            let numeric = rules.minimum.is_some() || rules.maximum.is_some();
            if numeric && !crate::validate::is_number(&field) {
                problems.push(format!("{name}: a range on a field that is not a number"));
            }
            if rules.max_items > 0 && !field.is_list() {
                problems.push(format!("{name}: max_items on a field that is not repeated"));
            }
            for companion in &rules.requires {
                if message.get_field_by_name(companion).is_none() {
                    problems.push(format!(
                        "{name}: requires {companion}, which {} does not have",
                        message.name()
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_declared_limit_can_be_honoured() {
        assert_eq!(super::check_declarations(), Vec::<String>::new());
    }
}
