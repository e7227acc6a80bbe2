//! `child-voice`: the child's wishes and feelings reach every review (Children Act 1989 s25B;
//! DfE SSDA903 guidance).
//!
//! The rule: the IRO must ensure that any ascertained wishes and feelings of the child are given
//! due consideration (CA 1989 s25B); the SSDA903 return records, per review, how the child's views
//! were conveyed (codes PN0-PN7; PN0: child under 4; PN7: the child was absent and their views
//! were not conveyed) (`statutory-rules.md`, "Statutory reviews and the IRO").
//!
//! One check, `views-conveyed` (statutory, CA 1989 s25B; DfE SSDA903 guidance), one result per
//! review up to the evaluation date: PN1-PN6 `met`; PN7 `breach` (absent and views not
//! conveyed); no code `insufficient_data` naming `reviews[].participation`; PN0 (child under 4)
//! `not_applicable`.
//!
//! Who accompanies the young person (EWG 2017 rec 3) concerns mental-health assessments, not
//! reviews: `mental-health-access` checks it on each assessment. This policy no longer asks it
//! of every review.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - PN0 recorded for a child whose date of birth shows they were 4 or older on the review date is
//!   a data conflict: `insufficient_data` naming `reviews[].participation`, rather than taking
//!   either the code or the date of birth on trust.
//! - Several review rows on the same date are one review (as in the SDK's review schedule). The
//!   best evidence among them is used: a code conveying views before PN0, PN0 before PN7, PN7
//!   before no code.
//! - Each review is its own result; the latest review's is `current` (where things stand: did
//!   the child's views reach the last review?), earlier ones are history.
//! - A review dated after the evaluation date is a data error: one `insufficient_data` result
//!   naming `reviews[].date` (current, no due date) for all such rows, never evidence. One cause
//!   gives one result: when the only reviews are misdated, there is no "no review recorded"
//!   result besides. When there is no review at all, one `not_applicable` result (subject
//!   `record`).
//! - Provenance: the check needs the review dates and the participation codes
//!   (`reviews.dates`, `reviews.participation`; an SSDA903 return supplies both). When the
//!   record's sources did not supply them, one `insufficient_data` result naming the section.
//! - No deadline is involved, so results carry no `due`.

use carecheck_sdk::dates::{self};
use carecheck_sdk::record::{Participation, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::settings::Settings;
use carecheck_sdk::text;
use carecheck_sdk::text::{Iso, Long};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct ChildVoice;

/// Settings: none. The rule has no figure a local authority could tighten.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChildVoiceSettings {}

impl Settings for ChildVoiceSettings {}

fn checks() -> [CheckInfo; 1] {
    [CheckInfo::statutory(
        "views-conveyed",
        "The child's views were conveyed to each review",
        "CA 1989 s25B; DfE SSDA903 guidance",
    )]
}

impl Policy for ChildVoice {
    type Record = CareRecord;
    type Settings = ChildVoiceSettings;

    fn about() -> About {
        About {
            id: "child-voice",
            version: env!("CARGO_PKG_VERSION"),
            title: "The child's voice at reviews",
            description: "Checks that the child's views were conveyed to each review.",
            author: "carecheck",
            citations: &["CA 1989 s25B", "DfE SSDA903 guidance"],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/reviews/*/date",
                "/reviews/*/participation",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, _s: &ChildVoiceSettings) -> Vec<CheckResult> {
        let [views] = checks();
        let eval = ctx.evaluation_date;
        if let Some(section) =
            record.unsupplied(&[Section::ReviewDates, Section::ReviewParticipation])
        {
            return vec![views.not_supplied("record", record, section)];
        }
        let dob = record.child.date_of_birth;

        // One entry per review date: the best evidence recorded that day.
        let (held, future) = recurring::by_day(
            ctx,
            record.reviews.iter().map(|r| (r.date, r.participation)),
            participation_rank,
        );
        let mut results: Vec<CheckResult> =
            recurring::misdated(ctx, &views, "review", "A review", "reviews[].date", &future)
                .into_iter()
                .collect();
        if held.is_empty() && future.is_empty() {
            results.push(
                views
                    .result(
                        Status::NotApplicable,
                        "record",
                        text![
                            "No review up to ",
                            Long(eval),
                            " is recorded, so there is no review to check."
                        ],
                    )
                    .with_current(true),
            );
        }
        let latest = held.last().map(|(d, _)| *d);
        for (date, participation) in held {
            let when = Long(date);
            let subject = text!["review ", Iso(date)];
            let r = match participation {
                None => views.insufficient(
                    subject,
                    "reviews[].participation",
                    text![
                        "The review on ",
                        &when,
                        " does not record how the child's views were conveyed; add the participation code (PN0-PN7).",
                    ],
                ),
                Some(Participation::PN0) => match dob.map(|dob| dates::age_on(dob, date)) {
                    Some(age) if age >= 4 => views
                        .insufficient(
                            subject,
                            "reviews[].participation",
                            text![
                                "The review on ",
                                &when,
                                " is coded PN0 (child under 4), but the date of birth makes the child ",
                                &age,
                                " on that date; correct the participation code or the date of birth.",
                            ],
                        )
                        .with_evidence("age_on_review", age),
                    _ => views.result(
                        Status::NotApplicable,
                        subject,
                        text![
                            "The child was under 4 at the review on ",
                            &when,
                            " (PN0), so no views were expected to be conveyed.",
                        ],
                    ),
                },
                Some(Participation::PN7) => views.result(
                    Status::Breach,
                    subject,
                    text![
                        "The child was absent from the review on ",
                        &when,
                        " and their views were not conveyed (PN7); make sure the child's wishes and feelings reach the next review.",
                    ],
                ),
                Some(code) => views.result(
                    Status::Met,
                    subject,
                    text![
                        "The child's views were conveyed to the review on ",
                        when,
                        " (participation code ",
                        code.code(),
                        ").",
                    ],
                ),
            };
            let r = r
                .with_evidence("review_date", date)
                .with_current(Some(date) == latest);
            results.push(match participation {
                Some(code) => r.with_evidence("participation", code.code()),
                None => r,
            });
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

carecheck_sdk::export_policy!(ChildVoice);

#[cfg(test)]
mod tests;
