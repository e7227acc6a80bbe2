//! Hand-worked cases: is the child in a period of care on the evaluation date, and is a lead named?

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, context, evidence, run, ssda903_only, trimmed, ymd,
};
use carecheck_sdk::{Basis, describe, validate_settings};
use serde_json::{Value, json};

/// Looked after from Thu 29 Feb 2024, with a placement change (a new episode) on 3 Jun 2024.
fn periods() -> Value {
    json!([{"episodes": [
        {"start": "2024-02-29", "end": "2024-06-03", "placement_id": "P1"},
        {"start": "2024-06-03", "placement_id": "P2"}
    ]}])
}

#[test]
fn a_named_lead_is_met() {
    let r = run::<VirtualMentalHealthLead>(
        ymd(2025, 6, 10),
        json!({"periods_of_care": periods(), "virtual_mental_health_lead": {"name": "Dr A Patel", "from": "2023-09-01"}}),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].check, "lead-named");
    assert_eq!(r[0].status, Status::Met);
    assert_eq!(r[0].subject, "child");
    assert_eq!(
        r[0].message,
        "A named virtual mental health lead has overseen the child's mental health since 1 Sep 2023."
    );
    assert_eq!(evidence(&r[0], "period_start"), Some("2024-02-29"));
    // No start date for the lead: taken as in post.
    let r = run::<VirtualMentalHealthLead>(
        ymd(2025, 6, 10),
        json!({"periods_of_care": periods(), "virtual_mental_health_lead": {"name": "Dr A Patel"}}),
    );
    assert_eq!(r[0].status, Status::Met);
    assert_eq!(
        r[0].message,
        "A named virtual mental health lead oversees the child's mental health."
    );
}

#[test]
fn no_lead_is_a_breach_from_the_first_day() {
    // Looked after from 29 Feb 2024 and evaluated that same day: already required.
    let r = run::<VirtualMentalHealthLead>(ymd(2024, 2, 29), json!({"periods_of_care": periods()}));
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(r[0].due, None);
    assert_eq!(
        r[0].message,
        "No virtual mental health lead is named for the child, who has been looked after since 29 Feb 2024; name the lead overseeing the child's mental health."
    );
    assert_eq!(
        evidence(&r[0], "missing_field"),
        Some("virtual_mental_health_lead")
    );
    // A blank name is not a name.
    let r = run::<VirtualMentalHealthLead>(
        ymd(2025, 6, 10),
        json!({"periods_of_care": periods(), "virtual_mental_health_lead": {"name": "  "}}),
    );
    assert_eq!(r[0].status, Status::Breach);
}

#[test]
fn a_lead_starting_after_the_evaluation_date_is_a_data_error() {
    let r = run::<VirtualMentalHealthLead>(
        ymd(2025, 6, 10),
        json!({"periods_of_care": periods(), "virtual_mental_health_lead": {"name": "Dr A Patel", "from": "2025-06-11"}}),
    );
    assert_eq!(r[0].status, Status::InsufficientData);
    assert_eq!(
        evidence(&r[0], "missing_field"),
        Some("virtual_mental_health_lead.from")
    );
    assert_eq!(
        r[0].message,
        "The virtual mental health lead is recorded as starting on 11 Jun 2025, after the evaluation date 10 Jun 2025; correct the date before the lead is counted."
    );
}

#[test]
fn only_children_in_care_on_the_date() {
    let ended = json!([
        {"episodes": [{"start": "2020-01-06", "end": "2021-03-31"}]},
        {"episodes": [{"start": "2024-12-24", "end": "2025-06-09"}]}
    ]);
    // The second period ended the day before: not looked after.
    let r =
        run::<VirtualMentalHealthLead>(ymd(2025, 6, 10), json!({"periods_of_care": ended.clone()}));
    assert_eq!(r[0].status, Status::NotApplicable);
    assert_eq!(
        r[0].message,
        "The child is not in a period of care on 10 Jun 2025, so no virtual mental health lead is required."
    );
    // On its last day the period is still open, and a lead is required.
    let r = run::<VirtualMentalHealthLead>(ymd(2025, 6, 9), json!({"periods_of_care": ended}));
    assert_eq!(r[0].status, Status::Breach);
    assert_eq!(evidence(&r[0], "period_start"), Some("2024-12-24"));
    // No period of care at all: cannot tell.
    let r = run::<VirtualMentalHealthLead>(ymd(2025, 6, 10), json!({}));
    assert_eq!(r[0].status, Status::InsufficientData);
    assert_eq!(evidence(&r[0], "missing_field"), Some("periods_of_care"));
}

#[test]
fn settings_are_empty_and_strict() {
    assert!(validate_settings::<VirtualMentalHealthLead>("").is_ok());
    assert!(validate_settings::<VirtualMentalHealthLead>("{}").is_ok());
    assert!(validate_settings::<VirtualMentalHealthLead>(r#"{"lead_days": 5}"#).is_err());
    let m = describe::<VirtualMentalHealthLead>();
    assert_eq!(m.id, "virtual-mental-health-lead");
    assert_eq!(
        m.check("lead-named").map(|c| c.basis),
        Some(Basis::Guidance)
    );
    assert!(serde_json::from_str::<Value>(&m.settings_schema).is_ok());
}

#[test]
fn the_declared_reads_are_enough() {
    let full = json!({
        "child": {"id": "X1", "name": "Not read", "responsible_authority": "E09000001"},
        "periods_of_care": [{"episodes": [
            {"start": "2024-02-29", "end": "2024-06-03", "legal_status": "C2", "reason_new": "S"},
            {"start": "2024-06-03", "legal_status": "C2", "placement_type": "U1"}
        ]}],
        "virtual_mental_health_lead": {"name": "Dr A Patel", "from": "2023-09-01"},
        "placements": [{"id": "P1", "start": "2024-02-29"}]
    });
    let trimmed = trimmed::<VirtualMentalHealthLead>(&full);
    assert!(trimmed.get("placements").is_none());
    let a = assert_reads_suffice::<VirtualMentalHealthLead>(&context(ymd(2025, 6, 10)), &full);
    assert_eq!(a[0].status, Status::Met);
}

/// An SSDA903 return does not supply the lead: for a child in care, `insufficient_data` naming
/// `virtual_mental_health_lead`, never a breach; for a child not in care, still not applicable.
#[test]
fn an_ssda903_only_record_cannot_show_the_lead() {
    let ctx = context(ymd(2025, 6, 10));
    let r = assert_reads_suffice::<VirtualMentalHealthLead>(
        &ctx,
        &ssda903_only(json!({"periods_of_care": periods()})),
    );
    assert_not_supplied(&r, "virtual_mental_health_lead");
    let ended =
        json!({"periods_of_care": [{"episodes": [{"start": "2020-01-06", "end": "2021-03-31"}]}]});
    let r = assert_reads_suffice::<VirtualMentalHealthLead>(&ctx, &ssda903_only(ended));
    assert_eq!(r[0].status, Status::NotApplicable);
    assert!(r[0].current);
}
