//! The `carecheck` command line. Every subcommand reads the same configuration as `serve`
//! (file, `CARECHECK_*` environment, then these flags).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::{self, Role};
use crate::checklist::{self, Scope};
use crate::config::Config;
use crate::demo::Generator;
use crate::store::{Actor, Store};
use crate::{AppState, app, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "carecheck",
    version,
    about = "Checks looked-after children's care plans in England against the law and good practice."
)]
pub struct Cli {
    /// Database URL (overrides configuration): sqlite://FILE or postgres://...
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Policy pack (overrides configuration).
    #[arg(long, global = true)]
    pub pack: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    Serve {
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create a fresh synthetic authority on embedded SQLite, print a token per role, and serve.
    Demo {
        #[arg(long, default_value_t = 1500)]
        children: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Set up the demo and exit without serving (for scripts and tests).
        #[arg(long)]
        no_serve: bool,
    },
    /// Write synthetic care records as NDJSON (deterministic for a seed).
    Generate {
        #[arg(long)]
        children: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "E10000001")]
        authority: String,
        /// Evaluation-relative date the histories run up to (default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Output file (default standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load an NDJSON file of care records into the store (as the bulk API does).
    Load { file: PathBuf },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Evaluate current records and print one line per check result; the run is logged.
    Check {
        #[arg(long)]
        as_of: NaiveDate,
        #[arg(long)]
        child: Option<String>,
        #[arg(long)]
        authority: Option<String>,
        #[arg(long)]
        policy: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the care-record JSON Schema (the file kept in host/schema/ is this output).
    Schema,
    /// Re-evaluate a logged run and report any difference.
    Replay { run: String },
    /// Import data from another system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; the secret is printed once and stored only as a hash.
    Create {
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long)]
        authority: Vec<String>,
        #[arg(long)]
        iro: Option<String>,
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import an SSDA903 return: a folder of CSVs or one XML file.
    Ssda903 {
        path: PathBuf,
        #[arg(long)]
        authority: String,
        /// Collection year, as the year it ends (31 March).
        #[arg(long)]
        year: i32,
        /// Write every problem to this CSV file.
        #[arg(long)]
        errors: Option<PathBuf>,
        /// Date rows are checked against (default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Ndjson,
    Csv,
    Table,
}

pub fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load()?;
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    if let Some(pack) = &cli.pack {
        config.pack = pack.clone();
    }
    telemetry::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, mut config: Config) -> Result<()> {
    match command {
        Command::Serve { listen } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            serve(AppState::build(config).await?).await
        }
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(crate::records::validate::schema())?
            );
            Ok(())
        }
        Command::Migrate => {
            Store::open(&config.database_url, 1).await?;
            eprintln!("migrations applied");
            Ok(())
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
            demo(config, children, seed, no_serve).await
        }
        Command::Generate {
            children,
            seed,
            authority,
            as_of,
            out,
        } => {
            let calendar = load_calendar(&config)?;
            let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let mut generator = Generator::new(seed, &authority, as_of, &calendar, children);
            let mut writer: Box<dyn Write> = match out {
                Some(path) => Box::new(
                    std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut writer = std::io::BufWriter::new(&mut writer);
            for _ in 0..children {
                serde_json::to_writer(&mut writer, &generator.child())?;
                writer.write_all(b"\n")?;
            }
            writer.flush()?;
            Ok(())
        }
        Command::Load { file } => {
            let state = AppState::build(config).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let (written, rejected) =
                load_ndjson(&state, &text, &Actor::operator("cli:load")).await?;
            eprintln!("{written} records written, {rejected} lines rejected");
            Ok(())
        }
        Command::Token { command } => {
            let store = Store::open(&config.database_url, 1).await?;
            match command {
                TokenCommand::Create {
                    role,
                    authority,
                    iro,
                    label,
                } => {
                    let token = auth::create_token(
                        &store,
                        role,
                        &authority,
                        iro.as_deref(),
                        label.as_deref(),
                    )
                    .await?;
                    println!("{}", token.token);
                    eprintln!(
                        "token {} created for role {}; it is shown only this once",
                        token.id,
                        role.as_str()
                    );
                }
                TokenCommand::Revoke { id } => {
                    if store.revoke_token(&id).await? {
                        eprintln!("token {id} revoked");
                    } else {
                        anyhow::bail!("no active token {id}");
                    }
                }
            }
            Ok(())
        }
        Command::Check {
            as_of,
            child,
            authority,
            policy,
            format,
        } => {
            let state = AppState::build(config).await?;
            let scope = Scope {
                authorities: authority.clone().map(|a| vec![a]),
                child: match (&child, &authority) {
                    (Some(c), Some(a)) => Some((a.clone(), c.clone())),
                    (Some(c), None) => Some((single_authority(&state.store, c).await?, c.clone())),
                    _ => None,
                },
                policy,
            };
            let mut out = ResultWriter::new(format);
            let summary = checklist::run(
                &state.store,
                &state.policies,
                as_of,
                &scope,
                &Actor::operator("cli:check"),
                state.config.parallelism(),
                |a, c, outcomes| out.write(&checklist::rows(&state.policies, a, c, outcomes)),
            )
            .await?;
            out.finish();
            eprintln!(
                "run {}: {} children, {} results, {} plugin errors",
                summary.run_id, summary.children, summary.results, summary.errors
            );
            Ok(())
        }
        Command::Replay { run } => {
            let state = AppState::build(config).await?;
            let report = checklist::replay(
                &state.store,
                &state.config.data_dir.join("compiled"),
                &run,
                state.config.parallelism(),
            )
            .await?;
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
                Ok(())
            } else {
                for d in &report.differences {
                    println!("{}", serde_json::to_string(d)?);
                }
                anyhow::bail!(
                    "{} of {} children differ",
                    report.differences.len(),
                    report.children
                )
            }
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
            let state = AppState::build(config).await?;
            let files = if path.is_dir() {
                carecheck_ssda903::read_folder(&path)?
            } else {
                vec![carecheck_ssda903::InputFile {
                    name: path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    bytes: std::fs::read(&path)
                        .with_context(|| format!("reading {}", path.display()))?,
                }]
            };
            let options = carecheck_ssda903::ImportOptions {
                authority,
                collection_year: year,
                import_date: as_of.unwrap_or_else(|| state.today()),
            };
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} children {elapsed}",
            )?);
            let summary = crate::imports::import_ssda903(
                &state.store,
                &state.due_dates,
                &files,
                &options,
                &Actor::operator("cli:import"),
                |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )
            .await?;
            bar.finish_and_clear();
            if let Some(errors) = errors {
                crate::imports::write_problems_csv(&errors, &summary.problems)?;
            }
            let mut brief = summary.clone();
            brief.problems.clear();
            println!("{}", serde_json::to_string_pretty(&brief)?);
            eprintln!(
                "{} problems reported{}",
                summary.problems.len(),
                if summary.problems.is_empty() {
                    ""
                } else {
                    " (see --errors FILE for all)"
                }
            );
            Ok(())
        }
    }
}

async fn single_authority(store: &Store, child: &str) -> Result<String> {
    let mut filter = crate::store::ChildFilter {
        limit: 10_000,
        ..Default::default()
    };
    let mut found = Vec::new();
    loop {
        let page = store.list_children(&filter).await?;
        found.extend(
            page.iter()
                .filter(|c| c.child_id == child)
                .map(|c| c.authority.clone()),
        );
        match page.last() {
            Some(last) if page.len() as i64 == filter.limit => {
                filter.after = Some((last.authority.clone(), last.child_id.clone()))
            }
            _ => break,
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!("no child {child} in the store"),
        _ => anyhow::bail!("child id {child} exists in several authorities; add --authority"),
    }
}

fn load_calendar(config: &Config) -> Result<carecheck_sdk::dates::Calendar> {
    let pack = crate::plugins::pack::PackFile::read(&config.pack)?;
    let path = config
        .pack
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(&pack.calendar);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file =
        carecheck_sdk::calendar_file::CalendarFile::parse(&text).map_err(anyhow::Error::msg)?;
    Ok(file.calendar())
}

/// Validates and writes NDJSON records in batches; returns (written, rejected lines).
pub async fn load_ndjson(state: &AppState, text: &str, actor: &Actor) -> Result<(u64, u64)> {
    let today = state.today();
    let mut batch = Vec::new();
    let (mut written, mut rejected) = (0u64, 0u64);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("line {}", n + 1))?;
        match crate::records::validate::validate(&value, None) {
            Ok(record) => batch.push(crate::records::prepare(&record, &state.due_dates, today)),
            Err(problems) => {
                rejected += 1;
                eprintln!(
                    "line {}: {}",
                    n + 1,
                    problems
                        .iter()
                        // Only the paths: the messages can quote the offending values.
                        .map(|p| format!("invalid at {:?}", p.path))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
        if batch.len() >= 1000 {
            written += state.store.put_versions(&batch, actor, "load").await?.len() as u64;
            batch.clear();
        }
    }
    written += state.store.put_versions(&batch, actor, "load").await?.len() as u64;
    Ok((written, rejected))
}

async fn demo(mut config: Config, children: u64, seed: u64, no_serve: bool) -> Result<()> {
    if !config.database_url.starts_with("postgres") {
        let path = config.data_dir.join("demo.db");
        std::fs::create_dir_all(&config.data_dir)?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        config.database_url = format!("sqlite://{}", path.display());
    }
    let authority = "E10000001";
    let state = AppState::build(config).await?;
    let today = state.today();
    eprintln!("generating {children} synthetic children for authority {authority} …");
    let mut generator = Generator::new(seed, authority, today, &state.due_dates.calendar, children);
    let records: Vec<_> = (0..children).map(|_| generator.child()).collect();
    for chunk in records.chunks(500) {
        let versions: Vec<_> = chunk
            .iter()
            .map(|r| crate::records::prepare(r, &state.due_dates, today))
            .collect();
        state
            .store
            .put_versions(&versions, &Actor::operator("demo"), "demo")
            .await?;
    }
    let summary = checklist::run(
        &state.store,
        &state.policies,
        today,
        &Scope::default(),
        &Actor::operator("demo"),
        state.config.parallelism(),
        |_, _, _| {},
    )
    .await?;
    eprintln!(
        "evaluated {} children: {} results, {} plugin errors (run {})",
        summary.children, summary.results, summary.errors, summary.run_id
    );
    let iro = Generator::iro_id(1);
    let tokens = [
        (
            "admin",
            auth::create_token(&state.store, Role::Admin, &[], None, Some("demo")).await?,
        ),
        (
            "iro",
            auth::create_token(
                &state.store,
                Role::Iro,
                &[authority.to_string()],
                Some(&iro),
                Some("demo"),
            )
            .await?,
        ),
        (
            "board",
            auth::create_token(
                &state.store,
                Role::Board,
                &[authority.to_string()],
                None,
                Some("demo"),
            )
            .await?,
        ),
        (
            "inspector",
            auth::create_token(
                &state.store,
                Role::Inspector,
                &[authority.to_string()],
                None,
                Some("demo"),
            )
            .await?,
        ),
        (
            "regulator",
            auth::create_token(&state.store, Role::Regulator, &[], None, Some("demo")).await?,
        ),
    ];
    let base = format!("http://{}", state.config.listen);
    println!(
        "carecheck demo: {children} synthetic children in {}",
        state.config.database_url
    );
    for (role, token) in &tokens {
        println!("  {role:<10} {}", token.token);
    }
    println!("try:");
    println!(
        "  curl -H 'Authorization: Bearer {}' {base}/api/v1/children?limit=5",
        tokens[1].1.token
    );
    println!(
        "  curl -H 'Authorization: Bearer {}' {base}/api/v1/reports/summary",
        tokens[2].1.token
    );
    println!("  curl {base}/api/v1/openapi.json");
    std::io::stdout().flush()?;
    if no_serve {
        return Ok(());
    }
    serve(state).await
}

async fn serve(state: AppState) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.listen)
        .await
        .with_context(|| format!("listening on {}", state.config.listen))?;
    tracing::info!(address = %state.config.listen, policies = state.policies.plugins.len(), "serving");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Prints result rows as NDJSON, CSV or an aligned table.
struct ResultWriter {
    format: Format,
    csv: Option<csv::Writer<std::io::Stdout>>,
    table: Vec<crate::checklist::ResultRow>,
}

impl ResultWriter {
    fn new(format: Format) -> Self {
        let csv = (format == Format::Csv).then(|| {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            let _ = w.write_record([
                "child_id", "policy", "check", "status", "basis", "due", "subject", "message",
                "citation",
            ]);
            w
        });
        Self {
            format,
            csv,
            table: Vec::new(),
        }
    }

    fn write(&mut self, rows: &[crate::checklist::ResultRow]) {
        match self.format {
            Format::Ndjson => {
                let mut out = std::io::stdout().lock();
                for r in rows {
                    let line = serde_json::json!({
                        "child_id": r.child_id, "policy": r.policy, "check": r.check, "status": r.status,
                        "basis": r.basis, "due": r.due, "subject": r.subject, "message": r.message, "citation": r.citation,
                    });
                    let _ = writeln!(out, "{line}");
                }
            }
            Format::Csv => {
                if let Some(w) = &mut self.csv {
                    for r in rows {
                        let _ = w.write_record([
                            &r.child_id,
                            &r.policy,
                            &r.check,
                            &r.status,
                            &r.basis,
                            r.due.as_deref().unwrap_or(""),
                            &r.subject,
                            &r.message,
                            &r.citation,
                        ]);
                    }
                }
            }
            Format::Table => self.table.extend_from_slice(rows),
        }
    }

    fn finish(&mut self) {
        if let Some(w) = &mut self.csv {
            let _ = w.flush();
        }
        if self.format == Format::Table {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{:<10} {:<28} {:<26} {:<17} {:<9} {:<10} MESSAGE",
                "CHILD", "POLICY", "CHECK", "STATUS", "BASIS", "DUE"
            );
            for r in &self.table {
                let _ = writeln!(
                    out,
                    "{:<10} {:<28} {:<26} {:<17} {:<9} {:<10} {}",
                    r.child_id,
                    r.policy,
                    r.check,
                    r.status,
                    r.basis,
                    r.due.as_deref().unwrap_or("-"),
                    r.message
                );
            }
        }
    }
}
