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
    time_text(Utc::now())
}

/// A time as stored (milliseconds, UTC): text that sorts as the times do, so leases and
/// deadlines compare in SQL on both engines.
pub fn time_text(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A stored ISO date, which must parse.
pub(crate) fn date(value: &str) -> Result<NaiveDate> {
    NaiveDate::from_str(value).map_err(|e| StoreError::Corrupt(format!("date {value}: {e}")))
}

/// A stored optional ISO date.
pub(crate) fn opt_date(value: Option<String>) -> Result<Option<NaiveDate>> {
    value.as_deref().map(date).transpose()
}

/// Rows per multi-row statement: well inside both databases' limits on bound parameters.
pub(crate) const ROWS_PER_STATEMENT: usize = 100;

/// `VALUES` placeholders for a multi-row statement on `conn`: `rows` groups of `columns`
/// parameters. PostgreSQL numbers them (`$1, $2, …`); SQLite gets anonymous `?`s, bound in
/// order, because SQLite looks a numbered parameter's name up by scanning every name in the
/// statement, so binding a 700-parameter insert by number costs time in the square of its size
/// (a tenth of an import's time, measured with perf, before this).
pub(crate) fn values_placeholders(
    conn: &sqlx::AnyConnection,
    rows: usize,
    columns: usize,
) -> String {
    let sqlite = Backend::of(conn) == Backend::Sqlite;
    (0..rows)
        .map(|row| {
            let group: Vec<String> = (1..=columns)
                .map(|k| {
                    if sqlite {
                        "?".to_string()
                    } else {
                        format!("${}", row * columns + k)
                    }
                })
                .collect();
            format!("({})", group.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Backend {
    /// The engine behind a connection of the `Any` driver.
    fn of(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
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
    ///
    /// The `BEGIN` runs on a task of its own. A caller dropped while it waits (a client that
    /// hangs up while SQLite's write lock is held elsewhere) would otherwise leave the `BEGIN`
    /// to finish with nobody holding the transaction: the connection would go back to the pool
    /// inside an open transaction, holding the write lock, and refuse every later `BEGIN`. On
    /// its own task, a transaction nobody takes is dropped there, which rolls it back.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let pool = self.pool.clone();
        let backend = self.backend;
        let begun = tokio::spawn(async move {
            match backend {
                Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
                Backend::Postgres => pool.begin().await,
            }
        })
        .await
        .unwrap_or_else(|panicked| std::panic::resume_unwind(panicked.into_panic()));
        Ok(begun?)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn writers_that_give_up_at_any_moment_strand_no_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let store = Store::connect(&url, 4).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(store.pool())
            .await
            .unwrap();
        // Writers that give up after anything from 0 to ~1 ms, as requests do when their client
        // hangs up: some before their BEGIN ran, some while it waited for the write lock, some
        // just after it succeeded. Whatever moment each stopped at, nothing may be left open.
        let mut abandoned = Vec::new();
        for i in 0..3000u64 {
            let store = store.clone();
            abandoned.push(tokio::spawn(async move {
                let patience = Duration::from_micros((i * 37) % 700);
                if let Ok(Ok(mut tx)) = tokio::time::timeout(patience, store.begin_write()).await {
                    let _ = tokio::time::timeout(
                        patience,
                        sqlx::query("INSERT INTO t (x) VALUES (1)").execute(&mut *tx),
                    )
                    .await;
                }
            }));
        }
        for task in abandoned {
            task.await.unwrap();
        }
        // Every later write succeeds, whichever pooled connection it gets, and promptly.
        for x in 0..20 {
            let started = std::time::Instant::now();
            let mut tx = store.begin_write().await.unwrap();
            sqlx::query("INSERT INTO t (x) VALUES ($1)")
                .bind(x)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "write {x} waited"
            );
        }
    }
}
