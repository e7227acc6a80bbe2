//! Hand-worked cases. Waits are calendar days: referred D, first appointment due D + 28.

use super::*;
use carecheck_sdk::testing::{
    assert_reads_suffice, care_record, context, context_with_settings, evidence, run, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

fn referral(id: &str, referred: &str, first_seen: Option<&str>) -> Value {
    json!({"id": id, "service": "CAMHS", "referred": referred, "first_seen": first_seen})
}

fn with_referrals(referrals: Vec<Value>, placements: Value) -> Value {
    json!({"health": {"mental_health_referrals": referrals}, "placements": placements})
}

#[test]
fn seen_on_the_last_day_is_met() {
    // Referred Mon 3 Mar 2025; + 28 days = Mon 31 Mar 2025; seen 31 Mar: on time.
    let r = run::<MentalHealthAccess>(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-03-31"))],
            json!([]),
        ),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].check, "referral-seen");
    assert_eq!(r[0].status, Status::Met);
    assert_eq!(r[0].due, Some(ymd(2025, 3, 31)));
    assert_eq!(r[0].subject, "referral R1");
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was due by 31 Mar 2025 and was held on 31 Mar 2025."
    );
    assert_eq!(evidence(&r[0], "moved_while_waiting"), None);
}

#[test]
fn seen_the_day_after_is_a_breach() {
    // Due 31 Mar 2025; seen Tue 1 Apr: 1 day late.
    let r = run::<MentalHealthAccess>(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-04-01"))],
            json!([]),
        ),
    );
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was due by 31 Mar 2025 and was held on 1 Apr 2025, 1 day late."
    );
    assert_eq!(evidence(&r[0], "late_by"), Some("1 day"));
}

#[test]
fn still_waiting_after_the_deadline_is_a_breach() {
    // Due 31 Mar 2025; evaluated 10 Apr 2025 and not seen: 10 days overdue.
    let r = run::<MentalHealthAccess>(
        ymd(2025, 4, 10),
        with_referrals(vec![referral("R1", "2025-03-03", None)], json!([])),
    );
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was due by 31 Mar 2025 and is 10 days overdue."
    );
    // On the deadline itself it is due today, not yet late.
    let r = run::<MentalHealthAccess>(
        ymd(2025, 3, 31),
        with_referrals(vec![referral("R1", "2025-03-03", None)], json!([])),
    );
    assert_eq!(r[0].status, Status::DueSoon);
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) is due today (31 Mar 2025)."
    );
}

#[test]
fn still_waiting_inside_the_window() {
    // Referred 20 Mar 2025, due 17 Apr; on 25 Mar, 23 days left: inside the 28-day look-ahead.
    let v = with_referrals(vec![referral("R1", "2025-03-20", None)], json!([]));
    let r = run::<MentalHealthAccess>(ymd(2025, 3, 25), v.clone());
    assert_eq!(r[0].status, Status::DueSoon);
    assert_eq!(r[0].due, Some(ymd(2025, 4, 17)));
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 20 Mar 2025) is due by 17 Apr 2025, in 23 days."
    );
    // A 7-day look-ahead: 23 days left is not yet due soon, so met by timing.
    let mut ctx = context(ymd(2025, 3, 25));
    ctx.look_ahead_days = 7;
    let r = MentalHealthAccess::evaluate(&ctx, &care_record(v), &AccessSettings::default());
    assert_eq!(r[0].status, Status::Upcoming);
}

#[test]
fn bank_holidays_do_not_extend_a_calendar_day_wait() {
    // Referred Fri 20 Dec 2024: 11 days to 31 Dec, then 17 into January = 28: due Fri 17 Jan 2025,
    // although Christmas Day, Boxing Day and New Year's Day fall inside the wait.
    let r = run::<MentalHealthAccess>(
        ymd(2025, 1, 20),
        with_referrals(
            vec![referral("R1", "2024-12-20", Some("2025-01-17"))],
            json!([]),
        ),
    );
    assert_eq!(r[0].due, Some(ymd(2025, 1, 17)));
    assert_eq!(r[0].status, Status::Met);
    // Referred Thu 1 Feb 2024 (a leap year): + 28 days = Thu 29 Feb 2024.
    let r = run::<MentalHealthAccess>(
        ymd(2024, 3, 5),
        with_referrals(
            vec![referral("R2", "2024-02-01", Some("2024-03-01"))],
            json!([]),
        ),
    );
    assert_eq!(r[0].due, Some(ymd(2024, 2, 29)));
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(
        r[0].message,
        "First appointment for referral R2 to CAMHS (referred 1 Feb 2024) was due by 29 Feb 2024 and was held on 1 Mar 2024, 1 day late."
    );
}

#[test]
fn a_move_while_waiting_is_named() {
    // Referred 3 Mar 2025; moved to P2 on 10 Mar; still waiting on 10 Apr: 10 days overdue.
    let placements = json!([
        {"id": "P1", "start": "2024-06-01"},
        {"id": "P2", "start": "2025-03-10"}
    ]);
    let r = run::<MentalHealthAccess>(
        ymd(2025, 4, 10),
        with_referrals(vec![referral("R1", "2025-03-03", None)], placements),
    );
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(evidence(&r[0], "moved_while_waiting"), Some("P2"));
    assert_eq!(evidence(&r[0], "moved_on"), Some("2025-03-10"));
    assert_eq!(
        r[0].message,
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was due by 31 Mar 2025 and is 10 days overdue; the wait was made worse by a move to placement P2 on 10 Mar 2025."
    );
}

#[test]
fn a_move_while_still_inside_the_window() {
    // Referred 20 Mar 2025, moved to P3 on 24 Mar, evaluated 25 Mar: due soon, and the move is named.
    let r = run::<MentalHealthAccess>(
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
        "First appointment for referral R1 to CAMHS (referred 20 Mar 2025) is due by 17 Apr 2025, in 23 days; the child moved to placement P3 on 24 Mar 2025 while waiting, so make sure the referral has followed them."
    );
}

#[test]
fn a_move_seen_in_time_and_several_moves() {
    // Two moves (P2 on 5 Mar, P3 on 20 Mar) before the appointment on 28 Mar: met, first move named.
    let r = run::<MentalHealthAccess>(
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
        "First appointment for referral R1 to CAMHS (referred 3 Mar 2025) was due by 31 Mar 2025 and was held on 28 Mar 2025; the child was seen in time despite a move to placement P2 on 5 Mar 2025."
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
    let r = run::<MentalHealthAccess>(
        ymd(2025, 4, 10),
        with_referrals(
            vec![referral("R1", "2025-03-03", Some("2025-04-01"))],
            placements,
        ),
    );
    assert_eq!(evidence(&r[0], "moved_while_waiting"), None);
    let r = run::<MentalHealthAccess>(
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
    let r = run::<MentalHealthAccess>(
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
    assert!(r.iter().all(|x| x.status == Status::InsufficientData));
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
    let r = run::<MentalHealthAccess>(ymd(2025, 4, 10), json!({}));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::NotApplicable);
    assert_eq!(r[0].subject, "record");
}

#[test]
fn each_referral_is_judged_on_its_own() {
    let r = run::<MentalHealthAccess>(
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
    // R1: due 7 Feb 2024, seen 1 Mar 2024: 23 days late. R2: due 17 Apr 2025, 7 days left.
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(evidence(&r[0], "late_by"), Some("23 days"));
    assert_eq!(r[1].status, Status::DueSoon);
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<MentalHealthAccess>("").is_ok());
    assert!(validate_settings::<MentalHealthAccess>("{}").is_ok());
    assert!(validate_settings::<MentalHealthAccess>(r#"{"wait_days": 14}"#).is_ok());
    let err = validate_settings::<MentalHealthAccess>(r#"{"wait_days": 29}"#).unwrap_err();
    assert!(err.contains("at most 28"), "{err}");
    assert!(validate_settings::<MentalHealthAccess>(r#"{"wait_days": 0}"#).is_err());
    assert!(validate_settings::<MentalHealthAccess>(r#"{"waitdays": 14}"#).is_err());
    // A 14-day wait: referred 3 Mar 2025, due 17 Mar; seen 20 Mar is 3 days late.
    let mut ctx = context_with_settings(ymd(2025, 4, 10), r#"{"wait_days": 14}"#);
    let v = with_referrals(
        vec![referral("R1", "2025-03-03", Some("2025-03-20"))],
        json!([]),
    );
    let r = evaluate_json::<MentalHealthAccess>(&ctx, &v.to_string()).expect("evaluates");
    assert_eq!(r[0].due, Some(ymd(2025, 3, 17)));
    assert_eq!(r[0].status, Status::Breach);
    ctx.settings = r#"{"wait_days": 40}"#.into();
    assert!(evaluate_json::<MentalHealthAccess>(&ctx, &v.to_string()).is_err());
}

#[test]
fn metadata_is_complete() {
    let m = describe::<MentalHealthAccess>();
    assert_eq!(m.id, "mental-health-access");
    assert_eq!(m.author, "carecheck");
    assert_eq!(m.checks.len(), 1);
    assert_eq!(
        m.check("referral-seen").map(|c| c.basis),
        Some(Basis::Guidance)
    );
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(schema["properties"]["wait_days"]["default"], json!(28));
}

#[test]
fn the_declared_reads_are_enough() {
    // A full record with fields the policy does not read; the host removes them.
    let full = json!({
        "child": {"id": "C1", "responsible_authority": "E09000001", "name": "Not read"},
        "placements": [
            {"id": "P1", "start": "2024-06-01", "provider": "X", "postcode": "AB1 2CD"},
            {"id": "P2", "start": "2025-03-10", "location_authority": "E09000002"}
        ],
        "health": {
            "assessments": [{"kind": "initial", "date": "2024-06-20"}],
            "mental_health_referrals": [
                {"id": "R1", "service": "CAMHS", "referred": "2025-03-03", "accepted": "2025-03-05"},
                {"id": "R2", "service": "CAMHS", "referred": "2024-09-01", "first_seen": "2024-09-20"}
            ]
        }
    });
    let ctx = context(ymd(2025, 4, 10));
    let a = assert_reads_suffice::<MentalHealthAccess>(&ctx, &full);
    assert_eq!(evidence(&a[0], "moved_while_waiting"), Some("P2"));
    assert!(evaluate_json::<MentalHealthAccess>(&ctx, "not json").is_err());
}
