//! The WebAssembly runtime against real components: the built-in review policy, a hostile policy
//! that misbehaves on demand, and hand-made components that break the contract.

use std::sync::Arc;

use carecheck::config::PluginLimits;
use carecheck::plugins::PolicySet;
use carecheck::plugins::runtime::{EvalError, LoadError, Runtime};
use carecheck::store::Store;
use carecheck_tests::{plugin_path, root, write_pack};
use chrono::NaiveDate;
use serde_json::json;

fn limits() -> PluginLimits {
    PluginLimits {
        fuel: 200_000_000,
        deadline_ms: 1_000,
        memory_bytes: 32 * 1024 * 1024,
        max_output_bytes: 1024 * 1024,
        parallelism: 2,
        batch: 16,
    }
}

fn runtime(dir: &std::path::Path) -> Arc<Runtime> {
    Arc::new(Runtime::new(dir.join("compiled"), limits()).unwrap())
}

async fn store(dir: &std::path::Path) -> Store {
    Store::open(&format!("sqlite://{}", dir.join("t.db").display()), 2)
        .await
        .unwrap()
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn record() -> serde_json::Value {
    json!({
        "child": {"id": "C1", "responsible_authority": "E10000001", "name": "Secret Name", "date_of_birth": "2015-03-01"},
        "periods_of_care": [{"episodes": [{"start": "2026-06-01"}]}],
        "reviews": [{"date": "2026-06-26", "chair_iro_id": "IRO-9"}]
    })
}

/// Builds a pack with the hostile policy in `mode` next to the real review policy.
async fn set_with_hostile(dir: &std::path::Path, mode: &str) -> PolicySet {
    let pack = write_pack(
        dir,
        &[
            ("hostile", &format!("mode = {mode:?}")),
            ("statutory-review-timeliness", ""),
        ],
    );
    PolicySet::load(&pack, runtime(dir), &store(dir).await, 28)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_hostile_behaviour_is_contained_and_the_good_policy_still_answers() {
    type Expectation = fn(&EvalError) -> bool;
    let cases: [(&str, Expectation); 6] = [
        ("loop", |e| {
            matches!(e, EvalError::OutOfFuel(_) | EvalError::Deadline(_))
        }),
        ("memory", |e| {
            matches!(e, EvalError::Memory | EvalError::Trap(_))
        }),
        (
            "recursion",
            |e| matches!(e, EvalError::Trap(t) if t.contains("stack")),
        ),
        (
            "output",
            |e| matches!(e, EvalError::Garbage(m) if m.contains("limit")),
        ),
        (
            "panic",
            |e| matches!(e, EvalError::Trap(t) if t.contains("unreachable")),
        ),
        (
            "garbage",
            |e| matches!(e, EvalError::Garbage(m) if m.contains("undeclared check")),
        ),
    ];
    for (mode, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let set = set_with_hostile(dir.path(), mode).await;
        let worker = set.clone();
        let outcomes =
            tokio::task::spawn_blocking(move || worker.evaluate(&record(), as_of(), None))
                .await
                .unwrap();
        let metrics = set.runtime().metrics().render();
        assert!(
            metrics.contains("carecheck_plugin_failures_total{policy=\"hostile\",reason=")
                && !metrics.contains("policy=\"statutory-review-timeliness\",reason="),
            "{mode}: failure not counted: {metrics}"
        );
        let hostile = &outcomes[0];
        let error = hostile
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("{mode}: no error in {hostile:?}"));
        assert!(expected(error), "{mode}: unexpected error {error:?}");
        assert!(hostile.results.is_empty());
        let review = &outcomes[1];
        assert_eq!(review.error, None, "{mode}");
        // First review: period from Mon 1 Jun 2026, due 20 working days later = Mon 29 Jun 2026
        // (no bank holidays in June 2026); held 26 Jun: met.
        let first = &review.results[0];
        assert_eq!(first.check, "first-review");
        assert_eq!(first.due, NaiveDate::from_ymd_opt(2026, 6, 29));
        assert_eq!(first.status, carecheck_sdk::Status::Met, "{mode}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fuel_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let set = set_with_hostile(dir.path(), "ok").await;
    let (a, b) = tokio::task::spawn_blocking(move || {
        (
            set.evaluate(&record(), as_of(), None),
            set.evaluate(&record(), as_of(), None),
        )
    })
    .await
    .unwrap();
    assert_eq!(a, b);
    assert!(a[1].fuel > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn undeclared_fields_never_reach_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let set = set_with_hostile(dir.path(), "echo").await;
    let outcomes =
        tokio::task::spawn_blocking(move || set.evaluate(&record(), as_of(), Some("hostile")))
            .await
            .unwrap();
    let seen = &outcomes[0].results[0].message;
    let seen: serde_json::Value = serde_json::from_str(seen).unwrap();
    assert_eq!(
        seen,
        json!({"child": {"date_of_birth": "2015-03-01"}, "reviews": [{"date": "2026-06-26"}]}),
        "the plugin declared only the date of birth and review dates"
    );
    assert!(!seen.to_string().contains("Secret Name"));
}

fn load(wasm: &[u8]) -> Result<(), LoadError> {
    let dir = tempfile::tempdir().unwrap();
    runtime(dir.path()).load(wasm).map(|_| ())
}

#[test]
fn broken_components_are_refused_at_load_with_the_reason() {
    let good = std::fs::read(plugin_path("statutory-review-timeliness")).unwrap();
    assert!(load(&good).is_ok());

    let truncated = &good[..good.len() / 2];
    assert!(matches!(load(truncated), Err(LoadError::NotAComponent(_))));
    assert!(matches!(
        load(b"not wasm at all"),
        Err(LoadError::NotAComponent(_))
    ));
    let core = wat::parse_str("(module (func (export \"evaluate\")))").unwrap();
    assert!(
        matches!(load(&core), Err(LoadError::NotAComponent(m)) if m.contains("core WebAssembly module"))
    );

    let wasi = wat::parse_str(
        r#"(component
            (import "wasi:cli/environment@0.2.0" (instance (export "get-arguments" (func (result (list string))))))
        )"#,
    )
    .unwrap();
    assert!(
        matches!(load(&wasi), Err(LoadError::Imports(m)) if m.contains("wasi:cli/environment"))
    );

    let unknown = wat::parse_str(r#"(component (import "read-the-clock" (func)))"#).unwrap();
    assert!(matches!(load(&unknown), Err(LoadError::Imports(m)) if m.contains("read-the-clock")));

    let wrong_version = wat::parse_str(
        r#"(component
            (instance $i)
            (export "carecheck:policy/policy@2.0.0" (instance $i))
        )"#,
    )
    .unwrap();
    assert!(matches!(
        load(&wrong_version),
        Err(LoadError::WrongContract(_))
    ));
}

#[test]
fn compiled_components_are_cached_and_a_tampered_artifact_is_recompiled() {
    use carecheck_precompiled::Origin;
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(plugin_path("statutory-review-timeliness")).unwrap();
    let rt = runtime(dir.path());
    assert_eq!(rt.load(&good).unwrap().origin, Origin::Compiled);
    assert_eq!(rt.load(&good).unwrap().origin, Origin::Cache);
    for entry in std::fs::read_dir(dir.path().join("compiled")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            let mut bytes = std::fs::read(&path).unwrap();
            let n = bytes.len();
            bytes[n / 2] ^= 0xff;
            std::fs::write(&path, bytes).unwrap();
        }
    }
    assert_eq!(rt.load(&good).unwrap().origin, Origin::Compiled);
    let _ = root();
}

/// A component built against contract 1.1, which answers as JSON text: the `hostile` example as
/// commit 90da2a6 built it (`cargo xtask plugins`, before 1.2 added `evaluate-packed`), kept so
/// the host's reading of 1.1 answers stays tested while every plugin built here is 1.2.
const HOSTILE_1_1: &str = "tests/fixtures/hostile-contract-1.1.wasm";

#[test]
fn a_contract_1_1_component_answers_as_its_1_2_build_does() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let old = rt
        .load(&std::fs::read(root().join(HOSTILE_1_1)).unwrap())
        .unwrap();
    let new = rt
        .load(&std::fs::read(plugin_path("hostile")).unwrap())
        .unwrap();
    let calendar = carecheck_sdk::calendar_file::england_and_wales();
    let records: Vec<String> = [
        json!({}),
        json!({"reviews": [{"date": "2024-02-29"}]}),
        json!({"child": {"date_of_birth": "2015-03-01"}, "reviews": [{"date": "2026-06-26"}]}),
    ]
    .iter()
    .map(|r| r.to_string())
    .collect();
    // `ok` and `echo` answer (echo with the record it was given); `garbage` answers for a check
    // it never declared and `panic` traps: the same verdict or the same error from both builds,
    // for each record alone and for the records as one batch.
    for mode in ["ok", "echo", "garbage", "panic"] {
        let context = carecheck::plugins::runtime::EvalContext {
            evaluation_date: as_of().to_string(),
            look_ahead_days: 28,
            non_working_days: calendar.unix_days(),
            calendar_from: calendar.from.to_string(),
            calendar_to: calendar.to.to_string(),
            settings: json!({ "mode": mode }).to_string(),
        };
        let outcomes = |plugin: &carecheck::plugins::runtime::LoadedPlugin| {
            let alone: Vec<_> = records
                .iter()
                .map(|r| rt.evaluate(plugin, &context, r).outcome)
                .collect();
            let batch: Vec<_> = rt
                .evaluate_batch(plugin, &context, &records)
                .into_iter()
                .map(|e| e.outcome)
                .collect();
            (alone, batch)
        };
        let (old_alone, old_batch) = outcomes(&old);
        match mode {
            "ok" | "echo" => assert!(old_alone.iter().all(|o| o.is_ok()), "{old_alone:?}"),
            _ => assert!(old_alone.iter().all(|o| o.is_err()), "{old_alone:?}"),
        }
        if mode == "echo" {
            let echoed = &old_alone[2].as_ref().unwrap()[0].message;
            assert!(echoed.contains("2015-03-01"), "{echoed}");
        }
        assert_eq!(old_alone, old_batch, "{mode}");
        assert_eq!((old_alone, old_batch), outcomes(&new), "{mode}");
    }
}
