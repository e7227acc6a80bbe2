//! When a subscription runs: a cron expression (five fields, or six with seconds first) read on
//! the Europe/London clock, with the two clock changes handled on purpose.
//!
//! - An expression that names its hours (`30 1 * * *`, `0 1,13 * * *`, `0 9-17 * * 1-5`) means
//!   times of day on the wall clock. Each such time runs exactly once: a time the clocks skip
//!   (01:30 on the last Sunday of March) runs at the first instant after the gap (02:00 BST,
//!   01:00 UTC), and a time that happens twice (01:30 on the last Sunday of October) runs at the
//!   first of the two (01:30 BST). croner does this itself only for a single fixed hour, minute
//!   and second, so these are computed here on the naive wall clock and then placed in time.
//! - An expression whose hour field is `*` or `*/n` means "every so often": it runs in every
//!   real hour, 23 on the March Sunday and 25 on the October one (croner's interval reading).
//!
//! Occurrences are whole seconds in UTC; the scheduler keys a report by one.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// Most occurrences one call returns (a schedule every second, missed for a day, is 86,400).
pub const MAX_OCCURRENCES: usize = 10_000;

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    /// The hour field is `*` or `*/n`: every real hour, not times of day.
    interval: bool,
}

/// How far a wall-clock time can move when placed in time (the clock changes by an hour).
const SHIFT: Duration = Duration::hours(3);

impl Schedule {
    /// Parses `expression`; the error says what croner found wrong.
    pub fn parse(expression: &str) -> Result<Self, String> {
        let fields = expression.split_whitespace().count();
        if !(fields == 5 || fields == 6) {
            return Err(format!(
                "a cron expression has 5 fields (minute hour day month weekday) or 6 (with seconds first), not {fields}"
            ));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(expression)
            .map_err(|e| format!("not a cron expression: {e}"))?;
        let interval = cron.pattern.hours.from_wildcard;
        let schedule = Self { cron, interval };
        // An expression that never fires (30 February) is refused rather than kept.
        if schedule.next_after(Utc::now()).is_none() {
            return Err("this cron expression never runs".into());
        }
        Ok(schedule)
    }

    /// The first occurrence strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.between(after, after + Duration::days(366 * 5), 1)
            .into_iter()
            .next()
    }

    /// Occurrences in `(after, until]`, oldest first, at most `limit`.
    pub fn between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out: Vec<DateTime<Utc>> = Vec::new();
        if self.interval {
            let mut cursor = after.with_timezone(&London);
            while out.len() < limit {
                let Ok(next) = self.cron.find_next_occurrence(&cursor, false) else {
                    break;
                };
                let utc = next.with_timezone(&Utc);
                if utc > until {
                    break;
                }
                if utc > after {
                    out.push(utc);
                }
                cursor = next;
            }
            return out;
        }
        // Times of day: walk the wall clock from a little before `after`, place each time.
        let mut cursor = after.with_timezone(&London).naive_local() - SHIFT;
        let end = until.with_timezone(&London).naive_local() + SHIFT;
        while out.len() < limit {
            let Ok(next) = self.cron.find_next_occurrence(&cursor, false) else {
                break;
            };
            if next > end {
                break;
            }
            let utc = place(next);
            if utc > after && utc <= until && out.last() != Some(&utc) {
                out.push(utc);
            }
            cursor = next;
        }
        out.sort();
        out.dedup();
        out
    }

    /// The last occurrence strictly before `before` (the start of a report's period).
    pub fn previous_before(&self, before: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.interval {
            let at = before.with_timezone(&London);
            return self
                .cron
                .find_previous_occurrence(&at, false)
                .ok()
                .map(|t| t.with_timezone(&Utc));
        }
        let mut cursor = before.with_timezone(&London).naive_local() + SHIFT;
        for _ in 0..64 {
            let previous = self.cron.find_previous_occurrence(&cursor, false).ok()?;
            let utc = place(previous);
            if utc < before {
                return Some(utc);
            }
            cursor = previous;
        }
        None
    }
}

/// A wall-clock time in London as an instant: the earlier of two when the clocks go back, the
/// first instant after the gap when they go forward.
fn place(wall: NaiveDateTime) -> DateTime<Utc> {
    match London.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // In the gap: the first wall-clock second after it that exists.
            let mut later = wall;
            for _ in 0..(2 * 3600) {
                later += Duration::seconds(1);
                if let Some(t) = London.from_local_datetime(&later).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            // London's gaps last an hour; read a longer one (a broken zone database) as UTC.
            Utc.from_utc_datetime(&wall)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn all(expression: &str, after: &str, until: &str) -> Vec<String> {
        Schedule::parse(expression)
            .unwrap()
            .between(utc(after), utc(until), 1000)
            .into_iter()
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .collect()
    }

    #[test]
    fn a_time_the_clocks_skip_in_march_runs_once_at_the_jump() {
        // 2026: the clocks go forward at 01:00 GMT on Sunday 29 March (the last Sunday), so
        // 01:00-01:59 does not exist that day. 01:30 runs at the jump, 02:00 BST = 01:00 UTC.
        // The day before, 01:30 GMT = 01:30 UTC; the day after, 01:30 BST = 00:30 UTC.
        assert_eq!(
            all("30 1 * * *", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z"),
            [
                "2026-03-28T01:30:00Z",
                "2026-03-29T01:00:00Z",
                "2026-03-30T00:30:00Z"
            ]
        );
        // A list of hours is times of day too: 01:30 and 13:30 on 29 March 2026 run once each
        // (01:00 UTC at the jump, 13:30 BST = 12:30 UTC). croner alone would drop the first.
        assert_eq!(
            all(
                "30 1,13 * * *",
                "2026-03-29T00:00:00Z",
                "2026-03-29T23:00:00Z"
            ),
            ["2026-03-29T01:00:00Z", "2026-03-29T12:30:00Z"]
        );
        // 2027: the last Sunday of March is the 28th. 01:15 and 01:45 both fall in the gap and
        // both land on the jump (01:00 UTC): one run, not two.
        assert_eq!(
            all(
                "15,45 1 28 3 *",
                "2027-03-27T00:00:00Z",
                "2027-03-29T00:00:00Z"
            ),
            ["2027-03-28T01:00:00Z"]
        );
    }

    #[test]
    fn a_time_that_happens_twice_in_october_runs_once_at_the_first() {
        // 2026: the clocks go back at 02:00 BST (01:00 UTC) on Sunday 25 October, so
        // 01:00-01:59 happens twice: first in BST (00:00-00:59 UTC), then in GMT
        // (01:00-01:59 UTC). 01:30 runs once, at 01:30 BST = 00:30 UTC.
        assert_eq!(
            all("30 1 * * *", "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z"),
            ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
        );
        assert_eq!(
            all(
                "30 1,13 * * *",
                "2026-10-25T00:00:00Z",
                "2026-10-25T23:00:00Z"
            ),
            ["2026-10-25T00:30:00Z", "2026-10-25T13:30:00Z"]
        );
        // 2027: the last Sunday of October is the 31st.
        assert_eq!(
            all("0 1 * * *", "2027-10-30T12:00:00Z", "2027-10-31T12:00:00Z"),
            ["2027-10-31T00:00:00Z"]
        );
    }

    #[test]
    fn an_hourly_schedule_runs_in_every_real_hour() {
        // 29 March 2026 (London) runs from 00:00 GMT (00:00 UTC) to 24:00 BST (23:00 UTC): 23
        // real hours, so 23 runs on the hour. 25 October 2026 runs from 23:00 UTC the day
        // before to 24:00 GMT: 25 hours.
        assert_eq!(
            all("0 * * * *", "2026-03-28T23:59:59Z", "2026-03-29T22:59:59Z").len(),
            23
        );
        let october = all("0 * * * *", "2026-10-24T22:59:59Z", "2026-10-25T23:59:59Z");
        assert_eq!(october.len(), 25);
        assert!(october.contains(&"2026-10-25T00:00:00Z".to_string()));
        assert!(october.contains(&"2026-10-25T01:00:00Z".to_string()));
    }

    #[test]
    fn seconds_months_weekdays_and_leap_days() {
        // Six fields: every 2 seconds.
        assert_eq!(
            all(
                "*/2 * * * * *",
                "2026-12-01T10:00:00Z",
                "2026-12-01T10:00:06Z"
            ),
            [
                "2026-12-01T10:00:02Z",
                "2026-12-01T10:00:04Z",
                "2026-12-01T10:00:06Z"
            ]
        );
        // 29 February at 09:00 runs only in leap years: 2028, then 2032 (GMT in February).
        assert_eq!(
            all("0 9 29 2 *", "2026-01-01T00:00:00Z", "2032-12-31T00:00:00Z"),
            ["2028-02-29T09:00:00Z", "2032-02-29T09:00:00Z"]
        );
        // Mondays at 07:00 in June 2026 (BST, so 06:00 UTC): the 1st, 8th, 15th, 22nd, 29th.
        assert_eq!(
            all(
                "0 7 * 6 MON",
                "2026-06-01T00:00:00Z",
                "2026-06-30T23:00:00Z"
            )
            .len(),
            5
        );
        // The 31st of each month at 08:00 skips the months without one: Jan, Mar, May in 2027.
        assert_eq!(
            all("0 8 31 * *", "2027-01-01T00:00:00Z", "2027-06-01T00:00:00Z"),
            [
                "2027-01-31T08:00:00Z",
                "2027-03-31T07:00:00Z",
                "2027-05-31T07:00:00Z"
            ]
        );
    }

    #[test]
    fn the_previous_occurrence_starts_a_report_period() {
        let weekly = Schedule::parse("0 7 * * MON").unwrap();
        // Monday 30 November 2026 07:00 GMT; the one before is Monday 23 November.
        assert_eq!(
            weekly.previous_before(utc("2026-11-30T07:00:00Z")),
            Some(utc("2026-11-23T07:00:00Z"))
        );
        // Across the October change: Monday 26 Oct 07:00 GMT, previous Monday 19 Oct 07:00 BST.
        assert_eq!(
            weekly.previous_before(utc("2026-10-26T07:00:00Z")),
            Some(utc("2026-10-19T06:00:00Z"))
        );
        let every_two = Schedule::parse("*/2 * * * * *").unwrap();
        assert_eq!(
            every_two.previous_before(utc("2026-12-01T10:00:02Z")),
            Some(utc("2026-12-01T10:00:00Z"))
        );
    }

    #[test]
    fn bad_expressions_are_refused_with_the_reason() {
        for (bad, why) in [
            ("* * *", "5 fields"),
            ("61 * * * *", "cron"),
            ("0 0 30 2 *", "never runs"),
            ("", "5 fields"),
        ] {
            let error = Schedule::parse(bad).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
    }
}
