//! Who may do what.
//!
//! API tokens are random, shown once, and stored only as a sha256 of their secret part. Each has
//! a role and a scope:
//! - `admin`: everything, for its authorities (or every authority if it has none);
//! - `iro`: only the children currently assigned to the token's IRO;
//! - `board`: aggregate reports only, never a child-level identifier;
//! - `inspector`: child-level lists and records for the authorities in scope, read-only;
//! - `regulator`: policies and plugins only.
//!
//! A token that may not see a child gets the same 404 whether or not the child exists.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;
use crate::store::{Actor, AuditEntry, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Iro,
    Board,
    Inspector,
    Regulator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Iro => "iro",
            Role::Board => "board",
            Role::Inspector => "inspector",
            Role::Regulator => "regulator",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Role::Admin,
            Role::Iro,
            Role::Board,
            Role::Inspector,
            Role::Regulator,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// The caller of a request, established from its bearer token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: String,
    pub role: Role,
    /// `None`: every authority.
    pub authorities: Option<Vec<String>>,
    pub iro_id: Option<String>,
    pub remote_addr: Option<String>,
    pub request_id: Option<String>,
}

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
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Creates a token. An `iro` token needs an IRO id; `inspector` tokens need an authority.
pub async fn create_token(
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
    store
        .insert_token(
            &id,
            &sha256_hex(&secret),
            role.as_str(),
            joined.as_deref(),
            iro_id,
            label,
        )
        .await?;
    Ok(NewToken {
        token: format!("cc_{id}_{secret}"),
        id,
    })
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
    let Some(row) = store.find_token(id).await? else {
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

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthenticated)?;
        let mut principal = authenticate(&state.store, header.trim())
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        principal.remote_addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        principal.request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(principal)
    }
}

impl Principal {
    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Whether the token's authority scope includes `authority`.
    pub fn in_scope(&self, authority: &str) -> bool {
        self.authorities
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == authority))
    }

    /// Whether the caller may read this child's record (admin or inspector in scope, or the
    /// child's current IRO).
    pub async fn may_read_child(
        &self,
        store: &Store,
        authority: &str,
        child_id: &str,
        today: chrono::NaiveDate,
    ) -> Result<bool, StoreError> {
        Ok(match self.role {
            Role::Admin | Role::Inspector => self.in_scope(authority),
            Role::Iro => match &self.iro_id {
                Some(iro) => {
                    self.in_scope(authority)
                        && store.is_assigned(authority, child_id, iro, today).await?
                }
                None => false,
            },
            Role::Board | Role::Regulator => false,
        })
    }

    /// This caller as the actor of writes and evaluations (audited with them).
    pub fn actor(&self) -> Actor {
        Actor {
            id: format!("token:{}", self.token_id),
            role: self.role.as_str().to_string(),
            remote_addr: self.remote_addr.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// An audit entry for an action by this caller.
    pub fn audit(
        &self,
        action: &'static str,
        authority: Option<&str>,
        child_id: Option<&str>,
        outcome: &'static str,
    ) -> AuditEntry {
        AuditEntry {
            actor: self.token_id.clone(),
            role: self.role.as_str().to_string(),
            action,
            authority: authority.map(str::to_string),
            child_id: child_id.map(str::to_string),
            outcome,
            remote_addr: self.remote_addr.clone(),
            request_id: self.request_id.clone(),
        }
    }
}
