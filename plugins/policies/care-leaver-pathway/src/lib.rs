//! `care-leaver-pathway`: an eligible, relevant or former relevant young person has a pathway
//! plan reviewed at least every six months, a personal adviser, and a plan that addresses their
//! mental health.
//!
//! Sources: the Children Act 1989 Sch 2 para 19B, s23A, s23C and CPPCR 2010 reg 40 (who is a
//! care leaver); the Care Leavers (England) Regulations 2010 (the pathway plan is reviewed at
//! least every 6 months); the Children Act 1989 s23CZB (inserted by the Children and Social Work
//! Act 2017, in force 1 April 2018: a personal adviser for former relevant children up to age 25
//! on request), and the care leavers' mental health recommendations of the London survey (mental
//! health addressed explicitly in plans for 0-25 services).
//!
//! Who the checks apply to is worked out by the SDK (`carecheck_sdk::care_leavers`) from the date
//! of birth and the periods of care, not from the leaving-care record or age alone: an *eligible*
//! child (16 or 17, looked after, 13 weeks looked after since the 14th birthday ending after the
//! 16th), a *relevant* child (16 or 17, left care while eligible) or a *former relevant* child
//! (18 to 24, eligible or relevant before). Everyone else gets `not_applicable` with the reason:
//! under 16, 25 or over, or not (yet) qualifying, with the day they will become eligible if they
//! stay looked after. The SDK's readings (13 weeks = 91 days, short breaks left out, ...) are
//! documented there.
//!
//! Three checks for a care leaver:
//! - `pathway-plan-review` (statutory), a recurring requirement: one result per review owed. The
//!   first is due `review_months` (6) after the young person became an eligible child; each
//!   review held satisfies the next (on time `met`, late `breach`) and the next is due
//!   `review_months` after it; the one not yet held is `upcoming`, `due_soon` or `breach`.
//! - `personal-adviser` (statutory, s23CZB; subject `personal adviser`): a personal adviser is
//!   recorded.
//! - `plan-addresses-mental-health` (guidance): `plan_addresses_mental_health` is true (`met`);
//!   false is a `breach`; not recorded is `insufficient_data`.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - The clock of the first review runs from the day the young person became eligible: a child
//!   who came into care at 16½ is not told a review "was due" before they could qualify. Reviews
//!   dated before that day do not count. Intervals run from the date the previous review
//!   happened (early or late), as for statutory reviews; each review is its own result, the one
//!   not yet held is `current`, earlier ones are history. Reviews due from the 25th birthday on
//!   are not owed.
//! - Nothing changes at 17, 18 or 21 for these checks: the six-monthly review and the plan's
//!   content apply to eligible, relevant and former relevant young people alike (the reference
//!   gives 6 months for relevant and former relevant children and "at each statutory review" for
//!   eligible ones; the six-monthly reading is kept for all), and a personal adviser is required
//!   throughout, to the 25th birthday (the record holds no "request" after 21, so one is assumed).
//! - A care leaver with no leaving-care record at all: the pathway plan reviews are judged as
//!   none recorded, no personal adviser is a `breach`, and whether the plan addresses mental
//!   health is `insufficient_data` naming `leaving_care`.
//! - The personal adviser and the plan's content are standing requirements: their results are
//!   `current`. The reference gives no timescale for a personal adviser, so a missing adviser is
//!   a `breach` with no due date.
//! - A pathway plan review or adviser start date after the evaluation date is a data error,
//!   never evidence. One cause gives one result: while a review is outstanding, the misdated
//!   reviews are its result (`insufficient_data` naming `leaving_care.pathway_plan_reviews[]`,
//!   with the due date fixed by the last review); otherwise one result of their own, with no due
//!   date. A future adviser start makes `personal-adviser` `insufficient_data`.
//! - Where the record cannot show whether the young person is a care leaver (no date of birth,
//!   no period of care, a period without episodes), every check is `insufficient_data` naming
//!   the field.
//! - Provenance: the status needs the child's details and the periods of care; the checks need
//!   the leaving-care section (`leaving_care`). An SSDA903 return supplies the first two but not
//!   the third, so an SSDA903-only record of a care leaver gives `insufficient_data` naming
//!   `leaving_care` on every check, never a breach.
//! - A date of birth recorded as approximate is used as given and flagged in the evidence.

use carecheck_sdk::care_leavers::{CareLeaverStatus, Unknown, care_leaver_status};
use carecheck_sdk::dates::{age_on, birthday, format_long};
use carecheck_sdk::record::{LeavingCare, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::Long;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct CareLeaverPathway;

const REVIEW_MONTHS: u32 = 6;
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
            description: "For an eligible, relevant or former relevant young person (worked out \
                          from the periods of care), checks six-monthly pathway plan reviews, a \
                          personal adviser, and that the plan addresses their mental health.",
            author: "carecheck",
            citations: &[
                "CA 1989 Sch 2 para 19B, s23A, s23C",
                "CPPCR 2010 reg 40",
                "Care Leavers (England) Regulations 2010",
                "CA 1989 s23CZB",
                "London survey recommendations on care leavers' mental health",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/child/date_of_birth_approximate",
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/periods_of_care/*/episodes/*/legal_status",
                "/leaving_care/pathway_plan_reviews",
                "/leaving_care/personal_adviser/name",
                "/leaving_care/personal_adviser/from",
                "/leaving_care/plan_addresses_mental_health",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2018, 4, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &PathwaySettings) -> Vec<CheckResult> {
        let checks = checks();
        let today = ctx.evaluation_date;
        let all = |make: &dyn Fn(&CheckInfo) -> CheckResult| -> Vec<CheckResult> {
            checks.iter().map(|c| make(c).with_current(true)).collect()
        };
        let status = match care_leaver_status(record, today) {
            Ok(status) => status,
            Err(Unknown::NotSupplied(section)) => {
                return all(&|c| c.not_supplied(subject_of(c), record, section));
            }
            Err(Unknown::Missing(field)) => {
                let why = text![
                    "It cannot be told whether the young person is an eligible, relevant or former relevant child without `",
                    &field,
                    "`; record it."
                ];
                return all(&|c| c.insufficient(subject_of(c), field, &why));
            }
        };
        let Some(kind) = status.label() else {
            let why = not_applicable_reason(record, status, today);
            return all(&|c| c.result(Status::NotApplicable, subject_of(c), why.clone()));
        };
        if !record.supplied(Section::LeavingCare) {
            return all(&|c| c.not_supplied(subject_of(c), record, Section::LeavingCare));
        }
        let eligible_since = status.eligible_since().expect("a care leaver was eligible");
        let leaving_care = record.leaving_care.as_ref();
        let [review, adviser, mental_health] = &checks;
        let mut results =
            pathway_plan_reviews(ctx, review, record, leaving_care, eligible_since, s);
        results.push(personal_adviser(ctx, adviser, leaving_care, kind).with_current(true));
        results.push(plan_addresses_mental_health(mental_health, leaving_care).with_current(true));
        let age = record.child.date_of_birth.map(|d| age_on(d, today));
        for r in &mut results {
            r.evidence.push(("care_leaver".into(), kind.into()));
            r.evidence
                .push(("eligible_since".into(), eligible_since.to_string()));
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

/// Why the duties do not apply, for the statuses that are not a care leaver.
fn not_applicable_reason(
    record: &CareRecord,
    status: CareLeaverStatus,
    today: NaiveDate,
) -> String {
    let age = record.child.date_of_birth.map_or(0, |d| age_on(d, today));
    let on = format_long(today);
    match status {
        CareLeaverStatus::Under16 => text![
            "The child is ",
            &age,
            " on ",
            &on,
            ", under 16, so the care-leaver duties do not apply yet."
        ],
        CareLeaverStatus::Aged25OrOver => text![
            "The young person is ",
            &age,
            " on ",
            &on,
            ", and leaving-care support runs until the 25th birthday, so the care-leaver duties no longer apply."
        ],
        CareLeaverStatus::NotQualified {
            days_counted,
            eligible_on,
        } => {
            let then = match eligible_on {
                Some(day) => text![
                    "; if they stay looked after they become an eligible child on ",
                    Long(day)
                ],
                None => String::new(),
            };
            text![
                "The young person is ",
                &age,
                " on ",
                &on,
                " and not an eligible, relevant or former relevant child: the periods of care give ",
                &days_counted,
                " days looked after since the 14th birthday, and 13 weeks (91 days) ending after the 16th birthday are needed",
                &then,
                "."
            ]
        }
        _ => unreachable!("care leavers are handled by the checks"),
    }
}

/// The pathway plan reviews owed since the young person became eligible, one result each.
fn pathway_plan_reviews(
    ctx: &Context,
    info: &CheckInfo,
    record: &CareRecord,
    leaving_care: Option<&LeavingCare>,
    eligible_since: NaiveDate,
    s: &PathwaySettings,
) -> Vec<CheckResult> {
    let rows = leaving_care.map_or(&[][..], |l| l.pathway_plan_reviews.as_slice());
    let until = record
        .child
        .date_of_birth
        .and_then(|dob| birthday(dob, UPPER_AGE).pred_opt());
    let every = recurring::Every::months_after(eligible_since, eligible_since, s.review_months)
        .until(until);
    let wording = recurring::Wording {
        noun: "pathway plan review",
        rows: "pathway plan review",
        a_noun: "A pathway plan review",
        field: "leaving_care.pathway_plan_reviews[]",
        subject: SUBJECT_PLAN,
        verb: "held",
    };
    recurring::every(
        ctx,
        info,
        &wording,
        rows.iter().copied(),
        every,
        |o| match o.after {
            Some(after) => text!["Next pathway plan review (last reviewed ", Long(after), ")"],
            None => text![
                "First pathway plan review, counted from becoming an eligible child on ",
                Long(eligible_since),
                ","
            ],
        },
    )
}

fn personal_adviser(
    ctx: &Context,
    info: &CheckInfo,
    leaving_care: Option<&LeavingCare>,
    kind: &str,
) -> CheckResult {
    match leaving_care
        .and_then(|lc| lc.personal_adviser.as_ref())
        .filter(|a| !a.name.trim().is_empty())
    {
        None => info
            .result(
                Status::Breach,
                SUBJECT_ADVISER,
                text![
                    "No personal adviser is recorded for the young person, who is ",
                    &kind,
                    "; allocate one."
                ],
            )
            .with_evidence("missing_field", "leaving_care.personal_adviser"),
        Some(a) => match a.from {
            Some(from) if ctx.is_future(from) => info
                .insufficient(
                    SUBJECT_ADVISER,
                    "leaving_care.personal_adviser.from",
                    text![
                        "The personal adviser is recorded as starting on ",
                        Long(from),
                        ", after the evaluation date ",
                        Long(ctx.evaluation_date),
                        "; correct the date before the adviser is counted."
                    ],
                )
                .with_evidence("recorded_date", from),
            Some(from) => info
                .result(
                    Status::Met,
                    SUBJECT_ADVISER,
                    text![
                        "A personal adviser has been allocated since ",
                        Long(from),
                        "."
                    ],
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
