//! Regulators: the bodies (an inspectorate's policy team, say) that write policies of their own
//! and publish them to carecheck as signed plugins.
//!
//! An operator registers a regulator with one or more Ed25519 public keys ([`add_key`]); a
//! regulator token acts for exactly one regulator (`access::tokens`). An upload is accepted only
//! with a detached signature by a current key of the uploading regulator
//! ([`verify_upload`]), so neither a stolen token nor a stolen key alone can publish code. A key
//! is revoked, never removed ([`revoke_key`]): what only it signed stops running, and says why,
//! and the plugin generation moves so every replica notices.

pub mod keys;
mod queries;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::access::audit::{self, Actor, Outcome};
use crate::ids::{self, Kind};
use crate::plugins::generation;
use crate::store::{Store, StoreError, now};

/// One of a regulator's keys, current or revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    /// The first 16 hex digits of the sha256 of the key's 32 bytes.
    pub id: String,
    pub regulator: String,
    /// The key's 32 bytes in hex.
    pub public_key: String,
    pub added_at: String,
    pub added_by: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
}

/// A regulator with its keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Regulator {
    pub name: String,
    pub keys: Vec<KeyInfo>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegulatorError {
    #[error("{0}")]
    Invalid(String),
    #[error("no regulator {0:?} is registered (carecheck regulator add NAME --key FILE)")]
    NoSuchRegulator(String),
    #[error("regulator {regulator:?} has no current key {key_id}")]
    NoSuchKey { regulator: String, key_id: String },
    #[error("key {key_id} is already registered, to regulator {regulator:?}")]
    KeyTaken { key_id: String, regulator: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RegulatorError {
    fn from(e: sqlx::Error) -> Self {
        RegulatorError::Store(e.into())
    }
}

/// Why an upload's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error(
        "the upload has no signature: sign the component (carecheck plugin sign FILE.wasm --key KEY) and send the signature part"
    )]
    Unsigned,
    #[error("{0}")]
    Malformed(String),
    #[error("regulator {0:?} has no current key: ask the service's operator to add one")]
    NoCurrentKey(String),
    #[error(
        "the signature is not by a current key of regulator {regulator:?} over these exact bytes (current keys: {keys})"
    )]
    NotByCurrentKey { regulator: String, keys: String },
}

/// Registers `public_key` for `regulator`, creating the regulator if it is new. Returns the key
/// and whether the regulator was created. Audited as `add_regulator_key`.
pub async fn add_key(
    store: &Store,
    regulator: &str,
    public_key: &VerifyingKey,
    actor: &Actor,
) -> Result<(KeyInfo, bool), RegulatorError> {
    ids::check(Kind::Regulator, regulator).map_err(RegulatorError::Invalid)?;
    let key = KeyInfo {
        id: keys::key_id(public_key),
        regulator: regulator.to_string(),
        public_key: keys::to_hex(public_key),
        added_at: now(),
        added_by: actor.id.clone(),
        revoked_at: None,
        revoked_by: None,
    };
    let mut tx = store.begin_write().await?;
    if let Some(existing) = queries::key_by_id_or_public(&mut tx, &key.id, &key.public_key).await? {
        return Err(RegulatorError::KeyTaken {
            key_id: existing.id,
            regulator: existing.regulator,
        });
    }
    let created = !queries::exists(&mut tx, regulator).await?;
    if created {
        queries::insert_regulator(&mut tx, regulator, &actor.id).await?;
    }
    queries::insert_key(&mut tx, &key).await?;
    let entry = actor
        .entry("add_regulator_key", None, None, Outcome::Created)
        .with_detail(format!("regulator {regulator} key {}", key.id));
    audit::insert(&mut tx, &[entry]).await?;
    tx.commit().await?;
    Ok((key, created))
}

/// Revokes a current key of `regulator`. Plugins it alone signed stop running on every replica
/// (the plugin generation moves in the same transaction). Audited as `revoke_regulator_key`.
pub async fn revoke_key(
    store: &Store,
    regulator: &str,
    key_id: &str,
    actor: &Actor,
) -> Result<KeyInfo, RegulatorError> {
    let mut tx = store.begin_write().await?;
    if !queries::exists(&mut tx, regulator).await? {
        return Err(RegulatorError::NoSuchRegulator(regulator.to_string()));
    }
    let key = queries::revoke_key(&mut tx, regulator, key_id, &actor.id)
        .await?
        .ok_or_else(|| RegulatorError::NoSuchKey {
            regulator: regulator.to_string(),
            key_id: key_id.to_string(),
        })?;
    generation::bump(&mut tx).await?;
    let entry = actor
        .entry("revoke_regulator_key", None, None, Outcome::Updated)
        .with_detail(format!("regulator {regulator} key {key_id}"));
    audit::insert(&mut tx, &[entry]).await?;
    tx.commit().await?;
    Ok(key)
}

/// Every regulator with its keys.
pub async fn list(store: &Store) -> Result<Vec<Regulator>, StoreError> {
    let mut keys = queries::keys(store, None).await?;
    Ok(queries::names(store)
        .await?
        .into_iter()
        .map(|name| {
            let (mine, rest) = keys.drain(..).partition(|k| k.regulator == name);
            keys = rest;
            Regulator { name, keys: mine }
        })
        .collect())
}

/// Whether a regulator of this name is registered.
pub async fn exists(store: &Store, name: &str) -> Result<bool, StoreError> {
    let mut tx = store.pool().begin().await?;
    let found = queries::exists(&mut tx, name).await?;
    tx.rollback().await?;
    Ok(found)
}

/// Every key of every regulator, current and revoked (to tell which signatures still count).
pub async fn all_keys(store: &Store) -> Result<Vec<KeyInfo>, StoreError> {
    queries::keys(store, None).await
}

/// The current key of `regulator` whose signature `signature` (as sent) is over exactly
/// `bytes`. Checked before anything else looks at the bytes.
pub async fn verify_upload(
    store: &Store,
    regulator: &str,
    bytes: &[u8],
    signature: Option<&[u8]>,
) -> Result<Result<(KeyInfo, String), SignatureError>, StoreError> {
    let Some(sent) = signature.filter(|s| !s.is_empty()) else {
        return Ok(Err(SignatureError::Unsigned));
    };
    let signature = match keys::parse_signature(sent) {
        Ok(signature) => signature,
        Err(why) => return Ok(Err(SignatureError::Malformed(why))),
    };
    let current: Vec<KeyInfo> = queries::keys(store, Some(regulator))
        .await?
        .into_iter()
        .filter(|k| k.revoked_at.is_none())
        .collect();
    if current.is_empty() {
        return Ok(Err(SignatureError::NoCurrentKey(regulator.to_string())));
    }
    for key in &current {
        let public = keys::from_hex(&key.public_key).map_err(StoreError::Corrupt)?;
        if keys::verifies(&public, bytes, &signature) {
            return Ok(Ok((key.clone(), hex::encode(signature.to_bytes()))));
        }
    }
    Ok(Err(SignatureError::NotByCurrentKey {
        regulator: regulator.to_string(),
        keys: current
            .iter()
            .map(|k| k.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }))
}
