//! Batches: a plugin built against contract 1.1 evaluates many records on one instance. These
//! tests hold the promises that make that safe: a verdict does not depend on which records
//! shared its batch (the whole statutory pack, generator children, batches of every shape), a
//! record that traps or runs out of fuel inside a batch touches no other record's verdict, and
//! batches depend only on the records' order, so a run is replayed exactly. Also here: what
//! each plugin is sent, written straight from the record, is the projection byte for byte, and
//! a policy evaluated alone (reading only its own fields) answers as it does inside the pack.

use std::sync::Arc;

use carecheck::config::PluginLimits;
use carecheck::demo::Generator;
use carecheck::plugins::runtime::{EvalError, Runtime};
use carecheck::plugins::sets::PolicySets;
use carecheck::plugins::{PolicyOutcome, PolicySet};
use carecheck::store::Store;
use carecheck_sdk::calendar_file::england_and_wales;
use carecheck_tests::{POLICIES, write_pack};
use chrono::NaiveDate;
use serde_json::{Value, json};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// A set of `plugins` (name, settings) on its own runtime, batching `batch` records at a time.
async fn set(dir: &std::path::Path, plugins: &[(&str, &str)], batch: usize) -> PolicySet {
    let limits = PluginLimits {
        batch,
        ..PluginLimits::default()
    };
    let runtime = Arc::new(Runtime::new(dir.join("compiled"), limits).unwrap());
    let store = Store::open(&format!("sqlite://{}", dir.join("t.db").display()), 2)
        .await
        .unwrap();
    PolicySet::load(&write_pack(dir, plugins), runtime, &store, 28)
        .await
        .unwrap()
}

/// What a verdict is: the results and the error, not the fuel spent reaching them.
fn verdicts(outcomes: &[PolicyOutcome]) -> Vec<(String, Value, Option<EvalError>)> {
    outcomes
        .iter()
        .map(|o| {
            (
                o.policy.clone(),
                serde_json::to_value(&o.results).unwrap(),
                o.error.clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verdict_does_not_depend_on_which_records_shared_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let plugins: Vec<(&str, &str)> = POLICIES.iter().map(|p| (*p, "")).collect();
    let set = set(dir.path(), &plugins, 7).await;
    let calendar = england_and_wales().calendar();
    let mut generator = Generator::new(2027, "E10000001", as_of(), &calendar, 40);
    let records: Vec<Value> = (0..40)
        .map(|_| serde_json::to_value(generator.child()).unwrap())
        .collect();
    // What every plugin is sent, written straight from the record read once for all of them
    // (as a set reads it), is exactly the text of the trimmed copy the projection builds.
    let (projections, reading) = carecheck_tests::projections(&set);
    for record in &records {
        let text = record.to_string();
        let read = reading.read(&text).unwrap();
        for (plugin, projection) in set.plugins.iter().zip(&projections) {
            assert_eq!(
                projection.json_text(&read),
                projection.apply(record).to_string(),
                "{}",
                plugin.plugin.metadata.id
            );
        }
    }
    let worker = set.clone();
    let (alone, together, reversed, sevens, each) = tokio::task::spawn_blocking(move || {
        let refs: Vec<&Value> = records.iter().collect();
        let alone: Vec<_> = refs
            .iter()
            .map(|r| worker.evaluate(r, as_of(), None))
            .collect();
        let together = worker.evaluate_as_one_batch(&refs, as_of(), None);
        let backwards: Vec<&Value> = refs.iter().rev().copied().collect();
        let mut reversed = worker.evaluate_as_one_batch(&backwards, as_of(), None);
        reversed.reverse();
        // The engine's own batching: runs of at most 7 of one authority, on two threads.
        let texts: Vec<String> = records.iter().map(Value::to_string).collect();
        let pairs: Vec<(&str, &str)> = texts.iter().map(|t| ("E10000001", t.as_str())).collect();
        let sets = PolicySets::single(worker.clone());
        let sevens = sets.evaluate_many(&pairs, as_of(), None, 2).unwrap();
        // Each policy alone, as a run of one policy and a checklist of one policy evaluate it.
        let each: Vec<_> = POLICIES
            .iter()
            .map(|p| {
                let run = sets.evaluate_many(&pairs, as_of(), Some(p), 2).unwrap();
                let checklists: Vec<_> = refs
                    .iter()
                    .map(|r| worker.evaluate(r, as_of(), Some(p)))
                    .collect();
                (run, checklists)
            })
            .collect();
        (alone, together, reversed, sevens, each)
    })
    .await
    .unwrap();
    // Alone, a policy reads only the fields it declared, not the pack's: the same text reaches
    // it, so it answers exactly as inside the pack, fuel included.
    for (k, (run, checklists)) in each.iter().enumerate() {
        for n in 0..sevens.len() {
            assert_eq!(run[n], [sevens[n][k].clone()], "{}: child {n}", POLICIES[k]);
            assert_eq!(
                checklists[n],
                [alone[n][k].clone()],
                "{}: child {n}",
                POLICIES[k]
            );
        }
    }
    let mut results = 0;
    for (n, single) in alone.iter().enumerate() {
        assert!(
            single.iter().all(|o| o.error.is_none()),
            "child {n}: {single:?}"
        );
        results += single.iter().map(|o| o.results.len()).sum::<usize>();
        for (how, batched) in [
            ("one batch of 40", &together[n]),
            ("one batch of 40, reversed", &reversed[n]),
            ("batches of 7", &sevens[n]),
        ] {
            assert_eq!(
                verdicts(single),
                verdicts(batched),
                "child {n}: alone and in {how} differ"
            );
        }
    }
    assert!(results > 40 * 13, "the pack said little: {results} results");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_that_fails_inside_a_batch_touches_no_other_verdict() {
    let reviewed = json!({"reviews": [{"date": "2026-06-26"}]});
    let unreviewed = json!({"reviews": []});
    for (mode, expected) in [
        (
            "panic-if-reviewed",
            (|e: &EvalError| matches!(e, EvalError::Trap(t) if t.contains("unreachable")))
                as fn(&EvalError) -> bool,
        ),
        ("loop-if-reviewed", |e| {
            matches!(e, EvalError::OutOfFuel(_) | EvalError::Deadline(_))
        }),
        (
            "garbage-if-reviewed",
            |e| matches!(e, EvalError::Garbage(m) if m.contains("undeclared check")),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let set = set(dir.path(), &[("hostile", &format!("mode = {mode:?}"))], 16).await;
        let batch = [&unreviewed, &reviewed, &unreviewed, &unreviewed];
        let (together, alone) = {
            let set = set.clone();
            let (first, second) = (unreviewed.clone(), reviewed.clone());
            tokio::task::spawn_blocking(move || {
                let batch = [&first, &second, &first, &first];
                (
                    set.evaluate_as_one_batch(&batch, as_of(), None),
                    set.evaluate(&first, as_of(), None),
                )
            })
            .await
            .unwrap()
        };
        assert_eq!(together.len(), batch.len());
        let failed = together[1][0].error.as_ref();
        assert!(failed.is_some_and(expected), "{mode}: {:?}", together[1]);
        // The others behave exactly as they do alone, fuel included: after the failure the
        // batch was evaluated again, a fresh instance for each record.
        for n in [0, 2, 3] {
            assert_eq!(together[n], alone, "{mode}: record {n}");
        }
        assert_eq!(
            alone[0].results[0].status,
            carecheck_sdk::Status::Met,
            "{mode}"
        );
    }
}
