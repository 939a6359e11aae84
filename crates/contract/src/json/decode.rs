//! A JSON body into a request message: strict types, proto field names, the field named in
//! every refusal.

use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, Value,
};
use serde_json::Value as Json;

use super::{MAX_SAFE_INTEGER, Malformed, strict};

/// Fills `message` from the JSON `bytes`: the whole body is `body_field`'s value when given
/// (a `body: "field"` binding), or else an object of the message's fields (`body: "*"`),
/// in which the fields named in `from_path` may not appear.
pub fn decode_body(
    message: &mut DynamicMessage,
    body_field: Option<&FieldDescriptor>,
    bytes: &[u8],
    from_path: &[&str],
) -> Result<(), Malformed> {
    // A body is an object, for every binding Linkwork declares; say so before serde would
    // report a type mismatch somewhere inside.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(Malformed("body must be a JSON object".to_owned()));
    }
    let json = strict::parse(bytes)?;
    match body_field {
        Some(field) => {
            let value = field_value(field, &json, field.name())?;
            message.set_field(field, value);
            Ok(())
        }
        None => fill(message, &json, "", from_path),
    }
}

fn join(prefix: &str, name: &str) -> String {
    match prefix {
        "" => name.to_owned(),
        _ => format!("{prefix}.{name}"),
    }
}

/// Sets `message`'s fields from the object `json`.
fn fill(
    message: &mut DynamicMessage,
    json: &Json,
    prefix: &str,
    from_path: &[&str],
) -> Result<(), Malformed> {
    let Json::Object(entries) = json else {
        let what = match prefix {
            "" => "body".to_owned(),
            _ => prefix.to_owned(),
        };
        return Err(Malformed(format!("{what} must be a JSON object")));
    };
    let descriptor = message.descriptor();
    for (key, value) in entries {
        let path = join(prefix, key);
        let Some(field) = descriptor.get_field_by_name(key) else {
            return Err(unknown_field(&descriptor, &path, from_path));
        };
        if from_path.contains(&key.as_str()) {
            return Err(Malformed(format!(
                "{path} is given in the path, not the body"
            )));
        }
        let value = field_value(&field, value, &path)?;
        message.set_field(&field, value);
    }
    Ok(())
}

fn unknown_field(descriptor: &MessageDescriptor, path: &str, from_path: &[&str]) -> Malformed {
    let known: Vec<String> = descriptor
        .fields()
        .map(|field| field.name().to_owned())
        .filter(|name| !from_path.contains(&name.as_str()))
        .collect();
    Malformed(format!(
        "{path} is not a field here; the fields are {}",
        known.join(", ")
    ))
}

/// The value of `field` from `json`: a list for a repeated field, else one value.
fn field_value(field: &FieldDescriptor, json: &Json, path: &str) -> Result<Value, Malformed> {
    if field.is_map() {
        return Err(Malformed(format!(
            "{path}: maps are not taken by the JSON API"
        )));
    }
    if !field.is_list() {
        return single(field.kind(), json, path);
    }
    let Json::Array(items) = json else {
        return Err(Malformed(format!("{path} must be a JSON array")));
    };
    let kind = field.kind();
    items
        .iter()
        .enumerate()
        .map(|(index, item)| single(kind.clone(), item, &format!("{path}[{index}]")))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::List)
}

fn single(kind: Kind, json: &Json, path: &str) -> Result<Value, Malformed> {
    let wrong = |what: &str| Malformed(format!("{path} must be {what}"));
    match (kind, json) {
        (_, Json::Null) => Err(Malformed(format!("{path} may not be null; leave it out"))),
        (Kind::String, Json::String(text)) => Ok(Value::String(text.clone())),
        (Kind::String, _) => Err(wrong("text (a JSON string)")),
        (Kind::Bool, Json::Bool(flag)) => Ok(Value::Bool(*flag)),
        (Kind::Bool, _) => Err(wrong("true or false")),
        (Kind::Double, Json::Number(number)) => number
            .as_f64()
            .map(Value::F64)
            .ok_or_else(|| wrong("a number")),
        (Kind::Float, Json::Number(number)) => number
            .as_f64()
            .filter(|value| value.abs() <= f64::from(f32::MAX))
            .map(|value| Value::F32(value as f32))
            .ok_or_else(|| wrong("a number within the range of a 32-bit float")),
        (Kind::Double | Kind::Float, _) => Err(wrong("a number")),
        (Kind::Enum(descriptor), Json::String(name)) => descriptor
            .get_value_by_name(name)
            .map(|value| Value::EnumNumber(value.number()))
            .ok_or_else(|| wrong("one of the enumeration's names")),
        (Kind::Enum(_), _) => Err(wrong("one of the enumeration's names")),
        (Kind::Message(descriptor), json) => message(descriptor, json, path),
        (Kind::Bytes, _) => Err(Malformed(format!(
            "{path}: bytes are not taken by the JSON API"
        ))),
        (integer, json) => whole(integer, json, path),
    }
}

/// The range of each integer kind, as JSON carries it: 64-bit ones only as far as a JSON
/// number is exact.
pub(crate) fn integer_range(kind: &Kind) -> (i64, i64) {
    // 2⁵³ − 1 fits an i64 with room to spare.
    let safe = MAX_SAFE_INTEGER as i64;
    match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => (i32::MIN.into(), i32::MAX.into()),
        Kind::Uint32 | Kind::Fixed32 => (0, u32::MAX.into()),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => (-safe, safe),
        _ => (0, safe),
    }
}

/// A JSON number as a whole number: `36973` or `36973.0`; `None` with a fraction.
fn whole_number(number: &serde_json::Number) -> Option<i128> {
    if let Some(n) = number.as_i64() {
        return Some(n.into());
    }
    if let Some(n) = number.as_u64() {
        return Some(n.into());
    }
    let n = number.as_f64()?;
    (n.fract() == 0.0 && n.abs() < 1e30).then_some(n as i128)
}

/// `whole` as a value of the integer `kind`, if it is within the kind's range.
pub(super) fn integer(kind: &Kind, whole: i128) -> Option<Value> {
    let (min, max) = integer_range(kind);
    if whole < i128::from(min) || whole > i128::from(max) {
        return None;
    }
    // Within range, so each conversion below is exact.
    Some(match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(whole as i32),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(whole as u32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(whole as i64),
        _ => Value::U64(whole as u64),
    })
}

pub(super) fn integer_refused(kind: &Kind, path: &str) -> Malformed {
    let (min, max) = integer_range(kind);
    Malformed(format!("{path} must be a whole number from {min} to {max}"))
}

fn whole(kind: Kind, json: &Json, path: &str) -> Result<Value, Malformed> {
    let parsed = match json {
        Json::Number(number) => whole_number(number).and_then(|n| integer(&kind, n)),
        _ => None,
    };
    parsed.ok_or_else(|| integer_refused(&kind, path))
}

/// A message field: a timestamp from its RFC 3339 string, any other from an object.
fn message(descriptor: MessageDescriptor, json: &Json, path: &str) -> Result<Value, Malformed> {
    match descriptor.full_name() {
        "google.protobuf.Timestamp" => {
            let Json::String(text) = json else {
                return Err(timestamp_refused(path));
            };
            timestamp(&descriptor, text).ok_or_else(|| timestamp_refused(path))
        }
        "google.protobuf.Struct" | "google.protobuf.Value" => {
            let options = prost_reflect::DeserializeOptions::new();
            DynamicMessage::deserialize_with_options(descriptor, json, &options)
                .map(Value::Message)
                .map_err(|error| Malformed(format!("{path}: {error}")))
        }
        _ => {
            let mut inner = DynamicMessage::new(descriptor);
            fill(&mut inner, json, path, &[])?;
            Ok(Value::Message(inner))
        }
    }
}

pub(super) fn timestamp_refused(path: &str) -> Malformed {
    Malformed(format!(
        "{path} must be an RFC 3339 date-time, e.g. 2026-11-02T09:30:00Z"
    ))
}

/// An RFC 3339 date-time as a `google.protobuf.Timestamp` (years 1 to 9999, as the type
/// allows). The date and time are joined by `T` (or `t`), as JSON Schema's `date-time` asks,
/// though chrono would take a space too.
pub(super) fn timestamp(descriptor: &MessageDescriptor, text: &str) -> Option<Value> {
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    let at = chrono::DateTime::parse_from_rfc3339(text).ok()?.to_utc();
    if !(1..=9999).contains(&chrono::Datelike::year(&at)) {
        return None;
    }
    let stamp = prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).ok()?,
    };
    let mut message = DynamicMessage::new(descriptor.clone());
    message.transcode_from(&stamp).ok()?;
    Some(Value::Message(message))
}
