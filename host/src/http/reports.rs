//! Aggregate reports over HTTP, for boards and inspectors.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use crate::access::{Principal, Role};
use crate::reports::{self, Summary};
use crate::runs;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/summary", get(summary))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// The run to summarise (default: the latest run over every child in scope).
    pub run: Option<String>,
}

/// Counts by authority, policy, check and status, for the authorities in the caller's scope.
#[utoipa::path(get, path = "/api/v1/reports/summary", params(SummaryQuery),
    responses((status = 200, body = Summary)), security(("bearer" = [])), tag = "reports")]
pub async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<Summary>, ApiError> {
    principal.require(&[Role::Admin, Role::Board, Role::Inspector])?;
    let authorities = principal.authorities.as_deref();
    let run = match &q.run {
        Some(id) => Some(runs::visible(&state.store, &principal, id).await?),
        None => runs::latest_covering(&state.store, authorities).await?,
    }
    .ok_or(ApiError::NotFound)?;
    Ok(Json(
        reports::summarise(&state.store, &run, authorities).await?,
    ))
}
