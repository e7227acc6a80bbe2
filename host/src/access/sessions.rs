//! Signed-in sessions for the web pages. Signing in presents an API token once; the browser then
//! holds only a session cookie: a random 256-bit secret of which the database keeps a sha256,
//! with the token the session acts as and when it expires. Every request re-checks the token
//! (revoked or expired, the session ends with it), so a session never outlives or outranks its
//! token. Signing out revokes the session row.
//!
//! Forms that change state carry a CSRF field derived from the session secret (a sha256 under
//! its own label), so only a page served to this browser can post it; the cookie is also
//! `SameSite=Strict`.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sqlx::Row;

use super::Principal;
use super::tokens::{self, sha256_hex};
use crate::store::{Store, StoreError, now};

/// A session just opened: the secret for the cookie, shown to nobody else.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A fresh random secret, hex.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Opens a session acting as `token_id` for `hours`.
pub async fn open(store: &Store, token_id: &str, hours: u32) -> Result<NewSession, StoreError> {
    let secret = random_secret();
    let expires_at = Utc::now() + Duration::hours(i64::from(hours));
    sqlx::query(
        "INSERT INTO web_sessions (secret_sha256, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(sha256_hex(&secret))
    .bind(token_id)
    .bind(now())
    .bind(timestamp(expires_at))
    .execute(store.pool())
    .await?;
    Ok(NewSession { secret, expires_at })
}

/// The principal a session cookie's secret acts as; `None` when the session is unknown,
/// signed out or expired, or its token is revoked or expired.
pub async fn resolve(store: &Store, secret: &str) -> Result<Option<Principal>, StoreError> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT token_id, expires_at FROM web_sessions WHERE secret_sha256 = $1 AND revoked_at IS NULL",
    )
    .bind(sha256_hex(secret))
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let token_id: String = row.try_get(0)?;
    let expires_at: String = row.try_get(1)?;
    let live = DateTime::parse_from_rfc3339(&expires_at)
        .map_err(|e| StoreError::Corrupt(format!("session expiry {expires_at}: {e}")))?
        > Utc::now();
    if !live {
        return Ok(None);
    }
    tokens::active(store, &token_id).await
}

/// Ends a session (signing out); unknown secrets are ignored.
pub async fn close(store: &Store, secret: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE web_sessions SET revoked_at = $1 WHERE secret_sha256 = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(sha256_hex(secret))
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The CSRF field of a session's forms.
pub fn csrf_token(secret: &str) -> String {
    sha256_hex(&format!("carecheck csrf\n{secret}"))
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(true, |ok, (x, y)| ok & (x == y))
}
