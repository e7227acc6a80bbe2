//! `education-mental-health`: a looked-after child at school has a designated teacher trained
//! in looked-after pupils' mental health, and a child of compulsory school age a personal
//! education plan reviewed every term.
//!
//! Sources: the Children and Young Persons Act 2008 s20 (the governing body of every maintained
//! school designates a member of staff as the designated teacher for looked-after pupils); the
//! expert working group on the mental health of looked-after children (EWG 2017) recommendation 12
//! (designated teachers trained in identifying looked-after pupils' mental health needs); and the
//! statutory guidance "Promoting the education of looked-after children and previously
//! looked-after children" (DfE, February 2018): the personal education plan (PEP) is reviewed each
//! school term.
//!
//! For a child in a period of care on the evaluation date, three checks:
//! - `designated-teacher` (statutory, CYPA 2008 s20; subject `designated teacher`): a designated
//!   teacher is recorded. It applies to every looked-after child at school, whatever their age:
//!   a child with a school recorded, or of compulsory school age.
//! - `designated-teacher-trained` (guidance, EWG rec 12; subject `designated teacher`): the
//!   designated teacher's mental health training is recorded. Same scope.
//! - `pep-review` (guidance, 2018 guidance; subject `personal education plan`): a recurring
//!   requirement for a child of compulsory school age, one result per PEP review owed in the
//!   current period of care: each is due `pep_months` (default 4) after the previous review, the
//!   first `pep_months` after the later of the period's start and the start of compulsory school
//!   age; each review held satisfies the next (on time `met`, late `breach`), and the one not yet
//!   held is `upcoming`, `due_soon` or `breach` by the timing.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - Compulsory school age is worked out from the date of birth by the SDK
//!   (`carecheck_sdk::school_age`, Education Act 1996 s8): from the first 31 March, 31 August or
//!   31 December on or after the 5th birthday to the last Friday in June of the school year in
//!   which the child turns 16. A Year 11 pupil who has turned 16 is therefore still checked until
//!   that Friday; a child of 16 after it is not. No whole-years proxy.
//! - "Termly" is read, as the reference says, as no more than 4 months between reviews. Reviews
//!   are judged against the interval from the previous one; each is its own result (a gap earlier
//!   in the period stays in the history, the review not yet held is `current`).
//! - The clock runs from the later of the start of the current period of care and the start of
//!   compulsory school age (the rule does not reach younger children), and the series stops at
//!   the end of compulsory school age: a review that would fall due after it is not owed (when
//!   even the first is not, one `not_applicable` result says so). Reviews
//!   from an earlier period of care do not count; an early-years review before compulsory school
//!   age does not move the first school-age review earlier.
//! - A child not in a period of care on the evaluation date gets `not_applicable`; a record with
//!   no period of care at all, or no date of birth, gives `insufficient_data` naming the field.
//!   A date of birth recorded as approximate is used as given and flagged in the evidence.
//! - A child outside compulsory school age with no school recorded gets `not_applicable` for the
//!   designated-teacher checks (not recorded as at school); with a school recorded (a reception
//!   pupil of 4, a sixth-former of 17) they apply. `pep-review` is `not_applicable` outside
//!   compulsory school age.
//! - A record with no `education` section for a child of compulsory school age gives
//!   `insufficient_data` naming `education` for each check: the record says nothing about their
//!   schooling. Inside an education section, a missing designated teacher or training is a
//!   `breach`.
//! - The designated teacher's training has no timescale in the reference, so there is no due date.
//!   With no designated teacher recorded, the training check is `insufficient_data` naming
//!   `education.designated_teacher` (the missing teacher itself is the `designated-teacher`
//!   breach). The designated-teacher results are `current` (standing requirements).
//! - A PEP review dated after the evaluation date is a data error, never evidence. One cause gives
//!   one result: while a PEP review is outstanding, the misdated rows are its result
//!   (`insufficient_data` naming `education.pep_reviews[]`, with the due date fixed by the last
//!   review); otherwise one result of their own. A training date after the evaluation date makes
//!   the training check `insufficient_data`. Data errors carry no other due date.
//! - Provenance: the checks need the periods of care and the child's details; the
//!   designated-teacher checks need the school and the designated teacher
//!   (`education.school`, `education.designated_teacher`), the PEP check the PEP reviews
//!   (`education.pep_reviews`). An SSDA903 return supplies none of the education sections, so
//!   an SSDA903-only record gives `insufficient_data` naming them (never a breach) wherever a
//!   check applies.

use carecheck_sdk::dates::age_on;
use carecheck_sdk::record::{Education, PeriodOfCare, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::school_age::{CompulsorySchoolAge, compulsory_school_age};
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::Long;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct EducationMentalHealth;

const PEP_MONTHS: u32 = 4;

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
            description: "For a looked-after child at school, checks that the school has a \
                          designated teacher trained in looked-after pupils' mental health needs, \
                          and for a child of compulsory school age that the personal education \
                          plan is reviewed each term.",
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
                "/provenance",
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
                .map(|c| c.insufficient(subject_of(c), field, why).with_current(true))
                .collect()
        };
        if let Some(section) = record.unsupplied(&[Section::PeriodsOfCare, Section::Child]) {
            return checks
                .iter()
                .map(|c| c.not_supplied(subject_of(c), record, section))
                .collect();
        }
        if record.periods_of_care.is_empty() {
            return all_insufficient(
                "periods_of_care",
                "The record has no period of care, so it cannot be told whether the child is looked after; add the episodes of care.",
            );
        }
        let Some(period) = record.period_containing(today) else {
            let why = text![
                "The child is not in a period of care on ",
                Long(today),
                ", so the looked-after education duties do not apply."
            ];
            return checks.iter().map(|c| not_applicable(c, &why)).collect();
        };
        let Some(dob) = record.child.date_of_birth else {
            return all_insufficient(
                "child.date_of_birth",
                "The child's date of birth is not recorded, so it cannot be told whether they are of compulsory school age; record it.",
            );
        };
        let age = age_on(dob, today);
        let csa = compulsory_school_age(dob);
        let [teacher, trained, pep] = &checks;
        let mut results = teacher_checks(ctx, record, teacher, trained, &csa, age);
        results.extend(pep_reviews(ctx, record, pep, period, &csa, age, s));
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

fn not_applicable(check: &CheckInfo, why: &str) -> CheckResult {
    check
        .result(Status::NotApplicable, subject_of(check), why)
        .with_current(true)
}

/// "from 31 Aug 2014 to 27 Jun 2025", for messages.
fn csa_text(csa: &CompulsorySchoolAge) -> String {
    text![
        "compulsory school age runs from ",
        Long(csa.start),
        " to ",
        Long(csa.end)
    ]
}

/// The two designated-teacher checks: for a child at school (a school recorded) or of
/// compulsory school age, whatever their age.
fn teacher_checks(
    ctx: &Context,
    record: &CareRecord,
    teacher: &CheckInfo,
    trained: &CheckInfo,
    csa: &CompulsorySchoolAge,
    age: u32,
) -> Vec<CheckResult> {
    let today = ctx.evaluation_date;
    let in_csa = csa.contains(today);
    let both = [teacher, trained];
    if let Some(section) = record.unsupplied(&[Section::School, Section::DesignatedTeacher]) {
        return both
            .map(|c| c.not_supplied(SUBJECT_TEACHER, record, section))
            .to_vec();
    }
    let education = record.education.as_ref();
    let at_school = education.is_some_and(|e| e.school.is_some());
    match education {
        Some(education) if in_csa || at_school => vec![
            designated_teacher(teacher, education),
            teacher_trained(ctx, trained, education),
        ],
        None if in_csa => both
            .map(|c| {
                c.insufficient(
                    SUBJECT_TEACHER,
                    "education",
                    text![
                        "No education details are recorded for the child, who is ",
                        &age,
                        " and of compulsory school age; record the school, designated teacher and PEP reviews.",
                    ],
                )
                .with_current(true)
            })
            .to_vec(),
        _ => {
            let why = not_of_school_age(
                age,
                today,
                csa,
                ", and no school is recorded, so the designated-teacher duties are not checked.",
            );
            both.map(|c| not_applicable(c, &why)).to_vec()
        }
    }
}

/// "The child is 3 on 1 Sep 2025 and not of compulsory school age (...)" and what follows.
fn not_of_school_age(age: u32, today: NaiveDate, csa: &CompulsorySchoolAge, so: &str) -> String {
    text![
        "The child is ",
        age,
        " on ",
        Long(today),
        " and not of compulsory school age (",
        csa_text(csa),
        ")",
        so,
    ]
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
        Some(name) => text!["at ", &name],
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
    let r = match named_teacher(education) {
        Some(t) => info
            .result(
                Status::Met,
                SUBJECT_TEACHER,
                text![
                    "A designated teacher for looked-after pupils is recorded ",
                    &school,
                    "."
                ],
            )
            .with_evidence("designated_teacher", t.name.trim()),
        None => info
            .result(
                Status::Breach,
                SUBJECT_TEACHER,
                text![
                    "No designated teacher for looked-after pupils is recorded ",
                    &school,
                    "; record the school's designated teacher."
                ],
            )
            .with_evidence("missing_field", "education.designated_teacher"),
    };
    r.with_current(true)
}

fn teacher_trained(ctx: &Context, info: &CheckInfo, education: &Education) -> CheckResult {
    let Some(t) = named_teacher(education) else {
        return info
            .insufficient(
                SUBJECT_TEACHER,
                "education.designated_teacher",
                "No designated teacher is recorded, so their mental health training cannot be checked; record the designated teacher first.",
            )
            .with_current(true);
    };
    let r = match t.mental_health_training {
        Some(date) if ctx.is_future(date) => info
            .insufficient(
                SUBJECT_TEACHER,
                "education.designated_teacher.mental_health_training",
                text![
                    "The designated teacher's mental health training is dated ",
                    Long(date),
                    ", after the evaluation date ",
                    Long(ctx.evaluation_date),
                    "; correct the date before it is counted.",
                ],
            )
            .with_evidence("recorded_date", date),
        Some(date) => info
            .result(
                Status::Met,
                SUBJECT_TEACHER,
                text![
                    "The designated teacher was trained in identifying looked-after pupils' mental health needs on ",
                    Long(date),
                    ".",
                ],
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
    };
    r.with_current(true)
}

/// The PEP reviews of the current period, one result per review owed, for a child of
/// compulsory school age.
fn pep_reviews(
    ctx: &Context,
    record: &CareRecord,
    info: &CheckInfo,
    period: &PeriodOfCare,
    csa: &CompulsorySchoolAge,
    age: u32,
    s: &EducationSettings,
) -> Vec<CheckResult> {
    let today = ctx.evaluation_date;
    if !csa.contains(today) {
        return vec![not_applicable(
            info,
            &not_of_school_age(age, today, csa, ", so PEP reviews are not checked."),
        )];
    }
    if !record.supplied(Section::PepReviews) {
        return vec![info.not_supplied(SUBJECT_PEP, record, Section::PepReviews)];
    }
    let Some(education) = &record.education else {
        return vec![
            info.insufficient(
                SUBJECT_PEP,
                "education",
                text![
                    "No education details are recorded for the child, who is ",
                    &age,
                    " and of compulsory school age; record the school, designated teacher and PEP reviews.",
                ],
            )
            .with_current(true),
        ];
    };
    let period_start = period
        .start()
        .expect("a period containing a date has a start");
    let clock_start = period_start.max(csa.start);
    let every = recurring::Every::months_after(clock_start, clock_start, s.pep_months)
        .until(Some(period.end().map_or(csa.end, |end| end.min(csa.end))));
    let wording = recurring::Wording {
        noun: "PEP review",
        rows: "PEP review",
        a_noun: "A PEP review",
        field: "education.pep_reviews[]",
        subject: SUBJECT_PEP,
        verb: "held",
    };
    let rows = education.pep_reviews.iter().copied();
    recurring::every(ctx, info, &wording, rows, every, |o| match o.after {
        Some(after) => text!["Next PEP review (last reviewed ", Long(after), ")"],
        None if csa.start > period_start => text![
            "First PEP review since compulsory school age began on ",
            Long(csa.start)
        ],
        None => text![
            "First PEP review of the period of care that began on ",
            Long(period_start)
        ],
    })
    .into_iter()
    .map(|r| r.with_evidence("period_start", period_start))
    .collect()
}

carecheck_sdk::export_policy!(EducationMentalHealth);

#[cfg(test)]
mod tests;
