//! Hand-worked cases for `statutory-review-timeliness` (CPPCR 2010 reg 33 and reg 32(2)) and the
//! SDK schedule it reports (`carecheck_sdk::reviews`). Working days use the shipped England and
//! Wales calendar.

use carecheck_sdk::calendar_file::england_and_wales;
use carecheck_sdk::reviews::{self, Intervals};
use carecheck_sdk::testing::{
    assert_reads_suffice, assert_reads_suffice_on_rich_record, care_record, context,
    context_with_settings, current, evidence, of, run as run_all, ssda903_only, ymd,
};
use carecheck_sdk::{CheckResult, NaiveDate, Status, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};
use statutory_review_timeliness::StatutoryReviewTimeliness;

const MOVES: &str = "placement-change-reviewed";

/// The review results (every check but `placement-change-reviewed`, tested on its own below).
fn run<P: carecheck_sdk::Policy>(date: NaiveDate, record: Value) -> Vec<CheckResult> {
    run_all::<P>(date, record)
        .into_iter()
        .filter(|r| r.check != MOVES)
        .collect()
}

/// One open period from `start` with reviews on `reviews`.
fn open(start: &str, reviews: &[&str]) -> Value {
    let reviews: Vec<Value> = reviews.iter().map(|d| json!({ "date": d })).collect();
    json!({
        "periods_of_care": [{ "episodes": [{ "start": start }] }],
        "reviews": reviews,
    })
}

/// (check, status, due) of every result, for compact assertions.
fn summary(results: &[CheckResult]) -> Vec<(String, Status, Option<NaiveDate>)> {
    results
        .iter()
        .map(|r| (r.check.to_string(), r.status, r.due))
        .collect()
}

fn row(check: &str, status: Status, due: NaiveDate) -> (String, Status, Option<NaiveDate>) {
    (check.to_string(), status, Some(due))
}

// First review: 20 working days -------------------------------------------------------------

/// From Fri 20 Dec 2024 (the start day does not count): Mon 23 = 1, Tue 24 = 2; Wed 25 Christmas
/// Day, Thu 26 Boxing Day; Fri 27 = 3; Sat 28, Sun 29; Mon 30 = 4, Tue 31 = 5; Wed 1 Jan 2025
/// New Year's Day; Thu 2 = 6, Fri 3 = 7; Mon 6 - Fri 10 = 8-12; Mon 13 - Fri 17 = 13-17;
/// Mon 20 = 18, Tue 21 = 19, Wed 22 Jan 2025 = 20.
#[test]
fn first_review_due_twenty_working_days_across_christmas_and_new_year() {
    let results = run::<StatutoryReviewTimeliness>(ymd(2024, 12, 20), open("2024-12-20", &[]));
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r.check, "first-review");
    assert_eq!(r.due, Some(ymd(2025, 1, 22)));
    // 20 Dec 2024 to 22 Jan 2025 is 33 days: beyond the 28-day look-ahead, so met (not yet due).
    assert_eq!(r.status, Status::Upcoming);
    assert_eq!(r.subject, "review due 2025-01-22");
    assert_eq!(
        r.message,
        "First review (period of care from 20 Dec 2024) is due by 22 Jan 2025, in 33 days."
    );
    assert!(
        r.evidence
            .contains(&("period_start".into(), "2024-12-20".into()))
    );
}

/// From Tue 1 Apr 2025: Wed 2 - Fri 4 = 1-3; Mon 7 - Fri 11 = 4-8; Mon 14 - Thu 17 = 9-12;
/// Fri 18 Good Friday; Sat 19, Sun 20; Mon 21 Easter Monday; Tue 22 - Fri 25 = 13-16;
/// Mon 28 - Wed 30 = 17-19; Thu 1 May 2025 = 20 (the early May bank holiday, Mon 5 May, is not reached).
#[test]
fn first_review_due_across_easter_2025() {
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 4, 10), open("2025-04-01", &[]));
    assert_eq!(
        summary(&results),
        [row("first-review", Status::DueSoon, ymd(2025, 5, 1))]
    );
    // 10 Apr to 1 May is 21 days.
    assert_eq!(
        results[0].message,
        "First review (period of care from 1 Apr 2025) is due by 1 May 2025, in 21 days."
    );
    // Held the day after: late.
    let results =
        run::<StatutoryReviewTimeliness>(ymd(2025, 5, 10), open("2025-04-01", &["2025-05-02"]));
    assert_eq!(results[0].status, Status::Breach);
    assert_eq!(
        results[0].message,
        "First review (period of care from 1 Apr 2025) was due by 1 May 2025 and was held on 2 May 2025, 1 day late."
    );
}

/// From Fri 27 May 2022: Mon 30 May = 1 (not a bank holiday in 2022), Tue 31 = 2, Wed 1 Jun = 3;
/// Thu 2 Jun (spring bank holiday, moved) and Fri 3 Jun (Platinum Jubilee) skipped; Mon 6 - Fri 10
/// = 4-8; 13-17 = 9-13; 20-24 = 14-18; Mon 27 = 19, Tue 28 Jun 2022 = 20.
/// From Fri 2 Sep 2022: 5-9 Sep = 1-5, 12-16 = 6-10; Mon 19 Sep (state funeral) skipped;
/// Tue 20 - Fri 23 = 11-14; 26-30 = 15-19; Mon 3 Oct 2022 = 20.
#[test]
fn first_review_due_across_the_2022_one_off_bank_holidays() {
    let results = run::<StatutoryReviewTimeliness>(ymd(2022, 6, 1), open("2022-05-27", &[]));
    assert_eq!(results[0].due, Some(ymd(2022, 6, 28)));
    let results = run::<StatutoryReviewTimeliness>(ymd(2022, 9, 5), open("2022-09-02", &[]));
    assert_eq!(results[0].due, Some(ymd(2022, 10, 3)));
}

#[test]
fn first_review_held_on_its_due_date_is_met_and_the_day_after_is_one_day_late() {
    let results =
        run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), open("2024-12-20", &["2025-01-22"]));
    let first = &results[0];
    assert_eq!(first.status, Status::Met);
    assert_eq!(first.subject, "review 2025-01-22");
    assert_eq!(
        first.message,
        "First review (period of care from 20 Dec 2024) was due by 22 Jan 2025 and was held on 22 Jan 2025."
    );
    assert!(
        first
            .evidence
            .contains(&("held".into(), "2025-01-22".into()))
    );

    let results =
        run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), open("2024-12-20", &["2025-01-23"]));
    let first = &results[0];
    assert_eq!(first.status, Status::Breach);
    assert_eq!(
        first.message,
        "First review (period of care from 20 Dec 2024) was due by 22 Jan 2025 and was held on 23 Jan 2025, 1 day late."
    );
}

#[test]
fn first_review_never_held_and_overdue() {
    // 22 Jan to 1 Feb 2025: 10 days.
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), open("2024-12-20", &[]));
    assert_eq!(
        summary(&results),
        [row("first-review", Status::Breach, ymd(2025, 1, 22))]
    );
    assert_eq!(
        results[0].message,
        "First review (period of care from 20 Dec 2024) was due by 22 Jan 2025 and is 10 days overdue."
    );
    assert_eq!(results[0].subject, "review due 2025-01-22");
    // The day after the deadline: 1 day overdue.
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 1, 23), open("2024-12-20", &[]));
    assert!(
        results[0].message.ends_with("and is 1 day overdue."),
        "{}",
        results[0].message
    );
}

#[test]
fn due_soon_within_the_28_day_look_ahead() {
    // 25 Dec 2024 to 22 Jan 2025 is 28 days: inside the window (due_soon).
    let results = run::<StatutoryReviewTimeliness>(ymd(2024, 12, 25), open("2024-12-20", &[]));
    assert_eq!(results[0].status, Status::DueSoon);
    assert_eq!(
        results[0].message,
        "First review (period of care from 20 Dec 2024) is due by 22 Jan 2025, in 28 days."
    );
    // 24 Dec is 29 days before: not yet due, met.
    let results = run::<StatutoryReviewTimeliness>(ymd(2024, 12, 24), open("2024-12-20", &[]));
    assert_eq!(results[0].status, Status::Upcoming);
    // On the due date itself: due today.
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 1, 22), open("2024-12-20", &[]));
    assert_eq!(results[0].status, Status::DueSoon);
    assert_eq!(
        results[0].message,
        "First review (period of care from 20 Dec 2024) is due today (22 Jan 2025)."
    );
}

// Second and later reviews: calendar months -------------------------------------------------

/// Period from Wed 1 Nov 2023 (no bank holidays in November): Thu 2 = 1, Fri 3 = 2, 6-10 = 3-7,
/// 13-17 = 8-12, 20-24 = 13-17, Mon 27 = 18, Tue 28 = 19, Wed 29 Nov 2023 = 20.
/// First review held 29 Nov 2023 (on its due date); + 3 months = 29 Feb 2024 (a leap year).
#[test]
fn second_review_three_months_after_29_november_is_29_february_2024() {
    let results =
        run::<StatutoryReviewTimeliness>(ymd(2024, 2, 20), open("2023-11-01", &["2023-11-29"]));
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2023, 11, 29)),
            // 20 Feb to 29 Feb: 9 days.
            row("second-review", Status::DueSoon, ymd(2024, 2, 29)),
        ]
    );
    assert_eq!(
        results[1].message,
        "Second review (period of care from 1 Nov 2023) is due by 29 Feb 2024, in 9 days."
    );
    // Held on 29 Feb: met; on 1 Mar: 1 day late.
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2024, 3, 5),
        open("2023-11-01", &["2023-11-29", "2024-02-29"]),
    );
    assert_eq!(results[1].status, Status::Met);
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2024, 3, 5),
        open("2023-11-01", &["2023-11-29", "2024-03-01"]),
    );
    assert_eq!(results[1].status, Status::Breach);
    assert!(
        results[1]
            .message
            .ends_with("was held on 1 Mar 2024, 1 day late."),
        "{}",
        results[1].message
    );
}

/// Period from Mon 15 May 2023: Tue 16 - Fri 19 = 1-4, 22-26 = 5-9; Mon 29 May (spring bank
/// holiday) skipped; Tue 30 = 10, Wed 31 = 11, Thu 1 Jun = 12, Fri 2 = 13, 5-9 = 14-18,
/// Mon 12 = 19, Tue 13 Jun 2023 = 20. First review 1 Jun 2023 (early); second due 1 Sep 2023,
/// held 31 Aug 2023; third due 31 Aug 2023 + 6 months = 31 Feb, clipped to 29 Feb 2024.
#[test]
fn later_review_six_months_after_31_august_2023_is_29_february_2024() {
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2024, 1, 15),
        open("2023-05-15", &["2023-06-01", "2023-08-31"]),
    );
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2023, 6, 13)),
            row("second-review", Status::Met, ymd(2023, 9, 1)),
            // 15 Jan to 29 Feb 2024: 16 + 29 = 45 days, beyond the look-ahead.
            row("later-review", Status::Upcoming, ymd(2024, 2, 29)),
        ]
    );
    assert_eq!(
        results[2].message,
        "Third review (period of care from 15 May 2023) is due by 29 Feb 2024, in 45 days."
    );
}

/// Period from Mon 16 May 2022: Tue 17 - Fri 20 = 1-4, 23-27 = 5-9, Mon 30 = 10, Tue 31 = 11,
/// Wed 1 Jun = 12; Thu 2 and Fri 3 Jun skipped; 6-10 = 13-17; Mon 13 = 18, Tue 14 = 19,
/// Wed 15 Jun 2022 = 20. Reviews 1 Jun 2022 and 31 Aug 2022 (second due 1 Sep); third due
/// 31 Aug 2022 + 6 months = 31 Feb, clipped to 28 Feb 2023 (a common year).
#[test]
fn later_review_six_months_after_31_august_2022_is_28_february_2023() {
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2023, 3, 1),
        open("2022-05-16", &["2022-06-01", "2022-08-31"]),
    );
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2022, 6, 15)),
            row("second-review", Status::Met, ymd(2022, 9, 1)),
            row("later-review", Status::Breach, ymd(2023, 2, 28)),
        ]
    );
    assert_eq!(
        results[2].message,
        "Third review (period of care from 16 May 2022) was due by 28 Feb 2023 and is 1 day overdue."
    );
}

#[test]
fn an_early_review_resets_the_clock() {
    // First review 10 Jan 2025 (due 22 Jan): second due 10 Apr 2025, 3 months after the review
    // actually held, not after 22 Jan. Second held early on 1 Mar 2025: third due 1 Sep 2025.
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 3, 15),
        open("2024-12-20", &["2025-01-10", "2025-03-01"]),
    );
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2025, 1, 22)),
            row("second-review", Status::Met, ymd(2025, 4, 10)),
            row("later-review", Status::Upcoming, ymd(2025, 9, 1)),
        ]
    );
}

#[test]
fn a_late_review_runs_the_next_clock_from_the_late_date() {
    // First review held 30 Jan 2025, 8 days late; second due 30 Apr 2025 (not 22 Apr).
    let results =
        run::<StatutoryReviewTimeliness>(ymd(2025, 4, 10), open("2024-12-20", &["2025-01-30"]));
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Breach, ymd(2025, 1, 22)),
            // 10 Apr to 30 Apr: 20 days.
            row("second-review", Status::DueSoon, ymd(2025, 4, 30)),
        ]
    );
    assert_eq!(
        results[0].message,
        "First review (period of care from 20 Dec 2024) was due by 22 Jan 2025 and was held on 30 Jan 2025, 8 days late."
    );
}

#[test]
fn not_yet_due_is_upcoming() {
    // Second review due 22 Apr 2025 (22 Jan + 3 months). From 1 Feb 2025: 28 days to 1 Mar,
    // 59 to 1 Apr, 80 to 22 Apr: beyond the look-ahead, so upcoming (not met).
    let results =
        run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), open("2024-12-20", &["2025-01-22"]));
    assert_eq!(results[1].status, Status::Upcoming);
    assert_eq!(
        results[1].message,
        "Second review (period of care from 20 Dec 2024) is due by 22 Apr 2025, in 80 days."
    );
}

// Periods of care ----------------------------------------------------------------------------

#[test]
fn a_period_that_ended_before_the_next_review_was_due_gives_no_result() {
    // Ended 10 Jan 2025, before the first review was due (22 Jan): nothing was owed.
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 6, 1),
        json!({ "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-01-10" }] }] }),
    );
    assert!(results.is_empty(), "{results:#?}");
    // Ended 1 Mar 2025 after a first review on 15 Jan; the second was due 15 Apr: only the first.
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 6, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-03-01" }] }],
            "reviews": [{ "date": "2025-01-15" }],
        }),
    );
    assert_eq!(
        summary(&results),
        [row("first-review", Status::Met, ymd(2025, 1, 22))]
    );
}

/// Period 1 from Mon 8 Jan 2024: 9-12 Jan = 1-4, 15-19 = 5-9, 22-26 = 10-14, 29 Jan - 2 Feb =
/// 15-19, Mon 5 Feb 2024 = 20. Reviewed 1 Feb 2024; ended 28 Jun 2024 with the second (due
/// 1 May 2024) never held. Period 2 from 20 Dec 2024 starts its own clock (due 22 Jan 2025).
#[test]
fn a_new_period_of_care_restarts_the_clock() {
    let record = json!({
        "periods_of_care": [
            { "episodes": [{ "start": "2024-01-08", "end": "2024-06-28" }] },
            { "episodes": [{ "start": "2024-12-20" }] },
        ],
        "reviews": [{ "date": "2024-02-01" }],
    });
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 1, 10), record);
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2024, 2, 5)),
            row("second-review", Status::Breach, ymd(2024, 5, 1)),
            // The review of 1 Feb 2024 belongs to period 1: period 2's first is still to come.
            row("first-review", Status::DueSoon, ymd(2025, 1, 22)),
        ]
    );
    assert_eq!(
        results[2].message,
        "First review (period of care from 20 Dec 2024) is due by 22 Jan 2025, in 12 days."
    );
}

#[test]
fn a_placement_change_inside_a_period_keeps_one_clock() {
    // Two episodes (placement P1 then P2 from 10 Jan 2025), one period: no new first review.
    let record = json!({
        "periods_of_care": [{ "episodes": [
            { "start": "2024-12-20", "end": "2025-01-10", "reason_ended": "X1", "placement_id": "P1" },
            { "start": "2025-01-10", "reason_new": "P", "placement_id": "P2" },
        ] }],
        "reviews": [{ "date": "2025-01-22" }],
    });
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), record);
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2025, 1, 22)),
            row("second-review", Status::Upcoming, ymd(2025, 4, 22)),
        ]
    );
}

// Data errors and settings -------------------------------------------------------------------

/// One cause, one result: the only review is dated 1 Mar 2025, after the evaluation date
/// 1 Feb 2025. The first review (due 22 Jan 2025 from the period's start alone) may be that
/// misdated row, so its result is the data error, with its due date, not also a breach.
#[test]
fn a_future_dated_review_is_one_insufficient_data_result_on_the_outstanding_review() {
    let results =
        run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), open("2024-12-20", &["2025-03-01"]));
    assert_eq!(
        summary(&results),
        [row(
            "first-review",
            Status::InsufficientData,
            ymd(2025, 1, 22)
        )]
    );
    let error = &results[0];
    assert_eq!(error.subject, "review due 2025-01-22");
    assert_eq!(
        error.message,
        "A review is dated 1 Mar 2025, after the evaluation date 1 Feb 2025; correct the date before it is counted: until then it cannot be told whether the first review of the period of care from 20 Dec 2024, due by 22 Jan 2025, was held."
    );
    assert_eq!(evidence(error, "missing_field"), Some("reviews[].date"));
    assert_eq!(evidence(error, "recorded_date"), Some("2025-03-01"));
    assert!(error.current);
    // The SDK agrees: listed as future, and the schedule holds nothing.
    let record = care_record(open("2024-12-20", &["2025-03-01"]));
    assert_eq!(
        reviews::future_reviews(&record, ymd(2025, 2, 1)),
        [ymd(2025, 3, 1)]
    );
    let calendar = england_and_wales().calendar();
    let schedule = reviews::schedule(&record, ymd(2025, 2, 1), &calendar, Intervals::default());
    assert_eq!(schedule[0].reviews[0].held, None);

    // With the first review held on 22 Jan 2025, the misdated row stands for the second review,
    // due 22 Apr 2025 (3 months on): the first is met and the second insufficient, still dated.
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 2, 1),
        open("2024-12-20", &["2025-01-22", "2025-03-01"]),
    );
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2025, 1, 22)),
            row("second-review", Status::InsufficientData, ymd(2025, 4, 22)),
        ]
    );
}

/// With no period of care open there is no outstanding review to attach the error to: the
/// misdated row gets its own `review-date-valid` result, with no due date (none is fixed).
#[test]
fn a_future_dated_review_after_care_ended_is_its_own_data_error() {
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 6, 1),
        json!({
            "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-03-01" }] }],
            "reviews": [{ "date": "2025-01-15" }, { "date": "2025-07-01" }],
        }),
    );
    let errors = of(&results, "review-date-valid");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].due, None);
    assert_eq!(errors[0].subject, "review 2025-07-01");
    assert!(errors[0].current);
    assert_eq!(
        summary(
            &of(&results, "first-review")
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        ),
        [row("first-review", Status::Met, ymd(2025, 1, 22))]
    );
}

#[test]
fn no_period_of_care_is_insufficient_data() {
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 2, 1),
        json!({ "reviews": [{ "date": "2025-01-22" }] }),
    );
    // No due date: none can be fixed without the missing periods.
    assert_eq!(results.len(), 1);
    assert_eq!(
        (results[0].status, results[0].due),
        (Status::InsufficientData, None)
    );
    assert!(
        results[0]
            .evidence
            .contains(&("missing_field".into(), "periods_of_care".into()))
    );
}

#[test]
fn counting_past_the_calendar_is_insufficient_data() {
    let results = run::<StatutoryReviewTimeliness>(ymd(2040, 12, 31), open("2040-12-20", &[]));
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].status, Status::InsufficientData);
    assert!(
        results[0].message.starts_with(
            "Review deadlines for the period of care from 20 Dec 2040 cannot be counted:"
        ),
        "{}",
        results[0].message
    );
}

#[test]
fn next_review_due_agrees_with_the_policy() {
    let calendar = england_and_wales().calendar();
    let record = care_record(open("2024-12-20", &["2025-01-10", "2025-03-01"]));
    assert_eq!(
        reviews::next_review_due(&record, ymd(2025, 3, 15), &calendar, Intervals::default()),
        Some(ymd(2025, 9, 1))
    );
    // A closed period owes nothing now.
    let record = care_record(
        json!({ "periods_of_care": [{ "episodes": [{ "start": "2024-12-20", "end": "2025-03-01" }] }] }),
    );
    assert_eq!(
        reviews::next_review_due(&record, ymd(2025, 6, 1), &calendar, Intervals::default()),
        None
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<StatutoryReviewTimeliness>("").is_ok());
    assert!(validate_settings::<StatutoryReviewTimeliness>(r#"{"first_review_working_days": 15, "second_review_months": 2, "later_review_months": 5}"#).is_ok());
    for loose in [
        r#"{"first_review_working_days": 21}"#,
        r#"{"second_review_months": 4}"#,
        r#"{"later_review_months": 7}"#,
        r#"{"later_review_months": 0}"#,
        r#"{"third_review_months": 6}"#,
    ] {
        assert!(
            validate_settings::<StatutoryReviewTimeliness>(loose).is_err(),
            "{loose}"
        );
    }
    // Tightened: second review 2 months after 22 Jan 2025 = 22 Mar 2025.
    let c = context_with_settings(ymd(2025, 2, 1), r#"{"second_review_months": 2}"#);
    let results = evaluate_json::<StatutoryReviewTimeliness>(
        &c,
        &open("2024-12-20", &["2025-01-22"]).to_string(),
    )
    .expect("evaluates");
    assert_eq!(results[1].due, Some(ymd(2025, 3, 22)));
}

#[test]
fn metadata_names_every_check_it_reports() {
    let m = describe::<StatutoryReviewTimeliness>();
    assert_eq!(m.id, "statutory-review-timeliness");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(
        ids,
        [
            "first-review",
            "second-review",
            "later-review",
            "review-date-valid",
            MOVES
        ]
    );
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 3, 15),
        open("2024-12-20", &["2025-01-10", "2025-03-01", "2025-04-01"]),
    );
    assert!(results.iter().all(|r| m.check(&r.check).is_some()));
    assert!(
        evaluate_json::<StatutoryReviewTimeliness>(&context(ymd(2025, 1, 1)), "not json").is_err()
    );
}

// Ended periods, calendar limits and dating errors ----------------------------------------------

/// A review missed in a period that has since ended is a breach, but not "overdue" by a count that
/// rises every day: on 1 Feb 2025 the second review of a period that ended on 28 Jun 2024 is
/// reported as not held before the period ended.
#[test]
fn a_review_missed_in_an_ended_period_is_not_overdue_forever() {
    let record = json!({
        "periods_of_care": [{ "episodes": [{ "start": "2024-01-08", "end": "2024-06-28" }] }],
        "reviews": [{ "date": "2024-02-01" }],
    });
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), record);
    assert_eq!(results[1].check, "second-review");
    assert_eq!(results[1].status, Status::Breach);
    // First review held 1 Feb 2024, so the second was due 3 months later, 1 May 2024.
    assert_eq!(
        results[1].message,
        "Second review (period of care from 8 Jan 2024) was due by 1 May 2024 and was not held before the period of care ended on 28 Jun 2024."
    );
}

/// One period whose first-review deadline runs past the calendar (a period starting in late
/// December 2040) gets an `insufficient_data` result of its own; the earlier period's late review
/// is still reported.
#[test]
fn a_calendar_error_in_one_period_leaves_the_others() {
    let record = json!({
        "periods_of_care": [
            { "episodes": [{ "start": "2024-12-20", "end": "2025-06-30" }] },
            { "episodes": [{ "start": "2040-12-20" }] },
        ],
        "reviews": [{ "date": "2025-01-30" }],
    });
    let results = run::<StatutoryReviewTimeliness>(ymd(2040, 12, 31), record);
    // Expected: period 1's first review reported as a breach (8 days late) alongside the
    // insufficient_data result for period 2.
    assert!(
        results
            .iter()
            .any(|r| r.check == "first-review" && r.status == Status::Breach),
        "{results:#?}"
    );
}

/// A period of care starting after the evaluation date, or with no episodes, is a data error:
/// `insufficient_data` naming it, like any other dated row after the evaluation date.
#[test]
fn future_dated_and_empty_periods_are_reported() {
    let results = run::<StatutoryReviewTimeliness>(
        ymd(2025, 2, 1),
        json!({ "periods_of_care": [{ "episodes": [{ "start": "2025-06-01" }] }, { "episodes": [] }] }),
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| r.status == Status::InsufficientData)
            .count(),
        2,
        "{results:#?}"
    );
}

#[test]
fn the_declared_reads_are_enough() {
    // A record with every section filled, trimmed as the host trims it, gives the same results.
    let results = assert_reads_suffice_on_rich_record::<StatutoryReviewTimeliness>(ymd(2025, 6, 1));
    assert!(!results.is_empty());
}

// Current and history --------------------------------------------------------------------------

/// Each review is its own result; only the last of the open period is current. A period that
/// has ended is history throughout, its missed review included.
#[test]
fn the_next_review_of_the_open_period_is_current_and_the_rest_history() {
    // Period 1 (8 Jan to 28 Jun 2024): first review 1 Feb 2024 (due 5 Feb), second due
    // 1 May 2024, never held. Period 2 from 20 Dec 2024: first review 15 Jan 2025 (due
    // 22 Jan), second due 15 Apr 2025 (3 months on): on 1 Mar 2025, 45 days away, upcoming.
    let record = json!({
        "periods_of_care": [
            { "episodes": [{ "start": "2024-01-08", "end": "2024-06-28" }] },
            { "episodes": [{ "start": "2024-12-20" }] },
        ],
        "reviews": [{ "date": "2024-02-01" }, { "date": "2025-01-15" }],
    });
    let results = run::<StatutoryReviewTimeliness>(ymd(2025, 3, 1), record);
    assert_eq!(
        summary(&results),
        [
            row("first-review", Status::Met, ymd(2024, 2, 5)),
            row("second-review", Status::Breach, ymd(2024, 5, 1)),
            row("first-review", Status::Met, ymd(2025, 1, 22)),
            row("second-review", Status::Upcoming, ymd(2025, 4, 15)),
        ]
    );
    let now = current(&results);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].subject, "review due 2025-04-15");
    // Every result keeps its due date.
    assert!(results.iter().all(|r| r.due.is_some()));
}

// Provenance -------------------------------------------------------------------------------------

/// An SSDA903 return supplies the periods of care, the review dates and the placements: an
/// SSDA903-only record is judged exactly as a full one, and the declared reads carry the
/// provenance.
#[test]
fn an_ssda903_only_record_is_judged_in_full() {
    let record = open("2024-12-20", &["2025-01-22"]);
    let full = run_all::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), record.clone());
    let ssda903 = assert_reads_suffice::<StatutoryReviewTimeliness>(
        &context(ymd(2025, 2, 1)),
        &ssda903_only(record),
    );
    assert_eq!(full, ssda903);
}

/// Sources that do not supply the review dates: not recorded is not did-not-happen. One
/// `insufficient_data` per period, with the first review's due date (fixed by the period's
/// start: Fri 20 Dec 2024 + 20 working days = Wed 22 Jan 2025), never a breach.
#[test]
fn review_dates_not_supplied_are_insufficient_data_not_breaches() {
    let mut record = open("2024-12-20", &[]);
    record["provenance"] = json!({"sections": [
        {"section": "periods_of_care", "source": "case-system", "as_of": "2025-05-31"}
    ]});
    let results = run_all::<StatutoryReviewTimeliness>(ymd(2025, 6, 1), record.clone());
    assert!(results.iter().all(|r| r.status == Status::InsufficientData));
    let r = one_of(&results, "first-review");
    assert_eq!(r.due, Some(ymd(2025, 1, 22)));
    assert_eq!(evidence(r, "missing_field"), Some("reviews.dates"));
    assert_eq!(
        r.message,
        "The record's sources (case-system as of 31 May 2025) do not supply the review dates, so this cannot be checked; add the review dates from the case record (not recorded does not mean not done)."
    );
    let moves = one_of(&results, MOVES);
    assert_eq!(evidence(moves, "missing_field"), Some("placements.dates"));
    // Without the periods of care nothing can be scheduled.
    record["provenance"] = json!({"sections": [{"section": "reviews", "source": "case-system"}]});
    let results = run_all::<StatutoryReviewTimeliness>(ymd(2025, 6, 1), record);
    assert!(
        results
            .iter()
            .all(|r| r.status == Status::InsufficientData && r.due.is_none())
    );
    assert_eq!(
        evidence(&results[0], "missing_field"),
        Some("periods_of_care")
    );
}

fn one_of<'a>(results: &'a [CheckResult], check: &str) -> &'a CheckResult {
    let found = of(results, check);
    assert_eq!(found.len(), 1, "{check}: {results:#?}");
    found[0]
}

// Placement change with no review since (CPPCR reg 32(2)) -----------------------------------------

/// Looked after from Fri 20 Dec 2024 in P1; moved to P2 on Fri 31 Jan 2025. First review held
/// on its due date, Wed 22 Jan 2025; the second is due 22 Apr 2025 (3 months on).
fn moved(reviews: &[&str]) -> Value {
    let mut record = open("2024-12-20", reviews);
    record["placements"] = json!([
        { "id": "P1", "start": "2024-12-20", "end": "2025-01-31" },
        { "id": "P2", "start": "2025-01-31" },
    ]);
    record
}

#[test]
fn a_move_with_no_review_since_is_a_warning() {
    let results = run_all::<StatutoryReviewTimeliness>(ymd(2025, 3, 10), moved(&["2025-01-22"]));
    let r = one_of(&results, MOVES);
    assert_eq!(r.status, Status::Warning);
    assert_eq!(r.subject, "placement P2 from 2025-01-31");
    assert_eq!(r.due, None);
    assert!(r.current);
    assert_eq!(
        r.message,
        "The child moved to placement P2 on 31 Jan 2025 and no review has been held since (the next review is due by 22 Apr 2025); a significant change to the care plan must be considered at a review, so ask the IRO whether to bring the review forward."
    );
    assert_eq!(evidence(r, "moved_on"), Some("2025-01-31"));
    // P1 began with the period: not a change.
    assert!(results.iter().all(|r| !r.subject.contains("P1")));
}

#[test]
fn a_review_on_the_day_of_the_move_or_after_it_considers_the_change() {
    // A review on Fri 31 Jan 2025, the day of the move: met.
    let results = run_all::<StatutoryReviewTimeliness>(
        ymd(2025, 3, 10),
        moved(&["2025-01-22", "2025-01-31"]),
    );
    let r = one_of(&results, MOVES);
    assert_eq!(r.status, Status::Met);
    assert_eq!(
        r.message,
        "A review was held on 31 Jan 2025 after the child moved to placement P2 on 31 Jan 2025."
    );
    // The latest move stays current although it was reviewed.
    assert!(r.current);
    // The day before the move does not count; a review dated after the evaluation date does
    // not count either (it is a data error, not evidence).
    let results = run_all::<StatutoryReviewTimeliness>(
        ymd(2025, 3, 10),
        moved(&["2025-01-22", "2025-01-30", "2025-03-11"]),
    );
    assert_eq!(one_of(&results, MOVES).status, Status::Warning);
}

/// Period from Mon 8 Jan 2024; first review Thu 1 Feb 2024; a move on Thu 29 Feb 2024 (leap
/// day); the second review is due 1 May 2024. Evaluated 1 Mar 2024: a warning. A second move on
/// 15 Mar 2024 after a review on 14 Mar: the first move is history (met), the second current.
#[test]
fn two_moves_each_their_own_result() {
    let record = |reviews: &[&str]| {
        let mut r = open("2024-01-08", reviews);
        r["placements"] = json!([
            { "id": "A", "start": "2024-01-08" },
            { "id": "B", "start": "2024-02-29" },
            { "id": "C", "start": "2024-03-15" },
        ]);
        r
    };
    let results = run_all::<StatutoryReviewTimeliness>(ymd(2024, 3, 1), record(&["2024-02-01"]));
    let r = one_of(&results, MOVES);
    assert_eq!(r.subject, "placement B from 2024-02-29");
    assert!(
        r.message.contains("(the next review is due by 1 May 2024)"),
        "{}",
        r.message
    );
    let results = run_all::<StatutoryReviewTimeliness>(
        ymd(2024, 3, 20),
        record(&["2024-02-01", "2024-03-14"]),
    );
    let moves = of(&results, MOVES);
    assert_eq!(moves.len(), 2);
    assert_eq!((moves[0].status, moves[0].current), (Status::Met, false));
    assert_eq!((moves[1].status, moves[1].current), (Status::Warning, true));
    // After the second review the next is due 14 Sep 2024 (6 months after 14 Mar).
    assert!(
        moves[1].message.contains("due by 14 Sep 2024"),
        "{}",
        moves[1].message
    );
}

#[test]
fn moves_outside_the_open_period_are_not_checked() {
    // The period ended on 28 Jun 2024 after a move on 1 Mar 2024 with no review since: the
    // child is not looked after on 1 Feb 2025, so nothing can be brought to a review.
    let record = json!({
        "periods_of_care": [{ "episodes": [{ "start": "2024-01-08", "end": "2024-06-28" }] }],
        "placements": [{ "id": "A", "start": "2024-01-08" }, { "id": "B", "start": "2024-03-01" }],
        "reviews": [{ "date": "2024-02-01" }],
    });
    let results = run_all::<StatutoryReviewTimeliness>(ymd(2025, 2, 1), record);
    let r = one_of(&results, MOVES);
    assert_eq!(r.status, Status::NotApplicable);
    assert_eq!(
        r.message,
        "The child is not in a period of care on 1 Feb 2025, so no placement change needs a review."
    );
    // A move after the evaluation date is not yet a move; only the first placement: no change.
    let mut record = moved(&["2025-01-22"]);
    record["placements"][1]["start"] = json!("2025-03-11");
    let results = run_all::<StatutoryReviewTimeliness>(ymd(2025, 3, 10), record);
    let r = one_of(&results, MOVES);
    assert_eq!(r.status, Status::NotApplicable);
    assert_eq!(
        r.message,
        "No placement change is recorded in the period of care from 20 Dec 2024 up to 10 Mar 2025."
    );
}
