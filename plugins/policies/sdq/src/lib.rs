//! `sdq`: the Strengths and Difficulties Questionnaire every year, and what follows a worrying
//! score (2015 statutory guidance "Promoting the health and well-being of looked-after children";
//! DfE SSDA903 guidance, OC2 return; EWG 2017 recommendation 2).
//!
//! The rule (`statutory-rules.md`, "Health and mental health"): an SDQ completed by the main carer
//! at least yearly for children aged 4 to 16 looked after for 12 months or more; carer-version
//! total difficulties bands 0-13 close to average, 14-16 borderline, 17-40 high; the SDQ should be
//! supported by broader measures that can trigger a comprehensive mental-health assessment, and a
//! high score must lead to one. The law fixes no timescale for that: it is a local setting,
//! default 28 days (reference, ambiguity 6).
//!
//! Checks:
//! - `sdq-annual` (guidance; 2015 statutory guidance; SSDA903 OC2), a recurring requirement for a
//!   child aged 4 to 16 inclusive on the evaluation date (`age_on`) in a period of care open on
//!   it: one result per occurrence in that period. The first SDQ is due 12 months after the
//!   period started (by `add_months`), or on the 4th birthday if that is later; each scored SDQ
//!   of the period satisfies the next occurrence (on time `met`, late `breach`) and the next is
//!   due 12 months after it; the one not yet done is `upcoming`, `due_soon` or `breach`
//!   ([`Context::timing`]). Other children get one `not_applicable` result saying why; a missing
//!   date of birth is `insufficient_data`.
//! - `high-sdq-assessment` (basis `local`; EWG 2017 rec 2): each scored SDQ of the current
//!   period with a score of `high_threshold` (17) or more is to be followed by a comprehensive
//!   mental-health assessment (`health.mental_health_assessments[]`) within `assessment_days`
//!   (28) calendar days, a local timescale: one result per such SDQ, in time `met`, later or still
//!   waiting beyond it `warning` (never `breach`: the law sets no deadline), still open
//!   `due_soon`/`upcoming`. Messages say "local timescale: 28 days".
//! - `borderline-sdq` (basis `local`; EWG 2017 rec 2): a borderline score (`borderline_threshold`
//!   (14) up to `high_threshold` - 1) prompts broader measures. At most a `warning`: no
//!   mental-health assessment or referral (`health.mental_health_referrals[].referred`) within
//!   `assessment_days` is a `warning`; a follow-up in time is `met`. One result per such SDQ.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - The 4-to-16 and 12-months conditions scope `sdq-annual` only, as the reference's SDQ row
//!   does. Its "broader measures" row sets no age or duration condition, and the 2015 guidance says
//!   no child should be refused a mental-health service because the placement is short, so the
//!   two follow-up checks apply to every scored SDQ dated inside the period of care open on the
//!   evaluation date, whatever the child's age or time in care. A child not looked after on the
//!   evaluation date gets one `not_applicable` result per check.
//! - Before the child has been looked after for 12 months the annual SDQ is not yet owed, but it
//!   will be: the first occurrence is shown `upcoming` (or `due_soon`) with its due date, the
//!   12-month point, rather than `not_applicable`. Occurrences due on or after the 17th birthday
//!   are not owed; when even the first is not, one `not_applicable` result says so.
//! - Only SDQs dated inside the current period of care count: an SDQ from before the child became
//!   looked after again does not start the annual clock or call for a follow-up now.
//! - "Followed by" means dated on or after the SDQ's date (the same day counts); an assessment or
//!   referral before the SDQ does not answer it. Days are calendar days: expected by SDQ date +
//!   `assessment_days`.
//! - `current`: the annual SDQ not yet done (the last occurrence); follow-ups not yet made.
//!   Earlier occurrences and follow-ups made are history.
//! - An SDQ with `date_approximate: true` (imported from SSDA903, dated 31 March) is used as dated;
//!   its message says "date approximate" and its evidence carries `date_approximate: true`. Such a
//!   date says the SDQ was done by then, not when: where it would make an annual SDQ late, the
//!   occurrence is `insufficient_data` (with its due date) naming `health.sdq[].date`, never a
//!   breach; on or before the due date it shows the SDQ on time.
//! - An SDQ with no score counts as not done. The message of the outstanding annual SDQ names the
//!   latest such SDQ after the last scored one, with its reason code (`reason_not_completed`, for
//!   example SDQ1) or "no reason recorded".
//! - The bands are those of the carer version. An SDQ whose `completed_by` is `teacher` or
//!   `young-person` (another informant's version, with different bands) is not used by any check;
//!   any other value, or none (SSDA903 imports), is taken as the carer's.
//! - A score above 40 is a data error (`insufficient_data` on `sdq-annual` naming
//!   `health.sdq[].score`, no due date) and is not used.
//! - An SDQ dated after the evaluation date is a data error, never evidence. One cause gives one
//!   result: while the annual SDQ is outstanding, the misdated rows are its result
//!   (`insufficient_data` naming `health.sdq[].date`, with the due date fixed by the last SDQ);
//!   otherwise one result of their own, with no due date. Mental-health assessments and referrals
//!   dated after the evaluation date are left out here; `mental-health-access` reports them.
//! - A record with no period of care gets `insufficient_data` on every check (naming
//!   `periods_of_care`); a child whose periods have all ended gets `not_applicable`.
//! - Provenance: every check needs the SDQs (`health.sdq`, which an SSDA903 return supplies from
//!   OC2) and the periods of care; `sdq-annual` the child's details; the follow-ups need the
//!   mental-health assessments (and, for borderline scores, the referrals), which SSDA903 does not
//!   supply. An SSDA903-only record is therefore judged in full on `sdq-annual`, and each high or
//!   borderline SDQ gets `insufficient_data` naming what is missing, with the date the follow-up
//!   is expected by (fixed by the SDQ's date), never a warning.
//!
//! Settings (each may be tightened, never loosened): `high_threshold` 17 (may only be lowered),
//! `borderline_threshold` 14 (may only be lowered, and must stay below `high_threshold`),
//! `assessment_days` 28 (may only be shortened, at least 1).

use chrono::Days;

use carecheck_sdk::dates::{self, format_long};
use carecheck_sdk::outcome::{describe, describe_local, timescale};
use carecheck_sdk::record::{PeriodOfCare, Sdq, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::{Iso, Long};
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
            return Err(text![
                "setting `borderline_threshold` (",
                &self.borderline_threshold,
                ") must be below `high_threshold` (",
                &self.high_threshold,
                ")"
            ]);
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
        CheckInfo::local(
            "high-sdq-assessment",
            "A high SDQ score leads to a comprehensive mental-health assessment (local timescale, default 28 days)",
            "EWG 2017 rec 2",
        ),
        CheckInfo::local(
            "borderline-sdq",
            "A borderline SDQ score is followed up by an assessment or referral (local timescale, default 28 days)",
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
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2015, 3, 31).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &SdqSettings) -> Vec<CheckResult> {
        let [annual, high, borderline] = checks();
        let eval = ctx.evaluation_date;
        let all = [&annual, &high, &borderline];
        if let Some(section) = record.unsupplied(&[Section::PeriodsOfCare, Section::Sdq]) {
            return all
                .map(|c| c.not_supplied("record", record, section))
                .to_vec();
        }
        let mut results = Vec::new();

        // SDQs: misdated and out-of-range rows are data errors, never used.
        let mut sdqs: Vec<&Sdq> = Vec::new();
        let mut future: Vec<NaiveDate> = Vec::new();
        for sdq in &record.health.sdq {
            if ctx.is_future(sdq.date) {
                future.push(sdq.date);
            } else if let Some(score) = sdq.score.filter(|s| *s > MAX_SCORE) {
                results.push(
                    annual
                        .insufficient(
                            text!["SDQ ", Iso(sdq.date)],
                            "health.sdq[].score",
                            text![
                                "The SDQ on ",
                                Long(sdq.date),
                                " has a score of ",
                                &score,
                                ", outside the 0-40 range; it is not counted until the score is corrected.",
                            ],
                        )
                        .with_current(true),
                );
            } else if !is_other_informant(sdq) {
                sdqs.push(sdq);
            }
        }
        sdqs.sort_by_key(|s| s.date);
        future.sort();
        future.dedup();

        if record.periods_of_care.is_empty() {
            let why = "The record has no period of care, so it cannot be told whether the child is looked after; add the episodes of care.";
            for info in all {
                results.push(
                    info.insufficient("record", "periods_of_care", why)
                        .with_current(true),
                );
            }
            return results;
        }
        let current = record.periods_of_care.iter().find(|p| p.contains(eval));
        let Some((period, start)) = current.and_then(|p| p.start().map(|st| (p, st))) else {
            let why = text![
                "The child is not in a period of care on ",
                Long(eval),
                ", so no SDQ check applies."
            ];
            results.extend(misdated_sdqs(ctx, &annual, &future));
            for info in all {
                results.push(
                    info.result(Status::NotApplicable, "child", why.clone())
                        .with_evidence("evaluation_date", eval)
                        .with_current(true),
                );
            }
            return results;
        };

        let in_period: Vec<&Sdq> = sdqs
            .iter()
            .copied()
            .filter(|s| period.contains(s.date))
            .collect();
        results.extend(annual_results(
            ctx,
            &annual,
            record,
            period,
            start,
            &in_period,
            &mut future,
        ));
        results.extend(misdated_sdqs(ctx, &annual, &future));
        results.extend(follow_ups(
            ctx,
            &high,
            &borderline,
            record,
            start,
            &in_period,
            s,
        ));
        results
    }
}

/// The SDQs dated after the evaluation date that no outstanding annual SDQ stands for.
fn misdated_sdqs(ctx: &Context, annual: &CheckInfo, future: &[NaiveDate]) -> Option<CheckResult> {
    recurring::misdated(ctx, annual, "SDQ", "An SDQ", "health.sdq[].date", future)
}

/// The follow-up of each high and borderline SDQ of the current period.
fn follow_ups(
    ctx: &Context,
    high: &CheckInfo,
    borderline: &CheckInfo,
    record: &CareRecord,
    start: NaiveDate,
    in_period: &[&Sdq],
    s: &SdqSettings,
) -> Vec<CheckResult> {
    let mut results = Vec::new();
    let (assessments, _) = recurring::split_future(
        ctx,
        record
            .health
            .mental_health_assessments
            .iter()
            .map(|a| a.date),
    );
    let mut referrals: Vec<(NaiveDate, &str)> = record
        .health
        .mental_health_referrals
        .iter()
        .filter(|r| !ctx.is_future(r.referred))
        .map(|r| (r.referred, r.id.as_str()))
        .collect();
    referrals.sort();
    let high_missing = record.unsupplied(&[Section::MentalHealthAssessments]);
    let borderline_missing = record.unsupplied(&[
        Section::MentalHealthAssessments,
        Section::MentalHealthReferrals,
    ]);
    let timescale = timescale(s.assessment_days, "day");
    let high_threshold = s.high_threshold;
    let band = s.borderline_threshold..high_threshold;
    let mut any_high = false;
    let mut any_borderline = false;
    for sdq in in_period {
        let Some(score) = sdq.score else { continue };
        let score32 = u32::from(score);
        let due = add_days(sdq.date, s.assessment_days);
        let subject = text!["SDQ ", Iso(sdq.date)];
        let (info, missing, what, verb, done) = if score32 >= high_threshold {
            any_high = true;
            let done = assessments
                .iter()
                .copied()
                .find(|d| *d >= sdq.date)
                .map(|d| (d, "mental-health assessment".to_string()));
            let what = text![
                "Comprehensive mental-health assessment after the high SDQ score of ",
                &score,
                " on ",
                sdq_text(sdq)
            ];
            (high, high_missing, what, "held", done)
        } else if band.contains(&score32) {
            any_borderline = true;
            let assessment = assessments.iter().copied().find(|d| *d >= sdq.date);
            let referral = referrals.iter().find(|(d, _)| *d >= sdq.date);
            let done = match (assessment, referral) {
                (Some(a), Some((r, id))) if *r < a => Some((*r, text!["referral ", &id])),
                (Some(a), _) => Some((a, "mental-health assessment".to_string())),
                (None, Some((r, id))) => Some((*r, text!["referral ", &id])),
                (None, None) => None,
            };
            let what = text![
                "Follow-up (a mental-health assessment or referral) of the borderline SDQ score of ",
                &score,
                " on ",
                sdq_text(sdq)
            ];
            (borderline, borderline_missing, what, "made", done)
        } else {
            continue;
        };
        let r = match missing {
            Some(section) => info.not_supplied(subject, record, section).with_due(due),
            None => {
                let timing = ctx.timing(due, done.as_ref().map(|(d, _)| *d));
                let mut r = info
                    .timed(
                        subject,
                        due,
                        timing,
                        describe_local(&what, verb, due, timing, &timescale),
                    )
                    .with_current(done.is_none());
                if let Some((date, what)) = done {
                    r = r
                        .with_evidence("follow_up", what)
                        .with_evidence("follow_up_date", date);
                }
                r
            }
        };
        results.push(with_sdq_evidence(r, sdq));
    }
    let period_text = text!["the current period of care (from ", Long(start), ")"];
    if !any_high {
        results.push(
            high.result(
                Status::NotApplicable,
                "child",
                text![
                    "No SDQ in ",
                    &period_text,
                    " scored ",
                    &high_threshold,
                    " or more."
                ],
            )
            .with_evidence("period_start", start)
            .with_current(true),
        );
    }
    if !any_borderline {
        results.push(
            borderline
                .result(
                    Status::NotApplicable,
                    "child",
                    text![
                        "No SDQ in ",
                        &period_text,
                        " scored in the borderline band (",
                        &band.start,
                        " to ",
                        band.end.saturating_sub(1),
                        ")."
                    ],
                )
                .with_evidence("period_start", start)
                .with_current(true),
        );
    }
    results
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
        text![Long(sdq.date), " (date approximate)"]
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

/// The annual SDQ of the current period: one result per occurrence. `future`: the misdated
/// SDQs; the outstanding occurrence takes them (one cause, one result).
fn annual_results(
    ctx: &Context,
    info: &CheckInfo,
    record: &CareRecord,
    period: &PeriodOfCare,
    start: NaiveDate,
    in_period: &[&Sdq],
    future: &mut Vec<NaiveDate>,
) -> Vec<CheckResult> {
    let eval = ctx.evaluation_date;
    if !record.supplied(Section::Child) {
        return vec![info.not_supplied("child", record, Section::Child)];
    }
    let Some(dob) = record.child.date_of_birth else {
        return vec![
            info.insufficient(
                "child",
                "child.date_of_birth",
                "The child's date of birth is not recorded, so it cannot be told whether the annual SDQ applies (ages 4 to 16); add the date of birth.",
            )
            .with_current(true),
        ];
    };
    let age = dates::age_on(dob, eval);
    if !(MIN_AGE..=MAX_AGE).contains(&age) {
        return vec![
            info.result(
                Status::NotApplicable,
                "child",
                text![
                    "The child is ",
                    &age,
                    " on ",
                    Long(eval),
                    "; the annual SDQ applies to children aged 4 to 16."
                ],
            )
            .with_evidence("age", age)
            .with_current(true),
        ];
    }
    let year_in_care = dates::add_months(start, ANNUAL_MONTHS);
    let fourth = dates::birthday(dob, MIN_AGE);
    let first_due = year_in_care.max(fourth);
    // Not owed from the 17th birthday; nor after the period ended.
    let until = dates::birthday(dob, MAX_AGE + 1)
        .pred_opt()
        .map(|d| period.end().map_or(d, |end| end.min(d)));
    let scored: Vec<&Sdq> = in_period
        .iter()
        .copied()
        .filter(|s| s.score.is_some())
        .collect();
    let events: Vec<NaiveDate> = scored.iter().map(|s| s.date).collect();
    let occurrences = recurring::occurrences(first_due, &events, until, |_, d| {
        dates::add_months(d, ANNUAL_MONTHS)
    });
    if let (true, Some(until)) = (occurrences.is_empty(), until) {
        let wording = recurring::Wording {
            noun: "annual SDQ",
            rows: "SDQ",
            a_noun: "An SDQ",
            field: "health.sdq[].date",
            subject: "child",
            verb: "completed",
        };
        return vec![
            recurring::not_owed(info, &wording, first_due, until)
                .with_evidence("period_start", start)
                .with_evidence("age", age),
        ];
    }
    let count = occurrences.len();
    occurrences
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            let last = i + 1 == count;
            let previous = o
                .after
                .and_then(|d| scored.iter().rev().find(|s| s.date == d).copied());
            let what = match previous {
                Some(sdq) => text![
                    "Annual SDQ after the one scored ",
                    sdq.score.unwrap_or_default(),
                    " on ",
                    sdq_text(sdq),
                ],
                None if first_due == fourth && fourth > year_in_care => text![
                    "First annual SDQ of the period of care from ",
                    Long(start),
                    ", owed from the 4th birthday,",
                ],
                None => text!["First annual SDQ of the period of care from ", Long(start)],
            };
            let subject = match o.held {
                Some(held) => text!["SDQ ", Iso(held)],
                None => text!["SDQ due ", Iso(o.due)],
            };
            let mut result = if last && o.held.is_none() && !future.is_empty() {
                let pending = text!["the annual SDQ due by ", Long(o.due), " was completed"];
                recurring::future_error(
                    ctx,
                    info,
                    subject,
                    "health.sdq[].date",
                    "An SDQ",
                    &std::mem::take(future),
                    Some(&pending),
                )
                .with_due(o.due)
            } else if let Some(sdq) = o
                .held
                .and_then(|d| scored.iter().find(|s| s.date == d))
                .filter(|s| s.date_approximate && s.date > o.due)
            {
                // An approximate date (SSDA903: 31 March) says the SDQ was done by then, not
                // when: it cannot show that one due earlier came late.
                info.insufficient(
                    subject,
                    "health.sdq[].date",
                    text![
                        &what,
                        " was due by ",
                        Long(o.due),
                        "; the SDQ that followed is dated ",
                        sdq_text(sdq),
                        " only approximately, so it cannot be told whether it was on time: record its actual date.",
                    ],
                )
                .with_due(o.due)
            } else {
                let timing = ctx.timing(o.due, o.held);
                let mut message = describe(&what, "completed", o.due, timing);
                // The latest SDQ after the last scored one that was not completed.
                let not_completed = in_period
                    .last()
                    .filter(|s| s.score.is_none() && last && o.held.is_none());
                if let Some(sdq) = not_completed {
                    let reason = match sdq.reason_not_completed.as_deref().map(str::trim) {
                        Some(code) if !code.is_empty() => text!["reason ", &code],
                        _ => "no reason recorded".to_string(),
                    };
                    if message.ends_with('.') {
                        message.pop();
                    }
                    message.push_str(&text![
                        "; the SDQ recorded on ",
                        sdq_text(sdq),
                        " has no score (",
                        &reason,
                        ").",
                    ]);
                }
                let mut r = info.timed(subject, o.due, timing, message);
                if let Some(sdq) = not_completed {
                    r = r.with_evidence("not_completed", sdq.date);
                    if let Some(code) = &sdq.reason_not_completed {
                        r = r.with_evidence("reason_not_completed", code);
                    }
                }
                r
            };
            result = result
                .with_evidence("period_start", start)
                .with_evidence("age", age)
                .with_current(last);
            if let Some(sdq) = o.held.and_then(|d| scored.iter().find(|s| s.date == d)) {
                result = with_sdq_evidence(result, sdq);
            } else if let Some(sdq) = previous {
                result = with_sdq_evidence(result, sdq);
            }
            result
        })
        .collect()
}

carecheck_sdk::export_policy!(SdqPolicy);

#[cfg(test)]
mod tests;
