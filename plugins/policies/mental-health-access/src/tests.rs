//! Hand-worked cases. Waits are calendar days: referred D, first appointment expected by D + 28
//! (a local timescale: passing it is a warning, never a breach).

use super::*;
use carecheck_sdk::testing::{
    assert_local_messages, assert_reads_suffice, care_record, context, context_with_settings,
    current, evidence, of, run, ssda903_only, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const SEEN: &str = "referral-seen";
const ASKED: &str = "assessment-accompaniment";

fn referral(id: &str, referred: &str, first_seen: Option<&str>) -> Value {
    json!({"id": id, "service": "CAMHS", "referred": referred, "first_seen": first_seen})
}

fn with_referrals(referrals: Vec<Value>, placements: Value) -> Value {
    json!({"health": {"mental_health_referrals": referrals}, "placements": placements})
}

/// The `referral-seen` results on `record`.
fn seen(date: NaiveDate, record: Value) -> Vec<CheckResult> {
    run::<MentalHealthAccess>(date, record)
        .into_iter()
        .filter(|r| r.check == SEEN)
        .collect()
}

/// The `assessment-accompaniment` results on `record`.
fn asked(date: NaiveDate, record: Value) -> Vec<CheckResult> {
    run::<MentalHealthAccess>(date, record)
        .into_iter()
        .filter(|r| r.check == ASKED)
        .collect()
}

// referral-seen: a local timescale ------------------------------------------------------------

#[test]
fn seen_on_the_last_day_is_met() {
    // Referred Mon 3 Mar 2025; + 28 days = Mon 31 Mar 2025; seen 31 Mar: on time.
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-03-31"))],
            json!([]),
        ),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::Met);
    assert_eq!(r[0].due, Some(ymd(2025, 3, 31)));
    assert_eq!(r[0].subject, "referral R1");
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was held on 31 Mar 2025, by 31 Mar 2025 (local timescale: 28 days)."
    );
    assert_eq!(evidence(&r[0], "moved_while_waiting"), None);
    // Seen: history, not current.
    assert!(!r[0].current);
}

#[test]
fn seen_the_day_after_is_a_warning_not_a_breach() {
    // Expected by 31 Mar 2025; seen Tue 1 Apr: 1 day beyond the local timescale.
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-04-01"))],
            json!([]),
        ),
    );
    assert_eq!(r[0].status, Status::Warning);
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was held on 1 Apr 2025, 1 day after 31 Mar 2025 (local timescale: 28 days)."
    );
    assert_eq!(evidence(&r[0], "late_by"), Some("1 day"));
}

#[test]
fn still_waiting_beyond_the_timescale_is_a_warning() {
    // Expected by 31 Mar 2025; evaluated 10 Apr 2025 and not seen: 10 days beyond.
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(vec![referral("R1", "2025-03-03", None)], json!([])),
    );
    assert_eq!(r[0].status, Status::Warning);
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) has not been held: 10 days past 31 Mar 2025 (local timescale: 28 days)."
    );
    assert_eq!(
        evidence(&r[0], "waiting_beyond_timescale_by"),
        Some("10 days")
    );
    // Still waiting: current.
    assert!(r[0].current);
    // On the last day itself it is expected today, not yet beyond.
    let r = seen(
        ymd(2025, 3, 31),
        with_referrals(vec![referral("R1", "2025-03-03", None)], json!([])),
    );
    assert_eq!(r[0].status, Status::DueSoon);
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) is expected today, 31 Mar 2025 (local timescale: 28 days)."
    );
}

#[test]
fn still_waiting_inside_the_window() {
    // Referred 20 Mar 2025, expected by 17 Apr; on 25 Mar, 23 days left: inside the 28-day
    // look-ahead.
    let v = with_referrals(vec![referral("R1", "2025-03-20", None)], json!([]));
    let r = seen(ymd(2025, 3, 25), v.clone());
    assert_eq!(r[0].status, Status::DueSoon);
    assert_eq!(r[0].due, Some(ymd(2025, 4, 17)));
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 20 Mar 2025) is expected by 17 Apr 2025, in 23 days (local timescale: 28 days)."
    );
    // A 7-day look-ahead: 23 days left is not yet due soon, so upcoming.
    let mut ctx = context(ymd(2025, 3, 25));
    ctx.look_ahead_days = 7;
    let r = MentalHealthAccess::evaluate(&ctx, &care_record(v), &AccessSettings::default());
    assert_eq!(r[0].status, Status::Upcoming);
}

#[test]
fn bank_holidays_do_not_extend_a_calendar_day_wait() {
    // Referred Fri 20 Dec 2024: 11 days to 31 Dec, then 17 into January = 28: expected by
    // Fri 17 Jan 2025, although Christmas Day, Boxing Day and New Year's Day fall inside.
    let r = seen(
        ymd(2025, 1, 20),
        with_referrals(
            vec![referral("R1", "2024-12-20", Some("2025-01-17"))],
            json!([]),
        ),
    );
    assert_eq!(r[0].due, Some(ymd(2025, 1, 17)));
    assert_eq!(r[0].status, Status::Met);
    // Referred Thu 1 Feb 2024 (a leap year): + 28 days = Thu 29 Feb 2024.
    let r = seen(
        ymd(2024, 3, 5),
        with_referrals(
            vec![referral("R2", "2024-02-01", Some("2024-03-01"))],
            json!([]),
        ),
    );
    assert_eq!(r[0].due, Some(ymd(2024, 2, 29)));
    assert_eq!(r[0].status, Status::Warning);
    assert_eq!(
        r[0].message,
        "First appointment for referral R2 to CAMHS (referred 1 Feb 2024) was held on 1 Mar 2024, 1 day after 29 Feb 2024 (local timescale: 28 days)."
    );
}

#[test]
fn a_move_while_waiting_is_named() {
    // Referred 3 Mar 2025; moved to P2 on 10 Mar; still waiting on 10 Apr: 10 days beyond.
    let placements = json!([
        {"id": "P1", "start": "2024-06-01"},
        {"id": "P2", "start": "2025-03-10"}
    ]);
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(vec![referral("R1", "2025-03-03", None)], placements),
    );
    assert_eq!(r[0].status, Status::Warning);
    assert_eq!(evidence(&r[0], "moved_while_waiting"), Some("P2"));
    assert_eq!(evidence(&r[0], "moved_on"), Some("2025-03-10"));
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) has not been held: 10 days past 31 Mar 2025 (local timescale: 28 days). The wait was made worse by a move to placement P2 on 10 Mar 2025."
    );
}

#[test]
fn a_move_while_still_inside_the_window() {
    // Referred 20 Mar 2025, moved to P3 on 24 Mar, evaluated 25 Mar: due soon, and the move named.
    let r = seen(
        ymd(2025, 3, 25),
        with_referrals(
            vec![referral("R1", "2025-03-20", None)],
            json!([{"id": "P3", "start": "2025-03-24"}]),
        ),
    );
    assert_eq!(r[0].status, Status::DueSoon);
    assert_eq!(evidence(&r[0], "moved_while_waiting"), Some("P3"));
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 20 Mar 2025) is expected by 17 Apr 2025, in 23 days (local timescale: 28 days). The child moved to placement P3 on 24 Mar 2025 while waiting, so make sure the referral has followed them."
    );
}

#[test]
fn a_move_seen_in_time_and_several_moves() {
    // Two moves (P2 on 5 Mar, P3 on 20 Mar) before the appointment on 28 Mar: met, first move named.
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-03-28"))],
            json!([
                {"id": "P3", "start": "2025-03-20"},
                {"id": "P2", "start": "2025-03-05"}
            ]),
        ),
    );
    assert_eq!(r[0].status, Status::Met);
    assert_eq!(evidence(&r[0], "moved_while_waiting"), Some("P2"));
    assert_eq!(evidence(&r[0], "moves_while_waiting"), Some("2"));
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was held on 28 Mar 2025, by 31 Mar 2025 (local timescale: 28 days). The child was seen in time despite a move to placement P2 on 5 Mar 2025."
    );
}

#[test]
fn moves_outside_the_wait_are_not_counted() {
    // A move on the referral day, one after the first appointment and one after the evaluation
    // date (still waiting) are not "while waiting".
    let placements = json!([
        {"id": "P1", "start": "2025-03-03"},
        {"id": "P2", "start": "2025-04-02"}
    ]);
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-04-01"))],
            placements,
        ),
    );
    assert_eq!(evidence(&r[0], "moved_while_waiting"), None);
    let r = seen(
        ymd(2025, 3, 25),
        with_referrals(
            vec![referral("R1", "2025-03-20", None)],
            json!([{"id": "P9", "start": "2025-03-26"}]),
        ),
    );
    assert_eq!(evidence(&r[0], "moved_while_waiting"), None);
}

#[test]
fn future_dated_rows_are_data_errors() {
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(
            vec![
                referral("R1", "2025-05-01", None),
                referral("R2", "2025-03-03", Some("2025-04-11")),
                referral("R3", "2025-03-03", Some("2025-03-02")),
            ],
            json!([]),
        ),
    );
    assert_eq!(r.len(), 3);
    assert!(
        r.iter()
            .all(|x| x.status == Status::InsufficientData && x.due.is_none() && x.current)
    );
    assert_eq!(
        evidence(&r[0], "missing_field"),
        Some("health.mental_health_referrals[].referred")
    );
    assert_eq!(
        r[0].message,
        "The referral R1 to CAMHS is dated 1 May 2025, after the evaluation date 10 Apr 2025; correct the referral date so the wait can be checked."
    );
    assert_eq!(
        evidence(&r[1], "missing_field"),
        Some("health.mental_health_referrals[].first_seen")
    );
    assert_eq!(
        r[1].message,
        "The referral R2 to CAMHS records a first appointment on 11 Apr 2025, after the evaluation date 10 Apr 2025; correct the date so the wait can be checked."
    );
    assert_eq!(
        r[2].message,
        "The referral R3 to CAMHS records a first appointment on 2 Mar 2025, before the referral was made on 3 Mar 2025; correct the dates so the wait can be checked."
    );
}

#[test]
fn no_referral_is_not_applicable() {
    let r = seen(ymd(2025, 4, 10), json!({}));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::NotApplicable);
    assert_eq!(r[0].subject, "record");
}

#[test]
fn each_referral_is_judged_on_its_own() {
    let r = seen(
        ymd(2025, 4, 10),
        with_referrals(
            vec![
                referral("R1", "2024-01-10", Some("2024-03-01")),
                referral("R2", "2025-03-20", None),
            ],
            json!([]),
        ),
    );
    assert_eq!(r.len(), 2);
    // R1: expected by 7 Feb 2024, seen 1 Mar 2024: 23 days beyond (history). R2: expected by
    // 17 Apr 2025, 7 days left (current).
    assert_eq!((r[0].status, r[0].current), (Status::Warning, false));
    assert_eq!(evidence(&r[0], "late_by"), Some("23 days"));
    assert_eq!((r[1].status, r[1].current), (Status::DueSoon, true));
}

// assessment-accompaniment (EWG 2017 rec 3, moved here from reviews) -------------------------

/// Born 10 May 2012 (12 throughout 2025), with these mental-health assessments.
fn assessed(assessments: Value) -> Value {
    json!({
        "child": { "date_of_birth": "2012-05-10" },
        "health": { "mental_health_assessments": assessments },
    })
}

#[test]
fn accompaniment_asked_not_asked_and_missing() {
    let r = asked(
        ymd(2025, 6, 1),
        assessed(json!([
            { "date": "2025-01-22", "by": "CAMHS", "accompaniment": { "asked": true, "chosen": "foster carer" } },
            { "date": "2025-03-04", "accompaniment": { "asked": false } },
            { "date": "2025-05-20" },
        ])),
    );
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].status, Status::Met);
    assert_eq!(
        r[0].message,
        "The young person was asked who they wanted with them at the mental-health assessment on 22 Jan 2025."
    );
    assert_eq!(r[0].subject, "mental-health assessment 2025-01-22");
    assert_eq!(r[1].status, Status::Breach);
    assert_eq!(
        r[1].message,
        "The young person was not asked who they wanted with them at the mental-health assessment on 4 Mar 2025; ask them before the next assessment and record their choice."
    );
    assert_eq!(r[2].status, Status::Breach);
    assert_eq!(
        r[2].message,
        "The mental-health assessment on 20 May 2025 does not record whether the young person was asked who they wanted with them; ask them before the next assessment and record their choice."
    );
    // Only the latest assessment is current.
    assert_eq!(
        current(&r)
            .iter()
            .map(|x| x.subject.as_str())
            .collect::<Vec<_>>(),
        ["mental-health assessment 2025-05-20"]
    );
    assert!(r.iter().all(|x| x.due.is_none()));
}

#[test]
fn reviews_are_not_asked_about_accompaniment_any_more() {
    // A record with thirteen reviews since 2018 and no assessment: one not_applicable, not a
    // result per review.
    let reviews: Vec<Value> = (2018..=2024)
        .flat_map(|y| {
            [
                json!({"date": format!("{y}-01-15")}),
                json!({"date": format!("{y}-07-15")}),
            ]
        })
        .take(13)
        .collect();
    let results = run::<MentalHealthAccess>(
        ymd(2025, 6, 1),
        json!({"child": {"date_of_birth": "2012-05-10"}, "reviews": reviews}),
    );
    let a = of(&results, ASKED);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].status, Status::NotApplicable);
    assert_eq!(
        a[0].message,
        "No mental-health assessment dated from 1 Jan 2018 to 1 Jun 2025 is recorded, so there is no assessment to check."
    );
}

#[test]
fn accompaniment_under_four_and_the_fourth_birthday() {
    // Born 29 Feb 2020: in 2024 (a leap year) the fourth birthday is 29 Feb 2024 itself.
    let record = |date: &str| {
        json!({
            "child": { "date_of_birth": "2020-02-29" },
            "health": { "mental_health_assessments": [{ "date": date }] },
        })
    };
    let r = asked(ymd(2024, 6, 1), record("2024-02-28"));
    assert_eq!(r[0].status, Status::NotApplicable);
    assert_eq!(
        r[0].message,
        "The child was under 4 at the mental-health assessment on 28 Feb 2024, so was not expected to be asked who they wanted with them."
    );
    let r = asked(ymd(2024, 6, 1), record("2024-02-29"));
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(evidence(&r[0], "age_on_assessment"), Some("4"));
}

#[test]
fn accompaniment_needs_the_date_of_birth_unless_the_young_person_was_asked() {
    let r = asked(
        ymd(2025, 6, 1),
        json!({ "health": { "mental_health_assessments": [
            { "date": "2025-03-04" },
            { "date": "2025-05-20", "accompaniment": { "asked": true } },
        ] } }),
    );
    assert_eq!(r[0].status, Status::InsufficientData);
    assert_eq!(
        evidence(&r[0], "missing_field"),
        Some("child.date_of_birth")
    );
    assert_eq!(r[1].status, Status::Met);
    // An approximate date of birth is used and flagged.
    let r = asked(
        ymd(2025, 6, 1),
        json!({
            "child": { "date_of_birth": "2015-07-01", "date_of_birth_approximate": true },
            "health": { "mental_health_assessments": [{ "date": "2025-03-04" }] },
        }),
    );
    assert_eq!(evidence(&r[0], "date_of_birth_approximate"), Some("true"));
}

#[test]
fn accompaniment_from_setting_and_same_day_rows() {
    // 31 Dec 2017 is before the default; only the 2018 assessment is checked.
    let record = assessed(json!([
        { "date": "2017-12-31" },
        { "date": "2018-01-01" },
        { "date": "2018-01-01", "accompaniment": { "asked": true } },
    ]));
    let r = asked(ymd(2018, 6, 1), record.clone());
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].subject, "mental-health assessment 2018-01-01");
    // The two rows of 1 Jan 2018 are one assessment, and the better record (asked) is used.
    assert_eq!(r[0].status, Status::Met);
    let c = context_with_settings(ymd(2018, 6, 1), r#"{"accompaniment_from": "2017-11-01"}"#);
    let results = evaluate_json::<MentalHealthAccess>(&c, &record.to_string()).expect("evaluates");
    assert_eq!(of(&results, ASKED).len(), 2);
}

/// One cause, one result: the only assessment is misdated, so the data error is the only result.
#[test]
fn a_future_dated_assessment_is_one_data_error() {
    let r = asked(
        ymd(2025, 6, 1),
        assessed(json!([{ "date": "2025-07-01", "accompaniment": { "asked": true } }])),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::InsufficientData);
    assert_eq!(r[0].due, None);
    assert_eq!(
        r[0].message,
        "A mental-health assessment is dated 1 Jul 2025, after the evaluation date 1 Jun 2025; correct the date before it is counted."
    );
}

// Provenance ---------------------------------------------------------------------------------

/// An SSDA903 return supplies no referrals or mental-health assessments: both checks say the
/// record cannot show them, never a breach, and the placements it does supply are no evidence
/// of anything on their own.
#[test]
fn an_ssda903_only_record_cannot_show_referrals_or_assessments() {
    let record = with_referrals(
        vec![referral("R1", "2025-03-03", None)],
        json!([{"id": "P2", "start": "2025-03-10"}]),
    );
    let results = assert_reads_suffice::<MentalHealthAccess>(
        &context(ymd(2025, 4, 10)),
        &ssda903_only(record),
    );
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.status == Status::InsufficientData));
    assert_eq!(
        evidence(&results[0], "missing_field"),
        Some("health.mental_health_referrals")
    );
    assert_eq!(
        evidence(&results[1], "missing_field"),
        Some("health.mental_health_assessments")
    );
}

/// Referrals supplied but not the placements: the wait is judged, the moves cannot be told.
#[test]
fn referrals_without_placements_are_judged_without_moves() {
    let mut record = with_referrals(
        vec![referral("R1", "2025-03-03", None)],
        json!([{"id": "P2", "start": "2025-03-10"}]),
    );
    record["provenance"] = json!({"sections": [
        {"section": "health", "source": "case-system", "as_of": "2025-04-09"}
    ]});
    let r = assert_reads_suffice::<MentalHealthAccess>(&context(ymd(2025, 4, 10)), &record);
    assert_eq!(r[0].status, Status::Warning);
    assert_eq!(evidence(&r[0], "moved_while_waiting"), None);
    assert_eq!(
        evidence(&r[0], "moves_not_supplied"),
        Some("placements.dates")
    );
}

// Settings and metadata ----------------------------------------------------------------------

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<MentalHealthAccess>("").is_ok());
    assert!(validate_settings::<MentalHealthAccess>("{}").is_ok());
    assert!(validate_settings::<MentalHealthAccess>(r#"{"wait_days": 14}"#).is_ok());
    let err = validate_settings::<MentalHealthAccess>(r#"{"wait_days": 29}"#).unwrap_err();
    assert!(err.contains("at most 28"), "{err}");
    assert!(validate_settings::<MentalHealthAccess>(r#"{"wait_days": 0}"#).is_err());
    assert!(validate_settings::<MentalHealthAccess>(r#"{"waitdays": 14}"#).is_err());
    let err = validate_settings::<MentalHealthAccess>(r#"{"accompaniment_from": "2019-01-01"}"#)
        .unwrap_err();
    assert!(
        err.contains("applies to mental-health assessments from 2018-01-01 at the latest"),
        "{err}"
    );
    // A 14-day wait: referred 3 Mar 2025, expected by 17 Mar; seen 20 Mar is 3 days after.
    let mut ctx = context_with_settings(ymd(2025, 4, 10), r#"{"wait_days": 14}"#);
    let v = with_referrals(
        vec![referral("R1", "2025-03-03", Some("2025-03-20"))],
        json!([]),
    );
    let r = evaluate_json::<MentalHealthAccess>(&ctx, &v.to_string()).expect("evaluates");
    assert_eq!(r[0].due, Some(ymd(2025, 3, 17)));
    assert_eq!(r[0].status, Status::Warning);
    assert!(
        r[0].message.ends_with("(local timescale: 14 days)."),
        "{}",
        r[0].message
    );
    ctx.settings = r#"{"wait_days": 40}"#.into();
    assert!(evaluate_json::<MentalHealthAccess>(&ctx, &v.to_string()).is_err());
}

#[test]
fn metadata_is_complete() {
    let m = describe::<MentalHealthAccess>();
    assert_eq!(m.id, "mental-health-access");
    assert_eq!(m.author, "carecheck");
    let bases: Vec<(&str, Basis)> = m.checks.iter().map(|c| (c.id.as_ref(), c.basis)).collect();
    assert_eq!(bases, [(SEEN, Basis::Local), (ASKED, Basis::Guidance)]);
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(schema["properties"]["wait_days"]["default"], json!(28));
    assert_eq!(
        schema["properties"]["accompaniment_from"]["default"],
        json!("2018-01-01")
    );
}

#[test]
fn the_declared_reads_are_enough() {
    // A full record with fields the policy does not read; the host removes them.
    let full = json!({
        "child": {"id": "C1", "responsible_authority": "E09000001", "name": "Not read", "date_of_birth": "2012-05-10"},
        "placements": [
            {"id": "P1", "start": "2024-06-01", "provider": "X", "postcode": "AB1 2CD"},
            {"id": "P2", "start": "2025-03-10", "location_authority": "E09000002"}
        ],
        "health": {
            "assessments": [{"kind": "initial", "date": "2024-06-20"}],
            "mental_health_referrals": [
                {"id": "R1", "service": "CAMHS", "referred": "2025-03-03", "accepted": "2025-03-05"},
                {"id": "R2", "service": "CAMHS", "referred": "2024-09-01", "first_seen": "2024-09-20"}
            ],
            "mental_health_assessments": [{"date": "2025-03-20", "by": "CAMHS", "accompaniment": {"asked": true, "chosen": "aunt"}}]
        }
    });
    let ctx = context(ymd(2025, 4, 10));
    let a = assert_reads_suffice::<MentalHealthAccess>(&ctx, &full);
    assert_eq!(evidence(&a[0], "moved_while_waiting"), Some("P2"));
    assert_eq!(of(&a, ASKED)[0].status, Status::Met);
    assert!(evaluate_json::<MentalHealthAccess>(&ctx, "not json").is_err());
}

/// Every wait, whatever its timing, names the local timescale and never reads like a statutory
/// deadline: referred 3 Mar 2025, expected by 31 Mar 2025 (local, 28 days).
#[test]
fn waits_read_as_local_timescales() {
    for (date, seen) in [
        (ymd(2025, 3, 3), None),
        (ymd(2025, 3, 20), None),
        (ymd(2025, 3, 31), None),
        (ymd(2025, 4, 10), None),
        (ymd(2025, 4, 10), Some("2025-03-31")),
        (ymd(2025, 4, 10), Some("2025-04-01")),
    ] {
        let record = with_referrals(
            vec![referral("R1", "2025-03-03", seen)],
            json!([{"id": "P2", "start": "2025-03-10"}]),
        );
        assert_local_messages::<MentalHealthAccess>(&run::<MentalHealthAccess>(date, record));
    }
}
