//! Reading care records: current and past versions, listings, and who is assigned to whom.
//! The writing side is [`super::write`].

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::Row;

use super::{ChildFilter, ChildSummary, CurrentRecord, StoredVersion};
use crate::store::{
    ChildKey, KeysetQuery, ROWS_PER_STATEMENT, Result, Store, opt_date, values_placeholders,
};

fn version_from_row(r: &sqlx::any::AnyRow) -> Result<StoredVersion> {
    Ok(StoredVersion {
        version: r.try_get(0)?,
        written_at: r.try_get(1)?,
        written_by: r.try_get(2)?,
        source: r.try_get(3)?,
        body: r.try_get(4)?,
    })
}

/// The current version of a child's record.
pub async fn current(store: &Store, key: &ChildKey) -> Result<Option<StoredVersion>> {
    let row = sqlx::query(
        "SELECT v.version, v.written_at, v.written_by, v.source, v.body FROM children c \
         JOIN record_versions v ON v.authority = c.authority AND v.child_id = c.child_id AND v.version = c.current_version \
         WHERE c.authority = $1 AND c.child_id = $2",
    )
    .bind(&key.authority)
    .bind(&key.child_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| version_from_row(&r)).transpose()
}

/// The current record body of each child in `keys` that has one, in a few statements however
/// many children (an import merges a whole batch into what is already stored).
pub async fn current_bodies(store: &Store, keys: &[ChildKey]) -> Result<HashMap<ChildKey, String>> {
    let mut conn = store.pool().acquire().await?;
    let mut bodies = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT c.authority, c.child_id, v.body FROM children c \
             JOIN record_versions v ON v.authority = c.authority AND v.child_id = c.child_id AND v.version = c.current_version \
             WHERE (c.authority, c.child_id) IN (VALUES {})",
            values_placeholders(&conn, chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for key in chunk {
            query = query.bind(&key.authority).bind(&key.child_id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            bodies.insert(
                ChildKey::new(row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?),
                row.try_get(2)?,
            );
        }
    }
    Ok(bodies)
}

/// One version of a child's record.
pub async fn version(store: &Store, key: &ChildKey, version: i64) -> Result<Option<StoredVersion>> {
    let row = sqlx::query(
        "SELECT version, written_at, written_by, source, body FROM record_versions \
         WHERE authority = $1 AND child_id = $2 AND version = $3",
    )
    .bind(&key.authority)
    .bind(&key.child_id)
    .bind(version)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| version_from_row(&r)).transpose()
}

/// Every version of a child's record, oldest first.
pub async fn history(store: &Store, key: &ChildKey) -> Result<Vec<StoredVersion>> {
    let rows = sqlx::query(
        "SELECT version, written_at, written_by, source, body FROM record_versions \
         WHERE authority = $1 AND child_id = $2 ORDER BY version",
    )
    .bind(&key.authority)
    .bind(&key.child_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// Whether the child is assigned to `iro_id` on `today`.
pub async fn is_assigned(
    store: &Store,
    key: &ChildKey,
    iro_id: &str,
    today: NaiveDate,
) -> Result<bool> {
    let today = today.to_string();
    let row = sqlx::query(
        "SELECT COUNT(*) FROM child_iros WHERE authority = $1 AND child_id = $2 AND iro_id = $3 \
         AND from_date <= $4 AND (to_date IS NULL OR to_date >= $4)",
    )
    .bind(&key.authority)
    .bind(&key.child_id)
    .bind(iro_id)
    .bind(&today)
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Children matching `filter`, ordered by authority then child id, `limit` after `after`.
pub async fn list_children(
    store: &Store,
    filter: &ChildFilter,
    after: Option<ChildKey>,
    limit: i64,
) -> Result<Vec<ChildSummary>> {
    let mut q = KeysetQuery::new(
        "SELECT c.authority, c.child_id, c.current_version, c.next_review_due, c.updated_at FROM children c WHERE 1 = 1",
        "c.",
    );
    if !q.in_authorities(filter.authorities.as_deref()) {
        return Ok(Vec::new());
    }
    if let Some((iro, today)) = &filter.iro {
        let p_iro = q.bind(iro.clone());
        let p_today = q.bind(today.to_string());
        q.and(&format!(
            "EXISTS (SELECT 1 FROM child_iros i WHERE i.authority = c.authority AND i.child_id = c.child_id \
             AND i.iro_id = {p_iro} AND i.from_date <= {p_today} AND (i.to_date IS NULL OR i.to_date >= {p_today}))"
        ));
    }
    if let Some(due_by) = filter.review_due_by {
        let p = q.bind(due_by.to_string());
        q.and(&format!(
            "c.next_review_due IS NOT NULL AND c.next_review_due <= {p}"
        ));
    }
    if let Some(child_id) = &filter.child_id {
        let p = q.bind(child_id.clone());
        q.and(&format!("c.child_id = {p}"));
    }
    let rows = q.fetch_page(store.pool(), after.as_ref(), limit).await?;
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
pub async fn current_records(
    store: &Store,
    authorities: Option<&[String]>,
    after: Option<ChildKey>,
    limit: i64,
) -> Result<Vec<CurrentRecord>> {
    let mut q = KeysetQuery::new(
        "SELECT c.authority, c.child_id, c.current_version, v.body FROM children c \
         JOIN record_versions v ON v.authority = c.authority AND v.child_id = c.child_id AND v.version = c.current_version WHERE 1 = 1",
        "c.",
    );
    if !q.in_authorities(authorities) {
        return Ok(Vec::new());
    }
    let rows = q.fetch_page(store.pool(), after.as_ref(), limit).await?;
    rows.iter()
        .map(|r| {
            Ok(CurrentRecord {
                key: ChildKey::new(r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?),
                version: r.try_get(2)?,
                body: r.try_get(3)?,
            })
        })
        .collect()
}

pub async fn count_children(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM children")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}

pub async fn count_versions(store: &Store) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM record_versions")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}

/// How many children each IRO is assigned on `today`, by (authority, IRO id), for the
/// authorities given (`None`: all).
pub async fn caseloads(
    store: &Store,
    authorities: Option<&[String]>,
    today: NaiveDate,
) -> Result<Vec<(String, String, i64)>> {
    let today = today.to_string();
    let rows = sqlx::query(
        "SELECT authority, iro_id, COUNT(DISTINCT child_id) FROM child_iros \
         WHERE from_date <= $1 AND (to_date IS NULL OR to_date >= $1) \
         GROUP BY authority, iro_id ORDER BY authority, iro_id",
    )
    .bind(&today)
    .fetch_all(store.pool())
    .await?;
    let mut counts = Vec::new();
    for r in &rows {
        let authority: String = r.try_get(0)?;
        if authorities.is_none_or(|list| list.contains(&authority)) {
            counts.push((authority, r.try_get(1)?, r.try_get(2)?));
        }
    }
    Ok(counts)
}
