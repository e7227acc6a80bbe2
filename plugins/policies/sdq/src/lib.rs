//! `sdq`: the Strengths and Difficulties Questionnaire every year, and what follows a worrying
//! score (2015 statutory guidance "Promoting the health and well-being of looked-after children";
//! DfE SSDA903 guidance, OC2 return; EWG 2017 recommendation 2).
//!
//! The rule (`statutory-rules.md`, "Health and mental health"): an SDQ completed by the main carer
//! at least yearly for children aged 4 to 16 looked after for 12 months or more; carer-version
//! total difficulties bands 0-13 close to average, 14-16 borderline, 17-40 high; the SDQ should be
//! supported by broader measures that can trigger a comprehensive mental-health assessment, and a
//! high score must lead to one (timescale a local setting, default 28 days).
//!
//! Checks (all guidance):
//! - `sdq-annual` (2015 statutory guidance; SSDA903 OC2): for a child aged 4 to 16 inclusive
//!   (`age_on` the evaluation date) whose current period of care started 12 months or more before
//!   the evaluation date (period start + 12 months by `add_months` on or before it), the next SDQ
//!   is due 12 months after the latest scored SDQ of the period, or 12 months after the period
//!   started if there is none; the status is [`Context::timing`] with nothing held yet
//!   (`upcoming` while not yet due, `due_soon`, `breach` once overdue). Other children get one
//!   `not_applicable` result saying why; a missing date of birth is `insufficient_data`.
//! - `high-sdq-assessment` (EWG 2017 rec 2): each scored SDQ of the current period with a score of
//!   `high_threshold` (17) or more must be followed by a comprehensive mental-health assessment
//!   (`health.mental_health_assessments[]`) within `assessment_days` (28) calendar days: one
//!   result per such SDQ, by [`Context::timing`] (on time `met`, late or overdue `breach`, still
//!   open `due_soon`/`upcoming`).
//! - `borderline-sdq` (EWG 2017 rec 2): a borderline score (`borderline_threshold` (14) up to
//!   `high_threshold` - 1) is a concern prompting broader measures. It is a `breach` only if no
//!   mental-health assessment or referral (`health.mental_health_referrals[].referred`) followed
//!   within `assessment_days`; a follow-up in time is `met`. One result per such SDQ.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - The 4-to-16 and 12-months conditions scope `sdq-annual` only, as the reference's SDQ row
//!   does. Its "broader measures" row sets no age or duration condition, and the 2015 guidance says
//!   no child should be refused a mental-health service because the placement is short, so the
//!   two follow-up checks apply to every scored SDQ dated inside the period of care open on the
//!   evaluation date, whatever the child's age or time in care. A child not looked after on the
//!   evaluation date gets one `not_applicable` result per check.
//! - Only SDQs dated inside the current period of care count: an SDQ from before the child became
//!   looked after again does not start the annual clock or call for a follow-up now.
//! - "Followed by" means dated on or after the SDQ's date (the same day counts); an assessment or
//!   referral before the SDQ does not answer it. Days are calendar days: due = SDQ date +
//!   `assessment_days`.
//! - A borderline score is not itself a breach: it is a `breach` only if no assessment or referral
//!   followed within `assessment_days`, and `met` once one has. While the window is still open
//!   with nothing yet recorded, the status follows the reference's definition of `due_soon` (not
//!   yet late, deadline inside the look-ahead window), so the IRO sees it before it becomes a
//!   breach; a follow-up after the window is a `breach` (late). High scores are treated the same way.
//! - An SDQ with `date_approximate: true` (imported from SSDA903, dated 31 March) is used as dated;
//!   its message says "date approximate" and its evidence carries `date_approximate: true`.
//! - An SDQ with no score counts as not done. The `sdq-annual` message names the latest such SDQ
//!   after the last scored one, with its reason code (`reason_not_completed`, for example SDQ1) or
//!   "no reason recorded".
//! - The bands are those of the carer version. An SDQ whose `completed_by` is `teacher` or
//!   `young-person` (another informant's version, with different bands) is not used by any check;
//!   any other value, or none (SSDA903 imports), is taken as the carer's.
//! - A score above 40 is a data error (`insufficient_data` on `sdq-annual` naming
//!   `health.sdq[].score`) and is not used.
//! - A record with no period of care gets `insufficient_data` on every check (naming
//!   `periods_of_care`); a child whose periods have all ended gets `not_applicable`.
//! - Dated rows after the evaluation date are data errors (`insufficient_data` naming the row,
//!   never evidence): an SDQ on `sdq-annual`, a mental-health assessment on `high-sdq-assessment`,
//!   a referral on `borderline-sdq`.
//!
//! Settings (each may be tightened, never loosened): `high_threshold` 17 (may only be lowered),
//! `borderline_threshold` 14 (may only be lowered, and must stay below `high_threshold`),
//! `assessment_days` 28 (may only be shortened, at least 1).

use chrono::Days;

use carecheck_sdk::dates::{self, format_long};
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::Sdq;
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct SdqPolicy;

/// Youngest and oldest ages (inclusive) for the annual SDQ.
const MIN_AGE: u32 = 4;
const MAX_AGE: u32 = 16;
/// Months between SDQs, and months looked after before the annual SDQ applies.
const ANNUAL_MONTHS: u32 = 12;
/// The top of the carer-version total difficulties scale.
const MAX_SCORE: u8 = 40;

/// Settings. A local authority may lower the thresholds and shorten the timescale, never the reverse.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SdqSettings {
    /// Total difficulties score from which an SDQ is "high" and must lead to a comprehensive
    /// mental-health assessment (carer version: 17).
    pub high_threshold: u32,
    /// Total difficulties score from which an SDQ is "borderline" (carer version: 14).
    pub borderline_threshold: u32,
    /// Calendar days after the SDQ within which the assessment (or, for a borderline score, an
    /// assessment or referral) must follow (local setting, default 28).
    pub assessment_days: u32,
}

impl Default for SdqSettings {
    fn default() -> Self {
        Self {
            high_threshold: 17,
            borderline_threshold: 14,
            assessment_days: 28,
        }
    }
}

impl Settings for SdqSettings {
    fn check(&self) -> Result<(), String> {
        let d = SdqSettings::default();
        at_most(
            "high_threshold",
            self.high_threshold,
            d.high_threshold,
            "the SDQ carer-version banding",
        )?;
        at_most(
            "borderline_threshold",
            self.borderline_threshold,
            d.borderline_threshold,
            "the SDQ carer-version banding",
        )?;
        at_most(
            "assessment_days",
            self.assessment_days,
            d.assessment_days,
            "EWG 2017 rec 2 (28-day default)",
        )?;
        if self.borderline_threshold == 0 {
            return Err("setting `borderline_threshold` must be at least 1".into());
        }
        if self.borderline_threshold >= self.high_threshold {
            return Err(format!(
                "setting `borderline_threshold` ({}) must be below `high_threshold` ({})",
                self.borderline_threshold, self.high_threshold
            ));
        }
        if self.assessment_days == 0 {
            return Err("setting `assessment_days` must be at least 1".into());
        }
        Ok(())
    }
}

fn checks() -> [CheckInfo; 3] {
    [
        CheckInfo::guidance(
            "sdq-annual",
            "SDQ at least every 12 months for children aged 4 to 16 looked after for 12 months or more",
            "Statutory guidance on promoting the health and well-being of looked-after children (2015); DfE SSDA903 guidance (OC2)",
        ),
        CheckInfo::guidance(
            "high-sdq-assessment",
            "A high SDQ score leads to a comprehensive mental-health assessment",
            "EWG 2017 rec 2",
        ),
        CheckInfo::guidance(
            "borderline-sdq",
            "A borderline SDQ score is followed up by an assessment or referral",
            "EWG 2017 rec 2",
        ),
    ]
}

impl Policy for SdqPolicy {
    type Record = CareRecord;
    type Settings = SdqSettings;

    fn about() -> About {
        About {
            id: "sdq",
            version: env!("CARGO_PKG_VERSION"),
            title: "Strengths and Difficulties Questionnaire",
            description: "Checks the annual SDQ for children aged 4 to 16 looked after for a year or \
                          more, and that high and borderline scores are followed up.",
            author: "carecheck",
            citations: &[
                "Promoting the health and well-being of looked-after children (statutory guidance, 2015)",
                "DfE SSDA903 guidance (OC2)",
                "EWG 2017 rec 2",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/health/sdq/*/date",
                "/health/sdq/*/date_approximate",
                "/health/sdq/*/score",
                "/health/sdq/*/completed_by",
                "/health/sdq/*/reason_not_completed",
                "/health/mental_health_assessments/*/date",
                "/health/mental_health_referrals/*/id",
                "/health/mental_health_referrals/*/service",
                "/health/mental_health_referrals/*/referred",
            ],
            effective_from: NaiveDate::from_ymd_opt(2015, 3, 31).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &SdqSettings) -> Vec<CheckResult> {
        let [annual, high, borderline] = checks();
        let eval = ctx.evaluation_date;
        let mut results = Vec::new();

        // Data errors: reported once, never used.
        let mut sdqs: Vec<&Sdq> = Vec::new();
        for sdq in &record.health.sdq {
            if ctx.is_future(sdq.date) {
                results.push(
                    annual
                        .insufficient(
                            format!("SDQ {}", sdq.date),
                            "health.sdq[].date",
                            &format!(
                                "An SDQ is dated {}, after the evaluation date {}; it is not counted until the date is corrected.",
                                format_long(sdq.date),
                                format_long(eval)
                            ),
                        )
                        .with_due(eval),
                );
            } else if let Some(score) = sdq.score.filter(|s| *s > MAX_SCORE) {
                results.push(annual.insufficient(
                    format!("SDQ {}", sdq.date),
                    "health.sdq[].score",
                    &format!(
                        "The SDQ on {} has a score of {score}, outside the 0-40 range; it is not counted until the score is corrected.",
                        format_long(sdq.date)
                    ),
                ));
            } else if !is_other_informant(sdq) {
                sdqs.push(sdq);
            }
        }
        sdqs.sort_by_key(|s| s.date);

        let mut assessments: Vec<NaiveDate> = Vec::new();
        for a in &record.health.mental_health_assessments {
            if ctx.is_future(a.date) {
                results.push(
                    high.insufficient(
                        format!("mental-health assessment {}", a.date),
                        "health.mental_health_assessments[].date",
                        &format!(
                            "A mental-health assessment is dated {}, after the evaluation date {}; it is not counted until the date is corrected.",
                            format_long(a.date),
                            format_long(eval)
                        ),
                    )
                    .with_due(eval),
                );
            } else {
                assessments.push(a.date);
            }
        }
        assessments.sort();

        let mut referrals: Vec<(NaiveDate, &str)> = Vec::new();
        for r in &record.health.mental_health_referrals {
            if ctx.is_future(r.referred) {
                results.push(
                    borderline
                        .insufficient(
                            format!("referral {}", r.id),
                            "health.mental_health_referrals[].referred",
                            &format!(
                                "Referral {} to {} is dated {}, after the evaluation date {}; it is not counted until the date is corrected.",
                                r.id,
                                r.service,
                                format_long(r.referred),
                                format_long(eval)
                            ),
                        )
                        .with_due(eval),
                );
            } else {
                referrals.push((r.referred, r.id.as_str()));
            }
        }
        referrals.sort();

        if record.periods_of_care.is_empty() {
            let why = "The record has no period of care, so it cannot be told whether the child is looked after; add the episodes of care.";
            for info in [&annual, &high, &borderline] {
                results.push(info.insufficient("record", "periods_of_care", why));
            }
            return results;
        }
        let current = record.periods_of_care.iter().find(|p| p.contains(eval));
        let Some((period, start)) = current.and_then(|p| p.start().map(|st| (p, st))) else {
            let why = format!(
                "The child is not in a period of care on {}, so no SDQ check applies.",
                format_long(eval)
            );
            for info in [&annual, &high, &borderline] {
                results.push(
                    info.result(Status::NotApplicable, "child", why.clone())
                        .with_evidence("evaluation_date", eval),
                );
            }
            return results;
        };

        let in_period: Vec<&Sdq> = sdqs
            .iter()
            .copied()
            .filter(|s| period.contains(s.date))
            .collect();
        results.push(annual_result(ctx, &annual, record, start, &in_period));

        // Follow-up of high and borderline scores.
        let high_threshold = s.high_threshold;
        let band = s.borderline_threshold..high_threshold;
        let mut any_high = false;
        let mut any_borderline = false;
        for sdq in &in_period {
            let Some(score) = sdq.score else { continue };
            let score32 = u32::from(score);
            let due = add_days(sdq.date, s.assessment_days);
            let subject = format!("SDQ {}", sdq.date);
            if score32 >= high_threshold {
                any_high = true;
                let done = assessments.iter().copied().find(|d| *d >= sdq.date);
                let timing = ctx.timing(due, done);
                let what = format!(
                    "Comprehensive mental-health assessment after the high SDQ score of {score} on {}",
                    sdq_text(sdq)
                );
                let mut r = high
                    .result(
                        timing.status(),
                        subject,
                        describe(&what, "held", due, timing),
                    )
                    .with_due(due);
                if let Some(done) = done {
                    r = r.with_evidence("assessment", done);
                }
                results.push(with_sdq_evidence(r, sdq));
            } else if band.contains(&score32) {
                any_borderline = true;
                let assessment = assessments.iter().copied().find(|d| *d >= sdq.date);
                let referral = referrals.iter().find(|(d, _)| *d >= sdq.date);
                let done = match (assessment, referral) {
                    (Some(a), Some((r, id))) if *r < a => Some((*r, format!("referral {id}"))),
                    (Some(a), _) => Some((a, "mental-health assessment".to_string())),
                    (None, Some((r, id))) => Some((*r, format!("referral {id}"))),
                    (None, None) => None,
                };
                let timing = ctx.timing(due, done.as_ref().map(|(d, _)| *d));
                let what = format!(
                    "Follow-up (a mental-health assessment or referral) of the borderline SDQ score of {score} on {}",
                    sdq_text(sdq)
                );
                let mut r = borderline
                    .result(
                        timing.status(),
                        subject,
                        describe(&what, "made", due, timing),
                    )
                    .with_due(due);
                if let Some((date, what)) = done {
                    r = r
                        .with_evidence("follow_up", what)
                        .with_evidence("follow_up_date", date);
                }
                results.push(with_sdq_evidence(r, sdq));
            }
        }
        let period_text = format!("the current period of care (from {})", format_long(start));
        if !any_high {
            results.push(
                high.result(
                    Status::NotApplicable,
                    "child",
                    format!("No SDQ in {period_text} scored {high_threshold} or more."),
                )
                .with_evidence("period_start", start),
            );
        }
        if !any_borderline {
            results.push(
                borderline
                    .result(
                        Status::NotApplicable,
                        "child",
                        format!(
                            "No SDQ in {period_text} scored in the borderline band ({} to {}).",
                            band.start,
                            band.end.saturating_sub(1)
                        ),
                    )
                    .with_evidence("period_start", start),
            );
        }
        results
    }
}

/// Another informant's version of the SDQ, whose bands differ from the carer version's.
fn is_other_informant(sdq: &Sdq) -> bool {
    sdq.completed_by.as_deref().is_some_and(|by| {
        matches!(
            by.trim().to_ascii_lowercase().as_str(),
            "teacher" | "young-person"
        )
    })
}

fn sdq_text(sdq: &Sdq) -> String {
    if sdq.date_approximate {
        format!("{} (date approximate)", format_long(sdq.date))
    } else {
        format_long(sdq.date)
    }
}

fn with_sdq_evidence(r: CheckResult, sdq: &Sdq) -> CheckResult {
    let mut r = r.with_evidence("sdq_date", sdq.date);
    if let Some(score) = sdq.score {
        r = r.with_evidence("score", score);
    }
    if sdq.date_approximate {
        r = r.with_evidence("date_approximate", true);
    }
    r
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

fn annual_result(
    ctx: &Context,
    info: &CheckInfo,
    record: &CareRecord,
    start: NaiveDate,
    in_period: &[&Sdq],
) -> CheckResult {
    let eval = ctx.evaluation_date;
    let Some(dob) = record.child.date_of_birth else {
        return info.insufficient(
            "child",
            "child.date_of_birth",
            "The child's date of birth is not recorded, so it cannot be told whether the annual SDQ applies (ages 4 to 16); add the date of birth.",
        );
    };
    let age = dates::age_on(dob, eval);
    if !(MIN_AGE..=MAX_AGE).contains(&age) {
        return info
            .result(
                Status::NotApplicable,
                "child",
                format!(
                    "The child is {age} on {}; the annual SDQ applies to children aged 4 to 16.",
                    format_long(eval)
                ),
            )
            .with_evidence("age", age);
    }
    let year_in_care = dates::add_months(start, ANNUAL_MONTHS);
    if year_in_care > eval {
        return info
            .result(
                Status::NotApplicable,
                "child",
                format!(
                    "The child has been looked after since {}, less than 12 months; the annual SDQ applies from {}.",
                    format_long(start),
                    format_long(year_in_care)
                ),
            )
            .with_evidence("period_start", start)
            .with_evidence("age", age);
    }

    let last_scored = in_period.iter().rev().find(|s| s.score.is_some());
    let (due, what) = match last_scored {
        Some(sdq) => (
            dates::add_months(sdq.date, ANNUAL_MONTHS),
            format!(
                "Annual SDQ after the one scored {} on {}",
                sdq.score.unwrap_or_default(),
                sdq_text(sdq)
            ),
        ),
        None => (
            year_in_care,
            format!(
                "First annual SDQ of the period of care from {}",
                format_long(start)
            ),
        ),
    };
    // The latest SDQ after the last scored one that was not completed.
    let not_completed = in_period.last().filter(|s| s.score.is_none());
    let timing = ctx.timing(due, None);
    let mut message = describe(&what, "completed", due, timing);
    if let Some(sdq) = not_completed {
        let reason = match sdq.reason_not_completed.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => format!("reason {code}"),
            _ => "no reason recorded".to_string(),
        };
        if message.ends_with('.') {
            message.pop();
        }
        message.push_str(&format!(
            "; the SDQ recorded on {} has no score ({reason}).",
            sdq_text(sdq)
        ));
    }
    let mut result = info
        .result(timing.status(), format!("SDQ due {due}"), message)
        .with_due(due)
        .with_evidence("period_start", start)
        .with_evidence("age", age);
    if let Some(sdq) = last_scored {
        result = with_sdq_evidence(result, sdq);
    }
    if let Some(sdq) = not_completed {
        result = result.with_evidence("not_completed", sdq.date);
        if let Some(code) = &sdq.reason_not_completed {
            result = result.with_evidence("reason_not_completed", code);
        }
    }
    result
}

carecheck_sdk::export_policy!(SdqPolicy);

#[cfg(test)]
mod tests;
