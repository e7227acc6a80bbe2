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
use carecheck_sdk::Status;
use carecheck_tests::{python_available, write_pack};
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
    if !python_available() {
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
