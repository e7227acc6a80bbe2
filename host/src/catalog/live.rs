//! Keeping this replica's per-authority policy sets in step with the database: [`refresh`]
//! rebuilds them when the plugin generation has moved (an enablement changed, a key was
//! revoked, a revoked version was signed again), and [`spawn`] polls for that every
//! `plugins.poll_ms`, so a change made on any replica is in force on every other within seconds
//! and without a restart. A poll that fails (the database briefly away) keeps the sets in force
//! and tries again.

use std::sync::Arc;
use std::time::Duration;

use crate::plugins::generation;
use crate::plugins::sets::{LivePolicies, Loaded, PolicySets};
use crate::store::{Store, StoreError};

/// Rebuilds `live` from the database if the plugin generation moved since it was built;
/// whether it did.
pub async fn refresh(store: &Store, live: &LivePolicies) -> Result<bool, StoreError> {
    let now = generation::current(store).await?;
    let current = live.current();
    if now == current.generation() {
        return Ok(false);
    }
    let enabled = super::enabled_snapshots(store).await?;
    for (authority, plugins) in &enabled {
        for p in plugins.iter().filter(|p| p.suspended.is_some()) {
            tracing::warn!(
                authority,
                plugin = %format!("{}@{}", p.id, p.version),
                reason = p.suspended.as_deref().unwrap_or_default(),
                "a regulator's plugin is enabled but does not run"
            );
        }
    }
    let mut loaded = Loaded::from_sets(&current);
    let sets = PolicySets::build(current.base().clone(), &enabled, store, &mut loaded, now).await?;
    tracing::info!(
        generation = now,
        authorities = enabled.len(),
        "the regulators' plugins in force were rebuilt"
    );
    live.replace(sets);
    Ok(true)
}

/// Polls the plugin generation every `every` until the task is aborted.
pub fn spawn(
    store: Store,
    live: Arc<LivePolicies>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = refresh(&store, &live).await {
                tracing::error!(error = %e, "the regulators' plugins could not be refreshed; the ones in force stay");
            }
        }
    })
}
