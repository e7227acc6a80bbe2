//! `statutory-review-timeliness`: every statutory review held on time (CPPCR 2010 reg 33), and
//! every placement change considered at a review since (reg 32(2)).
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
//! - every review is its own result and keeps its due date. The last review of the period of
//!   care open on the evaluation date (the one outstanding, or the last owed) is `current`;
//!   earlier reviews, and every review of a period that has ended, are history;
//! - a review dated after the evaluation date is a data error, never evidence. One cause gives
//!   one result: while the open period has a review outstanding, that review's result is the
//!   `insufficient_data` naming `reviews[].date` (with its due date, which the schedule fixes
//!   without the misdated row), not a data error and a breach besides. Otherwise (no period open)
//!   the misdated rows get one `review-date-valid` result, with no due date;
//! - a record with no period of care gives one `insufficient_data` result naming the field;
//!   a period with no episodes, or starting after the evaluation date, likewise (no due date);
//! - counting that reaches beyond the working-day calendar gives `insufficient_data` naming the
//!   calendar (no due date: it is the due date that cannot be counted);
//! - provenance: the reviews are judged only when the record's sources supplied the periods of
//!   care and the review dates (`reviews.dates`). Without the periods, one `insufficient_data`
//!   result; without the review dates, one per period, carrying the first review's due date
//!   (fixed by the period's start alone), never a breach: not recorded is not did-not-happen.
//!
//! `placement-change-reviewed` (statutory, CPPCR 2010 reg 32(2)): a significant change to the
//! care plan must be considered at a review; a placement move is not itself a reg 33 trigger
//! (reference, ambiguity 4), so a move with no review since is a `warning`, never a `breach`.
//! Readings:
//! - a placement change is a placement (`placements[]`) starting inside the period of care open
//!   on the evaluation date, after the day the period began (the first placement of a period is
//!   not a change), on or before the evaluation date. Only the open period is checked: a move in
//!   a period that has ended can no longer be brought to a review;
//! - a review on or after the day of the move (up to the evaluation date) counts as the change
//!   having been considered: `met`. None: `warning`, with the next review's due date in the
//!   message when the schedule has one. No deadline is involved, so no `due`;
//! - `current`: every move not yet reviewed, and the latest move; earlier reviewed moves are
//!   history. No move in the open period: one `not_applicable`; no period open: one
//!   `not_applicable`;
//! - it needs the placements (`placements.dates`), the periods and the review dates supplied.

use carecheck_sdk::dates::format_long;
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::Section;
use carecheck_sdk::recurring;
use carecheck_sdk::reviews::{self, Intervals, PeriodSchedule, ordinal};
use carecheck_sdk::text;
use carecheck_sdk::text::{Iso, Long};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};

pub struct StatutoryReviewTimeliness;

fn checks() -> [CheckInfo; 5] {
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
        CheckInfo::statutory(
            "placement-change-reviewed",
            "A placement change is considered at a review (a move with no review since is a warning)",
            "CPPCR 2010 reg 32(2)",
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
                          period of care was held by its deadline, and flags a placement change \
                          with no review since.",
            author: "carecheck",
            citations: &["CPPCR 2010 reg 33", "CPPCR 2010 reg 32(2)"],
            checks: checks().to_vec(),
            reads: &[
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/reviews/*/date",
                "/placements/*/id",
                "/placements/*/start",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, intervals: &Intervals) -> Vec<CheckResult> {
        let checks = checks();
        let [first, _, _, _, moves] = &checks;
        let mut results = Vec::new();
        if !record.supplied(Section::PeriodsOfCare) {
            results.push(first.not_supplied("record", record, Section::PeriodsOfCare));
            results.push(moves.not_supplied("record", record, Section::PeriodsOfCare));
            return results;
        }
        if record.periods_of_care.is_empty() {
            results.push(
                first
                    .insufficient(
                        "record",
                        "periods_of_care",
                        "The record has no period of care, so no review deadline can be worked out; add the episodes of care.",
                    )
                    .with_current(true),
            );
            return results;
        }
        results.extend(first.unusable_periods(ctx, &record.periods_of_care));
        let schedules = reviews::schedule(record, ctx.evaluation_date, &ctx.calendar, *intervals);
        if record.supplied(Section::ReviewDates) {
            results.extend(review_results(ctx, record, &checks, &schedules));
        } else {
            for s in &schedules {
                results.push(reviews_not_supplied(ctx, record, first, s));
            }
        }
        results.extend(placement_changes(ctx, record, moves, &schedules));
        results
    }
}

fn is_open(ctx: &Context, schedule: &PeriodSchedule) -> bool {
    schedule.end.is_none_or(|end| end >= ctx.evaluation_date)
}

fn period_text(schedule: &PeriodSchedule) -> String {
    text!["period of care from ", Long(schedule.start)]
}

/// The review dates were not supplied: one result per period, with the first review's due date.
fn reviews_not_supplied(
    ctx: &Context,
    record: &CareRecord,
    first: &CheckInfo,
    schedule: &PeriodSchedule,
) -> CheckResult {
    let r = first
        .not_supplied(
            text!["period of care from ", Iso(schedule.start)],
            record,
            Section::ReviewDates,
        )
        .with_evidence("period_start", schedule.start)
        .with_current(is_open(ctx, schedule));
    match schedule.reviews.first() {
        Some(review) => r.with_due(review.due),
        None => r,
    }
}

fn review_results(
    ctx: &Context,
    record: &CareRecord,
    checks: &[CheckInfo; 5],
    schedules: &[PeriodSchedule],
) -> Vec<CheckResult> {
    let [first, second, later, date_valid, _] = checks;
    let mut results = Vec::new();
    let future = reviews::future_reviews(record, ctx.evaluation_date);
    let mut future_reported = future.is_empty();
    for period in schedules {
        let period_text = period_text(period);
        let open = is_open(ctx, period);
        for (i, due_review) in period.reviews.iter().enumerate() {
            let info = match due_review.number {
                1 => first,
                2 => second,
                _ => later,
            };
            let last = i + 1 == period.reviews.len();
            let what = text![ordinal(due_review.number), " review (", &period_text, ")"];
            if open && last && due_review.held.is_none() && !future_reported {
                let pending = text![
                    "the ",
                    ordinal(due_review.number).to_lowercase(),
                    " review of the ",
                    &period_text,
                    ", due by ",
                    Long(due_review.due),
                    ", was held"
                ];
                results.push(
                    recurring::future_error(
                        ctx,
                        info,
                        text!["review due ", Iso(due_review.due)],
                        "reviews[].date",
                        "A review",
                        &future,
                        Some(&pending),
                    )
                    .with_due(due_review.due)
                    .with_evidence("period_start", period.start),
                );
                future_reported = true;
                continue;
            }
            let timing = ctx.timing(due_review.due, due_review.held);
            let subject = match due_review.held {
                Some(held) => text!["review ", Iso(held)],
                None => text!["review due ", Iso(due_review.due)],
            };
            // A review missed in a period that has since ended stays a breach, but it is not
            // "overdue" any more: nothing can be held now.
            let message = match (due_review.held, period.end) {
                (None, Some(end)) if !open && due_review.due < ctx.evaluation_date => text![
                    &what,
                    " was due by ",
                    Long(due_review.due),
                    " and was not held before the period of care ended on ",
                    Long(end),
                    "."
                ],
                _ => describe(&what, "held", due_review.due, timing),
            };
            let mut result = info
                .timed(subject, due_review.due, timing, message)
                .with_evidence("period_start", period.start)
                .with_current(open && last);
            if let Some(held) = due_review.held {
                result = result.with_evidence("held", held);
            }
            results.push(result);
        }
        if let Some(e) = &period.calendar_error {
            results.push(
                first
                    .insufficient(
                        text!["period of care from ", Iso(period.start)],
                        "calendar",
                        text![
                            "Review deadlines for the ",
                            &period_text,
                            " cannot be counted: ",
                            e.to_string(),
                            "."
                        ],
                    )
                    .with_current(open),
            );
        }
    }
    if !future_reported {
        results.extend(recurring::misdated(
            ctx,
            date_valid,
            "review",
            "A review",
            "reviews[].date",
            &future,
        ));
    }
    results
}

/// `placement-change-reviewed`: each move in the open period, reviewed since or not.
fn placement_changes(
    ctx: &Context,
    record: &CareRecord,
    info: &CheckInfo,
    schedules: &[PeriodSchedule],
) -> Vec<CheckResult> {
    let eval = ctx.evaluation_date;
    if let Some(section) = record.unsupplied(&[Section::PlacementDates, Section::ReviewDates]) {
        return vec![info.not_supplied("record", record, section)];
    }
    let Some((period, schedule)) = record
        .periods_of_care
        .iter()
        .filter(|p| p.start().is_some_and(|s| s <= eval))
        .zip(schedules)
        .find(|(p, _)| p.contains(eval))
    else {
        return vec![
            info.result(
                Status::NotApplicable,
                "child",
                text![
                    "The child is not in a period of care on ",
                    Long(eval),
                    ", so no placement change needs a review."
                ],
            )
            .with_current(true),
        ];
    };
    let mut moves: Vec<(&str, NaiveDate)> = record
        .placements
        .iter()
        .filter(|p| p.start > schedule.start && p.start <= eval && period.contains(p.start))
        .map(|p| (p.id.as_str(), p.start))
        .collect();
    moves.sort_by_key(|(id, start)| (*start, *id));
    if moves.is_empty() {
        return vec![
            info.result(
                Status::NotApplicable,
                "child",
                text![
                    "No placement change is recorded in the ",
                    period_text(schedule),
                    " up to ",
                    Long(eval),
                    "."
                ],
            )
            .with_evidence("period_start", schedule.start)
            .with_current(true),
        ];
    }
    let (held, _) = recurring::split_future(ctx, record.reviews.iter().map(|r| r.date));
    let next_due = schedule
        .reviews
        .iter()
        .find(|r| r.held.is_none())
        .map(|r| r.due);
    let latest = moves.last().map(|(_, start)| *start);
    moves
        .into_iter()
        .map(|(id, moved)| {
            let subject = text!["placement ", &id, " from ", Iso(moved)];
            let moved_text = format_long(moved);
            let since = held.iter().copied().find(|d| *d >= moved);
            let r = match since {
                Some(review) => info
                    .result(
                        Status::Met,
                        subject,
                        [
                            "A review was held on ",
                            &format_long(review),
                            " after the child moved to placement ",
                            id,
                            " on ",
                            &moved_text,
                            ".",
                        ]
                        .concat(),
                    )
                    .with_evidence("review_since", review)
                    .with_current(Some(moved) == latest),
                None => {
                    let next = next_due.map_or_else(String::new, |due| {
                        text![" (the next review is due by ", Long(due), ")"]
                    });
                    info.result(
                        Status::Warning,
                        subject,
                        text![
                            "The child moved to placement ",
                            &id,
                            " on ",
                            &moved_text,
                            " and no review has been held since",
                            &next,
                            "; a significant change to the care plan must be considered at a review, so ask the IRO whether to bring the review forward.",
                        ],
                    )
                    .with_current(true)
                }
            };
            r.with_evidence("placement_id", id)
                .with_evidence("moved_on", moved)
                .with_evidence("period_start", schedule.start)
        })
        .collect()
}

carecheck_sdk::export_policy!(StatutoryReviewTimeliness);
