//! The sandbox every policy runs in: wasmtime with the component model.
//!
//! Each component is compiled once (or loaded from the on-disk cache) and pre-instantiated
//! against an empty linker, so a plugin that imports anything at all is refused at load. Every
//! evaluation gets a fresh `Store` from the pooling allocator with three independent limits:
//! fuel (deterministic: the same input always stops at the same instruction), an epoch deadline
//! driven by a ticker thread (a wall-clock backstop) and a memory cap. Whatever a plugin does,
//! the host gets an [`EvalError`] back for that child and policy and carries on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use carecheck_precompiled::{ArtifactCache, Origin, sha256_hex};
use carecheck_sdk::outcome::{CheckResult, Metadata};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, TypedFunc};
use wasmtime::{Engine, Store, StoreLimitsBuilder};

use super::sandbox::{Sandbox, describe_trap, engine};
use crate::config::PluginLimits;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../plugins/wit",
        world: "plugin",
    });
}

use bindings::PluginPre;
use bindings::exports::carecheck::policy::policy as wit;

/// The exported interface every plugin must provide.
const INTERFACE: &str = "carecheck:policy/policy@1.0.0";

/// Largest metadata or settings message a plugin may return, in bytes.
const MAX_METADATA_BYTES: usize = 256 * 1024;

type DescribeFn = TypedFunc<(), (String,)>;
type ValidateFn<'a> = TypedFunc<(&'a str,), (Result<(), String>,)>;
type EvaluateFn<'a> = TypedFunc<(&'a wit::Context, &'a str), (Result<String, String>,)>;

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

/// Where the three functions sit in the component, looked up once at load.
#[derive(Clone)]
struct Exports {
    describe: ComponentExportIndex,
    validate_settings: ComponentExportIndex,
    evaluate: ComponentExportIndex,
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    #[error("the component imports {0}; policies must import nothing")]
    Imports(String),
    #[error("the component does not export the carecheck:policy/policy@1.0.0 interface: {0}")]
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
    pub outcome: Result<Vec<CheckResult>, EvalError>,
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
        let (component, origin) = self
            .cache
            .load(&self.engine, wasm)
            .map_err(|e| LoadError::NotAComponent(format!("{e:#}")))?;
        let imports = imports_of(&component, &self.engine);
        if !imports.is_empty() {
            return Err(LoadError::Imports(imports.join(", ")));
        }
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Imports(format!("{e:#}")))?;
        // The generated bindings check the whole contract (names and types) in one go.
        PluginPre::new(instance_pre.clone())
            .map_err(|e| LoadError::WrongContract(format!("{e:#}")))?;
        let interface = component
            .get_export_index(None, INTERFACE)
            .ok_or_else(|| LoadError::WrongContract(format!("no {INTERFACE} export")))?;
        let lookup = |name: &str| {
            component
                .get_export_index(Some(&interface), name)
                .ok_or_else(|| LoadError::WrongContract(format!("no {name} function")))
        };
        let exports = Exports {
            describe: lookup("describe")?,
            validate_settings: lookup("validate-settings")?,
            evaluate: lookup("evaluate")?,
        };
        let mut plugin = LoadedPlugin {
            sha256: sha256_hex(wasm),
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
        let func: DescribeFn = instance
            .get_typed_func(&mut store, plugin.exports.describe)
            .map_err(|e| LoadError::WrongContract(format!("{e:#}")))?;
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
            .instances(4)
            .tables(4)
            .memories(1)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(&self.engine, Sandbox { limits });
        store.limiter(|s| s);
        store
            .set_fuel(fuel)
            .expect("fuel is enabled on this engine");
        let ticks = self
            .limits
            .deadline_ms
            .div_ceil(EPOCH_TICK.as_millis() as u64)
            .max(1);
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        store
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

    /// Evaluates one record (already trimmed to the plugin's declared fields) in a fresh store.
    pub fn evaluate(
        &self,
        plugin: &LoadedPlugin,
        context: &EvalContext,
        record: &str,
    ) -> Evaluation {
        let mut store = self.store(self.limits.fuel);
        let outcome = self.call_evaluate(&mut store, plugin, context, record);
        let fuel_used = self.limits.fuel - store.get_fuel().unwrap_or(0);
        Evaluation { outcome, fuel_used }
    }

    fn call_evaluate(
        &self,
        store: &mut Store<Sandbox>,
        plugin: &LoadedPlugin,
        context: &EvalContext,
        record: &str,
    ) -> Result<Vec<CheckResult>, EvalError> {
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
        let json = answer.map_err(|message| EvalError::Refused(truncate(message, 1000)))?;
        if json.len() > self.limits.max_output_bytes {
            return Err(EvalError::Garbage(format!(
                "{} bytes of results, over the {}-byte limit",
                json.len(),
                self.limits.max_output_bytes
            )));
        }
        let results: Vec<CheckResult> = serde_json::from_str(&json)
            .map_err(|e| EvalError::Garbage(format!("results are not valid: {e}")))?;
        check_results(results, &plugin.metadata)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// A core module starts with the same magic as a component but a different version/layer field.
fn wasmparser_is_core_module(wasm: &[u8]) -> bool {
    wasm.len() >= 8 && wasm[0..4] == *b"\0asm" && wasm[4..8] == [1, 0, 0, 0]
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
    if let Some(twice) = m.checks.iter().find(|c| !seen.insert(c.id.as_str())) {
        return Err(format!("check {:?} is declared twice", twice.id));
    }
    Ok(m)
}

/// Every result must be for a check the policy declared.
fn check_results(
    results: Vec<CheckResult>,
    metadata: &Metadata,
) -> Result<Vec<CheckResult>, EvalError> {
    if let Some(r) = results.iter().find(|r| metadata.check(&r.check).is_none()) {
        return Err(EvalError::Garbage(format!(
            "result for undeclared check {:?}",
            r.check.chars().take(64).collect::<String>()
        )));
    }
    Ok(results)
}
