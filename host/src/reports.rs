//! Aggregate reports for boards (safeguarding partnership, corporate parenting board, health and
//! wellbeing board) and inspectors: counts by authority, policy, check, basis and status from an
//! evaluation run. No child-level identifier, name or date of birth ever appears here.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::checklist::RunSpec;
use crate::error::ApiError;
use crate::plugins::PolicyOutcome;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports/summary", get(summary))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// The run to summarise (default: the latest run over every child in scope).
    pub run: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub run_id: String,
    pub as_of: String,
    pub children: u64,
    pub rows: Vec<SummaryRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SummaryRow {
    pub authority: String,
    pub policy: String,
    pub check: String,
    pub status: String,
    /// Number of results (a child can have several per check, e.g. one per review).
    pub results: u64,
    /// Number of children with at least one such result.
    pub children: u64,
}

/// The newest run that evaluated every child in `authorities` with every policy (a one-child
/// checklist or a one-policy run never stands for an authority).
async fn latest_covering_run(
    state: &AppState,
    authorities: Option<&[String]>,
) -> Result<Option<crate::store::RunRow>, ApiError> {
    for run in state.store.recent_complete_runs(500).await? {
        let spec: RunSpec = serde_json::from_str(&run.pack)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored run spec: {e}")))?;
        if spec.covers(authorities) {
            return Ok(Some(run));
        }
    }
    Ok(None)
}

#[utoipa::path(get, path = "/api/v1/reports/summary", params(SummaryQuery),
    responses((status = 200, body = Summary)), security(("bearer" = [])), tag = "reports")]
pub async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<Summary>, ApiError> {
    principal.require(&[Role::Admin, Role::Board, Role::Inspector])?;
    let run = match &q.run {
        Some(id) => Some(crate::checklist::visible_run(&state, &principal, id).await?),
        None => latest_covering_run(&state, principal.authorities.as_deref()).await?,
    }
    .ok_or(ApiError::NotFound)?;
    let mut counts: BTreeMap<(String, String, String, String), (u64, u64)> = BTreeMap::new();
    let mut children = 0u64;
    let mut after: Option<(String, String)> = None;
    loop {
        let page = state
            .store
            .run_children(
                &run.id,
                principal.authorities.as_deref(),
                after.as_ref(),
                1000,
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.authority.clone(), last.child_id.clone()));
        for child in &page {
            children += 1;
            let outcomes: Vec<PolicyOutcome> = serde_json::from_str(&child.outcomes)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored outcomes: {e}")))?;
            let mut seen = std::collections::HashSet::new();
            for o in &outcomes {
                let keys: Vec<(String, String)> = if o.error.is_some() {
                    vec![("-".into(), "error".into())]
                } else {
                    o.results
                        .iter()
                        .map(|r| (r.check.clone(), r.status.as_str().to_string()))
                        .collect()
                };
                for (check, status) in keys {
                    let key = (child.authority.clone(), o.policy.clone(), check, status);
                    let entry = counts.entry(key.clone()).or_default();
                    entry.0 += 1;
                    if seen.insert(key) {
                        entry.1 += 1;
                    }
                }
            }
        }
        if page.len() < 1000 {
            break;
        }
    }
    let rows = counts
        .into_iter()
        .map(
            |((authority, policy, check, status), (results, children))| SummaryRow {
                authority,
                policy,
                check,
                status,
                results,
                children,
            },
        )
        .collect();
    Ok(Json(Summary {
        run_id: run.id,
        as_of: run.as_of,
        children,
        rows,
    }))
}
