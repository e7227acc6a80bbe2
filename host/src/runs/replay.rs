//! Replay: any verdict in the decision log can be reproduced. The plugins, the pack's and each
//! authority's regulators' plugins, are rebuilt from their stored bytes with the stored
//! settings, calendar and limits, the same record versions are read again, and every child whose
//! outcomes now differ is reported.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::engine::Engine;
use super::{RunChild, RunError, log};
use crate::plugins::runtime::Runtime;
use crate::plugins::sets::PolicySets;
use crate::records::queries;
use crate::store::{Pager, Store, StoreError};

/// A child whose replayed outcomes differ from the stored ones.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub authority: String,
    pub child_id: String,
    pub stored: Value,
    pub replayed: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub run_id: String,
    pub children: u64,
    pub differences: Vec<Difference>,
    /// The engine that made the run and the one that replayed it; fuel counts may differ
    /// between wasmtime versions, so a difference is reported alongside.
    pub engine_then: String,
    pub engine_now: String,
}

/// Re-evaluates a stored run. `cache_dir` holds compiled plugins.
pub async fn replay(
    store: &Store,
    cache_dir: &Path,
    run_id: &str,
    parallelism: usize,
) -> Result<ReplayReport, RunError> {
    let run = log::get(store, run_id).await?.ok_or(RunError::NotFound)?;
    let runtime = Arc::new(Runtime::new(cache_dir, run.spec.pack.limits)?);
    let engine_now = runtime.engine_id();
    let engine = Engine {
        policies: Arc::new(
            PolicySets::from_spec(&run.spec.pack, &run.spec.enabled, runtime, store).await?,
        ),
        as_of: run.as_of,
        only: run.spec.policy.clone(),
        parallelism,
    };
    let mut report = ReplayReport {
        run_id: run_id.to_string(),
        children: 0,
        differences: Vec::new(),
        engine_then: run.engine.clone(),
        engine_now,
    };
    // The children of one chunk were evaluated together (their batches formed within it), so
    // they are replayed together; a run logged before chunks were kept replays page by page,
    // as it ran.
    let mut pages = Pager::new(UNCHUNKED_PAGE);
    let mut together: Vec<RunChild> = Vec::new();
    while let Some(page) = pages
        .next(async |after, limit| log::children(store, run_id, None, after, limit).await)
        .await?
    {
        for child in page {
            if together.last().is_some_and(|c| c.chunk != child.chunk) {
                compare(store, &engine, std::mem::take(&mut together), &mut report).await?;
            }
            together.push(child);
        }
        if together.last().is_some_and(|c| c.chunk.is_none()) {
            compare(store, &engine, std::mem::take(&mut together), &mut report).await?;
        }
    }
    compare(store, &engine, together, &mut report).await?;
    Ok(report)
}

/// The page a run logged before chunks were kept was evaluated in: its children are replayed
/// in pages of this size, read in the same order, so they batch as they did then.
const UNCHUNKED_PAGE: i64 = 1000;

/// Evaluates `children` together again, from the record versions they read, and reports each
/// whose outcomes differ.
async fn compare(
    store: &Store,
    engine: &Engine,
    children: Vec<RunChild>,
    report: &mut ReplayReport,
) -> Result<(), RunError> {
    let mut bodies: Vec<(&str, String)> = Vec::with_capacity(children.len());
    for child in &children {
        let version = queries::version(store, &child.key, child.record_version)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "record version {} of {}/{} is missing",
                    child.record_version, child.key.authority, child.key.child_id
                ))
            })?;
        bodies.push((child.key.authority.as_str(), version.body));
    }
    let evaluated = engine
        .evaluate(bodies.iter().map(|(a, body)| (*a, body.as_str())))
        .await?;
    for (child, replayed) in children.into_iter().zip(evaluated) {
        report.children += 1;
        if child.outcomes != replayed {
            report.differences.push(Difference {
                authority: child.key.authority,
                child_id: child.key.child_id,
                stored: serde_json::to_value(&child.outcomes).map_err(StoreError::from)?,
                replayed: serde_json::to_value(&replayed).map_err(StoreError::from)?,
            });
        }
    }
    Ok(())
}
