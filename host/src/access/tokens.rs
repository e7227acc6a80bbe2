//! API tokens: random, shown once, stored only as a sha256 of their secret part.
//!
//! A token reads `cc_<16 hex id>_<64 hex secret>`; the id finds the row, the secret's digest is
//! compared in constant time. Tokens expire (`token_lifetime_days`, 90 by default), record when
//! they were last used, can be rotated (a new secret with the same role and scope, the old one
//! revoked in the same transaction) and are listed without their secrets.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Principal, Role};
use crate::ids::{self, Kind};
use crate::store::{Store, StoreError, now};

/// How long a token lives unless the configuration says otherwise.
pub const DEFAULT_LIFETIME_DAYS: u32 = 90;

/// A last-use time older than this is refreshed when the token is used (so a busy token does not
/// write on every request).
const LAST_USED_GRANULARITY: Duration = Duration::minutes(5);

/// A newly created token: the only time the secret exists outside the caller's hands.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Invalid(String),
    /// No such active token, or one the caller may not manage (indistinguishable on purpose).
    #[error("no active token {0}")]
    NoSuchToken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        TokenError::Store(e.into())
    }
}

/// What a new token is for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub role: Role,
    pub authorities: Vec<String>,
    pub iro_id: Option<String>,
    pub label: Option<String>,
    /// Days until it expires.
    pub lifetime_days: u32,
    /// The regulator a `regulator` token acts for (required for that role, refused for others).
    pub regulator: Option<String>,
}

/// What a token is, without its secret: for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub role: String,
    /// `None`: every authority.
    pub authorities: Option<Vec<String>>,
    pub iro_id: Option<String>,
    pub label: Option<String>,
    /// The regulator a `regulator` token acts for.
    pub regulator: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token as stored.
struct TokenRow {
    secret_sha256: String,
    info: TokenInfo,
}

const COLUMNS: &str = "id, secret_sha256, role, authorities, iro_id, label, created_at, expires_at, last_used_at, revoked_at, regulator";

fn row(r: &sqlx::any::AnyRow) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        secret_sha256: r.try_get(1)?,
        info: TokenInfo {
            id: r.try_get(0)?,
            role: r.try_get(2)?,
            authorities: split_authorities(r.try_get::<Option<String>, _>(3)?.as_deref()),
            iro_id: r.try_get(4)?,
            label: r.try_get(5)?,
            created_at: r.try_get(6)?,
            expires_at: r.try_get(7)?,
            last_used_at: r.try_get(8)?,
            revoked_at: r.try_get(9)?,
            regulator: r.try_get(10)?,
        },
    })
}

fn split_authorities(joined: Option<&str>) -> Option<Vec<String>> {
    joined.map(|a| a.split(',').map(str::to_string).collect())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

impl TokenInfo {
    fn role(&self) -> Result<Role, StoreError> {
        Role::parse(&self.role).ok_or_else(|| {
            StoreError::Corrupt(format!("token {} has role {:?}", self.id, self.role))
        })
    }

    /// Whether the token has passed its expiry at `at`.
    fn expired(&self, at: DateTime<Utc>) -> bool {
        parse_time(self.expires_at.as_deref()).is_some_and(|e| e <= at)
    }
}

/// Whether `manager` may manage a token scoped to `authorities` (`None`: every authority): an
/// unscoped admin manages any token, a scoped one only tokens wholly inside its scope.
pub fn manages(manager: &Principal, authorities: Option<&[String]>) -> bool {
    match (&manager.authorities, authorities) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(mine), Some(theirs)) => theirs.iter().all(|a| mine.contains(a)),
    }
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Creates a token with the default lifetime.
pub async fn create(
    store: &Store,
    role: Role,
    authorities: &[String],
    iro_id: Option<&str>,
    label: Option<&str>,
) -> Result<NewToken, TokenError> {
    let request = TokenRequest {
        role,
        authorities: authorities.to_vec(),
        iro_id: iro_id.map(str::to_string),
        label: label.map(str::to_string),
        lifetime_days: DEFAULT_LIFETIME_DAYS,
        regulator: None,
    };
    create_as(store, &request).await
}

/// Creates a token as asked.
pub async fn create_as(store: &Store, request: &TokenRequest) -> Result<NewToken, TokenError> {
    let mut tx = store.begin_write().await?;
    let token = issue(&mut tx, request).await?;
    tx.commit().await?;
    Ok(token)
}

/// Checks and inserts a token. An `iro` token needs an IRO id and exactly one authority (IRO ids
/// are each authority's own); `inspector` tokens need an authority; a `regulator` token names
/// the registered regulator it acts for, and no authority (a regulator's policies are offered to
/// every authority, whose admins decide where they run).
async fn issue(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    request: &TokenRequest,
) -> Result<NewToken, TokenError> {
    let TokenRequest {
        role,
        authorities,
        iro_id,
        label,
        lifetime_days,
        regulator,
    } = request;
    let invalid = |why: &str| Err(TokenError::Invalid(why.into()));
    if *role == Role::Iro && (iro_id.is_none() || authorities.len() != 1) {
        return invalid("an iro token needs --iro ID and exactly one --authority CODE");
    }
    if *role != Role::Iro && iro_id.is_some() {
        return invalid("--iro applies only to iro tokens");
    }
    if *role == Role::Inspector && authorities.is_empty() {
        return invalid("an inspector token needs at least one --authority CODE");
    }
    for authority in authorities {
        ids::check(Kind::Authority, authority).map_err(TokenError::Invalid)?;
    }
    if let Some(iro) = iro_id {
        ids::check(Kind::Iro, iro).map_err(TokenError::Invalid)?;
    }
    if *lifetime_days == 0 {
        return invalid("a token must live at least one day");
    }
    match (role, regulator) {
        (Role::Regulator, None) => {
            return invalid("a regulator token needs --regulator NAME (a registered regulator)");
        }
        (Role::Regulator, Some(name)) => {
            if !authorities.is_empty() {
                return invalid(
                    "a regulator token has no --authority: admins enable its policies per authority",
                );
            }
            let registered = sqlx::query("SELECT name FROM regulators WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            if !registered {
                return Err(TokenError::Invalid(format!(
                    "no regulator {name:?} is registered (carecheck regulator add NAME --key FILE)"
                )));
            }
        }
        (_, Some(_)) => return invalid("--regulator applies only to regulator tokens"),
        (_, None) => {}
    }
    let mut id_bytes = [0u8; 8];
    let mut secret_bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut id_bytes);
    rand::rng().fill_bytes(&mut secret_bytes);
    let id = hex::encode(id_bytes);
    let secret = hex::encode(secret_bytes);
    let joined = (!authorities.is_empty()).then(|| authorities.join(","));
    let expires_at = timestamp(Utc::now() + Duration::days(i64::from(*lifetime_days)));
    sqlx::query(
        "INSERT INTO tokens (id, secret_sha256, role, authorities, iro_id, label, created_at, expires_at, regulator) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(sha256_hex(&secret))
    .bind(role.as_str())
    .bind(joined)
    .bind(iro_id.as_deref())
    .bind(label.as_deref())
    .bind(now())
    .bind(expires_at)
    .bind(regulator.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(NewToken {
        token: format!("cc_{id}_{secret}"),
        id,
    })
}

/// Revokes an active token, if `manager` (when given) may manage it.
pub async fn revoke(
    store: &Store,
    id: &str,
    manager: Option<&Principal>,
) -> Result<(), TokenError> {
    let mut tx = store.begin_write().await?;
    revoke_in(&mut tx, id, manager).await?;
    tx.commit().await?;
    Ok(())
}

async fn revoke_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    manager: Option<&Principal>,
) -> Result<TokenInfo, TokenError> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tokens WHERE id = $1 AND revoked_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let token = found
        .map(|r| row(&r))
        .transpose()?
        .map(|t| t.info)
        .filter(|t| manager.is_none_or(|m| manages(m, t.authorities.as_deref())))
        .ok_or_else(|| TokenError::NoSuchToken(id.to_string()))?;
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

/// Replaces a token with a new one of the same role, scope and label, revoking the old one in
/// the same transaction; the new secret is shown once.
pub async fn rotate(
    store: &Store,
    id: &str,
    lifetime_days: u32,
    manager: Option<&Principal>,
) -> Result<NewToken, TokenError> {
    let mut tx = store.begin_write().await?;
    let old = revoke_in(&mut tx, id, manager).await?;
    let request = TokenRequest {
        role: old.role()?,
        authorities: old.authorities.unwrap_or_default(),
        iro_id: old.iro_id,
        label: old.label,
        lifetime_days,
        regulator: old.regulator,
    };
    let token = issue(&mut tx, &request).await?;
    tx.commit().await?;
    Ok(token)
}

/// Every token `manager` may manage (all when `None`), newest first, without secrets.
pub async fn list(
    store: &Store,
    manager: Option<&Principal>,
) -> Result<Vec<TokenInfo>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM tokens ORDER BY created_at DESC, id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut tokens = Vec::new();
    for r in &rows {
        let info = row(r)?.info;
        if manager.is_none_or(|m| manages(m, info.authorities.as_deref())) {
            tokens.push(info);
        }
    }
    Ok(tokens)
}

/// Records that a token was used, at most once per [`LAST_USED_GRANULARITY`].
async fn touch(store: &Store, token: &TokenInfo, at: DateTime<Utc>) -> Result<(), StoreError> {
    let recent = parse_time(token.last_used_at.as_deref())
        .is_some_and(|last| at - last < LAST_USED_GRANULARITY);
    if !recent {
        sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(timestamp(at))
            .bind(&token.id)
            .execute(store.pool())
            .await?;
    }
    Ok(())
}

/// The principal of an active token (not revoked, not expired) by its id: a signed-in web
/// session acts as the token it was opened with, checked again on every request.
pub async fn active(store: &Store, id: &str) -> Result<Option<Principal>, StoreError> {
    let found = sqlx::query(&format!("SELECT {COLUMNS} FROM tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    let Some(TokenRow { info, .. }) = found.map(|r| row(&r)).transpose()? else {
        return Ok(None);
    };
    let at = Utc::now();
    if info.revoked_at.is_some() || info.expired(at) {
        return Ok(None);
    }
    let role = info.role()?;
    touch(store, &info, at).await?;
    Ok(Some(principal(info, role)))
}

fn principal(info: TokenInfo, role: Role) -> Principal {
    Principal {
        token_id: info.id,
        role,
        authorities: info.authorities,
        iro_id: info.iro_id,
        regulator: info.regulator,
        remote_addr: None,
        request_id: None,
        client_request_id: None,
    }
}

/// Resolves a presented token to its principal; `None` if unknown, revoked, expired or wrong.
pub async fn authenticate(store: &Store, presented: &str) -> Result<Option<Principal>, StoreError> {
    let Some((id, secret)) = presented
        .strip_prefix("cc_")
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    if id.len() != 16 || secret.len() != 64 {
        return Ok(None);
    }
    let found = sqlx::query(&format!("SELECT {COLUMNS} FROM tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    let Some(TokenRow {
        secret_sha256,
        info,
    }) = found.map(|r| row(&r)).transpose()?
    else {
        return Ok(None);
    };
    let presented_hash = sha256_hex(secret);
    let matches = presented_hash
        .bytes()
        .zip(secret_sha256.bytes())
        .fold(presented_hash.len() == secret_sha256.len(), |ok, (a, b)| {
            ok & (a == b)
        });
    let at = Utc::now();
    if !matches || info.revoked_at.is_some() || info.expired(at) {
        return Ok(None);
    }
    let role = info.role()?;
    touch(store, &info, at).await?;
    Ok(Some(principal(info, role)))
}
