//! Policy plugins: the sandboxed runtime ([`runtime`]), policy packs ([`pack`]), the plugin
//! bytes kept for replay ([`stored`]), what a WebAssembly file is before anything compiles it
//! ([`inspect`]), and the set of policies a service evaluates with ([`PolicySet`]), each plugin
//! seeing only the record fields it declared. Every authority has its own set, the pack's
//! policies plus the regulators' plugins enabled for it ([`sets`]), rebuilt live when the
//! plugin [`generation`] moves.

pub mod generation;
pub mod inspect;
pub mod metrics;
pub mod pack;
pub mod results;
pub mod runtime;
mod sandbox;
pub mod sets;
pub mod stored;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use carecheck_sdk::dates::{Calendar, DateError, parse_iso_date, unix_day};
use carecheck_sdk::reviews::Intervals;
use carecheck_sdk::settings;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::Store;
use carecheck_sdk::projection::{Projection, RawRecord};
use pack::{CalendarSnapshot, PackError, PackFile, PackSnapshot, PluginSnapshot, PluginSource};
use results::Results;
use runtime::{EvalContext, EvalError, LoadedPlugin, Runtime};

/// The policy whose review intervals also index each child's next review due.
const REVIEW_POLICY: &str = "statutory-review-timeliness";

/// One plugin in a set, with its settings and projection ready.
#[derive(Clone)]
pub struct ActivePlugin {
    pub plugin: LoadedPlugin,
    pub settings: String,
    /// The regulator that published it (`None`: one of the pack's own policies).
    pub regulator: Option<String>,
    projection: Projection,
}

impl ActivePlugin {
    pub fn new(plugin: LoadedPlugin, settings: String, regulator: Option<String>) -> Self {
        let projection = Projection::new(&plugin.metadata.reads);
        Self {
            plugin,
            settings,
            regulator,
            projection,
        }
    }

    fn snapshot(&self) -> PluginSnapshot {
        PluginSnapshot {
            id: self.plugin.metadata.id.clone(),
            version: self.plugin.metadata.version.clone(),
            sha256: self.plugin.sha256.clone(),
            settings: self.settings.clone(),
            regulator: self.regulator.clone(),
            suspended: None,
        }
    }
}

/// A regulator's plugin that is enabled but must not run (every key that signed it was
/// revoked): each evaluation answers why instead, and its code is never loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspended {
    pub snapshot: PluginSnapshot,
    pub reason: String,
}

/// The policies a service evaluates with: a loaded pack, and for an authority the regulators'
/// plugins enabled for it.
#[derive(Clone)]
pub struct PolicySet {
    runtime: Arc<Runtime>,
    pub plugins: Vec<ActivePlugin>,
    pub suspended: Vec<Suspended>,
    snapshot: PackSnapshot,
    /// The sha256 of the snapshot as stored: what a compact checklist view names its pack by.
    snapshot_sha256: String,
    /// Whether this process has stored the snapshot (so views need not offer it again).
    snapshot_stored: Arc<AtomicBool>,
    /// The snapshot's non-working days as the WIT context carries them (days since 1970-01-01).
    non_working_days: Vec<i32>,
    /// Every plugin's declared fields together: what a record is read for, once, before each
    /// plugin's projection is copied out of it.
    reading: Projection,
}

/// The sha256 (hex) of a snapshot's JSON text, as `pack_snapshots` keeps it.
fn digest(snapshot: &PackSnapshot) -> String {
    let text = serde_json::to_string(snapshot).expect("a pack snapshot serialises");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What one policy said about one child: results, or why there are none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyOutcome {
    pub policy: String,
    pub version: String,
    /// The regulator whose plugin this is (absent for the pack's own policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regulator: Option<String>,
    pub fuel: u64,
    #[serde(default, skip_serializing_if = "Results::is_empty")]
    pub results: Results,
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
        let calendar = pack.calendar_file(path)?;
        let mut plugins = Vec::new();
        for entry in &pack.plugins {
            let plugin_error = |reason: String| entry.error(path, reason);
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
            plugins.push(Listed {
                wasm,
                settings: entry.settings_json(),
                policy: entry.policy.clone(),
            });
        }
        Self::assemble(
            runtime,
            store,
            pack.name,
            CalendarSnapshot::of(&calendar),
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

    /// Rebuilds exactly the set a past run used, from its snapshot and the stored plugin bytes
    /// (a regulator's plugin that was suspended stays suspended, for the same reason).
    pub async fn from_snapshot(
        snapshot: &PackSnapshot,
        runtime: Arc<Runtime>,
        store: &Store,
    ) -> Result<Self, PackError> {
        let (own, regulated): (Vec<&PluginSnapshot>, Vec<&PluginSnapshot>) =
            snapshot.plugins.iter().partition(|p| p.regulator.is_none());
        let mut plugins = Vec::new();
        for p in own {
            let wasm = stored::wasm(store, &p.sha256)
                .await?
                .ok_or_else(|| PackError::Plugin {
                    pack: snapshot.name.clone(),
                    plugin: p.id.clone(),
                    reason: format!("its bytes ({}) are no longer in the store", p.sha256),
                })?;
            plugins.push(Listed {
                wasm,
                settings: p.settings.clone(),
                policy: Some(p.id.clone()),
            });
        }
        let base = Self::assemble(
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
        })?;
        let regulated: Vec<PluginSnapshot> = regulated.into_iter().cloned().collect();
        let (active, suspended) = sets::Loaded::default()
            .regulated(&base.runtime, store, &regulated)
            .await?;
        Ok(base.with(active, suspended))
    }

    /// This set followed by `extra` plugins and `suspended` ones: an authority's set is the
    /// pack's plus the regulators' plugins enabled for it.
    pub fn with(&self, extra: Vec<ActivePlugin>, suspended: Vec<Suspended>) -> Self {
        let mut set = self.clone();
        for plugin in extra {
            set.snapshot.plugins.push(plugin.snapshot());
            set.plugins.push(plugin);
        }
        for s in suspended {
            set.snapshot.plugins.push(s.snapshot.clone());
            set.suspended.push(s);
        }
        set.reading = reading(&set.plugins);
        // Another snapshot: its own digest, not yet stored.
        set.snapshot_sha256 = digest(&set.snapshot);
        set.snapshot_stored = Arc::new(AtomicBool::new(false));
        set
    }

    async fn assemble(
        runtime: Arc<Runtime>,
        store: &Store,
        name: String,
        calendar: CalendarSnapshot,
        plugins: Vec<Listed>,
        look_ahead_days: u32,
    ) -> Result<Self, (String, String)> {
        let mut active: Vec<ActivePlugin> = Vec::new();
        for Listed {
            wasm,
            settings,
            policy,
        } in plugins
        {
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
            if let Some(named) = policy.filter(|named| *named != id) {
                return Err((
                    id,
                    format!(
                        "the pack names this plugin {named:?}, but it describes itself otherwise"
                    ),
                ));
            }
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
            active.push(ActivePlugin::new(loaded, settings, None));
        }
        Self::of(runtime, name, calendar, active, look_ahead_days)
            .map_err(|why| (format!("calendar {why}"), why))
    }

    /// A set of plugins already loaded, evaluating on `calendar`: what a pack becomes once
    /// loaded, or one plugin on its own (an author's `carecheck plugin test`).
    pub fn of(
        runtime: Arc<Runtime>,
        name: String,
        calendar: CalendarSnapshot,
        plugins: Vec<ActivePlugin>,
        look_ahead_days: u32,
    ) -> Result<Self, String> {
        let non_working_days = calendar
            .days
            .iter()
            .map(|day| parse_iso_date(day).map(unix_day))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: {e}", calendar.name))?;
        let snapshot = PackSnapshot {
            name,
            calendar,
            plugins: plugins.iter().map(ActivePlugin::snapshot).collect(),
            look_ahead_days,
            limits: runtime.limits(),
        };
        Ok(Self {
            runtime,
            reading: reading(&plugins),
            plugins,
            suspended: Vec::new(),
            snapshot_sha256: digest(&snapshot),
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

    /// Whether this set has a policy with this id, running or suspended.
    pub fn has(&self, id: &str) -> bool {
        self.policy(id).is_some() || self.suspended.iter().any(|s| s.snapshot.id == id)
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
        review_intervals(self.policy(REVIEW_POLICY).map(|p| p.settings.as_str()))
    }

    /// The plugins selected by `only` (all when `None`), each with its evaluation context for
    /// `as_of`, the suspended ones selected, and what records are read for. Built once per batch
    /// and lent to every evaluation.
    fn prepared(&self, as_of: NaiveDate, only: Option<&str>) -> Prepared<'_> {
        let selected = |id: &str| only.is_none_or(|only| only == id);
        let plugins: Vec<(&ActivePlugin, EvalContext)> = self
            .plugins
            .iter()
            .filter(|p| selected(&p.plugin.metadata.id))
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
            .collect();
        let suspended = self
            .suspended
            .iter()
            .filter(|s| selected(&s.snapshot.id))
            .collect();
        // One policy alone (a run, a checklist or a dry run of it) reads only what it declared:
        // reading a demo record for the whole pack's fields takes about twice as long.
        let reading = match plugins.as_slice() {
            [(active, _)] => &active.projection,
            _ => &self.reading,
        };
        Prepared {
            plugins,
            suspended,
            reading,
        }
    }

    /// Evaluates one child's record with every plugin (or only `only`), each seeing only the
    /// fields it declared. Blocking: call from a worker thread.
    pub fn evaluate(
        &self,
        record: &Value,
        as_of: NaiveDate,
        only: Option<&str>,
    ) -> Vec<PolicyOutcome> {
        self.evaluate_as_one_batch(&[record], as_of, only)
            .pop()
            .expect("one outcome list per record")
    }

    /// Evaluates children's records as one batch (whatever `limits.batch` says): what an upload's
    /// dry run compares with evaluating each alone. Blocking: call from a worker thread.
    pub fn evaluate_as_one_batch(
        &self,
        records: &[&Value],
        as_of: NaiveDate,
        only: Option<&str>,
    ) -> Vec<Vec<PolicyOutcome>> {
        let texts: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        let prepared = self.prepared(as_of, only);
        let read: Vec<RawRecord> = texts
            .iter()
            .map(|text| prepared.read(text).expect("a value's JSON text reads back"))
            .collect();
        let refs: Vec<&RawRecord> = read.iter().collect();
        self.evaluate_batch(&prepared, &refs)
    }

    /// Evaluates a batch of children's records with every prepared plugin, each plugin over the
    /// whole batch at once (on one instance, for a plugin built against contract 1.1 or later); one
    /// outcome list per record, in order, each in plugin order then the suspended ones.
    fn evaluate_batch(
        &self,
        prepared: &Prepared,
        records: &[&RawRecord],
    ) -> Vec<Vec<PolicyOutcome>> {
        let mut outcomes: Vec<Vec<PolicyOutcome>> = records
            .iter()
            .map(|_| Vec::with_capacity(prepared.plugins.len() + prepared.suspended.len()))
            .collect();
        for (active, context) in &prepared.plugins {
            let trimmed: Vec<String> = records
                .iter()
                .map(|record| active.projection.json_text(record))
                .collect();
            let evaluations = self
                .runtime
                .evaluate_batch(&active.plugin, context, &trimmed);
            for (evaluation, list) in evaluations.into_iter().zip(&mut outcomes) {
                let (results, error) = match evaluation.outcome {
                    Ok(results) => (results, None),
                    Err(e) => (Results::default(), Some(e)),
                };
                let outcome = PolicyOutcome {
                    policy: active.plugin.metadata.id.clone(),
                    version: active.plugin.metadata.version.clone(),
                    regulator: active.regulator.clone(),
                    fuel: evaluation.fuel_used,
                    results,
                    error,
                };
                self.runtime.metrics().record(&outcome);
                list.push(outcome);
            }
        }
        for s in &prepared.suspended {
            for list in &mut outcomes {
                let outcome = PolicyOutcome {
                    policy: s.snapshot.id.clone(),
                    version: s.snapshot.version.clone(),
                    regulator: s.snapshot.regulator.clone(),
                    fuel: 0,
                    results: Results::default(),
                    error: Some(EvalError::Suspended(s.reason.clone())),
                };
                self.runtime.metrics().record(&outcome);
                list.push(outcome);
            }
        }
        outcomes
    }
}

/// A plugin as a pack or a snapshot lists it: its bytes, its settings and, when named, the
/// policy it must describe itself as.
struct Listed {
    wasm: Vec<u8>,
    settings: String,
    policy: Option<String>,
}

/// What a set of plugins reads records for: all their projections together.
fn reading(plugins: &[ActivePlugin]) -> Projection {
    Projection::union(&plugins.iter().map(|p| &p.projection).collect::<Vec<_>>())
}

/// The review intervals the review policy's settings give (the regulation's figures when the
/// pack does not run that policy), read through the same typed settings the policy parses.
fn review_intervals(settings: Option<&str>) -> Result<Intervals, String> {
    settings.map_or(Ok(Intervals::default()), settings::parse::<Intervals>)
}

/// The due dates a pack derives on write, found from the pack file without compiling anything:
/// its calendar, and the settings of the entry that is the review policy, known by the `policy`
/// the pack names it by or, for an uploaded plugin, by the id kept with its bytes. `None` when
/// some entry's policy cannot be told that way: the caller then loads the pack (which compiles).
pub async fn due_dates_from_pack_file(
    path: &Path,
    store: &Store,
) -> Result<Option<crate::records::DueDates>, PackError> {
    let pack = PackFile::read(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut review = None;
    for entry in &pack.plugins {
        let source = entry.source(dir).map_err(|why| entry.error(path, why))?;
        let policy = match (&entry.policy, source) {
            (Some(named), _) => named.clone(),
            (None, PluginSource::Stored(sha)) => match stored::policy_id(store, &sha).await? {
                Some(id) => id,
                None => return Ok(None),
            },
            (None, PluginSource::File(_)) => return Ok(None),
        };
        if policy == REVIEW_POLICY {
            review = Some(entry);
        }
    }
    let intervals = match review {
        Some(entry) => review_intervals(Some(&entry.settings_json()))
            .map_err(|why| entry.error(path, format!("settings rejected: {why}")))?,
        None => review_intervals(None).expect("the default intervals need no parsing"),
    };
    Ok(Some(crate::records::DueDates {
        calendar: pack.calendar_file(path)?.calendar(),
        intervals,
    }))
}

struct Prepared<'a> {
    plugins: Vec<(&'a ActivePlugin, EvalContext)>,
    suspended: Vec<&'a Suspended>,
    /// What each record is read for: every selected plugin's declared fields together.
    reading: &'a Projection,
}

impl Prepared<'_> {
    /// Reads a record's JSON text for the selected plugins: once, however many there are. Fails
    /// if the text is not JSON.
    fn read<'a>(&'a self, text: &'a str) -> Result<RawRecord<'a>, serde_json::Error> {
        self.reading.read(text)
    }
}
