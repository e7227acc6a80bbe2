//! Every authority's policy set, and the live holder every request and run reads it from.
//!
//! The pack's policies run for every authority; each authority's admins may add regulators'
//! plugins, each a pinned version with its own settings. [`PolicySets`] holds the pack's set
//! and, for each authority with something enabled, the pack's set followed by those plugins. A
//! run over several authorities evaluates each child with its own authority's set and records
//! per authority which plugins were added ([`PolicySets::enabled`]), so a replay rebuilds
//! exactly the same sets ([`PolicySets::from_spec`]). [`LivePolicies`] swaps a whole new
//! `PolicySets` in at once when the plugin generation moves: an evaluation under way keeps the
//! sets it started with.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use carecheck_sdk::projection::RawRecord;
use chrono::NaiveDate;

use super::pack::{PackError, PackSnapshot, PluginSnapshot};
use super::runtime::{LoadedPlugin, Runtime};
use super::{ActivePlugin, PolicyOutcome, PolicySet, Suspended, stored};
use crate::parallel::parallel_map;
use crate::store::{Store, StoreError};

/// The pack's set, and each authority's where regulators' plugins are enabled for it.
#[derive(Clone)]
pub struct PolicySets {
    base: Arc<PolicySet>,
    authorities: BTreeMap<String, Arc<PolicySet>>,
    /// The plugin generation these sets were built at (`-1`: the pack alone, before any look).
    generation: i64,
}

impl PolicySets {
    /// One set for every authority (the pack alone, or a set a past evaluation recorded).
    pub fn single(base: PolicySet) -> Self {
        Self {
            base: Arc::new(base),
            authorities: BTreeMap::new(),
            generation: -1,
        }
    }

    /// The pack's set followed, for each authority in `enabled`, by those plugins (loaded from
    /// their stored bytes through `loaded`, which keeps each plugin loaded once).
    pub async fn build(
        base: Arc<PolicySet>,
        enabled: &BTreeMap<String, Vec<PluginSnapshot>>,
        store: &Store,
        loaded: &mut Loaded,
        generation: i64,
    ) -> Result<Self, StoreError> {
        let mut authorities = BTreeMap::new();
        for (authority, plugins) in enabled {
            if plugins.is_empty() {
                continue;
            }
            let (active, suspended) = loaded.regulated(base.runtime(), store, plugins).await?;
            authorities.insert(authority.clone(), Arc::new(base.with(active, suspended)));
        }
        Ok(Self {
            base,
            authorities,
            generation,
        })
    }

    /// Rebuilds the sets a run evaluated with, from its spec: the pack's snapshot and the
    /// plugins it added per authority.
    pub async fn from_spec(
        pack: &PackSnapshot,
        enabled: &BTreeMap<String, Vec<PluginSnapshot>>,
        runtime: Arc<Runtime>,
        store: &Store,
    ) -> Result<Self, PackError> {
        let base = Arc::new(PolicySet::from_snapshot(pack, runtime, store).await?);
        Ok(Self::build(base, enabled, store, &mut Loaded::default(), -1).await?)
    }

    pub fn base(&self) -> &Arc<PolicySet> {
        &self.base
    }

    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// The set `authority`'s children are evaluated with.
    pub fn for_authority(&self, authority: &str) -> &Arc<PolicySet> {
        self.authorities.get(authority).unwrap_or(&self.base)
    }

    /// Whether any authority's set has a policy with this id.
    pub fn knows(&self, policy: &str) -> bool {
        self.base.has(policy) || self.authorities.values().any(|set| set.has(policy))
    }

    /// The regulators' plugins each authority's set adds to the pack's, as a run records them.
    pub fn enabled(&self) -> BTreeMap<String, Vec<PluginSnapshot>> {
        self.authorities
            .iter()
            .map(|(authority, set)| {
                let added = set
                    .snapshot()
                    .plugins
                    .iter()
                    .filter(|p| p.regulator.is_some())
                    .cloned()
                    .collect();
                (authority.clone(), added)
            })
            .collect()
    }

    /// Evaluates many (authority, record as JSON text) pairs across `parallelism` worker
    /// threads, each with its authority's set; output order matches input, and a record that
    /// is not JSON fails the whole call. Blocking: call from a worker thread.
    ///
    /// Records are evaluated in batches (see [`crate::plugins::runtime`]): runs of consecutive
    /// records of one authority, at most `limits.batch` long, so the batches depend only on the
    /// records' order, never on the threads: a replay that reads the same records in the same
    /// order, with the run's limits, batches them exactly as the run did.
    pub fn evaluate_many(
        &self,
        records: &[(&str, &str)],
        as_of: NaiveDate,
        only: Option<&str>,
        parallelism: usize,
    ) -> Result<Vec<Vec<PolicyOutcome>>, serde_json::Error> {
        let mut prepared = HashMap::new();
        for &(authority, _) in records {
            prepared.entry(authority).or_insert_with(|| {
                let set = self.for_authority(authority);
                (set, set.prepared(as_of, only))
            });
        }
        let limit = self.base().runtime().limits().batch.max(1);
        let mut batches: Vec<std::ops::Range<usize>> = Vec::new();
        let mut start = 0;
        for end in 1..=records.len() {
            if end == records.len() || end - start == limit || records[end].0 != records[start].0 {
                batches.push(start..end);
                start = end;
            }
        }
        // Each record is read on the evaluation threads, once, for all the selected plugins.
        let evaluated = parallel_map(&batches, parallelism, |batch| {
            let (set, prepared) = &prepared[records[batch.start].0];
            let read = records[batch.clone()]
                .iter()
                .map(|(_, text)| prepared.read(text))
                .collect::<Result<Vec<RawRecord>, _>>()?;
            Ok(set.evaluate_batch(prepared, &read.iter().collect::<Vec<_>>()))
        });
        let mut outcomes = Vec::with_capacity(records.len());
        for batch in evaluated {
            outcomes.extend(batch?);
        }
        Ok(outcomes)
    }
}

/// Regulators' plugins loaded so far, by sha256, so a plugin enabled for many authorities (or
/// kept across a rebuild) is compiled and described once.
#[derive(Default)]
pub struct Loaded {
    plugins: HashMap<String, LoadedPlugin>,
}

impl Loaded {
    /// Every plugin the sets already hold, to rebuild them without loading any again.
    pub fn from_sets(sets: &PolicySets) -> Self {
        let plugins = sets
            .authorities
            .values()
            .flat_map(|set| set.plugins.iter())
            .map(|p| (p.plugin.sha256.clone(), p.plugin.clone()))
            .collect();
        Self { plugins }
    }

    /// The plugins as set up to run (each loaded from its stored bytes) and the suspended ones
    /// (never loaded, or failing to load here, each saying why), in the order given.
    pub async fn regulated(
        &mut self,
        runtime: &Arc<Runtime>,
        store: &Store,
        snapshots: &[PluginSnapshot],
    ) -> Result<(Vec<ActivePlugin>, Vec<Suspended>), StoreError> {
        let mut active = Vec::new();
        let mut suspended = Vec::new();
        for snapshot in snapshots {
            let label = format!("{}@{}", snapshot.id, snapshot.version);
            if let Some(reason) = &snapshot.suspended {
                suspended.push(Suspended {
                    snapshot: snapshot.clone(),
                    reason: reason.clone(),
                });
                continue;
            }
            match self.load(runtime, store, &snapshot.sha256).await {
                Ok(plugin) => active.push(ActivePlugin::new(
                    plugin,
                    snapshot.settings.clone(),
                    snapshot.regulator.clone(),
                )),
                // The database failing is not the plugin's fault: nothing is rebuilt.
                Err(LoadFailure::Store(e)) => return Err(e),
                // A plugin that cannot be loaded here does not run, and says why.
                Err(LoadFailure::Plugin(why)) => {
                    let reason = format!("it could not be loaded: {why}");
                    tracing::error!(plugin = %label, %reason, "a regulator's plugin does not run");
                    suspended.push(Suspended {
                        snapshot: PluginSnapshot {
                            suspended: Some(reason.clone()),
                            ..snapshot.clone()
                        },
                        reason,
                    });
                }
            }
        }
        Ok((active, suspended))
    }

    async fn load(
        &mut self,
        runtime: &Arc<Runtime>,
        store: &Store,
        sha256: &str,
    ) -> Result<LoadedPlugin, LoadFailure> {
        if let Some(plugin) = self.plugins.get(sha256) {
            return Ok(plugin.clone());
        }
        let wasm = stored::wasm(store, sha256)
            .await
            .map_err(LoadFailure::Store)?
            .ok_or_else(|| {
                LoadFailure::Plugin(format!("its bytes ({sha256}) are not in the store"))
            })?;
        let rt = runtime.clone();
        let plugin = tokio::task::spawn_blocking(move || rt.load(&wasm))
            .await
            .map_err(|e| LoadFailure::Plugin(e.to_string()))?
            .map_err(|e| LoadFailure::Plugin(e.to_string()))?;
        self.plugins.insert(sha256.to_string(), plugin.clone());
        Ok(plugin)
    }
}

/// Why a plugin could not be loaded: the database (nothing is rebuilt) or the plugin itself
/// (it is suspended, saying why).
enum LoadFailure {
    Store(StoreError),
    Plugin(String),
}

/// The sets in force on this replica, replaced whole when the plugin generation moves.
pub struct LivePolicies {
    current: RwLock<Arc<PolicySets>>,
}

impl LivePolicies {
    pub fn new(sets: PolicySets) -> Self {
        Self {
            current: RwLock::new(Arc::new(sets)),
        }
    }

    /// The sets in force now; an evaluation keeps what it was handed to the end.
    pub fn current(&self) -> Arc<PolicySets> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Puts `sets` in force unless sets of a later generation already are.
    pub fn replace(&self, sets: PolicySets) {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if sets.generation >= current.generation {
            *current = Arc::new(sets);
        }
    }

    /// The pack's own set (the same on every authority and across generations).
    pub fn base(&self) -> Arc<PolicySet> {
        self.current().base.clone()
    }
}
