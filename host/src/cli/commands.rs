//! What each subcommand does: build the same state as the service, call a domain service, print
//! its summary, and say whether anything was rejected.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use super::output::{Format, ResultWriter};
use super::serve::serve;
use super::{Command, Finished, ImportCommand};
use crate::AppState;
use crate::access::Actor;
use crate::config::Config;
use crate::demo::{self, Generator};
use crate::records::{ChildFilter, DueDates, Submission, Writer, queries, strict_json};
use crate::runs::{self, Scope};
use crate::store::{ChildKey, Store};

/// Records validated and written per transaction by `load`.
const LOAD_BATCH: usize = 1000;

pub async fn dispatch(command: Command, mut config: Config) -> Result<Finished> {
    match command {
        Command::Serve { listen } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            serve(AppState::build(config).await?).await?;
            Ok(Finished::Complete)
        }
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(crate::records::validate::schema())?
            );
            Ok(Finished::Complete)
        }
        Command::Worker => {
            super::serve::worker(AppState::build(config).await?).await?;
            Ok(Finished::Complete)
        }
        Command::Migrate => {
            Store::open(&config.database_url, 1).await?;
            eprintln!("migrations applied");
            Ok(Finished::Complete)
        }
        Command::Demo {
            children,
            seed,
            listen,
            no_serve,
        } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            run_demo(config, children, seed, no_serve).await
        }
        Command::Generate {
            children,
            seed,
            authority,
            as_of,
            out,
        } => generate(&config, children, seed, &authority, as_of, out),
        Command::Load { file } => load(&Recording::open(config).await?, &file).await,
        Command::Token { command } => super::tokens::run(&config, command).await,
        Command::Regulator { command } => super::regulators::run(&config, command).await,
        Command::Plugin { command } => super::plugins::run(config, command).await,
        Command::Subscription { command } => {
            super::subscriptions::run(AppState::build(config).await?, command).await
        }
        Command::Iro { command } => super::iros::run(&config, command).await,
        Command::Check {
            as_of,
            child,
            authority,
            policy,
            format,
        } => {
            check(
                AppState::build(config).await?,
                as_of,
                child,
                authority,
                policy,
                format,
            )
            .await
        }
        Command::Replay { run } => replay(AppState::build(config).await?, &run).await,
        Command::Prune { dry_run } => {
            let store = Store::open(&config.database_url, 1).await?;
            let report = crate::retention::prune(
                &store,
                &config.retention,
                dry_run,
                &Actor::operator("cli:prune"),
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(Finished::Complete)
        }
        Command::Import {
            command:
                ImportCommand::Ssda903 {
                    path,
                    authority,
                    year,
                    errors,
                    as_of,
                },
        } => {
            let options = carecheck_ssda903::ImportOptions {
                authority,
                collection_year: year,
                import_date: match as_of {
                    Some(date) => date,
                    None => crate::imports::collection_year_end(year)
                        .with_context(|| format!("{year} is not a collection year"))?,
                },
                max_rows: carecheck_ssda903::DEFAULT_MAX_ROWS,
            };
            import(&Recording::open(config).await?, &path, options, errors).await
        }
    }
}

fn generate(
    config: &Config,
    children: u64,
    seed: u64,
    authority: &str,
    as_of: Option<NaiveDate>,
    out: Option<PathBuf>,
) -> Result<Finished> {
    let calendar = load_calendar(config)?;
    let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut generator = Generator::new(seed, authority, as_of, &calendar, children);
    let mut writer: Box<dyn Write> = match out {
        Some(path) => Box::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = std::io::BufWriter::new(&mut writer);
    for _ in 0..children {
        serde_json::to_writer(&mut writer, &generator.child())?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(Finished::Complete)
}

/// What a command that writes records but runs no policy needs: the store, and the due dates
/// derived on write. The pack is read, not loaded: nothing is compiled when the pack names its
/// policies (or they are uploaded plugins the store knows); otherwise it is loaded in full.
struct Recording {
    store: Store,
    due_dates: DueDates,
}

impl Recording {
    async fn open(config: Config) -> Result<Self> {
        let store = Store::open(&config.database_url, config.database_max_connections).await?;
        let due_dates = match crate::plugins::due_dates_from_pack_file(&config.pack, &store).await?
        {
            Some(due_dates) => {
                if let Some(warning) = due_dates.calendar_warning(chrono::Utc::now().date_naive()) {
                    tracing::warn!("{warning}");
                }
                due_dates
            }
            // Loading the pack warns about its calendar itself.
            None => (*AppState::with_store(config, store.clone()).await?.due_dates).clone(),
        };
        Ok(Self { store, due_dates })
    }
}

/// Validates and writes an NDJSON file through the one write path; every rejected line is
/// reported by number (its problems by path only: messages can quote the offending values).
async fn load(state: &Recording, file: &Path) -> Result<Finished> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let actor = Actor::operator("cli:load");
    let writer = Writer {
        store: &state.store,
        due_dates: &state.due_dates,
        today: chrono::Utc::now().date_naive(),
        actor: &actor,
        source: "load",
        scope: None,
    };
    let (mut written, mut rejected) = (0u64, 0u64);
    let mut reject = |line: usize, why: String| {
        rejected += 1;
        eprintln!("line {line}: {why}");
    };
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    for chunk in lines.chunks(LOAD_BATCH) {
        let mut numbers = Vec::with_capacity(chunk.len());
        let mut batch = Vec::with_capacity(chunk.len());
        for (n, line) in chunk {
            match strict_json::parse(line.as_bytes()) {
                Ok(value) => {
                    numbers.push(*n);
                    batch.push(Submission::new(value));
                }
                // Only the path: the message can quote the offending value.
                Err(problem) if problem.path.is_empty() => reject(*n, "not valid JSON".into()),
                Err(problem) => reject(*n, format!("invalid at {:?}", problem.path)),
            }
        }
        for (n, checked) in numbers.into_iter().zip(writer.write(batch).await?) {
            match checked {
                Ok(_) => written += 1,
                Err(problems) => reject(
                    n,
                    problems
                        .iter()
                        .map(|p| format!("invalid at {:?}", p.path))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            }
        }
    }
    eprintln!("{written} records written, {rejected} lines rejected");
    Ok(if rejected == 0 {
        Finished::Complete
    } else {
        Finished::Partial
    })
}

async fn check(
    state: AppState,
    as_of: NaiveDate,
    child: Option<String>,
    authority: Option<String>,
    policy: Option<String>,
    format: Format,
) -> Result<Finished> {
    let child = match (child, &authority) {
        (Some(c), Some(a)) => Some(ChildKey::new(a, c)),
        (Some(c), None) => Some(ChildKey::new(single_authority(&state.store, &c).await?, c)),
        (None, _) => None,
    };
    let scope = Scope {
        authorities: authority.map(|a| vec![a]),
        child,
        policy,
    };
    let mut out = ResultWriter::new(format);
    let policies = state.policies.current();
    let summary = runs::run(
        &state.store,
        &policies,
        as_of,
        &scope,
        &Actor::operator("cli:check"),
        state.config.parallelism(),
        |key, outcomes| out.write(&policies, key, outcomes),
    )
    .await?;
    out.finish();
    eprintln!(
        "run {}: {} children, {} results, {} plugin errors",
        summary.run_id, summary.children, summary.results, summary.errors
    );
    Ok(if summary.errors == 0 {
        Finished::Complete
    } else {
        Finished::Partial
    })
}

/// The one authority that has a child with this id.
async fn single_authority(store: &Store, child_id: &str) -> Result<String> {
    let filter = ChildFilter {
        child_id: Some(child_id.to_string()),
        ..Default::default()
    };
    let found = queries::list_children(store, &filter, None, 2).await?;
    match found.as_slice() {
        [one] => Ok(one.authority.clone()),
        [] => bail!("no child {child_id} in the store"),
        _ => bail!("child id {child_id} exists in several authorities; add --authority"),
    }
}

async fn replay(state: AppState, run: &str) -> Result<Finished> {
    let cache = state.config.data_dir.join("compiled");
    let report = match runs::replay(&state.store, &cache, run, state.config.parallelism()).await {
        Err(runs::RunError::NotFound) => return replay_view(&state, run).await,
        other => other?,
    };
    if report.engine_then != report.engine_now {
        eprintln!(
            "note: the run was made with {} and is replayed with {}",
            report.engine_then, report.engine_now
        );
    }
    if report.differences.is_empty() {
        println!(
            "run {} reproduced exactly: {} children, no differences",
            report.run_id, report.children
        );
        return Ok(Finished::Complete);
    }
    for d in &report.differences {
        println!("{}", serde_json::to_string(d)?);
    }
    bail!(
        "{} of {} children differ",
        report.differences.len(),
        report.children
    )
}

/// Replays a checklist view: the same record version and pack, compared by results digest.
async fn replay_view(state: &AppState, view: &str) -> Result<Finished> {
    let report = match runs::views::replay(
        &state.store,
        &state.config.data_dir.join("compiled"),
        view,
    )
    .await
    {
        Err(runs::RunError::NotFound) => bail!("no run or checklist view {view}"),
        other => other?,
    };
    if report.engine_then != report.engine_now {
        eprintln!(
            "note: the view was recorded with {} and is replayed with {}",
            report.engine_then, report.engine_now
        );
    }
    if report.reproduced {
        println!(
            "checklist view {} reproduced exactly: {}/{} version {} as of {}",
            report.view_id, report.authority, report.child_id, report.record_version, report.as_of
        );
        return Ok(Finished::Complete);
    }
    println!("{}", serde_json::to_string(&report)?);
    bail!("checklist view {view} gives different results now")
}

async fn import(
    state: &Recording,
    path: &Path,
    options: carecheck_ssda903::ImportOptions,
    errors: Option<PathBuf>,
) -> Result<Finished> {
    let files = if path.is_dir() {
        carecheck_ssda903::read_folder(path)?
    } else {
        vec![carecheck_ssda903::InputFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        }]
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} children {elapsed}",
    )?);
    // Created before the import starts, so a path that cannot be written fails before anything
    // is stored.
    let problems_file = errors
        .as_deref()
        .map(|path| {
            crate::imports::ProblemsFile::create(path)
                .with_context(|| format!("creating the errors file {}", path.display()))
        })
        .transpose()?;
    let summary = crate::imports::import_ssda903(
        &state.store,
        &state.due_dates,
        files,
        &options,
        &Actor::operator("cli:import"),
        problems_file,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await?;
    bar.finish_and_clear();
    let mut brief = summary.clone();
    brief.problems.clear();
    println!("{}", serde_json::to_string_pretty(&brief)?);
    eprintln!(
        "read as of {} (rows dated after it are errors; --as-of changes it)",
        summary.as_of
    );
    eprintln!(
        "{} problems reported{}",
        summary.problems_total,
        match (&errors, summary.problems_total) {
            (_, 0) => String::new(),
            (Some(path), _) => format!(", every one in {}", path.display()),
            (None, _) => " (--errors FILE writes every one)".into(),
        }
    );
    // Rows the return itself gets wrong are what an import is for; a child that could not be
    // stored at all is a partial import.
    Ok(if summary.children_rejected == 0 {
        Finished::Complete
    } else {
        Finished::Partial
    })
}

/// The configured pack's calendar.
fn load_calendar(config: &Config) -> Result<carecheck_sdk::dates::Calendar> {
    let pack = crate::plugins::pack::PackFile::read(&config.pack)?;
    Ok(pack.calendar_file(&config.pack)?.calendar())
}

async fn run_demo(
    mut config: Config,
    children: u64,
    seed: u64,
    no_serve: bool,
) -> Result<Finished> {
    if !config.database_url.starts_with("postgres") {
        let path = config.data_dir.join("demo.db");
        std::fs::create_dir_all(&config.data_dir)?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        config.database_url = format!("sqlite://{}", path.display());
    }
    let outbox = config
        .outbox_dir
        .get_or_insert_with(|| config.data_dir.join("outbox"))
        .clone();
    let state = AppState::build(config).await?;
    eprintln!(
        "generating {children} synthetic children for authority {} …",
        demo::AUTHORITY
    );
    let demo = demo::set_up(
        &state.store,
        &state.policies.current(),
        &state.due_dates,
        state.today(),
        children,
        seed,
        state.config.parallelism(),
    )
    .await?;
    eprintln!(
        "evaluated {} children: {} results, {} plugin errors (run {})",
        demo.run.children, demo.run.results, demo.run.errors, demo.run.run_id
    );
    let policy_ids = state.policy_ids();
    let now = chrono::Utc::now();
    for id in demo::subscribe(&state.store, &policy_ids).await? {
        crate::subscriptions::service::run_now(&state.store, None, &id, now).await?;
    }
    state
        .scheduler()
        .run_until_idle(now + chrono::Duration::seconds(1))
        .await?;
    eprintln!(
        "sample board and inspector reports written to {} (demo-board/, demo-inspector/)",
        outbox.display()
    );
    let base = format!("http://{}", state.config.listen);
    println!(
        "carecheck demo: {children} synthetic children in {}",
        state.config.database_url
    );
    for (role, token) in &demo.tokens {
        println!("  {role:<10} {}", token.token);
    }
    let token_of = |role: &str| {
        demo.tokens
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.token.clone())
            .unwrap_or_default()
    };
    println!("try:");
    println!(
        "  curl -H 'Authorization: Bearer {}' {base}/api/v1/children?limit=5",
        token_of("iro")
    );
    println!(
        "  curl -H 'Authorization: Bearer {}' {base}/api/v1/reports/summary",
        token_of("board")
    );
    println!("  curl {base}/api/v1/openapi.json");
    println!("  open {base}/ in a browser and sign in with the iro or admin token");
    std::io::stdout().flush()?;
    if !no_serve {
        serve(state).await?;
    }
    Ok(Finished::Complete)
}
