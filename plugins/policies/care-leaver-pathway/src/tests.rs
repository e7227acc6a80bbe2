//! Hand-worked cases. Ages are whole years (born 29 Feb: a year older on 1 Mar in common years);
//! review intervals are calendar months clipped to the month's end (31 Aug + 6 months = 29 Feb
//! in a leap year).

use super::*;
use carecheck_sdk::testing::{
    assert_reads_suffice, context, context_with_settings, evidence, one_about, run, trimmed, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

fn young_person(dob: &str, leaving_care: Value) -> Value {
    json!({"child": {"date_of_birth": dob}, "leaving_care": leaving_care})
}

fn statuses(r: &[CheckResult]) -> Vec<(String, Status)> {
    r.iter().map(|x| (x.check.clone(), x.status)).collect()
}

#[test]
fn a_care_leaver_with_everything_in_order() {
    // Age 19 on 10 Jun 2025. Last review 20 Jan 2025 + 6 months = 20 Jul 2025, 40 days away.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        young_person(
            "2006-03-15",
            json!({"pathway_plan_reviews": ["2024-07-01", "2025-01-20"],
                   "personal_adviser": {"name": "PA-22", "from": "2024-03-15"},
                   "plan_addresses_mental_health": true}),
        ),
    );
    assert_eq!(r.len(), 3);
    // The next review is not due yet: upcoming, not met.
    assert_eq!(
        statuses(&r),
        [
            ("pathway-plan-review".to_string(), Status::Upcoming),
            ("personal-adviser".to_string(), Status::Met),
            ("plan-addresses-mental-health".to_string(), Status::Met),
        ]
    );
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.due, Some(ymd(2025, 7, 20)));
    assert_eq!(
        p.message,
        "Next pathway plan review (last reviewed 20 Jan 2025) is due by 20 Jul 2025, in 40 days."
    );
    assert_eq!(evidence(p, "age"), Some("19"));
    assert_eq!(
        one_about(&r, "personal-adviser", "personal adviser").message,
        "A personal adviser has been allocated since 15 Mar 2024."
    );
    assert_eq!(
        one_about(&r, "plan-addresses-mental-health", "pathway plan").message,
        "The pathway plan addresses the young person's mental health."
    );
}

#[test]
fn thirty_first_of_august_plus_six_months() {
    // Reviewed 31 Aug 2023 + 6 months = 31 Feb 2024, clipped to 29 Feb 2024 (leap year):
    // due today on 29 Feb, 1 day overdue on 1 Mar.
    let v = young_person(
        "2006-03-15",
        json!({"pathway_plan_reviews": ["2023-08-31"], "personal_adviser": {"name": "PA-22"},
               "plan_addresses_mental_health": true}),
    );
    let r = run::<CareLeaverPathway>(ymd(2024, 2, 29), v.clone());
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.status, Status::DueSoon);
    assert_eq!(
        p.message,
        "Next pathway plan review (last reviewed 31 Aug 2023) is due today (29 Feb 2024)."
    );
    let r = run::<CareLeaverPathway>(ymd(2024, 3, 1), v);
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.status, Status::Breach);
    assert_eq!(
        p.message,
        "Next pathway plan review (last reviewed 31 Aug 2023) was due by 29 Feb 2024 and is 1 day overdue."
    );
    assert_eq!(
        one_about(&r, "personal-adviser", "personal adviser").message,
        "A personal adviser is allocated."
    );
}

#[test]
fn a_child_turning_sixteen_without_a_leaving_care_record() {
    let v = json!({"child": {"date_of_birth": "2009-06-10"}});
    // 15 on 9 Jun 2025: outside the policy.
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 9), v.clone());
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert_eq!(
        r[0].message,
        "The child is 15 on 9 Jun 2025 and has no leaving-care record, so the care-leaver duties do not apply yet."
    );
    // 16 on 10 Jun 2025: the first review is due 10 Dec 2025 (183 days: 20 + 31 + 31 + 30 + 31 + 30 + 10).
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), v);
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.status, Status::Upcoming);
    assert_eq!(
        p.message,
        "First pathway plan review, counted from the 16th birthday on 10 Jun 2025, is due by 10 Dec 2025, in 183 days."
    );
    let a = one_about(&r, "personal-adviser", "personal adviser");
    assert_eq!(a.status, Status::NotApplicable);
    let m = one_about(&r, "plan-addresses-mental-health", "pathway plan");
    assert_eq!(m.status, Status::InsufficientData);
    assert_eq!(evidence(m, "missing_field"), Some("leaving_care"));
}

#[test]
fn under_sixteen_with_a_leaving_care_record() {
    // Born 5 Jan 2010: 15 on 10 Jun 2025. First review due 16th birthday (5 Jan 2026) + 6 months.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        young_person("2010-01-05", json!({"plan_addresses_mental_health": true})),
    );
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.due, Some(ymd(2026, 7, 5)));
    assert_eq!(p.status, Status::Upcoming);
    let a = one_about(&r, "personal-adviser", "personal adviser");
    assert_eq!(a.status, Status::NotApplicable);
    assert_eq!(
        a.message,
        "The child is 15 on 10 Jun 2025, under 16, so a personal adviser is not yet required."
    );
}

#[test]
fn turning_seventeen_changes_nothing() {
    // Born 10 Jun 2008: 16 on 9 Jun 2025, 17 on 10 Jun 2025. Last review 1 Dec 2024 + 6 = 1 Jun 2025.
    let v = young_person(
        "2008-06-10",
        json!({"pathway_plan_reviews": ["2024-12-01"], "plan_addresses_mental_health": false}),
    );
    let at16 = run::<CareLeaverPathway>(ymd(2025, 6, 9), v.clone());
    let at17 = run::<CareLeaverPathway>(ymd(2025, 6, 10), v);
    assert_eq!(statuses(&at16), statuses(&at17));
    assert_eq!(evidence(&at16[0], "age"), Some("16"));
    assert_eq!(evidence(&at17[0], "age"), Some("17"));
    assert_eq!(
        one_about(&at17, "pathway-plan-review", "pathway plan").message,
        "Next pathway plan review (last reviewed 1 Dec 2024) was due by 1 Jun 2025 and is 9 days overdue."
    );
    let a = one_about(&at17, "personal-adviser", "personal adviser");
    assert_eq!(a.status, Status::Breach);
    assert_eq!(
        a.message,
        "No personal adviser is recorded for the young person, who is 17 and leaving care; allocate one."
    );
    let m = one_about(&at17, "plan-addresses-mental-health", "pathway plan");
    assert_eq!(m.status, Status::Breach);
    assert_eq!(
        m.message,
        "The pathway plan does not address the young person's mental health; add it explicitly at the next review."
    );
}

#[test]
fn turning_eighteen_on_a_29_february_birthday() {
    // Born Fri 29 Feb 2008: 16 on 29 Feb 2024 (leap year), 18 on 1 Mar 2026 (common year).
    // No review recorded: due 29 Feb 2024 + 6 months = 29 Aug 2024. On 1 Mar 2026 that is
    // 365 (to 29 Aug 2025) + 2 + 30 + 31 + 30 + 31 + 31 + 28 + 1 = 549 days overdue.
    let v = young_person(
        "2008-02-29",
        json!({"personal_adviser": {"name": "PA-9"}, "plan_addresses_mental_health": true}),
    );
    let at17 = run::<CareLeaverPathway>(ymd(2026, 2, 28), v.clone());
    let at18 = run::<CareLeaverPathway>(ymd(2026, 3, 1), v);
    assert_eq!(evidence(&at17[0], "age"), Some("17"));
    assert_eq!(evidence(&at18[0], "age"), Some("18"));
    assert_eq!(statuses(&at17), statuses(&at18));
    let p = one_about(&at18, "pathway-plan-review", "pathway plan");
    assert_eq!(p.due, Some(ymd(2024, 8, 29)));
    assert_eq!(
        p.message,
        "First pathway plan review, counted from the 16th birthday on 29 Feb 2024, was due by 29 Aug 2024 and is 549 days overdue."
    );
}

#[test]
fn turning_twenty_five_ends_the_duties() {
    let v = young_person(
        "2000-06-10",
        json!({"pathway_plan_reviews": ["2025-01-10"], "personal_adviser": {"name": "PA-1"},
               "plan_addresses_mental_health": true}),
    );
    // 24 on 9 Jun 2025: checked.
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 9), v.clone());
    assert!(
        r.iter()
            .all(|x| matches!(x.status, Status::Met | Status::Upcoming))
    );
    // 25 on 10 Jun 2025: not applicable.
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), v);
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert_eq!(
        r[1].message,
        "The young person is 25 on 10 Jun 2025, and leaving-care support runs until the 25th birthday, so the care-leaver duties no longer apply."
    );
    assert_eq!(r[1].subject, "personal adviser");
}

#[test]
fn missing_data() {
    // No date of birth and no leaving-care record.
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), json!({}));
    assert_eq!(r.len(), 3);
    assert!(
        r.iter()
            .all(|x| evidence(x, "missing_field") == Some("child.date_of_birth"))
    );
    // A leaving-care record with reviews but no date of birth: the interval can still be judged.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        json!({"leaving_care": {"pathway_plan_reviews": ["2025-03-01"], "personal_adviser": {"name": "PA-1"}}}),
    );
    assert_eq!(
        one_about(&r, "pathway-plan-review", "pathway plan").status,
        Status::Upcoming
    );
    let a = one_about(&r, "personal-adviser", "personal adviser");
    assert_eq!(a.status, Status::InsufficientData);
    assert_eq!(evidence(a, "missing_field"), Some("child.date_of_birth"));
    let m = one_about(&r, "plan-addresses-mental-health", "pathway plan");
    assert_eq!(m.status, Status::InsufficientData);
    assert_eq!(
        evidence(m, "missing_field"),
        Some("leaving_care.plan_addresses_mental_health")
    );
    assert_eq!(
        m.message,
        "It is not recorded whether the pathway plan addresses the young person's mental health; record it."
    );
    // No review and no date of birth: the first due date cannot be worked out.
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), json!({"leaving_care": {}}));
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.status, Status::InsufficientData);
    assert_eq!(evidence(p, "missing_field"), Some("child.date_of_birth"));
}

#[test]
fn future_dated_rows_are_data_errors() {
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        young_person(
            "2006-03-15",
            json!({"pathway_plan_reviews": ["2025-01-20", "2025-06-30"],
                   "personal_adviser": {"name": "PA-22", "from": "2025-07-01"},
                   "plan_addresses_mental_health": true}),
        ),
    );
    assert_eq!(r.len(), 4);
    let f = one_about(&r, "pathway-plan-review", "pathway plan review 2025-06-30");
    assert_eq!(f.status, Status::InsufficientData);
    assert_eq!(
        evidence(f, "missing_field"),
        Some("leaving_care.pathway_plan_reviews[]")
    );
    assert_eq!(
        f.message,
        "A pathway plan review is dated 30 Jun 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted."
    );
    // Worked out from 20 Jan 2025, ignoring the future row.
    assert_eq!(
        one_about(&r, "pathway-plan-review", "pathway plan").due,
        Some(ymd(2025, 7, 20))
    );
    let a = one_about(&r, "personal-adviser", "personal adviser");
    assert_eq!(a.status, Status::InsufficientData);
    assert_eq!(
        evidence(a, "missing_field"),
        Some("leaving_care.personal_adviser.from")
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<CareLeaverPathway>("").is_ok());
    assert!(validate_settings::<CareLeaverPathway>(r#"{"review_months": 3}"#).is_ok());
    let err = validate_settings::<CareLeaverPathway>(r#"{"review_months": 7}"#).unwrap_err();
    assert!(err.contains("at most 6"), "{err}");
    assert!(validate_settings::<CareLeaverPathway>(r#"{"review_months": 0}"#).is_err());
    assert!(validate_settings::<CareLeaverPathway>(r#"{"upper_age": 21}"#).is_err());
    // 3 months: 20 Jan 2025 + 3 = 20 Apr 2025, overdue on 10 Jun.
    let ctx = context_with_settings(ymd(2025, 6, 10), r#"{"review_months": 3}"#);
    let v = young_person(
        "2006-03-15",
        json!({"pathway_plan_reviews": ["2025-01-20"]}),
    );
    let r = evaluate_json::<CareLeaverPathway>(&ctx, &v.to_string()).expect("evaluates");
    let p = one_about(&r, "pathway-plan-review", "pathway plan");
    assert_eq!(p.due, Some(ymd(2025, 4, 20)));
    assert_eq!(p.status, Status::Breach);
}

#[test]
fn metadata_is_complete() {
    let m = describe::<CareLeaverPathway>();
    assert_eq!(m.id, "care-leaver-pathway");
    let bases: Vec<(&str, Basis)> = m.checks.iter().map(|c| (c.id.as_str(), c.basis)).collect();
    assert_eq!(
        bases,
        [
            ("pathway-plan-review", Basis::Statutory),
            ("personal-adviser", Basis::Statutory),
            ("plan-addresses-mental-health", Basis::Guidance)
        ]
    );
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(schema["properties"]["review_months"]["default"], json!(6));
}

#[test]
fn the_declared_reads_are_enough() {
    let full = json!({
        "child": {"id": "X1", "name": "Not read", "date_of_birth": "2006-03-15", "sex": "F"},
        "periods_of_care": [{"episodes": [{"start": "2020-01-06", "end": "2024-03-15"}]}],
        "leaving_care": {"pathway_plan_reviews": ["2025-01-20"],
                         "personal_adviser": {"name": "PA-22", "from": "2024-03-15"},
                         "plan_addresses_mental_health": true}
    });
    let trimmed = trimmed::<CareLeaverPathway>(&full);
    assert!(trimmed.get("periods_of_care").is_none());
    let a = assert_reads_suffice::<CareLeaverPathway>(&context(ymd(2025, 6, 10)), &full);
    assert_eq!(a.len(), 3);
}
