//! Rust plugins: cargo for `wasm32-unknown-unknown`, then [`super::componentize`].

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The target Rust plugins build for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// The cargo to run: the one running us, if any.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command, failing with its status.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// Adds the wasm32 target with rustup if it is not installed.
pub fn ensure_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (needed to add the wasm32-unknown-unknown target)")?;
    if !String::from_utf8_lossy(&installed.stdout).contains(TARGET) {
        run(Command::new("rustup").args(["target", "add", TARGET]))?;
    }
    Ok(())
}

/// Where cargo leaves a crate's core module.
pub fn module_path(target_dir: &Path, profile: &str, crate_name: &str) -> PathBuf {
    target_dir
        .join(TARGET)
        .join(profile)
        .join(format!("{}.wasm", crate_name.replace('-', "_")))
}

/// Turns a crate's built core module into a component at `out`, rewriting it only when its
/// bytes change.
pub fn componentize_module(module_path: &Path, out: &Path) -> Result<()> {
    let module =
        std::fs::read(module_path).with_context(|| format!("reading {}", module_path.display()))?;
    let component =
        super::componentize(&module).with_context(|| format!("{}", module_path.display()))?;
    if std::fs::read(out).ok().as_deref() != Some(component.as_slice()) {
        std::fs::write(out, &component).with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// The package name in a crate's Cargo.toml.
fn package_name(dir: &Path) -> Result<String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let value: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not TOML", manifest.display()))?;
    value
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no package name", manifest.display()))
}

/// Builds the plugin crate in `dir` (release, for wasm32) and writes its component to
/// `<target>/<name>.wasm`, where `<target>` is `CARGO_TARGET_DIR` or `dir/target`.
pub fn build_plugin(dir: &Path) -> Result<PathBuf> {
    ensure_target()?;
    let name = package_name(dir)?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    run(Command::new(cargo())
        .current_dir(dir)
        .args(["build", "--release", "--target", TARGET, "--target-dir"])
        .arg(&target_dir))?;
    let out = target_dir.join(format!("{name}.wasm"));
    componentize_module(&module_path(&target_dir, "release", &name), &out)?;
    Ok(out)
}

/// Writes a new Rust plugin crate `name` at `root`, depending on the SDK at `sdk`.
pub fn template(name: &str, root: &Path, sdk: &Path) -> Result<()> {
    let sdk = match std::fs::canonicalize(sdk) {
        Ok(sdk) if sdk.join("Cargo.toml").is_file() => sdk,
        _ => bail!(
            "{} is not the carecheck SDK (no Cargo.toml there): pass --sdk PATH to carecheck's plugins/sdk",
            sdk.display()
        ),
    };
    let sdk = sdk.display().to_string();
    let fill = |text: &str| text.replace("__NAME__", name).replace("__SDK__", &sdk);
    std::fs::create_dir_all(root.join("src"))
        .with_context(|| format!("creating {}", root.display()))?;
    for (path, text) in [
        ("Cargo.toml", include_str!("templates/rust/Cargo.toml.in")),
        ("src/lib.rs", include_str!("templates/rust/lib.rs.in")),
        (
            "records.ndjson",
            include_str!("templates/rust/records.ndjson"),
        ),
        (".gitignore", "/target\n"),
    ] {
        let file = root.join(path);
        std::fs::write(&file, fill(text)).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}
