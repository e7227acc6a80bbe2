//! Strict JSON for records: an object that names a key twice is refused, with the JSON pointer
//! of the second one. (serde_json keeps the last value silently, so a second `"child"` key could
//! wipe the name and date of birth the first one carried.)

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::problem::Problem;

/// Parses JSON text, refusing duplicate keys anywhere in it.
pub fn parse(text: &[u8]) -> Result<Value, Problem> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let parsed = Node {
        pointer: String::new(),
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|e| match duplicate.into_inner() {
        Some(pointer) => Problem::new(
            pointer,
            "this key appears twice in the same object; send each key once",
        ),
        None => Problem::new("", format!("not valid JSON: {e}")),
    })
}

/// One value being read, at `pointer`.
struct Node<'a> {
    pointer: String,
    /// Where the first duplicate key was found.
    duplicate: &'a RefCell<Option<String>>,
}

impl Node<'_> {
    fn child(&self, token: &str) -> Self {
        let escaped = token.replace('~', "~0").replace('/', "~1");
        Node {
            pointer: format!("{}/{escaped}", self.pointer),
            duplicate: self.duplicate,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
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
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.child(&items.len().to_string()))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let node = self.child(&key);
            if object.contains_key(&key) {
                let pointer = node.pointer.clone();
                self.duplicate.borrow_mut().get_or_insert(pointer);
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(node)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_key_is_refused_where_it_stands() {
        let problem = parse(br#"{"child": {"id": "C1"}, "child": {"id": "C1"}}"#).unwrap_err();
        assert_eq!(problem.path, "/child");
        let problem =
            parse(br#"{"reviews": [{"date": "2024-01-01"}, {"date": "2024-02-01", "date": "x"}]}"#)
                .unwrap_err();
        assert_eq!(problem.path, "/reviews/1/date");
        let problem = parse(br#"{"a/b": {"~": 1, "~": 2}}"#).unwrap_err();
        assert_eq!(problem.path, "/a~1b/~0");
    }

    #[test]
    fn anything_else_parses_as_serde_json_would() {
        let text = br#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": "\u00e9"}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_slice::<Value>(text).unwrap()
        );
        let problem = parse(b"{\"a\": 1} trailing").unwrap_err();
        assert_eq!(problem.path, "");
        assert!(problem.message.starts_with("not valid JSON"), "{problem:?}");
    }
}
