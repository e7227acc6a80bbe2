//! The England and Wales non-working weekdays, generated from their rules, so the shipped
//! calendar (`policies/calendars/england-and-wales.toml`) can run years ahead without anyone
//! typing dates in.
//!
//! The rules (Banking and Financial Dealings Act 1971, Schedule 1, and the common law):
//! - New Year's Day, 1 January; on a Saturday or Sunday, the following Monday instead.
//! - Good Friday and Easter Monday (Easter by the Gregorian computus).
//! - The early May bank holiday, the first Monday in May.
//! - The spring bank holiday, the last Monday in May.
//! - The summer bank holiday, the last Monday in August.
//! - Christmas Day and Boxing Day (26 December), with substitutes for weekend days: Christmas on
//!   a Saturday gives Monday 27 (Christmas substitute) and Tuesday 28 (Boxing Day substitute);
//!   on a Sunday, Boxing Day is Monday 26 and Tuesday 27 the Christmas substitute; on a Friday,
//!   Boxing Day moves to Monday 28.
//!
//! Royal proclamations under s1(2) and (3) of the 1971 Act move a holiday or add one. They are
//! data ([`PROCLAMATIONS`]), from 1995 on: the generator is correct from 1995, and a new
//! proclamation is one more row there, then the file is regenerated.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The regular holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    NewYearsDay,
    GoodFriday,
    EasterMonday,
    EarlyMay,
    Spring,
    Summer,
    ChristmasDay,
    BoxingDay,
}

impl Holiday {
    fn name(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "New Year's Day",
            Holiday::GoodFriday => "Good Friday",
            Holiday::EasterMonday => "Easter Monday",
            Holiday::EarlyMay => "Early May bank holiday",
            Holiday::Spring => "Spring bank holiday",
            Holiday::Summer => "Summer bank holiday",
            Holiday::ChristmasDay => "Christmas Day",
            Holiday::BoxingDay => "Boxing Day",
        }
    }
}

/// A proclamation: a regular holiday of a year moved to another day, or an extra day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proclamation {
    Moved {
        holiday: Holiday,
        to: (i32, u32, u32),
        name: &'static str,
    },
    Extra {
        on: (i32, u32, u32),
        name: &'static str,
    },
}

const fn moved(holiday: Holiday, to: (i32, u32, u32), name: &'static str) -> Proclamation {
    Proclamation::Moved { holiday, to, name }
}

const fn extra(on: (i32, u32, u32), name: &'static str) -> Proclamation {
    Proclamation::Extra { on, name }
}

/// Every proclamation since 1995 that changed the England and Wales holidays.
#[rustfmt::skip]
pub const PROCLAMATIONS: &[Proclamation] = &[
    moved(Holiday::EarlyMay, (1995, 5, 8), "Early May bank holiday (moved for VE Day)"),
    extra((1999, 12, 31), "Millennium bank holiday"),
    moved(Holiday::Spring, (2002, 6, 4), "Spring bank holiday (moved for the Golden Jubilee)"),
    extra((2002, 6, 3), "Golden Jubilee of Queen Elizabeth II"),
    extra((2011, 4, 29), "Wedding of Prince William and Catherine Middleton"),
    moved(Holiday::Spring, (2012, 6, 4), "Spring bank holiday (moved for the Diamond Jubilee)"),
    extra((2012, 6, 5), "Diamond Jubilee of Queen Elizabeth II"),
    moved(Holiday::EarlyMay, (2020, 5, 8), "Early May bank holiday (moved for VE Day)"),
    moved(Holiday::Spring, (2022, 6, 2), "Spring bank holiday (moved for the Platinum Jubilee)"),
    extra((2022, 6, 3), "Platinum Jubilee of Queen Elizabeth II"),
    extra((2022, 9, 19), "State funeral of Queen Elizabeth II"),
    extra((2023, 5, 8), "Coronation of King Charles III"),
];

/// The first year the generator is correct for: proclamations before 1995 are not listed.
pub const FIRST_YEAR: i32 = 1995;

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a proclamation names a real day")
}

/// Easter Sunday in the Gregorian calendar, by the computus of Lilius and Clavius as Knuth
/// gives it (The Art of Computer Programming, vol. 1, 1.3.2 ex. 14): golden number, century,
/// the solar and lunar corrections, the epact, then the Sunday after the full moon.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let golden = year % 19 + 1;
    let century = year / 100 + 1;
    let skipped_leap_days = 3 * century / 4 - 12;
    let moon_correction = (8 * century + 5) / 25 - 5;
    let sunday = 5 * year / 4 - skipped_leap_days - 10;
    let mut epact = (11 * golden + 20 + moon_correction - skipped_leap_days).rem_euclid(30);
    if (epact == 25 && golden > 11) || epact == 24 {
        epact += 1;
    }
    let mut full_moon = 44 - epact;
    if full_moon < 21 {
        full_moon += 30;
    }
    let day = full_moon + 7 - (sunday + full_moon).rem_euclid(7);
    let (month, day) = if day > 31 { (4, day - 31) } else { (3, day) };
    NaiveDate::from_ymd_opt(year, month, day as u32).expect("Easter falls in March or April")
}

fn nth_monday(year: i32, month: u32, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n)
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    nth_monday(year, month, 5)
        .or_else(|| nth_monday(year, month, 4))
        .expect("every month has four Mondays")
}

fn day(year: i32, month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, d).expect("a fixed holiday exists every year")
}

/// The regular holidays of `year` by the rules alone, as (holiday, date, substitute?).
fn by_rule(year: i32) -> Vec<(Holiday, NaiveDate, bool)> {
    let easter = easter_sunday(year);
    let new_year = day(year, 1, 1);
    let mut days = vec![
        match new_year.weekday() {
            Weekday::Sat => (Holiday::NewYearsDay, day(year, 1, 3), true),
            Weekday::Sun => (Holiday::NewYearsDay, day(year, 1, 2), true),
            _ => (Holiday::NewYearsDay, new_year, false),
        },
        (Holiday::GoodFriday, easter - Days::new(2), false),
        (Holiday::EasterMonday, easter + Days::new(1), false),
        (
            Holiday::EarlyMay,
            nth_monday(year, 5, 1).expect("May has a first Monday"),
            false,
        ),
        (Holiday::Spring, last_monday(year, 5), false),
        (Holiday::Summer, last_monday(year, 8), false),
    ];
    let (christmas, boxing) = match day(year, 12, 25).weekday() {
        Weekday::Sat => ((27, true), (28, true)),
        Weekday::Sun => ((27, true), (26, false)),
        Weekday::Fri => ((25, false), (28, true)),
        _ => ((25, false), (26, false)),
    };
    days.push((
        Holiday::ChristmasDay,
        day(year, 12, christmas.0),
        christmas.1,
    ));
    days.push((Holiday::BoxingDay, day(year, 12, boxing.0), boxing.1));
    days
}

/// The non-working weekdays of England and Wales from 1 January `first_year` to 31 December
/// `last_year`, with their names, in date order.
///
/// Panics if `first_year` is before [`FIRST_YEAR`].
pub fn england_and_wales(first_year: i32, last_year: i32) -> Vec<(NaiveDate, String)> {
    assert!(
        first_year >= FIRST_YEAR,
        "proclamations before {FIRST_YEAR} are not listed"
    );
    let mut days = Vec::new();
    for year in first_year..=last_year {
        for (holiday, date, substitute) in by_rule(year) {
            let moved = PROCLAMATIONS.iter().find_map(|p| match *p {
                Proclamation::Moved {
                    holiday: h,
                    to,
                    name,
                } if h == holiday && to.0 == year => Some((ymd(to), name)),
                _ => None,
            });
            days.push(match (moved, substitute) {
                (Some((to, name)), _) => (to, name.to_string()),
                (None, true) => (date, format!("{} (substitute)", holiday.name())),
                (None, false) => (date, holiday.name().to_string()),
            });
        }
        days.extend(PROCLAMATIONS.iter().filter_map(|p| match *p {
            Proclamation::Extra { on, name } if on.0 == year => Some((ymd(on), name.to_string())),
            _ => None,
        }));
    }
    days.sort();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_sundays_from_published_tables() {
        // The earliest and latest possible Easters among them (22 Mar 2285, 25 Apr 2038), and
        // the epact corrections (2049, golden number 18, epact 25: 18 Apr, not 25 Apr).
        assert_eq!(easter_sunday(1995), day(1995, 4, 16));
        assert_eq!(easter_sunday(2049), day(2049, 4, 18));
        assert_eq!(easter_sunday(2038), day(2038, 4, 25));
        assert_eq!(easter_sunday(2285), day(2285, 3, 22));
        assert_eq!(easter_sunday(2026), day(2026, 4, 5));
    }

    #[test]
    fn every_day_is_a_weekday_and_each_year_has_eight_or_more() {
        let days = england_and_wales(1995, 2040);
        for (date, name) in &days {
            assert!(
                !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                "{date} {name}"
            );
        }
        for year in 1995..=2040 {
            let n = days.iter().filter(|(d, _)| d.year() == year).count();
            let extra = PROCLAMATIONS
                .iter()
                .filter(|p| matches!(p, Proclamation::Extra { on, .. } if on.0 == year))
                .count();
            assert_eq!(n, 8 + extra, "{year}");
        }
    }

    #[test]
    #[should_panic(expected = "before 1995")]
    fn years_before_the_listed_proclamations_are_refused() {
        england_and_wales(1994, 1995);
    }
}
