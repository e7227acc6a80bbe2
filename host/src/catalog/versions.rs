//! The catalog's SQL: published versions (immutable, append-only in the database too), the
//! signatures that vouch for them, and per-authority enablements.

use sqlx::Row;

use super::{Enablement, Version};
use crate::store::{Result, Store, now};

const VERSION_COLUMNS: &str =
    "v.policy_id, v.version, v.sha256, v.regulator, v.published_at, v.published_by, p.metadata";

fn version_row(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok(Version {
        policy_id: r.try_get(0)?,
        version: r.try_get(1)?,
        sha256: r.try_get(2)?,
        regulator: r.try_get(3)?,
        published_at: r.try_get(4)?,
        published_by: r.try_get(5)?,
        metadata: serde_json::from_str(&r.try_get::<String, _>(6)?)?,
        signed_by: Vec::new(),
    })
}

const FROM_VERSIONS: &str = "FROM plugin_versions v JOIN plugins p ON p.sha256 = v.sha256";

/// The version published with these bytes.
pub(super) async fn by_sha(store: &Store, sha256: &str) -> Result<Option<Version>> {
    let row = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} {FROM_VERSIONS} WHERE v.sha256 = $1"
    ))
    .bind(sha256)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| version_row(&r)).transpose()
}

/// `policy_id@version`, if published.
pub(super) async fn get(store: &Store, policy_id: &str, version: &str) -> Result<Option<Version>> {
    let row = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} {FROM_VERSIONS} WHERE v.policy_id = $1 AND v.version = $2"
    ))
    .bind(policy_id)
    .bind(version)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| version_row(&r)).transpose()
}

/// The regulator that publishes `policy_id` (the first to publish a version of it).
pub(super) async fn owner(store: &Store, policy_id: &str) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT regulator FROM plugin_versions WHERE policy_id = $1 ORDER BY published_at LIMIT 1",
    )
    .bind(policy_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| Ok(r.try_get(0)?)).transpose()
}

/// Every published version (a regulator's only, when named), by policy and publication.
pub(super) async fn list(store: &Store, regulator: Option<&str>) -> Result<Vec<Version>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} {FROM_VERSIONS} WHERE ($1 = '' OR v.regulator = $1) \
         ORDER BY v.policy_id, v.published_at, v.version"
    );
    let rows = sqlx::query(&sql)
        .bind(regulator.unwrap_or(""))
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(version_row).collect()
}

pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    version: &Version,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plugin_versions (policy_id, version, sha256, regulator, published_at, published_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&version.policy_id)
    .bind(&version.version)
    .bind(&version.sha256)
    .bind(&version.regulator)
    .bind(&version.published_at)
    .bind(&version.published_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records that `key_id` signed the version with these bytes; whether it was new.
pub(super) async fn add_signature(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sha256: &str,
    key_id: &str,
    signature_hex: &str,
) -> Result<bool> {
    let added = sqlx::query(
        "INSERT INTO plugin_signatures (sha256, key_id, signature, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256, key_id) DO NOTHING",
    )
    .bind(sha256)
    .bind(key_id)
    .bind(signature_hex)
    .bind(now())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(added > 0)
}

/// Every (sha256, key id) signature.
pub(super) async fn signatures(store: &Store) -> Result<Vec<(String, String)>> {
    let rows =
        sqlx::query("SELECT sha256, key_id FROM plugin_signatures ORDER BY added_at, key_id")
            .fetch_all(store.pool())
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

const ENABLEMENT_COLUMNS: &str = "e.authority, e.policy_id, e.version, e.settings, e.enabled_at, e.enabled_by, v.sha256, v.regulator";

/// The enablements of `authorities` (all when `None`), by authority and policy.
pub(super) async fn enablements(
    store: &Store,
    authorities: Option<&[String]>,
) -> Result<Vec<Enablement>> {
    let rows = sqlx::query(&format!(
        "SELECT {ENABLEMENT_COLUMNS} FROM plugin_enablements e \
         JOIN plugin_versions v ON v.policy_id = e.policy_id AND v.version = e.version \
         ORDER BY e.authority, e.policy_id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let authority: String = r.try_get(0)?;
        if authorities.is_some_and(|list| !list.contains(&authority)) {
            continue;
        }
        out.push(Enablement {
            authority,
            policy_id: r.try_get(1)?,
            version: r.try_get(2)?,
            settings: serde_json::from_str(&r.try_get::<String, _>(3)?)?,
            enabled_at: r.try_get(4)?,
            enabled_by: r.try_get(5)?,
            sha256: r.try_get(6)?,
            regulator: r.try_get(7)?,
            suspended: None,
        });
    }
    Ok(out)
}

/// The version of `policy_id` enabled for `authority`, if any.
async fn enabled_version(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    authority: &str,
    policy_id: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT version FROM plugin_enablements WHERE authority = $1 AND policy_id = $2",
    )
    .bind(authority)
    .bind(policy_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok(r.try_get(0)?)).transpose()
}

/// Enables `policy_id@version` for `authority` with `settings` (JSON text), replacing whatever
/// version was enabled there; the version it replaced, if any.
pub(super) async fn upsert_enablement(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    authority: &str,
    policy_id: &str,
    version: &str,
    settings: &str,
    by: &str,
) -> Result<Option<String>> {
    let previous = enabled_version(tx, authority, policy_id).await?;
    sqlx::query(
        "INSERT INTO plugin_enablements (authority, policy_id, version, settings, enabled_at, enabled_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (authority, policy_id) DO UPDATE SET version = excluded.version, \
         settings = excluded.settings, enabled_at = excluded.enabled_at, enabled_by = excluded.enabled_by",
    )
    .bind(authority)
    .bind(policy_id)
    .bind(version)
    .bind(settings)
    .bind(now())
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(previous)
}

/// Removes `policy_id`'s enablement for `authority`; the version that was enabled, if any.
pub(super) async fn delete_enablement(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    authority: &str,
    policy_id: &str,
) -> Result<Option<String>> {
    let previous = enabled_version(tx, authority, policy_id).await?;
    if previous.is_some() {
        sqlx::query("DELETE FROM plugin_enablements WHERE authority = $1 AND policy_id = $2")
            .bind(authority)
            .bind(policy_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(previous)
}
