//! Building a policy plugin: one code path from sources to a WebAssembly component, shared by
//! `cargo xtask plugins` (the built-in policies and examples) and `carecheck plugin build` (a
//! regulator's own), and the templates `carecheck plugin new` writes.
//!
//! Each language is a [`Lang`]: how to recognise its sources, what its template holds, and how
//! it builds. Rust builds with cargo for `wasm32-unknown-unknown` and the core module is
//! encoded as a component by `wit-component`, with the contract's types embedded by the SDK's
//! bindings. Python produces a component itself (componentize-py, [`python`]), bundling the
//! policy with the guest library in `plugins/guest/python`.

pub mod python;
pub mod rust;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// A language policies can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Rust,
    Python,
}

impl Lang {
    /// The language named on the command line.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "rust" => Ok(Lang::Rust),
            "python" => Ok(Lang::Python),
            "js" | "javascript" | "typescript" => bail!(
                "--lang {name} is not available in this build yet: use --lang rust or --lang python (a JavaScript guest library comes in a later release)"
            ),
            other => bail!("unknown language {other:?}: use rust or python"),
        }
    }

    /// The language of the plugin sources in `dir`.
    pub fn detect(dir: &Path) -> Result<Self> {
        if dir.join("Cargo.toml").is_file() {
            Ok(Lang::Rust)
        } else if dir.join(python::MANIFEST).is_file() || dir.join(python::MODULE).is_file() {
            Ok(Lang::Python)
        } else {
            bail!(
                "{} holds no plugin sources carecheck can build (a Rust plugin has a Cargo.toml, a Python plugin a {} and a {})",
                dir.display(),
                python::MANIFEST,
                python::MODULE
            )
        }
    }

    /// Writes a new plugin `name` into `dir/name` and returns that folder. The template builds
    /// and passes its own tests as written; `sdk` is the carecheck SDK a Rust plugin depends on
    /// (a Python plugin gets a copy of the guest library instead).
    pub fn new_plugin(self, name: &str, dir: &Path, sdk: &Path) -> Result<PathBuf> {
        check_name(name)?;
        let root = dir.join(name);
        if root.exists() {
            bail!("{} exists: plugin new never overwrites", root.display());
        }
        match self {
            Lang::Rust => rust::template(name, &root, sdk)?,
            Lang::Python => python::template(name, &root)?,
        }
        Ok(root)
    }

    /// Builds the plugin in `dir` and returns the component's path.
    pub fn build(self, dir: &Path) -> Result<PathBuf> {
        match self {
            Lang::Rust => rust::build_plugin(dir),
            Lang::Python => python::build_plugin(dir),
        }
    }
}

/// A policy id: lower-case letters, digits and dashes, starting with a letter, at most 64.
fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        bail!(
            "{name:?} cannot be a policy id: use 1-64 lower-case letters, digits and dashes, starting with a letter"
        );
    }
    Ok(())
}

/// Encodes a core module built against the contract as a component, validating it.
pub fn componentize(module: &[u8]) -> Result<Vec<u8>> {
    use anyhow::Context;
    wit_component::ComponentEncoder::default()
        .module(module)
        .context("reading the core module")?
        .validate(true)
        .encode()
        .context("encoding the component")
}
