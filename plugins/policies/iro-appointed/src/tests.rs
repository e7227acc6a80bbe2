//! Hand-worked cases. Working days use the shipped England and Wales calendar.

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, assert_reads_suffice_on_rich_record, context,
    context_with_settings, current, evidence, of, one, run, ssda903_only, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const BEFORE: &str = "iro-before-first-review";
const NOW: &str = "iro-assigned-now";
const ALLOCATED: &str = "iro-allocated";

/// One open period from Fri 20 Dec 2024. First review due (20 working days, the start day not
/// counted): Mon 23 = 1, Tue 24 = 2; Wed 25 Christmas, Thu 26 Boxing Day; Fri 27 = 3;
/// Mon 30 = 4, Tue 31 = 5; Wed 1 Jan New Year's Day; Thu 2 = 6, Fri 3 = 7; 6-10 Jan = 8-12;
/// 13-17 Jan = 13-17; Mon 20 = 18, Tue 21 = 19, Wed 22 Jan 2025 = 20.
fn christmas_record(reviews: &[&str], iros: Value) -> Value {
    let reviews: Vec<Value> = reviews.iter().map(|d| json!({ "date": d })).collect();
    json!({
        "periods_of_care": [{ "episodes": [{ "start": "2024-12-20" }] }],
        "reviews": reviews,
        "iro_assignments": iros,
    })
}

#[test]
fn iro_in_place_for_a_first_review_held_on_its_due_date() {
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2025-01-06" }]),
        ),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Met);
    assert_eq!(
        before.message,
        "IRO I1, assigned from 6 Jan 2025, was in place for the first review of the period of care from 20 Dec 2024, held on 22 Jan 2025."
    );
    assert_eq!(before.due, Some(ymd(2025, 1, 22)));
    assert_eq!(before.subject, "period of care from 2024-12-20");
    let now = one(&results, NOW);
    assert_eq!(now.status, Status::Met);
    assert_eq!(
        now.message,
        "IRO I1 has been assigned to the child since 6 Jan 2025."
    );
    assert_eq!(now.subject, "IRO I1");
}

#[test]
fn assigned_on_the_review_day_counts_the_day_after_does_not() {
    let on_the_day = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2025-01-22" }]),
        ),
    );
    assert_eq!(one(&on_the_day, BEFORE).status, Status::Met);

    let day_after = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2025-01-23" }]),
        ),
    );
    let before = one(&day_after, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert_eq!(
        before.message,
        "No IRO was assigned when the first review of the period of care from 20 Dec 2024 was held on 22 Jan 2025; the first IRO assigned after it, I1, started on 23 Jan 2025, 1 day later."
    );
    // The IRO is in place now.
    assert_eq!(one(&day_after, NOW).status, Status::Met);
}

#[test]
fn an_assignment_that_ended_before_the_review_does_not_count() {
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2025-01-02", "to": "2025-01-21" }]),
        ),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert_eq!(
        before.message,
        "No IRO was assigned when the first review of the period of care from 20 Dec 2024 was held on 22 Jan 2025; no IRO has been assigned since."
    );
    // A vacancy since 22 Jan: 21 Jan to 1 Feb is 11 days.
    let now = one(&results, NOW);
    assert_eq!(now.status, Status::Breach);
    assert_eq!(
        now.message,
        "No IRO has been assigned since IRO I1's assignment ended on 21 Jan 2025, 11 days ago; a new IRO must be appointed as soon as practicable."
    );
    assert!(
        now.evidence
            .contains(&("vacant_from".into(), "2025-01-22".into()))
    );
}

#[test]
fn first_review_not_held_and_not_yet_due() {
    // 10 Jan to 22 Jan 2025 is 12 days: inside the 28-day look-ahead.
    let results = run::<IroAppointed>(ymd(2025, 1, 10), christmas_record(&[], json!([])));
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::DueSoon);
    assert_eq!(
        before.message,
        "IRO appointment before the first review of the period of care from 20 Dec 2024 is due by 22 Jan 2025, in 12 days."
    );
    assert_eq!(before.due, Some(ymd(2025, 1, 22)));
    let now = one(&results, NOW);
    assert_eq!(now.status, Status::DueSoon);
    assert_eq!(
        now.message,
        "No IRO is assigned yet in the period of care from 20 Dec 2024; one must be appointed before the first review, due by 22 Jan 2025, in 12 days."
    );

    // On the day the period starts the deadline is 33 days away: beyond the look-ahead, met.
    let results = run::<IroAppointed>(ymd(2024, 12, 20), christmas_record(&[], json!([])));
    assert_eq!(one(&results, BEFORE).status, Status::Upcoming);
    assert_eq!(one(&results, NOW).status, Status::Upcoming);

    // An IRO already in place before the due date.
    let results = run::<IroAppointed>(
        ymd(2025, 1, 10),
        christmas_record(&[], json!([{ "iro_id": "I1", "from": "2025-01-02" }])),
    );
    assert_eq!(
        one(&results, BEFORE).message,
        "IRO I1, assigned from 2 Jan 2025, is in place ahead of the first review of the period of care from 20 Dec 2024, due by 22 Jan 2025."
    );
}

#[test]
fn first_review_not_held_and_overdue() {
    // No IRO: 22 Jan to 1 Feb 2025 is 10 days.
    let results = run::<IroAppointed>(ymd(2025, 2, 1), christmas_record(&[], json!([])));
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert_eq!(
        before.message,
        "IRO appointment before the first review of the period of care from 20 Dec 2024 was due by 22 Jan 2025 and is 10 days overdue."
    );
    let now = one(&results, NOW);
    assert_eq!(now.status, Status::Breach);
    assert_eq!(
        now.message,
        "No IRO is assigned in the period of care from 20 Dec 2024, although the first review was due by 22 Jan 2025; one must be appointed now."
    );
    assert_eq!(now.due, Some(ymd(2025, 1, 22)));

    // An IRO appointed 2 days after the due date: late, though in place now.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(&[], json!([{ "iro_id": "I1", "from": "2025-01-24" }])),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert_eq!(
        before.message,
        "IRO appointment before the first review of the period of care from 20 Dec 2024 was due by 22 Jan 2025 and was made on 24 Jan 2025, 2 days late."
    );
    assert_eq!(one(&results, NOW).status, Status::Met);

    // An IRO in place by the due date: met, although the review itself is overdue.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(&[], json!([{ "iro_id": "I1", "from": "2025-01-22" }])),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Met);
    assert_eq!(
        before.message,
        "IRO I1, assigned from 22 Jan 2025, was in place by 22 Jan 2025, when the first review of the period of care from 20 Dec 2024 was due (that review has not been held)."
    );
}

#[test]
fn easter_2025_deadline() {
    // From Tue 1 Apr 2025: Wed 2 - Fri 4 = 1-3; 7-11 Apr = 4-8; Mon 14 - Thu 17 = 9-12;
    // Fri 18 Good Friday, Mon 21 Easter Monday; Tue 22 - Fri 25 = 13-16; Mon 28 - Wed 30 = 17-19;
    // Thu 1 May = 20.
    let record = |iro_from: &str| {
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2025-04-01" }] }],
            "iro_assignments": [{ "iro_id": "I2", "from": iro_from }],
        })
    };
    // Assigned on the due date, review not yet held: met.
    let results = run::<IroAppointed>(ymd(2025, 5, 6), record("2025-05-01"));
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Met);
    assert_eq!(before.due, Some(ymd(2025, 5, 1)));
    // Assigned the day after: 1 day late.
    let results = run::<IroAppointed>(ymd(2025, 5, 6), record("2025-05-02"));
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert!(
        before
            .message
            .ends_with("was due by 1 May 2025 and was made on 2 May 2025, 1 day late."),
        "{}",
        before.message
    );
}

#[test]
fn one_off_bank_holidays_2022() {
    // From Fri 27 May 2022: Mon 30 May = 1 (not a holiday in 2022), Tue 31 = 2, Wed 1 Jun = 3;
    // Thu 2 and Fri 3 Jun holidays; 6-10 Jun = 4-8; 13-17 = 9-13; 20-24 = 14-18;
    // Mon 27 = 19, Tue 28 Jun 2022 = 20.
    let results = run::<IroAppointed>(
        ymd(2022, 7, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2022-05-27" }] }],
            "iro_assignments": [{ "iro_id": "I1", "from": "2022-06-29" }],
        }),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.due, Some(ymd(2022, 6, 28)));
    assert_eq!(before.status, Status::Breach);
}

#[test]
fn a_period_that_ended_before_its_first_review_was_due() {
    let results = run::<IroAppointed>(
        ymd(2025, 3, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-01-10" }] }],
        }),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::NotApplicable);
    assert_eq!(
        before.message,
        "The period of care from 20 Dec 2024 ended on 10 Jan 2025, before its first review was due on 22 Jan 2025, so no IRO appointment was required for it."
    );
    let now = one(&results, NOW);
    assert_eq!(now.status, Status::NotApplicable);
    assert_eq!(
        now.message,
        "The child is not in a period of care on 1 Mar 2025, so no IRO needs to be assigned now."
    );

    // But a review held in that short period still needed an IRO before it.
    let results = run::<IroAppointed>(
        ymd(2025, 3, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-01-10" }] }],
            "reviews": [{ "date": "2025-01-08" }],
        }),
    );
    assert_eq!(one(&results, BEFORE).status, Status::Breach);
}

#[test]
fn a_period_that_ended_without_an_iro_or_a_review() {
    let results = run::<IroAppointed>(
        ymd(2025, 6, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-03-01" }] }],
        }),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert_eq!(
        before.message,
        "No IRO was appointed in the period of care from 20 Dec 2024, which ended on 1 Mar 2025, although one was due by 22 Jan 2025, before the first review."
    );
}

#[test]
fn each_new_period_of_care_is_checked_again() {
    // Period 1: first review 20 Mar 2023 with IRO I1 (ended with the period).
    // Period 2 from 20 Dec 2024: first review 15 Jan 2025.
    let record = |iros: Value| {
        json!({
            "periods_of_care": [
                { "episodes": [{ "start": "2023-03-01", "end": "2023-09-30" }] },
                { "episodes": [{ "start": "2024-12-20" }] },
            ],
            "reviews": [{ "date": "2023-03-20" }, { "date": "2025-01-15" }],
            "iro_assignments": iros,
        })
    };
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        record(json!([{ "iro_id": "I1", "from": "2023-03-05", "to": "2023-09-30" }])),
    );
    let before = of(&results, BEFORE);
    assert_eq!(before.len(), 2);
    assert_eq!(before[0].status, Status::Met);
    assert_eq!(before[0].subject, "period of care from 2023-03-01");
    assert_eq!(before[1].status, Status::Breach);
    assert_eq!(before[1].subject, "period of care from 2024-12-20");
    // The old assignment ended before this period: not a vacancy in it.
    assert_eq!(
        one(&results, NOW).message,
        "No IRO is assigned in the period of care from 20 Dec 2024, although the first review was held on 15 Jan 2025; one must be appointed now."
    );

    // An assignment never ended carries over to the new period.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        record(json!([{ "iro_id": "I1", "from": "2023-03-05" }])),
    );
    assert!(of(&results, BEFORE).iter().all(|r| r.status == Status::Met));
    assert_eq!(one(&results, NOW).status, Status::Met);
}

#[test]
fn a_placement_change_inside_a_period_is_still_one_period() {
    // Two episodes (a placement move on 10 Jan 2025), one period, one first review.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        json!({
            "periods_of_care": [{ "episodes": [
                { "start": "2024-12-20", "end": "2025-01-10", "reason_ended": "X1", "placement_id": "P1" },
                { "start": "2025-01-10", "placement_id": "P2" },
            ] }],
            "reviews": [{ "date": "2025-01-22" }],
            "iro_assignments": [{ "iro_id": "I1", "from": "2025-01-15" }],
        }),
    );
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Met);
    assert_eq!(before.subject, "period of care from 2024-12-20");
}

#[test]
fn future_dated_rows_are_data_errors() {
    // An assignment from 1 Mar 2025, evaluated on 1 Feb 2025: reported, not used.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-03-01"],
            json!([{ "iro_id": "I9", "from": "2025-03-01" }]),
        ),
    );
    let now = of(&results, NOW);
    assert_eq!(now.len(), 2);
    assert_eq!(now[0].status, Status::InsufficientData);
    assert_eq!(now[0].subject, "IRO assignment I9 from 2025-03-01");
    assert_eq!(
        now[0].message,
        "IRO I9 is recorded as assigned from 1 Mar 2025, after the evaluation date 1 Feb 2025; the assignment is not counted until the date is corrected."
    );
    assert!(
        now[0]
            .evidence
            .contains(&("missing_field".into(), "iro_assignments[].from".into()))
    );
    // A data error fixes no deadline, and is something to correct now.
    assert_eq!(now[0].due, None);
    assert!(now[0].current);
    assert_eq!(now[1].status, Status::Breach);
    // The future-dated review is not taken as the first review either.
    let before = one(&results, BEFORE);
    assert_eq!(before.status, Status::Breach);
    assert!(
        before.message.ends_with("is 10 days overdue."),
        "{}",
        before.message
    );
}

#[test]
fn an_assignment_ending_before_it_starts_is_a_data_error() {
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2025-01-06", "to": "2025-01-01" }]),
        ),
    );
    let errors: Vec<_> = of(&results, NOW)
        .into_iter()
        .filter(|r| r.status == Status::InsufficientData)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "IRO I1's assignment is recorded as ending on 1 Jan 2025, before it starts on 6 Jan 2025; the assignment is not counted until the dates are corrected."
    );
    assert_eq!(one(&results, BEFORE).status, Status::Breach);
}

#[test]
fn missing_periods_of_care() {
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        json!({ "iro_assignments": [{ "iro_id": "I1", "from": "2025-01-06" }] }),
    );
    assert_eq!(results.len(), 3);
    for r in &results {
        assert_eq!(r.status, Status::InsufficientData);
        assert!(
            r.evidence
                .contains(&("missing_field".into(), "periods_of_care".into()))
        );
    }
    // A period with no episodes, and one starting after the evaluation date.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        json!({ "periods_of_care": [{ "episodes": [] }, { "episodes": [{ "start": "2025-06-01" }] }] }),
    );
    let before = of(&results, BEFORE);
    assert_eq!(before.len(), 2);
    assert!(before.iter().all(|r| r.status == Status::InsufficientData));
    assert_eq!(one(&results, NOW).status, Status::NotApplicable);
    // One cause, one result: the unusable periods are reported once, on the first check.
    assert!(of(&results, ALLOCATED).is_empty());
}

#[test]
fn counting_beyond_the_calendar_is_insufficient_data() {
    // 20 working days from 20 Dec 2040 run past 31 Dec 2040, the calendar's last day. The
    // allocation's 5 fit: Fri 21 = 1, Mon 24 = 2, (25 and 26 Dec), Thu 27 = 3, Fri 28 = 4,
    // Mon 31 Dec 2040 = 5, due today.
    let results = run::<IroAppointed>(
        ymd(2040, 12, 31),
        json!({ "periods_of_care": [{ "episodes": [{ "start": "2040-12-20" }] }] }),
    );
    let allocated = one(&results, ALLOCATED);
    assert_eq!(
        (allocated.status, allocated.due),
        (Status::DueSoon, Some(ymd(2040, 12, 31)))
    );
    let results: Vec<CheckResult> = results
        .into_iter()
        .filter(|r| r.check != ALLOCATED)
        .collect();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::InsufficientData));
    assert!(
        results[0]
            .message
            .starts_with("The first review's due date cannot be counted:")
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<IroAppointed>("").is_ok());
    assert!(validate_settings::<IroAppointed>("{}").is_ok());
    assert!(validate_settings::<IroAppointed>(r#"{"first_review_working_days": 15}"#).is_ok());
    let err =
        validate_settings::<IroAppointed>(r#"{"first_review_working_days": 21}"#).unwrap_err();
    assert!(err.contains("at most 20"), "{err}");
    assert!(validate_settings::<IroAppointed>(r#"{"first_review_working_days": 0}"#).is_err());
    assert!(validate_settings::<IroAppointed>(r#"{"grace_days": 5}"#).is_err());
    assert!(validate_settings::<IroAppointed>(r#"{"iro_allocated_working_days": 3}"#).is_ok());
    let err =
        validate_settings::<IroAppointed>(r#"{"iro_allocated_working_days": 6}"#).unwrap_err();
    assert!(
        err.contains("at most 5") && err.contains("IRO Handbook 2010"),
        "{err}"
    );

    // A tighter deadline: 15 working days from 20 Dec 2024 is Wed 15 Jan 2025
    // (day 12 is Fri 10 Jan as above; Mon 13 = 13, Tue 14 = 14, Wed 15 = 15).
    let c = context_with_settings(ymd(2025, 2, 1), r#"{"first_review_working_days": 15}"#);
    let text = christmas_record(&[], json!([])).to_string();
    let results = evaluate_json::<IroAppointed>(&c, &text).expect("evaluates");
    assert_eq!(one(&results, BEFORE).due, Some(ymd(2025, 1, 15)));
}

#[test]
fn metadata_declares_the_checks_and_fields() {
    let m = describe::<IroAppointed>();
    assert_eq!(m.id, "iro-appointed");
    assert_eq!(m.author, "carecheck");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(ids, [BEFORE, NOW, ALLOCATED]);
    let bases: Vec<Basis> = m.checks.iter().map(|c| c.basis).collect();
    assert_eq!(bases, [Basis::Statutory, Basis::Statutory, Basis::Guidance]);
    assert_eq!(m.check(ALLOCATED).unwrap().citation, "IRO Handbook 2010");
    assert!(m.settings_schema.contains("iro_allocated_working_days"));
    assert!(m.reads.contains(&"/iro_assignments/*/to".to_string()));
    assert!(m.settings_schema.contains("first_review_working_days"));
    // Every result names a declared check.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(&["2025-01-22"], json!([])),
    );
    assert!(results.iter().all(|r| m.check(&r.check).is_some()));
}

#[test]
fn unreadable_record_is_an_error_not_a_panic() {
    let c = context(ymd(2025, 2, 1));
    assert!(evaluate_json::<IroAppointed>(&c, "not json").is_err());
    assert!(
        evaluate_json::<IroAppointed>(&c, r#"{"iro_assignments": [{"iro_id": "I1"}]}"#).is_err()
    );
}

// Data minimisation -------------------------------------------------------------------------

#[test]
fn the_declared_reads_are_enough() {
    let from_full = assert_reads_suffice_on_rich_record::<IroAppointed>(ymd(2025, 6, 1));
    assert!(!from_full.is_empty());
}

// Current and provenance -----------------------------------------------------------------------

/// Before the open period's first review is held, both results are current; once it is held,
/// the verdict on it is history and only `iro-assigned-now` is current. Ended periods are history.
#[test]
fn what_is_current() {
    let results = run::<IroAppointed>(ymd(2025, 1, 10), christmas_record(&[], json!([])));
    assert_eq!(current(&results).len(), 3);
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2025-01-06" }]),
        ),
    );
    let now = current(&results);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].check, NOW);
    assert!(!one(&results, BEFORE).current);
}

/// An SSDA903 return supplies the periods and review dates but no IRO assignments: not
/// recorded is not did-not-happen, so both checks are `insufficient_data` naming
/// `iro_assignments`, never a breach. The first review's due date (Fri 20 Dec 2024 + 20
/// working days = Wed 22 Jan 2025, fixed by the period's start alone) is kept.
#[test]
fn an_ssda903_only_record_cannot_show_the_iro() {
    let record = ssda903_only(christmas_record(&["2025-01-22"], json!([])));
    let results = assert_reads_suffice::<IroAppointed>(&context(ymd(2025, 6, 1)), &record);
    assert_eq!(results.len(), 3);
    assert_not_supplied(&results, "iro_assignments");
    assert_eq!(one(&results, BEFORE).due, Some(ymd(2025, 1, 22)));
    // Fri 20 Dec 2024 + 5 working days = Tue 31 Dec 2024 (see `allocation_within_five_working_days`).
    assert_eq!(one(&results, ALLOCATED).due, Some(ymd(2024, 12, 31)));
    assert_eq!(one(&results, NOW).due, None);
    // Without provenance the same record is a breach on both counts: the IROs are known absent.
    let results = run::<IroAppointed>(
        ymd(2025, 6, 1),
        christmas_record(&["2025-01-22"], json!([])),
    );
    assert!(results.iter().all(|r| r.status == Status::Breach));
}

// Allocation within 5 working days (IRO Handbook 2010) ---------------------------------------

/// From Fri 20 Dec 2024 (the day itself not counted): Mon 23 = 1, Tue 24 = 2; Wed 25 Christmas
/// and Thu 26 Boxing Day; Fri 27 = 3, Mon 30 = 4, Tue 31 Dec 2024 = 5.
#[test]
fn allocation_within_five_working_days() {
    let allocated_on = |from: &str| {
        let results = run::<IroAppointed>(
            ymd(2025, 2, 1),
            christmas_record(&["2025-01-22"], json!([{ "iro_id": "I1", "from": from }])),
        );
        one(&results, ALLOCATED).clone()
    };
    // On the 31st, the deadline day itself: on time.
    let r = allocated_on("2024-12-31");
    assert_eq!((r.status, r.due), (Status::Met, Some(ymd(2024, 12, 31))));
    assert_eq!(
        r.message,
        "IRO I1 was allocated on 31 Dec 2024, after the period of care from 20 Dec 2024 began; an allocation was due by 31 Dec 2024."
    );
    assert_eq!(r.subject, "period of care from 2024-12-20");
    // On Thu 2 Jan 2025 (1 Jan a bank holiday): 2 days late, though in time for the review.
    let r = allocated_on("2025-01-02");
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "IRO allocation for the period of care from 20 Dec 2024 was due by 31 Dec 2024 and was made on 2 Jan 2025, 2 days late."
    );
    assert_eq!(evidence(&r, "iro_from"), Some("2025-01-02"));
}

#[test]
fn allocation_not_yet_made() {
    // Mon 23 Dec 2024: 8 days to the deadline, inside the look-ahead window.
    let results = run::<IroAppointed>(ymd(2024, 12, 23), christmas_record(&[], json!([])));
    let r = one(&results, ALLOCATED);
    assert_eq!((r.status, r.current), (Status::DueSoon, true));
    assert_eq!(
        r.message,
        "IRO allocation for the period of care from 20 Dec 2024 is due by 31 Dec 2024, in 8 days."
    );
    // Thu 2 Jan 2025, still none: overdue.
    let results = run::<IroAppointed>(ymd(2025, 1, 2), christmas_record(&[], json!([])));
    let r = one(&results, ALLOCATED);
    assert_eq!(r.status, Status::Breach);
    assert!(r.message.ends_with("is 2 days overdue."), "{}", r.message);
}

#[test]
fn allocation_over_easter_2025() {
    // From Thu 17 Apr 2025: Fri 18 Good Friday, Mon 21 Easter Monday; Tue 22 = 1, Wed 23 = 2,
    // Thu 24 = 3, Fri 25 = 4, Mon 28 Apr 2025 = 5.
    let results = run::<IroAppointed>(
        ymd(2025, 6, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2025-04-17" }] }],
            "iro_assignments": [{ "iro_id": "I2", "from": "2025-04-28" }],
        }),
    );
    let r = one(&results, ALLOCATED);
    assert_eq!((r.status, r.due), (Status::Met, Some(ymd(2025, 4, 28))));
}

#[test]
fn allocation_carried_over_or_owed_for_no_time() {
    // An IRO assigned in an earlier period and never unassigned is already in place.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        christmas_record(
            &["2025-01-22"],
            json!([{ "iro_id": "I1", "from": "2023-03-05" }]),
        ),
    );
    let r = one(&results, ALLOCATED);
    assert_eq!(r.status, Status::Met);
    assert_eq!(
        r.message,
        "IRO I1 was already assigned (from 5 Mar 2023) when the period of care from 20 Dec 2024 began; an allocation was due by 31 Dec 2024."
    );
    // A period over before the allocation fell due owed none.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        json!({ "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2024-12-27" }] }] }),
    );
    assert_eq!(one(&results, ALLOCATED).status, Status::NotApplicable);
    // One that went on past it with no IRO ever: a breach, said plainly.
    let results = run::<IroAppointed>(
        ymd(2025, 2, 1),
        json!({ "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-01-10" }] }] }),
    );
    let r = one(&results, ALLOCATED);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "No IRO was allocated in the period of care from 20 Dec 2024, which ended on 10 Jan 2025, although one was due by 31 Dec 2024."
    );
    // The first IRO of a later period is no late allocation for an earlier one.
    let results = run::<IroAppointed>(
        ymd(2025, 6, 1),
        json!({
            "periods_of_care": [
                { "episodes": [{ "start": "2024-12-20", "end": "2025-01-10" }] },
                { "episodes": [{ "start": "2025-03-03" }] },
            ],
            "iro_assignments": [{ "iro_id": "I3", "from": "2025-03-04" }],
        }),
    );
    let allocated = of(&results, ALLOCATED);
    assert_eq!(allocated[0].status, Status::Breach);
    assert!(allocated[0].message.starts_with("No IRO was allocated"));
    assert_eq!(allocated[1].status, Status::Met);
}
