//! The plugin generation: one number, raised in the same transaction as every change to what
//! runs where (an enablement, a disablement, a revoked key). Each replica polls it and rebuilds
//! its per-authority policy sets when it moves, so a change reaches every replica within a poll
//! interval without a restart, on SQLite and PostgreSQL alike.

use sqlx::Row;

use crate::store::{Result, Store};

/// Raises the generation inside the caller's transaction.
pub async fn bump(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    sqlx::query("UPDATE plugin_generation SET generation = generation + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The generation now.
pub async fn current(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT generation FROM plugin_generation WHERE id = 1")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}
