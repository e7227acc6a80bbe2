//! How each synthetic review was prepared for and followed up (IRO Handbook 2010), and the next
//! review planned: mostly on time, some late, some steps missing, and some reviews (more of the
//! older ones) with nothing recorded at all. Drawn from a random stream of its own, so every
//! other value a seed gives is what it was before these fields existed.

use carecheck_sdk::dates::age_on;
use carecheck_sdk::record::*;
use carecheck_sdk::school_age::compulsory_school_age;
use chrono::{Days, NaiveDate};
use rand::Rng;

use super::Generator;

/// The steps before a review, as far as they had happened by the generator's as-of date.
struct Before {
    child_consulted: Option<NaiveDate>,
    iro_spoke_with_child: Option<NaiveDate>,
    papers: ReviewPapers,
}

impl Generator<'_> {
    /// A number in `0..100`, for choosing among outcomes.
    fn percent(&mut self) -> u32 {
        self.preparation_rng.random_range(0..100)
    }

    fn days_before(&mut self, date: NaiveDate, lo: u64, hi: u64) -> NaiveDate {
        date - Days::new(self.preparation_rng.random_range(lo..=hi))
    }

    fn working_days_after(&mut self, date: NaiveDate, lo: u32, hi: u32) -> Option<NaiveDate> {
        let n = self.preparation_rng.random_range(lo..=hi);
        self.calendar.add_working_days(date, n).ok()
    }

    /// What has happened by the as-of date, of something that happened (or will) on `date`.
    fn by_now(&self, date: Option<NaiveDate>) -> Option<NaiveDate> {
        date.filter(|d| *d <= self.as_of)
    }

    /// One paper: usually with the IRO 3 to 14 days ahead, sometimes late, sometimes never.
    fn paper(&mut self, review: NaiveDate) -> Option<NaiveDate> {
        let sent = match self.percent() {
            0..86 => Some(self.days_before(review, 3, 14)),
            86..95 => Some(self.days_before(review, 0, 2)),
            _ => None,
        };
        self.by_now(sent)
    }

    fn before_review(&mut self, review: NaiveDate, dob: NaiveDate) -> Before {
        let child_consulted = if age_on(dob, review) < 4 {
            None
        } else {
            match self.percent() {
                0..89 => Some(self.days_before(review, 2, 21)),
                89..94 => Some(review),
                _ => None,
            }
        };
        let iro_spoke_with_child = match self.percent() {
            0..88 => Some(self.days_before(review, 0, 14)),
            88..93 => Some(review + Days::new(self.preparation_rng.random_range(1..=3))),
            _ => None,
        };
        let care_plan = self.paper(review);
        let health_plan = self.paper(review);
        let pep = if compulsory_school_age(dob).contains(review) {
            self.paper(review)
        } else {
            None
        };
        Before {
            child_consulted: self.by_now(child_consulted),
            iro_spoke_with_child: self.by_now(iro_spoke_with_child),
            papers: ReviewPapers {
                care_plan,
                health_plan,
                pep,
            },
        }
    }

    /// The preparation of a review held on `held`, or `None` when it was not recorded.
    pub(super) fn preparation(
        &mut self,
        held: NaiveDate,
        dob: NaiveDate,
    ) -> Option<ReviewPreparation> {
        let recorded_from = NaiveDate::from_ymd_opt(2022, 4, 1).expect("valid date");
        let unrecorded = if held < recorded_from { 0.3 } else { 0.04 };
        if self.preparation_rng.random_bool(unrecorded) {
            return None;
        }
        // Now and then the review was held on another day than planned.
        let planned_date = match self.percent() {
            0..6 => self.days_before(held, 1, 14),
            6..10 => held + Days::new(self.preparation_rng.random_range(1..=14)),
            _ => held,
        };
        let before = self.before_review(held, dob);
        let decisions_circulated = match self.percent() {
            0..86 => self.working_days_after(held, 1, 5),
            86..96 => self.working_days_after(held, 6, 15),
            _ => None,
        };
        let record_circulated = match self.percent() {
            0..80 => self.working_days_after(held, 5, 20),
            80..95 => self.working_days_after(held, 21, 45),
            _ => None,
        };
        Some(ReviewPreparation {
            planned_date: Some(planned_date),
            child_consulted: before.child_consulted,
            iro_spoke_with_child: before.iro_spoke_with_child,
            papers: before.papers,
            decisions_circulated: self.by_now(decisions_circulated),
            record_circulated: self.by_now(record_circulated),
        })
    }

    /// The next review, planned for `planned`, with what has been done for it so far.
    pub(super) fn next_review(&mut self, planned: NaiveDate, dob: NaiveDate) -> NextReview {
        let before = self.before_review(planned, dob);
        NextReview {
            planned_date: planned,
            child_consulted: before.child_consulted,
            iro_spoke_with_child: before.iro_spoke_with_child,
            papers: before.papers,
        }
    }
}
