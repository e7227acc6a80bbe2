//! Hand-worked cases. Ages are whole years (age_on); PEP intervals are calendar months clipped to
//! the month's end (31 Oct + 4 months = 29 Feb in a leap year).

use super::*;
use carecheck_sdk::testing::{
    assert_reads_suffice, context, context_with_settings, evidence, one_about, run, trimmed, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

/// Born 12 Jan 2015; looked after from Thu 29 Feb 2024, with a placement change (new episode)
/// on 3 Jun 2024; at Oak Primary with a trained designated teacher.
fn child(education: Value) -> Value {
    json!({
        "child": {"date_of_birth": "2015-01-12"},
        "periods_of_care": [{"episodes": [
            {"start": "2024-02-29", "end": "2024-06-03"},
            {"start": "2024-06-03"}
        ]}],
        "education": education
    })
}

fn good_education() -> Value {
    json!({
        "school": {"name": "Oak Primary", "urn": "100000"},
        "designated_teacher": {"name": "Ms B Jones", "mental_health_training": "2024-09-05"},
        "pep_reviews": ["2024-06-20", "2024-10-15", "2025-02-14"]
    })
}

#[test]
fn a_ten_year_old_with_a_pep_review_due_soon() {
    // Age 10 on 10 Jun 2025. Latest PEP review 14 Feb 2025 + 4 months = 14 Jun 2025: 4 days left.
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), child(good_education()));
    assert_eq!(r.len(), 3);
    let t = one_about(&r, "designated-teacher", "designated teacher");
    assert_eq!(t.status, Status::Met);
    assert_eq!(
        t.message,
        "A designated teacher for looked-after pupils is recorded at Oak Primary."
    );
    assert_eq!(evidence(t, "age"), Some("10"));
    let tr = one_about(&r, "designated-teacher-trained", "designated teacher");
    assert_eq!(tr.status, Status::Met);
    assert_eq!(
        tr.message,
        "The designated teacher was trained in identifying looked-after pupils' mental health needs on 5 Sep 2024."
    );
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::DueSoon);
    assert_eq!(p.due, Some(ymd(2025, 6, 14)));
    assert_eq!(
        p.message,
        "Next PEP review (last reviewed 14 Feb 2025) is due by 14 Jun 2025, in 4 days."
    );
    // On the due date itself: due today; the day after: 1 day overdue.
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 14), child(good_education()));
    assert_eq!(
        one_about(&r, "pep-review", "personal education plan").status,
        Status::DueSoon
    );
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 15), child(good_education()));
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::Breach);
    assert_eq!(
        p.message,
        "Next PEP review (last reviewed 14 Feb 2025) was due by 14 Jun 2025 and is 1 day overdue."
    );
}

#[test]
fn thirty_first_of_october_plus_four_months_is_29_february() {
    // Review 31 Oct 2023 + 4 months = 31 Feb 2024, clipped to 29 Feb 2024 (leap year).
    let v = json!({
        "child": {"date_of_birth": "2012-05-01"},
        "periods_of_care": [{"episodes": [{"start": "2023-01-09"}]}],
        "education": {"designated_teacher": {"name": "Mr C Khan"}, "pep_reviews": ["2023-06-30", "2023-10-31"]}
    });
    let r = run::<EducationMentalHealth>(ymd(2024, 3, 1), v);
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.due, Some(ymd(2024, 2, 29)));
    assert_eq!(p.status, Status::Breach);
    // No school recorded, and the teacher's training not recorded.
    assert_eq!(
        one_about(&r, "designated-teacher", "designated teacher").message,
        "A designated teacher for looked-after pupils is recorded for the child's school."
    );
    let tr = one_about(&r, "designated-teacher-trained", "designated teacher");
    assert_eq!(tr.status, Status::Breach);
    assert_eq!(
        tr.message,
        "There is no record that the designated teacher has been trained in identifying looked-after pupils' mental health needs; record the training or arrange it."
    );
}

#[test]
fn a_child_turning_five() {
    // Born 12 Jan 2020, looked after since 1 May 2023, an early-years PEP review on 1 Dec 2024.
    let v = json!({
        "child": {"date_of_birth": "2020-01-12"},
        "periods_of_care": [{"episodes": [{"start": "2023-05-01"}]}],
        "education": {"school": {"name": "Elm Infants"}, "pep_reviews": ["2024-12-01"]}
    });
    // 11 Jan 2025: still 4, outside the proxy.
    let r = run::<EducationMentalHealth>(ymd(2025, 1, 11), v.clone());
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert_eq!(
        r[0].message,
        "The child is 4 on 11 Jan 2025, outside compulsory school age (taken as 5 to 15), so the school duties are not checked."
    );
    // 12 Jan 2025: 5. The clock runs from the fifth birthday, not the early-years review:
    // 12 Jan + 4 months = 12 May 2025, 120 days away: met by timing.
    let r = run::<EducationMentalHealth>(ymd(2025, 1, 12), v.clone());
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::Upcoming);
    assert_eq!(p.due, Some(ymd(2025, 5, 12)));
    // 20 Apr 2025: 22 days left.
    let r = run::<EducationMentalHealth>(ymd(2025, 4, 20), v);
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::DueSoon);
    assert_eq!(
        p.message,
        "First PEP review since the child turned 5 on 12 Jan 2025 is due by 12 May 2025, in 22 days."
    );
    // No designated teacher at all: a breach, and the training cannot be checked.
    let t = one_about(&r, "designated-teacher", "designated teacher");
    assert_eq!(t.status, Status::Breach);
    assert_eq!(
        t.message,
        "No designated teacher for looked-after pupils is recorded at Elm Infants; record the school's designated teacher."
    );
    let tr = one_about(&r, "designated-teacher-trained", "designated teacher");
    assert_eq!(tr.status, Status::InsufficientData);
    assert_eq!(
        evidence(tr, "missing_field"),
        Some("education.designated_teacher")
    );
}

#[test]
fn a_child_turning_sixteen() {
    // Born 10 Jun 2009: 15 on 9 Jun 2025 (checked), 16 on 10 Jun 2025 (outside the proxy).
    let mut v = child(good_education());
    v["child"]["date_of_birth"] = json!("2009-06-10");
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 9), v.clone());
    assert_eq!(
        one_about(&r, "designated-teacher", "designated teacher").status,
        Status::Met
    );
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert_eq!(r[2].subject, "personal education plan");
}

#[test]
fn a_new_period_of_care_restarts_the_pep_clock() {
    // Left care 31 Jan 2025, back on Mon 3 Mar 2025. The 10 Jan review belongs to the old period:
    // the first review of the new one is due 3 Jul 2025, 23 days after 10 Jun.
    let v = json!({
        "child": {"date_of_birth": "2013-09-01"},
        "periods_of_care": [
            {"episodes": [{"start": "2022-04-04", "end": "2025-01-31"}]},
            {"episodes": [{"start": "2025-03-03"}]}
        ],
        "education": {"designated_teacher": {"name": "Mr C Khan", "mental_health_training": "2022-11-01"},
                      "pep_reviews": ["2024-10-01", "2025-01-10"]}
    });
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.due, Some(ymd(2025, 7, 3)));
    assert_eq!(p.status, Status::DueSoon);
    assert_eq!(
        p.message,
        "First PEP review of the period of care that began on 3 Mar 2025 is due by 3 Jul 2025, in 23 days."
    );
    assert_eq!(evidence(p, "latest_pep_review"), None);
}

#[test]
fn future_dated_rows_are_data_errors() {
    let mut e = good_education();
    e["pep_reviews"] = json!(["2025-02-14", "2025-07-01"]);
    e["designated_teacher"]["mental_health_training"] = json!("2025-09-01");
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), child(e));
    assert_eq!(r.len(), 4);
    let f = one_about(&r, "pep-review", "PEP review 2025-07-01");
    assert_eq!(f.status, Status::InsufficientData);
    assert_eq!(
        evidence(f, "missing_field"),
        Some("education.pep_reviews[]")
    );
    assert_eq!(
        f.message,
        "A PEP review is dated 1 Jul 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted."
    );
    // The interval is worked out from 14 Feb 2025, ignoring the future row.
    assert_eq!(
        one_about(&r, "pep-review", "personal education plan").due,
        Some(ymd(2025, 6, 14))
    );
    let tr = one_about(&r, "designated-teacher-trained", "designated teacher");
    assert_eq!(tr.status, Status::InsufficientData);
    assert_eq!(
        evidence(tr, "missing_field"),
        Some("education.designated_teacher.mental_health_training")
    );
}

#[test]
fn missing_data_and_children_outside_the_rule() {
    // No education section.
    let mut v = child(good_education());
    v["education"] = Value::Null;
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    assert!(r.iter().all(|x| x.status == Status::InsufficientData));
    assert_eq!(evidence(&r[0], "missing_field"), Some("education"));
    assert_eq!(
        r[0].message,
        "No education details are recorded for the child, who is 10 and of compulsory school age; record the school, designated teacher and PEP reviews."
    );
    // No date of birth.
    let mut v = child(good_education());
    v["child"] = json!({});
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    assert!(
        r.iter()
            .all(|x| evidence(x, "missing_field") == Some("child.date_of_birth"))
    );
    // Not in care on the date.
    let mut v = child(good_education());
    v["periods_of_care"] = json!([{"episodes": [{"start": "2024-02-29", "end": "2025-06-09"}]}]);
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert_eq!(
        r[0].message,
        "The child is not in a period of care on 10 Jun 2025, so the looked-after education duties do not apply."
    );
    // No period of care at all.
    let mut v = child(good_education());
    v["periods_of_care"] = json!([]);
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    assert!(
        r.iter()
            .all(|x| evidence(x, "missing_field") == Some("periods_of_care"))
    );
    // An approximate date of birth is used and flagged.
    let mut v = child(good_education());
    v["child"]["date_of_birth_approximate"] = json!(true);
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    assert!(
        r.iter()
            .all(|x| evidence(x, "date_of_birth_approximate") == Some("true"))
    );
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<EducationMentalHealth>("").is_ok());
    assert!(validate_settings::<EducationMentalHealth>(r#"{"pep_months": 3}"#).is_ok());
    let err = validate_settings::<EducationMentalHealth>(r#"{"pep_months": 6}"#).unwrap_err();
    assert!(err.contains("at most 4"), "{err}");
    assert!(validate_settings::<EducationMentalHealth>(r#"{"pep_months": 0}"#).is_err());
    assert!(validate_settings::<EducationMentalHealth>(r#"{"months": 3}"#).is_err());
    // 3 months: 14 Feb 2025 + 3 = 14 May 2025, overdue on 10 Jun.
    let ctx = context_with_settings(ymd(2025, 6, 10), r#"{"pep_months": 3}"#);
    let r = evaluate_json::<EducationMentalHealth>(&ctx, &child(good_education()).to_string())
        .expect("evaluates");
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.due, Some(ymd(2025, 5, 14)));
    assert_eq!(p.status, Status::Breach);
}

#[test]
fn metadata_is_complete() {
    let m = describe::<EducationMentalHealth>();
    assert_eq!(m.id, "education-mental-health");
    let bases: Vec<(&str, Basis)> = m.checks.iter().map(|c| (c.id.as_str(), c.basis)).collect();
    assert_eq!(
        bases,
        [
            ("designated-teacher", Basis::Statutory),
            ("designated-teacher-trained", Basis::Guidance),
            ("pep-review", Basis::Guidance)
        ]
    );
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(schema["properties"]["pep_months"]["default"], json!(4));
}

#[test]
fn the_declared_reads_are_enough() {
    let mut full = child(good_education());
    full["child"]["name"] = json!("Not read");
    full["child"]["upn"] = json!("A123456789012");
    full["health"] = json!({"sdq": [{"date": "2025-01-01", "score": 12}]});
    let trimmed = trimmed::<EducationMentalHealth>(&full);
    assert!(trimmed.get("health").is_none());
    assert!(trimmed["child"].get("upn").is_none());
    let a = assert_reads_suffice::<EducationMentalHealth>(&context(ymd(2025, 6, 10)), &full);
    assert_eq!(a.len(), 3);
}
