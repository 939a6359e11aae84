//! A request's path parameters and query string into its message. Each names a top-level
//! field by its proto name; a repeated field is given by repeating the parameter
//! (`?taxonomy_term_ids=a&taxonomy_term_ids=b`), as grpc-gateway reads it.

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, ReflectMessage, Value};

use super::Malformed;
use super::decode::{integer, integer_refused, timestamp, timestamp_refused};

/// Sets the fields the path's variables name (`{referral_id}`) from their segments.
pub fn decode_path(
    message: &mut DynamicMessage,
    params: &[(String, String)],
) -> Result<(), Malformed> {
    let descriptor = message.descriptor();
    for (name, text) in params {
        let Some(field) = descriptor.get_field_by_name(name) else {
            return Err(Malformed(format!(
                "{name} is not a field of {}",
                descriptor.name()
            )));
        };
        let value = scalar(&field, text, name)?;
        message.set_field(&field, value);
    }
    Ok(())
}

/// Sets fields from the query string's `(name, value)` pairs, in order. Fields named in
/// `excluded` (the path's and the body's) are not parameters.
pub fn decode_query(
    message: &mut DynamicMessage,
    pairs: &[(String, String)],
    excluded: &[&str],
) -> Result<(), Malformed> {
    let descriptor = message.descriptor();
    let parameters: Vec<FieldDescriptor> = descriptor
        .fields()
        .filter(|field| !excluded.contains(&field.name()) && takes_text(field))
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (name, text) in pairs {
        let Some(field) = parameters.iter().find(|field| field.name() == name) else {
            let known: Vec<&str> = parameters.iter().map(FieldDescriptor::name).collect();
            let known = match known.is_empty() {
                true => "this endpoint takes none".to_owned(),
                false => format!("use {}", known.join(", ")),
            };
            return Err(Malformed(format!(
                "{name} is not a query parameter here; {known}"
            )));
        };
        // `?ids=` is how a client writes an empty list (OpenAPI's form style has no other way).
        if field.is_list() && text.is_empty() {
            continue;
        }
        let value = scalar(field, text, name)?;
        if field.is_list() {
            let mut items = message
                .get_field(field)
                .as_list()
                .unwrap_or_default()
                .to_vec();
            items.push(value);
            message.set_field(field, Value::List(items));
        } else if seen.contains(&name.as_str()) {
            return Err(Malformed(format!("{name} may be given only once")));
        } else {
            message.set_field(field, value);
        }
        seen.push(name);
    }
    Ok(())
}

/// Whether a field can be given as text: a scalar, a list of them, or a timestamp.
pub(crate) fn takes_text(field: &FieldDescriptor) -> bool {
    match field.kind() {
        Kind::Message(message) => message.full_name() == "google.protobuf.Timestamp",
        Kind::Bytes => false,
        _ => !field.is_map(),
    }
}

/// One value of `field` from text.
fn scalar(field: &FieldDescriptor, text: &str, name: &str) -> Result<Value, Malformed> {
    let wrong = |what: &str| Malformed(format!("{name} must be {what}"));
    match field.kind() {
        Kind::String => Ok(Value::String(text.to_owned())),
        Kind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(wrong("true or false")),
        },
        Kind::Double | Kind::Float => text
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite() && is_json_number(text))
            .map(|number| match field.kind() {
                Kind::Float => Value::F32(number as f32),
                _ => Value::F64(number),
            })
            .ok_or_else(|| wrong("a number")),
        Kind::Message(message) => timestamp(&message, text).ok_or_else(|| timestamp_refused(name)),
        Kind::Enum(descriptor) => descriptor
            .get_value_by_name(text)
            .map(|value| Value::EnumNumber(value.number()))
            .ok_or_else(|| wrong("one of the enumeration's names")),
        kind => whole_text(text)
            .and_then(|whole| integer(&kind, whole))
            .ok_or_else(|| integer_refused(&kind, name)),
    }
}

/// Digits with an optional minus sign, as an OpenAPI client writes an integer parameter.
fn whole_text(text: &str) -> Option<i128> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Whether `text` is written as a JSON number is (no `inf`, `NaN`, leading `+` or `.5`).
fn is_json_number(text: &str) -> bool {
    serde_json::from_str::<serde_json::Number>(text).is_ok()
}
