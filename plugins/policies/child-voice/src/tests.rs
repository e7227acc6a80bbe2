//! Hand-worked cases.

use super::*;
use carecheck_sdk::testing::{
    assert_reads_suffice_on_rich_record, context, context_with_settings, of, run, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::json;

const VIEWS: &str = "views-conveyed";
const ASKED: &str = "accompaniment-asked";

#[test]
fn participation_codes() {
    // Born 10 May 2012: 12 throughout 2025.
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2012-05-10" },
            "reviews": [
                { "date": "2025-01-22", "participation": "PN1" },
                { "date": "2025-03-04", "participation": "PN7" },
                { "date": "2025-04-29" },
                { "date": "2025-05-20", "participation": "PN6" },
            ],
        }),
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
    assert!(
        views[2]
            .evidence
            .contains(&("missing_field".into(), "reviews[].participation".into()))
    );
    assert_eq!(views[3].status, Status::Met);
    assert!(views.iter().all(|r| r.due.is_none()));
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
fn accompaniment_asked_not_asked_and_missing() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2012-05-10" },
            "reviews": [
                { "date": "2025-01-22", "participation": "PN1", "accompaniment": { "asked": true, "chosen": "foster carer" } },
                { "date": "2025-03-04", "participation": "PN1", "accompaniment": { "asked": false } },
                { "date": "2025-05-20", "participation": "PN1" },
            ],
        }),
    );
    let asked = of(&results, ASKED);
    assert_eq!(asked.len(), 3);
    assert_eq!(asked[0].status, Status::Met);
    assert_eq!(
        asked[0].message,
        "The child was asked who they wanted with them at the review on 22 Jan 2025."
    );
    assert_eq!(asked[1].status, Status::Breach);
    assert_eq!(
        asked[1].message,
        "The child was not asked who they wanted with them at the review on 4 Mar 2025; ask them before the next review and record their choice."
    );
    assert_eq!(asked[2].status, Status::Breach);
    assert_eq!(
        asked[2].message,
        "The review on 20 May 2025 does not record whether the child was asked who they wanted with them; ask them before the next review and record their choice."
    );
}

#[test]
fn accompaniment_under_four_and_the_fourth_birthday() {
    // Born 29 Feb 2020: in 2024 (a leap year) the fourth birthday is 29 Feb 2024 itself.
    // On 28 Feb 2024 the child is 3; on 29 Feb 2024, 4.
    let record = |date: &str| {
        json!({
            "child": { "date_of_birth": "2020-02-29" },
            "reviews": [{ "date": date, "participation": "PN1" }],
        })
    };
    let results = run::<ChildVoice>(ymd(2024, 6, 1), record("2024-02-28"));
    let asked = of(&results, ASKED);
    assert_eq!(asked[0].status, Status::NotApplicable);
    assert_eq!(
        asked[0].message,
        "The child was under 4 at the review on 28 Feb 2024, so was not expected to be asked who they wanted with them."
    );
    let results = run::<ChildVoice>(ymd(2024, 6, 1), record("2024-02-29"));
    assert_eq!(of(&results, ASKED)[0].status, Status::Breach);
}

#[test]
fn accompaniment_needs_the_date_of_birth_unless_the_child_was_asked() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({ "reviews": [
            { "date": "2025-03-04", "participation": "PN1" },
            { "date": "2025-05-20", "participation": "PN1", "accompaniment": { "asked": true } },
        ] }),
    );
    let asked = of(&results, ASKED);
    assert_eq!(asked[0].status, Status::InsufficientData);
    assert!(
        asked[0]
            .evidence
            .contains(&("missing_field".into(), "child.date_of_birth".into()))
    );
    assert_eq!(asked[1].status, Status::Met);
}

#[test]
fn approximate_date_of_birth_is_flagged() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2015-07-01", "date_of_birth_approximate": true },
            "reviews": [{ "date": "2025-03-04", "participation": "PN2" }],
        }),
    );
    let asked = of(&results, ASKED);
    assert!(
        asked[0]
            .evidence
            .contains(&("date_of_birth_approximate".into(), "true".into()))
    );
}

#[test]
fn accompaniment_from_setting() {
    // 31 Dec 2017 is before the default; only the 2018 review is checked.
    let record = json!({
        "child": { "date_of_birth": "2010-01-01" },
        "reviews": [
            { "date": "2017-12-31", "participation": "PN1" },
            { "date": "2018-01-01", "participation": "PN1" },
        ],
    });
    let results = run::<ChildVoice>(ymd(2018, 6, 1), record.clone());
    assert_eq!(of(&results, VIEWS).len(), 2);
    let asked = of(&results, ASKED);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].subject, "review 2018-01-01");

    let c = context_with_settings(ymd(2018, 6, 1), r#"{"accompaniment_from": "2017-11-01"}"#);
    let results = evaluate_json::<ChildVoice>(&c, &record.to_string()).expect("evaluates");
    assert_eq!(of(&results, ASKED).len(), 2);

    // Only older reviews: one not_applicable.
    let results = run::<ChildVoice>(
        ymd(2018, 6, 1),
        json!({ "reviews": [{ "date": "2017-06-30", "participation": "PN1" }] }),
    );
    let asked = of(&results, ASKED);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].status, Status::NotApplicable);
    assert_eq!(asked[0].subject, "record");
}

#[test]
fn no_reviews() {
    let results = run::<ChildVoice>(ymd(2025, 6, 1), json!({}));
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::NotApplicable));
}

#[test]
fn future_dated_review_is_a_data_error() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2012-05-10" },
            "reviews": [{ "date": "2025-07-01", "participation": "PN1", "accompaniment": { "asked": true } }],
        }),
    );
    let views = of(&results, VIEWS);
    let error = views
        .iter()
        .find(|r| r.status == Status::InsufficientData)
        .expect("data error");
    assert_eq!(
        error.message,
        "A review is dated 1 Jul 2025, after the evaluation date 1 Jun 2025; it is not checked until the date is corrected."
    );
    assert_eq!(error.subject, "review 2025-07-01");
    // Not evidence of anything: the other results are not_applicable (no review to check).
    assert!(results.iter().all(|r| r.status != Status::Met));
}

#[test]
fn rows_on_the_same_day_are_one_review() {
    let results = run::<ChildVoice>(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2012-05-10" },
            "reviews": [
                { "date": "2025-03-04" },
                { "date": "2025-03-04", "participation": "PN5", "accompaniment": { "asked": true } },
            ],
        }),
    );
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::Met));
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<ChildVoice>("").is_ok());
    assert!(validate_settings::<ChildVoice>(r#"{"accompaniment_from": "2017-11-01"}"#).is_ok());
    let err =
        validate_settings::<ChildVoice>(r#"{"accompaniment_from": "2019-01-01"}"#).unwrap_err();
    assert!(err.contains("not loosen it"), "{err}");
    assert!(validate_settings::<ChildVoice>(r#"{"from": "2017-01-01"}"#).is_err());
}

#[test]
fn metadata() {
    let m = describe::<ChildVoice>();
    assert_eq!(m.id, "child-voice");
    assert_eq!(m.check(VIEWS).map(|c| c.basis), Some(Basis::Statutory));
    assert_eq!(m.check(ASKED).map(|c| c.basis), Some(Basis::Guidance));
    assert!(
        m.reads
            .contains(&"/reviews/*/accompaniment/asked".to_string())
    );
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
