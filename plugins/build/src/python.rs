//! Python plugins: a folder with `policy.py` and `carecheck-plugin.toml`, bundled with the
//! carecheck guest library (`plugins/guest/python/carecheck`, embedded in this crate so a
//! regulator's `carecheck plugin build` needs no checkout) into a component by
//! [componentize-py](https://github.com/bytecodealliance/componentize-py).
//!
//! Why these choices:
//! - **One pinned toolchain, installed on demand.** componentize-py ([`COMPONENTIZE_PY`]) comes
//!   from PyPI into a virtual environment of its own under the workspace's `target/python-tools`
//!   (or `CARECHECK_PYTHON_TOOLS`), created the first time a Python plugin is built, so
//!   `cargo xtask plugins`, the tests and `carecheck plugin build` share one install and one
//!   version. A file lock keeps parallel builds from installing it twice.
//!   `CARECHECK_COMPONENTIZE_PY` names an existing binary instead.
//! - **`--stub-wasi`.** CPython is built for WASI; the service links nothing, so every WASI
//!   import is replaced by a trapping stub and the component imports nothing at all (a policy
//!   that reaches for the clock, a file or the network traps and gets an `error` outcome).
//! - **Only the sources are bundled.** componentize-py bundles whole directories, so the
//!   plugin's `.py` files are copied to a staging folder first (never its `target/`, with the
//!   built component in it).
//! - **Only the contract is exported.** componentize-py's component also exports an instance of
//!   its own (`exports`); the service refuses a component exporting more than the policy world,
//!   so the built component is wrapped in one that instantiates it and re-exports only
//!   `carecheck:policy/policy@1.2.0` ([`only_policy_export`]).
//! - **Cached.** A build takes tens of seconds; the component is rebuilt only when a source,
//!   the guest library, the contract or the toolchain version changes (a digest of them all is
//!   kept beside the component).

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The componentize-py release plugins are built with.
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The file that marks a Python plugin and names its policy.
pub const MANIFEST: &str = "carecheck-plugin.toml";

/// The module a Python plugin's policy lives in.
pub const MODULE: &str = "policy.py";

/// The guest library, as `plugin new` writes it and every build bundles it.
pub const GUEST: [(&str, &str); 9] = [
    (
        "__init__.py",
        include_str!("../../guest/python/carecheck/__init__.py"),
    ),
    (
        "component.py",
        include_str!("../../guest/python/carecheck/component.py"),
    ),
    (
        "dates.py",
        include_str!("../../guest/python/carecheck/dates.py"),
    ),
    (
        "guest.py",
        include_str!("../../guest/python/carecheck/guest.py"),
    ),
    (
        "outcome.py",
        include_str!("../../guest/python/carecheck/outcome.py"),
    ),
    (
        "packed.py",
        include_str!("../../guest/python/carecheck/packed.py"),
    ),
    (
        "record.py",
        include_str!("../../guest/python/carecheck/record.py"),
    ),
    (
        "settings.py",
        include_str!("../../guest/python/carecheck/settings.py"),
    ),
    (
        "testing.py",
        include_str!("../../guest/python/carecheck/testing.py"),
    ),
];

/// The contract, embedded so a build needs no checkout.
const WIT: &str = include_str!("../../wit/policy.wit");

/// The Python interpreter that creates the toolchain's environment (`PYTHON`, else `python3`).
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether the tests of Python plugins must run here: always on CI (where a missing Python is a
/// failure, not a skip), otherwise when [`python`] runs; a skip says so on standard error. One
/// answer for every test crate that builds or runs Python plugins.
pub fn tests_must_run() -> bool {
    if std::env::var_os("CI").is_some() {
        return true;
    }
    let runs = Command::new(python())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        eprintln!(
            "skipped: {} does not run, so Python plugins cannot be built or tested here (on CI this fails)",
            python()
        );
    }
    runs
}

/// Where the toolchain is installed: `CARECHECK_PYTHON_TOOLS`, else `python-tools` in the
/// workspace's target directory (`CARGO_TARGET_DIR` when set), else, for a binary moved away
/// from its checkout, the user's cache directory.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARECHECK_PYTHON_TOOLS") {
        return PathBuf::from(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if workspace.join("Cargo.toml").is_file() {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target"));
        return target.join("python-tools");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("carecheck/python-tools")
}

/// The componentize-py binary, installing the pinned version first if it is missing.
pub fn componentize_py() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("CARECHECK_COMPONENTIZE_PY") {
        return Ok(PathBuf::from(bin));
    }
    let dir = tools_dir();
    let venv = dir.join(format!("componentize-py-{COMPONENTIZE_PY}"));
    let bin = venv.join("bin/componentize-py");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let lock = File::create(dir.join("install.lock"))
        .with_context(|| format!("creating {}", dir.join("install.lock").display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", dir.display()))?;
    if installed(&bin) {
        return Ok(bin);
    }
    eprintln!(
        "installing componentize-py {COMPONENTIZE_PY} into {} (once)",
        venv.display()
    );
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .with_context(|| format!("removing the broken {}", venv.display()))?;
    }
    let python = python();
    super::rust::run(Command::new(&python).args(["-m", "venv"]).arg(&venv)).with_context(|| {
        format!("creating a Python virtual environment with {python} (Python 3.9 or later with venv is needed to build Python plugins)")
    })?;
    super::rust::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("componentize-py=={COMPONENTIZE_PY}")),
    )
    .context("installing componentize-py from PyPI")?;
    if !installed(&bin) {
        bail!(
            "{} does not report version {COMPONENTIZE_PY} after installing it",
            bin.display()
        );
    }
    Ok(bin)
}

fn installed(bin: &Path) -> bool {
    Command::new(bin).arg("--version").output().is_ok_and(|o| {
        o.status.success()
            && String::from_utf8_lossy(&o.stdout).trim()
                == format!("componentize-py {COMPONENTIZE_PY}")
    })
}

/// The policy id a Python plugin's manifest names (`[plugin] id`).
pub fn plugin_id(dir: &Path) -> Result<String> {
    let manifest = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest).with_context(|| {
        format!(
            "reading {} (a Python plugin names its id there)",
            manifest.display()
        )
    })?;
    let value: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not TOML", manifest.display()))?;
    let plugin = value.get("plugin").and_then(|p| p.as_table());
    if let Some(lang) = plugin.and_then(|p| p.get("lang")).and_then(|l| l.as_str())
        && lang != "python"
    {
        bail!(
            "{} says lang = {lang:?}; only \"python\" builds here",
            manifest.display()
        );
    }
    plugin
        .and_then(|p| p.get("id"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no [plugin] id", manifest.display()))
}

/// The plugin's Python sources, by path relative to `dir`: every `.py` file outside `target/`,
/// hidden folders and `__pycache__`.
fn sources(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if !(name.starts_with('.') || name == "target" || name == "__pycache__") {
                    walk(root, &path, out)?;
                }
            } else if name.ends_with(".py") {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                out.insert(
                    path.strip_prefix(root).expect("under root").to_path_buf(),
                    bytes,
                );
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out)?;
    if !out.contains_key(Path::new(MODULE)) {
        bail!(
            "{} has no {MODULE}: a Python plugin's policy lives there",
            dir.display()
        );
    }
    Ok(out)
}

/// Writes `bytes` to `path` unless it already holds them.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Builds the Python plugin in `dir` into `dir/target/<id>.wasm`.
pub fn build_plugin(dir: &Path) -> Result<PathBuf> {
    let id = plugin_id(dir)?;
    let out = dir.join("target").join(format!("{id}.wasm"));
    build_into(dir, &out)?;
    Ok(out)
}

/// Builds the Python plugin in `dir` into the component `out`, unless `out` was built from the
/// same sources, guest library, contract and toolchain already.
pub fn build_into(dir: &Path, out: &Path) -> Result<()> {
    let app = sources(dir)?;
    // componentize-py runs in the staging folder, so every path it is given is absolute.
    let out = &std::path::absolute(out).with_context(|| format!("{}", out.display()))?;
    let mut hasher = DefaultHasher::new();
    (COMPONENTIZE_PY, WIT, GUEST, &app).hash(&mut hasher);
    let digest = format!("{:016x}", hasher.finish());
    let stamp = out.with_extension("wasm.inputs");
    if out.is_file() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(digest.as_str()) {
        return Ok(());
    }
    let stage = out.with_extension("python");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).with_context(|| format!("clearing {}", stage.display()))?;
    }
    for (path, bytes) in &app {
        write_if_changed(&stage.join("app").join(path), bytes)?;
    }
    for (name, text) in GUEST {
        write_if_changed(&stage.join("guest/carecheck").join(name), text.as_bytes())?;
    }
    write_if_changed(&stage.join("wit/policy.wit"), WIT.as_bytes())?;
    let tool = componentize_py()?;
    let partial = out.with_extension("wasm.partial");
    // The plugin's own folder comes first, so a plugin that vendors the guest library (as
    // `plugin new` writes it) is built with the copy its tests ran against.
    let status = Command::new(&tool)
        .current_dir(&stage)
        .env_remove("VIRTUAL_ENV")
        .arg("--quiet")
        .arg("-d")
        .arg(stage.join("wit"))
        .args([
            "-w",
            "plugin",
            "componentize",
            "carecheck.component",
            "--stub-wasi",
        ])
        .arg("-p")
        .arg(stage.join("app"))
        .arg("-p")
        .arg(stage.join("guest"))
        .arg("-o")
        .arg(&partial)
        .status()
        .with_context(|| format!("running {}", tool.display()))?;
    if !status.success() {
        bail!(
            "componentize-py could not build {} ({status}); its message is above",
            dir.display()
        );
    }
    let built =
        std::fs::read(&partial).with_context(|| format!("reading {}", partial.display()))?;
    let wrapped = only_policy_export(&built).with_context(|| {
        format!(
            "wrapping the component componentize-py built for {}",
            dir.display()
        )
    })?;
    std::fs::write(out, wrapped).with_context(|| format!("writing {}", out.display()))?;
    std::fs::remove_file(&partial).with_context(|| format!("removing {}", partial.display()))?;
    std::fs::write(&stamp, digest).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(())
}

/// The interface a Python plugin exports.
pub const POLICY_EXPORT: &str = "carecheck:policy/policy@1.2.0";

/// A component that instantiates `component` (which must import nothing) and exports only its
/// [`POLICY_EXPORT`] instance, validated.
pub fn only_policy_export(component: &[u8]) -> Result<Vec<u8>> {
    use wasm_encoder::{
        Alias, ComponentAliasSection, ComponentExportKind, ComponentExportSection,
        ComponentInstanceSection, ComponentSectionId, RawSection,
    };
    let mut outer = wasm_encoder::Component::new();
    outer.section(&RawSection {
        id: ComponentSectionId::Component.into(),
        data: component,
    });
    let mut instances = ComponentInstanceSection::new();
    instances.instantiate(0, Vec::<(&str, ComponentExportKind, u32)>::new());
    outer.section(&instances);
    let mut aliases = ComponentAliasSection::new();
    aliases.alias(Alias::InstanceExport {
        instance: 0,
        kind: ComponentExportKind::Instance,
        name: POLICY_EXPORT,
    });
    outer.section(&aliases);
    let mut exports = ComponentExportSection::new();
    exports.export(POLICY_EXPORT, ComponentExportKind::Instance, 1, None);
    outer.section(&exports);
    let bytes = outer.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&bytes)
        .context("validating the wrapped component")?;
    Ok(bytes)
}

/// Writes a new Python plugin `name` at `root`: the policy, its tests, sample records, the
/// manifest, and a copy of the guest library, so `python3 -m unittest` runs there as written.
pub fn template(name: &str, root: &Path) -> Result<()> {
    let fill = |text: &str| text.replace("__NAME__", name);
    std::fs::create_dir_all(root.join("carecheck"))
        .with_context(|| format!("creating {}", root.display()))?;
    for (path, text) in [
        (
            MANIFEST,
            include_str!("templates/python/carecheck-plugin.toml.in"),
        ),
        (MODULE, include_str!("templates/python/policy.py.in")),
        (
            "test_policy.py",
            include_str!("templates/python/test_policy.py.in"),
        ),
        (
            "records.ndjson",
            include_str!("templates/rust/records.ndjson"),
        ),
        (".gitignore", "/target\n__pycache__/\n"),
    ] {
        let file = root.join(path);
        std::fs::write(&file, fill(text)).with_context(|| format!("writing {}", file.display()))?;
    }
    for (name, text) in GUEST {
        let file = root.join("carecheck").join(name);
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}
