//! The one audit writer. Every read or write of a child's record, allowed or refused, and every
//! administrative act is filed here, by one [`Actor`] spelling per caller: `token:<id>` for an
//! API token, `cli:<command>` / `demo` for commands run on the server itself.
//!
//! The log is append-only (triggers in both engines refuse UPDATE and DELETE; the one exception
//! is [`remove_before`], for retention, never reaching into the last 365 days), so rows written
//! before the spelling was unified stay as they were: reads by a token were then filed under the
//! bare token id. [`canonical_actor`] reads both spellings as the same caller.

use sqlx::Row;

use crate::store::{Result, Store, now, values_placeholders};

/// Who is acting, for the audit rows an action adds (in the action's own transaction where it
/// writes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    pub id: String,
    pub role: String,
    pub remote_addr: Option<String>,
    /// The id the server gave the request.
    pub request_id: Option<String>,
    /// The client's own id for the request, if it sent a well-formed one (never trusted as the
    /// request id: filed beside it).
    pub client_request_id: Option<String>,
}

/// What became of an audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Created,
    Updated,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// One audit row, before it is written.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: Actor,
    pub action: &'static str,
    pub authority: Option<String>,
    pub child_id: Option<String>,
    pub outcome: Outcome,
    /// What an administrative act was about (a plugin version, a key), when that is neither an
    /// authority nor a child.
    pub detail: Option<String>,
}

/// One audit row as read back, with the actor in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub authority: Option<String>,
    pub child_id: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

const TOKEN_PREFIX: &str = "token:";

impl Actor {
    /// An API token acting through a request.
    pub fn token(
        token_id: &str,
        role: &str,
        remote_addr: Option<String>,
        request_id: Option<String>,
    ) -> Self {
        Self {
            id: format!("{TOKEN_PREFIX}{token_id}"),
            role: role.to_string(),
            remote_addr,
            request_id,
            client_request_id: None,
        }
    }

    /// A command run on the server itself (CLI, demo set-up, benchmarks).
    pub fn operator(id: &str) -> Self {
        Self {
            id: id.to_string(),
            role: "operator".into(),
            remote_addr: None,
            request_id: None,
            client_request_id: None,
        }
    }

    /// An audit entry for an action by this actor, about one child or none.
    pub fn entry(
        &self,
        action: &'static str,
        authority: Option<&str>,
        child_id: Option<&str>,
        outcome: Outcome,
    ) -> AuditEntry {
        AuditEntry {
            actor: self.clone(),
            action,
            authority: authority.map(str::to_string),
            child_id: child_id.map(str::to_string),
            outcome,
            detail: None,
        }
    }
}

impl AuditEntry {
    /// The entry, saying what the act was about.
    pub fn with_detail(self, detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..self
        }
    }
}

/// The caller a stored actor names: rows written before the spellings were unified filed a
/// token's reads under its bare 16-hex-digit id.
pub fn canonical_actor(stored: &str) -> String {
    let bare_token_id = stored.len() == 16 && stored.bytes().all(|b| b.is_ascii_hexdigit());
    if bare_token_id {
        format!("{TOKEN_PREFIX}{stored}")
    } else {
        stored.to_string()
    }
}

/// Writes entries in a transaction of their own.
pub async fn record(store: &Store, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    insert(&mut tx, entries).await?;
    tx.commit().await?;
    Ok(())
}

/// Appends entries inside the caller's transaction, many rows per statement, so an action and
/// its audit rows commit together or not at all.
pub async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entries: &[AuditEntry],
) -> Result<()> {
    let at = now();
    for chunk in entries.chunks(100) {
        let sql = format!(
            "INSERT INTO audit_log (at, actor, role, action, authority, child_id, outcome, remote_addr, request_id, client_request_id, detail) VALUES {}",
            values_placeholders(tx, chunk.len(), 11)
        );
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(&at)
                .bind(&e.actor.id)
                .bind(&e.actor.role)
                .bind(e.action)
                .bind(&e.authority)
                .bind(&e.child_id)
                .bind(e.outcome.as_str())
                .bind(&e.actor.remote_addr)
                .bind(&e.actor.request_id)
                .bind(&e.actor.client_request_id)
                .bind(&e.detail);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// How many rows record `action` (all rows when `None`).
pub async fn count(store: &Store, action: Option<&str>) -> Result<i64> {
    let row = match action {
        Some(a) => {
            sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                .bind(a)
                .fetch_one(store.pool())
                .await?
        }
        None => {
            sqlx::query("SELECT COUNT(*) FROM audit_log")
                .fetch_one(store.pool())
                .await?
        }
    };
    Ok(row.try_get(0)?)
}

/// How many entries are older than `before` (RFC 3339 UTC).
pub async fn count_before(store: &Store, before: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE at < $1")
        .bind(before)
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}

/// Removes the entries older than `before` (RFC 3339 UTC) in one transaction that holds a
/// prune permit and removes it before committing. The database's own trigger refuses the
/// removal unless `before` lies at least 365 days in the past (migration 0004), whatever the
/// caller asks. Returns the entries removed.
pub async fn remove_before(store: &Store, before: &str) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    sqlx::query("INSERT INTO audit_prune_permits (before) VALUES ($1)")
        .bind(before)
        .execute(&mut *tx)
        .await?;
    let removed = sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM audit_prune_permits")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(removed)
}

/// Everything one caller did, oldest first, under either spelling of its name.
pub async fn by_actor(store: &Store, actor: &str, limit: i64) -> Result<Vec<AuditRecord>> {
    let canonical = canonical_actor(actor);
    let legacy = canonical
        .strip_prefix(TOKEN_PREFIX)
        .unwrap_or(&canonical)
        .to_string();
    let rows = sqlx::query(
        "SELECT at, actor, role, action, authority, child_id, outcome, detail FROM audit_log \
         WHERE actor = $1 OR actor = $2 ORDER BY id LIMIT $3",
    )
    .bind(&canonical)
    .bind(&legacy)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                at: r.try_get(0)?,
                actor: canonical_actor(&r.try_get::<String, _>(1)?),
                role: r.try_get(2)?,
                action: r.try_get(3)?,
                authority: r.try_get(4)?,
                child_id: r.try_get(5)?,
                outcome: r.try_get(6)?,
                detail: r.try_get(7)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_token_id_is_the_same_caller_as_its_token_actor() {
        assert_eq!(
            canonical_actor("0123456789abcdef"),
            "token:0123456789abcdef"
        );
        assert_eq!(
            canonical_actor("token:0123456789abcdef"),
            "token:0123456789abcdef"
        );
        // Operators and anything that is not a bare token id keep their name.
        assert_eq!(canonical_actor("cli:load"), "cli:load");
        assert_eq!(canonical_actor("0123456789abcdeg"), "0123456789abcdeg");
    }
}
