//! What a report says, by audience. Every figure is counted from one evaluation run made for the
//! report (as of the London date of its scheduled time) and the records that run read.
//!
//! **Boards** get aggregates only: never a name, date of birth or child id, and every count is
//! suppressed as [`super::suppress`] says. Readings, where the law is silent:
//! - *Period*: from the previous scheduled time's date up to (not including) this one's; the
//!   trend repeats periods of that length backwards. A breach or a concern (`warning`) counts in
//!   the period its deadline (`due`) fell in.
//! - *Deadline figures* (reviews on time, initial and review health assessments, SDQ done): of
//!   the deadlines that fell in the 12 months to the report date and have been decided, how many
//!   were `met` rather than `breach` (`due_soon`, `upcoming` and `insufficient_data` are not yet
//!   decided, or cannot be).
//! - *Dental checks in date*: children looked after for the whole of the last 12 months with a
//!   dental check in them (the SSDA903 OC2 cohort's yearly check).
//! - *SDQ average*: the mean of each child's latest score in the last 12 months.
//! - *3 or more placements*: children looked after on the report date whose placements in the
//!   last 12 months (any that overlap them) number 3 or more.
//! - *Out of area without a named mental-health service*: children looked after whose current
//!   placement is in another authority and names no mental-health service.
//! - *Carers with wellbeing support*: current carers (counted once per carer id and authority)
//!   with a wellbeing-support offer in the last 12 months.
//! - *Care leavers with a personal adviser*: relevant and former relevant young people (SDK
//!   `care_leaver_status`) with an adviser recorded.
//! - *Unresolved breaches*: `breach` results that are still `current`, by how long ago their
//!   deadline passed.
//! - *IRO caseloads*: children looked after on the report date per IRO id, against 50-70 (IRO
//!   Handbook; the directory of IROs' hours comes later, so an IRO counts as full-time).
//!
//! **Inspectors** get the same figures unsuppressed and the Annex A lists ([`super::annex_a`]).
//! **The IRO digest** lists each IRO's children whose next review is due within N days or late,
//! with a count of their checklist's results by status.

use std::collections::{BTreeMap, HashMap, HashSet};

use carecheck_sdk::care_leavers::{CareLeaverStatus, care_leaver_status};
use carecheck_sdk::{CareRecord, Status};
use chrono::NaiveDate;
use serde::Serialize;

use super::suppress::{Cell, Suppressor};
use super::{Audience, Spec};
use crate::plugins::PolicyOutcome;

/// The dates a report covers: deadlines from `from` up to, not including, `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    fn contains(&self, d: NaiveDate) -> bool {
        d >= self.from && d < self.to
    }

    /// The period `k` lengths before this one.
    fn back(&self, k: i64) -> Period {
        let days = (self.to - self.from).num_days().max(1);
        Period {
            from: self.from - chrono::Duration::days(days * k),
            to: self.to - chrono::Duration::days(days * k),
        }
    }
}

/// One child as a report reads it: the record and every policy's outcome.
pub struct ChildFacts<'a> {
    pub authority: &'a str,
    pub record: &'a CareRecord,
    pub outcomes: &'a [PolicyOutcome],
}

/// Periods in the trend, this one included.
pub const TREND_PERIODS: i64 = 6;
/// The IRO Handbook's caseload range per full-time IRO.
pub const CASELOAD: (u64, u64) = (50, 70);

/// A key figure: `count` of `of`.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub id: &'static str,
    pub label: &'static str,
    pub count: Cell,
    pub of: Cell,
    /// The percentage, where both counts are shown.
    pub percent: Option<f64>,
    /// For the SDQ: the average score (hidden when the children behind it are few).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
}

/// How a policy is named in a report: a regulator's plugin with its regulator.
fn policy_label(outcome: &PolicyOutcome) -> String {
    match &outcome.regulator {
        Some(regulator) => format!("{} (regulator {regulator})", outcome.policy),
        None => outcome.policy.clone(),
    }
}

/// Breaches and concerns for one policy, authority or IRO.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    pub breaches: Cell,
    pub concerns: Cell,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub rows: Vec<Row>,
    pub total_breaches: Cell,
    pub total_concerns: Cell,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub breaches: Cell,
}

#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub label: &'static str,
    pub count: Cell,
}

#[derive(Debug, Clone, Serialize)]
pub struct Caseloads {
    pub iros: u64,
    pub below: Cell,
    pub within: Cell,
    pub above: Cell,
    pub average: Option<f64>,
    pub per_iro: Vec<IroLoad>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IroLoad {
    pub iro: String,
    pub children: Cell,
    /// below, within or above 50-70.
    pub band: &'static str,
}

/// A board's (or, unsuppressed, an inspector's) report.
#[derive(Debug, Clone, Serialize)]
pub struct BoardReport {
    pub title: String,
    pub audience: Audience,
    pub authorities: Vec<String>,
    pub as_of: NaiveDate,
    pub period: Period,
    pub children: Cell,
    pub kpis: Vec<Kpi>,
    pub by_policy: Table,
    pub by_authority: Table,
    pub by_iro: Table,
    pub trend: Vec<TrendPoint>,
    pub unresolved: Vec<Band>,
    pub caseloads: Caseloads,
    /// Small numbers: what the report hides and why.
    pub suppression: Option<String>,
    pub notes: Vec<String>,
}

/// Deadline figures: (policy, checks) whose decided deadlines in the last 12 months count.
const DEADLINES: [(&str, &str, &str, &[&str]); 4] = [
    (
        "reviews-on-time",
        "Reviews on time",
        "statutory-review-timeliness",
        &["first-review", "second-review", "later-review"],
    ),
    (
        "initial-health-assessments",
        "Initial health assessments within 20 working days",
        "health-assessments",
        &["initial-health-assessment"],
    ),
    (
        "review-health-assessments",
        "Review health assessments in date",
        "health-assessments",
        &["review-health-assessment"],
    ),
    ("sdq-completed", "SDQ completed", "sdq", &["sdq-annual"]),
];

#[derive(Default)]
struct Counter {
    count: u64,
    of: u64,
}

/// Counts for a board or inspector report, child by child.
pub struct BoardCounts {
    as_of: NaiveDate,
    year_ago: NaiveDate,
    period: Period,
    policies: Option<HashSet<String>>,
    children: u64,
    deadlines: [Counter; 4],
    dental: Counter,
    sdq_scores: Vec<u8>,
    placements: Counter,
    out_of_area: Counter,
    carers: HashMap<(String, String), bool>,
    leavers: Counter,
    by_policy: BTreeMap<String, (u64, u64)>,
    by_authority: BTreeMap<String, (u64, u64)>,
    by_iro: BTreeMap<String, (u64, u64)>,
    trend: Vec<u64>,
    unresolved: [u64; 5],
    caseloads: BTreeMap<String, u64>,
    errors: u64,
}

const AGE_BANDS: [&str; 5] = [
    "under 1 month",
    "1 to 3 months",
    "3 to 6 months",
    "6 to 12 months",
    "over 12 months",
];

impl BoardCounts {
    pub fn new(as_of: NaiveDate, period: Period, policies: &[String]) -> Self {
        Self {
            as_of,
            year_ago: months_before(as_of, 12),
            period,
            policies: (!policies.is_empty()).then(|| policies.iter().cloned().collect()),
            children: 0,
            deadlines: Default::default(),
            dental: Counter::default(),
            sdq_scores: Vec::new(),
            placements: Counter::default(),
            out_of_area: Counter::default(),
            carers: HashMap::new(),
            leavers: Counter::default(),
            by_policy: BTreeMap::new(),
            by_authority: BTreeMap::new(),
            by_iro: BTreeMap::new(),
            trend: vec![0; TREND_PERIODS as usize],
            unresolved: [0; 5],
            caseloads: BTreeMap::new(),
            errors: 0,
        }
    }

    fn in_year(&self, d: NaiveDate) -> bool {
        d > self.year_ago && d <= self.as_of
    }

    pub fn add(&mut self, child: &ChildFacts<'_>) {
        let r = child.record;
        let as_of = self.as_of;
        self.children += 1;
        let looked_after = r.period_containing(as_of).is_some();
        let iro = r
            .iro_on(as_of)
            .map(|a| a.iro_id.clone())
            .unwrap_or_else(|| "no IRO recorded".into());
        if looked_after && let Some(a) = r.iro_on(as_of) {
            *self.caseloads.entry(a.iro_id.clone()).or_default() += 1;
        }
        for outcome in child.outcomes {
            if self
                .policies
                .as_ref()
                .is_some_and(|p| !p.contains(&outcome.policy))
            {
                continue;
            }
            if outcome.error.is_some() {
                self.errors += 1;
            }
            for result in &outcome.results {
                for (i, (_, _, policy, checks)) in DEADLINES.iter().enumerate() {
                    if outcome.policy == *policy
                        && checks.contains(&result.check.as_ref())
                        && result.due.is_some_and(|d| self.in_year(d))
                    {
                        match result.status {
                            Status::Met => {
                                self.deadlines[i].count += 1;
                                self.deadlines[i].of += 1;
                            }
                            Status::Breach => self.deadlines[i].of += 1,
                            _ => {}
                        }
                    }
                }
                let Some(due) = result.due else { continue };
                let kind = match result.status {
                    Status::Breach => 0,
                    Status::Warning => 1,
                    _ => continue,
                };
                if self.period.contains(due) {
                    for table in [
                        self.by_policy.entry(policy_label(outcome)).or_default(),
                        self.by_authority
                            .entry(child.authority.to_string())
                            .or_default(),
                        self.by_iro.entry(iro.clone()).or_default(),
                    ] {
                        if kind == 0 {
                            table.0 += 1;
                        } else {
                            table.1 += 1;
                        }
                    }
                }
                if kind == 0 {
                    for k in 0..TREND_PERIODS {
                        if self.period.back(k).contains(due) {
                            let i = (TREND_PERIODS - 1 - k) as usize;
                            self.trend[i] += 1;
                        }
                    }
                    if result.current && due < as_of {
                        let band = match (as_of - due).num_days() {
                            d if d < 31 => 0,
                            d if d < 92 => 1,
                            d if d < 183 => 2,
                            d if d < 366 => 3,
                            _ => 4,
                        };
                        self.unresolved[band] += 1;
                    }
                }
            }
        }
        if looked_after {
            self.add_record_figures(r, child.authority);
        }
        if let Ok(status) = care_leaver_status(r, as_of)
            && matches!(
                status,
                CareLeaverStatus::Relevant { .. } | CareLeaverStatus::FormerRelevant { .. }
            )
        {
            self.leavers.of += 1;
            if r.leaving_care
                .as_ref()
                .is_some_and(|l| l.personal_adviser.is_some())
            {
                self.leavers.count += 1;
            }
        }
    }

    fn add_record_figures(&mut self, r: &CareRecord, authority: &str) {
        let as_of = self.as_of;
        let whole_year = r
            .period_containing(as_of)
            .and_then(|p| p.start())
            .is_some_and(|start| start <= self.year_ago);
        if whole_year {
            self.dental.of += 1;
            if r.health.dental_checks.iter().any(|d| self.in_year(*d)) {
                self.dental.count += 1;
            }
        }
        if let Some(latest) = r
            .health
            .sdq
            .iter()
            .filter(|s| self.in_year(s.date) && s.score.is_some())
            .max_by_key(|s| s.date)
        {
            self.sdq_scores.extend(latest.score);
        }
        self.placements.of += 1;
        let moves = r
            .placements
            .iter()
            .filter(|p| p.start <= as_of && p.end.is_none_or(|e| e > self.year_ago))
            .count();
        if moves >= 3 {
            self.placements.count += 1;
        }
        let current = r
            .placements
            .iter()
            .filter(|p| p.start <= as_of && p.end.is_none_or(|e| e >= as_of))
            .max_by_key(|p| p.start);
        if let Some(p) = current
            && p.location_authority
                .as_deref()
                .is_some_and(|la| la != r.child.responsible_authority)
        {
            self.out_of_area.of += 1;
            if p.mental_health_service.is_none() {
                self.out_of_area.count += 1;
            }
        }
        for carer in &r.caregivers {
            if carer.from <= as_of && carer.to.is_none_or(|t| t >= as_of) {
                let supported = carer.wellbeing_support.iter().any(|w| self.in_year(w.date));
                let entry = self
                    .carers
                    .entry((authority.to_string(), carer.id.clone()))
                    .or_default();
                *entry |= supported;
            }
        }
    }

    /// The report, with suppression applied.
    pub fn finish(self, spec: &Spec, s: Suppressor) -> BoardReport {
        let fraction = |id, label, c: &Counter| {
            let (count, of) = s.fraction(c.count, c.of);
            let percent = match (count.shown(), of.shown()) {
                (Some(x), Some(y)) if y > 0 => Some((1000.0 * x as f64 / y as f64).round() / 10.0),
                _ => None,
            };
            Kpi {
                id,
                label,
                count,
                of,
                percent,
                average: None,
            }
        };
        let mut kpis: Vec<Kpi> = DEADLINES
            .iter()
            .zip(&self.deadlines)
            .map(|((id, label, _, _), c)| fraction(*id, *label, c))
            .collect();
        let sdq_n = self.sdq_scores.len() as u64;
        if let Some(sdq) = kpis.iter_mut().find(|k| k.id == "sdq-completed") {
            sdq.average = (sdq_n > 0 && s.cell(sdq_n).shown().is_some()).then(|| {
                let sum: u64 = self.sdq_scores.iter().map(|&x| u64::from(x)).sum();
                (10.0 * sum as f64 / sdq_n as f64).round() / 10.0
            });
        }
        kpis.push(fraction(
            "dental-checks",
            "Dental checks in date",
            &self.dental,
        ));
        kpis.push(fraction(
            "three-or-more-placements",
            "Children with 3 or more placements in 12 months",
            &self.placements,
        ));
        kpis.push(fraction(
            "out-of-area-without-mental-health-service",
            "Out-of-area children without a named mental-health service",
            &self.out_of_area,
        ));
        let carers = Counter {
            count: self.carers.values().filter(|s| **s).count() as u64,
            of: self.carers.len() as u64,
        };
        kpis.push(fraction(
            "carers-with-wellbeing-support",
            "Carers with wellbeing support in the last 12 months",
            &carers,
        ));
        kpis.push(fraction(
            "care-leavers-with-personal-adviser",
            "Care leavers with a personal adviser",
            &self.leavers,
        ));
        let table = |counts: &BTreeMap<String, (u64, u64)>| {
            let breaches: Vec<u64> = counts.values().map(|c| c.0).collect();
            let concerns: Vec<u64> = counts.values().map(|c| c.1).collect();
            let b = s.column(&breaches);
            let c = s.column(&concerns);
            Table {
                rows: counts
                    .keys()
                    .zip(b.into_iter().zip(c))
                    .map(|(label, (breaches, concerns))| Row {
                        label: label.clone(),
                        breaches,
                        concerns,
                    })
                    .collect(),
                total_breaches: s.cell(breaches.iter().sum()),
                total_concerns: s.cell(concerns.iter().sum()),
            }
        };
        let trend = (0..TREND_PERIODS)
            .map(|i| {
                let p = self.period.back(TREND_PERIODS - 1 - i);
                TrendPoint {
                    from: p.from,
                    to: p.to,
                    breaches: s.cell(self.trend[i as usize]),
                }
            })
            .collect();
        let unresolved_cells = s.column(&self.unresolved);
        let unresolved = AGE_BANDS
            .iter()
            .zip(unresolved_cells)
            .map(|(label, count)| Band { label, count })
            .collect();
        let loads: Vec<u64> = self.caseloads.values().copied().collect();
        let band_of = |n: u64| match n {
            n if n < CASELOAD.0 => "below",
            n if n <= CASELOAD.1 => "within",
            _ => "above",
        };
        let in_band = |band| loads.iter().filter(|n| band_of(**n) == band).count() as u64;
        let per_iro_cells = s.column(&loads);
        let caseloads = Caseloads {
            iros: loads.len() as u64,
            below: s.cell(in_band("below")),
            within: s.cell(in_band("within")),
            above: s.cell(in_band("above")),
            average: (!loads.is_empty()).then(|| {
                (10.0 * loads.iter().sum::<u64>() as f64 / loads.len() as f64).round() / 10.0
            }),
            per_iro: self
                .caseloads
                .iter()
                .zip(per_iro_cells)
                .map(|((iro, n), children)| IroLoad {
                    iro: iro.clone(),
                    children,
                    band: band_of(*n),
                })
                .collect(),
        };
        let mut notes = vec![
            "Breaches and concerns count in the period their deadline fell in; a concern is a warning, not a missed deadline.".to_string(),
            "Deadline figures count the deadlines of the last 12 months that have been decided (met or breached).".to_string(),
            format!("IRO caseloads are read against {}-{} children per full-time IRO (IRO Handbook).", CASELOAD.0, CASELOAD.1),
        ];
        if self.errors > 0 {
            notes.push(format!(
                "{} policy evaluations failed and are not counted (see /metrics).",
                self.errors
            ));
        }
        BoardReport {
            title: format!(
                "{}: breaches and key figures",
                spec.audience.title()
            ),
            audience: spec.audience,
            authorities: spec.authorities.clone(),
            as_of: self.as_of,
            period: self.period,
            children: s.cell(self.children),
            kpis,
            by_policy: table(&self.by_policy),
            by_authority: table(&self.by_authority),
            by_iro: table(&self.by_iro),
            trend,
            unresolved,
            caseloads,
            suppression: s.below.map(|b| {
                format!("Counts from 1 to {} are shown as \"fewer than {b}\"; where a total could reveal one, another count is withheld.", b - 1)
            }),
            notes,
        }
    }
}

/// One child in an IRO's digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestChild {
    pub authority: String,
    pub child_id: String,
    pub review_due: NaiveDate,
    /// The review check's status: due_soon, upcoming or breach (late).
    pub review_status: &'static str,
    /// The checklist's current results, by status.
    pub summary: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestIro {
    pub iro: String,
    pub children: Vec<DigestChild>,
}

/// Each IRO's reviews due in the next N days (or late), soonest first.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub title: String,
    pub as_of: NaiveDate,
    pub until: NaiveDate,
    pub iros: Vec<DigestIro>,
}

/// Collects the IRO digest, child by child.
pub struct DigestCounts {
    as_of: NaiveDate,
    until: NaiveDate,
    only: Option<HashSet<String>>,
    iros: BTreeMap<String, Vec<DigestChild>>,
}

const REVIEW_CHECKS: [&str; 3] = ["first-review", "second-review", "later-review"];

impl DigestCounts {
    pub fn new(as_of: NaiveDate, spec: &Spec) -> Self {
        Self {
            as_of,
            until: as_of + chrono::Days::new(u64::from(spec.digest_days)),
            only: (!spec.iros.is_empty()).then(|| spec.iros.iter().cloned().collect()),
            iros: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, child: &ChildFacts<'_>, child_id: &str) {
        let Some(iro) = child.record.iro_on(self.as_of) else {
            return;
        };
        if self.only.as_ref().is_some_and(|o| !o.contains(&iro.iro_id)) {
            return;
        }
        let current = || {
            child
                .outcomes
                .iter()
                .flat_map(|o| o.results.iter().filter(|r| r.current))
        };
        let review = current()
            .filter(|r| REVIEW_CHECKS.contains(&r.check.as_ref()))
            .filter(|r| {
                matches!(
                    r.status,
                    Status::DueSoon | Status::Upcoming | Status::Breach
                )
            })
            .filter_map(|r| Some((r.due?, r.status)))
            .filter(|(due, _)| *due <= self.until)
            .min_by_key(|(due, _)| *due);
        let Some((review_due, status)) = review else {
            return;
        };
        let mut summary = BTreeMap::new();
        for r in current() {
            *summary.entry(r.status.as_str()).or_default() += 1;
        }
        self.iros
            .entry(iro.iro_id.clone())
            .or_default()
            .push(DigestChild {
                authority: child.authority.to_string(),
                child_id: child_id.to_string(),
                review_due,
                review_status: status.as_str(),
                summary,
            });
    }

    pub fn finish(self) -> Digest {
        Digest {
            title: format!("IRO digest: reviews due by {}", self.until),
            as_of: self.as_of,
            until: self.until,
            iros: self
                .iros
                .into_iter()
                .map(|(iro, mut children)| {
                    children.sort_by(|a, b| {
                        (a.review_due, &a.authority, &a.child_id).cmp(&(
                            b.review_due,
                            &b.authority,
                            &b.child_id,
                        ))
                    });
                    DigestIro { iro, children }
                })
                .collect(),
        }
    }
}

/// `months` calendar months before `d` (the last day of the month where that day is missing).
pub(super) fn months_before(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_sub_months(chrono::Months::new(months))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscriptions::{CatchUp, Format};

    fn spec() -> Spec {
        Spec {
            audience: Audience::CorporateParentingBoard,
            authorities: vec!["E1".into()],
            policies: Vec::new(),
            cron: "0 7 * * MON".into(),
            formats: vec![Format::Json],
            email: Vec::new(),
            webhook: None,
            outbox: None,
            catch_up: CatchUp::Latest,
            suppress_below: 5,
            digest_days: 14,
            iros: Vec::new(),
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A looked-after child with one review result per (status, due date).
    fn child(results: &[(&str, &str, bool)]) -> (CareRecord, Vec<PolicyOutcome>) {
        let record: CareRecord = serde_json::from_value(serde_json::json!({
            "child": {"id": "C", "responsible_authority": "E1", "date_of_birth": "2015-01-01"},
            "periods_of_care": [{"episodes": [{"start": "2024-01-02"}]}],
            "placements": [
                {"id": "P1", "start": "2024-01-02", "end": "2025-12-31"},
                {"id": "P2", "start": "2026-01-01", "end": "2026-06-30"},
                {"id": "P3", "start": "2026-07-01", "location_authority": "E2"}
            ],
            "iro_assignments": [{"iro_id": "IRO-1", "from": "2024-01-01"}],
            "health": {"dental_checks": ["2026-03-01"]}
        }))
        .unwrap();
        let results = results
            .iter()
            .map(|(status, due, current)| {
                serde_json::from_value(serde_json::json!({
                    "check": "later-review", "status": status, "due": due, "subject": "s",
                    "message": "m", "citation": "c", "current": current
                }))
                .unwrap()
            })
            .collect();
        let outcome = PolicyOutcome {
            policy: "statutory-review-timeliness".into(),
            version: "1".into(),
            regulator: None,
            fuel: 0,
            results,
            error: None,
        };
        (record, vec![outcome])
    }

    /// The figures for one child of a report made Monday 30 November 2026 for the week from
    /// Monday 23 November, suppressing counts below `below`.
    fn one_week(
        record: &CareRecord,
        outcomes: &[PolicyOutcome],
        below: Option<u32>,
    ) -> BoardReport {
        let as_of = date("2026-11-30");
        let period = Period {
            from: date("2026-11-23"),
            to: as_of,
        };
        let mut counts = BoardCounts::new(as_of, period, &[]);
        counts.add(&ChildFacts {
            authority: "E1",
            record,
            outcomes,
        });
        counts.finish(&spec(), Suppressor { below })
    }

    #[test]
    fn a_regulators_policy_is_labelled_with_the_regulator() {
        let (record, mut outcomes) = child(&[("breach", "2026-11-24", true)]);
        outcomes[0].policy = "inspectorate-review-gap".into();
        outcomes[0].regulator = Some("an-inspectorate".into());
        let report = one_week(&record, &outcomes, None);
        let row = &report.by_policy.rows[0];
        assert_eq!(
            row.label,
            "inspectorate-review-gap (regulator an-inspectorate)"
        );
        assert_eq!(row.breaches, Cell::Count(1));
    }

    #[test]
    fn breaches_count_in_the_period_their_deadline_fell_in() {
        // Report made Monday 30 November 2026 for the week from Monday 23 November: deadlines
        // on 23-29 November count; 30 November (the report's own day) is next period's, and
        // 22 November last period's. The trend's previous week is 16-22 November.
        let (record, outcomes) = child(&[
            ("breach", "2026-11-23", false),
            ("breach", "2026-11-29", true),
            ("breach", "2026-11-30", false),
            ("breach", "2026-11-22", false),
            ("warning", "2026-11-25", false),
            ("met", "2026-10-01", false),
        ]);
        let report = one_week(&record, &outcomes, None);
        let row = &report.by_policy.rows[0];
        assert_eq!(
            (row.breaches, row.concerns),
            (Cell::Count(2), Cell::Count(1))
        );
        let trend: Vec<Cell> = report.trend.iter().map(|t| t.breaches).collect();
        assert_eq!(trend[4..], [Cell::Count(1), Cell::Count(2)]);
        assert_eq!(report.trend[4].from, date("2026-11-16"));
        // Decided review deadlines in the 12 months to 30 Nov 2026 (after 30 Nov 2025): the met
        // one and the four breaches: 1 of 5 on time.
        let reviews = &report.kpis[0];
        assert_eq!(
            (reviews.count, reviews.of),
            (Cell::Count(1), Cell::Count(5))
        );
        // The one still-current breach (due 29 Nov) is under a month old.
        assert_eq!(report.unresolved[0].count, Cell::Count(1));
        // Placements overlapping 1 Dec 2025 - 30 Nov 2026: P1 (ended 31 Dec 2025), P2, P3 = 3.
        let moves = report
            .kpis
            .iter()
            .find(|k| k.id == "three-or-more-placements")
            .unwrap();
        assert_eq!((moves.count, moves.of), (Cell::Count(1), Cell::Count(1)));
        // Placed in E2 with no named mental-health service.
        let out = report
            .kpis
            .iter()
            .find(|k| k.id == "out-of-area-without-mental-health-service")
            .unwrap();
        assert_eq!((out.count, out.of), (Cell::Count(1), Cell::Count(1)));
        // Looked after since 2 Jan 2024, so for the whole year; a dental check on 1 Mar 2026.
        let dental = report
            .kpis
            .iter()
            .find(|k| k.id == "dental-checks")
            .unwrap();
        assert_eq!((dental.count, dental.of), (Cell::Count(1), Cell::Count(1)));
        assert_eq!(report.caseloads.per_iro[0].band, "below");
        // On a board, every one of those small counts is suppressed.
        let board = one_week(&record, &outcomes, Some(5));
        assert_eq!(board.by_policy.rows[0].breaches, Cell::FewerThan(5));
        assert_eq!(board.children, Cell::FewerThan(5));
        let text = serde_json::to_string(&board).unwrap();
        assert!(!text.contains("\"C\""), "{text}");
    }
}
