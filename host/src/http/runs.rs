//! Evaluation runs over HTTP: runs over a scope, and their results (a child's checklist is
//! [`super::checklist`]).

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::{AppState, checked_id, next_cursor, parse_cursor};
use crate::access::audit::{self, Outcome};
use crate::access::{Principal, Role};
use crate::ids::Kind;
use crate::runs::{self, ResultRow, RunSummary, Scope, log};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/runs/{run_id}", get(get_run))
        .route("/runs/{run_id}/results", get(run_results))
}

/// Evaluation runs over a whole scope can take minutes: no request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new().route("/runs", post(start_run))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
    pub authority: Option<String>,
    pub policy: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/runs", request_body = RunRequest,
    responses((status = 200, body = RunSummary)), security(("bearer" = [])), tag = "checklist")]
pub async fn start_run(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<RunRequest>,
) -> Result<Json<RunSummary>, ApiError> {
    principal.require(&[Role::Admin])?;
    if let Some(authority) = &req.authority {
        checked_id(Kind::Authority, "authority", authority)?;
    }
    let scope = Scope {
        authorities: principal.narrow(req.authority.as_deref())?,
        child: None,
        policy: req.policy,
    };
    let actor = principal.actor();
    // Shared: every replica (and worker) takes chunks of it; this one takes part and answers
    // when the last chunk is logged.
    let summary = state
        .shared_runs
        .run(
            &state.policies.current(),
            req.as_of.unwrap_or_else(|| state.today()),
            &scope,
            &actor,
        )
        .await?;
    let entry = actor.entry("run", req.authority.as_deref(), None, Outcome::Ok);
    audit::record(&state.store, &[entry]).await?;
    Ok(Json(summary))
}

#[utoipa::path(get, path = "/api/v1/runs/{run_id}",
    responses((status = 200, body = RunSummary)), security(("bearer" = [])), tag = "checklist")]
pub async fn get_run(
    State(state): State<AppState>,
    principal: Principal,
    Path(run_id): Path<String>,
) -> Result<Json<RunSummary>, ApiError> {
    principal.require(&[Role::Admin, Role::Inspector, Role::Board])?;
    let run = runs::visible(&state.store, &principal, &run_id).await?;
    Ok(Json(run.summary()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResultPage {
    pub results: Vec<ResultRow>,
    pub next: Option<String>,
}

/// Child-level results of a run, for the authorities in the caller's scope.
#[utoipa::path(get, path = "/api/v1/runs/{run_id}/results", params(ResultsQuery),
    responses((status = 200, body = ResultPage)), security(("bearer" = [])), tag = "checklist")]
pub async fn run_results(
    State(state): State<AppState>,
    principal: Principal,
    Path(run_id): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<ResultPage>, ApiError> {
    principal.require(&[Role::Admin, Role::Inspector])?;
    let limit = i64::from(q.limit.unwrap_or(100).clamp(1, 1000));
    let after = parse_cursor(q.after.as_deref())?;
    runs::visible(&state.store, &principal, &run_id).await?;
    let mut children = log::children(
        &state.store,
        &run_id,
        principal.authorities.as_deref(),
        after,
        limit + 1,
    )
    .await?;
    let next = next_cursor(&mut children, limit as usize);
    let actor = principal.actor();
    let mut results = Vec::new();
    let mut entries = Vec::new();
    let policies = state.policies.current();
    for child in &children {
        results.extend(runs::rows(&policies, &child.key, &child.outcomes));
        entries.push(actor.entry(
            "read_results",
            Some(&child.key.authority),
            Some(&child.key.child_id),
            Outcome::Ok,
        ));
    }
    audit::record(&state.store, &entries).await?;
    Ok(Json(ResultPage { results, next }))
}
