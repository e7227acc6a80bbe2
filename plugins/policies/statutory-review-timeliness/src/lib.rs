//! `statutory-review-timeliness`: every statutory review held on time (CPPCR 2010 reg 33).
//!
//! One result per review the regulations required, in order, for every period of care: the
//! first within 20 working days of the child becoming looked after (reg 33(1)), the second not
//! more than 3 months after the first, each later one not more than 6 months after the previous
//! (reg 33(2)). The schedule itself lives in the SDK (`carecheck_sdk::reviews`) because the host
//! indexes each child's next due review from the same code; its readings are documented there.
//!
//! Readings specific to this policy:
//! - held on or before the due date: `met`; held after it: `breach` (the late review still counts
//!   and the next clock runs from it); not held and the due date passed while the period was open:
//!   `breach`; not yet due: `due_soon` within the look-ahead window, otherwise `met`;
//! - a review dated after the evaluation date is reported as `insufficient_data` naming it;
//! - a record with no period of care gives one `insufficient_data` result naming the field;
//! - counting that reaches beyond the working-day calendar gives `insufficient_data` naming the calendar.

use carecheck_sdk::dates::format_long;
use carecheck_sdk::outcome::describe;
use carecheck_sdk::reviews::{self, Intervals, ordinal};
use carecheck_sdk::settings::{self, Settings, at_most};
use carecheck_sdk::{
    Basis, CareRecord, CheckInfo, CheckResult, Context, Metadata, NaiveDate, Policy,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct StatutoryReviewTimeliness;

const ID: &str = "statutory-review-timeliness";

/// Settings. A local authority may shorten these intervals, never lengthen them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewSettings {
    /// Working days after the child becomes looked after by which the first review is due (reg 33(1): 20).
    pub first_review_working_days: u32,
    /// Months after the first review by which the second is due (reg 33(2): 3).
    pub second_review_months: u32,
    /// Months after the previous review by which each later review is due (reg 33(2): 6).
    pub later_review_months: u32,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        let d = Intervals::default();
        Self {
            first_review_working_days: d.first_review_working_days,
            second_review_months: d.second_review_months,
            later_review_months: d.later_review_months,
        }
    }
}

impl Settings for ReviewSettings {
    fn check(&self) -> Result<(), String> {
        let d = Intervals::default();
        at_most(
            "first_review_working_days",
            self.first_review_working_days,
            d.first_review_working_days,
            "CPPCR 2010 reg 33(1)",
        )?;
        at_most(
            "second_review_months",
            self.second_review_months,
            d.second_review_months,
            "CPPCR 2010 reg 33(2)",
        )?;
        at_most(
            "later_review_months",
            self.later_review_months,
            d.later_review_months,
            "CPPCR 2010 reg 33(2)",
        )?;
        if self.first_review_working_days == 0
            || self.second_review_months == 0
            || self.later_review_months == 0
        {
            return Err("review intervals must be at least 1".into());
        }
        Ok(())
    }
}

fn check(id: &str, title: &str, citation: &str) -> CheckInfo {
    CheckInfo {
        id: id.into(),
        title: title.into(),
        citation: citation.into(),
        basis: Basis::Statutory,
    }
}

fn checks() -> [CheckInfo; 4] {
    [
        check(
            "first-review",
            "First review within 20 working days of becoming looked after",
            "CPPCR 2010 reg 33(1)",
        ),
        check(
            "second-review",
            "Second review within 3 months of the first",
            "CPPCR 2010 reg 33(2)",
        ),
        check(
            "later-review",
            "Each later review within 6 months of the previous",
            "CPPCR 2010 reg 33(2)",
        ),
        check(
            "review-date-valid",
            "Review dates are not in the future",
            "CPPCR 2010 reg 33",
        ),
    ]
}

impl Policy for StatutoryReviewTimeliness {
    fn metadata() -> Metadata {
        Metadata {
            id: ID.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            title: "Statutory reviews on time".into(),
            description: "Checks that the first, second and every later statutory review of each \
                          period of care was held by its deadline."
                .into(),
            author: "carecheck".into(),
            citations: vec!["CPPCR 2010 reg 33".into()],
            checks: checks().to_vec(),
            reads: vec![
                "/periods_of_care/*/episodes/*/start".into(),
                "/periods_of_care/*/episodes/*/end".into(),
                "/reviews/*/date".into(),
            ],
            settings_schema: settings::schema::<ReviewSettings>(),
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn validate_settings(settings: &str) -> Result<(), String> {
        settings::parse::<ReviewSettings>(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context, record: &str) -> Result<Vec<CheckResult>, String> {
        let record: CareRecord =
            serde_json::from_str(record).map_err(|e| format!("unreadable record: {e}"))?;
        let s: ReviewSettings = ctx.settings()?;
        Ok(evaluate_record(ctx, &record, &s))
    }
}

/// The policy's logic on a parsed record.
pub fn evaluate_record(ctx: &Context, record: &CareRecord, s: &ReviewSettings) -> Vec<CheckResult> {
    let [first, second, later, date_valid] = checks();
    let mut results = Vec::new();
    for date in reviews::future_reviews(record, ctx.evaluation_date) {
        results.push(
            date_valid
                .insufficient(
                    format!("review {date}"),
                    "reviews[].date",
                    &format!(
                        "A review is dated {}, after the evaluation date {}; it is not counted until the date is corrected.",
                        format_long(date),
                        format_long(ctx.evaluation_date)
                    ),
                )
                .with_due(ctx.evaluation_date),
        );
    }
    if record.periods_of_care.is_empty() {
        results.push(
            first
                .insufficient(
                    "record",
                    "periods_of_care",
                    "The record has no period of care, so no review deadline can be worked out; add the episodes of care.",
                )
                .with_due(ctx.evaluation_date),
        );
        return results;
    }
    for (i, period) in record.periods_of_care.iter().enumerate() {
        match period.start() {
            None => results.push(
                first
                    .insufficient(
                        format!("period of care {}", i + 1),
                        "periods_of_care[].episodes",
                        "A period of care has no episodes, so its review deadlines cannot be worked out; add its episodes.",
                    )
                    .with_due(ctx.evaluation_date),
            ),
            Some(start) if ctx.is_future(start) => results.push(
                first
                    .insufficient(
                        format!("period of care from {start}"),
                        "periods_of_care[].episodes[].start",
                        &format!(
                            "A period of care is dated to start on {}, after the evaluation date {}; it is not counted until the date is corrected.",
                            format_long(start),
                            format_long(ctx.evaluation_date)
                        ),
                    )
                    .with_due(ctx.evaluation_date),
            ),
            Some(_) => {}
        }
    }
    let intervals = Intervals {
        first_review_working_days: s.first_review_working_days,
        second_review_months: s.second_review_months,
        later_review_months: s.later_review_months,
    };
    for period in reviews::schedule(record, ctx.evaluation_date, &ctx.calendar, intervals) {
        let period_text = format!("period of care from {}", format_long(period.start));
        for due_review in &period.reviews {
            let info = match due_review.number {
                1 => &first,
                2 => &second,
                _ => &later,
            };
            let timing = ctx.timing(due_review.due, due_review.held);
            let what = format!("{} review ({period_text})", ordinal(due_review.number));
            let subject = match due_review.held {
                Some(held) => format!("review {held}"),
                None => format!("review due {}", due_review.due),
            };
            // A review missed in a period that has since ended stays a breach, but it is not
            // "overdue" any more: nothing can be held now.
            let message = match (due_review.held, period.end) {
                (None, Some(end))
                    if end < ctx.evaluation_date && due_review.due < ctx.evaluation_date =>
                {
                    format!(
                        "{what} was due by {} and was not held before the period of care ended on {}.",
                        format_long(due_review.due),
                        format_long(end)
                    )
                }
                _ => describe(&what, "held", due_review.due, timing),
            };
            let mut result = info
                .result(timing.status(), subject, message)
                .with_due(due_review.due)
                .with_evidence("period_start", period.start);
            if let Some(held) = due_review.held {
                result = result.with_evidence("held", held);
            }
            results.push(result);
        }
        if let Some(e) = &period.calendar_error {
            results.push(
                first
                    .insufficient(
                        format!("period of care from {}", period.start),
                        "calendar",
                        &format!("Review deadlines for the {period_text} cannot be counted: {e}."),
                    )
                    .with_due(ctx.evaluation_date),
            );
        }
    }
    debug_assert!(results.iter().all(|r| r.due.is_some()));
    results
}

carecheck_sdk::export_policy!(StatutoryReviewTimeliness);
