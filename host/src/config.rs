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
    /// The listener's timeouts, connection cap and rate limits.
    pub server: ServerLimits,
    /// HTTPS served by carecheck itself (both paths, or neither for plain HTTP behind a proxy).
    pub tls: TlsConfig,
    /// How long the decision log and the audit log keep entries (`carecheck prune`).
    pub retention: Retention,
    /// The SMTP server scheduled reports are emailed through, in lettre's URL form
    /// (`smtp://host:25`, `smtps://user:pass@host`, `smtp://host:587?tls=required`); unset: no
    /// email subscriptions.
    pub smtp_url: Option<String>,
    /// The address scheduled reports come from.
    pub smtp_from: String,
    /// The folder that holds every subscription's outbox folder; unset: no outbox subscriptions.
    pub outbox_dir: Option<PathBuf>,
    /// How the report scheduler runs in `carecheck serve`.
    pub scheduler: SchedulerConfig,
    /// The IRO caseload guide per full-time IRO (IRO Handbook 2010: 50-70 children).
    pub iro_caseload: crate::iros::CaseloadGuide,
    /// The web pages' sign-in sessions.
    pub web: WebConfig,
    /// Regulators' plugins: upload size, dry runs, and how replicas notice enablements.
    pub plugins: PluginCatalog,
    /// Runs shared across replicas: chunk size, leases, polling.
    pub runs: SharedRunsConfig,
}

/// Runs shared across replicas (`runs::shared`): a run started over the API is split into
/// chunks that every `carecheck serve` replica and `carecheck worker` claims.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SharedRunsConfig {
    /// Children per chunk: what one replica claims, evaluates and logs in one transaction.
    pub chunk_children: u32,
    /// How long a claimed chunk is its replica's; a replica that dies leaves its chunk to
    /// others after this long. Keep it well above a chunk's evaluation time.
    pub lease_ms: u64,
    /// How often an idle replica looks for chunks to claim, in milliseconds.
    pub poll_ms: u64,
}

impl Default for SharedRunsConfig {
    fn default() -> Self {
        Self {
            chunk_children: 1_000,
            lease_ms: 60_000,
            poll_ms: 1_000,
        }
    }
}

/// Regulators' plugins (`catalog`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PluginCatalog {
    /// Largest plugin upload, component and signature together, in bytes. A Python policy's
    /// component carries the interpreter: about 19 MB.
    pub max_upload_bytes: usize,
    /// How often each replica looks for a changed enablement or revoked key, in milliseconds.
    pub poll_ms: u64,
    /// Synthetic children every uploaded plugin is dry-run over before it is accepted.
    pub dry_run_children: u64,
}

impl Default for PluginCatalog {
    fn default() -> Self {
        Self {
            max_upload_bytes: 32 * 1024 * 1024,
            poll_ms: 2_000,
            dry_run_children: 20,
        }
    }
}

/// Days kept before `carecheck prune` may remove an entry. A run still needed (some child's
/// latest evaluation, or what reports read) is kept however old; care records are never pruned.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Audit-log entries (who read or wrote which child's record). At least 365.
    pub audit_log_days: u32,
    /// Evaluation runs and their per-child results. At least 30.
    pub decision_log_days: u32,
}

impl Retention {
    /// The shortest audit retention accepted: the database itself refuses to remove an entry
    /// from the last 365 days.
    pub const MIN_AUDIT_LOG_DAYS: u32 = 365;
    pub const MIN_DECISION_LOG_DAYS: u32 = 30;
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            // Seven years: what local authorities commonly keep access records of case files for.
            audit_log_days: 2_557,
            decision_log_days: 730,
        }
    }
}

/// The report scheduler's timing (see `subscriptions::scheduler`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// Run the scheduler in `carecheck serve` (on every replica: they share the work safely).
    pub enabled: bool,
    /// How often each loop looks for work, in milliseconds.
    pub tick_ms: u64,
    /// How long a replica holds a report or delivery it works on without renewing the lease;
    /// a replica that dies leaves its work to others after this long.
    pub lease_ms: u64,
    /// The first retry's delay, in milliseconds; it doubles per attempt up to an hour.
    pub retry_base_ms: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            tick_ms: 1_000,
            lease_ms: 60_000,
            retry_base_ms: 5_000,
        }
    }
}

/// Signed-in browser sessions.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Hours a session lasts from sign-in (the token's own expiry and revocation end it sooner).
    pub session_hours: u32,
    /// Mark the session cookie `Secure` even though carecheck itself serves plain HTTP (set it
    /// behind a TLS-terminating proxy); with `tls.cert_path` set the cookie is always `Secure`.
    pub secure_cookies: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            session_hours: 8,
            secure_cookies: false,
        }
    }
}

/// What the listener allows one client, each figure independent of the others.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerLimits {
    /// Time a client has to send a whole request head (request line and headers), counted from
    /// when the server starts waiting for it: on a new connection, or after the previous
    /// response on a kept-alive one. Also bounds the TLS handshake.
    pub header_timeout_ms: u64,
    /// A connection on which no byte moves either way for this long, while no request is being
    /// worked on, is closed (slow readers and stalled uploads).
    pub idle_timeout_ms: u64,
    /// Connections open at once; past it new connections wait in the kernel's listen queue.
    pub max_connections: usize,
    /// Connections one client address may hold at once (0: no limit); past it a new connection
    /// from that address is closed at once, so one client cannot take every slot.
    pub max_connections_per_ip: usize,
    pub rate_limit: RateLimits,
}

/// Request rates, each a token bucket refilled at the given rate and holding `burst` requests;
/// `0` turns a limit off. Past a limit the answer is `429` with `Retry-After`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// API requests per minute from one client address.
    pub per_ip_per_minute: u32,
    /// API requests per minute by one authenticated token.
    pub per_token_per_minute: u32,
    /// Requests a client may make at once above the steady rate.
    pub burst: u32,
}

/// PEM files for HTTPS.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// The certificate chain, leaf first.
    pub cert_path: Option<PathBuf>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: Option<PathBuf>,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            max_connections: 512,
            max_connections_per_ip: 256,
            rate_limit: RateLimits::default(),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 1_200,
            per_token_per_minute: 600,
            burst: 60,
        }
    }
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
    /// Largest result list a plugin may return, in bytes (of JSON text, or packed).
    pub max_output_bytes: usize,
    /// Evaluations run in parallel (0 = one per core).
    pub parallelism: usize,
    /// Records a plugin built against contract 1.1 or later evaluates on one instance (`prepare`
    /// once, then `evaluate-prepared` or `evaluate-packed` per record, each call with its own
    /// fuel and deadline); 1 gives
    /// every record a fresh instance. Kept with every run, so a replay batches exactly as the
    /// run did; a run logged before batching existed reads as 1.
    #[serde(default = "unbatched")]
    pub batch: usize,
}

/// What a run logged before batching used: a fresh instance per record.
fn unbatched() -> usize {
    1
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
            batch: 64,
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
            server: ServerLimits::default(),
            tls: TlsConfig::default(),
            retention: Retention::default(),
            smtp_url: None,
            smtp_from: "carecheck@localhost".into(),
            outbox_dir: None,
            scheduler: SchedulerConfig::default(),
            iro_caseload: crate::iros::CaseloadGuide::default(),
            web: WebConfig::default(),
            plugins: PluginCatalog::default(),
            runs: SharedRunsConfig::default(),
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
        if !(1..=1000).contains(&self.limits.batch) {
            return Err(ConfigError(
                "limits.batch must be between 1 (a fresh instance per record) and 1000".into(),
            ));
        }
        if !(1..=100_000).contains(&self.runs.chunk_children)
            || self.runs.lease_ms < 100
            || self.runs.poll_ms == 0
        {
            return Err(ConfigError(
                "runs.chunk_children must be between 1 and 100,000, runs.lease_ms at least 100 and runs.poll_ms above zero".into(),
            ));
        }
        let server = &self.server;
        if server.header_timeout_ms == 0
            || server.idle_timeout_ms == 0
            || server.max_connections == 0
        {
            return Err(ConfigError(
                "server.header_timeout_ms, server.idle_timeout_ms and server.max_connections must be above zero".into(),
            ));
        }
        if server.max_connections > 1_000_000 {
            return Err(ConfigError(
                "server.max_connections must be at most 1,000,000".into(),
            ));
        }
        if server.rate_limit.burst == 0 {
            return Err(ConfigError(
                "server.rate_limit.burst must be above zero (set a rate to 0 to turn it off)"
                    .into(),
            ));
        }
        if self.retention.audit_log_days < Retention::MIN_AUDIT_LOG_DAYS
            || self.retention.decision_log_days < Retention::MIN_DECISION_LOG_DAYS
        {
            return Err(ConfigError(format!(
                "retention.audit_log_days must be at least {} and retention.decision_log_days at least {}",
                Retention::MIN_AUDIT_LOG_DAYS,
                Retention::MIN_DECISION_LOG_DAYS
            )));
        }
        if self.iro_caseload.min > self.iro_caseload.max || self.iro_caseload.max == 0 {
            return Err(ConfigError(
                "iro_caseload.min must be at most iro_caseload.max, and max above zero".into(),
            ));
        }
        if self.web.session_hours == 0 || self.web.session_hours > 24 * 30 {
            return Err(ConfigError(
                "web.session_hours must be between 1 and 720".into(),
            ));
        }
        if self.tls.cert_path.is_some() != self.tls.key_path.is_some() {
            return Err(ConfigError(
                "tls.cert_path and tls.key_path go together: set both for HTTPS, or neither".into(),
            ));
        }
        if let Some(url) = &self.smtp_url
            && let Err(e) = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
        {
            return Err(ConfigError(format!(
                "smtp_url is not an SMTP URL (smtp://host:port, smtps://...): {e}"
            )));
        }
        if self.smtp_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError(
                "smtp_from must be an email address, e.g. reports@council.example".into(),
            ));
        }
        let p = &self.plugins;
        if p.max_upload_bytes == 0 || p.poll_ms == 0 || p.dry_run_children == 0 {
            return Err(ConfigError(
                "plugins.max_upload_bytes, plugins.poll_ms and plugins.dry_run_children must be above zero".into(),
            ));
        }
        let s = &self.scheduler;
        if s.tick_ms == 0 || s.lease_ms < 1_000 || s.retry_base_ms == 0 {
            return Err(ConfigError(
                "scheduler.tick_ms and scheduler.retry_base_ms must be above zero, scheduler.lease_ms at least 1000".into(),
            ));
        }
        Ok(())
    }

    /// Evaluations to run at once.
    pub fn parallelism(&self) -> usize {
        match self.limits.parallelism {
            0 => crate::parallel::cores(),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // figment's jail returns its own (large) error type.
    #[allow(clippy::result_large_err)]
    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        // In a jail: other tests set CARECHECK_* variables.
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "carecheck.toml",
                "listen = \"127.0.0.1:9000\"\nlisten_port = 9\n",
            )?;
            let err = Config::load_from(Path::new("carecheck.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("listen_port"), "{err}");
            jail.create_file("carecheck.toml", "[limits]\nfuel = 10\n")?;
            let config = Config::load_from(Path::new("carecheck.toml")).unwrap();
            assert_eq!(config.limits.fuel, 10);
            assert_eq!(
                config.limits.deadline_ms,
                PluginLimits::default().deadline_ms
            );
            jail.create_file("carecheck.toml", "[server.rate_limit]\nper_ip = 10\n")?;
            let err = Config::load_from(Path::new("carecheck.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("per_ip"), "{err}");
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn tls_and_listener_settings_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            let absent = Path::new("absent.toml");
            let config = Config::load_from(absent).unwrap();
            assert_eq!(config.tls, TlsConfig::default());
            assert_eq!(config.server, ServerLimits::default());
            jail.set_env("CARECHECK_TLS__CERT_PATH", "/etc/carecheck/cert.pem");
            let err = Config::load_from(absent).unwrap_err().to_string();
            assert!(err.contains("tls.key_path"), "{err}");
            jail.set_env("CARECHECK_TLS__KEY_PATH", "/etc/carecheck/key.pem");
            jail.set_env("CARECHECK_SERVER__HEADER_TIMEOUT_MS", "2500");
            jail.set_env("CARECHECK_SERVER__MAX_CONNECTIONS", "9");
            jail.set_env("CARECHECK_SERVER__RATE_LIMIT__PER_TOKEN_PER_MINUTE", "0");
            let config = Config::load_from(absent).unwrap();
            assert_eq!(
                config.tls.cert_path.as_deref(),
                Some(Path::new("/etc/carecheck/cert.pem"))
            );
            assert_eq!(
                config.tls.key_path.as_deref(),
                Some(Path::new("/etc/carecheck/key.pem"))
            );
            assert_eq!(config.server.header_timeout_ms, 2_500);
            assert_eq!(config.server.max_connections, 9);
            assert_eq!(config.server.rate_limit.per_token_per_minute, 0);
            assert_eq!(config.server.rate_limit.burst, RateLimits::default().burst);
            jail.set_env("CARECHECK_SERVER__MAX_CONNECTIONS", "0");
            let err = Config::load_from(absent).unwrap_err().to_string();
            assert!(err.contains("max_connections"), "{err}");
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn retention_below_its_minimum_is_refused() {
        figment::Jail::expect_with(|jail| {
            let absent = Path::new("absent.toml");
            assert_eq!(
                Config::load_from(absent).unwrap().retention,
                Retention::default()
            );
            // The minimums themselves are accepted...
            jail.set_env("CARECHECK_RETENTION__AUDIT_LOG_DAYS", "365");
            jail.set_env("CARECHECK_RETENTION__DECISION_LOG_DAYS", "30");
            let retention = Config::load_from(absent).unwrap().retention;
            assert_eq!(
                (retention.audit_log_days, retention.decision_log_days),
                (365, 30)
            );
            // ...a day less is not, for either.
            jail.set_env("CARECHECK_RETENTION__AUDIT_LOG_DAYS", "364");
            let err = Config::load_from(absent).unwrap_err().to_string();
            assert!(err.contains("retention.audit_log_days"), "{err}");
            jail.set_env("CARECHECK_RETENTION__AUDIT_LOG_DAYS", "365");
            jail.set_env("CARECHECK_RETENTION__DECISION_LOG_DAYS", "29");
            let err = Config::load_from(absent).unwrap_err().to_string();
            assert!(err.contains("retention.decision_log_days"), "{err}");
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn report_delivery_settings() {
        figment::Jail::expect_with(|jail| {
            let absent = Path::new("absent.toml");
            let config = Config::load_from(absent).unwrap();
            assert_eq!(config.smtp_url, None);
            assert_eq!(config.outbox_dir, None);
            assert!(config.scheduler.enabled);
            jail.set_env("CARECHECK_SMTP_URL", "smtp://127.0.0.1:2525");
            jail.set_env("CARECHECK_SMTP_FROM", "reports@council.example");
            jail.set_env("CARECHECK_OUTBOX_DIR", "/var/lib/carecheck/outbox");
            jail.set_env("CARECHECK_SCHEDULER__LEASE_MS", "3000");
            let config = Config::load_from(absent).unwrap();
            assert_eq!(config.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
            assert_eq!(config.smtp_from, "reports@council.example");
            assert_eq!(
                config.outbox_dir.as_deref(),
                Some(Path::new("/var/lib/carecheck/outbox"))
            );
            assert_eq!(config.scheduler.lease_ms, 3_000);
            jail.set_env("CARECHECK_SMTP_URL", "http://127.0.0.1:2525");
            let err = Config::load_from(absent).unwrap_err().to_string();
            assert!(err.contains("smtp_url"), "{err}");
            jail.set_env("CARECHECK_SMTP_URL", "smtp://127.0.0.1:2525");
            jail.set_env("CARECHECK_SMTP_FROM", "nobody");
            let err = Config::load_from(absent).unwrap_err().to_string();
            assert!(err.contains("smtp_from"), "{err}");
            Ok(())
        });
    }
}
