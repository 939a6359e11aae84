//! JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the messages the JSON API takes and answers,
//! from the same descriptors and limits [`crate::validate`] and [`crate::json`] enforce: a
//! request is valid against its schema exactly when the API takes it.
//!
//! A message has two schemas. The request one (`…Input`) is strict: only the declared fields,
//! each with its limits, `required` as declared. The response one lists every field the API
//! always sends as required; unset messages and `optional` fields are left out of answers.

use std::collections::BTreeMap;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Value, json};

use crate::json::integer_range;
use crate::rules::{self, FieldRules, Format};
use crate::{docs, text};

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// In a request: its limits apply.
    Request,
    /// In an answer.
    Response,
}

/// The component schemas referred to so far, by name.
#[derive(Debug, Default)]
pub struct Components {
    schemas: BTreeMap<String, Value>,
}

impl Components {
    /// The schemas, for `components.schemas`.
    pub fn into_schemas(self) -> serde_json::Map<String, Value> {
        self.schemas.into_iter().collect()
    }

    /// A `$ref` to `message`'s schema, adding it (and what it refers to) if it is new.
    pub fn reference(&mut self, message: &MessageDescriptor, direction: Direction) -> Value {
        let name = match direction {
            Direction::Request => format!("{}Input", message.full_name()),
            Direction::Response => message.full_name().to_owned(),
        };
        if !self.schemas.contains_key(&name) {
            // Placed first, so a message that contains itself refers back instead of looping.
            self.schemas.insert(name.clone(), Value::Null);
            let schema = self.object(message, direction, &[]);
            self.schemas.insert(name.clone(), schema);
        }
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// `message` as an object schema, without the fields named in `left_out` (those the path
    /// holds).
    pub fn object(
        &mut self,
        message: &MessageDescriptor,
        direction: Direction,
        left_out: &[&str],
    ) -> Value {
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        let mut companions = serde_json::Map::new();
        for field in message.fields() {
            if left_out.contains(&field.name()) {
                continue;
            }
            if let Some(rules) = rules::of(&field).filter(|_| direction == Direction::Request)
                && !rules.requires.is_empty()
            {
                companions.insert(field.name().to_owned(), json!(rules.requires));
            }
            let must = match direction {
                Direction::Request => rules::of(&field).is_some_and(|rules| rules.required),
                Direction::Response => !field.supports_presence(),
            };
            if must {
                required.push(Value::from(field.name()));
            }
            properties.insert(field.name().to_owned(), self.field(&field, direction));
        }
        let mut schema = json!({ "type": "object", "properties": properties });
        if direction == Direction::Request {
            schema["additionalProperties"] = Value::Bool(false);
        }
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        if !companions.is_empty() {
            schema["dependentRequired"] = Value::Object(companions);
        }
        if let Some(description) = docs::message(message) {
            schema["description"] = Value::String(description);
        }
        schema
    }

    /// The schema of one field's value, described by the field's comment.
    pub fn field(&mut self, field: &FieldDescriptor, direction: Direction) -> Value {
        let rules = match direction {
            Direction::Request => rules::of(field),
            Direction::Response => None,
        };
        let mut schema = if field.is_list() {
            let mut list = json!({
                "type": "array",
                "items": self.single(field, rules, true, direction),
            });
            if let Some(rules) = rules {
                if rules.max_items > 0 {
                    list["maxItems"] = rules.max_items.into();
                }
                if rules.required {
                    list["minItems"] = 1.into();
                }
            }
            list
        } else {
            self.single(field, rules, false, direction)
        };
        if let (Some(description), Value::Object(object)) = (docs::field(field), &mut schema) {
            object.insert("description".to_owned(), Value::String(description));
        }
        schema
    }

    fn single(
        &mut self,
        field: &FieldDescriptor,
        rules: Option<&FieldRules>,
        item: bool,
        direction: Direction,
    ) -> Value {
        let bounds = |schema: &mut Value| {
            if let Some(rules) = rules {
                if let Some(minimum) = rules.minimum {
                    schema["minimum"] = json!(minimum);
                }
                if let Some(maximum) = rules.maximum {
                    schema["maximum"] = json!(maximum);
                }
            }
        };
        match field.kind() {
            Kind::String => match rules {
                Some(rules) => text_schema(rules, item),
                None => json!({ "type": "string" }),
            },
            Kind::Bool => json!({ "type": "boolean" }),
            Kind::Double | Kind::Float => {
                let format = if field.kind() == Kind::Float {
                    "float"
                } else {
                    "double"
                };
                let mut schema = json!({ "type": "number", "format": format });
                bounds(&mut schema);
                schema
            }
            Kind::Bytes => json!({ "type": "string", "contentEncoding": "base64" }),
            Kind::Enum(descriptor) => {
                let names: Vec<String> = descriptor
                    .values()
                    .map(|value| value.name().to_owned())
                    .collect();
                json!({ "type": "string", "enum": names })
            }
            Kind::Message(message) => match message.full_name() {
                // RFC 3339 allows year 0000; a protobuf timestamp starts at year 1.
                "google.protobuf.Timestamp" => json!({
                    "type": "string",
                    "format": "date-time",
                    "pattern": "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-",
                }),
                "google.protobuf.Struct" => json!({ "type": "object" }),
                "google.protobuf.Value" => json!({}),
                _ => self.reference(&message, direction),
            },
            kind => {
                let (least, most) = integer_range(&kind);
                let mut schema = json!({ "type": "integer", "minimum": least, "maximum": most });
                if matches!(kind, Kind::Int32 | Kind::Sint32 | Kind::Sfixed32) {
                    schema["format"] = "int32".into();
                } else if least < 0 && most > i64::from(u32::MAX) {
                    schema["format"] = "int64".into();
                }
                bounds(&mut schema);
                schema
            }
        }
    }
}

/// A field's schema as a query or path parameter: the same as in a body.
pub fn parameter(field: &FieldDescriptor) -> Value {
    Components::default().field(field, Direction::Request)
}

/// The schema of text under `rules`; `item` for an item of a list, which may never be blank.
fn text_schema(rules: &FieldRules, item: bool) -> Value {
    let required = rules.required || item;
    if !rules.values.is_empty() {
        let mut values: Vec<&str> = rules.values.iter().map(String::as_str).collect();
        if !required {
            values.insert(0, "");
        }
        return json!({ "type": "string", "enum": values });
    }
    let mut schema = json!({ "type": "string" });
    if rules.max_length > 0 {
        schema["maxLength"] = rules.max_length.into();
    }
    if required {
        schema["minLength"] = 1.into();
    }
    let format = rules.format();
    if let Some(pattern) = rules::format_pattern(format) {
        let mut shaped = json!({ "pattern": pattern });
        if let Some(name) = json_format(format) {
            shaped["format"] = name.into();
        }
        return with_empty_allowed(schema, shaped, required);
    }
    let plain = text::text_pattern(rules.multiline, required);
    if rules.pattern.is_empty() {
        schema["pattern"] = plain.into();
        return schema;
    }
    schema["pattern"] = plain.into();
    let declared = json!({ "pattern": rules.pattern });
    with_empty_allowed(schema, declared, required)
}

/// `schema` and `shaped` both, where "" (none) is also allowed unless `required`.
fn with_empty_allowed(mut schema: Value, shaped: Value, required: bool) -> Value {
    if required {
        schema["allOf"] = json!([shaped]);
    } else {
        schema["anyOf"] = json!([{ "const": "" }, shaped]);
    }
    schema
}

/// The JSON Schema format a Linkwork format matches, where one does exactly.
fn json_format(format: Format) -> Option<&'static str> {
    match format {
        Format::Uuid => Some("uuid"),
        Format::Date => Some("date"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
