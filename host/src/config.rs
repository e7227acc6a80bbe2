//! One typed configuration, read once at start-up.
//!
//! Sources, later ones winning: built-in defaults, a TOML file (`carecheck.toml` in the working
//! directory or the path in `CARECHECK_CONFIG`), then `CARECHECK_*` environment variables
//! (nested keys with a double underscore: `CARECHECK_LIMITS__FUEL`). `DATABASE_URL` is honoured as
//! well because every PostgreSQL deployment tool sets it. Unknown keys are rejected so a typo
//! never silently falls back to a default. No configuration is needed to run the demo.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://path` (default, created on first run) or `postgres://...`.
    pub database_url: String,
    /// Address the API listens on.
    pub listen: SocketAddr,
    /// The policy pack to run (TOML).
    pub pack: PathBuf,
    /// Where uploaded plugins and compiled components are kept.
    pub data_dir: PathBuf,
    /// `human` (default) or `json` logs.
    pub log_format: LogFormat,
    /// Largest request body accepted, in bytes (bulk uploads and imports have their own limit).
    pub max_body_bytes: usize,
    /// Largest bulk upload, in bytes.
    pub max_upload_bytes: usize,
    /// Largest SSDA903 import upload, in bytes (a large authority's return is a few MB).
    pub max_import_bytes: usize,
    /// Days ahead a deadline counts as `due_soon`.
    pub look_ahead_days: u32,
    pub limits: PluginLimits,
    /// Connections in the database pool.
    pub database_max_connections: u32,
    /// Days a new or rotated API token lives before it expires.
    pub token_lifetime_days: u32,
}

/// Limits on every policy evaluation, each independent of the others.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PluginLimits {
    /// Fuel (roughly, WebAssembly instructions) per evaluation: deterministic, so the same input
    /// always stops at the same point.
    pub fuel: u64,
    /// Wall-clock backstop per evaluation, in milliseconds (epoch interruption).
    pub deadline_ms: u64,
    /// Linear memory a plugin instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// Largest result list a plugin may return, in bytes of JSON.
    pub max_output_bytes: usize,
    /// Evaluations run in parallel (0 = one per core).
    pub parallelism: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

impl Default for PluginLimits {
    fn default() -> Self {
        Self {
            fuel: 50_000_000,
            deadline_ms: 2_000,
            memory_bytes: 64 * 1024 * 1024,
            max_output_bytes: 1024 * 1024,
            parallelism: 0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://carecheck.db".into(),
            listen: ([127, 0, 0, 1], 8080).into(),
            pack: PathBuf::from("policies/statutory.toml"),
            data_dir: PathBuf::from(".carecheck"),
            log_format: LogFormat::Human,
            max_body_bytes: 2 * 1024 * 1024,
            max_upload_bytes: 512 * 1024 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
            look_ahead_days: 28,
            limits: PluginLimits::default(),
            database_max_connections: 8,
            token_lifetime_days: crate::access::tokens::DEFAULT_LIFETIME_DAYS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the configuration from the default file (if present) and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var_os("CARECHECK_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("carecheck.toml"));
        Self::load_from(&path)
    }

    /// Reads the configuration from `path` (skipped when absent) and the environment.
    pub fn load_from(path: &Path) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if path.exists() {
            figment = figment.merge(Toml::file_exact(path));
        } else if std::env::var_os("CARECHECK_CONFIG").is_some() {
            return Err(ConfigError(format!(
                "CARECHECK_CONFIG names {}, which does not exist",
                path.display()
            )));
        }
        figment = figment
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(
                Env::prefixed("CARECHECK_")
                    .ignore(&["CONFIG"])
                    .split("__")
                    .map(|k| k.as_str().to_ascii_lowercase().into()),
            );
        let config: Config = figment.extract().map_err(|e| ConfigError(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return Err(ConfigError(format!(
                "database_url must start with sqlite: or postgres://, got a URL with scheme {:?}",
                self.database_url.split(':').next().unwrap_or_default()
            )));
        }
        if self.token_lifetime_days == 0 {
            return Err(ConfigError("token_lifetime_days must be at least 1".into()));
        }
        if self.limits.fuel == 0 || self.limits.deadline_ms == 0 || self.limits.memory_bytes == 0 {
            return Err(ConfigError(
                "limits.fuel, limits.deadline_ms and limits.memory_bytes must be above zero".into(),
            ));
        }
        Ok(())
    }

    /// Evaluations to run at once.
    pub fn parallelism(&self) -> usize {
        match self.limits.parallelism {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let dir = std::env::temp_dir().join(format!("cc-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("carecheck.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nlisten_port = 9\n").unwrap();
        let err = Config::load_from(&path).unwrap_err().to_string();
        assert!(err.contains("listen_port"), "{err}");
        std::fs::write(&path, "[limits]\nfuel = 10\n").unwrap();
        let config = Config::load_from(&path).unwrap();
        assert_eq!(config.limits.fuel, 10);
        assert_eq!(
            config.limits.deadline_ms,
            PluginLimits::default().deadline_ms
        );
    }
}
