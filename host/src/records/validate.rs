//! Full validation of a care record before anything is written.
//!
//! Three passes, every problem collected with its JSON pointer: the published JSON Schema
//! (types, unknown fields, real calendar dates, the SDQ range), then the typed model, then the
//! rules a schema cannot express (an end before its start, episodes that do not chain, ids that
//! repeat, the record belonging to the authority and child in the URL).

use std::collections::HashSet;
use std::sync::LazyLock;

use carecheck_sdk::record::{CareRecord, SCHEMA_MINOR_VERSION, SCHEMA_VERSION};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use crate::ids::{self, Kind};
use crate::problem::Problem;

/// The care-record JSON Schema, generated from the Rust types. Its `$id` names the major
/// version records carry; its `$comment` says which minor version it is.
pub fn schema() -> &'static Value {
    static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
        let mut schema = schemars::schema_for!(CareRecord).to_value();
        if let Value::Object(map) = &mut schema {
            map.insert(
                "$id".into(),
                Value::String(format!(
                    "https://carecheck.invalid/schemas/care-record/v{SCHEMA_VERSION}.json"
                )),
            );
            map.insert(
                "$comment".into(),
                Value::String(format!(
                    "Care-record schema {SCHEMA_VERSION}.{SCHEMA_MINOR_VERSION}. Records carry schema_version {SCHEMA_VERSION}, the major version; a minor version only adds optional fields, so a record of an earlier minor version is valid as it is."
                )),
            );
        }
        schema
    });
    &SCHEMA
}

/// Why `pointer` names no field of the care-record schema, if it does not. A pointer is RFC
/// 6901 with `*` standing for every element of an array, as policies declare what they read; it
/// may stop at any field, an object or a list as a whole included.
pub fn schema_pointer_problem(pointer: &str) -> Option<String> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return Some("is not a JSON pointer (it must start with /)".into());
    };
    let mut nodes = expand(schema(), schema());
    let mut walked = String::new();
    for raw in rest.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        let next: Vec<&Value> = nodes
            .iter()
            .filter_map(|node| child_schema(node, &segment))
            .flat_map(|child| expand(schema(), child))
            .collect();
        if next.is_empty() {
            let at = if walked.is_empty() { "/" } else { &walked };
            return Some(format!(
                "names no field of the care-record schema: {at} has no {raw:?}"
            ));
        }
        walked.push('/');
        walked.push_str(raw);
        nodes = next;
    }
    None
}

/// The schema a segment leads to from `node`: a property of an object, or (for `*` or an
/// index) the items of an array.
fn child_schema<'a>(node: &'a Value, segment: &str) -> Option<&'a Value> {
    if let Some(property) = node.get("properties").and_then(|p| p.get(segment)) {
        return Some(property);
    }
    let is_index =
        segment == "*" || (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()));
    if is_index {
        return node.get("items");
    }
    node.get("additionalProperties").filter(|a| a.is_object())
}

/// The concrete schemas `node` stands for: `$ref`s followed, `anyOf`/`oneOf`/`allOf` opened.
fn expand<'a>(root: &'a Value, node: &'a Value) -> Vec<&'a Value> {
    if let Some(target) = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| root.pointer(pointer))
    {
        return expand(root, target);
    }
    let mut out = vec![node];
    for combinator in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = node.get(combinator).and_then(Value::as_array) {
            out.extend(branches.iter().flat_map(|b| expand(root, b)));
        }
    }
    out
}

/// Reports an error where it really is. Optional fields are `anyOf [the type, null]` in the
/// schema, so a bad optional value fails as a whole `anyOf` at its parent; when every branch but
/// one merely says "not null", the real problems are that branch's, at their own paths.
fn flatten(error: &jsonschema::ValidationError<'_>, out: &mut Vec<Problem>) {
    if let jsonschema::error::ValidationErrorKind::AnyOf { context } = &error.kind {
        let is_null_branch = |branch: &Vec<jsonschema::ValidationError<'static>>| {
            branch.iter().all(|e| {
                matches!(
                    e.kind,
                    jsonschema::error::ValidationErrorKind::Type {
                        kind: jsonschema::error::TypeKind::Single(jsonschema::JsonType::Null)
                    }
                )
            })
        };
        let real: Vec<_> = context.iter().filter(|b| !is_null_branch(b)).collect();
        if let [branch] = real.as_slice() {
            for inner in branch.iter() {
                flatten(inner, out);
            }
            return;
        }
    }
    out.push(Problem::new(
        error.instance_path.to_string(),
        error.to_string(),
    ));
}

/// Builds the validator now rather than on the first write: it takes tens of milliseconds, which
/// an import spends while its files are still being read.
pub fn warm() {
    validator();
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema())
            .expect("the generated care-record schema is valid")
    });
    &VALIDATOR
}

/// Validates a record; `expected` is the (authority, child id) it is being stored under, if any.
pub fn validate(value: &Value, expected: Option<(&str, &str)>) -> Result<CareRecord, Vec<Problem>> {
    let mut problems = Vec::new();
    // Most records are valid: the yes-or-no pass stops at nothing and builds no error, and only
    // a record that fails it is walked again for every problem with its path.
    if !validator().is_valid(value) {
        for error in validator().iter_errors(value) {
            flatten(&error, &mut problems);
        }
        if !problems.is_empty() {
            return Err(problems);
        }
    }
    let record = match CareRecord::deserialize(value) {
        Ok(record) => record,
        Err(e) => return Err(vec![Problem::new("", e.to_string())]),
    };
    check_rules(&record, expected, &mut problems);
    if problems.is_empty() {
        Ok(record)
    } else {
        Err(problems)
    }
}

/// Collects rule problems with their paths.
struct Checker<'a> {
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    /// An identifier the service keys data by must follow the one grammar.
    fn id(&mut self, path: String, kind: Kind, value: &str) {
        if let Err(why) = ids::check(kind, value) {
            self.add(path, why);
        }
    }

    fn add(&mut self, path: String, message: String) {
        self.problems.push(Problem::new(path, message));
    }

    /// An end date, if present, must not be before its start.
    fn range(&mut self, path: String, start: NaiveDate, end: Option<NaiveDate>, what: &str) {
        if let Some(end) = end.filter(|end| *end < start) {
            self.add(
                path,
                format!("{what} ends on {end}, before it starts on {start}"),
            );
        }
    }

    /// A date that must not come before another (e.g. first seen before referred).
    fn not_before(
        &mut self,
        path: String,
        date: Option<NaiveDate>,
        earliest: NaiveDate,
        what: &str,
    ) {
        if let Some(date) = date.filter(|d| *d < earliest) {
            self.add(path, format!("{what} ({date}) is before {earliest}"));
        }
    }

    /// Ids within one list must be unique and non-empty.
    fn unique<'i>(&mut self, base: &str, ids: impl Iterator<Item = &'i str>) {
        let mut seen = HashSet::new();
        for (i, id) in ids.enumerate() {
            if id.trim().is_empty() {
                self.add(format!("{base}/{i}/id"), "the id must not be empty".into());
            } else if !seen.insert(id) {
                self.add(
                    format!("{base}/{i}/id"),
                    format!("the id {id:?} is used twice"),
                );
            }
        }
    }
}

fn check_rules(r: &CareRecord, expected: Option<(&str, &str)>, problems: &mut Vec<Problem>) {
    let mut c = Checker { problems };
    if r.schema_version != SCHEMA_VERSION {
        c.add(
            "/schema_version".into(),
            format!(
                "schema version {} is not supported; this server reads version {SCHEMA_VERSION}",
                r.schema_version
            ),
        );
    }
    c.id("/child/id".into(), Kind::Child, &r.child.id);
    c.id(
        "/child/responsible_authority".into(),
        Kind::Authority,
        &r.child.responsible_authority,
    );
    if let Some((authority, child_id)) = expected {
        if !r.child.responsible_authority.is_empty() && r.child.responsible_authority != authority {
            c.add(
                "/child/responsible_authority".into(),
                format!(
                    "the record belongs to {:?} but was sent to {authority:?}",
                    r.child.responsible_authority
                ),
            );
        }
        if !r.child.id.is_empty() && r.child.id != child_id {
            c.add(
                "/child/id".into(),
                format!(
                    "the record is for child {:?} but was sent to {child_id:?}",
                    r.child.id
                ),
            );
        }
    }
    let mut previous_end: Option<NaiveDate> = None;
    for (p, period) in r.periods_of_care.iter().enumerate() {
        let base = format!("/periods_of_care/{p}");
        if period.episodes.is_empty() {
            c.add(
                format!("{base}/episodes"),
                "a period of care needs at least one episode".into(),
            );
            continue;
        }
        for (e, episode) in period.episodes.iter().enumerate() {
            let path = format!("{base}/episodes/{e}");
            c.range(
                format!("{path}/end"),
                episode.start,
                episode.end,
                "the episode",
            );
            if e + 1 < period.episodes.len() {
                match episode.end {
                    None => c.add(
                        format!("{path}/end"),
                        "only the last episode of a period of care may be open".into(),
                    ),
                    Some(end) if period.episodes[e + 1].start != end => c.add(
                        format!("{base}/episodes/{}/start", e + 1),
                        format!(
                            "episodes in one period must follow on: this one starts {} but the previous ended {end}",
                            period.episodes[e + 1].start
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
        let start = period.episodes[0].start;
        match previous_end {
            Some(prev) if start < prev => c.add(
                format!("{base}/episodes/0/start"),
                format!("this period starts {start}, before the previous period ended {prev}"),
            ),
            _ => {}
        }
        if p + 1 < r.periods_of_care.len() && period.end().is_none() {
            c.add(
                format!("{base}/episodes/{}/end", period.episodes.len() - 1),
                "only the last period of care may be open".into(),
            );
        }
        previous_end = period.end().or(Some(start));
    }
    c.unique("/placements", r.placements.iter().map(|p| p.id.as_str()));
    for (i, p) in r.placements.iter().enumerate() {
        c.range(
            format!("/placements/{i}/end"),
            p.start,
            p.end,
            "the placement",
        );
    }
    for (i, a) in r.iro_assignments.iter().enumerate() {
        c.range(
            format!("/iro_assignments/{i}/to"),
            a.from,
            a.to,
            "the IRO assignment",
        );
        c.id(format!("/iro_assignments/{i}/iro_id"), Kind::Iro, &a.iro_id);
    }
    c.unique("/caregivers", r.caregivers.iter().map(|k| k.id.as_str()));
    for (i, k) in r.caregivers.iter().enumerate() {
        c.range(format!("/caregivers/{i}/to"), k.from, k.to, "the caregiver");
    }
    c.unique(
        "/health/mental_health_referrals",
        r.health
            .mental_health_referrals
            .iter()
            .map(|m| m.id.as_str()),
    );
    for (i, m) in r.health.mental_health_referrals.iter().enumerate() {
        let base = format!("/health/mental_health_referrals/{i}");
        c.not_before(
            format!("{base}/accepted"),
            m.accepted,
            m.referred,
            "acceptance",
        );
        c.not_before(
            format!("{base}/first_seen"),
            m.first_seen,
            m.referred,
            "the first appointment",
        );
    }
    for (i, review) in r.reviews.iter().enumerate() {
        if let Some(chair) = &review.chair_iro_id {
            c.id(format!("/reviews/{i}/chair_iro_id"), Kind::Iro, chair);
        }
        if let Some(p) = &review.preparation {
            let base = format!("/reviews/{i}/preparation");
            for (field, date, what) in [
                (
                    "decisions_circulated",
                    p.decisions_circulated,
                    "circulating the decisions",
                ),
                (
                    "record_circulated",
                    p.record_circulated,
                    "circulating the review record",
                ),
            ] {
                c.not_before(format!("{base}/{field}"), date, review.date, what);
            }
        }
    }
    if let Some(dob) = r.child.date_of_birth {
        for (i, review) in r.reviews.iter().enumerate() {
            c.not_before(
                format!("/reviews/{i}/date"),
                Some(review.date),
                dob,
                "the review",
            );
        }
        for (p, period) in r.periods_of_care.iter().enumerate() {
            c.not_before(
                format!("/periods_of_care/{p}/episodes/0/start"),
                period.start(),
                dob,
                "the start of care",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({"child": {"id": "C1", "responsible_authority": "E10000001"}})
    }

    #[test]
    fn declared_reads_are_checked_against_the_schema() {
        for good in [
            "/child/date_of_birth",
            "/reviews/*/date",
            "/reviews/0/date",
            "/periods_of_care/*/episodes/*/start",
            "/provenance",
            "/reviews",
        ] {
            assert_eq!(schema_pointer_problem(good), None, "{good}");
        }
        let problem = schema_pointer_problem("/reviews/*/dat").unwrap();
        assert!(problem.contains("/reviews/* has no \"dat\""), "{problem}");
        let problem = schema_pointer_problem("/child/name/first").unwrap();
        assert!(
            problem.contains("/child/name has no \"first\""),
            "{problem}"
        );
        assert!(
            schema_pointer_problem("child")
                .unwrap()
                .contains("start with /")
        );
        assert!(schema_pointer_problem("/reviews/date").is_some());
    }

    #[test]
    fn a_minimal_record_is_valid() {
        let record = validate(&minimal(), Some(("E10000001", "C1"))).unwrap();
        assert_eq!(record.schema_version, 1);
    }

    /// Schema 1.1 adds optional fields only: a record without them (1.0) is valid as before,
    /// one with them is valid too, and the schema says which minor version it is.
    #[test]
    fn a_1_1_record_and_a_1_0_record_are_both_valid() {
        let mut record = minimal();
        record["reviews"] = json!([{"date": "2025-03-12"}]);
        assert!(validate(&record, None).is_ok());
        record["reviews"][0]["preparation"] = json!({
            "planned_date": "2025-03-10", "child_consulted": "2025-03-01",
            "iro_spoke_with_child": "2025-03-11",
            "papers": {"care_plan": "2025-03-05", "health_plan": "2025-03-05", "pep": "2025-03-07"},
            "decisions_circulated": "2025-03-18", "record_circulated": "2025-04-08"
        });
        record["next_review"] =
            json!({"planned_date": "2025-09-10", "child_consulted": "2025-08-29"});
        let parsed = validate(&record, None).unwrap();
        assert_eq!(parsed.schema_version, SCHEMA_VERSION);
        assert!(parsed.next_review.is_some());
        assert!(
            schema()["$comment"]
                .as_str()
                .unwrap()
                .starts_with("Care-record schema 1.1.")
        );
        // Circulating before the review was held, and a planned review with decisions: refused.
        record["reviews"][0]["preparation"]["decisions_circulated"] = json!("2025-03-11");
        record["next_review"]["record_circulated"] = json!("2025-09-20");
        let problems = validate(&record, None).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"/next_review"), "{problems:?}");
        record["next_review"] = json!({"planned_date": "2025-09-10"});
        let problems = validate(&record, None).unwrap_err();
        assert_eq!(
            problems
                .iter()
                .map(|p| format!("{} {}", p.path, p.message))
                .collect::<Vec<_>>(),
            [
                "/reviews/0/preparation/decisions_circulated circulating the decisions (2025-03-11) is before 2025-03-12"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let bad = json!({
            "child": {"id": "C1", "responsible_authority": "E10000001", "date_of_birth": "2026-02-30", "nickname": "x"},
            "health": {"sdq": [{"date": "2025-03-31", "score": 41}]}
        });
        let problems = validate(&bad, None).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"/child/date_of_birth"), "{problems:?}");
        assert!(paths.contains(&"/health/sdq/0/score"), "{problems:?}");
        assert!(
            paths.contains(&"/child"),
            "unknown field reported at its object: {problems:?}"
        );
    }

    #[test]
    fn rules_beyond_the_schema() {
        let bad = json!({
            "child": {"id": "C1", "responsible_authority": "E10000001", "date_of_birth": "2015-01-01"},
            "periods_of_care": [{"episodes": [
                {"start": "2024-01-10", "end": "2024-01-05"}
            ]}],
            "placements": [{"id": "P1", "start": "2024-01-10"}, {"id": "P1", "start": "2024-02-10"}],
            "reviews": [{"date": "2014-05-01"}]
        });
        let problems = validate(&bad, Some(("E10000002", "C1"))).unwrap_err();
        let messages: Vec<String> = problems
            .iter()
            .map(|p| format!("{} {}", p.path, p.message))
            .collect();
        assert!(
            messages.iter().any(|m| m
                .starts_with("/periods_of_care/0/episodes/0/end the episode ends on 2024-01-05")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("/placements/1/id the id \"P1\" is used twice")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("/child/responsible_authority the record belongs to")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m
                    .starts_with("/reviews/0/date the review (2014-05-01) is before 2015-01-01")),
            "{messages:?}"
        );
    }
}
