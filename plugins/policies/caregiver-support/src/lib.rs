//! `caregiver-support`: the people caring for the child are supported, informed, trained and
//! supervised.
//!
//! Sources: the expert working group on the mental health of looked-after children (EWG 2017)
//! recommendations 4 (caregivers receive support for their own mental health and wellbeing),
//! 5 (caregivers are told which statutory and non-statutory services exist) and 6 (everyone
//! working directly with looked-after children is trained in children's mental health), and the
//! Fostering Services National Minimum Standards (2011) 20.3 (foster carers complete the induction
//! standards within 12 months of approval, 18 months for family and friends carers) and 21.8
//! (a named supervising social worker; at least one unannounced visit a year).
//!
//! For every caregiver current on the evaluation date (`from` on or before it, `to` absent or on
//! or after it), one result per check (per occurrence for the two recurring ones), with subject
//! `caregiver <id>` (a past occurrence: `caregiver <id>, wellbeing support <date>` or
//! `caregiver <id>, unannounced visit <date>`):
//! - `wellbeing-support` (guidance, EWG rec 4), recurring: a wellbeing-support offer or contact at
//!   least every `support_months` (default 12). The first is due `support_months` after the
//!   latest one recorded on or before the day the caregiver began caring (`from`), or after
//!   `from` when there is none; each later offer or contact satisfies the next (on time `met`,
//!   late `breach`) and the next is due `support_months` after it; the one not yet made is
//!   `upcoming`, `due_soon` or `breach`. One result per occurrence.
//! - `local-offer` (guidance, EWG rec 5): the date the caregiver was told of the local offer is
//!   recorded. No date: `breach`.
//! - `mental-health-training` (guidance, EWG rec 6, NMS 20.3): training in children's mental
//!   health completed within `training_months` (12) of approval for foster carers,
//!   `family_and_friends_training_months` (18) for family and friends carers.
//! - `supervising-social-worker` (guidance, NMS 21.8): foster and family and friends carers have
//!   a named supervising social worker. None recorded: `breach`.
//! - `unannounced-visit` (guidance, NMS 21.8), recurring: at least one unannounced visit in each
//!   year of approval, read as one within `unannounced_visit_months` (12) of the previous visit,
//!   the first within 12 months of approval. One result per occurrence, as above.
//!
//! A record with no caregiver current on the evaluation date gives one `not_applicable` result per
//! check (subject `record`).
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - Who each check applies to. Recs 4 and 5 speak of "caregivers" without limit (the working
//!   group's scope took in adoptive parents and special guardians), so `wellbeing-support` and
//!   `local-offer` apply to every kind of caregiver. NMS 20.3 and 21.8 are fostering standards:
//!   `supervising-social-worker` and `unannounced-visit` apply to foster and family and friends
//!   carers only. `mental-health-training` applies to foster and family and friends carers
//!   (NMS 20.3 and rec 6) and also to residential caregivers: rec 6 covers "everyone working
//!   directly with looked-after children", and children's home staff are that workforce. It does
//!   not apply to adoptive parents or special guardians: they are the child's parents, not a
//!   workforce, and no fostering standard binds them. Caregivers outside a check get
//!   `not_applicable` with the reason, so a checklist shows the check was considered.
//! - Residential caregivers have no approval date, so their training is due `training_months`
//!   after they began caring for the child (`from`), the same period the fostering standard
//!   gives a newly approved carer.
//! - Training completed before approval (for example during assessment) counts as on time.
//! - Wellbeing support is the carer's own, not tied to one child: the latest offer or contact
//!   recorded before the caregiver began caring for this child still counts, and the first
//!   clock runs from it. An offer and a contact count alike.
//! - Unannounced visits before the approval date were not supervisory visits of an approved carer
//!   and do not count. The interval is rolling (12 months from the last visit), which is what
//!   "one in the last 12 months" means on any evaluation date.
//! - `local-offer`, `supervising-social-worker` and the training and support fields carry no
//!   timescale in the reference beyond those above; where a field is simply not recorded for a
//!   current caregiver the record shows no compliance, so the result is `breach`, with a message
//!   saying what to record.
//! - Any date recorded as evidence (a support offer or contact, a visit, the local-offer date, the
//!   training date, the approval date) that falls after the evaluation date is a data error:
//!   `insufficient_data` naming the field, never evidence. For single dates the check's result is
//!   that `insufficient_data`. For rows in a list (support, visits) one cause gives one result:
//!   while an occurrence is outstanding the misdated rows are its result (with the due date the
//!   earlier rows fix), otherwise one result of their own (subject `caregiver <id>, <row> <date>`).
//!   Data errors carry no other due date. A caregiver whose `from` is after the evaluation date is
//!   not current and is not judged.
//! - `current`: the next wellbeing support and visit of each caregiver (earlier ones are
//!   history), the local offer and the supervising social worker (standing requirements), and
//!   mental health training until it is completed (a completed training is history).
//! - Provenance: every check needs the caregivers section (`caregivers`). An SSDA903 return does
//!   not supply it, so an SSDA903-only record gives one `insufficient_data` per check naming
//!   `caregivers`, never a breach: not recorded is not did-not-happen.
//! - A foster or family and friends carer with no approval date cannot be timed:
//!   `insufficient_data` naming `caregivers[].approval_date` for the training and visit checks.

use carecheck_sdk::dates::add_months;
use carecheck_sdk::outcome::describe;
use carecheck_sdk::record::{Caregiver, CaregiverKind, Section, WellbeingSupportKind};
use carecheck_sdk::recurring::{self, Every, Occurrence, Wording};
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::Long;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct CaregiverSupport;

const SUPPORT_MONTHS: u32 = 12;
const TRAINING_MONTHS: u32 = 12;
const FAMILY_AND_FRIENDS_TRAINING_MONTHS: u32 = 18;
const UNANNOUNCED_VISIT_MONTHS: u32 = 12;

/// Settings. A local authority may shorten these periods, never lengthen them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CaregiverSettings {
    /// Months within which a caregiver must have had a wellbeing-support offer or contact (EWG 2017 rec 4: 12).
    pub support_months: u32,
    /// Months after approval by which a foster carer completes mental health training (Fostering NMS 20.3: 12).
    pub training_months: u32,
    /// Months after approval by which a family and friends carer completes it (Fostering NMS 20.3: 18).
    pub family_and_friends_training_months: u32,
    /// Months within which a foster carer must have had an unannounced visit (Fostering NMS 21.8: 12).
    pub unannounced_visit_months: u32,
}

impl Default for CaregiverSettings {
    fn default() -> Self {
        Self {
            support_months: SUPPORT_MONTHS,
            training_months: TRAINING_MONTHS,
            family_and_friends_training_months: FAMILY_AND_FRIENDS_TRAINING_MONTHS,
            unannounced_visit_months: UNANNOUNCED_VISIT_MONTHS,
        }
    }
}

impl Settings for CaregiverSettings {
    fn check(&self) -> Result<(), String> {
        at_most(
            "support_months",
            self.support_months,
            SUPPORT_MONTHS,
            "EWG 2017 rec 4",
        )?;
        at_most(
            "training_months",
            self.training_months,
            TRAINING_MONTHS,
            "Fostering NMS 20.3",
        )?;
        at_most(
            "family_and_friends_training_months",
            self.family_and_friends_training_months,
            FAMILY_AND_FRIENDS_TRAINING_MONTHS,
            "Fostering NMS 20.3",
        )?;
        at_most(
            "unannounced_visit_months",
            self.unannounced_visit_months,
            UNANNOUNCED_VISIT_MONTHS,
            "Fostering NMS 21.8",
        )?;
        if self.support_months == 0
            || self.training_months == 0
            || self.family_and_friends_training_months == 0
            || self.unannounced_visit_months == 0
        {
            return Err("caregiver support periods must be at least 1 month".into());
        }
        Ok(())
    }
}

fn checks() -> [CheckInfo; 5] {
    [
        CheckInfo::guidance(
            "wellbeing-support",
            "Caregiver offered wellbeing support in the last 12 months",
            "EWG 2017 rec 4",
        ),
        CheckInfo::guidance(
            "local-offer",
            "Caregiver told of the local offer of services",
            "EWG 2017 rec 5",
        ),
        CheckInfo::guidance(
            "mental-health-training",
            "Caregiver trained in children's mental health within 12 months of approval (18 for family and friends carers)",
            "EWG 2017 rec 6; Fostering NMS 20.3",
        ),
        CheckInfo::guidance(
            "supervising-social-worker",
            "Foster carer has a named supervising social worker",
            "Fostering NMS 21.8",
        ),
        CheckInfo::guidance(
            "unannounced-visit",
            "Foster carer had an unannounced visit in the last 12 months",
            "Fostering NMS 21.8",
        ),
    ]
}

impl Policy for CaregiverSupport {
    type Record = CareRecord;
    type Settings = CaregiverSettings;

    fn about() -> About {
        About {
            id: "caregiver-support",
            version: env!("CARGO_PKG_VERSION"),
            title: "Support for caregivers",
            description: "Checks that each current caregiver has wellbeing support, knows the \
                          local offer and is trained in children's mental health, and that foster \
                          carers have a supervising social worker and unannounced visits.",
            author: "carecheck",
            citations: &[
                "EWG 2017 rec 4",
                "EWG 2017 rec 5",
                "EWG 2017 rec 6",
                "Fostering NMS 20.3",
                "Fostering NMS 21.8",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/caregivers/*/id",
                "/caregivers/*/kind",
                "/caregivers/*/from",
                "/caregivers/*/to",
                "/caregivers/*/approval_date",
                "/caregivers/*/supervising_social_worker",
                "/caregivers/*/unannounced_visits",
                "/caregivers/*/wellbeing_support/*/date",
                "/caregivers/*/wellbeing_support/*/kind",
                "/caregivers/*/told_of_local_offer",
                "/caregivers/*/mental_health_training_completed",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2017, 11, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &CaregiverSettings) -> Vec<CheckResult> {
        let checks = checks();
        let today = ctx.evaluation_date;
        if !record.supplied(Section::Caregivers) {
            return checks
                .iter()
                .map(|c| c.not_supplied("record", record, Section::Caregivers))
                .collect();
        }
        let current: Vec<&Caregiver> = record
            .caregivers
            .iter()
            .filter(|c| c.from <= today && c.to.is_none_or(|to| to >= today))
            .collect();
        if current.is_empty() {
            let message = text![
                "No caregiver is recorded as caring for the child on ",
                Long(today),
                ", so there is no caregiver to check."
            ];
            return checks
                .iter()
                .map(|c| {
                    c.result(Status::NotApplicable, "record", message.clone())
                        .with_current(true)
                })
                .collect();
        }
        let [wellbeing, local_offer, training, ssw, visit] = &checks;
        let mut results = Vec::new();
        for c in current {
            results.extend(wellbeing_support(ctx, wellbeing, c, s));
            results.push(local_offer_result(ctx, local_offer, c).with_current(true));
            let training = training_result(ctx, training, c, s);
            let done = matches!(training.status, Status::Met | Status::Breach)
                && c.mental_health_training_completed.is_some();
            results.push(training.with_current(!done));
            results.push(supervising_social_worker(ssw, c).with_current(true));
            results.extend(unannounced_visit(ctx, visit, c, s));
        }
        results
    }
}

/// "foster carer C1", "residential caregiver C3", as messages name a caregiver.
fn label(c: &Caregiver) -> String {
    let kind = match c.kind {
        CaregiverKind::Foster => "foster carer",
        CaregiverKind::FamilyAndFriends => "family and friends carer",
        CaregiverKind::SpecialGuardian => "special guardian",
        CaregiverKind::Adoptive => "adoptive parent",
        CaregiverKind::Residential => "residential caregiver",
    };
    text![&kind, " ", &c.id]
}

/// Capitalises the first letter of a sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn subject(c: &Caregiver) -> String {
    text!["caregiver ", &c.id]
}

fn is_fostering(kind: CaregiverKind) -> bool {
    matches!(
        kind,
        CaregiverKind::Foster | CaregiverKind::FamilyAndFriends
    )
}

fn future_date_error(
    ctx: &Context,
    info: &CheckInfo,
    subject: String,
    field: &str,
    what: &str,
    date: NaiveDate,
) -> CheckResult {
    info.insufficient(
        subject,
        field,
        text![
            sentence(what),
            " is dated ",
            Long(date),
            ", after the evaluation date ",
            Long(ctx.evaluation_date),
            "; correct the date before it is counted."
        ],
    )
    .with_evidence("recorded_date", date)
}

/// A caregiver's recurring requirement ([`recurring::every`]), its results about the caregiver:
/// `wording` is (noun, the noun starting a sentence, field, verb).
fn carer_series(
    ctx: &Context,
    info: &CheckInfo,
    c: &Caregiver,
    (noun, a_noun, field, verb): (&str, &str, &str, &str),
    dates: impl IntoIterator<Item = NaiveDate>,
    every: Every,
    what: impl Fn(&Occurrence) -> String,
) -> Vec<CheckResult> {
    let subject = subject(c);
    let rows = text!["caregiver ", &c.id, ", ", &noun];
    let wording = Wording {
        noun,
        rows: &rows,
        a_noun,
        field,
        subject: &subject,
        verb,
    };
    recurring::every(ctx, info, &wording, dates, every, what)
}

fn wellbeing_support(
    ctx: &Context,
    info: &CheckInfo,
    c: &Caregiver,
    s: &CaregiverSettings,
) -> Vec<CheckResult> {
    let name = label(c);
    // The clock starts from the latest support on or before the day caring began, if any.
    let before = c
        .wellbeing_support
        .iter()
        .filter(|w| w.date <= c.from && !ctx.is_future(w.date))
        .max_by_key(|w| (w.date, w.kind == WellbeingSupportKind::Contact));
    let kind_on = |date: NaiveDate| {
        c.wellbeing_support
            .iter()
            .filter(|w| w.date == date)
            .max_by_key(|w| w.kind == WellbeingSupportKind::Contact)
            .map_or("an offer", |w| match w.kind {
                WellbeingSupportKind::Offer => "an offer",
                WellbeingSupportKind::Contact => "a contact",
            })
    };
    let anchor = before.map_or(c.from, |w| w.date);
    let after_from = c.from.succ_opt().unwrap_or(c.from);
    let every = Every::months_after(anchor, after_from, s.support_months);
    let a_noun = text!["A wellbeing support entry for ", &name];
    let field = "caregivers[].wellbeing_support[].date";
    let wording = ("wellbeing support", a_noun.as_str(), field, "offered");
    let dates = c.wellbeing_support.iter().map(|w| w.date);
    carer_series(ctx, info, c, wording, dates, every, |o| {
        match o.after.or(before.map(|w| w.date)) {
            Some(last) => text![
                "Next wellbeing support for ",
                &name,
                " (last ",
                kind_on(last),
                " on ",
                Long(last),
                ")"
            ],
            None => text![
                "Wellbeing support for ",
                &name,
                " (none recorded since caring began on ",
                Long(c.from),
                ")"
            ],
        }
    })
    .into_iter()
    .map(|r| r.with_evidence("caregiver_from", c.from))
    .collect()
}

fn local_offer_result(ctx: &Context, info: &CheckInfo, c: &Caregiver) -> CheckResult {
    let name = label(c);
    match c.told_of_local_offer {
        Some(date) if ctx.is_future(date) => future_date_error(
            ctx,
            info,
            subject(c),
            "caregivers[].told_of_local_offer",
            &text!["the record that ", &name, " was told of the local offer"],
            date,
        ),
        Some(date) => info
            .result(
                Status::Met,
                subject(c),
                text![
                    sentence(&name),
                    " was told of the local offer of services on ",
                    Long(date),
                    ".",
                ],
            )
            .with_evidence("told_of_local_offer", date),
        None => info
            .result(
                Status::Breach,
                subject(c),
                text![
                    "There is no record that ",
                    &name,
                    " has been told which statutory and non-statutory services are available locally; tell them and record the date.",
                ],
            )
            .with_evidence("missing_field", "caregivers[].told_of_local_offer"),
    }
}

fn training_result(
    ctx: &Context,
    info: &CheckInfo,
    c: &Caregiver,
    s: &CaregiverSettings,
) -> CheckResult {
    let name = label(c);
    let (anchor, anchor_text, months) = match c.kind {
        CaregiverKind::Adoptive | CaregiverKind::SpecialGuardian => {
            return info.result(
                Status::NotApplicable,
                subject(c),
                text![
                    sentence(&name),
                    " is caring as a parent, not as part of the children's workforce, so the mental health training standard for carers and staff does not apply.",
                ],
            );
        }
        CaregiverKind::Residential => (c.from, "caring since", s.training_months),
        CaregiverKind::Foster | CaregiverKind::FamilyAndFriends => {
            let months = if c.kind == CaregiverKind::Foster {
                s.training_months
            } else {
                s.family_and_friends_training_months
            };
            let why = "the deadline for mental health training cannot be worked out";
            match approval(ctx, info, c, why) {
                Ok(approved) => (approved, "approved", months),
                Err(e) => return *e,
            }
        }
    };
    if let Some(done) = c.mental_health_training_completed
        && ctx.is_future(done)
    {
        return future_date_error(
            ctx,
            info,
            subject(c),
            "caregivers[].mental_health_training_completed",
            &text!["mental health training for ", &name],
            done,
        );
    }
    let due = add_months(anchor, months);
    let timing = ctx.timing(due, c.mental_health_training_completed);
    let what = text![
        "Mental health training for ",
        &name,
        " (",
        &anchor_text,
        " ",
        Long(anchor),
        ")"
    ];
    let mut result = info
        .result(
            timing.status(),
            subject(c),
            describe(&what, "completed", due, timing),
        )
        .with_due(due);
    result = if c.kind == CaregiverKind::Residential {
        result.with_evidence("caregiver_from", anchor)
    } else {
        result.with_evidence("approval_date", anchor)
    };
    if let Some(done) = c.mental_health_training_completed {
        result = result.with_evidence("training_completed", done);
    }
    result
}

fn supervising_social_worker(info: &CheckInfo, c: &Caregiver) -> CheckResult {
    let name = label(c);
    if !is_fostering(c.kind) {
        return info.result(
            Status::NotApplicable,
            subject(c),
            text![
                sentence(&name),
                " is not a foster or family and friends carer, so the fostering supervision standard does not apply.",
            ],
        );
    }
    match c
        .supervising_social_worker
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(worker) => info
            .result(
                Status::Met,
                subject(c),
                text![sentence(&name), " has a named supervising social worker."],
            )
            .with_evidence("supervising_social_worker", worker),
        None => info
            .result(
                Status::Breach,
                subject(c),
                text![
                    "No supervising social worker is recorded for ",
                    &name,
                    "; the fostering service must name one."
                ],
            )
            .with_evidence("missing_field", "caregivers[].supervising_social_worker"),
    }
}

/// The carer's approval date, or the `insufficient_data` result saying it is missing (so `why`)
/// or dated after the evaluation date.
fn approval(
    ctx: &Context,
    info: &CheckInfo,
    c: &Caregiver,
    why: &str,
) -> Result<NaiveDate, Box<CheckResult>> {
    let name = label(c);
    match c.approval_date {
        None => Err(Box::new(info.insufficient(
            subject(c),
            "caregivers[].approval_date",
            text![
                "No approval date is recorded for ",
                &name,
                ", so ",
                &why,
                "; record the approval date."
            ],
        ))),
        Some(approved) if ctx.is_future(approved) => Err(Box::new(future_date_error(
            ctx,
            info,
            subject(c),
            "caregivers[].approval_date",
            &text!["the approval of ", &name],
            approved,
        ))),
        Some(approved) => Ok(approved),
    }
}

fn unannounced_visit(
    ctx: &Context,
    info: &CheckInfo,
    c: &Caregiver,
    s: &CaregiverSettings,
) -> Vec<CheckResult> {
    let name = label(c);
    if !is_fostering(c.kind) {
        return vec![
            info.result(
                Status::NotApplicable,
                subject(c),
                text![
                    sentence(&name),
                    " is not a foster or family and friends carer, so the fostering standard on unannounced visits does not apply.",
                ],
            )
            .with_current(true),
        ];
    }
    let why = "the year of approval within which an unannounced visit is due cannot be worked out";
    let approved = match approval(ctx, info, c, why) {
        Ok(approved) => approved,
        Err(e) => return vec![e.with_current(true)],
    };
    let every = Every::months_after(approved, approved, s.unannounced_visit_months);
    let a_noun = text!["An unannounced visit to ", &name];
    let field = "caregivers[].unannounced_visits[]";
    let wording = ("unannounced visit", a_noun.as_str(), field, "made");
    let dates = c.unannounced_visits.iter().copied();
    carer_series(ctx, info, c, wording, dates, every, |o| match o.after {
        Some(last) => text![
            "Next unannounced visit to ",
            &name,
            " (last visited ",
            Long(last),
            ")"
        ],
        None => text![
            "First unannounced visit to ",
            &name,
            " (approved ",
            Long(approved),
            ")"
        ],
    })
    .into_iter()
    .map(|r| r.with_evidence("approval_date", approved))
    .collect()
}

carecheck_sdk::export_policy!(CaregiverSupport);

#[cfg(test)]
mod tests;
