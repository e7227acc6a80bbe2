//! The policies in force and regulators' plugin uploads, over HTTP.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carecheck_sdk::outcome::Metadata;
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::access::{Principal, Role};
use crate::config::Config;
use crate::plugins;

pub fn routes(config: &Config) -> Router<AppState> {
    Router::new().route("/policies", get(list_policies)).route(
        "/plugins",
        post(upload_plugin).layer(DefaultBodyLimit::max(config.max_upload_bytes.min(64 << 20))),
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyInfo {
    pub sha256: String,
    /// Settings in force, as JSON text.
    pub settings: String,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

/// Every policy the service evaluates with, with its checks, citations and settings.
#[utoipa::path(get, path = "/api/v1/policies", responses((status = 200, body = [PolicyInfo])),
    security(("bearer" = [])), tag = "policies")]
pub async fn list_policies(
    State(state): State<AppState>,
    _principal: Principal,
) -> Json<Vec<PolicyInfo>> {
    Json(
        state
            .policies
            .plugins
            .iter()
            .map(|p| PolicyInfo {
                sha256: p.plugin.sha256.clone(),
                settings: p.settings.clone(),
                metadata: (*p.plugin.metadata).clone(),
            })
            .collect(),
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub sha256: String,
    /// Reference this plugin from a policy pack with `digest = "sha256:<sha256>"`.
    pub digest: String,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

/// Uploads a policy component. It is compiled, its metadata checked and its default settings
/// validated before it is kept; a component that imports anything is refused.
#[utoipa::path(post, path = "/api/v1/plugins",
    request_body(content = Vec<u8>, content_type = "application/wasm"),
    responses((status = 201, body = Uploaded), (status = 422, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "policies")]
pub async fn upload_plugin(
    State(state): State<AppState>,
    principal: Principal,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    principal.require(&[Role::Regulator, Role::Admin])?;
    let runtime = state.policies.runtime().clone();
    let loaded = plugins::upload(runtime, &state.store, body.to_vec(), &principal.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            digest: format!("sha256:{}", loaded.sha256),
            sha256: loaded.sha256,
            metadata: (*loaded.metadata).clone(),
        }),
    ))
}
