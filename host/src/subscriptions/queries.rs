//! The subscriptions domain's SQL: subscriptions, reports and their files, deliveries and
//! attempts, and the claims and leases the scheduler works under. One SQL text serves both
//! engines; PostgreSQL adds `FOR UPDATE SKIP LOCKED` so replicas never wait on each other's
//! claims (SQLite has one writer at a time, `BEGIN IMMEDIATE`).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Spec, Subscription};
use crate::store::{Backend, Result, Store, StoreError, now, time_text};

/// A stored time, which must parse.
pub fn parse_time(value: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time {value}: {e}")))
}

/// A scheduled time as stored and keyed (whole seconds, UTC).
pub fn scheduled_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn skip_locked(store: &Store) -> &'static str {
    match store.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

const SUBSCRIPTION_COLUMNS: &str =
    "id, name, spec, paused, created_at, created_by, scheduled_through";

fn subscription_from_row(r: &sqlx::any::AnyRow) -> Result<Subscription> {
    let spec: Spec = serde_json::from_str(&r.try_get::<String, _>(2)?)?;
    Ok(Subscription {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        spec,
        paused: r.try_get::<i64, _>(3)? != 0,
        created_at: r.try_get(4)?,
        created_by: r.try_get(5)?,
        scheduled_through: r.try_get(6)?,
    })
}

/// Stores a new subscription; `false` if the name is taken.
pub async fn insert(store: &Store, sub: &Subscription) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO subscriptions (id, name, spec, paused, created_at, created_by, scheduled_through) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING",
    )
    .bind(&sub.id)
    .bind(&sub.name)
    .bind(serde_json::to_string(&sub.spec)?)
    .bind(i64::from(sub.paused))
    .bind(&sub.created_at)
    .bind(&sub.created_by)
    .bind(&sub.scheduled_through)
    .execute(store.pool())
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Subscription>> {
    sqlx::query(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| subscription_from_row(&r))
    .transpose()
}

/// Every subscription, by name.
pub async fn list(store: &Store) -> Result<Vec<Subscription>> {
    let rows = sqlx::query(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY name"
    ))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(subscription_from_row).collect()
}

/// Pauses or resumes. Resuming starts the schedule afresh from now: times that passed while
/// paused were not missed, they were not wanted.
pub async fn set_paused(store: &Store, id: &str, paused: bool) -> Result<bool> {
    let done = if paused {
        sqlx::query("UPDATE subscriptions SET paused = 1 WHERE id = $1")
            .bind(id)
            .execute(store.pool())
            .await?
    } else {
        sqlx::query(
            "UPDATE subscriptions SET paused = 0, scheduled_through = $1 WHERE id = $2 AND paused = 1",
        )
        .bind(now())
        .bind(id)
        .execute(store.pool())
        .await?
    };
    Ok(done.rows_affected() == 1)
}

/// Deletes a subscription with its reports, files, deliveries and attempts.
pub async fn delete(store: &Store, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM subscriptions WHERE id = $1")
        .bind(id)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ids of the subscriptions that are not paused.
pub async fn active_ids(store: &Store) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT id FROM subscriptions WHERE paused = 0 ORDER BY id")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
}

/// How a report came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    /// "Run now", from the API or the command line.
    Manual,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
        }
    }
}

/// Claims the times the scheduler chose for one subscription and moves its `scheduled_through`
/// on, in one transaction that first locks the subscription's row (another replica skips it
/// meanwhile). `choose` gets the subscription and returns the times to claim and the new
/// `scheduled_through`. Returns how many reports were created (a time already claimed, by any
/// replica, is not claimed again: the unique key on (subscription, time)).
pub async fn claim_times(
    store: &Store,
    id: &str,
    choose: impl FnOnce(&Subscription) -> (Vec<DateTime<Utc>>, DateTime<Utc>),
) -> Result<u64> {
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1 AND paused = 0{}",
        skip_locked(store)
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(0);
    };
    let sub = subscription_from_row(&row)?;
    let (times, through) = choose(&sub);
    let mut created = 0;
    for t in times {
        created += insert_report(&mut tx, &sub, &scheduled_text(t), Trigger::Schedule).await?;
    }
    sqlx::query("UPDATE subscriptions SET scheduled_through = $1 WHERE id = $2")
        .bind(time_text(through))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(created)
}

async fn insert_report(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sub: &Subscription,
    scheduled_for: &str,
    trigger: Trigger,
) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO scheduled_reports (id, subscription_id, scheduled_for, trigger_kind, state, not_before, created_at, authorities) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $5, $6) ON CONFLICT (subscription_id, scheduled_for) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&sub.id)
    .bind(scheduled_for)
    .bind(trigger.as_str())
    .bind(now())
    .bind(serde_json::to_string(&sub.spec.authorities)?)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// A report asked for now; returns its id.
pub async fn claim_now(store: &Store, sub: &Subscription, at: DateTime<Utc>) -> Result<String> {
    let scheduled_for = time_text(at);
    let mut tx = store.begin_write().await?;
    insert_report(&mut tx, sub, &scheduled_for, Trigger::Manual).await?;
    tx.commit().await?;
    let row = sqlx::query(
        "SELECT id FROM scheduled_reports WHERE subscription_id = $1 AND scheduled_for = $2",
    )
    .bind(&sub.id)
    .bind(&scheduled_for)
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get(0)?)
}

/// A report as stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: String,
    pub subscription_id: String,
    pub scheduled_for: String,
    pub trigger: String,
    /// pending, rendered or failed.
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
    pub rendered_at: Option<String>,
    pub run_id: Option<String>,
    pub authorities: Vec<String>,
    pub error: Option<String>,
}

const REPORT_COLUMNS: &str = "id, subscription_id, scheduled_for, trigger_kind, state, attempts, created_at, rendered_at, run_id, authorities, error";

fn report_from_row(r: &sqlx::any::AnyRow) -> Result<Report> {
    Ok(Report {
        id: r.try_get(0)?,
        subscription_id: r.try_get(1)?,
        scheduled_for: r.try_get(2)?,
        trigger: r.try_get(3)?,
        state: r.try_get(4)?,
        attempts: r.try_get(5)?,
        created_at: r.try_get(6)?,
        rendered_at: r.try_get(7)?,
        run_id: r.try_get(8)?,
        authorities: serde_json::from_str(&r.try_get::<String, _>(9)?)?,
        error: r.try_get(10)?,
    })
}

pub async fn report(store: &Store, id: &str) -> Result<Option<Report>> {
    sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM scheduled_reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| report_from_row(&r))
    .transpose()
}

/// A subscription's reports, newest first (at most `limit`).
pub async fn reports_of(store: &Store, subscription_id: &str, limit: i64) -> Result<Vec<Report>> {
    let rows = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM scheduled_reports WHERE subscription_id = $1 ORDER BY scheduled_for DESC LIMIT $2"
    ))
    .bind(subscription_id)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// Rendered reports of every subscription, newest first (at most `limit`), with their
/// subscription's audience: what board and inspector tokens may list.
pub async fn rendered_reports(store: &Store, limit: i64) -> Result<Vec<(Report, Spec)>> {
    let rows = sqlx::query(
        "SELECT r.id, r.subscription_id, r.scheduled_for, r.trigger_kind, r.state, r.attempts, r.created_at, r.rendered_at, r.run_id, r.authorities, r.error, s.spec \
         FROM scheduled_reports r JOIN subscriptions s ON s.id = r.subscription_id \
         WHERE r.state = 'rendered' ORDER BY r.scheduled_for DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                report_from_row(r)?,
                serde_json::from_str(&r.try_get::<String, _>(11)?)?,
            ))
        })
        .collect()
}

/// A report picked to render, under this replica's lease.
#[derive(Debug, Clone)]
pub struct Leased {
    pub id: String,
    pub attempts: i64,
}

/// Takes the oldest pending report (or delivery) whose lease is free or lapsed, and leases it
/// to `owner` until `until`.
async fn lease_next(
    store: &Store,
    table: &str,
    due_column: &str,
    owner: &str,
    at: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Leased>> {
    let at = time_text(at);
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(&format!(
        "SELECT id, attempts FROM {table} WHERE state = 'pending' AND {due_column} <= $1 \
         AND (lease_until IS NULL OR lease_until < $1) ORDER BY {due_column}, id LIMIT 1{}",
        skip_locked(store)
    ))
    .bind(&at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let leased = Leased {
        id: row.try_get(0)?,
        attempts: row.try_get(1)?,
    };
    sqlx::query(&format!(
        "UPDATE {table} SET lease_owner = $1, lease_until = $2 WHERE id = $3"
    ))
    .bind(owner)
    .bind(time_text(until))
    .bind(&leased.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(leased))
}

/// Extends a lease `owner` holds; `false` if another replica has taken it over.
async fn renew(
    store: &Store,
    table: &str,
    id: &str,
    owner: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(&format!(
        "UPDATE {table} SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'pending'"
    ))
    .bind(time_text(until))
    .bind(id)
    .bind(owner)
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn lease_report(
    store: &Store,
    owner: &str,
    at: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Leased>> {
    lease_next(store, "scheduled_reports", "not_before", owner, at, until).await
}

pub async fn renew_report(
    store: &Store,
    id: &str,
    owner: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    renew(store, "scheduled_reports", id, owner, until).await
}

pub async fn lease_delivery(
    store: &Store,
    owner: &str,
    at: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Leased>> {
    lease_next(
        store,
        "report_deliveries",
        "next_attempt_at",
        owner,
        at,
        until,
    )
    .await
}

pub async fn renew_delivery(
    store: &Store,
    id: &str,
    owner: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    renew(store, "report_deliveries", id, owner, until).await
}

/// One stored file of a report.
#[derive(Debug, Clone)]
pub struct ReportFile {
    pub name: String,
    pub media_type: String,
    pub body: Vec<u8>,
    pub sha256: String,
}

/// A delivery a rendered report is owed.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub id: String,
    pub channel: &'static str,
    pub target: String,
}

/// Stores a rendered report's files and deliveries and marks it rendered, in one transaction,
/// only while `owner` still holds its lease. `false` (nothing written) if it does not.
pub async fn finish_render(
    store: &Store,
    id: &str,
    owner: &str,
    run_id: &str,
    files: &[ReportFile],
    deliveries: &[NewDelivery],
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let at = now();
    let done = sqlx::query(
        "UPDATE scheduled_reports SET state = 'rendered', rendered_at = $1, run_id = $2, lease_owner = NULL, lease_until = NULL, error = NULL, attempts = attempts + 1 \
         WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
    )
    .bind(&at)
    .bind(run_id)
    .bind(id)
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    for f in files {
        sqlx::query(
            "INSERT INTO report_files (report_id, name, media_type, body, sha256) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&f.name)
        .bind(&f.media_type)
        .bind(f.body.clone())
        .bind(&f.sha256)
        .execute(&mut *tx)
        .await?;
    }
    for d in deliveries {
        sqlx::query(
            "INSERT INTO report_deliveries (id, report_id, channel, target, state, next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', $5)",
        )
        .bind(&d.id)
        .bind(id)
        .bind(d.channel)
        .bind(&d.target)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A render that failed: tried again at `retry_at`, or `failed` for good after `max_attempts`.
pub async fn fail_render(
    store: &Store,
    id: &str,
    owner: &str,
    error: &str,
    retry_at: DateTime<Utc>,
    max_attempts: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_reports SET attempts = attempts + 1, error = $1, not_before = $2, lease_owner = NULL, lease_until = NULL, \
         state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END \
         WHERE id = $4 AND lease_owner = $5 AND state = 'pending'",
    )
    .bind(error)
    .bind(time_text(retry_at))
    .bind(max_attempts)
    .bind(id)
    .bind(owner)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// A report's stored files (bodies included), by name.
pub async fn files(store: &Store, report_id: &str) -> Result<Vec<ReportFile>> {
    let rows = sqlx::query(
        "SELECT name, media_type, body, sha256 FROM report_files WHERE report_id = $1 ORDER BY name",
    )
    .bind(report_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReportFile {
                name: r.try_get(0)?,
                media_type: r.try_get(1)?,
                body: r.try_get(2)?,
                sha256: r.try_get(3)?,
            })
        })
        .collect()
}

/// A delivery as stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Delivery {
    /// The idempotency key every attempt carries.
    pub id: String,
    pub report_id: String,
    /// email, webhook or outbox.
    pub channel: String,
    pub target: String,
    /// pending, delivered or failed.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub delivered_at: Option<String>,
}

const DELIVERY_COLUMNS: &str =
    "id, report_id, channel, target, state, attempts, next_attempt_at, delivered_at";

fn delivery_from_row(r: &sqlx::any::AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get(0)?,
        report_id: r.try_get(1)?,
        channel: r.try_get(2)?,
        target: r.try_get(3)?,
        state: r.try_get(4)?,
        attempts: r.try_get(5)?,
        next_attempt_at: r.try_get(6)?,
        delivered_at: r.try_get(7)?,
    })
}

pub async fn delivery(store: &Store, id: &str) -> Result<Option<Delivery>> {
    sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM report_deliveries WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| delivery_from_row(&r))
    .transpose()
}

pub async fn deliveries_of(store: &Store, report_id: &str) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM report_deliveries WHERE report_id = $1 ORDER BY channel"
    ))
    .bind(report_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(delivery_from_row).collect()
}

/// What became of one attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Try again at this time.
    Retry(DateTime<Utc>),
    /// Given up for good (a webhook's 410, a permanent SMTP refusal).
    Failed,
}

impl AttemptOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry(_) => "retry",
            AttemptOutcome::Failed => "failed",
        }
    }
}

/// Records an attempt (always) and, while `owner` still holds the lease, the delivery's new
/// state. Returns whether the state was recorded.
pub async fn record_attempt(
    store: &Store,
    delivery_id: &str,
    owner: &str,
    outcome: &AttemptOutcome,
    detail: &str,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let at = now();
    sqlx::query(
        "INSERT INTO delivery_attempts (delivery_id, at, outcome, detail, owner) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(delivery_id)
    .bind(&at)
    .bind(outcome.as_str())
    .bind(detail)
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    let (state, next, delivered_at) = match outcome {
        AttemptOutcome::Delivered => ("delivered", at.clone(), Some(at.clone())),
        AttemptOutcome::Retry(t) => ("pending", time_text(*t), None),
        AttemptOutcome::Failed => ("failed", at.clone(), None),
    };
    let done = sqlx::query(
        "UPDATE report_deliveries SET state = $1, next_attempt_at = $2, delivered_at = $3, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL \
         WHERE id = $4 AND lease_owner = $5 AND state = 'pending'",
    )
    .bind(state)
    .bind(next)
    .bind(delivered_at)
    .bind(delivery_id)
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// One recorded attempt.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub at: String,
    /// delivered, retry or failed.
    pub outcome: String,
    /// What the receiver said (a status, an SMTP reply, an I/O error): never report content.
    pub detail: String,
}

pub async fn attempts_of(store: &Store, delivery_id: &str) -> Result<Vec<Attempt>> {
    let rows = sqlx::query(
        "SELECT at, outcome, detail FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id",
    )
    .bind(delivery_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attempt {
                at: r.try_get(0)?,
                outcome: r.try_get(1)?,
                detail: r.try_get(2)?,
            })
        })
        .collect()
}
