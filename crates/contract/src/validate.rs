//! Checks a request against the limits its proto declares, naming the first field that breaks
//! one: what every service does to every request before its handler runs.

use std::fmt::Display;

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, ReflectMessage, Value};

use crate::rules::{self, FieldRules, Format};
use crate::text;

/// A request field that breaks its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Violation {
    /// The field, as a path: `details.schedules[0].days[2]`.
    pub field: String,
    /// What is wrong, starting with the field's path.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(field: &str, complaint: impl Display) -> Self {
        Self {
            field: field.to_owned(),
            message: format!("{field} {complaint}"),
        }
    }
}

/// The first limit `message` breaks, if any.
pub fn validate(message: &DynamicMessage) -> Result<(), Violation> {
    check_message(message, "")
}

pub(crate) fn is_number(field: &FieldDescriptor) -> bool {
    matches!(
        field.kind(),
        Kind::Int32
            | Kind::Sint32
            | Kind::Sfixed32
            | Kind::Uint32
            | Kind::Fixed32
            | Kind::Int64
            | Kind::Sint64
            | Kind::Sfixed64
            | Kind::Uint64
            | Kind::Fixed64
            | Kind::Double
            | Kind::Float
    )
}

fn path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn check_message(message: &DynamicMessage, prefix: &str) -> Result<(), Violation> {
    for field in message.descriptor().fields() {
        let name = path(prefix, field.name());
        let rules = rules::of(&field);
        if let Some(rules) = rules
            && message.has_field(&field)
        {
            check_companions(message, rules, &name, prefix)?;
        }
        let value = message.get_field(&field);
        if field.is_list() {
            let items = value.as_list().unwrap_or_default();
            check_list(rules, items, &name)?;
            for (index, item) in items.iter().enumerate() {
                check_one(rules, item, true, &format!("{name}[{index}]"))?;
            }
        } else if field.supports_presence() && !message.has_field(&field) {
            if rules.is_some_and(|rules| rules.required) {
                return Err(Violation::new(&name, "is required"));
            }
        } else {
            check_one(rules, &value, false, &name)?;
        }
    }
    Ok(())
}

/// The fields `rules` says must come with a field that was given.
fn check_companions(
    message: &DynamicMessage,
    rules: &FieldRules,
    name: &str,
    prefix: &str,
) -> Result<(), Violation> {
    for companion in &rules.requires {
        let given = message
            .descriptor()
            .get_field_by_name(companion)
            .is_some_and(|field| message.has_field(&field));
        if !given {
            let companion = path(prefix, companion);
            return Err(Violation::new(name, format!("needs {companion} with it")));
        }
    }
    Ok(())
}

fn check_list(rules: Option<&FieldRules>, items: &[Value], name: &str) -> Result<(), Violation> {
    let Some(rules) = rules else {
        return Ok(());
    };
    if rules.required && items.is_empty() {
        return Err(Violation::new(name, "must have at least one item"));
    }
    if rules.max_items > 0 && items.len() > rules.max_items as usize {
        let max = rules.max_items;
        return Err(Violation::new(
            name,
            format!("must have at most {max} items"),
        ));
    }
    Ok(())
}

fn check_one(
    rules: Option<&FieldRules>,
    value: &Value,
    item: bool,
    name: &str,
) -> Result<(), Violation> {
    match value {
        Value::String(text) => match rules {
            Some(rules) => check_text(rules, text, item, name),
            None => Ok(()),
        },
        Value::Message(inner) => check_inner(inner, name),
        other => match (rules, number(other)) {
            (Some(rules), Some(number)) => {
                let unsigned = matches!(other, Value::U32(_) | Value::U64(_));
                check_range(rules, number, unsigned, name)
            }
            _ => Ok(()),
        },
    }
}

/// A message value: a timestamp is checked as one; one of ours is checked field by field.
fn check_inner(inner: &DynamicMessage, name: &str) -> Result<(), Violation> {
    let descriptor = inner.descriptor();
    if descriptor.full_name() == "google.protobuf.Timestamp" {
        let timestamp: prost_types::Timestamp = inner
            .transcode_to()
            .map_err(|_| Violation::new(name, "is not a valid timestamp"))?;
        let valid = u32::try_from(timestamp.nanos)
            .ok()
            .and_then(|nanos| chrono::DateTime::from_timestamp(timestamp.seconds, nanos))
            .is_some_and(|at| (1..=9999).contains(&chrono::Datelike::year(&at)));
        return match valid {
            true => Ok(()),
            false => Err(Violation::new(name, "is not a valid timestamp")),
        };
    }
    if descriptor.package_name().starts_with("linkwork.") {
        return check_message(inner, name);
    }
    Ok(())
}

fn number(value: &Value) -> Option<f64> {
    Some(match value {
        Value::I32(n) => f64::from(*n),
        Value::U32(n) => f64::from(*n),
        Value::I64(n) => *n as f64,
        Value::U64(n) => *n as f64,
        Value::F32(n) => f64::from(*n),
        Value::F64(n) => *n,
        _ => return None,
    })
}

/// `value` as a bound is written: whole numbers without a fraction.
fn bound(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn check_range(
    rules: &FieldRules,
    number: f64,
    unsigned: bool,
    name: &str,
) -> Result<(), Violation> {
    let minimum = rules.minimum.or(unsigned.then_some(0.0));
    let maximum = rules.maximum;
    let inside = number.is_finite()
        && minimum.is_none_or(|min| number >= min)
        && maximum.is_none_or(|max| number <= max);
    if inside {
        return Ok(());
    }
    let complaint = match (minimum, maximum) {
        (Some(min), Some(max)) => format!("must be from {} to {}", bound(min), bound(max)),
        (Some(min), None) => format!("must be at least {}", bound(min)),
        (None, Some(max)) => format!("must be at most {}", bound(max)),
        (None, None) => "must be a finite number".to_owned(),
    };
    Err(Violation::new(name, complaint))
}

fn check_text(rules: &FieldRules, value: &str, item: bool, name: &str) -> Result<(), Violation> {
    let blank = value.chars().all(text::is_blank);
    if value.is_empty() && !rules.required && !item {
        return Ok(()); // "" is "none" for a field that may be left out
    }
    if !value.chars().all(|c| text::is_allowed(c, rules.multiline)) {
        let complaint = match rules.multiline {
            true => {
                "must not hold control characters (but line breaks and tabs) or direction overrides"
            }
            false => "must be one line with no control characters or direction overrides",
        };
        return Err(Violation::new(name, complaint));
    }
    if blank && (rules.required || item) {
        let complaint = if item {
            "must not be empty"
        } else {
            "is required"
        };
        return Err(Violation::new(name, complaint));
    }
    let length = value.chars().count();
    if rules.max_length > 0 && length > rules.max_length as usize {
        let max = rules.max_length;
        return Err(Violation::new(
            name,
            format!("must be at most {max} characters"),
        ));
    }
    if !rules.values.is_empty() && !rules.values.iter().any(|allowed| allowed == value) {
        let listed = rules
            .values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>();
        return Err(Violation::new(
            name,
            format!("must be one of {}", listed.join(", ")),
        ));
    }
    let format = rules.format();
    if let Some(pattern) = rules::format_pattern(format)
        && !(rules::matches(pattern, value) && format_holds(format, value))
    {
        return Err(Violation::new(
            name,
            format!("must be {}", rules::format_words(format)),
        ));
    }
    if !rules.pattern.is_empty() && !rules::matches(&rules.pattern, value) {
        let shape = match rules.shape.as_str() {
            "" => format!("must match {}", rules.pattern),
            shape => format!("must be {shape}"),
        };
        return Err(Violation::new(name, shape));
    }
    Ok(())
}

/// What a pattern cannot say: that a date is on the calendar.
fn format_holds(format: Format, value: &str) -> bool {
    match format {
        Format::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        _ => true,
    }
}

#[cfg(test)]
mod tests;
