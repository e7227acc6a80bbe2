//! The sandbox every policy runs in: wasmtime with the component model.
//!
//! Each component is compiled once (or loaded from the on-disk cache) and pre-instantiated
//! against an empty linker, so a plugin that imports anything at all is refused at load. Every
//! call has three independent limits: fuel (deterministic: the same input always stops at the
//! same instruction), an epoch deadline driven by a ticker thread (a wall-clock backstop) and a
//! memory cap. Whatever a plugin does, the host gets an [`EvalError`] back for that child and
//! policy and carries on.
//!
//! Instances: a plugin built against contract 1.0 gets a fresh instance from the pooling
//! allocator for every record. One built against 1.1 or later evaluates a batch of records on
//! one instance ([`Runtime::evaluate_batch`]): `prepare` once, then `evaluate-prepared` (1.1) or
//! `evaluate-packed` (1.2, the same results packed instead of JSON text) per record,
//! each call refilled with the full fuel and given the full deadline, so each record has exactly
//! the limits it would have alone; building an instance (and its memory's first growth) is paid
//! once per batch instead of per record. If any call of a batch fails, every record of that
//! batch is evaluated again on a fresh instance of its own, so a trap, an exhausted limit or
//! anything a failing call left in the instance never reaches another record's verdict.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use carecheck_precompiled::{ArtifactCache, Origin, sha256_hex};
use carecheck_sdk::outcome::{CheckResult, Metadata};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, TypedFunc};
use wasmtime::{Engine, Store, StoreLimitsBuilder};

use super::results::Results;
use super::sandbox::{Sandbox, describe_trap, engine};
use crate::config::PluginLimits;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../plugins/wit",
        world: "plugin",
    });
}

use bindings::exports::carecheck::policy::policy as wit;

/// The exported interface every plugin must provide, at one of these versions: 1.1 adds
/// `prepare` and `evaluate-prepared` (batches on one instance) to 1.0, and 1.2 adds
/// `evaluate-packed` (results packed rather than JSON text).
const INTERFACES: [&str; 3] = [
    "carecheck:policy/policy@1.2.0",
    "carecheck:policy/policy@1.1.0",
    "carecheck:policy/policy@1.0.0",
];

/// Largest metadata or settings message a plugin may return, in bytes.
const MAX_METADATA_BYTES: usize = 256 * 1024;

type DescribeFn = TypedFunc<(), (String,)>;
type ValidateFn<'a> = TypedFunc<(&'a str,), (Result<(), String>,)>;
type EvaluateFn<'a> = TypedFunc<(&'a wit::Context, &'a str), (Result<String, String>,)>;
type PrepareFn<'a> = TypedFunc<(&'a wit::Context,), (Result<(), String>,)>;
type EvaluatePreparedFn<'a> = TypedFunc<(&'a str,), (Result<String, String>,)>;
type EvaluatePackedFn<'a> = TypedFunc<(&'a str,), (Result<Vec<u8>, String>,)>;

/// Instances one evaluation's store may create. A Rust policy is one core instance in one
/// component; a Python policy (componentize-py with `--stub-wasi`, see `plugins/build`) is one
/// component that instantiates 38 core modules inside it: CPython, its C library, the trapping
/// WASI stubs and componentize-py's glue. Tables and memories stay as they were: the Python
/// component defines two tables and one memory, shared by all its modules, and that memory is
/// under the same `limits.memory_bytes` cap.
pub(super) const MAX_INSTANCES: usize = 38;

/// How often the epoch ticker advances; deadlines are whole ticks.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The wasmtime engine shared by every plugin, with its epoch ticker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Sandbox>,
    cache: ArtifactCache,
    limits: PluginLimits,
    ticker_stop: Arc<AtomicBool>,
    metrics: super::metrics::Metrics,
}

/// A plugin ready to evaluate: metadata read and checked, component pre-instantiated.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub sha256: String,
    pub metadata: Arc<Metadata>,
    pub origin: Origin,
    pre: InstancePre<Sandbox>,
    exports: Exports,
}

/// Where the functions sit in the component, looked up once at load.
#[derive(Clone)]
struct Exports {
    describe: ComponentExportIndex,
    validate_settings: ComponentExportIndex,
    evaluate: ComponentExportIndex,
    /// `prepare` and the function that evaluates after it, when the component is built
    /// against contract 1.1 or later.
    batch: Option<Batch>,
}

/// A batch's functions: `prepare`, then one of these per record.
#[derive(Clone, Copy)]
struct Batch {
    prepare: ComponentExportIndex,
    evaluate: Answers,
}

/// How a batch's records are answered: the contract's version decides.
#[derive(Clone, Copy)]
enum Answers {
    /// 1.1's `evaluate-prepared`: JSON text.
    Json(ComponentExportIndex),
    /// 1.2's `evaluate-packed`: packed results (`carecheck_sdk::packed`).
    Packed(ComponentExportIndex),
}

/// A prepared instance's evaluating function, typed.
#[derive(Clone, Copy)]
enum PreparedFn {
    Json(EvaluatePreparedFn<'static>),
    Packed(EvaluatePackedFn<'static>),
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    #[error("the component imports {0}; policies must import nothing")]
    Imports(String),
    #[error(
        "the component does not export the carecheck:policy/policy interface at version 1.2.0, 1.1.0 or 1.0.0: {0}"
    )]
    WrongContract(String),
    #[error("the plugin's metadata is invalid: {0}")]
    BadMetadata(String),
    #[error("the plugin failed while describing itself: {0}")]
    Failed(String),
}

/// Why one evaluation produced no results. Stored in the decision log as the outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum EvalError {
    #[error("ran out of fuel (limit {0})")]
    OutOfFuel(u64),
    #[error("exceeded the {0} ms deadline")]
    Deadline(u64),
    #[error("exceeded the memory limit")]
    Memory,
    /// Not the plugin's fault: every sandbox slot was in use. Retrying later will work.
    #[error("could not run: the host is at its limit of concurrent evaluations")]
    HostBusy,
    #[error("trapped: {0}")]
    Trap(String),
    #[error("returned an error: {0}")]
    Refused(String),
    #[error("returned invalid output: {0}")]
    Garbage(String),
    /// Not run at all: a regulator's plugin whose every signing key was revoked.
    #[error("was not run: {0}")]
    Suspended(String),
}

/// The results of one evaluation and the fuel it used.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub outcome: Result<Results, EvalError>,
    pub fuel_used: u64,
}

/// What one evaluation is given: the WIT `context`, built once and lent to every call.
pub type EvalContext = wit::Context;

impl Runtime {
    pub fn new(cache_dir: impl Into<std::path::PathBuf>, limits: PluginLimits) -> Result<Self> {
        // Where the kernel cannot say which pages a plugin dirtied, keep wasmtime's default reset.
        let engine = engine(limits, true).or_else(|_| engine(limits, false))?;
        let linker = Linker::new(&engine);
        let ticker_stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = ticker_stop.clone();
            std::thread::Builder::new()
                .name("carecheck-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .context("starting the epoch ticker")?;
        }
        Ok(Self {
            engine,
            linker,
            cache: ArtifactCache::new(cache_dir),
            limits,
            ticker_stop,
            metrics: super::metrics::Metrics::default(),
        })
    }

    pub fn metrics(&self) -> &super::metrics::Metrics {
        &self.metrics
    }

    pub fn limits(&self) -> PluginLimits {
        self.limits
    }

    /// The engine's identity for the decision log: wasmtime version and configuration.
    pub fn engine_id(&self) -> String {
        format!(
            "wasmtime {} ({})",
            carecheck_precompiled::wasmtime_version(),
            self.cache_key()
        )
    }

    fn cache_key(&self) -> String {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// Compiles (or loads from cache) and pre-instantiates a component, then reads and checks
    /// its metadata.
    pub fn load(&self, wasm: &[u8]) -> Result<LoadedPlugin, LoadError> {
        if wasmparser_is_core_module(wasm) {
            return Err(LoadError::NotAComponent(
                "this is a core WebAssembly module; build it as a component (see plugins/README.md)"
                    .into(),
            ));
        }
        let sha256 = sha256_hex(wasm);
        let (component, origin) = self
            .cache
            .load(&self.engine, wasm, &sha256)
            .map_err(|e| LoadError::NotAComponent(format!("{e:#}")))?;
        let imports = imports_of(&component, &self.engine);
        if !imports.is_empty() {
            return Err(LoadError::Imports(imports.join(", ")));
        }
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Imports(format!("{e:#}")))?;
        // The version by the exported name itself: looking a name up matches any
        // semver-compatible export, so asking a 1.1 component for 1.2 would find its 1.1.
        let exported = exports_of(&component, &self.engine);
        let Some((interface, version)) = INTERFACES
            .iter()
            .filter(|name| exported.iter().any(|e| e == *name))
            .find_map(|name| {
                component
                    .get_export_index(None, name)
                    .map(|index| (index, *name))
            })
        else {
            return Err(LoadError::WrongContract(format!(
                "it exports {}",
                exported.join(", ")
            )));
        };
        let lookup = |name: &str| {
            component
                .get_export_index(Some(&interface), name)
                .ok_or_else(|| {
                    LoadError::WrongContract(format!("{version} has no {name} function"))
                })
        };
        let batch = match INTERFACES.iter().position(|v| *v == version) {
            Some(0) => Some(Batch {
                prepare: lookup("prepare")?,
                evaluate: Answers::Packed(lookup("evaluate-packed")?),
            }),
            Some(1) => Some(Batch {
                prepare: lookup("prepare")?,
                evaluate: Answers::Json(lookup("evaluate-prepared")?),
            }),
            _ => None,
        };
        let exports = Exports {
            describe: lookup("describe")?,
            validate_settings: lookup("validate-settings")?,
            evaluate: lookup("evaluate")?,
            batch,
        };
        let mut plugin = LoadedPlugin {
            sha256,
            metadata: Arc::new(placeholder_metadata()),
            origin,
            pre: instance_pre,
            exports,
        };
        let metadata = self.describe(&plugin)?;
        plugin.metadata = Arc::new(metadata);
        Ok(plugin)
    }

    fn describe(&self, plugin: &LoadedPlugin) -> Result<Metadata, LoadError> {
        let mut store = self.store(self.limits.fuel);
        let failed =
            |e: wasmtime::Error| LoadError::Failed(describe_trap(&e, &self.limits).to_string());
        let instance = plugin.pre.instantiate(&mut store).map_err(failed)?;
        // Every function of the contract, with its exact type, before any is called.
        let wrong = |e: wasmtime::Error| LoadError::WrongContract(format!("{e:#}"));
        let exports = &plugin.exports;
        let _: ValidateFn = instance
            .get_typed_func(&mut store, exports.validate_settings)
            .map_err(wrong)?;
        let _: EvaluateFn = instance
            .get_typed_func(&mut store, exports.evaluate)
            .map_err(wrong)?;
        if let Some(batch) = exports.batch {
            let _: PrepareFn = instance
                .get_typed_func(&mut store, batch.prepare)
                .map_err(wrong)?;
            typed_answers(&mut store, &instance, batch.evaluate).map_err(wrong)?;
        }
        let func: DescribeFn = instance
            .get_typed_func(&mut store, exports.describe)
            .map_err(wrong)?;
        let (json,) = func.call(&mut store, ()).map_err(failed)?;
        if json.len() > MAX_METADATA_BYTES {
            return Err(LoadError::BadMetadata(format!(
                "{} bytes, over the {MAX_METADATA_BYTES}-byte limit",
                json.len()
            )));
        }
        let metadata: Metadata =
            serde_json::from_str(&json).map_err(|e| LoadError::BadMetadata(e.to_string()))?;
        metadata_checked(metadata).map_err(LoadError::BadMetadata)
    }

    fn store(&self, fuel: u64) -> Store<Sandbox> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .instances(MAX_INSTANCES)
            .tables(4)
            .memories(1)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(&self.engine, Sandbox { limits });
        store.limiter(|s| s);
        store.epoch_deadline_trap();
        self.refill(&mut store, fuel);
        store
    }

    /// Gives the next call on `store` its own fuel and its own deadline, counted from now.
    fn refill(&self, store: &mut Store<Sandbox>, fuel: u64) {
        store
            .set_fuel(fuel)
            .expect("fuel is enabled on this engine");
        let ticks = self
            .limits
            .deadline_ms
            .div_ceil(EPOCH_TICK.as_millis() as u64)
            .max(1);
        store.set_epoch_deadline(ticks);
    }

    /// Asks the plugin whether `settings` are acceptable.
    pub fn validate_settings(&self, plugin: &LoadedPlugin, settings: &str) -> Result<(), String> {
        let mut store = self.store(self.limits.fuel);
        let trap = |e: wasmtime::Error| describe_trap(&e, &self.limits).to_string();
        let instance = plugin.pre.instantiate(&mut store).map_err(trap)?;
        let func: ValidateFn = instance
            .get_typed_func(&mut store, plugin.exports.validate_settings)
            .map_err(trap)?;
        let (answer,) = func.call(&mut store, (settings,)).map_err(trap)?;
        answer.map_err(|message| truncate(message, 2000))
    }

    /// Evaluates one record (already trimmed to the plugin's declared fields) on an instance of
    /// its own.
    pub fn evaluate(
        &self,
        plugin: &LoadedPlugin,
        context: &EvalContext,
        record: &str,
    ) -> Evaluation {
        match plugin.exports.batch {
            Some(batch) => self.prepared_alone(plugin, batch, context, record),
            None => {
                let mut store = self.store(self.limits.fuel);
                let outcome = self.call_evaluate(&mut store, plugin, context, record);
                let fuel_used = self.limits.fuel - store.get_fuel().unwrap_or(0);
                Evaluation { outcome, fuel_used }
            }
        }
    }

    fn call_evaluate(
        &self,
        store: &mut Store<Sandbox>,
        plugin: &LoadedPlugin,
        context: &EvalContext,
        record: &str,
    ) -> Result<Results, EvalError> {
        let instance = plugin
            .pre
            .instantiate(&mut *store)
            .map_err(|e| describe_trap(&e, &self.limits))?;
        let func: EvaluateFn = instance
            .get_typed_func(&mut *store, plugin.exports.evaluate)
            .map_err(|e| EvalError::Garbage(format!("{e:#}")))?;
        let (answer,) = func
            .call(&mut *store, (context, record))
            .map_err(|e| describe_trap(&e, &self.limits))?;
        self.results(plugin, answer, from_json)
    }

    /// A plugin's answer (JSON text or packed bytes), checked: its size, then its shape and that
    /// every result is for a check it declared (`read`).
    fn results<A: AsRef<[u8]>>(
        &self,
        plugin: &LoadedPlugin,
        answer: Result<A, String>,
        read: impl FnOnce(A, &Metadata) -> Result<Results, String>,
    ) -> Result<Results, EvalError> {
        let answer = answer.map_err(|message| EvalError::Refused(truncate(message, 1000)))?;
        let len = answer.as_ref().len();
        if len > self.limits.max_output_bytes {
            return Err(EvalError::Garbage(format!(
                "{len} bytes of results, over the {}-byte limit",
                self.limits.max_output_bytes
            )));
        }
        read(answer, &plugin.metadata).map_err(EvalError::Garbage)
    }

    /// Evaluates records (each already trimmed to the plugin's declared fields) with one
    /// context, answering record for record what [`Runtime::evaluate`] answers. A plugin built
    /// against contract 1.1 evaluates them on one instance; if any call fails, each record is
    /// evaluated again on an instance of its own. Either way each record's `evaluate-prepared`
    /// call runs on the same code path with the same full fuel and deadline, so its verdict (and
    /// its fuel) does not depend on which records shared its batch.
    pub fn evaluate_batch(
        &self,
        plugin: &LoadedPlugin,
        context: &EvalContext,
        records: &[String],
    ) -> Vec<Evaluation> {
        if let Some(batch) = plugin.exports.batch
            && records.len() > 1
            && let Some(evaluations) = self.prepared_batch(plugin, batch, context, records)
        {
            return evaluations;
        }
        records
            .iter()
            .map(|r| self.evaluate(plugin, context, r))
            .collect()
    }

    /// One instance, `prepare` once, then `evaluate-prepared` (or `evaluate-packed`) for each
    /// record with the full fuel and deadline; `None` as soon as any call fails in any way.
    fn prepared_batch(
        &self,
        plugin: &LoadedPlugin,
        batch: Batch,
        context: &EvalContext,
        records: &[String],
    ) -> Option<Vec<Evaluation>> {
        let mut store = self.store(self.limits.fuel);
        let evaluate = self.prepared(&mut store, plugin, batch, context).ok()?;
        records
            .iter()
            .map(|record| {
                let evaluation = self.evaluate_prepared(&mut store, plugin, evaluate, record);
                evaluation.outcome.is_ok().then_some(evaluation)
            })
            .collect()
    }

    /// A 1.1 or 1.2 plugin's verdict on one record on an instance of its own: `prepare`, then
    /// the function a batch calls, exactly as in a batch.
    fn prepared_alone(
        &self,
        plugin: &LoadedPlugin,
        batch: Batch,
        context: &EvalContext,
        record: &str,
    ) -> Evaluation {
        let mut store = self.store(self.limits.fuel);
        match self.prepared(&mut store, plugin, batch, context) {
            Ok(evaluate) => self.evaluate_prepared(&mut store, plugin, evaluate, record),
            Err(error) => Evaluation {
                outcome: Err(error),
                fuel_used: self.limits.fuel - store.get_fuel().unwrap_or(0),
            },
        }
    }

    /// Instantiates a 1.1 or 1.2 plugin in `store` and prepares it with `context`; its
    /// evaluating function, ready for records.
    fn prepared(
        &self,
        store: &mut Store<Sandbox>,
        plugin: &LoadedPlugin,
        batch: Batch,
        context: &EvalContext,
    ) -> Result<PreparedFn, EvalError> {
        let trap = |e: wasmtime::Error| describe_trap(&e, &self.limits);
        let garbage = |e: wasmtime::Error| EvalError::Garbage(format!("{e:#}"));
        let instance = plugin.pre.instantiate(&mut *store).map_err(trap)?;
        let prepare: PrepareFn = instance
            .get_typed_func(&mut *store, batch.prepare)
            .map_err(garbage)?;
        let evaluate = typed_answers(&mut *store, &instance, batch.evaluate).map_err(garbage)?;
        let (prepared,) = prepare.call(&mut *store, (context,)).map_err(trap)?;
        prepared.map_err(|message| EvalError::Refused(truncate(message, 1000)))?;
        Ok(evaluate)
    }

    /// One `evaluate-prepared` (or `evaluate-packed`) call with the full fuel and deadline; the
    /// fuel it used.
    fn evaluate_prepared(
        &self,
        store: &mut Store<Sandbox>,
        plugin: &LoadedPlugin,
        evaluate: PreparedFn,
        record: &str,
    ) -> Evaluation {
        let fuel = self.limits.fuel;
        self.refill(store, fuel);
        let trap = |e: wasmtime::Error| describe_trap(&e, &self.limits);
        let outcome = match evaluate {
            PreparedFn::Json(f) => f
                .call(&mut *store, (record,))
                .map_err(trap)
                .and_then(|(answer,)| self.results(plugin, answer, from_json)),
            PreparedFn::Packed(f) => f
                .call(&mut *store, (record,))
                .map_err(trap)
                .and_then(|(answer,)| self.results(plugin, answer, from_packed)),
        };
        Evaluation {
            outcome,
            fuel_used: fuel - store.get_fuel().unwrap_or(0),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// The typed function that answers a prepared instance's records, as the contract's version has
/// it.
fn typed_answers(
    store: &mut Store<Sandbox>,
    instance: &wasmtime::component::Instance,
    answers: Answers,
) -> wasmtime::Result<PreparedFn> {
    Ok(match answers {
        Answers::Json(index) => PreparedFn::Json(instance.get_typed_func(&mut *store, index)?),
        Answers::Packed(index) => PreparedFn::Packed(instance.get_typed_func(&mut *store, index)?),
    })
}

/// A core module starts with the same magic as a component but a different version/layer field.
fn wasmparser_is_core_module(wasm: &[u8]) -> bool {
    wasm.len() >= 8 && wasm[0..4] == *b"\0asm" && wasm[4..8] == [1, 0, 0, 0]
}

fn exports_of(component: &Component, engine: &Engine) -> Vec<String> {
    component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

fn imports_of(component: &Component, engine: &Engine) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Cuts a plugin's message to at most `max` bytes (on a character boundary).
fn truncate(mut message: String, max: usize) -> String {
    if message.len() > max {
        message.truncate(message.floor_char_boundary(max));
        message.push('…');
    }
    message
}

fn placeholder_metadata() -> Metadata {
    Metadata {
        id: String::new(),
        version: String::new(),
        title: String::new(),
        description: String::new(),
        author: String::new(),
        citations: Vec::new(),
        checks: Vec::new(),
        reads: Vec::new(),
        settings_schema: String::new(),
        effective_from: chrono::NaiveDate::MIN,
    }
}

fn metadata_checked(m: Metadata) -> Result<Metadata, String> {
    let id_ok = !m.id.is_empty()
        && m.id.len() <= 64
        && m.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(format!(
            "id {:?} must be 1-64 lower-case letters, digits and dashes",
            m.id
        ));
    }
    if m.checks.is_empty() {
        return Err("the policy declares no checks".into());
    }
    for pointer in &m.reads {
        if !pointer.starts_with('/') {
            return Err(format!("read {pointer:?} is not a JSON pointer"));
        }
    }
    serde_json::from_str::<serde_json::Value>(&m.settings_schema)
        .map_err(|e| format!("settings-schema is not JSON: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = m.checks.iter().find(|c| !seen.insert(c.id.as_ref())) {
        return Err(format!("check {:?} is declared twice", twice.id));
    }
    Ok(m)
}

/// Results answered as JSON text (contracts 1.0 and 1.1), read into values.
fn from_json(json: String, metadata: &Metadata) -> Result<Results, String> {
    serde_json::from_str::<Vec<CheckResult>>(&json)
        .map_err(|e| e.to_string())
        .and_then(|results| {
            results
                .iter()
                .try_for_each(|r| declared(&r.check, metadata))?;
            Ok(results.into())
        })
        .map_err(|e| format!("results are not valid: {e}"))
}

/// Results answered packed (contract 1.2), read in place to check them and kept as they came.
fn from_packed(bytes: Vec<u8>, metadata: &Metadata) -> Result<Results, String> {
    Results::packed(bytes, |check| declared(check, metadata))
        .map_err(|e| format!("results are not valid: {e}"))
}

/// Refuses a result for a check the plugin did not declare.
fn declared(check: &str, metadata: &Metadata) -> Result<(), String> {
    match metadata.check(check) {
        Some(_) => Ok(()),
        None => Err(format!(
            "result for undeclared check {:?}",
            check.chars().take(64).collect::<String>()
        )),
    }
}
