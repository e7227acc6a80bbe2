//! Care records over HTTP: list, read, write, history, bulk NDJSON upload, and the schema.
//!
//! Every read or write of a child's record is audited (who, what, when, from where), including
//! refused ones; a caller who may not see a child gets the same 404 as for a child that does
//! not exist.

pub mod validate;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carecheck_sdk::dates::Calendar;
use carecheck_sdk::record::CareRecord;
use carecheck_sdk::reviews::{self, Intervals};
use chrono::NaiveDate;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::AsyncBufReadExt;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, Problem};
use crate::store::{ChildFilter, ChildSummary, NewVersion, WriteOutcome, Written};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children", get(list_children))
        .route(
            "/children/{authority}/{child_id}",
            get(get_record).put(put_record),
        )
        .route("/children/{authority}/{child_id}/history", get(history))
        .route("/schema/care-record.json", get(schema))
}

/// Routes that stream large uploads: no request timeout, their own size limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/records/bulk", post(bulk_upload))
}

/// What deriving a child's next review date needs: the pack's calendar and the review intervals
/// the pack's `statutory-review-timeliness` settings use, so listings agree with its verdicts.
#[derive(Debug, Clone)]
pub struct DueDates {
    pub calendar: Calendar,
    pub intervals: Intervals,
}

impl DueDates {
    /// The intervals from the loaded pack's review policy settings (defaults if it is absent).
    pub fn from_pack(calendar: Calendar, policies: &crate::plugins::PolicySet) -> Self {
        let mut intervals = Intervals::default();
        let settings = policies
            .plugins
            .iter()
            .find(|p| p.plugin.metadata.id == "statutory-review-timeliness")
            .and_then(|p| serde_json::from_str::<serde_json::Map<String, Value>>(&p.settings).ok())
            .unwrap_or_default();
        let setting = |key: &str| {
            settings
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
        };
        if let Some(v) = setting("first_review_working_days") {
            intervals.first_review_working_days = v;
        }
        if let Some(v) = setting("second_review_months") {
            intervals.second_review_months = v;
        }
        if let Some(v) = setting("later_review_months") {
            intervals.later_review_months = v;
        }
        Self {
            calendar,
            intervals,
        }
    }
}

/// Turns a validated record into a version ready to store: canonical JSON, its digest, and the
/// derived fields listing needs (next review due, IRO assignments).
pub fn prepare(record: &CareRecord, due_dates: &DueDates, today: NaiveDate) -> NewVersion {
    let body = serde_json::to_string(record).expect("care records serialise");
    let body_sha256 = hex::encode(Sha256::digest(body.as_bytes()));
    NewVersion {
        authority: record.child.responsible_authority.clone(),
        child_id: record.child.id.clone(),
        body,
        body_sha256,
        next_review_due: reviews::next_review_due(
            record,
            today,
            &due_dates.calendar,
            due_dates.intervals,
        ),
        iros: record
            .iro_assignments
            .iter()
            .map(|a| (a.iro_id.clone(), a.from, a.to))
            .collect(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this authority.
    pub authority: Option<String>,
    /// Only children currently assigned to this IRO.
    pub iro: Option<String>,
    /// Only children whose next statutory review is due within this many days (or overdue).
    pub review_due_within_days: Option<u32>,
    /// Page size, 1-1000 (default 100).
    pub limit: Option<u32>,
    /// The `next` cursor from the previous page.
    pub after: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChildList {
    pub children: Vec<ChildSummary>,
    /// Cursor for the next page; absent on the last page.
    pub next: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/children", params(ListQuery),
    responses((status = 200, body = ChildList)), security(("bearer" = [])), tag = "records")]
pub async fn list_children(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Json<ChildList>, ApiError> {
    principal.require(&[Role::Admin, Role::Inspector, Role::Iro])?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 1000".into(),
        ));
    }
    let iro = match principal.role {
        Role::Iro => {
            let own = principal.iro_id.clone();
            if q.iro.is_some() && q.iro != own {
                return Err(ApiError::Forbidden);
            }
            own
        }
        _ => q.iro.clone(),
    };
    let authorities = match (&q.authority, &principal.authorities) {
        (Some(a), _) if !principal.in_scope(a) => return Err(ApiError::Forbidden),
        (Some(a), _) => Some(vec![a.clone()]),
        (None, scope) => scope.clone(),
    };
    let after = crate::checklist::parse_cursor(q.after.as_deref())?;
    let today = state.today();
    let filter = ChildFilter {
        authorities,
        iro,
        today: Some(today),
        review_due_by: q
            .review_due_within_days
            .map(|d| {
                today
                    .checked_add_days(chrono::Days::new(u64::from(d)))
                    .ok_or_else(|| {
                        ApiError::BadRequest("review_due_within_days is too large".into())
                    })
            })
            .transpose()?,
        after,
        limit: i64::from(limit) + 1,
    };
    let mut children = state.store.list_children(&filter).await?;
    let next = if children.len() > limit as usize {
        children.truncate(limit as usize);
        children
            .last()
            .map(|c| format!("{}/{}", c.authority, c.child_id))
    } else {
        None
    };
    state
        .store
        .audit(&[principal.audit("list_children", q.authority.as_deref(), None, "ok")])
        .await?;
    Ok(Json(ChildList { children, next }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordResponse {
    pub authority: String,
    pub child_id: String,
    pub version: i64,
    pub written_at: String,
    pub written_by: String,
    pub source: String,
    /// The care record (see `/api/v1/schema/care-record.json`).
    #[schema(value_type = Object)]
    pub record: Value,
}

/// Checks read access and audits the attempt; a refusal looks exactly like a missing child.
pub async fn authorize_child_read(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    authority: &str,
    child_id: &str,
) -> Result<(), ApiError> {
    let allowed = principal
        .may_read_child(&state.store, authority, child_id, state.today())
        .await?;
    let entry = principal.audit(
        action,
        Some(authority),
        Some(child_id),
        if allowed { "ok" } else { "denied" },
    );
    state.store.audit(&[entry]).await?;
    if allowed {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

fn record_response(
    authority: String,
    child_id: String,
    v: crate::store::StoredVersion,
) -> Result<RecordResponse, ApiError> {
    let record = serde_json::from_str(&v.body)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored record is not JSON: {e}")))?;
    Ok(RecordResponse {
        authority,
        child_id,
        version: v.version,
        written_at: v.written_at,
        written_by: v.written_by,
        source: v.source,
        record,
    })
}

#[utoipa::path(get, path = "/api/v1/children/{authority}/{child_id}",
    responses((status = 200, body = RecordResponse), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])), tag = "records")]
pub async fn get_record(
    State(state): State<AppState>,
    principal: Principal,
    Path((authority, child_id)): Path<(String, String)>,
) -> Result<Json<RecordResponse>, ApiError> {
    authorize_child_read(&state, &principal, "read_record", &authority, &child_id).await?;
    let version = state
        .store
        .current(&authority, &child_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(record_response(authority, child_id, version)?))
}

#[utoipa::path(get, path = "/api/v1/children/{authority}/{child_id}/history",
    responses((status = 200, body = [RecordResponse])), security(("bearer" = [])), tag = "records")]
pub async fn history(
    State(state): State<AppState>,
    principal: Principal,
    Path((authority, child_id)): Path<(String, String)>,
) -> Result<Json<Vec<RecordResponse>>, ApiError> {
    authorize_child_read(&state, &principal, "read_history", &authority, &child_id).await?;
    let versions = state.store.history(&authority, &child_id).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound);
    }
    versions
        .into_iter()
        .map(|v| record_response(authority.clone(), child_id.clone(), v))
        .collect::<Result<Vec<_>, _>>()
        .map(Json)
}

#[utoipa::path(put, path = "/api/v1/children/{authority}/{child_id}",
    request_body(content = Object, description = "A care record"),
    responses((status = 200, body = Written), (status = 201, body = Written), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])), tag = "records")]
pub async fn put_record(
    State(state): State<AppState>,
    principal: Principal,
    Path((authority, child_id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Written>), ApiError> {
    if principal.role != Role::Admin || !principal.in_scope(&authority) {
        let refused = principal.audit("write_record", Some(&authority), Some(&child_id), "denied");
        state.store.audit(&[refused]).await?;
        return Err(ApiError::Forbidden);
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::Invalid(vec![Problem::new(
            "",
            format!("the body is not valid JSON: {e}"),
        )])
    })?;
    let record =
        validate::validate(&value, Some((&authority, &child_id))).map_err(ApiError::Invalid)?;
    let version = prepare(&record, &state.due_dates, state.today());
    let written = state
        .store
        .put_versions(&[version], &principal.actor(), "api")
        .await?
        .remove(0);
    let status = if written.outcome == WriteOutcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(written)))
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct BulkReport {
    pub lines: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Every rejected line with its problems (line numbers start at 1).
    pub errors: Vec<LineError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineError {
    pub line: u64,
    pub problems: Vec<Problem>,
}

/// Good lines are committed in batches of this many; bad lines are reported, never dropped.
const BULK_BATCH: usize = 500;

#[utoipa::path(post, path = "/api/v1/records/bulk",
    request_body(content = String, content_type = "application/x-ndjson", description = "One care record per line"),
    responses((status = 200, body = BulkReport)), security(("bearer" = [])), tag = "records")]
pub async fn bulk_upload(
    State(state): State<AppState>,
    principal: Principal,
    body: Body,
) -> Result<Json<BulkReport>, ApiError> {
    principal.require(&[Role::Admin])?;
    let limit = state.config.max_upload_bytes;
    let max_line = state.config.max_body_bytes;
    // The raw body is read as a stream, so the size limit is applied here, not by an extractor.
    let stream = http_body_util::BodyStream::new(http_body_util::Limited::new(body, limit))
        .try_filter_map(|frame| futures::future::ready(Ok(frame.into_data().ok())))
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                std::io::Error::other("length limit exceeded")
            } else {
                std::io::Error::other(e)
            }
        });
    let mut lines = tokio_util::io::StreamReader::new(stream).lines();
    let mut report = BulkReport::default();
    let mut batch = Vec::with_capacity(BULK_BATCH);
    let today = state.today();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) if e.to_string().contains("length limit") => {
                return Err(ApiError::TooLarge(limit));
            }
            Err(e) => {
                return Err(ApiError::BadRequest(format!(
                    "reading the upload failed at line {}: {e}",
                    report.lines + 1
                )));
            }
        };
        report.lines += 1;
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > max_line {
            report.rejected += 1;
            report.errors.push(LineError {
                line: report.lines,
                problems: vec![Problem::new(
                    "",
                    format!("the line is longer than the {max_line}-byte limit for one record"),
                )],
            });
            continue;
        }
        let checked = serde_json::from_str::<Value>(&line)
            .map_err(|e| vec![Problem::new("", format!("not valid JSON: {e}"))])
            .and_then(|value| validate::validate(&value, None))
            .and_then(|record| {
                if principal.in_scope(&record.child.responsible_authority) {
                    Ok(record)
                } else {
                    Err(vec![Problem::new(
                        "/child/responsible_authority",
                        "this token may not write records for this authority",
                    )])
                }
            });
        match checked {
            Ok(record) => batch.push(prepare(&record, &state.due_dates, today)),
            Err(problems) => {
                report.rejected += 1;
                report.errors.push(LineError {
                    line: report.lines,
                    problems,
                });
            }
        }
        if batch.len() >= BULK_BATCH {
            commit_batch(&state, &principal, &mut batch, &mut report).await?;
        }
    }
    commit_batch(&state, &principal, &mut batch, &mut report).await?;
    Ok(Json(report))
}

async fn commit_batch(
    state: &AppState,
    principal: &Principal,
    batch: &mut Vec<NewVersion>,
    report: &mut BulkReport,
) -> Result<(), ApiError> {
    if batch.is_empty() {
        return Ok(());
    }
    let written = state
        .store
        .put_versions(batch, &principal.actor(), "bulk")
        .await?;
    for w in &written {
        match w.outcome {
            WriteOutcome::Created => report.created += 1,
            WriteOutcome::Updated => report.updated += 1,
            WriteOutcome::Unchanged => report.unchanged += 1,
        }
    }
    batch.clear();
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/schema/care-record.json",
    responses((status = 200, description = "JSON Schema of the care record")), tag = "records")]
pub async fn schema() -> Json<Value> {
    Json(validate::schema().clone())
}
