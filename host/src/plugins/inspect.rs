//! What a WebAssembly file is, read without compiling or running it: whether it is well formed
//! (wasmparser's validator, the same parser wasmtime uses), a component or a core module, what
//! its top level imports and exports, its size and digest. `carecheck plugin inspect` prints
//! this, and every upload is checked against the contract with it ([`Inspection::contract`])
//! before wasmtime compiles anything.

use serde::Serialize;
use wasmparser::{Encoding, Parser, Payload, Validator};

/// The interface every policy exports, without its version.
pub const POLICY_INTERFACE: &str = "carecheck:policy/policy";

/// The major version of the contract this host speaks: any `1.x.y` export is accepted.
pub const CONTRACT_MAJOR: u64 = 1;

/// A WebAssembly file's outline.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Inspection {
    pub size: usize,
    pub sha256: String,
    /// `component` or `core module`.
    pub kind: &'static str,
    /// The top level's imports and exports, by name (nested modules' are internal to it).
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// Reads and validates `wasm`; the error says where it is malformed.
pub fn inspect(wasm: &[u8]) -> Result<Inspection, String> {
    Validator::new()
        .validate_all(wasm)
        .map_err(|e| format!("not a well-formed WebAssembly file: {e}"))?;
    let mut inspection = Inspection {
        size: wasm.len(),
        sha256: carecheck_precompiled::sha256_hex(wasm),
        kind: "core module",
        imports: Vec::new(),
        exports: Vec::new(),
    };
    // Nested modules and components each open with a header and close with an end: only the
    // outermost level's imports and exports face the host.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("not a well-formed WebAssembly file: {e}"))?;
        match payload {
            Payload::Version { encoding, .. } => {
                depth += 1;
                if depth == 1 && encoding == Encoding::Component {
                    inspection.kind = "component";
                }
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(|e| e.to_string())?;
                    inspection.imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    inspection.exports.push(export.name.name.to_string());
                }
            }
            Payload::ImportSection(reader) if depth == 1 => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    inspection
                        .imports
                        .push(format!("{}::{}", import.module, import.name));
                }
            }
            Payload::ExportSection(reader) if depth == 1 => {
                for export in reader {
                    inspection
                        .exports
                        .push(export.map_err(|e| e.to_string())?.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(inspection)
}

impl Inspection {
    /// Whether this is a policy component by its outline: exactly the
    /// `carecheck:policy/policy@1.x.y` export, and no import at all. Each failure names what is
    /// wrong (the typed contract itself is then checked by wasmtime on load).
    pub fn contract(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.kind != "component" {
            problems.push(
                "this is a core WebAssembly module; build it as a component (plugin build, or wasm-tools component new)"
                    .to_string(),
            );
            return problems;
        }
        if !self.imports.is_empty() {
            problems.push(format!(
                "the component imports {}; a policy must import nothing (no WASI, clock, randomness or I/O)",
                self.imports.join(", ")
            ));
        }
        let policy_exports: Vec<&String> = self
            .exports
            .iter()
            .filter(|e| contract_version(e).is_some())
            .collect();
        match policy_exports.as_slice() {
            [] => problems.push(format!(
                "the component does not export {POLICY_INTERFACE}@{CONTRACT_MAJOR}.x (it exports: {})",
                listed(&self.exports)
            )),
            [one] => match contract_version(one) {
                Some(Ok(_)) => {}
                Some(Err(why)) => problems.push(why),
                None => unreachable!("filtered above"),
            },
            _ => problems.push(format!(
                "the component exports the policy interface more than once: {}",
                listed(&self.exports)
            )),
        }
        let others: Vec<&String> = self
            .exports
            .iter()
            .filter(|e| contract_version(e).is_none())
            .collect();
        if !others.is_empty() {
            problems.push(format!(
                "the component exports more than the policy world: {}",
                others
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        problems
    }
}

/// `Some(Ok(version))` for an export of the policy interface of this host's major version,
/// `Some(Err(why))` for one of another version, `None` for any other name.
fn contract_version(export: &str) -> Option<Result<semver::Version, String>> {
    let (name, version) = export.split_once('@')?;
    if name != POLICY_INTERFACE {
        return None;
    }
    Some(match semver::Version::parse(version) {
        Ok(v) if v.major == CONTRACT_MAJOR && v.pre.is_empty() => Ok(v),
        Ok(v) => Err(format!(
            "the component exports {export}, but this service speaks {POLICY_INTERFACE}@{CONTRACT_MAJOR}.x (not {v}): rebuild it against carecheck:policy@{CONTRACT_MAJOR}"
        )),
        Err(e) => Err(format!(
            "the component exports {export}: its version is not semantic ({e})"
        )),
    })
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}
