//! Hand-worked cases.

use super::*;
use carecheck_sdk::testing::{
    assert_reads_suffice, assert_reads_suffice_on_rich_record, context, current, evidence, of, run,
    ssda903_only, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const VIEWS: &str = "views-conveyed";

/// Born 10 May 2012 (12 throughout 2025), with these reviews.
fn twelve_year_old(reviews: Value) -> Value {
    json!({ "child": { "date_of_birth": "2012-05-10" }, "reviews": reviews })
}

#[test]
fn participation_codes() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        twelve_year_old(json!([
            { "date": "2025-01-22", "participation": "PN1" },
            { "date": "2025-03-04", "participation": "PN7" },
            { "date": "2025-04-29" },
            { "date": "2025-05-20", "participation": "PN6" },
        ])),
    );
    let views = of(&results, VIEWS);
    assert_eq!(views.len(), 4);
    assert_eq!(views[0].status, Status::Met);
    assert_eq!(
        views[0].message,
        "The child's views were conveyed to the review on 22 Jan 2025 (participation code PN1)."
    );
    assert_eq!(views[0].subject, "review 2025-01-22");
    assert_eq!(views[1].status, Status::Breach);
    assert_eq!(
        views[1].message,
        "The child was absent from the review on 4 Mar 2025 and their views were not conveyed (PN7); make sure the child's wishes and feelings reach the next review."
    );
    assert_eq!(views[2].status, Status::InsufficientData);
    assert_eq!(
        views[2].message,
        "The review on 29 Apr 2025 does not record how the child's views were conveyed; add the participation code (PN0-PN7)."
    );
    assert_eq!(
        evidence(views[2], "missing_field"),
        Some("reviews[].participation")
    );
    assert_eq!(views[3].status, Status::Met);
    assert!(views.iter().all(|r| r.due.is_none()));
}

/// Each review is its own result; the latest is current, so the breach at the review of
/// 4 Mar 2025 is history once the child's views reached the review of 20 May 2025.
#[test]
fn the_latest_review_is_current() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        twelve_year_old(json!([
            { "date": "2025-03-04", "participation": "PN7" },
            { "date": "2025-05-20", "participation": "PN6" },
        ])),
    );
    let now = current(&results);
    assert_eq!(now.len(), 1);
    assert_eq!(
        (now[0].subject.as_str(), now[0].status),
        ("review 2025-05-20", Status::Met)
    );
    // The other way round, the absence from the latest review is what needs attention now.
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        twelve_year_old(json!([
            { "date": "2025-03-04", "participation": "PN6" },
            { "date": "2025-05-20", "participation": "PN7" },
        ])),
    );
    assert_eq!(current(&results)[0].status, Status::Breach);
}

#[test]
fn pn0_under_four_and_the_conflict_with_the_date_of_birth() {
    // Born 15 Mar 2021: 3 on 14 Mar 2025, 4 on 15 Mar 2025.
    let record = |date: &str| {
        json!({
            "child": { "date_of_birth": "2021-03-15" },
            "reviews": [{ "date": date, "participation": "PN0" }],
        })
    };
    let results = run::<ChildVoice>(ymd(2025, 6, 1), record("2025-03-14"));
    let views = of(&results, VIEWS);
    assert_eq!(views[0].status, Status::NotApplicable);
    assert_eq!(
        views[0].message,
        "The child was under 4 at the review on 14 Mar 2025 (PN0), so no views were expected to be conveyed."
    );
    // On the fourth birthday PN0 no longer fits.
    let results = run::<ChildVoice>(ymd(2025, 6, 1), record("2025-03-15"));
    let views = of(&results, VIEWS);
    assert_eq!(views[0].status, Status::InsufficientData);
    assert_eq!(
        views[0].message,
        "The review on 15 Mar 2025 is coded PN0 (child under 4), but the date of birth makes the child 4 on that date; correct the participation code or the date of birth."
    );
    // Without a date of birth, PN0 is taken as recorded.
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({ "reviews": [{ "date": "2025-03-15", "participation": "PN0" }] }),
    );
    assert_eq!(of(&results, VIEWS)[0].status, Status::NotApplicable);
}

#[test]
fn pn0_on_a_29_february_fourth_birthday() {
    // Born 29 Feb 2020: in 2024 (a leap year) the fourth birthday is 29 Feb 2024 itself, so
    // PN0 fits a review on 28 Feb 2024 and conflicts with one on 29 Feb 2024.
    let record = |date: &str| {
        json!({
            "child": { "date_of_birth": "2020-02-29" },
            "reviews": [{ "date": date, "participation": "PN0" }],
        })
    };
    let r = run::<ChildVoice>(ymd(2024, 6, 1), record("2024-02-28"));
    assert_eq!(r[0].status, Status::NotApplicable);
    let r = run::<ChildVoice>(ymd(2024, 6, 1), record("2024-02-29"));
    assert_eq!(r[0].status, Status::InsufficientData);
}

#[test]
fn no_reviews() {
    let results = run::<ChildVoice>(ymd(2025, 6, 1), json!({}));
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].status, Status::NotApplicable);
    assert!(results[0].current);
}

/// One cause, one result: the only review is dated after the evaluation date, so the data error
/// is the only result (no "no review recorded" besides), with no due date.
#[test]
fn a_future_dated_review_is_one_data_error() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        twelve_year_old(json!([{ "date": "2025-07-01", "participation": "PN1" }])),
    );
    assert_eq!(results.len(), 1);
    let error = &results[0];
    assert_eq!(error.status, Status::InsufficientData);
    assert_eq!(
        error.message,
        "A review is dated 1 Jul 2025, after the evaluation date 1 Jun 2025; correct the date before it is counted."
    );
    assert_eq!(error.due, None);
    assert_eq!(evidence(error, "missing_field"), Some("reviews[].date"));
    assert!(error.current);
    // Next to a real review, the real one is still checked.
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        twelve_year_old(json!([
            { "date": "2025-05-20", "participation": "PN2" },
            { "date": "2025-07-01", "participation": "PN1" },
        ])),
    );
    assert_eq!(results.len(), 2);
    assert_eq!(results[1].status, Status::Met);
}

#[test]
fn rows_on_the_same_day_are_one_review() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        twelve_year_old(json!([
            { "date": "2025-03-04" },
            { "date": "2025-03-04", "participation": "PN5" },
        ])),
    );
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].status, Status::Met);
}

/// The SSDA903 return supplies review dates and participation codes: an SSDA903-only record is
/// judged in full. Sources that do not supply the participation codes give one
/// `insufficient_data`, never a breach.
#[test]
fn provenance() {
    let record = twelve_year_old(json!([{ "date": "2025-03-04", "participation": "PN7" }]));
    let ssda903 = assert_reads_suffice::<ChildVoice>(
        &context(ymd(2025, 6, 1)),
        &ssda903_only(record.clone()),
    );
    assert_eq!(ssda903, run::<ChildVoice>(ymd(2025, 6, 1), record.clone()));
    assert_eq!(ssda903[0].status, Status::Breach);

    let mut record = record;
    record["provenance"] = json!({"sections": [
        {"section": "reviews.dates", "source": "case-system"},
        {"section": "child", "source": "case-system"}
    ]});
    let results = assert_reads_suffice::<ChildVoice>(&context(ymd(2025, 6, 1)), &record);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].status, Status::InsufficientData);
    assert_eq!(
        evidence(&results[0], "missing_field"),
        Some("reviews.participation")
    );
}

#[test]
fn settings_are_empty_and_strict() {
    assert!(validate_settings::<ChildVoice>("").is_ok());
    assert!(validate_settings::<ChildVoice>("{}").is_ok());
    // The accompaniment check moved to mental-health-access, and its setting with it.
    assert!(validate_settings::<ChildVoice>(r#"{"accompaniment_from": "2017-11-01"}"#).is_err());
}

#[test]
fn metadata() {
    let m = describe::<ChildVoice>();
    assert_eq!(m.id, "child-voice");
    assert_eq!(m.checks.len(), 1);
    assert_eq!(m.check(VIEWS).map(|c| c.basis), Some(Basis::Statutory));
    assert!(!m.reads.iter().any(|r| r.contains("accompaniment")));
    assert!(
        evaluate_json::<ChildVoice>(
            &context(ymd(2025, 6, 1)),
            r#"{"reviews": [{"participation": "PN1"}]}"#
        )
        .is_err()
    );
    assert!(
        evaluate_json::<ChildVoice>(
            &context(ymd(2025, 6, 1)),
            r#"{"reviews": [{"date": "2025-01-01", "participation": "PN9"}]}"#
        )
        .is_err()
    );
}

// Data minimisation -------------------------------------------------------------------------

#[test]
fn the_declared_reads_are_enough() {
    let from_full = assert_reads_suffice_on_rich_record::<ChildVoice>(ymd(2025, 6, 1));
    assert!(!from_full.is_empty());
}
