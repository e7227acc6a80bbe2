//! Policies in force, regulators' uploads, and per-authority enablements, over HTTP.

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use carecheck_sdk::outcome::Metadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;
use super::{AppState, checked_id};
use crate::access::{Principal, Role};
use crate::catalog::{self, Enablement, Published, Upload, Version};
use crate::config::Config;
use crate::ids::Kind;
use crate::problem::Problem;

pub fn routes(config: &Config) -> Router<AppState> {
    Router::new()
        .route("/policies", get(list_policies))
        .route(
            "/plugins",
            post(upload_plugin)
                .get(list_plugins)
                .layer(DefaultBodyLimit::max(config.plugins.max_upload_bytes)),
        )
        .route("/authorities/{authority}/plugins", get(list_enablements))
        .route(
            "/authorities/{authority}/plugins/{policy_id}",
            put(enable_plugin).delete(disable_plugin),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PoliciesQuery {
    /// The authority whose policies to list (default: the pack's, which run everywhere).
    pub authority: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyInfo {
    pub sha256: String,
    /// Settings in force, as JSON text.
    pub settings: String,
    /// The regulator that published it (`null` for the pack's own policies).
    pub regulator: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

/// Every policy the service evaluates with, for every authority or for one: its checks,
/// citations and settings, and the regulator of a regulator's plugin.
#[utoipa::path(get, path = "/api/v1/policies", params(PoliciesQuery),
    responses((status = 200, body = [PolicyInfo])), security(("bearer" = [])), tag = "policies")]
pub async fn list_policies(
    State(state): State<AppState>,
    _principal: Principal,
    Query(q): Query<PoliciesQuery>,
) -> Result<Json<Vec<PolicyInfo>>, ApiError> {
    let sets = state.policies.current();
    let set = match &q.authority {
        Some(authority) => {
            checked_id(Kind::Authority, "authority", authority)?;
            sets.for_authority(authority).clone()
        }
        None => sets.base().clone(),
    };
    Ok(Json(
        set.plugins
            .iter()
            .map(|p| PolicyInfo {
                sha256: p.plugin.sha256.clone(),
                settings: p.settings.clone(),
                regulator: p.regulator.clone(),
                metadata: (*p.plugin.metadata).clone(),
            })
            .collect(),
    ))
}

/// The upload form's parts.
const COMPONENT: &str = "component";
const SIGNATURE: &str = "signature";

/// Publishes a regulator's policy: `multipart/form-data` with the parts `component` (the
/// `.wasm` component) and `signature` (the detached Ed25519 signature over its exact bytes, by
/// a current key of the token's regulator). Vetted before it is kept; `201` when published,
/// `200` when these exact bytes already were.
#[utoipa::path(post, path = "/api/v1/plugins",
    request_body(content_type = "multipart/form-data", description = "parts `component` and `signature`"),
    responses((status = 201, body = Published), (status = 200, body = Published),
        (status = 409, body = super::error::ErrorBody), (status = 413, body = super::error::ErrorBody),
        (status = 422, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "policies")]
pub async fn upload_plugin(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    principal.require(&[Role::Regulator])?;
    let regulator = principal.regulator.clone().ok_or(ApiError::Forbidden)?;
    let limit = state.config.plugins.max_upload_bytes;
    let mut form = Multipart::from_request(request, &state)
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (mut component, mut signature) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| multipart(e, limit))? {
        let name = field.name().unwrap_or_default().to_string();
        let slot = match name.as_str() {
            COMPONENT => &mut component,
            SIGNATURE => &mut signature,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "unknown part {name:?}: an upload has the parts {COMPONENT} and {SIGNATURE}"
                )));
            }
        };
        if slot.is_some() {
            return Err(ApiError::BadRequest(format!(
                "the part {name} is sent twice"
            )));
        }
        *slot = Some(
            field
                .bytes()
                .await
                .map_err(|e| multipart(e, limit))?
                .to_vec(),
        );
    }
    let component = component.ok_or_else(|| ApiError::Unprocessable {
        message: "the upload has no component".into(),
        problems: vec![Problem::new(
            "/component",
            format!("send the .wasm component as the part {COMPONENT}"),
        )],
    })?;
    let published = catalog::upload(
        &state.store,
        &state.policies,
        state.config.plugins.dry_run_children,
        Upload {
            regulator: &regulator,
            component,
            signature,
        },
        &principal.actor(),
    )
    .await?;
    let status = if published.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(published)))
}

/// A multipart body that could not be read: too large, or malformed.
fn multipart(e: axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(limit)
    } else {
        ApiError::BadRequest(e.body_text())
    }
}

/// Published versions: a regulator sees its own, an admin every regulator's.
#[utoipa::path(get, path = "/api/v1/plugins", responses((status = 200, body = [Version])),
    security(("bearer" = [])), tag = "policies")]
pub async fn list_plugins(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Version>>, ApiError> {
    principal.require(&[Role::Regulator, Role::Admin])?;
    let regulator = match principal.role {
        Role::Regulator => Some(principal.regulator.clone().ok_or(ApiError::Forbidden)?),
        _ => None,
    };
    Ok(Json(
        catalog::list(&state.store, regulator.as_deref()).await?,
    ))
}

/// The authority named in the path, which must be in the admin's scope.
fn admin_of(principal: &Principal, authority: &str) -> Result<(), ApiError> {
    principal.require(&[Role::Admin])?;
    checked_id(Kind::Authority, "the path's authority", authority)?;
    if principal.in_scope(authority) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The regulators' plugins enabled for an authority (admins in scope).
#[utoipa::path(get, path = "/api/v1/authorities/{authority}/plugins",
    responses((status = 200, body = [Enablement])), security(("bearer" = [])), tag = "policies")]
pub async fn list_enablements(
    State(state): State<AppState>,
    principal: Principal,
    Path(authority): Path<String>,
) -> Result<Json<Vec<Enablement>>, ApiError> {
    admin_of(&principal, &authority)?;
    let authorities = [authority];
    Ok(Json(
        catalog::enablements(&state.store, Some(&authorities)).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnableRequest {
    /// The published version to run (pinned: a later upload never replaces it).
    pub version: String,
    /// Settings for the plugin (its defaults apply to anything left out).
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub settings: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// Enables one version of a regulator's policy for an authority, with settings the plugin
/// validates, replacing any version enabled there before (admins in scope; audited).
#[utoipa::path(put, path = "/api/v1/authorities/{authority}/plugins/{policy_id}",
    request_body = EnableRequest, responses((status = 200, body = Enablement),
        (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "policies")]
pub async fn enable_plugin(
    State(state): State<AppState>,
    principal: Principal,
    Path((authority, policy_id)): Path<(String, String)>,
    Json(req): Json<EnableRequest>,
) -> Result<Json<Enablement>, ApiError> {
    admin_of(&principal, &authority)?;
    let enabled = catalog::enable(
        &state.store,
        &state.policies,
        &authority,
        &policy_id,
        &req.version,
        &req.settings,
        &principal.actor(),
    )
    .await?;
    Ok(Json(enabled))
}

/// Stops a regulator's policy running for an authority (admins in scope; audited).
#[utoipa::path(delete, path = "/api/v1/authorities/{authority}/plugins/{policy_id}",
    responses((status = 204)), security(("bearer" = [])), tag = "policies")]
pub async fn disable_plugin(
    State(state): State<AppState>,
    principal: Principal,
    Path((authority, policy_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    admin_of(&principal, &authority)?;
    catalog::disable(
        &state.store,
        &state.policies,
        &authority,
        &policy_id,
        &principal.actor(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
