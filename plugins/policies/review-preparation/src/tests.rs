//! Hand-worked cases. Working days use the shipped England and Wales calendar; the working is
//! in the comments.

use super::*;
use carecheck_sdk::testing::{
    assert_not_supplied, assert_reads_suffice, assert_reads_suffice_on_rich_record, context,
    context_with_settings, current, evidence, of, one, one_about, rich_record, run, ssda903_only,
    ymd,
};
use carecheck_sdk::{Basis, describe, evaluate_json, validate_settings};
use serde_json::{Value, json};

const PAPERS: &str = "papers-with-iro";
const CONSULTED: &str = "child-consulted";
const SPOKE: &str = "iro-spoke-with-child";
const DECISIONS: &str = "decisions-circulated";
const RECORD: &str = "record-circulated";
const ALL: [&str; 5] = [PAPERS, CONSULTED, SPOKE, DECISIONS, RECORD];

/// A child born 10 May 2012, looked after since 6 Jan 2025. Compulsory school age runs from
/// 31 Aug 2017 (the first prescribed day on or after the 5th birthday, 10 May 2017) to the last
/// Friday in June 2028, so a PEP is due for every review here.
fn child(reviews: Value, next: Value) -> Value {
    json!({
        "child": { "date_of_birth": "2012-05-10" },
        "periods_of_care": [{ "episodes": [{ "start": "2025-01-06" }] }],
        "reviews": reviews,
        "next_review": next,
    })
}

fn review(date: &str, preparation: Value) -> Value {
    json!([{ "date": date, "preparation": preparation }])
}

/// Every step of the review on Wed 12 Mar 2025 on its deadline day:
/// - papers at least 3 days before: 12 Mar - 3 days = Sun 9 Mar 2025;
/// - the child consulted by the day before: Tue 11 Mar;
/// - the IRO spoke with the child by the review day: Wed 12 Mar;
/// - decisions within 5 working days (12 Mar not counted): Thu 13 = 1, Fri 14 = 2, Mon 17 = 3,
///   Tue 18 = 4, Wed 19 Mar = 5;
/// - the record within 20: 13-14 Mar = 1-2, 17-21 = 3-7, 24-28 = 8-12, 31 Mar-4 Apr = 13-17,
///   Mon 7 = 18, Tue 8 = 19, Wed 9 Apr 2025 = 20.
fn on_the_day() -> Value {
    json!({
        "planned_date": "2025-03-12",
        "child_consulted": "2025-03-11",
        "iro_spoke_with_child": "2025-03-12",
        "papers": { "care_plan": "2025-03-09", "health_plan": "2025-03-05", "pep": "2025-03-09" },
        "decisions_circulated": "2025-03-19",
        "record_circulated": "2025-04-09",
    })
}

fn march(preparation: Value) -> Value {
    child(review("2025-03-12", preparation), Value::Null)
}

fn with(mut preparation: Value, edit: impl FnOnce(&mut Value)) -> Value {
    edit(&mut preparation);
    preparation
}

#[test]
fn each_deadline_day_itself_is_on_time() {
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), march(on_the_day()));
    assert_eq!(results.len(), 5);
    let due = |check| one(&results, check).due;
    assert_eq!(due(PAPERS), Some(ymd(2025, 3, 9)));
    assert_eq!(due(CONSULTED), Some(ymd(2025, 3, 11)));
    assert_eq!(due(SPOKE), Some(ymd(2025, 3, 12)));
    assert_eq!(due(DECISIONS), Some(ymd(2025, 3, 19)));
    assert_eq!(due(RECORD), Some(ymd(2025, 4, 9)));
    for check in ALL {
        let r = one(&results, check);
        assert_eq!((r.status, r.current), (Status::Met, true), "{r:#?}");
        assert_eq!(r.subject, "review 2025-03-12");
        assert_eq!(evidence(r, "review_date"), Some("2025-03-12"));
    }
    assert_eq!(
        one(&results, PAPERS).message,
        "Papers for the review on 12 Mar 2025 were due with the IRO by 9 Mar 2025 (3 days before): care plan received 9 Mar 2025; health plan received 5 Mar 2025; PEP received 9 Mar 2025."
    );
    assert_eq!(
        one(&results, CONSULTED).message,
        "Consulting the child about the review on 12 Mar 2025 was due by 11 Mar 2025 and was done on 11 Mar 2025."
    );
    assert_eq!(
        one(&results, RECORD).message,
        "Circulating the full record of the review on 12 Mar 2025 was due by 9 Apr 2025 and was done on 9 Apr 2025."
    );
}

#[test]
fn the_day_after_each_deadline_is_late() {
    let late = with(on_the_day(), |p| {
        p["papers"]["pep"] = json!("2025-03-10");
        p["child_consulted"] = json!("2025-03-12");
        p["iro_spoke_with_child"] = json!("2025-03-13");
        p["decisions_circulated"] = json!("2025-03-20");
        p["record_circulated"] = json!("2025-04-10");
    });
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), march(late));
    for check in ALL {
        assert_eq!(one(&results, check).status, Status::Breach, "{check}");
    }
    assert_eq!(
        one(&results, PAPERS).message,
        "Papers for the review on 12 Mar 2025 were due with the IRO by 9 Mar 2025 (3 days before): care plan received 9 Mar 2025; health plan received 5 Mar 2025; PEP received 10 Mar 2025, 1 day late."
    );
    // Consulted on the day of the review itself: too late to shape its arrangements.
    assert_eq!(
        one(&results, CONSULTED).message,
        "Consulting the child about the review on 12 Mar 2025 was due by 11 Mar 2025 and was done on 12 Mar 2025, 1 day late."
    );
    assert_eq!(
        one(&results, SPOKE).message,
        "The IRO speaking with the child before the review on 12 Mar 2025 was due by 12 Mar 2025 and was done on 13 Mar 2025, 1 day late."
    );
    assert_eq!(
        one(&results, DECISIONS).message,
        "Circulating the decisions of the review on 12 Mar 2025 was due by 19 Mar 2025 and was done on 20 Mar 2025, 1 day late."
    );
}

#[test]
fn steps_not_recorded_for_a_review_held_are_breaches() {
    // The review's preparation is recorded, but none of its steps.
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), march(json!({})));
    for check in ALL {
        assert_eq!(one(&results, check).status, Status::Breach, "{check}");
    }
    assert_eq!(
        one(&results, PAPERS).message,
        "Papers for the review on 12 Mar 2025 were due with the IRO by 9 Mar 2025 (3 days before): care plan, health plan and PEP not received."
    );
    assert_eq!(
        one(&results, SPOKE).message,
        "The IRO speaking with the child before the review on 12 Mar 2025 was due by 12 Mar 2025; none is recorded."
    );
    // 19 Mar to 30 Apr: 12 days of March and 30 of April.
    assert_eq!(
        one(&results, DECISIONS).message,
        "Circulating the decisions of the review on 12 Mar 2025 was due by 19 Mar 2025 and is 42 days overdue."
    );
}

#[test]
fn circulation_not_yet_due_is_due_soon_or_upcoming_never_met() {
    // Fri 14 Mar 2025, two days after the review: decisions due 19 Mar (5 days), the record
    // 9 Apr (26 days), both inside the 28-day window.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 3, 14),
        march(with(on_the_day(), |p| {
            p["decisions_circulated"] = Value::Null;
            p["record_circulated"] = Value::Null;
        })),
    );
    assert_eq!(one(&results, DECISIONS).status, Status::DueSoon);
    assert_eq!(
        one(&results, DECISIONS).message,
        "Circulating the decisions of the review on 12 Mar 2025 is due by 19 Mar 2025, in 5 days."
    );
    assert_eq!(one(&results, RECORD).status, Status::DueSoon);

    // Over Christmas: the review on Mon 22 Dec 2025. Decisions: Tue 23 = 1, Wed 24 = 2;
    // Thu 25 and Fri 26 bank holidays; Mon 29 = 3, Tue 30 = 4, Wed 31 Dec 2025 = 5. Record:
    // 23-24 = 1-2, 29-31 = 3-5; Thu 1 Jan 2026 a bank holiday; Fri 2 = 6; 5-9 Jan = 7-11;
    // 12-16 = 12-16; Mon 19 = 17, Tue 20 = 18, Wed 21 = 19, Thu 22 Jan 2026 = 20: 31 days
    // after the review, beyond the window on the review day itself.
    let christmas = |decisions: Value| {
        child(
            review(
                "2025-12-22",
                json!({ "decisions_circulated": decisions, "child_consulted": "2025-12-10",
                        "iro_spoke_with_child": "2025-12-22",
                        "papers": { "care_plan": "2025-12-19", "health_plan": "2025-12-19", "pep": "2025-12-19" } }),
            ),
            Value::Null,
        )
    };
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 12, 22), christmas(Value::Null));
    let record = one(&results, RECORD);
    assert_eq!(
        (record.status, record.due),
        (Status::Upcoming, Some(ymd(2026, 1, 22)))
    );
    assert_eq!(one(&results, DECISIONS).due, Some(ymd(2025, 12, 31)));
    assert_eq!(one(&results, DECISIONS).status, Status::DueSoon);
    // Circulated on 31 Dec, the 5th working day: on time; on Fri 2 Jan 2026, 2 days late.
    let results = run::<ReviewPreparationPolicy>(ymd(2026, 1, 5), christmas(json!("2025-12-31")));
    assert_eq!(one(&results, DECISIONS).status, Status::Met);
    let results = run::<ReviewPreparationPolicy>(ymd(2026, 1, 5), christmas(json!("2026-01-02")));
    let decisions = one(&results, DECISIONS);
    assert_eq!(decisions.status, Status::Breach);
    assert!(
        decisions
            .message
            .ends_with("was done on 2 Jan 2026, 2 days late."),
        "{}",
        decisions.message
    );
}

#[test]
fn easter_bank_holidays_move_the_circulation_deadlines() {
    // The review on Thu 17 Apr 2025. Fri 18 Good Friday, Mon 21 Easter Monday. Decisions:
    // Tue 22 = 1, Wed 23 = 2, Thu 24 = 3, Fri 25 = 4, Mon 28 Apr = 5. Record: 22-25 Apr = 1-4,
    // 28 Apr-2 May = 5-9; Mon 5 May a bank holiday; 6-9 May = 10-13; 12-16 May = 14-18;
    // Mon 19 = 19, Tue 20 May 2025 = 20.
    let record = child(
        review(
            "2025-04-17",
            json!({ "decisions_circulated": "2025-04-28", "record_circulated": "2025-05-21" }),
        ),
        Value::Null,
    );
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 6, 2), record);
    let decisions = one(&results, DECISIONS);
    assert_eq!(
        (decisions.status, decisions.due),
        (Status::Met, Some(ymd(2025, 4, 28)))
    );
    let circulated = one(&results, RECORD);
    assert_eq!(
        (circulated.status, circulated.due),
        (Status::Breach, Some(ymd(2025, 5, 20)))
    );
}

#[test]
fn counting_back_across_29_february() {
    // The review on Fri 1 Mar 2024 (a leap year): the child consulted by the day before, Thu
    // 29 Feb 2024; papers 3 days before: 29 Feb, 28 Feb, Tue 27 Feb 2024.
    let leap = child(
        review(
            "2024-03-01",
            json!({ "child_consulted": "2024-02-29", "papers": { "care_plan": "2024-02-28" } }),
        ),
        Value::Null,
    );
    let results = run::<ReviewPreparationPolicy>(ymd(2024, 6, 1), leap);
    let consulted = one(&results, CONSULTED);
    assert_eq!(
        (consulted.status, consulted.due),
        (Status::Met, Some(ymd(2024, 2, 29)))
    );
    let papers = one(&results, PAPERS);
    assert_eq!(papers.due, Some(ymd(2024, 2, 27)));
    assert!(
        papers
            .message
            .contains("care plan received 28 Feb 2024, 1 day late"),
        "{}",
        papers.message
    );
    // In a common year: the review on Tue 3 Mar 2026, papers by 2 Mar, 1 Mar, Sat 28 Feb 2026.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2026, 6, 1),
        child(review("2026-03-03", json!({})), Value::Null),
    );
    assert_eq!(one(&results, PAPERS).due, Some(ymd(2026, 2, 28)));
    // Counting working days across 29 Feb: the review on Wed 28 Feb 2024, decisions by
    // Thu 29 Feb = 1, Fri 1 Mar = 2, Mon 4 = 3, Tue 5 = 4, Wed 6 Mar 2024 = 5.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2024, 6, 1),
        json!({ "reviews": [{ "date": "2024-02-28", "preparation": { "decisions_circulated": "2024-03-06" } }] }),
    );
    let decisions = one(&results, DECISIONS);
    assert_eq!(
        (decisions.status, decisions.due),
        (Status::Met, Some(ymd(2024, 3, 6)))
    );
}

#[test]
fn a_review_brought_forward_runs_from_the_day_it_was_held() {
    // Planned for Fri 14 Mar, held on Wed 12 Mar 2025. The care plan reached the IRO on
    // Tue 11 Mar: 3 days before the planned date, but the papers were due by 9 Mar, 3 days
    // before the meeting actually held: 2 days late.
    let moved = with(on_the_day(), |p| {
        p["planned_date"] = json!("2025-03-14");
        p["papers"]["care_plan"] = json!("2025-03-11");
    });
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), march(moved));
    let papers = one(&results, PAPERS);
    assert_eq!(papers.status, Status::Breach);
    assert_eq!(
        papers.message,
        "Papers for the review on 12 Mar 2025 (planned for 14 Mar 2025) were due with the IRO by 9 Mar 2025 (3 days before): care plan received 11 Mar 2025, 2 days late; health plan received 5 Mar 2025; PEP received 9 Mar 2025."
    );
    assert_eq!(evidence(papers, "planned_date"), Some("2025-03-14"));
    assert_eq!(evidence(papers, "care_plan"), Some("2025-03-11"));
}

/// The review of 12 Mar 2025 held, the next planned for Wed 10 Sep 2025: papers due Sun 7 Sep,
/// the child consulted by Tue 9 Sep, the IRO's conversation by Wed 10 Sep.
fn planned(next: Value) -> Value {
    child(review("2025-03-12", on_the_day()), next)
}

#[test]
fn the_review_planned_next_is_checked_ahead_of_it() {
    let next = json!({ "planned_date": "2025-09-10", "papers": { "care_plan": "2025-09-01" } });
    // Mon 1 Sep 2025: 6 days to the papers' deadline.
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 9, 1), planned(next.clone()));
    let papers = one_about(&results, PAPERS, "next review");
    assert_eq!(
        (papers.status, papers.due, papers.current),
        (Status::DueSoon, Some(ymd(2025, 9, 7)), true)
    );
    assert_eq!(
        papers.message,
        "Papers for the review planned for 10 Sep 2025 are due with the IRO by 7 Sep 2025 (3 days before), in 6 days: care plan received 1 Sep 2025; health plan and PEP not yet received."
    );
    let consulted = one_about(&results, CONSULTED, "next review");
    assert_eq!(consulted.status, Status::DueSoon);
    assert_eq!(
        consulted.message,
        "Consulting the child about the review planned for 10 Sep 2025 is due by 9 Sep 2025, in 8 days."
    );
    assert_eq!(
        one_about(&results, SPOKE, "next review").due,
        Some(ymd(2025, 9, 10))
    );
    // What is current: the planned review before it, the last review held after it.
    let now: Vec<(&str, &str)> = current(&results)
        .iter()
        .map(|r| (r.check.as_ref(), r.subject.as_str()))
        .collect();
    assert_eq!(
        now,
        [
            (DECISIONS, "review 2025-03-12"),
            (RECORD, "review 2025-03-12"),
            (PAPERS, "next review"),
            (CONSULTED, "next review"),
            (SPOKE, "next review"),
        ]
    );
    // No circulation is due for a review not yet held.
    assert_eq!(of(&results, DECISIONS).len(), 1);

    // Sun 7 Sep: due today. Mon 8 Sep: the deadline passed, the papers are late although the
    // meeting has not happened yet.
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 9, 7), planned(next.clone()));
    let papers = one_about(&results, PAPERS, "next review");
    assert_eq!(papers.status, Status::DueSoon);
    assert!(
        papers
            .message
            .starts_with("Papers for the review planned for 10 Sep 2025 are due with the IRO today, by 7 Sep 2025 (3 days before):"),
        "{}",
        papers.message
    );
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 9, 8), planned(next));
    let papers = one_about(&results, PAPERS, "next review");
    assert_eq!(papers.status, Status::Breach);
    assert_eq!(
        papers.message,
        "Papers for the review planned for 10 Sep 2025 were due with the IRO by 7 Sep 2025 (3 days before): care plan received 1 Sep 2025; health plan and PEP not yet received."
    );

    // Planned for Mon 10 Nov 2025: papers due Fri 7 Nov, 67 days after 1 Sep: upcoming.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 9, 1),
        planned(json!({ "planned_date": "2025-11-10" })),
    );
    assert_eq!(
        one_about(&results, PAPERS, "next review").status,
        Status::Upcoming
    );
    // All three papers in early: met.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 9, 1),
        planned(
            json!({ "planned_date": "2025-09-10", "child_consulted": "2025-08-28",
                         "papers": { "care_plan": "2025-09-01", "health_plan": "2025-08-29", "pep": "2025-09-01" } }),
        ),
    );
    assert_eq!(
        one_about(&results, PAPERS, "next review").status,
        Status::Met
    );
    assert_eq!(
        one_about(&results, CONSULTED, "next review").status,
        Status::Met
    );
}

#[test]
fn a_planned_date_that_has_passed_is_stale() {
    // Planned for 10 Sep 2025; on 15 Sep no review since 12 Mar is recorded.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 9, 15),
        planned(json!({ "planned_date": "2025-09-10" })),
    );
    for check in [PAPERS, CONSULTED, SPOKE] {
        let r = one_about(&results, check, "next review");
        assert_eq!(
            (r.status, r.due, r.current),
            (Status::InsufficientData, None, true)
        );
        assert_eq!(
            evidence(r, "missing_field"),
            Some("next_review.planned_date")
        );
    }
    assert_eq!(
        one_about(&results, PAPERS, "next review").message,
        "The next review is recorded as planned for 10 Sep 2025, which has passed, and no review held since is recorded; record the review as held, or its new planned date."
    );
    // The planned review was held and recorded, but the plan was left in place.
    let mut record = planned(json!({ "planned_date": "2025-09-10" }));
    record["reviews"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "date": "2025-09-10" }));
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 9, 15), record);
    assert_eq!(
        one_about(&results, CONSULTED, "next review").message,
        "The next review is recorded as planned for 10 Sep 2025, but a review was held on 10 Sep 2025; record when the next review is planned for."
    );
    // A child no longer looked after has no next review to prepare.
    let mut record = planned(json!({ "planned_date": "2025-09-10" }));
    record["periods_of_care"][0]["episodes"][0]["end"] = json!("2025-06-30");
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 9, 1), record);
    assert!(results.iter().all(|r| r.subject == "review 2025-03-12"));
}

#[test]
fn a_child_under_4_is_not_consulted_and_needs_no_pep() {
    // Born 1 Jun 2021: 3 on 12 Mar 2025, not yet of compulsory school age.
    let mut record =
        march(json!({ "papers": { "care_plan": "2025-03-01", "health_plan": "2025-03-09" } }));
    record["child"]["date_of_birth"] = json!("2021-06-01");
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), record);
    for check in [CONSULTED, SPOKE] {
        let r = one(&results, check);
        assert_eq!(r.status, Status::NotApplicable, "{r:#?}");
        assert_eq!(evidence(r, "age_on_review"), Some("3"));
    }
    let papers = one(&results, PAPERS);
    assert_eq!(papers.status, Status::Met);
    assert!(
        papers
            .message
            .ends_with("health plan received 9 Mar 2025; no PEP needed (the child is not of compulsory school age)."),
        "{}",
        papers.message
    );
}

#[test]
fn the_pep_is_needed_from_the_start_of_compulsory_school_age() {
    // Born 1 Sep 2019: 5 on 1 Sep 2024, of compulsory school age from the next prescribed
    // day, Tue 31 Dec 2024. A review on Mon 30 Dec 2024 needs no PEP; one on 31 Dec does.
    let record = |date: &str| {
        json!({
            "child": { "date_of_birth": "2019-09-01" },
            "reviews": [{ "date": date, "preparation": {
                "papers": { "care_plan": "2024-12-20", "health_plan": "2024-12-20" } } }],
        })
    };
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 2, 1), record("2024-12-30"));
    assert_eq!(one(&results, PAPERS).status, Status::Met);
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 2, 1), record("2024-12-31"));
    let papers = one(&results, PAPERS);
    assert_eq!(papers.status, Status::Breach);
    assert!(
        papers.message.ends_with("; PEP not received."),
        "{}",
        papers.message
    );
}

#[test]
fn without_a_date_of_birth_the_pep_cannot_be_judged() {
    let mut record =
        march(json!({ "papers": { "care_plan": "2025-03-01", "health_plan": "2025-03-09" } }));
    record["child"] = json!({});
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), record.clone());
    let papers = one(&results, PAPERS);
    assert_eq!(papers.status, Status::InsufficientData);
    assert_eq!(
        evidence(papers, "missing_field"),
        Some("child.date_of_birth")
    );
    assert!(
        papers.message.ends_with(
            "whether a PEP was needed is unknown: the child's date of birth is not recorded."
        ),
        "{}",
        papers.message
    );
    // A late care plan is a breach whatever the PEP.
    record["reviews"][0]["preparation"]["papers"]["care_plan"] = json!("2025-03-11");
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), record);
    assert_eq!(one(&results, PAPERS).status, Status::Breach);
    // With no date of birth the consultation applies.
    assert_eq!(one(&results, CONSULTED).status, Status::Breach);
}

/// A schema 1.0 record: reviews without `preparation`. Nothing is assumed: each check is
/// `insufficient_data` naming `reviews[].preparation`, with the due date the review fixes.
#[test]
fn a_schema_1_0_review_has_nothing_recorded_and_no_breach() {
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 4, 30),
        child(
            json!([{ "date": "2025-03-12", "participation": "PN1" }]),
            Value::Null,
        ),
    );
    assert_eq!(results.len(), 5);
    for r in &results {
        assert_eq!(r.status, Status::InsufficientData, "{r:#?}");
        assert_eq!(evidence(r, "missing_field"), Some("reviews[].preparation"));
        assert!(r.current);
    }
    assert_eq!(one(&results, PAPERS).due, Some(ymd(2025, 3, 9)));
    assert_eq!(one(&results, RECORD).due, Some(ymd(2025, 4, 9)));
    assert_eq!(
        one(&results, DECISIONS).message,
        "The review on 12 Mar 2025 does not record its preparation (the child's consultation, the IRO's conversation with the child, the papers, the circulation of its decisions and record), so this cannot be checked; add the dates (not recorded does not mean not done)."
    );
    // The SDK's rich record is a 1.0 record: its reviews give no breach either. Born 16 Mar
    // 2020, the child was 2 at the review of 1 Feb 2023 (not consulted: not applicable).
    let results = assert_reads_suffice_on_rich_record::<ReviewPreparationPolicy>(ymd(2025, 6, 1));
    assert!(results.iter().all(|r| r.status != Status::Breach));
    assert_eq!(
        one_about(&results, CONSULTED, "review 2023-02-01").status,
        Status::NotApplicable
    );
    assert_eq!(
        one_about(&results, CONSULTED, "review 2025-03-04").status,
        Status::InsufficientData
    );
}

/// An SSDA903 return carries review dates but not their preparation: one `insufficient_data`
/// per check naming `reviews.preparation`, never a breach, whatever the record holds.
#[test]
fn an_ssda903_only_record_cannot_show_the_preparation() {
    let record = ssda903_only(march(json!({})));
    let results =
        assert_reads_suffice::<ReviewPreparationPolicy>(&context(ymd(2025, 4, 30)), &record);
    assert_eq!(results.len(), 5);
    assert_not_supplied(&results, "reviews.preparation");
    assert!(results.iter().all(|r| r.due.is_none()));
    // Without provenance the same record is five breaches: the steps are known not taken.
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), march(json!({})));
    assert!(results.iter().all(|r| r.status == Status::Breach));
}

#[test]
fn dates_after_the_evaluation_date_and_circulation_before_the_review_are_data_errors() {
    // On 20 Mar 2025 the decisions are recorded as circulated on 25 Mar, and the health plan
    // as received on 21 Mar.
    let record = march(with(on_the_day(), |p| {
        p["decisions_circulated"] = json!("2025-03-25");
        p["papers"]["health_plan"] = json!("2025-03-21");
        p["record_circulated"] = Value::Null;
    }));
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 3, 20), record);
    let decisions = one(&results, DECISIONS);
    assert_eq!(
        (decisions.status, decisions.due, decisions.current),
        (Status::InsufficientData, Some(ymd(2025, 3, 19)), true)
    );
    assert_eq!(
        evidence(decisions, "missing_field"),
        Some("reviews[].preparation.decisions_circulated")
    );
    assert_eq!(
        decisions.message,
        "Circulating the decisions of the review on 12 Mar 2025 is dated 25 Mar 2025, after the evaluation date 20 Mar 2025; correct the date before it is counted."
    );
    let papers = one(&results, PAPERS);
    assert_eq!(papers.status, Status::InsufficientData);
    assert_eq!(
        evidence(papers, "missing_field"),
        Some("reviews[].preparation.papers.health_plan")
    );
    // A record circulated before the review was held.
    let record = march(with(on_the_day(), |p| {
        p["record_circulated"] = json!("2025-03-10");
    }));
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), record);
    let circulated = one(&results, RECORD);
    assert_eq!(circulated.status, Status::InsufficientData);
    assert_eq!(
        circulated.message,
        "Circulating the full record of the review on 12 Mar 2025 is dated 10 Mar 2025, before the review was held; correct the date before it is counted."
    );
}

#[test]
fn each_review_is_its_own_result_and_the_latest_is_current() {
    let record = child(
        json!([
            { "date": "2025-01-30", "preparation": { "decisions_circulated": "2025-02-28" } },
            { "date": "2025-03-12", "preparation": on_the_day() },
            // A second row for the same day without preparation: one review.
            { "date": "2025-03-12" },
            // A review dated after the evaluation date: not used (statutory-review-timeliness
            // reports it).
            { "date": "2025-06-01" },
        ]),
        Value::Null,
    );
    let results = run::<ReviewPreparationPolicy>(ymd(2025, 4, 30), record);
    assert_eq!(results.len(), 10);
    for check in ALL {
        let rows = of(&results, check);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].subject, "review 2025-01-30");
        assert!(!rows[0].current);
        assert_eq!((rows[1].status, rows[1].current), (Status::Met, true));
    }
    assert_eq!(
        one_about(&results, DECISIONS, "review 2025-01-30").status,
        Status::Breach
    );
}

#[test]
fn no_review_no_result_but_not_applicable() {
    // Nothing held since 1 Apr 2011 (a review in 2010 is not checked), nothing planned.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 4, 30),
        json!({ "reviews": [{ "date": "2010-06-01", "preparation": {} }] }),
    );
    assert_eq!(results.len(), 5);
    for r in &results {
        assert_eq!(
            (r.status, r.subject.as_str(), r.current),
            (Status::NotApplicable, "record", true)
        );
    }
    assert_eq!(
        one(&results, PAPERS).message,
        "No review held from 1 Apr 2011 to 30 Apr 2025 is recorded, and none is planned, so there is nothing to check."
    );
    assert_eq!(
        one(&results, RECORD).message,
        "No review held from 1 Apr 2011 to 30 Apr 2025 is recorded, so there is nothing to check."
    );
}

#[test]
fn counting_beyond_the_calendar_is_insufficient_data() {
    // The review on Thu 20 Dec 2040: decisions by Fri 21 = 1, Mon 24 = 2, (25, 26 Dec bank
    // holidays), Thu 27 = 3, Fri 28 = 4, Mon 31 Dec 2040 = 5, the calendar's last day; the
    // record's 20 working days run past it.
    let results = run::<ReviewPreparationPolicy>(
        ymd(2040, 12, 31),
        json!({ "reviews": [{ "date": "2040-12-20", "preparation": {} }] }),
    );
    assert_eq!(one(&results, DECISIONS).due, Some(ymd(2040, 12, 31)));
    let record = one(&results, RECORD);
    assert_eq!(
        (record.status, record.due),
        (Status::InsufficientData, None)
    );
    assert_eq!(evidence(record, "missing_field"), Some("calendar"));
}

#[test]
fn settings_may_tighten_but_not_loosen() {
    assert!(validate_settings::<ReviewPreparationPolicy>("").is_ok());
    assert!(validate_settings::<ReviewPreparationPolicy>("{}").is_ok());
    for (tighter, loose, bound) in [
        (
            r#"{"papers_days_before": 5}"#,
            r#"{"papers_days_before": 2}"#,
            "at least 3",
        ),
        (
            r#"{"child_consulted_days_before": 7}"#,
            r#"{"child_consulted_days_before": 0}"#,
            "at least 1",
        ),
        (
            r#"{"decisions_working_days": 3}"#,
            r#"{"decisions_working_days": 6}"#,
            "at most 5",
        ),
        (
            r#"{"record_working_days": 15}"#,
            r#"{"record_working_days": 21}"#,
            "at most 20",
        ),
    ] {
        assert!(
            validate_settings::<ReviewPreparationPolicy>(tighter).is_ok(),
            "{tighter}"
        );
        let err = validate_settings::<ReviewPreparationPolicy>(loose).unwrap_err();
        assert!(
            err.contains(bound) && err.contains("IRO Handbook 2010"),
            "{err}"
        );
    }
    assert!(
        validate_settings::<ReviewPreparationPolicy>(r#"{"iro_spoke_days_before": 2}"#).is_ok()
    );
    assert!(
        validate_settings::<ReviewPreparationPolicy>(r#"{"iro_spoke_days_before": 91}"#).is_err()
    );
    assert!(validate_settings::<ReviewPreparationPolicy>(r#"{"papers_days": 3}"#).is_err());

    // Papers 5 days ahead: 12 Mar 2025 - 5 = Fri 7 Mar; the care plan of 9 Mar is 2 days late.
    let c = context_with_settings(ymd(2025, 4, 30), r#"{"papers_days_before": 5}"#);
    let results =
        evaluate_json::<ReviewPreparationPolicy>(&c, &march(on_the_day()).to_string()).unwrap();
    let papers = one(&results, PAPERS);
    assert_eq!(papers.due, Some(ymd(2025, 3, 7)));
    assert!(
        papers
            .message
            .contains("by 7 Mar 2025 (5 days before): care plan received 9 Mar 2025, 2 days late"),
        "{}",
        papers.message
    );
}

#[test]
fn metadata_declares_the_checks_and_fields() {
    let m = describe::<ReviewPreparationPolicy>();
    assert_eq!(m.id, "review-preparation");
    let ids: Vec<_> = m.checks.iter().map(|c| c.id.as_ref()).collect();
    assert_eq!(ids, ALL);
    assert!(m.checks.iter().all(|c| c.basis == Basis::Guidance));
    assert_eq!(
        m.check(SPOKE).unwrap().citation,
        "IRO Handbook 2010; CPPCR 2010 reg 36 (to verify)"
    );
    assert!(m.reads.contains(&"/next_review".to_string()));
    assert!(m.settings_schema.contains("papers_days_before"));
    let results = run::<ReviewPreparationPolicy>(
        ymd(2025, 9, 1),
        planned(json!({ "planned_date": "2025-09-10" })),
    );
    assert!(results.iter().all(|r| m.check(&r.check).is_some()));
}

#[test]
fn the_declared_reads_are_enough_on_a_1_1_record() {
    let mut record = rich_record();
    record["reviews"][1]["preparation"] = json!({
        "planned_date": "2025-03-04", "child_consulted": "2025-02-20", "iro_spoke_with_child": "2025-03-03",
        "papers": { "care_plan": "2025-02-28", "health_plan": "2025-03-02" },
        "decisions_circulated": "2025-03-10", "record_circulated": "2025-04-15",
    });
    record["next_review"] =
        json!({ "planned_date": "2025-09-01", "papers": { "care_plan": "2025-05-30" } });
    let results =
        assert_reads_suffice::<ReviewPreparationPolicy>(&context(ymd(2025, 6, 1)), &record);
    assert_eq!(
        one_about(&results, DECISIONS, "review 2025-03-04").status,
        Status::Met
    );
    assert_eq!(
        one_about(&results, PAPERS, "next review").status,
        Status::Upcoming
    );
}

#[test]
fn unreadable_record_is_an_error_not_a_panic() {
    let c = context(ymd(2025, 4, 30));
    assert!(evaluate_json::<ReviewPreparationPolicy>(&c, "not json").is_err());
    assert!(
        evaluate_json::<ReviewPreparationPolicy>(
            &c,
            r#"{"next_review": {"child_consulted": "2025-01-01"}}"#
        )
        .is_err()
    );
}
