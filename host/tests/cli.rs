//! The `carecheck` binary as a script runs it: exit statuses and what it prints.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::pack;

fn carecheck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carecheck"))
        .current_dir(dir)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("cli.db").display()),
        )
        .env("CARECHECK_DATA_DIR", dir.join("data"))
        .env("CARECHECK_PACK", pack(dir))
        .env_remove("CARECHECK_CONFIG")
        .args(args)
        .output()
        .expect("the carecheck binary runs")
}

fn record(id: &str) -> String {
    serde_json::json!({
        "child": {"id": id, "responsible_authority": "E10000001", "date_of_birth": "2014-06-30"},
        "periods_of_care": [{"episodes": [{"start": "2024-01-02", "placement_id": "P1"}]}],
        "placements": [{"id": "P1", "start": "2024-01-02"}],
        "reviews": [{"date": "2024-01-25"}]
    })
    .to_string()
}

#[test]
fn load_exits_non_zero_and_names_the_line_when_it_rejects_a_record() {
    let dir = tempfile::tempdir().unwrap();
    // Line 2 is not a care record (no child), line 4 is not JSON; lines 1 and 3 are good.
    let file = dir.path().join("records.ndjson");
    std::fs::write(
        &file,
        format!(
            "{}\n{{\"reviews\": []}}\n{}\n{{not json\n",
            record("C1"),
            record("C2")
        ),
    )
    .unwrap();
    let out = carecheck(dir.path(), &["load", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("line 2: invalid at"), "{stderr}");
    assert!(stderr.contains("line 4: not valid JSON"), "{stderr}");
    assert!(
        stderr.contains("2 records written, 2 lines rejected"),
        "{stderr}"
    );

    // The same good lines alone: everything done (both unchanged), exit 0.
    std::fs::write(&file, format!("{}\n{}\n", record("C1"), record("C2"))).unwrap();
    let out = carecheck(dir.path(), &["load", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("2 records written, 0 lines rejected"),
        "{stderr}"
    );
}

#[test]
fn a_failed_command_exits_one_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = carecheck(dir.path(), &["token", "revoke", "0123456789abcdef"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no active token 0123456789abcdef"),
        "{stderr}"
    );
}

#[test]
fn prune_says_what_it_would_remove_and_refuses_a_retention_below_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let out = carecheck(dir.path(), &["prune", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["runs_removed"], 0);
    assert_eq!(report["audit_entries_removed"], 0);

    let out = Command::new(env!("CARGO_BIN_EXE_carecheck"))
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("cli.db").display()),
        )
        .env("CARECHECK_RETENTION__AUDIT_LOG_DAYS", "30")
        .env_remove("CARECHECK_CONFIG")
        .args(["prune"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("retention.audit_log_days must be at least 365"),
        "{stderr}"
    );
}
