//! Every plugin ever loaded or uploaded, kept byte for byte in the database so any run can be
//! replayed with exactly the code that made it.

use sqlx::Row;

use super::runtime::LoadedPlugin;
use crate::store::{Result, Store, now};

/// Keeps a plugin's bytes (once per sha256), with its metadata and who added it.
pub async fn keep(store: &Store, plugin: &LoadedPlugin, wasm: &[u8], added_by: &str) -> Result<()> {
    let mut tx = store.begin_write().await?;
    keep_in(&mut tx, plugin, wasm, added_by).await?;
    tx.commit().await?;
    Ok(())
}

/// [`keep`], inside the caller's transaction.
pub async fn keep_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    plugin: &LoadedPlugin,
    wasm: &[u8],
    added_by: &str,
) -> Result<()> {
    let metadata = serde_json::to_string(&*plugin.metadata)?;
    sqlx::query(
        "INSERT INTO plugins (sha256, policy_id, version, metadata, wasm, added_at, added_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&plugin.sha256)
    .bind(&plugin.metadata.id)
    .bind(&plugin.metadata.version)
    .bind(metadata)
    .bind(wasm)
    .bind(now())
    .bind(added_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The policy id of the plugin with this sha256, if it was ever kept.
pub async fn policy_id(store: &Store, sha256: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT policy_id FROM plugins WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(store.pool())
        .await?;
    row.map(|r| Ok(r.try_get(0)?)).transpose()
}

/// The bytes of the plugin with this sha256, if it was ever kept.
pub async fn wasm(store: &Store, sha256: &str) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT wasm FROM plugins WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(store.pool())
        .await?;
    row.map(|r| Ok(r.try_get(0)?)).transpose()
}
