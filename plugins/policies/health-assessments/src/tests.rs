//! Hand-worked cases. Working days use the shipped England and Wales calendar.

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, assert_reads_suffice_on_rich_record, context,
    context_with_settings, current, of, one, run, ssda903_only, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const INITIAL: &str = "initial-health-assessment";
const REVIEW: &str = "review-health-assessment";

/// A period from `start`, open unless `end` is given, and the assessments given.
fn record(dob: Option<&str>, periods: Value, assessments: Value) -> Value {
    json!({
        "child": { "date_of_birth": dob },
        "periods_of_care": periods,
        "health": { "assessments": assessments },
    })
}

/// The results on a child born `dob`, in one open period from `start`, with these assessments.
fn run_open(date: NaiveDate, dob: &str, start: &str, assessments: Value) -> Vec<CheckResult> {
    run::<HealthAssessments>(date, record(Some(dob), open_from(start), assessments))
}

/// (status, due, current) of a result, for compact assertions.
fn sdc(r: &CheckResult) -> (Status, Option<NaiveDate>, bool) {
    (r.status, r.due, r.current)
}

fn open_from(start: &str) -> Value {
    json!([{ "episodes": [{ "start": start }] }])
}

fn initial(date: &str) -> Value {
    json!({ "kind": "initial", "date": date })
}

fn review(date: &str) -> Value {
    json!({ "kind": "review", "date": date })
}

// Initial health assessment ------------------------------------------------------------------

/// From Fri 20 Dec 2024: Mon 23 = 1, Tue 24 = 2; Wed 25 Christmas, Thu 26 Boxing Day; Fri 27 = 3;
/// Mon 30 = 4, Tue 31 = 5; Wed 1 Jan New Year's Day; Thu 2 = 6, Fri 3 = 7; 6-10 Jan = 8-12;
/// 13-17 Jan = 13-17; Mon 20 = 18, Tue 21 = 19, Wed 22 Jan 2025 = 20.
#[test]
fn initial_on_the_last_day_and_the_day_after_across_christmas() {
    let results = run_open(
        ymd(2025, 2, 1),
        "2015-01-01",
        "2024-12-20",
        json!([initial("2025-01-22")]),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::Met);
    assert_eq!(r.due, Some(ymd(2025, 1, 22)));
    assert_eq!(r.subject, "period of care from 2024-12-20");
    assert_eq!(
        r.message,
        "Initial health assessment for the period of care from 20 Dec 2024 was due by 22 Jan 2025 and was held on 22 Jan 2025."
    );

    let results = run_open(
        ymd(2025, 2, 1),
        "2015-01-01",
        "2024-12-20",
        json!([initial("2025-01-23")]),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "Initial health assessment for the period of care from 20 Dec 2024 was due by 22 Jan 2025 and was held on 23 Jan 2025, 1 day late."
    );
}

#[test]
fn initial_not_yet_held() {
    // 10 Jan to 22 Jan is 12 days: due soon.
    let results = run::<HealthAssessments>(
        ymd(2025, 1, 10),
        record(None, open_from("2024-12-20"), json!([])),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(
        r.message,
        "Initial health assessment for the period of care from 20 Dec 2024 is due by 22 Jan 2025, in 12 days."
    );
    // On the start day it is 33 days away: met (not yet due).
    let results = run::<HealthAssessments>(
        ymd(2024, 12, 20),
        record(None, open_from("2024-12-20"), json!([])),
    );
    assert_eq!(one(&results, INITIAL).status, Status::Upcoming);
    // 22 Jan to 1 Feb is 10 days overdue.
    let results = run::<HealthAssessments>(
        ymd(2025, 2, 1),
        record(None, open_from("2024-12-20"), json!([])),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "Initial health assessment for the period of care from 20 Dec 2024 was due by 22 Jan 2025 and is 10 days overdue."
    );
}

#[test]
fn initial_before_the_period_started_does_not_count() {
    let results = run::<HealthAssessments>(
        ymd(2025, 2, 1),
        record(
            None,
            open_from("2024-12-20"),
            json!([initial("2024-12-19")]),
        ),
    );
    assert_eq!(one(&results, INITIAL).status, Status::Breach);
    // On the start day itself it counts.
    let results = run::<HealthAssessments>(
        ymd(2025, 2, 1),
        record(
            None,
            open_from("2024-12-20"),
            json!([initial("2024-12-20")]),
        ),
    );
    assert_eq!(one(&results, INITIAL).status, Status::Met);
}

#[test]
fn initial_across_easter_2025() {
    // From Tue 1 Apr 2025: Wed 2 - Fri 4 = 1-3; 7-11 Apr = 4-8; Mon 14 - Thu 17 = 9-12;
    // Fri 18 Good Friday, Mon 21 Easter Monday; Tue 22 - Fri 25 = 13-16; Mon 28 - Wed 30 = 17-19;
    // Thu 1 May = 20.
    let results = run::<HealthAssessments>(
        ymd(2025, 6, 1),
        record(
            None,
            open_from("2025-04-01"),
            json!([initial("2025-05-02")]),
        ),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.due, Some(ymd(2025, 5, 1)));
    assert_eq!(r.status, Status::Breach);
    assert!(
        r.message.ends_with("was held on 2 May 2025, 1 day late."),
        "{}",
        r.message
    );
}

#[test]
fn initial_across_the_2022_one_off_bank_holidays() {
    // From Fri 27 May 2022: Mon 30 May = 1 (not a holiday in 2022), Tue 31 = 2, Wed 1 Jun = 3;
    // Thu 2 Jun (moved spring bank holiday) and Fri 3 Jun (Platinum Jubilee) skipped;
    // 6-10 Jun = 4-8; 13-17 = 9-13; 20-24 = 14-18; Mon 27 = 19, Tue 28 Jun = 20.
    let results = run::<HealthAssessments>(
        ymd(2022, 7, 1),
        record(
            None,
            open_from("2022-05-27"),
            json!([initial("2022-06-28")]),
        ),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.due, Some(ymd(2022, 6, 28)));
    assert_eq!(r.status, Status::Met);
    // From Fri 2 Sep 2022, 20 working days, with Mon 19 Sep (state funeral) skipped:
    // 5-9 Sep = 1-5, 12-16 = 6-10, Tue 20 - Fri 23 = 11-14, 26-30 = 15-19, Mon 3 Oct = 20.
    let results = run::<HealthAssessments>(
        ymd(2022, 10, 4),
        record(None, open_from("2022-09-02"), json!([])),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.due, Some(ymd(2022, 10, 3)));
    assert_eq!(r.status, Status::Breach);
}

#[test]
fn periods_that_ended() {
    // Ended before the deadline with nothing held: nothing was owed.
    let short = json!([{ "episodes": [{ "start": "2024-12-20", "end": "2025-01-10" }] }]);
    let results = run::<HealthAssessments>(ymd(2025, 6, 1), record(None, short, json!([])));
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::NotApplicable);
    assert_eq!(
        r.message,
        "The period of care from 20 Dec 2024 ended on 10 Jan 2025, before its initial health assessment was due on 22 Jan 2025."
    );
    let r = one(&results, REVIEW);
    assert_eq!(r.status, Status::NotApplicable);
    assert_eq!(
        r.message,
        "The child is not in a period of care on 1 Jun 2025, so no review health assessment is due."
    );

    // Ended after the deadline without one.
    let longer = json!([{ "episodes": [{ "start": "2024-12-20", "end": "2025-03-01" }] }]);
    let results = run::<HealthAssessments>(ymd(2025, 6, 1), record(None, longer, json!([])));
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "Initial health assessment for the period of care from 20 Dec 2024, due by 22 Jan 2025, was not held before the period ended on 1 Mar 2025."
    );
}

#[test]
fn each_period_needs_its_own_initial_assessment() {
    let periods = json!([
        { "episodes": [{ "start": "2023-01-09", "end": "2023-06-30" }] },
        { "episodes": [{ "start": "2024-12-20" }] },
    ]);
    let results = run::<HealthAssessments>(
        ymd(2025, 2, 1),
        record(
            Some("2015-01-01"),
            periods,
            json!([initial("2023-01-20"), review("2023-06-01")]),
        ),
    );
    let initial = of(&results, INITIAL);
    assert_eq!(initial.len(), 2);
    assert_eq!(initial[0].status, Status::Met);
    assert_eq!(initial[1].status, Status::Breach);
    assert_eq!(initial[1].subject, "period of care from 2024-12-20");
    // The review clock does not carry over from the earlier period.
    let r = one(&results, REVIEW);
    assert_eq!(r.status, Status::NotApplicable);
    assert_eq!(
        r.message,
        "No health assessment is recorded yet in the period of care from 20 Dec 2024, so the review clock has not started (see the initial health assessment result)."
    );
    // Only the open period's outstanding items are current: its overdue initial assessment and
    // its review clock. Period 1 is history; its first review assessment was due
    // 20 Jan 2024, after the period ended on 30 Jun 2023, so none was owed and its series gives
    // no result (as the review schedule does).
    let now: Vec<(&str, Status)> = current(&results)
        .iter()
        .map(|r| (r.check.as_ref(), r.status))
        .collect();
    assert_eq!(
        now,
        [(INITIAL, Status::Breach), (REVIEW, Status::NotApplicable)]
    );
}

#[test]
fn a_placement_change_inside_a_period_changes_nothing() {
    // Placement move on 1 Nov 2024 (a new episode); initial on 15 Sep 2024 in the first episode.
    let periods = json!([{ "episodes": [
        { "start": "2024-09-02", "end": "2024-11-01", "reason_ended": "X1", "placement_id": "P1" },
        { "start": "2024-11-01", "placement_id": "P2" },
    ] }]);
    let results = run::<HealthAssessments>(
        ymd(2025, 3, 1),
        record(Some("2020-03-16"), periods, json!([initial("2024-09-15")])),
    );
    // From Mon 2 Sep 2024: 3-6 Sep = 1-4, 9-13 = 5-9, 16-20 = 10-14, 23-27 = 15-19, Mon 30 Sep = 20.
    let r = one(&results, INITIAL);
    assert_eq!(r.due, Some(ymd(2024, 9, 30)));
    assert_eq!(r.status, Status::Met);
    assert_eq!(one(&results, REVIEW).due, Some(ymd(2025, 3, 15)));
}

// Review health assessment -------------------------------------------------------------------

#[test]
fn turning_five_exactly_on_last_plus_six_months() {
    // Last (initial) assessment 15 Sep 2024; + 6 months = 15 Mar 2025.
    // Born 15 Mar 2020: 5 on 15 Mar 2025, so not "still under 5": 12 months, due 15 Sep 2025.
    // 1 Mar to 15 Sep 2025: 30 + 30 + 31 + 30 + 31 + 31 + 15 = 198 days.
    let results = run_open(
        ymd(2025, 3, 1),
        "2020-03-15",
        "2024-09-02",
        json!([initial("2024-09-15")]),
    );
    let r = one(&results, REVIEW);
    assert_eq!(r.status, Status::Upcoming);
    assert_eq!(r.due, Some(ymd(2025, 9, 15)));
    assert_eq!(r.subject, "health assessment due 2025-09-15");
    assert_eq!(
        r.message,
        "Review health assessment (every 12 months from age 5, after the initial assessment on 15 Sep 2024) is due by 15 Sep 2025, in 198 days."
    );
}

#[test]
fn turning_five_the_day_after_last_plus_six_months() {
    // Born 16 Mar 2020: still 4 on 15 Mar 2025, so 6 months applies: due 15 Mar 2025.
    let rec = record(
        Some("2020-03-16"),
        open_from("2024-09-02"),
        json!([initial("2024-09-15")]),
    );
    let results = run::<HealthAssessments>(ymd(2025, 3, 1), rec.clone());
    let r = one(&results, REVIEW);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(r.due, Some(ymd(2025, 3, 15)));
    assert_eq!(
        r.message,
        "Review health assessment (every 6 months while under 5, after the initial assessment on 15 Sep 2024) is due by 15 Mar 2025, in 14 days."
    );
    // On the due date itself: due today; the day after (the fifth birthday): 1 day overdue.
    assert_eq!(
        one(
            &run::<HealthAssessments>(ymd(2025, 3, 15), rec.clone()),
            REVIEW
        )
        .status,
        Status::DueSoon
    );
    let r = run::<HealthAssessments>(ymd(2025, 3, 16), rec);
    let r = one(&r, REVIEW);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "Review health assessment (every 6 months while under 5, after the initial assessment on 15 Sep 2024) was due by 15 Mar 2025 and is 1 day overdue."
    );
}

#[test]
fn the_latest_assessment_restarts_the_clock_and_each_occurrence_is_a_result() {
    // Born 16 Mar 2020. Initial 15 Sep 2024; + 6 months = 15 Mar 2025, when the child is still
    // 4: the first review assessment was due 15 Mar 2025, held early on 10 Mar 2025 (met).
    // 10 Mar 2025 + 6 months = 10 Sep 2025, when the child is 5: 12 months applies, the next is
    // due 10 Mar 2026 (upcoming, current).
    let results = run_open(
        ymd(2025, 6, 1),
        "2020-03-16",
        "2024-09-02",
        json!([review("2025-03-10"), initial("2024-09-15")]),
    );
    let reviews = of(&results, REVIEW);
    assert_eq!(reviews.len(), 2);
    assert_eq!(
        sdc(reviews[0]),
        (Status::Met, Some(ymd(2025, 3, 15)), false)
    );
    assert_eq!(reviews[0].subject, "health assessment 2025-03-10");
    assert_eq!(
        reviews[0].message,
        "Review health assessment (every 6 months while under 5, after the initial assessment on 15 Sep 2024) was due by 15 Mar 2025 and was held on 10 Mar 2025."
    );
    let r = reviews[1];
    assert_eq!(r.due, Some(ymd(2026, 3, 10)));
    assert_eq!(r.status, Status::Upcoming);
    assert!(r.current);
    assert!(
        r.message
            .contains("(every 12 months from age 5, after the review assessment on 10 Mar 2025)"),
        "{}",
        r.message
    );
    // The initial assessment is held, so the review series is what is current now.
    assert!(!one(&results, INITIAL).current);
}

/// A late review assessment stays a breach in the history, and the clock runs from it.
#[test]
fn a_late_review_assessment_is_history_once_the_next_is_set() {
    // Born 1 Jun 2015 (over 5 throughout). Initial 10 Jun 2023; review due 10 Jun 2024, held
    // 1 Jul 2024 (21 days late); the next due 1 Jul 2025, 30 days after 1 Jun 2025: upcoming.
    let results = run_open(
        ymd(2025, 6, 1),
        "2015-06-01",
        "2023-06-05",
        json!([initial("2023-06-10"), review("2024-07-01")]),
    );
    let reviews = of(&results, REVIEW);
    assert_eq!(reviews[0].status, Status::Breach);
    assert_eq!(
        reviews[0].message,
        "Review health assessment (every 12 months from age 5, after the initial assessment on 10 Jun 2023) was due by 10 Jun 2024 and was held on 1 Jul 2024, 21 days late."
    );
    assert!(!reviews[0].current);
    assert_eq!(
        sdc(reviews[1]),
        (Status::Upcoming, Some(ymd(2025, 7, 1)), true)
    );
}

#[test]
fn thirty_first_of_august_plus_six_months() {
    // 31 Aug 2023 + 6 months = 29 Feb 2024 (leap year). Born 1 Jan 2021: 3 on that date.
    let rec = record(
        Some("2021-01-01"),
        open_from("2023-07-03"),
        json!([review("2023-08-31")]),
    );
    let r = run::<HealthAssessments>(ymd(2024, 2, 29), rec.clone());
    let r = one(&r, REVIEW);
    assert_eq!(r.due, Some(ymd(2024, 2, 29)));
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(
        r.message,
        "Review health assessment (every 6 months while under 5, after the review assessment on 31 Aug 2023) is due today (29 Feb 2024)."
    );
    let r = run::<HealthAssessments>(ymd(2024, 3, 1), rec);
    assert_eq!(one(&r, REVIEW).status, Status::Breach);

    // 31 Aug 2022 + 6 months = 28 Feb 2023 (common year). Born 1 Jan 2020: 3 on that date.
    let rec = record(
        Some("2020-01-01"),
        open_from("2022-07-04"),
        json!([review("2022-08-31")]),
    );
    let r = run::<HealthAssessments>(ymd(2023, 3, 1), rec);
    let r = one(&r, REVIEW);
    assert_eq!(r.due, Some(ymd(2023, 2, 28)));
    assert!(
        r.message
            .ends_with("was due by 28 Feb 2023 and is 1 day overdue."),
        "{}",
        r.message
    );
}

#[test]
fn twelve_months_from_five() {
    // Born 1 Jun 2015; last review 10 Jun 2024; due 10 Jun 2025.
    let rec = record(
        Some("2015-06-01"),
        open_from("2020-01-06"),
        json!([review("2024-06-10")]),
    );
    let r = run::<HealthAssessments>(ymd(2025, 6, 10), rec.clone());
    assert_eq!(one(&r, REVIEW).status, Status::DueSoon);
    let r = run::<HealthAssessments>(ymd(2025, 6, 11), rec);
    let r = one(&r, REVIEW);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(r.due, Some(ymd(2025, 6, 10)));
}

#[test]
fn missing_date_of_birth() {
    let results = run::<HealthAssessments>(
        ymd(2025, 3, 1),
        record(
            None,
            open_from("2024-09-02"),
            json!([initial("2024-09-15")]),
        ),
    );
    let r = one(&results, REVIEW);
    assert_eq!(r.status, Status::InsufficientData);
    assert_eq!(
        r.message,
        "The child's date of birth is not recorded, so it cannot be told whether the next health assessment is due 6 or 12 months after the last on 15 Sep 2024; add the date of birth."
    );
    assert!(
        r.evidence
            .contains(&("missing_field".into(), "child.date_of_birth".into()))
    );
}

#[test]
fn future_dated_assessments_are_data_errors() {
    // Evaluated 1 Mar 2025. A review assessment dated 10 Mar 2025 may be the one due
    // 15 Mar 2025 (6 months after the initial of 15 Sep 2024; born 16 Mar 2020, still 4 then):
    // one result, that occurrence as insufficient_data, keeping its due date. An initial
    // assessment dated 1 Apr 2025, when the period's initial was held: a data error of its own,
    // with no due date.
    let results = run_open(
        ymd(2025, 3, 1),
        "2020-03-16",
        "2024-09-02",
        json!([
            initial("2024-09-15"),
            review("2025-03-10"),
            initial("2025-04-01")
        ]),
    );
    let review_results = of(&results, REVIEW);
    assert_eq!(review_results.len(), 1);
    let error = review_results[0];
    assert_eq!(error.status, Status::InsufficientData);
    assert_eq!(error.due, Some(ymd(2025, 3, 15)));
    assert_eq!(error.subject, "health assessment due 2025-03-15");
    assert_eq!(
        error.message,
        "A review health assessment is dated 10 Mar 2025, after the evaluation date 1 Mar 2025; correct the date before it is counted: until then it cannot be told whether the review health assessment due by 15 Mar 2025 was held."
    );
    assert!(error.current);
    let initial = of(&results, INITIAL);
    assert_eq!(initial.len(), 2);
    assert_eq!(initial[0].status, Status::Met);
    assert_eq!(
        (initial[1].status, initial[1].due),
        (Status::InsufficientData, None)
    );
    assert_eq!(initial[1].subject, "health assessment 2025-04-01");
}

/// One cause, one result: the only initial assessment is misdated, so the period's initial
/// assessment (due Wed 22 Jan 2025, 20 working days after Fri 20 Dec 2024) is that data error,
/// not also a breach.
#[test]
fn a_misdated_initial_assessment_is_the_initial_result() {
    let results = run_open(
        ymd(2025, 2, 1),
        "2015-01-01",
        "2024-12-20",
        json!([initial("2025-02-10")]),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::InsufficientData);
    assert_eq!(r.due, Some(ymd(2025, 1, 22)));
    assert!(r.current);
    assert_eq!(one(&results, REVIEW).status, Status::NotApplicable);
    assert_eq!(results.len(), 2);
}

#[test]
fn missing_or_bad_periods() {
    let results = run::<HealthAssessments>(
        ymd(2025, 3, 1),
        json!({ "health": { "assessments": [initial("2024-09-15")] } }),
    );
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::InsufficientData));
    let results = run::<HealthAssessments>(
        ymd(2025, 3, 1),
        json!({ "periods_of_care": [{ "episodes": [] }, { "episodes": [{ "start": "2025-04-01" }] }] }),
    );
    let initial = of(&results, INITIAL);
    assert_eq!(initial.len(), 2);
    assert!(initial.iter().all(|r| r.status == Status::InsufficientData));
    assert_eq!(one(&results, REVIEW).status, Status::NotApplicable);
    // Beyond the calendar.
    let results = run::<HealthAssessments>(
        ymd(2040, 12, 31),
        record(None, open_from("2040-12-20"), json!([])),
    );
    let r = one(&results, INITIAL);
    assert_eq!(r.status, Status::InsufficientData);
    assert!(
        r.evidence
            .contains(&("missing_field".into(), "calendar".into()))
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<HealthAssessments>("").is_ok());
    assert!(
        validate_settings::<HealthAssessments>(
            r#"{"under_five_months": 4, "initial_working_days": 15}"#
        )
        .is_ok()
    );
    for loose in [
        r#"{"initial_working_days": 21}"#,
        r#"{"under_five_months": 7}"#,
        r#"{"from_five_months": 13}"#,
        r#"{"from_five_months": 0}"#,
        r#"{"every": 3}"#,
    ] {
        assert!(
            validate_settings::<HealthAssessments>(loose).is_err(),
            "{loose}"
        );
    }
    // Tightened: 15 Sep 2024 + 4 months = 15 Jan 2025 for a child under 5.
    let c = context_with_settings(ymd(2025, 1, 1), r#"{"under_five_months": 4}"#);
    let rec = record(
        Some("2020-03-16"),
        open_from("2024-09-02"),
        json!([initial("2024-09-15")]),
    );
    let results = evaluate_json::<HealthAssessments>(&c, &rec.to_string()).expect("evaluates");
    let r = one(&results, REVIEW);
    assert_eq!(r.due, Some(ymd(2025, 1, 15)));
    assert!(
        r.message
            .starts_with("Review health assessment (every 4 months while under 5"),
        "{}",
        r.message
    );
}

#[test]
fn metadata() {
    let m = describe::<HealthAssessments>();
    assert_eq!(m.id, "health-assessments");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(ids, [INITIAL, REVIEW]);
    assert!(m.checks.iter().all(|c| c.basis == Basis::Statutory));
    assert!(m.reads.contains(&"/health/assessments/*/kind".to_string()));
    assert!(
        evaluate_json::<HealthAssessments>(
            &context(ymd(2025, 1, 1)),
            r#"{"health": {"assessments": [{"kind": "x", "date": "2025-01-01"}]}}"#
        )
        .is_err()
    );
}

// Data minimisation -------------------------------------------------------------------------

#[test]
fn the_declared_reads_are_enough() {
    let from_full = assert_reads_suffice_on_rich_record::<HealthAssessments>(ymd(2025, 6, 1));
    assert!(!from_full.is_empty());
}

// Provenance and current -------------------------------------------------------------------------

/// An SSDA903 return supplies no health-assessment dates: the record cannot show them, so both
/// checks are `insufficient_data` naming `health.assessments`, never a breach. The initial
/// deadline (20 working days after Fri 20 Dec 2024: Wed 22 Jan 2025) is fixed by the period's
/// start alone and kept.
#[test]
fn an_ssda903_only_record_cannot_show_health_assessments() {
    let rec = ssda903_only(record(
        Some("2015-01-01"),
        open_from("2024-12-20"),
        json!([]),
    ));
    let results = assert_reads_suffice::<HealthAssessments>(&context(ymd(2025, 6, 1)), &rec);
    assert_eq!(results.len(), 2);
    assert_not_supplied(&results, "health.assessments");
    assert_eq!(one(&results, INITIAL).due, Some(ymd(2025, 1, 22)));
    assert_eq!(one(&results, REVIEW).due, None);
}
