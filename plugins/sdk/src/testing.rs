//! Helpers for policy unit tests (feature `testing`): a context on the shipped England and Wales
//! calendar, running a policy on a hand-written record, picking results out, and the check every
//! policy should pass, that its declared `reads` are enough.

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::outcome::{CheckResult, Context};
use crate::projection::Projection;
use crate::record::{CareRecord, Provenance, Section};
use crate::{Policy, describe, evaluate_json};

/// A date for a hand-worked case; panics if there is no such day.
pub fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid test date")
}

/// A context on the shipped calendar with a 28-day look-ahead and default settings.
pub fn context(evaluation_date: NaiveDate) -> Context {
    context_with_settings(evaluation_date, "")
}

/// A context on the shipped calendar with a 28-day look-ahead and these settings (JSON text).
pub fn context_with_settings(evaluation_date: NaiveDate, settings: &str) -> Context {
    Context {
        evaluation_date,
        look_ahead_days: 28,
        calendar: crate::calendar_file::england_and_wales().calendar(),
        settings: settings.to_string(),
    }
}

/// A hand-written care record; panics if it does not parse.
pub fn care_record(record: Value) -> CareRecord {
    serde_json::from_value(record).expect("test record parses")
}

/// `P`'s results on `record` as of `evaluation_date`, with default settings.
pub fn run<P: Policy>(evaluation_date: NaiveDate, record: Value) -> Vec<CheckResult> {
    run_with::<P>(evaluation_date, record, &Default::default())
}

/// `P`'s results on `record` as of `evaluation_date`, with these settings.
pub fn run_with<P: Policy>(
    evaluation_date: NaiveDate,
    record: Value,
    settings: &P::Settings,
) -> Vec<CheckResult> {
    let record: P::Record = serde_json::from_value(record).expect("test record parses");
    P::evaluate(&context(evaluation_date), &record, settings)
}

/// The results of `check`.
pub fn of<'a>(results: &'a [CheckResult], check: &str) -> Vec<&'a CheckResult> {
    results.iter().filter(|r| r.check == check).collect()
}

/// The single result of `check`; panics unless there is exactly one.
pub fn one<'a>(results: &'a [CheckResult], check: &str) -> &'a CheckResult {
    let found = of(results, check);
    assert_eq!(found.len(), 1, "{check}: {results:#?}");
    found[0]
}

/// The single result of `check` about `subject`; panics unless there is exactly one.
pub fn one_about<'a>(results: &'a [CheckResult], check: &str, subject: &str) -> &'a CheckResult {
    let found: Vec<&CheckResult> = results
        .iter()
        .filter(|r| r.check == check && r.subject == subject)
        .collect();
    assert_eq!(found.len(), 1, "{check} / {subject}: {results:#?}");
    found[0]
}

/// `record` trimmed to `P`'s declared reads, exactly as the host trims it.
pub fn trimmed<P: Policy>(record: &Value) -> Value {
    Projection::new(&describe::<P>().reads).apply(record)
}

/// Evaluates `record` whole and trimmed to `P`'s declared reads, exactly as the host trims it,
/// asserts both give the same results, and returns them.
pub fn assert_reads_suffice<P: Policy>(context: &Context, record: &Value) -> Vec<CheckResult> {
    let whole =
        evaluate_json::<P>(context, &record.to_string()).expect("the whole record evaluates");
    let seen = evaluate_json::<P>(context, &trimmed::<P>(record).to_string())
        .expect("the trimmed record evaluates");
    assert_eq!(
        whole, seen,
        "the policy gives different results on the record trimmed to its declared reads: declare every field it uses"
    );
    whole
}

/// [`assert_reads_suffice`] on [`rich_record`], for a policy that does not read the child's name:
/// also asserts that trimming removed the name and changed the record, so the comparison shows
/// something.
pub fn assert_reads_suffice_on_rich_record<P: Policy>(
    evaluation_date: NaiveDate,
) -> Vec<CheckResult> {
    let full = rich_record();
    let projected = trimmed::<P>(&full);
    assert!(projected["child"].get("name").is_none());
    assert_ne!(projected, full);
    assert_reads_suffice::<P>(&context(evaluation_date), &full)
}

/// The date the SSDA903 provenance of [`ssda903_only`] is complete to: the end of the 2024-25
/// collection year.
pub fn ssda903_as_of() -> NaiveDate {
    ymd(2025, 3, 31)
}

/// `record` as if it came from an SSDA903 return alone: its provenance says only the sections
/// the return supplies ([`Section::SSDA903`]) were supplied, as of 31 Mar 2025. The other
/// sections are unknown, whatever the record holds in them.
pub fn ssda903_only(mut record: Value) -> Value {
    let provenance = Provenance::from_source("ssda903", Some(ssda903_as_of()), &Section::SSDA903);
    record["provenance"] = serde_json::to_value(provenance).expect("provenance serialises");
    record
}

/// Asserts that every one of `results` is a current `insufficient_data` naming `section` as the
/// missing field: what a check answers when the record's sources did not supply its evidence.
pub fn assert_not_supplied(results: &[CheckResult], section: &str) {
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(
            (r.status, r.current, evidence(r, "missing_field")),
            (crate::Status::InsufficientData, true, Some(section)),
            "{r:#?}"
        );
    }
}

/// Asserts that every result of a `local` check of `P` that speaks of its timescale (`met`,
/// `upcoming`, `due_soon`, `warning`) names it ("local timescale: …") and reads like no
/// statutory deadline (no "due by", "overdue" or "late"), and that none is a `breach`.
pub fn assert_local_messages<P: Policy>(results: &[CheckResult]) {
    let metadata = describe::<P>();
    for r in results {
        let Some(info) = metadata.check(&r.check) else {
            panic!("undeclared check {}", r.check)
        };
        if info.basis != crate::Basis::Local {
            continue;
        }
        assert_ne!(r.status, crate::Status::Breach, "{r:#?}");
        if matches!(
            r.status,
            crate::Status::Met
                | crate::Status::Upcoming
                | crate::Status::DueSoon
                | crate::Status::Warning
        ) {
            assert!(r.message.contains("local timescale: "), "{r:#?}");
            for deadline in ["due by", "overdue", " late"] {
                assert!(!r.message.contains(deadline), "{r:#?}");
            }
        }
    }
}

/// The results marked current ([`CheckResult::current`]).
pub fn current(results: &[CheckResult]) -> Vec<&CheckResult> {
    results.iter().filter(|r| r.current).collect()
}

/// The value of the evidence item `key` on `result`, if it has one.
pub fn evidence<'a>(result: &'a CheckResult, key: &str) -> Option<&'a str> {
    result
        .evidence
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A record touching every part of the schema, with fields no policy should read (the child's
/// name, a placement's postcode), for showing that a policy's `reads` are enough.
pub fn rich_record() -> Value {
    json!({
        "child": {
            "id": "C1", "responsible_authority": "E10000001", "name": "Sam Example",
            "date_of_birth": "2020-03-16", "date_of_birth_approximate": false, "sex": "F", "legal_status": "C2"
        },
        "periods_of_care": [{ "episodes": [
            { "start": "2023-01-09", "end": "2024-11-01", "reason_new": "S", "reason_ended": "X1", "legal_status": "C2", "placement_type": "U1", "placement_id": "P1" },
            { "start": "2024-11-01", "reason_new": "P", "placement_id": "P2" },
        ] }],
        "placements": [
            { "id": "P1", "start": "2023-01-09", "end": "2024-11-01", "postcode": "AB1 2CD" },
            { "id": "P2", "start": "2024-11-01" },
        ],
        "iro_assignments": [
            { "iro_id": "I1", "from": "2023-01-20", "to": "2024-12-31" },
            { "iro_id": "I2", "from": "2025-01-10" },
        ],
        "reviews": [
            { "date": "2023-02-01", "chair_iro_id": "I1", "participation": "PN0", "items_discussed": ["Contact"] },
            { "date": "2025-03-04", "chair_iro_id": "I2", "participation": "PN1",
              "accompaniment": { "asked": true, "chosen": "foster carer" },
              "mental_health": { "outcome": "partly-met", "actions": ["Refer to CAMHS"] } },
            { "date": "2025-09-01" },
        ],
        "health": {
            "assessments": [{ "kind": "initial", "date": "2023-01-25" }, { "kind": "review", "date": "2024-12-01" }],
            "dental_checks": ["2024-05-01"],
            "sdq": [
                { "date": "2025-03-31", "date_approximate": true, "score": 18, "completed_by": "main-carer" },
                { "date": "2024-03-31", "date_approximate": true, "score": 15 },
            ],
            "mental_health_assessments": [{ "date": "2025-04-10", "by": "CAMHS" }],
            "mental_health_referrals": [{ "id": "R1", "service": "CAMHS", "referred": "2024-04-10", "accepted": "2024-04-20" }],
        },
        "caregivers": [{ "id": "K1", "kind": "foster", "from": "2023-01-09" }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rich_record_is_a_care_record() {
        let record: CareRecord = serde_json::from_value(rich_record()).expect("parses");
        assert_eq!(record.child.name.as_deref(), Some("Sam Example"));
        assert_eq!(record.reviews.len(), 3);
    }
}
