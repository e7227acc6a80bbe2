//! Data minimisation: a plugin sees only the record fields it declared.
//!
//! A plugin's metadata lists JSON pointers (RFC 6901, with `*` standing for every element of an
//! array). Before each evaluation the host builds a copy of the record holding exactly those
//! values, so an undeclared field, a child's name for instance, never reaches the plugin. The
//! projection lives in the SDK so policy tests can apply exactly what the host applies and show
//! that their declared `reads` are enough.

use serde_json::{Map, Value};

/// A set of declared pointers, parsed once per plugin.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<Vec<String>>,
}

impl Projection {
    pub fn new(pointers: &[String]) -> Self {
        let paths = pointers
            .iter()
            .map(|p| {
                p.split('/')
                    .skip(1)
                    .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
                    .collect()
            })
            .collect();
        Self { paths }
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

    fn project(pointers: &[&str], record: Value) -> Value {
        let pointers: Vec<String> = pointers.iter().map(|p| p.to_string()).collect();
        Projection::new(&pointers).apply(&record)
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
