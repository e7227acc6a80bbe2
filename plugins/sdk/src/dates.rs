//! Statutory date arithmetic: working days, calendar months, ages, and the wording of dates in
//! messages.
//!
//! Every policy counts time the same way ("Counting time" in the statutory-rules reference), so
//! the counting lives here, once. If each policy did its own date arithmetic, two policies could
//! disagree about the same deadline: one treats Good Friday as a working day, another clips
//! 31 Aug + 6 months differently. The IRO would then see contradictory results for the same child.
//!
//! The bank-holiday calendar is **data, not code**. The host loads it from
//! `policies/calendars/*.toml` and passes it to each evaluation. The SDK builds a [`Calendar`]
//! from it with [`Calendar::from_unix_days`]. A new proclamation (a one-off bank holiday, a moved
//! spring holiday) is then a data change, and no policy has to be recompiled. The calendar also
//! says which range it covers. Counting outside that range is an error
//! ([`DateError::OutsideCalendar`]), never a silent guess that a day was a working day.
//!
//! The readings implemented here:
//! - **"within N working days of D"** ([`Calendar::add_working_days`]): D itself does not count.
//!   Day 1 is the first working day after D, and the deadline is the Nth working day after D.
//! - **"not more than N months after D"** ([`add_months`]): the same day of the month N calendar
//!   months later, or that month's last day when that day does not exist. Intervals run from the
//!   date the previous event actually happened, so clipping never accumulates: callers add months
//!   to the real date each time, never to a previously computed deadline.
//! - **Age** ([`age_on`], [`birthday`]): whole years. A child born on 29 Feb turns a year older on
//!   1 Mar in common years.
//!
//! Everything is pure and allocation-light, with no clock and no I/O, so it compiles unchanged for
//! `wasm32-unknown-unknown` guests and for native tests.

use chrono::{Datelike, Months, NaiveDate};

use crate::text;

/// Error for dates outside the calendar, unparseable dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// The text is not a real date in the strict `YYYY-MM-DD` form.
    Unparseable { value: String },
    /// A day number (days since 1970-01-01) that names no representable date.
    DayOutOfRange { value: i32 },
    /// Counting working days reached a date that the calendar's list of non-working days does not
    /// cover, so whether that date is a working day is unknown.
    OutsideCalendar {
        date: NaiveDate,
        from: NaiveDate,
        to: NaiveDate,
    },
}

impl std::fmt::Display for DateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateError::Unparseable { value } => {
                write!(f, "{value:?} is not a valid date in the form YYYY-MM-DD")
            }
            DateError::DayOutOfRange { value } => {
                write!(
                    f,
                    "day number {value} (days since 1970-01-01) is not a date"
                )
            }
            DateError::OutsideCalendar { date, from, to } => {
                write!(
                    f,
                    "{date} is outside the working-day calendar ({from} to {to})"
                )
            }
        }
    }
}

impl std::error::Error for DateError {}

/// Parses a date in the strict `YYYY-MM-DD` form: exactly ten characters, a four-digit year,
/// two-digit month and day, no surrounding space, no time part. Dates that do not exist
/// (`2026-02-30`, `2023-02-29`) are rejected.
pub fn parse_iso_date(s: &str) -> Result<NaiveDate, DateError> {
    parse_fixed(s).ok_or_else(|| DateError::Unparseable {
        value: s.to_owned(),
    })
}

/// Hand parser for the fixed `YYYY-MM-DD` layout, without chrono's format-string machinery.
fn parse_fixed(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digit = |i: usize| -> Option<u32> {
        let v = b[i].wrapping_sub(b'0');
        (v < 10).then_some(u32::from(v))
    };
    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    let month = digit(5)? * 10 + digit(6)?;
    let day = digit(8)? * 10 + digit(9)?;
    // `year` is at most 9999, so the cast is lossless; from_ymd_opt rejects month 13, 30 Feb, etc.
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// Day number of a date (0001-01-01 is day 1, a Monday). Plain integers make weekday tests and
/// ordered look-ups cheap.
fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// Day number of 1970-01-01 in [`day_number`]'s count.
const UNIX_EPOCH_DAY: i32 = 719_163;

/// Days since 1970-01-01 (negative before it): how the WIT contract numbers the calendar's days.
pub fn unix_day(d: NaiveDate) -> i32 {
    day_number(d) - UNIX_EPOCH_DAY
}

/// The date `days` after 1970-01-01 (before it, if negative); `None` outside chrono's range.
pub fn from_unix_day(days: i32) -> Option<NaiveDate> {
    days.checked_add(UNIX_EPOCH_DAY)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// The date with this day number. Day numbers past chrono's range saturate; they only arise one
/// day beyond a calendar that ends on `NaiveDate::MAX`.
fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(if n < 1 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// True for Saturday and Sunday, by day number (day 1 is a Monday).
fn is_weekend(n: i32) -> bool {
    (n - 1).rem_euclid(7) >= 5
}

/// Number of Mondays to Fridays among day numbers `..=n`, relative to day 0. Only differences
/// between two values mean anything.
fn weekdays_upto(n: i32) -> i64 {
    let n = i64::from(n);
    n.div_euclid(7) * 5 + n.rem_euclid(7).min(5)
}

/// Non-working days besides weekends, plus the range the list covers.
///
/// Built once per evaluation from the calendar data the host passes in. Listed days are held as
/// a sorted list of day numbers, so a look-up is a binary search and counting the holidays between
/// two dates is two of them. Listed Saturdays and Sundays are dropped because they change nothing.
/// Duplicates are merged.
///
/// If `from` is after `to`, the range is empty and every count fails with
/// [`DateError::OutsideCalendar`].
#[derive(Debug, Clone)]
pub struct Calendar {
    from: NaiveDate,
    to: NaiveDate,
    from_day: i32,
    to_day: i32,
    /// Listed non-working Mondays to Fridays as day numbers: sorted, unique.
    holidays: Vec<i32>,
}

impl Calendar {
    /// A calendar whose non-working days besides weekends are `non_working`, covering
    /// `from..=to`. The list does not have to be sorted.
    pub fn new(
        non_working: impl IntoIterator<Item = NaiveDate>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Calendar {
        let days = non_working.into_iter().map(day_number).collect();
        Calendar::from_day_numbers(days, from, to)
    }

    /// As [`Calendar::new`], from `YYYY-MM-DD` strings as they arrive from the host. The first
    /// string that is not a real date in that form is reported.
    pub fn from_iso(non_working: &[String], from: &str, to: &str) -> Result<Calendar, DateError> {
        let (from, to) = (parse_iso_date(from)?, parse_iso_date(to)?);
        let days = non_working
            .iter()
            .map(|s| parse_iso_date(s).map(day_number))
            .collect::<Result<_, _>>()?;
        Ok(Calendar::from_day_numbers(days, from, to))
    }

    /// As [`Calendar::new`], from the WIT contract's form: non-working days as days since
    /// 1970-01-01 (see [`unix_day`]) and the covered range as `YYYY-MM-DD`.
    pub fn from_unix_days(
        non_working: &[i32],
        from: &str,
        to: &str,
    ) -> Result<Calendar, DateError> {
        let (from, to) = (parse_iso_date(from)?, parse_iso_date(to)?);
        // Every evaluation builds the calendar, so each day is range-checked, not converted.
        let valid = day_number(NaiveDate::MIN)..=day_number(NaiveDate::MAX);
        let days = non_working
            .iter()
            .map(|&value| {
                value
                    .checked_add(UNIX_EPOCH_DAY)
                    .filter(|n| valid.contains(n))
                    .ok_or(DateError::DayOutOfRange { value })
            })
            .collect::<Result<_, _>>()?;
        Ok(Calendar::from_day_numbers(days, from, to))
    }

    /// The one constructor the others feed: drops weekends (they change nothing), sorts, merges
    /// duplicates.
    fn from_day_numbers(mut holidays: Vec<i32>, from: NaiveDate, to: NaiveDate) -> Calendar {
        holidays.retain(|&n| !is_weekend(n));
        // Calendar files and the host send the days in order; sort only what is not.
        if !holidays.is_sorted() {
            holidays.sort_unstable();
        }
        holidays.dedup();
        Calendar {
            from,
            to,
            from_day: day_number(from),
            to_day: day_number(to),
            holidays,
        }
    }

    /// First day the calendar covers.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day the calendar covers.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Not a Saturday or Sunday, and not a listed non-working day. For a date outside
    /// [`from`](Self::from)..=[`to`](Self::to), this answers from the list anyway. Only the
    /// counting functions refuse to count there.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        let n = day_number(d);
        !is_weekend(n) && self.holidays.binary_search(&n).is_err()
    }

    fn outside(&self, date: NaiveDate) -> DateError {
        DateError::OutsideCalendar {
            date,
            from: self.from,
            to: self.to,
        }
    }

    /// "within N working days of D": D itself does not count; day 1 is the first working day after D;
    /// returns the Nth working day after D. Err(OutsideCalendar) if any day counted lies outside [from, to].
    ///
    /// `n == 0` returns `d`, because nothing is counted. When D is so early that the first
    /// counted day is before the calendar, the error names D. When counting runs off the end,
    /// the error names the first day past the calendar.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
        if n == 0 {
            return Ok(d);
        }
        let start = day_number(d);
        if start < self.from_day - 1 {
            return Err(self.outside(d));
        }
        // Holidays are all weekdays and are visited in order, so one cursor suffices.
        let mut next_holiday = self.holidays.partition_point(|&h| h <= start);
        let mut day = start;
        let mut left = n;
        loop {
            day += 1;
            if day > self.to_day {
                return Err(self.outside(from_day_number(day)));
            }
            if is_weekend(day) {
                continue;
            }
            if self.holidays.get(next_holiday) == Some(&day) {
                next_holiday += 1;
                continue;
            }
            left -= 1;
            if left == 0 {
                return Ok(from_day_number(day));
            }
        }
    }

    /// Number of working days after `from_exclusive` up to and including `to_inclusive` (0 if to <= from).
    /// Used for "N working days late" messages.
    ///
    /// The inverse of [`add_working_days`](Self::add_working_days):
    /// `working_days_between(d, add_working_days(d, n)?) == n`. Counting outside the calendar
    /// is an error that names whichever of the two dates is outside.
    pub fn working_days_between(
        &self,
        from_exclusive: NaiveDate,
        to_inclusive: NaiveDate,
    ) -> Result<u32, DateError> {
        let (a, b) = (day_number(from_exclusive), day_number(to_inclusive));
        if b <= a {
            return Ok(0);
        }
        if a < self.from_day - 1 {
            return Err(self.outside(from_exclusive));
        }
        if b > self.to_day {
            return Err(self.outside(to_inclusive));
        }
        let weekdays = weekdays_upto(b) - weekdays_upto(a);
        let listed =
            self.holidays.partition_point(|&h| h <= b) - self.holidays.partition_point(|&h| h <= a);
        let count = weekdays - listed as i64;
        Ok(u32::try_from(count).expect("a count of days between two NaiveDates fits in u32"))
    }
}

/// "not more than N months after D": same day-of-month N calendar months later, clipped to the month's last day
/// (31 Aug + 6 months = 28 Feb / 29 Feb in leap years).
///
/// Saturates at `NaiveDate::MAX` beyond chrono's range (year 262142).
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whole years on `on` (born 29 Feb: a year older on 1 Mar in common years). 0 if `on` < dob.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    if on < dob {
        return 0;
    }
    let mut years = on.year() - dob.year();
    // Comparing (month, day) pairs gives the 29 Feb rule for free: in a common year, 28 Feb is
    // before (2, 29) and 1 Mar is after it.
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The date `years` after dob by the same birthday rule (29 Feb birthdays fall on 1 Mar in common years):
/// the day the child turns `years`.
///
/// Agrees with [`age_on`]: `age_on(dob, d) >= years` exactly when `d >= birthday(dob, years)`.
/// Saturates at `NaiveDate::MAX` beyond chrono's range.
pub fn birthday(dob: NaiveDate, years: u32) -> NaiveDate {
    let Some(year) = i32::try_from(years)
        .ok()
        .and_then(|y| dob.year().checked_add(y))
    else {
        return NaiveDate::MAX;
    };
    NaiveDate::from_ymd_opt(year, dob.month(), dob.day())
        // Only 29 Feb can be missing from a year in range.
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// "29 Aug 2026" (day without leading zero, English month abbreviation, as in IRO-facing messages).
/// A sentence with dates in it writes them with [`crate::text!`] and [`text::Long`] instead,
/// into its own buffer.
pub fn format_long(d: NaiveDate) -> String {
    crate::text![text::Long(d)]
}

/// "2024-02-29": ISO 8601, as `NaiveDate`'s `Display` writes it, without `core::fmt` for the
/// four-digit years every record date has ([`text::Iso`]).
pub fn iso_text(d: NaiveDate) -> String {
    crate::text![text::Iso(d)]
}

/// The record's dates deserialised with [`parse_iso_date`] (falling back to chrono's own parser
/// for anything else it accepts, so exactly the same text is read): a record carries dozens of
/// dates, each policy reads its own copy, and chrono's general format machinery was the
/// sandbox's largest cost in reading a record.
pub(crate) mod iso {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, de};

    /// One date, as `YYYY-MM-DD`.
    struct Iso(NaiveDate);

    impl<'de> Deserialize<'de> for Iso {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl de::Visitor<'_> for Visitor {
                type Value = Iso;

                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a formatted date string")
                }

                fn visit_str<E: de::Error>(self, text: &str) -> Result<Iso, E> {
                    super::parse_fixed(text)
                        .map_or_else(|| text.parse().map_err(E::custom), Ok)
                        .map(Iso)
                }
            }
            deserializer.deserialize_str(Visitor)
        }
    }

    pub(crate) fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        Iso::deserialize(d).map(|Iso(date)| date)
    }

    pub(crate) fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<Iso>::deserialize(d).map(|o| o.map(|Iso(date)| date))
    }

    pub(crate) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
        Vec::<Iso>::deserialize(d).map(|v| v.into_iter().map(|Iso(date)| date).collect())
    }
}

/// Signed whole days from a to b (b - a).
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    i64::from(day_number(b)) - i64::from(day_number(a))
}

/// "1 day" / "3 days", "1 working day" etc. The unit is singular for 1 and -1. Otherwise "s" is
/// appended, which is right for the units messages use (day, working day, week, month, year).
pub fn plural(n: i64, unit: &str) -> String {
    crate::text![text::Plural(n, unit)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 2000-01-01..=2027-12-31 with the non-working weekdays the tests below depend on, copied
    /// from the statutory-rules table (2024-2027) and the 2022 proclamations. The full list is
    /// the TOML file, which `tests/calendar_data.rs` checks.
    fn england() -> Calendar {
        let days = [
            ymd(2000, 1, 3), // New Year's Day substitute (1 Jan 2000 was a Saturday)
            // 2022: spring bank holiday moved to Thu 2 Jun, Platinum Jubilee Fri 3 Jun, state funeral Mon 19 Sep.
            ymd(2022, 1, 3),
            ymd(2022, 4, 15),
            ymd(2022, 4, 18),
            ymd(2022, 5, 2),
            ymd(2022, 6, 2),
            ymd(2022, 6, 3),
            ymd(2022, 8, 29),
            ymd(2022, 9, 19),
            ymd(2022, 12, 26),
            ymd(2022, 12, 27),
            // 2024
            ymd(2024, 1, 1),
            ymd(2024, 3, 29),
            ymd(2024, 4, 1),
            ymd(2024, 5, 6),
            ymd(2024, 5, 27),
            ymd(2024, 8, 26),
            ymd(2024, 12, 25),
            ymd(2024, 12, 26),
            // 2025
            ymd(2025, 1, 1),
            ymd(2025, 4, 18),
            ymd(2025, 4, 21),
            ymd(2025, 5, 5),
            ymd(2025, 5, 26),
            ymd(2025, 8, 25),
            ymd(2025, 12, 25),
            ymd(2025, 12, 26),
            // 2026
            ymd(2026, 1, 1),
            ymd(2026, 4, 3),
            ymd(2026, 4, 6),
            ymd(2026, 5, 4),
            ymd(2026, 5, 25),
            ymd(2026, 8, 31),
            ymd(2026, 12, 25),
            ymd(2026, 12, 28),
            // 2027
            ymd(2027, 1, 1),
            ymd(2027, 3, 26),
            ymd(2027, 3, 29),
            ymd(2027, 5, 3),
            ymd(2027, 5, 31),
            ymd(2027, 8, 30),
            ymd(2027, 12, 27),
            ymd(2027, 12, 28),
        ];
        Calendar::new(days, ymd(2000, 1, 1), ymd(2027, 12, 31))
    }

    #[test]
    fn weekday_arithmetic_matches_chrono() {
        // The private day-number helpers against chrono, day by day from 1990 to 2040.
        let mut d = ymd(1990, 1, 1);
        let mut weekdays_seen = 0i64;
        let base = weekdays_upto(day_number(d));
        while d < ymd(2040, 1, 1) {
            let n = day_number(d);
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            assert_eq!(is_weekend(n), weekend, "{d}");
            assert_eq!(from_day_number(n), d);
            d = d.succ_opt().unwrap();
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                weekdays_seen += 1;
            }
            assert_eq!(weekdays_upto(day_number(d)) - base, weekdays_seen, "{d}");
        }
    }

    #[test]
    fn parse_iso_date_is_strict() {
        assert_eq!(parse_iso_date("2024-02-29"), Ok(ymd(2024, 2, 29)));
        assert_eq!(parse_iso_date("2000-01-01"), Ok(ymd(2000, 1, 1)));
        for bad in [
            "2026-02-30",       // no 30 Feb
            "2023-02-29",       // 2023 is not a leap year
            "2026-13-01",       // no month 13
            "2026-00-10",       // no month 0
            "2026-01-00",       // no day 0
            "2026-2-3",         // digits must be padded
            " 2026-02-03",      // no surrounding space
            "2026-02-03 ",      //
            "2026/02/03",       // hyphens only
            "2026-02-03T00:00", // no time part
            "+2026-02-03",      // no sign
            "",                 //
            "2026-0a-03",       //
            "２０２６-02-03",   // full-width digits are not ASCII digits
        ] {
            assert_eq!(
                parse_iso_date(bad),
                Err(DateError::Unparseable {
                    value: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn from_iso_builds_the_same_calendar_and_reports_bad_input() {
        let list: Vec<String> = ["2026-12-28", "2026-12-25", "2026-12-25", "2026-12-26"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cal = Calendar::from_iso(&list, "2026-01-01", "2026-12-31").unwrap();
        assert_eq!(cal.from(), ymd(2026, 1, 1));
        assert_eq!(cal.to(), ymd(2026, 12, 31));
        // Fri 25 Dec and Mon 28 Dec are listed; Sat 26 Dec is listed but a weekend anyway.
        assert!(!cal.is_working_day(ymd(2026, 12, 25)));
        assert!(!cal.is_working_day(ymd(2026, 12, 28)));
        assert!(cal.is_working_day(ymd(2026, 12, 29)));
        assert!(cal.is_working_day(ymd(2026, 12, 24)));

        let bad: Vec<String> = vec!["2026-12-25".into(), "2026-02-30".into()];
        assert_eq!(
            Calendar::from_iso(&bad, "2026-01-01", "2026-12-31").unwrap_err(),
            DateError::Unparseable {
                value: "2026-02-30".into()
            }
        );
        assert_eq!(
            Calendar::from_iso(&[], "2026-1-1", "2026-12-31").unwrap_err(),
            DateError::Unparseable {
                value: "2026-1-1".into()
            }
        );
    }

    #[test]
    fn from_unix_days_matches_from_iso_and_reports_bad_numbers() {
        assert_eq!(unix_day(ymd(1970, 1, 1)), 0);
        assert_eq!(unix_day(ymd(1969, 12, 31)), -1);
        assert_eq!(unix_day(ymd(2026, 12, 25)), 20_812);
        assert_eq!(unix_day(ymd(2024, 2, 29)), 19_782);
        let iso: Vec<String> = ["2026-12-25", "2026-12-28", "2024-02-29"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let days = [20_812, 20_815, 19_782];
        let a = Calendar::from_iso(&iso, "2024-01-01", "2026-12-31").unwrap();
        let b = Calendar::from_unix_days(&days, "2024-01-01", "2026-12-31").unwrap();
        assert_eq!(a.holidays, b.holidays);
        assert!(!b.is_working_day(ymd(2024, 2, 29)));
        assert!(b.is_working_day(ymd(2024, 2, 28)));
        assert_eq!(
            Calendar::from_unix_days(&[i32::MAX], "2024-01-01", "2026-12-31").unwrap_err(),
            DateError::DayOutOfRange { value: i32::MAX }
        );
        assert_eq!(
            Calendar::from_unix_days(&[100_000_000], "2024-01-01", "2026-12-31").unwrap_err(),
            DateError::DayOutOfRange { value: 100_000_000 }
        );
    }

    #[test]
    fn is_working_day_weekends_and_listed_days() {
        let cal = england();
        // 2025-06-06 is a Friday (1 Jun 2025 was a Sunday), 7 and 8 Jun the weekend.
        assert!(cal.is_working_day(ymd(2025, 6, 6)));
        assert!(!cal.is_working_day(ymd(2025, 6, 7)));
        assert!(!cal.is_working_day(ymd(2025, 6, 8)));
        // Good Friday and Easter Monday 2025.
        assert!(!cal.is_working_day(ymd(2025, 4, 18)));
        assert!(!cal.is_working_day(ymd(2025, 4, 21)));
        // 2022: last Monday in May (30 May) was an ordinary working day; the holiday moved to 2 Jun.
        assert!(cal.is_working_day(ymd(2022, 5, 30)));
        assert!(!cal.is_working_day(ymd(2022, 6, 2)));
    }

    #[test]
    fn christmas_and_boxing_day() {
        let cal = england();
        // From Fri 20 Dec 2024, 5 working days: Sat 21, Sun 22 weekend; Mon 23 = 1, Tue 24 = 2;
        // Wed 25 Christmas, Thu 26 Boxing Day; Fri 27 = 3; Sat 28, Sun 29; Mon 30 = 4, Tue 31 = 5.
        assert_eq!(
            cal.add_working_days(ymd(2024, 12, 20), 5),
            Ok(ymd(2024, 12, 31))
        );
        assert_eq!(
            cal.working_days_between(ymd(2024, 12, 20), ymd(2024, 12, 31)),
            Ok(5)
        );
    }

    #[test]
    fn good_friday_and_easter_monday() {
        let cal = england();
        // From Wed 16 Apr 2025, 3 working days: Thu 17 = 1; Fri 18 Good Friday; Sat 19, Sun 20;
        // Mon 21 Easter Monday; Tue 22 = 2, Wed 23 = 3.
        assert_eq!(
            cal.add_working_days(ymd(2025, 4, 16), 3),
            Ok(ymd(2025, 4, 23))
        );
    }

    #[test]
    fn boxing_day_substitute_2026() {
        let cal = england();
        // 25 Dec 2026 is a Friday, so Boxing Day (Sat 26) is substituted by Mon 28 Dec.
        // From Thu 24 Dec, 1 working day: Fri 25 Christmas; Sat 26, Sun 27; Mon 28 substitute; Tue 29 = 1.
        assert!(!cal.is_working_day(ymd(2026, 12, 28)));
        assert_eq!(
            cal.add_working_days(ymd(2026, 12, 24), 1),
            Ok(ymd(2026, 12, 29))
        );
        // 2027: Christmas on Saturday, so Mon 27 and Tue 28 are the substitutes.
        // From Fri 24 Dec 2027, 1 working day: Sat 25, Sun 26, Mon 27, Tue 28 out; Wed 29 = 1.
        assert_eq!(
            cal.add_working_days(ymd(2027, 12, 24), 1),
            Ok(ymd(2027, 12, 29))
        );
    }

    #[test]
    fn one_off_bank_holidays_2022() {
        let cal = england();
        // From Fri 27 May 2022, 5 working days: Mon 30 May = 1 (not a holiday in 2022), Tue 31 = 2,
        // Wed 1 Jun = 3; Thu 2 Jun spring bank holiday (moved), Fri 3 Jun Platinum Jubilee;
        // Sat 4, Sun 5; Mon 6 = 4, Tue 7 = 5.
        assert_eq!(
            cal.add_working_days(ymd(2022, 5, 27), 5),
            Ok(ymd(2022, 6, 7))
        );
        // From Fri 16 Sep 2022, 1 working day: Sat 17, Sun 18; Mon 19 state funeral; Tue 20 = 1.
        assert_eq!(
            cal.add_working_days(ymd(2022, 9, 16), 1),
            Ok(ymd(2022, 9, 20))
        );
    }

    #[test]
    fn deadline_on_a_weekend_is_counted_past_it() {
        let cal = england();
        // From Thu 5 Jun 2025, 2 working days: Fri 6 = 1; Sat 7 and Sun 8 do not count; Mon 9 = 2.
        // (Two calendar days would have given Sat 7.)
        assert_eq!(
            cal.add_working_days(ymd(2025, 6, 5), 2),
            Ok(ymd(2025, 6, 9))
        );
        // From Fri 6 Jun 2025, 1 working day is Mon 9 Jun.
        assert_eq!(
            cal.add_working_days(ymd(2025, 6, 6), 1),
            Ok(ymd(2025, 6, 9))
        );
        // From a Saturday: D does not count either way; Sun 8 skipped; Mon 9 = 1.
        assert_eq!(
            cal.add_working_days(ymd(2025, 6, 7), 1),
            Ok(ymd(2025, 6, 9))
        );
    }

    #[test]
    fn twenty_working_days_from_a_friday() {
        let cal = england();
        // From Fri 6 Jun 2025 (no bank holidays until 25 Aug): four full weeks:
        // 9-13 Jun = 1-5, 16-20 = 6-10, 23-27 = 11-15, Mon 30 Jun-Fri 4 Jul = 16-20.
        assert_eq!(
            cal.add_working_days(ymd(2025, 6, 6), 20),
            Ok(ymd(2025, 7, 4))
        );
        assert_eq!(
            cal.working_days_between(ymd(2025, 6, 6), ymd(2025, 7, 4)),
            Ok(20)
        );
        // From Fri 27 Mar 2026 across Easter: Mon 30 Mar-Thu 2 Apr = 1-4; Fri 3 Apr Good Friday,
        // Mon 6 Apr Easter Monday; Tue 7-Fri 10 = 5-8; 13-17 = 9-13; 20-24 = 14-18;
        // Mon 27 = 19, Tue 28 Apr = 20.
        assert_eq!(
            cal.add_working_days(ymd(2026, 3, 27), 20),
            Ok(ymd(2026, 4, 28))
        );
        assert_eq!(
            cal.working_days_between(ymd(2026, 3, 27), ymd(2026, 4, 28)),
            Ok(20)
        );
    }

    #[test]
    fn zero_working_days_is_the_date_itself() {
        let cal = england();
        assert_eq!(
            cal.add_working_days(ymd(2025, 6, 7), 0),
            Ok(ymd(2025, 6, 7))
        );
        assert_eq!(
            cal.working_days_between(ymd(2025, 6, 7), ymd(2025, 6, 7)),
            Ok(0)
        );
        // to before from: 0, not negative.
        assert_eq!(
            cal.working_days_between(ymd(2025, 7, 4), ymd(2025, 6, 6)),
            Ok(0)
        );
        // Only a weekend in between: Sat 7 and Sun 8 Jun 2025.
        assert_eq!(
            cal.working_days_between(ymd(2025, 6, 6), ymd(2025, 6, 8)),
            Ok(0)
        );
    }

    #[test]
    fn working_days_between_inverts_add_working_days() {
        let cal = england();
        for start in [
            ymd(2022, 5, 27),
            ymd(2024, 12, 20),
            ymd(2025, 4, 16),
            ymd(2026, 12, 24),
            ymd(2027, 3, 20),
        ] {
            for n in 0..60 {
                let end = cal.add_working_days(start, n).unwrap();
                assert_eq!(cal.working_days_between(start, end), Ok(n), "{start} + {n}");
                assert!(n == 0 || cal.is_working_day(end), "{start} + {n} = {end}");
                // The day before the deadline is one working day short (or it is not a working day).
                if n > 0 {
                    assert_eq!(
                        cal.working_days_between(start, end.pred_opt().unwrap()),
                        Ok(n - 1)
                    );
                }
            }
        }
    }

    #[test]
    fn calendar_edges() {
        let cal = england();
        // From Mon 20 Dec 2027: Tue 21-Fri 24 = 1-4; Sat 25, Sun 26; Mon 27, Tue 28 substitutes;
        // Wed 29 = 5, Thu 30 = 6, Fri 31 = 7, the last covered day.
        assert_eq!(
            cal.add_working_days(ymd(2027, 12, 20), 7),
            Ok(ymd(2027, 12, 31))
        );
        // An 8th day would be after 31 Dec 2027: Sat 1 Jan 2028 is the first day counted outside.
        let outside = DateError::OutsideCalendar {
            date: ymd(2028, 1, 1),
            from: ymd(2000, 1, 1),
            to: ymd(2027, 12, 31),
        };
        assert_eq!(
            cal.add_working_days(ymd(2027, 12, 20), 8),
            Err(outside.clone())
        );
        assert_eq!(cal.add_working_days(ymd(2027, 12, 20), 10), Err(outside));
        // An evaluation date past the calendar: the error names it.
        assert_eq!(
            cal.working_days_between(ymd(2027, 12, 20), ymd(2031, 1, 2)),
            Err(DateError::OutsideCalendar {
                date: ymd(2031, 1, 2),
                from: ymd(2000, 1, 1),
                to: ymd(2027, 12, 31)
            })
        );
        // D = 31 Dec 1999 is itself outside, but D is not counted: Sat 1 and Sun 2 Jan 2000;
        // Mon 3 Jan New Year's Day substitute; Tue 4 Jan = 1.
        assert_eq!(
            cal.add_working_days(ymd(1999, 12, 31), 1),
            Ok(ymd(2000, 1, 4))
        );
        assert_eq!(
            cal.working_days_between(ymd(1999, 12, 31), ymd(2000, 1, 4)),
            Ok(1)
        );
        // D = 30 Dec 1999: 31 Dec 1999 would be counted, and it is outside. The error names D.
        let before = DateError::OutsideCalendar {
            date: ymd(1999, 12, 30),
            from: ymd(2000, 1, 1),
            to: ymd(2027, 12, 31),
        };
        assert_eq!(
            cal.add_working_days(ymd(1999, 12, 30), 1),
            Err(before.clone())
        );
        assert_eq!(
            cal.working_days_between(ymd(1999, 12, 30), ymd(2000, 1, 4)),
            Err(before)
        );
        // But asking for nothing never fails.
        assert_eq!(
            cal.add_working_days(ymd(2031, 1, 2), 0),
            Ok(ymd(2031, 1, 2))
        );
        assert_eq!(
            cal.working_days_between(ymd(2031, 1, 2), ymd(2031, 1, 1)),
            Ok(0)
        );
    }

    #[test]
    fn empty_range_counts_nothing() {
        let cal = Calendar::new([], ymd(2026, 1, 2), ymd(2026, 1, 1));
        assert!(cal.add_working_days(ymd(2026, 1, 1), 1).is_err());
        assert!(
            cal.working_days_between(ymd(2026, 1, 1), ymd(2026, 1, 2))
                .is_err()
        );
    }

    #[test]
    fn listed_weekends_and_duplicates_change_nothing() {
        let plain = Calendar::new(
            [ymd(2027, 12, 27), ymd(2027, 12, 28)],
            ymd(2027, 1, 1),
            ymd(2027, 12, 31),
        );
        // Sat 25 and Sun 26 Dec 2027 listed (as some sources do), the substitutes twice, out of order.
        let noisy = Calendar::new(
            [
                ymd(2027, 12, 28),
                ymd(2027, 12, 25),
                ymd(2027, 12, 27),
                ymd(2027, 12, 26),
                ymd(2027, 12, 28),
            ],
            ymd(2027, 1, 1),
            ymd(2027, 12, 31),
        );
        let start = ymd(2027, 12, 1);
        for n in 0..=18 {
            assert_eq!(
                plain.add_working_days(start, n),
                noisy.add_working_days(start, n),
                "{n}"
            );
        }
        // Wed 1 Dec 2027 to Fri 31 Dec: weekdays 2-3, 6-10, 13-17, 20-24, 27-31 = 2 + 5*4 = 22, less Mon 27 and Tue 28 = 20.
        assert_eq!(noisy.working_days_between(start, ymd(2027, 12, 31)), Ok(20));
        assert_eq!(plain.working_days_between(start, ymd(2027, 12, 31)), Ok(20));
    }

    #[test]
    fn add_months_clips_to_month_end() {
        // 31 Aug 2023 + 6 months: 31 Feb 2024 does not exist; 2024 is a leap year, so 29 Feb 2024.
        assert_eq!(add_months(ymd(2023, 8, 31), 6), ymd(2024, 2, 29));
        // 31 Aug 2022 + 6 months: Feb 2023 has 28 days, so 28 Feb 2023.
        assert_eq!(add_months(ymd(2022, 8, 31), 6), ymd(2023, 2, 28));
        // 31 Jan + 1 month: 28 Feb in a common year, 29 Feb in a leap year.
        assert_eq!(add_months(ymd(2025, 1, 31), 1), ymd(2025, 2, 28));
        assert_eq!(add_months(ymd(2024, 1, 31), 1), ymd(2024, 2, 29));
        // 31 Mar + 1 month: April has 30 days.
        assert_eq!(add_months(ymd(2025, 3, 31), 1), ymd(2025, 4, 30));
        // Days that exist are kept: 15 May + 3 months = 15 Aug.
        assert_eq!(add_months(ymd(2025, 5, 15), 3), ymd(2025, 8, 15));
        // Across a year end: 30 Nov 2025 + 3 months = 30 Feb 2026, clipped to 28 Feb 2026.
        assert_eq!(add_months(ymd(2025, 11, 30), 3), ymd(2026, 2, 28));
        assert_eq!(add_months(ymd(2025, 10, 31), 12), ymd(2026, 10, 31));
        assert_eq!(add_months(ymd(2025, 10, 31), 0), ymd(2025, 10, 31));
        // Clipping does not accumulate when months are added to the original date:
        // 31 Jan + 2 months is 31 Mar, although (31 Jan + 1) + 1 = 28 Feb + 1 = 28 Mar.
        assert_eq!(add_months(ymd(2025, 1, 31), 2), ymd(2025, 3, 31));
        assert_eq!(
            add_months(add_months(ymd(2025, 1, 31), 1), 1),
            ymd(2025, 3, 28)
        );
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    #[test]
    fn age_on_29_february_birthdays() {
        let dob = ymd(2008, 2, 29);
        // 2009 is a common year: still 0 on 28 Feb, 1 on 1 Mar.
        assert_eq!(age_on(dob, ymd(2009, 2, 28)), 0);
        assert_eq!(age_on(dob, ymd(2009, 3, 1)), 1);
        // 2012 is a leap year: 3 on 28 Feb, 4 on 29 Feb.
        assert_eq!(age_on(dob, ymd(2012, 2, 28)), 3);
        assert_eq!(age_on(dob, ymd(2012, 2, 29)), 4);
        assert_eq!(age_on(dob, dob), 0);
        assert_eq!(age_on(dob, ymd(2007, 1, 1)), 0);
        // An ordinary birthday: born 15 Jun 2010, 15 on 14 Jun 2026, 16 on 15 Jun 2026.
        assert_eq!(age_on(ymd(2010, 6, 15), ymd(2026, 6, 14)), 15);
        assert_eq!(age_on(ymd(2010, 6, 15), ymd(2026, 6, 15)), 16);
        // Born 31 Dec 2009: 16 on 31 Dec 2025, still 15 the day before.
        assert_eq!(age_on(ymd(2009, 12, 31), ymd(2025, 12, 30)), 15);
        assert_eq!(age_on(ymd(2009, 12, 31), ymd(2025, 12, 31)), 16);
    }

    #[test]
    fn birthday_follows_the_same_rule() {
        // Born 29 Feb 2008: turns 1 on 1 Mar 2009 (common year), 4 on 29 Feb 2012 (leap year),
        // 18 on 1 Mar 2026 (common year).
        assert_eq!(birthday(ymd(2008, 2, 29), 1), ymd(2009, 3, 1));
        assert_eq!(birthday(ymd(2008, 2, 29), 4), ymd(2012, 2, 29));
        assert_eq!(birthday(ymd(2008, 2, 29), 18), ymd(2026, 3, 1));
        assert_eq!(birthday(ymd(2010, 6, 15), 18), ymd(2028, 6, 15));
        assert_eq!(birthday(ymd(2010, 6, 15), 0), ymd(2010, 6, 15));
        assert_eq!(birthday(ymd(2010, 6, 15), u32::MAX), NaiveDate::MAX);
        // Agreement with age_on for every age up to 25 and some awkward birth dates.
        for dob in [
            ymd(2008, 2, 29),
            ymd(2000, 2, 29),
            ymd(2010, 6, 15),
            ymd(2009, 12, 31),
            ymd(2011, 1, 1),
        ] {
            for years in 0..=25 {
                let b = birthday(dob, years);
                assert_eq!(age_on(dob, b), years, "{dob} {years}");
                if years > 0 {
                    assert_eq!(
                        age_on(dob, b.pred_opt().unwrap()),
                        years - 1,
                        "{dob} {years}"
                    );
                }
            }
        }
    }

    #[test]
    fn format_long_is_day_month_year() {
        assert_eq!(format_long(ymd(2026, 8, 29)), "29 Aug 2026");
        assert_eq!(format_long(ymd(2026, 1, 1)), "1 Jan 2026"); // no leading zero
        assert_eq!(format_long(ymd(2024, 12, 25)), "25 Dec 2024");
        assert_eq!(format_long(ymd(2024, 2, 29)), "29 Feb 2024");
        assert_eq!(format_long(ymd(2025, 9, 5)), "5 Sep 2025");
        // Years of other lengths, and before year 0, read as `Display` writes them.
        assert_eq!(format_long(ymd(1000, 10, 10)), "10 Oct 1000");
        assert_eq!(format_long(ymd(-44, 3, 15)), "15 Mar -44");
        assert_eq!(format_long(ymd(999, 3, 31)), "31 Mar 999");
        assert_eq!(format_long(ymd(10000, 1, 1)), "1 Jan 10000");
    }

    #[test]
    fn iso_text_is_what_chrono_displays() {
        for d in [
            ymd(2024, 2, 29),
            ymd(2025, 12, 31),
            ymd(2026, 1, 1),
            ymd(999, 3, 4),
            ymd(0, 1, 1),
            ymd(-1, 12, 31),
            ymd(10000, 1, 1),
        ] {
            assert_eq!(iso_text(d), d.to_string());
        }
        assert_eq!(iso_text(ymd(2024, 2, 29)), "2024-02-29");
    }

    #[test]
    fn record_dates_read_exactly_what_chrono_reads() {
        let read = |text: &str| {
            let json = serde_json::Value::String(text.into());
            (iso::date(&json).ok(), text.parse::<NaiveDate>().ok())
        };
        for text in [
            "2024-02-29",
            "2023-02-29", // not a date: 2023 is not a leap year
            "2025-12-31",
            "2025-13-01",
            "2024-2-29",
            "+2024-02-29",
            "12024-02-29",
            "-0001-12-31",
            " 2024-02-29",
            "2024-02-29 ",
            "20240229",
            "",
        ] {
            let (ours, chrono) = read(text);
            assert_eq!(ours, chrono, "{text:?}");
        }
        assert_eq!(read("2024-02-29").0, Some(ymd(2024, 2, 29)));
        assert_eq!(
            read("2024-2-29").0,
            read("2024-02-29").0,
            "chrono's own layouts still read"
        );
        let json = serde_json::json!([null, "2024-02-29"]);
        assert_eq!(iso::option(&json[0]).unwrap(), None);
        assert_eq!(
            iso::list(&serde_json::json!(["2024-02-29"])).unwrap(),
            [ymd(2024, 2, 29)]
        );
    }

    #[test]
    fn days_between_is_signed() {
        // 28 Feb to 1 Mar: 2 days in leap 2024 (29 Feb between), 1 day in 2023.
        assert_eq!(days_between(ymd(2024, 2, 28), ymd(2024, 3, 1)), 2);
        assert_eq!(days_between(ymd(2023, 2, 28), ymd(2023, 3, 1)), 1);
        assert_eq!(days_between(ymd(2024, 3, 1), ymd(2024, 2, 28)), -2);
        assert_eq!(days_between(ymd(2025, 6, 6), ymd(2025, 6, 6)), 0);
        // A whole leap year: 1 Jan 2024 to 1 Jan 2025 is 366 days.
        assert_eq!(days_between(ymd(2024, 1, 1), ymd(2025, 1, 1)), 366);
    }

    #[test]
    fn plural_writes_every_number_as_it_displays() {
        for n in [
            0,
            1,
            -1,
            9,
            10,
            11,
            99,
            100,
            101,
            1000,
            12345,
            -20,
            i64::MAX,
            i64::MIN,
        ] {
            let unit = if n.unsigned_abs() == 1 { "day" } else { "days" };
            assert_eq!(plural(n, "day"), format!("{n} {unit}"));
        }
    }

    #[test]
    fn plural_units() {
        assert_eq!(plural(1, "day"), "1 day");
        assert_eq!(plural(3, "day"), "3 days");
        assert_eq!(plural(0, "day"), "0 days");
        assert_eq!(plural(1, "working day"), "1 working day");
        assert_eq!(plural(12, "working day"), "12 working days");
        assert_eq!(plural(-1, "day"), "-1 day");
        assert_eq!(plural(2, "month"), "2 months");
    }

    #[test]
    fn error_messages_are_plain_english() {
        let e = DateError::OutsideCalendar {
            date: ymd(2031, 1, 2),
            from: ymd(2000, 1, 1),
            to: ymd(2027, 12, 31),
        };
        assert_eq!(
            e.to_string(),
            "2031-01-02 is outside the working-day calendar (2000-01-01 to 2027-12-31)"
        );
        let e = DateError::Unparseable {
            value: "2026-02-30".into(),
        };
        assert_eq!(
            e.to_string(),
            "\"2026-02-30\" is not a valid date in the form YYYY-MM-DD"
        );
        let _: &dyn std::error::Error = &e;
    }
}
