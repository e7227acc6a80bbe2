//! `mental-health-access`: no looked-after child waits for a mental-health service, and a move
//! must never make the wait longer.
//!
//! The rule: "a child should never be refused a mental health service because the placement is
//! short-term or unplanned" (statutory guidance "Promoting the health and well-being of
//! looked-after children", 2015), and no looked-after child should wait for services because of a
//! move (House of Commons Education Committee, "Mental health and well-being of looked-after
//! children", April 2016, para 84). The reference sets the default as a seed recommendation: flag
//! a mental-health referral still not seen 28 days after it was made.
//!
//! One check, `referral-seen` (guidance), with one result per referral in
//! `health.mental_health_referrals`:
//! - the first appointment is due `wait_days` calendar days after the referral date (default 28;
//!   a local authority may shorten it, never lengthen it). Seen on or before that day: `met`;
//!   seen after it: `breach` (with the days late); not yet seen and the day has passed: `breach`;
//!   not yet seen and the day is within the look-ahead window: `due_soon`, otherwise `upcoming`.
//! - "made worse by a move": when a placement started after the referral date and on or before
//!   the first-seen date (or, while the child is still waiting, the evaluation date), the result
//!   carries `moved_while_waiting` = that placement's id and `moved_on` = its start, and the
//!   message says so. It is the same check, not a separate breach.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - The wait is counted in calendar days, not working days: the reference's figure is "28 days",
//!   and a child's wait does not pause for bank holidays. The deadline is the referral date plus
//!   `wait_days` (referred 3 Mar, due 31 Mar); the referral day itself does not count.
//! - The clock runs from the referral date, not the date the service accepted the referral: a
//!   service that sits on a referral before accepting it is part of the wait the child experiences.
//!   The `accepted` field is therefore not read.
//! - A move on the referral day itself is not "while waiting": the referral may have been made
//!   because of, or after, that move. A move after the child was first seen did not delay the
//!   appointment and is not reported. Only moves already made by the evaluation date count. When
//!   the child moved more than once while waiting, the first move is named and
//!   `moves_while_waiting` gives the count.
//! - A late appointment stays a `breach` for that referral: the record shows the child waited
//!   longer than they should have. Each referral is judged on its own.
//! - A referral dated after the evaluation date, a first-seen date after the evaluation date, or
//!   a first-seen date before the referral date are data errors: `insufficient_data` naming the
//!   field, never evidence either way.
//! - A record with no referral gives one `not_applicable` result, so a checklist shows the check
//!   was considered.

use carecheck_sdk::dates::{format_long, plural};
use carecheck_sdk::outcome::{Timing, describe};
use carecheck_sdk::record::{MentalHealthReferral, Placement};
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use chrono::Days;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct MentalHealthAccess;

/// The reference's figure: a referral still unseen after 28 days is flagged.
pub const WAIT_DAYS: u32 = 28;

/// Settings. A local authority may shorten the wait, never lengthen it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccessSettings {
    /// Calendar days after a mental-health referral by which the child must have been seen
    /// (HC 2016 para 84 and the seed recommendation: 28).
    pub wait_days: u32,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self {
            wait_days: WAIT_DAYS,
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
        Ok(())
    }
}

fn checks() -> [CheckInfo; 1] {
    [CheckInfo::guidance(
        "referral-seen",
        "Mental-health referral seen within 28 days, whatever the placement",
        "HC 2016 para 84; Promoting the health and well-being of looked-after children (2015)",
    )]
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
                          within 28 days, and says when a placement move came while the child \
                          was waiting.",
            author: "carecheck",
            citations: &[
                "HC 2016 para 84",
                "Promoting the health and well-being of looked-after children (statutory guidance, 2015)",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/health/mental_health_referrals/*/id",
                "/health/mental_health_referrals/*/service",
                "/health/mental_health_referrals/*/referred",
                "/health/mental_health_referrals/*/first_seen",
                "/placements/*/id",
                "/placements/*/start",
            ],
            effective_from: NaiveDate::from_ymd_opt(2015, 3, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &AccessSettings) -> Vec<CheckResult> {
        let [seen] = checks();
        let referrals = &record.health.mental_health_referrals;
        if referrals.is_empty() {
            return vec![seen.result(
                Status::NotApplicable,
                "record",
                "No mental-health referral is recorded for the child, so there is no wait to check.",
            )];
        }
        referrals
            .iter()
            .map(|r| referral_result(ctx, &seen, r, &record.placements, s))
            .collect()
    }
}

fn referral_label(r: &MentalHealthReferral) -> String {
    if r.service.trim().is_empty() {
        format!("referral {}", r.id)
    } else {
        format!("referral {} to {}", r.id, r.service.trim())
    }
}

fn referral_result(
    ctx: &Context,
    info: &CheckInfo,
    r: &MentalHealthReferral,
    placements: &[Placement],
    s: &AccessSettings,
) -> CheckResult {
    let subject = format!("referral {}", r.id);
    let label = referral_label(r);
    if ctx.is_future(r.referred) {
        return info
            .insufficient(
                subject,
                "health.mental_health_referrals[].referred",
                &format!(
                    "The {label} is dated {}, after the evaluation date {}; correct the referral date so the wait can be checked.",
                    format_long(r.referred),
                    format_long(ctx.evaluation_date)
                ),
            )
            .with_evidence("referred", r.referred);
    }
    match r.first_seen {
        Some(seen) if ctx.is_future(seen) => {
            return info
                .insufficient(
                    subject,
                    "health.mental_health_referrals[].first_seen",
                    &format!(
                        "The {label} records a first appointment on {}, after the evaluation date {}; correct the date so the wait can be checked.",
                        format_long(seen),
                        format_long(ctx.evaluation_date)
                    ),
                )
                .with_evidence("first_seen", seen);
        }
        Some(seen) if seen < r.referred => {
            return info
                .insufficient(
                    subject,
                    "health.mental_health_referrals[].first_seen",
                    &format!(
                        "The {label} records a first appointment on {}, before the referral was made on {}; correct the dates so the wait can be checked.",
                        format_long(seen),
                        format_long(r.referred)
                    ),
                )
                .with_evidence("first_seen", seen);
        }
        _ => {}
    }
    let due = r
        .referred
        .checked_add_days(Days::new(u64::from(s.wait_days)))
        .unwrap_or(NaiveDate::MAX);
    let timing = ctx.timing(due, r.first_seen);
    let what = format!(
        "First appointment for {label} (referred {})",
        format_long(r.referred)
    );
    let mut message = describe(&what, "held", due, timing);

    // Moves after the referral day, up to the first appointment (or today while still waiting).
    let window_end = r.first_seen.unwrap_or(ctx.evaluation_date);
    let mut moves: Vec<&Placement> = placements
        .iter()
        .filter(|p| p.start > r.referred && p.start <= window_end)
        .collect();
    moves.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    if let Some(first) = moves.first() {
        let moved = format!("placement {} on {}", first.id, format_long(first.start));
        let clause = match timing {
            Timing::OnTime { .. } => {
                format!("; the child was seen in time despite a move to {moved}.")
            }
            Timing::DueSoon { .. } | Timing::NotYetDue { .. } => format!(
                "; the child moved to {moved} while waiting, so make sure the referral has followed them."
            ),
            Timing::Late { .. } | Timing::Overdue { .. } => {
                format!("; the wait was made worse by a move to {moved}.")
            }
        };
        if message.ends_with('.') {
            message.pop();
        }
        message.push_str(&clause);
    }

    let mut result = info
        .result(timing.status(), subject, message)
        .with_due(due)
        .with_evidence("referred", r.referred)
        .with_evidence("service", r.service.trim());
    if let Some(seen) = r.first_seen {
        result = result.with_evidence("first_seen", seen);
    }
    match timing {
        Timing::Late { days_late, .. } => {
            result = result.with_evidence("late_by", plural(days_late, "day"));
        }
        Timing::Overdue { days_overdue } => {
            result = result.with_evidence("overdue_by", plural(days_overdue, "day"));
        }
        _ => {}
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

carecheck_sdk::export_policy!(MentalHealthAccess);

#[cfg(test)]
mod tests;
