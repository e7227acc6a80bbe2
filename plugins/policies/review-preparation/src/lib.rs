//! `review-preparation`: each statutory review prepared for and followed up as the IRO Handbook
//! expects (IRO Handbook 2010; `statutory-rules.md`, "Preparing for a review").
//!
//! Every check is guidance (the Handbook is statutory guidance) and every figure a setting with
//! the table's default, which a local authority may tighten, never loosen. Checks, one result
//! each per review held (and, for the first three, the review planned next):
//! - `papers-with-iro`: the care plan, health plan and PEP reached the IRO at least 3 days before
//!   the review (`papers_days_before`, 3);
//! - `child-consulted`: the child was consulted about the review's arrangements and matters
//!   before it (`child_consulted_days_before`, 1: see below);
//! - `iro-spoke-with-child`: the IRO spoke with the child before the review (IRO Handbook 2010;
//!   CPPCR 2010 reg 36, marked "to verify" in the reference) (`iro_spoke_days_before`, 0);
//! - `decisions-circulated`: the decisions circulated within 5 working days of the review
//!   (`decisions_working_days`, 5);
//! - `record-circulated`: the full review record circulated within 20 working days of the review
//!   (`record_working_days`, 20).
//!
//! The allocation of an IRO within 5 working days of the child becoming looked after is the same
//! table's first row; `iro-appointed` checks it (`iro-allocated`), beside the other checks of IRO
//! assignments and periods of care.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - "3 days" are calendar days: the reference says "days", not "working days". The deadline is
//!   the review date less 3 days, and papers arriving on that day are on time: for a review on
//!   Monday 12 May, by Friday 9 May.
//! - "Before the review", for the child's consultation, is by the day before: a consultation on
//!   the day of the meeting comes too late to change its arrangements. For the IRO's
//!   conversation with the child it is by the review day itself: records carry dates, not times,
//!   and an IRO often sees the child just before the meeting. Both are settings (days before the
//!   review), so an authority may ask for more notice. Whether the conversation was in private is
//!   not recorded and not checked.
//! - The PEP is required for a child of compulsory school age on the review date (the
//!   reference's PEP proxy; `carecheck_sdk::school_age`). With no date of birth and no PEP
//!   recorded, whether one was needed is unknown: the papers are `insufficient_data` naming
//!   `child.date_of_birth`, unless another paper already makes them a `breach`.
//! - A child under 4 on the review date is not expected to be consulted or spoken with (the
//!   SSDA903 convention, participation code PN0): those two checks are `not_applicable`. With no
//!   date of birth the checks apply.
//! - The deadlines run from the date the review was held, not the date it was planned for: a
//!   review brought forward needs its papers 3 days before the meeting actually held. A
//!   `planned_date` that differs from the date held is evidence and the message says so.
//! - A review planned but not yet held (`next_review`): the three checks before it run from its
//!   planned date, as the record now gives it (a review that moved has its new date there).
//!   Before a deadline the status follows the look-ahead window (`upcoming`, `due_soon`); a
//!   deadline passed without the step is a `breach` even though the meeting has not happened
//!   yet (the papers are already late). Nothing is due after it until it is held. A planned
//!   date that has passed, or that is not after the last review held, is stale:
//!   `insufficient_data` naming `next_review.planned_date` (the review may have been held and
//!   not recorded, or moved), with no due date. It is checked only while the child is looked
//!   after on the evaluation date.
//! - A held review whose step is not recorded (its `preparation` present, the date absent) is a
//!   `breach`: the deadline has passed. A review with no `preparation` at all (a schema 1.0
//!   record, or a review from before the authority kept these dates) is `insufficient_data`
//!   naming `reviews[].preparation`, with the due date the review date fixes: not recorded is
//!   not did-not-happen.
//! - A step dated after the evaluation date is a data error (`insufficient_data` naming the
//!   field, with the due date), never evidence; so is a circulation dated before the review
//!   (the host refuses such a record; one from elsewhere may still carry it).
//! - Several review rows on one date are one review; a row with a preparation record stands for
//!   the day. Reviews dated after the evaluation date are not used (`statutory-review-timeliness`
//!   reports them; reporting them here too would list the same error twice). Reviews before
//!   1 April 2011, when the Handbook and the 2010 Regulations came into force, are not checked.
//! - `current`: for the three checks before a review, the result for the review planned next
//!   when there is one, otherwise for the latest review held; for the two after it, the latest
//!   review held. Data errors are current; earlier reviews are history. With no review held or
//!   planned, each check gives one `not_applicable` (current).
//! - Counting working days beyond the calendar gives `insufficient_data` naming the calendar,
//!   with no due date (it is the due date that cannot be counted).
//! - Provenance: the checks need the review dates and `reviews.preparation`. An SSDA903 return
//!   supplies the dates but not the preparation, so an SSDA903-only record gives one
//!   `insufficient_data` per check naming `reviews.preparation`, never a breach.
//!
//! Its sentences (five per review held) are each written into one buffer
//! (`carecheck_sdk::text!`), not with `format!` or from temporaries: `core::fmt` is several times
//! slower inside the sandbox, allocation was a third of its time there, and this is the pack's
//! costliest policy.

use carecheck_sdk::dates;
use carecheck_sdk::outcome::{Timing, describe};
use carecheck_sdk::record::{Review, ReviewPapers, ReviewPreparation, Section};
use carecheck_sdk::recurring;
use carecheck_sdk::school_age::compulsory_school_age;
use carecheck_sdk::settings::{Settings, at_least, at_most};
use carecheck_sdk::text::{Iso, Long, Piece, Plural};
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status, push_text, text,
};
use chrono::Days;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct ReviewPreparationPolicy;

const HANDBOOK: &str = "IRO Handbook 2010";

/// The day the IRO Handbook 2010 and the 2010 Regulations came into force: reviews before it
/// are not checked.
pub fn in_force_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2011, 4, 1).expect("valid date")
}

/// Settings. A local authority may ask for papers and consultation earlier and circulation
/// sooner than the Handbook, never later.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PreparationSettings {
    /// Calendar days before the review by which the care plan, health plan and PEP must reach
    /// the IRO (IRO Handbook 2010: 3).
    pub papers_days_before: u32,
    /// Calendar days before the review by which the child must have been consulted about it
    /// (the Handbook says "before the review": 1, the day before).
    pub child_consulted_days_before: u32,
    /// Calendar days before the review by which the IRO must have spoken with the child (the
    /// Handbook says "before each review": 0, the review day itself counts).
    pub iro_spoke_days_before: u32,
    /// Working days after the review within which its decisions must be circulated (IRO
    /// Handbook 2010: 5).
    pub decisions_working_days: u32,
    /// Working days after the review within which the full review record must be circulated
    /// (IRO Handbook 2010: 20).
    pub record_working_days: u32,
}

impl Default for PreparationSettings {
    fn default() -> Self {
        Self {
            papers_days_before: 3,
            child_consulted_days_before: 1,
            iro_spoke_days_before: 0,
            decisions_working_days: 5,
            record_working_days: 20,
        }
    }
}

impl Settings for PreparationSettings {
    fn check(&self) -> Result<(), String> {
        let d = Self::default();
        at_least(
            "papers_days_before",
            self.papers_days_before,
            d.papers_days_before,
            HANDBOOK,
        )?;
        at_least(
            "child_consulted_days_before",
            self.child_consulted_days_before,
            d.child_consulted_days_before,
            HANDBOOK,
        )?;
        at_most(
            "decisions_working_days",
            self.decisions_working_days,
            d.decisions_working_days,
            HANDBOOK,
        )?;
        at_most(
            "record_working_days",
            self.record_working_days,
            d.record_working_days,
            HANDBOOK,
        )?;
        // A year's notice is no tightening a review could meet: refuse what is surely a typo.
        for (name, days) in [
            ("papers_days_before", self.papers_days_before),
            (
                "child_consulted_days_before",
                self.child_consulted_days_before,
            ),
            ("iro_spoke_days_before", self.iro_spoke_days_before),
        ] {
            if days > 90 {
                return Err(text![
                    "setting `",
                    &name,
                    "` is ",
                    &days,
                    ": at most 90 days before a review",
                ]);
            }
        }
        Ok(())
    }
}

fn checks() -> [CheckInfo; 5] {
    [
        CheckInfo::guidance(
            "papers-with-iro",
            "Care plan, health plan and PEP with the IRO at least 3 days before each review",
            HANDBOOK,
        ),
        CheckInfo::guidance(
            "child-consulted",
            "The child consulted about each review before it",
            HANDBOOK,
        ),
        CheckInfo::guidance(
            "iro-spoke-with-child",
            "The IRO spoke with the child before each review",
            "IRO Handbook 2010; CPPCR 2010 reg 36 (to verify)",
        ),
        CheckInfo::guidance(
            "decisions-circulated",
            "Each review's decisions circulated within 5 working days",
            HANDBOOK,
        ),
        CheckInfo::guidance(
            "record-circulated",
            "Each review's full record circulated within 20 working days",
            HANDBOOK,
        ),
    ]
}

impl Policy for ReviewPreparationPolicy {
    type Record = CareRecord;
    type Settings = PreparationSettings;

    fn about() -> About {
        About {
            id: "review-preparation",
            version: env!("CARGO_PKG_VERSION"),
            title: "Preparing for and following up each review",
            description: "Checks that the papers reached the IRO, the child was consulted and the \
                          IRO spoke with the child before each review, and that the decisions and \
                          the review record were circulated after it.",
            author: "carecheck",
            citations: &[HANDBOOK, "CPPCR 2010 reg 36 (to verify)"],
            checks: checks().to_vec(),
            reads: &[
                "/child/date_of_birth",
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/reviews/*/date",
                "/reviews/*/preparation",
                "/next_review",
                "/provenance",
            ],
            effective_from: in_force_from(),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &PreparationSettings) -> Vec<CheckResult> {
        let checks = checks();
        if let Some(section) =
            record.unsupplied(&[Section::ReviewDates, Section::ReviewPreparation])
        {
            return checks
                .iter()
                .map(|c| c.not_supplied("record", record, section))
                .collect();
        }
        let [papers, consulted, spoke, decisions, circulated] = &checks;
        let eval = ctx.evaluation_date;
        let dob = record.child.date_of_birth;

        // One review per day held, the row with a preparation record standing for it.
        let (held, _) = recurring::by_day(
            ctx,
            record
                .reviews
                .iter()
                .filter(|r| r.date >= in_force_from())
                .map(|r| (r.date, r)),
            |r: &Review| u8::from(r.preparation.is_some()),
        );
        let latest = held.last().map(|(d, _)| *d);
        let looked_after =
            !record.supplied(Section::PeriodsOfCare) || record.period_containing(eval).is_some();
        let next = record.next_review.as_ref().filter(|_| looked_after);
        let before_steps = [
            (papers, Step::Papers),
            (consulted, Step::Consulted),
            (spoke, Step::Spoke),
        ];

        let mut results = Vec::new();
        for (date, review) in &held {
            let is_latest = Some(*date) == latest;
            let occasion = Occasion::Held {
                date: *date,
                planned: review.preparation.as_ref().and_then(|p| p.planned_date),
            };
            for (info, step) in before_steps {
                let r = match &review.preparation {
                    Some(p) => step.before(ctx, info, s, dob, &occasion, &Done::of(p)),
                    None if step.exempt(dob, *date).is_some() => {
                        step.before(ctx, info, s, dob, &occasion, &Done::none())
                    }
                    None => not_recorded(info, *date, Some(step.before_due(s, *date))),
                };
                let current = r.current || (is_latest && next.is_none());
                results.push(r.with_current(current));
            }
            for (info, after) in [(decisions, After::Decisions), (circulated, After::Record)] {
                let r = match &review.preparation {
                    Some(p) => after.result(ctx, info, s, *date, p),
                    None => not_recorded(info, *date, after.due(ctx, s, *date).ok()),
                };
                let current = r.current || is_latest;
                results.push(r.with_current(current));
            }
        }

        if let Some(next) = next {
            let planned = next.planned_date;
            let stale = match latest.filter(|l| planned <= *l) {
                Some(l) => Some(text![
                    "The next review is recorded as planned for ",
                    Long(planned),
                    ", but a review was held on ",
                    Long(l),
                    "; record when the next review is planned for.",
                ]),
                None => (planned < eval).then(|| {
                    text![
                        "The next review is recorded as planned for ",
                        Long(planned),
                        ", which has passed, and no review held since is recorded; record the review as held, or its new planned date.",
                    ]
                }),
            };
            let occasion = Occasion::Planned { date: planned };
            let done = Done {
                child_consulted: next.child_consulted,
                iro_spoke_with_child: next.iro_spoke_with_child,
                papers: &next.papers,
            };
            for (info, step) in before_steps {
                let r = match &stale {
                    Some(why) => info
                        .insufficient("next review", "next_review.planned_date", why.as_str())
                        .with_evidence("planned_date", planned),
                    None => step.before(ctx, info, s, dob, &occasion, &done),
                };
                results.push(r.with_current(true));
            }
        }

        for info in &checks {
            if !results.iter().any(|r| r.check == info.id) {
                let planned = if before_steps.iter().any(|(c, _)| c.id == info.id) {
                    ", and none is planned"
                } else {
                    ""
                };
                results.push(
                    info.result(
                        Status::NotApplicable,
                        "record",
                        text![
                            "No review held from ",
                            Long(in_force_from()),
                            " to ",
                            Long(eval),
                            " is recorded",
                            planned,
                            ", so there is nothing to check.",
                        ],
                    )
                    .with_current(true),
                );
            }
        }
        results
    }
}

/// The review a step belongs to: one held, or the one planned next.
enum Occasion {
    Held {
        date: NaiveDate,
        planned: Option<NaiveDate>,
    },
    Planned {
        date: NaiveDate,
    },
}

impl Occasion {
    /// The date the deadlines run from.
    fn date(&self) -> NaiveDate {
        match self {
            Occasion::Held { date, .. } | Occasion::Planned { date } => *date,
        }
    }

    fn subject(&self) -> String {
        match self {
            Occasion::Held { date, .. } => review_subject(*date),
            Occasion::Planned { .. } => "next review".into(),
        }
    }

    /// The planned date a held review's sentences mention: one that differs from the date held.
    fn moved_from(&self) -> Option<NaiveDate> {
        match self {
            Occasion::Held { date, planned } => planned.filter(|p| p != date),
            Occasion::Planned { .. } => None,
        }
    }

    fn with_evidence(&self, r: CheckResult) -> CheckResult {
        match self {
            Occasion::Held { date, planned } => {
                let r = r.with_evidence("review_date", date);
                match planned {
                    Some(p) => r.with_evidence("planned_date", p),
                    None => r,
                }
            }
            Occasion::Planned { date } => r.with_evidence("planned_date", date),
        }
    }
}

/// "the review on 12 Mar 2025 (planned for 10 Mar 2025)", "the review planned for 10 Sep 2025":
/// the occasion as a part of a sentence.
impl Piece for Occasion {
    fn size(&self) -> usize {
        let date = Long(self.date()).size();
        match self.moved_from() {
            Some(p) => "the review on  (planned for )".len() + date + Long(p).size(),
            None => "the review planned for ".len() + date,
        }
    }

    fn push_onto(&self, out: &mut String) {
        match self {
            Occasion::Held { date, .. } => {
                out.push_str("the review on ");
                Long(*date).push_onto(out);
                if let Some(p) = self.moved_from() {
                    out.push_str(" (planned for ");
                    Long(p).push_onto(out);
                    out.push(')');
                }
            }
            Occasion::Planned { date } => {
                out.push_str("the review planned for ");
                Long(*date).push_onto(out);
            }
        }
    }
}

/// The steps before a review as recorded, for a review held or planned.
struct Done<'a> {
    child_consulted: Option<NaiveDate>,
    iro_spoke_with_child: Option<NaiveDate>,
    papers: &'a ReviewPapers,
}

impl<'a> Done<'a> {
    fn of(p: &'a ReviewPreparation) -> Self {
        Done {
            child_consulted: p.child_consulted,
            iro_spoke_with_child: p.iro_spoke_with_child,
            papers: &p.papers,
        }
    }

    /// Nothing recorded: for a check that does not apply, where nothing is read.
    fn none() -> Done<'static> {
        static NO_PAPERS: ReviewPapers = ReviewPapers {
            care_plan: None,
            health_plan: None,
            pep: None,
        };
        Done {
            child_consulted: None,
            iro_spoke_with_child: None,
            papers: &NO_PAPERS,
        }
    }
}

/// A step before the review.
#[derive(Clone, Copy)]
enum Step {
    Papers,
    Consulted,
    Spoke,
}

impl Step {
    fn days_before(self, s: &PreparationSettings) -> u32 {
        match self {
            Step::Papers => s.papers_days_before,
            Step::Consulted => s.child_consulted_days_before,
            Step::Spoke => s.iro_spoke_days_before,
        }
    }

    /// The child's age on the review date when it exempts them from this step: under 4, for
    /// the consultation and the IRO's conversation (SSDA903 PN0).
    fn exempt(self, dob: Option<NaiveDate>, date: NaiveDate) -> Option<u32> {
        match self {
            Step::Papers => None,
            Step::Consulted | Step::Spoke => dob
                .map(|dob| dates::age_on(dob, date))
                .filter(|age| *age < 4),
        }
    }

    /// The last day the step is on time for a review on `date` (settings allow at most 90
    /// days before, and reviews checked are from 2011, so this never leaves the calendar).
    fn before_due(self, s: &PreparationSettings, date: NaiveDate) -> NaiveDate {
        date - Days::new(u64::from(self.days_before(s)))
    }

    fn before(
        self,
        ctx: &Context,
        info: &CheckInfo,
        s: &PreparationSettings,
        dob: Option<NaiveDate>,
        occasion: &Occasion,
        done: &Done,
    ) -> CheckResult {
        let date = occasion.date();
        let due = self.before_due(s, date);
        let r = match self {
            Step::Papers => papers(ctx, info, s, dob, occasion, done.papers, due),
            Step::Consulted | Step::Spoke => {
                let (event, field, what) = match self {
                    Step::Consulted => (
                        done.child_consulted,
                        "child_consulted",
                        text!["Consulting the child about ", occasion],
                    ),
                    _ => (
                        done.iro_spoke_with_child,
                        "iro_spoke_with_child",
                        text!["The IRO speaking with the child before ", occasion],
                    ),
                };
                match self.exempt(dob, date) {
                    Some(age) => info
                        .result(
                            Status::NotApplicable,
                            occasion.subject(),
                            text![
                                "The child is ",
                                age,
                                " on the date of ",
                                occasion,
                                ", under 4 (SSDA903 PN0), so is not expected to be consulted or spoken with about it.",
                            ],
                        )
                        .with_evidence("age_on_review", age),
                    None => one_step(ctx, info, occasion, event, field, &what, due),
                }
            }
        };
        occasion.with_evidence(r.with_due(due))
    }
}

/// Where a step's date sits in the record, for data errors.
fn field_path(occasion: &Occasion, field: &str) -> String {
    match occasion {
        Occasion::Held { .. } => text!["reviews[].preparation.", field],
        Occasion::Planned { .. } => text!["next_review.", field],
    }
}

/// A dated step after the evaluation date: a data error, never evidence.
fn misdated(
    ctx: &Context,
    info: &CheckInfo,
    occasion: &Occasion,
    field: &str,
    what: &str,
    date: NaiveDate,
) -> CheckResult {
    info.insufficient(
        occasion.subject(),
        &field_path(occasion, field),
        text![
            what,
            " is dated ",
            Long(date),
            ", after the evaluation date ",
            Long(ctx.evaluation_date),
            "; correct the date before it is counted.",
        ],
    )
    .with_evidence("recorded_date", date)
    .with_current(true)
}

/// One dated step against its deadline. For a review already held, a step not recorded can no
/// longer be on time: a breach ("none is recorded"), rather than "overdue".
fn one_step(
    ctx: &Context,
    info: &CheckInfo,
    occasion: &Occasion,
    event: Option<NaiveDate>,
    field: &'static str,
    what: &str,
    due: NaiveDate,
) -> CheckResult {
    if let Some(d) = event.filter(|d| ctx.is_future(*d)) {
        return misdated(ctx, info, occasion, field, what, d);
    }
    let subject = occasion.subject();
    let r = match (event, occasion) {
        (None, Occasion::Held { .. }) => info.result(
            Status::Breach,
            subject,
            text![what, " was due by ", Long(due), "; none is recorded."],
        ),
        _ => {
            let timing = ctx.timing(due, event);
            info.result(
                info.status(timing),
                subject,
                describe(what, "done", due, timing),
            )
        }
    };
    match event {
        Some(d) => r.with_evidence(field, d),
        None => r,
    }
}

/// The papers: each required paper on time is `met`; any late, or missing once the deadline
/// has passed, is a `breach`; otherwise what is still awaited follows the look-ahead window.
fn papers(
    ctx: &Context,
    info: &CheckInfo,
    s: &PreparationSettings,
    dob: Option<NaiveDate>,
    occasion: &Occasion,
    papers: &ReviewPapers,
    due: NaiveDate,
) -> CheckResult {
    let date = occasion.date();
    let pep_needed = dob.map(|dob| compulsory_school_age(dob).contains(date));
    let all = [
        ("care plan", "care_plan", papers.care_plan),
        ("health plan", "health_plan", papers.health_plan),
        ("PEP", "pep", papers.pep),
    ];
    let list = if pep_needed == Some(true) || papers.pep.is_some() {
        &all[..]
    } else {
        &all[..2]
    };
    if let Some((name, field, Some(d))) = list
        .iter()
        .find(|(_, _, d)| d.is_some_and(|d| ctx.is_future(d)))
    {
        let what = text!["The ", *name, " for ", occasion];
        return misdated(ctx, info, occasion, &text!["papers.", *field], &what, *d);
    }

    let missing = list
        .iter()
        .filter(|(_, _, received)| received.is_none())
        .count();
    let held = matches!(occasion, Occasion::Held { .. });

    // "Papers for <occasion> <were due | are due> with the IRO by <due> (3 days before)[, in
    // N days]: <each paper received, then those missing, then the PEP's note>."
    let days_left = dates::days_between(ctx.evaluation_date, due);
    let (verb, in_days) = if held || days_left < 0 {
        ("were due with the IRO by ", None)
    } else if missing == 0 {
        ("are due with the IRO by ", None)
    } else if days_left == 0 {
        ("are due with the IRO today, by ", None)
    } else {
        ("are due with the IRO by ", Some(days_left))
    };
    let mut message = String::with_capacity(256);
    push_text!(&mut message;
        "Papers for ",
        occasion,
        " ",
        verb,
        Long(due),
        " (",
        Plural(i64::from(s.papers_days_before), "day"),
        " before)",
    );
    if let Some(n) = in_days {
        push_text!(&mut message; ", in ", Plural(n, "day"));
    }
    let mut separator = ": ";
    let mut late = false;
    for (name, _, received) in list {
        let Some(d) = *received else { continue };
        push_text!(&mut message; separator, *name, " received ", Long(d));
        if let Timing::Late { days_late, .. } = ctx.timing(due, Some(d)) {
            late = true;
            push_text!(&mut message; ", ", Plural(days_late, "day"), " late");
        }
        separator = "; ";
    }
    // "care plan", "care plan and PEP", "care plan, health plan and PEP": those not received.
    let mut named = 0;
    for (name, _, _) in list.iter().filter(|(_, _, received)| received.is_none()) {
        named += 1;
        let joint = match named {
            1 => separator,
            n if n == missing => " and ",
            _ => ", ",
        };
        push_text!(&mut message; joint, *name);
    }
    if missing > 0 {
        let not = if held {
            " not received"
        } else {
            " not yet received"
        };
        message.push_str(not);
        separator = "; ";
    }
    match pep_needed {
        Some(false) if papers.pep.is_none() => push_text!(&mut message;
            separator,
            "no PEP needed (the child is not of compulsory school age)",
        ),
        None if papers.pep.is_none() => push_text!(&mut message;
            separator,
            "whether a PEP was needed is unknown: the child's date of birth is not recorded",
        ),
        _ => {}
    }
    message.push('.');

    let awaiting = ctx.timing(due, None);
    let status = if late || (missing > 0 && (held || awaiting.status() == Status::Breach)) {
        Status::Breach
    } else if missing > 0 {
        awaiting.status()
    } else if pep_needed.is_none() && papers.pep.is_none() {
        Status::InsufficientData
    } else {
        Status::Met
    };
    let mut r = info.result(status, occasion.subject(), message);
    if status == Status::InsufficientData {
        r = r.with_evidence("missing_field", "child.date_of_birth");
    }
    for (_, field, received) in list {
        if let Some(d) = received {
            r = r.with_evidence(*field, d);
        }
    }
    r
}

/// A circulation after the review.
#[derive(Clone, Copy)]
enum After {
    Decisions,
    Record,
}

impl After {
    fn due(
        self,
        ctx: &Context,
        s: &PreparationSettings,
        date: NaiveDate,
    ) -> Result<NaiveDate, dates::DateError> {
        let n = match self {
            After::Decisions => s.decisions_working_days,
            After::Record => s.record_working_days,
        };
        ctx.add_working_days(date, n)
    }

    fn result(
        self,
        ctx: &Context,
        info: &CheckInfo,
        s: &PreparationSettings,
        date: NaiveDate,
        p: &ReviewPreparation,
    ) -> CheckResult {
        let occasion = Occasion::Held {
            date,
            planned: p.planned_date,
        };
        let (event, field, what) = match self {
            After::Decisions => (
                p.decisions_circulated,
                "decisions_circulated",
                text!["Circulating the decisions of ", &occasion],
            ),
            After::Record => (
                p.record_circulated,
                "record_circulated",
                text!["Circulating the full record of ", &occasion],
            ),
        };
        let due = match self.due(ctx, s, date) {
            Ok(due) => due,
            Err(e) => {
                return occasion.with_evidence(info.insufficient(
                    occasion.subject(),
                    "calendar",
                    text![
                        "The circulation's due date cannot be counted: ",
                        e.to_string(),
                        "."
                    ],
                ));
            }
        };
        let r = match event {
            Some(d) if ctx.is_future(d) => misdated(ctx, info, &occasion, field, &what, d),
            Some(d) if d < date => info
                .insufficient(
                    occasion.subject(),
                    &field_path(&occasion, field),
                    text![
                        what.as_str(),
                        " is dated ",
                        Long(d),
                        ", before the review was held; correct the date before it is counted.",
                    ],
                )
                .with_evidence("recorded_date", d)
                .with_current(true),
            _ => {
                let timing = ctx.timing(due, event);
                let r = info.timed(
                    occasion.subject(),
                    due,
                    timing,
                    describe(&what, "done", due, timing),
                );
                match event {
                    Some(d) => r.with_evidence(field, d),
                    None => r,
                }
            }
        };
        occasion.with_evidence(r.with_due(due))
    }
}

/// "review 2025-03-12": a held review's results' subject.
fn review_subject(date: NaiveDate) -> String {
    text!["review ", Iso(date)]
}

/// A review held with no preparation recorded: nothing can be told, and nothing is assumed.
fn not_recorded(info: &CheckInfo, date: NaiveDate, due: Option<NaiveDate>) -> CheckResult {
    let r = info
        .insufficient(
            review_subject(date),
            "reviews[].preparation",
            text![
                "The review on ",
                Long(date),
                " does not record its preparation (the child's consultation, the IRO's conversation with the child, the papers, the circulation of its decisions and record), so this cannot be checked; add the dates (not recorded does not mean not done).",
            ],
        )
        .with_evidence("review_date", date);
    match due {
        Some(due) => r.with_due(due),
        None => r,
    }
}

carecheck_sdk::export_policy!(ReviewPreparationPolicy);

#[cfg(test)]
mod tests;
