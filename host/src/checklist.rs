//! Evaluation runs and the decision log.
//!
//! A run evaluates the current records in scope with the loaded policy set and stores, before
//! anything else, what it ran with: the evaluation date, each plugin's id, version, sha256 and
//! settings, the calendar and the engine. Then, per child, the record version it read and every
//! outcome with the fuel used. `replay` rebuilds the same plugins from their stored bytes,
//! re-reads the same record versions and reports any difference, so any verdict can be reproduced.
//!
//! Routes: an IRO's checklist for one child, runs over a scope, and their results.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::plugins::pack::PackSnapshot;
use crate::plugins::runtime::Runtime;
use crate::plugins::{PolicyOutcome, PolicySet};
use crate::store::{Actor, RunChild, Store};

/// Children read and evaluated per page.
const PAGE: i64 = 1000;

/// What a run evaluated with, stored with it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunSpec {
    pub pack: PackSnapshot,
    /// Only this policy, if the run was limited to one.
    pub policy: Option<String>,
    /// The authorities covered (`None`: all).
    #[serde(default)]
    pub authorities: Option<Vec<String>>,
    /// The one child evaluated, for a checklist run.
    #[serde(default)]
    pub child: Option<(String, String)>,
}

impl RunSpec {
    /// Whether the run evaluated every child of `authorities` (`None`: of every authority)
    /// with every policy: only such runs stand for an authority in reports.
    pub fn covers(&self, authorities: Option<&[String]>) -> bool {
        self.child.is_none()
            && self.policy.is_none()
            && match (&self.authorities, authorities) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(run), Some(wanted)) => wanted.iter().all(|a| run.contains(a)),
            }
    }
}

/// Which records a run covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub authorities: Option<Vec<String>>,
    pub child: Option<(String, String)>,
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub children: i64,
    pub results: i64,
    pub errors: i64,
}

/// One check result as printed by `carecheck check` and returned by the API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ResultRow {
    pub authority: String,
    pub child_id: String,
    pub policy: String,
    pub check: String,
    /// met, due_soon, breach, not_applicable, insufficient_data, or error (the plugin failed).
    pub status: String,
    /// statutory or guidance.
    pub basis: String,
    pub due: Option<String>,
    pub subject: String,
    pub message: String,
    pub citation: String,
}

/// Flattens one child's outcomes into rows, with each check's basis from its policy's metadata.
pub fn rows(
    policies: &PolicySet,
    authority: &str,
    child_id: &str,
    outcomes: &[PolicyOutcome],
) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    for outcome in outcomes {
        let metadata = policies
            .plugins
            .iter()
            .find(|p| p.plugin.metadata.id == outcome.policy)
            .map(|p| p.plugin.metadata.clone());
        if let Some(error) = &outcome.error {
            rows.push(ResultRow {
                authority: authority.into(),
                child_id: child_id.into(),
                policy: outcome.policy.clone(),
                check: "-".into(),
                status: "error".into(),
                basis: "-".into(),
                due: None,
                subject: "policy".into(),
                message: format!("The policy could not be evaluated: it {error}."),
                citation: String::new(),
            });
        }
        for r in &outcome.results {
            let basis = metadata
                .as_ref()
                .and_then(|m| m.check(&r.check))
                .map_or("-", |c| match c.basis {
                    carecheck_sdk::Basis::Statutory => "statutory",
                    carecheck_sdk::Basis::Guidance => "guidance",
                });
            rows.push(ResultRow {
                authority: authority.into(),
                child_id: child_id.into(),
                policy: outcome.policy.clone(),
                check: r.check.clone(),
                status: r.status.as_str().into(),
                basis: basis.into(),
                due: r.due.map(|d| d.to_string()),
                subject: r.subject.clone(),
                message: r.message.clone(),
                citation: r.citation.clone(),
            });
        }
    }
    rows
}

/// Evaluates every current record in `scope` as of `as_of`, logs the run, and hands each child's
/// outcomes to `sink` (for printing) as it goes.
pub async fn run(
    store: &Store,
    policies: &PolicySet,
    as_of: NaiveDate,
    scope: &Scope,
    actor: &Actor,
    parallelism: usize,
    mut sink: impl FnMut(&str, &str, &[PolicyOutcome]),
) -> anyhow::Result<RunSummary> {
    let triggered_by = actor.id.as_str();
    if let Some(policy) = &scope.policy
        && !policies
            .plugins
            .iter()
            .any(|p| &p.plugin.metadata.id == policy)
    {
        anyhow::bail!("no policy {policy:?} is loaded");
    }
    let run_id = uuid::Uuid::new_v4().to_string();
    let spec = RunSpec {
        pack: policies.snapshot().clone(),
        policy: scope.policy.clone(),
        authorities: scope.authorities.clone(),
        child: scope.child.clone(),
    };
    store
        .create_run(
            &run_id,
            as_of,
            &policies.runtime().engine_id(),
            &serde_json::to_string(&spec)?,
            triggered_by,
            spec.child.is_none() && spec.policy.is_none(),
        )
        .await?;
    let mut summary = RunSummary {
        run_id: run_id.clone(),
        as_of,
        children: 0,
        results: 0,
        errors: 0,
    };
    let mut after: Option<(String, String)> = None;
    loop {
        let page = match &scope.child {
            Some((authority, child_id)) if after.is_none() => store
                .current(authority, child_id)
                .await?
                .map(|v| vec![(authority.clone(), child_id.clone(), v.version, v.body)])
                .unwrap_or_default(),
            Some(_) => Vec::new(),
            None => {
                store
                    .current_records_page(scope.authorities.as_deref(), after.as_ref(), PAGE)
                    .await?
            }
        };
        let Some(last) = page.last() else { break };
        after = Some((last.0.clone(), last.1.clone()));
        let values: Vec<Value> = page
            .iter()
            .map(|(_, _, _, body)| serde_json::from_str(body))
            .collect::<Result<_, _>>()?;
        let evaluated = {
            let policies = policies.clone();
            let only = scope.policy.clone();
            tokio::task::spawn_blocking(move || {
                policies.evaluate_many(&values, as_of, only.as_deref(), parallelism)
            })
            .await?
        };
        let mut children = Vec::with_capacity(page.len());
        for ((authority, child_id, version, _), outcomes) in page.iter().zip(&evaluated) {
            sink(authority, child_id, outcomes);
            summary.children += 1;
            summary.results += outcomes.iter().map(|o| o.results.len() as i64).sum::<i64>();
            summary.errors += outcomes.iter().filter(|o| o.error.is_some()).count() as i64;
            children.push(RunChild {
                authority: authority.clone(),
                child_id: child_id.clone(),
                record_version: *version,
                outcomes: serde_json::to_string(outcomes)?,
            });
        }
        store.add_run_children(&run_id, &children, actor).await?;
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    store
        .finish_run(&run_id, summary.children, summary.results, summary.errors)
        .await?;
    Ok(summary)
}

/// A child whose replayed outcomes differ from the stored ones.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub authority: String,
    pub child_id: String,
    pub stored: Value,
    pub replayed: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub run_id: String,
    pub children: u64,
    pub differences: Vec<Difference>,
    /// The engine that made the run and the one that replayed it; fuel counts may differ
    /// between wasmtime versions, so a difference is reported alongside.
    pub engine_then: String,
    pub engine_now: String,
}

/// Re-evaluates a stored run from its stored plugins, settings, calendar, limits and record
/// versions. `cache_dir` holds compiled plugins.
pub async fn replay(
    store: &Store,
    cache_dir: &std::path::Path,
    run_id: &str,
    parallelism: usize,
) -> anyhow::Result<ReplayReport> {
    let run = store
        .run(run_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no run {run_id}"))?;
    let spec: RunSpec = serde_json::from_str(&run.pack)?;
    let as_of: NaiveDate = run.as_of.parse()?;
    let runtime = std::sync::Arc::new(Runtime::new(cache_dir, spec.pack.limits)?);
    let engine_now = runtime.engine_id();
    let policies = PolicySet::from_snapshot(&spec.pack, runtime, store).await?;
    let mut report = ReplayReport {
        run_id: run_id.to_string(),
        children: 0,
        differences: Vec::new(),
        engine_then: run.engine.clone(),
        engine_now,
    };
    let mut after: Option<(String, String)> = None;
    loop {
        let page = store
            .run_children(run_id, None, after.as_ref(), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.authority.clone(), last.child_id.clone()));
        let mut values = Vec::with_capacity(page.len());
        for child in &page {
            let version = store
                .version(&child.authority, &child.child_id, child.record_version)
                .await?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "record version {} of {}/{} is missing",
                        child.record_version,
                        child.authority,
                        child.child_id
                    )
                })?;
            values.push(serde_json::from_str::<Value>(&version.body)?);
        }
        let evaluated = {
            let policies = policies.clone();
            let only = spec.policy.clone();
            tokio::task::spawn_blocking(move || {
                policies.evaluate_many(&values, as_of, only.as_deref(), parallelism)
            })
            .await?
        };
        for (child, outcomes) in page.iter().zip(evaluated) {
            report.children += 1;
            let stored: Value = serde_json::from_str(&child.outcomes)?;
            let replayed = serde_json::to_value(&outcomes)?;
            if stored != replayed {
                report.differences.push(Difference {
                    authority: child.authority.clone(),
                    child_id: child.child_id.clone(),
                    stored,
                    replayed,
                });
            }
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    Ok(report)
}

/// A run the caller may see: never a one-child checklist run unless the caller is an admin, and
/// never a run limited to authorities outside the caller's scope (a run over every authority is
/// visible, and its results and reports are filtered to the caller's scope). Otherwise "not found".
pub async fn visible_run(
    state: &AppState,
    principal: &Principal,
    run_id: &str,
) -> Result<crate::store::RunRow, ApiError> {
    let run = state.store.run(run_id).await?.ok_or(ApiError::NotFound)?;
    let spec: RunSpec = serde_json::from_str(&run.pack)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored run spec: {e}")))?;
    let in_scope = match (&principal.authorities, &spec.authorities) {
        (None, _) | (Some(_), None) => true,
        (Some(mine), Some(run)) => run.iter().all(|a| mine.contains(a)),
    };
    let allowed = match principal.role {
        Role::Admin => in_scope,
        _ => in_scope && spec.child.is_none(),
    };
    if allowed {
        Ok(run)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Parses an `after` cursor (`authority/child_id`) from a previous page.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<(String, String)>, ApiError> {
    cursor
        .map(|c| {
            c.split_once('/')
                .map(|(a, c)| (a.to_string(), c.to_string()))
                .ok_or_else(|| {
                    ApiError::BadRequest("after must be a cursor from a previous page".into())
                })
        })
        .transpose()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/{authority}/{child_id}/checklist", get(checklist))
        .route("/runs/{run_id}", get(get_run))
        .route("/runs/{run_id}/results", get(run_results))
}

/// Evaluation runs over a whole scope can take minutes: no request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new().route("/runs", post(start_run))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChecklistQuery {
    /// Evaluation date (default today).
    pub as_of: Option<NaiveDate>,
    /// Only this policy.
    pub policy: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub run_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub results: Vec<ResultRow>,
}

/// The pre-review checklist for one child: every policy evaluated now, logged as a run.
#[utoipa::path(get, path = "/api/v1/children/{authority}/{child_id}/checklist", params(ChecklistQuery),
    responses((status = 200, body = Checklist)), security(("bearer" = [])), tag = "checklist")]
pub async fn checklist(
    State(state): State<AppState>,
    principal: Principal,
    Path((authority, child_id)): Path<(String, String)>,
    Query(q): Query<ChecklistQuery>,
) -> Result<Json<Checklist>, ApiError> {
    crate::records::authorize_child_read(&state, &principal, "checklist", &authority, &child_id)
        .await?;
    let as_of = q.as_of.unwrap_or_else(|| state.today());
    let scope = Scope {
        authorities: None,
        child: Some((authority.clone(), child_id.clone())),
        policy: q.policy.clone(),
    };
    let mut results = Vec::new();
    let summary = run(
        &state.store,
        &state.policies,
        as_of,
        &scope,
        &principal.actor(),
        state.config.parallelism(),
        |a, c, outcomes| results.extend(rows(&state.policies, a, c, outcomes)),
    )
    .await
    .map_err(|e| match q.policy {
        Some(_) if e.to_string().starts_with("no policy") => ApiError::BadRequest(e.to_string()),
        _ => ApiError::Internal(e),
    })?;
    if summary.children == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Checklist {
        run_id: summary.run_id,
        as_of,
        results,
    }))
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
    let authorities = match (&req.authority, &principal.authorities) {
        (Some(a), _) if !principal.in_scope(a) => return Err(ApiError::Forbidden),
        (Some(a), _) => Some(vec![a.clone()]),
        (None, scope) => scope.clone(),
    };
    let scope = Scope {
        authorities,
        child: None,
        policy: req.policy.clone(),
    };
    let summary = run(
        &state.store,
        &state.policies,
        req.as_of.unwrap_or_else(|| state.today()),
        &scope,
        &principal.actor(),
        state.config.parallelism(),
        |_, _, _| {},
    )
    .await
    .map_err(|e| match req.policy {
        Some(_) if e.to_string().starts_with("no policy") => ApiError::BadRequest(e.to_string()),
        _ => ApiError::Internal(e),
    })?;
    state
        .store
        .audit(&[principal.audit("run", req.authority.as_deref(), None, "ok")])
        .await?;
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
    let run = visible_run(&state, &principal, &run_id).await?;
    Ok(Json(RunSummary {
        run_id: run.id,
        as_of: run
            .as_of
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("run date: {e}")))?,
        children: run.children,
        results: run.results,
        errors: run.errors,
    }))
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
    visible_run(&state, &principal, &run_id).await?;
    let mut children = state
        .store
        .run_children(
            &run_id,
            principal.authorities.as_deref(),
            after.as_ref(),
            limit + 1,
        )
        .await?;
    let next = if children.len() as i64 > limit {
        children.truncate(limit as usize);
        children
            .last()
            .map(|c| format!("{}/{}", c.authority, c.child_id))
    } else {
        None
    };
    let mut results = Vec::new();
    let mut audit = Vec::new();
    for child in &children {
        let outcomes: Vec<PolicyOutcome> = serde_json::from_str(&child.outcomes)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored outcomes: {e}")))?;
        results.extend(rows(
            &state.policies,
            &child.authority,
            &child.child_id,
            &outcomes,
        ));
        audit.push(principal.audit(
            "read_results",
            Some(&child.authority),
            Some(&child.child_id),
            "ok",
        ));
    }
    state.store.audit(&audit).await?;
    Ok(Json(ResultPage { results, next }))
}
