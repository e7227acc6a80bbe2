//! `education-mental-health`: a looked-after child of school age has a designated teacher trained
//! in looked-after pupils' mental health, and a personal education plan reviewed every term.
//!
//! Sources: the Children and Young Persons Act 2008 s20 (the governing body of every maintained
//! school designates a member of staff as the designated teacher for looked-after pupils); the
//! expert working group on the mental health of looked-after children (EWG 2017) recommendation 12
//! (designated teachers trained in identifying looked-after pupils' mental health needs); and the
//! statutory guidance "Promoting the education of looked-after children and previously
//! looked-after children" (DfE, February 2018): the personal education plan (PEP) is reviewed each
//! school term.
//!
//! For a child in a period of care on the evaluation date and of compulsory school age on it,
//! three checks, one result each:
//! - `designated-teacher` (statutory, CYPA 2008 s20; subject `designated teacher`): a designated
//!   teacher is recorded.
//! - `designated-teacher-trained` (guidance, EWG rec 12; subject `designated teacher`): the
//!   designated teacher's mental health training is recorded.
//! - `pep-review` (guidance, 2018 guidance; subject `personal education plan`): no more than
//!   `pep_months` (default 4) between PEP reviews. The next review is due `pep_months` after the
//!   latest one in the current period of care, or after the period began when there is none; the
//!   status follows the timing (`upcoming`, `due_soon`, `breach` once the due date has passed).
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - Compulsory school age is taken as age 5 to 15 inclusive on the evaluation date (whole years,
//!   `age_on`). This is a proxy. In law a child becomes of compulsory school age on the prescribed
//!   day (31 Dec, 31 Mar or 31 Aug) after their fifth birthday, so the proxy starts up to a term
//!   early; and they remain of that age until the last Friday in June of the school year in which
//!   they turn 16, so the proxy stops early for Year 11 pupils who have turned 16 (often most of
//!   Year 11). The record holds no school year, so an IRO should still check the PEPs of Year 11
//!   pupils aged 16 by hand. Children outside the proxy get `not_applicable` for every check.
//! - "Termly" is read, as the reference says, as no more than 4 months between reviews. Only the
//!   current interval is judged: a gap earlier in the period is history, not a present breach.
//! - The clock runs from the later of the start of the current period of care and the child's
//!   fifth birthday (the rule does not reach younger children): the next review is due
//!   `pep_months` after the latest review in the period or after that start, whichever is later.
//!   Reviews from an earlier period of care do not count; an early-years review before the fifth
//!   birthday does not move the first school-age review earlier.
//! - A child not in a period of care on the evaluation date gets `not_applicable`; a record with
//!   no period of care at all, or no date of birth, gives `insufficient_data` naming the field.
//!   A date of birth recorded as approximate is used as given and flagged in the evidence.
//! - A record with no `education` section for a child of school age gives `insufficient_data`
//!   naming `education` for each check: the record says nothing about their schooling. Inside an
//!   education section, a missing designated teacher or training is a `breach`.
//! - The designated teacher's training has no timescale in the reference, so there is no due date.
//!   With no designated teacher recorded, the training check is `insufficient_data` naming
//!   `education.designated_teacher` (the missing teacher itself is the `designated-teacher`
//!   breach).
//! - A PEP review or training date after the evaluation date is a data error. A future PEP review
//!   gets its own `insufficient_data` result (subject `PEP review <date>`) and the interval is
//!   worked out from the other reviews; a future training date makes the training check
//!   `insufficient_data`.

use carecheck_sdk::dates::{add_months, age_on, birthday, format_long};
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::Education;
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct EducationMentalHealth;

const PEP_MONTHS: u32 = 4;
/// The proxy for compulsory school age: these ages, inclusive, on the evaluation date.
const SCHOOL_AGE_FROM: u32 = 5;
const SCHOOL_AGE_TO: u32 = 15;

/// Settings. A local authority may shorten the PEP interval, never lengthen it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EducationSettings {
    /// Months allowed between personal education plan reviews (2018 statutory guidance, termly: 4).
    pub pep_months: u32,
}

impl Default for EducationSettings {
    fn default() -> Self {
        Self {
            pep_months: PEP_MONTHS,
        }
    }
}

impl Settings for EducationSettings {
    fn check(&self) -> Result<(), String> {
        at_most(
            "pep_months",
            self.pep_months,
            PEP_MONTHS,
            "the 2018 statutory guidance on promoting the education of looked-after children (termly PEP reviews)",
        )?;
        if self.pep_months == 0 {
            return Err("setting `pep_months` must be at least 1".into());
        }
        Ok(())
    }
}

fn checks() -> [CheckInfo; 3] {
    [
        CheckInfo::statutory(
            "designated-teacher",
            "The child's school has a designated teacher for looked-after pupils",
            "CYPA 2008 s20",
        ),
        CheckInfo::guidance(
            "designated-teacher-trained",
            "The designated teacher is trained in identifying looked-after pupils' mental health needs",
            "EWG 2017 rec 12",
        ),
        CheckInfo::guidance(
            "pep-review",
            "Personal education plan reviewed each term (no more than 4 months apart)",
            "Promoting the education of looked-after children (statutory guidance, 2018)",
        ),
    ]
}

impl Policy for EducationMentalHealth {
    type Record = CareRecord;
    type Settings = EducationSettings;

    fn about() -> About {
        About {
            id: "education-mental-health",
            version: env!("CARGO_PKG_VERSION"),
            title: "Education and mental health",
            description: "For a looked-after child of school age, checks that the school has a \
                          designated teacher trained in looked-after pupils' mental health needs \
                          and that the personal education plan is reviewed each term.",
            author: "carecheck",
            citations: &[
                "CYPA 2008 s20",
                "EWG 2017 rec 12",
                "Promoting the education of looked-after children and previously looked-after children (statutory guidance, 2018)",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/child/date_of_birth_approximate",
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/education/school/name",
                "/education/designated_teacher/name",
                "/education/designated_teacher/mental_health_training",
                "/education/pep_reviews",
            ],
            effective_from: NaiveDate::from_ymd_opt(2018, 2, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &EducationSettings) -> Vec<CheckResult> {
        let checks = checks();
        let today = ctx.evaluation_date;
        let all_insufficient = |field: &str, why: &str| -> Vec<CheckResult> {
            checks
                .iter()
                .map(|c| c.insufficient(subject_of(c), field, why))
                .collect()
        };
        let all_not_applicable = |why: &str| -> Vec<CheckResult> {
            checks
                .iter()
                .map(|c| c.result(Status::NotApplicable, subject_of(c), why))
                .collect()
        };
        if record.periods_of_care.is_empty() {
            return all_insufficient(
                "periods_of_care",
                "The record has no period of care, so it cannot be told whether the child is looked after; add the episodes of care.",
            );
        }
        let Some(period_start) = record.period_containing(today).and_then(|p| p.start()) else {
            return all_not_applicable(&format!(
                "The child is not in a period of care on {}, so the looked-after education duties do not apply.",
                format_long(today)
            ));
        };
        let Some(dob) = record.child.date_of_birth else {
            return all_insufficient(
                "child.date_of_birth",
                "The child's date of birth is not recorded, so it cannot be told whether they are of compulsory school age; record it.",
            );
        };
        let age = age_on(dob, today);
        if !(SCHOOL_AGE_FROM..=SCHOOL_AGE_TO).contains(&age) {
            return all_not_applicable(&format!(
                "The child is {age} on {}, outside compulsory school age (taken as 5 to 15), so the school duties are not checked.",
                format_long(today)
            ));
        }
        let Some(education) = &record.education else {
            return all_insufficient(
                "education",
                &format!(
                    "No education details are recorded for the child, who is {age} and of compulsory school age; record the school, designated teacher and PEP reviews."
                ),
            );
        };
        let [teacher, trained, pep] = &checks;
        let mut results = vec![
            designated_teacher(teacher, education),
            teacher_trained(ctx, trained, education),
        ];
        pep_reviews(ctx, pep, education, period_start, dob, s, &mut results);
        for r in &mut results {
            r.evidence.push(("age".into(), age.to_string()));
            if record.child.date_of_birth_approximate {
                r.evidence
                    .push(("date_of_birth_approximate".into(), "true".into()));
            }
        }
        results
    }
}

const SUBJECT_TEACHER: &str = "designated teacher";
const SUBJECT_PEP: &str = "personal education plan";

fn subject_of(check: &CheckInfo) -> &'static str {
    if check.id == "pep-review" {
        SUBJECT_PEP
    } else {
        SUBJECT_TEACHER
    }
}

fn school_text(education: &Education) -> String {
    match education
        .school
        .as_ref()
        .map(|s| s.name.trim())
        .filter(|n| !n.is_empty())
    {
        Some(name) => format!("at {name}"),
        None => "for the child's school".into(),
    }
}

fn named_teacher(education: &Education) -> Option<&carecheck_sdk::record::DesignatedTeacher> {
    education
        .designated_teacher
        .as_ref()
        .filter(|t| !t.name.trim().is_empty())
}

fn designated_teacher(info: &CheckInfo, education: &Education) -> CheckResult {
    let school = school_text(education);
    match named_teacher(education) {
        Some(t) => info
            .result(
                Status::Met,
                SUBJECT_TEACHER,
                format!("A designated teacher for looked-after pupils is recorded {school}."),
            )
            .with_evidence("designated_teacher", t.name.trim()),
        None => info
            .result(
                Status::Breach,
                SUBJECT_TEACHER,
                format!(
                    "No designated teacher for looked-after pupils is recorded {school}; record the school's designated teacher."
                ),
            )
            .with_evidence("missing_field", "education.designated_teacher"),
    }
}

fn teacher_trained(ctx: &Context, info: &CheckInfo, education: &Education) -> CheckResult {
    let Some(t) = named_teacher(education) else {
        return info.insufficient(
            SUBJECT_TEACHER,
            "education.designated_teacher",
            "No designated teacher is recorded, so their mental health training cannot be checked; record the designated teacher first.",
        );
    };
    match t.mental_health_training {
        Some(date) if ctx.is_future(date) => info
            .insufficient(
                SUBJECT_TEACHER,
                "education.designated_teacher.mental_health_training",
                &format!(
                    "The designated teacher's mental health training is dated {}, after the evaluation date {}; correct the date before it is counted.",
                    format_long(date),
                    format_long(ctx.evaluation_date)
                ),
            )
            .with_evidence("recorded_date", date),
        Some(date) => info
            .result(
                Status::Met,
                SUBJECT_TEACHER,
                format!(
                    "The designated teacher was trained in identifying looked-after pupils' mental health needs on {}.",
                    format_long(date)
                ),
            )
            .with_evidence("mental_health_training", date),
        None => info
            .result(
                Status::Breach,
                SUBJECT_TEACHER,
                "There is no record that the designated teacher has been trained in identifying looked-after pupils' mental health needs; record the training or arrange it.",
            )
            .with_evidence(
                "missing_field",
                "education.designated_teacher.mental_health_training",
            ),
    }
}

fn pep_reviews(
    ctx: &Context,
    info: &CheckInfo,
    education: &Education,
    period_start: NaiveDate,
    dob: NaiveDate,
    s: &EducationSettings,
    results: &mut Vec<CheckResult>,
) {
    let mut future: Vec<NaiveDate> = education
        .pep_reviews
        .iter()
        .copied()
        .filter(|d| ctx.is_future(*d))
        .collect();
    future.sort();
    future.dedup();
    for date in future {
        results.push(
            info.insufficient(
                format!("PEP review {date}"),
                "education.pep_reviews[]",
                &format!(
                    "A PEP review is dated {}, after the evaluation date {}; correct the date before it is counted.",
                    format_long(date),
                    format_long(ctx.evaluation_date)
                ),
            )
            .with_evidence("recorded_date", date),
        );
    }
    let fifth_birthday = birthday(dob, SCHOOL_AGE_FROM);
    let clock_start = period_start.max(fifth_birthday);
    let latest = education
        .pep_reviews
        .iter()
        .copied()
        .filter(|d| *d >= period_start && !ctx.is_future(*d))
        .max();
    let what = match latest {
        Some(last) if last >= clock_start => {
            format!("Next PEP review (last reviewed {})", format_long(last))
        }
        _ if fifth_birthday > period_start => format!(
            "First PEP review since the child turned 5 on {}",
            format_long(fifth_birthday)
        ),
        _ => format!(
            "First PEP review of the period of care that began on {}",
            format_long(period_start)
        ),
    };
    let from = latest.map_or(clock_start, |last| last.max(clock_start));
    let due = add_months(from, s.pep_months);
    let timing = ctx.timing(due, None);
    let mut result = info
        .result(
            timing.status(),
            SUBJECT_PEP,
            describe(&what, "held", due, timing),
        )
        .with_due(due)
        .with_evidence("period_start", period_start);
    if let Some(last) = latest {
        result = result.with_evidence("latest_pep_review", last);
    }
    results.push(result);
}

carecheck_sdk::export_policy!(EducationMentalHealth);

#[cfg(test)]
mod tests;
