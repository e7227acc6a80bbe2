//! `inspectorate-review-gap`: an example of a regulator's own policy, written as an
//! inspectorate's policy team might publish it to carecheck (signed, uploaded, enabled per
//! authority; see the README's "Regulators' own policies"). The end-to-end tests publish it.
//!
//! One check, `review-gap` (guidance: what an inspection looks for, beside the regulations'
//! own review timescales), with one result per child in a period of care: the longest gap
//! between consecutive reviews held in the current period, and since the last of them up to the
//! evaluation date. A gap longer than `max_gap_days` (default 183, about six months, the
//! longest interval CPPCR 2010 reg 33 allows between later reviews) is a `warning`; otherwise
//! `met`. A child not in care is `not_applicable`; one in care with no review yet is left to the
//! statutory timeliness policy (`not_applicable` here, saying so).
//!
//! The version string is distinctive on purpose: the tests publish "new versions" of this very
//! component by changing it in place.

use carecheck_sdk::settings::Settings;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct ReviewGap;

/// Settings: the longest gap an inspector accepts without comment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GapSettings {
    /// Days between reviews above which the gap is raised (1 to 366).
    pub max_gap_days: u32,
}

impl Default for GapSettings {
    fn default() -> Self {
        Self { max_gap_days: 183 }
    }
}

impl Settings for GapSettings {
    fn check(&self) -> Result<(), String> {
        if (1..=366).contains(&self.max_gap_days) {
            Ok(())
        } else {
            Err(format!(
                "max_gap_days must be between 1 and 366, not {}",
                self.max_gap_days
            ))
        }
    }
}

fn check() -> CheckInfo {
    CheckInfo::guidance(
        "review-gap",
        "No long gap between the child's reviews",
        "Inspectorate guidance on reviews of children's cases (example)",
    )
}

impl Policy for ReviewGap {
    type Record = CareRecord;
    type Settings = GapSettings;

    fn about() -> About {
        About {
            id: "inspectorate-review-gap",
            version: "7.3.11",
            title: "Gaps between reviews",
            description: "The longest gap between a looked-after child's reviews in the current period of care, raised when it passes the inspectorate's figure.",
            author: "Example Inspectorate policy team",
            citations: &["Inspectorate guidance on reviews of children's cases (example)"],
            checks: vec![check()],
            reads: &[
                "/periods_of_care/*/episodes/*/start",
                "/periods_of_care/*/episodes/*/end",
                "/reviews/*/date",
            ],
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &GapSettings) -> Vec<CheckResult> {
        vec![gap(ctx, record, s).with_current(true)]
    }
}

fn gap(ctx: &Context, record: &CareRecord, s: &GapSettings) -> CheckResult {
    let today = ctx.evaluation_date;
    let Some(start) = record.period_containing(today).and_then(|p| p.start()) else {
        return check().result(
            Status::NotApplicable,
            "child",
            "The child is not in a period of care on the evaluation date.",
        );
    };
    let mut dates: Vec<NaiveDate> = record
        .reviews
        .iter()
        .map(|r| r.date)
        .filter(|d| *d >= start && *d <= today)
        .collect();
    dates.sort();
    if dates.is_empty() {
        return check().result(
            Status::NotApplicable,
            "child",
            "No review has been held in this period of care yet: the statutory timeliness policy covers the first review.",
        );
    }
    dates.push(today);
    let longest = dates
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days())
        .max()
        .unwrap_or(0);
    let status = if longest > i64::from(s.max_gap_days) {
        Status::Warning
    } else {
        Status::Met
    };
    check()
        .result(
            status,
            "child",
            format!(
                "The longest gap between reviews in this period of care is {longest} days (the inspectorate's figure is {}).",
                s.max_gap_days
            ),
        )
        .with_evidence("longest_gap_days", longest)
}

carecheck_sdk::export_policy!(ReviewGap);

#[cfg(test)]
mod tests {
    use super::*;
    use carecheck_sdk::testing::{assert_reads_suffice, context, evidence, run, ymd};
    use carecheck_sdk::validate_settings;
    use serde_json::json;

    fn record(reviews: &[&str]) -> serde_json::Value {
        let reviews: Vec<_> = reviews.iter().map(|d| json!({"date": d})).collect();
        json!({"periods_of_care": [{"episodes": [{"start": "2025-01-06"}]}], "reviews": reviews})
    }

    #[test]
    fn a_gap_over_the_figure_is_a_warning() {
        let r = run::<ReviewGap>(ymd(2026, 3, 1), record(&["2025-02-01", "2025-09-01"]));
        assert_eq!(r[0].status, Status::Warning);
        // 1 Feb to 1 Sep 2025 is 212 days; 1 Sep 2025 to 1 Mar 2026 is 181.
        assert_eq!(evidence(&r[0], "longest_gap_days"), Some("212"));
        assert!(r[0].current);
    }

    #[test]
    fn regular_reviews_are_met_and_no_review_is_left_to_the_statutory_policy() {
        let r = run::<ReviewGap>(ymd(2025, 12, 1), record(&["2025-02-01", "2025-07-01"]));
        assert_eq!(r[0].status, Status::Met);
        let r = run::<ReviewGap>(ymd(2025, 2, 1), record(&[]));
        assert_eq!(r[0].status, Status::NotApplicable);
        let r = run::<ReviewGap>(ymd(2024, 2, 1), record(&[]));
        assert_eq!(r[0].status, Status::NotApplicable);
    }

    #[test]
    fn settings_are_bounded_and_the_reads_suffice() {
        assert!(validate_settings::<ReviewGap>(r#"{"max_gap_days": 90}"#).is_ok());
        assert!(validate_settings::<ReviewGap>(r#"{"max_gap_days": 0}"#).is_err());
        assert_reads_suffice::<ReviewGap>(
            &context(ymd(2026, 3, 1)),
            &record(&["2025-02-01", "2025-09-01"]),
        );
    }
}
