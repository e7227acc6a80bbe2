//! The decision log: each run, what it evaluated with ([`RunSpec`], stored before anything is
//! evaluated), and per child the record version it read and every outcome with the fuel used.
//! Rows are typed on the way out: a stored spec or outcome list that no longer parses is
//! reported as corrupt, never passed on as text.

use chrono::NaiveDate;
use sqlx::Row;

use super::{Run, RunChild, RunSpec};
use crate::access::audit::{self, Actor, Outcome};
use crate::plugins::PolicyOutcome;
use crate::store::{
    ChildKey, KeysetQuery, Result, Store, StoreError, date, now, values_placeholders,
};

const RUN_COLUMNS: &str =
    "id, as_of, started_at, finished_at, engine, pack, triggered_by, children, results, errors";

fn run_from_row(r: &sqlx::any::AnyRow) -> Result<Run> {
    Ok(Run {
        id: r.try_get(0)?,
        as_of: date(&r.try_get::<String, _>(1)?)?,
        started_at: r.try_get(2)?,
        finished_at: r.try_get(3)?,
        engine: r.try_get(4)?,
        spec: serde_json::from_str(&r.try_get::<String, _>(5)?)?,
        triggered_by: r.try_get(6)?,
        children: r.try_get(7)?,
        results: r.try_get(8)?,
        errors: r.try_get(9)?,
    })
}

/// Opens a run. A run over every child in scope with every policy is marked `complete`: only
/// such runs stand for an authority in reports. A run with every policy (a checklist too) is
/// marked `all_policies`: only such a run stands for a child's latest evaluation when
/// retention decides what may be pruned (`crate::retention`).
pub async fn create(
    store: &Store,
    id: &str,
    as_of: NaiveDate,
    engine: &str,
    spec: &RunSpec,
    triggered_by: &str,
) -> Result<()> {
    let all_policies = spec.policy.is_none();
    let complete = spec.child.is_none() && all_policies;
    sqlx::query(
        "INSERT INTO runs (id, as_of, started_at, engine, pack, triggered_by, complete, all_policies) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(as_of.to_string())
    .bind(now())
    .bind(engine)
    .bind(serde_json::to_string(spec)?)
    .bind(triggered_by)
    .bind(i64::from(complete))
    .bind(i64::from(all_policies))
    .execute(store.pool())
    .await?;
    Ok(())
}

/// How much effort zstd spends: its fastest level already packs a child's outcomes about
/// sevenfold, and the log is written while a run waits for it.
const PACK_LEVEL: i32 = 1;

/// A page of a run's children with each child's outcomes as the log keeps them (JSON,
/// zstd-compressed), packed before the write transaction opens so compression never holds the
/// database's write lock.
pub struct Packed<'a> {
    children: &'a [RunChild],
    outcomes: Vec<Vec<u8>>,
}

/// Packs a page with one compression context for the whole page rather than one per child.
pub fn pack(children: &[RunChild]) -> Result<Packed<'_>> {
    let compressing =
        |e: std::io::Error| StoreError::Corrupt(format!("compressing a child's outcomes: {e}"));
    let mut compressor = zstd::bulk::Compressor::new(PACK_LEVEL).map_err(compressing)?;
    let outcomes = children
        .iter()
        .map(|c| {
            let json = serde_json::to_vec(&c.outcomes)?;
            compressor.compress(&json).map_err(compressing)
        })
        .collect::<Result<_>>()?;
    Ok(Packed { children, outcomes })
}

/// The outcomes [`pack`] kept.
fn unpack(packed: &[u8]) -> Result<Vec<PolicyOutcome>> {
    let json = zstd::stream::decode_all(packed)
        .map_err(|e| StoreError::Corrupt(format!("a child's packed outcomes: {e}")))?;
    Ok(serde_json::from_slice(&json)?)
}

/// Stores a page of a run's children, evaluated together as `chunk`, auditing each child's
/// record as read by `actor`, in one transaction.
pub async fn add_children(
    store: &Store,
    run_id: &str,
    chunk: i64,
    children: &[RunChild],
    actor: &Actor,
) -> Result<()> {
    let page = pack(children)?;
    let mut tx = store.begin_write().await?;
    insert_children(&mut tx, run_id, chunk, &page, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// [`add_children`] inside the caller's transaction, for a page already [`pack`]ed.
pub async fn insert_children(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    run_id: &str,
    chunk: i64,
    page: &Packed<'_>,
    actor: &Actor,
) -> Result<()> {
    let children = page.children;
    let entries: Vec<_> = children
        .iter()
        .map(|c| {
            actor.entry(
                "evaluate_record",
                Some(&c.key.authority),
                Some(&c.key.child_id),
                Outcome::Ok,
            )
        })
        .collect();
    audit::insert(tx, &entries).await?;
    // Multi-row inserts keep a 100,000-child run to a few hundred statements.
    for (part, packed) in children.chunks(100).zip(page.outcomes.chunks(100)) {
        let sql = format!(
            "INSERT INTO run_children (run_id, authority, child_id, record_version, outcomes, packed, chunk) VALUES {}",
            values_placeholders(tx, part.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for (c, packed) in part.iter().zip(packed) {
            query = query
                .bind(run_id)
                .bind(&c.key.authority)
                .bind(&c.key.child_id)
                .bind(c.record_version)
                .bind("")
                .bind(packed)
                .bind(chunk);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Closes a run with its totals.
pub async fn finish(
    store: &Store,
    id: &str,
    children: i64,
    results: i64,
    errors: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE runs SET finished_at = $1, children = $2, results = $3, errors = $4 WHERE id = $5",
    )
    .bind(now())
    .bind(children)
    .bind(results)
    .bind(errors)
    .bind(id)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// One run.
pub async fn get(store: &Store, id: &str) -> Result<Option<Run>> {
    let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    row.map(|r| run_from_row(&r)).transpose()
}

/// Finished complete runs (every child in scope, every policy), newest first.
pub async fn recent_complete(store: &Store, limit: i64) -> Result<Vec<Run>> {
    let rows = sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE finished_at IS NOT NULL AND complete = 1 \
         ORDER BY finished_at DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(run_from_row).collect()
}

/// The children of a run in the given authorities, `limit` at a time in key order after `after`.
pub async fn children(
    store: &Store,
    run_id: &str,
    authorities: Option<&[String]>,
    after: Option<ChildKey>,
    limit: i64,
) -> Result<Vec<RunChild>> {
    let mut q = KeysetQuery::new(
        "SELECT authority, child_id, record_version, outcomes, packed, chunk FROM run_children WHERE 1 = 1",
        "",
    );
    let p_run = q.bind(run_id.to_string());
    q.and(&format!("run_id = {p_run}"));
    if !q.in_authorities(authorities) {
        return Ok(Vec::new());
    }
    let rows = q.fetch_page(store.pool(), after.as_ref(), limit).await?;
    rows.iter()
        .map(|r| {
            let outcomes = match r.try_get::<Option<Vec<u8>>, _>(4)? {
                Some(packed) => unpack(&packed)?,
                None => serde_json::from_str(&r.try_get::<String, _>(3)?)?,
            };
            Ok(RunChild {
                key: ChildKey::new(r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?),
                record_version: r.try_get(2)?,
                outcomes,
                chunk: r.try_get(5)?,
            })
        })
        .collect()
}
