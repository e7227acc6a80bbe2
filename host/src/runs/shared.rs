//! Runs shared across replicas. A run started over the API is split, when it starts, into
//! chunks: consecutive key ranges of about `runs.chunk_children` children. Every `carecheck
//! serve` replica and every `carecheck worker` claims free chunks from the database under a
//! lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so replicas never wait on each other; SQLite:
//! one writer at a time), evaluates the chunk's current records with the plugins the run
//! recorded (rebuilt from their stored bytes, as a replay would), and logs them.
//!
//! Exactly once: a chunk's children are logged in the transaction that marks the chunk done,
//! and only while the chunk is still claimed by the replica that evaluated it. A replica that
//! dies mid-chunk commits nothing; its lease lapses and another replica claims the chunk again.
//! A replica that was merely slow, and lost its chunk to another, finds its claim gone and
//! discards its work. The run closes when its last chunk is done, whoever did it; the replica
//! that started it takes part too, and waits for it to close.
//!
//! Each child's log row names its chunk: the batches were formed within it, so a replay
//! evaluates the same children together and reproduces every figure, fuel included.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use sqlx::Row;

use super::engine::{Engine, open};
use super::{RunError, RunSummary, Scope, log};
use crate::access::Actor;
use crate::config::SharedRunsConfig;
use crate::plugins::runtime::Runtime;
use crate::plugins::sets::PolicySets;
use crate::records::{CurrentRecord, queries};
use crate::store::{
    Backend, ChildKey, KeysetQuery, Store, StoreError, now, time_text, values_placeholders,
};

/// Claims of one chunk after which it is given up as failing on every replica (and the run
/// with it), rather than retried for ever.
const MAX_CLAIMS: i64 = 5;

/// Runs kept loaded per replica: the plugins a run recorded, rebuilt once per run.
const LOADED_RUNS: usize = 4;

/// One replica's part in shared runs.
pub struct SharedRuns {
    store: Store,
    cache_dir: PathBuf,
    config: SharedRunsConfig,
    parallelism: usize,
    /// This replica, as chunk claims name it.
    owner: String,
    /// The policy sets of the runs this replica worked on last, by run id.
    loaded: Mutex<Vec<(String, Arc<PolicySets>)>>,
}

/// A chunk claimed by this replica.
struct Claimed {
    run_id: String,
    chunk: i64,
    after: Option<ChildKey>,
    last: ChildKey,
    actor: Actor,
}

impl SharedRuns {
    /// `cache_dir` holds compiled plugins.
    pub fn new(
        store: Store,
        cache_dir: PathBuf,
        config: SharedRunsConfig,
        parallelism: usize,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            cache_dir,
            config,
            parallelism,
            owner: format!(
                "pid{}-{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            loaded: Mutex::new(Vec::new()),
        })
    }

    /// This replica's name in chunk claims.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Starts a shared run over `scope` and returns its id at once: the run and its chunks are
    /// stored, for any replica to take.
    pub async fn start(
        &self,
        policies: &Arc<PolicySets>,
        as_of: NaiveDate,
        scope: &Scope,
        actor: &Actor,
    ) -> Result<String, RunError> {
        let run_id = open(&self.store, policies, as_of, scope, actor).await?;
        self.remember(&run_id, policies.clone());
        let chunks = self.chunks(scope).await?;
        if chunks.is_empty() {
            close(&self.store, &run_id).await?;
            return Ok(run_id);
        }
        let actor = serde_json::to_string(actor).map_err(StoreError::from)?;
        let mut tx = self.store.begin_write().await?;
        let numbered: Vec<_> = chunks.iter().enumerate().collect();
        for part in numbered.chunks(100) {
            let sql = format!(
                "INSERT INTO run_chunks (run_id, chunk, after_authority, after_child_id, last_authority, last_child_id, actor, state) VALUES {}",
                values_placeholders(&tx, part.len(), 8)
            );
            let mut query = sqlx::query(&sql);
            for (number, (after, last)) in part {
                query = query
                    .bind(&run_id)
                    .bind(*number as i64)
                    .bind(after.as_ref().map(|k| k.authority.clone()))
                    .bind(after.as_ref().map(|k| k.child_id.clone()))
                    .bind(&last.authority)
                    .bind(&last.child_id)
                    .bind(&actor)
                    .bind("pending");
            }
            query.execute(&mut *tx).await.map_err(StoreError::from)?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(run_id)
    }

    /// Starts a shared run and takes part in it until it closes (taking over any chunk whose
    /// replica died); returns its totals.
    pub async fn run(
        &self,
        policies: &Arc<PolicySets>,
        as_of: NaiveDate,
        scope: &Scope,
        actor: &Actor,
    ) -> Result<RunSummary, RunError> {
        let run_id = self.start(policies, as_of, scope, actor).await?;
        self.finish(&run_id).await
    }

    /// Takes part in run `run_id` until it closes; returns its totals.
    pub async fn finish(&self, run_id: &str) -> Result<RunSummary, RunError> {
        // Waiting on other replicas' chunks: often enough to answer soon after the last closes.
        let wait = Duration::from_millis(self.config.poll_ms.min(100));
        loop {
            if self.work_once(Some(run_id)).await? {
                continue;
            }
            close(&self.store, run_id).await?;
            let run = log::get(&self.store, run_id)
                .await?
                .ok_or(RunError::NotFound)?;
            if run.finished_at.is_some() {
                return Ok(run.summary());
            }
            if let Some(chunk) = given_up(&self.store, run_id).await? {
                return Err(RunError::Engine(anyhow::anyhow!(
                    "run {run_id}: chunk {chunk} failed on each of {MAX_CLAIMS} attempts; see the replicas' logs"
                )));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Claims one free chunk (of `run_id`, or of any run), evaluates and logs it. `false` when
    /// there was none to claim.
    pub async fn work_once(&self, run_id: Option<&str>) -> Result<bool, RunError> {
        let Some(claimed) = self.claim(run_id).await? else {
            return Ok(false);
        };
        let run = log::get(&self.store, &claimed.run_id)
            .await?
            .ok_or(RunError::NotFound)?;
        let engine = Engine {
            policies: self.policies(&run.id, &run.spec).await?,
            as_of: run.as_of,
            only: run.spec.policy.clone(),
            parallelism: self.parallelism,
        };
        let records = self
            .records(run.spec.authorities.as_deref(), &claimed)
            .await?;
        let children = engine.evaluate_page(records).await?;
        let mut totals = RunSummary::empty(&run.id, run.as_of);
        totals.add(&children);
        let page = log::pack(&children)?;
        let mut tx = self.store.begin_write().await?;
        let done = sqlx::query(
            "UPDATE run_chunks SET state = 'done', lease_until = NULL, children = $1, results = $2, errors = $3 \
             WHERE run_id = $4 AND chunk = $5 AND owner = $6 AND state = 'claimed'",
        )
        .bind(totals.children)
        .bind(totals.results)
        .bind(totals.errors)
        .bind(&claimed.run_id)
        .bind(claimed.chunk)
        .bind(&self.owner)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        if done.rows_affected() == 1 {
            log::insert_children(
                &mut tx,
                &claimed.run_id,
                claimed.chunk,
                &page,
                &claimed.actor,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            close(&self.store, &claimed.run_id).await?;
        } else {
            // Our lease lapsed and another replica took the chunk: its log rows will stand.
            tx.rollback().await.map_err(StoreError::from)?;
            tracing::warn!(
                run_id = %claimed.run_id,
                chunk = claimed.chunk,
                "a chunk's lease lapsed before it was logged; another replica evaluates it"
            );
        }
        Ok(true)
    }

    /// Works on every run's chunks until the task is aborted, resting `runs.poll_ms` whenever
    /// there is none to claim.
    pub fn spawn(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let rest = Duration::from_millis(self.config.poll_ms);
            loop {
                match self.work_once(None).await {
                    Ok(true) => {}
                    Ok(false) => tokio::time::sleep(rest).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "a shared run's chunk failed here; it is left to another attempt");
                        tokio::time::sleep(rest).await;
                    }
                }
            }
        })
    }

    /// The chunks of `scope`'s current children: (after this key, up to this key inclusive).
    async fn chunks(&self, scope: &Scope) -> Result<Vec<(Option<ChildKey>, ChildKey)>, RunError> {
        let mut chunks = Vec::new();
        let mut after: Option<ChildKey> = None;
        loop {
            let mut q = KeysetQuery::new(
                "SELECT c.authority, c.child_id FROM children c WHERE 1 = 1",
                "c.",
            );
            if !q.in_authorities(scope.authorities.as_deref()) {
                return Ok(chunks);
            }
            let limit = i64::from(self.config.chunk_children);
            let rows = q
                .fetch_page(self.store.pool(), after.as_ref(), limit)
                .await?;
            let Some(row) = rows.last() else {
                return Ok(chunks);
            };
            let last = ChildKey::new(
                row.try_get::<String, _>(0).map_err(StoreError::from)?,
                row.try_get::<String, _>(1).map_err(StoreError::from)?,
            );
            chunks.push((after, last.clone()));
            if (rows.len() as i64) < limit {
                return Ok(chunks);
            }
            after = Some(last);
        }
    }

    /// Takes the first free chunk (pending, or claimed under a lapsed lease) and leases it.
    async fn claim(&self, run_id: Option<&str>) -> Result<Option<Claimed>, RunError> {
        let at = now();
        let until = time_text(Utc::now() + Duration::from_millis(self.config.lease_ms));
        let mut tx = self.store.begin_write().await?;
        let sql = format!(
            "SELECT run_id, chunk, after_authority, after_child_id, last_authority, last_child_id, actor \
             FROM run_chunks WHERE (state = 'pending' OR (state = 'claimed' AND lease_until < $1)) \
             AND claims < $2{} ORDER BY run_id, chunk LIMIT 1{}",
            if run_id.is_some() {
                " AND run_id = $3"
            } else {
                ""
            },
            match self.store.backend() {
                Backend::Postgres => " FOR UPDATE SKIP LOCKED",
                Backend::Sqlite => "",
            }
        );
        let mut query = sqlx::query(&sql).bind(&at).bind(MAX_CLAIMS);
        if let Some(run_id) = run_id {
            query = query.bind(run_id);
        }
        let Some(row) = query
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::from)?
        else {
            return Ok(None);
        };
        let key = |a: Option<String>, c: Option<String>| a.zip(c).map(|(a, c)| ChildKey::new(a, c));
        let claimed = Claimed {
            run_id: row.try_get(0).map_err(StoreError::from)?,
            chunk: row.try_get(1).map_err(StoreError::from)?,
            after: key(
                row.try_get(2).map_err(StoreError::from)?,
                row.try_get(3).map_err(StoreError::from)?,
            ),
            last: ChildKey::new(
                row.try_get::<String, _>(4).map_err(StoreError::from)?,
                row.try_get::<String, _>(5).map_err(StoreError::from)?,
            ),
            actor: serde_json::from_str(&row.try_get::<String, _>(6).map_err(StoreError::from)?)
                .map_err(StoreError::from)?,
        };
        sqlx::query(
            "UPDATE run_chunks SET state = 'claimed', owner = $1, lease_until = $2, claims = claims + 1 \
             WHERE run_id = $3 AND chunk = $4",
        )
        .bind(&self.owner)
        .bind(&until)
        .bind(&claimed.run_id)
        .bind(claimed.chunk)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Some(claimed))
    }

    /// The current records of a chunk, in key order.
    async fn records(
        &self,
        authorities: Option<&[String]>,
        claimed: &Claimed,
    ) -> Result<Vec<CurrentRecord>, RunError> {
        let page = i64::from(self.config.chunk_children);
        let mut records = Vec::new();
        let mut after = claimed.after.clone();
        loop {
            let mut read =
                queries::current_records(&self.store, authorities, after.clone(), page).await?;
            let full = read.len() as i64 == page;
            read.retain(|r| r.key <= claimed.last);
            let reached_end = !full || read.len() as i64 != page;
            after = read.last().map(|r| r.key.clone());
            records.append(&mut read);
            if reached_end {
                return Ok(records);
            }
        }
    }

    /// The policy sets run `run_id` recorded: this replica's own if it started the run,
    /// otherwise rebuilt from the stored plugins, settings and calendar.
    async fn policies(
        &self,
        run_id: &str,
        spec: &super::RunSpec,
    ) -> Result<Arc<PolicySets>, RunError> {
        if let Some(sets) = self.lookup(run_id) {
            return Ok(sets);
        }
        let runtime = Arc::new(Runtime::new(&self.cache_dir, spec.pack.limits)?);
        let sets =
            Arc::new(PolicySets::from_spec(&spec.pack, &spec.enabled, runtime, &self.store).await?);
        self.remember(run_id, sets.clone());
        Ok(sets)
    }

    fn lookup(&self, run_id: &str) -> Option<Arc<PolicySets>> {
        let loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        loaded
            .iter()
            .find(|(id, _)| id == run_id)
            .map(|(_, sets)| sets.clone())
    }

    fn remember(&self, run_id: &str, sets: Arc<PolicySets>) {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        loaded.retain(|(id, _)| id != run_id);
        if loaded.len() == LOADED_RUNS {
            loaded.remove(0);
        }
        loaded.push((run_id.to_string(), sets));
    }
}

/// Closes run `run_id` with its chunks' totals if every chunk is done (and it is still open).
/// Every replica that finishes a chunk tries, after committing it, so the last one succeeds.
async fn close(store: &Store, run_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE runs SET finished_at = $1, \
         children = (SELECT COALESCE(SUM(children), 0) FROM run_chunks WHERE run_id = $2), \
         results = (SELECT COALESCE(SUM(results), 0) FROM run_chunks WHERE run_id = $2), \
         errors = (SELECT COALESCE(SUM(errors), 0) FROM run_chunks WHERE run_id = $2) \
         WHERE id = $2 AND finished_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM run_chunks WHERE run_id = $2 AND state <> 'done')",
    )
    .bind(now())
    .bind(run_id)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// A chunk of `run_id` that failed on every claim allowed, if any.
async fn given_up(store: &Store, run_id: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "SELECT chunk FROM run_chunks WHERE run_id = $1 AND state <> 'done' AND claims >= $2 \
         AND (state = 'pending' OR lease_until < $3) LIMIT 1",
    )
    .bind(run_id)
    .bind(MAX_CLAIMS)
    .bind(now())
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}
