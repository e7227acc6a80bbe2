//! Hand-worked cases. Ages are whole years (age_on); PEP intervals are calendar months clipped to
//! the month's end (31 Oct + 4 months = 29 Feb in a leap year).

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, context, context_with_settings, current, evidence,
    of, one_about, run, ssda903_only, trimmed, ymd,
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
    // Two designated-teacher results and one per PEP review owed since 29 Feb 2024: due
    // 29 Jun 2024 (held 20 Jun), 20 Oct 2024 (held 15 Oct), 15 Feb 2025 (held 14 Feb), all met,
    // and the next.
    assert_eq!(r.len(), 6);
    let history: Vec<(Status, Option<NaiveDate>)> = of(&r, "pep-review")
        .iter()
        .map(|x| (x.status, x.due))
        .collect();
    assert_eq!(
        history,
        [
            (Status::Met, Some(ymd(2024, 6, 29))),
            (Status::Met, Some(ymd(2024, 10, 20))),
            (Status::Met, Some(ymd(2025, 2, 15))),
            (Status::DueSoon, Some(ymd(2025, 6, 14))),
        ]
    );
    assert_eq!(current(&r).len(), 3);
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
fn a_child_starting_compulsory_school_age() {
    // Born 12 Jan 2020: 5 on 12 Jan 2025, so of compulsory school age from the next prescribed
    // day, 31 Mar 2025 (not from the birthday). Looked after since 1 May 2023, in reception at
    // Elm Infants, with an early-years PEP review on 1 Dec 2024.
    let v = json!({
        "child": {"date_of_birth": "2020-01-12"},
        "periods_of_care": [{"episodes": [{"start": "2023-05-01"}]}],
        "education": {"school": {"name": "Elm Infants"}, "pep_reviews": ["2024-12-01"]}
    });
    // 11 Jan 2025: 4 and not of compulsory school age, but at school: the designated-teacher
    // checks apply (no age cut-off); the PEP check does not.
    let r = run::<EducationMentalHealth>(ymd(2025, 1, 11), v.clone());
    assert_eq!(r.len(), 3);
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
    // Compulsory school age ends on the last Friday in June of the school year in which the
    // child turns 16 (12 Jan 2036): 30 Jun 2036 is a Monday, so Fri 27 Jun 2036.
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::NotApplicable);
    assert_eq!(
        p.message,
        "The child is 4 on 11 Jan 2025 and not of compulsory school age (compulsory school age runs from 31 Mar 2025 to 27 Jun 2036), so PEP reviews are not checked."
    );
    // 30 Mar 2025: 5, but still not of compulsory school age.
    let r = run::<EducationMentalHealth>(ymd(2025, 3, 30), v.clone());
    assert_eq!(
        one_about(&r, "pep-review", "personal education plan").status,
        Status::NotApplicable
    );
    // 31 Mar 2025: the clock starts, not from the early-years review: first PEP review due
    // 31 Mar + 4 months = 31 Jul 2025. On 20 Apr 2025 that is 10 + 31 + 30 + 31 = 102 days
    // away: upcoming, never met.
    let r = run::<EducationMentalHealth>(ymd(2025, 4, 20), v);
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::Upcoming);
    assert_eq!(p.due, Some(ymd(2025, 7, 31)));
    assert_eq!(
        p.message,
        "First PEP review since compulsory school age began on 31 Mar 2025 is due by 31 Jul 2025, in 102 days."
    );
}

/// Born 10 Jun 2009: 16 on 10 Jun 2025, in the school year 1 Sep 2024 - 31 Aug 2025, so of
/// compulsory school age to its last Friday in June, 27 Jun 2025 (30 Jun 2025 is a Monday).
#[test]
fn a_year_11_pupil_who_has_turned_16_is_still_checked_until_the_last_friday_in_june() {
    let mut v = child(good_education());
    v["child"]["date_of_birth"] = json!("2009-06-10");
    // 16 on 10 Jun 2025 and the last review on 14 Feb 2025: the next is due 14 Jun 2025.
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v.clone());
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!((p.status, p.due), (Status::DueSoon, Some(ymd(2025, 6, 14))));
    // Fri 27 Jun 2025, the last day: still checked (and overdue by 13 days).
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 27), v.clone());
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::Breach);
    assert!(p.message.ends_with("is 13 days overdue."), "{}", p.message);
    // Sat 28 Jun 2025: no longer of compulsory school age. Still at Oak Primary by the record,
    // so the designated-teacher checks still apply; the PEP check does not.
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 28), v);
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(p.status, Status::NotApplicable);
    assert_eq!(
        one_about(&r, "designated-teacher", "designated teacher").status,
        Status::Met
    );
}

/// Born 31 Aug 2009 and 1 Sep 2009: a day apart, ten months apart in leaving compulsory school
/// age (27 Jun 2025 and 26 Jun 2026). Evaluated 1 Sep 2025, a day before the autumn term.
#[test]
fn born_31_august_or_1_september() {
    let record = |dob: &str| {
        json!({
            "child": {"date_of_birth": dob},
            "periods_of_care": [{"episodes": [{"start": "2024-09-02"}]}],
            "education": {"designated_teacher": {"name": "Mr C Khan"}, "pep_reviews": ["2025-07-10"]}
        })
    };
    let r = run::<EducationMentalHealth>(ymd(2025, 9, 1), record("2009-08-31"));
    assert_eq!(
        one_about(&r, "pep-review", "personal education plan").status,
        Status::NotApplicable
    );
    let r = run::<EducationMentalHealth>(ymd(2025, 9, 1), record("2009-09-01"));
    let p = one_about(&r, "pep-review", "personal education plan");
    // 10 Jul 2025 + 4 months = 10 Nov 2025, 70 days after 1 Sep: upcoming.
    assert_eq!(
        (p.status, p.due),
        (Status::Upcoming, Some(ymd(2025, 11, 10)))
    );
}

/// The designated teacher is for every looked-after child at school: a sixth-former of 17 with
/// a school recorded is checked; a 17-year-old with no school recorded is not. Born 1 Mar 2008:
/// 5 on 1 Mar 2013, so compulsory school age from 31 Mar 2013; 16 on 1 Mar 2024, so to the last
/// Friday in June 2024 (30 Jun 2024 is a Sunday): 28 Jun 2024.
#[test]
fn the_designated_teacher_has_no_age_cut_off() {
    let mut v = child(good_education());
    v["child"]["date_of_birth"] = json!("2008-03-01");
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v.clone());
    assert_eq!(
        one_about(&r, "designated-teacher", "designated teacher").status,
        Status::Met
    );
    assert_eq!(
        one_about(&r, "pep-review", "personal education plan").status,
        Status::NotApplicable
    );
    v["education"]["school"] = Value::Null;
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), v);
    let t = one_about(&r, "designated-teacher", "designated teacher");
    assert_eq!(t.status, Status::NotApplicable);
    assert_eq!(
        t.message,
        "The child is 17 on 10 Jun 2025 and not of compulsory school age (compulsory school age runs from 31 Mar 2013 to 28 Jun 2024), and no school is recorded, so the designated-teacher duties are not checked."
    );
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
    assert_eq!(evidence(p, "previous"), None);
}

#[test]
fn future_dated_rows_are_data_errors() {
    // Looked after from 29 Feb 2024: the first PEP review was due 29 Jun 2024 and none is
    // recorded until 14 Feb 2025 (late); the next is due 14 Jun 2025. A review dated
    // 1 Jul 2025 (after the evaluation date, 10 Jun) may be it: one cause, one result, that
    // outstanding review as insufficient_data with its due date.
    let mut e = good_education();
    e["pep_reviews"] = json!(["2025-02-14", "2025-07-01"]);
    e["designated_teacher"]["mental_health_training"] = json!("2025-09-01");
    let r = run::<EducationMentalHealth>(ymd(2025, 6, 10), child(e));
    assert_eq!(r.len(), 4);
    let peps = of(&r, "pep-review");
    assert_eq!((peps[0].status, peps[0].current), (Status::Breach, false));
    let f = peps[1];
    assert_eq!(f.status, Status::InsufficientData);
    assert_eq!(f.due, Some(ymd(2025, 6, 14)));
    assert!(f.current);
    assert_eq!(
        evidence(f, "missing_field"),
        Some("education.pep_reviews[]")
    );
    assert_eq!(
        f.message,
        "A PEP review is dated 1 Jul 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted: until then it cannot be told whether the PEP review due by 14 Jun 2025 was held."
    );
    let tr = one_about(&r, "designated-teacher-trained", "designated teacher");
    assert_eq!((tr.status, tr.due), (Status::InsufficientData, None));
    assert_eq!(
        evidence(tr, "missing_field"),
        Some("education.designated_teacher.mental_health_training")
    );
}

/// An SSDA903 return supplies no education details: for a child of compulsory school age,
/// every check is `insufficient_data` naming what is missing, never a breach.
#[test]
fn an_ssda903_only_record_cannot_show_education() {
    let record = ssda903_only(child(json!(null)));
    let r = assert_reads_suffice::<EducationMentalHealth>(&context(ymd(2025, 6, 10)), &record);
    assert_eq!(r.len(), 3);
    assert_not_supplied(&r[..2], "education.school");
    assert_not_supplied(&r[2..], "education.pep_reviews");
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
    let bases: Vec<(&str, Basis)> = m.checks.iter().map(|c| (c.id.as_ref(), c.basis)).collect();
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
    assert_eq!(a.len(), 6);
}

/// Born 1 Dec 2009: 16 on 1 Dec 2025, of compulsory school age to the last Friday in June of the
/// school year ending 31 Aug 2026, Fri 26 Jun 2026. Looked after from 1 May 2026, the first PEP
/// review would fall due on 1 Sep 2026, after compulsory school age ends: none is owed, and the
/// result says so rather than nothing.
#[test]
fn a_pep_review_that_would_fall_due_after_school_age_is_not_owed() {
    let v = json!({
        "child": {"date_of_birth": "2009-12-01"},
        "periods_of_care": [{"episodes": [{"start": "2026-05-01"}]}],
        "education": {"school": {"name": "Ash High"}, "designated_teacher": {"name": "Ms D Lee"}}
    });
    let r = run::<EducationMentalHealth>(ymd(2026, 5, 10), v);
    let p = one_about(&r, "pep-review", "personal education plan");
    assert_eq!(
        (p.status, p.due, p.current),
        (Status::NotApplicable, None, true)
    );
    assert_eq!(
        p.message,
        "No PEP review is owed: the first would fall due on 1 Sep 2026, after the requirement ends on 26 Jun 2026."
    );
}
