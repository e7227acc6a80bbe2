//! `health-assessments`: the initial health assessment of each period of care and the review
//! health assessments after it (CPPCR 2010 reg 7; statutory guidance "Promoting the health and
//! well-being of looked-after children", 2015).
//!
//! The rule (`statutory-rules.md`, "Health and mental health"): an initial health assessment
//! within 20 working days of becoming looked after; review health assessments every 6 months while
//! the child is under 5 and every 12 months from 5 ("if the child is still under 5 on last +
//! 6 months, 6 months applies").
//!
//! Checks (both statutory):
//! - `initial-health-assessment` (CPPCR 2010 reg 7; 2015 statutory guidance): one result per
//!   period of care. The deadline is the 20th working day after the period starts (the start day
//!   does not count). The earliest initial assessment (`health.assessments[]`, kind `initial`)
//!   dated inside the period is compared with it: on or before `met`, after `breach` (days late);
//!   none yet: [`Context::timing`] (`due_soon` inside the look-ahead window, `upcoming` beyond it,
//!   `breach` once overdue).
//! - `review-health-assessment` (CPPCR 2010 reg 7): a recurring requirement, one result per
//!   occurrence in each period of care that has an assessment. Each review assessment is due
//!   6 months (by `add_months`) after the previous assessment, initial or review, if the child is
//!   still under 5 on that date, otherwise 12 months after it; each assessment held satisfies the
//!   next occurrence (on time `met`, late `breach`), and the next one not yet held is `upcoming`,
//!   `due_soon` or `breach` by [`Context::timing`]. A child not looked after on the evaluation
//!   date, with no assessment in any period, gets one `not_applicable` result.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - Each period of care needs its own initial assessment (as each period restarts the review
//!   clock, ambiguity 1 in the reference). Only an initial assessment dated inside the period
//!   counts, the start day included; one dated before the child became looked after does not.
//!   A placement change inside a period (a new episode) does not restart anything.
//! - A period that ended before its initial assessment was due, with none held, gets
//!   `not_applicable` (nothing was owed). A period that ended after the deadline without one is a
//!   `breach`, worded as "not held before the period ended" rather than counting days overdue.
//! - The review clock counts only assessments dated inside the period: an assessment from an
//!   earlier period does not start it, and until the open period has an assessment the result is
//!   `not_applicable`, pointing to `initial-health-assessment`, which reports the gap. The series
//!   of a period that ended stops at its end: an assessment due after the period ended was not
//!   owed; one due before it and never held is a `breach` "not held before the period ended".
//! - The intervals run from the date an assessment actually happened (ambiguity 2), so an early
//!   or late assessment restarts the clock; each occurrence is its own result and keeps its due
//!   date.
//! - `current`: the initial assessment of the open period until it is held (then the review
//!   series takes over), and the last review occurrence of the open period. Everything else, and
//!   every period that has ended, is history.
//! - "Under 5 on last + 6 months" uses whole years by `age_on`: a child whose fifth birthday falls
//!   exactly on that date is 5 on it, so the 12-month interval applies; one whose birthday is the
//!   day after is still 4, so the 6-month interval applies. The review check needs
//!   `child.date_of_birth`; without it the result is `insufficient_data` with no due date (the
//!   due date is what cannot be told). An approximate date of birth is used and flagged.
//! - Dated rows after the evaluation date are data errors, never evidence. One cause gives one
//!   result: a misdated initial assessment is the result of the open period's initial
//!   assessment while that is not held, and a misdated review assessment the result of the open
//!   period's outstanding review occurrence (each `insufficient_data` naming
//!   `health.assessments[].date`, with the due date the rule fixes without the misdated row);
//!   otherwise they get one result of their own, with no due date. A period of care starting in
//!   the future, or with no episodes, is `insufficient_data` on `initial-health-assessment`; a
//!   record with no period of care gets `insufficient_data` on both checks; counting beyond the
//!   working-day calendar gets `insufficient_data` naming the calendar. None of these carries a
//!   due date.
//! - Provenance: the checks need the periods of care and the health assessments
//!   (`health.assessments`) supplied, and the review check the child's details. An SSDA903 return
//!   supplies no health-assessment dates, so an SSDA903-only record gives `insufficient_data`
//!   naming `health.assessments`, never a breach: one per period on the initial check, carrying
//!   its due date (fixed by the period's start alone), and one on the review check.
//!
//! Settings (each may be shortened, never lengthened; each at least 1):
//! `initial_working_days` 20, `under_five_months` 6, `from_five_months` 12.

use carecheck_sdk::dates::{self};
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::{HealthAssessment, HealthAssessmentKind, PeriodOfCare, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::{Iso, Long, Plural};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct HealthAssessments;

/// Settings. A local authority may shorten these intervals, never lengthen them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HealthSettings {
    /// Working days after the child becomes looked after by which the initial health assessment
    /// is due (statutory guidance 2015: 20).
    pub initial_working_days: u32,
    /// Months between health assessments while the child is under 5 (CPPCR 2010 reg 7: 6).
    pub under_five_months: u32,
    /// Months between health assessments from the child's fifth birthday (CPPCR 2010 reg 7: 12).
    pub from_five_months: u32,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            initial_working_days: 20,
            under_five_months: 6,
            from_five_months: 12,
        }
    }
}

impl Settings for HealthSettings {
    fn check(&self) -> Result<(), String> {
        let d = HealthSettings::default();
        at_most(
            "initial_working_days",
            self.initial_working_days,
            d.initial_working_days,
            "CPPCR 2010 reg 7 and the 2015 statutory guidance",
        )?;
        at_most(
            "under_five_months",
            self.under_five_months,
            d.under_five_months,
            "CPPCR 2010 reg 7",
        )?;
        at_most(
            "from_five_months",
            self.from_five_months,
            d.from_five_months,
            "CPPCR 2010 reg 7",
        )?;
        if self.initial_working_days == 0
            || self.under_five_months == 0
            || self.from_five_months == 0
        {
            return Err("health assessment intervals must be at least 1".into());
        }
        Ok(())
    }
}

fn checks() -> [CheckInfo; 2] {
    [
        CheckInfo::statutory(
            "initial-health-assessment",
            "Initial health assessment within 20 working days of becoming looked after",
            "CPPCR 2010 reg 7; statutory guidance on promoting the health and well-being of looked-after children (2015)",
        ),
        CheckInfo::statutory(
            "review-health-assessment",
            "Review health assessment every 6 months under 5, every 12 months from 5",
            "CPPCR 2010 reg 7",
        ),
    ]
}

impl Policy for HealthAssessments {
    type Record = CareRecord;
    type Settings = HealthSettings;

    fn about() -> About {
        About {
            id: "health-assessments",
            version: env!("CARGO_PKG_VERSION"),
            title: "Health assessments on time",
            description: "Checks the initial health assessment of each period of care and every \
                          review health assessment after it.",
            author: "carecheck",
            citations: &[
                "CPPCR 2010 reg 7",
                "Promoting the health and well-being of looked-after children (statutory guidance, 2015)",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/child/date_of_birth_approximate",
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/health/assessments/*/kind",
                "/health/assessments/*/date",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &HealthSettings) -> Vec<CheckResult> {
        let [initial, review] = checks();
        let eval = ctx.evaluation_date;
        if !record.supplied(Section::PeriodsOfCare) {
            return [&initial, &review]
                .map(|c| c.not_supplied("record", record, Section::PeriodsOfCare))
                .to_vec();
        }
        if record.periods_of_care.is_empty() {
            let why = "The record has no period of care, so no health assessment deadline can be worked out; add the episodes of care.";
            return [&initial, &review]
                .map(|c| {
                    c.insufficient("record", "periods_of_care", why)
                        .with_current(true)
                })
                .to_vec();
        }
        let mut results = initial.unusable_periods(ctx, &record.periods_of_care);
        let periods: Vec<&PeriodOfCare> = record
            .periods_of_care
            .iter()
            .filter(|p| p.start().is_some_and(|start| start <= eval))
            .collect();
        let missing = record.unsupplied(&[Section::HealthAssessments]);

        // Assessments on or before the evaluation date, oldest first; the misdated ones by kind.
        let (mut assessments, mut future): (Vec<&HealthAssessment>, Vec<&HealthAssessment>) =
            record
                .health
                .assessments
                .iter()
                .partition(|a| !ctx.is_future(a.date));
        assessments.sort_by_key(|a| a.date);
        future.sort_by_key(|a| a.date);
        let future_of = |kind| -> Vec<NaiveDate> {
            future
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| a.date)
                .collect()
        };
        let (mut future_initial, mut future_review) = (
            future_of(HealthAssessmentKind::Initial),
            future_of(HealthAssessmentKind::Review),
        );
        if missing.is_some() {
            future_initial.clear();
            future_review.clear();
        }

        // The misdated rows go to the open period only; other periods get none.
        let mut none = Vec::new();
        for period in &periods {
            let open = period.contains(eval);
            let start = period.start().expect("filtered to periods with a start");
            results.push(match missing {
                Some(section) => initial_not_supplied(ctx, record, &initial, s, start, section)
                    .with_current(open),
                None => initial_assessment(
                    ctx,
                    &initial,
                    s,
                    period,
                    &assessments,
                    if open { &mut future_initial } else { &mut none },
                ),
            });
        }

        let open_period = periods.iter().find(|p| p.contains(eval));
        // The review interval depends on the child's age, so the review series needs the child too.
        match missing.or(record.unsupplied(&[Section::Child])) {
            Some(section) => results.push(
                review
                    .not_supplied("record", record, section)
                    .with_current(open_period.is_some()),
            ),
            None => {
                for period in &periods {
                    let open = period.contains(eval);
                    results.extend(review_series(
                        ctx,
                        &review,
                        s,
                        record,
                        period,
                        &assessments,
                        if open { &mut future_review } else { &mut none },
                    ));
                }
                if open_period.is_none() && !results.iter().any(|r| r.check == review.id) {
                    results.push(
                        review
                            .result(
                                Status::NotApplicable,
                                "child",
                                text![
                                    "The child is not in a period of care on ",
                                    Long(eval),
                                    ", so no review health assessment is due."
                                ],
                            )
                            .with_evidence("evaluation_date", eval)
                            .with_current(true),
                    );
                }
            }
        }
        // Misdated rows no outstanding assessment stands for.
        results.extend(recurring::misdated(
            ctx,
            &initial,
            "health assessment",
            "An initial health assessment",
            "health.assessments[].date",
            &future_initial,
        ));
        results.extend(recurring::misdated(
            ctx,
            &review,
            "health assessment",
            "A review health assessment",
            "health.assessments[].date",
            &future_review,
        ));
        results
    }
}

fn kind_text(kind: HealthAssessmentKind) -> &'static str {
    match kind {
        HealthAssessmentKind::Initial => "initial",
        HealthAssessmentKind::Review => "review",
    }
}

/// The initial assessment's deadline: `initial_working_days` after the period starts, or the
/// `insufficient_data` result saying the calendar cannot count it.
fn initial_due(
    ctx: &Context,
    info: &CheckInfo,
    s: &HealthSettings,
    start: NaiveDate,
) -> Result<NaiveDate, Box<CheckResult>> {
    ctx.add_working_days(start, s.initial_working_days)
        .map_err(|e| {
            Box::new(info.insufficient(
                text!["period of care from ", Iso(start)],
                "calendar",
                text![
                    "The initial health assessment deadline cannot be counted: ",
                    e.to_string(),
                    "."
                ],
            ))
        })
}

/// The health assessments were not supplied: one result per period, with the initial deadline.
fn initial_not_supplied(
    ctx: &Context,
    record: &CareRecord,
    info: &CheckInfo,
    s: &HealthSettings,
    start: NaiveDate,
    section: Section,
) -> CheckResult {
    let r = info
        .not_supplied(text!["period of care from ", Iso(start)], record, section)
        .with_evidence("period_start", start);
    match initial_due(ctx, info, s, start) {
        Ok(due) => r.with_due(due),
        Err(_) => r,
    }
}

/// `future`: the misdated initial assessments, non-empty only for the open period; when its
/// initial assessment is not held, they are its result (one cause, one result) and are taken.
fn initial_assessment(
    ctx: &Context,
    info: &CheckInfo,
    s: &HealthSettings,
    period: &PeriodOfCare,
    assessments: &[&HealthAssessment],
    future: &mut Vec<NaiveDate>,
) -> CheckResult {
    let start = period.start().expect("filtered to periods with a start");
    let open = period.contains(ctx.evaluation_date);
    let subject = text!["period of care from ", Iso(start)];
    let due = match initial_due(ctx, info, s, start) {
        Ok(due) => due,
        Err(e) => return e.with_current(open),
    };
    let what = text![
        "Initial health assessment for the period of care from ",
        Long(start)
    ];
    let held = assessments
        .iter()
        .find(|a| a.kind == HealthAssessmentKind::Initial && period.contains(a.date))
        .map(|a| a.date);
    let end = period.end();
    let result = match (held, end) {
        (Some(held), _) => {
            let timing = ctx.timing(due, Some(held));
            info.timed(subject, due, timing, describe(&what, "held", due, timing))
                .with_evidence("held", held)
        }
        (None, _) if !future.is_empty() => {
            let pending = text![
                "the initial health assessment for the period of care from ",
                Long(start),
                ", due by ",
                Long(due),
                ", was held"
            ];
            recurring::future_error(
                ctx,
                info,
                subject,
                "health.assessments[].date",
                "An initial health assessment",
                &std::mem::take(future),
                Some(&pending),
            )
            .with_due(due)
        }
        (None, Some(end)) if end < due => info
            .result(
                Status::NotApplicable,
                subject,
                text![
                    "The period of care from ",
                    Long(start),
                    " ended on ",
                    Long(end),
                    ", before its initial health assessment was due on ",
                    Long(due),
                    "."
                ],
            )
            .with_due(due),
        (None, Some(end)) if end < ctx.evaluation_date => info
            .result(
                Status::Breach,
                subject,
                text![
                    &what,
                    ", due by ",
                    Long(due),
                    ", was not held before the period ended on ",
                    Long(end),
                    "."
                ],
            )
            .with_due(due),
        (None, _) => {
            let timing = ctx.timing(due, None);
            info.timed(subject, due, timing, describe(&what, "held", due, timing))
        }
    };
    result
        .with_evidence("period_start", start)
        .with_current(open && held.is_none())
}

/// The review series of one period: one result per occurrence. `future`: the misdated review
/// assessments, non-empty only for the open period; its outstanding occurrence takes them.
fn review_series(
    ctx: &Context,
    info: &CheckInfo,
    s: &HealthSettings,
    record: &CareRecord,
    period: &PeriodOfCare,
    assessments: &[&HealthAssessment],
    future: &mut Vec<NaiveDate>,
) -> Vec<CheckResult> {
    let start = period.start().expect("filtered to periods with a start");
    let open = period.contains(ctx.evaluation_date);
    let in_period: Vec<&HealthAssessment> = assessments
        .iter()
        .copied()
        .filter(|a| period.contains(a.date))
        .collect();
    let Some((first, later)) = in_period.split_first() else {
        if !open {
            return Vec::new();
        }
        return vec![
            info.result(
                Status::NotApplicable,
                text!["period of care from ", Iso(start)],
                text![
                    "No health assessment is recorded yet in the period of care from ",
                    Long(start),
                    ", so the review clock has not started (see the initial health assessment result).",
                ],
            )
            .with_evidence("period_start", start)
            .with_current(true),
        ];
    };
    let Some(dob) = record.child.date_of_birth else {
        let last = in_period.last().map_or(first.date, |a| a.date);
        return vec![
            info.insufficient(
                text!["period of care from ", Iso(start)],
                "child.date_of_birth",
                text![
                    "The child's date of birth is not recorded, so it cannot be told whether the next health assessment is due 6 or 12 months after the last on ",
                    Long(last),
                    "; add the date of birth.",
                ],
            )
            .with_evidence("last_assessment", last)
            .with_current(open),
        ];
    };
    // The interval after an assessment on `date`: 6 months if the child is still under 5 then.
    let interval = |date: NaiveDate| -> (u32, NaiveDate, &'static str) {
        let short = dates::add_months(date, s.under_five_months);
        if dates::age_on(dob, short) < 5 {
            (s.under_five_months, short, "while under 5")
        } else {
            let months = s.from_five_months;
            (months, dates::add_months(date, months), "from age 5")
        }
    };
    let events: Vec<NaiveDate> = later.iter().map(|a| a.date).collect();
    let occurrences =
        recurring::occurrences(interval(first.date).1, &events, period.end(), |_, d| {
            interval(d).1
        });
    let kind_on = |date: NaiveDate| {
        in_period
            .iter()
            .rev()
            .find(|a| a.date == date)
            .map_or("review", |a| kind_text(a.kind))
    };
    let count = occurrences.len();
    occurrences
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let after = o.after.unwrap_or(first.date);
            let (months, _, rule) = interval(after);
            let what = text![
                "Review health assessment (every ",
                Plural(i64::from(months), "month"),
                " ",
                &rule,
                ", after the ",
                kind_on(after),
                " assessment on ",
                Long(after),
                ")"
            ];
            let last = i + 1 == count;
            let r = if last && o.held.is_none() && !future.is_empty() {
                let pending = text![
                    "the review health assessment due by ",
                    Long(o.due),
                    " was held"
                ];
                recurring::future_error(
                    ctx,
                    info,
                    text!["health assessment due ", Iso(o.due)],
                    "health.assessments[].date",
                    "A review health assessment",
                    &std::mem::take(future),
                    Some(&pending),
                )
                .with_due(o.due)
            } else {
                let timing = ctx.timing(o.due, o.held);
                let message = match (o.held, period.end()) {
                    (None, Some(end)) if !open => text![
                        &what,
                        " was due by ",
                        Long(o.due),
                        " and was not held before the period of care ended on ",
                        Long(end),
                        "."
                    ],
                    _ => describe(&what, "held", o.due, timing),
                };
                let subject = match o.held {
                    Some(held) => text!["health assessment ", Iso(held)],
                    None => text!["health assessment due ", Iso(o.due)],
                };
                let mut r = info.timed(subject, o.due, timing, message);
                if let Some(held) = o.held {
                    r = r.with_evidence("held", held);
                }
                r
            };
            let mut r = r
                .with_evidence("last_assessment", after)
                .with_evidence("interval_months", months)
                .with_evidence("period_start", start)
                .with_current(open && last);
            if record.child.date_of_birth_approximate {
                r = r.with_evidence("date_of_birth_approximate", true);
            }
            r
        })
        .collect()
}

carecheck_sdk::export_policy!(HealthAssessments);

#[cfg(test)]
mod tests;
