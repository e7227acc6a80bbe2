//! Hand-worked cases.

use super::*;
use carecheck_sdk::testing::{
    assert_reads_suffice, assert_reads_suffice_on_rich_record, context, context_with_settings,
    current, evidence, of, run, run_with, ssda903_only, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

/// A record holding just these reviews.
fn with_reviews(reviews: Value) -> Value {
    json!({ "reviews": reviews })
}

const REVIEWED: &str = "mental-health-reviewed";
const ACTIONS: &str = "mental-health-actions";

#[test]
fn one_result_per_review_for_each_check() {
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(json!([
            { "date": "2025-03-04", "mental_health": { "outcome": "needs-met" } },
            { "date": "2025-01-22", "mental_health": { "outcome": "not-met", "actions": ["Refer to CAMHS"] } },
            { "date": "2024-09-10", "mental_health": { "outcome": "partly-met", "actions": ["Therapeutic parenting course", "Review school support"] } },
        ])),
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
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(json!([
            { "date": "2025-03-04" },
            { "date": "2025-04-29", "mental_health": { "outcome": "not-discussed" } },
        ])),
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
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(json!([
            { "date": "2025-03-04", "mental_health": { "outcome": "not-met" } },
            { "date": "2025-05-20", "mental_health": { "outcome": "partly-met", "actions": ["", "   "] } },
        ])),
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
    let results = run::<ReviewMentalHealth>(ymd(2018, 6, 1), with_reviews(reviews.clone()));
    let reviewed = of(&results, REVIEWED);
    assert_eq!(reviewed.len(), 1);
    assert_eq!(reviewed[0].subject, "review 2018-01-01");
    assert_eq!(reviewed[0].status, Status::Breach);

    // A local authority checking from 1 Dec 2017 sees both.
    let earlier = MentalHealthSettings {
        from: ymd(2017, 12, 1),
    };
    assert_eq!(
        of(
            &run_with::<ReviewMentalHealth>(ymd(2018, 6, 1), with_reviews(reviews), &earlier),
            REVIEWED
        )
        .len(),
        2
    );

    // Only older reviews: one not_applicable result per check.
    let results = run::<ReviewMentalHealth>(
        ymd(2018, 6, 1),
        with_reviews(json!([{ "date": "2017-06-30" }])),
    );
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
    let results = run::<ReviewMentalHealth>(ymd(2025, 6, 1), with_reviews(json!([])));
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::NotApplicable));
}

#[test]
fn future_dated_review_is_a_data_error() {
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(json!([
            { "date": "2025-03-04", "mental_health": { "outcome": "needs-met" } },
            { "date": "2025-06-02", "mental_health": { "outcome": "needs-met" } },
        ])),
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
        "A review is dated 2 Jun 2025, after the evaluation date 1 Jun 2025; correct the date before it is counted."
    );
    assert_eq!(error.due, None);
    assert!(error.current);
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
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(json!([
            { "date": "2025-03-04" },
            { "date": "2025-03-04", "mental_health": { "outcome": "not-met", "actions": ["Refer to CAMHS"] } },
        ])),
    );
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::Met));
}

#[test]
fn leap_day_review() {
    let results = run::<ReviewMentalHealth>(
        ymd(2024, 3, 1),
        with_reviews(
            json!([{ "date": "2024-02-29", "mental_health": { "outcome": "partly-met" } }]),
        ),
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
    assert!(validate_settings::<ReviewMentalHealth>("").is_ok());
    assert!(validate_settings::<ReviewMentalHealth>(r#"{"from": "2017-11-01"}"#).is_ok());
    assert!(validate_settings::<ReviewMentalHealth>(r#"{"from": "2018-01-01"}"#).is_ok());
    let err = validate_settings::<ReviewMentalHealth>(r#"{"from": "2018-01-02"}"#).unwrap_err();
    assert!(
        err.contains("may tighten this figure, not loosen it"),
        "{err}"
    );
    assert!(validate_settings::<ReviewMentalHealth>(r#"{"from": "2018-13-01"}"#).is_err());
    assert!(validate_settings::<ReviewMentalHealth>(r#"{"since": "2018-01-01"}"#).is_err());
    assert_eq!(MentalHealthSettings::default().from, ymd(2018, 1, 1));
}

#[test]
fn evaluate_reads_json_and_settings() {
    let c = context_with_settings(ymd(2018, 6, 1), r#"{"from": "2017-12-01"}"#);
    let record =
        r#"{"reviews": [{"date": "2017-12-15", "mental_health": {"outcome": "needs-met"}}]}"#;
    let results = evaluate_json::<ReviewMentalHealth>(&c, record).expect("evaluates");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].status, Status::Met);
    assert!(evaluate_json::<ReviewMentalHealth>(&c, "{").is_err());
    let bad = context_with_settings(ymd(2018, 6, 1), r#"{"from": "2019-01-01"}"#);
    assert!(evaluate_json::<ReviewMentalHealth>(&bad, record).is_err());
}

#[test]
fn metadata() {
    let m = describe::<ReviewMentalHealth>();
    assert_eq!(m.id, "review-mental-health");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_ref()).collect();
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

#[test]
fn the_declared_reads_are_enough() {
    let from_full = assert_reads_suffice_on_rich_record::<ReviewMentalHealth>(ymd(2025, 6, 1));
    assert!(!from_full.is_empty());
}

/// One cause, one result: the only review is misdated, so there is one data error and no
/// "no review to check" on either check besides.
#[test]
fn only_a_future_dated_review_gives_one_result() {
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(
            json!([{ "date": "2025-06-02", "mental_health": { "outcome": "needs-met" } }]),
        ),
    );
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].check, REVIEWED);
    assert_eq!(results[0].status, Status::InsufficientData);
    assert_eq!(results[0].subject, "review 2025-06-02");
}

/// Each review is its own pair of results; the latest review's pair is current, so a breach at
/// an older review is history once a later review considered the child's mental health.
#[test]
fn the_latest_review_is_current() {
    let results = run::<ReviewMentalHealth>(
        ymd(2025, 6, 1),
        with_reviews(json!([
            { "date": "2024-09-10" },
            { "date": "2025-03-04", "mental_health": { "outcome": "not-met", "actions": ["Refer to CAMHS"] } },
        ])),
    );
    assert_eq!(results.len(), 4);
    let now = current(&results);
    assert_eq!(now.len(), 2);
    assert!(
        now.iter()
            .all(|r| r.subject == "review 2025-03-04" && r.status == Status::Met)
    );
    let old = of(&results, REVIEWED)[0];
    assert_eq!((old.status, old.current), (Status::Breach, false));
}

/// An SSDA903 return supplies review dates but not the mental-health item: the record cannot
/// show whether the reviews considered the child's mental health, so each check is
/// `insufficient_data` naming the section, never a breach.
#[test]
fn an_ssda903_only_record_cannot_show_the_mental_health_item() {
    let record = ssda903_only(with_reviews(json!([
        { "date": "2025-01-22" },
        { "date": "2025-03-04" },
    ])));
    let results = assert_reads_suffice::<ReviewMentalHealth>(&context(ymd(2025, 6, 1)), &record);
    assert_eq!(results.len(), 2);
    for r in &results {
        assert_eq!(r.status, Status::InsufficientData);
        assert_eq!(evidence(r, "missing_field"), Some("reviews.mental_health"));
        assert_eq!(
            evidence(r, "supplied_by"),
            Some("ssda903 as of 31 Mar 2025")
        );
        assert!(r.current);
    }
    assert_eq!(
        results[0].message,
        "The record's sources (ssda903 as of 31 Mar 2025) do not supply the mental-health item at reviews, so this cannot be checked; add the mental-health item at reviews from the case record (not recorded does not mean not done)."
    );
}
