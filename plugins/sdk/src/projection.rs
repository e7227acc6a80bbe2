//! Data minimisation: a plugin sees only the record fields it declared.
//!
//! A plugin's metadata lists JSON pointers (RFC 6901, with `*` standing for every element of an
//! array). Before each evaluation the host builds a copy of the record holding exactly those
//! values, so an undeclared field, a child's name for instance, never reaches the plugin. The
//! projection lives in the SDK so policy tests can apply exactly what the host applies and show
//! that their declared `reads` are enough.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A set of declared pointers, parsed once per plugin.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<Vec<String>>,
    /// The pointers as a tree, for writing the projection's JSON text straight from the
    /// record; `None` when a pointer names an array element by number, whose placeholders only
    /// [`Projection::apply`] lays out.
    tree: Option<Node>,
}

/// One level of the pointers: the whole value here, or some of its keys (`*`: every element).
#[derive(Debug, Clone, Default)]
struct Node {
    whole: bool,
    keys: BTreeMap<String, Node>,
}

impl Projection {
    pub fn new(pointers: &[String]) -> Self {
        let paths: Vec<Vec<String>> = pointers
            .iter()
            .map(|p| {
                p.split('/')
                    .skip(1)
                    .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
                    .collect()
            })
            .collect();
        let numbered = paths
            .iter()
            .flatten()
            .any(|segment| !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()));
        let tree = (!numbered).then(|| {
            let mut root = Node::default();
            for path in &paths {
                let mut node = &mut root;
                for segment in path {
                    node = node.keys.entry(segment.clone()).or_default();
                }
                node.whole = true;
            }
            root
        });
        Self { paths, tree }
    }

    /// The JSON text of [`Projection::apply`]'s answer, byte for byte, written straight from the
    /// record without building the projected copy (what the host sends every plugin, for every
    /// child, so it is on the hot path).
    pub fn json_text(&self, record: &Value) -> String {
        match (&self.tree, record) {
            (Some(tree), Value::Object(_)) => {
                let mut out = Vec::with_capacity(1024);
                write_selected(record, tree, &mut out);
                String::from_utf8(out).expect("serde_json writes UTF-8")
            }
            _ => self.apply(record).to_string(),
        }
    }

    /// The parts of `record` the pointers select, in the record's own shape.
    pub fn apply(&self, record: &Value) -> Value {
        let mut out = Value::Null;
        for path in &self.paths {
            copy_path(record, path, &mut out);
        }
        if out.is_null() {
            Value::Object(Map::new())
        } else {
            out
        }
    }
}

/// Writes what `node` selects of `source` as JSON, exactly as [`Projection::apply`] would build
/// it: an object keeps the selected keys it has (in key order, as `serde_json` maps keep them);
/// an array selected with `*` keeps every element; a value the pointers go through but cannot
/// (an array without `*`, a scalar) is `null`.
fn write_selected(source: &Value, node: &Node, out: &mut Vec<u8>) {
    if node.whole {
        serde_json::to_writer(&mut *out, source).expect("a value serialises into memory");
        return;
    }
    match source {
        Value::Object(fields) => {
            out.push(b'{');
            let mut first = true;
            for (key, child) in &node.keys {
                let Some(value) = fields.get(key) else {
                    continue;
                };
                if !first {
                    out.push(b',');
                }
                first = false;
                serde_json::to_writer(&mut *out, key).expect("a key serialises into memory");
                out.push(b':');
                write_selected(value, child, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => match node.keys.get("*") {
            Some(each) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_selected(item, each, out);
                }
                out.push(b']');
            }
            None => out.extend_from_slice(b"null"),
        },
        _ => out.extend_from_slice(b"null"),
    }
}

/// Copies the value(s) at `path` in `source` into `target`, creating containers as needed.
fn copy_path(source: &Value, path: &[String], target: &mut Value) {
    let Some((head, rest)) = path.split_first() else {
        *target = source.clone();
        return;
    };
    match source {
        Value::Object(fields) => {
            if target.is_null() {
                *target = Value::Object(Map::new());
            }
            let Some(child) = fields.get(head) else {
                return;
            };
            let Value::Object(out) = target else { return };
            let slot = out.entry(head.clone()).or_insert(Value::Null);
            copy_path(child, rest, slot);
        }
        Value::Array(items) => {
            let selected: Vec<usize> = if head == "*" {
                (0..items.len()).collect()
            } else {
                match head.parse::<usize>() {
                    Ok(i) if i < items.len() => vec![i],
                    _ => return,
                }
            };
            if target.is_null() {
                *target = Value::Array(Vec::new());
            }
            let Value::Array(out) = target else { return };
            // Keep positions stable so several pointers into one array line up.
            if out.len() < items.len() {
                out.resize(items.len(), Value::Null);
            }
            for i in selected {
                copy_path(&items[i], rest, &mut out[i]);
            }
            if head != "*" {
                // A single element was asked for: other positions stay null placeholders only
                // if another pointer fills them; drop trailing nulls for tidiness.
                while out.last().is_some_and(Value::is_null) {
                    out.pop();
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The projection as a value, after checking that its JSON text written straight from the
    /// record is exactly the text of the built copy.
    fn project(pointers: &[&str], record: Value) -> Value {
        let pointers: Vec<String> = pointers.iter().map(|p| p.to_string()).collect();
        let projection = Projection::new(&pointers);
        let built = projection.apply(&record);
        assert_eq!(
            projection.json_text(&record),
            built.to_string(),
            "{pointers:?}"
        );
        built
    }

    #[test]
    fn pointers_through_what_is_not_there_write_what_apply_builds() {
        let record = json!({
            "child": {"name": "Sam", "date_of_birth": "2015-02-28"},
            "reviews": [{"date": "2025-01-02"}, 7, null, {"x": {"y": [1, 2]}}],
            "health": {},
            "placements": [],
            "education": "text",
            "a~b/c": {"d": 1}
        });
        let out = project(
            &[
                "/child/name/first",
                "/reviews/*/date",
                "/reviews/*/x/y",
                "/reviews/date",
                "/health/sdq/*/score",
                "/placements/*/id",
                "/education/school",
                "/nothing/here",
                "/a~0b~1c/d",
            ],
            record,
        );
        assert_eq!(
            out,
            json!({
                "child": {"name": null},
                "reviews": [{"date": "2025-01-02"}, null, null, {"x": {"y": [1, 2]}}],
                "health": {},
                "placements": [],
                "education": null,
                "a~b/c": {"d": 1}
            })
        );
    }

    #[test]
    fn keeps_only_declared_fields() {
        let record = json!({
            "child": {"id": "C1", "name": "Sam Example", "date_of_birth": "2015-02-28"},
            "reviews": [
                {"date": "2025-01-02", "chair_iro_id": "I1", "participation": "PN1"},
                {"date": "2025-04-02", "chair_iro_id": "I2"}
            ],
            "caregivers": [{"id": "K1"}]
        });
        let out = project(&["/child/date_of_birth", "/reviews/*/date"], record);
        assert_eq!(
            out,
            json!({
                "child": {"date_of_birth": "2015-02-28"},
                "reviews": [{"date": "2025-01-02"}, {"date": "2025-04-02"}]
            })
        );
    }

    #[test]
    fn several_pointers_into_one_array_line_up_and_whole_subtrees_copy() {
        let record = json!({
            "placements": [
                {"id": "P1", "start": "2024-01-01", "postcode": "AB1 2CD"},
                {"id": "P2", "start": "2024-06-01", "end": "2024-07-01"}
            ],
            "health": {"sdq": [{"date": "2024-03-31", "score": 18}]}
        });
        let out = project(
            &[
                "/placements/*/id",
                "/placements/*/end",
                "/health/sdq",
                "/missing/field",
            ],
            record,
        );
        assert_eq!(
            out,
            json!({
                "placements": [{"id": "P1"}, {"id": "P2", "end": "2024-07-01"}],
                "health": {"sdq": [{"date": "2024-03-31", "score": 18}]}
            })
        );
    }

    #[test]
    fn an_index_and_a_wildcard_into_the_same_array_combine() {
        let record = json!({"reviews": [{"date": "2025-01-02", "x": 1}, {"date": "2025-04-02"}]});
        let out = project(&["/reviews/0/x", "/reviews/*/date"], record.clone());
        assert_eq!(
            out,
            json!({"reviews": [{"x": 1, "date": "2025-01-02"}, {"date": "2025-04-02"}]})
        );
        let out = project(
            &["/reviews/*/date", "/reviews/0/x", "/reviews/9/date"],
            record,
        );
        assert_eq!(
            out,
            json!({"reviews": [{"date": "2025-01-02", "x": 1}, {"date": "2025-04-02"}]})
        );
    }

    #[test]
    fn nothing_declared_gives_an_empty_object() {
        assert_eq!(project(&[], json!({"child": {"name": "X"}})), json!({}));
    }
}
