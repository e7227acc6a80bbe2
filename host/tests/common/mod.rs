//! What the `carecheck` binary's tests share: the workspace root and a one-plugin pack.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host lives in the workspace")
        .to_path_buf()
}

/// A pack with the review-timeliness plugin only (one plugin compiles quickly).
pub fn pack(dir: &Path) -> PathBuf {
    let plugin = root().join("target/plugins/statutory-review-timeliness.wasm");
    assert!(
        plugin.exists(),
        "{} is missing: build the plugins first with `cargo xtask plugins`",
        plugin.display()
    );
    let calendar = root().join("policies/calendars/england-and-wales.toml");
    let path = dir.join("pack.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"cli-test\"\ncalendar = {:?}\n\n[[plugins]]\npath = {:?}\n",
            calendar.display().to_string(),
            plugin.display().to_string()
        ),
    )
    .unwrap();
    path
}

/// Whether the Python plugin tests must run: always on CI (a missing Python fails them there),
/// otherwise when `python3` runs; a skip says so on standard error.
#[allow(dead_code)]
pub fn python_available() -> bool {
    if std::env::var_os("CI").is_some() {
        return true;
    }
    let runs = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        eprintln!("skipped: python3 is not installed (on CI this fails)");
    }
    runs
}
