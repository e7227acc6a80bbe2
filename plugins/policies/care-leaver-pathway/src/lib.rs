//! `care-leaver-pathway`: a young person leaving care has a pathway plan reviewed at least every
//! six months, a personal adviser, and a plan that addresses their mental health.
//!
//! Sources: the Care Leavers (England) Regulations 2010 (the pathway plan is reviewed at least
//! every 6 months); the Children Act 1989 s23CZB (inserted by the Children and Social Work Act
//! 2017, in force 1 April 2018: a personal adviser for former relevant children up to age 25 on
//! request), and the care leavers' mental health recommendations of the London survey (mental
//! health addressed explicitly in plans for 0-25 services).
//!
//! Three checks, one result each (subject `pathway plan` or `personal adviser`):
//! - `pathway-plan-review` (statutory): the next review is due `review_months` (6) after the
//!   latest review recorded; with none recorded, `review_months` after the 16th birthday. The
//!   status follows the timing (`upcoming`, `due_soon`, `breach` once the due date has passed).
//! - `personal-adviser` (statutory, s23CZB): a personal adviser is recorded for a care leaver.
//! - `plan-addresses-mental-health` (guidance): `plan_addresses_mental_health` is true (`met`);
//!   false is a `breach`; not recorded is `insufficient_data`.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - Who the policy applies to: a young person under 25 on the evaluation date (whole years,
//!   `age_on`) who either has a leaving-care record (`leaving_care` present) or is 16 or over.
//!   At 25 every check is `not_applicable`: s23CZB support runs "up to 25", i.e. until the 25th
//!   birthday. A child under 16 with no leaving-care record is `not_applicable`. The policy does
//!   not work out eligibility (13 weeks looked after since age 14) from the periods of care: the
//!   reference ties the duty to age 16 and the leaving-care record.
//! - Nothing changes at 17 or 18 for these checks: the six-monthly review and the plan's content
//!   apply to eligible (16-17), relevant and former relevant young people alike, and a personal
//!   adviser is required throughout.
//! - The first review: with no review recorded the clock runs from the 16th birthday, so the
//!   first review is due 6 months after it (the needs assessment and plan follow turning 16, and
//!   the first six-monthly review is the latest point the record must show the plan being
//!   reviewed). For a young person with a leaving-care record who is not yet 16, that due date
//!   lies ahead. With no review recorded and no date of birth, the due date cannot be worked
//!   out: `insufficient_data` naming `child.date_of_birth`.
//! - Intervals run from the date the previous review happened (early or late), as for statutory
//!   reviews; only the current interval is judged.
//! - `personal-adviser` applies to a young person aged 16 to 24 with a leaving-care record. Under
//!   16, or with no leaving-care record, it is `not_applicable` with the reason; with a
//!   leaving-care record but no date of birth it is `insufficient_data`. The reference gives no
//!   timescale, so a missing adviser is a `breach` with no due date.
//! - A young person of 16 or over with no leaving-care record at all: the pathway plan review is
//!   judged from the 16th birthday like any other (no review recorded), and whether the plan
//!   addresses mental health is `insufficient_data` naming `leaving_care`.
//! - A pathway plan review or adviser start date after the evaluation date is a data error. A
//!   future review gets its own `insufficient_data` result (subject `pathway plan review <date>`)
//!   and the interval is worked out from the other reviews; a future adviser start makes
//!   `personal-adviser` `insufficient_data`.
//! - A date of birth recorded as approximate is used as given and flagged in the evidence.

use carecheck_sdk::dates::{add_months, age_on, birthday, format_long};
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::LeavingCare;
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct CareLeaverPathway;

const REVIEW_MONTHS: u32 = 6;
/// The age from which a young person is treated as leaving care without a leaving-care record.
const LEAVING_CARE_AGE: u32 = 16;
/// The age at which support ends (s23CZB: up to 25).
const UPPER_AGE: u32 = 25;

/// Settings. A local authority may shorten the review interval, never lengthen it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PathwaySettings {
    /// Months allowed between pathway plan reviews (Care Leavers (England) Regulations 2010: 6).
    pub review_months: u32,
}

impl Default for PathwaySettings {
    fn default() -> Self {
        Self {
            review_months: REVIEW_MONTHS,
        }
    }
}

impl Settings for PathwaySettings {
    fn check(&self) -> Result<(), String> {
        at_most(
            "review_months",
            self.review_months,
            REVIEW_MONTHS,
            "the Care Leavers (England) Regulations 2010",
        )?;
        if self.review_months == 0 {
            return Err("setting `review_months` must be at least 1".into());
        }
        Ok(())
    }
}

fn checks() -> [CheckInfo; 3] {
    [
        CheckInfo::statutory(
            "pathway-plan-review",
            "Pathway plan reviewed at least every 6 months",
            "Care Leavers (England) Regulations 2010",
        ),
        CheckInfo::statutory(
            "personal-adviser",
            "A personal adviser is allocated to the care leaver (up to 25)",
            "CA 1989 s23CZB",
        ),
        CheckInfo::guidance(
            "plan-addresses-mental-health",
            "The pathway plan explicitly addresses the young person's mental health",
            "London survey recommendations on care leavers' mental health",
        ),
    ]
}

impl Policy for CareLeaverPathway {
    type Record = CareRecord;
    type Settings = PathwaySettings;

    fn about() -> About {
        About {
            id: "care-leaver-pathway",
            version: env!("CARGO_PKG_VERSION"),
            title: "Care leavers' pathway plans",
            description: "For a young person leaving care (16 to 24, or with a leaving-care \
                          record), checks six-monthly pathway plan reviews, a personal adviser, \
                          and that the plan addresses their mental health.",
            author: "carecheck",
            citations: &[
                "Care Leavers (England) Regulations 2010",
                "CA 1989 s23CZB",
                "London survey recommendations on care leavers' mental health",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/child/date_of_birth_approximate",
                "/leaving_care/pathway_plan_reviews",
                "/leaving_care/personal_adviser/name",
                "/leaving_care/personal_adviser/from",
                "/leaving_care/plan_addresses_mental_health",
            ],
            effective_from: NaiveDate::from_ymd_opt(2018, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &PathwaySettings) -> Vec<CheckResult> {
        let checks = checks();
        let today = ctx.evaluation_date;
        let dob = record.child.date_of_birth;
        let leaving_care = record.leaving_care.as_ref();
        let age = dob.map(|d| age_on(d, today));
        let all = |make: &dyn Fn(&CheckInfo) -> CheckResult| -> Vec<CheckResult> {
            checks.iter().map(make).collect()
        };
        match (age, leaving_care) {
            (None, None) => {
                return all(&|c| {
                    c.insufficient(
                        subject_of(c),
                        "child.date_of_birth",
                        "The date of birth is not recorded and there is no leaving-care record, so it cannot be told whether the care-leaver duties apply; record the date of birth.",
                    )
                });
            }
            (Some(age), _) if age >= UPPER_AGE => {
                let message = format!(
                    "The young person is {age} on {}, and leaving-care support runs until the 25th birthday, so the care-leaver duties no longer apply.",
                    format_long(today)
                );
                return all(&|c| c.result(Status::NotApplicable, subject_of(c), message.clone()));
            }
            (Some(age), None) if age < LEAVING_CARE_AGE => {
                let message = format!(
                    "The child is {age} on {} and has no leaving-care record, so the care-leaver duties do not apply yet.",
                    format_long(today)
                );
                return all(&|c| c.result(Status::NotApplicable, subject_of(c), message.clone()));
            }
            _ => {}
        }
        let [review, adviser, mental_health] = &checks;
        let mut results = Vec::new();
        pathway_plan_review(ctx, review, leaving_care, dob, s, &mut results);
        results.push(personal_adviser(ctx, adviser, leaving_care, age));
        results.push(plan_addresses_mental_health(mental_health, leaving_care));
        for r in &mut results {
            if let Some(age) = age {
                r.evidence.push(("age".into(), age.to_string()));
            }
            if record.child.date_of_birth_approximate {
                r.evidence
                    .push(("date_of_birth_approximate".into(), "true".into()));
            }
        }
        results
    }
}

const SUBJECT_PLAN: &str = "pathway plan";
const SUBJECT_ADVISER: &str = "personal adviser";

fn subject_of(check: &CheckInfo) -> &'static str {
    if check.id == "personal-adviser" {
        SUBJECT_ADVISER
    } else {
        SUBJECT_PLAN
    }
}

fn pathway_plan_review(
    ctx: &Context,
    info: &CheckInfo,
    leaving_care: Option<&LeavingCare>,
    dob: Option<NaiveDate>,
    s: &PathwaySettings,
    results: &mut Vec<CheckResult>,
) {
    let reviews: &[NaiveDate] = leaving_care.map_or(&[], |l| l.pathway_plan_reviews.as_slice());
    let mut future: Vec<NaiveDate> = reviews
        .iter()
        .copied()
        .filter(|d| ctx.is_future(*d))
        .collect();
    future.sort();
    future.dedup();
    for date in future {
        results.push(
            info.insufficient(
                format!("pathway plan review {date}"),
                "leaving_care.pathway_plan_reviews[]",
                &format!(
                    "A pathway plan review is dated {}, after the evaluation date {}; correct the date before it is counted.",
                    format_long(date),
                    format_long(ctx.evaluation_date)
                ),
            )
            .with_evidence("recorded_date", date),
        );
    }
    let latest = reviews.iter().copied().filter(|d| !ctx.is_future(*d)).max();
    let (due, what) = match (latest, dob) {
        (Some(last), _) => (
            add_months(last, s.review_months),
            format!(
                "Next pathway plan review (last reviewed {})",
                format_long(last)
            ),
        ),
        (None, Some(dob)) => {
            let sixteenth = birthday(dob, LEAVING_CARE_AGE);
            (
                add_months(sixteenth, s.review_months),
                format!(
                    "First pathway plan review, counted from the 16th birthday on {},",
                    format_long(sixteenth)
                ),
            )
        }
        (None, None) => {
            results.push(info.insufficient(
                SUBJECT_PLAN,
                "child.date_of_birth",
                "No pathway plan review is recorded and the date of birth is missing, so the date the first review was due cannot be worked out; record the date of birth or the reviews held.",
            ));
            return;
        }
    };
    let timing = ctx.timing(due, None);
    let mut result = info
        .result(
            timing.status(),
            SUBJECT_PLAN,
            describe(&what, "held", due, timing),
        )
        .with_due(due);
    if let Some(last) = latest {
        result = result.with_evidence("latest_review", last);
    }
    results.push(result);
}

fn personal_adviser(
    ctx: &Context,
    info: &CheckInfo,
    leaving_care: Option<&LeavingCare>,
    age: Option<u32>,
) -> CheckResult {
    let Some(lc) = leaving_care else {
        return info.result(
            Status::NotApplicable,
            SUBJECT_ADVISER,
            "There is no leaving-care record, so a personal adviser is not checked; if the young person is a care leaver, record their leaving-care details.",
        );
    };
    let Some(age) = age else {
        return info.insufficient(
            SUBJECT_ADVISER,
            "child.date_of_birth",
            "The date of birth is not recorded, so it cannot be told whether the young person is old enough to need a personal adviser; record it.",
        );
    };
    if age < LEAVING_CARE_AGE {
        return info.result(
            Status::NotApplicable,
            SUBJECT_ADVISER,
            format!(
                "The child is {age} on {}, under 16, so a personal adviser is not yet required.",
                format_long(ctx.evaluation_date)
            ),
        );
    }
    match lc
        .personal_adviser
        .as_ref()
        .filter(|a| !a.name.trim().is_empty())
    {
        None => info
            .result(
                Status::Breach,
                SUBJECT_ADVISER,
                format!(
                    "No personal adviser is recorded for the young person, who is {age} and leaving care; allocate one."
                ),
            )
            .with_evidence("missing_field", "leaving_care.personal_adviser"),
        Some(a) => match a.from {
            Some(from) if ctx.is_future(from) => info
                .insufficient(
                    SUBJECT_ADVISER,
                    "leaving_care.personal_adviser.from",
                    &format!(
                        "The personal adviser is recorded as starting on {}, after the evaluation date {}; correct the date before the adviser is counted.",
                        format_long(from),
                        format_long(ctx.evaluation_date)
                    ),
                )
                .with_evidence("recorded_date", from),
            Some(from) => info
                .result(
                    Status::Met,
                    SUBJECT_ADVISER,
                    format!(
                        "A personal adviser has been allocated since {}.",
                        format_long(from)
                    ),
                )
                .with_evidence("personal_adviser", a.name.trim())
                .with_evidence("adviser_from", from),
            None => info
                .result(
                    Status::Met,
                    SUBJECT_ADVISER,
                    "A personal adviser is allocated.",
                )
                .with_evidence("personal_adviser", a.name.trim()),
        },
    }
}

fn plan_addresses_mental_health(
    info: &CheckInfo,
    leaving_care: Option<&LeavingCare>,
) -> CheckResult {
    let Some(lc) = leaving_care else {
        return info.insufficient(
            SUBJECT_PLAN,
            "leaving_care",
            "There is no leaving-care record for the young person, so it cannot be told whether their pathway plan addresses their mental health; record the pathway plan.",
        );
    };
    match lc.plan_addresses_mental_health {
        Some(true) => info.result(
            Status::Met,
            SUBJECT_PLAN,
            "The pathway plan addresses the young person's mental health.",
        ),
        Some(false) => info
            .result(
                Status::Breach,
                SUBJECT_PLAN,
                "The pathway plan does not address the young person's mental health; add it explicitly at the next review.",
            )
            .with_evidence("plan_addresses_mental_health", false),
        None => info.insufficient(
            SUBJECT_PLAN,
            "leaving_care.plan_addresses_mental_health",
            "It is not recorded whether the pathway plan addresses the young person's mental health; record it.",
        ),
    }
}

carecheck_sdk::export_policy!(CareLeaverPathway);

#[cfg(test)]
mod tests;
