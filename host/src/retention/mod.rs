//! Retention: how long the decision log and the audit log keep what they hold, and the prune
//! that removes what has passed it (`carecheck prune`, run by the operator on a schedule of
//! their own, as the tables' owner).
//!
//! Why it is careful: a run is the evidence behind an IRO's open breaches and behind the
//! numbers a board was sent, and the audit log is the record of who saw a child's file. So a
//! run past `decision_log_days` is removed only when nothing still needs it (the rules are in
//! [`crate::runs::retention`]), each run with its children in one transaction; audit entries go
//! only past `audit_log_days` and never, whatever the setting, from the last 365 days (the
//! database enforces that itself). Care records are never pruned: every version stays, so any
//! run can still be replayed. Every prune is filed in the audit log before anything is removed.

use chrono::{DateTime, Days, Utc};
use serde::Serialize;

use crate::access::audit::{self, Actor, Outcome};
use crate::config::Retention;
use crate::runs::retention::{self as runs_retention, Needed};
use crate::store::{Result, Store};

/// What a prune removed, or with `dry_run` would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub dry_run: bool,
    /// Runs started before this are past retention.
    pub decision_log_before: String,
    /// Audit entries before this are past retention.
    pub audit_log_before: String,
    pub runs_removed: u64,
    /// Per-child rows (record version and outcomes) that went with the removed runs.
    pub run_children_removed: u64,
    /// Runs past retention kept because they hold some child's latest evaluation.
    pub runs_kept_latest_for_a_child: u64,
    /// Runs past retention kept because reports for their authorities read them.
    pub runs_kept_for_reports: u64,
    pub audit_entries_removed: u64,
}

/// Prunes the decision log and the audit log as `retention` says, as of now.
pub async fn prune(
    store: &Store,
    retention: &Retention,
    dry_run: bool,
    actor: &Actor,
) -> Result<PruneReport> {
    let now = Utc::now();
    let decision_log_before = cut_off(now, retention.decision_log_days);
    let audit_log_before = cut_off(now, retention.audit_log_days);
    let runs = runs_retention::past_retention(store, &decision_log_before).await?;
    let mut report = PruneReport {
        dry_run,
        runs_removed: 0,
        run_children_removed: 0,
        runs_kept_latest_for_a_child: 0,
        runs_kept_for_reports: 0,
        audit_entries_removed: 0,
        decision_log_before,
        audit_log_before,
    };
    for run in &runs {
        match run.needed {
            Some(Needed::LatestForAChild) => report.runs_kept_latest_for_a_child += 1,
            Some(Needed::Reports) => report.runs_kept_for_reports += 1,
            None => {}
        }
    }
    let removable: Vec<_> = runs.iter().filter(|r| r.needed.is_none()).collect();
    if dry_run {
        report.runs_removed = removable.len() as u64;
        report.audit_entries_removed =
            audit::count_before(store, &report.audit_log_before).await? as u64;
        return Ok(report);
    }
    audit::record(store, &[actor.entry("prune", None, None, Outcome::Ok)]).await?;
    for run in removable {
        report.run_children_removed += runs_retention::remove(store, &run.id).await?;
        report.runs_removed += 1;
    }
    report.audit_entries_removed = audit::remove_before(store, &report.audit_log_before).await?;
    Ok(report)
}

/// `days` before `now`, as stored (RFC 3339 UTC with milliseconds).
fn cut_off(now: DateTime<Utc>, days: u32) -> String {
    (now - Days::new(days.into())).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
