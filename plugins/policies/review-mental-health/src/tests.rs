//! Hand-worked cases.

use super::*;
use carecheck_sdk::calendar_file::england_and_wales;
use serde_json::{Value, json};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn ctx(eval: NaiveDate) -> Context {
    Context {
        evaluation_date: eval,
        look_ahead_days: 28,
        calendar: england_and_wales().calendar(),
        settings: String::new(),
    }
}

fn run_with(eval: NaiveDate, reviews: Value, s: &MentalHealthSettings) -> Vec<CheckResult> {
    let record: CareRecord =
        serde_json::from_value(json!({ "reviews": reviews })).expect("valid record");
    evaluate_record(&ctx(eval), &record, s)
}

fn run(eval: NaiveDate, reviews: Value) -> Vec<CheckResult> {
    run_with(eval, reviews, &MentalHealthSettings::default())
}

fn of<'a>(results: &'a [CheckResult], check: &str) -> Vec<&'a CheckResult> {
    results.iter().filter(|r| r.check == check).collect()
}

const REVIEWED: &str = "mental-health-reviewed";
const ACTIONS: &str = "mental-health-actions";

#[test]
fn one_result_per_review_for_each_check() {
    let results = run(
        ymd(2025, 6, 1),
        json!([
            { "date": "2025-03-04", "mental_health": { "outcome": "needs-met" } },
            { "date": "2025-01-22", "mental_health": { "outcome": "not-met", "actions": ["Refer to CAMHS"] } },
            { "date": "2024-09-10", "mental_health": { "outcome": "partly-met", "actions": ["Therapeutic parenting course", "Review school support"] } },
        ]),
    );
    let reviewed = of(&results, REVIEWED);
    let actions = of(&results, ACTIONS);
    assert_eq!(reviewed.len(), 3);
    assert_eq!(actions.len(), 3);
    // Oldest first.
    assert_eq!(reviewed[0].subject, "review 2024-09-10");
    assert!(reviewed.iter().all(|r| r.status == Status::Met));
    assert_eq!(
        reviewed[2].message,
        "The review on 4 Mar 2025 considered the child's mental health and recorded 'needs met'."
    );
    assert_eq!(actions[0].status, Status::Met);
    assert_eq!(
        actions[0].message,
        "The review on 10 Sep 2024 recorded 'needs partly met' and agreed 2 actions."
    );
    assert_eq!(actions[1].status, Status::Met);
    assert_eq!(
        actions[1].message,
        "The review on 22 Jan 2025 recorded 'needs not met' and agreed 1 action."
    );
    assert_eq!(actions[2].status, Status::NotApplicable);
    assert_eq!(
        actions[2].message,
        "The review on 4 Mar 2025 found the child's mental health needs met, so no actions were required."
    );
    assert!(results.iter().all(|r| r.due.is_none()));
}

#[test]
fn missing_item_and_not_discussed_are_breaches() {
    let results = run(
        ymd(2025, 6, 1),
        json!([
            { "date": "2025-03-04" },
            { "date": "2025-04-29", "mental_health": { "outcome": "not-discussed" } },
        ]),
    );
    let reviewed = of(&results, REVIEWED);
    assert_eq!(reviewed[0].status, Status::Breach);
    assert_eq!(
        reviewed[0].message,
        "The review on 4 Mar 2025 has no mental-health item; record whether the child's mental health needs have been met."
    );
    assert_eq!(reviewed[1].status, Status::Breach);
    assert_eq!(
        reviewed[1].message,
        "The child's mental health was not discussed at the review on 29 Apr 2025; every review must consider whether the child's mental health needs have been met."
    );
    // The actions check has nothing to check.
    assert!(
        of(&results, ACTIONS)
            .iter()
            .all(|r| r.status == Status::NotApplicable)
    );
}

#[test]
fn needs_not_met_without_actions_is_a_breach() {
    let results = run(
        ymd(2025, 6, 1),
        json!([
            { "date": "2025-03-04", "mental_health": { "outcome": "not-met" } },
            { "date": "2025-05-20", "mental_health": { "outcome": "partly-met", "actions": ["", "   "] } },
        ]),
    );
    let actions = of(&results, ACTIONS);
    assert_eq!(actions[0].status, Status::Breach);
    assert_eq!(
        actions[0].message,
        "The review on 4 Mar 2025 recorded 'needs not met' but no actions; agree and record what will be done to meet the child's mental health needs."
    );
    // Blank actions do not count.
    assert_eq!(actions[1].status, Status::Breach);
    // The item itself was reviewed.
    assert!(
        of(&results, REVIEWED)
            .iter()
            .all(|r| r.status == Status::Met)
    );
}

#[test]
fn reviews_before_from_are_not_checked() {
    // 31 Dec 2017 is before the default 1 Jan 2018; 1 Jan 2018 itself is checked.
    let reviews = json!([
        { "date": "2017-12-31" },
        { "date": "2018-01-01" },
    ]);
    let results = run(ymd(2018, 6, 1), reviews.clone());
    let reviewed = of(&results, REVIEWED);
    assert_eq!(reviewed.len(), 1);
    assert_eq!(reviewed[0].subject, "review 2018-01-01");
    assert_eq!(reviewed[0].status, Status::Breach);

    // A local authority checking from 1 Dec 2017 sees both.
    let earlier = MentalHealthSettings {
        from: ymd(2017, 12, 1),
    };
    assert_eq!(
        of(&run_with(ymd(2018, 6, 1), reviews, &earlier), REVIEWED).len(),
        2
    );

    // Only older reviews: one not_applicable result per check.
    let results = run(ymd(2018, 6, 1), json!([{ "date": "2017-06-30" }]));
    assert_eq!(results.len(), 2);
    assert!(
        results
            .iter()
            .all(|r| r.status == Status::NotApplicable && r.subject == "record")
    );
    assert_eq!(
        results[0].message,
        "No review dated from 1 Jan 2018 to 1 Jun 2018 is recorded, so there is no review to check."
    );
}

#[test]
fn no_reviews_at_all() {
    let results = run(ymd(2025, 6, 1), json!([]));
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::NotApplicable));
}

#[test]
fn future_dated_review_is_a_data_error() {
    let results = run(
        ymd(2025, 6, 1),
        json!([
            { "date": "2025-03-04", "mental_health": { "outcome": "needs-met" } },
            { "date": "2025-06-02", "mental_health": { "outcome": "needs-met" } },
        ]),
    );
    let reviewed = of(&results, REVIEWED);
    assert_eq!(reviewed.len(), 2);
    let error = reviewed
        .iter()
        .find(|r| r.status == Status::InsufficientData)
        .expect("data error");
    assert_eq!(error.subject, "review 2025-06-02");
    assert_eq!(
        error.message,
        "A review is dated 2 Jun 2025, after the evaluation date 1 Jun 2025; it is not checked until the date is corrected."
    );
    assert!(
        error
            .evidence
            .contains(&("missing_field".into(), "reviews[].date".into()))
    );
    // Not checked as a review, not evidence.
    assert_eq!(of(&results, ACTIONS).len(), 1);
}

#[test]
fn rows_on_the_same_day_are_one_review() {
    // An empty duplicate row does not hide the item recorded on the other.
    let results = run(
        ymd(2025, 6, 1),
        json!([
            { "date": "2025-03-04" },
            { "date": "2025-03-04", "mental_health": { "outcome": "not-met", "actions": ["Refer to CAMHS"] } },
        ]),
    );
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::Met));
}

#[test]
fn leap_day_review() {
    let results = run(
        ymd(2024, 3, 1),
        json!([{ "date": "2024-02-29", "mental_health": { "outcome": "partly-met" } }]),
    );
    let actions = of(&results, ACTIONS);
    assert_eq!(actions[0].subject, "review 2024-02-29");
    assert!(
        actions[0]
            .message
            .starts_with("The review on 29 Feb 2024 recorded")
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(ReviewMentalHealth::validate_settings("").is_ok());
    assert!(ReviewMentalHealth::validate_settings(r#"{"from": "2017-11-01"}"#).is_ok());
    assert!(ReviewMentalHealth::validate_settings(r#"{"from": "2018-01-01"}"#).is_ok());
    let err = ReviewMentalHealth::validate_settings(r#"{"from": "2018-01-02"}"#).unwrap_err();
    assert!(
        err.contains("may tighten this figure, not loosen it"),
        "{err}"
    );
    assert!(ReviewMentalHealth::validate_settings(r#"{"from": "2018-13-01"}"#).is_err());
    assert!(ReviewMentalHealth::validate_settings(r#"{"since": "2018-01-01"}"#).is_err());
    assert_eq!(MentalHealthSettings::default().from, ymd(2018, 1, 1));
}

#[test]
fn evaluate_reads_json_and_settings() {
    let c = Context {
        settings: r#"{"from": "2017-12-01"}"#.into(),
        ..ctx(ymd(2018, 6, 1))
    };
    let record =
        r#"{"reviews": [{"date": "2017-12-15", "mental_health": {"outcome": "needs-met"}}]}"#;
    let results = ReviewMentalHealth::evaluate(&c, record).expect("evaluates");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].status, Status::Met);
    assert!(ReviewMentalHealth::evaluate(&c, "{").is_err());
    let bad = Context {
        settings: r#"{"from": "2019-01-01"}"#.into(),
        ..ctx(ymd(2018, 6, 1))
    };
    assert!(ReviewMentalHealth::evaluate(&bad, record).is_err());
}

#[test]
fn metadata() {
    let m = ReviewMentalHealth::metadata();
    assert_eq!(m.id, "review-mental-health");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [REVIEWED, ACTIONS]);
    assert!(
        m.checks
            .iter()
            .all(|c| c.basis == Basis::Guidance && c.citation == "EWG 2017 rec 11")
    );
    assert!(
        m.settings_schema.contains("2018-01-01"),
        "{}",
        m.settings_schema
    );
}

// Data minimisation -------------------------------------------------------------------------

/// The host's data minimisation (host/src/plugins/minimise.rs) in miniature: keeps only the
/// declared pointers, so a test can show that `reads` names everything the policy needs.
fn project(pointers: &[String], record: &Value) -> Value {
    fn copy(source: &Value, path: &[&str], target: &mut Value) {
        let Some((head, rest)) = path.split_first() else {
            *target = source.clone();
            return;
        };
        match source {
            Value::Object(fields) => {
                if target.is_null() {
                    *target = json!({});
                }
                let (Some(child), Some(out)) = (fields.get(*head), target.as_object_mut()) else {
                    return;
                };
                copy(
                    child,
                    rest,
                    out.entry(head.to_string()).or_insert(Value::Null),
                );
            }
            Value::Array(items) if *head == "*" => {
                if target.is_null() {
                    *target = Value::Array(vec![Value::Null; items.len()]);
                }
                let Some(out) = target.as_array_mut() else {
                    return;
                };
                for (item, slot) in items.iter().zip(out.iter_mut()) {
                    copy(item, rest, slot);
                }
            }
            _ => {}
        }
    }
    let mut out = json!({});
    for pointer in pointers {
        let path: Vec<&str> = pointer.split('/').skip(1).collect();
        copy(record, &path, &mut out);
    }
    out
}

/// A record touching every part of the schema, with fields no policy here should read.
fn rich_record() -> Value {
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

#[test]
fn the_declared_reads_are_enough() {
    let full = rich_record();
    let projected = project(&ReviewMentalHealth::metadata().reads, &full);
    assert!(projected["child"].get("name").is_none());
    assert_ne!(projected, full);
    let c = ctx(ymd(2025, 6, 1));
    let from_full =
        ReviewMentalHealth::evaluate(&c, &full.to_string()).expect("full record evaluates");
    let from_projected = ReviewMentalHealth::evaluate(&c, &projected.to_string())
        .expect("minimised record evaluates");
    assert!(!from_full.is_empty());
    assert_eq!(from_full, from_projected);
}
