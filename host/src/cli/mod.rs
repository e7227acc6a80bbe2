//! The `carecheck` command line. Every subcommand reads the same configuration as `serve`
//! (file, `CARECHECK_*` environment, then these flags) and calls the same domain services as the
//! API ([`commands`]).
//!
//! Exit status: 0 when everything was done; 1 when the command failed; 3 when it finished but
//! rejected some items (records that failed validation, children an import could not store,
//! policies that could not be evaluated), so a script never mistakes a partial result for
//! success. The summary on standard error says which.

mod commands;
mod iros;
mod output;
mod plugins;
mod regulators;
mod serve;
mod subscriptions;
mod tokens;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::access::Role;
use crate::config::Config;
use crate::telemetry;
pub use output::Format;

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

// Parsed once per process: the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    Serve {
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Take part in runs shared across replicas (started over the API), serving nothing.
    Worker,
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
    /// Keep the IRO directory (for caseload figures).
    Iro {
        #[command(subcommand)]
        command: IroCommand,
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
    /// Re-evaluate a logged run, or a recorded checklist view, and report any difference.
    Replay {
        /// A run id, or a checklist view id (the `view_id` of a checklist).
        run: String,
    },
    /// Import data from another system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Remove decision-log runs and audit entries past their retention (`[retention]`), keeping
    /// every run a child's latest evaluation or a report still depends on.
    Prune {
        /// Say what would be removed, and remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Scheduled reports to boards and inspectors.
    Subscription {
        #[command(subcommand)]
        command: subscriptions::SubscriptionCommand,
    },
    /// Regulators who publish policies of their own, and their signing keys.
    Regulator {
        #[command(subcommand)]
        command: regulators::RegulatorCommand,
    },
    /// Regulators' policy plugins: authoring tools, and where they run.
    Plugin {
        #[command(subcommand)]
        command: plugins::PluginCommand,
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
        /// The registered regulator a regulator token acts for.
        #[arg(long)]
        regulator: Option<String>,
    },
    /// List tokens (never their secrets), newest first.
    List,
    /// Replace a token with a new secret of the same role and scope; the old one stops working.
    Rotate { id: String },
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum IroCommand {
    /// Add an IRO to the directory, or change their entry.
    Set {
        /// The IRO's id, as care records name them.
        id: String,
        #[arg(long)]
        authority: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Working hours as a fraction of full time (1 for full time, 0.5 for half time).
        #[arg(long, default_value_t = 1.0)]
        hours: f64,
    },
    /// List IROs with their caseloads against the guide, one JSON object a line.
    List {
        #[arg(long)]
        authority: Option<String>,
    },
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
        /// Date the return is read as of: rows dated after it are errors (default 31 March of
        /// the collection year, so the same files always give the same result).
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

/// How a command ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Everything was done.
    Complete,
    /// The command finished but rejected some items.
    Partial,
}

impl From<Finished> for ExitCode {
    fn from(finished: Finished) -> Self {
        match finished {
            Finished::Complete => ExitCode::SUCCESS,
            Finished::Partial => ExitCode::from(3),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(finished) => finished.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Finished> {
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
    runtime.block_on(commands::dispatch(cli.command, config))
}
