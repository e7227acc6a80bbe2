//! The `carecheck` binary as a script runs it: exit statuses and what it prints.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use carecheck::regulators::keys;
use common::pack;
use serde_json::{Value, json};

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

/// A pack with the review-timeliness plugin only, named as the policy `named`, and the second
/// review due 2 months (not the regulation's 3) after the first.
fn pack_naming(dir: &Path, named: &str) -> String {
    let root = common::root();
    let path = dir.join(format!("{named}.toml"));
    std::fs::write(
        &path,
        format!(
            "name = \"named\"\ncalendar = {:?}\n\n[[plugins]]\npath = {:?}\npolicy = {named:?}\n\
             [plugins.settings]\nsecond_review_months = 2\n",
            root.join("policies/calendars/england-and-wales.toml")
                .display()
                .to_string(),
            root.join("target/plugins/statutory-review-timeliness.wasm")
                .display()
                .to_string(),
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// The stored "next review due" of child C1.
fn next_review_due(dir: &Path) -> Option<String> {
    let url = format!("sqlite://{}", dir.join("cli.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = carecheck::store::Store::open(&url, 1).await.unwrap();
        sqlx::query_scalar("SELECT next_review_due FROM children WHERE child_id = 'C1'")
            .fetch_one(store.pool())
            .await
            .unwrap()
    })
}

/// Whether anything has been compiled into the data directory's plugin cache.
fn compiled_anything(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("data/compiled")).is_ok_and(|mut files| files.next().is_some())
}

#[test]
fn a_command_that_runs_no_policy_compiles_none_when_the_pack_names_its_policies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("records.ndjson");
    std::fs::write(&file, format!("{}\n", record("C1"))).unwrap();
    let named = pack_naming(dir.path(), "statutory-review-timeliness");
    let out = carecheck(
        dir.path(),
        &["--pack", &named, "load", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!compiled_anything(dir.path()), "load compiled a plugin");
    // The due date follows the pack's own setting, read without running the plugin: C1's
    // first review was held on Thursday 25 January 2024, so the second is due two calendar
    // months later, on Monday 25 March 2024 (three months, the regulation's figure, would
    // give 25 April).
    assert_eq!(next_review_due(dir.path()).as_deref(), Some("2024-03-25"));

    // A command that evaluates compiles what it runs, and checks the name the pack gave it.
    let as_of = ["check", "--as-of", "2024-02-01"];
    let out = carecheck(dir.path(), &[&["--pack", &named][..], &as_of].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(compiled_anything(dir.path()), "check compiled nothing");
    let misnamed = pack_naming(dir.path(), "sdq");
    fails_saying(
        dir.path(),
        &[&["--pack", &misnamed][..], &as_of].concat(),
        "the pack names this plugin \"sdq\", but it describes itself otherwise",
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

/// The regulator's example policy, as built by `cargo xtask plugins`.
fn example(name: &str) -> Vec<u8> {
    std::fs::read(common::root().join(format!("target/plugins/{name}.wasm")))
        .expect("the example plugins are built by `cargo xtask plugins`")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs the binary and asserts its exit status; its standard output.
fn expect(dir: &Path, args: &[&str], code: i32) -> String {
    let out = carecheck(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs the binary, expecting it to fail (exit 1) saying `says`.
fn fails_saying(dir: &Path, args: &[&str], says: &str) {
    let out = carecheck(dir, args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn an_author_makes_keys_signs_inspects_tests_and_benches_a_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("regulator.key");
    let key_arg = key.to_str().unwrap();
    let public = expect(d, &["plugin", "keygen", "--out", key_arg], 0);
    assert_eq!(public.trim(), format!("{key_arg}.pub"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is the owner's alone");
    }
    fails_saying(
        d,
        &["plugin", "keygen", "--out", key_arg],
        "never overwrites",
    );

    // Signed: FILE.wasm.sig holds the signature over the exact bytes.
    let wasm = d.join("gap.wasm");
    std::fs::write(&wasm, example("inspectorate")).unwrap();
    let wasm_arg = wasm.to_str().unwrap();
    let sig = expect(d, &["plugin", "sign", wasm_arg, "--key", key_arg], 0);
    assert_eq!(sig.trim(), format!("{wasm_arg}.sig"));
    let signature = keys::parse_signature(&std::fs::read(sig.trim()).unwrap()).unwrap();
    let verifying = keys::parse_public(&std::fs::read_to_string(public.trim()).unwrap()).unwrap();
    assert!(keys::verifies(
        &verifying,
        &std::fs::read(&wasm).unwrap(),
        &signature
    ));

    // Inspected: what it is, and that the service would take it.
    let report: Value =
        serde_json::from_str(&expect(d, &["plugin", "inspect", wasm_arg], 0)).unwrap();
    assert_eq!(report["kind"], "component");
    assert_eq!(report["imports"], json!([]));
    assert_eq!(report["exports"], json!(["carecheck:policy/policy@1.2.0"]));
    assert_eq!(report["metadata"]["id"], "inspectorate-review-gap");
    assert_eq!(report["problems"], json!([]));
    assert_eq!(
        report["sha256"],
        carecheck_precompiled::sha256_hex(&std::fs::read(&wasm).unwrap())
    );
    let core = d.join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let report: Value = serde_json::from_str(&expect(
        d,
        &["plugin", "inspect", core.to_str().unwrap()],
        3,
    ))
    .unwrap();
    assert!(
        report["problems"][0]
            .as_str()
            .unwrap()
            .contains("core WebAssembly module"),
        "{report}"
    );

    // Tested over records: one NDJSON line per result, with the fuel it took.
    let records = d.join("records.ndjson");
    std::fs::write(&records, format!("{}\n\n{}\n", record("C1"), record("C2"))).unwrap();
    let records_arg = records.to_str().unwrap();
    let test = [
        "plugin",
        "test",
        wasm_arg,
        "--records",
        records_arg,
        "--as-of",
        "2026-11-23",
    ];
    let lines: Vec<Value> = expect(d, &test, 0)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["child_id"], "C1");
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[0]["check"], "review-gap");
    assert_eq!(lines[0]["status"], "warning");
    assert!(lines[0]["fuel"].as_u64().unwrap() > 0);
    let mut strict = test.to_vec();
    strict.extend(["--settings", "{\"max_gap_days\": 0}"]);
    fails_saying(d, &strict, "the plugin rejects the settings");
    // A failing policy: its error lines, and exit 3.
    let faulty = d.join("faulty.wasm");
    std::fs::write(&faulty, example("faulty")).unwrap();
    let test = [
        "plugin",
        "test",
        faulty.to_str().unwrap(),
        "--records",
        records_arg,
        "--as-of",
        "2026-11-23",
    ];
    let out = expect(d, &test, 3);
    assert!(
        out.contains("\"status\":\"error\"") && out.contains("trapped"),
        "{out}"
    );

    // Benchmarked over the demo generator's children.
    let bench = expect(
        d,
        &[
            "plugin",
            "bench",
            wasm_arg,
            "--children",
            "3",
            "--iterations",
            "2",
        ],
        0,
    );
    let bench: Value = serde_json::from_str(&bench).unwrap();
    assert_eq!(bench["evaluations"], 6);
    assert_eq!(bench["errors"], 0);
    assert!(bench["fuel"]["max"].as_f64().unwrap() > 0.0, "{bench}");
    assert!(
        bench["time_us"]["median"].as_f64().unwrap() > 0.0,
        "{bench}"
    );
}

#[test]
fn an_operator_registers_a_regulator_and_an_admin_enables_its_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("team.key");
    expect(d, &["plugin", "keygen", "--out", key.to_str().unwrap()], 0);
    let public = format!("{}.pub", key.display());
    let key_id = expect(
        d,
        &["regulator", "add", "inspectorate-team", "--key", &public],
        0,
    );
    let private = std::fs::read_to_string(&key).unwrap();
    let signing = keys::parse_private(&private).unwrap();
    assert_eq!(key_id.trim(), keys::key_id(&signing.verifying_key()));
    fails_saying(
        d,
        &["regulator", "add", "another-team", "--key", &public],
        "already registered, to regulator \"inspectorate-team\"",
    );
    let listed: Value = serde_json::from_str(expect(d, &["regulator", "list"], 0).trim()).unwrap();
    assert_eq!(listed["name"], "inspectorate-team");
    assert_eq!(listed["keys"][0]["id"], key_id.trim());

    // A regulator token acts for one registered regulator.
    fails_saying(
        d,
        &["token", "create", "--role", "regulator"],
        "needs --regulator NAME",
    );
    fails_saying(
        d,
        &[
            "token",
            "create",
            "--role",
            "regulator",
            "--regulator",
            "nobody",
        ],
        "no regulator \"nobody\" is registered",
    );
    let token = expect(
        d,
        &[
            "token",
            "create",
            "--role",
            "regulator",
            "--regulator",
            "inspectorate-team",
        ],
        0,
    );
    assert!(token.starts_with("cc_"), "{token}");

    // Published through the same service the API uses, on the same database.
    let wasm = example("inspectorate");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = carecheck::config::Config {
            database_url: format!("sqlite://{}", d.join("cli.db").display()),
            pack: common::pack(d),
            data_dir: d.join("data"),
            ..Default::default()
        };
        let state = carecheck::AppState::build(config).await.unwrap();
        let upload = carecheck::catalog::Upload {
            regulator: "inspectorate-team",
            signature: Some(keys::sign(&signing, &wasm).to_vec()),
            component: wasm.clone(),
        };
        let published = carecheck::catalog::upload(
            &state.store,
            &state.policies,
            5,
            upload,
            &carecheck::access::Actor::operator("test"),
        )
        .await
        .unwrap();
        assert!(published.created);
    });
    let versions = expect(d, &["plugin", "list"], 0);
    assert!(
        versions.contains("\"policy_id\":\"inspectorate-review-gap\""),
        "{versions}"
    );

    // Enabled, listed, refused for a version never published, disabled.
    let enable = [
        "plugin",
        "enable",
        "inspectorate-review-gap@7.3.11",
        "--authority",
        "E10000001",
        "--settings",
        "{\"max_gap_days\": 100}",
    ];
    let enabled: Value = serde_json::from_str(expect(d, &enable, 0).trim()).unwrap();
    assert_eq!(enabled["settings"], json!({"max_gap_days": 100}));
    fails_saying(
        d,
        &[
            "plugin",
            "enable",
            "inspectorate-review-gap@9.9.9",
            "--authority",
            "E10000001",
        ],
        "inspectorate-review-gap@9.9.9 is not published",
    );
    let mut bad_settings = enable.to_vec();
    bad_settings[6] = "{\"max_gap_days\": 0}";
    fails_saying(
        d,
        &bad_settings,
        "/settings max_gap_days must be between 1 and 366",
    );
    let listed = expect(d, &["plugin", "enablements", "--authority", "E10000001"], 0);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let disable = [
        "plugin",
        "disable",
        "inspectorate-review-gap",
        "--authority",
        "E10000001",
    ];
    expect(d, &disable, 0);
    fails_saying(d, &disable, "is not enabled for E10000001");

    // The key is revoked once; then it is no longer current.
    let revoke = [
        "regulator",
        "revoke-key",
        "inspectorate-team",
        "--key",
        public.as_str(),
    ];
    expect(d, &revoke, 0);
    fails_saying(d, &revoke, "has no current key");
}

#[test]
fn plugin_new_writes_a_template_that_builds_and_passes_its_own_tests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dir_arg = d.to_str().unwrap();
    let new = [
        "plugin",
        "new",
        "my-policy",
        "--lang",
        "rust",
        "--dir",
        dir_arg,
    ];
    let made = expect(d, &new, 0);
    let crate_dir = Path::new(made.trim());
    assert_eq!(crate_dir, d.join("my-policy"));
    fails_saying(d, &new, "never overwrites");
    fails_saying(
        d,
        &["plugin", "new", "My Policy", "--dir", dir_arg],
        "cannot be a policy id",
    );
    fails_saying(
        d,
        &[
            "plugin",
            "new",
            "js-policy",
            "--lang",
            "js",
            "--dir",
            dir_arg,
        ],
        "--lang js is not available",
    );

    // Built where repeated runs can reuse the compiled SDK.
    let target = common::root().join("target/plugin-template");
    let build = Command::new(env!("CARGO_BIN_EXE_carecheck"))
        .current_dir(d)
        .env("CARGO_TARGET_DIR", &target)
        .args(["plugin", "build", crate_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", text(&build.stderr));
    let component = text(&build.stdout).lines().last().unwrap().to_string();
    assert_eq!(Path::new(&component), target.join("my-policy.wasm"));

    // Its own unit tests pass as written.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tests = Command::new(cargo)
        .current_dir(crate_dir)
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "--quiet"])
        .output()
        .unwrap();
    assert!(
        tests.status.success(),
        "{}{}",
        text(&tests.stdout),
        text(&tests.stderr)
    );

    // The component is a policy the service would take, named by the template, and its sample
    // records evaluate without an error.
    let report: Value =
        serde_json::from_str(&expect(d, &["plugin", "inspect", &component], 0)).unwrap();
    assert_eq!(report["metadata"]["id"], "my-policy");
    assert_eq!(report["problems"], json!([]));
    let records = crate_dir.join("records.ndjson");
    let results = expect(
        d,
        &[
            "plugin",
            "test",
            &component,
            "--records",
            records.to_str().unwrap(),
            "--as-of",
            "2026-03-01",
        ],
        0,
    );
    assert_eq!(results.lines().count(), 2, "{results}");
    assert!(
        results.contains("\"status\":\"warning\"") && results.contains("\"status\":\"met\""),
        "{results}"
    );
}

#[test]
fn plugin_new_python_writes_a_template_that_builds_and_passes_its_own_tests() {
    if !carecheck_plugin_build::python::tests_must_run() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let new = [
        "plugin",
        "new",
        "py-policy",
        "--lang",
        "python",
        "--dir",
        d.to_str().unwrap(),
    ];
    let made = expect(d, &new, 0);
    let plugin_dir = Path::new(made.trim());
    assert_eq!(plugin_dir, d.join("py-policy"));
    assert!(
        plugin_dir.join("policy.py").is_file()
            && plugin_dir.join("carecheck-plugin.toml").is_file()
    );

    // Its own unit tests pass as written, with nothing on the path: the template carries the
    // guest library.
    let tests = Command::new("python3")
        .current_dir(plugin_dir)
        .env_remove("PYTHONPATH")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-m", "unittest"])
        .output()
        .unwrap();
    assert!(
        tests.status.success(),
        "{}{}",
        text(&tests.stdout),
        text(&tests.stderr)
    );

    // `plugin build` recognises the folder as Python and builds it (componentize-py is
    // installed under target/python-tools the first time).
    let component = expect(d, &["plugin", "build", plugin_dir.to_str().unwrap()], 0)
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert_eq!(
        Path::new(&component),
        plugin_dir.join("target/py-policy.wasm")
    );

    // A component the service would take: it imports nothing and exports only the contract.
    let report: Value =
        serde_json::from_str(&expect(d, &["plugin", "inspect", &component], 0)).unwrap();
    assert_eq!(report["metadata"]["id"], "py-policy");
    assert_eq!(report["imports"], json!([]));
    assert_eq!(report["exports"], json!(["carecheck:policy/policy@1.2.0"]));
    assert_eq!(report["problems"], json!([]));

    // Its sample records evaluate as the Rust template's do.
    let records = plugin_dir.join("records.ndjson");
    let test = [
        "plugin",
        "test",
        &component,
        "--records",
        records.to_str().unwrap(),
        "--as-of",
        "2026-03-01",
    ];
    let results = expect(d, &test, 0);
    assert_eq!(results.lines().count(), 2, "{results}");
    assert!(
        results.contains("\"status\":\"warning\"") && results.contains("\"status\":\"met\""),
        "{results}"
    );
    // Settings are checked by the Python side against their declared bounds.
    let mut loose = test.to_vec();
    loose.extend(["--settings", r#"{"max_days_since_review": 400}"#]);
    fails_saying(d, &loose, "above its maximum 366");
}
