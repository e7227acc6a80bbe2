//! The caller of a request: its bearer token resolved to a [`Principal`], with where the request
//! came from and its request ids for the audit log. A failed authentication is noted for the
//! access log (which counts it); an authenticated token's requests are rate-limited here, by the
//! token's id.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::edge::{AccessNote, RequestIds, remote_addr};
use super::error::ApiError;
use super::metrics::AuthFailure;
use crate::access::Principal;
use crate::access::tokens;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let note = parts.extensions.get::<AccessNote>().cloned();
        let refuse = |reason: AuthFailure| {
            if let Some(note) = &note {
                note.failed(reason);
            }
            ApiError::Unauthenticated
        };
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| refuse(AuthFailure::Missing))?;
        let mut principal = tokens::authenticate(&state.store, presented.trim())
            .await?
            .ok_or_else(|| refuse(AuthFailure::Invalid))?;
        if let Some(note) = &note {
            note.authenticated(&principal.token_id);
        }
        if let Err(limited) = state.edge.limiter.check_token(&principal.token_id) {
            state.edge.metrics.rate_limited(limited.scope);
            return Err(limited.into());
        }
        principal.remote_addr = remote_addr(&parts.extensions);
        if let Some(ids) = parts.extensions.get::<RequestIds>() {
            principal.request_id = Some(ids.server.clone());
            principal.client_request_id = ids.client.clone();
        }
        Ok(principal)
    }
}
