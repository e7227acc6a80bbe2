//! The regulators' SQL: regulators and their keys.

use sqlx::Row;

use super::KeyInfo;
use crate::store::{Result, Store, now};

const KEY_COLUMNS: &str = "id, regulator, public_key, added_at, added_by, revoked_at, revoked_by";

fn key_row(r: &sqlx::any::AnyRow) -> Result<KeyInfo> {
    Ok(KeyInfo {
        id: r.try_get(0)?,
        regulator: r.try_get(1)?,
        public_key: r.try_get(2)?,
        added_at: r.try_get(3)?,
        added_by: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
        revoked_by: r.try_get(6)?,
    })
}

pub(super) async fn exists(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    name: &str,
) -> Result<bool> {
    Ok(sqlx::query("SELECT name FROM regulators WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

pub(super) async fn insert_regulator(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    name: &str,
    by: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO regulators (name, created_at, created_by) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(now())
        .bind(by)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn key_by_id_or_public(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    public_key: &str,
) -> Result<Option<KeyInfo>> {
    let row = sqlx::query(&format!(
        "SELECT {KEY_COLUMNS} FROM regulator_keys WHERE id = $1 OR public_key = $2"
    ))
    .bind(id)
    .bind(public_key)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| key_row(&r)).transpose()
}

pub(super) async fn insert_key(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    key: &KeyInfo,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO regulator_keys (id, regulator, public_key, added_at, added_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&key.id)
    .bind(&key.regulator)
    .bind(&key.public_key)
    .bind(&key.added_at)
    .bind(&key.added_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks a key of `regulator` revoked; the key as it now stands, or `None` if it has no such
/// key that is still current.
pub(super) async fn revoke_key(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    regulator: &str,
    id: &str,
    by: &str,
) -> Result<Option<KeyInfo>> {
    let revoked = sqlx::query(
        "UPDATE regulator_keys SET revoked_at = $1, revoked_by = $2 \
         WHERE regulator = $3 AND id = $4 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(by)
    .bind(regulator)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if revoked == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {KEY_COLUMNS} FROM regulator_keys WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    key_row(&row).map(Some)
}

/// Every regulator's name, in order.
pub(super) async fn names(store: &Store) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT name FROM regulators ORDER BY name")
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// A regulator's keys (all when `regulator` is `None`), current and revoked, oldest first.
pub(super) async fn keys(store: &Store, regulator: Option<&str>) -> Result<Vec<KeyInfo>> {
    let rows = match regulator {
        Some(name) => sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM regulator_keys WHERE regulator = $1 ORDER BY added_at, id"
        ))
        .bind(name)
        .fetch_all(store.pool())
        .await?,
        None => {
            sqlx::query(&format!(
                "SELECT {KEY_COLUMNS} FROM regulator_keys ORDER BY added_at, id"
            ))
            .fetch_all(store.pool())
            .await?
        }
    };
    rows.iter().map(key_row).collect()
}
