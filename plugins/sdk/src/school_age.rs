//! Compulsory school age (Education Act 1996 s8; Education (Start of Compulsory School Age)
//! Order 1998, SI 1998/1607; Education (School Leaving Date) Order 1997, SI 1997/1970), worked
//! out from the date of birth, never approximated by whole years.
//!
//! - **Start**: the first of 31 March, 31 August or 31 December on or after the 5th birthday
//!   (s8(2): on the 5th birthday itself when it falls on one of those days, otherwise at the
//!   beginning of the next of them).
//! - **End**: the last Friday in June of the school year (1 September to 31 August) in which the
//!   child turns 16 (s8(3) with the 1997 Order); the child is of compulsory school age until the
//!   end of that day. A Year 11 pupil who turned 16 in the autumn is therefore still of
//!   compulsory school age until the end of June, and one whose 16th birthday falls in July or
//!   August has already left it (at 15) when they turn 16.
//! - Birthdays follow [`crate::dates::birthday`]: a child born on 29 February turns a year older
//!   on 1 March in common years.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::dates::birthday;

/// The days a child is of compulsory school age, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompulsorySchoolAge {
    /// The first day of compulsory school age.
    pub start: NaiveDate,
    /// The last day: the school leaving date of the school year in which the child turns 16.
    pub end: NaiveDate,
}

impl CompulsorySchoolAge {
    /// Whether the child is of compulsory school age on `date`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.start..=self.end).contains(&date)
    }
}

/// Compulsory school age for a child born on `dob`.
pub fn compulsory_school_age(dob: NaiveDate) -> CompulsorySchoolAge {
    CompulsorySchoolAge {
        start: start(dob),
        end: end(dob),
    }
}

/// The first prescribed day (31 Mar, 31 Aug, 31 Dec) on or after the 5th birthday.
fn start(dob: NaiveDate) -> NaiveDate {
    let fifth = birthday(dob, 5);
    let year = fifth.year();
    [(3, 31), (8, 31), (12, 31)]
        .into_iter()
        .filter_map(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .find(|prescribed| *prescribed >= fifth)
        .expect("31 December is on or after any day of its year")
}

/// The last Friday in June of the school year in which the child turns 16. A school year runs
/// from 1 September to 31 August, so a 16th birthday from September to December belongs to the
/// school year ending the following summer.
fn end(dob: NaiveDate) -> NaiveDate {
    let sixteenth = birthday(dob, 16);
    let summer = if sixteenth.month() >= 9 {
        sixteenth.year() + 1
    } else {
        sixteenth.year()
    };
    last_friday_in_june(summer)
}

/// The school leaving date of `year`: the last Friday in June (SI 1997/1970).
pub fn last_friday_in_june(year: i32) -> NaiveDate {
    let june_30 = NaiveDate::from_ymd_opt(year, 6, 30).expect("30 June exists");
    // Days back from 30 June to the Friday on or before it.
    let back =
        (june_30.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    june_30 - chrono::Days::new(u64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ymd;

    #[test]
    fn last_fridays_in_june() {
        // June 2024: 30 Jun is a Sunday, so Sat 29, Fri 28.
        assert_eq!(last_friday_in_june(2024), ymd(2024, 6, 28));
        // June 2025: 30 Jun is a Monday; back three days to Fri 27.
        assert_eq!(last_friday_in_june(2025), ymd(2025, 6, 27));
        // June 2026: 30 Jun is a Tuesday; Fri 26.
        assert_eq!(last_friday_in_june(2026), ymd(2026, 6, 26));
        // June 2028: 30 Jun is itself a Friday.
        assert_eq!(last_friday_in_june(2028), ymd(2028, 6, 30));
        // June 2023: 30 Jun is a Friday too.
        assert_eq!(last_friday_in_june(2023), ymd(2023, 6, 30));
        // June 2027: 30 Jun is a Wednesday; Fri 25.
        assert_eq!(last_friday_in_june(2027), ymd(2027, 6, 25));
        for year in 2000..2050 {
            let d = last_friday_in_june(year);
            assert_eq!(d.weekday(), Weekday::Fri, "{year}");
            assert_eq!(d.month(), 6, "{year}");
            assert!(
                d.day() > 23,
                "{year}: a later Friday would still be in June"
            );
        }
    }

    #[test]
    fn born_31_august_starts_on_the_birthday_and_leaves_before_turning_16() {
        // Born Mon 31 Aug 2009. 5th birthday Sun 31 Aug 2014 is itself a prescribed day: start
        // that day. 16th birthday 31 Aug 2025, in the school year 1 Sep 2024 - 31 Aug 2025,
        // whose last Friday in June is 27 Jun 2025: the child leaves compulsory school age at 15.
        let csa = compulsory_school_age(ymd(2009, 8, 31));
        assert_eq!(csa.start, ymd(2014, 8, 31));
        assert_eq!(csa.end, ymd(2025, 6, 27));
        assert!(!csa.contains(ymd(2014, 8, 30)));
        assert!(csa.contains(ymd(2014, 8, 31)));
        assert!(csa.contains(ymd(2025, 6, 27)));
        assert!(!csa.contains(ymd(2025, 6, 28)));
    }

    #[test]
    fn born_1_september_starts_at_christmas_and_stays_a_year_longer() {
        // Born Tue 1 Sep 2009. 5th birthday 1 Sep 2014: the next prescribed day is 31 Dec 2014.
        // 16th birthday 1 Sep 2025 opens the school year 1 Sep 2025 - 31 Aug 2026, whose last
        // Friday in June is 26 Jun 2026 (30 Jun 2026 is a Tuesday).
        let csa = compulsory_school_age(ymd(2009, 9, 1));
        assert_eq!(csa.start, ymd(2014, 12, 31));
        assert_eq!(csa.end, ymd(2026, 6, 26));
        // A day apart in birth, ten months apart in leaving.
        assert!(csa.contains(ymd(2025, 9, 1)));
        assert!(!compulsory_school_age(ymd(2009, 8, 31)).contains(ymd(2025, 9, 1)));
    }

    #[test]
    fn born_29_february() {
        // Born 29 Feb 2008. 5th birthday in 2013 (a common year) is 1 Mar 2013, so the first
        // prescribed day on or after it is 31 Mar 2013 (not 28 Feb: the child was still 4).
        // 16th birthday 29 Feb 2024 (a leap year), in the school year ending 31 Aug 2024: last
        // Friday in June 2024 is 28 Jun.
        let csa = compulsory_school_age(ymd(2008, 2, 29));
        assert_eq!(csa.start, ymd(2013, 3, 31));
        assert_eq!(csa.end, ymd(2024, 6, 28));
        // Born 29 Feb 2012: 5th birthday 1 Mar 2017 (a common year), first prescribed day on or
        // after it 31 Mar 2017.
        let csa = compulsory_school_age(ymd(2012, 2, 29));
        assert_eq!(csa.start, ymd(2017, 3, 31));
        // 16th birthday 29 Feb 2028 (a leap year): last Friday in June 2028 is 30 Jun itself.
        assert_eq!(csa.end, ymd(2028, 6, 30));
    }

    #[test]
    fn sixteenth_birthday_in_july() {
        // Born 15 Jul 2009: 16 on 15 Jul 2025, after the school leaving date of 27 Jun 2025 in
        // the same school year (1 Sep 2024 - 31 Aug 2025): compulsory school age ended at 15.
        // 5th birthday 15 Jul 2014: next prescribed day 31 Aug 2014.
        let csa = compulsory_school_age(ymd(2009, 7, 15));
        assert_eq!(csa.start, ymd(2014, 8, 31));
        assert_eq!(csa.end, ymd(2025, 6, 27));
    }

    #[test]
    fn a_year_11_pupil_who_has_turned_16_is_still_of_compulsory_school_age() {
        // Born 10 Oct 2009: 16 on 10 Oct 2025, in the school year 1 Sep 2025 - 31 Aug 2026;
        // compulsory school age runs to the last Friday in June 2026, 26 Jun. On 1 Mar 2026 the
        // pupil is 16 and still of compulsory school age.
        let csa = compulsory_school_age(ymd(2009, 10, 10));
        assert_eq!(csa.end, ymd(2026, 6, 26));
        assert!(csa.contains(ymd(2026, 3, 1)));
        assert!(csa.contains(ymd(2026, 6, 26)));
        assert!(!csa.contains(ymd(2026, 6, 27)));
    }

    #[test]
    fn the_prescribed_days_themselves() {
        // (born, first day, last day), each worked by hand:
        let cases = [
            // 5th birthday on 31 Mar 2020: starts that day. 16 on 31 Mar 2031, school year
            // ending 31 Aug 2031: last Friday in June 2031 is 27 Jun (30 Jun 2031 is a Monday).
            ((2015, 3, 31), (2020, 3, 31), (2031, 6, 27)),
            // Born 1 Apr 2015: 5 on 1 Apr 2020, next prescribed day 31 Aug 2020.
            ((2015, 4, 1), (2020, 8, 31), (2031, 6, 27)),
            // 5th birthday on 31 Dec 2020: starts that day. 16 on 31 Dec 2031, school year
            // ending 31 Aug 2032: 30 Jun 2032 is a Wednesday, so Fri 25 Jun 2032.
            ((2015, 12, 31), (2020, 12, 31), (2032, 6, 25)),
            // Born 1 Jan 2016: 5 on 1 Jan 2021, next prescribed day 31 Mar 2021; 16 on
            // 1 Jan 2032, the same school year as the last: 25 Jun 2032.
            ((2016, 1, 1), (2021, 3, 31), (2032, 6, 25)),
            // A 16th birthday on the school leaving date itself (born 27 Jun 2009, 16 on Fri
            // 27 Jun 2025): s8(3)(b), compulsory school age ends that day. 5 on 27 Jun 2014:
            // starts 31 Aug 2014.
            ((2009, 6, 27), (2014, 8, 31), (2025, 6, 27)),
            // 16 the day after it (born 28 Jun 2009): s8(3)(a), ends 27 Jun 2025, aged 15.
            ((2009, 6, 28), (2014, 8, 31), (2025, 6, 27)),
            // 16 on 31 Dec 2025 (born 31 Dec 2009): the school year ending 31 Aug 2026, whose
            // last Friday in June is 26 Jun. 5 on 31 Dec 2014, itself a prescribed day.
            ((2009, 12, 31), (2014, 12, 31), (2026, 6, 26)),
        ];
        for (born, start, end) in cases {
            let at = |(y, m, d): (i32, u32, u32)| ymd(y, m, d);
            let csa = compulsory_school_age(at(born));
            assert_eq!((csa.start, csa.end), (at(start), at(end)), "born {born:?}");
        }
    }
}
