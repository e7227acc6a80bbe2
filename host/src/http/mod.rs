//! The HTTP layer: application state, the router, the caller's identity and the error shape.
//! Handlers are thin: they parse, authorise, call a domain service and map its typed error;
//! domain modules know nothing of HTTP.

pub mod auth;
mod checklist;
pub mod edge;
pub mod error;
mod imports;
mod iros;
pub mod metrics;
pub mod openapi;
mod plugins;
pub mod rate_limit;
mod records;
mod reports;
mod runs;
pub mod server;
mod subscriptions;
mod tokens;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::ids::{self, Kind};
use crate::plugins::PolicySet;
use crate::plugins::runtime::Runtime;
use crate::plugins::sets::{LivePolicies, PolicySets};
use crate::records::DueDates;
use crate::store::{ChildKey, Keyed, Store};
use crate::subscriptions::metrics::ReportMetrics;
use crate::subscriptions::scheduler::Worker;
use crate::telemetry;
use edge::Edge;
use error::ApiError;

/// Everything a request handler needs, cheap to clone. The CLI builds the same state.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Each authority's policy set: the pack's policies and the regulators' plugins enabled for
    /// it, replaced whole when the plugin generation moves.
    pub policies: Arc<LivePolicies>,
    pub config: Arc<Config>,
    /// The loaded pack's calendar and review intervals, for deriving due dates on write.
    pub due_dates: Arc<DueDates>,
    /// The rate limiter and the edge metrics (failed sign-ins, refusals, connections).
    pub edge: Arc<Edge>,
    /// What the report scheduler counts.
    pub report_metrics: Arc<ReportMetrics>,
    /// This replica's part in runs shared across replicas.
    pub shared_runs: Arc<crate::runs::shared::SharedRuns>,
}

impl AppState {
    /// Opens the store (migrating it), starts the plugin runtime and loads the policy pack.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = Store::open(&config.database_url, config.database_max_connections).await?;
        Self::with_store(config, store).await
    }

    pub async fn with_store(config: Config, store: Store) -> anyhow::Result<Self> {
        let runtime = Arc::new(Runtime::new(
            config.data_dir.join("compiled"),
            config.limits,
        )?);
        let pack = PolicySet::load(&config.pack, runtime, &store, config.look_ahead_days).await?;
        let due_dates = DueDates {
            calendar: pack
                .calendar()
                .map_err(|e| anyhow::anyhow!("calendar: {e}"))?,
            intervals: pack
                .review_intervals()
                .map_err(|e| anyhow::anyhow!("review intervals: {e}"))?,
        };
        let policies = Arc::new(LivePolicies::new(PolicySets::single(pack)));
        // The regulators' plugins enabled so far are in force from the first request.
        crate::catalog::live::refresh(&store, &policies).await?;
        let shared_runs = crate::runs::shared::SharedRuns::new(
            store.clone(),
            config.data_dir.join("compiled"),
            config.runs,
            config.parallelism(),
        );
        let state = Self {
            shared_runs,
            store,
            policies,
            edge: Arc::new(Edge::new(&config)),
            report_metrics: Arc::new(ReportMetrics::default()),
            config: Arc::new(config),
            due_dates: Arc::new(due_dates),
        };
        if let Some(warning) = state.calendar_warning() {
            tracing::warn!("{warning}");
        }
        Ok(state)
    }

    /// A warning when the pack's bank-holiday calendar ends within a year.
    pub fn calendar_warning(&self) -> Option<String> {
        self.due_dates.calendar_warning(self.today())
    }

    /// The report scheduler of this process (run by `carecheck serve`; tests drive its steps).
    pub fn scheduler(&self) -> Worker {
        Worker::new(
            self.store.clone(),
            self.policies.clone(),
            self.config.clone(),
            self.report_metrics.clone(),
        )
    }

    /// The ids of the pack's policies.
    pub fn policy_ids(&self) -> Vec<String> {
        self.policies
            .base()
            .plugins
            .iter()
            .map(|p| p.plugin.metadata.id.clone())
            .collect()
    }

    /// Today's date, for "currently assigned" and default evaluation dates.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().date_naive()
    }
}

/// The whole HTTP application. Outermost first: the request ids, the access log, the JSON shape
/// for every error (pages keep their HTML ones), the request span, the body limit; API routes and
/// the web pages add the per-address rate limit (health checks and metrics are not limited: the
/// connection cap and timeouts cover them).
pub fn app(state: AppState) -> Router {
    // Ordinary requests get a deadline; bulk uploads, imports and whole runs stream or compute
    // for as long as they need (each bounded by its own size limit).
    let timed = Router::new()
        .merge(records::routes())
        .merge(plugins::routes(&state.config))
        .merge(runs::routes())
        .merge(checklist::routes())
        .merge(iros::routes())
        .merge(reports::routes())
        .merge(subscriptions::routes())
        .merge(tokens::routes())
        .merge(openapi::routes())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ));
    let long = Router::new()
        .merge(records::upload_routes())
        .merge(runs::long_routes())
        .merge(imports::routes(&state.config));
    let api = timed
        .merge(long)
        .layer(from_fn_with_state(state.clone(), rate_limit::per_ip));
    // The pages count against the same per-address allowance (signing in most of all).
    let pages = web::routes()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ))
        .layer(from_fn_with_state(state.clone(), rate_limit::per_ip));
    Router::new()
        .merge(pages)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/api/v1", api)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::RequestSpan))
        .layer(from_fn(edge::json_errors))
        .layer(from_fn_with_state(state.clone(), edge::access_log))
        .layer(from_fn(edge::request_ids))
        .with_state(state)
}

/// A child named in a URL (`…/children/{authority}/{child_id}…`), its two parts checked against
/// the identifier grammar before anything looks them up.
pub struct ChildPath(pub ChildKey);

impl<S: Send + Sync> FromRequestParts<S> for ChildPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((authority, child_id)) =
            Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        checked_id(Kind::Authority, "the path's authority", &authority)?;
        checked_id(Kind::Child, "the path's child id", &child_id)?;
        Ok(ChildPath(ChildKey::new(authority, child_id)))
    }
}

/// An identifier from a URL, query string or body, checked against the one grammar.
fn checked_id(kind: Kind, what: &str, value: &str) -> Result<(), ApiError> {
    ids::check(kind, value).map_err(|why| ApiError::BadRequest(format!("{what}: {why}")))
}

/// Parses an `after` cursor (`authority/child_id`) from a previous page.
fn parse_cursor(cursor: Option<&str>) -> Result<Option<ChildKey>, ApiError> {
    cursor
        .map(|c| {
            ChildKey::from_cursor(c)
                .filter(|k| {
                    ids::check(Kind::Authority, &k.authority).is_ok()
                        && ids::check(Kind::Child, &k.child_id).is_ok()
                })
                .ok_or_else(|| {
                    ApiError::BadRequest("after must be a cursor from a previous page".into())
                })
        })
        .transpose()
}

/// Trims a page fetched with one row more than `limit` and returns the cursor of the next page
/// (`None` on the last page).
fn next_cursor<T: Keyed>(page: &mut Vec<T>, limit: usize) -> Option<String> {
    if page.len() > limit {
        page.truncate(limit);
        page.last().map(|last| last.key().cursor())
    } else {
        None
    }
}

/// Liveness: the process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// Edge and plugin metrics in the Prometheus text format (counts only, nothing about any child).
async fn metrics(State(state): State<AppState>) -> String {
    let mut out = state.edge.metrics.render_without_eof();
    out.push_str(&state.report_metrics.render_without_eof());
    out.push_str(&state.policies.base().runtime().metrics().render());
    out
}

/// Readiness: the database answers and the policy pack is loaded; a calendar about to run out
/// is reported in the detail.
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    match state.store.ping().await {
        Ok(()) if !state.policies.base().plugins.is_empty() => match state.calendar_warning() {
            Some(warning) => (StatusCode::OK, format!("ready; warning: {warning}")),
            None => (StatusCode::OK, "ready".into()),
        },
        _ => (StatusCode::SERVICE_UNAVAILABLE, "not ready".into()),
    }
}
