//! JSON text into a `serde_json::Value`, refusing what `serde_json::from_slice` lets through
//! silently: a key given twice in one object (serde_json keeps the last).

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::Malformed;

/// Parses `bytes` as one JSON value.
pub(super) fn parse(bytes: &[u8]) -> Result<Value, Malformed> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Seed {
        path: String::new(),
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value))
    .map_err(|error| match error.classify() {
        serde_json::error::Category::Data => Malformed(error.to_string()),
        _ => Malformed(format!("body is not valid JSON: {error}")),
    })?;
    Ok(value)
}

/// Builds a value, knowing where in the document it is.
struct Seed {
    path: String,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = items.next_element_seed(Seed {
            path: format!("{}[{}]", self.path, out.len()),
        })? {
            out.push(item);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            let path = match self.path.as_str() {
                "" => key.clone(),
                parent => format!("{parent}.{key}"),
            };
            if out.contains_key(&key) {
                return Err(A::Error::custom(format!("{path} is given twice")));
            }
            let value = entries.next_value_seed(Seed { path })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}
