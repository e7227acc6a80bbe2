//! Who may do what, and the record of what they did.
//!
//! Each API token has a role and a scope:
//! - `admin`: everything, for its authorities (or every authority if it has none);
//! - `iro`: only the children currently assigned to the token's IRO;
//! - `board`: aggregate reports only, never a child-level identifier;
//! - `inspector`: child-level lists and records for the authorities in scope, read-only;
//! - `regulator`: policies and plugins only, for the one regulator the token acts for.
//!
//! A token that may not see a child gets the same 404 whether or not the child exists (the
//! check itself lives with the records, which know who is assigned to whom). [`tokens`] issues
//! and resolves tokens; [`sessions`] keeps the web pages' signed-in sessions; [`audit`] is the
//! one writer of the audit log.

pub mod audit;
pub mod sessions;
pub mod tokens;

use serde::{Deserialize, Serialize};

pub use audit::{Actor, AuditEntry, Outcome};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
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

/// The caller may not do this (a 403, except where a 404 must hide that a child exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this token may not do that")]
pub struct Forbidden;

/// The caller of a request, established from its bearer token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: String,
    pub role: Role,
    /// `None`: every authority.
    pub authorities: Option<Vec<String>>,
    pub iro_id: Option<String>,
    /// The regulator a `regulator` token acts for.
    pub regulator: Option<String>,
    pub remote_addr: Option<String>,
    /// The id the server gave the request.
    pub request_id: Option<String>,
    /// The client's own request id, if well-formed.
    pub client_request_id: Option<String>,
}

impl Principal {
    /// Fails unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Forbidden> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Forbidden)
        }
    }

    /// Whether the token's authority scope includes `authority`.
    pub fn in_scope(&self, authority: &str) -> bool {
        self.authorities
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == authority))
    }

    /// The authorities an action covers: the one asked for (which must be in scope), or the
    /// whole of the token's scope (`None`: every authority).
    pub fn narrow(&self, authority: Option<&str>) -> Result<Option<Vec<String>>, Forbidden> {
        match authority {
            Some(a) if !self.in_scope(a) => Err(Forbidden),
            Some(a) => Ok(Some(vec![a.to_string()])),
            None => Ok(self.authorities.clone()),
        }
    }

    /// This caller as the actor of everything it does, audited under one name.
    pub fn actor(&self) -> Actor {
        Actor {
            client_request_id: self.client_request_id.clone(),
            ..Actor::token(
                &self.token_id,
                self.role.as_str(),
                self.remote_addr.clone(),
                self.request_id.clone(),
            )
        }
    }
}
