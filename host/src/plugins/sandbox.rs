//! The walls of the sandbox: how the wasmtime engine is configured (component model, fuel,
//! epochs, the pooling allocator sized from the limits), the per-evaluation resource limiter,
//! and how a failed call is turned into the reason an operator can act on, by the error's type.

use anyhow::Result;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter,
    StoreLimits, Trap,
};

use super::runtime::EvalError;
use crate::config::PluginLimits;

/// At most this much of a sandbox slot's memory (and of its table) is reset in place between
/// evaluations rather than returned to the kernel: more than a policy reading a large record uses.
const KEEP_RESIDENT_BYTES: usize = 4 * 1024 * 1024;

/// Per-evaluation state: only the resource limiter.
pub(super) struct Sandbox {
    pub(super) limits: StoreLimits,
}

/// The plugin asked for more memory than its sandbox allows. Raised by [`Sandbox`]'s limiter and
/// recognised by its type when the call fails.
#[derive(Debug, thiserror::Error)]
#[error("the plugin asked for {0} bytes of linear memory, over its limit")]
struct MemoryLimit(usize);

impl ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        match self.limits.memory_growing(current, desired, maximum) {
            Ok(true) => Ok(true),
            _ => Err(MemoryLimit(desired).into()),
        }
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(MemoryLimit(0).into())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// The engine: component model, fuel, epochs and the pooling allocator sized from `limits`.
/// With `reset_in_place`, every evaluation gets a fresh instance, so resetting a pool slot is on
/// the hot path: the pages a plugin dirtied are found with Linux's PAGEMAP_SCAN and reset in
/// place, instead of being handed back to the kernel and faulted in again by the next instance.
pub(super) fn engine(limits: PluginLimits, reset_in_place: bool) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.max_wasm_stack(512 * 1024);
    let mut pooling = PoolingAllocationConfig::default();
    pooling.total_component_instances(256);
    // Every pooled memory may serve a Python policy, whose one component holds 38 core
    // instances (`runtime::MAX_INSTANCES`): with only 256 core instances, seven Python
    // evaluations at once would find the pool full. A core instance slot costs little; the
    // memories are what the pool reserves address space for.
    pooling.total_core_instances(256 * super::runtime::MAX_INSTANCES as u32);
    pooling.total_memories(256);
    pooling.total_tables(256);
    pooling.max_memory_size(limits.memory_bytes);
    if reset_in_place {
        pooling.pagemap_scan(wasmtime::Enabled::Yes);
        pooling.linear_memory_keep_resident(KEEP_RESIDENT_BYTES);
        pooling.table_keep_resident(KEEP_RESIDENT_BYTES);
    }
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Engine::new(&config).map_err(|e| anyhow::anyhow!("configuring the WebAssembly engine: {e:#}"))
}

/// Turns a wasmtime error into the reason an IRO or operator can act on.
pub(super) fn describe_trap(error: &wasmtime::Error, limits: &PluginLimits) -> EvalError {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => EvalError::OutOfFuel(limits.fuel),
            Trap::Interrupt => EvalError::Deadline(limits.deadline_ms),
            other => EvalError::Trap(other.to_string()),
        };
    }
    if error.is::<wasmtime::PoolConcurrencyLimitError>() {
        EvalError::HostBusy
    } else if error.is::<MemoryLimit>() {
        EvalError::Memory
    } else {
        EvalError::Trap(format!("{error:#}"))
    }
}
