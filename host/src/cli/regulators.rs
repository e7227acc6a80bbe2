//! `carecheck regulator …`: register the regulators whose signed plugins the service accepts,
//! add and revoke their Ed25519 public keys (run on the server: whoever runs it holds the
//! database). Every change is audited as `cli:regulator`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::Finished;
use crate::access::Actor;
use crate::config::Config;
use crate::regulators::{self, keys};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum RegulatorCommand {
    /// Register a regulator (if new) with a public key (PEM, from `carecheck plugin keygen` or
    /// `openssl pkey -pubout`); prints the key's id.
    Add {
        name: String,
        #[arg(long, value_name = "PATH.pub")]
        key: PathBuf,
    },
    /// Revoke one of a regulator's keys: plugins only it signed stop running on every replica.
    RevokeKey {
        name: String,
        /// The key, by its public key file…
        #[arg(
            long,
            value_name = "PATH.pub",
            conflicts_with = "key_id",
            required_unless_present = "key_id"
        )]
        key: Option<PathBuf>,
        /// …or by its id (as `regulator list` shows it).
        #[arg(long)]
        key_id: Option<String>,
    },
    /// List regulators and their keys (as JSON lines).
    List,
}

pub async fn run(config: &Config, command: RegulatorCommand) -> Result<Finished> {
    let store = Store::open(&config.database_url, 1).await?;
    let actor = Actor::operator("cli:regulator");
    match command {
        RegulatorCommand::Add { name, key } => {
            let public = read_public(&key)?;
            let (key, created) = regulators::add_key(&store, &name, &public, &actor).await?;
            println!("{}", key.id);
            eprintln!(
                "{} {name}: key {} added",
                if created {
                    "registered regulator"
                } else {
                    "regulator"
                },
                key.id
            );
        }
        RegulatorCommand::RevokeKey { name, key, key_id } => {
            let id = match (key, key_id) {
                (Some(path), _) => keys::key_id(&read_public(&path)?),
                (None, Some(id)) => id,
                (None, None) => unreachable!("clap requires one of --key and --key-id"),
            };
            let key = regulators::revoke_key(&store, &name, &id, &actor).await?;
            eprintln!(
                "key {} of regulator {name} revoked at {}; plugins only it signed stop running",
                key.id,
                key.revoked_at.unwrap_or_default()
            );
        }
        RegulatorCommand::List => {
            for regulator in regulators::list(&store).await? {
                println!("{}", serde_json::to_string(&regulator)?);
            }
        }
    }
    Ok(Finished::Complete)
}

/// Reads a PEM public key file.
pub fn read_public(path: &std::path::Path) -> Result<ed25519_dalek::VerifyingKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    keys::parse_public(&text).map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))
}
