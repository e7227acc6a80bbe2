//! What every domain shares about persistence: the pool on embedded SQLite (the default) or
//! PostgreSQL (several stateless replicas on one server), migrations, write transactions and
//! keyset paging. One code path serves both engines: sqlx's `Any` driver with SQL both accept.
//!
//! The SQL itself lives with its domain (`records::queries`, `runs::log`, `access::tokens`,
//! `access::audit`, `plugins::stored`); this module knows no table but the migrations'.

mod files;
mod keyset;

use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

pub use keyset::{ChildKey, Keyed, KeysetQuery, Pager};

/// What can go wrong below a domain: the database itself, a migration, or stored data that no
/// longer parses. Domains wrap it in their own typed errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database files could be read by other local users: refuse to serve from them.
    #[error("{0}")]
    Insecure(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The current time as stored: RFC 3339 UTC text with milliseconds.
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A stored ISO date, which must parse.
pub(crate) fn date(value: &str) -> Result<NaiveDate> {
    NaiveDate::from_str(value).map_err(|e| StoreError::Corrupt(format!("date {value}: {e}")))
}

/// A stored optional ISO date.
pub(crate) fn opt_date(value: Option<String>) -> Result<Option<NaiveDate>> {
    value.as_deref().map(date).transpose()
}

/// `VALUES` placeholders for a multi-row insert: `rows` groups of `columns` numbered parameters.
pub(crate) fn values_placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let group: Vec<String> = (1..=columns)
                .map(|k| format!("${}", row * columns + k))
                .collect();
            format!("({})", group.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Connects (creating an SQLite file if needed) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        if backend == Backend::Sqlite {
            files::secure_sqlite(url)?;
        }
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                        )
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Self { pool, backend })
    }

    /// Connects and applies any pending migrations.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self> {
        let store = Self::connect(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a concurrent writer waits for the busy timeout instead of failing
    /// when a read transaction tries to upgrade.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
