//! `carecheck plugin …`: the regulators' authoring tools and the admin's switches.
//!
//! For authors, in the spirit of `opa eval`/`opa test` and `kwctl run`/`kwctl bench`, nothing
//! here needs a database: `new` writes a plugin from a template and `build` makes its component
//! (`carecheck_plugin_build`, the code `cargo xtask plugins` uses); `keygen` and `sign` make and
//! use the Ed25519 keys uploads are signed with; `inspect` says what a component is (metadata,
//! imports, exports, size, sha256) and whether the service would take it; `test` and `bench`
//! evaluate it over NDJSON records (or the demo generator's) with exactly the service's sandbox
//! limits and the pack's calendar (the shipped England and Wales one where no pack is at hand),
//! printing results and fuel. For admins on the server: `list`, `enablements`, `enable
//! ID@VERSION --authority CODE` and `disable ID --authority CODE`, the same services as the API
//! (audited as `cli:plugin`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use carecheck_plugin_build::Lang;
use carecheck_sdk::calendar_file::{CalendarFile, england_and_wales};
use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::{Value, json};

use super::Finished;
use crate::AppState;
use crate::access::Actor;
use crate::catalog;
use crate::config::Config;
use crate::demo::Generator;
use crate::plugins::pack::{CalendarSnapshot, PackFile};
use crate::plugins::runtime::Runtime;
use crate::plugins::{ActivePlugin, PolicySet, inspect};
use crate::regulators::keys;

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Write a new plugin NAME in DIR/NAME from a template that builds and passes its own tests;
    /// its policy id is NAME.
    New {
        name: String,
        #[arg(long, default_value = "rust")]
        lang: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The carecheck SDK the plugin depends on (default: this build's plugins/sdk).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Build the plugin in DIR into a component; prints the component's path last.
    Build { dir: PathBuf },
    /// Make an Ed25519 key pair: PATH (private, mode 0600) and PATH.pub.
    Keygen {
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Sign a component with a private key: writes FILE.wasm.sig, the detached signature an
    /// upload sends.
    Sign {
        file: PathBuf,
        #[arg(long, value_name = "PATH")]
        key: PathBuf,
    },
    /// Say what a component is and whether the service would take it: metadata, imports,
    /// exports, size, sha256 (JSON).
    Inspect { file: PathBuf },
    /// Evaluate a component over NDJSON care records with the service's limits; results as
    /// NDJSON on standard output, fuel on standard error.
    Test {
        file: PathBuf,
        #[arg(long, value_name = "FILE.ndjson")]
        records: PathBuf,
        #[arg(long)]
        as_of: NaiveDate,
        /// Settings (a JSON object; the plugin's defaults apply to anything left out).
        #[arg(long, default_value = "{}")]
        settings: String,
    },
    /// Time and fuel per evaluation, over NDJSON records or the demo generator's children.
    Bench {
        file: PathBuf,
        #[arg(long, value_name = "FILE.ndjson", conflicts_with = "children")]
        records: Option<PathBuf>,
        /// Synthetic children from the demo generator (when no --records).
        #[arg(long, default_value_t = 200)]
        children: u64,
        #[arg(long)]
        as_of: Option<NaiveDate>,
        #[arg(long, default_value = "{}")]
        settings: String,
        /// Times each record is evaluated.
        #[arg(long, default_value_t = 3)]
        iterations: u32,
    },
    /// Published versions of regulators' policies (JSON lines).
    List,
    /// The regulators' policies enabled per authority (JSON lines).
    Enablements {
        #[arg(long)]
        authority: Option<String>,
    },
    /// Run one published version of a regulator's policy for an authority, with settings
    /// (replacing any version enabled there).
    Enable {
        #[arg(value_name = "ID@VERSION")]
        target: String,
        #[arg(long)]
        authority: String,
        #[arg(long, default_value = "{}")]
        settings: String,
    },
    /// Stop a regulator's policy running for an authority.
    Disable {
        id: String,
        #[arg(long)]
        authority: String,
    },
}

pub async fn run(config: Config, command: PluginCommand) -> Result<Finished> {
    match command {
        PluginCommand::New {
            name,
            lang,
            dir,
            sdk,
        } => {
            let sdk =
                sdk.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/sdk"));
            let root = Lang::parse(&lang)?.new_plugin(&name, &dir, &sdk)?;
            eprintln!(
                "plugin {name} written; build it with: carecheck plugin build {}",
                root.display()
            );
            println!("{}", root.display());
            Ok(Finished::Complete)
        }
        PluginCommand::Build { dir } => {
            let component =
                tokio::task::spawn_blocking(move || Lang::detect(&dir)?.build(&dir)).await??;
            println!("{}", component.display());
            Ok(Finished::Complete)
        }
        PluginCommand::Keygen { out } => keygen(&out),
        PluginCommand::Sign { file, key } => sign(&file, &key),
        PluginCommand::Inspect { file } => inspect_file(&config, &file),
        PluginCommand::Test {
            file,
            records,
            as_of,
            settings,
        } => test(&config, &file, &records, as_of, &settings).await,
        PluginCommand::Bench {
            file,
            records,
            children,
            as_of,
            settings,
            iterations,
        } => {
            let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
            bench(
                &config,
                &file,
                records.as_deref(),
                children,
                as_of,
                &settings,
                iterations,
            )
            .await
        }
        PluginCommand::List => {
            let state = AppState::build(config).await?;
            for version in catalog::list(&state.store, None).await? {
                println!("{}", serde_json::to_string(&version)?);
            }
            Ok(Finished::Complete)
        }
        PluginCommand::Enablements { authority } => {
            let state = AppState::build(config).await?;
            let authorities = authority.map(|a| vec![a]);
            for e in catalog::enablements(&state.store, authorities.as_deref()).await? {
                println!("{}", serde_json::to_string(&e)?);
            }
            Ok(Finished::Complete)
        }
        PluginCommand::Enable {
            target,
            authority,
            settings,
        } => {
            let (id, version) = target
                .split_once('@')
                .with_context(|| format!("{target:?} is not ID@VERSION"))?;
            let settings: Value =
                serde_json::from_str(&settings).context("--settings is not JSON")?;
            let state = AppState::build(config).await?;
            let enabled = catalog::enable(
                &state.store,
                &state.policies,
                &authority,
                id,
                version,
                &settings,
                &Actor::operator("cli:plugin"),
            )
            .await
            .map_err(refusal)?;
            println!("{}", serde_json::to_string(&enabled)?);
            eprintln!(
                "{id}@{version} enabled for {authority}: every replica runs it within plugins.poll_ms"
            );
            Ok(Finished::Complete)
        }
        PluginCommand::Disable { id, authority } => {
            let state = AppState::build(config).await?;
            catalog::disable(
                &state.store,
                &state.policies,
                &authority,
                &id,
                &Actor::operator("cli:plugin"),
            )
            .await
            .map_err(refusal)?;
            eprintln!("{id} disabled for {authority}");
            Ok(Finished::Complete)
        }
    }
}

/// A refusal with every problem it lists.
fn refusal(e: catalog::CatalogError) -> anyhow::Error {
    match e {
        catalog::CatalogError::Invalid { summary, problems } => anyhow::anyhow!(
            "{summary}: {}",
            problems
                .iter()
                .map(|p| format!("{} {}", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}

fn keygen(out: &Path) -> Result<Finished> {
    let public_path = with_suffix(out, ".pub");
    for path in [out, public_path.as_path()] {
        if path.exists() {
            bail!("{} exists: keygen never overwrites a key", path.display());
        }
    }
    let (private, public) = keys::generate();
    write_private(out, private.as_bytes())?;
    std::fs::write(&public_path, public)
        .with_context(|| format!("writing {}", public_path.display()))?;
    let id = keys::key_id(
        &keys::parse_public(&std::fs::read_to_string(&public_path)?).map_err(anyhow::Error::msg)?,
    );
    println!("{}", public_path.display());
    eprintln!(
        "key {id}: private key in {} (keep it secret), public key in {} (give it to the service's operator: carecheck regulator add NAME --key {})",
        out.display(),
        public_path.display(),
        public_path.display()
    );
    Ok(Finished::Complete)
}

/// Creates a file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sign(file: &Path, key: &Path) -> Result<Finished> {
    let pem = std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
    let key =
        keys::parse_private(&pem).map_err(|why| anyhow::anyhow!("{}: {why}", key.display()))?;
    let wasm = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let out = with_suffix(file, ".sig");
    std::fs::write(&out, keys::sign(&key, &wasm))
        .with_context(|| format!("writing {}", out.display()))?;
    println!("{}", out.display());
    eprintln!(
        "signed {} (sha256 {}) with key {}",
        file.display(),
        carecheck_precompiled::sha256_hex(&wasm),
        keys::key_id(&key.verifying_key())
    );
    Ok(Finished::Complete)
}

fn runtime(config: &Config) -> Result<Arc<Runtime>> {
    Ok(Arc::new(Runtime::new(
        config.data_dir.join("compiled"),
        config.limits,
    )?))
}

fn inspect_file(config: &Config, file: &Path) -> Result<Finished> {
    let wasm = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let inspection = match inspect::inspect(&wasm) {
        Ok(inspection) => inspection,
        Err(why) => bail!("{}: {why}", file.display()),
    };
    let mut problems = inspection.contract();
    let mut report = json!(inspection);
    if problems.is_empty() {
        match runtime(config)?.load(&wasm) {
            Ok(plugin) => {
                problems.extend(
                    catalog::vet::metadata_problems(&plugin.metadata)
                        .into_iter()
                        .map(|p| format!("{} {}", p.path, p.message)),
                );
                report["metadata"] = json!(*plugin.metadata);
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    report["problems"] = json!(problems);
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if problems.is_empty() {
        Finished::Complete
    } else {
        Finished::Partial
    })
}

/// The working-day calendar an author's evaluations use: the configured pack's, as the service
/// would, or where no pack is at hand (an author's own folder) the England and Wales calendar
/// shipped with carecheck.
fn authors_calendar(config: &Config) -> Result<CalendarFile> {
    if config.pack.is_file() {
        let pack = PackFile::read(&config.pack)?;
        return Ok(pack.calendar_file(&config.pack)?);
    }
    eprintln!(
        "note: no policy pack at {}: using the England and Wales calendar shipped with carecheck",
        config.pack.display()
    );
    Ok(england_and_wales())
}

/// The component on its own, with `settings`, on the configured pack's calendar and limits.
async fn alone(config: &Config, file: &Path, settings: &str) -> Result<PolicySet> {
    let wasm = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let settings: Value = serde_json::from_str(settings).context("--settings is not JSON")?;
    if !settings.is_object() {
        bail!("--settings must be a JSON object");
    }
    let calendar = CalendarSnapshot::of(&authors_calendar(config)?);
    let runtime = runtime(config)?;
    let rt = runtime.clone();
    let settings = settings.to_string();
    let plugin = tokio::task::spawn_blocking(move || {
        let plugin = rt.load(&wasm)?;
        rt.validate_settings(&plugin, &settings)
            .map_err(|why| anyhow::anyhow!("the plugin rejects the settings: {why}"))?;
        anyhow::Ok(ActivePlugin::new(plugin, settings, None))
    })
    .await??;
    PolicySet::of(
        runtime,
        file.display().to_string(),
        calendar,
        vec![plugin],
        config.look_ahead_days,
    )
    .map_err(anyhow::Error::msg)
}

/// Reads NDJSON records, each line a JSON object (blank lines skipped).
fn read_records(path: &Path) -> Result<Vec<(usize, Value)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .map(|v| (i + 1, v))
                .with_context(|| format!("{} line {}: not JSON", path.display(), i + 1))
        })
        .collect()
}

async fn test(
    config: &Config,
    file: &Path,
    records: &Path,
    as_of: NaiveDate,
    settings: &str,
) -> Result<Finished> {
    let set = alone(config, file, settings).await?;
    let records = read_records(records)?;
    let evaluated = tokio::task::spawn_blocking(move || {
        let outcomes: Vec<_> = records
            .iter()
            .map(|(line, record)| {
                (
                    *line,
                    record["child"]["id"].clone(),
                    set.evaluate(record, as_of, None),
                )
            })
            .collect();
        (outcomes, set.runtime().limits().fuel)
    })
    .await?;
    let (outcomes, fuel_limit) = evaluated;
    let mut out = std::io::stdout().lock();
    let (mut results, mut errors, mut max_fuel, mut total_fuel) = (0u64, 0u64, 0u64, 0u64);
    for (line, child, outcomes) in &outcomes {
        for o in outcomes {
            max_fuel = max_fuel.max(o.fuel);
            total_fuel += o.fuel;
            if let Some(error) = &o.error {
                errors += 1;
                writeln!(
                    out,
                    "{}",
                    json!({"line": line, "child_id": child, "policy": o.policy, "status": "error", "error": error.to_string(), "fuel": o.fuel})
                )?;
            }
            for r in &o.results {
                results += 1;
                writeln!(
                    out,
                    "{}",
                    json!({"line": line, "child_id": child, "policy": o.policy, "check": r.check, "status": r.status.as_str(), "due": r.due, "subject": r.subject, "message": r.message, "citation": r.citation, "current": r.current, "fuel": o.fuel})
                )?;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{} records: {results} results, {errors} errors; fuel per evaluation: max {max_fuel}, mean {} (limit {fuel_limit})",
        outcomes.len(),
        total_fuel / (outcomes.len().max(1) as u64)
    );
    Ok(if errors == 0 {
        Finished::Complete
    } else {
        Finished::Partial
    })
}

async fn bench(
    config: &Config,
    file: &Path,
    records: Option<&Path>,
    children: u64,
    as_of: NaiveDate,
    settings: &str,
    iterations: u32,
) -> Result<Finished> {
    let set = alone(config, file, settings).await?;
    let records: Vec<Value> = match records {
        Some(path) => read_records(path)?.into_iter().map(|(_, v)| v).collect(),
        None => {
            let calendar = authors_calendar(config)?.calendar();
            let mut generator = Generator::new(1, "E10000001", as_of, &calendar, children);
            (0..children)
                .map(|_| serde_json::to_value(generator.child()))
                .collect::<Result<_, _>>()?
        }
    };
    let report = tokio::task::spawn_blocking(move || {
        let mut micros = Vec::new();
        let mut fuel = Vec::new();
        let mut errors = 0u64;
        for _ in 0..iterations.max(1) {
            for record in &records {
                let started = Instant::now();
                let outcomes = set.evaluate(record, as_of, None);
                micros.push(started.elapsed().as_secs_f64() * 1e6);
                for o in outcomes {
                    fuel.push(o.fuel as f64);
                    errors += u64::from(o.error.is_some());
                }
            }
        }
        json!({
            "evaluations": micros.len(),
            "errors": errors,
            "time_us": spread(micros),
            "fuel": spread(fuel),
            "fuel_limit": set.runtime().limits().fuel,
        })
    })
    .await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(Finished::Complete)
}

/// Minimum, median, 95th percentile, maximum and mean of some measurements.
fn spread(mut xs: Vec<f64>) -> Value {
    if xs.is_empty() {
        return Value::Null;
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    json!({
        "min": xs[0],
        "median": at(0.5),
        "p95": at(0.95),
        "max": xs[xs.len() - 1],
        "mean": xs.iter().sum::<f64>() / xs.len() as f64,
    })
}
