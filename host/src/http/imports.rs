//! Imports over HTTP: an SSDA903 return uploaded as multipart parts.

use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::routing::post;
use axum::{Json, Router};
use carecheck_ssda903::{ImportOptions, InputFile};
use serde::Deserialize;

use super::error::ApiError;
use super::{AppState, checked_id};
use crate::access::audit::{self, Outcome};
use crate::access::{Principal, Role};
use crate::config::Config;
use crate::ids::Kind;
use crate::imports::{ImportSummary, PROBLEMS_IN_RESPONSE, import_ssda903};

pub fn routes(config: &Config) -> Router<AppState> {
    Router::new().route(
        "/imports/ssda903",
        post(import_ssda903_route).layer(DefaultBodyLimit::max(config.max_import_bytes)),
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The responsible authority the return belongs to.
    pub authority: String,
    /// The collection year, as the year it ends (31 March).
    pub year: i32,
    /// The date the return is read as of (default 31 March of the collection year).
    pub as_of: Option<chrono::NaiveDate>,
}

/// Imports an SSDA903 return: the CSV files (any names) or one XML file as multipart parts.
#[utoipa::path(post, path = "/api/v1/imports/ssda903", params(ImportQuery),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 200, body = ImportSummary)), security(("bearer" = [])), tag = "imports")]
pub async fn import_ssda903_route(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    mut multipart: Multipart,
) -> Result<Json<ImportSummary>, ApiError> {
    principal.require(&[Role::Admin])?;
    checked_id(Kind::Authority, "authority", &q.authority)?;
    if !principal.in_scope(&q.authority) {
        return Err(ApiError::Forbidden);
    }
    if !(2000..=2100).contains(&q.year) {
        return Err(ApiError::BadRequest(
            "year must be the collection year, e.g. 2026".into(),
        ));
    }
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?
    {
        let name = field
            .file_name()
            .or(field.name())
            .unwrap_or("upload")
            .to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::BadRequest(format!("multipart part {name}: {e}")))?;
        files.push(InputFile {
            name,
            bytes: bytes.to_vec(),
        });
    }
    if files.is_empty() {
        return Err(ApiError::BadRequest("the upload has no files".into()));
    }
    let options = ImportOptions {
        authority: q.authority.clone(),
        collection_year: q.year,
        import_date: match q.as_of {
            Some(date) => date,
            None => crate::imports::collection_year_end(q.year).ok_or_else(|| {
                ApiError::BadRequest("year must be the collection year, e.g. 2026".into())
            })?,
        },
        max_rows: carecheck_ssda903::DEFAULT_MAX_ROWS,
    };
    let actor = principal.actor();
    let mut summary = import_ssda903(
        &state.store,
        &state.due_dates,
        files,
        &options,
        &actor,
        None,
        |_, _| {},
    )
    .await?;
    let entry = actor.entry("import_ssda903", Some(&q.authority), None, Outcome::Ok);
    audit::record(&state.store, &[entry]).await?;
    summary.problems.truncate(PROBLEMS_IN_RESPONSE);
    Ok(Json(summary))
}
