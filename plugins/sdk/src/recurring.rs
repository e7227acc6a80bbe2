//! Recurring requirements (statutory reviews, review health assessments, SDQs, PEP reviews,
//! pathway plan reviews, carers' support and visits), worked out the same way everywhere:
//! each occurrence is its own result, past ones `met` or `breach`, the next one `upcoming`,
//! `due_soon` or `breach`, with its due date.
//!
//! The reading (statutory-rules reference, "Ambiguities settled here" 2 and 3):
//! - the first occurrence has a due date the policy works out (20 working days after a period
//!   starts, 12 months after approval, ...);
//! - each event recorded (sorted, on or before the evaluation date) satisfies the next
//!   outstanding occurrence, on time or late, and the next occurrence is due an interval after
//!   the date the event actually happened (an early or a late event both restart the clock);
//! - the series stops at the first occurrence with no event (the next clock runs only from an
//!   event actually held), or at the first occurrence due after `until` (a period of care that
//!   ended, the end of compulsory school age: nothing more was owed);
//! - events dated after the evaluation date are data errors, never evidence: they are left out
//!   and, when the series is still running, reported on the outstanding occurrence
//!   ([`future_error`]), so one cause gives one result.

use chrono::NaiveDate;

use crate::dates::format_long;
use crate::outcome::{CheckInfo, CheckResult, Context, describe};
use crate::text;
use crate::text::{Iso, Long};

/// One occurrence of a recurring requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// 1 for the first, 2 for the second, and so on.
    pub number: u32,
    pub due: NaiveDate,
    /// The event that satisfied it (on time or late), if one has happened.
    pub held: Option<NaiveDate>,
    /// The event the clock ran from (the previous occurrence's), `None` for the first.
    pub after: Option<NaiveDate>,
}

/// The occurrences of a recurring requirement: the first due `first_due`; each of `events`
/// (sorted, duplicates merged, none after the evaluation date) satisfies the next outstanding
/// occurrence; after the event that satisfied occurrence `n`, the next is due `next_due(n,
/// event)`. Stops at the first occurrence with no event, or before the first due after `until`.
pub fn occurrences(
    first_due: NaiveDate,
    events: &[NaiveDate],
    until: Option<NaiveDate>,
    mut next_due: impl FnMut(u32, NaiveDate) -> NaiveDate,
) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut events = events.iter().copied();
    let mut occurrence = Occurrence {
        number: 1,
        due: first_due,
        held: None,
        after: None,
    };
    while until.is_none_or(|u| u >= occurrence.due) {
        occurrence.held = events.next();
        out.push(occurrence);
        let Some(held) = occurrence.held else { break };
        occurrence = Occurrence {
            number: occurrence.number + 1,
            due: next_due(occurrence.number, held),
            held: None,
            after: Some(held),
        };
    }
    out
}

/// The dates of `rows` on or before the evaluation date, sorted and merged (the evidence a
/// series is worked out from), and the ones after it (data errors), likewise.
pub fn split_future(
    ctx: &Context,
    rows: impl IntoIterator<Item = NaiveDate>,
) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let (mut future, mut held): (Vec<NaiveDate>, Vec<NaiveDate>) =
        rows.into_iter().partition(|d| ctx.is_future(*d));
    for list in [&mut held, &mut future] {
        list.sort();
        list.dedup();
    }
    (held, future)
}

/// How the results of a recurring requirement read (see [`results`]).
#[derive(Debug, Clone, Copy)]
pub struct Wording<'a> {
    /// The event in a sentence: "PEP review" ("whether the PEP review due by ... was held").
    pub noun: &'a str,
    /// The event as subjects name it: "PEP review" gives "PEP review 2025-02-14";
    /// "caregiver C1, visit" gives "caregiver C1, visit 2025-02-14".
    pub rows: &'a str,
    /// The event starting a sentence: "A PEP review".
    pub a_noun: &'a str,
    /// Where the events sit in the record, named by data errors: "education.pep_reviews[]".
    pub field: &'a str,
    /// The subject of the occurrence not yet done: "personal education plan".
    pub subject: &'a str,
    /// What is done to the event: "held", "completed", "made".
    pub verb: &'a str,
}

/// One result per occurrence of a requirement that applies on the evaluation date, oldest
/// first: a held occurrence is `met` or `breach` ([`describe`] of `what(o)`, subject
/// "PEP review 2025-02-14", evidence `held` and `previous`); the last, not yet held, is
/// `upcoming`, `due_soon` or `breach` with its due date. The last is current. Rows dated after
/// the evaluation date (`future`) are the outstanding occurrence's result when there is one
/// ([`future_error`]), otherwise one result of their own ([`misdated`]).
pub fn results(
    ctx: &Context,
    info: &CheckInfo,
    wording: &Wording,
    occurrences: &[Occurrence],
    future: &[NaiveDate],
    what: impl Fn(&Occurrence) -> String,
) -> Vec<CheckResult> {
    let mut future_left = future;
    let mut results: Vec<CheckResult> = occurrences
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let last = i + 1 == occurrences.len();
            let r = if last && o.held.is_none() && !future_left.is_empty() {
                let pending = text![
                    "the ",
                    &wording.noun,
                    " due by ",
                    Long(o.due),
                    " was ",
                    &wording.verb
                ];
                let r = future_error(
                    ctx,
                    info,
                    wording.subject,
                    wording.field,
                    wording.a_noun,
                    future_left,
                    Some(&pending),
                )
                .with_due(o.due);
                future_left = &[];
                r
            } else {
                let timing = ctx.timing(o.due, o.held);
                let subject = match o.held {
                    Some(held) => text![&wording.rows, " ", Iso(held)],
                    None => wording.subject.to_string(),
                };
                let r = info.timed(
                    subject,
                    o.due,
                    timing,
                    describe(&what(o), wording.verb, o.due, timing),
                );
                match o.held {
                    Some(held) => r.with_evidence("held", held),
                    None => r,
                }
            };
            let r = r.with_current(last);
            match o.after {
                Some(after) => r.with_evidence("previous", after),
                None => r,
            }
        })
        .collect();
    results.extend(misdated(
        ctx,
        info,
        wording.rows,
        wording.a_noun,
        wording.field,
        future_left,
    ));
    results
}

/// A requirement recurring every `months` calendar months (see [`every`]).
#[derive(Debug, Clone, Copy)]
pub struct Every {
    /// Events dated before this do not count (the start of the period of care, of compulsory
    /// school age, of eligibility, of approval).
    pub counts_from: NaiveDate,
    pub first_due: NaiveDate,
    pub months: u32,
    /// Occurrences due after this are not owed.
    pub until: Option<NaiveDate>,
}

impl Every {
    /// Every `months` months, the first due `months` after `anchor`; events from `counts_from`
    /// on count; no end.
    pub fn months_after(anchor: NaiveDate, counts_from: NaiveDate, months: u32) -> Every {
        Every {
            counts_from,
            first_due: crate::dates::add_months(anchor, months),
            months,
            until: None,
        }
    }

    /// The same, with occurrences due after `until` not owed.
    pub fn until(self, until: Option<NaiveDate>) -> Every {
        Every { until, ..self }
    }
}

/// [`results`] for a requirement due every `every.months` months after the previous event
/// actually happened, from the dated rows recorded (misdated ones included: they are reported).
/// When nothing is owed before `every.until`, one current `not_applicable` result says so
/// ([`not_owed`]).
pub fn every(
    ctx: &Context,
    info: &CheckInfo,
    wording: &Wording,
    rows: impl IntoIterator<Item = NaiveDate>,
    every: Every,
    what: impl Fn(&Occurrence) -> String,
) -> Vec<CheckResult> {
    let (held, future) = split_future(ctx, rows);
    let events: Vec<NaiveDate> = held
        .into_iter()
        .filter(|d| *d >= every.counts_from)
        .collect();
    let occurrences = occurrences(every.first_due, &events, every.until, |_, d| {
        crate::dates::add_months(d, every.months)
    });
    let mut out = Vec::new();
    if let (true, Some(until)) = (occurrences.is_empty(), every.until) {
        out.push(not_owed(info, wording, every.first_due, until));
    }
    out.extend(results(ctx, info, wording, &occurrences, &future, what));
    out
}

/// The `not_applicable` result of a series that owes nothing: its first occurrence would fall
/// due on `first_due`, after the requirement ends on `until`.
pub fn not_owed(
    info: &CheckInfo,
    wording: &Wording,
    first_due: NaiveDate,
    until: NaiveDate,
) -> CheckResult {
    info.result(
        crate::Status::NotApplicable,
        wording.subject,
        text![
            "No ",
            &wording.noun,
            " is owed: the first would fall due on ",
            Long(first_due),
            ", after the requirement ends on ",
            Long(until),
            "."
        ],
    )
    .with_current(true)
}

/// Rows of one kind (reviews, assessments) by day: several rows on the same date are one event,
/// and the one with the highest `rank` (the most complete record) stands for it. Returns the
/// events on or before the evaluation date, oldest first, and the dates after it (data errors,
/// sorted).
pub fn by_day<T: Copy>(
    ctx: &Context,
    rows: impl IntoIterator<Item = (NaiveDate, T)>,
    rank: impl Fn(T) -> u8,
) -> (Vec<(NaiveDate, T)>, Vec<NaiveDate>) {
    let mut days: std::collections::BTreeMap<NaiveDate, T> = std::collections::BTreeMap::new();
    for (date, row) in rows {
        let best = days.entry(date).or_insert(row);
        if rank(row) > rank(*best) {
            *best = row;
        }
    }
    let (future, held): (Vec<_>, Vec<_>) = days.into_iter().partition(|(d, _)| ctx.is_future(*d));
    (held, future.into_iter().map(|(d, _)| d).collect())
}

/// [`future_error`] for misdated rows that no outstanding occurrence stands for (subject
/// "review 2025-07-01", no due date); `None` when there are none.
pub fn misdated(
    ctx: &Context,
    info: &CheckInfo,
    noun: &str,
    what: &str,
    field: &str,
    future: &[NaiveDate],
) -> Option<CheckResult> {
    (!future.is_empty()).then(|| {
        future_error(
            ctx,
            info,
            rows_subject(noun, future),
            field,
            what,
            future,
            None,
        )
    })
}

/// The subject of a result about dated rows: "review 2025-06-02", or for several,
/// "reviews 2025-06-02, 2025-07-01" (`noun` is the singular; the plural adds "s").
pub fn rows_subject(noun: &str, dates: &[NaiveDate]) -> String {
    let list: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let plural = if dates.len() == 1 { "" } else { "s" };
    text![&noun, &plural, " ", list.join(", ")]
}

/// The one `insufficient_data` result for rows dated after the evaluation date: `what` names
/// them ("A PEP review", "An SDQ"), `field` is the field they sit in. When the series is still
/// running, the caller makes this the result of the outstanding occurrence (with its due date,
/// which the rule fixes from earlier events) and says what cannot be told in `pending` ("the
/// next PEP review, due by 14 Jun 2025, was held"): the misdated row may be that occurrence.
/// The result is current: a data error to correct now.
pub fn future_error(
    ctx: &Context,
    info: &CheckInfo,
    subject: impl Into<String>,
    field: &str,
    what: &str,
    future: &[NaiveDate],
    pending: Option<&str>,
) -> CheckResult {
    let dates: Vec<String> = future.iter().map(|d| format_long(*d)).collect();
    let is = if future.len() == 1 { "is" } else { "are" };
    let tail = pending.map_or_else(String::new, |p| {
        text![": until then it cannot be told whether ", &p]
    });
    let mut r = info.insufficient(
        subject,
        field,
        text![
            &what,
            " ",
            &is,
            " dated ",
            dates.join(", "),
            ", after the evaluation date ",
            Long(ctx.evaluation_date),
            "; correct the date before it is counted",
            &tail,
            "."
        ],
    );
    for d in future {
        r = r.with_evidence("recorded_date", d);
    }
    r.with_current(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::add_months;
    use crate::ymd;

    #[test]
    fn each_event_satisfies_the_next_occurrence_and_restarts_the_clock() {
        // First due 31 Aug 2023; held 31 Aug 2023 (on the day); next due 31 Aug 2023 +
        // 6 months = 29 Feb 2024 (leap year), held 1 Mar 2024 (a day late); next due
        // 1 Sep 2024, not held: the series stops there.
        let events = [ymd(2023, 8, 31), ymd(2024, 3, 1)];
        let o = occurrences(ymd(2023, 8, 31), &events, None, |_, d| add_months(d, 6));
        assert_eq!(
            o,
            [
                Occurrence {
                    number: 1,
                    due: ymd(2023, 8, 31),
                    held: Some(ymd(2023, 8, 31)),
                    after: None
                },
                Occurrence {
                    number: 2,
                    due: ymd(2024, 2, 29),
                    held: Some(ymd(2024, 3, 1)),
                    after: Some(ymd(2023, 8, 31))
                },
                Occurrence {
                    number: 3,
                    due: ymd(2024, 9, 1),
                    held: None,
                    after: Some(ymd(2024, 3, 1))
                },
            ]
        );
    }

    #[test]
    fn the_interval_may_depend_on_the_occurrence() {
        // Statutory reviews: 3 months after the first, 6 after later ones.
        let events = [ymd(2025, 1, 22), ymd(2025, 4, 22)];
        let o = occurrences(ymd(2025, 1, 22), &events, None, |n, d| {
            add_months(d, if n == 1 { 3 } else { 6 })
        });
        assert_eq!(o[1].due, ymd(2025, 4, 22));
        assert_eq!(o[2].due, ymd(2025, 10, 22));
    }

    #[test]
    fn until_stops_the_series_before_an_occurrence_due_after_it() {
        // Due 1 May 2024, but the period ended 30 Apr 2024: nothing owed.
        assert!(occurrences(ymd(2024, 5, 1), &[], Some(ymd(2024, 4, 30)), |_, d| d).is_empty());
        // Ending on the due date itself: owed.
        assert_eq!(
            occurrences(ymd(2024, 5, 1), &[], Some(ymd(2024, 5, 1)), |_, d| d).len(),
            1
        );
        // An event after `until` still satisfies an occurrence due before it (a late event).
        let o = occurrences(
            ymd(2024, 5, 1),
            &[ymd(2024, 6, 1)],
            Some(ymd(2024, 5, 20)),
            |_, d| add_months(d, 6),
        );
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].held, Some(ymd(2024, 6, 1)));
    }

    fn context(evaluation_date: NaiveDate) -> Context {
        Context {
            evaluation_date,
            look_ahead_days: 28,
            calendar: crate::dates::Calendar::new([], ymd(2000, 1, 1), ymd(2040, 12, 31)),
            settings: String::new(),
        }
    }

    const WORDING: Wording = Wording {
        noun: "visit",
        rows: "visit",
        a_noun: "A visit",
        field: "visits[]",
        subject: "carer",
        verb: "made",
    };

    /// Every 12 months from approval on 29 Feb 2024: the first visit due 28 Feb 2025 (a common
    /// year), made on 28 Feb 2025 (met, history); the next due 28 Feb 2026. On 1 Jun 2025 a
    /// visit dated 1 Jul 2025 is misdated: it becomes the outstanding visit's result, with its
    /// due date, current. Past the last day it could be owed, nothing is owed.
    #[test]
    fn every_twelve_months_with_a_misdated_row() {
        let info = CheckInfo::guidance("visit", "Visit", "NMS 21.8");
        let approved = ymd(2024, 2, 29);
        let every = Every::months_after(approved, approved, 12);
        let rows = [ymd(2025, 2, 28), ymd(2025, 7, 1)];
        let r = super::every(
            &context(ymd(2025, 6, 1)),
            &info,
            &WORDING,
            rows,
            every,
            |_| "Visit".into(),
        );
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].status, r[0].due, r[0].current, r[0].subject.as_str()),
            (
                crate::Status::Met,
                Some(ymd(2025, 2, 28)),
                false,
                "visit 2025-02-28"
            )
        );
        assert_eq!(
            (r[1].status, r[1].due, r[1].current),
            (
                crate::Status::InsufficientData,
                Some(ymd(2026, 2, 28)),
                true
            )
        );
        assert_eq!(
            r[1].message,
            "A visit is dated 1 Jul 2025, after the evaluation date 1 Jun 2025; correct the date before it is counted: until then it cannot be told whether the visit due by 28 Feb 2026 was made."
        );
        // Ending on 27 Feb 2025, the day before the first visit fell due: nothing owed.
        let r = super::every(
            &context(ymd(2025, 6, 1)),
            &info,
            &WORDING,
            [],
            every.until(Some(ymd(2025, 2, 27))),
            |_| "Visit".into(),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].status, crate::Status::NotApplicable);
        assert_eq!(
            r[0].message,
            "No visit is owed: the first would fall due on 28 Feb 2025, after the requirement ends on 27 Feb 2025."
        );
    }

    #[test]
    fn by_day_keeps_the_best_row_of_each_day() {
        let ctx = context(ymd(2025, 6, 1));
        let rows = [
            (ymd(2025, 3, 4), 1u8),
            (ymd(2025, 3, 4), 3),
            (ymd(2025, 1, 22), 2),
            (ymd(2025, 7, 1), 3),
            (ymd(2025, 7, 1), 0),
        ];
        let (held, future) = by_day(&ctx, rows, |r| r);
        assert_eq!(held, [(ymd(2025, 1, 22), 2), (ymd(2025, 3, 4), 3)]);
        assert_eq!(future, [ymd(2025, 7, 1)]);
        assert_eq!(rows_subject("review", &future), "review 2025-07-01");
        assert_eq!(
            rows_subject("review", &[ymd(2025, 7, 1), ymd(2025, 8, 1)]),
            "reviews 2025-07-01, 2025-08-01"
        );
    }
}
