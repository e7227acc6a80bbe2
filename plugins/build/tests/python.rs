//! The Python side's own tests, run with the machine's `python3` so `cargo test` (and CI) runs
//! them: the guest library against the Rust SDK's shared date vectors and its contract glue,
//! each Python example's hand-worked cases, and the `plugin new --lang python` template's tests
//! as written. On CI a missing `python3` fails these tests; elsewhere they say they skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use carecheck_plugin_build::{Lang, python};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn guest() -> PathBuf {
    root().join("plugins/guest/python")
}

/// Runs `python3 -m unittest ARGS` in `dir` with the guest library on the path; fails with
/// its output unless every test passed (and at least one ran).
fn unittest(dir: &Path, args: &[&str]) {
    let out = Command::new(python::python())
        .current_dir(dir)
        .env("PYTHONPATH", guest())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-m", "unittest"])
        .args(args)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("\nOK"),
        "python3 -m unittest in {}: {}{stderr}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("Ran 0 tests"), "{stderr}");
}

#[test]
fn the_guest_library_agrees_with_the_rust_sdk_and_keeps_the_contract() {
    if python::tests_must_run() {
        unittest(&guest(), &["discover", "-s", "tests", "-v"]);
    }
}

#[test]
fn each_python_example_passes_its_own_tests() {
    if !python::tests_must_run() {
        return;
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("plugins/examples")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join(python::MANIFEST).is_file() {
            unittest(&dir, &["-v"]);
            seen += 1;
        }
    }
    assert!(seen >= 1, "no Python example found");
}

#[test]
fn the_python_template_passes_its_own_tests_as_written() {
    if !python::tests_must_run() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let made = Lang::parse("python")
        .unwrap()
        .new_plugin("gap-check", dir.path(), Path::new("unused"))
        .unwrap();
    assert_eq!(Lang::detect(&made).unwrap(), Lang::Python);
    assert_eq!(python::plugin_id(&made).unwrap(), "gap-check");
    // The template carries its own copy of the guest library, so it runs with no PYTHONPATH.
    let out = Command::new(python::python())
        .current_dir(&made)
        .env_remove("PYTHONPATH")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-m", "unittest", "-v"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("Ran 2 tests"),
        "{stderr}"
    );
}

#[test]
fn the_embedded_guest_library_is_every_file_of_plugins_guest_python() {
    let mut on_disk: Vec<String> = std::fs::read_dir(guest().join("carecheck"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".py"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = python::GUEST.iter().map(|(n, _)| n.to_string()).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk, "add the new file to python::GUEST");
}

#[test]
fn languages_are_named_and_detected_with_clear_errors() {
    assert_eq!(Lang::parse("rust").unwrap(), Lang::Rust);
    assert_eq!(Lang::parse("python").unwrap(), Lang::Python);
    let js = Lang::parse("js").unwrap_err().to_string();
    assert!(js.contains("--lang js is not available"), "{js}");
    let dir = tempfile::tempdir().unwrap();
    let none = Lang::detect(dir.path()).unwrap_err().to_string();
    assert!(none.contains("carecheck-plugin.toml"), "{none}");
    std::fs::write(dir.path().join("policy.py"), "").unwrap();
    assert_eq!(Lang::detect(dir.path()).unwrap(), Lang::Python);
    // A Python dir without a manifest cannot be built: it says what is missing.
    let err = python::build_plugin(dir.path()).unwrap_err().to_string();
    assert!(err.contains("carecheck-plugin.toml"), "{err}");
}
