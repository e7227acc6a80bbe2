//! The working-day calendar file (`policies/calendars/*.toml`): data shipped with the project,
//! read by the host to pass to plugins and by policy unit tests, through this one parser.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::dates::Calendar;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    pub name: String,
    /// First day the list is complete for.
    pub from: NaiveDate,
    /// Last day the list is complete for.
    pub to: NaiveDate,
    pub days: Vec<NamedDay>,
}

#[derive(Debug, Clone, Deserialize)]
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

/// The England and Wales calendar shipped in `policies/calendars/`, for tests.
pub fn england_and_wales() -> CalendarFile {
    CalendarFile::parse(include_str!(
        "../../../policies/calendars/england-and-wales.toml"
    ))
    .expect("the shipped calendar parses")
}
