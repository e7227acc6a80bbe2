//! `mental-health-access`: no looked-after child waits for a mental-health service, a move must
//! never make the wait longer, and the young person says who they want with them at a
//! mental-health assessment.
//!
//! The rules: "a child should never be refused a mental health service because the placement is
//! short-term or unplanned" (statutory guidance "Promoting the health and well-being of
//! looked-after children", 2015), and no looked-after child should wait for services because of a
//! move (House of Commons Education Committee, "Mental health and well-being of looked-after
//! children", April 2016, para 84). The law fixes no waiting time: the reference sets a local
//! default, flag a mental-health referral still not seen 28 days after it was made. And the
//! young person may say who they want with them at mental health assessments, which is recorded
//! (EWG 2017 rec 3; the reference: "it concerns assessments, not reviews").
//!
//! `referral-seen` (basis `local`), one result per referral in
//! `health.mental_health_referrals`:
//! - the first appointment is expected `wait_days` calendar days after the referral date (default
//!   28; a local authority may shorten it, never lengthen it). Seen on or before that day: `met`;
//!   seen after it, or not yet seen once the day has passed: `warning` (a local timescale passed
//!   is not a missed statutory deadline); not yet seen and the day is within the look-ahead
//!   window: `due_soon`, otherwise `upcoming`. Every message says "local timescale: 28 days" and
//!   speaks of what is expected, never of a deadline.
//! - "made worse by a move": when a placement started after the referral date and on or before
//!   the first-seen date (or, while the child is still waiting, the evaluation date), the result
//!   carries `moved_while_waiting` = that placement's id and `moved_on` = its start, and the
//!   message says so. It is the same check, not a separate result.
//!
//! `assessment-accompaniment` (guidance, EWG 2017 rec 3), one result per mental-health
//! assessment (`health.mental_health_assessments`) dated on or after the setting
//! `accompaniment_from` (default 2018-01-01): `accompaniment.asked` true `met`; false or not
//! recorded `breach`; a child under 4 on the assessment date `not_applicable` (this needs
//! `child.date_of_birth`; without it, and without a record that the young person was asked, the
//! result is `insufficient_data` naming it).
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - The wait is counted in calendar days, not working days: the reference's figure is "28 days",
//!   and a child's wait does not pause for bank holidays. The expected date is the referral date
//!   plus `wait_days` (referred 3 Mar, expected by 31 Mar); the referral day itself does not count.
//! - The clock runs from the referral date, not the date the service accepted the referral: a
//!   service that sits on a referral before accepting it is part of the wait the child experiences.
//!   The `accepted` field is therefore not read.
//! - A move on the referral day itself is not "while waiting": the referral may have been made
//!   because of, or after, that move. A move after the child was first seen did not delay the
//!   appointment and is not reported. Only moves already made by the evaluation date count. When
//!   the child moved more than once while waiting, the first move is named and
//!   `moves_while_waiting` gives the count.
//! - A late appointment stays a `warning` for that referral: the record shows the child waited
//!   longer than the local timescale. Each referral is judged on its own.
//! - `current`: a referral still waiting (and any data error) is current; a referral whose child
//!   has been seen is history. For accompaniment, the latest assessment's result is current.
//! - A referral dated after the evaluation date, a first-seen date after the evaluation date, or
//!   a first-seen date before the referral date are data errors: `insufficient_data` naming the
//!   field, never evidence either way. Mental-health assessments dated after the evaluation date
//!   are one data error on `assessment-accompaniment` (this policy reports misdated referrals and
//!   assessments; `sdq` only leaves them out). Data errors carry no due date.
//! - `accompaniment_from` defaults to 1 Jan 2018, the first full year after the November 2017
//!   recommendations; a local authority may bring it earlier, never later. Several assessment
//!   rows on the same date are one assessment, asked before not asked before nothing recorded.
//!   A young person recorded as asked is `met` whatever their age; the under-4 test uses the date
//!   of birth, and an approximate one is used as given and flagged in the evidence.
//! - A record with no referral, or no assessment in scope, gives one `not_applicable` result
//!   per check (subject `record`), so a checklist shows the check was considered.
//! - Provenance: `referral-seen` needs the referrals (`health.mental_health_referrals`) supplied,
//!   `assessment-accompaniment` the assessments (`health.mental_health_assessments`); without
//!   them, one `insufficient_data` per check, never a breach. Without the placements
//!   (`placements.dates`) the wait is still judged, but moves cannot be told: the evidence says
//!   `moves_not_supplied`.

use carecheck_sdk::dates::{self, plural};
use carecheck_sdk::outcome::{Timing, describe_local, timescale};
use carecheck_sdk::record::{Accompaniment, MentalHealthReferral, Placement, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::settings::{Settings, at_most, from_at_latest};
use carecheck_sdk::text;
use carecheck_sdk::text::{Iso, Long};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use chrono::Days;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct MentalHealthAccess;

/// The reference's local default: a referral still unseen after 28 days is flagged.
pub const WAIT_DAYS: u32 = 28;

/// The default `accompaniment_from`: 1 Jan 2018, the first full year after EWG 2017.
pub fn default_accompaniment_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).expect("valid date")
}

/// Settings. A local authority may shorten the wait and check assessments from an earlier date,
/// never the reverse.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccessSettings {
    /// Calendar days after a mental-health referral by which the child is expected to have been
    /// seen (a local timescale: HC 2016 para 84 and the seed recommendation, default 28).
    pub wait_days: u32,
    /// Mental-health assessments on or after this date must record whether the young person was
    /// asked who they wanted with them (default 2018-01-01, the first full year after the EWG's
    /// November 2017 recommendations).
    pub accompaniment_from: NaiveDate,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self {
            wait_days: WAIT_DAYS,
            accompaniment_from: default_accompaniment_from(),
        }
    }
}

impl Settings for AccessSettings {
    fn check(&self) -> Result<(), String> {
        at_most(
            "wait_days",
            self.wait_days,
            WAIT_DAYS,
            "HC 2016 para 84 (28-day seed recommendation)",
        )?;
        if self.wait_days == 0 {
            return Err("setting `wait_days` must be at least 1".into());
        }
        from_at_latest(
            "accompaniment_from",
            self.accompaniment_from,
            default_accompaniment_from(),
            "EWG 2017 rec 3",
            "mental-health assessments",
        )
    }
}

fn checks() -> [CheckInfo; 2] {
    [
        CheckInfo::local(
            "referral-seen",
            "Mental-health referral seen within the local timescale (default 28 days), whatever the placement",
            "HC 2016 para 84; Promoting the health and well-being of looked-after children (2015)",
        ),
        CheckInfo::guidance(
            "assessment-accompaniment",
            "The young person was asked who they wanted with them at each mental-health assessment",
            "EWG 2017 rec 3",
        ),
    ]
}

impl Policy for MentalHealthAccess {
    type Record = CareRecord;
    type Settings = AccessSettings;

    fn about() -> About {
        About {
            id: "mental-health-access",
            version: env!("CARGO_PKG_VERSION"),
            title: "No wait for mental-health services",
            description: "Checks that every mental-health referral led to a first appointment \
                          within the local timescale (28 days by default), says when a placement \
                          move came while the child was waiting, and that the young person was \
                          asked who they wanted with them at each mental-health assessment.",
            author: "carecheck",
            citations: &[
                "HC 2016 para 84",
                "Promoting the health and well-being of looked-after children (statutory guidance, 2015)",
                "EWG 2017 rec 3",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/child/date_of_birth_approximate",
                "/health/mental_health_referrals/*/id",
                "/health/mental_health_referrals/*/service",
                "/health/mental_health_referrals/*/referred",
                "/health/mental_health_referrals/*/first_seen",
                "/health/mental_health_assessments/*/date",
                "/health/mental_health_assessments/*/accompaniment/asked",
                "/placements/*/id",
                "/placements/*/start",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2015, 3, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &AccessSettings) -> Vec<CheckResult> {
        let [seen, accompaniment] = checks();
        let mut results = referrals(ctx, &seen, record, s);
        results.extend(assessments(ctx, &accompaniment, record, s));
        results
    }
}

fn referrals(
    ctx: &Context,
    info: &CheckInfo,
    record: &CareRecord,
    s: &AccessSettings,
) -> Vec<CheckResult> {
    if !record.supplied(Section::MentalHealthReferrals) {
        return vec![info.not_supplied("record", record, Section::MentalHealthReferrals)];
    }
    let referrals = &record.health.mental_health_referrals;
    if referrals.is_empty() {
        return vec![
            info.result(
                Status::NotApplicable,
                "record",
                "No mental-health referral is recorded for the child, so there is no wait to check.",
            )
            .with_current(true),
        ];
    }
    let placements = record
        .supplied(Section::PlacementDates)
        .then_some(record.placements.as_slice());
    referrals
        .iter()
        .map(|r| referral_result(ctx, info, r, placements, s))
        .collect()
}

fn referral_label(r: &MentalHealthReferral) -> String {
    if r.service.trim().is_empty() {
        text!["referral ", &r.id]
    } else {
        text!["referral ", &r.id, " to ", r.service.trim()]
    }
}

fn referral_result(
    ctx: &Context,
    info: &CheckInfo,
    r: &MentalHealthReferral,
    placements: Option<&[Placement]>,
    s: &AccessSettings,
) -> CheckResult {
    let subject = text!["referral ", &r.id];
    let label = referral_label(r);
    let data_error = |field: &str, message: String, date: NaiveDate, key: &'static str| {
        info.insufficient(subject.clone(), field, &message)
            .with_evidence(key, date)
            .with_current(true)
    };
    if ctx.is_future(r.referred) {
        return data_error(
            "health.mental_health_referrals[].referred",
            text![
                "The ",
                &label,
                " is dated ",
                Long(r.referred),
                ", after the evaluation date ",
                Long(ctx.evaluation_date),
                "; correct the referral date so the wait can be checked."
            ],
            r.referred,
            "referred",
        );
    }
    match r.first_seen {
        Some(seen) if ctx.is_future(seen) => {
            return data_error(
                "health.mental_health_referrals[].first_seen",
                text![
                    "The ",
                    &label,
                    " records a first appointment on ",
                    Long(seen),
                    ", after the evaluation date ",
                    Long(ctx.evaluation_date),
                    "; correct the date so the wait can be checked."
                ],
                seen,
                "first_seen",
            );
        }
        Some(seen) if seen < r.referred => {
            return data_error(
                "health.mental_health_referrals[].first_seen",
                text![
                    "The ",
                    &label,
                    " records a first appointment on ",
                    Long(seen),
                    ", before the referral was made on ",
                    Long(r.referred),
                    "; correct the dates so the wait can be checked."
                ],
                seen,
                "first_seen",
            );
        }
        _ => {}
    }
    let due = r
        .referred
        .checked_add_days(Days::new(u64::from(s.wait_days)))
        .unwrap_or(NaiveDate::MAX);
    let timing = ctx.timing(due, r.first_seen);
    let what = text![
        "First appointment for ",
        &label,
        " (referred ",
        Long(r.referred),
        ")"
    ];
    let mut message = describe_local(&what, "held", due, timing, &timescale(s.wait_days, "day"));

    // Moves after the referral day, up to the first appointment (or today while still waiting).
    let window_end = r.first_seen.unwrap_or(ctx.evaluation_date);
    let mut moves: Vec<&Placement> = placements
        .unwrap_or_default()
        .iter()
        .filter(|p| p.start > r.referred && p.start <= window_end)
        .collect();
    moves.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    if let Some(first) = moves.first() {
        let moved = text!["placement ", &first.id, " on ", Long(first.start)];
        let clause = match timing {
            Timing::OnTime { .. } => {
                text![
                    " The child was seen in time despite a move to ",
                    &moved,
                    "."
                ]
            }
            Timing::DueSoon { .. } | Timing::NotYetDue { .. } => text![
                " The child moved to ",
                &moved,
                " while waiting, so make sure the referral has followed them."
            ],
            Timing::Late { .. } | Timing::Overdue { .. } => {
                text![" The wait was made worse by a move to ", &moved, "."]
            }
        };
        message.push_str(&clause);
    }

    let mut result = info
        .timed(subject, due, timing, message)
        .with_evidence("referred", r.referred)
        .with_evidence("service", r.service.trim())
        .with_current(r.first_seen.is_none());
    if let Some(seen) = r.first_seen {
        result = result.with_evidence("first_seen", seen);
    }
    match timing {
        Timing::Late { days_late, .. } => {
            result = result.with_evidence("late_by", plural(days_late, "day"));
        }
        Timing::Overdue { days_overdue } => {
            result =
                result.with_evidence("waiting_beyond_timescale_by", plural(days_overdue, "day"));
        }
        _ => {}
    }
    if placements.is_none() {
        result = result.with_evidence("moves_not_supplied", Section::PlacementDates.as_str());
    }
    if let Some(first) = moves.first() {
        result = result
            .with_evidence("moved_while_waiting", &first.id)
            .with_evidence("moved_on", first.start);
        if moves.len() > 1 {
            result = result.with_evidence("moves_while_waiting", moves.len());
        }
    }
    result
}

/// `assessment-accompaniment`: one result per assessment from `accompaniment_from`.
fn assessments(
    ctx: &Context,
    info: &CheckInfo,
    record: &CareRecord,
    s: &AccessSettings,
) -> Vec<CheckResult> {
    if !record.supplied(Section::MentalHealthAssessments) {
        return vec![info.not_supplied("record", record, Section::MentalHealthAssessments)];
    }
    let eval = ctx.evaluation_date;
    // One entry per assessment date: the best record of whether the young person was asked.
    let (held, future) = recurring::by_day(
        ctx,
        record
            .health
            .mental_health_assessments
            .iter()
            .map(|a| (a.date, a.accompaniment.as_ref())),
        asked_rank,
    );
    let mut results: Vec<CheckResult> = recurring::misdated(
        ctx,
        info,
        "mental-health assessment",
        "A mental-health assessment",
        "health.mental_health_assessments[].date",
        &future,
    )
    .into_iter()
    .collect();
    let in_scope: Vec<(NaiveDate, Option<&Accompaniment>)> = held
        .into_iter()
        .filter(|(d, _)| *d >= s.accompaniment_from)
        .collect();
    if in_scope.is_empty() && future.is_empty() {
        results.push(
            info.result(
                Status::NotApplicable,
                "record",
                text![
                    "No mental-health assessment dated from ",
                    Long(s.accompaniment_from),
                    " to ",
                    Long(eval),
                    " is recorded, so there is no assessment to check."
                ],
            )
            .with_evidence("accompaniment_from", s.accompaniment_from)
            .with_current(true),
        );
    }
    let latest = in_scope.last().map(|(d, _)| *d);
    let dob = record.child.date_of_birth;
    for (date, accompaniment) in in_scope {
        let when = Long(date);
        let subject = text!["mental-health assessment ", Iso(date)];
        let asked = accompaniment.map(|a| a.asked);
        let r = match (asked, dob) {
            (Some(true), _) => info
                .result(
                    Status::Met,
                    subject,
                    text![
                        "The young person was asked who they wanted with them at the mental-health assessment on ",
                        &when,
                        ".",
                    ],
                )
                .with_evidence("asked", true),
            (_, None) => info.insufficient(
                subject,
                "child.date_of_birth",
                text![
                    "The child's date of birth is not recorded, so it cannot be told whether the child was old enough to be asked who they wanted with them at the mental-health assessment on ",
                    &when,
                    "; add the date of birth.",
                ],
            ),
            (asked, Some(dob)) => {
                let age = dates::age_on(dob, date);
                let r = if age < 4 {
                    info.result(
                        Status::NotApplicable,
                        subject,
                        text![
                            "The child was under 4 at the mental-health assessment on ",
                            &when,
                            ", so was not expected to be asked who they wanted with them.",
                        ],
                    )
                } else if asked == Some(false) {
                    info.result(
                        Status::Breach,
                        subject,
                        text![
                            "The young person was not asked who they wanted with them at the mental-health assessment on ",
                            &when,
                            "; ask them before the next assessment and record their choice.",
                        ],
                    )
                } else {
                    info.result(
                        Status::Breach,
                        subject,
                        text![
                            "The mental-health assessment on ",
                            &when,
                            " does not record whether the young person was asked who they wanted with them; ask them before the next assessment and record their choice.",
                        ],
                    )
                };
                let mut r = r.with_evidence("age_on_assessment", age);
                if let Some(asked) = asked {
                    r = r.with_evidence("asked", asked);
                }
                if record.child.date_of_birth_approximate {
                    r = r.with_evidence("date_of_birth_approximate", true);
                }
                r
            }
        };
        results.push(
            r.with_evidence("assessment_date", date)
                .with_current(Some(date) == latest),
        );
    }
    results
}

fn asked_rank(a: Option<&Accompaniment>) -> u8 {
    match a {
        None => 0,
        Some(a) if !a.asked => 1,
        Some(_) => 2,
    }
}

carecheck_sdk::export_policy!(MentalHealthAccess);

#[cfg(test)]
mod tests;
