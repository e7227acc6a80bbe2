//! Hand-worked cases. Months are calendar months clipped to the month's end
//! (31 Aug + 6 months = 29 Feb in a leap year).

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, context, context_with_settings, current, evidence,
    of, one_about, run, run_with, ssda903_only, trimmed, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

/// A record holding just these caregivers.
fn with_caregivers(caregivers: Value) -> Value {
    json!({ "caregivers": caregivers })
}

/// A foster carer with everything in order on 10 Jun 2025.
fn good_foster() -> Value {
    json!({
        "id": "C1",
        "kind": "foster",
        "from": "2024-01-15",
        "approval_date": "2023-08-31",
        "supervising_social_worker": "SSW-17",
        "unannounced_visits": ["2024-07-01", "2025-03-01"],
        "wellbeing_support": [
            {"date": "2024-12-01", "kind": "offer"},
            {"date": "2024-05-01", "kind": "contact"}
        ],
        "told_of_local_offer": "2024-01-20",
        "mental_health_training_completed": "2024-08-30"
    })
}

#[test]
fn a_foster_carer_with_everything_in_order() {
    let r = run::<CaregiverSupport>(ymd(2025, 6, 10), with_caregivers(json!([good_foster()])));
    // Caring since 15 Jan 2024, no support before it: the first support was due 15 Jan 2025
    // (met by the contact of 1 May 2024), the second 1 May 2025 (met by the offer of
    // 1 Dec 2024), the third 1 Dec 2025. Approved 31 Aug 2023: the first visit was due
    // 31 Aug 2024 (met 1 Jul 2024), the second 1 Jul 2025 (met 1 Mar 2025), the third
    // 1 Mar 2026. Three results each, and one each for the other three checks.
    assert_eq!(r.len(), 9);
    let dues =
        |check: &str| -> Vec<Option<NaiveDate>> { of(&r, check).iter().map(|x| x.due).collect() };
    assert_eq!(
        dues("wellbeing-support"),
        [
            Some(ymd(2025, 1, 15)),
            Some(ymd(2025, 5, 1)),
            Some(ymd(2025, 12, 1))
        ]
    );
    assert_eq!(
        dues("unannounced-visit"),
        [
            Some(ymd(2024, 8, 31)),
            Some(ymd(2025, 7, 1)),
            Some(ymd(2026, 3, 1))
        ]
    );
    // Current: the next support and visit, the local offer and the social worker; the
    // training, completed, is history.
    assert_eq!(current(&r).len(), 4);
    // Done or not yet due (upcoming, not met: the next support and visit lie ahead).
    assert!(
        r.iter()
            .all(|x| matches!(x.status, Status::Met | Status::Upcoming)),
        "{r:#?}"
    );
    // Latest support 1 Dec 2024 + 12 months = 1 Dec 2025; from 10 Jun 2025 that is
    // 20 (rest of June) + 31 + 31 + 30 + 31 + 30 + 1 = 174 days away.
    let w = one_about(&r, "wellbeing-support", "caregiver C1");
    assert_eq!(w.due, Some(ymd(2025, 12, 1)));
    assert_eq!(
        w.message,
        "Next wellbeing support for foster carer C1 (last an offer on 1 Dec 2024) is due by 1 Dec 2025, in 174 days."
    );
    assert_eq!(
        one_about(&r, "local-offer", "caregiver C1").message,
        "Foster carer C1 was told of the local offer of services on 20 Jan 2024."
    );
    // Approved 31 Aug 2023 + 12 months = 31 Aug 2024; trained 30 Aug 2024.
    let t = one_about(&r, "mental-health-training", "caregiver C1");
    assert_eq!(t.due, Some(ymd(2024, 8, 31)));
    assert_eq!(
        t.message,
        "Mental health training for foster carer C1 (approved 31 Aug 2023) was due by 31 Aug 2024 and was completed on 30 Aug 2024."
    );
    assert_eq!(
        one_about(&r, "supervising-social-worker", "caregiver C1").message,
        "Foster carer C1 has a named supervising social worker."
    );
    // Last visit 1 Mar 2025 + 12 months = 1 Mar 2026.
    let v = one_about(&r, "unannounced-visit", "caregiver C1");
    assert_eq!(v.due, Some(ymd(2026, 3, 1)));
    assert_eq!(
        v.message,
        "Next unannounced visit to foster carer C1 (last visited 1 Mar 2025) is due by 1 Mar 2026, in 264 days."
    );
}

#[test]
fn thirty_first_of_august_plus_six_months_is_29_february() {
    // A local authority tightening training to 6 months: approved 31 Aug 2023 + 6 months =
    // 31 Feb 2024, clipped to 29 Feb 2024 (leap year). Trained 30 Aug 2024: 183 days late.
    let s = CaregiverSettings {
        training_months: 6,
        ..CaregiverSettings::default()
    };
    let r = run_with::<CaregiverSupport>(
        ymd(2025, 6, 10),
        with_caregivers(json!([good_foster()])),
        &s,
    );
    let t = one_about(&r, "mental-health-training", "caregiver C1");
    assert_eq!(t.due, Some(ymd(2024, 2, 29)));
    assert_eq!(t.status, Status::Breach);
    assert_eq!(
        t.message,
        "Mental health training for foster carer C1 (approved 31 Aug 2023) was due by 29 Feb 2024 and was completed on 30 Aug 2024, 183 days late."
    );
}

#[test]
fn family_and_friends_carers_have_18_months_for_training() {
    let carer = |trained: Option<&str>| {
        json!([{
            "id": "C2", "kind": "family-and-friends", "from": "2024-01-05",
            "approval_date": "2024-01-10", "supervising_social_worker": "SSW-3",
            "mental_health_training_completed": trained
        }])
    };
    // Approved 10 Jan 2024 + 18 months = 10 Jul 2025; on 20 Jun 2025, 20 days left.
    let r = run::<CaregiverSupport>(ymd(2025, 6, 20), with_caregivers(carer(None)));
    let t = one_about(&r, "mental-health-training", "caregiver C2");
    assert_eq!(t.status, Status::DueSoon);
    assert_eq!(
        t.message,
        "Mental health training for family and friends carer C2 (approved 10 Jan 2024) is due by 10 Jul 2025, in 20 days."
    );
    // Completed on the last day: met. The day after: 1 day late.
    let r = run::<CaregiverSupport>(ymd(2025, 7, 15), with_caregivers(carer(Some("2025-07-10"))));
    assert_eq!(
        one_about(&r, "mental-health-training", "caregiver C2").status,
        Status::Met
    );
    let r = run::<CaregiverSupport>(ymd(2025, 7, 15), with_caregivers(carer(Some("2025-07-11"))));
    let t = one_about(&r, "mental-health-training", "caregiver C2");
    assert_eq!(t.status, Status::Breach);
    assert_eq!(evidence(t, "training_completed"), Some("2025-07-11"));
    // The same carer approved as a foster carer would have had 12 months: due 10 Jan 2025.
    let mut foster = carer(None);
    foster[0]["kind"] = json!("foster");
    let r = run::<CaregiverSupport>(ymd(2025, 6, 20), with_caregivers(foster));
    let t = one_about(&r, "mental-health-training", "caregiver C2");
    assert_eq!(t.due, Some(ymd(2025, 1, 10)));
    assert_eq!(t.status, Status::Breach);
    assert_eq!(
        t.message,
        "Mental health training for foster carer C2 (approved 10 Jan 2024) was due by 10 Jan 2025 and is 161 days overdue."
    );
}

#[test]
fn residential_adoptive_and_special_guardian_caregivers() {
    let r = run::<CaregiverSupport>(
        ymd(2025, 6, 10),
        with_caregivers(json!([
            {"id": "C3", "kind": "residential", "from": "2025-01-01"},
            {"id": "C4", "kind": "adoptive", "from": "2025-02-01", "told_of_local_offer": "2025-02-01"},
            {"id": "C5", "kind": "special-guardian", "from": "2024-06-10"}
        ])),
    );
    assert_eq!(r.len(), 15);
    // Residential: training due 12 months after caring began (1 Jan 2026), not yet due.
    let t = one_about(&r, "mental-health-training", "caregiver C3");
    assert_eq!(t.status, Status::Upcoming);
    assert_eq!(t.due, Some(ymd(2026, 1, 1)));
    assert_eq!(
        t.message,
        "Mental health training for residential caregiver C3 (caring since 1 Jan 2025) is due by 1 Jan 2026, in 205 days."
    );
    let n = one_about(&r, "supervising-social-worker", "caregiver C3");
    assert_eq!(n.status, Status::NotApplicable);
    assert_eq!(
        n.message,
        "Residential caregiver C3 is not a foster or family and friends carer, so the fostering supervision standard does not apply."
    );
    assert_eq!(
        one_about(&r, "unannounced-visit", "caregiver C3").status,
        Status::NotApplicable
    );
    // Adoptive parent: no training standard, no fostering supervision; support and local offer apply.
    let t = one_about(&r, "mental-health-training", "caregiver C4");
    assert_eq!(t.status, Status::NotApplicable);
    assert_eq!(
        t.message,
        "Adoptive parent C4 is caring as a parent, not as part of the children's workforce, so the mental health training standard for carers and staff does not apply."
    );
    assert_eq!(
        one_about(&r, "local-offer", "caregiver C4").status,
        Status::Met
    );
    // Special guardian from 10 Jun 2024 with no support recorded: due 10 Jun 2025, today.
    let w = one_about(&r, "wellbeing-support", "caregiver C5");
    assert_eq!(w.status, Status::DueSoon);
    assert_eq!(
        w.message,
        "Wellbeing support for special guardian C5 (none recorded since caring began on 10 Jun 2024) is due today (10 Jun 2025)."
    );
    let l = one_about(&r, "local-offer", "caregiver C5");
    assert_eq!(l.status, Status::Breach);
    assert_eq!(
        l.message,
        "There is no record that special guardian C5 has been told which statutory and non-statutory services are available locally; tell them and record the date."
    );
    assert_eq!(
        evidence(l, "missing_field"),
        Some("caregivers[].told_of_local_offer")
    );
}

#[test]
fn wellbeing_support_overdue_the_day_after() {
    // Latest contact 9 Jun 2024 + 12 months = 9 Jun 2025; on 10 Jun 2025 it is 1 day overdue.
    let mut c = good_foster();
    c["wellbeing_support"] = json!([{"date": "2024-06-09", "kind": "contact"}]);
    let r = run::<CaregiverSupport>(ymd(2025, 6, 10), with_caregivers(json!([c])));
    let w = one_about(&r, "wellbeing-support", "caregiver C1");
    assert_eq!(w.status, Status::Breach);
    assert_eq!(
        w.message,
        "Next wellbeing support for foster carer C1 (last a contact on 9 Jun 2024) was due by 9 Jun 2025 and is 1 day overdue."
    );
    // Support recorded before this caregiver began caring for the child still counts:
    // an offer on 20 Dec 2023 (before from = 15 Jan 2024) gives due 20 Dec 2024, not yet due on
    // 10 Jun 2024 (rather than 15 Jan 2025, 12 months after caring began).
    let mut c = good_foster();
    c["wellbeing_support"] = json!([{"date": "2023-12-20", "kind": "offer"}]);
    let r = run::<CaregiverSupport>(ymd(2024, 6, 10), with_caregivers(json!([c])));
    let w = one_about(&r, "wellbeing-support", "caregiver C1");
    assert_eq!(w.due, Some(ymd(2024, 12, 20)));
    assert_eq!(w.status, Status::Upcoming);
}

#[test]
fn unannounced_visits_each_year_of_approval() {
    // Approved Thu 29 Feb 2024, no visit: due 29 Feb 2024 + 12 months = 28 Feb 2025 (2025 is a
    // common year); on 10 Mar 2025, 10 days overdue. A visit before approval does not count.
    let carer = |visits: Value| {
        json!([{
            "id": "C1", "kind": "foster", "from": "2024-03-01",
            "approval_date": "2024-02-29", "supervising_social_worker": "SSW-1",
            "unannounced_visits": visits
        }])
    };
    let r = run::<CaregiverSupport>(
        ymd(2025, 3, 10),
        with_caregivers(carer(json!(["2024-02-01"]))),
    );
    let v = one_about(&r, "unannounced-visit", "caregiver C1");
    assert_eq!(v.status, Status::Breach);
    assert_eq!(v.due, Some(ymd(2025, 2, 28)));
    assert_eq!(
        v.message,
        "First unannounced visit to foster carer C1 (approved 29 Feb 2024) was due by 28 Feb 2025 and is 10 days overdue."
    );
    // Still in the first year of approval (evaluated 1 Dec 2024): not yet due.
    let r = run::<CaregiverSupport>(ymd(2024, 12, 1), with_caregivers(carer(json!([]))));
    assert_eq!(
        one_about(&r, "unannounced-visit", "caregiver C1").status,
        Status::Upcoming
    );
    // Last visit 10 Jun 2024: due 10 Jun 2025, due today on 10 Jun, a breach the day after.
    let r = run::<CaregiverSupport>(
        ymd(2025, 6, 10),
        with_caregivers(carer(json!(["2024-06-10"]))),
    );
    assert_eq!(
        one_about(&r, "unannounced-visit", "caregiver C1").status,
        Status::DueSoon
    );
    let r = run::<CaregiverSupport>(
        ymd(2025, 6, 11),
        with_caregivers(carer(json!(["2024-06-10"]))),
    );
    let v = one_about(&r, "unannounced-visit", "caregiver C1");
    assert_eq!(v.status, Status::Breach);
    assert_eq!(
        v.message,
        "Next unannounced visit to foster carer C1 (last visited 10 Jun 2024) was due by 10 Jun 2025 and is 1 day overdue."
    );
}

#[test]
fn missing_supervising_social_worker_and_approval_date() {
    let r = run::<CaregiverSupport>(
        ymd(2025, 6, 10),
        with_caregivers(
            json!([{"id": "C6", "kind": "family-and-friends", "from": "2025-05-01", "supervising_social_worker": "  "}]),
        ),
    );
    let n = one_about(&r, "supervising-social-worker", "caregiver C6");
    assert_eq!(n.status, Status::Breach);
    assert_eq!(
        n.message,
        "No supervising social worker is recorded for family and friends carer C6; the fostering service must name one."
    );
    for check in ["mental-health-training", "unannounced-visit"] {
        let x = one_about(&r, check, "caregiver C6");
        assert_eq!(x.status, Status::InsufficientData, "{check}");
        assert_eq!(
            evidence(x, "missing_field"),
            Some("caregivers[].approval_date")
        );
    }
    assert_eq!(
        one_about(&r, "mental-health-training", "caregiver C6").message,
        "No approval date is recorded for family and friends carer C6, so the deadline for mental health training cannot be worked out; record the approval date."
    );
}

#[test]
fn future_dated_rows_are_data_errors() {
    // Evaluated 10 Jun 2025. Caring since 15 Jan 2024 with no support before it: the first
    // support was due 15 Jan 2025 and the offer of 1 Jun 2024 met it; the next was due
    // 1 Jun 2025. An offer dated 1 Jul 2025 may be that one: one cause, one result, the
    // outstanding support as insufficient_data, keeping its due date. Likewise the visits:
    // approved 31 Aug 2023, visited 1 May 2024 (met the first, due 31 Aug 2024), the next due
    // 1 May 2025; a visit dated 12 Jun 2025 is that occurrence's data error.
    let mut c = good_foster();
    c["wellbeing_support"] = json!([
        {"date": "2025-07-01", "kind": "offer"},
        {"date": "2024-06-01", "kind": "offer"}
    ]);
    c["unannounced_visits"] = json!(["2025-06-12", "2024-05-01"]);
    c["told_of_local_offer"] = json!("2025-06-11");
    c["mental_health_training_completed"] = json!("2025-12-01");
    let r = run::<CaregiverSupport>(ymd(2025, 6, 10), with_caregivers(json!([c])));
    let w = of(&r, "wellbeing-support");
    assert_eq!(w.len(), 2);
    assert_eq!(
        (w[0].status, w[0].due),
        (Status::Met, Some(ymd(2025, 1, 15)))
    );
    assert_eq!(w[0].subject, "caregiver C1, wellbeing support 2024-06-01");
    assert_eq!(
        (w[1].status, w[1].due),
        (Status::InsufficientData, Some(ymd(2025, 6, 1)))
    );
    assert_eq!(
        w[1].message,
        "A wellbeing support entry for foster carer C1 is dated 1 Jul 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted: until then it cannot be told whether the wellbeing support due by 1 Jun 2025 was offered."
    );
    assert!(w[1].current);
    let v = one_about(&r, "unannounced-visit", "caregiver C1");
    assert_eq!(
        (v.status, v.due),
        (Status::InsufficientData, Some(ymd(2025, 5, 1)))
    );
    assert_eq!(
        evidence(v, "missing_field"),
        Some("caregivers[].unannounced_visits[]")
    );
    let l = one_about(&r, "local-offer", "caregiver C1");
    assert_eq!(l.status, Status::InsufficientData);
    assert_eq!(
        l.message,
        "The record that foster carer C1 was told of the local offer is dated 11 Jun 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted."
    );
    let t = one_about(&r, "mental-health-training", "caregiver C1");
    assert_eq!(t.status, Status::InsufficientData);
    assert_eq!(
        evidence(t, "missing_field"),
        Some("caregivers[].mental_health_training_completed")
    );
}

#[test]
fn only_current_caregivers_are_checked() {
    let r = run::<CaregiverSupport>(
        ymd(2025, 6, 10),
        with_caregivers(json!([
            {"id": "OLD", "kind": "foster", "from": "2023-01-01", "to": "2025-06-09"},
            {"id": "NEXT", "kind": "foster", "from": "2025-06-11"}
        ])),
    );
    assert_eq!(r.len(), 5);
    assert!(
        r.iter()
            .all(|x| x.status == Status::NotApplicable && x.subject == "record")
    );
    assert_eq!(
        r[0].message,
        "No caregiver is recorded as caring for the child on 10 Jun 2025, so there is no caregiver to check."
    );
    // Caring ends on the evaluation date, or begins on it: current.
    let r = run::<CaregiverSupport>(
        ymd(2025, 6, 10),
        with_caregivers(json!([
            {"id": "A", "kind": "residential", "from": "2023-01-01", "to": "2025-06-10"},
            {"id": "B", "kind": "residential", "from": "2025-06-10"}
        ])),
    );
    assert_eq!(r.len(), 10);
    assert!(r.iter().any(|x| x.subject == "caregiver A"));
    assert!(r.iter().any(|x| x.subject == "caregiver B"));
    // No caregiver at all.
    let r = run::<CaregiverSupport>(ymd(2025, 6, 10), with_caregivers(json!([])));
    assert_eq!(r.len(), 5);
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<CaregiverSupport>("").is_ok());
    assert!(
        validate_settings::<CaregiverSupport>(
            r#"{"support_months": 6, "training_months": 9, "family_and_friends_training_months": 12, "unannounced_visit_months": 6}"#
        )
        .is_ok()
    );
    for loose in [
        r#"{"support_months": 13}"#,
        r#"{"training_months": 13}"#,
        r#"{"family_and_friends_training_months": 19}"#,
        r#"{"unannounced_visit_months": 24}"#,
        r#"{"support_months": 0}"#,
        r#"{"unknown": 1}"#,
    ] {
        assert!(
            validate_settings::<CaregiverSupport>(loose).is_err(),
            "{loose}"
        );
    }
    let err =
        validate_settings::<CaregiverSupport>(r#"{"family_and_friends_training_months": 19}"#)
            .unwrap_err();
    assert!(err.contains("at most 18"), "{err}");
    // Tightened support to 6 months: the 1 Dec 2024 offer is due again by 1 Jun 2025, overdue.
    let ctx = context_with_settings(ymd(2025, 6, 10), r#"{"support_months": 6}"#);
    let record = json!({"caregivers": [good_foster()]}).to_string();
    let r = evaluate_json::<CaregiverSupport>(&ctx, &record).expect("evaluates");
    let w = one_about(&r, "wellbeing-support", "caregiver C1");
    assert_eq!(w.due, Some(ymd(2025, 6, 1)));
    assert_eq!(w.status, Status::Breach);
}

#[test]
fn metadata_is_complete() {
    let m = describe::<CaregiverSupport>();
    assert_eq!(m.id, "caregiver-support");
    let ids: Vec<&str> = m.checks.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(
        ids,
        [
            "wellbeing-support",
            "local-offer",
            "mental-health-training",
            "supervising-social-worker",
            "unannounced-visit"
        ]
    );
    assert!(m.checks.iter().all(|c| c.basis == Basis::Guidance));
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(
        schema["properties"]["family_and_friends_training_months"]["default"],
        json!(18)
    );
}

#[test]
fn the_declared_reads_are_enough() {
    let mut c = good_foster();
    c["wellbeing_support"][0]["description"] = json!("Support group invitation");
    let full = json!({
        "child": {"id": "X1", "name": "Not read", "date_of_birth": "2015-01-01"},
        "placements": [{"id": "P1", "start": "2024-01-15"}],
        "caregivers": [c, {"id": "C3", "kind": "residential", "from": "2025-01-01", "to": null}]
    });
    let trimmed = trimmed::<CaregiverSupport>(&full);
    assert!(trimmed.get("child").is_none());
    let a = assert_reads_suffice::<CaregiverSupport>(&context(ymd(2025, 6, 10)), &full);
    // Nine for the foster carer (above), five for the residential caregiver.
    assert_eq!(a.len(), 14);
}

/// An SSDA903 return supplies no caregivers: every check is `insufficient_data` naming
/// `caregivers`, never a breach, however the record's caregivers look.
#[test]
fn an_ssda903_only_record_cannot_show_caregivers() {
    let record = ssda903_only(with_caregivers(json!([good_foster()])));
    let r = assert_reads_suffice::<CaregiverSupport>(&context(ymd(2025, 6, 10)), &record);
    assert_eq!(r.len(), 5);
    assert_not_supplied(&r, "caregivers");
}

/// 31 Aug + 12 months = 31 Aug; a visit on the due date itself is on time; 29 Feb approvals.
#[test]
fn visits_due_on_awkward_dates() {
    // Approved Thu 29 Feb 2024 + 12 months = 28 Feb 2025 (2025 is a common year); visited on
    // 28 Feb 2025 itself: met; the next due 28 Feb 2026; on 1 Mar 2026, 1 day overdue.
    let carer = json!([{
        "id": "C1", "kind": "foster", "from": "2024-03-01",
        "approval_date": "2024-02-29", "supervising_social_worker": "SSW-1",
        "unannounced_visits": ["2025-02-28"]
    }]);
    let r = run::<CaregiverSupport>(ymd(2026, 3, 1), with_caregivers(carer));
    let v = of(&r, "unannounced-visit");
    assert_eq!(
        (v[0].status, v[0].due),
        (Status::Met, Some(ymd(2025, 2, 28)))
    );
    assert_eq!(
        (v[1].status, v[1].due),
        (Status::Breach, Some(ymd(2026, 2, 28)))
    );
    assert_eq!(
        v[1].message,
        "Next unannounced visit to foster carer C1 (last visited 28 Feb 2025) was due by 28 Feb 2026 and is 1 day overdue."
    );
}
