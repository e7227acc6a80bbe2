//! Hand-worked cases. Ages are whole years (born 29 Feb: a year older on 1 Mar in common years);
//! 13 weeks are 91 days; review intervals are calendar months clipped to the month's end
//! (31 Aug + 6 months = 29 Feb in a leap year).

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, context, context_with_settings, current, evidence,
    of, one_about, run, ssda903_only, trimmed, ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const REVIEW: &str = "pathway-plan-review";
const ADVISER: &str = "personal-adviser";
const PLAN: &str = "plan-addresses-mental-health";

/// A young person born `dob`, looked after `from` (to `to`, if given), with this leaving-care record.
fn young_person(dob: &str, from: &str, to: Option<&str>, leaving_care: Value) -> Value {
    json!({
        "child": {"date_of_birth": dob},
        "periods_of_care": [{"episodes": [{"start": from, "end": to}]}],
        "leaving_care": leaving_care,
    })
}

fn statuses(r: &[CheckResult]) -> Vec<(String, Status)> {
    r.iter().map(|x| (x.check.to_string(), x.status)).collect()
}

/// (status, due) of each pathway plan review result.
fn reviews(r: &[CheckResult]) -> Vec<(Status, Option<NaiveDate>)> {
    of(r, REVIEW).iter().map(|x| (x.status, x.due)).collect()
}

/// Born 15 Mar 2006, looked after from 6 Jan 2020 until the 18th birthday, 15 Mar 2024: an
/// eligible child from the 16th birthday, 15 Mar 2022 (13 weeks since the 14th birthday were
/// long counted), a former relevant child since. Reviews of the pathway plan:
/// - 1: due 15 Sep 2022 (15 Mar 2022 + 6 months), held 1 Sep 2022: met;
/// - 2: due 1 Mar 2023, held that day: met;
/// - 3: due 1 Sep 2023, held 31 Aug 2023: met;
/// - 4: due 31 Aug 2023 + 6 months = 31 Feb, clipped to 29 Feb 2024 (leap year), held that day;
/// - 5: due 29 Aug 2024, held 1 Jul 2024: met;
/// - 6: due 1 Jan 2025, held 20 Jan 2025: 19 days late;
/// - 7: due 20 Jul 2025; on 10 Jun 2025, 20 + 20 = 40 days away: upcoming and current.
fn former_relevant() -> Value {
    young_person(
        "2006-03-15",
        "2020-01-06",
        Some("2024-03-15"),
        json!({"pathway_plan_reviews": ["2022-09-01", "2023-03-01", "2023-08-31", "2024-02-29", "2024-07-01", "2025-01-20"],
               "personal_adviser": {"name": "PA-22", "from": "2024-03-15"},
               "plan_addresses_mental_health": true}),
    )
}

#[test]
fn a_former_relevant_young_person_with_each_review_a_result() {
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), former_relevant());
    assert_eq!(
        reviews(&r),
        [
            (Status::Met, Some(ymd(2022, 9, 15))),
            (Status::Met, Some(ymd(2023, 3, 1))),
            (Status::Met, Some(ymd(2023, 9, 1))),
            (Status::Met, Some(ymd(2024, 2, 29))),
            (Status::Met, Some(ymd(2024, 8, 29))),
            (Status::Breach, Some(ymd(2025, 1, 1))),
            (Status::Upcoming, Some(ymd(2025, 7, 20))),
        ]
    );
    let late = of(&r, REVIEW)[5];
    assert_eq!(late.subject, "pathway plan review 2025-01-20");
    assert_eq!(
        late.message,
        "Next pathway plan review (last reviewed 1 Jul 2024) was due by 1 Jan 2025 and was held on 20 Jan 2025, 19 days late."
    );
    assert!(!late.current);
    let next = one_about(&r, REVIEW, "pathway plan");
    assert!(next.current);
    assert_eq!(
        next.message,
        "Next pathway plan review (last reviewed 20 Jan 2025) is due by 20 Jul 2025, in 40 days."
    );
    assert_eq!(
        evidence(next, "care_leaver"),
        Some("a former relevant child")
    );
    assert_eq!(evidence(next, "eligible_since"), Some("2022-03-15"));
    assert_eq!(evidence(next, "age"), Some("19"));
    assert_eq!(
        one_about(&r, ADVISER, "personal adviser").message,
        "A personal adviser has been allocated since 15 Mar 2024."
    );
    assert_eq!(
        one_about(&r, PLAN, "pathway plan").message,
        "The pathway plan addresses the young person's mental health."
    );
    // Current: the next review, the adviser, the plan.
    assert_eq!(current(&r).len(), 3);
}

/// Born 1 Mar 2009 (16 on 1 Mar 2025), in care from 1 Sep 2025. Two weeks later (15 Sep) only
/// 14 days are counted: not yet eligible, and not told a review "was due" (the 16th birthday +
/// 6 months would have said 1 Sep 2025). 13 weeks after 1 Sep: 30 days to 1 Oct, 61 to 1 Nov,
/// 91 to 1 Dec 2025, when they become eligible; the first review is then due 1 Jun 2026.
#[test]
fn came_into_care_at_sixteen_and_a_half_two_weeks_ago() {
    let v = young_person("2009-03-01", "2025-09-01", None, json!({}));
    let r = run::<CareLeaverPathway>(ymd(2025, 9, 15), v.clone());
    assert_eq!(r.len(), 3);
    assert!(
        r.iter()
            .all(|x| x.status == Status::NotApplicable && x.due.is_none())
    );
    assert_eq!(
        r[0].message,
        "The young person is 16 on 15 Sep 2025 and not an eligible, relevant or former relevant child: the periods of care give 14 days looked after since the 14th birthday, and 13 weeks (91 days) ending after the 16th birthday are needed; if they stay looked after they become an eligible child on 1 Dec 2025."
    );
    // The day before: still not eligible. On 1 Dec 2025: eligible.
    let r = run::<CareLeaverPathway>(ymd(2025, 11, 30), v.clone());
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    let r = run::<CareLeaverPathway>(ymd(2025, 12, 1), v);
    let p = one_about(&r, REVIEW, "pathway plan");
    assert_eq!((p.status, p.due), (Status::Upcoming, Some(ymd(2026, 6, 1))));
    assert_eq!(
        p.message,
        "First pathway plan review, counted from becoming an eligible child on 1 Dec 2025, is due by 1 Jun 2026, in 182 days."
    );
    // A personal adviser is owed from the day they qualify: none recorded.
    let a = one_about(&r, ADVISER, "personal adviser");
    assert_eq!(a.status, Status::Breach);
    assert_eq!(
        a.message,
        "No personal adviser is recorded for the young person, who is an eligible child; allocate one."
    );
}

#[test]
fn a_short_stay_after_sixteen_never_qualifies() {
    // Born 1 Mar 2009; looked after 1 Apr 2025 to 6 May 2025 (30 + 5 = 35 days), not since.
    let v = young_person(
        "2009-03-01",
        "2025-04-01",
        Some("2025-05-06"),
        json!({"plan_addresses_mental_health": false}),
    );
    let r = run::<CareLeaverPathway>(ymd(2025, 9, 1), v);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
    assert!(
        r[1].message.ends_with(
            "the periods of care give 35 days looked after since the 14th birthday, and 13 weeks (91 days) ending after the 16th birthday are needed."
        ),
        "{}",
        r[1].message
    );
}

#[test]
fn a_relevant_child_who_left_care_at_seventeen() {
    // Born 1 Apr 2008; looked after 3 Jan 2022 to 1 Jul 2025. Eligible from the 16th birthday,
    // 1 Apr 2024; relevant from 1 Jul 2025. Reviews 20 Sep 2024 (due 1 Oct 2024) and
    // 1 Mar 2025 (due 20 Mar 2025); next due 1 Sep 2025: on 1 Sep 2025 due today.
    let v = young_person(
        "2008-04-01",
        "2022-01-03",
        Some("2025-07-01"),
        json!({"pathway_plan_reviews": ["2024-09-20", "2025-03-01"], "personal_adviser": {"name": "PA-3"},
               "plan_addresses_mental_health": false}),
    );
    let r = run::<CareLeaverPathway>(ymd(2025, 9, 1), v);
    assert_eq!(
        reviews(&r),
        [
            (Status::Met, Some(ymd(2024, 10, 1))),
            (Status::Met, Some(ymd(2025, 3, 20))),
            (Status::DueSoon, Some(ymd(2025, 9, 1))),
        ]
    );
    assert_eq!(
        one_about(&r, REVIEW, "pathway plan").message,
        "Next pathway plan review (last reviewed 1 Mar 2025) is due today (1 Sep 2025)."
    );
    assert_eq!(evidence(&r[0], "care_leaver"), Some("a relevant child"));
    assert_eq!(
        one_about(&r, ADVISER, "personal adviser").message,
        "A personal adviser is allocated."
    );
    let m = one_about(&r, PLAN, "pathway plan");
    assert_eq!(m.status, Status::Breach);
    assert_eq!(
        m.message,
        "The pathway plan does not address the young person's mental health; add it explicitly at the next review."
    );
}

#[test]
fn turning_eighteen_on_a_29_february_birthday() {
    // Born Fri 29 Feb 2008: 14 on 1 Mar 2022 (common year), 16 on 29 Feb 2024 (leap year), 18 on
    // 1 Mar 2026 (common year). Looked after since 1 Jun 2021, so eligible from 29 Feb 2024; no
    // review recorded: the first was due 29 Aug 2024. On 1 Mar 2026 that is 365 (to
    // 29 Aug 2025) + 2 + 30 + 31 + 30 + 31 + 31 + 28 + 1 = 549 days overdue.
    let v = young_person(
        "2008-02-29",
        "2021-06-01",
        None,
        json!({"personal_adviser": {"name": "PA-9"}, "plan_addresses_mental_health": true}),
    );
    let at17 = run::<CareLeaverPathway>(ymd(2026, 2, 28), v.clone());
    let at18 = run::<CareLeaverPathway>(ymd(2026, 3, 1), v);
    assert_eq!(evidence(&at17[0], "age"), Some("17"));
    assert_eq!(evidence(&at17[0], "care_leaver"), Some("an eligible child"));
    assert_eq!(evidence(&at18[0], "age"), Some("18"));
    assert_eq!(
        evidence(&at18[0], "care_leaver"),
        Some("a former relevant child")
    );
    assert_eq!(statuses(&at17), statuses(&at18));
    let p = one_about(&at18, REVIEW, "pathway plan");
    assert_eq!(p.due, Some(ymd(2024, 8, 29)));
    assert_eq!(
        p.message,
        "First pathway plan review, counted from becoming an eligible child on 29 Feb 2024, was due by 29 Aug 2024 and is 549 days overdue."
    );
}

#[test]
fn under_sixteen_and_turning_twenty_five() {
    // Born 5 Jan 2010: 15 on 10 Jun 2025, whatever the record holds.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        young_person(
            "2010-01-05",
            "2020-01-06",
            None,
            json!({"plan_addresses_mental_health": true}),
        ),
    );
    assert!(
        r.iter()
            .all(|x| x.status == Status::NotApplicable && x.current)
    );
    assert_eq!(
        r[0].message,
        "The child is 15 on 10 Jun 2025, under 16, so the care-leaver duties do not apply yet."
    );
    // Born 10 Jun 2000, looked after 2014 to 2018: 24 on 9 Jun 2025 (checked), 25 on 10 Jun.
    let v = young_person(
        "2000-06-10",
        "2014-01-06",
        Some("2018-06-10"),
        json!({"pathway_plan_reviews": ["2025-01-10"], "personal_adviser": {"name": "PA-1"},
               "plan_addresses_mental_health": true}),
    );
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 9), v.clone());
    assert_eq!(
        one_about(&r, ADVISER, "personal adviser").status,
        Status::Met
    );
    // Eligible from the 16th birthday, 10 Jun 2016: the first review was due 10 Dec 2016 and the
    // only one recorded came on 10 Jan 2025 (late); the next would be due 10 Jul 2025, after
    // the 25th birthday: not owed.
    assert_eq!(reviews(&r), [(Status::Breach, Some(ymd(2016, 12, 10)))]);
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
    // No date of birth.
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), json!({"leaving_care": {}}));
    assert_eq!(r.len(), 3);
    assert!(
        r.iter()
            .all(|x| evidence(x, "missing_field") == Some("child.date_of_birth"))
    );
    // A date of birth but no period of care: cannot tell whether a care leaver.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        json!({"child": {"date_of_birth": "2008-01-01"}, "leaving_care": {}}),
    );
    assert!(r.iter().all(|x| x.status == Status::InsufficientData
        && evidence(x, "missing_field") == Some("periods_of_care")));
    // A care leaver with no leaving-care record: reviews judged as none, no adviser a breach,
    // the plan's content unknown.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        json!({"child": {"date_of_birth": "2006-03-15"},
               "periods_of_care": [{"episodes": [{"start": "2020-01-06", "end": "2024-03-15"}]}]}),
    );
    assert_eq!(
        one_about(&r, ADVISER, "personal adviser").status,
        Status::Breach
    );
    let m = one_about(&r, PLAN, "pathway plan");
    assert_eq!(m.status, Status::InsufficientData);
    assert_eq!(evidence(m, "missing_field"), Some("leaving_care"));
    assert_eq!(one_about(&r, REVIEW, "pathway plan").status, Status::Breach);
    // Not recorded whether the plan addresses mental health.
    let r = run::<CareLeaverPathway>(
        ymd(2025, 6, 10),
        young_person("2006-03-15", "2020-01-06", Some("2024-03-15"), json!({})),
    );
    let m = one_about(&r, PLAN, "pathway plan");
    assert_eq!(
        evidence(m, "missing_field"),
        Some("leaving_care.plan_addresses_mental_health")
    );
}

#[test]
fn future_dated_rows_are_data_errors() {
    // The next review after 20 Jan 2025 is due 20 Jul 2025; one dated 30 Jun 2025 (after the
    // evaluation date, 10 Jun) may be it: that review is the data error, with its due date.
    let mut v = former_relevant();
    v["leaving_care"]["pathway_plan_reviews"] = json!(["2024-07-01", "2025-01-20", "2025-06-30"]);
    v["leaving_care"]["personal_adviser"]["from"] = json!("2025-07-01");
    let r = run::<CareLeaverPathway>(ymd(2025, 6, 10), v);
    let f = one_about(&r, REVIEW, "pathway plan");
    assert_eq!(
        (f.status, f.due),
        (Status::InsufficientData, Some(ymd(2025, 7, 20)))
    );
    assert_eq!(
        evidence(f, "missing_field"),
        Some("leaving_care.pathway_plan_reviews[]")
    );
    assert_eq!(
        f.message,
        "A pathway plan review is dated 30 Jun 2025, after the evaluation date 10 Jun 2025; correct the date before it is counted: until then it cannot be told whether the pathway plan review due by 20 Jul 2025 was held."
    );
    let a = one_about(&r, ADVISER, "personal adviser");
    assert_eq!((a.status, a.due), (Status::InsufficientData, None));
    assert_eq!(
        evidence(a, "missing_field"),
        Some("leaving_care.personal_adviser.from")
    );
}

/// An SSDA903 return supplies the child and the periods of care, so it shows who is a care
/// leaver, but not the leaving-care record: every check is `insufficient_data` naming
/// `leaving_care`, never a breach. A child under 16 is still `not_applicable`.
#[test]
fn an_ssda903_only_record() {
    let ctx = context(ymd(2025, 6, 10));
    let r = assert_reads_suffice::<CareLeaverPathway>(&ctx, &ssda903_only(former_relevant()));
    assert_eq!(r.len(), 3);
    assert_not_supplied(&r, "leaving_care");
    let young = ssda903_only(young_person("2010-01-05", "2020-01-06", None, json!(null)));
    let r = assert_reads_suffice::<CareLeaverPathway>(&ctx, &young);
    assert!(r.iter().all(|x| x.status == Status::NotApplicable));
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
    let r = evaluate_json::<CareLeaverPathway>(&ctx, &former_relevant().to_string())
        .expect("evaluates");
    let p = one_about(&r, REVIEW, "pathway plan");
    assert_eq!(p.due, Some(ymd(2025, 4, 20)));
    assert_eq!(p.status, Status::Breach);
}

#[test]
fn metadata_is_complete() {
    let m = describe::<CareLeaverPathway>();
    assert_eq!(m.id, "care-leaver-pathway");
    let bases: Vec<(&str, Basis)> = m.checks.iter().map(|c| (c.id.as_ref(), c.basis)).collect();
    assert_eq!(
        bases,
        [
            (REVIEW, Basis::Statutory),
            (ADVISER, Basis::Statutory),
            (PLAN, Basis::Guidance)
        ]
    );
    let schema: Value = serde_json::from_str(&m.settings_schema).expect("schema is JSON");
    assert_eq!(schema["properties"]["review_months"]["default"], json!(6));
}

#[test]
fn the_declared_reads_are_enough() {
    let mut full = former_relevant();
    full["child"]["name"] = json!("Not read");
    full["child"]["sex"] = json!("F");
    full["reviews"] = json!([{"date": "2023-01-10"}]);
    let trimmed = trimmed::<CareLeaverPathway>(&full);
    assert!(trimmed.get("reviews").is_none());
    assert!(trimmed["child"].get("name").is_none());
    let a = assert_reads_suffice::<CareLeaverPathway>(&context(ymd(2025, 6, 10)), &full);
    assert_eq!(a.len(), 9);
}
