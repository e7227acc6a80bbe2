//! Care records over HTTP: list, read, write, history, bulk NDJSON upload, and the schema.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use super::error::ApiError;
use super::{AppState, ChildPath, checked_id, next_cursor, parse_cursor};
use crate::access::audit::{self, Outcome};
use crate::access::{Principal, Role};
use crate::ids::Kind;
use crate::problem::Problem;
use crate::records::{
    self, ChildFilter, ChildSummary, StoredVersion, Submission, WriteOutcome, Writer, Written,
    queries, strict_json, validate,
};
use crate::store::ChildKey;

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
    if let Some(authority) = &q.authority {
        checked_id(Kind::Authority, "authority", authority)?;
    }
    if let Some(iro) = &q.iro {
        checked_id(Kind::Iro, "iro", iro)?;
    }
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
    let today = state.today();
    let filter = ChildFilter {
        authorities: principal.narrow(q.authority.as_deref())?,
        iro: iro.map(|iro| (iro, today)),
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
        child_id: None,
    };
    let after = parse_cursor(q.after.as_deref())?;
    let mut children =
        queries::list_children(&state.store, &filter, after, i64::from(limit) + 1).await?;
    let next = next_cursor(&mut children, limit as usize);
    let entry = principal
        .actor()
        .entry("list_children", q.authority.as_deref(), None, Outcome::Ok);
    audit::record(&state.store, &[entry]).await?;
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

fn record_response(key: &ChildKey, v: StoredVersion) -> Result<RecordResponse, ApiError> {
    let record = serde_json::from_str(&v.body)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored record is not JSON: {e}")))?;
    Ok(RecordResponse {
        authority: key.authority.clone(),
        child_id: key.child_id.clone(),
        version: v.version,
        written_at: v.written_at,
        written_by: v.written_by,
        source: v.source,
        record,
    })
}

/// A version as an entity tag: `"v3"`.
fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("an entity tag is a header value")
}

/// The version an `If-Match` header names, if it has one.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.trim()
                .strip_prefix("\"v")?
                .strip_suffix('"')?
                .parse()
                .ok()
        })
        .map(Some)
        .ok_or_else(|| {
            ApiError::BadRequest(
                "If-Match must be the ETag of a GET of this record, e.g. \"v3\"".into(),
            )
        })
}

/// The current record, with its version as the `ETag` to send back in `If-Match` on PUT.
#[utoipa::path(get, path = "/api/v1/children/{authority}/{child_id}",
    responses((status = 200, body = RecordResponse), (status = 404, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "records")]
pub async fn get_record(
    State(state): State<AppState>,
    principal: Principal,
    ChildPath(key): ChildPath,
) -> Result<([(HeaderName, HeaderValue); 1], Json<RecordResponse>), ApiError> {
    records::authorize_read(&state.store, &principal, "read_record", &key, state.today()).await?;
    let version = queries::current(&state.store, &key)
        .await?
        .ok_or(ApiError::NotFound)?;
    let tag = etag(version.version);
    Ok(([(header::ETAG, tag)], Json(record_response(&key, version)?)))
}

#[utoipa::path(get, path = "/api/v1/children/{authority}/{child_id}/history",
    responses((status = 200, body = [RecordResponse])), security(("bearer" = [])), tag = "records")]
pub async fn history(
    State(state): State<AppState>,
    principal: Principal,
    ChildPath(key): ChildPath,
) -> Result<Json<Vec<RecordResponse>>, ApiError> {
    records::authorize_read(
        &state.store,
        &principal,
        "read_history",
        &key,
        state.today(),
    )
    .await?;
    let versions = queries::history(&state.store, &key).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound);
    }
    versions
        .into_iter()
        .map(|v| record_response(&key, v))
        .collect::<Result<Vec<_>, _>>()
        .map(Json)
}

/// The one write path as a caller's request uses it.
fn writer<'a>(
    state: &'a AppState,
    actor: &'a crate::access::Actor,
    principal: &'a Principal,
    source: &'a str,
) -> Writer<'a> {
    Writer {
        store: &state.store,
        due_dates: &state.due_dates,
        today: state.today(),
        actor,
        source,
        scope: principal.authorities.as_deref(),
    }
}

#[utoipa::path(put, path = "/api/v1/children/{authority}/{child_id}",
    request_body(content = Object, description = "A care record"),
    responses((status = 200, body = Written), (status = 201, body = Written), (status = 422, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "records")]
pub async fn put_record(
    State(state): State<AppState>,
    principal: Principal,
    ChildPath(key): ChildPath,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, [(HeaderName, HeaderValue); 1], Json<Written>), ApiError> {
    records::authorize_write(&state.store, &principal, &key).await?;
    let if_version = if_match(&headers)?;
    let value = strict_json::parse(&body).map_err(|problem| ApiError::Invalid(vec![problem]))?;
    let actor = principal.actor();
    let submission = Submission {
        value,
        expected: Some(key),
        if_version,
    };
    let written = writer(&state, &actor, &principal, "api")
        .write(vec![submission])
        .await?
        .remove(0)
        .map_err(ApiError::Invalid)?;
    let status = if written.outcome == WriteOutcome::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::ETAG, etag(written.version))],
        Json(written),
    ))
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

/// The body went over the upload limit: carried through the line reader as the source of an
/// I/O error, and recognised by its type when it comes out.
#[derive(Debug, thiserror::Error)]
#[error("the upload is larger than its limit")]
struct UploadTooLarge;

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
    // A body that declares itself too large is refused before a line of it is read.
    if axum::body::HttpBody::size_hint(&body)
        .exact()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(ApiError::PartialUpload {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!("the upload is larger than the {limit}-byte limit; nothing was read"),
            report: serde_json::to_value(BulkReport::default())
                .map_err(|e| ApiError::Internal(e.into()))?,
        });
    }
    // The raw body is read as a stream, so the size limit is applied here, not by an extractor.
    let stream = http_body_util::BodyStream::new(http_body_util::Limited::new(body, limit))
        .try_filter_map(|frame| futures::future::ready(Ok(frame.into_data().ok())))
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                std::io::Error::other(UploadTooLarge)
            } else {
                std::io::Error::other(e)
            }
        });
    // Split on newlines as bytes: a line that is not UTF-8 is one rejected line, not the end.
    let mut lines = tokio_util::io::StreamReader::new(stream).split(b'\n');
    let actor = principal.actor();
    let writer = writer(&state, &actor, &principal, "bulk");
    let mut report = BulkReport::default();
    // (line number, submission)
    let mut batch: Vec<(u64, Submission)> = Vec::with_capacity(BULK_BATCH);
    let broken = loop {
        let line = match lines.next_segment().await {
            Ok(Some(line)) => line,
            Ok(None) => break None,
            Err(e)
                if e.get_ref()
                    .is_some_and(|inner| inner.is::<UploadTooLarge>()) =>
            {
                break Some((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the upload is larger than the {limit}-byte limit; it was read up to line {}",
                        report.lines
                    ),
                ));
            }
            Err(e) => {
                break Some((
                    StatusCode::BAD_REQUEST,
                    format!("reading the upload failed after line {}: {e}", report.lines),
                ));
            }
        };
        report.lines += 1;
        if line.trim_ascii().is_empty() {
            continue;
        }
        if line.len() > max_line {
            report.reject(
                report.lines,
                vec![Problem::new(
                    "",
                    format!("the line is longer than the {max_line}-byte limit for one record"),
                )],
            );
            continue;
        }
        match strict_json::parse(&line) {
            Ok(value) => batch.push((report.lines, Submission::new(value))),
            Err(problem) => report.reject(report.lines, vec![problem]),
        }
        if batch.len() >= BULK_BATCH {
            report.commit(&writer, &mut batch).await?;
        }
    };
    // Every whole line read before a break is committed or rejected as usual, and the answer
    // always says what was committed.
    report.commit(&writer, &mut batch).await?;
    match broken {
        None => Ok(Json(report)),
        Some((status, message)) => Err(ApiError::PartialUpload {
            status,
            message,
            report: serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.into()))?,
        }),
    }
}

impl BulkReport {
    fn reject(&mut self, line: u64, problems: Vec<Problem>) {
        self.rejected += 1;
        self.errors.push(LineError { line, problems });
    }

    /// Writes a batch of lines and files each line's outcome in the report, in line order.
    async fn commit(
        &mut self,
        writer: &Writer<'_>,
        batch: &mut Vec<(u64, Submission)>,
    ) -> Result<(), ApiError> {
        if batch.is_empty() {
            return Ok(());
        }
        let (numbers, submissions): (Vec<u64>, Vec<Submission>) = batch.drain(..).unzip();
        for (line, checked) in numbers.into_iter().zip(writer.write(submissions).await?) {
            match checked {
                Ok(w) => match w.outcome {
                    WriteOutcome::Created => self.created += 1,
                    WriteOutcome::Updated => self.updated += 1,
                    WriteOutcome::Unchanged => self.unchanged += 1,
                },
                Err(problems) => self.reject(line, problems),
            }
        }
        self.errors.sort_by_key(|e| e.line);
        Ok(())
    }
}

#[utoipa::path(get, path = "/api/v1/schema/care-record.json",
    responses((status = 200, description = "JSON Schema of the care record")), tag = "records")]
pub async fn schema() -> Json<Value> {
    Json(validate::schema().clone())
}
