//! Hand-worked cases. "Within N working days of D": D does not count; day 1 is the next working
//! day (not a weekend, Christmas Day, Good Friday or bank holiday).

use super::*;
use carecheck_sdk::testing::{
    assert_local_messages, assert_not_supplied, assert_reads_suffice, context,
    context_with_settings, current, evidence, one_about, run, ssda903_only, trimmed, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

/// A child of authority E09000001 with these placements.
fn with_placements(placements: Value) -> Value {
    json!({"child": {"responsible_authority": "E09000001"}, "placements": placements})
}

/// Moved on Mon 3 Mar 2025 from an in-area placement to a distant one with everything in order.
fn good_move() -> Value {
    json!([
        {"id": "P1", "start": "2024-01-01", "end": "2025-03-02", "location_authority": "E09000001"},
        {
            "id": "P2", "start": "2025-03-03", "location_authority": "E08000025",
            "distant": true, "area_authority_notified": "2025-02-28", "director_approved": "2025-03-03",
            "health_commissioner": "NHS Birmingham and Solihull ICB",
            "mental_health_service": {"service": "Birmingham CAMHS", "assigned": "2025-03-31"}
        }
    ])
}

#[test]
fn a_placement_change_to_a_distant_placement_done_right() {
    // P1 (in area) ended before the 12-month window and is not current: not checked.
    // P2: service due 20 working days after Mon 3 Mar 2025: 4-7 Mar = 1-4, 10-14 = 5-9,
    // 17-21 = 10-14, 24-28 = 15-19, Mon 31 Mar = 20. Named on 31 Mar: the last day, on time.
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(good_move()));
    assert_eq!(r.len(), 4);
    assert!(
        r.iter()
            .all(|x| x.status == Status::Met && x.subject == "placement P2"),
        "{r:#?}"
    );
    let n = one_about(&r, "area-authority-notified", "placement P2");
    assert_eq!(n.due, Some(ymd(2025, 3, 3)));
    assert_eq!(
        n.message,
        "Notice to the area authority (E08000025) of placement P2 (started 3 Mar 2025) was due by 3 Mar 2025 and was given on 28 Feb 2025."
    );
    assert_eq!(evidence(n, "location_authority"), Some("E08000025"));
    assert_eq!(
        one_about(&r, "distant-placement-approved", "placement P2").message,
        "The director's approval of distant placement P2 in E08000025 was due by 3 Mar 2025 and was given on 3 Mar 2025."
    );
    assert_eq!(
        one_about(&r, "health-commissioner-recorded", "placement P2").message,
        "The health commissioner responsible for the child in placement P2 is recorded as NHS Birmingham and Solihull ICB."
    );
    let sv = one_about(&r, "mental-health-service-named", "placement P2");
    assert_eq!(sv.due, Some(ymd(2025, 3, 31)));
    assert_eq!(
        sv.message,
        "Naming the child's mental health service for placement P2 (started 3 Mar 2025) was done on 31 Mar 2025, by 31 Mar 2025 (local timescale: 20 working days)."
    );
}

#[test]
fn late_and_missing_steps() {
    let mut p = good_move();
    // Approved Tue 4 Mar (a day after the move), service named Tue 1 Apr (a day late),
    // no commissioner, no notice.
    p[1]["director_approved"] = json!("2025-03-04");
    p[1]["mental_health_service"]["assigned"] = json!("2025-04-01");
    p[1]["health_commissioner"] = Value::Null;
    p[1]["area_authority_notified"] = Value::Null;
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(p));
    // Statutory and guidance steps missed are breaches; the service named a day after the local
    // timescale is a warning.
    let statuses: Vec<Status> = r.iter().map(|x| x.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Breach,
            Status::Breach,
            Status::Breach,
            Status::Warning
        ],
        "{r:#?}"
    );
    // 3 Mar to 10 Jun 2025: 28 (rest of March) + 30 + 31 + 10 = 99 days.
    assert_eq!(
        one_about(&r, "area-authority-notified", "placement P2").message,
        "Notice to the area authority (E08000025) of placement P2 (started 3 Mar 2025) was due by 3 Mar 2025 and is 99 days overdue."
    );
    assert_eq!(
        one_about(&r, "distant-placement-approved", "placement P2").message,
        "The director's approval of distant placement P2 in E08000025 was due by 3 Mar 2025 and was given on 4 Mar 2025, 1 day late."
    );
    let c = one_about(&r, "health-commissioner-recorded", "placement P2");
    assert_eq!(
        c.message,
        "No health commissioner is recorded for placement P2 in E08000025; record which ICB is responsible for the child's health (normally the placing authority's, under Who Pays?)."
    );
    assert_eq!(c.due, None);
    assert_eq!(
        one_about(&r, "mental-health-service-named", "placement P2").message,
        "Naming the child's mental health service for placement P2 (started 3 Mar 2025) was done on 1 Apr 2025, 1 day after 31 Mar 2025 (local timescale: 20 working days)."
    );
}

#[test]
fn emergency_placement_over_christmas() {
    // Emergency placement Fri 20 Dec 2024: Mon 23 = 1, Tue 24 = 2, Christmas and Boxing Day
    // skipped, Fri 27 = 3, Mon 30 = 4, Tue 31 Dec = 5. Notice on 2 Jan 2025: 2 days late.
    let p = |notified: &str| {
        json!([{
            "id": "P3", "start": "2024-12-20", "end": "2025-01-15", "location_authority": "E06000001",
            "emergency": true, "distant": false, "area_authority_notified": notified,
            "health_commissioner": "NHS North East and North Cumbria ICB"
        }])
    };
    // Ended, but started within the 12 months before 10 Jun 2025: still checked.
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(p("2025-01-02")));
    let n = one_about(&r, "area-authority-notified", "placement P3");
    assert_eq!(n.due, Some(ymd(2024, 12, 31)));
    assert_eq!(n.status, Status::Breach);
    assert_eq!(
        n.message,
        "Notice to the area authority (E06000001) of emergency placement P3 (started 20 Dec 2024) was due by 31 Dec 2024 and was given on 2 Jan 2025, 2 days late."
    );
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(p("2024-12-31")));
    assert_eq!(
        one_about(&r, "area-authority-notified", "placement P3").status,
        Status::Met
    );
    // Adjoining authority: no director's approval needed.
    let d = one_about(&r, "distant-placement-approved", "placement P3");
    assert_eq!(d.status, Status::NotApplicable);
    assert_eq!(
        d.message,
        "Placement P3 is in an adjoining authority (E06000001), not at a distance, so the director's approval is not needed."
    );
    // Service due 20 working days after 20 Dec 2024: 23, 24, 27, 30, 31 Dec = 1-5; 1 Jan skipped;
    // 2-3 Jan = 6-7; 6-10 = 8-12; 13-17 = 13-17; 20, 21, 22 Jan = 18-20. The placement ended on
    // 15 Jan, before that, with no service named: nothing was owed.
    let sv = one_about(&r, "mental-health-service-named", "placement P3");
    assert_eq!(sv.status, Status::NotApplicable);
    assert_eq!(sv.due, Some(ymd(2025, 1, 22)));
    assert_eq!(
        sv.message,
        "Placement P3 ended on 15 Jan 2025, before the local timescale for naming a mental health service ran out on 22 Jan 2025 (local timescale: 20 working days)."
    );
}

#[test]
fn one_off_bank_holidays_in_2022() {
    // Emergency placement Fri 27 May 2022: Mon 30 = 1, Tue 31 = 2, Wed 1 Jun = 3; Thu 2 Jun
    // (moved spring bank holiday) and Fri 3 Jun (Platinum Jubilee) skipped; Mon 6 = 4, Tue 7 = 5.
    let p = |start: &str, notified: &str| {
        json!([{
            "id": "P4", "start": start, "location_authority": "E10000014", "emergency": true,
            "distant": true, "director_approved": start, "area_authority_notified": notified
        }])
    };
    let r = run::<OutOfAreaResponsibility>(
        ymd(2022, 6, 10),
        with_placements(p("2022-05-27", "2022-06-07")),
    );
    let n = one_about(&r, "area-authority-notified", "placement P4");
    assert_eq!(n.due, Some(ymd(2022, 6, 7)));
    assert_eq!(n.status, Status::Met);
    let r = run::<OutOfAreaResponsibility>(
        ymd(2022, 6, 10),
        with_placements(p("2022-05-27", "2022-06-08")),
    );
    assert_eq!(
        one_about(&r, "area-authority-notified", "placement P4").status,
        Status::Breach
    );
    // Fri 16 Sep 2022: Mon 19 Sep (state funeral) skipped; Tue 20 = 1 ... Fri 23 = 4, Mon 26 = 5.
    let r = run::<OutOfAreaResponsibility>(
        ymd(2022, 9, 30),
        with_placements(p("2022-09-16", "2022-09-26")),
    );
    let n = one_about(&r, "area-authority-notified", "placement P4");
    assert_eq!(n.due, Some(ymd(2022, 9, 26)));
    assert_eq!(n.status, Status::Met);
}

#[test]
fn service_deadline_across_easter_2026() {
    // Fri 27 Mar 2026 + 20 working days, skipping Good Friday 3 Apr and Easter Monday 6 Apr:
    // Tue 28 Apr 2026.
    let p = json!([{"id": "P5", "start": "2026-03-27", "location_authority": "E08000025", "distant": true,
                    "director_approved": "2026-03-20", "area_authority_notified": "2026-03-20",
                    "health_commissioner": "NHS Birmingham and Solihull ICB"}]);
    let r = run::<OutOfAreaResponsibility>(ymd(2026, 4, 10), with_placements(p.clone()));
    let sv = one_about(&r, "mental-health-service-named", "placement P5");
    assert_eq!(sv.due, Some(ymd(2026, 4, 28)));
    assert_eq!(sv.status, Status::DueSoon);
    assert_eq!(
        sv.message,
        "Naming the child's mental health service for placement P5 (started 27 Mar 2026) is expected by 28 Apr 2026, in 18 days (local timescale: 20 working days)."
    );
    let r = run::<OutOfAreaResponsibility>(ymd(2026, 5, 1), with_placements(p));
    let sv = one_about(&r, "mental-health-service-named", "placement P5");
    assert_eq!(sv.status, Status::Warning);
    assert_eq!(
        sv.message,
        "Naming the child's mental health service for placement P5 (started 27 Mar 2026) has not been done: 3 days past 28 Apr 2026 (local timescale: 20 working days)."
    );
}

#[test]
fn missing_data() {
    // No location authority for the current placement: insufficient for every check.
    let r = run::<OutOfAreaResponsibility>(
        ymd(2025, 6, 10),
        with_placements(json!([{"id": "P6", "start": "2025-05-01"}])),
    );
    assert_eq!(r.len(), 4);
    assert!(r.iter().all(|x| x.status == Status::InsufficientData));
    assert_eq!(
        evidence(&r[0], "missing_field"),
        Some("placements[].location_authority")
    );
    assert_eq!(
        r[0].message,
        "The local authority placement P6 is in is not recorded, so it cannot be told whether the placement is out of area; record its location authority."
    );
    // Distant not recorded.
    let mut p = good_move();
    p[1]["distant"] = Value::Null;
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(p));
    let d = one_about(&r, "distant-placement-approved", "placement P2");
    assert_eq!(d.status, Status::InsufficientData);
    assert_eq!(evidence(d, "missing_field"), Some("placements[].distant"));
    // No responsible authority: one insufficient result per check about the child.
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), json!({"placements": good_move()}));
    assert_eq!(r.len(), 4);
    assert!(
        r.iter()
            .all(|x| x.status == Status::InsufficientData && x.subject == "child")
    );
    assert_eq!(
        evidence(&r[0], "missing_field"),
        Some("child.responsible_authority")
    );
}

#[test]
fn future_dated_rows_are_data_errors() {
    // Evaluated 10 Jun 2025 with a notice, an approval and an assignment dated later.
    let mut p = good_move();
    p[1]["area_authority_notified"] = json!("2025-06-11");
    p[1]["director_approved"] = json!("2025-07-01");
    p[1]["mental_health_service"]["assigned"] = json!("2025-06-30");
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(p));
    let n = one_about(&r, "area-authority-notified", "placement P2");
    assert_eq!(n.status, Status::InsufficientData);
    assert_eq!(
        evidence(n, "missing_field"),
        Some("placements[].area_authority_notified")
    );
    assert_eq!(
        n.message,
        "The notice to the area authority for placement P2 is dated 11 Jun 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted."
    );
    assert_eq!(
        one_about(&r, "distant-placement-approved", "placement P2").status,
        Status::InsufficientData
    );
    assert_eq!(
        one_about(&r, "mental-health-service-named", "placement P2").status,
        Status::InsufficientData
    );
}

#[test]
fn placements_inside_the_area_or_outside_the_window() {
    // Only in-area placements (codes compared ignoring case): one not_applicable per check.
    let r = run::<OutOfAreaResponsibility>(
        ymd(2025, 6, 10),
        with_placements(json!([
            {"id": "P1", "start": "2024-08-01", "end": "2025-01-31", "location_authority": "e09000001"},
            {"id": "P2", "start": "2025-02-01", "location_authority": " E09000001 "}
        ])),
    );
    assert_eq!(r.len(), 4);
    assert!(
        r.iter()
            .all(|x| x.status == Status::NotApplicable && x.subject == "record")
    );
    assert_eq!(
        r[0].message,
        "Every placement current on 10 Jun 2025 or started in the 12 months before it is inside the responsible authority (E09000001), so the out-of-area duties do not apply."
    );
    // An out-of-area placement that started exactly 12 months before is checked; one that started
    // the day before that, and ended, is not; one that starts after the evaluation date is not.
    let r = run::<OutOfAreaResponsibility>(
        ymd(2025, 6, 10),
        with_placements(json!([
            {"id": "OLD", "start": "2024-06-09", "end": "2024-08-01", "location_authority": "E08000025", "distant": false},
            {"id": "EDGE", "start": "2024-06-10", "end": "2024-08-01", "location_authority": "E08000025", "distant": false},
            {"id": "NEXT", "start": "2025-06-11", "location_authority": "E08000025", "distant": false}
        ])),
    );
    assert_eq!(r.len(), 4);
    assert!(r.iter().all(|x| x.subject == "placement EDGE"));
    // Nothing at all.
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(json!([])));
    assert_eq!(r.len(), 4);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert_eq!(
        r[0].message,
        "No placement is current on 10 Jun 2025 or started in the 12 months before it, so there is no out-of-area placement to check."
    );
}

#[test]
fn deadline_beyond_the_calendar() {
    // Started Thu 20 Dec 2040; 20 working days run past 31 Dec 2040, where the calendar ends.
    let r = run::<OutOfAreaResponsibility>(
        ymd(2041, 1, 10),
        with_placements(
            json!([{"id": "P7", "start": "2040-12-20", "location_authority": "E08000025", "distant": false,
                "area_authority_notified": "2040-12-17"}]),
        ),
    );
    let sv = one_about(&r, "mental-health-service-named", "placement P7");
    assert_eq!(sv.status, Status::InsufficientData);
    assert_eq!(evidence(sv, "missing_field"), Some("calendar"));
    // Notice before a non-emergency placement needs no counting.
    assert_eq!(
        one_about(&r, "area-authority-notified", "placement P7").status,
        Status::Met
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<OutOfAreaResponsibility>("").is_ok());
    assert!(
        validate_settings::<OutOfAreaResponsibility>(
            r#"{"emergency_notification_working_days": 0, "service_working_days": 10}"#
        )
        .is_ok()
    );
    let err = validate_settings::<OutOfAreaResponsibility>(
        r#"{"emergency_notification_working_days": 6}"#,
    )
    .unwrap_err();
    assert!(err.contains("at most 5"), "{err}");
    assert!(
        validate_settings::<OutOfAreaResponsibility>(r#"{"service_working_days": 21}"#).is_err()
    );
    assert!(validate_settings::<OutOfAreaResponsibility>(r#"{"service_days": 10}"#).is_err());
    // 10 working days after Mon 3 Mar 2025 is Mon 17 Mar: the 31 Mar naming is 14 days after the
    // tightened local timescale, a warning.
    let ctx = context_with_settings(ymd(2025, 6, 10), r#"{"service_working_days": 10}"#);
    let record =
        json!({"child": {"responsible_authority": "E09000001"}, "placements": good_move()});
    let r = evaluate_json::<OutOfAreaResponsibility>(&ctx, &record.to_string()).expect("evaluates");
    let sv = one_about(&r, "mental-health-service-named", "placement P2");
    assert_eq!(sv.due, Some(ymd(2025, 3, 17)));
    assert_eq!(evidence(sv, "assigned"), Some("2025-03-31"));
    assert_eq!(sv.status, Status::Warning);
    assert!(
        sv.message
            .ends_with("14 days after 17 Mar 2025 (local timescale: 10 working days)."),
        "{}",
        sv.message
    );
}

#[test]
fn metadata_is_complete() {
    let m = describe::<OutOfAreaResponsibility>();
    assert_eq!(m.id, "out-of-area-responsibility");
    let bases: Vec<(&str, Basis)> = m.checks.iter().map(|c| (c.id.as_ref(), c.basis)).collect();
    assert_eq!(
        bases,
        [
            ("area-authority-notified", Basis::Statutory),
            ("distant-placement-approved", Basis::Statutory),
            ("health-commissioner-recorded", Basis::Guidance),
            ("mental-health-service-named", Basis::Local)
        ]
    );
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(
        schema["properties"]["service_working_days"]["default"],
        json!(20)
    );
}

#[test]
fn the_declared_reads_are_enough() {
    let mut p = good_move();
    p[1]["provider"] = json!("Not read");
    p[1]["postcode"] = json!("B1 1AA");
    let full = json!({
        "child": {"id": "X1", "responsible_authority": "E09000001", "name": "Not read"},
        "placements": p,
        "reviews": [{"date": "2025-03-20"}]
    });
    let trimmed = trimmed::<OutOfAreaResponsibility>(&full);
    assert!(trimmed.get("reviews").is_none());
    let a = assert_reads_suffice::<OutOfAreaResponsibility>(&context(ymd(2025, 6, 10)), &full);
    assert_eq!(a.len(), 4);
}

/// An SSDA903 return supplies the placements but not where they are or the out-of-area steps:
/// with a placement in scope, every check is `insufficient_data` naming
/// `placements.out_of_area`, never a breach. With none in scope, not applicable.
#[test]
fn an_ssda903_only_record_cannot_show_out_of_area_steps() {
    let ctx = context(ymd(2025, 6, 10));
    let r = assert_reads_suffice::<OutOfAreaResponsibility>(
        &ctx,
        &ssda903_only(with_placements(good_move())),
    );
    assert_eq!(r.len(), 4);
    assert_not_supplied(&r, "placements.out_of_area");
    let old = json!([{"id": "P1", "start": "2020-01-06", "end": "2021-03-01"}]);
    let r =
        assert_reads_suffice::<OutOfAreaResponsibility>(&ctx, &ssda903_only(with_placements(old)));
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    // Out-of-area details supplied but not the health ones: the two health checks cannot be told.
    let mut record = with_placements(good_move());
    record["provenance"] = json!({"sections": [
        {"section": "child", "source": "case-system"},
        {"section": "placements.dates", "source": "case-system"},
        {"section": "placements.out_of_area", "source": "case-system"}
    ]});
    let r = assert_reads_suffice::<OutOfAreaResponsibility>(&ctx, &record);
    assert_eq!(r[0].status, Status::Met);
    assert_not_supplied(&r[2..], "placements.health");
}

/// Results for a current placement are current; a placement that has ended, checked because it
/// began in the last 12 months, is history.
#[test]
fn only_current_placements_are_current() {
    let mut p = good_move();
    p[1]["end"] = json!("2025-05-01");
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(p));
    assert_eq!(r.len(), 4);
    assert!(current(&r).is_empty());
    let r = run::<OutOfAreaResponsibility>(ymd(2025, 6, 10), with_placements(good_move()));
    assert_eq!(current(&r).len(), 4);
}

/// Naming the mental health service, whatever its timing, names the local timescale and never
/// reads like a statutory deadline: placement from Mon 3 Mar 2025, expected by Mon 31 Mar 2025
/// (local, 20 working days); a placement ending before then owed nothing.
#[test]
fn naming_the_service_reads_as_a_local_timescale() {
    for (date, assigned, end) in [
        (ymd(2025, 3, 3), None, None),
        (ymd(2025, 3, 20), None, None),
        (ymd(2025, 3, 31), None, None),
        (ymd(2025, 6, 10), None, None),
        (ymd(2025, 6, 10), Some("2025-03-31"), None),
        (ymd(2025, 6, 10), Some("2025-04-01"), None),
        (ymd(2025, 6, 10), None, Some("2025-03-20")),
    ] {
        let mut p = good_move();
        p[1]["mental_health_service"] = match assigned {
            Some(d) => json!({"service": "Birmingham CAMHS", "assigned": d}),
            None => Value::Null,
        };
        p[1]["end"] = json!(end);
        let r = run::<OutOfAreaResponsibility>(date, with_placements(p));
        assert_local_messages::<OutOfAreaResponsibility>(&r);
    }
}
