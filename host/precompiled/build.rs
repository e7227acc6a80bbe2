//! Records the wasmtime version from the workspace lock file, for cache keys and the decision log.
use std::fs;

fn main() {
    let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    println!("cargo:rerun-if-changed={lock_path}");
    let lock = fs::read_to_string(lock_path).unwrap_or_default();
    let mut lines = lock.lines();
    let mut version = String::from("unknown");
    while let Some(line) = lines.next() {
        if line == "name = \"wasmtime\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                version = v.trim_end_matches('"').to_string();
            }
            break;
        }
    }
    println!("cargo:rustc-env=WASMTIME_VERSION={version}");
}
