//! The two example regulator policies, one in Python (`plugins/examples/dental-check`) and one
//! in Rust (`plugins/examples/placement-stability`), loaded from the components
//! `cargo xtask plugins` built and run in the real sandbox: their verdicts on hand-worked
//! records, the same verdicts evaluated alone and in one batch (contract 1.1), and the Python
//! component within the service's limits.

use std::sync::Arc;

use carecheck::config::PluginLimits;
use carecheck::plugins::PolicySet;
use carecheck::plugins::runtime::Runtime;
use carecheck::store::Store;
use carecheck_plugin_build::python;
use carecheck_sdk::Status;
use carecheck_tests::write_pack;
use chrono::NaiveDate;
use serde_json::{Value, json};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The service's default limits, so the Python component is shown to fit in them.
fn limits() -> PluginLimits {
    PluginLimits {
        fuel: 50_000_000,
        deadline_ms: 2_000,
        memory_bytes: 64 * 1024 * 1024,
        max_output_bytes: 1024 * 1024,
        parallelism: 2,
        batch: 64,
    }
}

async fn set(dir: &std::path::Path, plugins: &[(&str, &str)]) -> PolicySet {
    let pack = write_pack(dir, plugins);
    let runtime = Arc::new(Runtime::new(dir.join("compiled"), limits()).unwrap());
    let store = Store::open(&format!("sqlite://{}", dir.join("t.db").display()), 2)
        .await
        .unwrap();
    PolicySet::load(&pack, runtime, &store, 28).await.unwrap()
}

fn child(id: &str, extra: Value) -> Value {
    let mut r = json!({
        "schema_version": 1,
        "child": {"id": id, "responsible_authority": "E10000001", "date_of_birth": "2012-05-04"},
        "periods_of_care": [{"episodes": [{"start": "2024-01-15"}]}]
    });
    r.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    r
}

/// Evaluates `records` alone and as one batch, asserts the verdicts agree, and returns them.
async fn evaluate(
    set: PolicySet,
    records: Vec<Value>,
    as_of: NaiveDate,
) -> Vec<Vec<carecheck::plugins::PolicyOutcome>> {
    tokio::task::spawn_blocking(move || {
        let alone: Vec<_> = records
            .iter()
            .map(|r| set.evaluate(r, as_of, None))
            .collect();
        let refs: Vec<&Value> = records.iter().collect();
        let batch = set.evaluate_as_one_batch(&refs, as_of, None);
        for (a, b) in alone.iter().zip(&batch) {
            for (a, b) in a.iter().zip(b) {
                assert_eq!(
                    (&a.results, &a.error),
                    (&b.results, &b.error),
                    "{}",
                    a.policy
                );
            }
        }
        alone
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_dental_check_gives_its_verdicts_in_the_sandbox() {
    if !python::tests_must_run() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let set = set(dir.path(), &[("dental-check", "")]).await;
    let metadata = &set.policy("dental-check").unwrap().plugin.metadata;
    assert_eq!(metadata.checks[0].basis, carecheck_sdk::Basis::Local);
    let records = vec![
        // Last check Thu 29 Feb 2024: next by 28 Feb 2025 (no 29 Feb in 2025); as of 1 Mar 2025,
        // one day past: a warning (local, never a breach).
        child("D1", json!({"health": {"dental_checks": ["2024-02-29"]}})),
        // Checked 10 Feb 2025: next by 10 Feb 2026, 345 days away: upcoming.
        child(
            "D2",
            json!({"health": {"dental_checks": ["2024-02-29", "2025-02-10"]}}),
        ),
        // From an SSDA903 import only: dental checks not supplied.
        child(
            "D3",
            json!({"provenance": {"sections": [{"section": "periods_of_care", "source": "ssda903", "as_of": "2025-01-31"}]}}),
        ),
        // Not in care on the evaluation date.
        json!({"schema_version": 1, "child": {"id": "D4", "responsible_authority": "E10000001"},
               "periods_of_care": [{"episodes": [{"start": "2020-01-01", "end": "2021-01-01"}]}]}),
    ];
    let outcomes = evaluate(set, records, ymd(2025, 3, 1)).await;
    let current = |i: usize| {
        let o = &outcomes[i][0];
        assert_eq!(o.error, None, "{o:?}");
        assert!(o.fuel > 0);
        o.results.iter().find(|r| r.current).cloned().unwrap()
    };
    let d1 = current(0);
    assert_eq!(
        (d1.status, d1.due),
        (Status::Warning, Some(ymd(2025, 2, 28)))
    );
    assert_eq!(
        d1.message,
        "The next dental check has not been held: 1 day past 28 Feb 2025 (local timescale: 12 months)."
    );
    let d2 = current(1);
    assert_eq!(
        (d2.status, d2.due),
        (Status::Upcoming, Some(ymd(2026, 2, 10)))
    );
    assert_eq!(current(2).status, Status::InsufficientData);
    assert_eq!(current(3).status, Status::NotApplicable);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_placement_stability_check_gives_its_verdicts_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let set = set(dir.path(), &[("placement-stability", "working_days = 5")]).await;
    let placements = |starts: &[&str]| -> Value {
        starts
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"id": format!("P{i}"), "start": s}))
            .collect()
    };
    let records = vec![
        // Third placement Wed 16 Apr 2025; 5 working days past Good Friday and Easter Monday:
        // Thu 17 = 1, Tue 22 = 2, Wed 23 = 3, Thu 24 = 4, Fri 25 = 5. Meeting on the day: met.
        child(
            "S1",
            json!({"placements": placements(&["2024-06-01", "2024-11-01", "2025-04-16"]),
                   "reviews": [{"date": "2025-04-25", "items_discussed": ["Placement stability"]}]}),
        ),
        // The same, no meeting, as of 1 May: a warning.
        child(
            "S2",
            json!({"placements": placements(&["2024-06-01", "2024-11-01", "2025-04-16"])}),
        ),
        // Two placements: not applicable.
        child(
            "S3",
            json!({"placements": placements(&["2024-06-01", "2024-11-01"])}),
        ),
    ];
    let outcomes = evaluate(set, records, ymd(2025, 5, 1)).await;
    let first = |i: usize| {
        let o = &outcomes[i][0];
        assert_eq!(o.error, None, "{o:?}");
        o.results[0].clone()
    };
    assert_eq!(
        (first(0).status, first(0).due),
        (Status::Met, Some(ymd(2025, 4, 25)))
    );
    assert_eq!(first(1).status, Status::Warning);
    assert_eq!(first(2).status, Status::NotApplicable);
}

/// A Python policy that misbehaves on demand, by the child's id: what `--stub-wasi` and the
/// sandbox's limits make of a Python plugin reaching for the clock, a file or the environment,
/// looping or allocating without end. Built here (cached under `target/python-tests/`).
const HOSTILE_PY: &str = r#"
import os, time
from carecheck import MET, Check

OK = Check.guidance("ok", "Answers", "none")
ABOUT = {"id": "hostile-py", "version": "0.1.0", "title": "Hostile", "description": "Misbehaves on demand.",
         "author": "tests", "citations": ["none"], "checks": [OK], "reads": ["/child/id"],
         "effective_from": "2026-01-01"}

def evaluate(ctx, record):
    mode = record["child"]["id"]
    if mode == "clock":
        time.time()
    elif mode == "file":
        open("/etc/passwd").read()
    elif mode == "env":
        return [OK.result(MET, "child", f"environment: {len(os.environ)} variables")]
    elif mode == "loop":
        while True:
            pass
    elif mode == "memory":
        bytearray(256 << 20)
    return [OK.result(MET, "child", "ok")]
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_python_policy_that_reaches_outside_the_sandbox_or_runs_away_is_contained() {
    use carecheck::plugins::runtime::EvalError;
    if !python::tests_must_run() {
        return;
    }
    let work = carecheck_tests::root().join("target/python-tests");
    let src = work.join("hostile-py");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("policy.py"), HOSTILE_PY).unwrap();
    std::fs::write(
        src.join("carecheck-plugin.toml"),
        "[plugin]\nid = \"hostile-py\"\nlang = \"python\"\n",
    )
    .unwrap();
    let wasm = work.join("hostile-py.wasm");
    carecheck_plugin_build::python::build_into(&src, &wasm).unwrap();
    // Compiled once and kept: the artifact cache is keyed by the component's digest.
    let runtime = Arc::new(Runtime::new(work.join("compiled"), limits()).unwrap());
    let plugin = runtime.load(&std::fs::read(&wasm).unwrap()).unwrap();
    assert_eq!(plugin.metadata.id, "hostile-py");
    let calendar = carecheck_sdk::calendar_file::england_and_wales();
    let context = carecheck::plugins::runtime::EvalContext {
        evaluation_date: "2026-03-01".into(),
        look_ahead_days: 28,
        non_working_days: calendar.unix_days(),
        calendar_from: calendar.from.to_string(),
        calendar_to: calendar.to.to_string(),
        settings: "{}".into(),
    };
    let modes = ["ok", "clock", "file", "env", "loop", "memory", "ok"];
    let records: Vec<String> = modes
        .iter()
        .map(|m| json!({"child": {"id": m}}).to_string())
        .collect();
    let evaluations =
        tokio::task::spawn_blocking(move || runtime.evaluate_batch(&plugin, &context, &records))
            .await
            .unwrap();
    for (mode, evaluation) in modes.iter().zip(&evaluations) {
        let outcome = &evaluation.outcome;
        match *mode {
            "ok" => assert_eq!(outcome.as_ref().map(|r| r.len()), Ok(1), "{mode}"),
            // Stubbed WASI: the import traps.
            // Nothing of the machine that built it is baked in: the environment is empty.
            "env" => assert_eq!(
                outcome.as_ref().map(|r| r[0].message.as_str()),
                Ok("environment: 0 variables")
            ),
            "clock" | "file" => assert!(
                matches!(outcome, Err(EvalError::Trap(t)) if t.contains("unreachable")),
                "{mode}: {outcome:?}"
            ),
            "loop" => assert!(
                matches!(
                    outcome,
                    Err(EvalError::OutOfFuel(_) | EvalError::Deadline(_))
                ),
                "{mode}: {outcome:?}"
            ),
            // The memory cap: a trap at the limit, or CPython's MemoryError as the plugin's
            // own error; either way no verdict.
            "memory" => assert!(
                matches!(
                    outcome,
                    Err(EvalError::Memory | EvalError::Refused(_) | EvalError::Trap(_))
                ),
                "{mode}: {outcome:?}"
            ),
            _ => unreachable!(),
        }
    }
}
