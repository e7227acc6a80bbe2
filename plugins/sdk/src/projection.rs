//! Data minimisation: a plugin sees only the record fields it declared.
//!
//! A plugin's metadata lists JSON pointers (RFC 6901, with `*` standing for every element of an
//! array). Before each evaluation the host builds a copy of the record holding exactly those
//! values, so an undeclared field, a child's name for instance, never reaches the plugin. The
//! projection lives in the SDK so policy tests can apply exactly what the host applies and show
//! that their declared `reads` are enough.
//!
//! The host projects every record once per plugin, so it never builds a [`Value`] of the record:
//! the [`Projection::union`] of a pack's projections reads each record's text once
//! ([`Projection::read`]), descending only into the objects and arrays some pointer goes through
//! and keeping every selected value as its text, and each plugin's [`Projection::json_text`]
//! then copies its values' text out of that. A parsed `Value` (allocating every string of the
//! record) and its re-serialisation (escaping every string again) were together a tenth of a
//! whole-pack run's time.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A set of declared pointers, parsed once per plugin.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<Vec<String>>,
    /// The pointers as a tree, for writing the projection's JSON text straight from the
    /// record; `None` when a pointer names an array element by number, whose placeholders only
    /// [`Projection::apply`] lays out.
    tree: Option<Node>,
    /// The projections (this one's own number among them) whose pointers this one holds: a
    /// record it [`Projection::read`] serves exactly those.
    covers: Vec<u64>,
}

/// Numbers projections, so a read record knows which projections it can serve.
static PROJECTIONS: AtomicU64 = AtomicU64::new(0);

/// One level of the pointers: the whole value here, or some of its keys (`*`: every element).
#[derive(Debug, Clone, Default)]
struct Node {
    whole: bool,
    keys: BTreeMap<String, Node>,
    /// The JSON text that introduces this value as a member of an object (`"key":`), escaped
    /// once here rather than for every record (the root has none).
    member: String,
    /// This key's place among its parent's keys (in key order): where a read object keeps the
    /// member's value.
    slot: usize,
}

impl Node {
    /// Numbers every node's place among its siblings, in key order ([`Node::slot`]).
    fn number_slots(&mut self) {
        for (slot, child) in self.keys.values_mut().enumerate() {
            child.slot = slot;
            child.number_slots();
        }
    }
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
                    node = node.keys.entry(segment.clone()).or_insert_with(|| Node {
                        member: [
                            &serde_json::to_string(segment).expect("a key serialises"),
                            ":",
                        ]
                        .concat(),
                        ..Node::default()
                    });
                }
                node.whole = true;
            }
            root.number_slots();
            root
        });
        let covers = vec![PROJECTIONS.fetch_add(1, Ordering::Relaxed)];
        Self {
            paths,
            tree,
            covers,
        }
    }

    /// Every pointer of `projections`: the projection to [`Projection::read`] records with when
    /// each of them will be applied to every record.
    pub fn union(projections: &[&Projection]) -> Projection {
        let pointers: Vec<String> = projections
            .iter()
            .flat_map(|p| &p.paths)
            .map(|path| {
                path.iter()
                    .map(|segment| ["/", &segment.replace('~', "~0").replace('/', "~1")].concat())
                    .collect()
            })
            .collect();
        let mut union = Projection::new(&pointers);
        union
            .covers
            .extend(projections.iter().flat_map(|p| p.covers.iter().copied()));
        union
    }

    /// Reads a record's JSON text once, keeping what this projection's pointers select (so, for a
    /// [`Projection::union`], what any of its projections selects). Fails if the text is not one
    /// JSON value.
    pub fn read<'a>(&'a self, text: &'a str) -> Result<RawRecord<'a>, serde_json::Error> {
        let mut reading = serde_json::Deserializer::from_str(text);
        let root = match &self.tree {
            Some(tree) => Some((
                tree,
                Guided {
                    node: tree,
                    whole: tree.whole,
                }
                .deserialize(&mut reading)?,
            )),
            None => {
                IgnoredAny::deserialize(&mut reading)?;
                None
            }
        };
        // Only whitespace may follow the value, as for `serde_json::from_str`.
        reading.end()?;
        Ok(RawRecord {
            text,
            root,
            covers: &self.covers,
        })
    }

    /// The JSON text of [`Projection::apply`]'s answer, written from a record [`read`] by this
    /// projection or a union holding it, without building the projected copy (what the host
    /// sends every plugin, for every child, so it is on the hot path). Selected values are copied
    /// as the record writes them, so for a record in `serde_json`'s compact form (as the store
    /// keeps them) this is `apply`'s text byte for byte; for any other it is the same JSON.
    ///
    /// (A record read otherwise gets the same text, by the slow way: parsed whole and applied.)
    ///
    /// [`read`]: Projection::read
    pub fn json_text(&self, record: &RawRecord) -> String {
        if let (Some(tree), Some((read_by, root)), true) = (
            &self.tree,
            &record.root,
            record.covers.contains(&self.covers[0]),
        ) {
            let mut out = String::with_capacity(1024);
            match root.parts() {
                Raw::Object(_) => write(root, tree, read_by, &mut out),
                _ if tree.whole => write(root, tree, read_by, &mut out),
                // Not an object: nothing to select from, as `apply` finds.
                _ => out.push_str("{}"),
            }
            return out;
        }
        let value: Value = serde_json::from_str(record.text)
            .expect("a RawRecord's text is valid JSON: it was read");
        self.apply(&value).to_string()
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

/// A record's text as [`Projection::read`] left it: what its pointers select kept as text, the
/// objects and arrays they go through read into their parts.
#[derive(Debug)]
pub struct RawRecord<'a> {
    text: &'a str,
    /// The projections whose pointers the reading one holds.
    covers: &'a [u64],
    /// The reading projection's pointers and what they found; `None` when it names array
    /// elements by number, which only [`Projection::apply`] lays out.
    root: Option<(&'a Node, Raw<'a>)>,
}

/// One value of a read record, as far as the pointers needed it.
#[derive(Debug)]
enum Raw<'a> {
    /// Selected whole: its text.
    Text(&'a RawValue),
    /// Selected whole by one pointer and gone through by another: its text, and its parts.
    Both(&'a RawValue, Box<Raw<'a>>),
    /// Gone through: the value of each member the pointers name, if the object has it, at its
    /// key's [`Node::slot`] (a name may repeat; the last counts, as in `serde_json`).
    Object(Vec<Option<Raw<'a>>>),
    /// Gone through with `*`: every element.
    Array(Vec<Raw<'a>>),
    /// Gone through but cannot be: a scalar, or an array no pointer takes every element of.
    Other,
}

impl Raw<'_> {
    /// What the pointers go through: the parts of a value also selected whole.
    fn parts(&self) -> &Self {
        match self {
            Raw::Both(_, parts) => parts,
            other => other,
        }
    }
}

/// Reads one value as `node` needs it; with `whole`, its text is kept too.
struct Guided<'n> {
    node: &'n Node,
    whole: bool,
}

impl<'de> DeserializeSeed<'de> for Guided<'_> {
    type Value = Raw<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw<'de>, D::Error> {
        if !self.whole {
            return deserializer.deserialize_any(self);
        }
        let text = <&RawValue>::deserialize(deserializer)?;
        if self.node.keys.is_empty() {
            return Ok(Raw::Text(text));
        }
        let parts = Guided {
            node: self.node,
            whole: false,
        }
        .deserialize(&mut serde_json::Deserializer::from_str(text.get()))
        .map_err(de::Error::custom)?;
        Ok(Raw::Both(text, Box::new(parts)))
    }
}

impl<'de> Visitor<'de> for Guided<'_> {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        let mut members: Vec<Option<Raw>> = std::iter::repeat_with(|| None)
            .take(self.node.keys.len())
            .collect();
        while let Some(Key(key)) = map.next_key()? {
            match self.node.keys.get(key.as_ref()) {
                Some(child) => {
                    let whole = child.whole;
                    members[child.slot] = Some(map.next_value_seed(Guided { node: child, whole })?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Raw::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<'de>, A::Error> {
        let Some(each) = self.node.keys.get("*") else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Raw::Other);
        };
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Guided {
            node: each,
            whole: each.whole,
        })? {
            items.push(item);
        }
        Ok(Raw::Array(items))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }
}

/// A member's name, borrowed from the text when it can be.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// Writes what `node` selects of `source` as JSON, exactly as [`Projection::apply`] would build
/// it: the whole value as the record writes it; an object's selected keys it has, in key order
/// (as `serde_json` maps keep them); every element of an array selected with `*`; and `null` for
/// a value the pointers go through but cannot (an array without `*`, a scalar).
///
/// `source` was read by a projection holding `node`'s pointers, at `read_by` in its tree, so a
/// value selected whole was kept as text, one gone through was read into its parts, and every
/// key of `node` is a key of `read_by` (each tree's keys in the same order).
fn write(source: &Raw, node: &Node, read_by: &Node, out: &mut String) {
    if node.whole {
        if let Raw::Text(text) | Raw::Both(text, _) = source {
            out.push_str(text.get());
        }
        return;
    }
    match source.parts() {
        Raw::Object(members) => {
            out.push('{');
            let mut first = true;
            // Both trees' keys are in key order: one pass over the reading's finds each of ours.
            let mut read_keys = read_by.keys.iter();
            for (key, child) in &node.keys {
                let Some((_, read_child)) = read_keys.find(|(k, _)| *k == key) else {
                    break;
                };
                let Some(value) = &members[read_child.slot] else {
                    continue;
                };
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&child.member);
                write(value, child, read_child, out);
            }
            out.push('}');
        }
        Raw::Array(items) => match (node.keys.get("*"), read_by.keys.get("*")) {
            (Some(each), Some(read_each)) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, each, read_each, out);
                }
                out.push(']');
            }
            _ => out.push_str("null"),
        },
        // Text alone where parts were needed cannot come from a covering read: a pointer going
        // through a value makes the reading keep its parts.
        Raw::Other | Raw::Text(_) | Raw::Both(..) => out.push_str("null"),
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
        let text = record.to_string();
        assert_eq!(
            projection.json_text(&projection.read(&text).unwrap()),
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
            "a~b/c": {"d": 1},
            "say \"hi\"\n": true
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
                "/say \"hi\"\n",
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
                "a~b/c": {"d": 1},
                "say \"hi\"\n": true
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

    /// A record not in compact form (spaces, escaped names, a repeated member) projects to the
    /// same JSON as its parsed value does, and text that is not JSON is refused when read.
    #[test]
    fn any_valid_text_projects_to_the_same_json() {
        let text = r#" { "child" : { "name" : "Sam", "date_of_birth" : "2015-02-28" } ,
            "rev\u0069ews" : [ { "date" : "2025-01-02" , "x" : 1 } , 7 ] ,
            "health" : { "sdq" : [ ] } , "health" : { "sdq" : [ { "score" : 18 } ] } } "#;
        let pointers: Vec<String> = ["/child/date_of_birth", "/reviews/*/date", "/health/sdq"]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let projection = Projection::new(&pointers);
        let record: Value = serde_json::from_str(text).unwrap();
        let projected: Value =
            serde_json::from_str(&projection.json_text(&projection.read(text).unwrap())).unwrap();
        assert_eq!(projected, projection.apply(&record));
        assert_eq!(
            projected,
            json!({
                "child": {"date_of_birth": "2015-02-28"},
                "reviews": [{"date": "2025-01-02"}, null],
                "health": {"sdq": [{"score": 18}]}
            })
        );
        assert!(projection.read(r#"{"child": {"name": "Sam"}"#).is_err());
        assert!(projection.read(r#"{"child": [1, 2,]}"#).is_err());
        assert!(projection.read(r#"{"elsewhere": [1, 2,]}"#).is_err());
        assert!(projection.read(r#"{"child": {}} x"#).is_err());
        assert_eq!(projection.json_text(&projection.read("42").unwrap()), "{}");
    }

    /// Records read once by the union of several projections give each of them exactly what
    /// `apply` builds, where their pointers overlap, nest, or select a value whole that another
    /// goes through; a projection the reading did not cover still gets the right text.
    #[test]
    fn one_reading_by_the_union_serves_every_projection() {
        let record = json!({
            "child": {"id": "C1", "name": "Sam", "date_of_birth": "2015-02-28"},
            "reviews": [
                {"date": "2025-01-02", "preparation": {"papers": {"care_plan": "2024-12-20"}}},
                {"date": "2025-04-02", "chair_iro_id": "I2"},
                "not a review"
            ],
            "health": {"sdq": [{"date": "2024-03-31", "score": 18}], "dental_checks": []},
            "placements": {"not": "an array"}
        });
        let sets: [&[&str]; 4] = [
            &["/child/date_of_birth", "/reviews/*/date"],
            &["/reviews", "/health/sdq/*/score"],
            &[
                "/reviews/*/preparation/papers",
                "/placements/*/id",
                "/health",
            ],
            &["/child", "/reviews/*/chair_iro_id"],
        ];
        let projections: Vec<Projection> = sets
            .iter()
            .map(|pointers| {
                Projection::new(&pointers.iter().map(|p| p.to_string()).collect::<Vec<_>>())
            })
            .collect();
        let union = Projection::union(&projections.iter().collect::<Vec<_>>());
        let text = record.to_string();
        let read = union.read(&text).unwrap();
        for projection in &projections {
            assert_eq!(
                projection.json_text(&read),
                projection.apply(&record).to_string()
            );
        }
        let narrow = projections[0].read(&text).unwrap();
        for projection in &projections {
            assert_eq!(
                projection.json_text(&narrow),
                projection.apply(&record).to_string()
            );
        }
    }

    #[test]
    fn nothing_declared_gives_an_empty_object() {
        assert_eq!(project(&[], json!({"child": {"name": "X"}})), json!({}));
    }
}
