//! `child-voice`: the child's wishes and feelings reach every review (Children Act 1989 s25B;
//! EWG 2017 recommendation 3).
//!
//! The rule: the IRO must ensure that any ascertained wishes and feelings of the child are given
//! due consideration (CA 1989 s25B); the SSDA903 return records, per review, how the child's views
//! were conveyed (codes PN0-PN7; PN0: child under 4; PN7: the child was absent and their views
//! were not conveyed). The expert working group (SCIE, November 2017, rec 3) recommends that the
//! young person may say who they want with them, and that this is recorded
//! (`statutory-rules.md`, "Statutory reviews and the IRO").
//!
//! Checks, one result each per review:
//! - `views-conveyed` (statutory, CA 1989 s25B; DfE SSDA903 guidance), every review up to the
//!   evaluation date: PN1-PN6 `met`; PN7 `breach` (absent and views not conveyed); no code
//!   `insufficient_data` naming `reviews[].participation`; PN0 (child under 4) `not_applicable`.
//! - `accompaniment-asked` (guidance, EWG 2017 rec 3), reviews on or after the setting
//!   `accompaniment_from` (default 2018-01-01): `reviews[].accompaniment.asked` true `met`; false
//!   or not recorded `breach`; a child under 4 on the review date `not_applicable` (this needs
//!   `child.date_of_birth`; without it, and without a record that the child was asked, the result
//!   is `insufficient_data` naming it).
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - `accompaniment_from` defaults to 1 Jan 2018, the first full year after the November 2017
//!   recommendations. A local authority may bring it earlier, never later.
//! - PN0 recorded for a child whose date of birth shows they were 4 or older on the review date is
//!   a data conflict: `insufficient_data` naming `reviews[].participation`, rather than taking
//!   either the code or the date of birth on trust.
//! - A child recorded as asked is `met` whatever their age; age matters only when they were not
//!   asked. The under-4 test uses the date of birth only (not the PN0 code), as the rule says; an
//!   approximate date of birth is used as given and flagged in the evidence.
//! - Several review rows on the same date are one review (as in the SDK's review schedule). The
//!   best evidence among them is used: a code conveying views before PN0, PN0 before PN7, PN7
//!   before no code; asked before not asked, not asked before nothing recorded.
//! - Reviews before `accompaniment_from` get no `accompaniment-asked` result. When there is no
//!   review to check, each check gives one `not_applicable` result (subject `record`).
//! - A review dated after the evaluation date is a data error: one `insufficient_data` result on
//!   `views-conveyed` naming it; neither check uses it.
//! - No deadline is involved, so results carry no `due` (data errors carry the evaluation date).

use std::collections::BTreeMap;

use carecheck_sdk::dates::{self, format_long};
use carecheck_sdk::record::{Accompaniment, Participation};
use carecheck_sdk::settings::{Settings, reviews_from_at_latest};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct ChildVoice;

/// The default `accompaniment_from`: 1 Jan 2018, the first full year after EWG 2017.
pub fn default_accompaniment_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).expect("valid date")
}

/// Settings. A local authority may check reviews from an earlier date, never a later one.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChildVoiceSettings {
    /// Reviews on or after this date must record whether the child was asked who they wanted
    /// with them (default 2018-01-01, the first full year after the EWG's November 2017
    /// recommendations).
    pub accompaniment_from: NaiveDate,
}

impl Default for ChildVoiceSettings {
    fn default() -> Self {
        Self {
            accompaniment_from: default_accompaniment_from(),
        }
    }
}

impl Settings for ChildVoiceSettings {
    fn check(&self) -> Result<(), String> {
        reviews_from_at_latest(
            "accompaniment_from",
            self.accompaniment_from,
            default_accompaniment_from(),
            "EWG 2017 rec 3",
        )
    }
}

fn checks() -> [CheckInfo; 2] {
    [
        CheckInfo::statutory(
            "views-conveyed",
            "The child's views were conveyed to each review",
            "CA 1989 s25B; DfE SSDA903 guidance",
        ),
        CheckInfo::guidance(
            "accompaniment-asked",
            "The child was asked who they want with them",
            "EWG 2017 rec 3",
        ),
    ]
}

impl Policy for ChildVoice {
    type Record = CareRecord;
    type Settings = ChildVoiceSettings;

    fn about() -> About {
        About {
            id: "child-voice",
            version: env!("CARGO_PKG_VERSION"),
            title: "The child's voice at reviews",
            description: "Checks that the child's views were conveyed to each review and that the \
                          child was asked who they wanted with them.",
            author: "carecheck",
            citations: &["CA 1989 s25B", "DfE SSDA903 guidance", "EWG 2017 rec 3"],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/child/date_of_birth_approximate",
                "/reviews/*/date",
                "/reviews/*/participation",
                "/reviews/*/accompaniment/asked",
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &ChildVoiceSettings) -> Vec<CheckResult> {
        let [views, accompaniment] = checks();
        let eval = ctx.evaluation_date;
        let dob = record.child.date_of_birth;
        let dob_approximate = record.child.date_of_birth_approximate;
        let mut results = Vec::new();

        let mut by_date: BTreeMap<NaiveDate, ReviewDay> = BTreeMap::new();
        for review in &record.reviews {
            let day = by_date.entry(review.date).or_insert(ReviewDay {
                participation: review.participation,
                accompaniment: review.accompaniment.as_ref(),
            });
            if participation_rank(review.participation) > participation_rank(day.participation) {
                day.participation = review.participation;
            }
            if asked_rank(review.accompaniment.as_ref()) > asked_rank(day.accompaniment) {
                day.accompaniment = review.accompaniment.as_ref();
            }
        }

        for date in by_date.keys().filter(|d| ctx.is_future(**d)) {
            results.push(
                views
                    .insufficient(
                        format!("review {date}"),
                        "reviews[].date",
                        &format!(
                            "A review is dated {}, after the evaluation date {}; it is not checked until the date is corrected.",
                            format_long(*date),
                            format_long(eval)
                        ),
                    )
                    .with_due(eval),
            );
        }
        let held: Vec<(NaiveDate, ReviewDay)> = by_date
            .iter()
            .filter(|(d, _)| !ctx.is_future(**d))
            .map(|(d, day)| (*d, *day))
            .collect();

        // views-conveyed: every review held.
        if held.is_empty() {
            results.push(views.result(
                Status::NotApplicable,
                "record",
                format!(
                    "No review up to {} is recorded, so there is no review to check.",
                    format_long(eval)
                ),
            ));
        }
        for (date, day) in &held {
            let when = format_long(*date);
            let subject = format!("review {date}");
            let r = match day.participation {
                None => views.insufficient(
                    subject,
                    "reviews[].participation",
                    &format!(
                        "The review on {when} does not record how the child's views were conveyed; add the participation code (PN0-PN7)."
                    ),
                ),
                Some(Participation::PN0) => match dob.map(|dob| dates::age_on(dob, *date)) {
                    Some(age) if age >= 4 => views
                        .insufficient(
                            subject,
                            "reviews[].participation",
                            &format!(
                                "The review on {when} is coded PN0 (child under 4), but the date of birth makes the child {age} on that date; correct the participation code or the date of birth."
                            ),
                        )
                        .with_evidence("age_on_review", age),
                    _ => views.result(
                        Status::NotApplicable,
                        subject,
                        format!(
                            "The child was under 4 at the review on {when} (PN0), so no views were expected to be conveyed."
                        ),
                    ),
                },
                Some(Participation::PN7) => views.result(
                    Status::Breach,
                    subject,
                    format!(
                        "The child was absent from the review on {when} and their views were not conveyed (PN7); make sure the child's wishes and feelings reach the next review."
                    ),
                ),
                Some(code) => views.result(
                    Status::Met,
                    subject,
                    format!("The child's views were conveyed to the review on {when} (participation code {code:?})."),
                ),
            };
            let r = r.with_evidence("review_date", date);
            results.push(match day.participation {
                Some(code) => r.with_evidence("participation", format!("{code:?}")),
                None => r,
            });
        }

        // accompaniment-asked: reviews on or after accompaniment_from.
        let in_scope: Vec<&(NaiveDate, ReviewDay)> = held
            .iter()
            .filter(|(d, _)| *d >= s.accompaniment_from)
            .collect();
        if in_scope.is_empty() {
            results.push(
                accompaniment
                    .result(
                        Status::NotApplicable,
                        "record",
                        format!(
                            "No review dated from {} to {} is recorded, so there is no review to check.",
                            format_long(s.accompaniment_from),
                            format_long(eval)
                        ),
                    )
                    .with_evidence("accompaniment_from", s.accompaniment_from),
            );
        }
        for (date, day) in in_scope {
            let when = format_long(*date);
            let subject = format!("review {date}");
            let asked = day.accompaniment.map(|a| a.asked);
            if asked == Some(true) {
                results.push(
                    accompaniment
                        .result(
                            Status::Met,
                            subject,
                            format!(
                                "The child was asked who they wanted with them at the review on {when}."
                            ),
                        )
                        .with_evidence("review_date", date)
                        .with_evidence("asked", true),
                );
                continue;
            }
            let Some(dob) = dob else {
                results.push(
                    accompaniment
                        .insufficient(
                            subject,
                            "child.date_of_birth",
                            &format!(
                                "The child's date of birth is not recorded, so it cannot be told whether the child was old enough to be asked who they wanted with them at the review on {when}; add the date of birth."
                            ),
                        )
                        .with_evidence("review_date", date),
                );
                continue;
            };
            let age = dates::age_on(dob, *date);
            let r = if age < 4 {
                accompaniment.result(
                    Status::NotApplicable,
                    subject,
                    format!(
                        "The child was under 4 at the review on {when}, so was not expected to be asked who they wanted with them."
                    ),
                )
            } else if asked == Some(false) {
                accompaniment.result(
                    Status::Breach,
                    subject,
                    format!(
                        "The child was not asked who they wanted with them at the review on {when}; ask them before the next review and record their choice."
                    ),
                )
            } else {
                accompaniment.result(
                    Status::Breach,
                    subject,
                    format!(
                        "The review on {when} does not record whether the child was asked who they wanted with them; ask them before the next review and record their choice."
                    ),
                )
            };
            let mut r = r
                .with_evidence("review_date", date)
                .with_evidence("age_on_review", age);
            if let Some(asked) = asked {
                r = r.with_evidence("asked", asked);
            }
            if dob_approximate {
                r = r.with_evidence("date_of_birth_approximate", true);
            }
            results.push(r);
        }
        results
    }
}

fn participation_rank(p: Option<Participation>) -> u8 {
    match p {
        None => 0,
        Some(Participation::PN7) => 1,
        Some(Participation::PN0) => 2,
        Some(_) => 3,
    }
}

fn asked_rank(a: Option<&Accompaniment>) -> u8 {
    match a {
        None => 0,
        Some(a) if !a.asked => 1,
        Some(_) => 2,
    }
}

/// What one review date records, merged over its rows.
#[derive(Clone, Copy)]
struct ReviewDay<'a> {
    participation: Option<Participation>,
    accompaniment: Option<&'a Accompaniment>,
}

carecheck_sdk::export_policy!(ChildVoice);

#[cfg(test)]
mod tests;
