//! Checklist views in the decision log, recorded compactly. An IRO opening a checklist is the
//! commonest evaluation there is, and writing each as a whole run (every outcome, ~30 KB) grew
//! the database by megabytes a minute and queued every view on SQLite's one writer. A view
//! keeps only what is needed to reproduce it: the record version read, the pack by digest (the
//! snapshot itself kept once in `pack_snapshots`), the evaluation date, the one policy if the
//! view was limited to one, and a digest of the verdicts ([`results_digest`]).
//! [`replay`] rebuilds the pack from the snapshot and the stored plugin bytes, re-evaluates the
//! same record version and compares digests. Full results stay with runs.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::RunError;
use super::engine::Engine;
use crate::access::audit::{self, AuditEntry};
use crate::plugins::pack::PackSnapshot;
use crate::plugins::runtime::Runtime;
use crate::plugins::sets::PolicySets;
use crate::plugins::{PolicyOutcome, PolicySet};
use crate::records::queries;
use crate::store::{ChildKey, Store, StoreError, date, now};

/// A digest of what the policies said, for the compact record of a view ([`crate::checklist`]): the verdicts (every
/// policy's id, version, results and error) without the fuel used, which is not a verdict and
/// may differ between engine versions.
pub fn results_digest(outcomes: &[PolicyOutcome]) -> String {
    let verdicts: Vec<PolicyOutcome> = outcomes
        .iter()
        .map(|o| PolicyOutcome {
            fuel: 0,
            ..o.clone()
        })
        .collect();
    let text = serde_json::to_string(&verdicts).expect("outcomes serialise");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One view to record.
#[derive(Debug, Clone)]
pub struct NewView<'a> {
    pub key: &'a ChildKey,
    pub record_version: i64,
    pub as_of: NaiveDate,
    pub policy: Option<&'a str>,
    pub results_sha256: String,
}

/// Records a view (and, the first time, the pack it was evaluated with) together with the audit
/// entry of the read it made, in one write transaction, and returns its id.
pub async fn record(
    store: &Store,
    policies: &PolicySet,
    view: &NewView<'_>,
    audit_entry: &AuditEntry,
) -> Result<String, StoreError> {
    let pack_sha = digest_bytes(policies.snapshot_digest())?;
    let mut tx = store.begin_write().await?;
    if !policies.snapshot_stored() {
        sqlx::query(
            "INSERT INTO pack_snapshots (sha256, engine, pack) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(pack_sha.clone())
        .bind(policies.runtime().engine_id())
        .bind(serde_json::to_string(policies.snapshot())?)
        .execute(&mut *tx)
        .await?;
    }
    let id: i64 = sqlx::query(
        "INSERT INTO checklist_views (at, viewer, authority, child_id, record_version, as_of, policy, pack_sha256, results_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(now())
    .bind(&audit_entry.actor.id)
    .bind(&view.key.authority)
    .bind(&view.key.child_id)
    .bind(view.record_version)
    .bind(view.as_of.to_string())
    .bind(view.policy)
    .bind(pack_sha)
    .bind(digest_bytes(&view.results_sha256)?)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    audit::insert(&mut tx, std::slice::from_ref(audit_entry)).await?;
    tx.commit().await?;
    policies.mark_snapshot_stored();
    Ok(id.to_string())
}

/// A hex sha256 as the 32 bytes a view row keeps.
fn digest_bytes(hex_digest: &str) -> Result<Vec<u8>, StoreError> {
    hex::decode(hex_digest).map_err(|e| StoreError::Corrupt(format!("digest {hex_digest}: {e}")))
}

/// What replaying a view found.
#[derive(Debug, Clone, Serialize)]
pub struct ViewReplay {
    pub view_id: String,
    pub authority: String,
    pub child_id: String,
    pub record_version: i64,
    pub as_of: NaiveDate,
    pub reproduced: bool,
    pub stored_results_sha256: String,
    pub replayed_results_sha256: String,
    /// The engine that first recorded the pack and the one that replayed the view.
    pub engine_then: String,
    pub engine_now: String,
}

/// Re-evaluates a recorded view. `cache_dir` holds compiled plugins.
pub async fn replay(
    store: &Store,
    cache_dir: &Path,
    view_id: &str,
) -> Result<ViewReplay, RunError> {
    // View ids are the sequential numbers the store gives them; anything else names no view.
    let Ok(id) = view_id.parse::<i64>() else {
        return Err(RunError::NotFound);
    };
    let row = sqlx::query(
        "SELECT v.authority, v.child_id, v.record_version, v.as_of, v.policy, v.results_sha256, p.engine, p.pack \
         FROM checklist_views v JOIN pack_snapshots p ON p.sha256 = v.pack_sha256 WHERE v.id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await
    .map_err(StoreError::from)?
    .ok_or(RunError::NotFound)?;
    let get = |i: usize| row.try_get::<String, _>(i).map_err(StoreError::from);
    let key = ChildKey::new(get(0)?, get(1)?);
    let record_version: i64 = row.try_get(2).map_err(StoreError::from)?;
    let as_of = date(&get(3)?)?;
    let policy: Option<String> = row.try_get(4).map_err(StoreError::from)?;
    let stored = hex::encode(row.try_get::<Vec<u8>, _>(5).map_err(StoreError::from)?);
    let engine_then = get(6)?;
    let pack: PackSnapshot = serde_json::from_str(&get(7)?).map_err(StoreError::from)?;
    let runtime = Arc::new(Runtime::new(cache_dir, pack.limits)?);
    let engine_now = runtime.engine_id();
    let engine = Engine {
        policies: Arc::new(PolicySets::single(
            PolicySet::from_snapshot(&pack, runtime, store).await?,
        )),
        as_of,
        only: policy,
        parallelism: 1,
    };
    let body = queries::version(store, &key, record_version)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "record version {record_version} of {}/{} is missing",
                key.authority, key.child_id
            ))
        })?
        .body;
    let outcomes = engine
        .evaluate([(key.authority.as_str(), body.as_str())])
        .await?
        .remove(0);
    let replayed = results_digest(&outcomes);
    Ok(ViewReplay {
        view_id: view_id.to_string(),
        authority: key.authority,
        child_id: key.child_id,
        record_version,
        as_of,
        reproduced: replayed == stored,
        stored_results_sha256: stored,
        replayed_results_sha256: replayed,
        engine_then,
        engine_now,
    })
}

/// How many views are recorded (for tests and the benchmark's growth figure).
pub async fn count(store: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) FROM checklist_views")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?)
}
