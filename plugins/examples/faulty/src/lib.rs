//! A policy with an off-by-one bug, for the upload tests: for any child with a review it reads
//! one past the last, and panics. Its metadata and settings are in order, so only the dry run
//! over synthetic children catches it. Never put it in a pack.

use carecheck_sdk::settings::Settings;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct Faulty;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NoSettings {}

impl Settings for NoSettings {}

fn check() -> CheckInfo {
    CheckInfo::guidance(
        "last-review",
        "The last review is recorded",
        "Example guidance",
    )
}

impl Policy for Faulty {
    type Record = CareRecord;
    type Settings = NoSettings;

    fn about() -> About {
        About {
            id: "faulty-last-review",
            version: "0.1.0",
            title: "Last review (faulty)",
            description: "Reads one review past the last: fails on every child with a review.",
            author: "carecheck tests",
            citations: &["Example guidance"],
            checks: vec![check()],
            reads: &["/reviews/*/date"],
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"),
        }
    }

    fn evaluate(_ctx: &Context, record: &CareRecord, _s: &NoSettings) -> Vec<CheckResult> {
        if record.reviews.is_empty() {
            return vec![check().result(Status::NotApplicable, "child", "No review yet.")];
        }
        let last = &record.reviews[record.reviews.len()];
        vec![check().result(Status::Met, "child", format!("Last review {}.", last.date))]
    }
}

carecheck_sdk::export_policy!(Faulty);
