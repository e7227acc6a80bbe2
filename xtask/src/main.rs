//! Project tasks, so a fresh machine with only Rust installed needs nothing else:
//!
//! - `cargo xtask plugins [CRATE...]`: add the wasm32 target if missing, build every policy crate under
//!   `plugins/policies/` and `plugins/examples/` for `wasm32-unknown-unknown`, and turn each
//!   core module into a component in `target/plugins/<crate>.wasm`; and every Python plugin
//!   there (a folder with a `carecheck-plugin.toml`) into `target/plugins/<id>.wasm` with
//!   componentize-py, installed into `target/python-tools/` the first time;
//! - `cargo xtask demo [ARGS]`: build the plugins, then `carecheck demo ARGS`;
//! - `cargo xtask test [ARGS]`: build the plugins, install what the tests need when it is
//!   missing (Python's aiosmtpd, for the delivery tests' real SMTP server; Debian's `chromium`,
//!   `chromium-driver` and `poppler-utils` with apt-get, as root, and axe-core from npm into
//!   `target/browser-tools/`, for the browser tests), then `cargo test --workspace ARGS`;
//! - `cargo xtask bench`: build the plugins, then the pack and import benchmarks
//!   (`tests/benches/`), then, when `../shared/bench/peer903.sh` is beside the checkout,
//!   carecheck's production build side by side with the analysts' own SSDA903 validator on the
//!   shared return (the peer is installed with pip into `target/peer903/`; `CARECHECK_BENCH_PEER_RUNS`
//!   pairs, default 3).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use carecheck_plugin_build::python;
use carecheck_plugin_build::rust::{self, cargo, run};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = workspace_root();
    match task.as_str() {
        "plugins" => build_plugins(&root, &rest).map(|_| ()),
        "demo" => {
            build_plugins(&root, &[])?;
            run(Command::new(cargo())
                .current_dir(&root)
                .args([
                    "run",
                    "--release",
                    "--package",
                    "carecheck",
                    "--bin",
                    "carecheck",
                    "--",
                    "demo",
                ])
                .args(&rest))
        }
        "test" => {
            build_plugins(&root, &[])?;
            ensure_aiosmtpd()?;
            browser_tools(&root);
            run(Command::new(cargo())
                .current_dir(&root)
                .args(["test", "--workspace"])
                .args(&rest))
        }
        "bench" => {
            build_plugins(&root, &[])?;
            run(Command::new(cargo())
                .current_dir(&root)
                .args([
                    "bench",
                    "--package",
                    "carecheck-tests",
                    "--bench",
                    "pack",
                    "--bench",
                    "import",
                ])
                .args(&rest))?;
            peer(&root)
        }
        _ => bail!("usage: cargo xtask <plugins|demo|test|bench> [ARGS]"),
    }
}

/// carecheck against the analysts' own validator on the shared SSDA903 return, with the shared
/// script (it installs the peer, alternates the two and prints medians and the pair-by-pair
/// ratio). Skipped, saying so, where the shared material is not beside the checkout.
fn peer(root: &Path) -> Result<()> {
    let script = root.join("../shared/bench/peer903.sh");
    if !script.is_file() {
        eprintln!(
            "{} is missing: the comparison with the SSDA903 validator was NOT run",
            script.display()
        );
        return Ok(());
    }
    run(Command::new(cargo()).current_dir(root).args([
        "build",
        "--profile",
        "production",
        "--package",
        "carecheck",
        "--bin",
        "carecheck",
    ]))?;
    let runs = std::env::var("CARECHECK_BENCH_PEER_RUNS").unwrap_or_else(|_| "3".into());
    run(Command::new("bash")
        .current_dir(root)
        .env("RUNS", runs)
        .env("CARECHECK", root.join("target/production/carecheck"))
        .arg(&script)
        .arg(root.join("target/peer903")))
}

/// Installs aiosmtpd with pip unless python3 can already import it. On CI a failure here
/// fails the task; elsewhere it is reported and the delivery tests say they did not run.
fn ensure_aiosmtpd() -> Result<()> {
    let importable = || {
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if importable() {
        return Ok(());
    }
    eprintln!("installing aiosmtpd for the delivery tests: python3 -m pip install aiosmtpd");
    for extra in [&[][..], &["--break-system-packages"][..]] {
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
            .args(extra)
            .status();
        if importable() {
            return Ok(());
        }
    }
    if std::env::var_os("CI").is_some() {
        bail!(
            "aiosmtpd could not be installed (python3 -m pip install aiosmtpd): the delivery tests need it"
        );
    }
    eprintln!("aiosmtpd could not be installed: the delivery tests will not run");
    Ok(())
}

/// The axe-core release the accessibility checks run (pinned: a new rule set is a change to review).
const AXE_CORE: &str = "axe-core@4.10.3";

/// Installs what the browser tests need when it is missing and the machine allows it. A step
/// that fails only warns: the browser tests themselves then fail on CI (and say why) or are
/// skipped on a developer's machine.
fn browser_tools(root: &Path) {
    let on_path = |program: &str| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join(program).is_file())
        })
    };
    let mut packages: Vec<&str> = Vec::new();
    for (program, package) in [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        ("pdfinfo", "poppler-utils"),
        ("pdftotext", "poppler-utils"),
        ("pdftoppm", "poppler-utils"),
    ] {
        if !on_path(program) && !packages.contains(&package) {
            packages.push(package);
        }
    }
    if !packages.is_empty() {
        let root_user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if on_path("apt-get") && root_user {
            eprintln!("installing {} for the browser tests", packages.join(", "));
            let installed = run(Command::new("apt-get").args(["update", "-q"])).and_then(|()| {
                run(Command::new("apt-get")
                    .args(["install", "-y", "-q", "--no-install-recommends"])
                    .args(&packages)
                    .env("DEBIAN_FRONTEND", "noninteractive"))
            });
            if let Err(e) = installed {
                eprintln!("warning: could not install {}: {e:#}", packages.join(", "));
            }
        } else {
            eprintln!(
                "warning: the browser tests need {} (apt-get install, as root)",
                packages.join(", ")
            );
        }
    }
    let tools = root.join("target/browser-tools");
    if !tools.join("node_modules/axe-core/axe.min.js").is_file() {
        let installed = std::fs::create_dir_all(&tools)
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                run(Command::new("npm")
                    .args(["install", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&tools)
                    .arg(AXE_CORE))
            });
        if let Err(e) = installed {
            eprintln!("warning: could not install {AXE_CORE} from npm: {e:#}");
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Builds the named plugin crates (all of them when `only` is empty) and returns the component paths.
fn build_plugins(root: &Path, only: &[String]) -> Result<Vec<PathBuf>> {
    rust::ensure_target()?;
    let mut crates = Vec::new();
    let mut python_dirs = Vec::new();
    for dir in ["plugins/policies", "plugins/examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            let name = path
                .file_name()
                .expect("directory name")
                .to_string_lossy()
                .into_owned();
            if path.join("Cargo.toml").exists() {
                crates.push(name);
            } else if path.join(python::MANIFEST).exists() {
                python_dirs.push((name, path));
            }
        }
    }
    crates.retain(|c| only.is_empty() || only.contains(c));
    crates.sort();
    python_dirs.retain(|(c, _)| only.is_empty() || only.contains(c));
    python_dirs.sort();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut build = Command::new(cargo());
    build
        .current_dir(root)
        .args(["build", "--profile", "plugin", "--target", rust::TARGET]);
    for name in &crates {
        build.args(["--package", name]);
    }
    // With no crate to build (only Python plugins asked for), `cargo build` would build the
    // whole workspace for wasm32.
    if !crates.is_empty() {
        run(&mut build)?;
    }
    let out_dir = root.join("target/plugins");
    std::fs::create_dir_all(&out_dir)?;
    let mut components = Vec::new();
    for name in &crates {
        let out = out_dir.join(format!("{name}.wasm"));
        rust::componentize_module(&rust::module_path(&target_dir, "plugin", name), &out)
            .with_context(|| name.clone())?;
        components.push(out);
    }
    // Without Python a developer can still build and test everything else; on CI a missing
    // Python is an error (the build below fails saying why).
    let no_python = Command::new(python::python())
        .arg("--version")
        .output()
        .map_or(true, |o| !o.status.success());
    if !python_dirs.is_empty() && no_python && std::env::var_os("CI").is_none() {
        eprintln!(
            "skipping the Python plugins ({}): python3 is not installed (on CI this is an error)",
            python_dirs
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        python_dirs.clear();
    }
    // Python plugins: one componentize-py (installed once under target/python-tools), each
    // component rebuilt only when its sources, the guest library or the toolchain change.
    for (name, dir) in &python_dirs {
        let id = python::plugin_id(dir)?;
        let out = out_dir.join(format!("{id}.wasm"));
        python::build_into(dir, &out).with_context(|| name.clone())?;
        components.push(out);
    }
    eprintln!(
        "built {} plugin components in {}",
        components.len(),
        out_dir.display()
    );
    Ok(components)
}
