//! API tokens: random, shown once, stored only as a sha256 of their secret part.
//!
//! A token reads `cc_<16 hex id>_<64 hex secret>`; the id finds the row, the secret's digest is
//! compared in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Principal, Role};
use crate::store::{Store, StoreError, now};

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
    #[error("no active token {0}")]
    NoSuchToken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A token as stored.
struct TokenRow {
    id: String,
    secret_sha256: String,
    role: String,
    authorities: Option<String>,
    iro_id: Option<String>,
    revoked: bool,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Creates a token. An `iro` token needs an IRO id; `inspector` tokens need an authority.
pub async fn create(
    store: &Store,
    role: Role,
    authorities: &[String],
    iro_id: Option<&str>,
    label: Option<&str>,
) -> Result<NewToken, TokenError> {
    if role == Role::Iro && (iro_id.is_none() || authorities.len() != 1) {
        // IRO ids are each authority's own, so an IRO token belongs to exactly one authority.
        return Err(TokenError::Invalid(
            "an iro token needs --iro ID and exactly one --authority CODE".into(),
        ));
    }
    if role != Role::Iro && iro_id.is_some() {
        return Err(TokenError::Invalid(
            "--iro applies only to iro tokens".into(),
        ));
    }
    if role == Role::Inspector && authorities.is_empty() {
        return Err(TokenError::Invalid(
            "an inspector token needs at least one --authority CODE".into(),
        ));
    }
    if authorities.iter().any(|a| a.is_empty() || a.contains(',')) {
        return Err(TokenError::Invalid(
            "authority codes must be non-empty and contain no commas".into(),
        ));
    }
    let mut id_bytes = [0u8; 8];
    let mut secret_bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut id_bytes);
    rand::rng().fill_bytes(&mut secret_bytes);
    let id = hex::encode(id_bytes);
    let secret = hex::encode(secret_bytes);
    let joined = (!authorities.is_empty()).then(|| authorities.join(","));
    sqlx::query(
        "INSERT INTO tokens (id, secret_sha256, role, authorities, iro_id, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(sha256_hex(&secret))
    .bind(role.as_str())
    .bind(joined)
    .bind(iro_id)
    .bind(label)
    .bind(now())
    .execute(store.pool())
    .await
    .map_err(StoreError::from)?;
    Ok(NewToken {
        token: format!("cc_{id}_{secret}"),
        id,
    })
}

/// Revokes a token by id.
pub async fn revoke(store: &Store, id: &str) -> Result<(), TokenError> {
    let done =
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(store.pool())
            .await
            .map_err(StoreError::from)?;
    if done.rows_affected() == 0 {
        return Err(TokenError::NoSuchToken(id.to_string()));
    }
    Ok(())
}

async fn find(store: &Store, id: &str) -> Result<Option<TokenRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, secret_sha256, role, authorities, iro_id, revoked_at FROM tokens WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
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

/// Resolves a presented token to its principal; `None` if unknown, revoked or wrong.
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
    let Some(row) = find(store, id).await? else {
        return Ok(None);
    };
    let presented_hash = sha256_hex(secret);
    let matches = presented_hash.bytes().zip(row.secret_sha256.bytes()).fold(
        presented_hash.len() == row.secret_sha256.len(),
        |ok, (a, b)| ok & (a == b),
    );
    if !matches || row.revoked {
        return Ok(None);
    }
    let Some(role) = Role::parse(&row.role) else {
        return Err(StoreError::Corrupt(format!(
            "token {} has role {:?}",
            row.id, row.role
        )));
    };
    Ok(Some(Principal {
        token_id: row.id,
        role,
        authorities: row
            .authorities
            .map(|a| a.split(',').map(str::to_string).collect()),
        iro_id: row.iro_id,
        remote_addr: None,
        request_id: None,
    }))
}
