//! The run engine: pages of records evaluated off the async runtime, each child with its own
//! authority's policy set (the pack's policies and the regulators' plugins enabled there). A run
//! ([`run`]) reads current records in its scope and logs every outcome, with the plugins each
//! authority added; a replay (`super::replay`) feeds the same engine the record versions a past
//! run read.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::Value;

use super::{RunChild, RunError, RunSpec, RunSummary, Scope, log};
use crate::access::Actor;
use crate::plugins::PolicyOutcome;
use crate::plugins::sets::PolicySets;
use crate::records::{CurrentRecord, queries};
use crate::store::{ChildKey, Pager, Store, StoreError};

/// Children read and evaluated per page.
pub(super) const PAGE: i64 = 1000;

/// What evaluates: each authority's policy set (or one policy of it) as of a date, on so many
/// threads.
#[derive(Clone)]
pub struct Engine {
    pub policies: Arc<PolicySets>,
    pub as_of: NaiveDate,
    pub only: Option<String>,
    pub parallelism: usize,
}

impl Engine {
    /// Evaluates (authority, record body as JSON text) pairs, one outcome list per body, in
    /// order.
    pub async fn evaluate<'a>(
        &self,
        bodies: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<Vec<PolicyOutcome>>, RunError> {
        let values: Vec<(String, Value)> = bodies
            .into_iter()
            .map(|(authority, body)| Ok((authority.to_string(), serde_json::from_str(body)?)))
            .collect::<Result<_, serde_json::Error>>()
            .map_err(StoreError::from)?;
        let engine = self.clone();
        Ok(tokio::task::spawn_blocking(move || {
            engine.policies.evaluate_many(
                &values,
                engine.as_of,
                engine.only.as_deref(),
                engine.parallelism,
            )
        })
        .await?)
    }
}

/// One page of the current records in `scope`.
async fn current_page(
    store: &Store,
    scope: &Scope,
    after: Option<ChildKey>,
    limit: i64,
) -> Result<Vec<CurrentRecord>, StoreError> {
    match &scope.child {
        Some(key) if after.is_none() => Ok(queries::current(store, key)
            .await?
            .map(|v| CurrentRecord {
                key: key.clone(),
                version: v.version,
                body: v.body,
            })
            .into_iter()
            .collect()),
        Some(_) => Ok(Vec::new()),
        None => queries::current_records(store, scope.authorities.as_deref(), after, limit).await,
    }
}

/// Evaluates every current record in `scope` as of `as_of`, logs the run, and hands each child's
/// outcomes to `sink` (for printing or answering) as it goes.
pub async fn run(
    store: &Store,
    policies: &Arc<PolicySets>,
    as_of: NaiveDate,
    scope: &Scope,
    actor: &Actor,
    parallelism: usize,
    mut sink: impl FnMut(&ChildKey, &[PolicyOutcome]),
) -> Result<RunSummary, RunError> {
    if let Some(policy) = &scope.policy
        && !policies.knows(policy)
    {
        return Err(RunError::UnknownPolicy(policy.clone()));
    }
    let run_id = uuid::Uuid::new_v4().to_string();
    let covered = scope
        .authorities
        .clone()
        .or_else(|| scope.child.as_ref().map(|k| vec![k.authority.clone()]));
    let spec = RunSpec {
        pack: policies.base().snapshot().clone(),
        enabled: policies
            .enabled()
            .into_iter()
            .filter(|(authority, _)| covered.as_ref().is_none_or(|c| c.contains(authority)))
            .collect(),
        policy: scope.policy.clone(),
        authorities: scope.authorities.clone(),
        child: scope
            .child
            .as_ref()
            .map(|k| (k.authority.clone(), k.child_id.clone())),
    };
    log::create(
        store,
        &run_id,
        as_of,
        &policies.base().runtime().engine_id(),
        &spec,
        &actor.id,
    )
    .await?;
    let engine = Engine {
        policies: policies.clone(),
        as_of,
        only: scope.policy.clone(),
        parallelism,
    };
    let mut summary = RunSummary {
        run_id: run_id.clone(),
        as_of,
        children: 0,
        results: 0,
        errors: 0,
    };
    let mut pages = Pager::new(PAGE);
    while let Some(page) = pages
        .next(async |after, limit| current_page(store, scope, after, limit).await)
        .await?
    {
        let evaluated = engine
            .evaluate(
                page.iter()
                    .map(|r| (r.key.authority.as_str(), r.body.as_str())),
            )
            .await?;
        let mut children = Vec::with_capacity(page.len());
        for (record, outcomes) in page.into_iter().zip(evaluated) {
            sink(&record.key, &outcomes);
            summary.children += 1;
            summary.results += outcomes.iter().map(|o| o.results.len() as i64).sum::<i64>();
            summary.errors += outcomes.iter().filter(|o| o.error.is_some()).count() as i64;
            children.push(RunChild {
                key: record.key,
                record_version: record.version,
                outcomes,
            });
        }
        log::add_children(store, &run_id, &children, actor).await?;
    }
    log::finish(
        store,
        &run_id,
        summary.children,
        summary.results,
        summary.errors,
    )
    .await?;
    Ok(summary)
}
