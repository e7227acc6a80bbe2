//! The working-day calendar file (`policies/calendars/*.toml`): data shipped with the project,
//! read by the host to pass to plugins and by policy unit tests, through this one parser.
//!
//! The shipped England and Wales file is generated ([`generated_england_and_wales`], from the
//! rules and proclamations in [`crate::bank_holidays`]); `plugins/sdk/tests/calendar_data.rs`
//! checks that the file equals the generator's output and rewrites it when run with
//! `CARECHECK_REGENERATE_CALENDAR=1` (that test alone: `--test calendar_data shipped_file`).
//! The host asks how far a calendar reaches with [`CalendarFile::to`] or
//! [`CalendarFile::covers`] (or [`crate::dates::Calendar::to`] once built).

use chrono::NaiveDate;
use serde::Deserialize;

use crate::dates::Calendar;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    pub name: String,
    /// First day the list is complete for.
    pub from: NaiveDate,
    /// Last day the list is complete for.
    pub to: NaiveDate,
    pub days: Vec<NamedDay>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedDay {
    pub date: NaiveDate,
    pub name: String,
}

impl CalendarFile {
    /// Parses and checks the file: sorted, no duplicates, every day inside `from..=to`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: CalendarFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.from > file.to {
            return Err(format!("`from` {} is after `to` {}", file.from, file.to));
        }
        for pair in file.days.windows(2) {
            if pair[0].date >= pair[1].date {
                return Err(format!(
                    "days must be in date order without repeats: {} comes before {}",
                    pair[0].date, pair[1].date
                ));
            }
        }
        if let Some(day) = file
            .days
            .iter()
            .find(|d| d.date < file.from || d.date > file.to)
        {
            return Err(format!(
                "{} ({}) lies outside {}..{}",
                day.date, day.name, file.from, file.to
            ));
        }
        Ok(file)
    }

    /// Whether `date` lies inside the range the list is complete for.
    pub fn covers(&self, date: NaiveDate) -> bool {
        (self.from..=self.to).contains(&date)
    }

    /// The file as TOML text, `header` (comment lines, each starting `#`) first: what
    /// [`CalendarFile::parse`] reads back.
    pub fn to_toml(&self, header: &str) -> String {
        let mut out = String::from(header);
        out.push_str(&format!(
            "\nname = {:?}\nfrom = \"{}\"\nto = \"{}\"\n",
            self.name, self.from, self.to
        ));
        for day in &self.days {
            out.push_str(&format!(
                "\n[[days]]\ndate = \"{}\"\nname = {:?}\n",
                day.date, day.name
            ));
        }
        out
    }

    pub fn calendar(&self) -> Calendar {
        Calendar::new(self.days.iter().map(|d| d.date), self.from, self.to)
    }

    /// The non-working days as ISO 8601 text, as the decision log records them.
    pub fn iso_days(&self) -> Vec<String> {
        self.days.iter().map(|d| d.date.to_string()).collect()
    }

    /// The non-working days as days since 1970-01-01, as the WIT context carries them.
    pub fn unix_days(&self) -> Vec<i32> {
        self.days
            .iter()
            .map(|d| crate::dates::unix_day(d.date))
            .collect()
    }
}

/// The years the shipped England and Wales calendar covers: from 2000 (records go back that
/// far) to ten years and more ahead.
pub const ENGLAND_AND_WALES_YEARS: (i32, i32) = (2000, 2040);

/// The comment heading the generated England and Wales file.
pub const ENGLAND_AND_WALES_HEADER: &str = "\
# Non-working weekdays in England and Wales, 2000 to 2040 inclusive: the working-day calendar
# every carecheck policy counts \"N working days\" against (see plugins/sdk/src/dates.rs).
#
# GENERATED: do not edit by hand. The rules and royal proclamations are in
# plugins/sdk/src/bank_holidays.rs; after changing them, regenerate this file with
#   CARECHECK_REGENERATE_CALENDAR=1 cargo test -p carecheck-sdk --features calendar-file --test calendar_data shipped_file
# and the same test (without the variable) checks the file equals the generator's output, the
# 2024-2027 table of the statutory-rules reference, the hand-checked list of 2000-2027, and an
# independent computation of every year.
#
# A working day is any day except Saturday, Sunday, Christmas Day, Good Friday and a bank holiday
# in England and Wales: New Year's Day, Easter Monday, the early May, spring and summer bank
# holidays and Boxing Day (Banking and Financial Dealings Act 1971, Schedule 1), with weekend
# substitutes, and the days moved or added by proclamation (2002 and 2012 jubilees, 2011 royal
# wedding, 2020 VE Day, 2022 jubilee and state funeral, 2023 coronation). Only weekdays are listed.
";

/// The England and Wales calendar as the generator makes it ([`crate::bank_holidays`]): what the
/// shipped file must hold.
pub fn generated_england_and_wales() -> CalendarFile {
    let (first, last) = ENGLAND_AND_WALES_YEARS;
    CalendarFile {
        name: "England and Wales".into(),
        from: NaiveDate::from_ymd_opt(first, 1, 1).expect("valid date"),
        to: NaiveDate::from_ymd_opt(last, 12, 31).expect("valid date"),
        days: crate::bank_holidays::england_and_wales(first, last)
            .into_iter()
            .map(|(date, name)| NamedDay { date, name })
            .collect(),
    }
}

/// The England and Wales calendar shipped in `policies/calendars/`, for tests.
pub fn england_and_wales() -> CalendarFile {
    CalendarFile::parse(include_str!(
        "../../../policies/calendars/england-and-wales.toml"
    ))
    .expect("the shipped calendar parses")
}
