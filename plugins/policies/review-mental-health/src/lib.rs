//! `review-mental-health`: every statutory review considers the child's mental health
//! (EWG 2017 recommendation 11).
//!
//! The rule: "each statutory review must include a review of whether the child's mental health
//! needs have been met" (expert working group on the mental health of looked-after children,
//! SCIE, November 2017, recommendation 11; `statutory-rules.md`, "Statutory reviews and the IRO").
//! Both checks are guidance: the working group's recommendations are not regulations.
//!
//! Checks, one result each per review dated on or after the setting `from`:
//! - `mental-health-reviewed` (guidance, EWG 2017 rec 11): the review records a mental-health item
//!   (`reviews[].mental_health`) with an outcome. Needs met, partly met or not met: `met`. No item,
//!   or the outcome `not-discussed`: `breach`.
//! - `mental-health-actions` (guidance, EWG 2017 rec 11): where the outcome is `not-met` or
//!   `partly-met`, at least one action is recorded: `met`; none: `breach`. Where the needs were met
//!   or no outcome was recorded, `not_applicable` with the reason (the missing outcome is already a
//!   breach of `mental-health-reviewed`).
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - `from` defaults to 1 Jan 2018, the first full year after the November 2017 recommendations:
//!   reviews before it were held before anyone could be expected to follow them. A local authority
//!   may bring it earlier (check more reviews), never later; a later date is rejected.
//! - Reviews before `from` get no result; when no review falls on or after `from` (up to the
//!   evaluation date), each check gives one `not_applicable` result (subject `record`).
//! - Several review rows on the same date are one review (as in the SDK's review schedule); the
//!   most complete mental-health item among them is the one checked (an item with an outcome and
//!   actions, before one with an outcome only, before `not-discussed`, before none).
//! - An action is a non-blank sentence; blank strings do not count.
//! - Each review is its own result for each check; the latest review's are `current` (where
//!   things stand: did the last review consider the child's mental health?), earlier ones are
//!   history.
//! - Reviews dated after the evaluation date are a data error: one `insufficient_data` result on
//!   `mental-health-reviewed` naming `reviews[].date` (current), and they are not checked. One
//!   cause gives one result: when the only reviews are misdated, there is no "no review to
//!   check" result besides.
//! - Provenance: both checks need the review dates and the mental-health item
//!   (`reviews.dates`, `reviews.mental_health`). An SSDA903 return supplies the dates but not the
//!   item, so an SSDA903-only record gives one `insufficient_data` per check naming
//!   `reviews.mental_health`, never a breach: not recorded is not did-not-happen.
//! - No deadline is involved, so results carry no `due`, data errors included.

use carecheck_sdk::record::{MentalHealthItem, MentalHealthOutcome, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::settings::{Settings, reviews_from_at_latest};
use carecheck_sdk::text::{Iso, Long, Plural};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status, text,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct ReviewMentalHealth;

/// The recommendation both checks and the `from` bound rest on.
const CITATION: &str = "EWG 2017 rec 11";

/// The default `from`: 1 Jan 2018, the first full year after the November 2017 recommendations.
pub fn default_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).expect("valid date")
}

/// Settings. A local authority may check reviews from an earlier date, never a later one.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MentalHealthSettings {
    /// Reviews on or after this date must include the mental-health item (default 2018-01-01,
    /// the first full year after the EWG's November 2017 recommendations).
    pub from: NaiveDate,
}

impl Default for MentalHealthSettings {
    fn default() -> Self {
        Self {
            from: default_from(),
        }
    }
}

impl Settings for MentalHealthSettings {
    fn check(&self) -> Result<(), String> {
        reviews_from_at_latest("from", self.from, default_from(), CITATION)
    }
}

fn checks() -> [CheckInfo; 2] {
    [
        CheckInfo::guidance(
            "mental-health-reviewed",
            "Each review considers whether the child's mental health needs have been met",
            CITATION,
        ),
        CheckInfo::guidance(
            "mental-health-actions",
            "Actions agreed where mental health needs are not met or partly met",
            CITATION,
        ),
    ]
}

impl Policy for ReviewMentalHealth {
    type Record = CareRecord;
    type Settings = MentalHealthSettings;

    fn about() -> About {
        About {
            id: "review-mental-health",
            version: env!("CARGO_PKG_VERSION"),
            title: "Mental health at every review",
            description: "Checks that every statutory review records whether the child's mental \
                          health needs have been met, and actions where they have not.",
            author: "carecheck",
            citations: &[CITATION],
            checks: checks().to_vec(),
            reads: &[
                "/reviews/*/date",
                "/reviews/*/mental_health/outcome",
                "/reviews/*/mental_health/actions",
                "/provenance",
            ],
            effective_from: default_from(),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &MentalHealthSettings) -> Vec<CheckResult> {
        let [reviewed, actions] = checks();
        let eval = ctx.evaluation_date;
        if let Some(section) =
            record.unsupplied(&[Section::ReviewDates, Section::ReviewMentalHealth])
        {
            return [&reviewed, &actions]
                .map(|c| c.not_supplied("record", record, section))
                .to_vec();
        }
        let mut results = Vec::new();

        // One entry per review date: the most complete item recorded that day.
        let (held, future) = recurring::by_day(
            ctx,
            record
                .reviews
                .iter()
                .map(|r| (r.date, r.mental_health.as_ref())),
            completeness,
        );
        results.extend(recurring::misdated(
            ctx,
            &reviewed,
            "review",
            "A review",
            "reviews[].date",
            &future,
        ));
        let in_scope: Vec<(NaiveDate, Option<&MentalHealthItem>)> =
            held.into_iter().filter(|(d, _)| *d >= s.from).collect();

        if in_scope.is_empty() && future.is_empty() {
            let why = text![
                "No review dated from ",
                Long(s.from),
                " to ",
                Long(eval),
                " is recorded, so there is no review to check.",
            ];
            for info in [&reviewed, &actions] {
                results.push(
                    info.result(Status::NotApplicable, "record", why.clone())
                        .with_evidence("from", s.from)
                        .with_current(true),
                );
            }
            return results;
        }

        let latest = in_scope.last().map(|(d, _)| *d);
        for (date, item) in in_scope {
            let when = Long(date);
            let subject = text!["review ", Iso(date)];
            let with_item = |r: CheckResult| -> CheckResult {
                let r = r
                    .with_evidence("review_date", date)
                    .with_current(Some(date) == latest);
                match item {
                    Some(i) => r.with_evidence("outcome", i.outcome.label()).with_evidence(
                        "actions",
                        i.actions.iter().filter(|a| !a.trim().is_empty()).count(),
                    ),
                    None => r,
                }
            };

            let r = match item {
                None => reviewed.result(
                    Status::Breach,
                    subject.clone(),
                    text![
                        "The review on ",
                        when,
                        " has no mental-health item; record whether the child's mental health needs have been met.",
                    ],
                ),
                Some(i) if i.outcome == MentalHealthOutcome::NotDiscussed => reviewed.result(
                    Status::Breach,
                    subject.clone(),
                    text![
                        "The child's mental health was not discussed at the review on ",
                        when,
                        "; every review must consider whether the child's mental health needs have been met.",
                    ],
                ),
                Some(i) => reviewed.result(
                    Status::Met,
                    subject.clone(),
                    text![
                        "The review on ",
                        when,
                        " considered the child's mental health and recorded '",
                        i.outcome.label(),
                        "'.",
                    ],
                ),
            };
            results.push(with_item(r));

            let r = match item {
                None => actions.result(
                    Status::NotApplicable,
                    subject,
                    text![
                        "The review on ",
                        when,
                        " recorded no mental-health outcome, so there are no actions to check (see the mental-health-reviewed result).",
                    ],
                ),
                Some(i) => match i.outcome {
                    MentalHealthOutcome::NotDiscussed => actions.result(
                        Status::NotApplicable,
                        subject,
                        text![
                        "The child's mental health was not discussed at the review on ",
                        when,
                        ", so there are no actions to check (see the mental-health-reviewed result).",
                    ],
                    ),
                    MentalHealthOutcome::NeedsMet => actions.result(
                        Status::NotApplicable,
                        subject,
                        text![
                        "The review on ",
                        when,
                        " found the child's mental health needs met, so no actions were required.",
                    ],
                    ),
                    MentalHealthOutcome::PartlyMet | MentalHealthOutcome::NotMet => {
                        let count = i.actions.iter().filter(|a| !a.trim().is_empty()).count();
                        if count > 0 {
                            actions.result(
                                Status::Met,
                                subject,
                                text![
                        "The review on ",
                        when,
                        " recorded '",
                        i.outcome.label(),
                        "' and agreed ",
                        Plural(i64::try_from(count).unwrap_or(i64::MAX), "action"),
                        ".",
                    ],
                            )
                        } else {
                            actions.result(
                                Status::Breach,
                                subject,
                                text![
                        "The review on ",
                        when,
                        " recorded '",
                        i.outcome.label(),
                        "' but no actions; agree and record what will be done to meet the child's mental health needs.",
                    ],
                            )
                        }
                    }
                },
            };
            results.push(with_item(r));
        }
        results
    }
}

fn has_actions(item: &MentalHealthItem) -> bool {
    item.actions.iter().any(|a| !a.trim().is_empty())
}

/// How complete an item is, for choosing among rows of the same review.
fn completeness(item: Option<&MentalHealthItem>) -> u8 {
    match item {
        None => 0,
        Some(i) if i.outcome == MentalHealthOutcome::NotDiscussed => 1,
        Some(i) if !has_actions(i) => 2,
        Some(_) => 3,
    }
}

carecheck_sdk::export_policy!(ReviewMentalHealth);

#[cfg(test)]
mod tests;
