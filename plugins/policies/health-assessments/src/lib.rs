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
//! - `review-health-assessment` (CPPCR 2010 reg 7): only for the period of care open on the
//!   evaluation date. The next review assessment is due 6 months (by `add_months`) after the last
//!   assessment, initial or review, if the child is still under 5 on that date, otherwise
//!   12 months after it; the status is [`Context::timing`] of that date with nothing held yet
//!   (`upcoming` while not yet due, `due_soon`, `breach` once overdue). A child not looked after on the
//!   evaluation date gets one `not_applicable` result.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - Each period of care needs its own initial assessment (as each period restarts the review
//!   clock, ambiguity 1 in the reference). Only an initial assessment dated inside the period
//!   counts, the start day included; one dated before the child became looked after does not.
//!   A placement change inside a period (a new episode) does not restart anything.
//! - A period that ended before its initial assessment was due, with none held, gets
//!   `not_applicable` (nothing was owed). A period that ended after the deadline without one is a
//!   `breach`, worded as "not held before the period ended" rather than counting days overdue.
//! - The review clock counts only assessments dated inside the current period: an assessment
//!   from an earlier period does not start it, and until the current period has an assessment the
//!   result is `not_applicable`, pointing to `initial-health-assessment`, which reports the gap.
//! - Only the next due assessment is reported: an earlier review assessment held late is not
//!   re-reported once a later one has been held (the intervals run from the date an assessment
//!   actually happened, ambiguity 2).
//! - "Under 5 on last + 6 months" uses whole years by `age_on`: a child whose fifth birthday falls
//!   exactly on that date is 5 on it, so the 12-month interval applies; one whose birthday is the
//!   day after is still 4, so the 6-month interval applies. The review check needs
//!   `child.date_of_birth`; without it the result is `insufficient_data`. An approximate date of
//!   birth is used and flagged in the evidence.
//! - Dated rows after the evaluation date are data errors (`insufficient_data` naming the row,
//!   never evidence): an initial assessment on `initial-health-assessment`, a review assessment on
//!   `review-health-assessment`, a period of care starting in the future on
//!   `initial-health-assessment`. A period with no episodes is `insufficient_data` too; a record
//!   with no period of care gets `insufficient_data` on both checks; counting beyond the
//!   working-day calendar gets `insufficient_data` naming the calendar.
//!
//! Settings (each may be shortened, never lengthened; each at least 1):
//! `initial_working_days` 20, `under_five_months` 6, `from_five_months` 12.

use carecheck_sdk::dates::{self, format_long};
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::{HealthAssessment, HealthAssessmentKind, PeriodOfCare};
use carecheck_sdk::settings::{Settings, at_most};
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
            description: "Checks the initial health assessment of each period of care and that the \
                          next review health assessment is not overdue.",
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
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &HealthSettings) -> Vec<CheckResult> {
        let [initial, review] = checks();
        let eval = ctx.evaluation_date;
        let mut results = Vec::new();

        // Future-dated assessments: reported on the check their kind belongs to, never used.
        let mut assessments: Vec<&HealthAssessment> = Vec::new();
        for a in &record.health.assessments {
            if ctx.is_future(a.date) {
                let info = match a.kind {
                    HealthAssessmentKind::Initial => &initial,
                    HealthAssessmentKind::Review => &review,
                };
                results.push(
                    info.insufficient(
                        format!("health assessment {}", a.date),
                        "health.assessments[].date",
                        &format!(
                            "A {} health assessment is dated {}, after the evaluation date {}; it is not counted until the date is corrected.",
                            kind_text(a.kind),
                            format_long(a.date),
                            format_long(eval)
                        ),
                    )
                    .with_due(eval),
                );
            } else {
                assessments.push(a);
            }
        }
        assessments.sort_by_key(|a| a.date);

        if record.periods_of_care.is_empty() {
            let why = "The record has no period of care, so no health assessment deadline can be worked out; add the episodes of care.";
            results.push(initial.insufficient("record", "periods_of_care", why));
            results.push(review.insufficient("record", "periods_of_care", why));
            return results;
        }

        let mut current: Option<&PeriodOfCare> = None;
        for period in &record.periods_of_care {
            let Some(start) = period.start() else {
                results.push(initial.insufficient(
                    "period of care",
                    "periods_of_care[].episodes",
                    "A period of care has no episodes, so its start date is unknown; add its episodes.",
                ));
                continue;
            };
            if ctx.is_future(start) {
                results.push(
                    initial
                        .insufficient(
                            format!("period of care from {start}"),
                            "periods_of_care[].episodes[].start",
                            &format!(
                                "A period of care is recorded as starting on {}, after the evaluation date {}; it is not counted until the date is corrected.",
                                format_long(start),
                                format_long(eval)
                            ),
                        )
                        .with_due(eval),
                );
                continue;
            }
            if period.contains(eval) {
                current = Some(period);
            }
            results.push(initial_assessment(
                ctx,
                &initial,
                s,
                period,
                start,
                &assessments,
            ));
        }

        results.push(match current {
            None => review
                .result(
                    Status::NotApplicable,
                    "child",
                    format!(
                        "The child is not in a period of care on {}, so no review health assessment is due.",
                        format_long(eval)
                    ),
                )
                .with_evidence("evaluation_date", eval),
            Some(period) => review_assessment(ctx, &review, s, record, period, &assessments),
        });
        results
    }
}

fn kind_text(kind: HealthAssessmentKind) -> &'static str {
    match kind {
        HealthAssessmentKind::Initial => "initial",
        HealthAssessmentKind::Review => "review",
    }
}

fn initial_assessment(
    ctx: &Context,
    info: &CheckInfo,
    s: &HealthSettings,
    period: &PeriodOfCare,
    start: NaiveDate,
    assessments: &[&HealthAssessment],
) -> CheckResult {
    let subject = format!("period of care from {start}");
    let due = match ctx.add_working_days(start, s.initial_working_days) {
        Ok(due) => due,
        Err(e) => {
            return info.insufficient(
                subject,
                "calendar",
                &format!("The initial health assessment deadline cannot be counted: {e}."),
            );
        }
    };
    let what = format!(
        "Initial health assessment for the period of care from {}",
        format_long(start)
    );
    let held = assessments
        .iter()
        .find(|a| a.kind == HealthAssessmentKind::Initial && period.contains(a.date))
        .map(|a| a.date);
    let end = period.end();
    let result = match (held, end) {
        (Some(held), _) => {
            let timing = ctx.timing(due, Some(held));
            info.result(timing.status(), subject, describe(&what, "held", due, timing))
                .with_evidence("held", held)
        }
        (None, Some(end)) if end < due => info.result(
            Status::NotApplicable,
            subject,
            format!(
                "The period of care from {} ended on {}, before its initial health assessment was due on {}.",
                format_long(start),
                format_long(end),
                format_long(due)
            ),
        ),
        (None, Some(end)) if end < ctx.evaluation_date => info.result(
            Status::Breach,
            subject,
            format!(
                "{what}, due by {}, was not held before the period ended on {}.",
                format_long(due),
                format_long(end)
            ),
        ),
        (None, _) => {
            let timing = ctx.timing(due, None);
            info.result(timing.status(), subject, describe(&what, "held", due, timing))
        }
    };
    result.with_due(due).with_evidence("period_start", start)
}

fn review_assessment(
    ctx: &Context,
    info: &CheckInfo,
    s: &HealthSettings,
    record: &CareRecord,
    period: &PeriodOfCare,
    assessments: &[&HealthAssessment],
) -> CheckResult {
    let start = period.start().unwrap_or(ctx.evaluation_date);
    let Some(last) = assessments.iter().rev().find(|a| period.contains(a.date)) else {
        return info
            .result(
                Status::NotApplicable,
                format!("period of care from {start}"),
                format!(
                    "No health assessment is recorded yet in the period of care from {}, so the review clock has not started (see the initial health assessment result).",
                    format_long(start)
                ),
            )
            .with_evidence("period_start", start);
    };
    let Some(dob) = record.child.date_of_birth else {
        return info
            .insufficient(
                format!("period of care from {start}"),
                "child.date_of_birth",
                &format!(
                    "The child's date of birth is not recorded, so it cannot be told whether the next health assessment is due 6 or 12 months after the last on {}; add the date of birth.",
                    format_long(last.date)
                ),
            )
            .with_evidence("last_assessment", last.date);
    };
    let short = dates::add_months(last.date, s.under_five_months);
    let under_five = dates::age_on(dob, short) < 5;
    let (months, due, rule) = if under_five {
        (s.under_five_months, short, "while under 5")
    } else {
        (
            s.from_five_months,
            dates::add_months(last.date, s.from_five_months),
            "from age 5",
        )
    };
    let timing = ctx.timing(due, None);
    let what = format!(
        "Review health assessment (every {} {rule}, after the {} assessment on {})",
        dates::plural(i64::from(months), "month"),
        kind_text(last.kind),
        format_long(last.date)
    );
    let mut result = info
        .result(
            timing.status(),
            format!("health assessment due {due}"),
            describe(&what, "held", due, timing),
        )
        .with_due(due)
        .with_evidence("last_assessment", last.date)
        .with_evidence("last_kind", kind_text(last.kind))
        .with_evidence("interval_months", months)
        .with_evidence("age_on_short_interval_due", dates::age_on(dob, short))
        .with_evidence("period_start", start);
    if record.child.date_of_birth_approximate {
        result = result.with_evidence("date_of_birth_approximate", true);
    }
    result
}

carecheck_sdk::export_policy!(HealthAssessments);

#[cfg(test)]
mod tests;
