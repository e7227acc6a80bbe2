//! `virtual-mental-health-lead`: every looked-after child has a named lead overseeing their
//! mental health.
//!
//! Sources: the expert working group on the mental health of looked-after children (EWG 2017)
//! recommendation 1, a virtual mental health lead in every local authority overseeing each
//! looked-after child's mental health; and the House of Commons Education Committee, "Mental
//! health and well-being of looked-after children" (April 2016) para 91, which asked for a
//! designated mental health professional for looked-after children.
//!
//! One check, `lead-named` (guidance), with one result for the child (subject `child`): when the
//! child is in a period of care on the evaluation date, `virtual_mental_health_lead` names
//! someone (`met`) or does not (`breach`).
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - "In a period of care open on the evaluation date" uses the period's own dates with both
//!   ends included: a period that ends on the evaluation date still counts, one that ended the day
//!   before does not. A child not in care on that date gets `not_applicable`. A record with no
//!   period of care at all gives `insufficient_data` naming `periods_of_care`: it cannot be told
//!   whether the child is looked after.
//! - The rule has no timescale: the lead is an authority-wide role that should already be in
//!   place when a child becomes looked after, so a missing lead is a `breach` from the first day
//!   of the period, with no due date.
//! - A name that is empty or only spaces is not a named lead.
//! - A lead recorded as starting (`from`) after the evaluation date was not in post on it: that
//!   is a data error, `insufficient_data` naming `virtual_mental_health_lead.from`, never evidence
//!   of a lead. A lead with no `from` date is taken as in post.
//! - The result is the standing answer for the child, always `current`.
//! - Provenance: the check needs the periods of care and the lead
//!   (`virtual_mental_health_lead`). An SSDA903 return does not supply the lead, so for a child
//!   in care an SSDA903-only record gives `insufficient_data` naming `virtual_mental_health_lead`,
//!   never a breach: not recorded is not did-not-happen.
//! - There are no figures to tighten: the settings object is empty and rejects unknown keys.

use carecheck_sdk::record::Section;
use carecheck_sdk::settings::Settings;
use carecheck_sdk::text;
use carecheck_sdk::text::Long;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct VirtualMentalHealthLead;

/// Settings: none. The rule has no figure a local authority could tighten.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LeadSettings {}

impl Settings for LeadSettings {}

fn checks() -> [CheckInfo; 1] {
    [CheckInfo::guidance(
        "lead-named",
        "A named virtual mental health lead oversees the child's mental health",
        "EWG 2017 rec 1; HC 2016 para 91",
    )]
}

impl Policy for VirtualMentalHealthLead {
    type Record = CareRecord;
    type Settings = LeadSettings;

    fn about() -> About {
        About {
            id: "virtual-mental-health-lead",
            version: env!("CARGO_PKG_VERSION"),
            title: "Virtual mental health lead",
            description: "Checks that every child in a period of care has a named virtual mental \
                          health lead overseeing their mental health.",
            author: "carecheck",
            citations: &["EWG 2017 rec 1", "HC 2016 para 91"],
            checks: checks().to_vec(),
            reads: &[
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/virtual_mental_health_lead/name",
                "/virtual_mental_health_lead/from",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2017, 11, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, _s: &LeadSettings) -> Vec<CheckResult> {
        let [lead_named] = checks();
        vec![lead_result(ctx, record, &lead_named).with_current(true)]
    }
}

fn lead_result(ctx: &Context, record: &CareRecord, lead_named: &CheckInfo) -> CheckResult {
    let today = ctx.evaluation_date;
    if !record.supplied(Section::PeriodsOfCare) {
        return lead_named.not_supplied("child", record, Section::PeriodsOfCare);
    }
    if record.periods_of_care.is_empty() {
        return lead_named.insufficient(
                "child",
                "periods_of_care",
                "The record has no period of care, so it cannot be told whether the child is looked after; add the episodes of care.",
            );
    }
    let Some(period) = record.period_containing(today) else {
        return lead_named.result(
            Status::NotApplicable,
            "child",
            text![
                "The child is not in a period of care on ",
                Long(today),
                ", so no virtual mental health lead is required."
            ],
        );
    };
    if !record.supplied(Section::VirtualMentalHealthLead) {
        return lead_named.not_supplied("child", record, Section::VirtualMentalHealthLead);
    }
    let since = period
        .start()
        .map(|start| text![" since ", Long(start)])
        .unwrap_or_default();
    let lead = record
        .virtual_mental_health_lead
        .as_ref()
        .filter(|l| !l.name.trim().is_empty());
    let mut result = match lead {
            None => lead_named
                .result(
                    Status::Breach,
                    "child",
                    text![
                        "No virtual mental health lead is named for the child, who has been looked after",
                        &since,
                        "; name the lead overseeing the child's mental health.",
                    ],
                )
                .with_evidence("missing_field", "virtual_mental_health_lead"),
            Some(l) => match l.from {
                Some(from) if ctx.is_future(from) => lead_named
                    .insufficient(
                        "child",
                        "virtual_mental_health_lead.from",
                        text![
                            "The virtual mental health lead is recorded as starting on ",
                            Long(from),
                            ", after the evaluation date ",
                            Long(today),
                            "; correct the date before the lead is counted.",
                        ],
                    )
                    .with_evidence("recorded_date", from),
                Some(from) => lead_named
                    .result(
                        Status::Met,
                        "child",
                        text![
                            "A named virtual mental health lead has overseen the child's mental health since ",
                            Long(from),
                            ".",
                        ],
                    )
                    .with_evidence("virtual_mental_health_lead", l.name.trim())
                    .with_evidence("lead_from", from),
                None => lead_named
                    .result(
                        Status::Met,
                        "child",
                        "A named virtual mental health lead oversees the child's mental health.",
                    )
                    .with_evidence("virtual_mental_health_lead", l.name.trim()),
            },
        };
    if let Some(start) = period.start() {
        result = result.with_evidence("period_start", start);
    }
    result
}

carecheck_sdk::export_policy!(VirtualMentalHealthLead);

#[cfg(test)]
mod tests;
