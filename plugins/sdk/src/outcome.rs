//! The values that cross the plugin boundary, as plain Rust: metadata, the evaluation context
//! and check results, plus the builders policies use to make results read the same everywhere.
//!
//! Metadata and results cross the boundary as JSON text in exactly these shapes (documented in
//! `plugins/wit/policy.wit`); unknown fields are refused so a typo in a plugin is an error, not
//! a silently missing value.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{self, Calendar, DateError};

/// Whether a check enforces law or guidance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// An Act or regulation: a failure is a legal breach.
    Statutory,
    /// Statutory guidance or the 2017 expert working group: a failure is a practice concern.
    Guidance,
}

/// One check a policy produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInfo {
    pub id: String,
    pub title: String,
    pub citation: String,
    pub basis: Basis,
}

/// What a policy says about itself, as the host receives it: the policy's [`crate::About`] with
/// the JSON Schema of its settings, which the SDK adds ([`crate::describe`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub id: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub author: String,
    pub citations: Vec<String>,
    pub checks: Vec<CheckInfo>,
    /// JSON pointers of the record fields the policy reads (`*` matches any array element).
    pub reads: Vec<String>,
    /// JSON Schema of the settings, as JSON text.
    pub settings_schema: String,
    pub effective_from: NaiveDate,
}

impl Metadata {
    /// The declared check with this id.
    pub fn check(&self, id: &str) -> Option<&CheckInfo> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// Status of one check as of the evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    DueSoon,
    Breach,
    NotApplicable,
    InsufficientData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::DueSoon => "due_soon",
            Status::Breach => "breach",
            Status::NotApplicable => "not_applicable",
            Status::InsufficientData => "insufficient_data",
        }
    }
}

/// One result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    pub check: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    pub subject: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<(String, String)>,
    pub citation: String,
}

impl CheckResult {
    /// Adds one piece of evidence (a field and the value the verdict rests on).
    pub fn with_evidence(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.evidence.push((key.into(), value.to_string()));
        self
    }

    pub fn with_due(mut self, due: NaiveDate) -> Self {
        self.due = Some(due);
        self
    }
}

impl CheckInfo {
    /// A check that enforces an Act or regulation: a failure is a legal breach.
    pub fn statutory(id: &str, title: &str, citation: &str) -> Self {
        Self::new(id, title, citation, Basis::Statutory)
    }

    /// A check that enforces statutory guidance or the 2017 expert working group: a failure is a
    /// practice concern.
    pub fn guidance(id: &str, title: &str, citation: &str) -> Self {
        Self::new(id, title, citation, Basis::Guidance)
    }

    fn new(id: &str, title: &str, citation: &str, basis: Basis) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            citation: citation.into(),
            basis,
        }
    }

    /// Starts a result for this check, carrying its citation.
    pub fn result(
        &self,
        status: Status,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> CheckResult {
        CheckResult {
            check: self.id.clone(),
            status,
            due: None,
            subject: subject.into(),
            message: message.into(),
            evidence: Vec::new(),
            citation: self.citation.clone(),
        }
    }

    /// An `insufficient-data` result naming the missing or unusable field.
    pub fn insufficient(&self, subject: impl Into<String>, field: &str, why: &str) -> CheckResult {
        self.result(Status::InsufficientData, subject, why.to_string())
            .with_evidence("missing_field", field)
    }
}

/// What the host passes with every evaluation.
#[derive(Debug, Clone)]
pub struct Context {
    pub evaluation_date: NaiveDate,
    pub look_ahead_days: u32,
    pub calendar: Calendar,
    /// The policy's settings as JSON text; [`crate::evaluate_json`] parses them for the policy.
    pub settings: String,
}

/// Where an event stands against its deadline, as of the evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Happened on or before the deadline.
    OnTime { done: NaiveDate },
    /// Happened after the deadline, `days_late` calendar days late.
    Late { done: NaiveDate, days_late: i64 },
    /// Not happened, deadline passed `days_overdue` days ago.
    Overdue { days_overdue: i64 },
    /// Not happened, deadline within the look-ahead window (`days_left` may be 0: due today).
    DueSoon { days_left: i64 },
    /// Not happened, deadline beyond the look-ahead window.
    NotYetDue { days_left: i64 },
}

impl Timing {
    pub fn status(self) -> Status {
        match self {
            Timing::OnTime { .. } | Timing::NotYetDue { .. } => Status::Met,
            Timing::Late { .. } | Timing::Overdue { .. } => Status::Breach,
            Timing::DueSoon { .. } => Status::DueSoon,
        }
    }
}

impl Context {
    /// Where an event (`done`, if it happened) stands against `due`. An event on the deadline
    /// itself is on time; a missing event is overdue only once the deadline has passed.
    pub fn timing(&self, due: NaiveDate, done: Option<NaiveDate>) -> Timing {
        match done {
            Some(done) if done <= due => Timing::OnTime { done },
            Some(done) => Timing::Late {
                done,
                days_late: dates::days_between(due, done),
            },
            None => {
                let days_left = dates::days_between(self.evaluation_date, due);
                if days_left < 0 {
                    Timing::Overdue {
                        days_overdue: -days_left,
                    }
                } else if days_left <= i64::from(self.look_ahead_days) {
                    Timing::DueSoon { days_left }
                } else {
                    Timing::NotYetDue { days_left }
                }
            }
        }
    }

    /// The Nth working day after `date`, or a message saying why it cannot be counted.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
        self.calendar.add_working_days(date, n)
    }

    /// Whether a dated row lies after the evaluation date, which makes it a data error, not evidence.
    pub fn is_future(&self, date: NaiveDate) -> bool {
        date > self.evaluation_date
    }
}

/// Describes an event against its deadline in one sentence, e.g.
/// "Second review was due by 29 Aug 2026 and was held on 31 Aug 2026, 2 days late."
pub fn describe(what: &str, done_verb: &str, due: NaiveDate, timing: Timing) -> String {
    let due_text = dates::format_long(due);
    match timing {
        Timing::OnTime { done } => format!(
            "{what} was due by {due_text} and was {done_verb} on {}.",
            dates::format_long(done)
        ),
        Timing::Late { done, days_late } => format!(
            "{what} was due by {due_text} and was {done_verb} on {}, {} late.",
            dates::format_long(done),
            dates::plural(days_late, "day")
        ),
        Timing::Overdue { days_overdue } => format!(
            "{what} was due by {due_text} and is {} overdue.",
            dates::plural(days_overdue, "day")
        ),
        Timing::DueSoon { days_left: 0 } => format!("{what} is due today ({due_text})."),
        Timing::DueSoon { days_left } | Timing::NotYetDue { days_left } => format!(
            "{what} is due by {due_text}, in {}.",
            dates::plural(days_left, "day")
        ),
    }
}
