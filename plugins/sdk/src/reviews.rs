//! The statutory review schedule (CPPCR 2010 reg 33), worked out once for everyone who needs it:
//! the `statutory-review-timeliness` policy reports on it and the host indexes each child's next
//! due review from it, so the two can never disagree. For the same reason the intervals are one
//! typed settings struct, [`Intervals`]: the policy's settings, which the host reads from the pack
//! with `settings::parse::<Intervals>`, bounds and defaults included.
//!
//! Readings (from shared/reference/statutory-rules.md, "Ambiguities settled here"):
//! - each period of care has its own clock: the first review is due 20 working days after the
//!   period starts (the start day itself does not count);
//! - the second is due 3 months, and each later one 6 months, after the previous review actually
//!   held (an early or a late review both count as held, and the next clock runs from it);
//! - a review belongs to the period whose dates contain it; reviews on the same day count once;
//! - a review dated after the evaluation date is not evidence: it is left out of the timing and
//!   reported separately;
//! - the schedule stops when the period ends before the next due date, or at the first review that
//!   is still outstanding (the next clock runs only from a review actually held).
//!
//! The occurrences themselves are the SDK's general recurring requirement
//! ([`crate::recurring::occurrences`]), which every other recurring check uses too.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::dates::{self, Calendar, DateError};
use crate::record::{CareRecord, PeriodOfCare};
use crate::recurring;
use crate::settings::{Settings, at_most};
use crate::text;

/// Intervals between reviews: the `statutory-review-timeliness` policy's settings. The defaults
/// are the regulation's figures; a local authority may shorten them, never lengthen them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Intervals {
    /// Working days after the child becomes looked after by which the first review is due (reg 33(1): 20).
    pub first_review_working_days: u32,
    /// Months after the first review by which the second is due (reg 33(2): 3).
    pub second_review_months: u32,
    /// Months after the previous review by which each later review is due (reg 33(2): 6).
    pub later_review_months: u32,
}

impl Default for Intervals {
    fn default() -> Self {
        Self {
            first_review_working_days: 20,
            second_review_months: 3,
            later_review_months: 6,
        }
    }
}

impl Settings for Intervals {
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

/// One review the regulations required in a period of care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReview {
    /// 1 for the first review of the period, 2 for the second, and so on.
    pub number: u32,
    pub due: NaiveDate,
    /// The review that satisfied it (on time or late), if one has been held.
    pub held: Option<NaiveDate>,
}

/// The schedule of one period of care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSchedule {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub reviews: Vec<DueReview>,
    /// Set when a deadline could not be counted (the calendar does not reach it); `reviews`
    /// then holds what could be worked out before it.
    pub calendar_error: Option<DateError>,
}

/// Reviews dated after the evaluation date: data errors, never evidence.
pub fn future_reviews(record: &CareRecord, as_of: NaiveDate) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = record
        .reviews
        .iter()
        .map(|r| r.date)
        .filter(|d| *d > as_of)
        .collect();
    dates.sort();
    dates.dedup();
    dates
}

/// The schedule of every period of care that has started by `as_of` (periods with no episode or
/// starting later are data errors for the caller to report). A calendar error in one period
/// leaves the others untouched.
pub fn schedule(
    record: &CareRecord,
    as_of: NaiveDate,
    calendar: &Calendar,
    intervals: Intervals,
) -> Vec<PeriodSchedule> {
    let mut held: Vec<NaiveDate> = record
        .reviews
        .iter()
        .map(|r| r.date)
        .filter(|d| *d <= as_of)
        .collect();
    held.sort();
    held.dedup();
    record
        .periods_of_care
        .iter()
        .filter(|p| p.start().is_some_and(|s| s <= as_of))
        .map(|period| period_schedule(period, &held, calendar, intervals))
        .collect()
}

fn period_schedule(
    period: &PeriodOfCare,
    held: &[NaiveDate],
    calendar: &Calendar,
    intervals: Intervals,
) -> PeriodSchedule {
    let start = period.start().expect("filtered to periods with a start");
    let end = period.end();
    let in_period: Vec<NaiveDate> = held
        .iter()
        .copied()
        .filter(|d| period.contains(*d))
        .collect();
    let mut schedule = PeriodSchedule {
        start,
        end,
        reviews: Vec::new(),
        calendar_error: None,
    };
    let first_due = match calendar.add_working_days(start, intervals.first_review_working_days) {
        Ok(due) => due,
        Err(e) => {
            schedule.calendar_error = Some(e);
            return schedule;
        }
    };
    // The period ending before a review falls due means nothing more was owed.
    schedule.reviews = recurring::occurrences(first_due, &in_period, end, |number, held_on| {
        let months = if number == 1 {
            intervals.second_review_months
        } else {
            intervals.later_review_months
        };
        dates::add_months(held_on, months)
    })
    .into_iter()
    .map(|o| DueReview {
        number: o.number,
        due: o.due,
        held: o.held,
    })
    .collect();
    schedule
}

/// The due date of the next review not yet held in the period open on `as_of`, if any.
pub fn next_review_due(
    record: &CareRecord,
    as_of: NaiveDate,
    calendar: &Calendar,
    intervals: Intervals,
) -> Option<NaiveDate> {
    schedule(record, as_of, calendar, intervals)
        .iter()
        .filter(|s| s.end.is_none_or(|e| e >= as_of))
        .flat_map(|s| s.reviews.iter())
        .find(|r| r.held.is_none())
        .map(|r| r.due)
}

/// Ordinal words for messages: "First", "Second", ... "12th".
pub fn ordinal(number: u32) -> String {
    match number {
        1 => "First".into(),
        2 => "Second".into(),
        3 => "Third".into(),
        4 => "Fourth".into(),
        5 => "Fifth".into(),
        6 => "Sixth".into(),
        n => text![&n, "th"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::parse;

    /// What the host does with the pack's `statutory-review-timeliness` settings.
    #[test]
    fn intervals_parse_from_settings_json_with_defaults_and_bounds() {
        assert_eq!(parse::<Intervals>(""), Ok(Intervals::default()));
        assert_eq!(parse::<Intervals>("{}"), Ok(Intervals::default()));
        assert_eq!(
            parse::<Intervals>(r#"{"second_review_months": 2}"#),
            Ok(Intervals {
                second_review_months: 2,
                ..Intervals::default()
            })
        );
        let loose = parse::<Intervals>(r#"{"later_review_months": 7}"#).unwrap_err();
        assert!(loose.contains("at most 6"), "{loose}");
        assert!(parse::<Intervals>(r#"{"first_review_working_days": 0}"#).is_err());
        assert!(parse::<Intervals>(r#"{"third_review_months": 6}"#).is_err());
    }
}
