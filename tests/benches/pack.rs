//! The statutory pack through WebAssembly against the same policy code compiled natively.
//!
//! Run with `cargo xtask bench` (builds the plugins, then `cargo bench -p carecheck-tests --bench pack`).
//! `CARECHECK_BENCH_CHILDREN=10000,100000` chooses the sizes; `CARECHECK_BENCH_REPS` the repetitions
//! of the side-by-side comparison (median reported).
//!
//! Measured, all in one process and one run:
//! - cold start per plugin: compiling with Cranelift vs loading the cached artefact;
//! - per-evaluation overhead: a fresh store + instance + call of a policy that does nothing;
//! - throughput (checks per second) of the whole pack, Wasm (in batches per instance, as the
//!   service evaluates) vs native, single-threaded, on the same records with the same trimming
//!   and JSON text, alternating so both see the same machine;
//! - the same for each policy alone (at the first size): where the pack's time goes, and on which
//!   policy's code the sandbox costs most;
//! - the whole pipeline on the store: 100,000 children read from SQLite, evaluated on every core,
//!   results written to the decision log;
//! - the pipeline's peak resident memory (the process's high-water mark, reset before it);
//! - the pipeline's CPU time (every thread's) and how much of it evaluating through Wasm
//!   accounts for, so the figures say what the pipeline would take were evaluation as fast as
//!   native code: the floor that no speed-up of the sandbox alone can go below;
//! - the processor, and the share of the machine's CPU the hypervisor stole during the timed
//!   phases, so figures from different runs are compared knowing whether the machine differed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use carecheck::access::Actor;
use carecheck::config::PluginLimits;
use carecheck::demo::Generator;
use carecheck::plugins::PolicySet;
use carecheck::plugins::runtime::Runtime;
use carecheck::plugins::sets::PolicySets;
use carecheck::records::{Submission, Writer};
use carecheck::runs::{self, Scope};
use carecheck::store::Store;
use carecheck_sdk::calendar_file::england_and_wales;
use carecheck_sdk::projection::Projection;
use carecheck_sdk::{CheckResult, Context};
use chrono::NaiveDate;
use serde_json::Value;

/// The allocator the `carecheck` binary ships with (`host/src/main.rs`), so the figures are the
/// product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type NativeEvaluate = fn(&Context, &str) -> Result<Vec<CheckResult>, String>;

/// The built-in policies compiled natively, in pack order.
fn native() -> Vec<(&'static str, NativeEvaluate)> {
    use carecheck_sdk::evaluate_json;
    vec![
        (
            "statutory-review-timeliness",
            evaluate_json::<statutory_review_timeliness::StatutoryReviewTimeliness>,
        ),
        (
            "iro-appointed",
            evaluate_json::<iro_appointed::IroAppointed>,
        ),
        (
            "review-mental-health",
            evaluate_json::<review_mental_health::ReviewMentalHealth>,
        ),
        ("child-voice", evaluate_json::<child_voice::ChildVoice>),
        (
            "review-preparation",
            evaluate_json::<review_preparation::ReviewPreparationPolicy>,
        ),
        (
            "health-assessments",
            evaluate_json::<health_assessments::HealthAssessments>,
        ),
        ("sdq", evaluate_json::<sdq::SdqPolicy>),
        (
            "mental-health-access",
            evaluate_json::<mental_health_access::MentalHealthAccess>,
        ),
        (
            "caregiver-support",
            evaluate_json::<caregiver_support::CaregiverSupport>,
        ),
        (
            "out-of-area-responsibility",
            evaluate_json::<out_of_area_responsibility::OutOfAreaResponsibility>,
        ),
        (
            "virtual-mental-health-lead",
            evaluate_json::<virtual_mental_health_lead::VirtualMentalHealthLead>,
        ),
        (
            "education-mental-health",
            evaluate_json::<education_mental_health::EducationMentalHealth>,
        ),
        (
            "care-leaver-pathway",
            evaluate_json::<care_leaver_pathway::CareLeaverPathway>,
        ),
    ]
}

use carecheck_tests::median;

fn main() -> anyhow::Result<()> {
    let sizes: Vec<u64> = std::env::var("CARECHECK_BENCH_CHILDREN")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let reps: usize = std::env::var("CARECHECK_BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let root = carecheck_tests::root();
    let tmp = tempfile::tempdir()?;
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let calendar_file = england_and_wales();
    let calendar = calendar_file.calendar();
    let due_dates = carecheck::records::DueDates {
        calendar: calendar.clone(),
        intervals: Default::default(),
    };
    let limits = PluginLimits {
        parallelism: 1,
        ..PluginLimits::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "carecheck pack benchmark: {cores} cores ({}), as of {as_of}, {reps} repetitions, medians",
        carecheck_tests::processor()
    );

    // Cold start.
    let mut compile_ms = Vec::new();
    let mut cached_ms = Vec::new();
    for (name, _) in native() {
        let wasm = std::fs::read(carecheck_tests::plugin_path(name))?;
        let cache = tmp.path().join(format!("cold-{name}"));
        let runtime = Runtime::new(&cache, limits)?;
        let t = Instant::now();
        runtime.load(&wasm).map_err(|e| anyhow::anyhow!("{e}"))?;
        compile_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let mut loads = Vec::new();
        for _ in 0..reps {
            let runtime = Runtime::new(&cache, limits)?;
            let t = Instant::now();
            runtime.load(&wasm).map_err(|e| anyhow::anyhow!("{e}"))?;
            loads.push(t.elapsed().as_secs_f64() * 1e3);
        }
        cached_ms.push(median(loads));
    }
    println!(
        "cold start per plugin: compile {:.1} ms (median of {} plugins), from cache {:.2} ms (median), {:.0}x faster",
        median(compile_ms.clone()),
        compile_ms.len(),
        median(cached_ms.clone()),
        median(compile_ms) / median(cached_ms)
    );

    // The pack, loaded once through the real loader.
    let store = rt.block_on(Store::open(
        &format!("sqlite://{}", tmp.path().join("bench.db").display()),
        4,
    ))?;
    let runtime = Arc::new(Runtime::new(tmp.path().join("compiled"), limits)?);
    let set = rt.block_on(PolicySet::load(
        &root.join("policies/statutory.toml"),
        runtime.clone(),
        &store,
        28,
    ))?;
    let natives = native();
    assert_eq!(set.plugins.len(), natives.len());
    for (active, (name, _)) in set.plugins.iter().zip(&natives) {
        assert_eq!(
            &active.plugin.metadata.id, name,
            "pack order differs from the native list"
        );
    }

    // Per-evaluation overhead: the hostile example in its well-behaved mode does almost nothing.
    {
        let hostile = std::fs::read(carecheck_tests::plugin_path("hostile"))?;
        let plugin = runtime.load(&hostile).map_err(|e| anyhow::anyhow!("{e}"))?;
        let context = carecheck::plugins::runtime::EvalContext {
            evaluation_date: as_of.to_string(),
            look_ahead_days: 28,
            non_working_days: calendar_file.unix_days(),
            calendar_from: calendar_file.from.to_string(),
            calendar_to: calendar_file.to.to_string(),
            settings: "{\"mode\":\"ok\"}".into(),
        };
        let mut per = Vec::new();
        for _ in 0..reps {
            let n = 5_000;
            let t = Instant::now();
            for _ in 0..n {
                runtime.evaluate(&plugin, &context, "{}");
            }
            per.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(n));
        }
        println!(
            "per-evaluation overhead (fresh store, instantiate, pass the calendar, call, one result): {:.1} µs",
            median(per)
        );
    }

    for &n in &sizes {
        // Records are generated a thousand at a time, written to the store and dropped, so the
        // process holds only the text of the first 10,000 (the side-by-side comparison's) and the
        // pipeline's peak memory below is the pipeline's own.
        let mut generator = Generator::new(42, "E10000001", as_of, &calendar, n);
        let db = tmp.path().join(format!("pipeline-{n}.db"));
        let pipeline_store = rt.block_on(Store::open(&format!("sqlite://{}", db.display()), 4))?;
        let load = Instant::now();
        let actor = Actor::operator("bench");
        let writer = Writer {
            store: &pipeline_store,
            due_dates: &due_dates,
            today: as_of,
            actor: &actor,
            source: "bench",
            scope: None,
        };
        let mut comparison_records: Vec<String> = Vec::new();
        let mut written = 0;
        while written < n {
            let chunk: Vec<Value> = (written..n.min(written + 1000))
                .map(|_| serde_json::to_value(generator.child()).expect("serialises"))
                .collect();
            written += chunk.len() as u64;
            comparison_records.extend(
                chunk
                    .iter()
                    .take(10_000 - comparison_records.len())
                    .map(Value::to_string),
            );
            let batch = chunk.into_iter().map(Submission::new).collect();
            for checked in rt.block_on(writer.write(batch))? {
                checked.map_err(|problems| anyhow::anyhow!("invalid record: {problems:?}"))?;
            }
        }
        let load = load.elapsed();
        let (projections, reading) = carecheck_tests::projections(&set);
        let contexts: Vec<Context> = set
            .plugins
            .iter()
            .map(|p| Context {
                evaluation_date: as_of,
                look_ahead_days: 28,
                calendar: calendar.clone(),
                settings: p.settings.clone(),
            })
            .collect();
        // Side by side, single-threaded, alternating, both from the records' JSON text as the
        // store keeps it: each record read once for every policy, then projected for each.
        let sets = PolicySets::single(set.clone());
        let mut wasm_s = Vec::new();
        let mut native_s = Vec::new();
        let mut checks = 0usize;
        let ticks = carecheck_tests::MachineTicks::now();
        let texts: Vec<(&str, &str)> = comparison_records
            .iter()
            .map(|text| ("E10000001", text.as_str()))
            .collect();
        let policies: Vec<NativePolicy> = natives
            .iter()
            .zip(&projections)
            .zip(&contexts)
            .map(|((&(name, evaluate), projection), context)| (name, evaluate, projection, context))
            .collect();
        for _ in 0..reps.min(if n > 10_000 { 1 } else { reps }) {
            let t = Instant::now();
            checks = wasm_pass(&sets, &texts, as_of, None)?;
            wasm_s.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let native_count = native_pass(&texts, &reading, &policies)?;
            native_s.push(t.elapsed().as_secs_f64());
            assert_eq!(
                native_count, checks,
                "native and Wasm disagree on the number of results"
            );
        }
        let (w, nat) = (median(wasm_s), median(native_s));
        let m = comparison_records.len();
        println!(
            "{n} children ({m} compared single-threaded): {checks} check results; Wasm {:.2} s = {:.0} checks/s, native {:.2} s = {:.0} checks/s; Wasm/native {:.2}x; {:.1} µs per child per policy through Wasm; CPU steal {:.1} %",
            w,
            checks as f64 / w,
            nat,
            checks as f64 / nat,
            w / nat,
            w * 1e6 / (m * set.plugins.len()) as f64,
            ticks.steal_percent_since(),
        );
        if n == sizes[0] {
            per_policy(&sets, &texts, as_of, &policies, reps)?;
        }

        // The whole pipeline from the store: read, evaluate on every core, write the decision log.
        // Its peak memory is measured from here: the kernel's high-water mark is reset first.
        let before = carecheck_tests::reset_peak_rss_mib();
        let pipeline_set = Arc::new(PolicySets::single(rt.block_on(PolicySet::load(
            &root.join("policies/statutory.toml"),
            runtime.clone(),
            &pipeline_store,
            28,
        ))?));
        let cpu = carecheck_tests::cpu_seconds();
        let ticks = carecheck_tests::MachineTicks::now();
        let t = Instant::now();
        let summary = rt.block_on(runs::run(
            &pipeline_store,
            &pipeline_set,
            as_of,
            &Scope::default(),
            &actor,
            cores,
            |_, _| {},
        ))?;
        let elapsed: Duration = t.elapsed();
        let cpu = carecheck_tests::cpu_seconds() - cpu;
        let steal = ticks.steal_percent_since();
        let busy = cpu / elapsed.as_secs_f64();
        println!(
            "{n} children, whole pack from SQLite to the decision log on {cores} cores: {:.1} s ({:.0} children/s, {} results, {} plugin errors), CPU {cpu:.1} s ({busy:.2} cores busy, CPU steal {steal:.1} %), peak resident memory {:.0} MiB (from {before:.0} MiB); generating and loading the records first took {:.1} s",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64(),
            summary.results,
            summary.errors,
            carecheck_tests::peak_rss_mib(),
            load.as_secs_f64()
        );
        // Where the pipeline's CPU goes, from the side-by-side figures above (measured on the
        // first `m` children, scaled to `n`): what evaluating through Wasm costs, what the rest
        // costs (reading the store, writing and compressing the log), and so what the pipeline
        // would take, with its cores as busy as they were, if evaluation ran at native speed.
        let scale = n as f64 / m as f64;
        let rest = cpu - w * scale;
        println!(
            "{n} children, the pipeline's CPU: evaluating through Wasm ~{:.1} s, the rest ~{rest:.1} s; with evaluation at native speed (~{:.1} s) it would take ~{:.1} s with {busy:.2} cores busy",
            w * scale,
            nat * scale,
            (rest + nat * scale) / busy,
        );
    }
    Ok(())
}

/// One of the pack's policies compiled natively (its id, its code), with its projection and its
/// context.
type NativePolicy<'a> = (&'static str, NativeEvaluate, &'a Projection, &'a Context);

/// Evaluates `texts` through Wasm as the engine does (batches of `limits.batch` records per
/// instance), with every policy or `only` one; how many results they gave.
fn wasm_pass(
    sets: &PolicySets,
    texts: &[(&str, &str)],
    as_of: NaiveDate,
    only: Option<&str>,
) -> anyhow::Result<usize> {
    Ok(sets
        .evaluate_many(texts, as_of, only, 1)?
        .iter()
        .flatten()
        .map(|o| o.results.len())
        .sum())
}

/// Evaluates `texts` natively with `policies`, as the engine feeds the sandbox: each record read
/// once for all of them (`reading`: their declared fields together), then projected for each
/// policy; how many results they gave.
fn native_pass(
    texts: &[(&str, &str)],
    reading: &Projection,
    policies: &[NativePolicy],
) -> anyhow::Result<usize> {
    let mut count = 0;
    for (_, text) in texts {
        let record = reading.read(text)?;
        for (_, evaluate, projection, context) in policies {
            count += evaluate(context, &projection.json_text(&record)).map_or(0, |v| v.len());
        }
    }
    Ok(count)
}

/// Each policy alone, single-threaded, through Wasm and natively on the same records, `reps`
/// times alternating (medians): which policies the pack's time goes on, and on which the
/// sandbox costs most. Alone, a policy's records are read for its own fields only, on both
/// sides, as a run of that one policy reads them; that reading, timed alone next to each pair of
/// passes, is taken off both. Where what is left natively is within the timing's noise (none
/// left), no ratio is printed.
fn per_policy(
    sets: &PolicySets,
    texts: &[(&str, &str)],
    as_of: NaiveDate,
    policies: &[NativePolicy],
    reps: usize,
) -> anyhow::Result<()> {
    let mut times = vec![(Vec::new(), Vec::new(), Vec::new()); policies.len()];
    for _ in 0..reps {
        for (policy, (reads, wasm, native)) in policies.iter().zip(&mut times) {
            let (name, _, projection, _) = policy;
            let t = Instant::now();
            for (_, text) in texts {
                projection.read(text)?;
            }
            let read = t.elapsed().as_secs_f64();
            reads.push(read);
            let t = Instant::now();
            let wasm_results = wasm_pass(sets, texts, as_of, Some(name))?;
            wasm.push(t.elapsed().as_secs_f64() - read);
            let t = Instant::now();
            let native_results = native_pass(texts, projection, std::slice::from_ref(policy))?;
            native.push(t.elapsed().as_secs_f64() - read);
            assert_eq!(
                wasm_results, native_results,
                "{name}: native and Wasm disagree on the number of results"
            );
        }
    }
    let mut rows: Vec<(&str, f64, f64, f64)> = policies
        .iter()
        .zip(times)
        .map(|(policy, (reads, wasm, native))| {
            (policy.0, median(reads), median(wasm), median(native))
        })
        .collect();
    let total: f64 = rows.iter().map(|(_, _, wasm, _)| wasm).sum();
    rows.sort_by(|a, b| b.2.total_cmp(&a.2));
    println!(
        "each policy alone, {} children single-threaded, its records read for its own fields (that reading taken off): reading s, Wasm s, native s, Wasm/native, share of the policies' Wasm time",
        texts.len(),
    );
    for (name, read, wasm, native) in rows {
        let ratio = if native > 0.0 {
            format!("{:5.2}x", wasm / native)
        } else {
            "     -".into()
        };
        println!(
            "  {name:28} {read:6.2} {wasm:6.2} {native:6.2} {ratio} {:5.1} %",
            100.0 * wasm / total
        );
    }
    Ok(())
}
