//! The on-disk cache of compiled policy components.
//!
//! Compiling a component with Cranelift takes tens to hundreds of milliseconds; loading the
//! compiled artefact takes well under one. wasmtime marks loading as `unsafe` because a
//! compiled artefact is trusted machine code. This crate is the only code in carecheck allowed to
//! do it, so the host itself can `forbid(unsafe_code)`, and it earns that trust by:
//! - writing every artefact itself, from a `.wasm` it keeps alongside (the cache is never an input);
//! - keying each artefact by the sha256 of the original `.wasm` *and* the engine's compatibility
//!   hash, so a wasmtime upgrade or config change never reads an old artefact;
//! - recording the BLAKE3 digest of the artefact's own bytes when writing it and refusing to
//!   load an artefact whose bytes no longer match (a truncated or corrupted file is recompiled,
//!   not run). BLAKE3 rather than SHA-256 because the check runs over every artefact at every
//!   start (about 20 MB for the statutory pack): with SHA-256 it was a fifth of the CPU of a
//!   `check` that found nothing to evaluate;
//! - creating the directory readable and writable by the service's own user only. The digest
//!   sits beside the artefact, so it guards against damage, not against someone who can already
//!   write there: the cache directory is part of the service's trusted installation.

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where a component came from when it was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Loaded from a previously compiled artefact.
    Cache,
    /// Compiled now (and written to the cache).
    Compiled,
}

/// A directory of compiled components for one engine configuration.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
}

/// The extension of the file beside each artefact holding its BLAKE3 digest (lower-case hex).
const DIGEST: &str = "blake3";

/// The sha256 of some bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl ArtifactCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn artifact_path(&self, engine: &Engine, wasm_sha256: &str) -> PathBuf {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());
        self.dir.join(format!(
            "{wasm_sha256}-wasmtime{}-{engine_key}.cwasm",
            wasmtime_version()
        ))
    }

    /// Loads the compiled form of `wasm`, whose sha256 the caller has taken (its identity
    /// everywhere else), compiling and caching it when needed.
    pub fn load(
        &self,
        engine: &Engine,
        wasm: &[u8],
        wasm_sha256: &str,
    ) -> Result<(Component, Origin)> {
        let path = self.artifact_path(engine, wasm_sha256);
        if let Some(component) = self.read_verified(engine, &path)? {
            return Ok((component, Origin::Cache));
        }
        let compiled = engine
            .precompile_component(wasm)
            .map_err(|e| anyhow::anyhow!("compiling the component: {e:#}"))?;
        self.write_atomically(&path, &compiled)?;
        let component = self
            .read_verified(engine, &path)?
            .context("the compiled component could not be read back from the cache")?;
        Ok((component, Origin::Compiled))
    }

    fn read_verified(&self, engine: &Engine, path: &Path) -> Result<Option<Component>> {
        let digest_path = path.with_extension(DIGEST);
        let (Ok(bytes), Ok(expected)) = (fs::read(path), fs::read_to_string(&digest_path)) else {
            return Ok(None);
        };
        if blake3::hash(&bytes).to_hex().as_str() != expected.trim() {
            return Ok(None);
        }
        // SAFETY: `bytes` were produced by `Engine::precompile_component` on an engine with the
        // same compatibility hash (it is part of the file name), written by this process through
        // `write_atomically`, and their BLAKE3 digest matches the one recorded at write time, so they
        // are exactly the artefact wasmtime produced. wasmtime also checks the engine
        // configuration embedded in the artefact before accepting it.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(engine, &bytes) };
        match component {
            Ok(component) => Ok(Some(component)),
            // An artefact from an incompatible engine is simply recompiled.
            Err(_) => Ok(None),
        }
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        create_private_dir(&self.dir).with_context(|| {
            format!("creating the compiled-plugin cache {}", self.dir.display())
        })?;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{unique}", std::process::id()));
        let mut file =
            fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::write(
            path.with_extension(DIGEST),
            blake3::hash(bytes).to_hex().as_str(),
        )?;
        Ok(())
    }
}

/// Creates the cache directory readable and writable by this service's user only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}

/// The wasmtime version compiled into this build, part of every cache key and decision log entry.
pub fn wasmtime_version() -> &'static str {
    env!("WASMTIME_VERSION")
}
