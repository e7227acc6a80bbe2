//! Policy plugins: the sandboxed runtime ([`runtime`]), policy packs ([`pack`]), the plugin
//! bytes kept for replay ([`stored`]), and the set of policies a service evaluates with
//! ([`PolicySet`]), each plugin seeing only the record fields it declared.

pub mod metrics;
pub mod pack;
pub mod runtime;
mod sandbox;
pub mod stored;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use carecheck_sdk::calendar_file::CalendarFile;
use carecheck_sdk::dates::{Calendar, DateError, parse_iso_date, unix_day};
use carecheck_sdk::outcome::CheckResult;
use carecheck_sdk::reviews::Intervals;
use carecheck_sdk::settings;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::store::{Store, StoreError};
use carecheck_sdk::projection::Projection;
use pack::{CalendarSnapshot, PackError, PackFile, PackSnapshot, PluginSnapshot, PluginSource};
use runtime::{EvalContext, EvalError, LoadedPlugin, Runtime};

/// The policy whose review intervals also index each child's next review due.
const REVIEW_POLICY: &str = "statutory-review-timeliness";

/// Why an uploaded plugin was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Refused(String),
    /// The loader itself failed (a host bug, not the plugin's fault).
    #[error("loading the plugin failed: {0}")]
    Loader(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads an uploaded component (compiled, its metadata checked, its default settings validated by
/// the plugin itself) and keeps its bytes; a component that imports anything is refused.
pub async fn upload(
    runtime: Arc<Runtime>,
    store: &Store,
    wasm: Vec<u8>,
    actor: &Actor,
) -> Result<LoadedPlugin, UploadError> {
    let (loaded, wasm) = tokio::task::spawn_blocking(move || {
        let loaded = runtime
            .load(&wasm)
            .map_err(|e| e.to_string())
            .and_then(|loaded| {
                runtime
                    .validate_settings(&loaded, "{}")
                    .map(|()| loaded)
                    .map_err(|e| format!("the plugin rejects its own default settings: {e}"))
            });
        (loaded, wasm)
    })
    .await?;
    let loaded = loaded.map_err(UploadError::Refused)?;
    stored::keep(store, &loaded, &wasm, &actor.id).await?;
    Ok(loaded)
}

/// One plugin in a set, with its settings and projection ready.
#[derive(Clone)]
pub struct ActivePlugin {
    pub plugin: LoadedPlugin,
    pub settings: String,
    projection: Projection,
}

/// The policies a service evaluates with: a loaded pack.
#[derive(Clone)]
pub struct PolicySet {
    runtime: Arc<Runtime>,
    pub plugins: Vec<ActivePlugin>,
    snapshot: PackSnapshot,
    /// The sha256 of the snapshot as stored: what a compact checklist view names its pack by.
    snapshot_sha256: String,
    /// Whether this process has stored the snapshot (so views need not offer it again).
    snapshot_stored: Arc<AtomicBool>,
    /// The snapshot's non-working days as the WIT context carries them (days since 1970-01-01).
    non_working_days: Vec<i32>,
}

/// What one policy said about one child: results, or why there are none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyOutcome {
    pub policy: String,
    pub version: String,
    pub fuel: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<CheckResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<EvalError>,
}

impl PolicySet {
    /// Loads the pack at `path`: every plugin compiled (or taken from the cache), its metadata
    /// checked, its settings validated by the plugin itself, and its bytes kept in the store so
    /// any run can be replayed later.
    pub async fn load(
        path: &Path,
        runtime: Arc<Runtime>,
        store: &Store,
        look_ahead_days: u32,
    ) -> Result<Self, PackError> {
        let pack = PackFile::read(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let calendar_path = dir.join(&pack.calendar);
        let calendar_text =
            std::fs::read_to_string(&calendar_path).map_err(|e| PackError::Invalid {
                path: path.to_path_buf(),
                reason: format!("calendar {}: {e}", calendar_path.display()),
            })?;
        let calendar =
            CalendarFile::parse(&calendar_text).map_err(|reason| PackError::Invalid {
                path: path.to_path_buf(),
                reason: format!("calendar {}: {reason}", calendar_path.display()),
            })?;
        let mut plugins = Vec::new();
        for entry in &pack.plugins {
            let plugin_error = |reason: String| PackError::Plugin {
                pack: path.display().to_string(),
                plugin: entry.label(),
                reason,
            };
            let wasm = match entry.source(dir).map_err(plugin_error)? {
                PluginSource::File(file) => std::fs::read(&file).map_err(|e| {
                    plugin_error(format!(
                        "cannot read {}: {e} (build the plugins with `cargo xtask plugins`)",
                        file.display()
                    ))
                })?,
                PluginSource::Stored(sha) => stored::wasm(store, &sha)
                    .await
                    .map_err(|e| plugin_error(e.to_string()))?
                    .ok_or_else(|| plugin_error("no uploaded plugin has this digest".into()))?,
            };
            plugins.push((wasm, entry.settings_json()));
        }
        let snapshot_calendar = CalendarSnapshot {
            name: calendar.name.clone(),
            from: calendar.from.to_string(),
            to: calendar.to.to_string(),
            days: calendar.iso_days(),
        };
        Self::assemble(
            runtime,
            store,
            pack.name,
            snapshot_calendar,
            plugins,
            look_ahead_days,
        )
        .await
        .map_err(|(plugin, reason)| PackError::Plugin {
            pack: path.display().to_string(),
            plugin,
            reason,
        })
    }

    /// Rebuilds exactly the set a past run used, from its snapshot and the stored plugin bytes.
    pub async fn from_snapshot(
        snapshot: &PackSnapshot,
        runtime: Arc<Runtime>,
        store: &Store,
    ) -> Result<Self, PackError> {
        let mut plugins = Vec::new();
        for p in &snapshot.plugins {
            let wasm = stored::wasm(store, &p.sha256)
                .await?
                .ok_or_else(|| PackError::Plugin {
                    pack: snapshot.name.clone(),
                    plugin: p.id.clone(),
                    reason: format!("its bytes ({}) are no longer in the store", p.sha256),
                })?;
            plugins.push((wasm, p.settings.clone()));
        }
        Self::assemble(
            runtime,
            store,
            snapshot.name.clone(),
            snapshot.calendar.clone(),
            plugins,
            snapshot.look_ahead_days,
        )
        .await
        .map_err(|(plugin, reason)| PackError::Plugin {
            pack: snapshot.name.clone(),
            plugin,
            reason,
        })
    }

    async fn assemble(
        runtime: Arc<Runtime>,
        store: &Store,
        name: String,
        calendar: CalendarSnapshot,
        plugins: Vec<(Vec<u8>, String)>,
        look_ahead_days: u32,
    ) -> Result<Self, (String, String)> {
        let non_working_days = calendar
            .days
            .iter()
            .map(|day| parse_iso_date(day).map(unix_day))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| (format!("calendar {}", calendar.name), e.to_string()))?;
        let mut active = Vec::new();
        let mut snapshots = Vec::new();
        for (wasm, settings) in plugins {
            let sha = carecheck_precompiled::sha256_hex(&wasm);
            let rt = runtime.clone();
            let loaded = {
                let wasm = wasm.clone();
                tokio::task::spawn_blocking(move || rt.load(&wasm))
                    .await
                    .map_err(|e| (sha.clone(), e.to_string()))?
                    .map_err(|e| (sha.clone(), e.to_string()))?
            };
            let id = loaded.metadata.id.clone();
            if active
                .iter()
                .any(|a: &ActivePlugin| a.plugin.metadata.id == id)
            {
                return Err((id, "the pack lists this policy twice".into()));
            }
            runtime
                .validate_settings(&loaded, &settings)
                .map_err(|e| (id.clone(), format!("settings rejected: {e}")))?;
            stored::keep(store, &loaded, &wasm, "pack")
                .await
                .map_err(|e| (id.clone(), e.to_string()))?;
            snapshots.push(PluginSnapshot {
                id,
                version: loaded.metadata.version.clone(),
                sha256: sha,
                settings: settings.clone(),
            });
            let projection = Projection::new(&loaded.metadata.reads);
            active.push(ActivePlugin {
                plugin: loaded,
                settings,
                projection,
            });
        }
        let snapshot = PackSnapshot {
            name,
            calendar,
            plugins: snapshots,
            look_ahead_days,
            limits: runtime.limits(),
        };
        let text = serde_json::to_string(&snapshot).expect("a pack snapshot serialises");
        Ok(Self {
            runtime,
            plugins: active,
            snapshot_sha256: hex::encode(Sha256::digest(text.as_bytes())),
            snapshot_stored: Arc::new(AtomicBool::new(false)),
            snapshot,
            non_working_days,
        })
    }

    pub fn snapshot(&self) -> &PackSnapshot {
        &self.snapshot
    }

    /// The sha256 of the snapshot's JSON text, as stored in `pack_snapshots`.
    pub fn snapshot_digest(&self) -> &str {
        &self.snapshot_sha256
    }

    /// Whether this process has already stored the snapshot in `pack_snapshots`.
    pub fn snapshot_stored(&self) -> bool {
        self.snapshot_stored.load(Ordering::Relaxed)
    }

    /// Notes that the snapshot is stored (after the transaction that stored it committed).
    pub fn mark_snapshot_stored(&self) {
        self.snapshot_stored.store(true, Ordering::Relaxed);
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The loaded plugin with this policy id.
    pub fn policy(&self, id: &str) -> Option<&ActivePlugin> {
        self.plugins.iter().find(|p| p.plugin.metadata.id == id)
    }

    /// The pack's calendar, as the policies see it.
    pub fn calendar(&self) -> Result<Calendar, DateError> {
        let c = &self.snapshot.calendar;
        Calendar::from_iso(&c.days, &c.from, &c.to)
    }

    /// The review intervals the pack's `statutory-review-timeliness` policy runs with, read
    /// through the same typed settings the policy parses (the regulation's figures when the
    /// pack does not run that policy), so due dates derived on write agree with its verdicts.
    pub fn review_intervals(&self) -> Result<Intervals, String> {
        match self.policy(REVIEW_POLICY) {
            Some(p) => settings::parse::<Intervals>(&p.settings),
            None => Ok(Intervals::default()),
        }
    }

    /// The plugins selected by `only` (all when `None`), each with its evaluation context for
    /// `as_of`. Built once per batch and lent to every evaluation.
    fn prepared(&self, as_of: NaiveDate, only: Option<&str>) -> Vec<(&ActivePlugin, EvalContext)> {
        self.plugins
            .iter()
            .filter(|p| only.is_none_or(|id| p.plugin.metadata.id == id))
            .map(|active| {
                let context = EvalContext {
                    evaluation_date: as_of.to_string(),
                    look_ahead_days: self.snapshot.look_ahead_days,
                    non_working_days: self.non_working_days.clone(),
                    calendar_from: self.snapshot.calendar.from.clone(),
                    calendar_to: self.snapshot.calendar.to.clone(),
                    settings: active.settings.clone(),
                };
                (active, context)
            })
            .collect()
    }

    /// Evaluates one child's record with every plugin (or only `only`), each seeing only the
    /// fields it declared. Blocking: call from a worker thread.
    pub fn evaluate(
        &self,
        record: &Value,
        as_of: NaiveDate,
        only: Option<&str>,
    ) -> Vec<PolicyOutcome> {
        self.evaluate_prepared(&self.prepared(as_of, only), record)
    }

    fn evaluate_prepared(
        &self,
        prepared: &[(&ActivePlugin, EvalContext)],
        record: &Value,
    ) -> Vec<PolicyOutcome> {
        prepared
            .iter()
            .map(|(active, context)| {
                let trimmed = active.projection.apply(record).to_string();
                let evaluation = self.runtime.evaluate(&active.plugin, context, &trimmed);
                let (results, error) = match evaluation.outcome {
                    Ok(results) => (results, None),
                    Err(e) => (Vec::new(), Some(e)),
                };
                let outcome = PolicyOutcome {
                    policy: active.plugin.metadata.id.clone(),
                    version: active.plugin.metadata.version.clone(),
                    fuel: evaluation.fuel_used,
                    results,
                    error,
                };
                self.runtime.metrics().record(&outcome);
                outcome
            })
            .collect()
    }

    /// Evaluates many records across `parallelism` worker threads; output order matches input.
    pub fn evaluate_many(
        &self,
        records: &[Value],
        as_of: NaiveDate,
        only: Option<&str>,
        parallelism: usize,
    ) -> Vec<Vec<PolicyOutcome>> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let next = AtomicUsize::new(0);
        let workers = parallelism.clamp(1, records.len().max(1));
        let prepared = self.prepared(as_of, only);
        let mut slots: Vec<Option<Vec<PolicyOutcome>>> = vec![None; records.len()];
        let chunks: Vec<Vec<(usize, Vec<PolicyOutcome>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(record) = records.get(i) else { break };
                            done.push((i, self.evaluate_prepared(&prepared, record)));
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("evaluation workers do not panic"))
                .collect()
        });
        for (i, outcomes) in chunks.into_iter().flatten() {
            slots[i] = Some(outcomes);
        }
        slots
            .into_iter()
            .map(|s| s.expect("every record evaluated"))
            .collect()
    }
}
