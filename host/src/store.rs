//! Persistence on embedded SQLite (the default) or PostgreSQL (several stateless replicas on one
//! server), through one code path: sqlx's `Any` driver with SQL both engines accept.
//!
//! Care records are versioned append-only: every write is a new version carrying who wrote it
//! and when, an identical re-submission creates nothing, and triggers in both engines refuse any
//! UPDATE or DELETE of a version or an audit entry.

use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
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

/// A record ready to store: canonical JSON and what listing needs, derived by the caller.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub authority: String,
    pub child_id: String,
    pub body: String,
    pub body_sha256: String,
    pub next_review_due: Option<NaiveDate>,
    pub iros: Vec<(String, NaiveDate, Option<NaiveDate>)>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Written {
    pub authority: String,
    pub child_id: String,
    pub version: i64,
    pub outcome: WriteOutcome,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredVersion {
    pub version: i64,
    pub written_at: String,
    pub written_by: String,
    pub source: String,
    #[serde(skip)]
    pub body: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChildSummary {
    pub authority: String,
    pub child_id: String,
    pub current_version: i64,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_due: Option<NaiveDate>,
    pub updated_at: String,
}

/// Which children a listing returns.
#[derive(Debug, Clone, Default)]
pub struct ChildFilter {
    /// Only these authorities (`None`: all).
    pub authorities: Option<Vec<String>>,
    /// Only children assigned to this IRO on `today`.
    pub iro: Option<String>,
    pub today: Option<NaiveDate>,
    /// Only children whose next review is due on or before this date.
    pub review_due_by: Option<NaiveDate>,
    /// Keyset pagination: children after this (authority, child id).
    pub after: Option<(String, String)>,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    pub secret_sha256: String,
    pub role: String,
    pub authorities: Option<String>,
    pub iro_id: Option<String>,
    pub revoked: bool,
}

/// Who is acting, for the audit rows a write or an evaluation adds in its own transaction.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub role: String,
    pub remote_addr: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// A command run on the server itself (CLI, demo set-up, benchmarks).
    pub fn operator(id: &str) -> Self {
        Self {
            id: id.to_string(),
            role: "operator".into(),
            remote_addr: None,
            request_id: None,
        }
    }

    pub fn entry(
        &self,
        action: &'static str,
        authority: &str,
        child_id: &str,
        outcome: &'static str,
    ) -> AuditEntry {
        AuditEntry {
            actor: self.id.clone(),
            role: self.role.clone(),
            action,
            authority: Some(authority.to_string()),
            child_id: Some(child_id.to_string()),
            outcome,
            remote_addr: self.remote_addr.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: String,
    pub role: String,
    pub action: &'static str,
    pub authority: Option<String>,
    pub child_id: Option<String>,
    pub outcome: &'static str,
    pub remote_addr: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: String,
    pub as_of: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub engine: String,
    pub pack: String,
    pub triggered_by: String,
    pub children: i64,
    pub results: i64,
    pub errors: i64,
}

#[derive(Debug, Clone)]
pub struct RunChild {
    pub authority: String,
    pub child_id: String,
    pub record_version: i64,
    pub outcomes: String,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn opt_date(value: Option<String>) -> Result<Option<NaiveDate>> {
    value
        .map(|v| NaiveDate::from_str(&v).map_err(|e| StoreError::Corrupt(format!("date {v}: {e}"))))
        .transpose()
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
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
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

    /// Writes each record as a new version, in one transaction with its audit rows; identical
    /// records write no version (the attempt is still audited, as `unchanged`).
    pub async fn put_versions(
        &self,
        versions: &[NewVersion],
        actor: &Actor,
        source: &str,
    ) -> Result<Vec<Written>> {
        let written_by = actor.id.as_str();
        let mut tx = self.begin_write().await?;
        let at = now();
        let mut written = Vec::with_capacity(versions.len());
        for v in versions {
            let current = sqlx::query(
                "SELECT current_version, current_sha256 FROM children WHERE authority = $1 AND child_id = $2",
            )
            .bind(&v.authority)
            .bind(&v.child_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (version, outcome) = match current {
                Some(row) => {
                    let version: i64 = row.try_get(0)?;
                    let sha: String = row.try_get(1)?;
                    if sha == v.body_sha256 {
                        written.push(Written {
                            authority: v.authority.clone(),
                            child_id: v.child_id.clone(),
                            version,
                            outcome: WriteOutcome::Unchanged,
                        });
                        continue;
                    }
                    (version + 1, WriteOutcome::Updated)
                }
                None => (1, WriteOutcome::Created),
            };
            let inserted = sqlx::query(
                "INSERT INTO record_versions (authority, child_id, version, body, body_sha256, written_at, written_by, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(&v.authority)
            .bind(&v.child_id)
            .bind(version)
            .bind(&v.body)
            .bind(&v.body_sha256)
            .bind(&at)
            .bind(written_by)
            .bind(source)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "record {}/{} was changed by another writer at the same time; send it again",
                    v.authority, v.child_id
                )));
            }
            sqlx::query(
                "INSERT INTO children (authority, child_id, current_version, current_sha256, next_review_due, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (authority, child_id) DO UPDATE SET current_version = excluded.current_version, \
                 current_sha256 = excluded.current_sha256, next_review_due = excluded.next_review_due, \
                 updated_at = excluded.updated_at",
            )
            .bind(&v.authority)
            .bind(&v.child_id)
            .bind(version)
            .bind(&v.body_sha256)
            .bind(v.next_review_due.map(|d| d.to_string()))
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM child_iros WHERE authority = $1 AND child_id = $2")
                .bind(&v.authority)
                .bind(&v.child_id)
                .execute(&mut *tx)
                .await?;
            for (iro, from, to) in &v.iros {
                sqlx::query(
                    "INSERT INTO child_iros (authority, child_id, iro_id, from_date, to_date) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&v.authority)
                .bind(&v.child_id)
                .bind(iro)
                .bind(from.to_string())
                .bind(to.map(|d| d.to_string()))
                .execute(&mut *tx)
                .await?;
            }
            written.push(Written {
                authority: v.authority.clone(),
                child_id: v.child_id.clone(),
                version,
                outcome,
            });
        }
        let audit: Vec<AuditEntry> = written
            .iter()
            .map(|w| {
                let outcome = match w.outcome {
                    WriteOutcome::Created => "created",
                    WriteOutcome::Updated => "updated",
                    WriteOutcome::Unchanged => "unchanged",
                };
                actor.entry("write_record", &w.authority, &w.child_id, outcome)
            })
            .collect();
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// The current version of a child's record.
    pub async fn current(&self, authority: &str, child_id: &str) -> Result<Option<StoredVersion>> {
        let row = sqlx::query(
            "SELECT v.version, v.written_at, v.written_by, v.source, v.body FROM children c \
             JOIN record_versions v ON v.authority = c.authority AND v.child_id = c.child_id AND v.version = c.current_version \
             WHERE c.authority = $1 AND c.child_id = $2",
        )
        .bind(authority)
        .bind(child_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| version_from_row(&r)).transpose()
    }

    /// One version of a child's record.
    pub async fn version(
        &self,
        authority: &str,
        child_id: &str,
        version: i64,
    ) -> Result<Option<StoredVersion>> {
        let row = sqlx::query(
            "SELECT version, written_at, written_by, source, body FROM record_versions \
             WHERE authority = $1 AND child_id = $2 AND version = $3",
        )
        .bind(authority)
        .bind(child_id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| version_from_row(&r)).transpose()
    }

    /// Every version of a child's record, oldest first.
    pub async fn history(&self, authority: &str, child_id: &str) -> Result<Vec<StoredVersion>> {
        let rows = sqlx::query(
            "SELECT version, written_at, written_by, source, body FROM record_versions \
             WHERE authority = $1 AND child_id = $2 ORDER BY version",
        )
        .bind(authority)
        .bind(child_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Whether the child is assigned to `iro_id` on `today`.
    pub async fn is_assigned(
        &self,
        authority: &str,
        child_id: &str,
        iro_id: &str,
        today: NaiveDate,
    ) -> Result<bool> {
        let today = today.to_string();
        let row = sqlx::query(
            "SELECT COUNT(*) FROM child_iros WHERE authority = $1 AND child_id = $2 AND iro_id = $3 \
             AND from_date <= $4 AND (to_date IS NULL OR to_date >= $4)",
        )
        .bind(authority)
        .bind(child_id)
        .bind(iro_id)
        .bind(&today)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// Children matching `filter`, ordered by authority then child id.
    pub async fn list_children(&self, filter: &ChildFilter) -> Result<Vec<ChildSummary>> {
        let mut q = KeysetQuery::new(
            "SELECT c.authority, c.child_id, c.current_version, c.next_review_due, c.updated_at FROM children c WHERE 1 = 1",
            "c.",
        );
        if !q.in_authorities(filter.authorities.as_deref()) {
            return Ok(Vec::new());
        }
        if let Some(iro) = &filter.iro {
            let today = filter
                .today
                .unwrap_or_else(|| Utc::now().date_naive())
                .to_string();
            let p_iro = q.bind(iro.clone());
            let p_today = q.bind(today);
            q.sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM child_iros i WHERE i.authority = c.authority AND i.child_id = c.child_id \
                 AND i.iro_id = {p_iro} AND i.from_date <= {p_today} AND (i.to_date IS NULL OR i.to_date >= {p_today}))"
            ));
        }
        if let Some(due_by) = filter.review_due_by {
            let p = q.bind(due_by.to_string());
            q.sql.push_str(&format!(
                " AND c.next_review_due IS NOT NULL AND c.next_review_due <= {p}"
            ));
        }
        let rows = q
            .fetch_page(&self.pool, filter.after.as_ref(), filter.limit)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ChildSummary {
                    authority: r.try_get(0)?,
                    child_id: r.try_get(1)?,
                    current_version: r.try_get(2)?,
                    next_review_due: opt_date(r.try_get(3)?)?,
                    updated_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Current versions of every child in scope, in key order, `limit` at a time after `after`.
    pub async fn current_records_page(
        &self,
        authorities: Option<&[String]>,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Result<Vec<(String, String, i64, String)>> {
        let mut q = KeysetQuery::new(
            "SELECT c.authority, c.child_id, c.current_version, v.body FROM children c \
             JOIN record_versions v ON v.authority = c.authority AND v.child_id = c.child_id AND v.version = c.current_version WHERE 1 = 1",
            "c.",
        );
        if !q.in_authorities(authorities) {
            return Ok(Vec::new());
        }
        let rows = q.fetch_page(&self.pool, after, limit).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    pub async fn count_children(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM children")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn count_versions(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM record_versions")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    // ---- tokens ----

    pub async fn insert_token(
        &self,
        id: &str,
        secret_sha256: &str,
        role: &str,
        authorities: Option<&str>,
        iro_id: Option<&str>,
        label: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO tokens (id, secret_sha256, role, authorities, iro_id, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(secret_sha256)
        .bind(role)
        .bind(authorities)
        .bind(iro_id)
        .bind(label)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn find_token(&self, id: &str) -> Result<Option<TokenRow>> {
        let row = sqlx::query(
            "SELECT id, secret_sha256, role, authorities, iro_id, revoked_at FROM tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TokenRow {
                id: r.try_get(0)?,
                secret_sha256: r.try_get(1)?,
                role: r.try_get(2)?,
                authorities: r.try_get(3)?,
                iro_id: r.try_get(4)?,
                revoked: r.try_get::<Option<String>, _>(5)?.is_some(),
            })
        })
        .transpose()
    }

    pub async fn revoke_token(&self, id: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    // ---- audit ----

    pub async fn audit(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        insert_audit(&mut tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_audit(&self, action: Option<&str>) -> Result<i64> {
        let row = match action {
            Some(a) => {
                sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                    .bind(a)
                    .fetch_one(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT COUNT(*) FROM audit_log")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        Ok(row.try_get(0)?)
    }

    // ---- plugins ----

    /// Keeps a plugin's bytes (once per sha256).
    pub async fn put_plugin(
        &self,
        sha256: &str,
        policy_id: &str,
        version: &str,
        metadata: &str,
        wasm: &[u8],
        added_by: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO plugins (sha256, policy_id, version, metadata, wasm, added_at, added_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(policy_id)
        .bind(version)
        .bind(metadata)
        .bind(wasm)
        .bind(now())
        .bind(added_by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn plugin_wasm(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT wasm FROM plugins WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    // ---- decision log ----

    /// Opens a run. `complete` marks a run over every child in scope with every policy, the only
    /// kind that stands for an authority in reports.
    pub async fn create_run(
        &self,
        id: &str,
        as_of: NaiveDate,
        engine: &str,
        pack: &str,
        triggered_by: &str,
        complete: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO runs (id, as_of, started_at, engine, pack, triggered_by, complete) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(as_of.to_string())
        .bind(now())
        .bind(engine)
        .bind(pack)
        .bind(triggered_by)
        .bind(i64::from(complete))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a page of a run's children, auditing each child's record as read by `actor`.
    pub async fn add_run_children(
        &self,
        run_id: &str,
        children: &[RunChild],
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let audit: Vec<AuditEntry> = children
            .iter()
            .map(|c| actor.entry("evaluate_record", &c.authority, &c.child_id, "ok"))
            .collect();
        insert_audit(&mut tx, &audit).await?;
        // Multi-row inserts keep a 100,000-child run to a few hundred statements.
        for chunk in children.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO run_children (run_id, authority, child_id, record_version, outcomes) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 5;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query
                    .bind(run_id)
                    .bind(&c.authority)
                    .bind(&c.child_id)
                    .bind(c.record_version)
                    .bind(&c.outcomes);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn finish_run(
        &self,
        id: &str,
        children: i64,
        results: i64,
        errors: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE runs SET finished_at = $1, children = $2, results = $3, errors = $4 WHERE id = $5",
        )
        .bind(now())
        .bind(children)
        .bind(results)
        .bind(errors)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn run(&self, id: &str) -> Result<Option<RunRow>> {
        let row = sqlx::query(
            "SELECT id, as_of, started_at, finished_at, engine, pack, triggered_by, children, results, errors FROM runs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// Finished complete runs (every child in scope, every policy), newest first.
    pub async fn recent_complete_runs(&self, limit: i64) -> Result<Vec<RunRow>> {
        let rows = sqlx::query(
            "SELECT id, as_of, started_at, finished_at, engine, pack, triggered_by, children, results, errors FROM runs \
             WHERE finished_at IS NOT NULL AND complete = 1 ORDER BY finished_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// The children of a run, `limit` at a time in key order after `after`.
    pub async fn run_children(
        &self,
        run_id: &str,
        authorities: Option<&[String]>,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Result<Vec<RunChild>> {
        let mut q = KeysetQuery::new(
            "SELECT authority, child_id, record_version, outcomes FROM run_children WHERE 1 = 1",
            "",
        );
        let p_run = q.bind(run_id.to_string());
        q.sql.push_str(&format!(" AND run_id = {p_run}"));
        if !q.in_authorities(authorities) {
            return Ok(Vec::new());
        }
        let rows = q.fetch_page(&self.pool, after, limit).await?;
        rows.iter()
            .map(|r| {
                Ok(RunChild {
                    authority: r.try_get(0)?,
                    child_id: r.try_get(1)?,
                    record_version: r.try_get(2)?,
                    outcomes: r.try_get(3)?,
                })
            })
            .collect()
    }
}

/// A query over rows keyed by (authority, child id), built with numbered placeholders both
/// engines accept, filtered by authority and paged by key (never by OFFSET, which slows with depth).
struct KeysetQuery {
    sql: String,
    binds: Vec<String>,
    /// Table alias prefix for the key columns (`"c."` or `""`).
    prefix: &'static str,
}

impl KeysetQuery {
    fn new(base: &str, prefix: &'static str) -> Self {
        Self {
            sql: base.to_string(),
            binds: Vec::new(),
            prefix,
        }
    }

    fn bind(&mut self, value: String) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Restricts to `authorities`; returns false when the list is empty (nothing can match).
    fn in_authorities(&mut self, authorities: Option<&[String]>) -> bool {
        let Some(authorities) = authorities else {
            return true;
        };
        if authorities.is_empty() {
            return false;
        }
        let placeholders: Vec<String> = authorities.iter().map(|a| self.bind(a.clone())).collect();
        let p = self.prefix;
        self.sql.push_str(&format!(
            " AND {p}authority IN ({})",
            placeholders.join(", ")
        ));
        true
    }

    /// Adds the keyset condition, the order and the limit, and runs the query.
    async fn fetch_page(
        mut self,
        pool: &AnyPool,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let p = self.prefix;
        if let Some((authority, child_id)) = after {
            let pa = self.bind(authority.clone());
            let pc = self.bind(child_id.clone());
            self.sql.push_str(&format!(
                " AND ({p}authority > {pa} OR ({p}authority = {pa} AND {p}child_id > {pc}))"
            ));
        }
        self.sql.push_str(&format!(
            " ORDER BY {p}authority, {p}child_id LIMIT {}",
            limit.max(0)
        ));
        let mut query = sqlx::query(&self.sql);
        for b in &self.binds {
            query = query.bind(b.as_str());
        }
        Ok(query.fetch_all(pool).await?)
    }
}

/// Appends audit rows inside the caller's transaction, many rows per statement.
async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entries: &[AuditEntry],
) -> Result<()> {
    let at = now();
    for chunk in entries.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO audit_log (at, actor, role, action, authority, child_id, outcome, remote_addr, request_id) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 9;
            if i > 0 {
                sql.push_str(", ");
            }
            let placeholders: Vec<String> = (1..=9).map(|k| format!("${}", b + k)).collect();
            sql.push_str(&format!("({})", placeholders.join(", ")));
        }
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(&at)
                .bind(&e.actor)
                .bind(&e.role)
                .bind(e.action)
                .bind(&e.authority)
                .bind(&e.child_id)
                .bind(e.outcome)
                .bind(&e.remote_addr)
                .bind(&e.request_id);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

fn version_from_row(r: &sqlx::any::AnyRow) -> Result<StoredVersion> {
    Ok(StoredVersion {
        version: r.try_get(0)?,
        written_at: r.try_get(1)?,
        written_by: r.try_get(2)?,
        source: r.try_get(3)?,
        body: r.try_get(4)?,
    })
}

fn run_from_row(r: &sqlx::any::AnyRow) -> Result<RunRow> {
    Ok(RunRow {
        id: r.try_get(0)?,
        as_of: r.try_get(1)?,
        started_at: r.try_get(2)?,
        finished_at: r.try_get(3)?,
        engine: r.try_get(4)?,
        pack: r.try_get(5)?,
        triggered_by: r.try_get(6)?,
        children: r.try_get(7)?,
        results: r.try_get(8)?,
        errors: r.try_get(9)?,
    })
}
