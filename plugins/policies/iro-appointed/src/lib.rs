//! `iro-appointed`: an independent reviewing officer (IRO) allocated promptly and appointed for
//! the child's case (Children Act 1989 s25A; IRO Handbook 2010).
//!
//! The rule: a local authority looking after a child must appoint an IRO for the child's case
//! (s25A(1)); the initial appointment must be made before the case is first reviewed (s25A(2));
//! when a vacancy arises a new appointment must be made as soon as is practicable (s25A(3)).
//! The reference (`statutory-rules.md`, "Statutory reviews and the IRO") gives the figure
//! "IRO appointed: before the first review of the case, CA 1989 s25A(2)"; its "Preparing for a
//! review" table adds, as guidance, "IRO allocated: within 5 working days of the child becoming
//! looked after" (IRO Handbook 2010). The rest of that table is `review-preparation`'s.
//!
//! Checks (the first two statutory, the third guidance):
//! - `iro-before-first-review` (CA 1989 s25A(2)): one result per period of care. An IRO
//!   assignment (`iro_assignments[]`) in force on the day of the period's first review
//!   (`from` on or before it, `to` absent or on or after it) is `met`; none is `breach`. When the
//!   first review has not been held yet, the IRO must be in place by the first review's due date
//!   (from `carecheck_sdk::reviews::schedule`, the same schedule `statutory-review-timeliness`
//!   reports, 20 working days after the period starts): before that date the status follows
//!   [`Context::timing`] (`met` if an IRO is already in place, otherwise `due_soon` inside the
//!   look-ahead window and `upcoming` beyond it); after it, an IRO in force on the due date is `met`, an
//!   IRO assigned later is `breach` ("N days late"), none is `breach` ("N days overdue").
//! - `iro-assigned-now` (CA 1989 s25A(1), (3)): for a child in a period of care open on the
//!   evaluation date, an IRO assignment in force on the evaluation date is `met`; none is `breach`,
//!   except while the period's first review is neither held nor yet due, when the appointment is
//!   still within the s25A(2) deadline and the status follows the timing against the first
//!   review's due date. A child not in a period of care on the evaluation date gets one
//!   `not_applicable` result.
//!
//! - `iro-allocated` (guidance, IRO Handbook 2010; `statutory-rules.md`, "Preparing for a
//!   review"): one result per period of care. The allocation is due within 5 working days of
//!   the child becoming looked after (setting `iro_allocated_working_days`): the period's start
//!   day does not count, day 1 is the first working day after it, and an allocation on the 5th
//!   is on time. An IRO in place on any day from the start to the due date is `met` (one still
//!   assigned from an earlier period counts, as above); the first assignment after the due date,
//!   within the period, makes it a `breach` ("N days late"); none yet follows
//!   [`Context::timing`]. A period that ended before the due date with no IRO is
//!   `not_applicable`; one that ended later with none is a `breach`. It needs only the periods
//!   and `iro_assignments`: an SSDA903-only record gets `insufficient_data` naming
//!   `iro_assignments`, carrying the due date (fixed by the start alone). `current` as for
//!   `iro-before-first-review`: the open period's result until its first review is held.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - "Before the first review" is read as "in place on the day of the review": an assignment that
//!   starts on the review day counts (the IRO chairs it), an assignment that ended before the
//!   review does not.
//! - An assignment that began before the period of care (for example in an earlier period) and
//!   was never ended counts: the record says that IRO remained assigned to the child's case.
//! - The first review of a period is the earliest review dated inside it, as in the SDK schedule.
//!   A review held in a period that ended before its first review was due still needed an IRO
//!   before it, so it is checked; a period that ended before its first review was due, with no
//!   review held, gets `not_applicable` (no review was owed, so no appointment was due).
//! - A vacancy (the last assignment ended, no new one) gets `breach` on `iro-assigned-now` with the
//!   date the vacancy began: s25A(3) says "as soon as is practicable" and the reference gives no
//!   grace period, so the IRO's manager judges practicability from the message. It has no `due`.
//! - When the first review of a period that has since ended was never held and no IRO was ever
//!   appointed, the message says so instead of counting days overdue (the period is over).
//! - Dated rows after the evaluation date are data errors, reported as `insufficient_data` on
//!   `iro-assigned-now` naming the row and never used as evidence: an IRO assignment starting in
//!   the future, and an assignment whose `to` is before its `from`. Reviews dated after the
//!   evaluation date are not used either; `statutory-review-timeliness` reports them (reporting
//!   them here too would list the same data error twice).
//! - A period of care with no episodes, or starting after the evaluation date, gets
//!   `insufficient_data` on `iro-before-first-review`; a record with no period of care gets
//!   `insufficient_data` on both checks; counting beyond the working-day calendar gets
//!   `insufficient_data` naming the calendar. None of these carries a due date: none is fixed
//!   without what is missing.
//! - `current`: `iro-assigned-now` is the standing answer, always current; for
//!   `iro-before-first-review`, the result of the open period while its first review has not
//!   been held. Once that review is held the verdict on it is history, as are ended periods.
//!   Data errors are current.
//! - Provenance: the checks need the periods of care, the review dates (`reviews.dates`) and the
//!   IRO assignments (`iro_assignments`). An SSDA903 return supplies no IRO assignments, so an
//!   SSDA903-only record gives `insufficient_data` naming `iro_assignments` (never a breach):
//!   one per period on `iro-before-first-review`, carrying the first review's due date (fixed by
//!   the period's start alone), and one on `iro-assigned-now`.
//!
//! Settings: `first_review_working_days` (default 20, CPPCR reg 33(1)), the deadline of the first
//! review and therefore of the initial appointment, and `iro_allocated_working_days` (default 5,
//! IRO Handbook 2010); each may be shortened, never lengthened.

use carecheck_sdk::dates::{self};
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::{IroAssignment, PeriodOfCare, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::reviews::{self, Intervals};
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::{Iso, Long, Plural};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct IroAppointed;

/// Settings. A local authority may bring the deadlines forward, never push them back.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct IroSettings {
    /// Working days after the child becomes looked after by which the first review, and so the
    /// initial IRO appointment, is due (CPPCR 2010 reg 33(1): 20).
    pub first_review_working_days: u32,
    /// Working days after the child becomes looked after within which an IRO is allocated
    /// (IRO Handbook 2010: 5).
    pub iro_allocated_working_days: u32,
}

impl Default for IroSettings {
    fn default() -> Self {
        Self {
            first_review_working_days: Intervals::default().first_review_working_days,
            iro_allocated_working_days: 5,
        }
    }
}

impl Settings for IroSettings {
    fn check(&self) -> Result<(), String> {
        at_most(
            "first_review_working_days",
            self.first_review_working_days,
            Intervals::default().first_review_working_days,
            "CPPCR 2010 reg 33(1)",
        )?;
        if self.first_review_working_days == 0 {
            return Err("setting `first_review_working_days` must be at least 1".into());
        }
        at_most(
            "iro_allocated_working_days",
            self.iro_allocated_working_days,
            Self::default().iro_allocated_working_days,
            HANDBOOK,
        )
    }
}

fn checks() -> [CheckInfo; 3] {
    [
        CheckInfo::statutory(
            "iro-before-first-review",
            "IRO appointed before the first review of each period of care",
            "CA 1989 s25A(2)",
        ),
        CheckInfo::statutory(
            "iro-assigned-now",
            "IRO assigned while the child is looked after",
            "CA 1989 s25A(1), (3)",
        ),
        CheckInfo::guidance(
            "iro-allocated",
            "IRO allocated within 5 working days of the child becoming looked after",
            HANDBOOK,
        ),
    ]
}

const HANDBOOK: &str = "IRO Handbook 2010";

impl Policy for IroAppointed {
    type Record = CareRecord;
    type Settings = IroSettings;

    fn about() -> About {
        About {
            id: "iro-appointed",
            version: env!("CARGO_PKG_VERSION"),
            title: "Independent reviewing officer appointed",
            description: "Checks that an IRO was allocated within days of each period of care \
                          beginning and appointed before its first review, and that one is \
                          assigned to every looked-after child now.",
            author: "carecheck",
            citations: &["CA 1989 s25A", "CPPCR 2010 reg 33(1)", HANDBOOK],
            checks: checks().to_vec(),
            reads: &[
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/reviews/*/date",
                "/iro_assignments/*/iro_id",
                "/iro_assignments/*/from",
                "/iro_assignments/*/to",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &IroSettings) -> Vec<CheckResult> {
        let [before, now, allocated] = checks();
        let eval = ctx.evaluation_date;
        let mut results = Vec::new();
        if !record.supplied(Section::PeriodsOfCare) {
            return [&before, &now, &allocated]
                .map(|c| c.not_supplied("record", record, Section::PeriodsOfCare))
                .to_vec();
        }
        let missing = record.unsupplied(&[Section::IroAssignments, Section::ReviewDates]);
        // The allocation needs only the periods and the assignments.
        let assignments_missing = !record.supplied(Section::IroAssignments);

        // Data errors in the assignments: reported (when the checks can be judged), never used.
        let mut valid: Vec<&IroAssignment> = Vec::new();
        for a in &record.iro_assignments {
            let subject = [
                "IRO assignment ",
                &a.iro_id,
                " from ",
                &dates::iso_text(a.from),
            ]
            .concat();
            let error = if ctx.is_future(a.from) {
                Some(
                    now.insufficient(
                        subject,
                        "iro_assignments[].from",
                        text![
                            "IRO ",
                            &a.iro_id,
                            " is recorded as assigned from ",
                            Long(a.from),
                            ", after the evaluation date ",
                            Long(eval),
                            "; the assignment is not counted until the date is corrected."
                        ],
                    )
                    .with_current(true),
                )
            } else {
                a.to.filter(|to| *to < a.from).map(|to| {
                    now.insufficient(
                        subject,
                        "iro_assignments[].to",
                        text![
                            "IRO ",
                            &a.iro_id,
                            "'s assignment is recorded as ending on ",
                            Long(to),
                            ", before it starts on ",
                            Long(a.from),
                            "; the assignment is not counted until the dates are corrected."
                        ],
                    )
                    .with_current(true)
                })
            };
            match error {
                Some(e) if missing.is_none() => results.push(e),
                Some(_) => {}
                None => valid.push(a),
            }
        }

        if record.periods_of_care.is_empty() {
            let why = "The record has no period of care, so it cannot be told when an IRO was needed; add the episodes of care.";
            results.push(
                before
                    .insufficient("record", "periods_of_care", why)
                    .with_current(true),
            );
            for info in [&now, &allocated] {
                results.push(
                    info.insufficient("record", "periods_of_care", why)
                        .with_current(true),
                );
            }
            return results;
        }

        results.extend(before.unusable_periods(ctx, &record.periods_of_care));

        let intervals = Intervals {
            first_review_working_days: s.first_review_working_days,
            ..Intervals::default()
        };
        // A period whose first deadline the calendar cannot reach has no reviews here; the loop
        // below reports it as insufficient data, period by period.
        let schedules = reviews::schedule(record, eval, &ctx.calendar, intervals);

        // Reviews actually held (not future-dated), oldest first.
        let (held, _) = recurring::split_future(ctx, record.reviews.iter().map(|r| r.date));

        // `schedule` keeps the periods with a known start on or before the evaluation date, in order.
        let periods: Vec<&PeriodOfCare> = record
            .periods_of_care
            .iter()
            .filter(|p| p.start().is_some_and(|st| st <= eval))
            .collect();

        let mut current: Option<(NaiveDate, NaiveDate, Option<NaiveDate>)> = None;
        // Set when the open period's deadline cannot be counted: "assigned now" cannot be judged either.
        let mut now_blocked: Option<CheckResult> = None;
        for (period, schedule) in periods.iter().zip(&schedules) {
            let start = schedule.start;
            let first = schedule.reviews.first();
            let first_held = first
                .and_then(|r| r.held)
                .or_else(|| held.iter().copied().find(|d| period.contains(*d)));
            let subject = text!["period of care from ", Iso(start)];
            let allocation = match ctx.add_working_days(start, s.iro_allocated_working_days) {
                Err(e) => allocated.insufficient(
                    "calendar",
                    "calendar",
                    text![
                        "The IRO allocation's due date cannot be counted: ",
                        e.to_string(),
                        "."
                    ],
                ),
                Ok(due) if assignments_missing => allocated
                    .not_supplied(subject, record, Section::IroAssignments)
                    .with_due(due)
                    .with_evidence("period_start", start),
                Ok(due) => allocation(ctx, &allocated, &valid, start, schedule.end, due),
            };
            // Like the appointment before the first review, a matter of the period's beginning.
            results.push(allocation.with_current(
                period.contains(eval) && (assignments_missing || first_held.is_none()),
            ));
            let due = match first {
                Some(r) => r.due,
                None => match ctx.add_working_days(start, s.first_review_working_days) {
                    Ok(due) => due,
                    Err(e) => {
                        let why = text![
                            "The first review's due date cannot be counted: ",
                            e.to_string(),
                            "."
                        ];
                        let open = period.contains(eval);
                        results.push(
                            before
                                .insufficient("calendar", "calendar", &why)
                                .with_current(open),
                        );
                        if open {
                            now_blocked = Some(now.insufficient("calendar", "calendar", &why));
                        }
                        continue;
                    }
                },
            };
            let open = period.contains(eval);
            if open {
                current = Some((start, due, first_held));
            }
            let result = match missing {
                Some(section) => before
                    .not_supplied(text!["period of care from ", Iso(start)], record, section)
                    .with_due(due)
                    .with_evidence("period_start", start),
                None => {
                    before_first_review(ctx, &before, &valid, start, schedule.end, due, first_held)
                }
            };
            results.push(result.with_current(open && (missing.is_some() || first_held.is_none())));
        }

        let now_result = match (current, now_blocked, missing) {
            (_, Some(blocked), _) => blocked,
            (Some(_), None, Some(section)) => now.not_supplied("child", record, section),
            (None, None, _) => now
                .result(
                    Status::NotApplicable,
                    "child",
                    text![
                        "The child is not in a period of care on ",
                        Long(eval),
                        ", so no IRO needs to be assigned now."
                    ],
                )
                .with_evidence("evaluation_date", eval),
            (Some((start, due, first_held)), None, None) => {
                assigned_now(ctx, &now, &valid, start, due, first_held)
            }
        };
        results.push(now_result.with_current(true));
        results
    }
}

/// The assignment in force on `date` (the latest to start, if several overlap).
fn in_force(valid: &[&IroAssignment], date: NaiveDate) -> Option<IroAssignment> {
    valid
        .iter()
        .filter(|a| a.from <= date && a.to.is_none_or(|to| to >= date))
        .max_by_key(|a| a.from)
        .map(|a| (*a).clone())
}

/// The first assignment starting after `after` and no later than `until` (if given).
fn first_after(
    valid: &[&IroAssignment],
    after: NaiveDate,
    until: Option<NaiveDate>,
) -> Option<IroAssignment> {
    valid
        .iter()
        .filter(|a| a.from > after && until.is_none_or(|u| a.from <= u))
        .min_by_key(|a| a.from)
        .map(|a| (*a).clone())
}

/// `iro-allocated` for one period of care whose allocation was due on `due`: `met` when an IRO
/// was in place on some day from the period's start to `due` (one carried over counts), late
/// when the first came after it, otherwise by the timing (or `not_applicable` when the period
/// ended first).
fn allocation(
    ctx: &Context,
    info: &CheckInfo,
    valid: &[&IroAssignment],
    start: NaiveDate,
    end: Option<NaiveDate>,
    due: NaiveDate,
) -> CheckResult {
    let eval = ctx.evaluation_date;
    let period = period_text(start);
    let subject = text!["period of care from ", Iso(start)];
    let what = text!["IRO allocation for the ", &period];
    let in_time = valid
        .iter()
        .filter(|a| a.from <= due && a.to.is_none_or(|to| to >= start))
        .min_by_key(|a| a.from);
    let result = if let Some(a) = in_time {
        let when = if a.from < start {
            text!["already assigned (from ", Long(a.from), ") when"]
        } else {
            text!["allocated on ", Long(a.from), ", after"]
        };
        info.result(
            Status::Met,
            subject,
            text![
                "IRO ",
                &a.iro_id,
                " was ",
                &when,
                " the ",
                &period,
                " began; an allocation was due by ",
                Long(due),
                "."
            ],
        )
        .with_evidence("iro_id", &a.iro_id)
        .with_evidence("iro_from", a.from)
    } else if let Some(end) = end.filter(|e| *e < due) {
        info.result(
            Status::NotApplicable,
            subject,
            text![
                "The ",
                &period,
                " ended on ",
                Long(end),
                ", before an IRO allocation was due on ",
                Long(due),
                "."
            ],
        )
    } else if let Some(a) = first_after(valid, due, end) {
        let timing = ctx.timing(due, Some(a.from));
        info.timed(subject, due, timing, describe(&what, "made", due, timing))
            .with_evidence("iro_id", &a.iro_id)
            .with_evidence("iro_from", a.from)
    } else if let Some(end) = end.filter(|e| *e < eval) {
        info.result(
            Status::Breach,
            subject,
            text![
                "No IRO was allocated in the ",
                &period,
                ", which ended on ",
                Long(end),
                ", although one was due by ",
                Long(due),
                "."
            ],
        )
    } else {
        let timing = ctx.timing(due, None);
        info.timed(subject, due, timing, describe(&what, "made", due, timing))
    };
    result.with_due(due).with_evidence("period_start", start)
}

fn period_text(start: NaiveDate) -> String {
    text!["period of care from ", Long(start)]
}

fn before_first_review(
    ctx: &Context,
    info: &CheckInfo,
    valid: &[&IroAssignment],
    start: NaiveDate,
    end: Option<NaiveDate>,
    due: NaiveDate,
    first_held: Option<NaiveDate>,
) -> CheckResult {
    let eval = ctx.evaluation_date;
    let period = period_text(start);
    let subject = text!["period of care from ", Iso(start)];
    if let Some(held) = first_held {
        let result = match in_force(valid, held) {
            Some(a) => info
                .result(
                    Status::Met,
                    subject,
                    text![
                        "IRO ",
                        &a.iro_id,
                        ", assigned from ",
                        Long(a.from),
                        ", was in place for the first review of the ",
                        &period,
                        ", held on ",
                        Long(held),
                        "."
                    ],
                )
                .with_evidence("iro_id", &a.iro_id)
                .with_evidence("iro_from", a.from),
            None => {
                let later = match first_after(valid, held, None) {
                    Some(a) => text![
                        "the first IRO assigned after it, ",
                        &a.iro_id,
                        ", started on ",
                        Long(a.from),
                        ", ",
                        Plural(dates::days_between(held, a.from), "day"),
                        " later"
                    ],
                    None => "no IRO has been assigned since".into(),
                };
                info.result(
                    Status::Breach,
                    subject,
                    text![
                        "No IRO was assigned when the first review of the ",
                        &period,
                        " was held on ",
                        Long(held),
                        "; ",
                        &later,
                        "."
                    ],
                )
            }
        };
        return result
            .with_due(held)
            .with_evidence("period_start", start)
            .with_evidence("first_review", held);
    }

    if let Some(end) = end.filter(|e| *e < due) {
        return info
            .result(
                Status::NotApplicable,
                subject,
                text![
                    "The ",
                    &period,
                    " ended on ",
                    Long(end),
                    ", before its first review was due on ",
                    Long(due),
                    ", so no IRO appointment was required for it."
                ],
            )
            .with_due(due)
            .with_evidence("period_start", start);
    }

    let what = text!["IRO appointment before the first review of the ", &period];
    let result = if eval < due {
        match in_force(valid, eval) {
            Some(a) => info
                .result(
                    Status::Met,
                    subject,
                    text![
                        "IRO ",
                        &a.iro_id,
                        ", assigned from ",
                        Long(a.from),
                        ", is in place ahead of the first review of the ",
                        &period,
                        ", due by ",
                        Long(due),
                        "."
                    ],
                )
                .with_evidence("iro_id", &a.iro_id)
                .with_evidence("iro_from", a.from),
            None => {
                let timing = ctx.timing(due, None);
                info.result(
                    timing.status(),
                    subject,
                    describe(&what, "made", due, timing),
                )
            }
        }
    } else if let Some(a) = in_force(valid, due) {
        info.result(
            Status::Met,
            subject,
            text![
                "IRO ",
                &a.iro_id,
                ", assigned from ",
                Long(a.from),
                ", was in place by ",
                Long(due),
                ", when the first review of the ",
                &period,
                " was due (that review has not been held)."
            ],
        )
        .with_evidence("iro_id", &a.iro_id)
        .with_evidence("iro_from", a.from)
    } else if let Some(a) = first_after(valid, due, end) {
        let timing = ctx.timing(due, Some(a.from));
        info.result(
            timing.status(),
            subject,
            describe(&what, "made", due, timing),
        )
        .with_evidence("iro_id", &a.iro_id)
        .with_evidence("iro_from", a.from)
    } else if let Some(end) = end.filter(|e| *e < eval) {
        info.result(
            Status::Breach,
            subject,
            text![
                "No IRO was appointed in the ",
                &period,
                ", which ended on ",
                Long(end),
                ", although one was due by ",
                Long(due),
                ", before the first review."
            ],
        )
    } else {
        let timing = ctx.timing(due, None);
        info.result(
            timing.status(),
            subject,
            describe(&what, "made", due, timing),
        )
    };
    result.with_due(due).with_evidence("period_start", start)
}

fn assigned_now(
    ctx: &Context,
    info: &CheckInfo,
    valid: &[&IroAssignment],
    start: NaiveDate,
    due: NaiveDate,
    first_held: Option<NaiveDate>,
) -> CheckResult {
    let eval = ctx.evaluation_date;
    let period = period_text(start);
    if let Some(a) = in_force(valid, eval) {
        return info
            .result(
                Status::Met,
                text!["IRO ", &a.iro_id],
                text![
                    "IRO ",
                    &a.iro_id,
                    " has been assigned to the child since ",
                    Long(a.from),
                    "."
                ],
            )
            .with_evidence("iro_id", &a.iro_id)
            .with_evidence("iro_from", a.from)
            .with_evidence("period_start", start);
    }
    let subject = text!["period of care from ", Iso(start)];
    if first_held.is_none() && eval < due {
        // Still inside the s25A(2) deadline for the initial appointment.
        let timing = ctx.timing(due, None);
        let days_left = dates::days_between(eval, due);
        return info
            .result(
                timing.status(),
                subject,
                text![
                    "No IRO is assigned yet in the ",
                    &period,
                    "; one must be appointed before the first review, due by ",
                    Long(due),
                    ", in ",
                    Plural(days_left, "day"),
                    "."
                ],
            )
            .with_due(due)
            .with_evidence("period_start", start);
    }
    // The most recent assignment that ended during this period: a vacancy.
    let last_ended = valid
        .iter()
        .filter(|a| a.to.is_some_and(|to| to < eval && to >= start))
        .max_by_key(|a| a.to);
    match last_ended {
        Some(a) => {
            let to = a.to.unwrap_or(eval);
            let vacant_from = to.succ_opt().unwrap_or(to);
            info.result(
                Status::Breach,
                subject,
                text![
                    "No IRO has been assigned since IRO ",
                    &a.iro_id,
                    "'s assignment ended on ",
                    Long(to),
                    ", ",
                    Plural(dates::days_between(to, eval), "day"),
                    " ago; a new IRO must be appointed as soon as practicable."
                ],
            )
            .with_evidence("last_iro_id", &a.iro_id)
            .with_evidence("last_iro_to", to)
            .with_evidence("vacant_from", vacant_from)
            .with_evidence("period_start", start)
        }
        None => {
            let (deadline, text) = match first_held {
                Some(held) => (held, text!["the first review was held on ", Long(held)]),
                None => (due, text!["the first review was due by ", Long(due)]),
            };
            info.result(
                Status::Breach,
                subject,
                text![
                    "No IRO is assigned in the ",
                    &period,
                    ", although ",
                    &text,
                    "; one must be appointed now."
                ],
            )
            .with_due(deadline)
            .with_evidence("period_start", start)
        }
    }
}

carecheck_sdk::export_policy!(IroAppointed);

#[cfg(test)]
mod tests;
