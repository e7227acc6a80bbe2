//! Hand-worked cases.

use super::*;
use carecheck_sdk::testing::{
    assert_local_messages, assert_not_supplied, assert_reads_suffice,
    assert_reads_suffice_on_rich_record, context, context_with_settings, of, one, run, run_with,
    ssda903_only, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const ANNUAL: &str = "sdq-annual";

/// The single current result of `check` (for `sdq-annual`: the SDQ not yet done).
fn now<'a>(results: &'a [CheckResult], check: &str) -> &'a CheckResult {
    let found: Vec<&CheckResult> = results
        .iter()
        .filter(|r| r.check == check && r.current)
        .collect();
    assert_eq!(found.len(), 1, "{check}: {results:#?}");
    found[0]
}
const HIGH: &str = "high-sdq-assessment";
const BORDERLINE: &str = "borderline-sdq";

/// Born 10 May 2012 (12 in 2025) unless given; one open period from `start`.
fn child(dob: Option<&str>, start: &str, health: Value) -> Value {
    json!({
        "child": { "date_of_birth": dob },
        "periods_of_care": [{ "episodes": [{ "start": start }] }],
        "health": health,
    })
}

fn sdqs(list: Value) -> Value {
    json!({ "sdq": list })
}

// sdq-annual ----------------------------------------------------------------------------------

#[test]
fn annual_due_soon_and_overdue() {
    // Scored 15 Jun 2024: due 15 Jun 2025; 1 Jun to 15 Jun is 14 days.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([{ "date": "2024-06-15", "score": 12 }])),
        ),
    );
    let r = now(&results, ANNUAL);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(r.due, Some(ymd(2025, 6, 15)));
    assert_eq!(r.subject, "SDQ due 2025-06-15");
    assert_eq!(
        r.message,
        "Annual SDQ after the one scored 12 on 15 Jun 2024 is due by 15 Jun 2025, in 14 days."
    );

    // Scored 20 May 2024: due 20 May 2025, 12 days overdue on 1 Jun.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([{ "date": "2024-05-20", "score": 12 }])),
        ),
    );
    let r = now(&results, ANNUAL);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "Annual SDQ after the one scored 12 on 20 May 2024 was due by 20 May 2025 and is 12 days overdue."
    );

    // An SDQ on its due date (20 May 2025) starts the next year: due 20 May 2026, met.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(
                json!([{ "date": "2024-05-20", "score": 12 }, { "date": "2025-05-20", "score": 11 }]),
            ),
        ),
    );
    let r = now(&results, ANNUAL);
    assert_eq!(r.status, Status::Upcoming);
    assert_eq!(r.due, Some(ymd(2026, 5, 20)));
    // Each occurrence is its own result: the first was due 9 Jan 2024, 12 months after the
    // period began on 9 Jan 2023, and the SDQ of 20 May 2024 came 132 days late (22 + 29 + 31
    // + 30 + 20); the second was due 20 May 2025 and held that day; the third is current.
    let annual: Vec<(Status, Option<NaiveDate>, bool)> = of(&results, ANNUAL)
        .iter()
        .map(|r| (r.status, r.due, r.current))
        .collect();
    assert_eq!(
        annual,
        [
            (Status::Breach, Some(ymd(2024, 1, 9)), false),
            (Status::Met, Some(ymd(2025, 5, 20)), false),
            (Status::Upcoming, Some(ymd(2026, 5, 20)), true),
        ]
    );
    assert!(of(&results, ANNUAL)[0].message.ends_with("132 days late."));
}

#[test]
fn annual_with_no_scored_sdq_runs_from_the_period_start() {
    // Looked after since 1 May 2024: first due 1 May 2025; 31 days overdue on 1 Jun 2025.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(Some("2012-05-10"), "2024-05-01", sdqs(json!([]))),
    );
    let r = now(&results, ANNUAL);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "First annual SDQ of the period of care from 1 May 2024 was due by 1 May 2025 and is 31 days overdue."
    );
    // An SDQ before the period started does not count.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2024-05-01",
            sdqs(json!([{ "date": "2024-04-30", "score": 9 }])),
        ),
    );
    assert_eq!(now(&results, ANNUAL).due, Some(ymd(2025, 5, 1)));
}

#[test]
fn unscored_sdq_counts_as_not_done_and_names_its_reason() {
    // SSDA903 imports dated 31 March. Scored 31 Mar 2024; 31 Mar 2025 not completed (SDQ1).
    // Due 31 Mar 2025; 31 Mar to 1 Jun 2025 is 1 + 30 + 31 = 62 days.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([
                { "date": "2024-03-31", "date_approximate": true, "score": 10 },
                { "date": "2025-03-31", "date_approximate": true, "reason_not_completed": "SDQ1" },
            ])),
        ),
    );
    let r = now(&results, ANNUAL);
    assert_eq!(r.status, Status::Breach);
    assert_eq!(
        r.message,
        "Annual SDQ after the one scored 10 on 31 Mar 2024 (date approximate) was due by 31 Mar 2025 and is 62 days overdue; the SDQ recorded on 31 Mar 2025 (date approximate) has no score (reason SDQ1)."
    );
    assert!(
        r.evidence
            .contains(&("date_approximate".into(), "true".into()))
    );
    assert!(
        r.evidence
            .contains(&("reason_not_completed".into(), "SDQ1".into()))
    );

    // No reason at all.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2024-05-01",
            sdqs(json!([{ "date": "2025-05-15" }])),
        ),
    );
    assert!(
        now(&results, ANNUAL)
            .message
            .ends_with("the SDQ recorded on 15 May 2025 has no score (no reason recorded).")
    );
}

#[test]
fn annual_ages_four_to_sixteen_inclusive() {
    let health = sdqs(json!([{ "date": "2024-06-01", "score": 5 }]));
    // Born 15 Jun 2008: 16 on 14 Jun 2025 (applies), 17 on 15 Jun 2025 (does not).
    let r = run::<SdqPolicy>(
        ymd(2025, 6, 14),
        child(Some("2008-06-15"), "2020-01-06", health.clone()),
    );
    assert_eq!(now(&r, ANNUAL).status, Status::Breach);
    let r = run::<SdqPolicy>(
        ymd(2025, 6, 15),
        child(Some("2008-06-15"), "2020-01-06", health.clone()),
    );
    let r = now(&r, ANNUAL);
    assert_eq!(r.status, Status::NotApplicable);
    assert_eq!(
        r.message,
        "The child is 17 on 15 Jun 2025; the annual SDQ applies to children aged 4 to 16."
    );
    // Born 15 Mar 2021: 3 on 14 Mar 2025, 4 on 15 Mar 2025. Looked after since 9 Jan 2023, so
    // a year in care on 9 Jan 2024, but the SDQ is owed only from the 4th birthday: due that
    // day, not "overdue since 9 Jan 2024" as if a 2-year-old had missed it.
    let r = run::<SdqPolicy>(
        ymd(2025, 3, 14),
        child(Some("2021-03-15"), "2023-01-09", sdqs(json!([]))),
    );
    assert_eq!(now(&r, ANNUAL).status, Status::NotApplicable);
    let r = run::<SdqPolicy>(
        ymd(2025, 3, 15),
        child(Some("2021-03-15"), "2023-01-09", sdqs(json!([]))),
    );
    let r = now(&r, ANNUAL);
    assert_eq!((r.status, r.due), (Status::DueSoon, Some(ymd(2025, 3, 15))));
    assert_eq!(
        r.message,
        "First annual SDQ of the period of care from 9 Jan 2023, owed from the 4th birthday, is due today (15 Mar 2025)."
    );
}

#[test]
fn annual_needs_twelve_months_in_care() {
    let r = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(Some("2012-05-10"), "2024-06-02", sdqs(json!([]))),
    );
    // Not yet 12 months in care (from 2 Jun 2024): the first SDQ is owed on 2 Jun 2025, a day
    // away, so it shows as due soon rather than not applicable.
    let r = now(&r, ANNUAL);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(
        r.message,
        "First annual SDQ of the period of care from 2 Jun 2024 is due by 2 Jun 2025, in 1 day."
    );
    // Four months in: upcoming, never met.
    let r = run::<SdqPolicy>(
        ymd(2024, 10, 2),
        child(Some("2012-05-10"), "2024-06-02", sdqs(json!([]))),
    );
    assert_eq!(now(&r, ANNUAL).status, Status::Upcoming);
    // Exactly 12 months: applies, due today.
    let r = run::<SdqPolicy>(
        ymd(2025, 6, 2),
        child(Some("2012-05-10"), "2024-06-02", sdqs(json!([]))),
    );
    let r = now(&r, ANNUAL);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(
        r.message,
        "First annual SDQ of the period of care from 2 Jun 2024 is due today (2 Jun 2025)."
    );
    // Looked after from 29 Feb 2024: 12 months on 28 Feb 2025 (add_months clips).
    let r = run::<SdqPolicy>(
        ymd(2025, 2, 27),
        child(Some("2012-05-10"), "2024-02-29", sdqs(json!([]))),
    );
    assert_eq!(now(&r, ANNUAL).due, Some(ymd(2025, 2, 28)));
    assert_eq!(now(&r, ANNUAL).status, Status::DueSoon);
    let r = run::<SdqPolicy>(
        ymd(2025, 2, 28),
        child(Some("2012-05-10"), "2024-02-29", sdqs(json!([]))),
    );
    assert_eq!(now(&r, ANNUAL).due, Some(ymd(2025, 2, 28)));
}

#[test]
fn a_placement_change_does_not_restart_the_year_but_a_new_period_does() {
    // Two episodes in one period from 9 Jan 2023: continuously looked after.
    let record = json!({
        "child": { "date_of_birth": "2012-05-10" },
        "periods_of_care": [{ "episodes": [
            { "start": "2023-01-09", "end": "2024-11-01", "reason_ended": "X1" },
            { "start": "2024-11-01" },
        ] }],
        "health": sdqs(json!([{ "date": "2024-06-15", "score": 12 }])),
    });
    assert_eq!(
        now(&run::<SdqPolicy>(ymd(2025, 6, 1), record), ANNUAL).due,
        Some(ymd(2025, 6, 15))
    );
    // A new period from 1 Nov 2024: the first SDQ is due 1 Nov 2025 (upcoming), and the old
    // SDQ is not used.
    let record = json!({
        "child": { "date_of_birth": "2012-05-10" },
        "periods_of_care": [
            { "episodes": [{ "start": "2023-01-09", "end": "2024-07-01" }] },
            { "episodes": [{ "start": "2024-11-01" }] },
        ],
        "health": sdqs(json!([{ "date": "2024-06-15", "score": 18 }])),
    });
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), record);
    assert_eq!(
        (now(&results, ANNUAL).status, now(&results, ANNUAL).due),
        (Status::Upcoming, Some(ymd(2025, 11, 1)))
    );
    assert_eq!(one(&results, HIGH).status, Status::NotApplicable);
}

#[test]
fn missing_date_of_birth_and_not_in_care() {
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), child(None, "2023-01-09", sdqs(json!([]))));
    let r = now(&results, ANNUAL);
    assert_eq!(r.status, Status::InsufficientData);
    assert!(
        r.evidence
            .contains(&("missing_field".into(), "child.date_of_birth".into()))
    );

    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2012-05-10" },
            "periods_of_care": [{ "episodes": [{ "start": "2023-01-09", "end": "2025-01-31" }] }],
        }),
    );
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r.status == Status::NotApplicable));
    assert_eq!(
        results[0].message,
        "The child is not in a period of care on 1 Jun 2025, so no SDQ check applies."
    );

    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        json!({ "child": { "date_of_birth": "2012-05-10" } }),
    );
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| {
        r.status == Status::InsufficientData
            && r.evidence
                .contains(&("missing_field".into(), "periods_of_care".into()))
    }));
}

// high-sdq-assessment -------------------------------------------------------------------------

fn high_case(score: u8, assessment: Option<&str>) -> Value {
    let assessments: Vec<Value> = assessment.iter().map(|d| json!({ "date": d })).collect();
    child(
        Some("2012-05-10"),
        "2023-01-09",
        json!({
            "sdq": [{ "date": "2025-03-04", "score": score }],
            "mental_health_assessments": assessments,
        }),
    )
}

#[test]
fn high_score_assessed_on_the_last_day_and_the_day_after() {
    // 4 Mar 2025 + 28 days = 1 Apr 2025 (27 days left in March, then 1 Apr).
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(19, Some("2025-04-01")));
    let r = one(&results, HIGH);
    assert_eq!(r.status, Status::Met);
    assert_eq!(r.due, Some(ymd(2025, 4, 1)));
    assert_eq!(r.subject, "SDQ 2025-03-04");
    assert_eq!(
        r.message,
        "Comprehensive mental-health assessment after the high SDQ score of 19 on 4 Mar 2025 was held on 1 Apr 2025, by 1 Apr 2025 (local timescale: 28 days)."
    );
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(19, Some("2025-04-02")));
    let r = one(&results, HIGH);
    assert_eq!(r.status, Status::Warning);
    assert!(
        r.message.ends_with(
            "was held on 2 Apr 2025, 1 day after 1 Apr 2025 (local timescale: 28 days)."
        ),
        "{}",
        r.message
    );
}

#[test]
fn high_score_not_yet_assessed() {
    // 20 Mar to 1 Apr 2025: 12 days, due soon.
    let r = run::<SdqPolicy>(ymd(2025, 3, 20), high_case(17, None));
    let r = one(&r, HIGH);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(
        r.message,
        "Comprehensive mental-health assessment after the high SDQ score of 17 on 4 Mar 2025 is expected by 1 Apr 2025, in 12 days (local timescale: 28 days)."
    );
    // 1 Apr to 1 Jun 2025: 29 + 31 = 61 days overdue.
    let r = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(17, None));
    let r = one(&r, HIGH);
    assert_eq!(r.status, Status::Warning);
    assert!(
        r.message
            .ends_with("has not been held: 61 days past 1 Apr 2025 (local timescale: 28 days)."),
        "{}",
        r.message
    );
    // An assessment before the SDQ does not answer it.
    let r = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(17, Some("2025-03-03")));
    assert_eq!(one(&r, HIGH).status, Status::Warning);
    // The same day does.
    let r = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(17, Some("2025-03-04")));
    assert_eq!(one(&r, HIGH).status, Status::Met);
}

#[test]
fn the_bands() {
    // 17 high, 16 and 14 borderline, 13 neither.
    let r = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(17, None));
    assert_eq!(one(&r, HIGH).subject, "SDQ 2025-03-04");
    assert_eq!(one(&r, BORDERLINE).status, Status::NotApplicable);
    for score in [16, 14] {
        let r = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(score, None));
        assert_eq!(one(&r, HIGH).status, Status::NotApplicable, "{score}");
        assert_eq!(one(&r, BORDERLINE).subject, "SDQ 2025-03-04", "{score}");
    }
    let r = run::<SdqPolicy>(ymd(2025, 6, 1), high_case(13, None));
    let high = one(&r, HIGH);
    assert_eq!(high.status, Status::NotApplicable);
    assert_eq!(
        high.message,
        "No SDQ in the current period of care (from 9 Jan 2023) scored 17 or more."
    );
    assert_eq!(
        one(&r, BORDERLINE).message,
        "No SDQ in the current period of care (from 9 Jan 2023) scored in the borderline band (14 to 16)."
    );
    // A lowered high threshold makes 16 high.
    let lower = SdqSettings {
        high_threshold: 16,
        ..SdqSettings::default()
    };
    let r = run_with::<SdqPolicy>(ymd(2025, 6, 1), high_case(16, None), &lower);
    assert_eq!(one(&r, HIGH).status, Status::Warning);
    assert_eq!(one(&r, BORDERLINE).status, Status::NotApplicable);
}

#[test]
fn high_score_with_an_approximate_date() {
    // SSDA903 import dated 31 Mar 2025: due 28 Apr 2025.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            json!({ "sdq": [{ "date": "2025-03-31", "date_approximate": true, "score": 22 }] }),
        ),
    );
    let r = one(&results, HIGH);
    assert_eq!(r.due, Some(ymd(2025, 4, 28)));
    assert_eq!(
        r.message,
        "Comprehensive mental-health assessment after the high SDQ score of 22 on 31 Mar 2025 (date approximate) has not been held: 34 days past 28 Apr 2025 (local timescale: 28 days)."
    );
    assert!(
        r.evidence
            .contains(&("date_approximate".into(), "true".into()))
    );
}

#[test]
fn follow_up_checks_apply_outside_the_annual_cohort() {
    // A 17-year-old looked after for 3 months with a high score: no annual SDQ, but the follow-up applies.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2008-01-01"),
            "2025-03-01",
            json!({ "sdq": [{ "date": "2025-03-04", "score": 20 }] }),
        ),
    );
    assert_eq!(now(&results, ANNUAL).status, Status::NotApplicable);
    assert_eq!(one(&results, HIGH).status, Status::Warning);
}

// borderline-sdq ------------------------------------------------------------------------------

fn borderline_case(referred: Option<&str>, assessed: Option<&str>) -> Value {
    let referrals: Vec<Value> = referred
        .iter()
        .map(|d| json!({ "id": "R1", "service": "CAMHS", "referred": d }))
        .collect();
    let assessments: Vec<Value> = assessed.iter().map(|d| json!({ "date": d })).collect();
    child(
        Some("2012-05-10"),
        "2023-01-09",
        json!({
            "sdq": [{ "date": "2025-03-04", "score": 15 }],
            "mental_health_referrals": referrals,
            "mental_health_assessments": assessments,
        }),
    )
}

#[test]
fn borderline_followed_by_a_referral_or_assessment() {
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), borderline_case(Some("2025-03-20"), None));
    let r = one(&results, BORDERLINE);
    assert_eq!(r.status, Status::Met);
    assert_eq!(
        r.message,
        "Follow-up (a mental-health assessment or referral) of the borderline SDQ score of 15 on 4 Mar 2025 was made on 20 Mar 2025, by 1 Apr 2025 (local timescale: 28 days)."
    );
    assert!(
        r.evidence
            .contains(&("follow_up".into(), "referral R1".into()))
    );
    // An assessment on the last day.
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), borderline_case(None, Some("2025-04-01")));
    let r = one(&results, BORDERLINE);
    assert_eq!(r.status, Status::Met);
    assert!(
        r.evidence
            .contains(&("follow_up".into(), "mental-health assessment".into()))
    );
    // The earlier of the two is used.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        borderline_case(Some("2025-04-05"), Some("2025-03-10")),
    );
    assert!(
        one(&results, BORDERLINE)
            .evidence
            .contains(&("follow_up_date".into(), "2025-03-10".into()))
    );
}

#[test]
fn borderline_without_follow_up() {
    // The day after the window: 1 day late.
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), borderline_case(Some("2025-04-02"), None));
    let r = one(&results, BORDERLINE);
    assert_eq!(r.status, Status::Warning);
    assert!(
        r.message.ends_with(
            "was made on 2 Apr 2025, 1 day after 1 Apr 2025 (local timescale: 28 days)."
        ),
        "{}",
        r.message
    );
    // Nothing at all.
    let results = run::<SdqPolicy>(ymd(2025, 6, 1), borderline_case(None, None));
    assert_eq!(one(&results, BORDERLINE).status, Status::Warning);
    // Window still open: due soon.
    let results = run::<SdqPolicy>(ymd(2025, 3, 10), borderline_case(None, None));
    let r = one(&results, BORDERLINE);
    assert_eq!(r.status, Status::DueSoon);
    assert_eq!(r.due, Some(ymd(2025, 4, 1)));
}

// Data errors, informants, settings ----------------------------------------------------------

#[test]
fn future_dated_rows_are_data_errors() {
    // A referral and an assessment dated after the evaluation date are not evidence (and are
    // reported by mental-health-access, not here): the borderline SDQ is still awaiting
    // follow-up.
    let results = run::<SdqPolicy>(
        ymd(2025, 3, 10),
        borderline_case(Some("2025-03-20"), Some("2025-03-15")),
    );
    assert!(results.iter().all(|r| r.status != Status::InsufficientData));
    let b = one(&results, BORDERLINE);
    assert_eq!(
        (b.subject.as_str(), b.status),
        ("SDQ 2025-03-04", Status::DueSoon)
    );

    // A future SDQ: one cause, one result. Looked after since 9 Jan 2023, the first SDQ was
    // due 9 Jan 2024 and none is recorded on or before 1 Jun 2025; the misdated row may be it,
    // so that occurrence is the data error, with its due date, not also a breach.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([{ "date": "2025-06-30", "score": 30 }])),
        ),
    );
    let a = of(&results, ANNUAL);
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].status, a[0].due),
        (Status::InsufficientData, Some(ymd(2024, 1, 9)))
    );
    assert_eq!(
        a[0].message,
        "An SDQ is dated 30 Jun 2025, after the evaluation date 1 Jun 2025; correct the date before it is counted: until then it cannot be told whether the annual SDQ due by 9 Jan 2024 was completed."
    );
    assert_eq!(one(&results, HIGH).status, Status::NotApplicable);
}

/// An SSDA903 SDQ is dated 31 March of its collection year: it shows the SDQ was done by then,
/// not when. Looked after from 9 Jan 2023, the first SDQ was due 9 Jan 2024; the one dated
/// (approximately) 31 Mar 2024 may have been done before 9 Jan: `insufficient_data`, not a breach.
/// The next is due 31 Mar 2025 (12 months on).
#[test]
fn an_approximate_date_cannot_show_lateness() {
    let results = run::<SdqPolicy>(
        ymd(2025, 2, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([{ "date": "2024-03-31", "date_approximate": true, "score": 10 }])),
        ),
    );
    let a = of(&results, ANNUAL);
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].status, a[0].due),
        (Status::InsufficientData, Some(ymd(2024, 1, 9)))
    );
    assert_eq!(
        a[0].message,
        "First annual SDQ of the period of care from 9 Jan 2023 was due by 9 Jan 2024; the SDQ that followed is dated 31 Mar 2024 (date approximate) only approximately, so it cannot be told whether it was on time: record its actual date."
    );
    assert_eq!(
        (a[1].status, a[1].due, a[1].current),
        (Status::Upcoming, Some(ymd(2025, 3, 31)), true)
    );
}

/// An SSDA903 return supplies the SDQs (OC2) but not mental-health assessments or referrals:
/// the annual SDQ is judged in full, and a high score's follow-up is `insufficient_data` with
/// the date it is expected by (4 Mar 2025 + 28 days = 1 Apr 2025), never a warning.
#[test]
fn an_ssda903_only_record() {
    let record = ssda903_only(child(
        Some("2012-05-10"),
        "2023-01-09",
        json!({ "sdq": [
            { "date": "2024-03-31", "date_approximate": true, "score": 12 },
            { "date": "2025-03-04", "score": 19 },
        ] }),
    ));
    let results = assert_reads_suffice::<SdqPolicy>(&context(ymd(2025, 6, 1)), &record);
    assert_eq!(now(&results, ANNUAL).status, Status::Upcoming);
    let h = one(&results, HIGH);
    assert_not_supplied(std::slice::from_ref(h), "health.mental_health_assessments");
    assert_eq!(h.due, Some(ymd(2025, 4, 1)));
    assert_eq!(one(&results, BORDERLINE).status, Status::NotApplicable);
}

#[test]
fn out_of_range_score_and_other_informants() {
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([
                { "date": "2025-03-04", "score": 45 },
                { "date": "2025-03-05", "score": 20, "completed_by": "teacher" },
                { "date": "2025-03-06", "score": 20, "completed_by": "young-person" },
            ])),
        ),
    );
    let a = of(&results, ANNUAL);
    assert_eq!(a[0].status, Status::InsufficientData);
    assert_eq!(
        a[0].message,
        "The SDQ on 4 Mar 2025 has a score of 45, outside the 0-40 range; it is not counted until the score is corrected."
    );
    // None of the three is used.
    assert_eq!(one(&results, HIGH).status, Status::NotApplicable);
    assert_eq!(a[1].due, Some(ymd(2024, 1, 9)));
    // A main carer's SDQ is used.
    let results = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(
            Some("2012-05-10"),
            "2023-01-09",
            sdqs(json!([{ "date": "2025-03-05", "score": 20, "completed_by": "main-carer" }])),
        ),
    );
    assert_eq!(one(&results, HIGH).status, Status::Warning);
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<SdqPolicy>("").is_ok());
    assert!(
        validate_settings::<SdqPolicy>(
            r#"{"high_threshold": 15, "borderline_threshold": 12, "assessment_days": 14}"#
        )
        .is_ok()
    );
    for loose in [
        r#"{"high_threshold": 18}"#,
        r#"{"borderline_threshold": 15}"#,
        r#"{"assessment_days": 42}"#,
        r#"{"assessment_days": 0}"#,
        r#"{"high_threshold": 14}"#,
        r#"{"borderline_threshold": 0}"#,
        r#"{"annual_months": 12}"#,
    ] {
        assert!(validate_settings::<SdqPolicy>(loose).is_err(), "{loose}");
    }
    let err = validate_settings::<SdqPolicy>(r#"{"assessment_days": 42}"#).unwrap_err();
    assert!(err.contains("at most 28"), "{err}");
    // Tightened: 14 days after 4 Mar 2025 is 18 Mar 2025.
    let c = context_with_settings(ymd(2025, 6, 1), r#"{"assessment_days": 14}"#);
    let results = evaluate_json::<SdqPolicy>(&c, &high_case(19, Some("2025-03-20")).to_string())
        .expect("evaluates");
    let r = one(&results, HIGH);
    assert_eq!(r.due, Some(ymd(2025, 3, 18)));
    assert_eq!(r.status, Status::Warning);
}

#[test]
fn metadata() {
    let m = describe::<SdqPolicy>();
    assert_eq!(m.id, "sdq");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(ids, [ANNUAL, HIGH, BORDERLINE]);
    let bases: Vec<Basis> = m.checks.iter().map(|c| c.basis).collect();
    // The follow-up timescale is a local setting the law does not fix (reference, ambiguity 6).
    assert_eq!(bases, [Basis::Guidance, Basis::Local, Basis::Local]);
    assert!(
        m.reads
            .contains(&"/health/mental_health_referrals/*/referred".to_string())
    );
    assert!(
        evaluate_json::<SdqPolicy>(
            &context(ymd(2025, 6, 1)),
            r#"{"health": {"sdq": [{"date": "2025-01-01", "score": 300}]}}"#
        )
        .is_err()
    );
}

// Data minimisation -------------------------------------------------------------------------

#[test]
fn the_declared_reads_are_enough() {
    let from_full = assert_reads_suffice_on_rich_record::<SdqPolicy>(ymd(2025, 6, 1));
    assert!(!from_full.is_empty());
}

/// Every follow-up result, whatever its timing, names the local timescale and never reads like
/// a statutory deadline: an SDQ of 4 Mar 2025 is followed up by 1 Apr 2025 (local, 28 days).
#[test]
fn follow_ups_read_as_local_timescales() {
    for (date, case) in [
        (ymd(2025, 3, 4), high_case(19, None)),
        (ymd(2025, 3, 20), high_case(19, None)),
        (ymd(2025, 4, 1), high_case(19, None)),
        (ymd(2025, 6, 1), high_case(19, None)),
        (ymd(2025, 6, 1), high_case(19, Some("2025-04-01"))),
        (ymd(2025, 6, 1), high_case(19, Some("2025-04-02"))),
        (ymd(2025, 3, 10), borderline_case(None, None)),
        (ymd(2025, 6, 1), borderline_case(None, None)),
        (ymd(2025, 6, 1), borderline_case(Some("2025-04-02"), None)),
    ] {
        assert_local_messages::<SdqPolicy>(&run::<SdqPolicy>(date, case));
    }
}

/// Born 1 Jul 2008 (17 on 1 Jul 2025), looked after from 1 May 2025: aged 16 now, but the first
/// annual SDQ would fall due on 1 May 2026, after the last day it could be owed (30 Jun 2025,
/// the day before the 17th birthday): one `not_applicable` saying so, not silence.
#[test]
fn an_annual_sdq_that_would_fall_due_after_16_is_not_owed() {
    let r = run::<SdqPolicy>(
        ymd(2025, 6, 1),
        child(Some("2008-07-01"), "2025-05-01", sdqs(json!([]))),
    );
    let a = now(&r, ANNUAL);
    assert_eq!((a.status, a.due), (Status::NotApplicable, None));
    assert_eq!(
        a.message,
        "No annual SDQ is owed: the first would fall due on 1 May 2026, after the requirement ends on 30 Jun 2025."
    );
}
