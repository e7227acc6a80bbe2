//! Scheduled reports over HTTP. Admins manage subscriptions in their scope, ask for a report
//! now, and see each report's deliveries and every attempt; board and inspector tokens list
//! and open the reports they may read (`/reports/scheduled`). A stored HTML report is served as
//! a page that may load nothing (`Content-Security-Policy: default-src 'none'`).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::tokens::audited;
use crate::access::{Principal, Role};
use crate::subscriptions::queries::{self, Attempt, Delivery, Report};
use crate::subscriptions::{
    Offered, SubscriptionError, SubscriptionRequest, SubscriptionView, service,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subscriptions", get(list).post(create))
        .route("/subscriptions/{id}", get(show).delete(remove))
        .route("/subscriptions/{id}/pause", post(pause))
        .route("/subscriptions/{id}/resume", post(resume))
        .route("/subscriptions/{id}/run", post(run_now))
        .route("/subscriptions/{id}/reports", get(reports))
        .route("/reports/scheduled", get(scheduled))
        .route("/reports/scheduled/{id}", get(scheduled_one))
        .route("/reports/scheduled/{id}/files/{name}", get(download))
}

impl From<SubscriptionError> for ApiError {
    fn from(e: SubscriptionError) -> Self {
        match e {
            SubscriptionError::Invalid(problems) => ApiError::Invalid(problems),
            SubscriptionError::NotFound => ApiError::NotFound,
            SubscriptionError::Forbidden => ApiError::Forbidden,
            taken @ SubscriptionError::NameTaken(_) => ApiError::Conflict(taken.to_string()),
            SubscriptionError::Store(e) => e.into(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/subscriptions", responses((status = 200, body = [SubscriptionView])),
    security(("bearer" = [])), tag = "subscriptions")]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    principal.require(&[Role::Admin])?;
    let subs = service::list(&state.store, Some(&principal)).await?;
    Ok(Json(subs.iter().map(|s| s.view()).collect()))
}

/// A new subscription: the only time a generated webhook secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedSubscription {
    pub subscription: SubscriptionView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/subscriptions", request_body = SubscriptionRequest,
    responses((status = 201, body = CreatedSubscription)), security(("bearer" = [])), tag = "subscriptions")]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Json(request): Json<SubscriptionRequest>,
) -> Result<(StatusCode, Json<CreatedSubscription>), ApiError> {
    principal.require(&[Role::Admin])?;
    let policies = state.policy_ids();
    let offered = Offered::new(&state.config, &policies, principal.authorities.is_none());
    let created = service::create(
        &state.store,
        &request,
        offered,
        Some(&principal),
        &principal.actor().id,
    )
    .await?;
    audited(&state, &principal, "create_subscription").await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedSubscription {
            subscription: created.subscription.view(),
            webhook_secret: created.generated_secret,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/subscriptions/{id}", responses((status = 200, body = SubscriptionView)),
    security(("bearer" = [])), tag = "subscriptions")]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<SubscriptionView>, ApiError> {
    principal.require(&[Role::Admin])?;
    Ok(Json(
        service::managed(&state.store, Some(&principal), &id)
            .await?
            .view(),
    ))
}

async fn set_paused(
    state: &AppState,
    principal: &Principal,
    id: &str,
    paused: bool,
) -> Result<Json<SubscriptionView>, ApiError> {
    principal.require(&[Role::Admin])?;
    let sub = service::set_paused(&state.store, Some(principal), id, paused).await?;
    audited(
        state,
        principal,
        if paused {
            "pause_subscription"
        } else {
            "resume_subscription"
        },
    )
    .await?;
    Ok(Json(sub.view()))
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/pause", responses((status = 200, body = SubscriptionView)),
    security(("bearer" = [])), tag = "subscriptions")]
pub async fn pause(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<SubscriptionView>, ApiError> {
    set_paused(&state, &principal, &id, true).await
}

/// Resumes; times that passed while paused are not made up.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/resume", responses((status = 200, body = SubscriptionView)),
    security(("bearer" = [])), tag = "subscriptions")]
pub async fn resume(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<SubscriptionView>, ApiError> {
    set_paused(&state, &principal, &id, false).await
}

/// Deletes the subscription with its reports and their deliveries.
#[utoipa::path(delete, path = "/api/v1/subscriptions/{id}", responses((status = 204)),
    security(("bearer" = [])), tag = "subscriptions")]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(&[Role::Admin])?;
    service::delete(&state.store, Some(&principal), &id).await?;
    audited(&state, &principal, "delete_subscription").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub report_id: String,
}

/// Asks for a report now; the scheduler renders and delivers it.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/run", responses((status = 202, body = Queued)),
    security(("bearer" = [])), tag = "subscriptions")]
pub async fn run_now(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    principal.require(&[Role::Admin])?;
    let report_id =
        service::run_now(&state.store, Some(&principal), &id, chrono::Utc::now()).await?;
    audited(&state, &principal, "run_subscription").await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { report_id })))
}

/// A delivery with every attempt at it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: Report,
    pub files: Vec<FileView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Vec<DeliveryView>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub name: String,
    pub media_type: String,
    pub sha256: String,
    pub bytes: usize,
    /// Where to download it.
    pub href: String,
}

async fn report_view(
    state: &AppState,
    report: Report,
    with_deliveries: bool,
) -> Result<ReportView, ApiError> {
    let files = queries::files(&state.store, &report.id)
        .await?
        .into_iter()
        .filter(|f| f.name != crate::subscriptions::render::EMAIL_HTML)
        .map(|f| FileView {
            href: format!("/api/v1/reports/scheduled/{}/files/{}", report.id, f.name),
            bytes: f.body.len(),
            name: f.name,
            media_type: f.media_type,
            sha256: f.sha256,
        })
        .collect();
    let deliveries = if with_deliveries {
        let mut out = Vec::new();
        for delivery in queries::deliveries_of(&state.store, &report.id).await? {
            let attempts = queries::attempts_of(&state.store, &delivery.id).await?;
            out.push(DeliveryView { delivery, attempts });
        }
        Some(out)
    } else {
        None
    };
    Ok(ReportView {
        report,
        files,
        deliveries,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// At most this many, newest first (default 50, at most 1000).
    pub limit: Option<i64>,
}

/// A subscription's reports, newest first, each with its deliveries and every attempt.
#[utoipa::path(get, path = "/api/v1/subscriptions/{id}/reports", params(ListQuery),
    responses((status = 200, body = [ReportView])), security(("bearer" = [])), tag = "subscriptions")]
pub async fn reports(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    principal.require(&[Role::Admin])?;
    let sub = service::managed(&state.store, Some(&principal), &id).await?;
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let mut out = Vec::new();
    for report in queries::reports_of(&state.store, &sub.id, limit).await? {
        out.push(report_view(&state, report, true).await?);
    }
    Ok(Json(out))
}

/// Rendered reports the caller may read: board reports for boards, board and inspector
/// reports for inspectors, everything in scope for admins.
#[utoipa::path(get, path = "/api/v1/reports/scheduled", params(ListQuery),
    responses((status = 200, body = [ReportView])), security(("bearer" = [])), tag = "reports")]
pub async fn scheduled(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    principal.require(&[Role::Admin, Role::Board, Role::Inspector])?;
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let mut out = Vec::new();
    for (report, _) in service::readable_reports(&state.store, &principal, limit).await? {
        out.push(report_view(&state, report, false).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/reports/scheduled/{id}", responses((status = 200, body = ReportView)),
    security(("bearer" = [])), tag = "reports")]
pub async fn scheduled_one(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<ReportView>, ApiError> {
    principal.require(&[Role::Admin, Role::Board, Role::Inspector])?;
    let (report, _) = service::readable_report(&state.store, &principal, &id).await?;
    Ok(Json(
        report_view(&state, report, principal.role == Role::Admin).await?,
    ))
}

/// One stored file, byte for byte; HTML opens as a page that may load nothing.
#[utoipa::path(get, path = "/api/v1/reports/scheduled/{id}/files/{name}", responses((status = 200)),
    security(("bearer" = [])), tag = "reports")]
pub async fn download(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Admin, Role::Board, Role::Inspector])?;
    let file = service::readable_file(&state.store, &principal, &id, &name).await?;
    audited(&state, &principal, "download_report").await?;
    let disposition =
        if file.media_type.starts_with("text/html") || file.media_type.starts_with("image/") {
            "inline".to_string()
        } else {
            format!("attachment; filename=\"{}\"", file.name)
        };
    Response::builder()
        .header(header::CONTENT_TYPE, file.media_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
        )
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header("etag", format!("\"{}\"", file.sha256))
        .body(Body::from(file.body))
        .map_err(|e| ApiError::Internal(e.into()))
}
