//! `placement-stability`: an example of a regulator's own policy, in Rust (its Python
//! counterpart is `examples/dental-check`). A child whose placements change often is at risk of
//! another breakdown; many authorities call a placement-stability (or "disruption") meeting when
//! a child reaches a third placement within a year, the threshold of the Department for
//! Education's placement-stability measure (children looked after with three or more
//! placements during the year, from the SSDA903 return).
//!
//! The law fixes no such meeting and no timescale, so the one check, `stability-meeting`, is
//! **local**: its timescale is a setting (`working_days`, default 20 working days), its
//! messages say "local timescale: 20 working days", and a meeting not held in time is a
//! `warning`, never a `breach`.
//!
//! **What the record has.** The care record has no "placement-stability meeting" field. This
//! policy counts a review whose `items_discussed` includes "placement stability" (any case;
//! "stability meeting" and "disruption meeting" also count) as the meeting: a review that
//! discussed the placement's stability is where such a meeting is recorded today. An authority
//! that records stability meetings elsewhere would need a schema field for it first.
//!
//! **The rule as read here.** Placements are taken in order of their start dates. The third of
//! three placements starting within twelve calendar months (the third starts no later than the
//! first's start plus 12 months, month ends clipped: see `carecheck_sdk::dates::add_months`)
//! triggers a meeting, due by the `working_days`th working day after the third placement starts
//! (the start day itself does not count; weekends and the pack's bank holidays are skipped).
//! Each further placement while the pattern continues triggers again. Each trigger gives one
//! result, `met` when a meeting was held from the trigger to its deadline, `warning` when held
//! later or not at all once the deadline passed, `due_soon`/`upcoming` before; the latest
//! trigger's result is current, the others history. Fewer than three placements in any twelve
//! months: one `not_applicable`. A record whose sources did not supply the placements or the
//! items discussed at reviews: `insufficient_data` naming the section, never a verdict.

use carecheck_sdk::dates::{add_months, format_long};
use carecheck_sdk::outcome::{describe_local, timescale};
use carecheck_sdk::settings::Settings;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Section, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct PlacementStability;

/// Settings: the local timescale for the meeting.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StabilitySettings {
    /// Working days after the third placement starts by which the meeting is expected (1 to 60).
    pub working_days: u32,
}

impl Default for StabilitySettings {
    fn default() -> Self {
        Self { working_days: 20 }
    }
}

impl Settings for StabilitySettings {
    fn check(&self) -> Result<(), String> {
        if (1..=60).contains(&self.working_days) {
            Ok(())
        } else {
            Err(format!(
                "working_days must be between 1 and 60, not {}",
                self.working_days
            ))
        }
    }
}

const CITATION: &str = "Local practice: placement-stability meeting after a third placement in 12 months (DfE placement-stability measure, SSDA903)";

fn check() -> CheckInfo {
    CheckInfo::local(
        "stability-meeting",
        "A placement-stability meeting after a third placement within 12 months",
        CITATION,
    )
}

/// Whether a review's items discussed include the stability meeting.
fn is_stability_item(item: &str) -> bool {
    let item = item.to_lowercase();
    [
        "placement stability",
        "stability meeting",
        "disruption meeting",
    ]
    .iter()
    .any(|m| item.contains(m))
}

/// The start dates of placements that make three within twelve calendar months.
fn triggers(starts: &[NaiveDate]) -> Vec<NaiveDate> {
    starts
        .windows(3)
        .filter(|w| w[2] <= add_months(w[0], 12))
        .map(|w| w[2])
        .collect()
}

impl Policy for PlacementStability {
    type Record = CareRecord;
    type Settings = StabilitySettings;

    fn about() -> About {
        About {
            id: "placement-stability",
            version: "1.0.0",
            title: "Placement-stability meeting",
            description: "A child with three or more placements starting within twelve months has a placement-stability meeting within a local timescale.",
            author: "carecheck examples",
            citations: &[CITATION],
            checks: vec![check()],
            reads: &[
                "/placements/*/id",
                "/placements/*/start",
                "/reviews/*/date",
                "/reviews/*/items_discussed",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &StabilitySettings) -> Vec<CheckResult> {
        let check = check();
        if let Some(section) = record.unsupplied(&[Section::PlacementDates, Section::ReviewItems]) {
            return vec![check.not_supplied("child", record, section)];
        }
        let today = ctx.evaluation_date;
        let mut starts: Vec<NaiveDate> = record
            .placements
            .iter()
            .map(|p| p.start)
            .filter(|d| *d <= today)
            .collect();
        starts.sort();
        let triggers = triggers(&starts);
        if triggers.is_empty() {
            return vec![
                check
                    .result(
                        Status::NotApplicable,
                        "child",
                        "The child has not had three placements starting within twelve months.",
                    )
                    .with_current(true),
            ];
        }
        let meetings: Vec<NaiveDate> = record
            .reviews
            .iter()
            .filter(|r| r.date <= today && r.items_discussed.iter().any(|i| is_stability_item(i)))
            .map(|r| r.date)
            .collect();
        let last = triggers.len() - 1;
        let span = timescale(s.working_days, "working day");
        triggers
            .iter()
            .enumerate()
            .map(|(i, &trigger)| {
                let subject = format!("third placement in 12 months from {trigger}");
                let due = match ctx.add_working_days(trigger, s.working_days) {
                    Ok(due) => due,
                    Err(e) => {
                        return check
                            .insufficient(subject, "placements[].start", e.to_string())
                            .with_current(i == last);
                    }
                };
                // The meeting answering this trigger: the first held on or after it (and before
                // the next trigger, which needs its own).
                let until = triggers.get(i + 1).copied().unwrap_or(NaiveDate::MAX);
                let held = meetings
                    .iter()
                    .copied()
                    .filter(|d| *d >= trigger && *d < until)
                    .min();
                let timing = ctx.timing(due, held);
                let what = format!(
                    "A placement-stability meeting after the placement of {}",
                    format_long(trigger)
                );
                check
                    .timed(
                        subject,
                        due,
                        timing,
                        describe_local(&what, "held", due, timing, &span),
                    )
                    .with_evidence("third_placement", trigger)
                    .with_current(i == last)
            })
            .collect()
    }
}

carecheck_sdk::export_policy!(PlacementStability);

#[cfg(test)]
mod tests {
    use super::*;
    use carecheck_sdk::testing::{
        assert_local_messages, assert_not_supplied, assert_reads_suffice, context, evidence, run,
        run_with, ssda903_only, ymd,
    };
    use serde_json::{Value, json};

    fn record(placements: &[&str], reviews: &[(&str, &[&str])]) -> Value {
        let placements: Vec<_> = placements
            .iter()
            .enumerate()
            .map(|(i, d)| json!({"id": format!("P{i}"), "start": d}))
            .collect();
        let reviews: Vec<_> = reviews
            .iter()
            .map(|(d, items)| json!({"date": d, "items_discussed": items}))
            .collect();
        json!({"placements": placements, "reviews": reviews})
    }

    #[test]
    fn two_placements_or_three_spread_over_more_than_a_year_need_no_meeting() {
        let r =
            run::<PlacementStability>(ymd(2026, 6, 1), record(&["2025-01-10", "2025-06-01"], &[]));
        assert_eq!(r[0].status, Status::NotApplicable);
        // 10 Jan 2025 + 12 months = 10 Jan 2026; a third placement on 11 Jan 2026 is outside.
        let r = run::<PlacementStability>(
            ymd(2026, 6, 1),
            record(&["2025-01-10", "2025-06-01", "2026-01-11"], &[]),
        );
        assert_eq!(r[0].status, Status::NotApplicable);
    }

    #[test]
    fn twelve_months_from_29_february_and_from_the_31st_clip_to_the_month_end() {
        // First placement 29 Feb 2024: + 12 months = 28 Feb 2025 (no 29 Feb in 2025).
        // A third placement on 28 Feb 2025 is within twelve months; on 1 Mar 2025 it is not.
        let inside = record(&["2024-02-29", "2024-09-01", "2025-02-28"], &[]);
        let r = run::<PlacementStability>(ymd(2025, 3, 3), inside);
        assert_eq!(evidence(&r[0], "third_placement"), Some("2025-02-28"));
        let outside = record(&["2024-02-29", "2024-09-01", "2025-03-01"], &[]);
        let r = run::<PlacementStability>(ymd(2025, 3, 3), outside);
        assert_eq!(r[0].status, Status::NotApplicable);
        // 31 Aug 2025 + 12 months = 31 Aug 2026, which exists: 31 Aug 2026 is inside.
        let r = run::<PlacementStability>(
            ymd(2026, 9, 1),
            record(&["2025-08-31", "2026-01-05", "2026-08-31"], &[]),
        );
        assert_eq!(evidence(&r[0], "third_placement"), Some("2026-08-31"));
    }

    #[test]
    fn the_deadline_counts_working_days_past_bank_holidays_and_the_day_itself_is_in_time() {
        // Third placement Wed 16 Apr 2025. 5 working days: Thu 17 = 1; Fri 18 Good Friday;
        // Sat 19, Sun 20; Mon 21 Easter Monday; Tue 22 = 2, Wed 23 = 3, Thu 24 = 4, Fri 25 = 5.
        let settings = StabilitySettings { working_days: 5 };
        let on_the_day = record(
            &["2024-06-01", "2024-11-01", "2025-04-16"],
            &[("2025-04-25", &["Placement stability"])],
        );
        let r = run_with::<PlacementStability>(ymd(2025, 5, 1), on_the_day, &settings);
        assert_eq!(r[0].due, Some(ymd(2025, 4, 25)));
        assert_eq!(r[0].status, Status::Met);
        assert_eq!(r[0].done, Some(ymd(2025, 4, 25)));
        // Mon 28 Apr is one working day after the deadline: a warning (a local timescale is
        // never a breach), and the message says so in local terms.
        let late = record(
            &["2024-06-01", "2024-11-01", "2025-04-16"],
            &[("2025-04-28", &["placement STABILITY meeting"])],
        );
        let r = run_with::<PlacementStability>(ymd(2025, 5, 1), late, &settings);
        assert_eq!(r[0].status, Status::Warning);
        assert_eq!(
            r[0].message,
            "A placement-stability meeting after the placement of 16 Apr 2025 was held on 28 Apr 2025, 3 days after 25 Apr 2025 (local timescale: 5 working days)."
        );
        assert_local_messages::<PlacementStability>(&r);
    }

    #[test]
    fn not_yet_held_is_due_soon_then_a_warning_and_only_the_latest_trigger_is_current() {
        // Default 20 working days from Mon 5 Jan 2026: 6-9 Jan = 1-4, 12-16 = 5-9,
        // 19-23 = 10-14, 26-30 = 15-19, Mon 2 Feb = 20.
        let placements = ["2025-02-01", "2025-07-01", "2026-01-05"];
        let r = run::<PlacementStability>(ymd(2026, 1, 20), record(&placements, &[]));
        assert_eq!(
            (r[0].status, r[0].due),
            (Status::DueSoon, Some(ymd(2026, 2, 2)))
        );
        // On the deadline day itself, still due (today), not yet a warning.
        let r = run::<PlacementStability>(ymd(2026, 2, 2), record(&placements, &[]));
        assert_eq!(r[0].status, Status::DueSoon);
        assert!(
            r[0].message.contains("is expected today"),
            "{}",
            r[0].message
        );
        let r = run::<PlacementStability>(ymd(2026, 2, 3), record(&placements, &[]));
        assert_eq!(r[0].status, Status::Warning);
        // A fourth placement triggers again; a review discussing something else does not count.
        let four = record(
            &["2025-02-01", "2025-07-01", "2026-01-05", "2026-03-02"],
            &[
                ("2026-01-15", &["placement stability"]),
                ("2026-03-10", &["education"]),
            ],
        );
        let r = run::<PlacementStability>(ymd(2026, 3, 20), four);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].status, r[0].current), (Status::Met, false));
        assert_eq!((r[1].status, r[1].current), (Status::DueSoon, true));
    }

    #[test]
    fn records_without_the_sections_are_insufficient_not_breaches() {
        // SSDA903 supplies placement dates but not the items discussed at reviews.
        let r = run::<PlacementStability>(
            ymd(2026, 3, 1),
            ssda903_only(record(&["2025-02-01", "2025-07-01", "2026-01-05"], &[])),
        );
        assert_not_supplied(&r, "reviews.items_discussed");
    }

    #[test]
    fn the_declared_reads_are_enough() {
        assert_reads_suffice::<PlacementStability>(
            &context(ymd(2026, 3, 1)),
            &record(
                &["2025-02-01", "2025-07-01", "2026-01-05"],
                &[("2026-01-15", &["placement stability"])],
            ),
        );
    }
}
