//! Vetting an uploaded component before anything runs it for a child, each failure reported
//! with where it is: a well-formed WebAssembly component; exactly the `carecheck:policy@1.x`
//! export and no import at all (read by wasmparser before wasmtime compiles anything); the typed
//! contract (wasmtime, on load); sane metadata (a semantic version, every check with a title and
//! a citation, reads that are pointers into the care-record schema, a settings schema that is a
//! JSON Schema); default settings the plugin itself accepts; and a dry run over synthetic
//! children from the demo generator, inside the service's own sandbox limits, with no `error`
//! outcome. Loading compiles the component into the replica's cache.

use carecheck_sdk::outcome::Metadata;
use chrono::NaiveDate;
use serde::Serialize;

use crate::demo::Generator;
use crate::plugins::runtime::{LoadError, LoadedPlugin};
use crate::plugins::{ActivePlugin, PolicyOutcome, PolicySet, inspect};
use crate::problem::Problem;
use crate::records::validate::schema_pointer_problem;

/// Where problems with the component are reported.
const COMPONENT: &str = "/component";

/// The synthetic caseload every upload is dry-run over is the same for every upload.
const DRY_RUN_SEED: u64 = 11;

/// The authority the synthetic children belong to.
const DRY_RUN_AUTHORITY: &str = "E00000000";

/// What a dry run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DryRun {
    pub children: u64,
    pub results: u64,
    /// The most fuel one evaluation used, and all of them together.
    pub max_fuel: u64,
    pub total_fuel: u64,
}

/// A component that passed: loaded (and compiled into the cache) and dry-run.
pub struct Vetted {
    pub plugin: LoadedPlugin,
    pub dry_run: DryRun,
}

/// Vets `wasm` with the pack's set for its calendar and limits. Blocking: compiles and runs the
/// plugin.
pub fn vet(
    pack: &PolicySet,
    wasm: &[u8],
    dry_run_children: u64,
    today: NaiveDate,
) -> Result<Vetted, Vec<Problem>> {
    let at_component = |message: String| vec![Problem::new(COMPONENT, message)];
    let inspection = inspect::inspect(wasm).map_err(at_component)?;
    let contract = inspection.contract();
    if !contract.is_empty() {
        return Err(contract
            .into_iter()
            .map(|m| Problem::new(COMPONENT, m))
            .collect());
    }
    let plugin = pack.runtime().load(wasm).map_err(|e| match e {
        LoadError::BadMetadata(_) => vec![Problem::new(METADATA, e.to_string())],
        _ => at_component(e.to_string()),
    })?;
    let problems = metadata_problems(&plugin.metadata);
    if !problems.is_empty() {
        return Err(problems);
    }
    pack.runtime()
        .validate_settings(&plugin, "{}")
        .map_err(|e| {
            vec![Problem::new(
                "/component/settings",
                format!("the plugin rejects its own default settings: {e}"),
            )]
        })?;
    let dry_run = dry_run(pack, &plugin, dry_run_children, today)?;
    Ok(Vetted { plugin, dry_run })
}

const METADATA: &str = "/component/metadata";

/// Everything wrong with a plugin's description of itself (beyond what loading refuses: an id
/// outside the grammar, no checks, a check declared twice, unreadable JSON).
pub fn metadata_problems(m: &Metadata) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut at = |field: String, message: String| {
        problems.push(Problem::new(format!("{METADATA}/{field}"), message));
    };
    if let Err(e) = semver::Version::parse(&m.version) {
        at(
            "version".into(),
            format!(
                "{:?} is not a semantic version (MAJOR.MINOR.PATCH): {e}",
                m.version
            ),
        );
    }
    if m.title.trim().is_empty() {
        at("title".into(), "the policy has no title".into());
    }
    for (i, check) in m.checks.iter().enumerate() {
        if check.id.trim().is_empty() {
            at(format!("checks/{i}/id"), "a check has no id".into());
        }
        if check.title.trim().is_empty() {
            at(
                format!("checks/{i}/title"),
                format!("check {:?} has no title", check.id),
            );
        }
        if check.citation.trim().is_empty() {
            at(
                format!("checks/{i}/citation"),
                format!(
                    "check {:?} cites nothing: name the law or guidance it applies",
                    check.id
                ),
            );
        }
    }
    for (i, pointer) in m.reads.iter().enumerate() {
        if let Some(problem) = schema_pointer_problem(pointer) {
            at(format!("reads/{i}"), format!("{pointer:?} {problem}"));
        }
    }
    match serde_json::from_str::<serde_json::Value>(&m.settings_schema) {
        Ok(schema) if schema.is_object() => {
            if let Err(e) = jsonschema::validator_for(&schema) {
                at(
                    "settings_schema".into(),
                    format!("the settings schema is not a valid JSON Schema: {e}"),
                );
            }
        }
        _ => at(
            "settings_schema".into(),
            "the settings schema must be a JSON Schema object".into(),
        ),
    }
    problems
}

/// Evaluates the plugin alone over `children` synthetic children as of `today`; the first
/// child it fails for is the problem.
fn dry_run(
    pack: &PolicySet,
    plugin: &LoadedPlugin,
    children: u64,
    today: NaiveDate,
) -> Result<DryRun, Vec<Problem>> {
    let calendar = pack.calendar().map_err(|e| {
        vec![Problem::new(
            "/component/dry-run",
            format!("the pack's calendar cannot be read: {e}"),
        )]
    })?;
    let id = plugin.metadata.id.clone();
    let set = pack.with(
        vec![ActivePlugin::new(plugin.clone(), "{}".into(), None)],
        Vec::new(),
    );
    let mut generator = Generator::new(DRY_RUN_SEED, DRY_RUN_AUTHORITY, today, &calendar, children);
    let mut records = Vec::new();
    let mut alone = Vec::new();
    let mut report = DryRun {
        children: 0,
        results: 0,
        max_fuel: 0,
        total_fuel: 0,
    };
    for n in 1..=children {
        let record = serde_json::to_value(generator.child()).map_err(|e| {
            vec![Problem::new(
                "/component/dry-run",
                format!("synthetic child {n}: {e}"),
            )]
        })?;
        let outcomes = set.evaluate(&record, today, Some(&id));
        for outcome in &outcomes {
            if let Some(error) = &outcome.error {
                return Err(vec![Problem::new(
                    "/component/dry-run",
                    format!(
                        "on synthetic child {n} of {children} (the demo generator's, seed {DRY_RUN_SEED}, as of {today}) the policy {error}"
                    ),
                )]);
            }
            report.results += outcome.results.len() as u64;
            report.max_fuel = report.max_fuel.max(outcome.fuel);
            report.total_fuel += outcome.fuel;
        }
        report.children += 1;
        records.push(record);
        alone.push(outcomes);
    }
    // Contract 1.1 and later: evaluated in one batch, every child's verdict must be the one it had alone
    // (fuel aside, which is not a verdict): a plugin that keeps something between calls would
    // make a verdict depend on which children shared its batch.
    let refs: Vec<&serde_json::Value> = records.iter().collect();
    let together = set.evaluate_as_one_batch(&refs, today, Some(&id));
    let verdicts = |outcomes: &[PolicyOutcome]| -> Vec<_> {
        outcomes
            .iter()
            .map(|o| (o.results.clone(), o.error.clone()))
            .collect()
    };
    if let Some(n) = alone
        .iter()
        .zip(&together)
        .position(|(a, t)| verdicts(a) != verdicts(t))
    {
        return Err(vec![Problem::new(
            "/component/dry-run",
            format!(
                "synthetic child {} of {children} had a different verdict when evaluated after others on one instance than alone: a policy must keep nothing between evaluate-prepared (or evaluate-packed) calls but the prepared context",
                n + 1
            ),
        )]);
    }
    Ok(report)
}
