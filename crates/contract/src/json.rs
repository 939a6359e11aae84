//! The JSON API's side of the proto3 JSON mapping (protobuf.dev/programming-guides/json).
//!
//! - [`decode_body`], [`decode_query`] and [`decode_path`]: a request's JSON body, query string
//!   and path into the RPC's request message. Stricter than the mapping allows, so that a
//!   request is refused exactly when the OpenAPI document says it is malformed: only proto
//!   field names, each once; text is a JSON string, whole numbers are JSON numbers with no
//!   fraction (64-bit ones within ±2⁵³−1), timestamps RFC 3339 strings; no `null`. Every refusal
//!   names the field.
//! - [`encode`]: a response message as JSON with the proto field names, every field sent (text
//!   "" for none, as in the protos) but for unset messages and `optional` fields, which are
//!   left out, and 64-bit numbers as JSON numbers.

mod decode;
mod query;
mod strict;

use prost_reflect::{DynamicMessage, SerializeOptions};

pub use decode::decode_body;
pub(crate) use decode::integer_range;
pub(crate) use query::takes_text;
pub use query::{decode_path, decode_query};

/// The largest whole number a JSON number carries exactly (2⁵³ − 1): the bound of every 64-bit
/// field in the JSON API.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A request the JSON API cannot turn into its message, with a message naming the field or
/// parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// A JSON object (an event as stored, say) as a `google.protobuf.Struct`, which the JSON API
/// shows as the object itself; `None` when `bytes` is not a JSON object.
pub fn to_struct(bytes: &[u8]) -> Option<prost_types::Struct> {
    let descriptor = crate::pool().get_message_by_name("google.protobuf.Struct")?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let message = DynamicMessage::deserialize(descriptor, &mut deserializer).ok()?;
    message.transcode_to().ok()
}

/// `message` as JSON.
pub fn encode(message: &DynamicMessage) -> serde_json::Value {
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false)
        .stringify_64_bit_integers(false);
    // Serialising into a `Value` fails only for map keys that are not strings, and the
    // mapping writes every key as a string.
    message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests;
