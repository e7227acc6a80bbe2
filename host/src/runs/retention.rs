//! Which runs of the decision log are past retention and still needed, and their removal.
//! `crate::retention` decides when; this module owns the SQL.
//!
//! A run is still needed while either holds:
//! - it holds some child's latest evaluation: no finished run with every policy, with a later
//!   evaluation date (or the same date and a later start), has evaluated that child since. That
//!   evaluation carries the child's open breaches. A one-policy run never supersedes another
//!   run (it says nothing of the other policies), though it may itself be a child's latest
//!   evaluation of that policy and is then kept;
//! - it is a finished complete run that no newer finished complete run covers: reports for its
//!   authorities read it ([`super::latest_covering`]). If a newer complete run covers this
//!   run's authorities it also covers every subset of them, so nothing would read this one.

use sqlx::Row;

use super::RunSpec;
use crate::store::{Result, Store};

/// A run older than the retention cut-off, and whether something still needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRetention {
    pub id: String,
    pub needed: Option<Needed>,
}

/// Why a run past retention is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// It holds some child's latest evaluation.
    LatestForAChild,
    /// Reports for its authorities read it.
    Reports,
}

/// Every run started before `before` (RFC 3339 UTC), oldest first, each with what still needs it.
pub async fn past_retention(store: &Store, before: &str) -> Result<Vec<PastRetention>> {
    let complete = finished_complete_runs(store).await?;
    let rows = sqlx::query(
        "SELECT id, as_of, started_at, finished_at, complete FROM runs WHERE started_at < $1 \
         ORDER BY started_at, id",
    )
    .bind(before)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get(0)?;
        let as_of: String = r.try_get(1)?;
        let started_at: String = r.try_get(2)?;
        let finished_at: Option<String> = r.try_get(3)?;
        let needed = if holds_a_latest_evaluation(store, &id, &as_of, &started_at).await? {
            Some(Needed::LatestForAChild)
        } else if r.try_get::<i64, _>(4)? == 1
            && let Some(finished_at) = finished_at
            && !superseded_for_reports(&complete, &id, &finished_at)
        {
            Some(Needed::Reports)
        } else {
            None
        };
        out.push(PastRetention { id, needed });
    }
    Ok(out)
}

/// Finished complete runs: (id, finished_at, spec).
async fn finished_complete_runs(store: &Store) -> Result<Vec<(String, String, RunSpec)>> {
    let rows = sqlx::query(
        "SELECT id, finished_at, pack FROM runs WHERE complete = 1 AND finished_at IS NOT NULL",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                serde_json::from_str(&r.try_get::<String, _>(2)?)?,
            ))
        })
        .collect()
}

/// Whether a newer finished complete run covers every authority this one covered.
fn superseded_for_reports(
    complete: &[(String, String, RunSpec)],
    id: &str,
    finished_at: &str,
) -> bool {
    let Some((_, _, spec)) = complete.iter().find(|(other, _, _)| other == id) else {
        return false;
    };
    let covered = spec.covered_authorities();
    complete.iter().any(|(other, other_finished, other_spec)| {
        other != id
            && other_finished.as_str() > finished_at
            && other_spec.covers(covered.as_deref())
    })
}

/// Whether some child this run evaluated has not been evaluated with every policy since.
async fn holds_a_latest_evaluation(
    store: &Store,
    id: &str,
    as_of: &str,
    started_at: &str,
) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 FROM run_children rc WHERE rc.run_id = $1 AND NOT EXISTS ( \
            SELECT 1 FROM run_children later JOIN runs r ON r.id = later.run_id \
            WHERE later.authority = rc.authority AND later.child_id = rc.child_id \
              AND r.id <> $1 AND r.finished_at IS NOT NULL AND r.all_policies = 1 \
              AND (r.as_of > $2 OR (r.as_of = $2 AND r.started_at > $3))) \
         LIMIT 1",
    )
    .bind(id)
    .bind(as_of)
    .bind(started_at)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.is_some())
}

/// Removes a run, its children and its chunks in one transaction; returns the children rows
/// removed.
pub async fn remove(store: &Store, id: &str) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM run_chunks WHERE run_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let children = sqlx::query("DELETE FROM run_children WHERE run_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM runs WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(children)
}
