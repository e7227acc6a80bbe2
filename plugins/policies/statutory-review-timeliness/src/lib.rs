//! `statutory-review-timeliness`: every statutory review held on time (CPPCR 2010 reg 33).
//!
//! One result per review the regulations required, in order, for every period of care: the
//! first within 20 working days of the child becoming looked after (reg 33(1)), the second not
//! more than 3 months after the first, each later one not more than 6 months after the previous
//! (reg 33(2)). The schedule itself lives in the SDK (`carecheck_sdk::reviews`) because the host
//! indexes each child's next due review from the same code; its readings are documented there.
//! The settings are the SDK's too (`carecheck_sdk::reviews::Intervals`): the host reads the same
//! intervals from the pack, so its listings and this policy's verdicts count alike.
//!
//! Readings specific to this policy:
//! - held on or before the due date: `met`; held after it: `breach` (the late review still counts
//!   and the next clock runs from it); not held and the due date passed while the period was open:
//!   `breach`; not yet due: `due_soon` within the look-ahead window, otherwise `upcoming`;
//! - a review dated after the evaluation date is reported as `insufficient_data` naming it;
//! - a record with no period of care gives one `insufficient_data` result naming the field;
//! - counting that reaches beyond the working-day calendar gives `insufficient_data` naming the calendar.

use carecheck_sdk::dates::format_long;
use carecheck_sdk::outcome::describe;
use carecheck_sdk::reviews::{self, Intervals, ordinal};
use carecheck_sdk::{About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy};

pub struct StatutoryReviewTimeliness;

fn checks() -> [CheckInfo; 4] {
    [
        CheckInfo::statutory(
            "first-review",
            "First review within 20 working days of becoming looked after",
            "CPPCR 2010 reg 33(1)",
        ),
        CheckInfo::statutory(
            "second-review",
            "Second review within 3 months of the first",
            "CPPCR 2010 reg 33(2)",
        ),
        CheckInfo::statutory(
            "later-review",
            "Each later review within 6 months of the previous",
            "CPPCR 2010 reg 33(2)",
        ),
        CheckInfo::statutory(
            "review-date-valid",
            "Review dates are not in the future",
            "CPPCR 2010 reg 33",
        ),
    ]
}

impl Policy for StatutoryReviewTimeliness {
    type Record = CareRecord;
    type Settings = Intervals;

    fn about() -> About {
        About {
            id: "statutory-review-timeliness",
            version: env!("CARGO_PKG_VERSION"),
            title: "Statutory reviews on time",
            description: "Checks that the first, second and every later statutory review of each \
                          period of care was held by its deadline.",
            author: "carecheck",
            citations: &["CPPCR 2010 reg 33"],
            checks: checks().to_vec(),
            reads: &[
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/reviews/*/date",
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, intervals: &Intervals) -> Vec<CheckResult> {
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
        for period in reviews::schedule(record, ctx.evaluation_date, &ctx.calendar, *intervals) {
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
                            &format!(
                                "Review deadlines for the {period_text} cannot be counted: {e}."
                            ),
                        )
                        .with_due(ctx.evaluation_date),
                );
            }
        }
        debug_assert!(results.iter().all(|r| r.due.is_some()));
        results
    }
}

carecheck_sdk::export_policy!(StatutoryReviewTimeliness);
