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
use carecheck_sdk::outcome::{Basis, CheckInfo, CheckResult, Metadata, Status};
use wasmtime::component::{Component, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder, Trap,
};

use crate::config::PluginLimits;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../plugins/wit",
        world: "plugin",
    });
}

use bindings::exports::carecheck::policy::policy as wit;
use bindings::{Plugin, PluginPre};

/// How often the epoch ticker advances; deadlines are whole ticks.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The wasmtime engine shared by every plugin, with its epoch ticker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Sandbox>,
    cache: ArtifactCache,
    limits: PluginLimits,
    ticker_stop: Arc<AtomicBool>,
}

/// Per-evaluation state: only the resource limiter.
struct Sandbox {
    limits: StoreLimits,
}

/// A plugin ready to evaluate: metadata read and checked, component pre-instantiated.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub sha256: String,
    pub metadata: Arc<Metadata>,
    pub origin: Origin,
    pre: PluginPre<Sandbox>,
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
    #[error("trapped: {0}")]
    Trap(String),
    #[error("returned an error: {0}")]
    Refused(String),
    #[error("returned invalid output: {0}")]
    Garbage(String),
}

/// The results of one evaluation and the fuel it used.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub outcome: Result<Vec<CheckResult>, EvalError>,
    pub fuel_used: u64,
}

/// What one evaluation is given (the WIT `context`, in host form).
#[derive(Debug, Clone)]
pub struct EvalContext {
    pub evaluation_date: String,
    pub look_ahead_days: u32,
    pub non_working_days: Vec<String>,
    pub calendar_from: String,
    pub calendar_to: String,
    pub settings: String,
}

impl Runtime {
    pub fn new(cache_dir: impl Into<std::path::PathBuf>, limits: PluginLimits) -> Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        config.epoch_interruption(true);
        config.max_wasm_stack(512 * 1024);
        let mut pooling = PoolingAllocationConfig::default();
        pooling.total_component_instances(256);
        pooling.total_core_instances(256);
        pooling.total_memories(256);
        pooling.total_tables(256);
        pooling.max_memory_size(limits.memory_bytes);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
        let engine = Engine::new(&config)
            .map_err(|e| anyhow::anyhow!("configuring the WebAssembly engine: {e:#}"))?;
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
        })
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
        let pre =
            PluginPre::new(instance_pre).map_err(|e| LoadError::WrongContract(format!("{e:#}")))?;
        let mut store = self.store(self.limits.fuel);
        let plugin = pre
            .instantiate(&mut store)
            .map_err(|e| LoadError::Failed(format!("{e:#}")))?;
        let metadata = plugin
            .carecheck_policy_policy()
            .call_describe(&mut store)
            .map_err(|e| LoadError::Failed(describe_trap(&e, &self.limits).to_string()))?;
        let metadata = metadata_from_wit(metadata).map_err(LoadError::BadMetadata)?;
        Ok(LoadedPlugin {
            sha256: sha256_hex(wasm),
            metadata: Arc::new(metadata),
            origin,
            pre,
        })
    }

    fn store(&self, fuel: u64) -> Store<Sandbox> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .instances(4)
            .tables(4)
            .memories(2)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(&self.engine, Sandbox { limits });
        store.limiter(|s| &mut s.limits);
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
        let instance = plugin
            .pre
            .instantiate(&mut store)
            .map_err(|e| describe_trap(&e, &self.limits).to_string())?;
        instance
            .carecheck_policy_policy()
            .call_validate_settings(&mut store, settings)
            .map_err(|e| describe_trap(&e, &self.limits).to_string())?
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
        let instance: Plugin = plugin
            .pre
            .instantiate(&mut *store)
            .map_err(|e| describe_trap(&e, &self.limits))?;
        let wit_context = wit::Context {
            evaluation_date: context.evaluation_date.clone(),
            look_ahead_days: context.look_ahead_days,
            non_working_days: context.non_working_days.clone(),
            calendar_from: context.calendar_from.clone(),
            calendar_to: context.calendar_to.clone(),
            settings: context.settings.clone(),
        };
        let results = instance
            .carecheck_policy_policy()
            .call_evaluate(&mut *store, &wit_context, record)
            .map_err(|e| describe_trap(&e, &self.limits))?
            .map_err(EvalError::Refused)?;
        results_from_wit(results, &plugin.metadata, self.limits.max_output_bytes)
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

/// Turns a wasmtime error into the reason an IRO or operator can act on.
fn describe_trap(error: &wasmtime::Error, limits: &PluginLimits) -> EvalError {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => EvalError::OutOfFuel(limits.fuel),
            Trap::Interrupt => EvalError::Deadline(limits.deadline_ms),
            other => EvalError::Trap(other.to_string()),
        };
    }
    let text = format!("{error:#}");
    if text.contains("memory") && (text.contains("limit") || text.contains("grow")) {
        EvalError::Memory
    } else {
        EvalError::Trap(text)
    }
}

fn metadata_from_wit(m: wit::Metadata) -> Result<Metadata, String> {
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
    let effective_from = carecheck_sdk::dates::parse_iso_date(&m.effective_from)
        .map_err(|e| format!("effective-from: {e}"))?;
    serde_json::from_str::<serde_json::Value>(&m.settings_schema)
        .map_err(|e| format!("settings-schema is not JSON: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    let checks = m
        .checks
        .into_iter()
        .map(|c| {
            if !seen.insert(c.id.clone()) {
                return Err(format!("check {:?} is declared twice", c.id));
            }
            Ok(CheckInfo {
                id: c.id,
                title: c.title,
                citation: c.citation,
                basis: match c.basis {
                    wit::Basis::Statutory => Basis::Statutory,
                    wit::Basis::Guidance => Basis::Guidance,
                },
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Metadata {
        id: m.id,
        version: m.version,
        title: m.title,
        description: m.description,
        author: m.author,
        citations: m.citations,
        checks,
        reads: m.reads,
        settings_schema: m.settings_schema,
        effective_from,
    })
}

fn results_from_wit(
    results: Vec<wit::CheckResult>,
    metadata: &Metadata,
    max_output_bytes: usize,
) -> Result<Vec<CheckResult>, EvalError> {
    let size: usize = results
        .iter()
        .map(|r| {
            r.check.len()
                + r.subject.len()
                + r.message.len()
                + r.citation.len()
                + r.evidence
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
                + 32
        })
        .sum();
    if size > max_output_bytes {
        return Err(EvalError::Garbage(format!(
            "{size} bytes of results, over the {max_output_bytes}-byte limit"
        )));
    }
    results
        .into_iter()
        .map(|r| {
            if metadata.check(&r.check).is_none() {
                return Err(EvalError::Garbage(format!(
                    "result for undeclared check {:?}",
                    truncate(&r.check)
                )));
            }
            let due = r
                .due
                .as_deref()
                .map(carecheck_sdk::dates::parse_iso_date)
                .transpose()
                .map_err(|e| EvalError::Garbage(format!("due date: {e}")))?;
            Ok(CheckResult {
                check: r.check,
                status: match r.status {
                    wit::Status::Met => Status::Met,
                    wit::Status::DueSoon => Status::DueSoon,
                    wit::Status::Breach => Status::Breach,
                    wit::Status::NotApplicable => Status::NotApplicable,
                    wit::Status::InsufficientData => Status::InsufficientData,
                },
                due,
                subject: r.subject,
                message: r.message,
                evidence: r.evidence,
                citation: r.citation,
            })
        })
        .collect()
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}
