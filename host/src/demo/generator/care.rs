//! The rest of a synthetic child's care: health assessments, dental checks and SDQs, education,
//! and leaving care, each with a realistic share of what is late or missing.

use carecheck_sdk::dates::{add_months, age_on};
use carecheck_sdk::record::*;
use chrono::{Days, NaiveDate};
use rand::Rng;

use super::{FAMILY, Generator};

impl Generator<'_> {
    pub(super) fn health(&mut self, record: &mut CareRecord, dob: NaiveDate) {
        let Some(start) = record.periods_of_care.last().and_then(|p| p.start()) else {
            return;
        };
        let initial_due = self
            .calendar
            .add_working_days(start, 20)
            .unwrap_or(start + Days::new(28));
        let mut date = if self.chance(0.2) {
            initial_due + self.days(1, 30)
        } else {
            initial_due - self.days(0, 12)
        };
        let mut kind = HealthAssessmentKind::Initial;
        while date <= self.as_of {
            record
                .health
                .assessments
                .push(HealthAssessment { kind, date });
            kind = HealthAssessmentKind::Review;
            let months = if age_on(dob, add_months(date, 6)) < 5 {
                6
            } else {
                12
            };
            let due = add_months(date, months);
            date = if self.chance(0.15) {
                due + self.days(1, 60)
            } else {
                due - self.days(0, 30)
            };
            if self.chance(0.5) {
                record.health.dental_checks.push(date - self.days(0, 20));
            }
        }
        record.health.dental_checks.retain(|d| *d <= self.as_of);
        // SDQs yearly from age 4 once looked after for a year.
        let mut sdq_date = add_months(start, 11);
        while sdq_date <= self.as_of {
            let age = age_on(dob, sdq_date);
            if (4..=16).contains(&age) {
                let high = self.chance(0.22);
                let score = if high {
                    self.rng.random_range(17..=34)
                } else {
                    self.rng.random_range(3..=16)
                };
                let completed = self.chance(0.9);
                record.health.sdq.push(Sdq {
                    date: sdq_date,
                    date_approximate: false,
                    score: completed.then_some(score),
                    completed_by: completed.then(|| "main-carer".to_string()),
                    reason_not_completed: (!completed).then(|| "SDQ4".to_string()),
                });
                if completed && score >= 14 && self.chance(0.6) {
                    let when = sdq_date + self.days(5, 45);
                    if when <= self.as_of {
                        record
                            .health
                            .mental_health_assessments
                            .push(MentalHealthAssessment {
                                date: when,
                                by: Some("CAMHS".into()),
                                // Most young people are asked who they want with them.
                                accompaniment: Some(Accompaniment {
                                    asked: self.chance(0.85),
                                    chosen: None,
                                }),
                            });
                    }
                }
            }
            sdq_date = if self.chance(0.1) {
                add_months(sdq_date, 14)
            } else {
                add_months(sdq_date, 12) - self.days(0, 20)
            };
        }
        if self.chance(0.3) {
            let referred = self.as_of - self.days(5, 400);
            if referred >= start {
                let seen = self
                    .chance(0.7)
                    .then(|| referred + self.days(7, 80))
                    .filter(|d| *d <= self.as_of);
                record
                    .health
                    .mental_health_referrals
                    .push(MentalHealthReferral {
                        id: "R1".into(),
                        service: "CAMHS".into(),
                        referred,
                        accepted: Some(referred + Days::new(3)).filter(|d| *d <= self.as_of),
                        first_seen: seen,
                    });
            }
        }
    }

    pub(super) fn education(&mut self, record: &mut CareRecord, start: NaiveDate) {
        let mut pep_reviews = Vec::new();
        let mut date = start + self.days(10, 40);
        while date <= self.as_of {
            pep_reviews.push(date);
            date = if self.chance(0.12) {
                add_months(date, 5)
            } else {
                add_months(date, 3) + self.days(0, 25)
            };
        }
        record.education = Some(Education {
            school: Some(School {
                name: format!("{} Academy", self.pick(FAMILY)),
                urn: None,
            }),
            designated_teacher: self.chance(0.92).then(|| DesignatedTeacher {
                name: format!("DT {}", self.pick(FAMILY)),
                mental_health_training: self.chance(0.6).then(|| self.as_of - self.days(30, 900)),
            }),
            pep_reviews,
        });
    }

    pub(super) fn leaving_care(&mut self, record: &mut CareRecord, dob: NaiveDate) {
        let sixteen = add_months(dob, 16 * 12);
        let mut reviews = Vec::new();
        let mut date = sixteen + self.days(10, 60);
        while date <= self.as_of {
            reviews.push(date);
            date = if self.chance(0.15) {
                add_months(date, 7)
            } else {
                add_months(date, 6) - self.days(0, 25)
            };
        }
        record.leaving_care = Some(LeavingCare {
            pathway_plan_reviews: reviews,
            personal_adviser: self.chance(0.9).then(|| NamedLead {
                name: format!("PA {}", self.pick(FAMILY)),
                from: Some(sixteen + self.days(0, 90)),
            }),
            plan_addresses_mental_health: if self.chance(0.1) {
                None
            } else {
                Some(self.chance(0.75))
            },
        });
    }
}
