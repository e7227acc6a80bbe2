//! The run engine: pages of records evaluated off the async runtime, each child with its own
//! authority's policy set (the pack's policies and the regulators' plugins enabled there). A run
//! ([`run`]) reads current records in its scope and logs every outcome, with the plugins each
//! authority added; a replay (`super::replay`) feeds the same engine the record versions a past
//! run read.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{RunChild, RunError, RunSpec, RunSummary, Scope, log};
use crate::access::Actor;
use crate::plugins::PolicyOutcome;
use crate::plugins::sets::PolicySets;
use crate::records::{CurrentRecord, queries};
use crate::store::{ChildKey, Store, StoreError};

/// Children read and evaluated per page: a multiple of the default batch (64), so no batch is
/// cut short by a page's end, and small enough that a run's pipeline fills and drains quickly
/// (the first page is evaluated before anything is printed or written, the last is printed and
/// written after every core has finished). On the shared SSDA903 set (2,675 children), pages of
/// 256 instead of 1,000 took `check` from 1.18 to 1.05 s and its peak memory from 197 to
/// 115 MiB. Each child logs its page as its chunk, so a replay batches as the run did whatever
/// this is later.
pub(super) const PAGE: i64 = 256;

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
        let bodies: Vec<(String, String)> = bodies
            .into_iter()
            .map(|(authority, body)| (authority.to_string(), body.to_string()))
            .collect();
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            let records: Vec<(&str, &str)> = bodies
                .iter()
                .map(|(authority, body)| (authority.as_str(), body.as_str()))
                .collect();
            engine
                .policies
                .evaluate_many(
                    &records,
                    engine.as_of,
                    engine.only.as_deref(),
                    engine.parallelism,
                )
                .map_err(|e| RunError::from(StoreError::from(e)))
        })
        .await?
    }
}

impl Engine {
    /// Evaluates a page (or a shared run's chunk) of current records: the children as the log
    /// keeps them, in order. Batches form within the page, so a replay evaluates the same
    /// children together (each child logs the chunk it was evaluated in).
    pub async fn evaluate_page(&self, page: Vec<CurrentRecord>) -> Result<Vec<RunChild>, RunError> {
        let evaluated = self
            .evaluate(
                page.iter()
                    .map(|r| (r.key.authority.as_str(), r.body.as_str())),
            )
            .await?;
        Ok(page
            .into_iter()
            .zip(evaluated)
            .map(|(record, outcomes)| RunChild {
                key: record.key,
                record_version: record.version,
                outcomes,
                chunk: None,
            })
            .collect())
    }
}

/// Reads the page of current records in `scope` after `after`, in a task of its own.
fn read_page(
    store: &Store,
    scope: &Scope,
    after: Option<ChildKey>,
) -> tokio::task::JoinHandle<Result<Vec<CurrentRecord>, StoreError>> {
    let (store, scope) = (store.clone(), scope.clone());
    tokio::spawn(async move { current_page(&store, &scope, after, PAGE).await })
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

/// Logs the start of a run over `scope` with what it evaluates with, and returns its id.
pub(super) async fn open(
    store: &Store,
    policies: &Arc<PolicySets>,
    as_of: NaiveDate,
    scope: &Scope,
    actor: &Actor,
) -> Result<String, RunError> {
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
    Ok(run_id)
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
    let run_id = open(store, policies, as_of, scope, actor).await?;
    let engine = Engine {
        policies: policies.clone(),
        as_of,
        only: scope.policy.clone(),
        parallelism,
    };
    let mut summary = RunSummary::empty(&run_id, as_of);
    // A pipeline: while a page is evaluated (on the worker threads), the next page is read, the
    // previous one handed to `sink` and that one's predecessor written to the log, each in a
    // task of its own or on this one; at most one of each is in flight, so memory holds four
    // pages at most, and no core waits for printing or writing.
    let mut next = Some(read_page(store, scope, None));
    let mut evaluating: Option<tokio::task::JoinHandle<Result<Vec<RunChild>, RunError>>> = None;
    let mut writing: Option<tokio::task::JoinHandle<Result<(), StoreError>>> = None;
    let mut page_number = 0;
    loop {
        let page = match next.take() {
            Some(reading) => reading.await??,
            None => Vec::new(),
        };
        if let Some(last) = page.last()
            && page.len() as i64 == PAGE
        {
            next = Some(read_page(store, scope, Some(last.key.clone())));
        }
        let started = (!page.is_empty()).then(|| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.evaluate_page(page).await })
        });
        // Finish the page evaluated before this one; with none before it, go on to the next
        // page if this one started, and stop if there was none.
        let Some(evaluated) = std::mem::replace(&mut evaluating, started) else {
            match evaluating {
                Some(_) => continue,
                None => break,
            }
        };
        let children = evaluated.await??;
        for child in &children {
            sink(&child.key, &child.outcomes);
        }
        summary.add(&children);
        if let Some(previous) = writing.take() {
            previous.await??;
        }
        let (store, run_id, actor) = (store.clone(), run_id.clone(), actor.clone());
        writing = Some(tokio::spawn(async move {
            log::add_children(&store, &run_id, page_number, &children, &actor).await
        }));
        page_number += 1;
    }
    if let Some(last) = writing {
        last.await??;
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
