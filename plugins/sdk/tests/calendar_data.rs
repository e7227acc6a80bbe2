//! Checks the shipped working-day calendar (`policies/calendars/england-and-wales.toml`). Every
//! policy's deadlines depend on this list, so a missing or extra day would move deadlines
//! silently. Four independent checks:
//! - the file is exactly what the SDK's generator (`carecheck_sdk::bank_holidays`) writes
//!   (run with `CARECHECK_REGENERATE_CALENDAR=1` to rewrite it after changing the generator);
//! - the 2024-2027 rows equal the table in the statutory-rules reference word for word;
//! - 2000-2027 equal the hand-checked list the file held before it was generated
//!   (`tests/data/england-and-wales-2000-2027.txt`), names included;
//! - every year equals rules worked out here, independently of the generator: Easter by the
//!   anonymous Gregorian algorithm (Meeus/Jones/Butcher; the generator uses Lilius and
//!   Clavius's computus), the first/last Monday rules of the Banking and Financial Dealings
//!   Act 1971, the weekend substitute-day rules, and the moved and one-off days proclaimed.

use std::collections::BTreeSet;

use carecheck_sdk::calendar_file::{
    CalendarFile as SdkCalendarFile, ENGLAND_AND_WALES_HEADER, generated_england_and_wales,
};
use carecheck_sdk::dates::{Calendar, parse_iso_date};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    name: String,
    from: String,
    to: String,
    days: Vec<Day>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Day {
    date: String,
    name: String,
}

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../policies/calendars/england-and-wales.toml"
);

/// The years the shipped file covers.
const FIRST: i32 = 2000;
const LAST: i32 = 2040;

fn text() -> String {
    std::fs::read_to_string(PATH).unwrap_or_else(|e| panic!("reading {PATH}: {e}"))
}

fn load() -> CalendarFile {
    toml::from_str(&text()).unwrap_or_else(|e| panic!("parsing {PATH}: {e}"))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn parsed_dates(file: &CalendarFile) -> Vec<NaiveDate> {
    file.days
        .iter()
        .map(|d| parse_iso_date(&d.date).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Easter Sunday in the Gregorian calendar: the anonymous algorithm as given by Meeus.
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1).unwrap()
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let fifth = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 5);
    fifth.unwrap_or_else(|| {
        NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 4).unwrap()
    })
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The non-working weekdays of one year, computed from the rules rather than read from a list.
fn expected_year(year: i32) -> BTreeSet<NaiveDate> {
    let mut days = BTreeSet::new();

    // New Year's Day; on a weekend, the following Monday.
    let new_year = ymd(year, 1, 1);
    days.insert(match new_year.weekday() {
        Weekday::Sat => ymd(year, 1, 3),
        Weekday::Sun => ymd(year, 1, 2),
        _ => new_year,
    });

    // Good Friday (common law) and Easter Monday.
    let easter = easter_sunday(year);
    days.insert(easter - Days::new(2));
    days.insert(easter + Days::new(1));

    // Early May bank holiday: first Monday of May, moved in 2020 to Fri 8 May (VE Day 75).
    days.insert(if year == 2020 {
        ymd(2020, 5, 8)
    } else {
        first_monday(year, 5)
    });

    // Spring bank holiday: last Monday of May, moved for the 2002, 2012 and 2022 jubilees.
    days.insert(match year {
        2002 => ymd(2002, 6, 4),
        2012 => ymd(2012, 6, 4),
        2022 => ymd(2022, 6, 2),
        _ => last_monday(year, 5),
    });

    // Summer bank holiday: last Monday of August.
    days.insert(last_monday(year, 8));

    // Christmas Day (common law) and Boxing Day, with substitutes for weekend days.
    match ymd(year, 12, 25).weekday() {
        // Sat 25: Mon 27 for Christmas, Tue 28 for Boxing Day.
        Weekday::Sat => days.extend([ymd(year, 12, 27), ymd(year, 12, 28)]),
        // Sun 25: Mon 26 is Boxing Day, Tue 27 the substitute for Christmas.
        Weekday::Sun => days.extend([ymd(year, 12, 26), ymd(year, 12, 27)]),
        // Fri 25: Boxing Day falls on Saturday, substitute Mon 28.
        Weekday::Fri => days.extend([ymd(year, 12, 25), ymd(year, 12, 28)]),
        _ => days.extend([ymd(year, 12, 25), ymd(year, 12, 26)]),
    }

    // One-off bank holidays by proclamation.
    let one_offs = [
        ymd(2002, 6, 3),  // Golden Jubilee
        ymd(2011, 4, 29), // royal wedding
        ymd(2012, 6, 5),  // Diamond Jubilee
        ymd(2022, 6, 3),  // Platinum Jubilee
        ymd(2022, 9, 19), // state funeral of Queen Elizabeth II
        ymd(2023, 5, 8),  // coronation of King Charles III
    ];
    days.extend(one_offs.into_iter().filter(|d| d.year() == year));

    assert!(
        days.iter().all(|&d| !is_weekend(d)),
        "{year}: a computed day fell on a weekend: {days:?}"
    );
    days
}

#[test]
fn easter_algorithm_matches_known_dates() {
    // Easter Sundays from published tables, to check the algorithm itself.
    for (year, month, day) in [
        (2000, 4, 23),
        (2008, 3, 23),
        (2011, 4, 24),
        (2019, 4, 21),
        (2024, 3, 31),
        (2025, 4, 20),
        (2038, 4, 25),
        (2285, 3, 22),
    ] {
        assert_eq!(easter_sunday(year), ymd(year, month, day), "{year}");
    }
}

#[test]
fn the_shipped_file_is_the_generated_one() {
    let generated = generated_england_and_wales().to_toml(ENGLAND_AND_WALES_HEADER);
    if std::env::var_os("CARECHECK_REGENERATE_CALENDAR").is_some() {
        std::fs::write(PATH, &generated).unwrap_or_else(|e| panic!("writing {PATH}: {e}"));
    }
    assert!(
        text() == generated,
        "{PATH} differs from the generator's output: regenerate it with CARECHECK_REGENERATE_CALENDAR=1 cargo test -p carecheck-sdk --features calendar-file --test calendar_data shipped_file"
    );
    // And it reads back as the same calendar through the SDK's own parser.
    assert_eq!(
        SdkCalendarFile::parse(&generated),
        Ok(generated_england_and_wales())
    );
}

#[test]
fn years_2000_to_2027_equal_the_hand_checked_list() {
    let fixture = include_str!("data/england-and-wales-2000-2027.txt");
    let before: Vec<(String, String)> = fixture
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (date, name) = l.split_once(' ').expect("date, space, name");
            (date.to_string(), name.to_string())
        })
        .collect();
    let now: Vec<(String, String)> = load()
        .days
        .into_iter()
        .filter(|d| d.date.as_str() <= "2027-12-31")
        .map(|d| (d.date, d.name))
        .collect();
    assert_eq!(now, before);
    assert_eq!(before.len(), 230);
}

#[test]
fn header_and_range() {
    let file = load();
    assert_eq!(file.name, "England and Wales");
    assert_eq!(parse_iso_date(&file.from), Ok(ymd(FIRST, 1, 1)));
    assert_eq!(parse_iso_date(&file.to), Ok(ymd(LAST, 12, 31)));
}

#[test]
fn dates_are_sorted_unique_inside_the_range_and_named() {
    let file = load();
    let from = parse_iso_date(&file.from).unwrap();
    let to = parse_iso_date(&file.to).unwrap();
    let dates = parsed_dates(&file);
    for pair in dates.windows(2) {
        assert!(
            pair[0] < pair[1],
            "not sorted or duplicated: {} then {}",
            pair[0],
            pair[1]
        );
    }
    for (d, day) in dates.iter().zip(&file.days) {
        assert!((from..=to).contains(d), "{d} is outside {from}..={to}");
        assert!(!day.name.trim().is_empty(), "{d} has no name");
    }
}

#[test]
fn every_year_matches_the_rules() {
    let file = load();
    let listed: BTreeSet<NaiveDate> = parsed_dates(&file)
        .into_iter()
        .filter(|&d| !is_weekend(d))
        .collect();
    let expected: BTreeSet<NaiveDate> = (FIRST..=LAST).flat_map(expected_year).collect();
    let missing: Vec<_> = expected.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the file: {missing:?}; not expected: {extra:?}"
    );
    // Eight a year, plus the moved-and-one-off years: 2002 +1, 2011 +1, 2012 +1, 2022 +2, 2023 +1.
    assert_eq!(listed.len(), (LAST - FIRST + 1) as usize * 8 + 6);
}

#[test]
fn recent_years_equal_the_reference_table() {
    // Copied from "Bank holidays in England and Wales" in shared/reference/statutory-rules.md.
    let table: [(i32, [(u32, u32); 8]); 4] = [
        (
            2024,
            [
                (1, 1),
                (3, 29),
                (4, 1),
                (5, 6),
                (5, 27),
                (8, 26),
                (12, 25),
                (12, 26),
            ],
        ),
        (
            2025,
            [
                (1, 1),
                (4, 18),
                (4, 21),
                (5, 5),
                (5, 26),
                (8, 25),
                (12, 25),
                (12, 26),
            ],
        ),
        (
            2026,
            [
                (1, 1),
                (4, 3),
                (4, 6),
                (5, 4),
                (5, 25),
                (8, 31),
                (12, 25),
                (12, 28),
            ],
        ),
        (
            2027,
            [
                (1, 1),
                (3, 26),
                (3, 29),
                (5, 3),
                (5, 31),
                (8, 30),
                (12, 27),
                (12, 28),
            ],
        ),
    ];
    let file = load();
    let dates = parsed_dates(&file);
    for (year, rows) in table {
        let in_file: Vec<NaiveDate> = dates.iter().copied().filter(|d| d.year() == year).collect();
        let in_table: Vec<NaiveDate> = rows.iter().map(|&(m, d)| ymd(year, m, d)).collect();
        assert_eq!(in_file, in_table, "{year}");
    }
}

#[test]
fn the_file_builds_a_calendar() {
    let file = load();
    let strings: Vec<String> = file.days.iter().map(|d| d.date.clone()).collect();
    let cal = Calendar::from_iso(&strings, &file.from, &file.to).unwrap();
    assert_eq!(cal.from(), ymd(FIRST, 1, 1));
    assert_eq!(cal.to(), ymd(LAST, 12, 31));
    // 2000-01-03 is the New Year's Day substitute; 2022-09-19 the state funeral.
    assert!(!cal.is_working_day(ymd(2000, 1, 3)));
    assert!(!cal.is_working_day(ymd(2022, 9, 19)));
    // Working days in 2025: 261 weekdays (365 days, 1 Jan a Wednesday: 52 weeks + Wed 31 Dec)
    // less 8 bank holidays = 253.
    assert_eq!(
        cal.working_days_between(ymd(2024, 12, 31), ymd(2025, 12, 31)),
        Ok(253)
    );
    // Each year's working days equal its weekdays less the computed list.
    for year in FIRST..=LAST {
        let start = ymd(year, 1, 1);
        let end = ymd(year, 12, 31);
        let weekdays = start
            .iter_days()
            .take_while(|&d| d <= end)
            .filter(|&d| !is_weekend(d))
            .count() as u32;
        let expected = weekdays - expected_year(year).len() as u32;
        // For 2000 the count starts from 31 Dec 1999, just outside the range but not itself counted.
        assert_eq!(
            cal.working_days_between(start.pred_opt().unwrap(), end),
            Ok(expected),
            "{year}"
        );
    }
}
