//! The IRO's pre-review checklist: every enabled policy evaluated for one child as of the review
//! date, arranged for the meeting rather than in policy order.
//!
//! - **Groups**, in the order an IRO works through a review: Review and IRO; Mental health;
//!   Physical health; Caregivers; Placement and out of area; Education; Leaving care; then one
//!   group per regulator (a policy the table below does not place is a regulator's plugin),
//!   labelled with the regulator that published it. A group with nothing in it is left out, except the first.
//! - **The first item is always EWG 2017 recommendation 11**: review whether the child's mental
//!   health needs have been met. It is the `review-mental-health` policy's current
//!   `mental-health-reviewed` result with a prompt built from what the last review recorded;
//!   when the pack in force does not run that policy the item is still there, `not_evaluated`,
//!   so the question is never dropped from the agenda.
//! - **Items** are the *current* results (where each requirement stands on the review date),
//!   ordered within a group by what needs attention first — breach and error, due soon,
//!   warning, insufficient data — then upcoming, then met, then not applicable; ties by due date.
//! - **History since the last review** (results that are not current, with a due date on or
//!   after the last review held before the review date; all of them before a first review) is
//!   collapsed under the item of the same check. A check with history but no current result gets
//!   an item headed by its latest history result.
//! - Each item says what is due or late and by how much, counted in days from the review date
//!   the checklist is evaluated as of, the evidence the policy relied on, the citation and basis,
//!   and an agenda prompt in plain English naming the child by first name ("the child" when the
//!   record holds no name).
//!
//! The default review date is the child's next review due (`children.next_review_due`, derived
//! on write with the pack's own review intervals), or today when that date has passed (the review
//! is late: prepare for it now) or is unknown.

pub mod prompts;
pub mod service;

use std::collections::BTreeMap;

use carecheck_sdk::dates::format_long;
use carecheck_sdk::outcome::{CheckResult, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::plugins::{PolicyOutcome, PolicySet};

/// The policy and check of EWG 2017 recommendation 11, always the first item.
pub const LEAD_POLICY: &str = "review-mental-health";
pub const LEAD_CHECK: &str = "mental-health-reviewed";

/// The built-in groups in meeting order, with the policies each holds.
pub const GROUPS: [(&str, &str, &[&str]); 7] = [
    (
        "review-and-iro",
        "Review and IRO",
        &[
            LEAD_POLICY,
            "statutory-review-timeliness",
            "iro-appointed",
            "child-voice",
            "review-preparation",
        ],
    ),
    (
        "mental-health",
        "Mental health",
        &["sdq", "mental-health-access", "virtual-mental-health-lead"],
    ),
    (
        "physical-health",
        "Physical health",
        &["health-assessments"],
    ),
    ("caregivers", "Caregivers", &["caregiver-support"]),
    (
        "placement",
        "Placement and out of area",
        &["out-of-area-responsibility"],
    ),
    ("education", "Education", &["education-mental-health"]),
    ("leaving-care", "Leaving care", &["care-leaver-pathway"]),
];

/// What the checklist needs from the record besides the policies' verdicts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordBrief {
    #[serde(default)]
    child: BriefChild,
    #[serde(default)]
    reviews: Vec<BriefReview>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct BriefChild {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct BriefReview {
    date: NaiveDate,
}

impl RecordBrief {
    /// Reads the name and review dates from a stored record (a record that does not parse
    /// gives an empty brief: the verdicts still stand).
    pub fn from_body(body: &str) -> Self {
        serde_json::from_str(body).unwrap_or_default()
    }

    /// The child's first name, if the record holds a name.
    pub fn first_name(&self) -> Option<String> {
        self.child
            .name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .map(str::to_string)
    }

    /// The last review held before `date`.
    pub fn last_review_before(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.reviews
            .iter()
            .map(|r| r.date)
            .filter(|d| *d < date)
            .max()
    }
}

/// One value the policy relied on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Evidence {
    pub field: String,
    pub value: String,
}

/// A result that is history since the last review, collapsed under its item.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub status: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    pub subject: String,
    pub message: String,
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Item {
    pub policy: String,
    /// The regulator whose plugin this is; absent for the pack's own policies.
    pub regulator: Option<String>,
    pub check: String,
    /// The check's title from the policy's metadata.
    pub title: String,
    /// met, upcoming, due_soon, breach, warning, not_applicable, insufficient_data, error (the
    /// policy failed), or not_evaluated (the lead item when the pack does not run its policy).
    pub status: String,
    /// statutory, guidance or local.
    pub basis: String,
    pub citation: String,
    pub subject: String,
    pub message: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    /// Days late: for an event that happened late, the days from its deadline to the day it
    /// happened; for one still outstanding, the days its deadline had passed by on the review date.
    pub days_late: Option<i64>,
    /// Days from the review date to the deadline (when it is still ahead).
    pub days_until_due: Option<i64>,
    /// What is due or late and by how much, in words.
    pub timing: Option<String>,
    pub evidence: Vec<Evidence>,
    /// What to ask at the review, in plain English.
    pub prompt: String,
    /// False for an item headed by history (its check has no current result).
    pub current: bool,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Group {
    pub id: String,
    pub title: String,
    /// The regulator a plugin group belongs to; absent for built-in groups.
    pub regulator: Option<String>,
    pub items: Vec<Item>,
}

/// A child's checklist as of a review date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Checklist {
    pub authority: String,
    pub child_id: String,
    pub first_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub review_date: NaiveDate,
    /// Where the review date came from: `requested`, `next_review_due` or `today`.
    pub review_date_from: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_due: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_review: Option<NaiveDate>,
    pub record_version: i64,
    /// Items by status.
    pub counts: BTreeMap<String, u32>,
    pub groups: Vec<Group>,
}

/// The review date a checklist defaults to: the next review due, or today when that has passed
/// or is unknown.
pub fn default_review_date(
    next_due: Option<NaiveDate>,
    today: NaiveDate,
) -> (NaiveDate, &'static str) {
    match next_due {
        Some(due) if due >= today => (due, "next_review_due"),
        _ => (today, "today"),
    }
}

/// Attention first: the rank of a status within a group.
fn rank(status: &str) -> u8 {
    match status {
        "breach" | "error" => 0,
        "due_soon" => 1,
        "warning" => 2,
        "insufficient_data" | "not_evaluated" => 3,
        "upcoming" => 4,
        "met" => 5,
        _ => 6,
    }
}

/// What the checklist is about, besides the verdicts.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub authority: &'a str,
    pub child_id: &'a str,
    pub record_version: i64,
    pub brief: &'a RecordBrief,
    pub review_date: NaiveDate,
    pub review_date_from: &'static str,
    pub next_review_due: Option<NaiveDate>,
}

/// Arranges one child's outcomes into the meeting's checklist.
pub fn assemble(
    policies: &PolicySet,
    subject: &Subject<'_>,
    outcomes: &[PolicyOutcome],
) -> Checklist {
    let name = subject.brief.first_name();
    let who = name.as_deref().unwrap_or("the child");
    let as_of = subject.review_date;
    let last_review = subject.brief.last_review_before(as_of);
    let check_info = |policy: &str, check: &str| {
        policies
            .policy(policy)
            .and_then(|p| p.plugin.metadata.check(check).cloned())
    };
    let mut lead: Option<Item> = None;
    // (group key, item) in policy order, before sorting.
    let mut placed: Vec<(GroupKey, Item)> = Vec::new();
    for outcome in outcomes {
        let group = group_of(&outcome.policy, outcome.regulator.as_deref());
        if let Some(error) = &outcome.error {
            placed.push((
                group.clone(),
                Item {
                    policy: outcome.policy.clone(),
                    regulator: outcome.regulator.clone(),
                    check: "-".into(),
                    title: policies.policy(&outcome.policy).map_or_else(
                        || outcome.policy.clone(),
                        |p| p.plugin.metadata.title.clone(),
                    ),
                    status: "error".into(),
                    basis: "-".into(),
                    citation: String::new(),
                    subject: "policy".into(),
                    message: format!("The policy could not be evaluated: it {error}."),
                    due: None,
                    days_late: None,
                    days_until_due: None,
                    timing: None,
                    evidence: Vec::new(),
                    prompt: prompts::failed(),
                    current: true,
                    history: Vec::new(),
                },
            ));
        }
        // Per check: its current results, and its history since the last review.
        let mut checks: Vec<&str> = Vec::new();
        for r in &outcome.results {
            if !checks.contains(&r.check.as_ref()) {
                checks.push(&r.check);
            }
        }
        for check in checks {
            let info = check_info(&outcome.policy, check);
            let title = info
                .as_ref()
                .map_or_else(|| check.to_string(), |i| i.title.to_string());
            let basis = info
                .as_ref()
                .map_or_else(|| "-".to_string(), |i| i.basis.as_str().to_string());
            let results: Vec<&CheckResult> = outcome
                .results
                .iter()
                .filter(|r| r.check == check)
                .collect();
            let mut history: Vec<&CheckResult> = results
                .iter()
                .copied()
                .filter(|r| !r.current)
                .filter(|r| match (last_review, r.due) {
                    (None, _) => true,
                    (Some(last), Some(due)) => due >= last,
                    (Some(_), None) => false,
                })
                .collect();
            history.sort_by_key(|r| std::cmp::Reverse(r.due));
            let mut items: Vec<Item> = results
                .iter()
                .filter(|r| r.current)
                .map(|r| item(&outcome.policy, &title, &basis, r, as_of, who, true))
                .collect();
            if items.is_empty() && !history.is_empty() {
                let head = history.remove(0);
                items.push(item(
                    &outcome.policy,
                    &title,
                    &basis,
                    head,
                    as_of,
                    who,
                    false,
                ));
            }
            for h in history {
                let target = items
                    .iter()
                    .position(|i| i.subject == h.subject)
                    .unwrap_or(0);
                if let Some(i) = items.get_mut(target) {
                    i.history.push(HistoryEntry {
                        status: h.status.as_str().into(),
                        due: h.due,
                        subject: h.subject.clone(),
                        message: h.message.clone(),
                    });
                }
            }
            for mut i in items {
                i.regulator.clone_from(&outcome.regulator);
                if lead.is_none()
                    && outcome.policy == LEAD_POLICY
                    && check == LEAD_CHECK
                    && i.current
                {
                    let actions = outcome
                        .results
                        .iter()
                        .find(|r| r.check == "mental-health-actions" && r.current);
                    i.prompt = prompts::lead(who, &i, actions);
                    lead = Some(i);
                } else {
                    placed.push((group.clone(), i));
                }
            }
        }
    }
    let lead = lead.unwrap_or_else(|| prompts::lead_not_evaluated(who));
    // Groups in meeting order, then regulator groups by regulator.
    let mut groups: Vec<Group> = GROUPS
        .iter()
        .map(|(id, title, _)| Group {
            id: (*id).into(),
            title: (*title).into(),
            regulator: None,
            items: Vec::new(),
        })
        .collect();
    let mut regulators: Vec<Group> = Vec::new();
    for (key, item) in placed {
        let group = match key {
            GroupKey::BuiltIn(i) => &mut groups[i],
            GroupKey::Regulator(regulator) => {
                match regulators
                    .iter()
                    .position(|g| g.regulator.as_deref() == Some(regulator.as_str()))
                {
                    Some(i) => &mut regulators[i],
                    None => {
                        regulators.push(Group {
                            id: format!("regulator-{}", slug(&regulator)),
                            title: format!("Regulator: {regulator}"),
                            regulator: Some(regulator),
                            items: Vec::new(),
                        });
                        regulators.last_mut().expect("just pushed")
                    }
                }
            }
        };
        group.items.push(item);
    }
    regulators.sort_by(|a, b| a.regulator.cmp(&b.regulator));
    groups.extend(regulators);
    for group in &mut groups {
        // A stable sort keeps policy order among equals.
        group
            .items
            .sort_by_key(|i| (rank(&i.status), i.due.unwrap_or(NaiveDate::MAX)));
    }
    groups[0].items.insert(0, lead);
    groups.retain(|g| !g.items.is_empty());
    let mut counts = BTreeMap::new();
    for item in groups.iter().flat_map(|g| &g.items) {
        *counts.entry(item.status.clone()).or_insert(0) += 1;
    }
    Checklist {
        authority: subject.authority.to_string(),
        child_id: subject.child_id.to_string(),
        first_name: name,
        review_date: as_of,
        review_date_from: subject.review_date_from.into(),
        next_review_due: subject.next_review_due,
        last_review,
        record_version: subject.record_version,
        counts,
        groups,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum GroupKey {
    BuiltIn(usize),
    Regulator(String),
}

/// A built-in policy's group, or its regulator's: a policy the table does not place is a
/// regulator's plugin, labelled with the regulator that published it (as registered, not as
/// the plugin describes itself).
fn group_of(policy: &str, regulator: Option<&str>) -> GroupKey {
    if let Some(i) = GROUPS
        .iter()
        .position(|(_, _, members)| members.contains(&policy))
    {
        return GroupKey::BuiltIn(i);
    }
    GroupKey::Regulator(regulator.unwrap_or("unknown").to_string())
}

fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// One result as an item, with its timing counted from the review date.
fn item(
    policy: &str,
    title: &str,
    basis: &str,
    r: &CheckResult,
    as_of: NaiveDate,
    who: &str,
    current: bool,
) -> Item {
    let (days_late, days_until_due, timing) = timing(r.status, r.due, r.done, as_of);
    Item {
        policy: policy.into(),
        regulator: None,
        check: r.check.to_string(),
        title: title.into(),
        status: r.status.as_str().into(),
        basis: basis.into(),
        citation: r.citation.to_string(),
        subject: r.subject.clone(),
        message: r.message.clone(),
        due: r.due,
        days_late,
        days_until_due,
        timing,
        evidence: r
            .evidence
            .iter()
            .map(|(field, value)| Evidence {
                field: field.to_string(),
                value: value.clone(),
            })
            .collect(),
        prompt: prompts::for_result(who, title, r),
        current,
        history: Vec::new(),
    }
}

/// Days late or days left, and the words for them, as of the review date. An event that
/// happened (`done`) is late by the days between its deadline and the day it happened, however
/// long ago that was; only what is still outstanding is counted up to the review date.
fn timing(
    status: Status,
    due: Option<NaiveDate>,
    done: Option<NaiveDate>,
    as_of: NaiveDate,
) -> (Option<i64>, Option<i64>, Option<String>) {
    let Some(due) = due else {
        return (None, None, None);
    };
    let when = format_long(due);
    let day_words = |n: i64| carecheck_sdk::dates::plural(n, "day");
    if status == Status::NotApplicable {
        return (None, None, None);
    }
    if let Some(done) = done {
        let late = (done - due).num_days();
        let on = format_long(done);
        return if late > 0 {
            (
                Some(late),
                None,
                Some(format!(
                    "Done on {on}, {} late: it was due by {when}",
                    day_words(late)
                )),
            )
        } else {
            (
                None,
                None,
                Some(format!("Done on {on}; it was due by {when}")),
            )
        };
    }
    let days = (as_of - due).num_days();
    match status {
        Status::Met => (None, None, Some(format!("Done; it was due by {when}"))),
        _ if days > 0 => (
            Some(days),
            None,
            Some(format!("{} late: it was due by {when}", day_words(days))),
        ),
        Status::Breach => (None, None, Some(format!("Late: it was due by {when}"))),
        _ if days == 0 => (
            None,
            Some(0),
            Some(format!("Due on the review date, {when}")),
        ),
        _ => (
            None,
            Some(-days),
            Some(format!(
                "Due by {when}, {} after the review date",
                day_words(-days)
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn timing_is_counted_from_the_review_date() {
        let review = d(2027, 3, 1);
        // Due 31 January 2027, not done: 1 Feb..1 Mar is 29 days (28 in February 2027 + 1).
        assert_eq!(
            timing(Status::Breach, Some(d(2027, 1, 31)), None, review),
            (
                Some(29),
                None,
                Some("29 days late: it was due by 31 Jan 2027".into())
            )
        );
        // Due on the review date itself: not late, no days left.
        assert_eq!(
            timing(Status::DueSoon, Some(review), None, review).1,
            Some(0)
        );
        // Due 29 February 2028 from a review on 1 February 2028: 28 days after.
        assert_eq!(
            timing(Status::Upcoming, Some(d(2028, 2, 29)), None, d(2028, 2, 1)).1,
            Some(28)
        );
        // Met: no lateness, whatever the dates.
        assert_eq!(
            timing(Status::Met, Some(d(2026, 1, 1)), None, review).0,
            None
        );
        // Decisions due by Friday 14 Oct 2016 and circulated on Friday 28 Oct 2016: 14 days
        // late, however many years before the review date that was.
        assert_eq!(
            timing(
                Status::Breach,
                Some(d(2016, 10, 14)),
                Some(d(2016, 10, 28)),
                review
            ),
            (
                Some(14),
                None,
                Some("Done on 28 Oct 2016, 14 days late: it was due by 14 Oct 2016".into())
            )
        );
        // Done on the deadline day itself (31 Aug 2026): on time.
        assert_eq!(
            timing(
                Status::Met,
                Some(d(2026, 8, 31)),
                Some(d(2026, 8, 31)),
                review
            ),
            (
                None,
                None,
                Some("Done on 31 Aug 2026; it was due by 31 Aug 2026".into())
            )
        );
    }

    #[test]
    fn the_default_review_date_is_the_next_due_unless_it_has_passed() {
        let today = d(2026, 12, 1);
        assert_eq!(
            default_review_date(Some(d(2026, 12, 24)), today),
            (d(2026, 12, 24), "next_review_due")
        );
        assert_eq!(
            default_review_date(Some(today), today),
            (today, "next_review_due")
        );
        assert_eq!(
            default_review_date(Some(d(2026, 11, 30)), today),
            (today, "today")
        );
        assert_eq!(default_review_date(None, today), (today, "today"));
    }

    #[test]
    fn attention_comes_first() {
        let order = [
            "breach",
            "due_soon",
            "warning",
            "insufficient_data",
            "upcoming",
            "met",
            "not_applicable",
        ];
        assert!(order.windows(2).all(|w| rank(w[0]) < rank(w[1])));
        assert_eq!(rank("error"), rank("breach"));
    }
}
