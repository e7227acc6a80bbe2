//! Who is a care leaver (Children Act 1989 Sch 2 para 19B, s23A, s23C, s23CZB; CPPCR 2010
//! reg 40), worked out from the date of birth and the periods of care, so every policy that
//! applies leaving-care duties agrees on who they apply to.
//!
//! - **Eligible** (para 19B): aged 16 or 17, looked after, and looked after for 13 weeks in
//!   total (one period or several) beginning after the 14th birthday and ending after the 16th.
//! - **Relevant** (s23A): aged 16 or 17, no longer looked after, and eligible immediately before
//!   leaving care.
//! - **Former relevant** (s23C): aged 18 or over and relevant, or eligible, before that; the
//!   duties run to 21, a personal adviser to 25 on request (s23CZB). At 25 the duties end.
//!
//! Readings (the reference is silent on the counting):
//! - **13 weeks** is 91 days, counted as days elapsed: a child looked after from D has been
//!   looked after for 13 weeks on D + 91 days. Only time on or after the 14th birthday counts;
//!   a period that began before it counts from the birthday.
//! - A period's `end` is the day the child left; the child is looked after on it (as
//!   [`crate::record::PeriodOfCare::contains`] has it), and the days counted are `end - start`.
//!   An open period counts up to the evaluation date.
//! - "Ending after the 16th" is met by being looked after on some day from the 16th birthday
//!   on: the child becomes eligible on the first day, from the 16th birthday and before the
//!   18th, on which they are looked after with 13 weeks counted.
//! - Pre-planned short breaks do not count (reg 40(2), reg 48): episodes with SSDA903 legal
//!   status V3 or V4 (agreed series of short breaks) are left out of the count. An episode with
//!   no legal status recorded counts.
//! - Once eligible, a young person stays in the leaving-care duties: relevant if they leave care
//!   before 18, former relevant from 18. The record cannot show a relevant child's return home
//!   for six months (s23A(3)) or the continuing-education extension beyond 21; it is not
//!   modelled, and the duties are taken to run to the 25th birthday.
//! - Without a date of birth, or without periods of care (none recorded, one without episodes,
//!   or a provenance that does not supply them), the status cannot be told: [`Unknown`].

use chrono::{Days, NaiveDate};

use crate::dates::{age_on, birthday, days_between};
use crate::record::{CareRecord, Section};

/// 13 weeks, in days.
pub const THIRTEEN_WEEKS: i64 = 91;

/// Where a young person stands under the leaving-care provisions on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareLeaverStatus {
    /// Under 16: the leaving-care duties cannot apply yet.
    Under16,
    /// 16 to 24 and never eligible: the periods of care do not give 13 weeks looked after since
    /// the 14th birthday ending after the 16th. `days_counted` is the time counted so far;
    /// `eligible_on` is the day they will become eligible if they stay looked after (only
    /// while looked after and under 18).
    NotQualified {
        days_counted: i64,
        eligible_on: Option<NaiveDate>,
    },
    /// 16 or 17 and looked after: an eligible child since `since`.
    Eligible { since: NaiveDate },
    /// 16 or 17, eligible since `eligible_since`, and no longer looked after since `left_care`.
    Relevant {
        eligible_since: NaiveDate,
        left_care: NaiveDate,
    },
    /// 18 to 24, eligible since `eligible_since`; `left_care` is the end of the last period of
    /// care, if the record shows one.
    FormerRelevant {
        eligible_since: NaiveDate,
        left_care: Option<NaiveDate>,
    },
    /// 25 or over: the duties have ended.
    Aged25OrOver,
}

impl CareLeaverStatus {
    /// The day the young person first became an eligible child, for the three care-leaver kinds.
    pub fn eligible_since(self) -> Option<NaiveDate> {
        match self {
            CareLeaverStatus::Eligible { since } => Some(since),
            CareLeaverStatus::Relevant { eligible_since, .. }
            | CareLeaverStatus::FormerRelevant { eligible_since, .. } => Some(eligible_since),
            _ => None,
        }
    }

    /// "an eligible child", "a relevant child", "a former relevant child", for messages.
    pub fn label(self) -> Option<&'static str> {
        match self {
            CareLeaverStatus::Eligible { .. } => Some("an eligible child"),
            CareLeaverStatus::Relevant { .. } => Some("a relevant child"),
            CareLeaverStatus::FormerRelevant { .. } => Some("a former relevant child"),
            _ => None,
        }
    }
}

/// Why the status cannot be told: the field missing, or the section the record's sources did
/// not supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// A field that is not recorded: `child.date_of_birth`, `periods_of_care`,
    /// `periods_of_care[].episodes`.
    Missing(&'static str),
    /// A section the provenance does not supply.
    NotSupplied(Section),
}

/// Where the young person stands on `on`.
pub fn care_leaver_status(record: &CareRecord, on: NaiveDate) -> Result<CareLeaverStatus, Unknown> {
    if !record.supplied(Section::Child) {
        return Err(Unknown::NotSupplied(Section::Child));
    }
    let dob = record
        .child
        .date_of_birth
        .ok_or(Unknown::Missing("child.date_of_birth"))?;
    let age = age_on(dob, on);
    if age < 16 {
        return Ok(CareLeaverStatus::Under16);
    }
    if age >= 25 {
        return Ok(CareLeaverStatus::Aged25OrOver);
    }
    if !record.supplied(Section::PeriodsOfCare) {
        return Err(Unknown::NotSupplied(Section::PeriodsOfCare));
    }
    if record.periods_of_care.is_empty() {
        return Err(Unknown::Missing("periods_of_care"));
    }
    if record.periods_of_care.iter().any(|p| p.episodes.is_empty()) {
        return Err(Unknown::Missing("periods_of_care[].episodes"));
    }
    let (b14, b16, b18) = (birthday(dob, 14), birthday(dob, 16), birthday(dob, 18));
    let looked_after_now = record.period_containing(on).is_some();

    // Time looked after since the 14th birthday, episode by episode, up to `on`.
    let mut counted = 0i64;
    let mut eligible_since = None;
    let mut episodes: Vec<_> = record
        .periods_of_care
        .iter()
        .flat_map(|p| p.episodes.iter())
        .filter(|e| !matches!(e.legal_status.as_deref(), Some("V3" | "V4")))
        .collect();
    episodes.sort_by_key(|e| e.start);
    for e in episodes {
        let from = e.start.max(b14);
        let to = e.end.unwrap_or(on).min(on);
        if to < from {
            continue;
        }
        if eligible_since.is_none() {
            // The first day in this episode with 13 weeks counted, from the 16th birthday.
            let reached = add_days(from, (THIRTEEN_WEEKS - counted).max(0));
            let day = reached.max(b16);
            if day <= to && day < b18 {
                eligible_since = Some(day);
            }
        }
        counted += days_between(from, to);
    }

    let Some(eligible_since) = eligible_since else {
        let eligible_on = (looked_after_now && age < 18)
            .then(|| add_days(on, (THIRTEEN_WEEKS - counted).max(0)).max(b16))
            .filter(|d| *d < b18);
        return Ok(CareLeaverStatus::NotQualified {
            days_counted: counted,
            eligible_on,
        });
    };
    let left_care = record
        .periods_of_care
        .iter()
        .filter_map(|p| p.end())
        .filter(|end| *end <= on)
        .max();
    Ok(if age < 18 {
        match (looked_after_now, left_care) {
            (false, Some(left_care)) => CareLeaverStatus::Relevant {
                eligible_since,
                left_care,
            },
            _ => CareLeaverStatus::Eligible {
                since: eligible_since,
            },
        }
    } else {
        CareLeaverStatus::FormerRelevant {
            eligible_since,
            left_care: if looked_after_now { None } else { left_care },
        }
    })
}

fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_days(Days::new(u64::try_from(days).unwrap_or(0)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Provenance;
    use crate::ymd;
    use serde_json::json;

    type Answer = Result<CareLeaverStatus, Unknown>;

    fn on(r: &CareRecord, y: i32, m: u32, d: u32) -> Answer {
        care_leaver_status(r, ymd(y, m, d))
    }

    fn eligible(y: i32, m: u32, d: u32) -> Answer {
        Ok(CareLeaverStatus::Eligible {
            since: ymd(y, m, d),
        })
    }

    fn not_qualified(days_counted: i64, eligible_on: Option<NaiveDate>) -> Answer {
        Ok(CareLeaverStatus::NotQualified {
            days_counted,
            eligible_on,
        })
    }

    /// A record with this date of birth and these periods, each `(start, end)`.
    fn record(dob: &str, periods: &[(&str, Option<&str>)]) -> CareRecord {
        let periods: Vec<_> = periods
            .iter()
            .map(|(s, e)| json!({"episodes": [{"start": s, "end": e}]}))
            .collect();
        serde_json::from_value(json!({
            "child": {"date_of_birth": dob},
            "periods_of_care": periods,
        }))
        .unwrap()
    }

    #[test]
    fn came_into_care_at_sixteen_and_a_half_two_weeks_ago() {
        // Born 1 Mar 2009: 16 on 1 Mar 2025. Looked after from 1 Sep 2025; on 15 Sep, 14 days
        // counted. 13 weeks after 1 Sep: 30 days to 1 Oct, 61 to 1 Nov, 91 to 1 Dec 2025.
        let r = record("2009-03-01", &[("2025-09-01", None)]);
        assert_eq!(
            on(&r, 2025, 9, 15),
            not_qualified(14, Some(ymd(2025, 12, 1)))
        );
        // The day before: still 90 days; on 1 Dec 2025 itself, eligible.
        assert!(matches!(
            on(&r, 2025, 11, 30),
            Ok(CareLeaverStatus::NotQualified {
                days_counted: 90,
                ..
            })
        ));
        assert_eq!(on(&r, 2025, 12, 1), eligible(2025, 12, 1));
    }

    #[test]
    fn in_care_since_thirteen_is_eligible_from_the_sixteenth_birthday() {
        // Born 29 Feb 2008: 14 on 1 Mar 2022 (a common year), 16 on 29 Feb 2024 (a leap year).
        // Looked after from 2021: 13 weeks since the 14th birthday were reached on
        // 31 May 2022, long before 16, so eligible from the 16th birthday itself.
        let r = record("2008-02-29", &[("2021-06-01", None)]);
        assert_eq!(on(&r, 2024, 2, 28), Ok(CareLeaverStatus::Under16));
        assert_eq!(on(&r, 2024, 2, 29), eligible(2024, 2, 29));
    }

    #[test]
    fn two_periods_add_up() {
        // Born 10 Jan 2009: 14 on 10 Jan 2023, 16 on 10 Jan 2025. Period 1: 1 Mar 2023 to
        // 10 May 2023 = 31 (March) + 30 (April) + 9 = 70 days, 10 weeks. Period 2 from
        // 1 Feb 2025 needs 21 more days: eligible on 22 Feb 2025.
        let r = record(
            "2009-01-10",
            &[("2023-03-01", Some("2023-05-10")), ("2025-02-01", None)],
        );
        assert_eq!(
            on(&r, 2025, 2, 21),
            not_qualified(90, Some(ymd(2025, 2, 22)))
        );
        assert_eq!(on(&r, 2025, 6, 1), eligible(2025, 2, 22));
    }

    #[test]
    fn only_time_from_the_fourteenth_birthday_counts() {
        // Born 15 Jun 2009: 14 on 15 Jun 2023. Looked after 1 May 2023 to 1 Aug 2023: only
        // 15 Jun to 1 Aug counts, 30 + 17 = 47 days. Back in care on the 16th birthday,
        // 15 Jun 2025: 44 more days, 15 Jul (+30) then 29 Jul 2025 (+44).
        let r = record(
            "2009-06-15",
            &[("2023-05-01", Some("2023-08-01")), ("2025-06-15", None)],
        );
        assert_eq!(on(&r, 2025, 8, 31), eligible(2025, 7, 29));
    }

    #[test]
    fn time_that_ended_before_the_sixteenth_birthday_does_not_qualify() {
        // Born 1 Jan 2009: looked after 1 Jan 2023 to 31 Dec 2024, two years from 14, but the
        // period ended the day before the 16th birthday (1 Jan 2025): not eligible then, and
        // never looked after since. Ending on the birthday itself would qualify.
        let r = record("2009-01-01", &[("2023-01-01", Some("2024-12-31"))]);
        assert_eq!(on(&r, 2025, 6, 1), not_qualified(730, None));
        let r = record("2009-01-01", &[("2023-01-01", Some("2025-01-01"))]);
        assert_eq!(
            on(&r, 2025, 6, 1),
            Ok(CareLeaverStatus::Relevant {
                eligible_since: ymd(2025, 1, 1),
                left_care: ymd(2025, 1, 1),
            })
        );
    }

    #[test]
    fn relevant_then_former_relevant_then_over_25() {
        // Born 1 Apr 2008; looked after 3 Jan 2022 to 1 Jul 2025. Eligible from the 16th
        // birthday, 1 Apr 2024; left at 17: relevant on 1 Sep 2025; former relevant from
        // 1 Apr 2026; at 25 (1 Apr 2033) the duties have ended.
        let r = record("2008-04-01", &[("2022-01-03", Some("2025-07-01"))]);
        assert_eq!(on(&r, 2025, 6, 30), eligible(2024, 4, 1));
        assert_eq!(
            on(&r, 2025, 9, 1),
            Ok(CareLeaverStatus::Relevant {
                eligible_since: ymd(2024, 4, 1),
                left_care: ymd(2025, 7, 1),
            })
        );
        assert_eq!(
            on(&r, 2026, 4, 1),
            Ok(CareLeaverStatus::FormerRelevant {
                eligible_since: ymd(2024, 4, 1),
                left_care: Some(ymd(2025, 7, 1)),
            })
        );
        assert_eq!(
            on(&r, 2033, 3, 31).map(|s| s.eligible_since()),
            Ok(Some(ymd(2024, 4, 1)))
        );
        assert_eq!(on(&r, 2033, 4, 1), Ok(CareLeaverStatus::Aged25OrOver));
    }

    #[test]
    fn a_short_stay_after_sixteen_does_not_qualify() {
        // Born 1 Mar 2009; looked after 1 Apr 2025 to 6 May 2025 (35 days) and not since.
        let r = record("2009-03-01", &[("2025-04-01", Some("2025-05-06"))]);
        assert_eq!(on(&r, 2025, 9, 1), not_qualified(35, None));
        // Becoming eligible would fall after the 18th birthday: no date is promised. Born
        // 1 Mar 2008 (18 on 1 Mar 2026), looked after from 1 Feb 2026.
        let r = record("2008-03-01", &[("2026-02-01", None)]);
        assert_eq!(on(&r, 2026, 2, 10), not_qualified(9, None));
    }

    #[test]
    fn short_breaks_do_not_count() {
        // Born 1 Mar 2009. An agreed series of short breaks (V3) all year does not count; a
        // V2 placement from 1 Sep 2025 does: eligible 1 Dec 2025, as if the breaks were not there.
        let r: CareRecord = serde_json::from_value(json!({
            "child": {"date_of_birth": "2009-03-01"},
            "periods_of_care": [
                {"episodes": [{"start": "2024-09-01", "end": "2025-08-31", "legal_status": "V3"}]},
                {"episodes": [{"start": "2025-09-01", "legal_status": "V2"}]},
            ],
        }))
        .unwrap();
        assert_eq!(on(&r, 2025, 12, 1), eligible(2025, 12, 1));
    }

    #[test]
    fn what_cannot_be_told() {
        let r: CareRecord = serde_json::from_value(json!({})).unwrap();
        assert_eq!(
            on(&r, 2025, 6, 1),
            Err(Unknown::Missing("child.date_of_birth"))
        );
        let r = record("2008-01-01", &[]);
        assert_eq!(on(&r, 2025, 6, 1), Err(Unknown::Missing("periods_of_care")));
        // Under 16 needs no periods.
        let r = record("2012-01-01", &[]);
        assert_eq!(on(&r, 2025, 6, 1), Ok(CareLeaverStatus::Under16));
        // Periods not supplied by the record's sources.
        let mut r = record("2008-01-01", &[("2020-01-06", None)]);
        r.provenance = Some(Provenance::from_source(
            "case-system",
            None,
            &[Section::Child],
        ));
        assert_eq!(
            on(&r, 2025, 6, 1),
            Err(Unknown::NotSupplied(Section::PeriodsOfCare))
        );
    }
}
