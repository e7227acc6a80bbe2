//! The values that cross the plugin boundary, as plain Rust: metadata, the evaluation context
//! and check results, plus the builders policies use to make results read the same everywhere.
//!
//! Metadata and results cross the boundary as JSON text in exactly these shapes (documented in
//! `plugins/wit/policy.wit`); unknown fields are refused so a typo in a plugin is an error, not
//! a silently missing value.
//!
//! What a result says, in the statutory-rules reference's terms:
//! - [`Status`]: `met` only when something was actually done on time; a requirement that applies
//!   but is not yet due is `upcoming` (or `due_soon` inside the look-ahead window), never `met`;
//!   `warning` is for something to raise that is not itself a missed deadline (a placement change
//!   with no review since, a local timescale passed).
//! - [`Basis`]: `statutory`, `guidance`, or `local` for a timescale the law does not fix. A
//!   `local` result's message names the timescale ("local timescale: 28 days", see
//!   [`describe_local`]) and never reads like a statutory deadline; missing it is a `warning`,
//!   never a `breach` ([`CheckInfo::status`]).
//! - [`CheckResult::current`]: a recurring requirement (statutory reviews, health assessments,
//!   SDQs, PEPs, pathway plans, carers' support and visits) gives one result per occurrence, so
//!   the history stays visible and reports can count each deadline in the period it fell in.
//!   `current` marks the results that say where things stand on the evaluation date: the next
//!   (or overdue) occurrence of a recurring requirement, the one result of a standing requirement
//!   (an IRO assigned now, a lead named), a data error to correct now. Results without it are
//!   history: past occurrences, and requirements of periods of care or placements that are over.
//! - `insufficient_data` names the missing field in its evidence (`missing_field`) and carries a
//!   due date only when the rule fixes one independently of what is missing.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{self, Calendar, DateError};
use crate::record::{CareRecord, PeriodOfCare, Section};
use crate::text;
use crate::text::{Iso, Long, Plural};

/// Whether a check enforces law, guidance, or a local timescale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// An Act or regulation: a failure is a legal breach.
    Statutory,
    /// Statutory guidance or the 2017 expert working group: a failure is a practice concern.
    Guidance,
    /// A timescale or threshold the law does not fix, taken from a setting (for example the
    /// follow-up of a high SDQ score, default 28 days). Its messages say "local timescale: …";
    /// passing it is a `warning`, never a `breach`.
    Local,
}

impl Basis {
    /// The name used in the JSON contract: `statutory`, `guidance` or `local`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Statutory => "statutory",
            Basis::Guidance => "guidance",
            Basis::Local => "local",
        }
    }
}

/// One check a policy produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInfo {
    pub id: Name,
    pub title: Name,
    pub citation: Name,
    pub basis: Basis,
}

/// Text a policy writes as a literal (a check's id, title and citation, an evidence key) and
/// every one of its results repeats: borrowed from the plugin's own code, so a result does not
/// allocate and copy it again (inside the sandbox an allocation is dear); owned when read from
/// JSON or built at run time.
pub type Name = Cow<'static, str>;

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
///
/// Each status's number is the one packed results carry (`policy.wit`, `evaluate-packed`: 0
/// `met` to 6 `insufficient_data`). It is also its place in this list, which is how serde numbers
/// a variant when the host reads packed results: reordering the list changes the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Something was actually done, on or before its deadline.
    Met = 0,
    /// The rule applies and nothing is done yet, but the deadline lies beyond the look-ahead
    /// window. Never counted as compliance.
    Upcoming = 1,
    /// Not yet late: the deadline is today or inside the look-ahead window.
    DueSoon = 2,
    /// The deadline passed without the event, or the event came late.
    Breach = 3,
    /// Something the IRO should raise that is not itself a missed deadline: a placement change
    /// with no review since (CPPCR reg 32(2)), a local timescale passed, a borderline SDQ score
    /// not followed up.
    Warning = 4,
    NotApplicable = 5,
    /// The record lacks what the rule needs; the evidence names the field (`missing_field`).
    InsufficientData = 6,
}

impl Status {
    /// Every status, in their packed numbers' order: for tests that must cover them all.
    #[cfg(test)]
    pub(crate) const ALL: [Status; 7] = [
        Status::Met,
        Status::Upcoming,
        Status::DueSoon,
        Status::Breach,
        Status::Warning,
        Status::NotApplicable,
        Status::InsufficientData,
    ];

    /// The name used in the JSON contract, for example `due_soon`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Upcoming => "upcoming",
            Status::DueSoon => "due_soon",
            Status::Breach => "breach",
            Status::Warning => "warning",
            Status::NotApplicable => "not_applicable",
            Status::InsufficientData => "insufficient_data",
        }
    }
}

/// One result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    pub check: Name,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The date the event happened, when it did (on time or late): what lets a reader tell
    /// "done 14 days late" from "still not done, 14 days overdue" without parsing the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<NaiveDate>,
    pub subject: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<(Name, String)>,
    pub citation: Name,
    /// This result says where the requirement stands on the evaluation date (see the module
    /// documentation); results without it are history. Serialised only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub current: bool,
}

/// A value a piece of evidence can carry, as its text: dates as ISO 8601 (`2024-02-29`), written
/// digit by digit ([`dates::iso_text`]) because most evidence is dates and `core::fmt` is slow
/// inside the sandbox; text as it is; numbers and flags as they display.
pub trait EvidenceValue {
    fn evidence_text(self) -> String;
}

impl EvidenceValue for NaiveDate {
    fn evidence_text(self) -> String {
        dates::iso_text(self)
    }
}

impl EvidenceValue for &NaiveDate {
    fn evidence_text(self) -> String {
        dates::iso_text(*self)
    }
}

impl EvidenceValue for String {
    fn evidence_text(self) -> String {
        self
    }
}

impl EvidenceValue for &String {
    fn evidence_text(self) -> String {
        self.clone()
    }
}

impl EvidenceValue for &str {
    fn evidence_text(self) -> String {
        self.to_owned()
    }
}

/// Whole numbers, as they display, written digit by digit ([`text::Piece`]).
macro_rules! number_evidence {
    ($($t:ty),*) => {
        $(impl EvidenceValue for $t {
            fn evidence_text(self) -> String {
                text![self]
            }
        })*
    };
}

number_evidence!(u8, u16, u32, u64, usize, i32, i64);

impl EvidenceValue for bool {
    fn evidence_text(self) -> String {
        (if self { "true" } else { "false" }).to_owned()
    }
}

impl EvidenceValue for f64 {
    fn evidence_text(self) -> String {
        self.to_string()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl CheckResult {
    /// Adds one piece of evidence (a field and the value the verdict rests on).
    pub fn with_evidence(mut self, key: impl Into<Name>, value: impl EvidenceValue) -> Self {
        self.evidence.push((key.into(), value.evidence_text()));
        self
    }

    pub fn with_due(mut self, due: NaiveDate) -> Self {
        self.due = Some(due);
        self
    }

    /// Marks the result as current (or not): where the requirement stands on the evaluation date.
    pub fn with_current(mut self, current: bool) -> Self {
        self.current = current;
        self
    }
}

impl CheckInfo {
    /// A check that enforces an Act or regulation: a failure is a legal breach.
    pub fn statutory(id: &'static str, title: &'static str, citation: &'static str) -> Self {
        Self::new(id, title, citation, Basis::Statutory)
    }

    /// A check that enforces statutory guidance or the 2017 expert working group: a failure is a
    /// practice concern.
    pub fn guidance(id: &'static str, title: &'static str, citation: &'static str) -> Self {
        Self::new(id, title, citation, Basis::Guidance)
    }

    /// A check of a timescale or threshold the law does not fix (a setting with a local default):
    /// its messages say "local timescale: …" and passing it is a `warning`, never a `breach`.
    pub fn local(id: &'static str, title: &'static str, citation: &'static str) -> Self {
        Self::new(id, title, citation, Basis::Local)
    }

    fn new(id: &'static str, title: &'static str, citation: &'static str, basis: Basis) -> Self {
        Self {
            id: Name::Borrowed(id),
            title: Name::Borrowed(title),
            citation: Name::Borrowed(citation),
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
            done: None,
            subject: subject.into(),
            message: message.into(),
            evidence: Vec::new(),
            citation: self.citation.clone(),
            current: false,
        }
    }

    /// The status `timing` gives on this check: [`Timing::status`], except that a `local`
    /// timescale passed (late or overdue) is a `warning`, not a `breach`: the law fixes no deadline.
    pub fn status(&self, timing: Timing) -> Status {
        match (self.basis, timing.status()) {
            (Basis::Local, Status::Breach) => Status::Warning,
            (_, status) => status,
        }
    }

    /// A result for an event against its deadline: the status by [`CheckInfo::status`], the
    /// message given, the due date, and the date the event happened if it did.
    pub fn timed(
        &self,
        subject: impl Into<String>,
        due: NaiveDate,
        timing: Timing,
        message: impl Into<String>,
    ) -> CheckResult {
        let mut result = self
            .result(self.status(timing), subject, message)
            .with_due(due);
        result.done = timing.done();
        result
    }

    /// An `insufficient-data` result naming the missing or unusable field.
    pub fn insufficient(
        &self,
        subject: impl Into<String>,
        field: &str,
        why: impl Into<String>,
    ) -> CheckResult {
        self.result(Status::InsufficientData, subject, why)
            .with_evidence("missing_field", field)
    }

    /// One current `insufficient-data` result for each period of care that cannot be used: one
    /// with no episodes (its start is unknown), or one starting after the evaluation date (a
    /// data error, never evidence). No due date: none can be fixed without the start.
    pub fn unusable_periods(&self, ctx: &Context, periods: &[PeriodOfCare]) -> Vec<CheckResult> {
        let mut results = Vec::new();
        for (i, period) in periods.iter().enumerate() {
            let r = match period.start() {
                None => self.insufficient(
                    text!["period of care ", i + 1],
                    "periods_of_care[].episodes",
                    "A period of care has no episodes, so its start date is unknown; add its episodes.",
                ),
                Some(start) if ctx.is_future(start) => self.insufficient(
                    text!["period of care from ", Iso(start)],
                    "periods_of_care[].episodes[].start",
                    text![
                        "A period of care is recorded as starting on ",
                        Long(start),
                        ", after the evaluation date ",
                        Long(ctx.evaluation_date),
                        "; it is not counted until the date is corrected.",
                    ],
                ),
                Some(_) => continue,
            };
            results.push(r.with_current(true));
        }
        results
    }

    /// An `insufficient-data` result for a check whose evidence lies in `section`, which the
    /// record's sources did not supply ([`CareRecord::supplied`]): not recorded is not
    /// did-not-happen, so this is never a `breach`. The evidence names the section as the
    /// missing field, and the sources that did supply the record. It is current (something to
    /// put right now); a caller reporting on a period that is over may unmark it.
    pub fn not_supplied(
        &self,
        subject: impl Into<String>,
        record: &CareRecord,
        section: Section,
    ) -> CheckResult {
        let sources = record
            .provenance
            .as_ref()
            .map_or_else(|| "none".to_string(), |p| p.sources_text());
        let label = section.label();
        self.insufficient(
            subject,
            section.as_str(),
            text![
                "The record's sources (",
                sources.as_str(),
                ") do not supply ",
                label,
                ", so this cannot be checked; add ",
                label,
                " from the case record (not recorded does not mean not done).",
            ],
        )
        .with_evidence("supplied_by", sources)
        .with_current(true)
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
    /// The date the event happened, if it has.
    pub fn done(self) -> Option<NaiveDate> {
        match self {
            Timing::OnTime { done } | Timing::Late { done, .. } => Some(done),
            Timing::Overdue { .. } | Timing::DueSoon { .. } | Timing::NotYetDue { .. } => None,
        }
    }

    /// `met` only when the event happened on time; not yet due beyond the look-ahead window is
    /// `upcoming`, never `met`.
    pub fn status(self) -> Status {
        match self {
            Timing::OnTime { .. } => Status::Met,
            Timing::NotYetDue { .. } => Status::Upcoming,
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
///
/// (Written into one buffer with [`crate::text!`]: most results carry such a sentence.)
pub fn describe(what: &str, done_verb: &str, due: NaiveDate, timing: Timing) -> String {
    let due = Long(due);
    match timing {
        Timing::OnTime { done } | Timing::Late { done, .. } => {
            // ", 2 days late", after the date it was done, when it was late.
            let late = match timing {
                Timing::Late { days_late, .. } => Some(Plural(days_late, "day")),
                _ => None,
            };
            text![
                what,
                " was due by ",
                due,
                " and was ",
                done_verb,
                " on ",
                Long(done),
                late.map(|_| ", "),
                late,
                late.map(|_| " late"),
                ".",
            ]
        }
        Timing::Overdue { days_overdue } => text![
            what,
            " was due by ",
            due,
            " and is ",
            Plural(days_overdue, "day"),
            " overdue.",
        ],
        Timing::DueSoon { days_left: 0 } => text![what, " is due today (", due, ")."],
        Timing::DueSoon { days_left } | Timing::NotYetDue { days_left } => text![
            what,
            " is due by ",
            due,
            ", in ",
            Plural(days_left, "day"),
            ".",
        ],
    }
}

/// As [`describe`], for a timescale the law does not fix: the sentence names the timescale
/// ("local timescale: 28 days") and speaks of what is expected, never of a deadline missed, e.g.
/// "First appointment for referral R1 has not been held: 10 days past 31 Mar 2025 (local
/// timescale: 28 days)."
pub fn describe_local(
    what: &str,
    done_verb: &str,
    due: NaiveDate,
    timing: Timing,
    timescale: &str,
) -> String {
    let due = Long(due);
    let (open, close) = (" (local timescale: ", ").");
    match timing {
        Timing::OnTime { done } => text![
            what,
            " was ",
            done_verb,
            " on ",
            Long(done),
            ", by ",
            due,
            open,
            timescale,
            close,
        ],
        Timing::Late { done, days_late } => text![
            what,
            " was ",
            done_verb,
            " on ",
            Long(done),
            ", ",
            Plural(days_late, "day"),
            " after ",
            due,
            open,
            timescale,
            close,
        ],
        Timing::Overdue { days_overdue } => text![
            what,
            " has not been ",
            done_verb,
            ": ",
            Plural(days_overdue, "day"),
            " past ",
            due,
            open,
            timescale,
            close,
        ],
        Timing::DueSoon { days_left: 0 } => {
            text![what, " is expected today, ", due, open, timescale, close]
        }
        Timing::DueSoon { days_left } | Timing::NotYetDue { days_left } => text![
            what,
            " is expected by ",
            due,
            ", in ",
            Plural(days_left, "day"),
            open,
            timescale,
            close,
        ],
    }
}

/// "28 days", "20 working days": the length of a local timescale, as [`describe_local`] names it.
pub fn timescale(n: u32, unit: &str) -> String {
    dates::plural(i64::from(n), unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ymd;

    fn context(evaluation_date: NaiveDate) -> Context {
        Context {
            evaluation_date,
            look_ahead_days: 28,
            calendar: Calendar::new([], ymd(2000, 1, 1), ymd(2040, 12, 31)),
            settings: String::new(),
        }
    }

    #[test]
    fn not_yet_due_is_upcoming_never_met() {
        // Due 31 Mar 2025. On 2 Mar, 29 days left: beyond the 28-day window, upcoming; on 3 Mar,
        // 28 days left: due soon; on the day itself, due soon (due today); the day after, breach.
        let due = ymd(2025, 3, 31);
        assert_eq!(
            context(ymd(2025, 3, 2)).timing(due, None).status(),
            Status::Upcoming
        );
        assert_eq!(
            context(ymd(2025, 3, 3)).timing(due, None).status(),
            Status::DueSoon
        );
        assert_eq!(context(due).timing(due, None).status(), Status::DueSoon);
        assert_eq!(
            context(ymd(2025, 4, 1)).timing(due, None).status(),
            Status::Breach
        );
        // Done on the deadline: met; a day after: breach.
        let ctx = context(ymd(2025, 6, 1));
        assert_eq!(ctx.timing(due, Some(due)).status(), Status::Met);
        assert_eq!(
            ctx.timing(due, Some(ymd(2025, 4, 1))).status(),
            Status::Breach
        );
    }

    #[test]
    fn a_local_timescale_passed_is_a_warning() {
        let local = CheckInfo::local("referral-seen", "Seen within 28 days", "HC 2016 para 84");
        let statutory =
            CheckInfo::statutory("first-review", "First review", "CPPCR 2010 reg 33(1)");
        let ctx = context(ymd(2025, 4, 10));
        let due = ymd(2025, 3, 31);
        let overdue = ctx.timing(due, None);
        assert_eq!(local.status(overdue), Status::Warning);
        assert_eq!(statutory.status(overdue), Status::Breach);
        let late = ctx.timing(due, Some(ymd(2025, 4, 1)));
        assert_eq!(local.status(late), Status::Warning);
        for timing in [
            ctx.timing(ymd(2025, 4, 20), None),
            ctx.timing(due, Some(due)),
        ] {
            assert_eq!(local.status(timing), statutory.status(timing));
        }
        let r = local.timed("referral R1", due, overdue, "m");
        assert_eq!((r.status, r.due), (Status::Warning, Some(due)));
        assert_eq!(local.basis.as_str(), "local");
    }

    #[test]
    fn local_messages_name_the_timescale_and_no_deadline() {
        // Referred 3 Mar 2025, 28 days: 31 Mar 2025.
        let due = ymd(2025, 3, 31);
        let what = "First appointment for referral R1";
        let ctx = context(ymd(2025, 4, 10));
        let ts = timescale(28, "day");
        assert_eq!(ts, "28 days");
        let cases = [
            (
                ctx.timing(due, None),
                "First appointment for referral R1 has not been held: 10 days past 31 Mar 2025 (local timescale: 28 days).",
            ),
            (
                ctx.timing(due, Some(ymd(2025, 4, 1))),
                "First appointment for referral R1 was held on 1 Apr 2025, 1 day after 31 Mar 2025 (local timescale: 28 days).",
            ),
            (
                ctx.timing(due, Some(due)),
                "First appointment for referral R1 was held on 31 Mar 2025, by 31 Mar 2025 (local timescale: 28 days).",
            ),
            (
                context(due).timing(due, None),
                "First appointment for referral R1 is expected today, 31 Mar 2025 (local timescale: 28 days).",
            ),
            (
                context(ymd(2025, 3, 21)).timing(due, None),
                "First appointment for referral R1 is expected by 31 Mar 2025, in 10 days (local timescale: 28 days).",
            ),
        ];
        for (timing, message) in cases {
            let text = describe_local(what, "held", due, timing, &ts);
            assert_eq!(text, message);
            for deadline_word in ["due", "overdue", "late"] {
                assert!(!text.contains(deadline_word), "{text}");
            }
        }
    }

    #[test]
    fn current_and_new_statuses_cross_as_json() {
        let info = CheckInfo::guidance("x", "X", "EWG 2017 rec 1");
        let r = info.result(Status::Upcoming, "child", "m");
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("current"), "{text}");
        assert!(text.contains(r#""status":"upcoming""#), "{text}");
        let r = info
            .result(Status::Warning, "child", "m")
            .with_current(true);
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains(r#""current":true"#), "{text}");
        assert_eq!(serde_json::from_str::<CheckResult>(&text).unwrap(), r);
        for status in Status::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        for basis in [Basis::Statutory, Basis::Guidance, Basis::Local] {
            let json = serde_json::to_string(&basis).unwrap();
            assert_eq!(json, format!("\"{}\"", basis.as_str()));
        }
    }
}
