//! Token administration over HTTP, for admins: list (never secrets), create, rotate, revoke.
//! A scoped admin manages only tokens wholly inside its authorities; any other token answers
//! exactly like one that does not exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use crate::access::audit::{self, Outcome};
use crate::access::tokens::{self, NewToken, TokenInfo, TokenRequest};
use crate::access::{Principal, Role};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/tokens/{id}/rotate", post(rotate_token))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub role: Role,
    #[serde(default)]
    pub authorities: Vec<String>,
    pub iro_id: Option<String>,
    pub label: Option<String>,
    /// The registered regulator a `regulator` token acts for.
    pub regulator: Option<String>,
}

/// A new token: the only time its secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub token: String,
}

impl From<NewToken> for CreatedToken {
    fn from(t: NewToken) -> Self {
        Self {
            id: t.id,
            token: t.token,
        }
    }
}

pub(super) async fn audited(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
) -> Result<(), ApiError> {
    let entry = principal.actor().entry(action, None, None, Outcome::Ok);
    Ok(audit::record(&state.store, &[entry]).await?)
}

#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = [TokenInfo])),
    security(("bearer" = [])), tag = "tokens")]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    principal.require(&[Role::Admin])?;
    let list = tokens::list(&state.store, Some(&principal)).await?;
    audited(&state, &principal, "list_tokens").await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/v1/tokens", request_body = CreateToken,
    responses((status = 201, body = CreatedToken)), security(("bearer" = [])), tag = "tokens")]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    principal.require(&[Role::Admin])?;
    let scope = (!req.authorities.is_empty()).then_some(req.authorities.as_slice());
    if !tokens::manages(&principal, scope) {
        return Err(ApiError::Forbidden);
    }
    let request = TokenRequest {
        role: req.role,
        authorities: req.authorities,
        iro_id: req.iro_id,
        label: req.label,
        lifetime_days: state.config.token_lifetime_days,
        regulator: req.regulator,
    };
    let token = tokens::create_as(&state.store, &request).await?;
    audited(&state, &principal, "create_token").await?;
    Ok((StatusCode::CREATED, Json(token.into())))
}

#[utoipa::path(post, path = "/api/v1/tokens/{id}/rotate",
    responses((status = 201, body = CreatedToken)), security(("bearer" = [])), tag = "tokens")]
pub async fn rotate_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    principal.require(&[Role::Admin])?;
    let lifetime = state.config.token_lifetime_days;
    let token = tokens::rotate(&state.store, &id, lifetime, Some(&principal)).await?;
    audited(&state, &principal, "rotate_token").await?;
    Ok((StatusCode::CREATED, Json(token.into())))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}",
    responses((status = 204)), security(("bearer" = [])), tag = "tokens")]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(&[Role::Admin])?;
    tokens::revoke(&state.store, &id, Some(&principal)).await?;
    audited(&state, &principal, "revoke_token").await?;
    Ok(StatusCode::NO_CONTENT)
}
